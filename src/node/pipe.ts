/**
 * A minimal adapter from a sans-IO TLS 1.3 connection (`TlsClient`, `TlsServer`) to a `node:net`
 * socket: received bytes go to `handle`, `send` events are written to the socket, every other event
 * goes to the caller. The full adapter (streams, backpressure, timeouts) is built on top of this.
 * @module
 */
import type { Socket } from 'node:net';
import type { TlsEvent } from '../handshake/types.js';

/** What {@link pipeSocket} drives: the common surface of `TlsClient` and `TlsServer`. */
export interface SansIoConnection {
  /** `adopt`: the socket's fresh read buffer is handed over (records become views of it). */
  handle(bytes: Uint8Array, adopt?: boolean): TlsEvent[];
}

/** The handle {@link pipeSocket} returns. */
export interface PipedConnection {
  /** Act on the events of a user call (`client.start()`, `write`, `close`, `keyUpdate`). */
  run(events: TlsEvent[]): void;
}

/**
 * Pipe `socket` into `connection`. `onEvent` sees every event except `send`. On an `error` event the
 * alert (already among the sends) is flushed and the socket ended; a peer's close_notify is not
 * answered here — call `close()` on the connection when the application is done.
 */
export function pipeSocket(
  socket: Socket,
  connection: SansIoConnection,
  onEvent: (event: TlsEvent) => void,
): PipedConnection {
  // Events are acted on strictly in order: a listener that calls the connection while we are still
  // working through a batch (say, writing data on 'established') queues its events behind the
  // batch's remaining ones (e.g. NewSessionTickets), instead of sending its records first.
  const queue: TlsEvent[] = [];
  let draining = false;
  const run = (events: TlsEvent[]): void => {
    queue.push(...events);
    if (draining) return;
    draining = true;
    try {
      for (let e = queue.shift(); e !== undefined; e = queue.shift()) {
        if (e.kind === 'send') socket.write(e.bytes);
        else onEvent(e);
        if (e.kind === 'error') socket.end();
      }
    } finally {
      draining = false;
    }
  };
  socket.on('data', (chunk: Uint8Array) => run(connection.handle(chunk, true)));
  return { run };
}

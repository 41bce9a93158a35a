/**
 * Transports a scripted conversation runs over (RFC 8446 §5: TLS needs an ordered, reliable byte
 * stream and nothing else): the abstract {@link LabTransport}, and {@link memoryTransport}, which puts
 * one of tlswire's own sans-IO endpoints (TlsServer, Tls12Server, NegotiatingServer, or a client) on
 * the other side in memory. A Node socket transport lives in src/cli/probe.ts (Node-only).
 * @module
 */
import type { AnyTlsEvent } from '../handshake/types.js';

/** An ordered byte stream to the peer. */
export interface LabTransport {
  /** Send bytes to the peer. */
  write(bytes: Uint8Array): void | Promise<void>;
  /** The next bytes the peer sent, or null once the peer closed (end of stream). */
  read(): Promise<Uint8Array | null>;
  /** Close our side. */
  close(): void | Promise<void>;
  /**
   * Optional: true when nothing can arrive until we write again (an in-memory peer that has answered
   * everything). The runner then reports silence at once instead of waiting for its timeout.
   */
  idle?(): boolean;
}

/** A sans-IO endpoint: bytes in, events (some of them `send`) out. */
export interface SansIoPeer {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}

/** What a {@link memoryTransport} saw its peer do. */
export interface MemoryPeerLog {
  /** Every event the peer reported, in order. */
  readonly events: AnyTlsEvent[];
}

/**
 * A transport whose peer is `peer`, run in memory: each write is handed to `peer.handle`, and every
 * `send` event it produces becomes readable. After an `error` or `closed` event the peer's stream ends
 * (what the Node adapter does: it closes the socket after a fatal alert), and so does it after `close()`.
 * `initial`: events the peer produced before the first write (a client's `start()`, its ClientHello),
 * for a conversation in the server role.
 */
export function memoryTransport(peer: SansIoPeer, initial: readonly AnyTlsEvent[] = []): LabTransport & MemoryPeerLog {
  const queue: Uint8Array[] = [];
  const events: AnyTlsEvent[] = [];
  let ended = false;
  let waiter: ((b: Uint8Array | null) => void) | undefined;
  for (const e of initial) {
    events.push(e);
    if (e.kind === 'send') queue.push(e.bytes);
  }
  const wake = (): void => {
    if (!waiter) return;
    const next = queue.shift() ?? (ended ? null : undefined);
    if (next === undefined) return;
    const w = waiter;
    waiter = undefined;
    w(next);
  };
  return {
    events,
    write(bytes) {
      if (ended) return;
      let out: AnyTlsEvent[];
      try {
        out = peer.handle(bytes);
      } catch (e) {
        out = [{ kind: 'error', error: e as Error }];
      }
      events.push(...out);
      for (const e of out) {
        if (e.kind === 'send') queue.push(e.bytes);
        if (e.kind === 'error' || e.kind === 'closed') ended = true;
      }
      wake();
    },
    read() {
      return new Promise((resolve) => {
        waiter = resolve;
        wake();
      });
    },
    close() {
      ended = true;
      wake();
    },
    idle: () => queue.length === 0 && !ended,
  };
}

/**
 * A TLS connection over a WHATWG stream pair (the Streams Standard): the transport is a
 * `{ readable, writable }` of bytes, as a WebSocket-to-TCP bridge or Direct Sockets' `TCPSocket`
 * give, and the result is again a `{ readable, writable }` pair of plaintext. Drives a sans-IO client
 * or server from `tlswire/handshake`: transport bytes go to `handle`, `send` events to the transport,
 * `data` events to the readable, and close_notify (RFC 8446 §6.1) ends it. Web APIs only: runs in
 * browsers, workers, Deno, Bun and Node.
 * @module
 */
import { TlswireError } from '../bytes/errors.js';
import { TlsClient } from '../handshake/client.js';
import type { AnyTlsEvent } from '../handshake/negotiate.js';
import { TlsServer } from '../handshake/server.js';
import type { Negotiated, ServerConfig, TlsClientConfig } from '../handshake/types.js';

/** A byte stream pair: the transport below TLS, or the plaintext above it. */
export interface ByteStreams {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/** What {@link openTls} drives: the common surface of the clients and servers of `tlswire/handshake`. */
export interface TlsEndpoint {
  handle(bytes: Uint8Array): AnyTlsEvent[];
  write(data: Uint8Array): AnyTlsEvent[];
  close(): AnyTlsEvent[];
}

/** How the connection ended. */
export interface TlsClosed {
  /** The transport ended without the peer's close_notify: the data may have been cut short (RFC 8446 §6.1). */
  readonly truncated: boolean;
}

export interface OpenTlsOptions {
  /** Events other than `send` and `data`, in order (handshake messages, secrets, alerts …), for tracing. */
  onEvent?: (event: AnyTlsEvent) => void;
  /** Received plaintext chunks buffered before the transport stops being read (default 16). */
  highWaterMark?: number;
}

/** A TLS connection: plaintext streams, the handshake's outcome and the end. */
export interface WebTlsConnection extends ByteStreams {
  /** Resolves with what was negotiated once both Finished messages are done; rejects on failure. */
  readonly opened: Promise<Negotiated | undefined>;
  /** Resolves when the peer's data has ended (close_notify or the transport's end); rejects on failure. */
  readonly closed: Promise<TlsClosed>;
}

/** A promise with its settle functions, and no unhandled rejection if nobody listens. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** The state behind one {@link WebTlsConnection}. */
class Driver {
  readonly opened = deferred<Negotiated | undefined>();
  readonly closed = deferred<TlsClosed>();
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly #endpoint: TlsEndpoint;
  readonly #transport: WritableStreamDefaultWriter<Uint8Array>;
  readonly #onEvent: (event: AnyTlsEvent) => void;
  readonly #queue: AnyTlsEvent[] = [];
  #draining = false;
  #negotiated: Negotiated | undefined;
  #output!: ReadableStreamDefaultController<Uint8Array>;
  #pulled = deferred<void>();
  #ended = false;

  constructor(endpoint: TlsEndpoint, transport: ByteStreams, options: OpenTlsOptions) {
    this.#endpoint = endpoint;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#transport = transport.writable.getWriter();
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#output = controller;
        },
        pull: () => this.#pulled.resolve(),
        cancel: () => this.#finish(),
      },
      new CountQueuingStrategy({ highWaterMark: options.highWaterMark ?? 16 }),
    );
    this.writable = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        await this.opened.promise;
        this.run(this.#endpoint.write(chunk));
        await this.#transport.ready;
      },
      close: async () => this.#finish(),
      abort: async () => this.#finish(),
    });
    void this.#pump(transport.readable.getReader());
  }

  /** Act on events strictly in order (a listener's own calls queue behind the current batch). */
  run(events: AnyTlsEvent[]): void {
    this.#queue.push(...events);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let e = this.#queue.shift(); e !== undefined; e = this.#queue.shift()) this.#act(e);
    } finally {
      this.#draining = false;
    }
  }

  #act(e: AnyTlsEvent): void {
    if (e.kind === 'send') {
      this.#transport.write(e.bytes).catch((error: unknown) => this.#fail(error));
      return;
    }
    this.#onEvent(e);
    if (e.kind === 'negotiated') {
      const { kind: _, ...negotiated } = e;
      this.#negotiated = negotiated as Negotiated;
    } else if (e.kind === 'established') this.opened.resolve(this.#negotiated);
    else if (e.kind === 'data' && !this.#ended) this.#output.enqueue(e.bytes);
    else if (e.kind === 'closed') this.#end(false);
    else if (e.kind === 'error') this.#fail(e.error);
  }

  /** Read the transport into the endpoint; wait while the plaintext buffer is full. */
  async #pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      while (!this.#ended) {
        while ((this.#output.desiredSize ?? 1) <= 0 && !this.#ended) {
          this.#pulled = deferred<void>();
          await this.#pulled.promise;
        }
        const { value, done } = await reader.read();
        if (done) return this.#end(true);
        this.run(this.#endpoint.handle(value));
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      reader.releaseLock();
    }
  }

  /** The peer's data ended: close the readable (once), settle `closed`. */
  #end(truncated: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#pulled.resolve();
    if (truncated) this.opened.reject(new TlswireError('the transport ended before the TLS handshake completed'));
    this.#output.close();
    this.closed.resolve({ truncated });
  }

  /** Fail both directions with `error`; the alert (if any) was already queued on the transport. */
  #fail(error: unknown): void {
    this.opened.reject(error);
    this.closed.reject(error);
    if (!this.#ended) {
      this.#ended = true;
      this.#pulled.resolve();
      this.#output.error(error);
    }
    this.#transport.close().catch(() => {});
  }

  /** Our side is done: send close_notify, then close the transport's writable side. */
  async #finish(): Promise<void> {
    this.run(this.#endpoint.close());
    await this.#transport.close().catch(() => {});
  }
}

/** Start a TLS 1.3 client over `transport`: `connectTls(socket.opened, { provider, serverName, … })`. */
export function connectTls(
  transport: ByteStreams,
  config: TlsClientConfig,
  options?: OpenTlsOptions,
): WebTlsConnection {
  const client = new TlsClient(config);
  return openTls(transport, client, client.start(), options);
}

/** Answer a TLS 1.3 client that comes in over `transport`. */
export function acceptTls(transport: ByteStreams, config: ServerConfig, options?: OpenTlsOptions): WebTlsConnection {
  return openTls(transport, new TlsServer(config), [], options);
}

/**
 * Run TLS over `transport` with `endpoint` (a `TlsClient`, `TlsServer`, `NegotiatingClient` …).
 * `initial` are the events of the call that started it: a client's `start()`, nothing for a server.
 */
export function openTls(
  transport: ByteStreams,
  endpoint: TlsEndpoint,
  initial: AnyTlsEvent[] = [],
  options: OpenTlsOptions = {},
): WebTlsConnection {
  const driver = new Driver(endpoint, transport, options);
  driver.run(initial);
  return {
    readable: driver.readable,
    writable: driver.writable,
    opened: driver.opened.promise,
    closed: driver.closed.promise,
  };
}

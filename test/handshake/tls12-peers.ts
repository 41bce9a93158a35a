/**
 * Drivers for the TLS 1.2 interop tests against command-line peers (openssl, gnutls): our sans-IO
 * client and server (RFC 5246) run over real 127.0.0.1 sockets, received bytes kept in order, bounded
 * waits. Also the suite table every peer test runs: each RFC 5288 / RFC 7905 / RFC 8422 suite the
 * TLS 1.2 issue lists, with its OpenSSL name, its GnuTLS priority additions and a certificate whose
 * key can do the suite's authentication.
 */
import net from 'node:net';
import { concat } from '../../src/bytes/hex.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import type { Tls12Server } from '../../src/handshake/tls12/server.js';
import type { Tls12ClientConfig, Tls12ClientSession, Tls12Event } from '../../src/handshake/tls12/types.js';
import type { Machine } from './tls12-support.js';

/** Default bound on one exchange with a peer. */
export const WAIT_MS = 30_000;

/** Drive `machine` over `socket`: received bytes in, `send` events out, the rest to `onEvent`. */
export function pipe(
  socket: net.Socket,
  machine: Machine,
  onEvent: (e: Tls12Event) => void,
): (events: Tls12Event[]) => void {
  const run = (events: Tls12Event[]): void => {
    for (const e of events) {
      if (e.kind === 'send') socket.write(e.bytes);
      else onEvent(e);
      if (e.kind === 'error') socket.end();
    }
  };
  socket.on('data', (chunk: Uint8Array) => run(machine.handle(chunk)));
  return run;
}

/** What one connection of our client saw. */
export interface ClientRun {
  events: Tls12Event[];
  /** Application data received, in order. */
  chunks: Uint8Array[];
  /** Total application data bytes received. */
  bytes: number;
  /** All application data received, concatenated. */
  received(): Uint8Array;
  /** The same as UTF-8 text. */
  text(): string;
}

function clientRun(): ClientRun {
  const run: ClientRun = {
    events: [],
    chunks: [],
    bytes: 0,
    received: () => concat(...run.chunks),
    text: () => new TextDecoder().decode(run.received()),
  };
  return run;
}

/**
 * Our client to 127.0.0.1:`port`. Once established it writes `input`; it sends close_notify and ends
 * the socket when the peer closes or `done(run)` says the reply is complete. Rejects on an `error`
 * event or after `waitMs`. The server certificate is accepted unless `config.verifyServer` says otherwise.
 */
export function ourClient(
  port: number,
  config: Partial<Tls12ClientConfig>,
  input: string | Uint8Array,
  done: (run: ClientRun) => boolean,
  waitMs = WAIT_MS,
): Promise<ClientRun> {
  let timer: NodeJS.Timeout | undefined;
  const run = clientRun();
  const result = new Promise<ClientRun>((resolve, reject) => {
    const client = new Tls12Client({ serverName: 'localhost', verifyServer: () => undefined, ...config });
    const socket = net.connect(port, '127.0.0.1');
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      act(client.close());
      socket.end();
      resolve(run);
    };
    const act = pipe(socket, client, (e) => {
      run.events.push(e);
      if (e.kind === 'error') reject(e.error);
      if (e.kind === 'established') {
        act(client.write(typeof input === 'string' ? new TextEncoder().encode(input) : input));
      }
      if (e.kind === 'data') {
        run.chunks.push(e.bytes);
        run.bytes += e.bytes.length;
        if (done(run)) finish();
      }
      if (e.kind === 'closed') finish();
    });
    socket.on('connect', () => act(client.start()));
    socket.on('error', reject);
    socket.on('close', () => {
      if (!finished) reject(new Error(`connection closed before the exchange completed: ${run.bytes} bytes received`));
    });
    timer = setTimeout(() => reject(new Error(`no complete reply within ${waitMs} ms: ${run.bytes} bytes`)), waitMs);
  });
  return result.finally(() => clearTimeout(timer));
}

/** How our server answers: a short HTTP page then close (`www`), an echo (`echo`), or a script. */
export type ServerMode =
  | 'www'
  | 'echo'
  | {
      /** Called once the handshake completes; returns the machine's events (e.g. of `server.write`). */
      established?(server: Tls12Server): Tls12Event[];
      /** Called for each application data chunk. */
      data?(server: Tls12Server, bytes: Uint8Array): Tls12Event[];
    };

/** One accepted connection of {@link ourServer}: every event of its machine, and the data received. */
export interface ServerConnection {
  events: Tls12Event[];
  bytes: number;
  chunks: Uint8Array[];
}

/**
 * Our server on a free 127.0.0.1 port, one fresh machine from `make()` per connection. It answers
 * close_notify with close_notify and ends the socket.
 */
export async function ourServer(make: () => Tls12Server, mode: ServerMode) {
  const log: ServerConnection[] = [];
  const listener = net.createServer((socket) => {
    const server = make();
    const conn: ServerConnection = { events: [], bytes: 0, chunks: [] };
    log.push(conn);
    const act = pipe(socket, server, (e) => {
      conn.events.push(e);
      if (e.kind === 'established' && typeof mode === 'object' && mode.established) act(mode.established(server));
      if (e.kind === 'data') {
        conn.chunks.push(e.bytes);
        conn.bytes += e.bytes.length;
        if (mode === 'www') {
          act(server.write(new TextEncoder().encode('HTTP/1.0 200 ok\r\n\r\ntlswire TLS 1.2\r\n')));
          act(server.close());
        } else if (mode === 'echo') act(server.write(e.bytes));
        else if (mode.data) act(mode.data(server, e.bytes));
      }
      if (e.kind === 'closed') {
        act(server.close());
        socket.end();
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as net.AddressInfo).port;
  return { port, log, close: () => listener.close() };
}

/** The `negotiated` event of a connection. */
export const negotiated = (events: Tls12Event[]) =>
  events.find((e): e is Extract<Tls12Event, { kind: 'negotiated' }> => e.kind === 'negotiated');

/** The session a client connection produced for resumption. */
export const sessionOf = (events: Tls12Event[]): Tls12ClientSession | undefined =>
  (events.find((e) => e.kind === 'session') as { session: Tls12ClientSession } | undefined)?.session;

/**
 * Every TLS 1.2 suite of the issue: [IANA name, OpenSSL name, GnuTLS priority additions, server
 * certificate of test/pki/out].
 */
export const SUITES = [
  [
    'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    '+ECDHE-ECDSA:+AES-128-GCM',
    'server-ecdsa',
  ],
  [
    'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    '+ECDHE-ECDSA:+AES-256-GCM',
    'server-ecdsa',
  ],
  [
    'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    '+ECDHE-ECDSA:+CHACHA20-POLY1305',
    'server-ecdsa',
  ],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', '+ECDHE-RSA:+AES-128-GCM', 'server-rsa'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', '+ECDHE-RSA:+AES-256-GCM', 'server-rsa'],
  [
    'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    'ECDHE-RSA-CHACHA20-POLY1305',
    '+ECDHE-RSA:+CHACHA20-POLY1305',
    'server-rsa',
  ],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256', '+RSA:+AES-128-GCM', 'server-rsa'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384', '+RSA:+AES-256-GCM', 'server-rsa'],
] as const;

/** GnuTLS priority string for TLS 1.2 only. */
export const GNUTLS_TLS12 = 'NORMAL:-VERS-ALL:+VERS-TLS1.2';

/**
 * Our client to 127.0.0.1:`port` for a bulk exchange ended by close_notify both ways (RFC 5246
 * §7.2.1). Once established it writes `payload`; once it has received `expected` bytes it sends
 * close_notify, and it resolves when the peer's close_notify arrives (the `closed` event). A peer
 * that closes first gets our close_notify in reply. Rejects on an `error` event, on a connection
 * that ends without the peer's close_notify, or after `waitMs`. `config` needs its own server trust
 * (`roots` or `verifyServer`); `serverName` defaults to localhost.
 */
export function ourClientClosing(
  port: number,
  config: Tls12ClientConfig,
  payload: Uint8Array,
  expected: number,
  waitMs = WAIT_MS,
): Promise<ClientRun> {
  let timer: NodeJS.Timeout | undefined;
  const run = clientRun();
  const result = new Promise<ClientRun>((resolve, reject) => {
    const client = new Tls12Client({ serverName: 'localhost', ...config });
    const socket = net.connect(port, '127.0.0.1');
    let finished = false;
    const act = pipe(socket, client, (e) => {
      run.events.push(e);
      if (e.kind === 'error') reject(e.error);
      if (e.kind === 'established') act(client.write(payload));
      if (e.kind === 'data') {
        run.chunks.push(e.bytes);
        run.bytes += e.bytes.length;
        if (run.bytes >= expected) act(client.close());
      }
      if (e.kind === 'closed') {
        finished = true;
        act(client.close());
        socket.end();
        resolve(run);
      }
    });
    socket.on('connect', () => act(client.start()));
    socket.on('error', reject);
    socket.on('close', () => {
      if (!finished) reject(new Error(`connection ended without the peer's close_notify: ${run.bytes} bytes received`));
    });
    timer = setTimeout(() => reject(new Error(`no close_notify within ${waitMs} ms: ${run.bytes} bytes`)), waitMs);
  });
  return result.finally(() => clearTimeout(timer));
}

/**
 * Resource bounds of the Node adapter (issue #11 item 9): the server's handshake deadline (as
 * `node:tls`'s `handshakeTimeout`, which activity does not extend), the idle timeout of
 * `setTimeout`, `maxConnections` open at once, and backpressure both ways — a reader that does not
 * read stops the TCP socket, a writer whose TCP socket is full sees `write()` return false and
 * 'drain' follow, and answers to a peer's KeyUpdates it never reads stay bounded.
 * Timeouts are small (200 ms); outcomes are asserted, not durations.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TlsClient } from '../../src/handshake/client.js';
import type { AnyTlsEvent } from '../../src/handshake/negotiate.js';
import {
  connect,
  createServer,
  type TlsConnectionError,
  type TlsNetServer,
  type TlsSocket,
} from '../../src/node/index.js';
import { MAX_PENDING_REPLY_BYTES } from '../../src/node/socket.js';
import { readPki } from './peers.js';

const ROOT = readPki('root-ca.crt');
const CERT = { cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key') };
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

function within<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms).unref()),
  ]);
}

async function listening(server: TlsNetServer): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

function tcp(port: number): net.Socket {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  closers.push(() => s.destroy());
  return s;
}

/** Our client to the server on `port`, destroyed after the test. */
function client(port: number): TlsSocket {
  const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT });
  s.on('error', () => undefined);
  closers.push(() => s.destroy());
  return s;
}

const closed = (s: net.Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));
const tick = () => new Promise((r) => setTimeout(r, 20));

/** Resolve once `test()` holds, checking every 20 ms. */
async function until(test: () => boolean, what: string): Promise<void> {
  await within(
    (async () => {
      while (!test()) await tick();
    })(),
    what,
  );
}

describe('handshakeTimeout', () => {
  it('a client that sends nothing, and one that sends its ClientHello a byte at a time, get tlsClientError ERR_TLS_HANDSHAKE_TIMEOUT', async () => {
    const server = createServer({ ...CERT, handshakeTimeout: 200 });
    const errors: TlsConnectionError[] = [];
    server.on('tlsClientError', (e: TlsConnectionError) => errors.push(e));
    const port = await listening(server);
    const silent = tcp(port);
    const slow = tcp(port);
    const hello = Buffer.from(
      new TlsClient({ serverName: 'localhost', verifyServer: () => undefined })
        .start()
        .flatMap((e) => (e.kind === 'send' ? [...e.bytes] : [])),
    );
    let sent = 0;
    const drip = setInterval(() => {
      if (sent < hello.length && !slow.destroyed) slow.write(hello.subarray(sent, ++sent));
    }, 10);
    await within(Promise.all([closed(silent), closed(slow)]), 'both closed');
    clearInterval(drip);
    expect(sent).toBeLessThan(hello.length);
    expect(errors.map((e) => [e.stage, (e.cause as { code?: string }).code, e.reason])).toEqual([
      ['transport', 'ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake timeout (not done within 200 ms)'],
      ['transport', 'ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake timeout (not done within 200 ms)'],
    ]);
  });

  it('a completed handshake is not cut by it; the default is 120000 ms as in node:tls', async () => {
    expect(createServer(CERT).handshakeTimeout).toBe(120_000);
    // 1 s: room for a first (cold) handshake on a loaded machine; then we idle past it.
    const server = createServer({ ...CERT, handshakeTimeout: 1000 }, (s) => s.pipe(s));
    const port = await listening(server);
    const c = client(port);
    await within(new Promise((r) => c.once('secureConnect', r)), 'handshake');
    await new Promise((r) => setTimeout(r, 1100));
    c.end('still here');
    const echoed: Buffer[] = [];
    c.on('data', (d: Buffer) => echoed.push(d));
    await within(new Promise((r) => c.once('end', r)), 'echo');
    expect(Buffer.concat(echoed).toString()).toBe('still here');
  });
});

describe('setTimeout (idle)', () => {
  it("emits 'timeout' after the idle time and leaves the connection open, as net.Socket", async () => {
    let serverSide: TlsSocket | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      const server = createServer(CERT, (s) => {
        serverSide = s;
        s.setTimeout(200, () => resolve(s.destroyed));
      });
      void listening(server).then((port) => {
        client(port);
      });
    });
    expect(await within(timedOut, 'timeout')).toBe(false);
    expect(serverSide!.timeout).toBe(200);
    serverSide!.setTimeout(0);
    expect(serverSide!.timeout).toBe(0);
  });
});

const connections = (server: TlsNetServer) =>
  new Promise<number>((resolve) => server.getConnections((_, n) => resolve(n)));

/** Resolve once `server` has `n` connections open. */
async function open(server: TlsNetServer, n: number): Promise<void> {
  await within(
    (async () => {
      while ((await connections(server)) !== n) await tick();
    })(),
    `${n} open`,
  );
}

describe('maxConnections', () => {
  it("at most N open at once: the next is closed on accept ('drop'); one more fits once one closes", async () => {
    const server = createServer({ ...CERT, maxConnections: 2, handshakeTimeout: 0 });
    let drops = 0;
    server.on('drop', () => drops++);
    const port = await listening(server);
    const first = tcp(port);
    const second = tcp(port);
    await open(server, 2);
    const third = tcp(port);
    await within(closed(third), 'third closed');
    expect([drops, first.destroyed, second.destroyed]).toEqual([1, false, false]);
    first.destroy();
    await open(server, 1);
    tcp(port);
    await open(server, 2);
    expect(drops).toBe(1);
  });
});

describe('backpressure', () => {
  it('a server that does not read stops its TCP socket; the client sees write() false, then drain, and every byte arrives', async () => {
    let serverSide: TlsSocket | undefined;
    const server = createServer(CERT, (s) => {
      serverSide = s;
      s.pause();
    });
    const port = await listening(server);
    const c = client(port);
    await within(new Promise((r) => c.once('secureConnect', r)), 'handshake');
    const data = Buffer.alloc(16 << 20, 7);
    let accepted = 0;
    while (accepted < data.length && c.write(data.subarray(accepted, accepted + 65536))) accepted += 65536;
    accepted += 65536;
    expect(accepted).toBeLessThan(data.length);
    let drained = false;
    c.once('drain', () => {
      drained = true;
    });
    await until(() => serverSide?.socket.isPaused() === true, 'server TCP socket paused');
    // The server holds at most its readable buffer and one chunk's records.
    expect(serverSide!.readableLength).toBeLessThan(4 * 65536);
    let received = 0;
    serverSide!.on('data', (d: Buffer) => {
      received += d.length;
    });
    serverSide!.resume();
    await until(() => drained, 'drain');
    c.end(data.subarray(accepted));
    await within(new Promise((r) => serverSide!.once('end', r)), 'all received', 60_000);
    expect(received).toBe(data.length);
  });

  it('a peer that sends KeyUpdate(update_requested) and data and never reads gets its answers held to a bound', async () => {
    // The server's TCP socket takes nothing until released: as a kernel buffer that is full.
    const held: (() => void)[] = [];
    let heldBytes = 0;
    let serverSide: TlsSocket | undefined;
    const server = createServer({ ...CERT, minVersion: 'TLSv1.3', ticketer: false });
    server.prependListener('connection', (socket: net.Socket) => {
      const write = socket._write.bind(socket);
      const writev = socket._writev!.bind(socket);
      let established = false;
      socket._write = (chunk: Buffer, encoding, callback) => {
        if (!established) return write(chunk, encoding, callback);
        heldBytes += chunk.length;
        held.push(() => write(chunk, encoding, callback));
      };
      socket._writev = (chunks, callback) => {
        heldBytes += chunks.reduce((n, c) => n + (c.chunk as Buffer).length, 0);
        held.push(() => writev(chunks, callback));
      };
      server.once('secureConnection', (s: TlsSocket) => {
        serverSide = s;
        established = true;
        s.on('data', () => undefined);
      });
    });
    const port = await listening(server);
    const client = new TlsClient({ serverName: 'localhost', verifyServer: () => undefined });
    const socket = tcp(port);
    const sendAll = (events: AnyTlsEvent[]) => {
      for (const e of events) if (e.kind === 'send') socket.write(e.bytes);
    };
    socket.on('connect', () => sendAll(client.start()));
    socket.on('data', (d: Buffer) => sendAll(client.handle(d)));
    await until(() => client.isEstablished && serverSide !== undefined, 'handshake');
    socket.pause();
    const pairs = 3000;
    for (let i = 0; i < pairs; i++) sendAll([...client.keyUpdate(true), ...client.write(Uint8Array.of(i & 0xff))]);
    await until(() => serverSide!.socket.isPaused(), 'server stops reading');
    await new Promise((r) => setTimeout(r, 200));
    const readWhileHeld = serverSide!.bytesRead;
    // Each answer is one KeyUpdate record; one TCP chunk's records are handled at once.
    expect(readWhileHeld).toBeLessThan(pairs);
    expect(heldBytes).toBeGreaterThan(MAX_PENDING_REPLY_BYTES);
    expect(heldBytes).toBeLessThan(MAX_PENDING_REPLY_BYTES + 65536);
    for (const release of held.splice(0)) release();
    const release = setInterval(() => {
      for (const r of held.splice(0)) r();
    }, 5);
    await until(() => serverSide!.bytesRead === pairs, 'every pair read once released');
    clearInterval(release);
  });
});

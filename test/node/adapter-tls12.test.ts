/**
 * The Node adapter speaking TLS 1.2 against node:tls in both roles: `maxVersion: 'TLSv1.2'`, 1 MiB
 * each way, the CLIENT_RANDOM key log line equal to node's, resumption by session ID (node's
 * SSL_OP_NO_TICKET, our `sessionTickets: false`) and by RFC 5077 ticket, seen by node
 * (`isSessionReused()`) and by us; and version negotiation: the default (both versions) against a
 * TLS 1.2-only peer agrees on TLS 1.2, against a default peer on TLS 1.3.
 */
import { constants } from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { Tls12ClientSession } from '../../src/handshake/tls12/types.js';
import {
  type AnyClientSession,
  connect,
  createServer,
  isTls12Session,
  TlsSessionCache,
  type TlsSocket,
} from '../../src/node/index.js';
import { readPki } from './peers.js';

const ROOT = readPki('root-ca.crt');
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** Reject after `ms` with `what`, so no wait is unbounded. */
function within<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms).unref()),
  ]);
}

async function listening<S extends net.Server>(server: S): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

function pattern(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 131 + seed) & 0xff;
  return b;
}

/** Everything a stream yields until it ends. */
function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

/** A node:tls server that echoes, records isSessionReused() and its key log lines. */
async function nodeEchoServer(options: tls.TlsOptions) {
  const reused: boolean[] = [];
  const keylog: string[] = [];
  const server = tls.createServer(
    { cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key'), ...options },
    (s) => {
      reused.push(s.isSessionReused());
      s.pipe(s);
    },
  );
  server.on('keylog', (line: Buffer) => keylog.push(line.toString().trim()));
  // node's server keeps no session-ID cache of its own: the application does, through these events.
  const cache = new Map<string, Buffer>();
  server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
    cache.set(id.toString('hex'), data);
    done();
  });
  server.on('resumeSession', (id: Buffer, done: (e: Error | null, data: Buffer | null) => void) =>
    done(null, cache.get(id.toString('hex')) ?? null),
  );
  const port = await listening(server);
  return { port, reused, keylog };
}

/** Our client: connect, send `data`, end, and read the echo. */
async function echoThrough(socket: TlsSocket, data: Buffer): Promise<Buffer> {
  socket.on('secureConnect', () => socket.end(data));
  return within(collect(socket), 'echo', 30_000);
}

describe('connect({ maxVersion: TLSv1.2 }) against a node:tls server', () => {
  it('1 MiB echoed, CLIENT_RANDOM equal to node’s, then resumption by ticket (isSessionReused on both sides)', async () => {
    const server = await nodeEchoServer({ maxVersion: 'TLSv1.2' });
    const cache = new TlsSessionCache();
    const sessions: AnyClientSession[] = [];
    const ours: string[] = [];
    const results: { protocol: string | null; reused: boolean; cipher: number | undefined }[] = [];
    for (let i = 0; i < 2; i++) {
      const client = connect({
        host: '127.0.0.1',
        port: server.port,
        servername: 'localhost',
        ca: ROOT,
        maxVersion: 'TLSv1.2',
        sessionCache: cache,
      });
      client.on('session', (s: AnyClientSession) => sessions.push(s));
      client.on('keylog', (l: Buffer) => ours.push(l.toString().trim()));
      const data = pattern(1 << 20, i);
      expect(Buffer.compare(await echoThrough(client, data), data)).toBe(0);
      results.push({
        protocol: client.getProtocol(),
        reused: client.isSessionReused(),
        cipher: client.negotiated?.cipherSuite,
      });
    }
    expect(results).toEqual([
      { protocol: 'TLSv1.2', reused: false, cipher: 0xc02b },
      { protocol: 'TLSv1.2', reused: true, cipher: 0xc02b },
    ]);
    expect(server.reused).toEqual([false, true]);
    const first = sessions[0]!;
    expect(isTls12Session(first)).toBe(true);
    expect((first as Tls12ClientSession).ticket!.length).toBeGreaterThan(0);
    // One CLIENT_RANDOM line per connection, the same lines node logs.
    expect(ours.map((l) => l.split(' ')[0])).toEqual(['CLIENT_RANDOM', 'CLIENT_RANDOM']);
    expect(ours).toEqual(server.keylog);
  });

  it('sessionTickets: false against SSL_OP_NO_TICKET: resumption by session ID', async () => {
    const server = await nodeEchoServer({ maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET });
    let session: AnyClientSession | undefined;
    const reused: boolean[] = [];
    for (let i = 0; i < 2; i++) {
      const client = connect({
        host: '127.0.0.1',
        port: server.port,
        servername: 'localhost',
        ca: ROOT,
        maxVersion: 'TLSv1.2',
        sessionTickets: false,
        session,
      });
      client.on('session', (s: AnyClientSession) => {
        session = s;
      });
      expect((await echoThrough(client, Buffer.from('by id'))).toString()).toBe('by id');
      reused.push(client.isSessionReused());
    }
    expect(reused).toEqual([false, true]);
    expect(server.reused).toEqual([false, true]);
    const s = session as Tls12ClientSession;
    expect(s.ticket).toBeUndefined();
    expect(s.sessionId.length).toBe(32);
  });

  it('default versions against a TLS 1.2-only server agree on TLS 1.2; against a default server on TLS 1.3', async () => {
    const only12 = await nodeEchoServer({ maxVersion: 'TLSv1.2' });
    const both = await nodeEchoServer({});
    const protocols: (string | null)[] = [];
    for (const port of [only12.port, both.port]) {
      const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT });
      expect((await echoThrough(client, Buffer.from('v'))).toString()).toBe('v');
      protocols.push(client.getProtocol());
    }
    expect(protocols).toEqual(['TLSv1.2', 'TLSv1.3']);
  });
});

describe('createServer({ maxVersion: TLSv1.2 }) against node:tls clients', () => {
  /** node:tls client connections, each resuming the previous one's session; what node reports. */
  async function nodeClients(port: number, count: number, options: tls.ConnectionOptions = {}) {
    let session: Buffer | undefined;
    const out: { protocol: string | null; reused: boolean; echoed: boolean }[] = [];
    const keylog: string[] = [];
    for (let i = 0; i < count; i++) {
      const c = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT, session, ...options });
      c.on('session', (s: Buffer) => {
        session = s;
      });
      c.on('keylog', (l: Buffer) => keylog.push(l.toString().trim()));
      await within(
        new Promise<void>((r, j) => {
          c.once('secureConnect', () => r());
          c.once('error', j);
        }),
        'node handshake',
      );
      const protocol = c.getProtocol();
      const reused = c.isSessionReused();
      const data = pattern(1 << 20, i + 7);
      c.end(data);
      const echoed = Buffer.compare(await within(collect(c), 'echo', 30_000), data) === 0;
      out.push({ protocol, reused, echoed });
    }
    return { out, keylog };
  }

  async function ourServer(options: Parameters<typeof createServer>[0]) {
    const reused: boolean[] = [];
    const keylog: string[] = [];
    const server = createServer(
      { cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key'), ...options },
      (s) => {
        reused.push(s.isSessionReused());
        s.pipe(s);
      },
    );
    server.on('accept', (s: TlsSocket) => s.on('keylog', (l: Buffer) => keylog.push(l.toString().trim())));
    const port = await listening(server);
    return { port, reused, keylog };
  }

  it('1 MiB echoed, resumption by ticket; key log equal to node’s', async () => {
    const server = await ourServer({ maxVersion: 'TLSv1.2' });
    const { out, keylog } = await nodeClients(server.port, 2, { maxVersion: 'TLSv1.2' });
    expect(out).toEqual([
      { protocol: 'TLSv1.2', reused: false, echoed: true },
      { protocol: 'TLSv1.2', reused: true, echoed: true },
    ]);
    expect(server.reused).toEqual([false, true]);
    expect(server.keylog.map((l) => l.split(' ')[0])).toEqual(['CLIENT_RANDOM', 'CLIENT_RANDOM']);
    expect(server.keylog).toEqual(keylog);
  });

  it('sessionTickets: false: node resumes by session ID', async () => {
    const server = await ourServer({ maxVersion: 'TLSv1.2', sessionTickets: false });
    const { out } = await nodeClients(server.port, 3, { maxVersion: 'TLSv1.2' });
    expect(out.map((o) => [o.protocol, o.reused, o.echoed])).toEqual([
      ['TLSv1.2', false, true],
      ['TLSv1.2', true, true],
      ['TLSv1.2', true, true],
    ]);
    expect(server.reused).toEqual([false, true, true]);
  });

  it('default versions: a TLS 1.2-only node client gets TLS 1.2 and resumes; a default one gets TLS 1.3', async () => {
    const server = await ourServer({});
    const old = await nodeClients(server.port, 2, { maxVersion: 'TLSv1.2' });
    expect(old.out.map((o) => [o.protocol, o.reused])).toEqual([
      ['TLSv1.2', false],
      ['TLSv1.2', true],
    ]);
    const current = await nodeClients(server.port, 1);
    expect(current.out.map((o) => o.protocol)).toEqual(['TLSv1.3']);
  });
});

describe('connect() offering TLS 1.3 and 1.2 resumes a TLS 1.2 session (RFC 8446 §4.1.2, RFC 5077 §3.4)', () => {
  for (const by of ['ticket', 'session ID'] as const) {
    it(`against node:tls maxVersion TLSv1.2, by ${by}: isSessionReused on both sides`, async () => {
      const server = await nodeEchoServer({
        maxVersion: 'TLSv1.2',
        ...(by === 'session ID' ? { secureOptions: constants.SSL_OP_NO_TICKET } : {}),
      });
      const cache = new TlsSessionCache();
      const results: { protocol: string | null; reused: boolean }[] = [];
      for (let i = 0; i < 2; i++) {
        const client = connect({
          host: '127.0.0.1',
          port: server.port,
          servername: 'localhost',
          ca: ROOT,
          sessionCache: cache,
          sessionTickets: by === 'ticket',
        });
        expect((await echoThrough(client, Buffer.from(`dual ${i}`))).toString()).toBe(`dual ${i}`);
        results.push({ protocol: client.getProtocol(), reused: client.isSessionReused() });
      }
      expect(results).toEqual([
        { protocol: 'TLSv1.2', reused: false },
        { protocol: 'TLSv1.2', reused: true },
      ]);
      expect(server.reused).toEqual([false, true]);
      const session = cache.get('localhost', server.port) as Tls12ClientSession;
      expect(isTls12Session(session)).toBe(true);
      if (by === 'ticket') expect(session.ticket!.length).toBeGreaterThan(0);
      else expect(session.sessionId.length).toBe(32);
    });
  }
});

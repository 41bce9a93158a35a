/**
 * tlswire's Node adapter (`tlswire/node`, NodeCryptoProvider by default) against `node:tls`, over
 * 127.0.0.1 in one process (issue #12): each side is its own client talking to its own server, with the
 * same ECDSA P-256 certificate (test/pki/out/server-ecdsa) and x25519.
 * - TLS 1.3 full handshakes/s (TLS_AES_128_GCM_SHA256) and resumed (a ticket, psk_dhe_ke);
 * - TLS 1.2 full handshakes/s (ECDHE-ECDSA-AES128-GCM-SHA256, extended master secret) and resumed by
 *   session ID (tickets off on both servers);
 * - bulk MB/s over TLS 1.3 in 16 KiB writes, client → server and server → client, with the time per
 *   record of each side and, for scale, what NodeCryptoProvider's AES-GCM calls alone take per record.
 * The two sides alternate in rounds (after a GC each; three warm-up rounds each first) and the ratio
 * is the median of the per-round ratios, so a noisy machine affects both alike. These are not tinybench tasks: a handshake over a
 * socket is asynchronous and costs milliseconds; the figures are notes after the table, and go into
 * bench/results.json with it.
 */

import { constants } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { Bench } from 'tinybench';
import { connect, createServer } from '../src/node/connect.js';
import { NodeCryptoProvider } from '../src/node/crypto-provider.js';
import type { AnyClientSession } from '../src/node/session-cache.js';
import { readPki } from './support.js';

const cert = readPki('server-ecdsa-chain.pem');
const key = readPki('server-ecdsa.key');
const ca = readPki('root-ca.crt');
const RECORD = 16384;
const BULK = 32 * 1024 * 1024;
const ROUNDS = 5;
const WARMUP = 3;
const chunk = new Uint8Array(RECORD).fill(0x61);
/**
 * node:tls's suites pinned to the ones tlswire picks by default, so both sides do the same work
 * (node's own default order puts TLS_AES_256_GCM_SHA384 first).
 */
const SAME_SUITES = 'TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256';

type Version = 'TLSv1.3' | 'TLSv1.2';

/** One implementation: start its server, run one handshake (resuming `session` when given). */
interface Side {
  name: string;
  listen(version: Version, sink: boolean): Promise<{ port: number; close(): void }>;
  handshake(port: number, version: Version, session?: unknown): Promise<unknown>;
  /** Send `bytes` from the client (`up`) or from the server (`down`); resolves when all arrived. */
  bulk(port: number, up: boolean): Promise<void>;
}

const listening = (server: { listen(p: number, h: string, cb: () => void): unknown; address(): unknown }) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

/** Writes `total` bytes in 16 KiB writes, honouring backpressure. */
async function pump(w: { write(b: Uint8Array): boolean; once(e: 'drain', f: () => void): unknown }, total: number) {
  for (let sent = 0; sent < total; sent += RECORD) {
    if (!w.write(chunk)) await new Promise<void>((r) => w.once('drain', r));
  }
}

/** Counts bytes on `r` until `total` arrived. */
const drain = (r: { on(e: 'data', f: (b: Uint8Array) => void): unknown }, total: number) =>
  new Promise<void>((resolve) => {
    let got = 0;
    r.on('data', (b) => {
      got += b.length;
      if (got >= total) resolve();
    });
  });

/** A client socket of either side, as {@link settle} uses it. */
interface ClientSocket {
  on(event: 'session', f: (session: unknown) => void): unknown;
  on(event: 'secureConnect', f: () => void): unknown;
  on(event: 'error', f: (e: Error) => void): unknown;
  isSessionReused(): boolean;
  destroy(): unknown;
}

/**
 * Resolves once `s` is established and, when not resuming, has handed over a session to resume later
 * (a TLS 1.3 ticket comes after the handshake); rejects when a resumption was refused.
 */
function settle(s: ClientSocket, resuming: boolean): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let got: unknown;
    let established = false;
    const finish = () => {
      const reused = s.isSessionReused(); // before destroy(): node:tls answers false after it
      s.destroy();
      if (resuming && !reused) reject(new Error('the session was not resumed'));
      else resolve(got);
    };
    s.on('session', (x) => {
      got = x;
      if (established && !resuming) finish();
    });
    s.on('secureConnect', () => {
      established = true;
      if (resuming || got !== undefined) finish();
    });
    s.on('error', reject);
  });
}

/** Client side of {@link Side.bulk} on an established-to-be socket `s`: send BULK (`up`) or ask for it. */
async function bulkClient(
  s: {
    once(event: string, f: (...a: unknown[]) => void): unknown;
    write(b: Uint8Array | string): boolean;
    on(e: 'data', f: (b: Uint8Array) => void): unknown;
    destroy(): unknown;
  },
  up: boolean,
): Promise<void> {
  await new Promise((r) => s.once('secureConnect', r));
  if (up) await Promise.all([pump(s, BULK), new Promise((r) => s.once('data', r))]);
  else {
    s.write('go');
    await drain(s, BULK);
  }
  s.destroy();
}

/** What both sides' clients are given for one handshake. */
const clientOptions = (port: number, version: Version) =>
  ({ port, host: '127.0.0.1', servername: 'localhost', ca, minVersion: version, maxVersion: version }) as const;

/** Every server started, closed after the run. */
const servers: { close(): void }[] = [];

/** An in-memory session-ID cache for a node:tls server ('newSession' / 'resumeSession'). */
function sessionCache(server: tls.Server): void {
  const cache = new Map<string, Buffer>();
  server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
    cache.set(id.toString('hex'), data);
    done();
  });
  server.on('resumeSession', (id: Buffer, done: (e: null, data: Buffer | null) => void) =>
    done(null, cache.get(id.toString('hex')) ?? null),
  );
}

const nodeTls: Side = {
  name: 'node:tls',
  async listen(version, sink) {
    const server = tls.createServer({
      cert,
      key,
      minVersion: version,
      maxVersion: version,
      ecdhCurve: 'X25519:P-256',
      ciphers: SAME_SUITES,
      secureOptions: version === 'TLSv1.2' ? constants.SSL_OP_NO_TICKET : 0,
    });
    server.on('secureConnection', (s) => serveBulk(s, sink));
    // node:tls resumes TLS 1.2 by session ID only through these events (its documented session cache;
    // TLS 1.3 resumes with its tickets).
    if (version === 'TLSv1.2') sessionCache(server);
    const port = await listening(server);
    servers.push(server);
    return { port, close: () => server.close() };
  },
  handshake(port, version, session) {
    return settle(
      tls.connect({
        ...clientOptions(port, version),
        ecdhCurve: 'X25519:P-256',
        ciphers: SAME_SUITES,
        session: session as Buffer | undefined,
      }),
      session !== undefined,
    );
  },
  async bulk(port, up) {
    const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca, ciphers: SAME_SUITES });
    await bulkClient(s, up);
  },
};

/** Server side of {@link Side.bulk}: `sink` servers count what arrives, others send BULK on request. */
function serveBulk(s: tls.TLSSocket | import('../src/node/socket.js').TlsSocket, sink: boolean): void {
  if (sink) {
    let got = 0;
    s.on('data', (b: Uint8Array) => {
      got += b.length;
      if (got >= BULK) s.end('k');
    });
  } else s.once('data', () => void pump(s, BULK).then(() => s.end()));
  s.on('error', () => undefined);
}

const tlswire: Side = {
  name: 'tlswire',
  async listen(version, sink) {
    const server = createServer({
      cert,
      key,
      minVersion: version,
      maxVersion: version,
      groups: [0x001d, 0x0017],
      sessionTickets: version !== 'TLSv1.2',
    });
    server.on('secureConnection', (s) => serveBulk(s, sink));
    const port = await listening(server);
    servers.push(server);
    return { port, close: () => server.close() };
  },
  handshake(port, version, session) {
    return settle(
      connect({
        ...clientOptions(port, version),
        session: session as AnyClientSession | undefined,
      }),
      session !== undefined,
    );
  },
  async bulk(port, up) {
    const s = connect({ port, host: '127.0.0.1', servername: 'localhost', ca });
    await bulkClient(s, up);
  },
};

interface Measure {
  name: string;
  unit: string;
  /** Runs one round of side `side` and returns its figure (per second). */
  round(side: Side): Promise<number>;
}

function handshakes(version: Version, resumed: boolean, n: number): Measure {
  const sessions = new Map<Side, unknown>();
  const ports = new Map<Side, Promise<{ port: number; close(): void }>>();
  return {
    name: `${version === 'TLSv1.3' ? 'TLS 1.3' : 'TLS 1.2'} ${resumed ? 'resumed' : 'full'} handshakes`,
    unit: '/s',
    async round(side) {
      if (!ports.has(side)) ports.set(side, side.listen(version, true));
      const { port } = await ports.get(side)!;
      if (resumed && !sessions.has(side)) sessions.set(side, await side.handshake(port, version));
      const start = performance.now();
      for (let i = 0; i < n; i++) await side.handshake(port, version, resumed ? sessions.get(side) : undefined);
      return (n * 1000) / (performance.now() - start);
    },
  };
}

function bulk(up: boolean): Measure {
  const ports = new Map<Side, Promise<{ port: number; close(): void }>>();
  return {
    name: `TLS 1.3 bulk, 16 KiB writes, ${up ? 'client → server' : 'server → client'}`,
    unit: ' MB/s',
    async round(side) {
      if (!ports.has(side)) ports.set(side, side.listen('TLSv1.3', up));
      const { port } = await ports.get(side)!;
      const start = performance.now();
      await side.bulk(port, up);
      return BULK / 1e6 / ((performance.now() - start) / 1000);
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** The figure of each side and their ratio, alternating sides over {@link ROUNDS} rounds. */
async function compare(m: Measure): Promise<{ line: string; ours: number; theirs: number }> {
  const ours: number[] = [];
  const theirs: number[] = [];
  // Warm-up, both sides alike: the JIT needs a few rounds (a tlswire connection's first 32 MiB run at
  // about half the speed of its sixth; measured), bulk more than handshakes.
  for (let i = 0; i < (m.unit === '/s' ? WARMUP : 2 * WARMUP); i++) {
    await m.round(tlswire);
    await m.round(nodeTls);
  }
  for (let i = 0; i < ROUNDS; i++) {
    gc();
    ours.push(await m.round(tlswire));
    gc();
    theirs.push(await m.round(nodeTls));
  }
  const ratio = median(ours.map((o, i) => o / theirs[i]!));
  const fmt = (x: number) => x.toFixed(x < 100 ? 1 : 0);
  const line = `${m.name}: tlswire ${fmt(median(ours))}${m.unit}, node:tls ${fmt(median(theirs))}${m.unit}, ratio ${ratio.toFixed(2)}×`;
  return { line, ours: median(ours), theirs: median(theirs) };
}

/**
 * µs per 16 KiB TLS 1.3 record of NodeCryptoProvider's AES-128-GCM calls alone, sealing as the record
 * layer does (content and type byte into one record buffer) and opening it again: the part of a bulk
 * record's cost that node:crypto's API fixes (a fresh Cipheriv/Decipheriv and an output buffer per call).
 */
function aeadFloor(): number {
  const aead = new NodeCryptoProvider().aead('aes-128-gcm', new Uint8Array(16).fill(7));
  const nonce = new Uint8Array(12);
  const aad = Uint8Array.of(23, 3, 3, 0x40, 0x11);
  const record = new Uint8Array(RECORD + 1 + 16);
  const trailer = Uint8Array.of(23);
  const batch = (n: number) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      nonce[11] = i;
      aead.sealInto!(nonce, [chunk, trailer], aad, record, 0);
      if (aead.open(nonce, record, aad) === null) throw new Error('aead floor: open failed');
    }
    return ((performance.now() - start) * 1000) / n;
  };
  batch(500);
  return median([batch(2000), batch(2000), batch(2000)]);
}

export async function register(_bench: Bench): Promise<string[]> {
  const measures = [
    handshakes('TLSv1.3', false, 100),
    handshakes('TLSv1.3', true, 100),
    handshakes('TLSv1.2', false, 100),
    handshakes('TLSv1.2', true, 200),
    bulk(true),
    bulk(false),
  ];
  const lines = ['sockets (127.0.0.1, one process; median of alternating rounds):'];
  const perRecord = (mbs: number) => RECORD / mbs; // µs per 16 KiB record at mbs MB/s (10^6 bytes/s)
  for (const m of measures) {
    const { line, ours, theirs } = await compare(m).catch((e: Error) => {
      throw new Error(`${m.name}: ${e.message}`);
    });
    lines.push(`  ${line}`);
    if (m.unit === ' MB/s') {
      lines.push(
        `    per 16 KiB record: tlswire ${perRecord(ours).toFixed(1)} µs (both ends), node:tls ${perRecord(theirs).toFixed(1)} µs`,
      );
    }
  }
  lines.push(
    `  node:crypto AES-128-GCM calls alone, seal + open of one 16 KiB record: ${aeadFloor().toFixed(1)} µs (tlswire's floor per record)`,
  );
  for (const s of servers.splice(0)) s.close();
  return lines;
}

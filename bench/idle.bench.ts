/**
 * Memory of an idle established TLS 1.3 connection (RFC 8446), issue #12: "heap and RSS per idle
 * established connection, 10,000 connections, both sides (tlswire and node:tls)", target ≤ 16 KiB of
 * heap per connection for tlswire.
 *
 * For each implementation (tlswire's Node adapter with its default native provider; node:tls with
 * `ca` given to each connect(), which makes an OpenSSL SSL_CTX per connection; node:tls with one
 * SecureContext shared by the clients) this process forks a fresh server and a fresh client process
 * (`bench/idle-peer.ts`): the two sides are measured apart, neither process needs 20,000
 * descriptors, and neither reuses memory another implementation freed (a server in this process
 * measured the second implementation low: its RSS grew into what the first one had released).
 * Connections are opened over 127.0.0.1, at most 32 handshakes in flight, until the server has
 * accepted them all; after a settle (the server's tickets arrive) and full collections each process
 * reads `process.memoryUsage()`. The figures are deltas between a warm baseline ({@link BASE}
 * connections) and {@link N} connections, divided by the connections added. node:tls keeps its TLS state in OpenSSL's malloc'd memory, which heap and
 * external do not count: RSS is the comparable column.
 */

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Bench } from 'tinybench';
import type { IdleReply, IdleRequest } from './idle-peer.js';

/** Connections per implementation at the measurement, and at the warm baseline. */
const N = 10_000;
const BASE = 200;
/** Wait after the last handshake for the tickets and the last flights (ms). */
const SETTLE = 1000;
const TARGET_KIB = 16;

/** Implementations as bench/idle-peer.ts names them, and as the output does. */
const RUNS = [
  ['tlswire', 'tlswire'],
  ['node:tls', 'node:tls'],
  ['node:tls-shared', 'node:tls (one SecureContext)'],
] as const;
type Which = (typeof RUNS)[number][0];
type Usage = NodeJS.MemoryUsage;

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const peerScript = fileURLToPath(new URL('./idle-peer.ts', import.meta.url));
// The same loader as this process (tsx's, as `npm run bench` starts it), and gc() for the peers.
const execArgv = [...process.execArgv.filter((a) => a !== '--expose-gc'), '--expose-gc'];

/** A forked peer: its next reply (a `failed` one rejects), a request, and its exit. */
interface Peer {
  child: ChildProcess;
  next(): Promise<IdleReply>;
  ask(request: IdleRequest): Promise<IdleReply>;
  exited: Promise<void>;
}

function peer(args: string[]): Peer {
  const child = fork(peerScript, args, { execArgv, stdio: 'inherit' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const next = () =>
    new Promise<IdleReply>((resolve, reject) => {
      const died = () => reject(new Error(`idle bench: the ${args.join(' ')} process exited`));
      child.once('exit', died);
      child.once('message', (reply: IdleReply) => {
        child.off('exit', died);
        if (reply.kind === 'failed') reject(new Error(`idle bench: ${reply.message}`));
        else resolve(reply);
      });
    });
  const ask = (request: IdleRequest) => {
    const reply = next();
    child.send(request);
    return reply;
  };
  return { child, next, ask, exited };
}

/** Memory of both sides at one count of idle connections. */
interface Sample {
  server: Usage;
  client: Usage;
}

/** Both sides at `total` connections: opened and accepted, TLS 1.3, settled, collected. */
async function sample(server: Peer, client: Peer, total: number): Promise<Sample> {
  const opened = await Promise.all([client.ask({ kind: 'open', total }), server.ask({ kind: 'open', total })]);
  const versions = opened.map((r) => (r.kind === 'opened' ? r.protocol : r.kind));
  if (versions.some((v) => v !== 'TLSv1.3')) throw new Error(`idle bench: negotiated ${versions.join(', ')}`);
  await settle(SETTLE);
  const [s, c] = await Promise.all([server.ask({ kind: 'measure' }), client.ask({ kind: 'measure' })]);
  if (s.kind !== 'memory' || c.kind !== 'memory') throw new Error('idle bench: a peer did not report its memory');
  return { server: s.usage, client: c.usage };
}

/** One implementation's server and clients, each in a fresh process, sampled at BASE and N connections. */
async function measure(which: Which): Promise<{ base: Sample; full: Sample }> {
  const server = peer(['server', which]);
  const peers = [server];
  try {
    const listening = await server.next();
    if (listening.kind !== 'listening') throw new Error('idle bench: the server did not report its port');
    const client = peer(['client', which, String(listening.port)]);
    peers.push(client);
    const base = await sample(server, client, BASE);
    const full = await sample(server, client, N);
    return { base, full };
  } finally {
    // Clients first, so the server's sockets see the close and none is left half open.
    for (const p of peers.reverse()) {
      if (p.child.connected) p.child.send({ kind: 'close' } satisfies IdleRequest);
      else p.child.kill();
      await p.exited;
    }
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** KiB per connection added between two samples of one side. */
function perConnection(before: Usage, after: Usage): Record<'heap' | 'external' | 'arrayBuffers' | 'rss', number> {
  const kib = (k: keyof Usage) => (after[k] - before[k]) / (N - BASE) / 1024;
  return { heap: kib('heapUsed'), external: kib('external'), arrayBuffers: kib('arrayBuffers'), rss: kib('rss') };
}

export async function register(_bench: Bench): Promise<string[]> {
  const lines = [
    `idle established TLS 1.3 connections over 127.0.0.1: ${N.toLocaleString('en-US')} per implementation, ` +
      `deltas from ${BASE} to ${N.toLocaleString('en-US')} after full GCs; server and clients each in a fresh process:`,
  ];
  const heaps: string[] = [];
  for (const [which, label] of RUNS) {
    const started = Date.now();
    const { base, full } = await measure(which);
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    for (const side of ['server', 'client'] as const) {
      const m = perConnection(base[side], full[side]);
      lines.push(
        `  ${label} ${side}: heap ${m.heap.toFixed(1)} KiB, external ${m.external.toFixed(1)} KiB ` +
          `(array buffers ${m.arrayBuffers.toFixed(1)} KiB), RSS ${m.rss.toFixed(1)} KiB per connection`,
      );
      if (which === 'tlswire') heaps.push(`${side} ${m.heap.toFixed(1)} KiB ${m.heap <= TARGET_KIB ? 'ok' : 'OVER'}`);
    }
    lines.push(
      `  (${label} ${seconds} s, RSS at ${N}: server ${mib(full.server.rss)}, client ${mib(full.client.rss)})`,
    );
  }
  lines.push(
    `  target (#12) tlswire heap ≤ ${TARGET_KIB} KiB per idle connection: ${heaps.join(', ')}`,
    "  node:tls keeps its TLS state in OpenSSL's malloc'd memory, outside heap and external: RSS is the comparable column;",
    '  node:tls clients given `ca` make an OpenSSL SSL_CTX per connection, with one shared SecureContext they do not',
  );
  return lines;
}

/**
 * One side of `bench/idle.bench.ts` (issue #12): a process holding idle TLS 1.3 connections (RFC
 * 8446) over 127.0.0.1 with tlswire's Node adapter or node:tls, as a server or as the clients, driven
 * over IPC by the bench, which forks one of each per implementation so that the two sides are measured
 * apart, each in a fresh process. Not a bench itself (bench/run.ts loads only `*.bench.ts`).
 *
 * Usage (by the bench only): `fork('bench/idle-peer.ts', ['server', implementation])`, then
 * `fork('bench/idle-peer.ts', ['client', implementation, port])`, with the tsx loader and `--expose-gc`
 * in `execArgv`; implementation `tlswire`, `node:tls`, or `node:tls-shared` (node:tls clients sharing
 * one SecureContext). The server first reports its port.
 */
import tls from 'node:tls';
import { pathToFileURL } from 'node:url';
import { connect, createServer } from '../src/node/connect.js';
import { readPki } from './support.js';

/** What the bench asks: reach `total` connections (a client opens them, a server waits for them), report memory, or close all and exit. */
export type IdleRequest = { kind: 'open'; total: number } | { kind: 'measure' } | { kind: 'close' };

/** What a peer answers. */
export type IdleReply =
  | { kind: 'listening'; port: number }
  | { kind: 'opened'; total: number; protocol: string | null }
  | { kind: 'memory'; usage: NodeJS.MemoryUsage }
  | { kind: 'failed'; message: string };

/** Handshakes a client keeps in flight at once. */
const CONCURRENCY = 32;
/** Longest a server waits for the connections the clients open (ms). */
const ACCEPT_TIMEOUT = 60_000;

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two full collections, a pause for finalizers and freed native memory, two more. */
async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('idle bench: run with --expose-gc (npm run bench does)');
  gc();
  gc();
  await settle(300);
  gc();
  gc();
}

interface Idle {
  destroy(): unknown;
  getProtocol(): string | null;
}

/** The client side: `reach(total)` opens connections until `total` are established. */
function clients(which: string, port: number): { kept: Idle[]; reach(total: number): Promise<void> } {
  const options = { host: '127.0.0.1', port, servername: 'localhost', ca: readPki('root-ca.crt') };
  // node:tls makes a SecureContext (an OpenSSL SSL_CTX with its own trust store) per connect() given
  // `ca`; 'node:tls-shared' passes one made once instead.
  const shared = { ...options, ca: undefined, secureContext: tls.createSecureContext({ ca: options.ca }) };
  const kept: Idle[] = [];
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const s = which === 'tlswire' ? connect(options) : tls.connect(which === 'node:tls-shared' ? shared : options);
      s.once('secureConnect', () => resolve());
      s.on('error', reject);
      kept.push(s);
    });
  const worker = async (total: number) => {
    while (kept.length < total) await open();
  };
  return {
    kept,
    reach: async (total) => {
      await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(total)));
    },
  };
}

/** The server side: `reach(total)` waits until `total` handshakes have completed. */
async function server(
  which: string,
): Promise<{ kept: Idle[]; port: number; reach(total: number): Promise<void>; close(): void }> {
  const options = { cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key') };
  const s = which === 'tlswire' ? createServer(options) : tls.createServer(options);
  const kept: Idle[] = [];
  let failure: Error | undefined;
  s.on('secureConnection', (c: Idle) => kept.push(c));
  s.on('tlsClientError', (e: Error) => {
    failure ??= e;
  });
  const port = await new Promise<number>((r) =>
    s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)),
  );
  const reach = async (total: number) => {
    const end = Date.now() + ACCEPT_TIMEOUT;
    while (kept.length < total) {
      if (failure) throw failure;
      if (Date.now() > end) throw new Error(`accepted ${kept.length} of ${total} in ${ACCEPT_TIMEOUT} ms`);
      await settle(10);
    }
  };
  return { kept, port, reach, close: () => s.close() };
}

async function main(): Promise<void> {
  const [role, which, portText] = process.argv.slice(2);
  const send = (reply: IdleReply) => process.send?.(reply);
  const side = role === 'server' ? await server(which!) : { ...clients(which!, Number(portText)), close() {} };
  if ('port' in side) send({ kind: 'listening', port: side.port });
  process.on('message', (request: IdleRequest) => {
    if (request.kind === 'open') {
      side.reach(request.total).then(
        () => send({ kind: 'opened', total: side.kept.length, protocol: side.kept[0]?.getProtocol() ?? null }),
        (e: Error) => send({ kind: 'failed', message: `${which} ${role}: ${e.message}` }),
      );
    } else if (request.kind === 'measure') {
      collect().then(() => send({ kind: 'memory', usage: process.memoryUsage() }));
    } else {
      for (const c of side.kept) c.destroy();
      side.close();
      process.disconnect();
    }
  });
}

// Run only when forked as a script, not when the bench imports the message types from here.
if (process.send && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();

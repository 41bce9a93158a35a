/**
 * Memory of an idle established connection (issue #12 target: ≤ 16 KiB of heap per connection):
 * 400 TLS 1.3 connections opened over 127.0.0.1 to a server in the same process and kept open, the
 * JavaScript heap (`heapUsed`) and external memory measured after full collections before and after,
 * divided by 800 endpoints (each connection is a client and a server here). tlswire's Node adapter
 * beside node:tls — whose TLS state lives in OpenSSL's malloc'd memory, which these figures do not
 * see, so only tlswire's column is comparable to the target.
 */

import tls from 'node:tls';
import type { Bench } from 'tinybench';
import { connect, createServer } from '../src/node/connect.js';
import { readPki } from './support.js';

const N = 400;
const options = { cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key') };
const client = { host: '127.0.0.1', servername: 'localhost', ca: readPki('root-ca.crt') };
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('idle bench: run with --expose-gc (npm run bench does)');
  gc();
  gc();
}

/** KiB of heap and external memory per endpoint for `N` more idle connections of one implementation. */
async function perEndpoint(which: 'tlswire' | 'node:tls'): Promise<string> {
  const server = which === 'tlswire' ? createServer(options) : tls.createServer(options);
  const kept: { destroy(): unknown }[] = [];
  server.on('secureConnection', (s: { destroy(): unknown }) => kept.push(s));
  const port = await new Promise<number>((r) =>
    server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)),
  );
  const open = () =>
    new Promise<void>((r) => {
      const s = which === 'tlswire' ? connect({ ...client, port }) : tls.connect({ ...client, port });
      s.once('secureConnect', () => r());
      kept.push(s);
    });
  for (let i = 0; i < 20; i++) await open();
  await settle(200);
  collect();
  const before = process.memoryUsage();
  for (let i = 0; i < N; i++) await open();
  await settle(500);
  collect();
  const after = process.memoryUsage();
  for (const s of kept) s.destroy();
  server.close();
  const kib = (k: 'heapUsed' | 'external') => ((after[k] - before[k]) / (2 * N) / 1024).toFixed(1);
  return `  ${which}: heap ${kib('heapUsed')} KiB, external ${kib('external')} KiB per endpoint`;
}

export async function register(_bench: Bench): Promise<string[]> {
  return [
    `idle established TLS 1.3 connections (${N}, both ends in this process):`,
    await perEndpoint('tlswire'),
    await perEndpoint('node:tls'),
  ];
}

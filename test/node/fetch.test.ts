/**
 * Node's global `fetch` over tlswire (issue #13): `fetchDispatcher()` builds the `Agent` of the undici
 * bundled in Node with our `connect` as its connector. The same fetches run through the same Agent
 * class with node:tls as the connector must observe the same: status, body, the TLS version the server
 * saw, and the error code of an untrusted server (undici puts it in `error.cause`).
 */
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchDispatcher } from '../../src/node/index.js';
import { readPki } from './peers.js';

const ROOT = readPki('root-ca.crt');
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function httpsServer(leaf: string): Promise<number> {
  const server = https.createServer({ cert: readPki(`${leaf}-chain.pem`), key: readPki(`${leaf}.key`) }, (req, res) =>
    res.end(`node says ${req.url} over ${(req.socket as tls.TLSSocket).getProtocol()}`),
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

type Dispatcher = { close(): Promise<void>; destroy(): Promise<void> };

/** The same bundled Agent with node:tls as its connector. */
function nodeTlsDispatcher(options: tls.ConnectionOptions): Dispatcher {
  const Agent = (globalThis as unknown as Record<symbol, { constructor: new (o: object) => Dispatcher }>)[
    Symbol.for('undici.globalDispatcher.1')
  ]!.constructor;
  return new Agent({
    connect: (o: { hostname: string; port: string }, cb: (e: Error | null, s: tls.TLSSocket | null) => void) => {
      const s = tls.connect({ ALPNProtocols: ['http/1.1'], ...options, host: o.hostname, port: Number(o.port) });
      s.once('error', (e) => cb(e, null));
      s.once('secureConnect', () => cb(null, s));
    },
  });
}

/** Fetch `paths` with `dispatcher`: each status and body, or the error's cause code. */
async function fetchAll(dispatcher: Dispatcher, port: number, paths: string[]): Promise<unknown[]> {
  closers.push(() => dispatcher.destroy());
  const out: unknown[] = [];
  for (const path of paths) {
    try {
      const response = await fetch(`https://localhost:${port}${path}`, { dispatcher } as RequestInit);
      out.push({ status: response.status, body: await response.text() });
    } catch (e) {
      out.push({ cause: ((e as Error).cause as { code?: string } | undefined)?.code });
    }
  }
  return out;
}

describe('fetch with fetchDispatcher()', () => {
  it('two fetches: the same as node:tls in the same Agent', async () => {
    const port = await httpsServer('server-ecdsa');
    const ours = await fetchAll(await fetchDispatcher({ ca: ROOT }), port, ['/a', '/b']);
    const theirs = await fetchAll(nodeTlsDispatcher({ ca: ROOT }), port, ['/a', '/b']);
    expect(ours).toEqual(theirs);
    expect(ours).toEqual([
      { status: 200, body: 'node says /a over TLSv1.3' },
      { status: 200, body: 'node says /b over TLSv1.3' },
    ]);
  });

  it('options reach connect (maxVersion); an untrusted server fails with node’s code in error.cause', async () => {
    const port = await httpsServer('server-ecdsa');
    const ours = await fetchAll(await fetchDispatcher({ ca: ROOT, maxVersion: 'TLSv1.2' }), port, ['/v']);
    expect(ours).toEqual([{ status: 200, body: 'node says /v over TLSv1.2' }]);
    const expired = await httpsServer('bad-expired');
    const refused = await fetchAll(await fetchDispatcher({ ca: ROOT }), expired, ['/']);
    expect(refused).toEqual(await fetchAll(nodeTlsDispatcher({ ca: ROOT }), expired, ['/']));
    expect(refused).toEqual([{ cause: 'CERT_HAS_EXPIRED' }]);
  });
});

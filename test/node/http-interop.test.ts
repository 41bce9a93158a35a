/**
 * `tlswire/node` under real HTTP stacks (issue #13): `https.get` through an `https.Agent` whose
 * `createConnection` is our `connect` (keep-alive reuse included), and Node's `http.Server` serving
 * over our server's sockets (`server.emit('connection', tlsSocket)`), fetched by node's `https`, by
 * `curl` (OpenSSL), by `wget` (GnuTLS in Debian's build) and by `gnutls-cli`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, createServer, type TlsNetServer, TlsSocket } from '../../src/node/index.js';
import { killAll, pki, readPki, SKIP_GNUTLS, startPeer } from './peers.js';

const ROOT = readPki('root-ca.crt');
const HAS_CURL = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;
const SKIP_CURL = !HAS_CURL && process.env.CI !== 'true';
const HAS_WGET = spawnSync('wget', ['--version'], { stdio: 'ignore' }).status === 0;
const SKIP_WGET = !HAS_WGET && process.env.CI !== 'true';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
  killAll();
});

async function listening<S extends net.Server>(server: S): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

/** GET `url` with node's https, resolving with status, body and the socket used. */
function get(url: string, options: https.RequestOptions): Promise<{ status: number; body: string; socket: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), socket: req.socket }),
      );
    });
    req.on('error', reject);
  });
}

/** Node's http.Server behind our TLS server: every secure connection is handed to it. */
async function tlswireHttpsServer(): Promise<{ port: number; server: TlsNetServer }> {
  const app = http.createServer((req, res) => {
    const s = req.socket as unknown as TlsSocket;
    res.setHeader('content-type', 'text/plain');
    res.end(`hello ${req.url} over ${s.getProtocol()} ${s.getCipher()?.standardName} alpn=${s.alpnProtocol}\n`);
  });
  const server = createServer({
    cert: readFileSync(pki('server-ecdsa-chain.pem')),
    key: readFileSync(pki('server-ecdsa.key')),
    ALPNProtocols: ['http/1.1'],
  });
  server.on('secureConnection', (s) => app.emit('connection', s));
  server.on('tlsClientError', () => undefined);
  return { port: await listening(server), server };
}

describe('https.get over our client', () => {
  it('an https.Agent whose createConnection is our connect: two requests on one kept-alive connection', async () => {
    const server = https.createServer(
      { cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key') },
      (req, res) => res.end(`node says ${req.url}`),
    );
    const port = await listening(server);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    (agent as unknown as { createConnection: unknown }).createConnection = (options: object) =>
      connect({ ...options, ca: ROOT } as Parameters<typeof connect>[0]);
    closers.push(() => agent.destroy());
    const first = await get(`https://localhost:${port}/a`, { agent });
    const second = await get(`https://localhost:${port}/b`, { agent });
    expect(first).toMatchObject({ status: 200, body: 'node says /a' });
    expect(second).toMatchObject({ status: 200, body: 'node says /b' });
    expect(first.socket).toBeInstanceOf(TlsSocket);
    expect(second.socket).toBe(first.socket);
  });

  it('a per-request createConnection: a bad certificate fails the request with node’s code', async () => {
    const server = https.createServer(
      { cert: readPki('bad-expired-chain.pem'), key: readPki('bad-expired.key') },
      (_req, res) => res.end('never'),
    );
    server.on('tlsClientError', () => undefined);
    const port = await listening(server);
    const error = await get(`https://localhost:${port}/`, {
      agent: false,
      createConnection: ((options: object) =>
        connect({ ...options, ca: ROOT } as Parameters<typeof connect>[0])) as never,
    }).catch((e: Error & { code?: string }) => e);
    expect(error).toMatchObject({ code: 'CERT_HAS_EXPIRED' });
  });
});

describe('node http.Server over our server', () => {
  it('node https.get with keep-alive: two requests, one TLS connection', async () => {
    const { port } = await tlswireHttpsServer();
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: ROOT });
    closers.push(() => agent.destroy());
    const first = await get(`https://localhost:${port}/one`, { agent });
    const second = await get(`https://localhost:${port}/two`, { agent });
    // node's https offers no ALPN: alpnProtocol is false, as with node:tls.
    expect(first.body).toBe('hello /one over TLSv1.3 TLS_AES_128_GCM_SHA256 alpn=false\n');
    expect(second.body).toBe('hello /two over TLSv1.3 TLS_AES_128_GCM_SHA256 alpn=false\n');
    expect(second.socket).toBe(first.socket);
  });

  it.skipIf(SKIP_CURL)('curl (OpenSSL) fetches a page, TLS 1.3 and TLS 1.2', async () => {
    const { port } = await tlswireHttpsServer();
    for (const [flags, expected] of [
      [['--tlsv1.3'], 'TLSv1.3 TLS_AES_128_GCM_SHA256'],
      [['--tlsv1.2', '--tls-max', '1.2'], 'TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
    ] as const) {
      const args = ['-sS', '--cacert', pki('root-ca.crt'), '--resolve', `localhost:${port}:127.0.0.1`, ...flags];
      const peer = startPeer('curl', [...args, `https://localhost:${port}/curl`]);
      expect(await peer.exited()).toBe(0);
      expect(peer.output()).toBe(`hello /curl over ${expected} alpn=http/1.1\n`);
    }
  });

  it.skipIf(SKIP_GNUTLS)('gnutls-cli fetches a page', async () => {
    const { port } = await tlswireHttpsServer();
    const peer = startPeer(
      'gnutls-cli',
      ['--x509cafile', pki('root-ca.crt'), '--alpn', 'http/1.1', '-p', String(port), 'localhost'],
      'GET /gnutls HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      true,
    );
    await peer.waitFor(/hello \/gnutls over TLSv1\.3 TLS_\w+ alpn=http\/1\.1\n/);
    peer.proc.stdin!.end();
    await peer.exited();
  });

  it.skipIf(SKIP_WGET)('wget fetches a page, verifying our chain against the test root', async () => {
    const { port } = await tlswireHttpsServer();
    const peer = startPeer('wget', [
      '-q',
      '-O',
      '-',
      '--prefer-family=IPv4',
      '--ca-certificate',
      pki('root-ca.crt'),
      `https://localhost:${port}/wget`,
    ]);
    expect(await peer.exited()).toBe(0);
    // wget sends no ALPN; our server's suite preference picks AES-128-GCM.
    expect(peer.output()).toBe('hello /wget over TLSv1.3 TLS_AES_128_GCM_SHA256 alpn=false\n');
  });

  it.skipIf(SKIP_WGET)(
    'wget refuses our server when it does not trust the root (exit status 5, SSL verification)',
    async () => {
      const { port } = await tlswireHttpsServer();
      const peer = startPeer('wget', ['-q', '-O', '-', '--prefer-family=IPv4', `https://localhost:${port}/`]);
      expect(await peer.exited()).toBe(5);
    },
  );
});

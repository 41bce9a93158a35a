/**
 * The node:tls contract of `tlswire/node` (issue #13): the same client code run with `node:tls` and
 * with our `connect`, against one node:tls server of the test PKI, must observe the same values —
 * the connect forms and their callback, `authorized` / `authorizationError`, `getCipher()`,
 * `servername`, `alpnProtocol`, `getProtocol()`, `getPeerCertificate()` (plain and detailed, field by
 * field), error `code`s, `keylog` Buffers — and our server must look the same to a node:tls client.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { connect, createServer } from '../../src/node/index.js';
import { cleanupAfterEach } from './cleanup.js';
import { pki, readPki } from './peers.js';

const ROOT = readPki('root-ca.crt');
const { closers, listening } = cleanupAfterEach();

/** A node:tls server of `leaf` (its chain file) that answers "ok" and closes. */
function nodeServer(leaf: string, options: tls.TlsOptions = {}): Promise<number> {
  const server = tls.createServer(
    { cert: readFileSync(pki(`${leaf}-chain.pem`)), key: readFileSync(pki(`${leaf}.key`)), ...options },
    (s) => {
      s.on('error', () => undefined);
      s.end('ok');
    },
  );
  server.on('tlsClientError', () => undefined);
  return listening(server);
}

type Connect = (...args: unknown[]) => tls.TLSSocket;
const IMPLEMENTATIONS: [string, Connect][] = [
  ['node:tls', tls.connect as unknown as Connect],
  ['tlswire', connect as unknown as Connect],
];

/** What a client observes once connected, or the error it got. */
interface Observed {
  callback: boolean;
  authorized?: boolean;
  authorizationError?: unknown;
  cipher?: unknown;
  protocol?: string | null;
  servername?: unknown;
  alpnProtocol?: unknown;
  keylogIsBufferLine?: boolean;
  error?: { code: unknown };
}

/** Run `open` (a connect call given the implementation and a callback) and observe the socket. */
function observe(open: (connectFn: Connect, cb: () => void) => tls.TLSSocket, impl: Connect): Promise<Observed> {
  return new Promise((resolve) => {
    const keylog: unknown[] = [];
    let callback = false;
    const socket = open(impl, () => {
      callback = true;
    });
    socket.on('keylog', (line: unknown) => keylog.push(line));
    socket.on('secureConnect', () => {
      setImmediate(() => {
        resolve({
          callback,
          authorized: socket.authorized,
          authorizationError: socket.authorizationError,
          cipher: socket.getCipher(),
          protocol: socket.getProtocol(),
          servername: (socket as unknown as { servername: unknown }).servername,
          alpnProtocol: socket.alpnProtocol,
          keylogIsBufferLine:
            keylog.length > 0 &&
            keylog.every((l) => Buffer.isBuffer(l) && /^[A-Z_0-9]+ [0-9a-f]+ [0-9a-f]+\n$/.test(l.toString())),
        });
        socket.destroy();
      });
    });
    socket.on('error', (e: Error & { code?: unknown }) => resolve({ callback, error: { code: e.code } }));
  });
}

/** Run with both implementations and expect equal observations; returns node's. */
async function same(open: (connectFn: Connect, cb: () => void) => tls.TLSSocket): Promise<Observed> {
  const [theirs, ours] = await Promise.all(IMPLEMENTATIONS.map(([, impl]) => observe(open, impl)));
  expect(ours).toEqual(theirs);
  return theirs!;
}

describe('connect() observed as node:tls observes it', () => {
  it('connect(options, cb), TLS 1.3: callback, authorized, getCipher, servername, alpnProtocol false, keylog Buffers', async () => {
    const port = await nodeServer('server-ecdsa');
    const seen = await same((c, cb) =>
      c(
        {
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          ca: ROOT,
          ciphers: 'TLS_AES_128_GCM_SHA256',
          ALPNProtocols: ['h2'],
        },
        cb,
      ),
    );
    expect(seen).toMatchObject({
      callback: true,
      authorized: true,
      authorizationError: null,
      cipher: { name: 'TLS_AES_128_GCM_SHA256', standardName: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3' },
      protocol: 'TLSv1.3',
      servername: 'localhost',
      alpnProtocol: false,
      keylogIsBufferLine: true,
    });
  });

  it('connect(port, host, options, cb), TLS 1.2 with a Buffer of PEM as ca, ALPN agreed', async () => {
    const port = await nodeServer('server-rsa', { ALPNProtocols: ['http/1.1'] });
    const seen = await same((c, cb) =>
      c(
        port,
        '127.0.0.1',
        {
          servername: 'localhost',
          ca: readFileSync(pki('root-ca.crt')),
          maxVersion: 'TLSv1.2',
          ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
          ALPNProtocols: ['h2', 'http/1.1'],
        },
        cb,
      ),
    );
    expect(seen).toMatchObject({
      callback: true,
      authorized: true,
      cipher: {
        name: 'ECDHE-RSA-AES128-GCM-SHA256',
        standardName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
        version: 'TLSv1.2',
      },
      protocol: 'TLSv1.2',
      alpnProtocol: 'http/1.1',
    });
  });

  it('connect(port, options, cb) to an IP, rejectUnauthorized false: no SNI (servername false), the verification result kept', async () => {
    const port = await nodeServer('server-ecdsa');
    const seen = await same((c, cb) =>
      c(port, { host: '127.0.0.1', rejectUnauthorized: false, ciphers: 'TLS_AES_128_GCM_SHA256' }, cb),
    );
    expect(seen).toMatchObject({
      callback: true,
      authorized: false,
      authorizationError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      servername: false,
    });
  });

  const failures: [string, string, string][] = [
    ['bad-expired', 'ca', 'CERT_HAS_EXPIRED'],
    ['bad-notyetvalid', 'ca', 'CERT_NOT_YET_VALID'],
    ['bad-wronghost', 'ca', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['bad-selfsigned', 'ca', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['server-ecdsa', 'none', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
    ['server-ecdsa', 'unknown', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  ];
  for (const [leaf, trust, code] of failures) {
    it(`${leaf}, ca ${trust}: error code ${code}, and the same authorizationError with rejectUnauthorized false`, async () => {
      const port = await nodeServer(leaf);
      const ca = trust === 'ca' ? ROOT : trust === 'unknown' ? readPki('unknown-ca.crt') : undefined;
      const options = { host: '127.0.0.1', port, servername: 'localhost', ...(ca ? { ca } : {}) };
      const refused = await same((c, cb) => c(options, cb));
      expect(refused).toEqual({ callback: false, error: { code } });
      const allowed = await same((c, cb) => c({ ...options, rejectUnauthorized: false }, cb));
      expect(allowed).toMatchObject({ callback: true, authorized: false, authorizationError: code });
    });
  }

  it('the leaf alone, its issuer unknown: UNABLE_TO_VERIFY_LEAF_SIGNATURE', async () => {
    const server = tls.createServer({ cert: readPki('server-ecdsa.crt'), key: readPki('server-ecdsa.key') }, (s) =>
      s.end(),
    );
    server.on('tlsClientError', () => undefined);
    const port = await listening(server);
    const seen = await same((c, cb) => c({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT }, cb));
    expect(seen).toEqual({ callback: false, error: { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } });
  });

  it('a chain ending in a root the client does not trust: SELF_SIGNED_CERT_IN_CHAIN', async () => {
    const server = tls.createServer(
      { cert: readPki('server-ecdsa-fullchain.pem'), key: readPki('server-ecdsa.key') },
      (s) => s.end(),
    );
    server.on('tlsClientError', () => undefined);
    const port = await listening(server);
    const options = { host: '127.0.0.1', port, servername: 'localhost', ca: readPki('unknown-ca.crt') };
    expect(await same((c, cb) => c(options, cb))).toEqual({
      callback: false,
      error: { code: 'SELF_SIGNED_CERT_IN_CHAIN' },
    });
  });

  it('an alert from the server (certificate_required, TLS 1.3): ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', async () => {
    const server = tls.createServer(
      { ...{ cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key') }, requestCert: true, ca: ROOT },
      (s) => s.end(),
    );
    server.on('tlsClientError', () => undefined);
    const port = await listening(server);
    const options = { host: '127.0.0.1', port, servername: 'localhost', ca: ROOT };
    // In TLS 1.3 the client completes first: the alert is the error that follows secureConnect.
    const codes = await Promise.all(
      IMPLEMENTATIONS.map(
        ([, impl]) =>
          new Promise<unknown>((resolve) => {
            const s = impl(options);
            s.on('data', () => undefined);
            s.on('error', (e: Error & { code?: unknown }) => resolve(e.code));
            s.on('close', () => resolve('closed without error'));
          }),
      ),
    );
    expect(codes).toEqual(['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED']);
  });

  it('a server that closes the TCP connection at once: ECONNRESET', async () => {
    const server = (await import('node:net')).createServer((s) => s.destroy());
    const port = await listening(server);
    const seen = await same((c, cb) => c({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT }, cb));
    expect(seen).toEqual({ callback: false, error: { code: 'ECONNRESET' } });
  });
});

/** getPeerCertificate(detailed) of a connection made with `impl`, certificate by certificate up the chain. */
function peerCertificates(impl: Connect, port: number, detailed: boolean): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const socket = impl({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT }, () => {
      const chain: Record<string, unknown>[] = [];
      const seen = new Set<unknown>();
      for (
        let c = socket.getPeerCertificate(detailed) as tls.DetailedPeerCertificate | undefined;
        c && !seen.has(c);
      ) {
        seen.add(c);
        const { issuerCertificate, ...fields } = c;
        chain.push({ ...fields, selfIssued: issuerCertificate === c, hasIssuer: issuerCertificate !== undefined });
        c = issuerCertificate;
      }
      socket.destroy();
      resolve(chain);
    });
    socket.on('error', reject);
  });
}

describe('getPeerCertificate() as node:tls gives it', () => {
  for (const leaf of ['server-ecdsa', 'server-rsa', 'server-ed25519']) {
    it(`${leaf}: every field equal, plain and detailed (the chain up to the root, which issues itself)`, async () => {
      const port = await nodeServer(leaf);
      for (const detailed of [false, true]) {
        const theirs = await peerCertificates(tls.connect as unknown as Connect, port, detailed);
        const ours = await peerCertificates(connect as unknown as Connect, port, detailed);
        expect(ours).toEqual(theirs);
        expect(theirs.length).toBe(detailed ? 3 : 1);
        expect(theirs[0]).toHaveProperty('fingerprint256');
      }
    });
  }
});

describe('our server as a node:tls client sees it', () => {
  it('servername, alpnProtocol, authorized, getCipher on both sides; key and cert as Buffers of PEM', async () => {
    const server = createServer({
      cert: readFileSync(pki('server-ecdsa-chain.pem')),
      key: readFileSync(pki('server-ecdsa.key')),
      ALPNProtocols: ['http/1.1'],
    });
    const serverSide = new Promise<Record<string, unknown>>((resolve) =>
      server.on('secureConnection', (s) => {
        resolve({
          servername: s.servername,
          alpnProtocol: s.alpnProtocol,
          authorized: s.authorized,
          authorizationError: s.authorizationError,
          cipher: s.getCipher(),
        });
        s.end('ok');
      }),
    );
    const port = await listening(server);
    const client = await observe(
      (c, cb) => c({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT, ALPNProtocols: ['http/1.1'] }, cb),
      tls.connect as unknown as Connect,
    );
    expect(client).toMatchObject({
      callback: true,
      authorized: true,
      alpnProtocol: 'http/1.1',
      servername: 'localhost',
    });
    expect(await serverSide).toEqual({
      servername: 'localhost',
      alpnProtocol: 'http/1.1',
      authorized: false,
      authorizationError: null,
      cipher: client.cipher,
    });
  });
});

describe('exported secrets and Finished as node:tls sees them from the other side', () => {
  for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`${maxVersion}: exportKeyingMaterial equal, our getFinished is node's getPeerFinished and back; getSession resumes`, async () => {
      const serverSide = new Promise<Record<string, Buffer | undefined>>((resolve) => {
        const server = tls.createServer(
          { cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key') },
          (s) => {
            resolve({
              ekm: s.exportKeyingMaterial(32, 'EXPORTER-test', Buffer.from('ctx')),
              finished: s.getFinished(),
              peerFinished: s.getPeerFinished(),
            });
            // Data first: OpenSSL sends its TLS 1.3 tickets with the first write.
            s.end('x');
          },
        );
        void listening(server).then((port) => portReady(port));
      });
      let portReady!: (port: number) => void;
      const port = await new Promise<number>((r) => {
        portReady = r;
      });
      const ours = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT, maxVersion }, () => {
          c.on('data', () => undefined);
          c.on('end', () =>
            resolve({
              ekm: c.exportKeyingMaterial(32, 'EXPORTER-test', Buffer.from('ctx')),
              finished: c.getFinished(),
              peerFinished: c.getPeerFinished(),
              session: c.getSession(),
            }),
          );
        });
        c.on('error', reject);
      });
      const theirs = await serverSide;
      expect(ours.ekm).toEqual(theirs.ekm);
      expect(ours.finished).toEqual(theirs.peerFinished);
      expect(ours.peerFinished).toEqual(theirs.finished);
      // verify_data: 12 bytes in TLS 1.2, the hash length in TLS 1.3 (node's server picked the suite).
      expect([12, 32, 48]).toContain((ours.finished as Buffer).length);
      expect(theirs.finished).toBeInstanceOf(Buffer);
      expect(ours.session).toBeDefined();
      const reused = await new Promise<boolean>((resolve, reject) => {
        const c = connect(
          { host: '127.0.0.1', port, servername: 'localhost', ca: ROOT, maxVersion, session: ours.session as never },
          () => {
            resolve(c.isSessionReused());
            c.destroy();
          },
        );
        c.on('error', reject);
      });
      expect(reused).toBe(true);
    });
  }
});

describe('a server with requestCert, as node:tls reports the client', () => {
  /** authorized / authorizationError / a peer certificate subject seen by a server of `kind`. */
  async function serverSees(kind: 'node:tls' | 'tlswire', clientCert: 'client' | 'none' | 'bad-client-badsig') {
    const options = {
      cert: readPki('server-ecdsa-chain.pem'),
      key: readPki('server-ecdsa.key'),
      ca: ROOT,
      requestCert: true,
      rejectUnauthorized: false,
    };
    let resolveSeen!: (v: Record<string, unknown>) => void;
    const seen = new Promise<Record<string, unknown>>((r) => {
      resolveSeen = r;
    });
    const onSecure = (s: tls.TLSSocket) => {
      const peer = s.getPeerCertificate() as tls.PeerCertificate;
      resolveSeen({ authorized: s.authorized, authorizationError: s.authorizationError, cn: peer.subject?.CN });
      s.end();
    };
    const server =
      kind === 'node:tls'
        ? tls.createServer(options, onSecure)
        : createServer(options, onSecure as unknown as Parameters<typeof createServer>[1]);
    const port = await listening(server);
    const auth =
      clientCert === 'none' ? {} : { cert: readPki(`${clientCert}-chain.pem`), key: readPki(`${clientCert}.key`) };
    const c = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT, ...auth });
    c.on('error', () => undefined);
    c.on('data', () => undefined);
    closers.push(() => c.destroy());
    return seen;
  }

  const expected = {
    client: { authorized: true, authorizationError: null },
    none: { authorized: false, authorizationError: 'UNABLE_TO_GET_ISSUER_CERT' },
    'bad-client-badsig': { authorized: false, authorizationError: 'CERT_SIGNATURE_FAILURE' },
  };
  for (const clientCert of ['client', 'none', 'bad-client-badsig'] as const) {
    it(`client certificate ${clientCert}: the same authorized, authorizationError and subject`, async () => {
      const theirs = await serverSees('node:tls', clientCert);
      const ours = await serverSees('tlswire', clientCert);
      expect(ours).toEqual(theirs);
      expect(theirs).toMatchObject(expected[clientCert]);
    });
  }
});

describe('keylog on a server', () => {
  it('our server emits keylog (line, socket) with the lines the node:tls client logs', async () => {
    const server = createServer({ cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key') }, (s) =>
      s.end('ok'),
    );
    const serverLines: string[] = [];
    let sockets = 0;
    server.on('keylog', (line: Buffer, socket: unknown) => {
      serverLines.push(line.toString('latin1'));
      if (socket) sockets++;
    });
    const port = await listening(server);
    const clientLines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const c = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT });
      c.on('keylog', (line: Buffer) => clientLines.push(line.toString('latin1')));
      c.on('data', () => undefined);
      c.on('end', () => resolve());
      c.on('error', reject);
    });
    expect(clientLines.length).toBe(5);
    expect(serverLines.sort()).toEqual(clientLines.sort());
    expect(sockets).toBe(5);
  });
});

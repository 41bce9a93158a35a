/**
 * The rest of the node:tls contract of `tlswire/node` (issue #13): `SNICallback`, `addContext`,
 * `setSecureContext`, `ALPNCallback` (RFC 6066 §3 server_name, RFC 7301 §3.2 ALPN) on servers,
 * `secureContext` and `setServername` on clients, `pskCallback` refused, and `authorized` /
 * `getPeerCertificate()` on a resumed connection. Each scenario runs twice — with node:tls and with
 * tlswire on the side under test, the other side a node:tls peer — and both must observe the same.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { connect, createSecureContext, createServer, type TlsSocket } from '../../src/node/index.js';
import { cleanupAfterEach } from './cleanup.js';
import { pki, readPki } from './peers.js';

const ROOT = readPki('root-ca.crt');
const ECDSA = { cert: readFileSync(pki('server-ecdsa-chain.pem')), key: readFileSync(pki('server-ecdsa.key')) };
const RSA = { cert: readFileSync(pki('server-rsa-chain.pem')), key: readFileSync(pki('server-rsa.key')) };
const WRONGHOST = { cert: readFileSync(pki('bad-wronghost-chain.pem')), key: readFileSync(pki('bad-wronghost.key')) };
const fingerprint = (pem: Buffer): string => new X509Certificate(pem).fingerprint256;

const { closers, listening } = cleanupAfterEach();

type Kind = 'node:tls' | 'tlswire';
type AnyServer = tls.Server | ReturnType<typeof createServer>;

/** A server of `kind` with `options` that answers "ok" and closes; errors of its clients are kept. */
function server(kind: Kind, options: Record<string, unknown>): { server: AnyServer; clientErrors: string[] } {
  const onSecure = (s: tls.TLSSocket | TlsSocket) => {
    s.on('error', () => undefined);
    s.end('ok');
  };
  const made =
    kind === 'node:tls'
      ? tls.createServer(options as tls.TlsOptions, onSecure)
      : createServer(options as Parameters<typeof createServer>[0], onSecure);
  const clientErrors: string[] = [];
  made.on('tlsClientError', (e: Error) => clientErrors.push(e.message));
  return { server: made, clientErrors };
}

/**
 * What a node:tls client connecting with `options` sees: the server's leaf, ALPN, or its error code
 * (read once the server has answered and closed, so that the server finished its side too).
 */
function clientSees(port: number, options: tls.ConnectionOptions): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let seen: Record<string, unknown> = {};
    const c = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
      seen = {
        leaf: (c.getPeerCertificate() as tls.PeerCertificate).fingerprint256,
        alpn: c.alpnProtocol,
        protocol: c.getProtocol(),
      };
    });
    c.on('data', () => undefined);
    c.on('error', (e: Error & { code?: string }) => {
      seen = { error: e.code };
    });
    c.on('close', () => resolve(seen));
  });
}

describe('SNICallback, addContext, setSecureContext: the certificate a node:tls client gets', () => {
  const names = ['wrong.example.com', 'localhost', undefined];

  it('an asynchronous SNICallback: a context per name, cb(null) for the default, not called without SNI', async () => {
    const seen: Record<Kind, unknown[]> = { 'node:tls': [], tlswire: [] };
    for (const kind of ['node:tls', 'tlswire'] as const) {
      const contextOf = kind === 'node:tls' ? tls.createSecureContext : createSecureContext;
      const SNICallback = (name: string, cb: (e: Error | null, c?: unknown) => void) => {
        seen[kind].push(`called ${name}`);
        setTimeout(() => cb(null, name === 'wrong.example.com' ? contextOf(WRONGHOST) : undefined), 5);
      };
      const { server: s } = server(kind, { ...ECDSA, SNICallback });
      const port = await listening(s);
      for (const servername of names) seen[kind].push(await clientSees(port, servername ? { servername } : {}));
    }
    expect(seen.tlswire).toEqual(seen['node:tls']);
    expect(seen.tlswire).toEqual([
      'called wrong.example.com',
      { leaf: fingerprint(WRONGHOST.cert), alpn: false, protocol: 'TLSv1.3' },
      'called localhost',
      { leaf: fingerprint(ECDSA.cert), alpn: false, protocol: 'TLSv1.3' },
      { leaf: fingerprint(ECDSA.cert), alpn: false, protocol: 'TLSv1.3' },
    ]);
  });

  it('SNICallback answering with an error: the connection is dropped, tlsClientError carries the error', async () => {
    const seen: Record<Kind, unknown> = { 'node:tls': undefined, tlswire: undefined };
    for (const kind of ['node:tls', 'tlswire'] as const) {
      const SNICallback = (_name: string, cb: (e: Error | null) => void) => cb(new Error('no such site'));
      const { server: s, clientErrors } = server(kind, { ...ECDSA, SNICallback });
      const port = await listening(s);
      const client = await clientSees(port, { servername: 'nowhere.example' });
      seen[kind] = { client, clientErrors };
    }
    expect(seen.tlswire).toEqual(seen['node:tls']);
    expect(seen.tlswire).toEqual({ client: { error: 'ECONNRESET' }, clientErrors: ['no such site'] });
  });

  it('addContext with a wildcard (one label), the last match winning; setSecureContext for later connections', async () => {
    const seen: Record<Kind, unknown[]> = { 'node:tls': [], tlswire: [] };
    for (const kind of ['node:tls', 'tlswire'] as const) {
      const { server: s } = server(kind, ECDSA);
      s.addContext('*.example.com', RSA);
      s.addContext('wrong.example.com', WRONGHOST);
      const port = await listening(s);
      for (const servername of ['wrong.example.com', 'Other.Example.com', 'a.b.example.com', 'localhost']) {
        seen[kind].push(servername, (await clientSees(port, { servername })).leaf);
      }
      s.setSecureContext(RSA);
      seen[kind].push('after setSecureContext', (await clientSees(port, { servername: 'localhost' })).leaf);
    }
    // One difference: node:tls matches the name case-sensitively; we compare DNS names case-insensitively
    // (RFC 6066 §3, RFC 4343), so Other.Example.com gets the *.example.com context.
    expect(seen.tlswire.filter((_, i) => i !== 3)).toEqual(seen['node:tls'].filter((_, i) => i !== 3));
    expect(seen['node:tls'][3]).toBe(fingerprint(ECDSA.cert));
    expect(seen.tlswire).toEqual([
      'wrong.example.com',
      fingerprint(WRONGHOST.cert),
      'Other.Example.com',
      fingerprint(RSA.cert),
      'a.b.example.com',
      fingerprint(ECDSA.cert),
      'localhost',
      fingerprint(ECDSA.cert),
      'after setSecureContext',
      fingerprint(RSA.cert),
    ]);
  });

  it('our createSecureContext in addContext; a node:tls SecureContext is refused, saying why', async () => {
    const s = createServer(ECDSA, (c) => c.end());
    s.addContext('wrong.example.com', createSecureContext(WRONGHOST));
    const port = await listening(s);
    expect((await clientSees(port, { servername: 'wrong.example.com' })).leaf).toBe(fingerprint(WRONGHOST.cert));
    expect(() => s.addContext('x.example', tls.createSecureContext(RSA) as never)).toThrow(
      /node:tls SecureContext holds its key inside OpenSSL/,
    );
  });
});

describe('ALPNCallback', () => {
  /** What the callback is given and what a client offering `protocols` gets, with node:tls and tlswire. */
  async function run(
    answer: (protocols: string[]) => string | undefined,
    offers: (string[] | undefined)[],
    servername: string | null = 'localhost',
  ) {
    const seen: Record<Kind, unknown[]> = { 'node:tls': [], tlswire: [] };
    for (const kind of ['node:tls', 'tlswire'] as const) {
      const ALPNCallback = (info: { servername: string | false; protocols: string[] }) => {
        seen[kind].push(info);
        return answer(info.protocols);
      };
      const { server: s } = server(kind, { ...ECDSA, ALPNCallback });
      const port = await listening(s);
      for (const ALPNProtocols of offers) {
        seen[kind].push(
          await clientSees(port, {
            ...(servername ? { servername } : {}),
            ...(ALPNProtocols ? { ALPNProtocols } : {}),
          }),
        );
      }
    }
    expect(seen.tlswire).toEqual(seen['node:tls']);
    return seen.tlswire;
  }

  it('picks one of the offered protocols; not called when the client offers none', async () => {
    const seen = await run((p) => p[p.length - 1], [['h2', 'http/1.1'], undefined]);
    expect(seen).toEqual([
      { servername: 'localhost', protocols: ['h2', 'http/1.1'] },
      { leaf: fingerprint(ECDSA.cert), alpn: 'http/1.1', protocol: 'TLSv1.3' },
      { leaf: fingerprint(ECDSA.cert), alpn: false, protocol: 'TLSv1.3' },
    ]);
  });

  it('a client sending no SNI: servername false', async () => {
    const seen = await run((p) => p[0], [['h2']], null);
    expect(seen[0]).toEqual({ servername: false, protocols: ['h2'] });
  });

  it('undefined refuses every protocol: no_application_protocol', async () => {
    const seen = await run(() => undefined, [['h2']]);
    expect(seen[1]).toEqual({ error: 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' });
  });

  it('TLS 1.2, with an SNICallback: the context chosen first, then the protocol', async () => {
    const seen: Record<Kind, unknown[]> = { 'node:tls': [], tlswire: [] };
    for (const kind of ['node:tls', 'tlswire'] as const) {
      const contextOf = kind === 'node:tls' ? tls.createSecureContext : createSecureContext;
      const { server: s } = server(kind, {
        ...ECDSA,
        SNICallback: (name: string, cb: (e: Error | null, c?: unknown) => void) => {
          seen[kind].push(`sni ${name}`);
          cb(null, contextOf(RSA));
        },
        ALPNCallback: (info: { servername: string; protocols: string[] }) => {
          seen[kind].push(info);
          return info.protocols[0];
        },
      });
      const port = await listening(s);
      const options = { servername: 'localhost', maxVersion: 'TLSv1.2', ALPNProtocols: ['h2', 'http/1.1'] } as const;
      seen[kind].push(await clientSees(port, options));
    }
    expect(seen.tlswire).toEqual(seen['node:tls']);
    expect(seen.tlswire).toEqual([
      'sni localhost',
      { servername: 'localhost', protocols: ['h2', 'http/1.1'] },
      { leaf: fingerprint(RSA.cert), alpn: 'h2', protocol: 'TLSv1.2' },
    ]);
  });

  it('with ALPNProtocols as well: the same TypeError code', () => {
    const options = { ...ECDSA, ALPNProtocols: ['h2'], ALPNCallback: () => 'h2' };
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code?: string }).code;
      }
      return 'no error';
    };
    expect(codeOf(() => createServer(options))).toBe(codeOf(() => tls.createServer(options)));
    expect(codeOf(() => createServer(options))).toBe('ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS');
  });
});

type Connect = (options: tls.ConnectionOptions, cb?: () => void) => tls.TLSSocket;
const CLIENTS: [Kind, Connect][] = [
  ['node:tls', tls.connect as Connect],
  ['tlswire', connect as unknown as Connect],
];

describe('client: secureContext, setServername, pskCallback', () => {
  it('secureContext carries ca (and a client certificate) as in node:tls', async () => {
    const names: string[] = [];
    const { server: s } = server('node:tls', { ...ECDSA, requestCert: true, ca: ROOT });
    s.on('secureConnection', (c: tls.TLSSocket) =>
      names.push(String((c.getPeerCertificate() as tls.PeerCertificate).subject.CN)),
    );
    const port = await listening(s);
    const seen: unknown[] = [];
    for (const [kind, open] of CLIENTS) {
      const make = kind === 'node:tls' ? tls.createSecureContext : createSecureContext;
      const secureContext = make({
        ca: ROOT,
        cert: readFileSync(pki('client-chain.pem')),
        key: readFileSync(pki('client.key')),
      });
      seen.push(
        await new Promise((resolve, reject) => {
          const c = open(
            { host: '127.0.0.1', port, servername: 'localhost', secureContext: secureContext as never },
            () => {
              resolve({ authorized: c.authorized, error: c.authorizationError });
              c.on('data', () => undefined);
            },
          );
          c.on('error', reject);
          closers.push(() => c.destroy());
        }),
      );
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[1]).toEqual({ authorized: true, error: null });
    await new Promise((r) => setTimeout(r, 50));
    expect(names).toHaveLength(2);
    expect(names[1]).toBe(names[0]);
    expect(names[0]).toBeTruthy();
  });

  it('setServername right after connect() sets the SNI sent; a server socket throws ERR_TLS_SNI_FROM_SERVER', async () => {
    const received: unknown[] = [];
    const serverErrors: unknown[] = [];
    const { server: s } = server('node:tls', ECDSA);
    s.on('secureConnection', (c: tls.TLSSocket) => {
      received.push(c.servername);
      try {
        (c as unknown as { setServername(n: string): void }).setServername('x');
      } catch (e) {
        serverErrors.push((e as { code?: string }).code);
      }
    });
    const port = await listening(s);
    const seen: unknown[] = [];
    for (const [, open] of CLIENTS) {
      seen.push(
        await new Promise((resolve, reject) => {
          const c = open({ host: '127.0.0.1', port, ca: ROOT });
          (c as unknown as { setServername(n: string): void }).setServername('localhost');
          c.on('data', () => undefined);
          c.on('end', () =>
            resolve({ servername: (c as unknown as { servername: unknown }).servername, authorized: c.authorized }),
          );
          c.on('error', reject);
        }),
      );
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[1]).toEqual({ servername: 'localhost', authorized: true });
    expect(received).toEqual(['localhost', 'localhost']);
    expect(serverErrors).toEqual(['ERR_TLS_SNI_FROM_SERVER', 'ERR_TLS_SNI_FROM_SERVER']);
    // Our server's sockets throw the same.
    const thrown = new Promise<unknown>((resolve) => {
      const ours = createServer(ECDSA, (c) => {
        try {
          (c as unknown as { setServername(n: string): void }).setServername('x');
          resolve('no error');
        } catch (e) {
          resolve((e as { code?: string }).code);
        }
        c.end();
      });
      void listening(ours).then((ourPort) => clientSees(ourPort, { servername: 'localhost' }));
    });
    expect(await thrown).toBe('ERR_TLS_SNI_FROM_SERVER');
  });

  it('pskCallback is refused with a TypeError (external PSKs are not implemented), client and server', () => {
    expect(() => connect({ port: 1, pskCallback: (() => null) as never })).toThrow(/external PSKs/);
    expect(() => createServer({ ...ECDSA, pskCallback: (() => null) as never })).toThrow(/external PSKs/);
  });
});

describe('a resumed connection, as node:tls reports it', () => {
  for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
    for (const trusted of [true, false]) {
      it(`${maxVersion}, ${trusted ? 'a verified server' : 'rejectUnauthorized false and an unknown issuer'}: authorized, authorizationError and getPeerCertificate() after resumption`, async () => {
        const { server: s } = server('node:tls', ECDSA);
        const port = await listening(s);
        const options = {
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          maxVersion,
          ...(trusted ? { ca: ROOT } : { rejectUnauthorized: false }),
        };
        const seen: unknown[] = [];
        for (const [kind, open] of CLIENTS) {
          const session = await new Promise<unknown>((resolve, reject) => {
            let last: unknown;
            const c = open(options);
            c.on('session', (x: unknown) => {
              last = x;
            });
            c.on('data', () => undefined);
            c.on('end', () => resolve(last));
            c.on('error', reject);
          });
          expect(session, kind).toBeDefined();
          seen.push(
            await new Promise((resolve, reject) => {
              const c = open({ ...options, session: session as Buffer }, () => {
                resolve({
                  reused: c.isSessionReused(),
                  authorized: c.authorized,
                  authorizationError: c.authorizationError,
                  peer: c.getPeerCertificate(),
                  detailed: c.getPeerCertificate(true),
                  x509: c.getPeerX509Certificate(),
                });
                c.destroy();
              });
              c.on('error', reject);
            }),
          );
        }
        expect(seen[1]).toEqual(seen[0]);
        expect(seen[1]).toMatchObject({
          reused: true,
          authorized: trusted,
          authorizationError: trusted ? null : 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
        });
      });
    }
  }
});

describe('a server with an SNI hook reads the ClientHello first, within its limits', () => {
  it('a client that sends nothing: tlsClientError ERR_TLS_HANDSHAKE_TIMEOUT, as without the hook', async () => {
    const codes: unknown[] = [];
    for (const SNICallback of [undefined, (_n: string, cb: (e: null) => void) => cb(null)]) {
      const s = createServer({ ...ECDSA, SNICallback, handshakeTimeout: 100 });
      const error = new Promise<unknown>((r) => s.on('tlsClientError', (e: Error & { code?: string }) => r(e.code)));
      const port = await listening(s);
      const raw = (await import('node:net')).connect(port, '127.0.0.1');
      raw.on('error', () => undefined);
      closers.push(() => raw.destroy());
      codes.push(await error);
    }
    expect(codes).toEqual(['ERR_TLS_HANDSHAKE_TIMEOUT', 'ERR_TLS_HANDSHAKE_TIMEOUT']);
  });

  it('a client that closes within its ClientHello: tlsClientError ECONNRESET, as without the hook', async () => {
    const codes: unknown[] = [];
    for (const SNICallback of [undefined, (_n: string, cb: (e: null) => void) => cb(null)]) {
      const s = createServer({ ...ECDSA, SNICallback });
      const error = new Promise<unknown>((r) => s.on('tlsClientError', (e: Error & { code?: string }) => r(e.code)));
      const port = await listening(s);
      const raw = (await import('node:net')).connect(port, '127.0.0.1', () =>
        raw.end(Buffer.from('16030100800100007c0303', 'hex')),
      );
      raw.on('error', () => undefined);
      closers.push(() => raw.destroy());
      codes.push(await error);
    }
    expect(codes).toEqual(['ECONNRESET', 'ECONNRESET']);
  });

  it('plaintext HTTP: the same error and alert as a server without the hook', async () => {
    const outcomes: unknown[] = [];
    for (const SNICallback of [undefined, (_n: string, cb: (e: null) => void) => cb(null)]) {
      const s = createServer({ ...ECDSA, SNICallback });
      const error = new Promise<unknown>((r) =>
        s.on('tlsClientError', (e: Error & { code?: string; alertName?: string }) =>
          r({ message: e.message, alert: e.alertName }),
        ),
      );
      const port = await listening(s);
      const raw = (await import('node:net')).connect(port, '127.0.0.1', () =>
        raw.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      );
      const answer: Buffer[] = [];
      raw.on('data', (d: Buffer) => answer.push(d));
      raw.on('error', () => undefined);
      await new Promise((r) => raw.on('close', r));
      outcomes.push({ error: await error, answer: Buffer.concat(answer).toString('hex') });
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect((outcomes[0] as { answer: string }).answer).toMatch(/^15/);
  });
});

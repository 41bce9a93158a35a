/**
 * The Node adapter (`connect`, `createServer`, `TlsSocket`) against node:tls in both roles and
 * against openssl s_server -rev: data both ways with backpressure, close_notify, key log lines equal
 * to node's own `keylog` lines, session resumption seen by node (`isSessionReused()`), client
 * authentication, certificate failures with the alert node reports, and transport failures.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientSession, Negotiated } from '../../src/handshake/types.js';
import { connect, createServer, TlsConnectionError, type TlsSocket } from '../../src/node/index.js';
import { CertificateError } from '../../src/x509/errors.js';
import { killAll, opensslServer, readPki, SKIP_OPENSSL } from './peers.js';

const ROOT = readPki('root-ca.crt');
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
  killAll();
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

function secure(s: TlsSocket): Promise<Negotiated> {
  return new Promise((resolve, reject) => {
    s.once('secure', resolve);
    s.once('error', reject);
  });
}

describe('connect() against a node:tls server', () => {
  it('16 MiB up to a server that reads only once our TCP socket is full, 2 MiB down to a slow reader, key log equal to node’s', async () => {
    const up = pattern(16 << 20, 1);
    const down = pattern(2 << 20, 2);
    const nodeKeylog: string[] = [];
    let drained!: () => void;
    const clientDrained = new Promise<void>((r) => {
      drained = r;
    });
    let serverGot: Promise<Buffer> | undefined;
    const server = tls.createServer(
      { cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key'), minVersion: 'TLSv1.3' },
      (s) => {
        // Read nothing until our TCP socket has reported backpressure.
        s.pause();
        void clientDrained.then(() => {
          serverGot = new Promise<Buffer>((resolve) => {
            const chunks: Buffer[] = [];
            let got = 0;
            s.on('data', (d: Buffer) => {
              chunks.push(d);
              got += d.length;
              if (got === up.length) {
                s.end(down);
                resolve(Buffer.concat(chunks));
              }
            });
          });
          s.resume();
        });
      },
    );
    server.on('keylog', (line: Buffer) => nodeKeylog.push(line.toString().trim()));
    const port = await listening(server);
    const ours: string[] = [];
    const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT });
    client.on('keylog', (l: Buffer) => ours.push(l.toString().trim()));
    const negotiated = await within(secure(client), 'handshake');
    expect(negotiated).toMatchObject({ version: 0x0304, resumed: false, serverName: 'localhost' });
    expect(client.parsedPeerCertificate()!.subject.text).toBe('CN=localhost,O=Test PKI');
    let written = false;
    client.write(up, () => {
      written = true;
    });
    client.end();
    // The server is not reading: the TCP socket fills up and our write stays incomplete.
    await within(
      new Promise<void>((resolve) => {
        const check = () => (client.socket.writableNeedDrain ? resolve() : setTimeout(check, 5));
        check();
      }),
      'TCP backpressure',
    );
    expect(written).toBe(false);
    drained();
    // Read slowly: the adapter pauses the TCP socket while its readable buffer is full.
    const chunks: Buffer[] = [];
    let pauses = 0;
    const pause = client.socket.pause.bind(client.socket);
    // Count the adapter's pauses of the TCP socket.
    client.socket.pause = () => {
      pauses++;
      return pause();
    };
    await within(
      new Promise<void>((resolve, reject) => {
        const readSome = () => {
          for (let c = client.read(); c !== null; c = client.read()) chunks.push(c as Buffer);
        };
        client.on('readable', () => setTimeout(readSome, 1));
        client.on('end', resolve);
        client.on('error', reject);
      }),
      'reading 2 MiB',
      30_000,
    );
    expect(pauses).toBeGreaterThan(0);
    expect(Buffer.compare(Buffer.concat(chunks), down)).toBe(0);
    expect(Buffer.compare(await within(serverGot!, 'server read', 30_000), up)).toBe(0);
    expect(written).toBe(true);
    // Node logs the 5 TLS 1.3 secrets of the connection; ours are the same lines.
    expect(ours.map((l) => l.split(' ')[0]).sort()).toEqual([
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
      'CLIENT_TRAFFIC_SECRET_0',
      'EXPORTER_SECRET',
      'SERVER_HANDSHAKE_TRAFFIC_SECRET',
      'SERVER_TRAFFIC_SECRET_0',
    ]);
    expect([...ours].sort()).toEqual([...nodeKeylog].sort());
  });

  it('a session from `session` resumes: node and we both report it', async () => {
    const server = tls.createServer(
      { cert: readPki('server-rsa-chain.pem'), key: readPki('server-rsa.key'), minVersion: 'TLSv1.3' },
      (s) => s.end('hi'),
    );
    const reused: boolean[] = [];
    server.on('secureConnection', (s: tls.TLSSocket) => reused.push(s.isSessionReused()));
    const port = await listening(server);
    let session: ClientSession | undefined;
    for (let i = 0; i < 2; i++) {
      const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT, session });
      client.on('session', (s: ClientSession) => {
        session = s;
      });
      const data = await within(collect(client), 'connection');
      expect(data.toString()).toBe('hi');
      expect(client.isSessionReused()).toBe(i === 1);
    }
    expect(reused).toEqual([false, true]);
  });

  it('an unknown CA: error in authentication with unknown_ca, which node receives; rejectUnauthorized: false accepts', async () => {
    const clientErrors: string[] = [];
    const server = tls.createServer(
      { cert: readPki('bad-unknownca-chain.pem'), key: readPki('bad-unknownca.key'), minVersion: 'TLSv1.3' },
      (s) => s.end('insecure but fine'),
    );
    server.on('tlsClientError', (e: Error & { code?: string }) => clientErrors.push(e.code ?? e.message));
    const port = await listening(server);
    const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT });
    const error = await within(
      new Promise<TlsConnectionError>((resolve) => client.on('error', resolve)),
      'certificate failure',
    );
    expect(error).toBeInstanceOf(TlsConnectionError);
    expect(error).toMatchObject({ stage: 'authentication', alertName: 'unknown_ca', alertOrigin: 'local' });
    expect(error.cause).toBeInstanceOf(CertificateError);
    expect((error.cause as CertificateError).code).toBe('unknown-issuer');
    await within(
      new Promise<void>((r) => {
        const check = () => (clientErrors.length > 0 ? r() : setTimeout(check, 10));
        check();
      }),
      'node tlsClientError',
    );
    expect(clientErrors[0]).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    const insecure = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false });
    expect((await within(collect(insecure), 'insecure connection')).toString()).toBe('insecure but fine');
  });

  it('nothing listening: a transport error', async () => {
    const probe = net.createServer();
    const port = await listening(probe);
    probe.close();
    await new Promise((r) => setTimeout(r, 20));
    const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT });
    const error = await within(new Promise<TlsConnectionError>((resolve) => client.on('error', resolve)), 'refused');
    expect(error).toMatchObject({ stage: 'transport', alert: undefined });
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });
});

describe('createServer() against node:tls clients', () => {
  it('echo, tickets: node resumes with our ticket (isSessionReused), ALPN agreed', async () => {
    const server = createServer(
      { cert: readPki('server-ed25519-chain.pem'), key: readPki('server-ed25519.key'), alpn: ['h2', 'http/1.1'] },
      (s) => s.pipe(s),
    );
    const port = await listening(server);
    let session: Buffer | undefined;
    const reused: boolean[] = [];
    for (let i = 0; i < 2; i++) {
      const c = tls.connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: ROOT,
        session,
        ALPNProtocols: ['http/1.1'],
      });
      c.on('session', (s: Buffer) => {
        session = s;
      });
      await within(
        new Promise<void>((r, j) => {
          c.once('secureConnect', () => r());
          c.once('error', j);
        }),
        'node handshake',
      );
      expect(c.alpnProtocol).toBe('http/1.1');
      reused.push(c.isSessionReused());
      c.end('echo me');
      expect((await within(collect(c), 'echo')).toString()).toBe('echo me');
    }
    expect(reused).toEqual([false, true]);
  });

  it('client authentication: node presents client-rsa; we see its subject; without one node gets certificate_required', async () => {
    const subjects: string[] = [];
    const server = createServer(
      {
        cert: readPki('server-ecdsa-chain.pem'),
        key: readPki('server-ecdsa.key'),
        requestCert: true,
        ca: ROOT,
      },
      (s) => {
        subjects.push(s.parsedPeerCertificate()!.subject.text);
        s.end('authenticated');
      },
    );
    const port = await listening(server);
    const withCert = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: ROOT,
      cert: readPki('client-rsa-chain.pem'),
      key: readPki('client-rsa.key'),
    });
    expect((await within(collect(withCert), 'client auth')).toString()).toBe('authenticated');
    expect(subjects).toEqual(['CN=test-client-rsa,O=Test PKI']);
    const serverErrors: TlsConnectionError[] = [];
    server.on('tlsClientError', (e: TlsConnectionError) => serverErrors.push(e));
    const without = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT });
    const nodeError = await within(
      new Promise<Error & { code?: string }>((resolve) => without.on('error', resolve)),
      'certificate_required',
    );
    expect(nodeError.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(serverErrors[0]).toMatchObject({ stage: 'authentication', alertName: 'certificate_required' });
  });
});

describe.skipIf(SKIP_OPENSSL)('connect() against openssl s_server -rev', () => {
  it('s_server reverses each line we send (RSA certificate, secp384r1, AES-256-GCM)', async () => {
    const server = await opensslServer('server-rsa', ['-rev', '-naccept', '1']);
    const client = connect({
      host: '127.0.0.1',
      port: server.port,
      servername: 'localhost',
      ca: ROOT,
      groups: [0x18],
      cipherSuites: [0x1302],
    });
    const negotiated = await within(secure(client), 'handshake');
    expect(negotiated).toMatchObject({ cipherSuite: 0x1302, group: 0x18 });
    client.write('tlswire\n');
    const line = await within(
      new Promise<string>((resolve) => {
        let text = '';
        client.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('\n')) resolve(text);
        });
      }),
      'reversed line',
    );
    expect(line).toBe('eriwslt\n');
    client.end();
    await server.waitFor(/CONNECTION CLOSED/);
  });
});

/**
 * Interop with Node's node:tls (OpenSSL 3) over 127.0.0.1, both roles: a full handshake, 1 MiB of
 * application data each way, close_notify, for every TLS 1.3 cipher suite × group × certificate
 * type (ECDSA P-256, RSA-2048, Ed25519 from test/pki/out); a HelloRetryRequest forced by the key
 * share; resumption with a ticket from OpenSSL and with our tickets.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { TlsClient } from '../../src/handshake/client.js';
import { TlsServer } from '../../src/handshake/server.js';
import { AeadTicketer } from '../../src/handshake/ticket.js';
import type { ClientConfig, ClientSession, TlsEvent } from '../../src/handshake/types.js';
import { pipeSocket } from '../../src/node/pipe.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';
import { C2S, equal, S2C, MIB as SIZE } from '../support/payload.js';

const PKI = new URL('../pki/out/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, PKI), 'utf8');
const ROOT = read('root-ca.crt');

const SUITES = [
  [0x1301, 'TLS_AES_128_GCM_SHA256'],
  [0x1302, 'TLS_AES_256_GCM_SHA384'],
  [0x1303, 'TLS_CHACHA20_POLY1305_SHA256'],
] as const;
const GROUPS = [
  [0x1d, 'X25519'],
  [0x17, 'P-256'],
  [0x18, 'P-384'],
] as const;
const CERTS = ['server-ecdsa', 'server-rsa', 'server-ed25519'] as const;

function certified(name: string) {
  const pem = read(`${name}-chain.pem`);
  return {
    pem,
    key: read(`${name}.key`),
    chain: decodePem(pem).map((b) => b.der),
    parsedKey: parsePrivateKey(read(`${name}.key`)),
  };
}

function concatChunks(chunks: Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks);
}

interface ClientResult {
  events: TlsEvent[];
  received: Uint8Array;
}

/** Our client against a node:tls server that echoes a reply of S2C once it has all of C2S. */
async function ourClientAgainstNode(
  serverOptions: tls.TlsOptions,
  config: Omit<ClientConfig, 'verifyServer'>,
  expectedLeaf: Uint8Array,
  sendData = true,
  keyUpdate = false,
): Promise<ClientResult> {
  const server = tls.createServer({ minVersion: 'TLSv1.3', ...serverOptions }, (s) => {
    let got = 0;
    const chunks: Buffer[] = [];
    if (!sendData) s.end();
    s.on('data', (d: Buffer) => {
      got += d.length;
      chunks.push(d);
      if (got === SIZE) {
        if (!equal(Buffer.concat(chunks), C2S)) s.destroy(new Error('server got wrong bytes'));
        s.end(S2C);
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    return await new Promise<ClientResult>((resolve, reject) => {
      const events: TlsEvent[] = [];
      const received: Uint8Array[] = [];
      const client = new TlsClient({
        keyLog: true,
        serverName: 'localhost',
        ...config,
        verifyServer: (chain) => {
          if (!equal(chain[0]!, expectedLeaf)) throw new Error('unexpected leaf certificate');
        },
      });
      const socket = net.connect(port, '127.0.0.1');
      const piped = pipeSocket(socket, client, (e) => {
        events.push(e);
        if (e.kind === 'error') reject(e.error);
        if (e.kind === 'established' && keyUpdate) piped.run(client.keyUpdate(true));
        if (e.kind === 'established' && sendData) piped.run(client.write(C2S));
        if (e.kind === 'data') received.push(e.bytes.slice());
        if (e.kind === 'closed') {
          piped.run(client.close());
          socket.end();
          resolve({ events, received: concatChunks(received) });
        }
      });
      socket.on('connect', () => piped.run(client.start()));
      socket.on('error', reject);
    });
  } finally {
    server.close();
  }
}

/** Our server against a node:tls client that sends C2S and reads S2C. */
async function ourServerAgainstNode(
  makeServer: () => TlsServer,
  clientOptions: tls.ConnectionOptions,
): Promise<{ serverEvents: TlsEvent[]; received: Uint8Array; session?: Buffer }> {
  const serverEvents: TlsEvent[] = [];
  let failure: Error | undefined;
  const listener = net.createServer((socket) => {
    const server = makeServer();
    let got = 0;
    const chunks: Uint8Array[] = [];
    const piped = pipeSocket(socket, server, (e) => {
      serverEvents.push(e);
      if (e.kind === 'error') failure = e.error;
      if (e.kind === 'data') {
        got += e.bytes.length;
        chunks.push(e.bytes.slice());
        if (got === SIZE) {
          if (!equal(concatChunks(chunks), C2S)) failure = new Error('our server got wrong bytes');
          piped.run(server.write(S2C));
          piped.run(server.close());
        }
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as net.AddressInfo).port;
  try {
    return await new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let session: Buffer | undefined;
      const c = tls.connect(
        { port, host: '127.0.0.1', servername: 'localhost', ca: ROOT, minVersion: 'TLSv1.3', ...clientOptions },
        () => c.write(C2S),
      );
      c.on('session', (s: Buffer) => {
        session = s;
      });
      c.on('data', (d: Buffer) => chunks.push(d));
      c.on('end', () => {
        c.end();
        if (failure) reject(failure);
        else resolve({ serverEvents, received: Buffer.concat(chunks), session });
      });
      c.on('error', (e) => reject(failure ?? e));
    });
  } finally {
    listener.close();
  }
}

const negotiated = (events: TlsEvent[]) => events.find((e) => e.kind === 'negotiated');

describe('our client against node:tls', () => {
  for (const [suite, suiteName] of SUITES) {
    for (const [group, groupNameNode] of GROUPS) {
      for (const name of CERTS) {
        it(`${suiteName} × ${groupNameNode} × ${name}`, async () => {
          const cert = certified(name);
          const { events, received } = await ourClientAgainstNode(
            { key: cert.key, cert: cert.pem, ciphers: suiteName, ecdhCurve: groupNameNode },
            { cipherSuites: [suite], groups: [group] },
            cert.chain[0]!,
          );
          expect(equal(received, S2C)).toBe(true);
          expect(negotiated(events)).toMatchObject({ cipherSuite: suite, group, resumed: false });
          expect(events.filter((e) => e.kind === 'session').length).toBeGreaterThan(0);
        });
      }
    }
  }

  it('answers a HelloRetryRequest when the key share is not one OpenSSL accepts', async () => {
    const cert = certified('server-ecdsa');
    const { events, received } = await ourClientAgainstNode(
      { key: cert.key, cert: cert.pem, ecdhCurve: 'P-384' },
      { groups: [0x1d, 0x18], keyShareGroups: [0x1d] },
      cert.chain[0]!,
    );
    expect(equal(received, S2C)).toBe(true);
    expect(negotiated(events)).toMatchObject({ group: 0x18, helloRetry: true });
  });

  it('KeyUpdate with update_requested: OpenSSL updates too, 1 MiB flows both ways on the new keys', async () => {
    const cert = certified('server-ecdsa');
    const { events, received } = await ourClientAgainstNode(
      { key: cert.key, cert: cert.pem },
      {},
      cert.chain[0]!,
      true,
      true,
    );
    expect(equal(received, S2C)).toBe(true);
    const updates = events
      .filter((e) => e.kind === 'key-update')
      .map((e) => (e.kind === 'key-update' ? e.direction : ''));
    expect(updates).toEqual(['sent', 'received']);
    const labels = events.filter((e) => e.kind === 'secret').map((e) => (e.kind === 'secret' ? e.label : ''));
    expect(labels).toContain('CLIENT_TRAFFIC_SECRET_1');
    expect(labels).toContain('SERVER_TRAFFIC_SECRET_1');
  });

  it('resumes with an OpenSSL ticket (psk_dhe_ke)', async () => {
    const cert = certified('server-ecdsa');
    const options = { key: cert.key, cert: cert.pem, ticketKeys: Buffer.alloc(48, 9) };
    const first = await ourClientAgainstNode(options, {}, cert.chain[0]!);
    const session = first.events.find((e) => e.kind === 'session') as { session: ClientSession } | undefined;
    expect(session).toBeDefined();
    const second = await ourClientAgainstNode(options, { session: session!.session }, cert.chain[0]!);
    expect(negotiated(second.events)).toMatchObject({ resumed: true });
    expect(equal(second.received, S2C)).toBe(true);
  });
});

describe('our server against node:tls', () => {
  for (const [suite, suiteName] of SUITES) {
    for (const [group, groupNameNode] of GROUPS) {
      for (const name of CERTS) {
        it(`${suiteName} × ${groupNameNode} × ${name}`, async () => {
          const cert = certified(name);
          const { serverEvents, received } = await ourServerAgainstNode(
            () =>
              new TlsServer({
                keyLog: true,
                certificate: { chain: cert.chain, key: cert.parsedKey },
                cipherSuites: [suite],
                groups: [group],
              }),
            { ciphers: suiteName, ecdhCurve: groupNameNode },
          );
          expect(equal(received, S2C)).toBe(true);
          expect(negotiated(serverEvents)).toMatchObject({ cipherSuite: suite, group });
        });
      }
    }
  }

  it('sends a HelloRetryRequest for a group OpenSSL supports but sent no share for', async () => {
    const cert = certified('server-ecdsa');
    const { serverEvents, received } = await ourServerAgainstNode(
      () => new TlsServer({ keyLog: true, certificate: { chain: cert.chain, key: cert.parsedKey }, groups: [0x18] }),
      { ecdhCurve: 'X25519:P-384' },
    );
    expect(equal(received, S2C)).toBe(true);
    expect(negotiated(serverEvents)).toMatchObject({ group: 0x18, helloRetry: true });
  });

  it('issues tickets OpenSSL resumes with', async () => {
    const cert = certified('server-rsa');
    const provider = new NobleProvider();
    const ticketer = new AeadTicketer(provider, provider.random(32));
    const make = () =>
      new TlsServer({ keyLog: true, provider, certificate: { chain: cert.chain, key: cert.parsedKey }, ticketer });
    const first = await ourServerAgainstNode(make, {});
    expect(first.session).toBeDefined();
    const second = await ourServerAgainstNode(make, { session: first.session });
    expect(negotiated(second.serverEvents)).toMatchObject({ resumed: true });
    expect(equal(second.received, S2C)).toBe(true);
    expect(toHex(second.received.subarray(0, 4))).toBe(toHex(S2C.subarray(0, 4)));
  });
});

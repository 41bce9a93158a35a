/**
 * TLS 1.2 against node:tls (OpenSSL 3.0) live on loopback, for what the committed captures do not
 * cover: ChaCha20-Poly1305 records (RFC 7905 §2), the master secret without extended master secret
 * (RFC 5246 §8.1; OpenSSL's SSL_OP_NO_EXTENDED_MASTER_SECRET), full-size 2^14-byte records, and the
 * RFC 5705 exporter compared with OpenSSL's `SSL_export_keying_material`.
 *
 * A TCP relay between the client and the server records the bytes each side sent; ./tls12-session.ts
 * then opens every record with the key-logged master secret, checks both Finished messages and
 * reseals each record byte for byte, as for the captures.
 */
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer as createTcpServer, type Socket, connect as tcpConnect } from 'node:net';
import { connect, createServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { parseKeyLog } from '../../src/crypto/keylog.js';
import { tls12Prf } from '../../src/crypto/tls12-key-schedule.js';
import { p, pkiRsaKey, replaySession } from './tls12-session.js';

const PKI = new URL('../pki/out/', import.meta.url);
const pki = (name: string) => readFileSync(new URL(name, PKI));

/** OpenSSL 3.0's SSL_OP_NO_EXTENDED_MASTER_SECRET (SSL_OP_BIT(0)); node does not export the constant. */
const SSL_OP_NO_EXTENDED_MASTER_SECRET = 1;

interface Options {
  /** OpenSSL cipher string (TLS 1.2 names). */
  cipher: string;
  cert: 'ecdsa' | 'rsa';
  /** Bytes the client sends; the server echoes them. */
  message: Uint8Array;
  noEms?: boolean;
}

interface Exports {
  label: string;
  context: Uint8Array | undefined;
  length: number;
  value: Uint8Array;
}

interface Recorded {
  toServer: Uint8Array;
  toClient: Uint8Array;
  keylog: string;
  exports: Exports[];
}

const EXPORTS: Omit<Exports, 'value'>[] = [
  { label: 'EXPERIMENTAL tlswire', context: new TextEncoder().encode('ctx'), length: 42 },
  { label: 'EXPERIMENTAL tlswire', context: new Uint8Array(0), length: 32 },
  { label: 'EXPERIMENTAL tlswire', context: undefined, length: 32 },
  { label: 'EXPORTER-Channel-Binding', context: undefined, length: 32 },
  { label: 'EXPERIMENTAL long output', context: new Uint8Array(300).fill(7), length: 200 },
];

/** One TLS 1.2 connection client → relay → server; returns what each side sent, the key log, exports. */
async function session(options: Options): Promise<Recorded> {
  const server = createServer({
    key: pki(`server-${options.cert}.key`),
    cert: pki(`server-${options.cert}-fullchain.pem`),
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    ciphers: options.cipher,
    secureOptions: options.noEms ? SSL_OP_NO_EXTENDED_MASTER_SECRET : undefined,
  });
  server.on('secureConnection', (s) => {
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
  let keylog = '';
  server.on('keylog', (line) => {
    keylog += line.toString('latin1');
  });
  const toServer: Buffer[] = [];
  const toClient: Buffer[] = [];
  const sockets: Socket[] = [];
  const relay = createTcpServer((downstream) => {
    const upstream = tcpConnect((server.address() as AddressInfo).port, '127.0.0.1');
    sockets.push(downstream, upstream);
    downstream.on('data', (d) => {
      toServer.push(d);
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      toClient.push(d);
      downstream.write(d);
    });
    downstream.on('end', () => upstream.end());
    upstream.on('end', () => downstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  try {
    const exports = await new Promise<Exports[]>((resolve, reject) => {
      const socket = connect({
        host: '127.0.0.1',
        port: (relay.address() as AddressInfo).port,
        servername: 'localhost',
        ca: pki('root-ca.crt'),
        minVersion: 'TLSv1.2',
        maxVersion: 'TLSv1.2',
        ciphers: options.cipher,
      });
      socket.on('error', reject);
      let received = 0;
      let exported: Exports[] = [];
      socket.on('secureConnect', () => {
        exported = EXPORTS.map((e) => ({
          ...e,
          value: new Uint8Array(
            socket.exportKeyingMaterial(
              e.length,
              e.label,
              (e.context ? Buffer.from(e.context) : undefined) as unknown as Buffer,
            ),
          ),
        }));
        socket.write(options.message);
      });
      socket.on('data', (d: Buffer) => {
        received += d.length;
        if (received === options.message.length) socket.end();
      });
      socket.on('close', () => resolve(exported));
    });
    // Both relay directions have seen their end of stream once the client socket is closed and the
    // server's side has ended; wait for the relay sockets to close.
    await Promise.all(sockets.map((s) => (s.closed ? undefined : new Promise((r) => s.once('close', r)))));
    return { toServer: Buffer.concat(toServer), toClient: Buffer.concat(toClient), keylog, exports };
  } finally {
    relay.close();
    server.close();
  }
}

function keylogMap(text: string): Map<string, Uint8Array> {
  return new Map(
    parseKeyLog(text)
      .filter((e) => e.label === 'CLIENT_RANDOM')
      .map((e) => [toHex(e.clientRandom), e.secret]),
  );
}

/** Bytes 0, 1, … 255, 0, 1, … of length n. */
function counting(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i & 0xff);
}

const CASES: (Options & { suite: string; records: number })[] = [
  {
    cipher: 'ECDHE-ECDSA-CHACHA20-POLY1305',
    cert: 'ecdsa',
    message: new TextEncoder().encode('hello over chacha\n'),
    suite: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
    records: 0,
  },
  {
    cipher: 'ECDHE-RSA-CHACHA20-POLY1305',
    cert: 'rsa',
    message: counting(40000),
    suite: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    records: 3,
  },
  {
    cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384',
    cert: 'ecdsa',
    message: counting(16384),
    suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
    records: 1,
  },
  {
    cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
    cert: 'rsa',
    message: counting(16385),
    suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    records: 2,
  },
  {
    cipher: 'AES256-GCM-SHA384',
    cert: 'rsa',
    message: new TextEncoder().encode('no extended master secret\n'),
    suite: 'TLS_RSA_WITH_AES_256_GCM_SHA384',
    noEms: true,
    records: 0,
  },
  {
    cipher: 'AES128-GCM-SHA256',
    cert: 'rsa',
    message: new TextEncoder().encode('extended master secret\n'),
    suite: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
    records: 0,
  },
];

describe('TLS 1.2 against node:tls (OpenSSL) over loopback', () => {
  it.each(CASES)('$suite: every record opens and reseals; the exporter matches OpenSSL', async (c) => {
    const rec = await session(c);
    const r = replaySession({
      toServer: rec.toServer,
      toClient: rec.toClient,
      keylog: keylogMap(rec.keylog),
      rsaKey: c.cipher.startsWith('AES') ? pkiRsaKey('server-rsa') : undefined,
    });
    expect(r.suite.name).toBe(c.suite);
    expect(r.ems).toBe(!c.noEms);
    expect(toHex(r.clientData)).toBe(toHex(c.message));
    expect(toHex(r.serverData)).toBe(toHex(c.message));
    // Full-size records: 40000 bytes are 16384 + 16384 + 7232, 16385 bytes are 16384 + 1.
    if (c.records > 0) expect(r.records).toBeGreaterThanOrEqual(2 * c.records + 1);
    for (const e of rec.exports) {
      expect(toHex(r.masterSecret.exportKeyingMaterial(e.label, e.context, e.length)), e.label).toBe(toHex(e.value));
    }
    // Without a context the seed is the two randoms alone (RFC 5705 §4).
    const bare = rec.exports[2]!;
    const seed = new Uint8Array([...r.clientRandom, ...r.serverRandom]);
    expect(toHex(tls12Prf(p, r.suite.hash, r.masterSecret.secret, bare.label, seed, bare.length))).toBe(
      toHex(bare.value),
    );
    r.masterSecret.dispose();
  });
});

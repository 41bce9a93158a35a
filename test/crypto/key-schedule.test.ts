/**
 * Key schedule pieces not covered by RFC 8448, checked against a real peer: a TLS 1.3 connection
 * between node:crypto's (OpenSSL's) client and server on loopback gives SSLKEYLOGFILE lines and
 * exporter outputs; our keylog formatter/parser and our exporter must reproduce them exactly. Also
 * KeyUpdate's next secret against an independent HKDF-Expand over node:crypto's HMAC, and the
 * HelloRetryRequest transcript rule.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../../src/bytes/hex.js';
import {
  EarlySecret,
  exportKeyingMaterial,
  messageHash,
  nextTrafficSecret,
  Transcript,
} from '../../src/crypto/key-schedule.js';
import { KeyLogLabel, keyLogLine, parseKeyLog } from '../../src/crypto/keylog.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import type { HashName } from '../../src/crypto/provider.js';
import { field, findEntry, loadTrace } from '../support/rfc8448.js';

const p = new NobleProvider();
const pki = (f: string) => readFileSync(new URL(`../pki/out/${f}`, import.meta.url));

interface Session {
  keylog: string;
  exports: Map<string, Uint8Array>;
}

/** One TLS 1.3 handshake over loopback with `cipher`; returns the client's key log and some exports. */
async function session(cipher: string): Promise<Session> {
  const server = createServer({
    key: pki('server-rsa.key'),
    cert: pki('server-rsa.crt'),
    minVersion: 'TLSv1.3',
    ciphers: cipher,
  });
  server.on('secureConnection', (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<Session>((resolve, reject) => {
      let keylog = '';
      const socket = connect({
        host: '127.0.0.1',
        port,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
        ciphers: cipher,
      });
      socket.on('keylog', (line) => {
        keylog += line.toString('latin1');
      });
      socket.on('error', reject);
      socket.on('secureConnect', () => {
        const exports = new Map<string, Uint8Array>();
        exports.set('ctx', new Uint8Array(socket.exportKeyingMaterial(42, 'EXPERIMENTAL tlswire', Buffer.from('ctx'))));
        exports.set('empty', new Uint8Array(socket.exportKeyingMaterial(32, 'EXPERIMENTAL tlswire', Buffer.alloc(0))));
        exports.set(
          'none',
          new Uint8Array(socket.exportKeyingMaterial(32, 'EXPERIMENTAL tlswire', undefined as unknown as Buffer)),
        );
        socket.on('close', () => resolve({ keylog, exports }));
        socket.resume();
        socket.end();
      });
    });
  } finally {
    server.close();
  }
}

describe('against node:crypto (OpenSSL) over a loopback TLS 1.3 connection', () => {
  for (const [cipher, hash] of [
    ['TLS_AES_128_GCM_SHA256', 'sha256'],
    ['TLS_AES_256_GCM_SHA384', 'sha384'],
  ] as [string, HashName][]) {
    it(`${cipher}: key log lines round-trip and the exporter matches (RFC 8446 §7.5)`, async () => {
      const { keylog, exports } = await session(cipher);
      const entries = parseKeyLog(keylog);
      const labels = entries.map((e) => e.label).sort();
      expect(labels).toEqual(
        [
          KeyLogLabel.CLIENT_HANDSHAKE_TRAFFIC_SECRET,
          KeyLogLabel.CLIENT_TRAFFIC_SECRET_0,
          KeyLogLabel.EXPORTER_SECRET,
          KeyLogLabel.SERVER_HANDSHAKE_TRAFFIC_SECRET,
          KeyLogLabel.SERVER_TRAFFIC_SECRET_0,
        ].sort(),
      );
      const lines = keylog.trim().split('\n');
      for (const [i, e] of entries.entries()) {
        expect(e.secret.length).toBe(hash === 'sha256' ? 32 : 48);
        expect(keyLogLine(e.label as KeyLogLabel, e.clientRandom, e.secret)).toBe(lines[i]);
      }
      const exporter = entries.find((e) => e.label === KeyLogLabel.EXPORTER_SECRET)!.secret;
      const label = 'EXPERIMENTAL tlswire';
      expect(toHex(exportKeyingMaterial(p, hash, exporter, label, new TextEncoder().encode('ctx'), 42))).toBe(
        toHex(exports.get('ctx')!),
      );
      expect(toHex(exportKeyingMaterial(p, hash, exporter, label, new Uint8Array(0), 32))).toBe(
        toHex(exports.get('empty')!),
      );
      expect(toHex(exportKeyingMaterial(p, hash, exporter, label, undefined, 32))).toBe(toHex(exports.get('none')!));
    });
  }
});

describe('keylog', () => {
  it('formats RFC 8448 §3 secrets as LABEL <client_random> <secret>', () => {
    const trace = loadTrace(3);
    const random = field(findEntry(trace, 'client', 'construct a ClientHello'), 'ClientHello').subarray(6, 38);
    const secret = field(findEntry(trace, 'server', 'derive secret "tls13 c hs traffic"'), 'expanded');
    expect(keyLogLine('CLIENT_HANDSHAKE_TRAFFIC_SECRET', random, secret)).toBe(
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7 ' +
        'b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21',
    );
    expect(() => keyLogLine('EXPORTER_SECRET', random.subarray(1), secret)).toThrow(RangeError);
  });

  it('parses comments and blank lines, rejects malformed lines', () => {
    const text = `# made by hand\n\nCLIENT_RANDOM ${'ab'.repeat(32)} ${'01'.repeat(48)}\r\n`;
    const [e] = parseKeyLog(text);
    expect(e?.label).toBe('CLIENT_RANDOM');
    expect(e?.secret.length).toBe(48);
    expect(() => parseKeyLog(`CLIENT_RANDOM ${'ab'.repeat(31)} 00`)).toThrow(/line 1/);
    expect(() => parseKeyLog(`CLIENT_RANDOM ${'ab'.repeat(32)} 0`)).toThrow(/line 1/);
  });
});

/** HKDF-Expand (RFC 5869 §2.3) written out over node:crypto's HMAC, independent of our provider. */
function nodeHkdfExpand(hash: string, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  let t = Buffer.alloc(0);
  let okm = Buffer.alloc(0);
  for (let i = 1; okm.length < length; i++) {
    t = createHmac(hash, prk)
      .update(Buffer.concat([t, info, Buffer.of(i)]))
      .digest();
    okm = Buffer.concat([okm, t]);
  }
  return new Uint8Array(okm.subarray(0, length));
}

describe('KeyUpdate (RFC 8446 §7.2)', () => {
  it('application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)', () => {
    // RFC 8448 §3 client_application_traffic_secret_0.
    const secret0 = fromHex('9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5');
    // HkdfLabel: length 32, "tls13 traffic upd" (17 bytes), empty context.
    const info = concat(fromHex('0020 11'), new TextEncoder().encode('tls13 traffic upd'), fromHex('00'));
    expect(toHex(nextTrafficSecret(p, 'sha256', secret0))).toBe(toHex(nodeHkdfExpand('sha256', secret0, info, 32)));
  });
});

describe('transcript (RFC 8446 §4.4.1)', () => {
  const ch1 = fromHex('010000050303aabbcc');
  const hrr = fromHex('020000020303');
  const ch2 = fromHex('010000030303dd');

  it('message_hash = fe 00 00 Hash.length ‖ Hash(ClientHello1)', () => {
    const h = createHash('sha384').update(ch1).digest('hex');
    expect(toHex(messageHash(p, 'sha384', ch1))).toBe(`fe000030${h}`);
  });

  it('replaces ClientHello1 when the HelloRetryRequest arrives, with or without the hash chosen first', () => {
    const expected = createHash('sha256')
      .update(concat(fromHex('fe000020'), createHash('sha256').update(ch1).digest(), hrr, ch2))
      .digest('hex');
    const buffered = new Transcript(p).update(ch1);
    buffered.replaceWithMessageHash('sha256');
    buffered.update(hrr).update(ch2);
    expect(toHex(buffered.hash())).toBe(expected);
    const eager = new Transcript(p, 'sha256').update(ch1);
    eager.replaceWithMessageHash('sha256');
    expect(toHex(eager.update(hrr).update(ch2).hash())).toBe(expected);
  });

  it('buffers until the hash is chosen; clones are independent; misuse throws', () => {
    const t = new Transcript(p).update(ch1);
    expect(() => t.hash()).toThrow();
    const fork = t.clone();
    t.setHash('sha256');
    t.update(hrr);
    fork.setHash('sha256');
    expect(toHex(fork.hash())).toBe(createHash('sha256').update(ch1).digest('hex'));
    expect(toHex(t.hash())).toBe(createHash('sha256').update(concat(ch1, hrr)).digest('hex'));
    expect(() => t.setHash('sha384')).toThrow();
    expect(() => t.replaceWithMessageHash('sha256')).toThrow();
  });

  it('a released transcript (established, no post-handshake auth) refuses every later use; its clones live on', () => {
    const t = new Transcript(p, 'sha256').update(ch1);
    const kept = t.clone();
    t.release();
    expect(() => t.hash()).toThrow('transcript released after the handshake');
    expect(() => t.update(hrr)).toThrow('transcript released after the handshake');
    expect(() => t.clone()).toThrow('transcript released after the handshake');
    expect(toHex(kept.update(hrr).hash())).toBe(createHash('sha256').update(concat(ch1, hrr)).digest('hex'));
  });
});

describe('key schedule stages', () => {
  it('a stage is consumed by the next one and its secret wiped', () => {
    const early = EarlySecret.create(p, 'sha256');
    const secret = early.secret;
    const hs = early.handshake(new Uint8Array(32));
    expect(secret.every((b) => b === 0)).toBe(true);
    expect(() => early.binderKey('external')).toThrow(/consumed/);
    const ms = hs.master();
    expect(() => hs.clientHandshakeTrafficSecret(new Uint8Array(32))).toThrow(/consumed/);
    expect(() => ms.exporterMasterSecret(new Uint8Array(48))).toThrow(RangeError);
    ms.dispose();
    expect(() => ms.secret).toThrow(/consumed/);
  });
});

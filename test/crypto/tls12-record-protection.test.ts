/**
 * TLS 1.2 AEAD record protection (src/crypto/tls12-record-protection.ts) beyond the captured records:
 * the nonce constructions of RFC 5288 §3 and RFC 7905 §2 and the additional data of RFC 5246 §6.2.3.3
 * byte by byte, records sealed by us and opened by node:crypto (and the reverse), every failure and
 * the alert `alertFor` maps it to, the size limits (RFC 5246 §6.2.3, RFC 8449 §4) and the 64-bit
 * sequence number limit (RFC 5246 §6.1).
 */
import { type CipherGCM, createCipheriv, createDecipheriv, type DecipherGCM } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bytes/errors.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import type { AeadName } from '../../src/crypto/provider.js';
import { tls12CipherSuite } from '../../src/crypto/tls12-key-schedule.js';
import {
  sequenceBytes,
  Tls12RecordOpener,
  Tls12RecordSealer,
  tls12AdditionalData,
  tls12RecordNonce,
} from '../../src/crypto/tls12-record-protection.js';
import { AlertDescription, CipherSuite, ContentType } from '../../src/tls/enums.js';
import { alertFor } from '../../src/tls/errors.js';
import { alertOf } from '../support/errors.js';

const p = new NobleProvider();
const MAX_SEQ = (1n << 64n) - 1n;

const KEYS: Record<AeadName, { key: Uint8Array; iv: Uint8Array }> = {
  'aes-128-gcm': { key: fromHex('000102030405060708090a0b0c0d0e0f'), iv: fromHex('a0a1a2a3') },
  'aes-256-gcm': { key: fromHex('1f'.repeat(32)), iv: fromHex('b0b1b2b3') },
  'chacha20-poly1305': { key: fromHex('2e'.repeat(32)), iv: fromHex('c0c1c2c3c4c5c6c7c8c9cacb') },
};
const AEADS = Object.keys(KEYS) as AeadName[];
const pair = (aead: AeadName, options?: { maxPlaintext?: number }) => ({
  sealer: new Tls12RecordSealer(p, aead, KEYS[aead], options),
  opener: new Tls12RecordOpener(p, aead, KEYS[aead], options),
});

/** Encrypt with node:crypto: returns ciphertext ‖ tag. */
function nodeSeal(aead: AeadName, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
  const c = createCipheriv(aead, key, nonce, { authTagLength: 16 } as never) as unknown as CipherGCM;
  c.setAAD(aad, { plaintextLength: plaintext.length });
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

describe('nonce and additional data', () => {
  it('AES-GCM: salt ‖ explicit nonce (RFC 5288 §3)', () => {
    expect(toHex(tls12RecordNonce('aes-128-gcm', fromHex('a0a1a2a3'), 5n, fromHex('0102030405060708')))).toBe(
      'a0a1a2a30102030405060708',
    );
    expect(() => tls12RecordNonce('aes-128-gcm', fromHex('a0a1a2a3'), 5n)).toThrow(RangeError);
    expect(() => tls12RecordNonce('aes-256-gcm', fromHex('a0a1a2a3'), 5n, new Uint8Array(7))).toThrow(RangeError);
    expect(() => tls12RecordNonce('aes-128-gcm', new Uint8Array(12), 5n, new Uint8Array(8))).toThrow(RangeError);
  });

  it('ChaCha20-Poly1305: IV XOR the sequence number padded to 12 bytes (RFC 7905 §2)', () => {
    const iv = fromHex('c0c1c2c3c4c5c6c7c8c9cacb');
    expect(toHex(tls12RecordNonce('chacha20-poly1305', iv, 0n))).toBe('c0c1c2c3c4c5c6c7c8c9cacb');
    expect(toHex(tls12RecordNonce('chacha20-poly1305', iv, 0x0102030405060708n))).toBe('c0c1c2c3c5c7c5c3cdcfcdc3');
    expect(toHex(tls12RecordNonce('chacha20-poly1305', iv, MAX_SEQ))).toBe('c0c1c2c33b3a393837363534');
    expect(() => tls12RecordNonce('chacha20-poly1305', iv, 1n, new Uint8Array(8))).toThrow(RangeError);
    expect(() => tls12RecordNonce('chacha20-poly1305', iv.subarray(0, 4), 1n)).toThrow(RangeError);
  });

  it('additional_data = seq_num ‖ type ‖ version ‖ length (RFC 5246 §6.2.3.3)', () => {
    expect(toHex(tls12AdditionalData(0x0102030405060708n, 23, 0x0303, 0x1234))).toBe('0102030405060708170303' + '1234');
    expect(toHex(tls12AdditionalData(MAX_SEQ, 22, 0x0301, 0))).toBe('ffffffffffffffff160301' + '0000');
    expect(() => tls12AdditionalData(1n << 64n, 23, 0x0303, 0)).toThrow(RangeError);
    expect(() => tls12AdditionalData(-1n, 23, 0x0303, 0)).toThrow(RangeError);
    expect(toHex(sequenceBytes(258n))).toBe('0000000000000102');
  });
});

describe.each(AEADS)('%s records', (aead) => {
  const { key, iv } = KEYS[aead];
  const gcm = aead !== 'chacha20-poly1305';
  const text = new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n');

  it('seals header ‖ explicit nonce ‖ ciphertext ‖ tag that node:crypto opens', () => {
    const { sealer } = pair(aead);
    sealer.setSequence(7n);
    const record = sealer.seal(ContentType.application_data, text);
    const explicit = gcm ? record.subarray(5, 13) : new Uint8Array(0);
    const fragmentLength = explicit.length + text.length + 16;
    expect(toHex(record.subarray(0, 5))).toBe(`170303${fragmentLength.toString(16).padStart(4, '0')}`);
    expect(record).toHaveLength(5 + fragmentLength);
    if (gcm) expect(toHex(explicit)).toBe('0000000000000007'); // the sequence number
    const nonce = gcm ? new Uint8Array([...iv, ...explicit]) : tls12RecordNonce(aead, iv, 7n);
    const d = createDecipheriv(aead, key, nonce, { authTagLength: 16 } as never) as unknown as DecipherGCM;
    d.setAAD(tls12AdditionalData(7n, 23, 0x0303, text.length), { plaintextLength: text.length });
    d.setAuthTag(record.subarray(record.length - 16));
    const plain = Buffer.concat([d.update(record.subarray(5 + explicit.length, record.length - 16)), d.final()]);
    expect(plain.toString('hex')).toBe(toHex(text));
    expect(sealer.sequence).toBe(8n);
  });

  it('opens a record node:crypto sealed, whatever its explicit nonce', () => {
    const { opener } = pair(aead);
    opener.setSequence(3n);
    const explicit = fromHex('deadbeefcafef00d');
    const nonce = gcm ? new Uint8Array([...iv, ...explicit]) : tls12RecordNonce(aead, iv, 3n);
    const sealed = nodeSeal(aead, key, nonce, text, tls12AdditionalData(3n, 22, 0x0303, text.length));
    const fragment = gcm ? Buffer.concat([explicit, sealed]) : sealed;
    const opened = opener.open({ type: ContentType.handshake, version: 0x0303, fragment });
    expect(toHex(opened.content)).toBe(toHex(text));
    expect(opened.type).toBe(ContentType.handshake);
    expect(opened.sequence).toBe(3n);
    if (gcm) expect(toHex(opened.explicitNonce!)).toBe('deadbeefcafef00d');
    else expect(opened.explicitNonce).toBeUndefined();
    expect(opener.sequence).toBe(4n);
  });

  it('round-trips any content, type, version and sequence number', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.constantFrom(ContentType.application_data, ContentType.handshake, ContentType.alert),
        fc.constantFrom(0x0303, 0x0301),
        fc.bigInt({ min: 0n, max: MAX_SEQ }),
        (content, type, version, seq) => {
          fc.pre(content.length > 0 || type === ContentType.application_data);
          const { sealer, opener } = pair(aead);
          sealer.setSequence(seq);
          opener.setSequence(seq);
          const opened = opener.open(sealer.seal(type, content, { version }));
          expect(toHex(opened.content)).toBe(toHex(content));
          expect([opened.type, opened.version, opened.sequence]).toEqual([type, version, seq]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('carries a given explicit nonce (AES-GCM) or refuses one (ChaCha20)', () => {
    const { sealer, opener } = pair(aead);
    const explicit = fromHex('0011223344556677');
    if (gcm) {
      const record = sealer.seal(ContentType.application_data, text, { explicitNonce: explicit });
      expect(toHex(record.subarray(5, 13))).toBe('0011223344556677');
      expect(toHex(opener.open(record).content)).toBe(toHex(text));
    } else {
      expect(() => sealer.seal(ContentType.application_data, text, { explicitNonce: explicit })).toThrow(RangeError);
      expect(sealer.sequence).toBe(0n);
    }
  });

  it('bad_record_mac for any changed byte of the record, sequence number or key; the sequence does not advance', () => {
    const { sealer } = pair(aead);
    const record = sealer.seal(ContentType.application_data, text);
    for (let i = 0; i < record.length; i++) {
      if (i === 3 || i === 4) continue; // the length: decode_error, below
      const bad = record.slice();
      bad[i]! ^= 0x01;
      const { opener } = pair(aead);
      const alert = alertOf(() => opener.open(bad));
      // A changed explicit nonce is a changed nonce: authentication fails too.
      expect(alert).toBe(AlertDescription.bad_record_mac);
      expect(opener.sequence).toBe(0n);
    }
    const late = pair(aead).opener;
    late.setSequence(1n);
    expect(alertOf(() => late.open(record))).toBe(AlertDescription.bad_record_mac);
    const other = new Tls12RecordOpener(p, aead, { key: key.map((b) => b ^ 0xff), iv });
    expect(alertOf(() => other.open(record))).toBe(AlertDescription.bad_record_mac);
    const { opener } = pair(aead);
    expect(toHex(opener.open(record).content)).toBe(toHex(text));
  });

  it('bad_record_mac for a fragment too short for its explicit nonce and tag', () => {
    const { opener } = pair(aead);
    const min = gcm ? 24 : 16;
    expect(alertOf(() => opener.open({ type: 23, version: 0x0303, fragment: new Uint8Array(min - 1) }))).toBe(
      AlertDescription.bad_record_mac,
    );
    // Exactly the overhead: an empty plaintext whose tag is wrong.
    expect(alertOf(() => opener.open({ type: 23, version: 0x0303, fragment: new Uint8Array(min) }))).toBe(
      AlertDescription.bad_record_mac,
    );
  });

  it('record_overflow for a fragment over 2^14 + 2048 and for a plaintext over 2^14 (RFC 5246 §6.2.3)', () => {
    const { opener } = pair(aead);
    const fragment = new Uint8Array(16384 + 2048 + 1);
    expect(alertOf(() => opener.open({ type: 23, version: 0x0303, fragment }))).toBe(AlertDescription.record_overflow);
    // An authentic record of 2^14 + 1 bytes of plaintext, sealed by node:crypto.
    const big = new Uint8Array(16385).fill(0x61);
    const explicit = sequenceBytes(0n);
    const nonce = gcm ? new Uint8Array([...iv, ...explicit]) : tls12RecordNonce(aead, iv, 0n);
    const sealed = nodeSeal(aead, key, nonce, big, tls12AdditionalData(0n, 23, 0x0303, big.length));
    const over = { type: 23, version: 0x0303, fragment: gcm ? Buffer.concat([explicit, sealed]) : sealed };
    expect(alertOf(() => pair(aead).opener.open(over))).toBe(AlertDescription.record_overflow);
    // 2^14 exactly is fine, and is the most the sealer writes.
    const { sealer, opener: o2 } = pair(aead);
    expect(o2.open(sealer.seal(23, big.subarray(1))).content).toHaveLength(16384);
    expect(() => sealer.seal(23, big)).toThrow(RangeError);
  });

  it('honours a record_size_limit (RFC 8449 §4) on both sides', () => {
    const { sealer } = pair(aead);
    const record = sealer.seal(ContentType.application_data, new Uint8Array(1001));
    expect(alertOf(() => pair(aead, { maxPlaintext: 1000 }).opener.open(record))).toBe(
      AlertDescription.record_overflow,
    );
    expect(() => pair(aead, { maxPlaintext: 1000 }).sealer.seal(23, new Uint8Array(1001))).toThrow(RangeError);
    expect(pair(aead, { maxPlaintext: 1001 }).opener.open(record).content).toHaveLength(1001);
    for (const bad of [0, 16385, 1.5]) expect(() => pair(aead, { maxPlaintext: bad })).toThrow(RangeError);
  });

  it('decode_error for an empty handshake or alert record; empty application data is allowed', () => {
    const { sealer, opener } = pair(aead);
    const handshake = sealer.seal(ContentType.handshake, new Uint8Array(0));
    let error: unknown;
    try {
      opener.open(handshake);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect(alertFor(error)).toBe(AlertDescription.decode_error);
    const { sealer: s2, opener: o2 } = pair(aead);
    expect(o2.open(s2.seal(ContentType.application_data, new Uint8Array(0))).content).toHaveLength(0);
  });

  it('decode_error when the bytes are not exactly one record', () => {
    const { sealer, opener } = pair(aead);
    const record = sealer.seal(ContentType.application_data, text);
    for (const bytes of [record.subarray(0, record.length - 1), new Uint8Array([...record, 0])]) {
      let error: unknown;
      try {
        opener.open(bytes);
      } catch (e) {
        error = e;
      }
      expect(alertFor(error)).toBe(AlertDescription.decode_error);
    }
  });

  it('uses sequence number 2^64 - 1 and then refuses to wrap (internal_error)', () => {
    const { sealer, opener } = pair(aead);
    sealer.setSequence(MAX_SEQ);
    opener.setSequence(MAX_SEQ);
    const last = sealer.seal(23, text);
    if (gcm) expect(toHex(last.subarray(5, 13))).toBe('ffffffffffffffff');
    expect(opener.open(last).sequence).toBe(MAX_SEQ);
    expect(alertOf(() => sealer.seal(23, text))).toBe(AlertDescription.internal_error);
    expect(alertOf(() => opener.open(last))).toBe(AlertDescription.internal_error);
    expect(() => sealer.setSequence(MAX_SEQ + 2n)).toThrow(RangeError);
    expect(() => sealer.setSequence(-1n)).toThrow(RangeError);
  });

  it('is unusable after dispose', () => {
    const { sealer, opener } = pair(aead);
    const record = sealer.seal(23, text);
    sealer.dispose();
    opener.dispose();
    expect(alertOf(() => sealer.seal(23, text))).toBe(AlertDescription.internal_error);
    expect(alertOf(() => opener.open(record))).toBe(AlertDescription.internal_error);
  });

  it('checks key and IV lengths, content type and version', () => {
    expect(() => new Tls12RecordSealer(p, aead, { key: key.subarray(1), iv })).toThrow(RangeError);
    expect(() => new Tls12RecordOpener(p, aead, { key, iv: new Uint8Array(gcm ? 12 : 4) })).toThrow(RangeError);
    const { sealer } = pair(aead);
    expect(() => sealer.seal(256, text)).toThrow(RangeError);
    expect(() => sealer.seal(23, text, { version: 0x10000 })).toThrow(RangeError);
    expect(sealer.sequence).toBe(0n);
  });
});

describe('from a key block', () => {
  it("a side's sealer and the peer's opener for that side agree; the other direction's keys do not", () => {
    const suite = tls12CipherSuite(CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256)!;
    const keyBlock = {
      client: { key: fromHex('01'.repeat(32)), iv: fromHex('02'.repeat(12)) },
      server: { key: fromHex('03'.repeat(32)), iv: fromHex('04'.repeat(12)) },
    };
    const record = Tls12RecordSealer.fromKeyBlock(p, suite, keyBlock, 'client').seal(23, Uint8Array.of(1, 2, 3));
    expect(toHex(Tls12RecordOpener.fromKeyBlock(p, suite, keyBlock, 'client').open(record).content)).toBe('010203');
    const wrong = Tls12RecordOpener.fromKeyBlock(p, suite, keyBlock, 'server');
    expect(alertOf(() => wrong.open(record))).toBe(AlertDescription.bad_record_mac);
  });
});

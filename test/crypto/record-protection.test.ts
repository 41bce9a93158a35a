/**
 * TLS 1.3 record protection (RFC 8446 §5.2–5.5) beyond the RFC 8448 records: the nonce construction,
 * padding (decrypted independently with node:crypto), every failure and the alert it maps to, size
 * limits and the sequence-number limit.
 */
import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bytes/errors.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { sealFragments } from '../../src/crypto/record-epoch.js';
import { RecordOpener, RecordSealer, recordNonce } from '../../src/crypto/record-protection.js';
import { AlertDescription, ContentType } from '../../src/tls/enums.js';
import { alertFor, TlsAlertError } from '../../src/tls/errors.js';
import { alertOf } from '../support/errors.js';
import { field, findEntry, loadTrace } from '../support/rfc8448.js';

const p = new NobleProvider();
// RFC 8448 §3: the server's application traffic write key and IV.
const trace = loadTrace(3);
const appKeys = findEntry(trace, 'server', 'derive write traffic keys for application data');
const keys = { key: field(appKeys, 'key expanded'), iv: field(appKeys, 'iv expanded') };
const pair = () => ({
  sealer: new RecordSealer(p, 'aes-128-gcm', keys),
  opener: new RecordOpener(p, 'aes-128-gcm', keys),
});

describe('per-record nonce (RFC 8446 §5.3)', () => {
  it('XORs the big-endian 64-bit sequence number into the last 8 bytes of the IV', () => {
    const iv = fromHex('000102030405060708090a0b');
    expect(toHex(recordNonce(iv, 0n))).toBe('000102030405060708090a0b');
    expect(toHex(recordNonce(iv, 1n))).toBe('000102030405060708090a0a');
    expect(toHex(recordNonce(iv, 0x0102030405060708n))).toBe('00010203050705030d0f0d03');
    expect(toHex(recordNonce(iv, (1n << 64n) - 1n))).toBe('00010203fbfaf9f8f7f6f5f4');
    expect(() => recordNonce(iv, 1n << 64n)).toThrow(RangeError);
  });
});

describe('sealing and opening', () => {
  it('sealFragments: 40,000 bytes in 16,384-byte records, one buffer equal to the records sealed one by one', () => {
    const content = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 7) & 0xff);
    const joined = sealFragments(pair().sealer, ContentType.application_data, content, 16_384);
    const one = pair().sealer;
    const records = [0, 16_384, 32_768].map((at) =>
      one.seal(ContentType.application_data, content.subarray(at, at + 16_384)),
    );
    expect(joined.length).toBe(40_000 + 3 * (5 + 1 + 16));
    expect(toHex(joined)).toBe(records.map(toHex).join(''));
    const { opener } = pair();
    let at = 0;
    for (const record of records) {
      const length = record.length;
      expect(opener.open(joined.subarray(at, at + length)).content).toEqual(
        content.subarray((at / (16_384 + 22)) * 16_384).subarray(0, length - 22),
      );
      at += length;
    }
    expect(toHex(sealFragments(pair().sealer, ContentType.alert, new Uint8Array(0), 16_384))).toBe(
      toHex(pair().sealer.seal(ContentType.alert, new Uint8Array(0))),
    );
  });

  it('pads with zeros after the content type; node:crypto decrypts the same TLSInnerPlaintext', () => {
    const { sealer, opener } = pair();
    sealer.setSequence(5n);
    opener.setSequence(5n);
    const content = new TextEncoder().encode('hello');
    const record = sealer.seal(ContentType.application_data, content, 7);
    expect(toHex(record.subarray(0, 5))).toBe(`170303${(5 + 1 + 7 + 16).toString(16).padStart(4, '0')}`);
    const d = createDecipheriv('aes-128-gcm', keys.key, recordNonce(keys.iv, 5n));
    d.setAAD(record.subarray(0, 5));
    d.setAuthTag(record.subarray(record.length - 16));
    const inner = Buffer.concat([d.update(record.subarray(5, record.length - 16)), d.final()]);
    expect(inner.toString('hex')).toBe(`${toHex(content)}17${'00'.repeat(7)}`);
    const opened = opener.open(record);
    expect(opened).toMatchObject({ type: ContentType.application_data, paddingLength: 7, sequence: 5n });
    expect(toHex(opened.content)).toBe(toHex(content));
    expect(sealer.sequence).toBe(6n);
    expect(opener.sequence).toBe(6n);
  });

  it('opens a record already split by the record layer', () => {
    const { sealer, opener } = pair();
    const record = sealer.seal(ContentType.alert, Uint8Array.of(1, 0));
    const opened = opener.open({ type: 23, version: 0x0303, fragment: record.subarray(5) });
    expect(opened.type).toBe(ContentType.alert);
    expect(toHex(opened.content)).toBe('0100');
  });

  it('carries a full 2^14-byte record; refuses a larger inner plaintext when sealing', () => {
    const { sealer, opener } = pair();
    const big = new Uint8Array(16384).fill(0x61);
    const record = sealer.seal(ContentType.application_data, big);
    expect(record.length).toBe(5 + 16384 + 1 + 16);
    expect(opener.open(record).content.length).toBe(16384);
    expect(() => sealer.seal(ContentType.application_data, big, 1)).toThrow(RangeError);
  });

  it('allows zero-length application data (cover traffic, RFC 8446 §5.4)', () => {
    const { sealer, opener } = pair();
    const opened = opener.open(sealer.seal(ContentType.application_data, new Uint8Array(0), 3));
    expect(opened.content.length).toBe(0);
    expect(opened.paddingLength).toBe(3);
  });
});

describe('failures map to the alerts RFC 8446 prescribes', () => {
  it('bad_record_mac: a flipped bit, a wrong sequence number, a changed header', () => {
    const { sealer, opener } = pair();
    const record = sealer.seal(ContentType.application_data, Uint8Array.of(1, 2, 3));
    const flipped = record.slice();
    flipped[7]! ^= 1;
    expect(alertOf(() => opener.open(flipped))).toBe(AlertDescription.bad_record_mac);
    const other = pair();
    other.opener.setSequence(1n);
    expect(alertOf(() => other.opener.open(record))).toBe(AlertDescription.bad_record_mac);
    const version = record.slice();
    version[2] = 0x01; // legacy_record_version is part of the AAD
    expect(alertOf(() => pair().opener.open(version))).toBe(AlertDescription.bad_record_mac);
    expect(opener.sequence).toBe(0n);
    expect(toHex(opener.open(record).content)).toBe('010203');
  });

  it('record_overflow: encrypted_record > 2^14 + 256, inner plaintext above the limit', () => {
    const { opener } = pair();
    const tooLong = { type: 23, version: 0x0303, fragment: new Uint8Array(16384 + 257) };
    expect(alertOf(() => opener.open(tooLong))).toBe(AlertDescription.record_overflow);
    const small = new RecordOpener(p, 'aes-128-gcm', keys, { maxInnerPlaintext: 100 });
    const record = pair().sealer.seal(ContentType.application_data, new Uint8Array(100));
    expect(alertOf(() => small.open(record))).toBe(AlertDescription.record_overflow);
  });

  it('unexpected_message: all-zero inner plaintext, empty handshake/alert, forbidden inner or outer type', () => {
    const cases: [number, Uint8Array, number][] = [
      [0, new Uint8Array(0), 4], // no non-zero byte at all
      [ContentType.handshake, new Uint8Array(0), 0],
      [ContentType.alert, new Uint8Array(0), 2],
      [ContentType.change_cipher_spec, Uint8Array.of(1), 0],
      [0x40, Uint8Array.of(1), 0],
    ];
    for (const [type, content, padding] of cases) {
      const { sealer, opener } = pair();
      expect(alertOf(() => opener.open(sealer.seal(type, content, padding)))).toBe(AlertDescription.unexpected_message);
    }
    const record = pair().sealer.seal(ContentType.handshake, Uint8Array.of(1));
    record[0] = ContentType.handshake;
    expect(alertOf(() => pair().opener.open(record))).toBe(AlertDescription.unexpected_message);
  });

  it('decode_error: a header length that does not match the bytes', () => {
    const record = pair().sealer.seal(ContentType.application_data, Uint8Array.of(1));
    const e = (() => {
      try {
        pair().opener.open(record.subarray(0, record.length - 1));
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(DecodeError);
    expect(alertFor(e)).toBe(AlertDescription.decode_error);
  });
});

describe('sequence numbers never wrap (RFC 8446 §5.3)', () => {
  it('the record with sequence 2^64 - 1 is the last one', () => {
    const { sealer, opener } = pair();
    sealer.setSequence((1n << 64n) - 1n);
    opener.setSequence((1n << 64n) - 1n);
    const last = sealer.seal(ContentType.application_data, Uint8Array.of(9));
    expect(opener.open(last).sequence).toBe((1n << 64n) - 1n);
    expect(alertOf(() => sealer.seal(ContentType.application_data, Uint8Array.of(9)))).toBe(
      AlertDescription.internal_error,
    );
    expect(alertOf(() => opener.open(last))).toBe(AlertDescription.internal_error);
  });

  it('a disposed epoch cannot be used', () => {
    const { sealer } = pair();
    sealer.dispose();
    expect(() => sealer.seal(ContentType.application_data, Uint8Array.of(1))).toThrow(TlsAlertError);
  });
});

/**
 * TLS 1.2's RSA premaster decryption with the RFC 5246 §7.4.7.1 countermeasure, on the test server key
 * (test/pki/out/server-rsa.key, 2048 bits). The bad encodings are laid out by hand and turned into
 * ciphertexts with node:crypto's raw RSA (RSA_NO_PADDING): every one must give the fallback, without
 * throwing; a correct encoding (by hand, and node:crypto's own PKCS#1 v1.5 padding) gives the premaster.
 */
import { constants, createPrivateKey, privateDecrypt, publicEncrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import type { RsaPrivateKey } from '../../src/crypto/provider.js';
import { pkcs1DecryptPremaster } from '../../src/crypto/rsa.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { encrypt, fallback, K, premaster, RSA_KEY_PEM, SEP } from '../support/rsa-premaster.js';

const key = parsePrivateKey(RSA_KEY_PEM) as RsaPrivateKey;
const nodeKey = createPrivateKey(RSA_KEY_PEM);

function decrypt(ct: Uint8Array, clientVersion?: number) {
  const out = pkcs1DecryptPremaster(key, ct, 48, fallback, clientVersion);
  return { ok: out.ok, message: toHex(out.message) };
}

const FALLBACK = { ok: false, message: toHex(fallback) };
const PREMASTER = { ok: true, message: toHex(premaster) };

describe('pkcs1DecryptPremaster (RFC 5246 §7.4.7.1)', () => {
  it('a correct encoding gives the premaster, as node:crypto reads it', () => {
    const ct = encrypt(premaster);
    expect(decrypt(ct)).toEqual(PREMASTER);
    expect(decrypt(ct, 0x0303)).toEqual(PREMASTER);
    const em = privateDecrypt({ key: nodeKey, padding: constants.RSA_NO_PADDING }, ct);
    expect([em[0], em[1], em[SEP], toHex(em.subarray(SEP + 1))]).toEqual([0, 2, 0, toHex(premaster)]);
    // node:crypto's own PKCS#1 v1.5 padding (random PS).
    const padded = publicEncrypt({ key: nodeKey, padding: constants.RSA_PKCS1_PADDING }, premaster);
    expect(decrypt(new Uint8Array(padded), 0x0303)).toEqual(PREMASTER);
  });

  it.each([0x01, 0x02, 0x40])('first byte %i: fallback', (b) => {
    expect(decrypt(encrypt(premaster, (em) => (em[0] = b)))).toEqual(FALLBACK);
  });

  it.each([0x00, 0x01, 0x03, 0x04, 0x06, 0xff])('second byte %i: fallback', (b) => {
    expect(decrypt(encrypt(premaster, (em) => (em[1] = b)))).toEqual(FALLBACK);
  });

  it.each([0, 1, 7])('%i padding bytes before a zero: fallback', (n) => {
    expect(decrypt(encrypt(premaster, (em) => (em[2 + n] = 0)))).toEqual(FALLBACK);
  });

  it('no zero separator: fallback', () => {
    expect(decrypt(encrypt(premaster, (em) => (em[SEP] = 0x55)))).toEqual(FALLBACK);
  });

  it('separator at the wrong place (a premaster of 47 or 49 bytes): fallback', () => {
    expect(decrypt(encrypt(premaster.subarray(1)))).toEqual(FALLBACK);
    expect(decrypt(encrypt(Uint8Array.of(0x77, ...premaster)))).toEqual(FALLBACK);
    // A 49-byte message whose last 48 bytes are the premaster: the zero stands one byte early.
    expect(decrypt(encrypt(Uint8Array.of(0x00, ...premaster)))).toEqual(FALLBACK);
  });

  it.each([0x0301, 0x0302, 0x0203, 0x0103, 0x0307, 0x0003])(
    'client_version %i in the premaster, 0x0303 expected: fallback',
    (v) => {
      const wrong = Uint8Array.of(v >>> 8, v & 0xff, ...premaster.subarray(2));
      const ct = encrypt(wrong);
      expect(decrypt(ct, 0x0303)).toEqual(FALLBACK);
      // Without the check (the first construction), the caller gets M and overwrites its version.
      expect(decrypt(ct)).toEqual({ ok: true, message: toHex(wrong) });
    },
  );

  it('ciphertexts of the wrong length, at or above n, and messages too long for the key: fallback', () => {
    const good = encrypt(premaster);
    expect(decrypt(good.subarray(1))).toEqual(FALLBACK);
    expect(decrypt(Uint8Array.of(0, ...good))).toEqual(FALLBACK);
    expect(decrypt(new Uint8Array(K).fill(0xff))).toEqual(FALLBACK);
    const long = pkcs1DecryptPremaster(key, good, K - 10, new Uint8Array(K - 10).fill(1));
    expect([long.ok, long.message.every((b) => b === 1)]).toEqual([false, true]);
  });

  it('refuses a fallback of the wrong size and a version outside the message', () => {
    expect(() => pkcs1DecryptPremaster(key, encrypt(premaster), 48, new Uint8Array(47))).toThrow(/fallback/);
    expect(() => pkcs1DecryptPremaster(key, encrypt(premaster), 48, fallback, 0x10000)).toThrow(/clientVersion/);
  });
});

/**
 * NodeCryptoProvider (node:crypto) through the provider conformance suite: the known answers
 * (test/crypto/provider-conformance.ts), then every operation cross-checked with NobleProvider on
 * random inputs: AEADs at every length 0–600 sealed by one and opened by the other (and tampered),
 * hashes / HMAC / HKDF on random lengths, every key-exchange group both ways with injected secrets
 * giving the same shares, every signature scheme made by one and verified by the other, and RSA
 * premaster encryption both ways with the RFC 5246 §7.4.7.1 bad-padding classes.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import {
  AEAD_KEY_LENGTH,
  type AeadName,
  CryptoError,
  type CryptoProvider,
  type EcCurveName,
  GROUPS,
  type GroupName,
  HASH_LENGTH,
  type PrivateKey,
  type RsaPrivateKey,
  SIGNATURE_SCHEMES,
  type SignatureSchemeName,
} from '../../src/crypto/provider.js';
import { NodeCryptoProvider } from '../../src/node/crypto-provider.js';
import { parsePrivateKey, publicKeyOf } from '../../src/x509/keys.js';
import { describeProviderConformance } from '../crypto/provider-conformance.js';
import { encrypt, fallback, K, premaster, SEP } from '../support/rsa-premaster.js';

describeProviderConformance('NodeCryptoProvider', new NodeCryptoProvider());

const noble = new NobleProvider();
const native = new NodeCryptoProvider();
const PAIRS: [string, CryptoProvider, CryptoProvider][] = [
  ['noble → node', noble, native],
  ['node → noble', native, noble],
];
const rand = (n: number) => new Uint8Array(randomBytes(n));
const int = (n: number) => randomBytes(4).readUInt32BE() % n;
const AEADS: AeadName[] = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'];

describe('cross-check: AEADs', () => {
  for (const aead of AEADS) {
    it(`${aead}: every length 0–600 sealed by one provider, opened by the other, byte-identical`, () => {
      const key = rand(AEAD_KEY_LENGTH[aead]);
      const a = noble.aead(aead, key);
      const b = native.aead(aead, key);
      for (let length = 0; length <= 600; length++) {
        const nonce = rand(12);
        const aad = rand(length % 41);
        const plaintext = rand(length);
        const sealed = a.seal(nonce, plaintext, aad);
        expect(toHex(b.seal(nonce, plaintext, aad))).toBe(toHex(sealed));
        expect(b.open(nonce, sealed, aad)).toEqual(plaintext);
        expect(a.open(nonce, b.seal(nonce, plaintext, aad), aad)).toEqual(plaintext);
        // One-shot methods too, on a sample of lengths.
        if (length % 50 === 0) {
          expect(toHex(native.aeadSeal(aead, key, nonce, plaintext, aad))).toBe(toHex(sealed));
          expect(native.aeadOpen(aead, key, nonce, sealed, aad)).toEqual(plaintext);
        }
      }
    });

    it(`${aead}: a flipped bit of ciphertext, tag or AAD, another nonce or a short input gives null in both`, () => {
      const key = rand(AEAD_KEY_LENGTH[aead]);
      for (const length of [0, 1, 15, 16, 17, 100]) {
        const nonce = rand(12);
        const aad = rand(13);
        const sealed = noble.aeadSeal(aead, key, nonce, rand(length), aad);
        for (let bit = 0; bit < sealed.length * 8; bit += 5) {
          const bad = sealed.slice();
          bad[bit >>> 3]! ^= 1 << (bit & 7);
          for (const p of [noble, native]) expect(p.aeadOpen(aead, key, nonce, bad, aad)).toBeNull();
        }
        const badAad = aad.slice();
        badAad[int(13)]! ^= 0x10;
        for (const p of [noble, native]) {
          expect(p.aeadOpen(aead, key, nonce, sealed, badAad)).toBeNull();
          expect(p.aeadOpen(aead, key, rand(12), sealed, aad)).toBeNull();
          expect(p.aeadOpen(aead, key, nonce, sealed.subarray(0, 15), aad)).toBeNull();
          expect(p.aeadOpen(aead, key, nonce, sealed, aad)).not.toBeNull();
        }
      }
    });
  }

  it('a native context copies its key, checks nonces, and is unusable once disposed', () => {
    const key = Buffer.from(rand(16));
    const ctx = native.aead('aes-128-gcm', key);
    const nonce = rand(12);
    const before = toHex(ctx.seal(nonce, rand(0), rand(0)));
    key.fill(0);
    expect(toHex(ctx.seal(nonce, rand(0), rand(0)))).toBe(before);
    expect(() => ctx.seal(rand(8), rand(1), rand(0))).toThrow(RangeError);
    expect(() => native.aead('chacha20-poly1305', rand(16))).toThrow(RangeError);
    ctx.dispose();
    expect(() => ctx.seal(nonce, rand(1), rand(0))).toThrow();
  });
});

describe('cross-check: hashes, HMAC, HKDF', () => {
  for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
    it(`${hash}: random lengths, split and cloned incremental hashes, HMAC keys of 0–200 bytes, HKDF`, () => {
      for (let i = 0; i < 60; i++) {
        const data = rand(int(3000));
        expect(toHex(native.hash(hash, data))).toBe(toHex(noble.hash(hash, data)));
        const cut = int(data.length + 1);
        const ctx = native.createHash(hash).update(data.subarray(0, cut));
        const fork = ctx.clone();
        expect(toHex(ctx.digest())).toBe(toHex(noble.hash(hash, data.subarray(0, cut))));
        expect(toHex(fork.update(data.subarray(cut)).digest())).toBe(toHex(noble.hash(hash, data)));
        const key = rand(int(201));
        expect(toHex(native.hmac(hash, key, data))).toBe(toHex(noble.hmac(hash, key, data)));
        const salt = rand(int(3) === 0 ? 0 : int(100));
        const prk = native.hkdfExtract(hash, salt, key);
        expect(toHex(prk)).toBe(toHex(noble.hkdfExtract(hash, salt, key)));
        const info = rand(int(80));
        const length = 1 + int(255 * HASH_LENGTH[hash]);
        expect(toHex(native.hkdfExpand(hash, prk, info, length))).toBe(
          toHex(noble.hkdfExpand(hash, prk, info, length)),
        );
      }
      expect(() => native.hkdfExpand(hash, rand(32), rand(0), 255 * HASH_LENGTH[hash] + 1)).toThrow(RangeError);
    });
  }
});

/** Groups both providers have: GROUPS, and X448 once NobleProvider has it. */
const groups = (): GroupName[] => {
  const all = [...GROUPS];
  if (!all.includes('x448' as GroupName)) {
    try {
      noble.keyExchange('x448' as GroupName);
      all.push('x448' as GroupName);
    } catch {
      // NobleProvider without X448: its RFC 7748 vectors still run for NodeCryptoProvider above.
    }
  }
  return all;
};

/** An injectable secret for `group`: what `generate(secret)` takes. */
function secretFor(group: GroupName, provider: CryptoProvider): Uint8Array {
  return provider.keyExchange(group).generate().privateKey;
}

describe('cross-check: key exchange', () => {
  for (const group of groups()) {
    for (const [name, client, server] of PAIRS) {
      it(`${group}, ${name}: same shares from injected secrets, same shared secret both ways`, () => {
        const c = client.keyExchange(group);
        const s = server.keyExchange(group);
        // FFDHE (NobleProvider's in both) costs seconds per exchange in bigint: one round.
        for (let i = 0; i < (group.startsWith('ffdhe') ? 1 : 3); i++) {
          const kp = c.generate();
          expect(kp.share.length).toBe(c.clientShareLength);
          // ECDHE: the private key is the injectable secret (the hybrid's is checked below).
          if (group !== 'X25519MLKEM768') expect(toHex(s.generate(kp.privateKey).share)).toBe(toHex(kp.share));
          const reply = s.encapsulate(kp.share);
          expect(reply.share.length).toBe(s.serverShareLength);
          expect(toHex(c.decapsulate(kp.privateKey, reply.share))).toBe(toHex(reply.sharedSecret));
        }
      });
    }

    it(`${group}: injected secrets replay identically in both providers; bad shares are invalid-share in both`, () => {
      const clientSecret =
        group === 'X25519MLKEM768' ? rand(96) : group.startsWith('ffdhe') ? undefined : secretFor(group, noble);
      const serverSecret = group === 'X25519MLKEM768' ? rand(64) : clientSecret && secretFor(group, noble);
      if (!clientSecret) return; // FFDHE: NodeCryptoProvider delegates to NobleProvider
      const a = noble.keyExchange(group);
      const b = native.keyExchange(group);
      const ka = a.generate(clientSecret);
      const kb = b.generate(clientSecret);
      expect(toHex(kb.share)).toBe(toHex(ka.share));
      expect(toHex(kb.privateKey)).toBe(toHex(ka.privateKey));
      const ra = a.encapsulate(ka.share, serverSecret);
      const rb = b.encapsulate(ka.share, serverSecret);
      expect([toHex(rb.share), toHex(rb.sharedSecret)]).toEqual([toHex(ra.share), toHex(ra.sharedSecret)]);
      const invalid = expect.objectContaining({ name: 'CryptoError', reason: 'invalid-share' });
      const wrongLength = ka.share.subarray(1);
      const offCurve = ka.share.slice();
      offCurve[offCurve.length - 1]! ^= 1;
      for (const kx of [a, b]) {
        expect(() => kx.encapsulate(wrongLength)).toThrow(invalid);
        expect(() => kx.decapsulate(ka.privateKey, rb.share.subarray(1))).toThrow(invalid);
        if (group.startsWith('secp')) expect(() => kx.decapsulate(ka.privateKey, offCurve)).toThrow(invalid);
        if (group === 'x25519') expect(() => kx.decapsulate(ka.privateKey, new Uint8Array(32))).toThrow(invalid);
      }
    });
  }
});

const pki = (name: string) => readFileSync(new URL(`../pki/out/${name}`, import.meta.url), 'utf8');
const b64 = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? '', 'base64url'));

/** A fresh NIST key from node:crypto (the test PKI has only P-256 keys). */
function ecKey(curve: EcCurveName): PrivateKey {
  const named = { secp256r1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }[curve];
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: named });
  return { type: 'ec', curve, d: b64(privateKey.export({ format: 'jwk' }).d) };
}

const rsaKey = parsePrivateKey(pki('server-rsa.key')) as RsaPrivateKey;
const KEYS: Record<string, PrivateKey> = {
  secp256r1: parsePrivateKey(pki('server-ecdsa.key')),
  secp384r1: ecKey('secp384r1'),
  secp521r1: ecKey('secp521r1'),
  ed25519: parsePrivateKey(pki('server-ed25519.key')),
  rsa: rsaKey,
  'rsa-pss': { ...rsaKey, pss: true },
};

function keyFor(scheme: SignatureSchemeName): PrivateKey {
  if (scheme.startsWith('ecdsa_')) return KEYS[scheme.split('_')[1]!]!;
  if (scheme.startsWith('rsa_pss_pss')) return KEYS['rsa-pss']!;
  if (scheme.startsWith('rsa_')) return KEYS.rsa!;
  return KEYS.ed25519!;
}

describe('cross-check: signatures', () => {
  for (const scheme of SIGNATURE_SCHEMES) {
    it(`${scheme}: made by each provider, verified by both; tampering fails in both`, () => {
      const key = keyFor(scheme);
      const pub = publicKeyOf(key);
      for (const [, signer, verifier] of PAIRS) {
        const message = rand(int(300));
        const sig = signer.sign(scheme, key, message);
        expect(verifier.verify(scheme, pub, message, sig)).toBe(true);
        expect(signer.verify(scheme, pub, message, sig)).toBe(true);
        const bad = sig.slice();
        bad[int(bad.length)]! ^= 1 << int(8);
        for (const p of [noble, native]) {
          expect(p.verify(scheme, pub, message, bad)).toBe(false);
          expect(p.verify(scheme, pub, rand(message.length + 1), sig)).toBe(false);
          expect(p.verify(scheme, pub, message, sig.subarray(1))).toBe(false);
        }
      }
      // Deterministic schemes, and injected salt / entropy, give identical bytes.
      const message = rand(100);
      const hLen = scheme.endsWith('384') ? 48 : scheme.endsWith('512') ? 64 : 32;
      const options = scheme.startsWith('rsa_pss') ? { salt: rand(hLen) } : { entropy: rand(32) };
      expect(toHex(native.sign(scheme, key, message, options))).toBe(toHex(noble.sign(scheme, key, message, options)));
      if (scheme.startsWith('ecdsa')) {
        const det = { entropy: false } as const;
        expect(toHex(native.sign(scheme, key, message, det))).toBe(toHex(noble.sign(scheme, key, message, det)));
      }
      if (scheme === 'ed25519' || scheme.startsWith('rsa_pkcs1')) {
        expect(toHex(native.sign(scheme, key, message))).toBe(toHex(noble.sign(scheme, key, message)));
      }
    });
  }

  it('refuses keys that do not fit the scheme, as NobleProvider does; verify never throws', () => {
    const invalidKey = expect.objectContaining({ name: 'CryptoError', reason: 'invalid-key' });
    for (const p of [noble, native]) {
      expect(() => p.sign('ecdsa_secp256r1_sha256', KEYS.secp384r1!, rand(5))).toThrow(invalidKey);
      expect(() => p.sign('rsa_pss_pss_sha256', KEYS.rsa!, rand(5))).toThrow(invalidKey);
      expect(() => p.sign('rsa_pss_rsae_sha256', KEYS['rsa-pss']!, rand(5))).toThrow(invalidKey);
      expect(() => p.sign('rsa_pkcs1_sha256', KEYS['rsa-pss']!, rand(5))).toThrow(invalidKey);
      expect(() => p.sign('ed25519', KEYS.secp256r1!, rand(5))).toThrow(invalidKey);
      const zero = { type: 'ec', curve: 'secp256r1', d: new Uint8Array(32) } as const; // d = 0 is no key
      expect(() => p.sign('ecdsa_secp256r1_sha256', zero, rand(5))).toThrow(p === native ? CryptoError : Error);
      const ecPub = publicKeyOf(KEYS.secp256r1!);
      expect(p.verify('ecdsa_secp256r1_sha256', ecPub, rand(5), new Uint8Array(8))).toBe(false);
      expect(p.verify('ecdsa_secp384r1_sha384', ecPub, rand(5), new Uint8Array(8))).toBe(false);
      const offCurve = { type: 'ec', curve: 'secp256r1', point: new Uint8Array(65).fill(4) } as const;
      expect(p.verify('ecdsa_secp256r1_sha256', offCurve, rand(5), new Uint8Array(72))).toBe(false);
      expect(p.verify('rsa_pss_rsae_sha256', publicKeyOf(KEYS.rsa!), rand(5), new Uint8Array(256).fill(0xff))).toBe(
        false,
      );
    }
  });

  it('an RSA signature must be exactly k bytes (RFC 8017 §8.2.2 step 1), also when its value has a leading zero', () => {
    const pub = publicKeyOf(rsaKey);
    let message = rand(20);
    let sig = native.sign('rsa_pkcs1_sha256', rsaKey, message);
    for (let i = 0; sig[0] !== 0 && i < 5000; i++) {
      message = rand(20);
      sig = native.sign('rsa_pkcs1_sha256', rsaKey, message);
    }
    expect(sig[0]).toBe(0);
    for (const p of [noble, native]) {
      expect(p.verify('rsa_pkcs1_sha256', pub, message, sig)).toBe(true);
      expect(p.verify('rsa_pkcs1_sha256', pub, message, sig.subarray(1))).toBe(false);
      expect(p.verify('rsa_pkcs1_sha256', pub, message, Uint8Array.of(0, ...sig))).toBe(false);
    }
  });

  it('an RSA key without CRT components signs and decrypts the same (through NobleProvider)', () => {
    const plain: RsaPrivateKey = { type: 'rsa', n: rsaKey.n, e: rsaKey.e, d: rsaKey.d };
    const message = rand(40);
    expect(toHex(native.sign('rsa_pkcs1_sha256', plain, message))).toBe(
      toHex(native.sign('rsa_pkcs1_sha256', rsaKey, message)),
    );
    const premaster = rand(48);
    const ct = native.rsaEncrypt(publicKeyOf(rsaKey) as never, premaster);
    expect(toHex(native.rsaDecryptPremaster(plain, ct, 48, rand(48)).message)).toBe(toHex(premaster));
  });
});

describe('cross-check: RSA premaster (RFC 5246 §7.4.7.1)', () => {
  const pub = publicKeyOf(rsaKey) as never;

  const both = (ct: Uint8Array, version?: number) =>
    [noble, native].map((p) => {
      const out = p.rsaDecryptPremaster(rsaKey, ct, 48, fallback, version);
      return { ok: out.ok, message: toHex(out.message) };
    });

  it('encrypted by each provider, decrypted by both', () => {
    for (const [, encrypter] of PAIRS) {
      for (let i = 0; i < 5; i++) {
        const m = rand(48);
        const ct = encrypter.rsaEncrypt(pub, m);
        expect(both(ct)).toEqual([
          { ok: true, message: toHex(m) },
          { ok: true, message: toHex(m) },
        ]);
      }
    }
    expect(() => native.rsaEncrypt(pub, rand(K - 10))).toThrow(expect.objectContaining({ reason: 'invalid-input' }));
  });

  it('every bad-padding class gives the fallback in both, without throwing', () => {
    const FALLBACK = { ok: false, message: toHex(fallback) };
    const cases: Uint8Array[] = [
      ...[0x01, 0x02, 0x40].map((b) => encrypt(premaster, (em) => (em[0] = b))),
      ...[0x00, 0x01, 0x03, 0xff].map((b) => encrypt(premaster, (em) => (em[1] = b))),
      ...[0, 1, 7].map((n) => encrypt(premaster, (em) => (em[2 + n] = 0))),
      encrypt(premaster, (em) => (em[SEP] = 0x55)),
      encrypt(premaster.subarray(1)),
      encrypt(Uint8Array.of(0x77, ...premaster)),
      encrypt(Uint8Array.of(0x00, ...premaster)),
      encrypt(premaster).subarray(1),
      Uint8Array.of(0, ...encrypt(premaster)),
      new Uint8Array(K).fill(0xff),
      new Uint8Array(K),
    ];
    for (const ct of cases) expect(both(ct)).toEqual([FALLBACK, FALLBACK]);
    const wrongVersion = encrypt(Uint8Array.of(3, 1, ...premaster.subarray(2)));
    expect(both(wrongVersion, 0x0303)).toEqual([FALLBACK, FALLBACK]);
    const good = { ok: true, message: toHex(premaster) };
    expect(both(encrypt(premaster), 0x0303)).toEqual([good, good]);
  });
});

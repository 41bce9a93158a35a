/**
 * The NobleProvider's symmetric primitives and X25519 against published vectors: RFC 5869 HKDF
 * (A.1–A.3), RFC 8439 §2.8.2 ChaCha20-Poly1305, the GCM specification's AES-GCM test cases, RFC 7748
 * §5.2/§6.1 X25519; hashes, HMAC and the incremental hash cross-checked with node:crypto.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { CryptoError } from '../../src/crypto/provider.js';

const p = new NobleProvider();
const h = (s: string) => fromHex(s);

describe('HKDF (RFC 5869 Appendix A)', () => {
  it('A.1: basic test case with SHA-256', () => {
    const prk = p.hkdfExtract('sha256', h('000102030405060708090a0b0c'), h('0b'.repeat(22)));
    expect(toHex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    expect(toHex(p.hkdfExpand('sha256', prk, h('f0f1f2f3f4f5f6f7f8f9'), 42))).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('A.2: longer inputs and outputs', () => {
    const range = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => from + i);
    const prk = p.hkdfExtract('sha256', range(0x60, 80), range(0x00, 80));
    expect(toHex(prk)).toBe('06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244');
    expect(toHex(p.hkdfExpand('sha256', prk, range(0xb0, 80), 82))).toBe(
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09' +
        'da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
    );
  });

  it('A.3: zero-length salt and info', () => {
    const prk = p.hkdfExtract('sha256', new Uint8Array(0), h('0b'.repeat(22)));
    expect(toHex(prk)).toBe('19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04');
    expect(toHex(p.hkdfExpand('sha256', prk, new Uint8Array(0), 42))).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('rejects L > 255 * HashLen (RFC 5869 §2.3)', () => {
    expect(() => p.hkdfExpand('sha256', new Uint8Array(32), new Uint8Array(0), 255 * 32 + 1)).toThrow(RangeError);
  });
});

describe('ChaCha20-Poly1305 (RFC 8439 §2.8.2)', () => {
  const plaintext = new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const aad = h('50515253c0c1c2c3c4c5c6c7');
  const key = h('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = h('07000000 4041424344454647');
  const ciphertext =
    'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
    '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
    '3ff4def08e4b7a9de576d26586cec64b6116';
  const tag = '1ae10b594f09e26a7e902ecbd0600691';

  it('seals to the RFC ciphertext ‖ tag', () => {
    expect(toHex(p.aeadSeal('chacha20-poly1305', key, nonce, plaintext, aad))).toBe(ciphertext + tag);
  });

  it('opens it back; a flipped bit or a different AAD gives null', () => {
    const sealed = h(ciphertext + tag);
    expect(p.aeadOpen('chacha20-poly1305', key, nonce, sealed, aad)).toEqual(plaintext);
    const bad = sealed.slice();
    bad[5]! ^= 1;
    expect(p.aeadOpen('chacha20-poly1305', key, nonce, bad, aad)).toBeNull();
    expect(p.aeadOpen('chacha20-poly1305', key, nonce, sealed, new Uint8Array(0))).toBeNull();
    expect(p.aeadOpen('chacha20-poly1305', key, nonce, sealed.subarray(0, 15), aad)).toBeNull();
  });
});

/**
 * McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", revised 2005, Appendix B:
 * Test Case 4 (AES-128, with AAD, 60-byte plaintext) and Test Case 16 (AES-256, same inputs).
 */
describe('AES-GCM (GCM specification, Appendix B)', () => {
  const plaintext = h(
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
  );
  const aad = h('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const iv = h('cafebabefacedbaddecaf888');

  it('Test Case 4: AES-128-GCM', () => {
    const key = h('feffe9928665731c6d6a8f9467308308');
    const expected =
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' +
      '5bc94fbc3221a5db94fae95ae7121a47';
    expect(toHex(p.aeadSeal('aes-128-gcm', key, iv, plaintext, aad))).toBe(expected);
    expect(p.aeadOpen('aes-128-gcm', key, iv, h(expected), aad)).toEqual(plaintext);
  });

  it('Test Case 16: AES-256-GCM', () => {
    const key = h('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
    const expected =
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' +
      '76fc6ece0f4e1768cddf8853bb2d551b';
    expect(toHex(p.aeadSeal('aes-256-gcm', key, iv, plaintext, aad))).toBe(expected);
    const bad = h(expected);
    bad[bad.length - 1]! ^= 0x80;
    expect(p.aeadOpen('aes-256-gcm', key, iv, bad, aad)).toBeNull();
  });

  it('rejects a key of the wrong size and a nonce that is not 12 bytes', () => {
    expect(() => p.aeadSeal('aes-256-gcm', new Uint8Array(16), iv, plaintext, aad)).toThrow(RangeError);
    expect(() => p.aeadSeal('aes-128-gcm', new Uint8Array(16), new Uint8Array(8), plaintext, aad)).toThrow(RangeError);
  });
});

describe('X25519 (RFC 7748)', () => {
  const x = p.keyExchange('x25519');

  it('§5.2: the two scalar-multiplication vectors', () => {
    const k1 = h('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4');
    const u1 = h('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c');
    expect(toHex(x.decapsulate(k1, u1))).toBe('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
    const k2 = h('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d');
    const u2 = h('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493');
    expect(toHex(x.decapsulate(k2, u2))).toBe('95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957');
  });

  it('§5.2: 1 and 1,000 iterations', () => {
    let k: Uint8Array = h('09'.padEnd(64, '0'));
    let u: Uint8Array = k.slice();
    for (let i = 1; i <= 1000; i++) {
      const next = x.decapsulate(k, u);
      u = k;
      k = next;
      if (i === 1) expect(toHex(k)).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
    }
    expect(toHex(k)).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
  });

  it('§6.1: Alice and Bob (public keys, shared secret) with injected private keys', () => {
    const alice = x.generate(h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    expect(toHex(alice.share)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const bob = x.encapsulate(alice.share, h('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
    expect(toHex(bob.share)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const k = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    expect(toHex(bob.sharedSecret)).toBe(k);
    expect(toHex(x.decapsulate(alice.privateKey, bob.share))).toBe(k);
  });

  it('rejects a low-order point (all-zero shared secret, RFC 8446 §7.4.2) and a wrong length', () => {
    const priv = h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    expect(() => x.decapsulate(priv, new Uint8Array(32))).toThrow(CryptoError);
    // u = 1 has order 4 (RFC 7748 §7 lists the small-order points).
    expect(() => x.decapsulate(priv, h('01'.padEnd(64, '0')))).toThrow(CryptoError);
    expect(() => x.decapsulate(priv, new Uint8Array(31))).toThrow(
      expect.objectContaining({ name: 'CryptoError', reason: 'invalid-share' }),
    );
  });
});

describe('hashes and HMAC (cross-checked with node:crypto)', () => {
  const data = new TextEncoder().encode('tlswire transcript '.repeat(20));
  for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
    it(`${hash}: one-shot, incremental with non-finalizing digest, clone, HMAC`, () => {
      expect(toHex(p.hash(hash, data))).toBe(createHash(hash).update(data).digest('hex'));
      const ctx = p.createHash(hash);
      ctx.update(data.subarray(0, 100));
      expect(toHex(ctx.digest())).toBe(createHash(hash).update(data.subarray(0, 100)).digest('hex'));
      const fork = ctx.clone();
      ctx.update(data.subarray(100));
      expect(toHex(ctx.digest())).toBe(createHash(hash).update(data).digest('hex'));
      expect(toHex(fork.digest())).toBe(createHash(hash).update(data.subarray(0, 100)).digest('hex'));
      const key = h('0102030405');
      expect(toHex(p.hmac(hash, key, data))).toBe(createHmac(hash, key).update(data).digest('hex'));
    });
  }
});

describe('random source injection', () => {
  it('draws every random byte from the injected source', () => {
    let calls = 0;
    const q = new NobleProvider({
      random: (n) => {
        calls++;
        return new Uint8Array(n).fill(7);
      },
    });
    expect(q.random(3)).toEqual(Uint8Array.of(7, 7, 7));
    const kp = q.keyExchange('x25519').generate();
    expect(kp.privateKey).toEqual(new Uint8Array(32).fill(7));
    expect(calls).toBe(2);
  });

  it('rejects a source returning the wrong number of bytes', () => {
    const q = new NobleProvider({ random: () => new Uint8Array(1) });
    expect(() => q.random(4)).toThrow(CryptoError);
  });
});

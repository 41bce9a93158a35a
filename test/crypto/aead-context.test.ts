/**
 * The keyed AEAD contexts (`CryptoProvider.aead`, `aeadContext`) and the AES-GCM behind them
 * (`src/crypto/gcm.ts`): the GCM specification's test cases (McGrew & Viega, revised 2005,
 * Appendix B: 1–4, 13–16) and RFC 8439 §2.8.2, then one context sealing and opening many messages
 * of every length 0..600 cross-checked with node:crypto, forgeries, the key/nonce checks, dispose,
 * and the fallback over the one-shot methods.
 */
import { createCipheriv, randomBytes as nodeRandomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { AesGcm } from '../../src/crypto/gcm.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { type AeadName, aeadContext, CryptoError, type CryptoProvider } from '../../src/crypto/provider.js';

const p = new NobleProvider();
const h = (s: string) => fromHex(s.replace(/\s/g, ''));
const none = new Uint8Array(0);
/** Plain Uint8Arrays (a Buffer's `slice` is a view, not a copy). */
const randomBytes = (n: number) => new Uint8Array(nodeRandomBytes(n));

/** node:crypto's `ciphertext ‖ tag`. */
function nodeSeal(aead: AeadName, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
  const c = createCipheriv(aead, key, nonce, { authTagLength: 16 } as never) as ReturnType<typeof createCipheriv> & {
    setAAD(a: Uint8Array, o?: object): void;
    getAuthTag(): Buffer;
  };
  c.setAAD(aad, { plaintextLength: plaintext.length });
  return new Uint8Array(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
}

describe('AES-GCM contexts against the GCM specification (Appendix B)', () => {
  const key1 = h('feffe9928665731c6d6a8f9467308308');
  const iv = h('cafebabefacedbaddecaf888');
  const pt = h(
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255',
  );
  const aad = h('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const cases: [string, AeadName, Uint8Array, Uint8Array, Uint8Array, Uint8Array, string][] = [
    ['1', 'aes-128-gcm', new Uint8Array(16), new Uint8Array(12), none, none, '58e2fccefa7e3061367f1d57a4e7455a'],
    [
      '2',
      'aes-128-gcm',
      new Uint8Array(16),
      new Uint8Array(12),
      new Uint8Array(16),
      none,
      '0388dace60b6a392f328c2b971b2fe78 ab6e47d42cec13bdf53a67b21257bddf',
    ],
    [
      '3',
      'aes-128-gcm',
      key1,
      iv,
      pt,
      none,
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985' +
        '4d5c2af327cd64a62cf35abd2ba6fab4',
    ],
    [
      '4',
      'aes-128-gcm',
      key1,
      iv,
      pt.subarray(0, 60),
      aad,
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' +
        '5bc94fbc3221a5db94fae95ae7121a47',
    ],
    ['13', 'aes-256-gcm', new Uint8Array(32), new Uint8Array(12), none, none, '530f8afbc74536b9a963b4f1c4cb738b'],
    [
      '14',
      'aes-256-gcm',
      new Uint8Array(32),
      new Uint8Array(12),
      new Uint8Array(16),
      none,
      'cea7403d4d606b6e074ec5d3baf39d18 d0d1c8a799996bf0265b98b5d48ab919',
    ],
    [
      '16',
      'aes-256-gcm',
      h('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308'),
      iv,
      pt.subarray(0, 60),
      aad,
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' +
        '76fc6ece0f4e1768cddf8853bb2d551b',
    ],
  ];

  for (const [name, aead, key, nonce, plaintext, additional, expected] of cases) {
    it(`Test Case ${name}: ${aead}`, () => {
      const ctx = p.aead(aead, key);
      expect(ctx.aead).toBe(aead);
      expect(toHex(ctx.seal(nonce, plaintext, additional))).toBe(expected.replace(/\s/g, ''));
      expect(ctx.open(nonce, h(expected), additional)).toEqual(plaintext);
      // The same context again: nothing of one message leaks into the next.
      expect(toHex(ctx.seal(nonce, plaintext, additional))).toBe(expected.replace(/\s/g, ''));
      ctx.dispose();
    });
  }
});

describe('ChaCha20-Poly1305 context (RFC 8439 §2.8.2)', () => {
  it('seals to the RFC ciphertext ‖ tag and opens it back', () => {
    const plaintext = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const aad = h('50515253c0c1c2c3c4c5c6c7');
    const key = h('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = h('07000000 4041424344454647');
    const expected =
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
      '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
      '3ff4def08e4b7a9de576d26586cec64b6116' +
      '1ae10b594f09e26a7e902ecbd0600691';
    const ctx = p.aead('chacha20-poly1305', key);
    expect(toHex(ctx.seal(nonce, plaintext, aad))).toBe(expected);
    expect(ctx.open(nonce, h(expected), aad)).toEqual(plaintext);
    expect(ctx.open(nonce, h(expected).subarray(0, 15), aad)).toBeNull();
  });
});

describe('one context, many messages, against node:crypto', () => {
  for (const aead of ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'] as const) {
    it(`${aead}: every length 0..600 with AAD 0..40, each under a fresh nonce`, () => {
      const key = randomBytes(aead === 'aes-128-gcm' ? 16 : 32);
      const ctx = p.aead(aead, key);
      for (let length = 0; length <= 600; length++) {
        const nonce = randomBytes(12);
        const aad = randomBytes(length % 41);
        const plaintext = randomBytes(length);
        const expected = nodeSeal(aead, key, nonce, plaintext, aad);
        const sealed = ctx.seal(nonce, plaintext, aad);
        expect(toHex(sealed)).toBe(toHex(expected));
        expect(ctx.open(nonce, sealed, aad)).toEqual(plaintext);
      }
      ctx.dispose();
    });
  }

  it('AES-GCM: 16 KiB + 1 records and unaligned views of larger buffers', () => {
    const key = randomBytes(16);
    const ctx = p.aead('aes-128-gcm', key);
    const buffer = randomBytes(16384 + 64);
    for (const offset of [0, 1, 3, 5]) {
      const plaintext = buffer.subarray(offset, offset + 16385);
      const aad = buffer.subarray(offset + 7, offset + 20);
      const nonce = buffer.subarray(offset + 1, offset + 13);
      const sealed = ctx.seal(nonce, plaintext, aad);
      expect(toHex(sealed)).toBe(toHex(nodeSeal('aes-128-gcm', key, nonce, plaintext, aad)));
      const framed = new Uint8Array(sealed.length + offset);
      framed.set(sealed, offset);
      expect(ctx.open(nonce, framed.subarray(offset), aad)).toEqual(plaintext.slice());
    }
  });
});

describe('forgeries and misuse', () => {
  for (const aead of ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'] as const) {
    it(`${aead}: any flipped bit of ciphertext, tag or AAD gives null`, () => {
      const ctx = p.aead(aead, randomBytes(aead === 'aes-128-gcm' ? 16 : 32));
      const nonce = randomBytes(12);
      const aad = randomBytes(13);
      const sealed = ctx.seal(nonce, randomBytes(40), aad);
      for (let bit = 0; bit < sealed.length * 8; bit += 7) {
        const bad = sealed.slice();
        bad[bit >>> 3]! ^= 1 << (bit & 7);
        expect(ctx.open(nonce, bad, aad)).toBeNull();
      }
      const badAad = aad.slice();
      badAad[12]! ^= 0x80;
      expect(ctx.open(nonce, sealed, badAad)).toBeNull();
      expect(ctx.open(randomBytes(12), sealed, aad)).toBeNull();
      expect(ctx.open(nonce, sealed.subarray(0, 15), aad)).toBeNull();
      expect(ctx.open(nonce, sealed, aad)).not.toBeNull();
    });
  }

  it('checks key and nonce lengths and the AEAD name', () => {
    expect(() => p.aead('aes-256-gcm', new Uint8Array(16))).toThrow(RangeError);
    expect(() => p.aead('chacha20-poly1305', new Uint8Array(16))).toThrow(RangeError);
    expect(() => p.aead('aes-192-gcm' as AeadName, new Uint8Array(24))).toThrow(CryptoError);
    const ctx = p.aead('aes-128-gcm', new Uint8Array(16));
    expect(() => ctx.seal(new Uint8Array(8), none, none)).toThrow(RangeError);
    expect(() => ctx.open(new Uint8Array(16), new Uint8Array(16), none)).toThrow(RangeError);
    expect(() => new AesGcm(new Uint8Array(20))).toThrow(RangeError);
  });

  it('keeps its own copy of the key (also of a Buffer), and dispose wipes the key material', () => {
    const key = randomBytes(16);
    const nonce = randomBytes(12);
    const plaintext = randomBytes(33);
    const expected = toHex(nodeSeal('aes-128-gcm', key, nonce, plaintext, none));
    for (const aead of ['aes-128-gcm', 'chacha20-poly1305'] as const) {
      // A Buffer: its slice() is a view, so a context must copy some other way.
      const k = Buffer.from(aead === 'aes-128-gcm' ? key : randomBytes(32));
      const ctx = p.aead(aead, k);
      const before = toHex(ctx.seal(nonce, plaintext, none));
      k.fill(0);
      expect(toHex(ctx.seal(nonce, plaintext, none))).toBe(before);
      if (aead === 'aes-128-gcm') expect(before).toBe(expected);
      ctx.dispose();
      expect(toHex(ctx.seal(nonce, plaintext, none))).not.toBe(before);
    }
  });
});

describe('aeadContext()', () => {
  it('uses the provider’s own context, or falls back to the one-shot methods', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const plaintext = randomBytes(100);
    const aad = randomBytes(5);
    const expected = toHex(nodeSeal('aes-256-gcm', key, nonce, plaintext, aad));
    expect(toHex(aeadContext(p, 'aes-256-gcm', key).seal(nonce, plaintext, aad))).toBe(expected);

    // A provider without `aead`: only the one-shot methods, bound to the NobleProvider.
    const calls: string[] = [];
    const oneShot = {
      aeadSeal: (...a: Parameters<CryptoProvider['aeadSeal']>) => {
        calls.push('seal');
        return p.aeadSeal(...a);
      },
      aeadOpen: (...a: Parameters<CryptoProvider['aeadOpen']>) => {
        calls.push('open');
        return p.aeadOpen(...a);
      },
    } as unknown as CryptoProvider;
    const ctx = aeadContext(oneShot, 'aes-256-gcm', key);
    const sealed = ctx.seal(nonce, plaintext, aad);
    expect(toHex(sealed)).toBe(expected);
    expect(ctx.open(nonce, sealed, aad)).toEqual(plaintext);
    expect(calls).toEqual(['seal', 'open']);
    ctx.dispose();
    // The fallback's key copy is wiped: sealing now uses the zero key.
    expect(toHex(ctx.seal(nonce, plaintext, aad))).toBe(
      toHex(nodeSeal('aes-256-gcm', new Uint8Array(32), nonce, plaintext, aad)),
    );
  });
});

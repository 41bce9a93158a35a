/**
 * The provider conformance suite's known answers, run for every CryptoProvider (NobleProvider in
 * test/crypto/provider-conformance.test.ts, NodeCryptoProvider in test/node/): RFC 4231 HMAC
 * (§4.2–4.8), RFC 5869 HKDF (A.1–A.3), RFC 8439 §2.8.2 ChaCha20-Poly1305, the GCM specification's
 * AES-GCM test cases (McGrew & Viega, revised 2005, Appendix B: 4 and 16), RFC 7748 X25519 and X448
 * (§5.2, §6.1, §6.2), RFC 8032 §7.1 Ed25519 (TEST 1–3), and the incremental hash contract (digest
 * without finalizing, clone) cross-checked with node:crypto.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { aeadContext, CryptoError, type CryptoProvider, type GroupName, sealInto } from '../../src/crypto/provider.js';

const h = (s: string) => fromHex(s.replace(/\s/g, ''));
const text = (s: string) => new TextEncoder().encode(s);

/** RFC 4231 §4.2–4.8: key, data, and the HMAC-SHA-256/384/512 outputs (§4.6: only 128 bits given). */
const RFC4231: [string, Uint8Array, Uint8Array, string, string, string][] = [
  [
    '4.2',
    h('0b'.repeat(20)),
    text('Hi There'),
    'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
    '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
  ],
  [
    '4.3',
    text('Jefe'),
    text('what do ya want for nothing?'),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  ],
  [
    '4.4',
    h('aa'.repeat(20)),
    h('dd'.repeat(50)),
    '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    '88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27',
    'fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb',
  ],
  [
    '4.5',
    Uint8Array.from({ length: 25 }, (_, i) => i + 1),
    h('cd'.repeat(50)),
    '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    '3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb',
    'b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd',
  ],
  [
    '4.6 (truncated to 128 bits)',
    h('0c'.repeat(20)),
    text('Test With Truncation'),
    'a3b6167473100ee06e0c796c2955552b',
    '3abf34c3503b2a23a46efc619baef897',
    '415fad6271580a531d4179bc891d87a6',
  ],
  [
    '4.7',
    h('aa'.repeat(131)),
    text('Test Using Larger Than Block-Size Key - Hash Key First'),
    '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    '4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952',
    '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
  ],
  [
    '4.8',
    h('aa'.repeat(131)),
    text(
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    '6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e',
    'e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58',
  ],
];

/** RFC 8032 §7.1 TEST 1–3: secret key (seed), public key, message, signature. */
const RFC8032: [string, string, string, string, string][] = [
  [
    'TEST 1',
    '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  ],
  [
    'TEST 2',
    '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  ],
  [
    'TEST 3',
    'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    'af82',
    '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  ],
];

/** True when the provider has a key exchange for `group` (X448 is not in every provider yet). */
function hasGroup(p: CryptoProvider, group: string): boolean {
  try {
    p.keyExchange(group as GroupName);
    return true;
  } catch {
    return false;
  }
}

function hmacAndHkdf(p: CryptoProvider): void {
  describe('HMAC (RFC 4231 §4)', () => {
    for (const [name, key, data, s256, s384, s512] of RFC4231) {
      it(`test case ${name}: SHA-256, SHA-384, SHA-512`, () => {
        const got = (hash: 'sha256' | 'sha384' | 'sha512', want: string) =>
          toHex(p.hmac(hash, key, data).subarray(0, want.length / 2));
        expect([got('sha256', s256), got('sha384', s384), got('sha512', s512)]).toEqual([s256, s384, s512]);
      });
    }
  });

  describe('HKDF (RFC 5869 Appendix A)', () => {
    const range = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => from + i);
    const cases: [string, Uint8Array, Uint8Array, Uint8Array, number, string, string][] = [
      [
        'A.1: basic test case with SHA-256',
        h('000102030405060708090a0b0c'),
        h('0b'.repeat(22)),
        h('f0f1f2f3f4f5f6f7f8f9'),
        42,
        '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
        '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
      ],
      [
        'A.2: longer inputs and outputs',
        range(0x60, 80),
        range(0x00, 80),
        range(0xb0, 80),
        82,
        '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
        'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09' +
          'da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
      ],
      [
        'A.3: zero-length salt and info',
        new Uint8Array(0),
        h('0b'.repeat(22)),
        new Uint8Array(0),
        42,
        '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
        '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
      ],
    ];
    for (const [name, salt, ikm, info, length, prk, okm] of cases) {
      it(name, () => {
        const got = p.hkdfExtract('sha256', salt, ikm);
        expect(toHex(got)).toBe(prk);
        expect(toHex(p.hkdfExpand('sha256', got, info, length))).toBe(okm);
      });
    }

    it('rejects L > 255 * HashLen (RFC 5869 §2.3)', () => {
      expect(() => p.hkdfExpand('sha256', new Uint8Array(32), new Uint8Array(0), 255 * 32 + 1)).toThrow(RangeError);
    });
  });
}

function aeads(p: CryptoProvider): void {
  describe('ChaCha20-Poly1305 (RFC 8439 §2.8.2)', () => {
    const plaintext = text(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const aad = h('50515253c0c1c2c3c4c5c6c7');
    const key = h('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = h('07000000 4041424344454647');
    const sealed =
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
      '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
      '3ff4def08e4b7a9de576d26586cec64b6116' +
      '1ae10b594f09e26a7e902ecbd0600691';

    it('seals to the RFC ciphertext ‖ tag, one-shot and with a keyed context', () => {
      expect(toHex(p.aeadSeal('chacha20-poly1305', key, nonce, plaintext, aad))).toBe(sealed);
      const ctx = aeadContext(p, 'chacha20-poly1305', key);
      expect(toHex(ctx.seal(nonce, plaintext, aad))).toBe(sealed);
      expect(ctx.open(nonce, h(sealed), aad)).toEqual(plaintext);
      ctx.dispose();
    });

    it('opens it back; a flipped bit, a different AAD or a short input gives null', () => {
      expect(p.aeadOpen('chacha20-poly1305', key, nonce, h(sealed), aad)).toEqual(plaintext);
      const bad = h(sealed);
      bad[5]! ^= 1;
      expect(p.aeadOpen('chacha20-poly1305', key, nonce, bad, aad)).toBeNull();
      expect(p.aeadOpen('chacha20-poly1305', key, nonce, h(sealed), new Uint8Array(0))).toBeNull();
      expect(p.aeadOpen('chacha20-poly1305', key, nonce, h(sealed).subarray(0, 15), aad)).toBeNull();
    });
  });

  describe('AES-GCM (GCM specification, Appendix B)', () => {
    const plaintext = h(
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    );
    const aad = h('feedfacedeadbeeffeedfacedeadbeefabaddad2');
    const iv = h('cafebabefacedbaddecaf888');
    const cases = [
      [
        'Test Case 4: AES-128-GCM',
        'aes-128-gcm',
        'feffe9928665731c6d6a8f9467308308',
        '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' +
          '5bc94fbc3221a5db94fae95ae7121a47',
      ],
      [
        'Test Case 16: AES-256-GCM',
        'aes-256-gcm',
        'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
        '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' +
          '76fc6ece0f4e1768cddf8853bb2d551b',
      ],
    ] as const;
    for (const [name, aead, key, expected] of cases) {
      it(name, () => {
        expect(toHex(p.aeadSeal(aead, h(key), iv, plaintext, aad))).toBe(expected);
        const ctx = aeadContext(p, aead, h(key));
        expect(toHex(ctx.seal(iv, plaintext, aad))).toBe(expected);
        expect(ctx.open(iv, h(expected), aad)).toEqual(plaintext);
        const bad = h(expected);
        bad[bad.length - 1]! ^= 0x80;
        expect(ctx.open(iv, bad, aad)).toBeNull();
        expect(p.aeadOpen(aead, h(key), iv, bad, aad)).toBeNull();
        ctx.dispose();
      });
      it(`${name}: sealInto with the plaintext split across block boundaries, at an offset`, () => {
        const ctx = aeadContext(p, aead, h(key));
        for (const cuts of [[0], [1, 17], [15, 16, 33, 59], [60]]) {
          const parts = [0, ...cuts, plaintext.length]
            .slice(1)
            .map((end, i, a) => plaintext.subarray(i ? a[i - 1] : 0, end));
          parts.unshift(plaintext.subarray(0, 0));
          const out = new Uint8Array(3 + plaintext.length + 16 + 2).fill(0xee);
          expect(sealInto(ctx, iv, parts, aad, out, 3)).toBe(plaintext.length + 16);
          expect(toHex(out.subarray(3, 3 + plaintext.length + 16))).toBe(expected);
          expect([...out.subarray(0, 3), ...out.subarray(-2)]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee]);
        }
        ctx.dispose();
      });
    }

    it('rejects a key of the wrong size, a nonce that is not 12 bytes and an unknown AEAD', () => {
      expect(() => p.aeadSeal('aes-256-gcm', new Uint8Array(16), iv, plaintext, aad)).toThrow(RangeError);
      expect(() => p.aeadSeal('aes-128-gcm', new Uint8Array(16), new Uint8Array(8), plaintext, aad)).toThrow(
        RangeError,
      );
      expect(() => p.aeadSeal('aes-192-gcm' as 'aes-128-gcm', new Uint8Array(24), iv, plaintext, aad)).toThrow(
        CryptoError,
      );
    });
  });
}

function montgomery(p: CryptoProvider): void {
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
      const invalid = expect.objectContaining({ name: 'CryptoError', reason: 'invalid-share' });
      expect(() => x.decapsulate(priv, new Uint8Array(32))).toThrow(invalid);
      // u = 1 has order 4 (RFC 7748 §7 lists the small-order points).
      expect(() => x.decapsulate(priv, h('01'.padEnd(64, '0')))).toThrow(invalid);
      expect(() => x.decapsulate(priv, new Uint8Array(31))).toThrow(invalid);
    });
  });

  describe.runIf(hasGroup(p, 'X25519MLKEM768'))('X25519MLKEM768: its X25519 half', () => {
    it('a low-order X25519 part is invalid-share, named for the hybrid, in both roles', () => {
      const kx = p.keyExchange('X25519MLKEM768');
      const zeroFrom = (share: Uint8Array, at: number) => share.slice().fill(0, at);
      const invalid = expect.objectContaining({
        name: 'CryptoError',
        reason: 'invalid-share',
        message: 'X25519MLKEM768: X25519 shared secret is all zero',
      });
      const client = kx.generate();
      // u = 0 after the ML-KEM-768 encapsulation key (1184 bytes) or ciphertext (1088 bytes).
      expect(() => kx.encapsulate(zeroFrom(client.share, 1184))).toThrow(invalid);
      const server = kx.encapsulate(client.share);
      expect(() => kx.decapsulate(client.privateKey, zeroFrom(server.share, 1088))).toThrow(invalid);
    });
  });

  describe.runIf(hasGroup(p, 'x448'))('X448 (RFC 7748)', () => {
    const x = () => p.keyExchange('x448' as GroupName);
    it('§5.2: the two scalar-multiplication vectors', () => {
      const k1 = h(
        '3d262fddf9ec8e88495266fea19a34d28882acef045104d0d1aae121700a779c984c24f8cdd78fbff44943eba368f54b29259a4f1c600ad3',
      );
      const u1 = h(
        '06fce640fa3487bfda5f6cf2d5263f8aad88334cbd07437f020f08f9814dc031ddbdc38c19c6da2583fa5429db94ada18aa7a7fb4ef8a086',
      );
      expect(toHex(x().decapsulate(k1, u1))).toBe(
        'ce3e4ff95a60dc6697da1db1d85e6afbdf79b50a2412d7546d5f239fe14fbaadeb445fc66a01b0779d98223961111e21766282f73dd96b6f',
      );
      const k2 = h(
        '203d494428b8399352665ddca42f9de8fef600908e0d461cb021f8c538345dd77c3e4806e25f46d3315c44e0a5b4371282dd2c8d5be3095f',
      );
      const u2 = h(
        '0fbcc2f993cd56d3305b0b7d9e55d4c1a8fb5dbb52f8e9a1e9b6201b165d015894e56c4d3570bee52fe205e28a78b91cdfbde71ce8d157db',
      );
      expect(toHex(x().decapsulate(k2, u2))).toBe(
        '884a02576239ff7a2f2f63b2db6a9ff37047ac13568e1e30fe63c4a7ad1b3ee3a5700df34321d62077e63633c575c1c954514e99da7c179d',
      );
    });

    it('§5.2: 1 and 1,000 iterations', () => {
      let k: Uint8Array = h('05'.padEnd(112, '0'));
      let u: Uint8Array = k.slice();
      for (let i = 1; i <= 1000; i++) {
        const next = x().decapsulate(k, u);
        u = k;
        k = next;
        if (i === 1) {
          expect(toHex(k)).toBe(
            '3f482c8a9f19b01e6c46ee9711d9dc14fd4bf67af30765c2ae2b846a4d23a8cd0db897086239492caf350b51f833868b9bc2b3bca9cf4113',
          );
        }
      }
      expect(toHex(k)).toBe(
        'aa3b4749d55b9daf1e5b00288826c467274ce3ebbdd5c17b975e09d4af6c67cf10d087202db88286e2b79fceea3ec353ef54faa26e219f38',
      );
    });

    it('§6.2: Alice and Bob with injected private keys; a zero share is refused', () => {
      const alice = x().generate(
        h(
          '9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b',
        ),
      );
      expect(toHex(alice.share)).toBe(
        '9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0',
      );
      const bob = x().encapsulate(
        alice.share,
        h(
          '1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d',
        ),
      );
      expect(toHex(bob.share)).toBe(
        '3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609',
      );
      const k =
        '07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d';
      expect(toHex(bob.sharedSecret)).toBe(k);
      expect(toHex(x().decapsulate(alice.privateKey, bob.share))).toBe(k);
      const invalid = expect.objectContaining({ name: 'CryptoError', reason: 'invalid-share' });
      expect(() => x().decapsulate(alice.privateKey, new Uint8Array(56))).toThrow(invalid);
      expect(() => x().decapsulate(alice.privateKey, new Uint8Array(32))).toThrow(invalid);
    });
  });
}

function ed25519AndHashes(p: CryptoProvider): void {
  describe('Ed25519 (RFC 8032 §7.1)', () => {
    for (const [name, seed, pub, message, signature] of RFC8032) {
      it(`${name}: the signature, verified; a flipped bit or another message fails`, () => {
        const sig = p.sign('ed25519', { type: 'ed25519', seed: h(seed) }, h(message));
        expect(toHex(sig)).toBe(signature);
        const key = { type: 'ed25519', key: h(pub) } as const;
        expect(p.verify('ed25519', key, h(message), h(signature))).toBe(true);
        const bad = h(signature);
        bad[10]! ^= 4;
        expect(p.verify('ed25519', key, h(message), bad)).toBe(false);
        expect(p.verify('ed25519', key, text('x'), h(signature))).toBe(false);
        expect(p.verify('ed25519', key, h(message), h(signature).subarray(1))).toBe(false);
      });
    }
  });

  describe('hashes (cross-checked with node:crypto)', () => {
    const data = text('tlswire transcript '.repeat(20));
    const node = (hash: string, d: Uint8Array) => createHash(hash).update(d).digest('hex');
    for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
      it(`${hash}: one-shot, incremental with non-finalizing digest, clone`, () => {
        expect(toHex(p.hash(hash, data))).toBe(node(hash, data));
        const ctx = p.createHash(hash);
        expect(ctx.hash).toBe(hash);
        ctx.update(data.subarray(0, 100));
        expect(toHex(ctx.digest())).toBe(node(hash, data.subarray(0, 100)));
        const fork = ctx.clone();
        ctx.update(data.subarray(100));
        expect(toHex(ctx.digest())).toBe(node(hash, data));
        expect(toHex(fork.digest())).toBe(node(hash, data.subarray(0, 100)));
        expect(toHex(fork.update(data.subarray(100)).digest())).toBe(node(hash, data));
      });
    }
    it('refuses an unknown hash', () => {
      expect(() => p.createHash('md5' as 'sha256')).toThrow(CryptoError);
    });
  });
}

/** Registers the known-answer part of the conformance suite for `provider`. */
export function describeProviderConformance(name: string, provider: CryptoProvider): void {
  describe(`${name}: provider conformance (known answers)`, () => {
    hmacAndHkdf(provider);
    aeads(provider);
    montgomery(provider);
    ed25519AndHashes(provider);
  });
}

/**
 * The RFC 7919 groups (src/crypto/ffdhe.ts) and X448 (RFC 7748) in the noble provider:
 * - each prime equals the derivation of RFC 7919 Appendix A, p = 2^b − 2^(b−64) + {⌊2^(b−130)·e⌋ + X}·2^64 − 1,
 *   recomputed here from a series for e with the X the RFC gives, and q = (p−1)/2 starts and ends as
 *   the RFC prints it;
 * - public values and shared secrets agree with node:crypto's DH (OpenSSL) over the same p and g = 2;
 * - shares are left-padded to the length of p (RFC 8446 §4.2.8.1), so is the secret (§7.4.1);
 * - short exponents of exactly the Appendix A sizes (RFC 7919 §5.2);
 * - a public value Y with Y ≤ 1, Y ≥ p−1 or a share of the wrong length is `invalid-share` (RFC 7919 §5.1);
 * - X448 with the test vector of RFC 7748 §6.2.
 */
import { createDiffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { FFDHE_GROUPS, type FfdheGroupName, ffdheGroupOf, ffdheGroupOfParams } from '../../src/crypto/ffdhe.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { CryptoError } from '../../src/crypto/provider.js';
import { i2osp } from '../../src/crypto/rsa.js';

const p = new NobleProvider();
const NAMES = Object.keys(FFDHE_GROUPS) as FfdheGroupName[];

/** ⌊2^k · e⌋ from e = Σ 1/n!, computed with 64 guard bits (the truncation error is far below them). */
function floorTwoPowE(k: number): bigint {
  const guard = 64n;
  let term = 1n << (BigInt(k) + guard);
  let sum = 0n;
  for (let n = 1n; term > 0n; n++) {
    sum += term;
    term /= n;
  }
  return sum >> guard;
}

/**
 * Per group, from RFC 7919 Appendix A: X of the derivation, bit length, code point, short-exponent
 * size, strength, and the last three words of q as printed there.
 */
const APPENDIX_A: Record<FfdheGroupName, [bigint, number, number, number, number, string]> = {
  ffdhe2048: [560316n, 2048, 256, 225, 103, '30942E4B FFFFFFFF FFFFFFFF'],
  ffdhe3072: [2625351n, 3072, 257, 275, 125, 'B363171B FFFFFFFF FFFFFFFF'],
  ffdhe4096: [5736041n, 4096, 258, 325, 150, '2F32AFB5 7FFFFFFF FFFFFFFF'],
  ffdhe6144: [15705020n, 6144, 259, 375, 175, '68720732 FFFFFFFF FFFFFFFF'],
  ffdhe8192: [10965728n, 8192, 260, 400, 192, 'E2E32126 7FFFFFFF FFFFFFFF'],
};

describe('RFC 7919 Appendix A groups', () => {
  it.each(NAMES)('%s: p is the Appendix A derivation from e; g = 2; sizes as the RFC gives', (name) => {
    const [x, b, value, bits, strength, qEnd] = APPENDIX_A[name];
    const grp = FFDHE_GROUPS[name];
    const B = BigInt(b);
    const derived = (1n << B) - (1n << (B - 64n)) + (floorTwoPowE(b - 130) + x) * (1n << 64n) - 1n;
    expect(grp.p === derived).toBe(true);
    expect(grp).toMatchObject({ name, value, g: 2n, length: b / 8, exponentBits: bits, strength });
    const q = ((grp.p - 1n) / 2n).toString(16).toUpperCase();
    expect(q.slice(0, 24)).toBe('7FFFFFFFFFFFFFFFD6FC2A2C');
    expect(q.slice(-24)).toBe(qEnd.replace(/ /g, ''));
    expect(ffdheGroupOf(value)).toBe(grp);
  });

  it('recognizes ServerDHParams of the five groups only (leading zeros allowed, g must be 2)', () => {
    const grp = FFDHE_GROUPS.ffdhe3072;
    const pBytes = i2osp(grp.p, grp.length);
    expect(ffdheGroupOfParams(pBytes, Uint8Array.of(2))).toBe(grp);
    expect(ffdheGroupOfParams(Uint8Array.of(0, ...pBytes), Uint8Array.of(0, 2))).toBe(grp);
    expect(ffdheGroupOfParams(pBytes, Uint8Array.of(5))).toBeUndefined();
    const other = pBytes.slice();
    other[100]! ^= 1;
    expect(ffdheGroupOfParams(other, Uint8Array.of(2))).toBeUndefined();
    expect(ffdheGroupOfParams(new Uint8Array(0), Uint8Array.of(2))).toBeUndefined();
  });
});

describe('FFDHE key exchange (RFC 8446 §4.2.8.1, §7.4.1; RFC 7919 §5)', () => {
  it.each(NAMES)('%s: public value and secret agree with node:crypto (OpenSSL), padded to |p|', (name) => {
    const grp = FFDHE_GROUPS[name];
    const kx = p.keyExchange(name);
    expect([kx.clientShareLength, kx.serverShareLength]).toEqual([grp.length, grp.length]);
    const node = createDiffieHellman(Buffer.from(i2osp(grp.p, grp.length)), Buffer.of(2));
    node.generateKeys();
    const ours = kx.generate();
    expect(ours.share.length).toBe(grp.length);
    // The same exponent in node:crypto gives the same public value.
    const twin = createDiffieHellman(Buffer.from(i2osp(grp.p, grp.length)), Buffer.of(2));
    twin.setPrivateKey(Buffer.from(ours.privateKey));
    expect(BigInt(`0x${twin.generateKeys('hex')}`)).toBe(BigInt(`0x${toHex(ours.share)}`));
    const nodeShare = i2osp(BigInt(`0x${node.getPublicKey('hex')}`), grp.length);
    const secret = kx.decapsulate(ours.privateKey, nodeShare);
    expect(secret.length).toBe(grp.length);
    expect(BigInt(`0x${toHex(secret)}`)).toBe(
      BigInt(`0x${node.computeSecret(Buffer.from(ours.share)).toString('hex')}`),
    );
    const server = kx.encapsulate(nodeShare);
    expect(BigInt(`0x${toHex(server.sharedSecret)}`)).toBe(
      BigInt(`0x${node.computeSecret(Buffer.from(server.share)).toString('hex')}`),
    );
  });

  it('an injected exponent x = 3 gives Y = 2^3 = 8, left-padded to 256 bytes', () => {
    const { share } = p.keyExchange('ffdhe2048').generate(Uint8Array.of(3));
    expect(toHex(share)).toBe(`${'00'.repeat(255)}08`);
  });

  it.each(NAMES)('%s: short exponents of exactly the Appendix A size, top bit set (RFC 7919 §5.2)', (name) => {
    const bits = FFDHE_GROUPS[name].exponentBits;
    for (const fill of [0x00, 0xff]) {
      const provider = new NobleProvider({ random: (n) => new Uint8Array(n).fill(fill) });
      const x = BigInt(`0x${toHex(provider.keyExchange(name).generate().privateKey)}`);
      expect(x.toString(2).length).toBe(bits);
    }
  });

  describe('the peer value must satisfy 1 < Y < p−1 and have the length of p', () => {
    const grp = FFDHE_GROUPS.ffdhe2048;
    const kx = p.keyExchange('ffdhe2048');
    const mine = kx.generate();
    const cases: [string, Uint8Array][] = [
      ['Y = 0', i2osp(0n, grp.length)],
      ['Y = 1', i2osp(1n, grp.length)],
      ['Y = p−1', i2osp(grp.p - 1n, grp.length)],
      ['Y = p', i2osp(grp.p, grp.length)],
      ['Y = 2^2048 − 1', new Uint8Array(grp.length).fill(0xff)],
      ['255 bytes', i2osp(2n, grp.length - 1)],
      ['257 bytes', i2osp(2n, grp.length + 1)],
    ];
    it.each(cases)('%s: invalid-share from decapsulate and encapsulate', (_, y) => {
      for (const f of [() => kx.decapsulate(mine.privateKey, y), () => kx.encapsulate(y)]) {
        expect(f).toThrow(CryptoError);
        try {
          f();
        } catch (e) {
          expect((e as CryptoError).reason).toBe('invalid-share');
        }
      }
    });
    it('Y = 2 and Y = p−2 are accepted', () => {
      expect(kx.decapsulate(mine.privateKey, i2osp(2n, grp.length)).length).toBe(grp.length);
      expect(kx.decapsulate(mine.privateKey, i2osp(grp.p - 2n, grp.length)).length).toBe(grp.length);
    });
  });
});

describe('X448 (RFC 7748 §6.2)', () => {
  const a = fromHex(
    '9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b',
  );
  const aPub =
    '9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0';
  const b = fromHex(
    '1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d',
  );
  const bPub =
    '3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609';
  const k =
    '07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d';
  const kx = p.keyExchange('x448');

  it('public keys and shared secret of the test vector, both roles', () => {
    expect([kx.clientShareLength, kx.serverShareLength]).toEqual([56, 56]);
    const alice = kx.generate(a);
    expect(toHex(alice.share)).toBe(aPub);
    const bob = kx.encapsulate(alice.share, b);
    expect(toHex(bob.share)).toBe(bPub);
    expect(toHex(bob.sharedSecret)).toBe(k);
    expect(toHex(kx.decapsulate(a, bob.share))).toBe(k);
  });

  it('a share of the wrong length or giving the all-zero secret is invalid-share (RFC 7748 §6.2)', () => {
    for (const share of [
      new Uint8Array(55),
      new Uint8Array(57),
      new Uint8Array(56),
      Uint8Array.of(1, ...new Uint8Array(55)),
    ]) {
      expect(() => kx.decapsulate(a, share)).toThrow(CryptoError);
    }
  });
});

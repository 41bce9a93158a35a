/**
 * The RFC 7919 groups (src/crypto/ffdhe.ts) and X448 (RFC 7748) in the noble provider:
 * - each prime, derived in src from RFC 7919 Appendix A (p = 2^b − 2^(b−64) + {⌊2^(b−130)·e⌋ + X}·2^64 − 1),
 *   equals the one OpenSSL builds in, and q = (p−1)/2 starts and ends as the RFC prints it;
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

/**
 * p of each group as OpenSSL 3.0.19 builds it in, independent of our derivation: the INTEGER p of
 * `openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdheNNNN | openssl asn1parse`, in 32-bit
 * words. (These are the hex blocks of RFC 7919 Appendix A.1–A.5.)
 */
const OPENSSL_P: Record<FfdheGroupName, string> = {
  ffdhe2048: `
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1 D8B9C583 CE2D3695
    A9E13641 146433FB CC939DCE 249B3EF9 7D2FE363 630C75D8 F681B202 AEC4617A
    D3DF1ED5 D5FD6561 2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735 30ACCA4F 483A797A
    BC0AB182 B324FB61 D108A94B B2C8E3FB B96ADAB7 60D7F468 1D4F42A3 DE394DF4
    AE56EDE7 6372BB19 0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 3BB5FCBC 2EC22005
    C58EF183 7D1683B2 C6F34A26 C1B2EFFA 886B4238 61285C97 FFFFFFFF FFFFFFFF`,
  ffdhe3072: `
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1 D8B9C583 CE2D3695
    A9E13641 146433FB CC939DCE 249B3EF9 7D2FE363 630C75D8 F681B202 AEC4617A
    D3DF1ED5 D5FD6561 2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735 30ACCA4F 483A797A
    BC0AB182 B324FB61 D108A94B B2C8E3FB B96ADAB7 60D7F468 1D4F42A3 DE394DF4
    AE56EDE7 6372BB19 0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 3BB5FCBC 2EC22005
    C58EF183 7D1683B2 C6F34A26 C1B2EFFA 886B4238 611FCFDC DE355B3B 6519035B
    BC34F4DE F99C0238 61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
    AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3 64F2E21E 71F54BFF
    5CAE82AB 9C9DF69E E86D2BC5 22363A0D ABC52197 9B0DEADA 1DBF9A42 D5C4484E
    0ABCD06B FA53DDEF 3C1B20EE 3FD59D7C 25E41D2B 66C62E37 FFFFFFFF FFFFFFFF`,
  ffdhe4096: `
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1 D8B9C583 CE2D3695
    A9E13641 146433FB CC939DCE 249B3EF9 7D2FE363 630C75D8 F681B202 AEC4617A
    D3DF1ED5 D5FD6561 2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735 30ACCA4F 483A797A
    BC0AB182 B324FB61 D108A94B B2C8E3FB B96ADAB7 60D7F468 1D4F42A3 DE394DF4
    AE56EDE7 6372BB19 0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 3BB5FCBC 2EC22005
    C58EF183 7D1683B2 C6F34A26 C1B2EFFA 886B4238 611FCFDC DE355B3B 6519035B
    BC34F4DE F99C0238 61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
    AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3 64F2E21E 71F54BFF
    5CAE82AB 9C9DF69E E86D2BC5 22363A0D ABC52197 9B0DEADA 1DBF9A42 D5C4484E
    0ABCD06B FA53DDEF 3C1B20EE 3FD59D7C 25E41D2B 669E1EF1 6E6F52C3 164DF4FB
    7930E9E4 E58857B6 AC7D5F42 D69F6D18 7763CF1D 55034004 87F55BA5 7E31CC7A
    7135C886 EFB4318A ED6A1E01 2D9E6832 A907600A 918130C4 6DC778F9 71AD0038
    092999A3 33CB8B7A 1A1DB93D 7140003C 2A4ECEA9 F98D0ACC 0A8291CD CEC97DCF
    8EC9B55A 7F88A46B 4DB5A851 F44182E1 C68A007E 5E655F6A FFFFFFFF FFFFFFFF`,
  ffdhe6144: `
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1 D8B9C583 CE2D3695
    A9E13641 146433FB CC939DCE 249B3EF9 7D2FE363 630C75D8 F681B202 AEC4617A
    D3DF1ED5 D5FD6561 2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735 30ACCA4F 483A797A
    BC0AB182 B324FB61 D108A94B B2C8E3FB B96ADAB7 60D7F468 1D4F42A3 DE394DF4
    AE56EDE7 6372BB19 0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 3BB5FCBC 2EC22005
    C58EF183 7D1683B2 C6F34A26 C1B2EFFA 886B4238 611FCFDC DE355B3B 6519035B
    BC34F4DE F99C0238 61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
    AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3 64F2E21E 71F54BFF
    5CAE82AB 9C9DF69E E86D2BC5 22363A0D ABC52197 9B0DEADA 1DBF9A42 D5C4484E
    0ABCD06B FA53DDEF 3C1B20EE 3FD59D7C 25E41D2B 669E1EF1 6E6F52C3 164DF4FB
    7930E9E4 E58857B6 AC7D5F42 D69F6D18 7763CF1D 55034004 87F55BA5 7E31CC7A
    7135C886 EFB4318A ED6A1E01 2D9E6832 A907600A 918130C4 6DC778F9 71AD0038
    092999A3 33CB8B7A 1A1DB93D 7140003C 2A4ECEA9 F98D0ACC 0A8291CD CEC97DCF
    8EC9B55A 7F88A46B 4DB5A851 F44182E1 C68A007E 5E0DD902 0BFD64B6 45036C7A
    4E677D2C 38532A3A 23BA4442 CAF53EA6 3BB45432 9B7624C8 917BDD64 B1C0FD4C
    B38E8C33 4C701C3A CDAD0657 FCCFEC71 9B1F5C3E 4E46041F 388147FB 4CFDB477
    A52471F7 A9A96910 B855322E DB6340D8 A00EF092 350511E3 0ABEC1FF F9E3A26E
    7FB29F8C 183023C3 587E38DA 0077D9B4 763E4E4B 94B2BBC1 94C6651E 77CAF992
    EEAAC023 2A281BF6 B3A739C1 22611682 0AE8DB58 47A67CBE F9C9091B 462D538C
    D72B0374 6AE77F5E 62292C31 1562A846 505DC82D B854338A E49F5235 C95B9117
    8CCF2DD5 CACEF403 EC9D1810 C6272B04 5B3B71F9 DC6B80D6 3FDD4A8E 9ADB1E69
    62A69526 D43161C1 A41D570D 7938DAD4 A40E329C D0E40E65 FFFFFFFF FFFFFFFF`,
  ffdhe8192: `
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1 D8B9C583 CE2D3695
    A9E13641 146433FB CC939DCE 249B3EF9 7D2FE363 630C75D8 F681B202 AEC4617A
    D3DF1ED5 D5FD6561 2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735 30ACCA4F 483A797A
    BC0AB182 B324FB61 D108A94B B2C8E3FB B96ADAB7 60D7F468 1D4F42A3 DE394DF4
    AE56EDE7 6372BB19 0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 3BB5FCBC 2EC22005
    C58EF183 7D1683B2 C6F34A26 C1B2EFFA 886B4238 611FCFDC DE355B3B 6519035B
    BC34F4DE F99C0238 61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
    AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3 64F2E21E 71F54BFF
    5CAE82AB 9C9DF69E E86D2BC5 22363A0D ABC52197 9B0DEADA 1DBF9A42 D5C4484E
    0ABCD06B FA53DDEF 3C1B20EE 3FD59D7C 25E41D2B 669E1EF1 6E6F52C3 164DF4FB
    7930E9E4 E58857B6 AC7D5F42 D69F6D18 7763CF1D 55034004 87F55BA5 7E31CC7A
    7135C886 EFB4318A ED6A1E01 2D9E6832 A907600A 918130C4 6DC778F9 71AD0038
    092999A3 33CB8B7A 1A1DB93D 7140003C 2A4ECEA9 F98D0ACC 0A8291CD CEC97DCF
    8EC9B55A 7F88A46B 4DB5A851 F44182E1 C68A007E 5E0DD902 0BFD64B6 45036C7A
    4E677D2C 38532A3A 23BA4442 CAF53EA6 3BB45432 9B7624C8 917BDD64 B1C0FD4C
    B38E8C33 4C701C3A CDAD0657 FCCFEC71 9B1F5C3E 4E46041F 388147FB 4CFDB477
    A52471F7 A9A96910 B855322E DB6340D8 A00EF092 350511E3 0ABEC1FF F9E3A26E
    7FB29F8C 183023C3 587E38DA 0077D9B4 763E4E4B 94B2BBC1 94C6651E 77CAF992
    EEAAC023 2A281BF6 B3A739C1 22611682 0AE8DB58 47A67CBE F9C9091B 462D538C
    D72B0374 6AE77F5E 62292C31 1562A846 505DC82D B854338A E49F5235 C95B9117
    8CCF2DD5 CACEF403 EC9D1810 C6272B04 5B3B71F9 DC6B80D6 3FDD4A8E 9ADB1E69
    62A69526 D43161C1 A41D570D 7938DAD4 A40E329C CFF46AAA 36AD004C F600C838
    1E425A31 D951AE64 FDB23FCE C9509D43 687FEB69 EDD1CC5E 0B8CC3BD F64B10EF
    86B63142 A3AB8829 555B2F74 7C932665 CB2C0F1C C01BD702 29388839 D2AF05E4
    54504AC7 8B758282 2846C0BA 35C35F5C 59160CC0 46FD8251 541FC68C 9C86B022
    BB709987 6A460E74 51A8A931 09703FEE 1C217E6C 3826E52C 51AA691E 0E423CFC
    99E9E316 50C1217B 624816CD AD9A95F9 D5B80194 88D9C0A0 A1FE3075 A577E231
    83F81D4A 3F2FA457 1EFC8CE0 BA8A4FE8 B6855DFE 72B0A66E DED2FBAB FBE58A30
    FAFABE1C 5D71A87E 2F741EF8 C1FE86FE A6BBFDE5 30677F0D 97D11D49 F7A8443D
    0822E506 A9F4614E 011E2A94 838FF88C D68C8BB7 C5C6424C FFFFFFFF FFFFFFFF`,
};

/**
 * Per group, from RFC 7919 Appendix A: bit length, code point, short-exponent size, strength, and the
 * last three words of q as printed there.
 */
const APPENDIX_A: Record<FfdheGroupName, [number, number, number, number, string]> = {
  ffdhe2048: [2048, 256, 225, 103, '30942E4B FFFFFFFF FFFFFFFF'],
  ffdhe3072: [3072, 257, 275, 125, 'B363171B FFFFFFFF FFFFFFFF'],
  ffdhe4096: [4096, 258, 325, 150, '2F32AFB5 7FFFFFFF FFFFFFFF'],
  ffdhe6144: [6144, 259, 375, 175, '68720732 FFFFFFFF FFFFFFFF'],
  ffdhe8192: [8192, 260, 400, 192, 'E2E32126 7FFFFFFF FFFFFFFF'],
};

describe('RFC 7919 Appendix A groups', () => {
  it.each(NAMES)("%s: the derived p is OpenSSL's; g = 2; sizes as the RFC gives", (name) => {
    const [b, value, bits, strength, qEnd] = APPENDIX_A[name];
    const grp = FFDHE_GROUPS[name];
    expect(grp.p.toString(16).toUpperCase()).toBe(OPENSSL_P[name].replace(/\s+/g, ''));
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

/**
 * The finite field Diffie-Hellman groups of RFC 7919 Appendix A (ffdhe2048 … ffdhe8192) and their key
 * exchange, for TLS 1.3 key shares (RFC 8446 §4.2.8.1, §7.4.1) and TLS 1.2 DHE (RFC 7919 §3–§4).
 *
 * Provenance of the primes: the hexadecimal representation of p printed in RFC 7919 Appendix A.1–A.5
 * (read from the copy of rfc7919.txt in the pingu342/rfc repository, whose hex blocks are the RFC's),
 * laid out as there; the generator is g = 2 for all five. The hex here was produced from the groups
 * OpenSSL 3.0 builds in (`openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdheNNNN`) and is
 * checked against the derivation Appendix A gives, p = 2^b − 2^(b−64) + {⌊2^(b−130)·e⌋ + X}·2^64 − 1,
 * which test/crypto/ffdhe.test.ts recomputes from a series for e with the X the RFC gives each group.
 *
 * Private exponents are short (RFC 7919 §5.2): a random integer of exactly the bit length Appendix A
 * suggests for each group (225, 275, 325, 375, 400 bits, the top bit set), not one in [2, p−2]. Each
 * peer's public value Y must satisfy 1 < Y < p−1 (RFC 7919 §5.1, RFC 8446 §4.2.8.1); in TLS 1.3 it is
 * encoded left-padded to the length of p, and so is the shared secret (RFC 8446 §7.4.1).
 *
 * The modular exponentiation is JavaScript bigint square-and-multiply: not constant-time (RFC 7919
 * §8.6 asks for it); exponents are ephemeral and used once (docs/security.md).
 * @module
 */
import {
  CryptoError,
  type KeyExchange,
  type KeyShareKeyPair,
  type KeyShareResponse,
  type RandomSource,
} from './provider.js';
import { i2osp, modPow } from './rsa.js';

/** The names of the RFC 7919 groups. */
export type FfdheGroupName = 'ffdhe2048' | 'ffdhe3072' | 'ffdhe4096' | 'ffdhe6144' | 'ffdhe8192';

/** One RFC 7919 group: its prime, generator, length of p in bytes and short-exponent size. */
export interface FfdheGroup {
  readonly name: FfdheGroupName;
  /** The NamedGroup code point (RFC 7919 §2). */
  readonly value: number;
  readonly p: bigint;
  /** The generator: 2 (RFC 7919 Appendix A). */
  readonly g: bigint;
  /** Length of p in bytes: the length of every TLS 1.3 public value and shared secret of the group. */
  readonly length: number;
  /** Bits of a private exponent (RFC 7919 Appendix A: "a secret key of at least N bits"). */
  readonly exponentBits: number;
  /** Estimated symmetric-equivalent strength in bits (RFC 7919 Appendix A). */
  readonly strength: number;
}

/** The primes as RFC 7919 prints them: whitespace is dropped. */
function hex(text: string): bigint {
  return BigInt(`0x${text.replace(/\s+/g, '')}`);
}

/** ffdhe2048: p of RFC 7919 Appendix A.1. */
const P2048 = hex(`
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
    D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
    7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
    2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
    30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
    B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
    0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
    3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
    886B4238 61285C97 FFFFFFFF FFFFFFFF`);

/** ffdhe3072: p of RFC 7919 Appendix A.2. */
const P3072 = hex(`
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
    D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
    7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
    2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
    30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
    B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
    0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
    3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
    886B4238 611FCFDC DE355B3B 6519035B BC34F4DE F99C0238
    61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
    AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3
    64F2E21E 71F54BFF 5CAE82AB 9C9DF69E E86D2BC5 22363A0D
    ABC52197 9B0DEADA 1DBF9A42 D5C4484E 0ABCD06B FA53DDEF
    3C1B20EE 3FD59D7C 25E41D2B 66C62E37 FFFFFFFF FFFFFFFF`);

/** ffdhe4096: p of RFC 7919 Appendix A.3. */
const P4096 = hex(`
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
    D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
    7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
    2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
    30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
    B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
    0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
    3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
    886B4238 611FCFDC DE355B3B 6519035B BC34F4DE F99C0238
    61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
    AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3
    64F2E21E 71F54BFF 5CAE82AB 9C9DF69E E86D2BC5 22363A0D
    ABC52197 9B0DEADA 1DBF9A42 D5C4484E 0ABCD06B FA53DDEF
    3C1B20EE 3FD59D7C 25E41D2B 669E1EF1 6E6F52C3 164DF4FB
    7930E9E4 E58857B6 AC7D5F42 D69F6D18 7763CF1D 55034004
    87F55BA5 7E31CC7A 7135C886 EFB4318A ED6A1E01 2D9E6832
    A907600A 918130C4 6DC778F9 71AD0038 092999A3 33CB8B7A
    1A1DB93D 7140003C 2A4ECEA9 F98D0ACC 0A8291CD CEC97DCF
    8EC9B55A 7F88A46B 4DB5A851 F44182E1 C68A007E 5E655F6A
    FFFFFFFF FFFFFFFF`);

/** ffdhe6144: p of RFC 7919 Appendix A.4. */
const P6144 = hex(`
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
    D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
    7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
    2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
    30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
    B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
    0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
    3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
    886B4238 611FCFDC DE355B3B 6519035B BC34F4DE F99C0238
    61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
    AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3
    64F2E21E 71F54BFF 5CAE82AB 9C9DF69E E86D2BC5 22363A0D
    ABC52197 9B0DEADA 1DBF9A42 D5C4484E 0ABCD06B FA53DDEF
    3C1B20EE 3FD59D7C 25E41D2B 669E1EF1 6E6F52C3 164DF4FB
    7930E9E4 E58857B6 AC7D5F42 D69F6D18 7763CF1D 55034004
    87F55BA5 7E31CC7A 7135C886 EFB4318A ED6A1E01 2D9E6832
    A907600A 918130C4 6DC778F9 71AD0038 092999A3 33CB8B7A
    1A1DB93D 7140003C 2A4ECEA9 F98D0ACC 0A8291CD CEC97DCF
    8EC9B55A 7F88A46B 4DB5A851 F44182E1 C68A007E 5E0DD902
    0BFD64B6 45036C7A 4E677D2C 38532A3A 23BA4442 CAF53EA6
    3BB45432 9B7624C8 917BDD64 B1C0FD4C B38E8C33 4C701C3A
    CDAD0657 FCCFEC71 9B1F5C3E 4E46041F 388147FB 4CFDB477
    A52471F7 A9A96910 B855322E DB6340D8 A00EF092 350511E3
    0ABEC1FF F9E3A26E 7FB29F8C 183023C3 587E38DA 0077D9B4
    763E4E4B 94B2BBC1 94C6651E 77CAF992 EEAAC023 2A281BF6
    B3A739C1 22611682 0AE8DB58 47A67CBE F9C9091B 462D538C
    D72B0374 6AE77F5E 62292C31 1562A846 505DC82D B854338A
    E49F5235 C95B9117 8CCF2DD5 CACEF403 EC9D1810 C6272B04
    5B3B71F9 DC6B80D6 3FDD4A8E 9ADB1E69 62A69526 D43161C1
    A41D570D 7938DAD4 A40E329C D0E40E65 FFFFFFFF FFFFFFFF`);

/** ffdhe8192: p of RFC 7919 Appendix A.5. */
const P8192 = hex(`
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
    D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
    7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
    2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
    30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
    B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
    0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
    3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
    886B4238 611FCFDC DE355B3B 6519035B BC34F4DE F99C0238
    61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
    AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3
    64F2E21E 71F54BFF 5CAE82AB 9C9DF69E E86D2BC5 22363A0D
    ABC52197 9B0DEADA 1DBF9A42 D5C4484E 0ABCD06B FA53DDEF
    3C1B20EE 3FD59D7C 25E41D2B 669E1EF1 6E6F52C3 164DF4FB
    7930E9E4 E58857B6 AC7D5F42 D69F6D18 7763CF1D 55034004
    87F55BA5 7E31CC7A 7135C886 EFB4318A ED6A1E01 2D9E6832
    A907600A 918130C4 6DC778F9 71AD0038 092999A3 33CB8B7A
    1A1DB93D 7140003C 2A4ECEA9 F98D0ACC 0A8291CD CEC97DCF
    8EC9B55A 7F88A46B 4DB5A851 F44182E1 C68A007E 5E0DD902
    0BFD64B6 45036C7A 4E677D2C 38532A3A 23BA4442 CAF53EA6
    3BB45432 9B7624C8 917BDD64 B1C0FD4C B38E8C33 4C701C3A
    CDAD0657 FCCFEC71 9B1F5C3E 4E46041F 388147FB 4CFDB477
    A52471F7 A9A96910 B855322E DB6340D8 A00EF092 350511E3
    0ABEC1FF F9E3A26E 7FB29F8C 183023C3 587E38DA 0077D9B4
    763E4E4B 94B2BBC1 94C6651E 77CAF992 EEAAC023 2A281BF6
    B3A739C1 22611682 0AE8DB58 47A67CBE F9C9091B 462D538C
    D72B0374 6AE77F5E 62292C31 1562A846 505DC82D B854338A
    E49F5235 C95B9117 8CCF2DD5 CACEF403 EC9D1810 C6272B04
    5B3B71F9 DC6B80D6 3FDD4A8E 9ADB1E69 62A69526 D43161C1
    A41D570D 7938DAD4 A40E329C CFF46AAA 36AD004C F600C838
    1E425A31 D951AE64 FDB23FCE C9509D43 687FEB69 EDD1CC5E
    0B8CC3BD F64B10EF 86B63142 A3AB8829 555B2F74 7C932665
    CB2C0F1C C01BD702 29388839 D2AF05E4 54504AC7 8B758282
    2846C0BA 35C35F5C 59160CC0 46FD8251 541FC68C 9C86B022
    BB709987 6A460E74 51A8A931 09703FEE 1C217E6C 3826E52C
    51AA691E 0E423CFC 99E9E316 50C1217B 624816CD AD9A95F9
    D5B80194 88D9C0A0 A1FE3075 A577E231 83F81D4A 3F2FA457
    1EFC8CE0 BA8A4FE8 B6855DFE 72B0A66E DED2FBAB FBE58A30
    FAFABE1C 5D71A87E 2F741EF8 C1FE86FE A6BBFDE5 30677F0D
    97D11D49 F7A8443D 0822E506 A9F4614E 011E2A94 838FF88C
    D68C8BB7 C5C6424C FFFFFFFF FFFFFFFF`);

function group(name: FfdheGroupName, value: number, p: bigint, exponentBits: number, strength: number): FfdheGroup {
  return Object.freeze({ name, value, p, g: 2n, length: p.toString(16).length / 2, exponentBits, strength });
}

/** The five groups of RFC 7919 Appendix A, by name (A.1–A.5). */
export const FFDHE_GROUPS: Readonly<Record<FfdheGroupName, FfdheGroup>> = Object.freeze({
  ffdhe2048: group('ffdhe2048', 256, P2048, 225, 103),
  ffdhe3072: group('ffdhe3072', 257, P3072, 275, 125),
  ffdhe4096: group('ffdhe4096', 258, P4096, 325, 150),
  ffdhe6144: group('ffdhe6144', 259, P6144, 375, 175),
  ffdhe8192: group('ffdhe8192', 260, P8192, 400, 192),
});

/** The RFC 7919 group with NamedGroup code point `value`, or undefined. */
export function ffdheGroupOf(value: number): FfdheGroup | undefined {
  return Object.values(FFDHE_GROUPS).find((g) => g.value === value);
}

/** Whether a NamedGroup code point is in the FFDHE range 256–511 (RFC 7919 §2), known or not. */
export function isFfdheCodePoint(value: number): boolean {
  return value >= 0x0100 && value <= 0x01ff;
}

/**
 * The RFC 7919 group whose prime and generator are `p` and `g` (big-endian, leading zeros allowed),
 * or undefined: how a TLS 1.2 client recognizes the group of a ServerDHParams (RFC 7919 §3).
 */
export function ffdheGroupOfParams(p: Uint8Array, g: Uint8Array): FfdheGroup | undefined {
  if (p.length === 0 || g.length === 0 || p.length > 1024 || g.length > 1024) return undefined;
  const pv = os2ip(p);
  if (os2ip(g) !== 2n) return undefined;
  return Object.values(FFDHE_GROUPS).find((grp) => grp.p === pv);
}

function os2ip(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}

/**
 * The peer's public value as an integer, checked: at most the length of p (leading zeros allowed, as
 * TLS 1.2 peers strip them) and 1 < Y < p−1 (RFC 7919 §5.1).
 * @throws CryptoError `invalid-share` otherwise
 */
export function checkPublicValue(grp: FfdheGroup, y: Uint8Array): bigint {
  if (y.length === 0 || y.length > grp.length) {
    throw new CryptoError('invalid-share', `${grp.name}: public value of ${y.length} bytes, p has ${grp.length}`);
  }
  const v = os2ip(y);
  if (v <= 1n || v >= grp.p - 1n) {
    throw new CryptoError('invalid-share', `${grp.name}: public value outside 1 < Y < p-1 (RFC 7919 §5.1)`);
  }
  return v;
}

/**
 * One RFC 7919 group as a {@link KeyExchange}: shares and the shared secret are left-padded to the
 * length of p (RFC 8446 §4.2.8.1, §7.4.1); a share of any other length is refused (`invalid-share`).
 * The private key is the exponent, big-endian.
 */
export class FfdheExchange implements KeyExchange {
  readonly group: FfdheGroupName;
  readonly clientShareLength: number;
  readonly serverShareLength: number;
  readonly #grp: FfdheGroup;
  constructor(
    grp: FfdheGroup,
    private readonly random: RandomSource,
  ) {
    this.#grp = grp;
    this.group = grp.name;
    this.clientShareLength = grp.length;
    this.serverShareLength = grp.length;
  }

  /** A key pair; `secret` injects the exponent (big-endian, 1 < x < p−1). */
  generate(secret?: Uint8Array): KeyShareKeyPair {
    const grp = this.#grp;
    let privateKey: Uint8Array;
    if (secret) {
      const x = os2ip(secret);
      if (x <= 1n || x >= grp.p - 1n) throw new RangeError(`${grp.name}: private exponent out of range`);
      privateKey = secret.slice();
    } else {
      privateKey = shortExponent(grp, this.random);
    }
    const y = modPow(grp.g, os2ip(privateKey), grp.p);
    return { group: grp.name, privateKey, share: i2osp(y, grp.length) };
  }

  encapsulate(clientShare: Uint8Array, secret?: Uint8Array): KeyShareResponse {
    this.#checkLength(clientShare);
    const kp = this.generate(secret);
    const sharedSecret = this.decapsulate(kp.privateKey, clientShare);
    kp.privateKey.fill(0);
    return { group: this.group, share: kp.share, sharedSecret };
  }

  decapsulate(privateKey: Uint8Array, peerShare: Uint8Array): Uint8Array {
    this.#checkLength(peerShare);
    return this.agree(privateKey, peerShare);
  }

  /**
   * Z = Y^x mod p, left-padded to the length of p, for a public value `peer` of any length up to it
   * (TLS 1.2 ClientDiffieHellmanPublic and ServerDHParams carry it unpadded).
   * @throws CryptoError `invalid-share` when `peer` fails {@link checkPublicValue}
   */
  agree(privateKey: Uint8Array, peer: Uint8Array): Uint8Array {
    const grp = this.#grp;
    const y = checkPublicValue(grp, peer);
    return i2osp(modPow(y, os2ip(privateKey), grp.p), grp.length);
  }

  #checkLength(share: Uint8Array): void {
    if (share.length !== this.#grp.length) {
      throw new CryptoError(
        'invalid-share',
        `${this.group}: share must be ${this.#grp.length} bytes (RFC 8446 §4.2.8.1), got ${share.length}`,
      );
    }
  }
}

/** A random exponent of exactly `grp.exponentBits` bits (RFC 7919 §5.2: top bit set). */
function shortExponent(grp: FfdheGroup, random: RandomSource): Uint8Array {
  const bits = grp.exponentBits;
  const bytes = random(Math.ceil(bits / 8));
  const extra = bytes.length * 8 - bits;
  bytes[0] = (bytes[0]! & (0xff >>> extra)) | (0x80 >>> extra);
  return bytes;
}

/**
 * The finite field Diffie-Hellman groups of RFC 7919 Appendix A (ffdhe2048 … ffdhe8192) and their key
 * exchange, for TLS 1.3 key shares (RFC 8446 §4.2.8.1, §7.4.1) and TLS 1.2 DHE (RFC 7919 §3–§4).
 *
 * The primes are computed, not stored: Appendix A defines each as p = 2^b − 2^(b−64) +
 * {⌊2^(b−130)·e⌋ + X}·2^64 − 1 with the X it gives per group, and e is summed here as a series, once
 * per group on first use. The generator is g = 2 for all five. test/crypto/ffdhe.test.ts checks each
 * result against the hex of the groups OpenSSL builds in.
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
  dhEncapsulate,
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

/** Guard bits below the binary point in {@link floorTwoPowE}. */
const E_GUARD_BITS = 64n;

/**
 * ⌊2^k·e⌋, from the series e = Σ 1/i! in fixed point with {@link E_GUARD_BITS} guard bits. Each of the
 * N summed terms is truncated by less than 2 units and the terms after the last nonzero one add less
 * than 4, so 2^(k+guard)·e lies in [sum, sum + 2N + 4]: when both ends give the same floor (as they do
 * for the five groups), that floor is exact.
 */
function floorTwoPowE(k: number): bigint {
  let term = 1n << (BigInt(k) + E_GUARD_BITS);
  let sum = 0n;
  let i = 1n;
  for (; term > 0n; i++) {
    sum += term;
    term /= i;
  }
  const floor = sum >> E_GUARD_BITS;
  if ((sum + 2n * i + 2n) >> E_GUARD_BITS !== floor) throw new Error(`ffdhe: e to ${k} bits needs more guard bits`);
  return floor;
}

/** p = 2^b − 2^(b−64) + {⌊2^(b−130)·e⌋ + X}·2^64 − 1 (RFC 7919 Appendix A). */
function appendixAPrime(bits: number, x: bigint): bigint {
  const b = BigInt(bits);
  return (1n << b) - (1n << (b - 64n)) + ((floorTwoPowE(bits - 130) + x) << 64n) - 1n;
}

/** One group; p is derived on first use and kept (under 1 ms of bigint work warm for ffdhe8192, once). */
class Group implements FfdheGroup {
  readonly g = 2n;
  readonly length: number;
  readonly #bits: number;
  readonly #x: bigint;
  #p: bigint | undefined;
  constructor(
    readonly name: FfdheGroupName,
    readonly value: number,
    bits: number,
    x: bigint,
    readonly exponentBits: number,
    readonly strength: number,
  ) {
    this.length = bits / 8;
    this.#bits = bits;
    this.#x = x;
  }
  get p(): bigint {
    this.#p ??= appendixAPrime(this.#bits, this.#x);
    return this.#p;
  }
}

/**
 * The five groups of RFC 7919 Appendix A, by name (A.1–A.5): code point, bit length b of p, the X of
 * the derivation, short-exponent size and strength, as the RFC gives them.
 */
export const FFDHE_GROUPS: Readonly<Record<FfdheGroupName, FfdheGroup>> = Object.freeze({
  ffdhe2048: Object.freeze(new Group('ffdhe2048', 256, 2048, 560316n, 225, 103)),
  ffdhe3072: Object.freeze(new Group('ffdhe3072', 257, 3072, 2625351n, 275, 125)),
  ffdhe4096: Object.freeze(new Group('ffdhe4096', 258, 4096, 5736041n, 325, 150)),
  ffdhe6144: Object.freeze(new Group('ffdhe6144', 259, 6144, 15705020n, 375, 175)),
  ffdhe8192: Object.freeze(new Group('ffdhe8192', 260, 8192, 10965728n, 400, 192)),
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
  // Compare lengths first, so only a group of the right size has its prime derived.
  const length = Math.ceil(pv.toString(16).length / 2);
  return Object.values(FFDHE_GROUPS).find((grp) => grp.length === length && grp.p === pv);
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
    this.#checkLength(clientShare); // before the modular exponentiation of generate()
    return dhEncapsulate(this, clientShare, secret);
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

/**
 * AES-GCM (NIST SP 800-38D) keyed once: {@link AesGcm} expands the AES key and builds the GHASH
 * multiplication tables in its constructor, so each seal/open only runs CTR and GHASH. noble's
 * `gcm(key, nonce)` redoes both for every message, which dominated small TLS records.
 *
 * The AES key expansion is noble's (`unsafe.expandKeyLE`). The block function is the classic
 * four-table one (FIPS 197 §5.1 with SubBytes, ShiftRows and MixColumns merged into 4 × 256-word
 * tables, 4 KiB, which stay in L1 cache; noble's merged 2 × 64 Ki-word tables do not). Like
 * noble's, it is table-based and so not constant-time against a local cache-timing attacker.
 * The mode: 96-bit nonces only (J0 = nonce ‖ 0^31 ‖ 1, §7.1), one pass that encrypts and hashes
 * each block, and GHASH with 4-bit windows: for each of the 32 nibble positions of a block, a table
 * of the 16 products `nibble · x^(4i) · H` (8 KiB per key), so multiplying by H is 32 lookups.
 *
 * Words here are big-endian (byte 0 is the top byte of word 0), as AES and GHASH define them.
 * @module
 */
import { unsafe } from '@noble/ciphers/aes.js';

const { expandKeyLE } = unsafe;

/** x · b in GF(2^8) mod x^8 + x^4 + x^3 + x + 1. */
function xtime(b: number): number {
  return ((b << 1) ^ (b & 0x80 ? 0x1b : 0)) & 0xff;
}

/**
 * The S-box (FIPS 197 §5.1.1) and the round tables: `TE0[b] = (2·S[b], S[b], S[b], 3·S[b])` as a
 * big-endian word, TE1..TE3 the same rotated right by 8, 16, 24 bits.
 */
const { SBOX, TE0, TE1, TE2, TE3 } = /* @__PURE__ */ (() => {
  const sbox = new Uint8Array(256);
  // p runs over all non-zero elements (× 3 each step), q is its inverse (÷ 3): S[p] = affine(q).
  let p = 1;
  let q = 1;
  do {
    p = p ^ xtime(p);
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    const r = (n: number) => ((q << n) | (q >>> (8 - n))) & 0xff;
    sbox[p] = q ^ r(1) ^ r(2) ^ r(3) ^ r(4) ^ 0x63;
  } while (p !== 1);
  sbox[0] = 0x63;
  const te = [0, 1, 2, 3].map(() => new Int32Array(256));
  for (let b = 0; b < 256; b++) {
    const x = sbox[b]!;
    const w = (xtime(x) << 24) | (x << 16) | (x << 8) | (xtime(x) ^ x);
    for (let r = 0; r < 4; r++) te[r]![b] = (w >>> (8 * r)) | (w << (32 - 8 * r));
  }
  return { SBOX: sbox, TE0: te[0]!, TE1: te[1]!, TE2: te[2]!, TE3: te[3]! };
})();

/** Block, nonce and tag lengths in bytes. */
const BLOCK = 16;
const NONCE = 12;
const TAG = 16;
/** Longest plaintext for one nonce: 2^32 − 2 blocks (SP 800-38D §5.2.1.1). */
const MAX_PLAINTEXT = (2 ** 32 - 2) * BLOCK;

/** Reverse the bytes of a 32-bit word (noble's expanded key words are little-endian). */
function bswap(x: number): number {
  return (x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

/** Big-endian word at `o`; the caller guarantees 4 readable bytes. */
function readBE(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}

function writeBE(b: Uint8Array, o: number, x: number): void {
  b[o] = x >>> 24;
  b[o + 1] = x >>> 16;
  b[o + 2] = x >>> 8;
  b[o + 3] = x;
}

/**
 * The GHASH tables of H (given as big-endian words): entry `(i * 16 + v) * 4` holds the four words
 * of `v · x^(4i) · H`, where the nibble's top bit is the coefficient of x^(4i).
 */
function ghashTable(h0: number, h1: number, h2: number, h3: number): Int32Array {
  const t = new Int32Array(32 * 16 * 4);
  let v0 = h0;
  let v1 = h1;
  let v2 = h2;
  let v3 = h3;
  for (let j = 0; j < 128; j++) {
    // v = x^j · H: add it to every entry of nibble j/4 whose value has the bit of x^j set.
    const base = (j >>> 2) * 64;
    const bit = 8 >>> (j & 3);
    for (let v = bit; v < 16; v++) {
      if ((v & bit) === 0) continue;
      const e = base + v * 4;
      t[e]! ^= v0;
      t[e + 1]! ^= v1;
      t[e + 2]! ^= v2;
      t[e + 3]! ^= v3;
    }
    // v · x: shift right one bit; x^128 = x^7 + x^2 + x + 1 folds back as 0xe1 into the top byte.
    const carry = v3 & 1;
    v3 = (v3 >>> 1) | (v2 << 31);
    v2 = (v2 >>> 1) | (v1 << 31);
    v1 = (v1 >>> 1) | (v0 << 31);
    v0 = (v0 >>> 1) ^ (-carry & 0xe1000000);
  }
  return t;
}

/**
 * AES-128/256-GCM with one key: seal and open any number of messages, each under its own 12-byte
 * nonce. Not for messages longer than 2^36 − 32 bytes. {@link dispose} wipes the key material.
 * @example
 * const gcm = new AesGcm(key);
 * const sealed = gcm.seal(nonce, plaintext, aad); // ciphertext ‖ 16-byte tag
 * const opened = gcm.open(nonce, sealed, aad);    // plaintext, or null if the tag is wrong
 */
export class AesGcm {
  /** Round keys, big-endian words, 4 per round plus the initial 4. */
  readonly #rk: Int32Array;
  /** GHASH tables of H = AES_K(0^128). */
  readonly #table: Int32Array;
  /** GHASH accumulator Y. */
  #y0 = 0;
  #y1 = 0;
  #y2 = 0;
  #y3 = 0;
  /** Output of {@link #encryptBlock}. */
  #k0 = 0;
  #k1 = 0;
  #k2 = 0;
  #k3 = 0;
  /** A padded last block. */
  readonly #scratch = new Uint8Array(BLOCK);

  /** @param key 16, 24 or 32 bytes; copied, not kept. */
  constructor(key: Uint8Array) {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
      throw new RangeError(`AES-GCM: key must be 16, 24 or 32 bytes, got ${key.length}`);
    }
    const copy = new Uint8Array(key);
    const xk = expandKeyLE(copy);
    copy.fill(0);
    this.#rk = new Int32Array(xk.length);
    for (let i = 0; i < xk.length; i++) this.#rk[i] = bswap(xk[i]!);
    xk.fill(0);
    this.#encryptBlock(0, 0, 0, 0);
    this.#table = ghashTable(this.#k0, this.#k1, this.#k2, this.#k3);
    this.#k0 = this.#k1 = this.#k2 = this.#k3 = 0;
  }

  /** Encrypt and authenticate: returns `ciphertext ‖ tag`. */
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    if (plaintext.length > MAX_PLAINTEXT) throw new RangeError('AES-GCM: plaintext too long for one nonce');
    const out = new Uint8Array(plaintext.length + TAG);
    this.#crypt(nonce, aad, plaintext, plaintext.length, out, true);
    this.#finish(nonce, aad.length, plaintext.length, out, plaintext.length, false);
    return out;
  }

  /** Check and decrypt `ciphertext ‖ tag`: the plaintext, or null when authentication fails. */
  open(nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
    const length = sealed.length - TAG;
    if (length < 0 || length > MAX_PLAINTEXT) return null;
    const out = new Uint8Array(length);
    this.#crypt(nonce, aad, sealed, length, out, false);
    if (this.#finish(nonce, aad.length, length, sealed, length, true)) return out;
    out.fill(0);
    return null;
  }

  /** Wipe the round keys and the tables; the object is unusable afterwards. */
  dispose(): void {
    this.#rk.fill(0);
    this.#table.fill(0);
    this.#y0 = this.#y1 = this.#y2 = this.#y3 = 0;
    this.#k0 = this.#k1 = this.#k2 = this.#k3 = 0;
  }

  /**
   * GHASH the AAD, then run CTR from inc32(J0) over `length` bytes of `input` into `output`,
   * GHASHing the ciphertext (the output when sealing, the input when opening).
   */
  #crypt(
    nonce: Uint8Array,
    aad: Uint8Array,
    input: Uint8Array,
    length: number,
    output: Uint8Array,
    sealing: boolean,
  ): void {
    if (nonce.length !== NONCE) throw new RangeError(`AES-GCM: nonce must be 12 bytes, got ${nonce.length}`);
    const n0 = readBE(nonce, 0);
    const n1 = readBE(nonce, 4);
    const n2 = readBE(nonce, 8);
    this.#y0 = this.#y1 = this.#y2 = this.#y3 = 0;
    this.#hashBytes(aad, aad.length);

    let counter = 2;
    let o = 0;
    for (const full = length - (length % BLOCK); o < full; o += BLOCK) {
      this.#encryptBlock(n0, n1, n2, counter++);
      const i0 = readBE(input, o);
      const i1 = readBE(input, o + 4);
      const i2 = readBE(input, o + 8);
      const i3 = readBE(input, o + 12);
      const c0 = i0 ^ this.#k0;
      const c1 = i1 ^ this.#k1;
      const c2 = i2 ^ this.#k2;
      const c3 = i3 ^ this.#k3;
      writeBE(output, o, c0);
      writeBE(output, o + 4, c1);
      writeBE(output, o + 8, c2);
      writeBE(output, o + 12, c3);
      if (sealing) this.#absorb(c0, c1, c2, c3);
      else this.#absorb(i0, i1, i2, i3);
    }
    if (o < length) {
      this.#encryptBlock(n0, n1, n2, counter);
      const pad = this.#scratch;
      writeBE(pad, 0, this.#k0);
      writeBE(pad, 4, this.#k1);
      writeBE(pad, 8, this.#k2);
      writeBE(pad, 12, this.#k3);
      // pad: keystream → the zero-padded ciphertext block.
      for (let i = 0; i < BLOCK; i++) {
        if (o + i < length) {
          const x = input[o + i]!;
          const y = x ^ pad[i]!;
          output[o + i] = y;
          pad[i] = sealing ? y : x;
        } else {
          pad[i] = 0;
        }
      }
      this.#absorb(readBE(pad, 0), readBE(pad, 4), readBE(pad, 8), readBE(pad, 12));
      pad.fill(0);
    }
    this.#k0 = this.#k1 = this.#k2 = this.#k3 = 0;
  }

  /**
   * Absorb the length block and mask with E_K(J0). Sealing (`check` false): write the tag to
   * `tag[at..]`. Opening: compare with it in constant time and return whether it matched.
   */
  #finish(nonce: Uint8Array, aadLength: number, length: number, tag: Uint8Array, at: number, check: boolean): boolean {
    // len(A) ‖ len(C) in bits, 64 bits each.
    this.#absorb(
      Math.floor(aadLength / 2 ** 29),
      (aadLength * 8) >>> 0,
      Math.floor(length / 2 ** 29),
      (length * 8) >>> 0,
    );
    this.#encryptBlock(readBE(nonce, 0), readBE(nonce, 4), readBE(nonce, 8), 1);
    const t0 = this.#y0 ^ this.#k0;
    const t1 = this.#y1 ^ this.#k1;
    const t2 = this.#y2 ^ this.#k2;
    const t3 = this.#y3 ^ this.#k3;
    this.#y0 = this.#y1 = this.#y2 = this.#y3 = 0;
    this.#k0 = this.#k1 = this.#k2 = this.#k3 = 0;
    if (!check) {
      writeBE(tag, at, t0);
      writeBE(tag, at + 4, t1);
      writeBE(tag, at + 8, t2);
      writeBE(tag, at + 12, t3);
      return true;
    }
    const diff =
      (t0 ^ readBE(tag, at)) | (t1 ^ readBE(tag, at + 4)) | (t2 ^ readBE(tag, at + 8)) | (t3 ^ readBE(tag, at + 12));
    return diff === 0;
  }

  /** AES-encrypt one block (FIPS 197 §5.1) into #k0..#k3. */
  #encryptBlock(b0: number, b1: number, b2: number, b3: number): void {
    const rk = this.#rk;
    let s0 = b0 ^ rk[0]!;
    let s1 = b1 ^ rk[1]!;
    let s2 = b2 ^ rk[2]!;
    let s3 = b3 ^ rk[3]!;
    const last = rk.length - 4;
    let k = 4;
    for (; k < last; k += 4) {
      const t0 = TE0[s0 >>> 24]! ^ TE1[(s1 >>> 16) & 255]! ^ TE2[(s2 >>> 8) & 255]! ^ TE3[s3 & 255]! ^ rk[k]!;
      const t1 = TE0[s1 >>> 24]! ^ TE1[(s2 >>> 16) & 255]! ^ TE2[(s3 >>> 8) & 255]! ^ TE3[s0 & 255]! ^ rk[k + 1]!;
      const t2 = TE0[s2 >>> 24]! ^ TE1[(s3 >>> 16) & 255]! ^ TE2[(s0 >>> 8) & 255]! ^ TE3[s1 & 255]! ^ rk[k + 2]!;
      const t3 = TE0[s3 >>> 24]! ^ TE1[(s0 >>> 16) & 255]! ^ TE2[(s1 >>> 8) & 255]! ^ TE3[s2 & 255]! ^ rk[k + 3]!;
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
    }
    // Last round: no MixColumns, so the S-box alone.
    const S = SBOX;
    this.#k0 =
      ((S[s0 >>> 24]! << 24) | (S[(s1 >>> 16) & 255]! << 16) | (S[(s2 >>> 8) & 255]! << 8) | S[s3 & 255]!) ^ rk[k]!;
    this.#k1 =
      ((S[s1 >>> 24]! << 24) | (S[(s2 >>> 16) & 255]! << 16) | (S[(s3 >>> 8) & 255]! << 8) | S[s0 & 255]!) ^ rk[k + 1]!;
    this.#k2 =
      ((S[s2 >>> 24]! << 24) | (S[(s3 >>> 16) & 255]! << 16) | (S[(s0 >>> 8) & 255]! << 8) | S[s1 & 255]!) ^ rk[k + 2]!;
    this.#k3 =
      ((S[s3 >>> 24]! << 24) | (S[(s0 >>> 16) & 255]! << 16) | (S[(s1 >>> 8) & 255]! << 8) | S[s2 & 255]!) ^ rk[k + 3]!;
  }

  /** GHASH `length` bytes of `data`, the last block zero-padded. */
  #hashBytes(data: Uint8Array, length: number): void {
    let o = 0;
    for (const full = length - (length % BLOCK); o < full; o += BLOCK) {
      this.#absorb(readBE(data, o), readBE(data, o + 4), readBE(data, o + 8), readBE(data, o + 12));
    }
    if (o < length) {
      const pad = this.#scratch;
      pad.fill(0);
      pad.set(data.subarray(o, length));
      this.#absorb(readBE(pad, 0), readBE(pad, 4), readBE(pad, 8), readBE(pad, 12));
      pad.fill(0);
    }
  }

  /** Y = (Y ⊕ X) · H: the sum over the 32 nibbles of Y ⊕ X of their table entries. */
  #absorb(x0: number, x1: number, x2: number, x3: number): void {
    const t = this.#table;
    let z0 = 0;
    let z1 = 0;
    let z2 = 0;
    let z3 = 0;
    let w = this.#y0 ^ x0;
    for (let e = 0, word = 0; word < 4; word++) {
      for (let shift = 28; shift >= 0; shift -= 4, e += 64) {
        const i = e + ((w >>> shift) & 15) * 4;
        z0 ^= t[i]!;
        z1 ^= t[i + 1]!;
        z2 ^= t[i + 2]!;
        z3 ^= t[i + 3]!;
      }
      w = word === 0 ? this.#y1 ^ x1 : word === 1 ? this.#y2 ^ x2 : this.#y3 ^ x3;
    }
    this.#y0 = z0;
    this.#y1 = z1;
    this.#y2 = z2;
    this.#y3 = z3;
  }
}

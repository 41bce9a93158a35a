/**
 * RSA for TLS over JavaScript `bigint` (RFC 8017): RSASSA-PSS (§8.1, EMSA-PSS §9.1),
 * RSASSA-PKCS1-v1_5 (§8.2, EMSA-PKCS1-v1_5 §9.2) and RSAES-PKCS1-v1_5 (§7.2), including the
 * TLS 1.2 premaster-secret decryption with the RFC 5246 §7.4.7.1 countermeasure.
 *
 * Why not `micro-rsa-dsa-dh` (evaluated, v0.2): it has PSS, PKCS#1 v1.5 signatures and encryption,
 * but (1) its PSS salt and PKCS#1 padding come from a global `randomBytes` that cannot be injected,
 * so signatures cannot be replayed; (2) private keys are `{ n, d }` only, so no CRT (about 3-4x slower
 * signing); (3) its PKCS#1 decryption throws at the first bad byte, the opposite of the
 * constant-ish premaster handling TLS 1.2 needs; (4) it has no key import. The code below is short,
 * follows the RFC step by step, and takes the salt / padding bytes as parameters.
 *
 * Side channels: `bigint` arithmetic in JavaScript engines is not constant time. This module is meant
 * for research, tests and interop, not for protecting long-term keys against local attackers.
 * @module
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { concat } from '../bytes/hex.js';
import {
  CryptoError,
  HASH_LENGTH,
  type HashName,
  type PremasterInput,
  type PremasterResult,
  type RsaPrivateKey,
  type RsaPublicKey,
} from './provider.js';

const HASHES: Readonly<Record<HashName, (data: Uint8Array) => Uint8Array>> = {
  sha256: (d) => sha256(d),
  sha384: (d) => sha384(d),
  sha512: (d) => sha512(d),
};

/** DER of `DigestInfo` up to the digest, per hash (RFC 8017 §9.2, Note 1). */
const DIGEST_INFO_PREFIX: Readonly<Record<HashName, Uint8Array>> = {
  sha256: Uint8Array.of(0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 1, 0x65, 3, 4, 2, 1, 5, 0, 4, 0x20),
  sha384: Uint8Array.of(0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 1, 0x65, 3, 4, 2, 2, 5, 0, 4, 0x30),
  sha512: Uint8Array.of(0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 1, 0x65, 3, 4, 2, 3, 5, 0, 4, 0x40),
};

/** Number of bits in `n` (n > 0). */
function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/** Length in bytes of the modulus: k in RFC 8017. */
export function modulusLength(n: bigint): number {
  return (bitLength(n) + 7) >> 3;
}

/** OS2IP (RFC 8017 §4.2): big-endian bytes → integer. */
export function os2ip(bytes: Uint8Array): bigint {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += bytes[i]!.toString(16).padStart(2, '0');
  return hex ? BigInt(`0x${hex}`) : 0n;
}

/**
 * I2OSP (RFC 8017 §4.1): integer → `length` big-endian bytes.
 * @throws CryptoError `invalid-input` ("integer too large") when x ≥ 256^length
 */
export function i2osp(x: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = x;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new CryptoError('invalid-input', 'I2OSP: integer too large');
  return out;
}

/** x^e mod m by left-to-right square-and-multiply. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus === 1n) return 0n;
  let result = 1n;
  const b = ((base % modulus) + modulus) % modulus;
  const bits = exponent.toString(2);
  for (let i = 0; i < bits.length; i++) {
    result = (result * result) % modulus;
    if (bits.charCodeAt(i) === 49) result = (result * b) % modulus;
  }
  return result;
}

/** RSAEP / RSAVP1 (RFC 8017 §5.1.1, §5.2.2): m^e mod n. The caller checks 0 ≤ m < n. */
function publicOp(key: RsaPublicKey, m: bigint): bigint {
  return modPow(m, key.e, key.n);
}

/** RSADP / RSASP1 (RFC 8017 §5.1.2, §5.2.1), using the CRT form (§5.1.2 step 2.b) when available. */
function privateOp(key: RsaPrivateKey, c: bigint): bigint {
  const { p, q, dp, dq, qi } = key;
  if (p === undefined || q === undefined || dp === undefined || dq === undefined || qi === undefined) {
    return modPow(c, key.d, key.n);
  }
  const m1 = modPow(c % p, dp, p);
  const m2 = modPow(c % q, dq, q);
  const h = (((m1 - m2) % p) + p) % p;
  return m2 + q * ((qi * h) % p);
}

/** MGF1 (RFC 8017 §B.2.1). */
export function mgf1(hash: HashName, seed: Uint8Array, length: number): Uint8Array {
  const h = HASHES[hash];
  const out = new Uint8Array(length);
  const input = new Uint8Array(seed.length + 4);
  input.set(seed);
  for (let counter = 0, o = 0; o < length; counter++) {
    input[seed.length] = counter >>> 24;
    input[seed.length + 1] = (counter >>> 16) & 0xff;
    input[seed.length + 2] = (counter >>> 8) & 0xff;
    input[seed.length + 3] = counter & 0xff;
    const block = h(input);
    out.set(block.subarray(0, Math.min(block.length, length - o)), o);
    o += block.length;
  }
  return out;
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with an explicit salt. */
function emsaPssEncode(hash: HashName, message: Uint8Array, emBits: number, salt: Uint8Array): Uint8Array {
  const h = HASHES[hash];
  const hLen = HASH_LENGTH[hash];
  const emLen = Math.ceil(emBits / 8);
  const mHash = h(message);
  if (emLen < hLen + salt.length + 2) throw new CryptoError('invalid-key', 'EMSA-PSS: encoding error (key too small)');
  const H = h(concat(new Uint8Array(8), mHash, salt));
  const db = new Uint8Array(emLen - hLen - 1);
  db[emLen - salt.length - hLen - 2] = 0x01;
  db.set(salt, emLen - salt.length - hLen - 1);
  const dbMask = mgf1(hash, H, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= dbMask[i]!;
  db[0]! &= 0xff >>> (8 * emLen - emBits);
  return concat(db, H, Uint8Array.of(0xbc));
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2); true for "consistent". */
function emsaPssVerify(hash: HashName, message: Uint8Array, em: Uint8Array, emBits: number, sLen: number): boolean {
  const h = HASHES[hash];
  const hLen = HASH_LENGTH[hash];
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < hLen + sLen + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const H = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >>> (8 * emLen - emBits);
  if ((maskedDb[0]! & ~topMask) !== 0) return false;
  const db = mgf1(hash, H, maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= maskedDb[i]!;
  db[0]! &= topMask;
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  const H2 = h(concat(new Uint8Array(8), h(message), salt));
  let diff = 0;
  for (let i = 0; i < hLen; i++) diff |= H[i]! ^ H2[i]!;
  return diff === 0;
}

/**
 * RSASSA-PSS-SIGN (RFC 8017 §8.1.1) with MGF1 over the same hash and the given salt (TLS 1.3 uses
 * salt length = hash length, RFC 8446 §4.2.3).
 */
export function pssSign(key: RsaPrivateKey, hash: HashName, message: Uint8Array, salt: Uint8Array): Uint8Array {
  const modBits = bitLength(key.n);
  const em = emsaPssEncode(hash, message, modBits - 1, salt);
  return i2osp(privateOp(key, os2ip(em)), modulusLength(key.n));
}

/** RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) with salt length `saltLength`. */
export function pssVerify(
  key: RsaPublicKey,
  hash: HashName,
  message: Uint8Array,
  signature: Uint8Array,
  saltLength: number,
): boolean {
  const k = modulusLength(key.n);
  if (signature.length !== k) return false;
  const s = os2ip(signature);
  if (s >= key.n) return false;
  const m = publicOp(key, s);
  const emBits = bitLength(key.n) - 1;
  const emLen = Math.ceil(emBits / 8);
  if (m >> BigInt(8 * emLen) !== 0n) return false;
  return emsaPssVerify(hash, message, i2osp(m, emLen), emBits, saltLength);
}

/** EMSA-PKCS1-v1_5-ENCODE (RFC 8017 §9.2). */
function emsaPkcs1Encode(hash: HashName, message: Uint8Array, emLen: number): Uint8Array {
  const t = concat(DIGEST_INFO_PREFIX[hash], HASHES[hash](message));
  if (emLen < t.length + 11)
    throw new CryptoError('invalid-key', 'EMSA-PKCS1-v1_5: intended encoded message length too short');
  const em = new Uint8Array(emLen).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[emLen - t.length - 1] = 0x00;
  em.set(t, emLen - t.length);
  return em;
}

/** RSASSA-PKCS1-V1_5-SIGN (RFC 8017 §8.2.1). */
export function pkcs1Sign(key: RsaPrivateKey, hash: HashName, message: Uint8Array): Uint8Array {
  const k = modulusLength(key.n);
  const em = emsaPkcs1Encode(hash, message, k);
  return i2osp(privateOp(key, os2ip(em)), k);
}

/** RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 §8.2.2): re-encode and compare. */
export function pkcs1Verify(key: RsaPublicKey, hash: HashName, message: Uint8Array, signature: Uint8Array): boolean {
  const k = modulusLength(key.n);
  if (signature.length !== k) return false;
  const s = os2ip(signature);
  if (s >= key.n) return false;
  const em = i2osp(publicOp(key, s), k);
  let expected: Uint8Array;
  try {
    expected = emsaPkcs1Encode(hash, message, k);
  } catch {
    return false;
  }
  let diff = 0;
  for (let i = 0; i < k; i++) diff |= em[i]! ^ expected[i]!;
  return diff === 0;
}

/**
 * RSAES-PKCS1-V1_5-ENCRYPT (RFC 8017 §7.2.1). `random` supplies the nonzero padding bytes PS
 * (it is called until enough nonzero bytes are collected).
 */
export function pkcs1Encrypt(key: RsaPublicKey, message: Uint8Array, random: (n: number) => Uint8Array): Uint8Array {
  const k = modulusLength(key.n);
  if (message.length > k - 11) throw new CryptoError('invalid-input', 'RSAES-PKCS1-v1_5: message too long');
  const psLen = k - message.length - 3;
  const ps = new Uint8Array(psLen);
  let filled = 0;
  while (filled < psLen) {
    const chunk = random(psLen - filled);
    for (let i = 0; i < chunk.length && filled < psLen; i++) if (chunk[i] !== 0) ps[filled++] = chunk[i]!;
  }
  const em = concat(Uint8Array.of(0x00, 0x02), ps, Uint8Array.of(0x00), message);
  return i2osp(publicOp(key, os2ip(em)), k);
}

/** 1 when the 32-bit integer `x` is non-zero, else 0, without a branch (`x | -x` has its sign bit set exactly then). */
function nonZero(x: number): number {
  return (x | -x) >>> 31;
}

/**
 * 1 unless `em` is 0x00 ‖ 0x02 ‖ PS ‖ 0x00 ‖ M with PS nonzero bytes and the 0x00 separator at `sep`
 * (so |M| = em.length - sep - 1) and, when `version` is given, M starting with those two bytes; else 0.
 * Every byte is read once and folded into one bit: no branch or early exit on their values. Only the
 * public `sep` and whether `version` was given steer the code.
 */
function premasterEncodingBad(em: Uint8Array, sep: number, version: number | undefined): number {
  let bad = nonZero(em[0]!) | nonZero(em[1]! ^ 0x02);
  for (let i = 2; i < sep; i++) bad |= 1 ^ nonZero(em[i]!); // a zero inside PS
  bad |= nonZero(em[sep]!);
  if (version !== undefined) bad |= nonZero((em[sep + 1]! ^ (version >>> 8)) | (em[sep + 2]! ^ (version & 0xff)));
  return bad;
}

/**
 * RSAES-PKCS1-V1_5-DECRYPT (RFC 8017 §7.2.2) for TLS 1.2's EncryptedPreMasterSecret, with the
 * RFC 5246 §7.4.7.1 countermeasure: never throws on bad input, and the result is `expectedLength`
 * bytes, the decrypted message M if (and only if) EM = 0x00 ‖ 0x02 ‖ PS ‖ 0x00 ‖ M with at least 8
 * nonzero PS bytes and |M| = `expectedLength` (and, when `clientVersion` is given, M starts with it),
 * else `fallback`. Every check on the decrypted bytes folds into one mask that selects between M and
 * `fallback` byte by byte: no branch or early exit depends on them.
 *
 * `clientVersion` (ClientHello.client_version, e.g. 0x0303) treats a version mismatch as a padding
 * error: the second construction of §7.4.7.1. Without it the caller applies the first (RECOMMENDED)
 * one, pre_master_secret = client_version ‖ M[2..47] with a fallback of client_version ‖ 46 random bytes,
 * which binds the version without a check.
 * @throws CryptoError `invalid-input` when `fallback` is not `expectedLength` bytes, or `clientVersion`
 * is given and is not a u16 or `expectedLength` < 2 (programming errors, not bad ciphertexts)
 */
export function pkcs1DecryptPremaster(key: RsaPrivateKey, ...input: PremasterInput): PremasterResult {
  const k = modulusLength(key.n);
  const rsadp = (c: Uint8Array) => i2osp(privateOp(key, os2ip(c)), k);
  return decryptPremasterWith(key, rsadp, ...input);
}

/**
 * {@link pkcs1DecryptPremaster} over any implementation of the raw RSA decryption primitive:
 * `rsadp(c)` is RSADP (RFC 8017 §5.1.2) on a k-byte ciphertext c < n, returning EM as k bytes (for
 * example OpenSSL's RSA without padding). Only `key.n` is read. The padding checks and the selection
 * of M or `fallback` are the constant-time code above, whoever does the modular exponentiation.
 */
export function decryptPremasterWith(
  key: RsaPublicKey,
  rsadp: (ciphertext: Uint8Array) => Uint8Array,
  ciphertext: Uint8Array,
  expectedLength: number,
  fallback: Uint8Array,
  clientVersion?: number,
): PremasterResult {
  if (fallback.length !== expectedLength) {
    throw new CryptoError('invalid-input', 'pkcs1DecryptPremaster: fallback must be expectedLength bytes');
  }
  const v = clientVersion;
  if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 0xffff && expectedLength >= 2)) {
    throw new CryptoError('invalid-input', 'pkcs1DecryptPremaster: clientVersion must be a u16 inside the message');
  }
  const k = modulusLength(key.n);
  const sep = k - expectedLength - 1; // EM[sep] is the separator; PS = EM[2..sep-1]
  // The key size, the ciphertext's length and whether it is below n are public (the sender knows them).
  if (sep < 10) return { ok: false, message: fallback.slice() }; // no room for 8 bytes of PS
  const publicBad = ciphertext.length !== k || os2ip(ciphertext) >= key.n ? 1 : 0;
  const em = rsadp(publicBad ? new Uint8Array(k) : ciphertext);
  const bad = publicBad | (em.length === k ? premasterEncodingBad(em, sep, v) : 1);
  const mask = (bad - 1) & 0xff; // 0xff when good, 0x00 when bad
  const message = new Uint8Array(expectedLength);
  for (let i = 0; i < expectedLength; i++) message[i] = ((em[sep + 1 + i] ?? 0) & mask) | (fallback[i]! & ~mask);
  em.fill(0);
  return { ok: bad === 0, message };
}

/**
 * Plain RSAES-PKCS1-V1_5-DECRYPT (RFC 8017 §7.2.2). Throws on any error: for tests and tools, never
 * for a TLS server (use {@link pkcs1DecryptPremaster}).
 * @throws CryptoError `invalid-input` ("decryption error")
 */
export function pkcs1Decrypt(key: RsaPrivateKey, ciphertext: Uint8Array): Uint8Array {
  const k = modulusLength(key.n);
  const fail = () => new CryptoError('invalid-input', 'RSAES-PKCS1-v1_5: decryption error');
  if (ciphertext.length !== k || k < 11) throw fail();
  const c = os2ip(ciphertext);
  if (c >= key.n) throw fail();
  const em = i2osp(privateOp(key, c), k);
  if (em[0] !== 0 || em[1] !== 2) throw fail();
  const sep = em.indexOf(0, 2);
  if (sep < 10) throw fail();
  return em.slice(sep + 1);
}

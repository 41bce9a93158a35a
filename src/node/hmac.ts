/**
 * HMAC (RFC 2104 §2) from two one-shot digests, `H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ text))`, for the short
 * inputs of the TLS key schedules (RFC 8446 §7.1 HKDF, RFC 5246 §5 PRF).
 *
 * Why not `createHmac`: each call creates an `Hmac` object, a native wrapper that V8 must finalise in
 * a weak-handle callback when it dies. A resumed TLS 1.3 handshake makes about 25 of them per side, and
 * their finalisation was the largest single cost of the young-generation collections under load
 * (docs/performance.md). `crypto.hash` (Node ≥ 20.12) hashes in OpenSSL without creating an object, so
 * an HMAC here costs two crossings into C and no wrapper. Inputs above {@link ONE_SHOT_LIMIT} bytes go
 * to `createHmac` instead of being copied.
 * @module
 */
import { createHmac, hash as digestOnce } from 'node:crypto';
import { HASH_LENGTH, type HashName } from '../crypto/provider.js';
import { plain } from './crypto-keys.js';

export { hmacParts, ONE_SHOT_LIMIT };

/** Longest text (all parts together) that is copied into the scratch buffer; longer goes to `createHmac`. */
const ONE_SHOT_LIMIT = 1024;

/** Block length B of each hash (FIPS 180-4): HMAC pads the key to it. */
const BLOCK_LENGTH: Readonly<Record<HashName, number>> = { sha256: 64, sha384: 128, sha512: 128 };

/**
 * One buffer for the padded key and the text, reused by every call (the calls are synchronous), and its
 * views by length: `crypto.hash` takes exact-length views, and these are the same few lengths each time.
 */
const scratch = Buffer.alloc(128 + ONE_SHOT_LIMIT);
const views = new Map<number, Buffer>();

/** The scratch buffer's first `length` bytes (at most 1,153 distinct lengths, so the map is bounded). */
function view(length: number): Buffer {
  let v = views.get(length);
  if (!v) {
    v = scratch.subarray(0, length);
    views.set(length, v);
  }
  return v;
}

/** HMAC(key, parts[0] ‖ parts[1] ‖ …) with the hash `hash`, as a fresh array of HashLen bytes. */
function hmacParts(hash: HashName, key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
  let textLength = 0;
  for (const part of parts) textLength += part.length;
  if (textLength > ONE_SHOT_LIMIT) return viaHmacObject(hash, key, parts);
  const block = BLOCK_LENGTH[hash];
  const k = key.length > block ? digestOnce(hash, key, 'buffer') : key;
  const outerLength = block + HASH_LENGTH[hash];
  let offset = block;
  try {
    padKey(k, block, 0x36);
    for (const part of parts) {
      scratch.set(part, offset);
      offset += part.length;
    }
    // The inner hash as a 'binary' (latin1) string costs a fraction of a Buffer to make and collect.
    // It cannot be wiped; it is H(K ⊕ ipad ‖ text), which gives neither K nor the HMAC without K.
    const inner = digestOnce(hash, view(offset), 'binary');
    padKey(k, block, 0x5c);
    scratch.write(inner, block, 'binary');
    const out = digestOnce(hash, view(outerLength), 'buffer');
    return plain(out);
  } finally {
    scratch.fill(0, 0, Math.max(offset, outerLength));
    if (k !== key) k.fill(0);
  }
}

/** Writes K ⊕ pad, K zero-padded to `block` bytes, at the start of the scratch buffer. */
function padKey(key: Uint8Array, block: number, pad: number): void {
  for (let i = 0; i < block; i++) scratch[i] = (key[i] ?? 0) ^ pad;
}

/** The same HMAC through node's `Hmac` object, for long texts. */
function viaHmacObject(hash: HashName, key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
  const mac = createHmac(hash, key);
  for (const part of parts) mac.update(part);
  return plain(mac.digest());
}

/**
 * tlswire's key types as node:crypto `KeyObject`s, each created once per key object the caller passes
 * (cached in `WeakMap`s, so a certified key or a peer's certificate key is imported once, not per
 * handshake). Imports go through JWK, which node:crypto hands to OpenSSL as raw key material; DER
 * (PKCS#8, SPKI) would go through OpenSSL 3's generic decoders, about ten times slower.
 * Formats: RFC 7517/7518 (JWK RSA and EC members), RFC 8037 (OKP: Ed25519, X25519, X448).
 * @module
 */
import { createECDH, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { EcCurveName, PrivateKey, PublicKey, RsaPrivateKey } from '../crypto/provider.js';
import { i2osp, modulusLength } from '../crypto/rsa.js';

/** node:crypto's name of each NIST curve in JWK (`crv`) and in `createECDH`. */
export const JWK_CURVE: Readonly<Record<EcCurveName, string>> = {
  secp256r1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};
export const ECDH_CURVE: Readonly<Record<EcCurveName, string>> = {
  secp256r1: 'prime256v1',
  secp384r1: 'secp384r1',
  secp521r1: 'secp521r1',
};

/** base64url of bytes (JWK members). */
export function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** base64url of a positive integer, big-endian, minimal length (JWK RSA members). */
function b64uInt(x: bigint): string {
  return b64u(i2osp(x, modulusLength(x)));
}

/** A Buffer's bytes as a plain Uint8Array over the same memory (a Buffer's `slice()` is a view, not a copy). */
export function plain(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** An X25519 or X448 private key from its raw bytes (RFC 7748 scalar, clamped by OpenSSL as by noble). */
export function montgomeryPrivateKey(crv: 'X25519' | 'X448', d: Uint8Array): KeyObject {
  // node:crypto requires `x` to be a string and ignores it for a private key.
  return createPrivateKey({ key: { kty: 'OKP', crv, d: b64u(d), x: '' }, format: 'jwk' });
}

/** An X25519 or X448 public key from its raw u-coordinate. */
export function montgomeryPublicKey(crv: 'X25519' | 'X448', x: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv, x: b64u(x) }, format: 'jwk' });
}

/** The raw public key (u-coordinate or Edwards point encoding) of an OKP private or public key. */
export function okpRawPublic(key: KeyObject): Uint8Array {
  // A private OKP key's JWK carries `x` too: no public KeyObject needed (5× cheaper).
  const jwk = key.export({ format: 'jwk' });
  return plain(Buffer.from(jwk.x ?? '', 'base64url'));
}

/** True when `key` has the CRT components node:crypto needs to import an RSA private key. */
export function hasCrt(key: RsaPrivateKey): boolean {
  return (
    key.p !== undefined && key.q !== undefined && key.dp !== undefined && key.dq !== undefined && key.qi !== undefined
  );
}

function importPrivate(key: PrivateKey): KeyObject {
  switch (key.type) {
    case 'rsa': {
      const { n, e, d, p, q, dp, dq, qi } = key;
      if (p === undefined || q === undefined || dp === undefined || dq === undefined || qi === undefined) {
        throw new RangeError('an RSA private key without CRT components cannot be imported into node:crypto');
      }
      const jwk = { kty: 'RSA', n: b64uInt(n), e: b64uInt(e), d: b64uInt(d) };
      const crt = { p: b64uInt(p), q: b64uInt(q), dp: b64uInt(dp), dq: b64uInt(dq), qi: b64uInt(qi) };
      return createPrivateKey({ key: { ...jwk, ...crt }, format: 'jwk' });
    }
    case 'ec': {
      const ecdh = createECDH(ECDH_CURVE[key.curve]);
      ecdh.setPrivateKey(key.d);
      const point = plain(ecdh.getPublicKey());
      const half = (point.length - 1) / 2;
      const jwk = { kty: 'EC', crv: JWK_CURVE[key.curve], d: b64u(key.d) };
      const xy = { x: b64u(point.subarray(1, 1 + half)), y: b64u(point.subarray(1 + half)) };
      return createPrivateKey({ key: { ...jwk, ...xy }, format: 'jwk' });
    }
    case 'ed25519':
      return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64u(key.seed), x: '' }, format: 'jwk' });
  }
}

function importPublic(key: PublicKey): KeyObject {
  switch (key.type) {
    case 'rsa':
      return createPublicKey({ key: { kty: 'RSA', n: b64uInt(key.n), e: b64uInt(key.e) }, format: 'jwk' });
    case 'ec': {
      const half = (key.point.length - 1) / 2;
      if (key.point[0] !== 0x04 || !Number.isInteger(half)) throw new RangeError('EC point must be uncompressed');
      const xy = { x: b64u(key.point.subarray(1, 1 + half)), y: b64u(key.point.subarray(1 + half)) };
      return createPublicKey({ key: { kty: 'EC', crv: JWK_CURVE[key.curve], ...xy }, format: 'jwk' });
    }
    case 'ed25519':
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(key.key) }, format: 'jwk' });
  }
}

/** The `KeyObject` cached for `key` in `cache`, made by `create` on first use (a failure is not cached). */
function cached<K extends object>(cache: WeakMap<K, KeyObject>, key: K, create: (key: K) => KeyObject): KeyObject {
  let k = cache.get(key);
  if (!k) {
    k = create(key);
    cache.set(key, k);
  }
  return k;
}

/**
 * The `KeyObject`s of tlswire keys, created on first use and kept as long as the key object lives.
 * A key is treated as immutable once used (as a certified key is); a failed import is not cached.
 */
export class KeyObjectCache {
  readonly #private = new WeakMap<PrivateKey, KeyObject>();
  readonly #public = new WeakMap<PublicKey, KeyObject>();

  /** @throws RangeError or a node:crypto error when the key cannot be imported */
  privateKey(key: PrivateKey): KeyObject {
    return cached(this.#private, key, importPrivate);
  }

  /** @throws RangeError or a node:crypto error when the key cannot be imported (e.g. not a point) */
  publicKey(key: PublicKey): KeyObject {
    return cached(this.#public, key, importPublic);
  }
}

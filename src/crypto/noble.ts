/**
 * `NobleProvider`: the default {@link CryptoProvider}, pure TypeScript over the audited noble
 * libraries (@noble/hashes, @noble/ciphers, @noble/curves, @noble/post-quantum) and our own RSA
 * (`./rsa.ts`) and finite field DH (`./ffdhe.ts`, RFC 7919). Works in browsers and Node; imports
 * nothing from `node:*`.
 *
 * Every random input comes from the injected {@link RandomSource} (default: `crypto.getRandomValues`)
 * or from explicit arguments, so RFC traces replay byte for byte.
 * @module
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x448 } from '@noble/curves/ed448.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { concat } from '../bytes/hex.js';
import { FFDHE_GROUPS, FfdheExchange, type FfdheGroupName } from './ffdhe.js';
import { AesGcm } from './gcm.js';
import {
  type AeadContext,
  type AeadName,
  CryptoError,
  type CryptoProvider,
  checkAeadKey,
  checkAeadNonce,
  dhEncapsulate,
  type EcCurveName,
  type GroupName,
  HASH_LENGTH,
  type HashContext,
  type HashName,
  type KeyExchange,
  type KeyShareKeyPair,
  type KeyShareResponse,
  type PrivateKey,
  type PublicKey,
  type RandomSource,
  type RsaPublicKey,
  SIGNATURE_SCHEME_SPECS,
  type SignatureSchemeName,
  type SignOptions,
  wrongKeyError,
} from './provider.js';
import { pkcs1DecryptPremaster, pkcs1Encrypt, pkcs1Sign, pkcs1Verify, pssSign, pssVerify } from './rsa.js';

const NOBLE_HASH = { sha256, sha384, sha512 } as const;
const CURVES = { secp256r1: p256, secp384r1: p384, secp521r1: p521 } as const;
/** Field element length of each NIST curve in bytes. */
const COORD_LENGTH: Readonly<Record<EcCurveName, number>> = { secp256r1: 32, secp384r1: 48, secp521r1: 66 };

type NobleHash = ReturnType<(typeof sha256)['create']>;

class NobleHashContext implements HashContext {
  readonly hash: HashName;
  private readonly state: NobleHash;
  constructor(hash: HashName, state?: NobleHash) {
    this.hash = hash;
    this.state = state ?? (NOBLE_HASH[hash].create() as NobleHash);
  }
  update(data: Uint8Array): this {
    this.state.update(data);
    return this;
  }
  digest(): Uint8Array {
    return this.state.clone().digest();
  }
  clone(): HashContext {
    return new NobleHashContext(this.hash, this.state.clone());
  }
}

/**
 * AES-GCM keyed once ({@link AesGcm}: AES round keys and GHASH tables built in the constructor).
 */
class GcmContext implements AeadContext {
  readonly #gcm: AesGcm;
  constructor(
    readonly aead: AeadName,
    key: Uint8Array,
  ) {
    checkAeadKey(aead, key);
    this.#gcm = new AesGcm(key);
  }
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    checkAeadNonce(this.aead, nonce);
    return this.#gcm.seal(nonce, plaintext, aad);
  }
  open(nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Uint8Array | null {
    checkAeadNonce(this.aead, nonce);
    return this.#gcm.open(nonce, ciphertext, aad);
  }
  dispose(): void {
    this.#gcm.dispose();
  }
}

/**
 * ChaCha20-Poly1305 (RFC 8439) with a copy of the key. Its per-message setup (the Poly1305 key from
 * block 0) depends on the nonce, so there is nothing to precompute: each call is noble's one-shot.
 */
class ChaChaContext implements AeadContext {
  readonly aead = 'chacha20-poly1305';
  readonly #key: Uint8Array;
  constructor(key: Uint8Array) {
    checkAeadKey(this.aead, key);
    this.#key = new Uint8Array(key); // a copy (a Buffer's slice() would be a view)
  }
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    checkAeadNonce(this.aead, nonce);
    return chacha20poly1305(this.#key, nonce, aad).encrypt(plaintext);
  }
  open(nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Uint8Array | null {
    checkAeadNonce(this.aead, nonce);
    if (ciphertext.length < 16) return null;
    try {
      return chacha20poly1305(this.#key, nonce, aad).decrypt(ciphertext);
    } catch {
      return null;
    }
  }
  dispose(): void {
    this.#key.fill(0);
  }
}

function invalidShare(group: GroupName, detail: string): CryptoError {
  return new CryptoError('invalid-share', `${group}: ${detail}`);
}

/** The Montgomery curves of RFC 7748: their functions, key length, and name in messages. */
const MONTGOMERY = {
  x25519: { curve: x25519, length: 32, label: 'X25519' },
  x448: { curve: x448, length: 56, label: 'X448' },
} as const;

/**
 * X25519 or X448 key exchange (RFC 8446 §4.2.8.2: the raw RFC 7748 public keys as shares); rejects the
 * all-zero shared secret (RFC 8446 §7.4.2, RFC 7748 §6.1, §6.2). Errors name `reportAs`: the group
 * itself, or the hybrid it is the half of. The curve arithmetic is noble's; a subclass may do it
 * elsewhere (NodeCryptoProvider: OpenSSL) by overriding {@link publicKey} and {@link rawAgree}.
 */
export class MontgomeryExchange implements KeyExchange {
  readonly clientShareLength: number;
  readonly serverShareLength: number;
  constructor(
    readonly group: keyof typeof MONTGOMERY,
    private readonly random: RandomSource,
    private readonly reportAs: GroupName = group,
  ) {
    this.clientShareLength = MONTGOMERY[group].length;
    this.serverShareLength = this.clientShareLength;
  }
  generate(secret?: Uint8Array): KeyShareKeyPair {
    const { length } = MONTGOMERY[this.group];
    const privateKey = secret ? secret.slice() : this.random(length);
    if (privateKey.length !== length) throw new RangeError(`${this.group}: private key must be ${length} bytes`);
    return { group: this.group, privateKey, share: this.publicKey(privateKey) };
  }
  encapsulate(clientShare: Uint8Array, secret?: Uint8Array): KeyShareResponse {
    return dhEncapsulate(this, clientShare, secret);
  }
  decapsulate(privateKey: Uint8Array, peer: Uint8Array): Uint8Array {
    const { length, label } = MONTGOMERY[this.group];
    if (peer.length !== length) {
      throw invalidShare(this.reportAs, `${label} share must be ${length} bytes, got ${peer.length}`);
    }
    let shared: Uint8Array;
    try {
      shared = this.rawAgree(privateKey, peer);
    } catch {
      throw invalidShare(this.reportAs, `${label} shared secret is all zero`);
    }
    let acc = 0;
    for (let i = 0; i < shared.length; i++) acc |= shared[i]!;
    if (acc === 0) throw invalidShare(this.reportAs, `${label} shared secret is all zero`);
    return shared;
  }
  /** The public key (u-coordinate) of a raw private key (RFC 7748 §6). */
  protected publicKey(privateKey: Uint8Array): Uint8Array {
    return MONTGOMERY[this.group].curve.getPublicKey(privateKey);
  }
  /** X25519/X448 (RFC 7748 §5) of a private key and a peer's u-coordinate; may throw for a small-order peer. */
  protected rawAgree(privateKey: Uint8Array, peer: Uint8Array): Uint8Array {
    return MONTGOMERY[this.group].curve.getSharedSecret(privateKey, peer);
  }
}

/**
 * ECDHE over a NIST curve with uncompressed points (RFC 8446 §4.2.8.2) and the x-coordinate as secret
 * (§7.4.2). Private keys come from noble (validity check, seed → scalar), so injected secrets and
 * random sources give the same keys in every provider; the point arithmetic is noble's unless a subclass
 * overrides {@link publicKey} and {@link sharedX} (NodeCryptoProvider: OpenSSL).
 */
export class NistExchange implements KeyExchange {
  readonly clientShareLength: number;
  readonly serverShareLength: number;
  constructor(
    readonly group: EcCurveName,
    private readonly random: RandomSource,
  ) {
    this.clientShareLength = 1 + 2 * COORD_LENGTH[group];
    this.serverShareLength = this.clientShareLength;
  }
  generate(secret?: Uint8Array): KeyShareKeyPair {
    const curve = CURVES[this.group];
    let privateKey: Uint8Array;
    if (secret) {
      privateKey = secret.slice();
      if (!curve.utils.isValidSecretKey(privateKey)) throw new RangeError(`${this.group}: invalid private key`);
    } else {
      const seed = this.random(curve.lengths.seed ?? COORD_LENGTH[this.group] + 16);
      privateKey = curve.utils.randomSecretKey(seed);
      seed.fill(0);
    }
    return { group: this.group, privateKey, share: this.publicKey(privateKey) };
  }
  encapsulate(clientShare: Uint8Array, secret?: Uint8Array): KeyShareResponse {
    return dhEncapsulate(this, clientShare, secret);
  }
  decapsulate(privateKey: Uint8Array, peer: Uint8Array): Uint8Array {
    if (peer.length !== this.clientShareLength || peer[0] !== 0x04) {
      throw invalidShare(this.group, 'share must be an uncompressed point (04 ‖ X ‖ Y)');
    }
    try {
      return this.sharedX(privateKey, peer);
    } catch {
      throw invalidShare(this.group, 'share is not a point on the curve');
    }
  }
  /** The uncompressed public point 04 ‖ X ‖ Y of a private scalar. */
  protected publicKey(privateKey: Uint8Array): Uint8Array {
    return CURVES[this.group].getPublicKey(privateKey, false);
  }
  /** The x-coordinate of privateKey·peer (RFC 8446 §7.4.2); throws when `peer` is not on the curve. */
  protected sharedX(privateKey: Uint8Array, peer: Uint8Array): Uint8Array {
    const point = CURVES[this.group].getSharedSecret(privateKey, peer, true);
    const x = point.slice(1);
    point.fill(0);
    return x;
  }
}

const MLKEM_EK = 1184;
const MLKEM_DK = 2400;
const MLKEM_CT = 1088;

/**
 * X25519MLKEM768 (0x11EC), draft-ietf-tls-ecdhe-mlkem: the ML-KEM part comes FIRST in every field:
 * client share = ML-KEM-768 encapsulation key (1184) ‖ X25519 public key (32); server share =
 * ML-KEM-768 ciphertext (1088) ‖ X25519 public key (32); shared secret = ML-KEM shared secret (32) ‖
 * X25519 shared secret (32). (Unlike SecP256r1MLKEM768, where the ECDH part comes first.) rustls
 * (`post_quantum_first: true`) and OpenSSL (EVP_PKEY-MLX-KEM) use the same order.
 * The client private key is the ML-KEM decapsulation key (2400) ‖ the X25519 private key (32).
 *
 * ML-KEM-768 is noble's; the X25519 half is any X25519 {@link KeyExchange} (noble's here, OpenSSL's in
 * NodeCryptoProvider), which should name this group in its errors.
 */
export class X25519MlKem768Exchange implements KeyExchange {
  readonly group = 'X25519MLKEM768';
  readonly clientShareLength = MLKEM_EK + 32;
  readonly serverShareLength = MLKEM_CT + 32;
  constructor(
    private readonly random: RandomSource,
    private readonly x25519: KeyExchange = new MontgomeryExchange('x25519', random, 'X25519MLKEM768'),
  ) {}
  generate(secret?: Uint8Array): KeyShareKeyPair {
    if (secret && secret.length !== 96) throw new RangeError('X25519MLKEM768: secret must be 64 + 32 bytes');
    const input = secret ? secret.slice() : this.random(96);
    const { publicKey: ek, secretKey: dk } = ml_kem768.keygen(input.subarray(0, 64));
    const x = this.x25519.generate(input.subarray(64, 96));
    input.fill(0);
    const share = concat(ek, x.share);
    const privateKey = concat(dk, x.privateKey);
    dk.fill(0);
    x.privateKey.fill(0);
    return { group: this.group, privateKey, share };
  }
  encapsulate(clientShare: Uint8Array, secret?: Uint8Array): KeyShareResponse {
    if (clientShare.length !== this.clientShareLength) {
      throw invalidShare(this.group, `client share must be ${this.clientShareLength} bytes, got ${clientShare.length}`);
    }
    if (secret && secret.length !== 64) throw new RangeError('X25519MLKEM768: secret must be 32 + 32 bytes');
    const input = secret ? secret.slice() : this.random(64);
    let kem: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      kem = ml_kem768.encapsulate(clientShare.subarray(0, MLKEM_EK), input.subarray(0, 32));
    } catch {
      input.fill(0);
      throw invalidShare(this.group, 'invalid ML-KEM-768 encapsulation key');
    }
    let x: KeyShareResponse;
    try {
      x = this.x25519.encapsulate(clientShare.subarray(MLKEM_EK), input.subarray(32, 64));
    } finally {
      input.fill(0);
    }
    const share = concat(kem.cipherText, x.share);
    const sharedSecret = concat(kem.sharedSecret, x.sharedSecret);
    kem.sharedSecret.fill(0);
    x.sharedSecret.fill(0);
    return { group: this.group, share, sharedSecret };
  }
  decapsulate(privateKey: Uint8Array, serverShare: Uint8Array): Uint8Array {
    if (privateKey.length !== MLKEM_DK + 32) throw new RangeError('X25519MLKEM768: bad private key length');
    if (serverShare.length !== this.serverShareLength) {
      throw invalidShare(this.group, `server share must be ${this.serverShareLength} bytes, got ${serverShare.length}`);
    }
    // decapsulate() wipes the secret key it is given, so hand it a copy.
    const dk = privateKey.slice(0, MLKEM_DK);
    const kemShared = ml_kem768.decapsulate(serverShare.subarray(0, MLKEM_CT), dk);
    dk.fill(0);
    const xShared = this.x25519.decapsulate(privateKey.subarray(MLKEM_DK), serverShare.subarray(MLKEM_CT));
    const out = concat(kemShared, xShared);
    kemShared.fill(0);
    xShared.fill(0);
    return out;
  }
}

/** Options of {@link NobleProvider}. */
export interface NobleProviderOptions {
  /** Random source; default `crypto.getRandomValues` via @noble/hashes. */
  random?: RandomSource;
}

/**
 * The default pure-TypeScript {@link CryptoProvider}.
 * @example
 * const p = new NobleProvider();
 * const kx = p.keyExchange('x25519').generate();
 */
export class NobleProvider implements CryptoProvider {
  private readonly source: RandomSource;
  private readonly exchanges = new Map<GroupName, KeyExchange>();

  constructor(options: NobleProviderOptions = {}) {
    this.source = options.random ?? ((n) => randomBytes(n));
  }

  random(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`random: bad length ${n}`);
    const out = this.source(n);
    if (out.length !== n)
      throw new CryptoError('invalid-input', `random source returned ${out.length} bytes, not ${n}`);
    return out;
  }

  hash(hash: HashName, data: Uint8Array): Uint8Array {
    return NOBLE_HASH[hash](data);
  }

  createHash(hash: HashName): HashContext {
    if (!(hash in NOBLE_HASH)) throw new CryptoError('unsupported', `unknown hash ${String(hash)}`);
    return new NobleHashContext(hash);
  }

  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
    return hmac(NOBLE_HASH[hash], key, data);
  }

  hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
    return extract(NOBLE_HASH[hash], ikm, salt.length ? salt : new Uint8Array(HASH_LENGTH[hash]));
  }

  hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    if (length > 255 * HASH_LENGTH[hash]) throw new RangeError('HKDF-Expand: length > 255 * HashLen');
    return expand(NOBLE_HASH[hash], prk, info, length);
  }

  /** {@link AeadContext.seal} on a context keyed for this one call. */
  aeadSeal(aead: AeadName, key: Uint8Array, ...input: Parameters<AeadContext['seal']>): Uint8Array {
    return this.once(aead, key, (ctx) => ctx.seal(...input));
  }

  /** {@link AeadContext.open} on a context keyed for this one call. */
  aeadOpen(aead: AeadName, key: Uint8Array, ...input: Parameters<AeadContext['open']>): Uint8Array | null {
    return this.once(aead, key, (ctx) => ctx.open(...input));
  }

  /** `op` on a context keyed with `key`, disposed after it (the one-shot AEAD methods). */
  private once<T>(aead: AeadName, key: Uint8Array, op: (ctx: AeadContext) => T): T {
    const ctx = this.aead(aead, key);
    try {
      return op(ctx);
    } finally {
      ctx.dispose();
    }
  }

  aead(aead: AeadName, key: Uint8Array): AeadContext {
    return aead === 'chacha20-poly1305' ? new ChaChaContext(key) : new GcmContext(aead, key);
  }

  keyExchange(group: GroupName): KeyExchange {
    let kx = this.exchanges.get(group);
    if (kx) return kx;
    const random = (n: number) => this.random(n);
    if (group === 'x25519' || group === 'x448') kx = new MontgomeryExchange(group, random);
    else if (group in FFDHE_GROUPS) kx = new FfdheExchange(FFDHE_GROUPS[group as FfdheGroupName], random);
    else if (group === 'X25519MLKEM768') kx = new X25519MlKem768Exchange(random);
    else if (group === 'secp256r1' || group === 'secp384r1' || group === 'secp521r1')
      kx = new NistExchange(group, random);
    else throw new CryptoError('unsupported', `unsupported group ${String(group)}`);
    this.exchanges.set(group, kx);
    return kx;
  }

  sign(scheme: SignatureSchemeName, key: PrivateKey, message: Uint8Array, options: SignOptions = {}): Uint8Array {
    const spec = SIGNATURE_SCHEME_SPECS[scheme];
    if (!spec) throw new CryptoError('unsupported', `unsupported signature scheme ${String(scheme)}`);
    switch (spec.kind) {
      case 'ecdsa': {
        if (key.type !== 'ec' || key.curve !== spec.curve) throw wrongKeyError(scheme, key);
        const entropy = options.entropy === undefined ? this.random(32) : options.entropy;
        // prehash: the curve's own hash, which is the scheme's hash for all three schemes.
        return CURVES[spec.curve].sign(message, key.d, { prehash: true, format: 'der', extraEntropy: entropy });
      }
      case 'ed25519':
        if (key.type !== 'ed25519') throw wrongKeyError(scheme, key);
        return ed25519.sign(message, key.seed);
      case 'pss': {
        if (key.type !== 'rsa' || Boolean(key.pss) !== spec.pssKey) throw wrongKeyError(scheme, key);
        const hLen = HASH_LENGTH[spec.hash];
        const salt = options.salt ?? this.random(hLen);
        if (salt.length !== hLen) throw new RangeError(`${scheme}: salt must be ${hLen} bytes`);
        return pssSign(key, spec.hash, message, salt);
      }
      case 'pkcs1':
        if (key.type !== 'rsa' || key.pss) throw wrongKeyError(scheme, key);
        return pkcs1Sign(key, spec.hash, message);
    }
  }

  verify(scheme: SignatureSchemeName, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
    const spec = SIGNATURE_SCHEME_SPECS[scheme];
    if (!spec) return false;
    try {
      switch (spec.kind) {
        case 'ecdsa':
          if (key.type !== 'ec' || key.curve !== spec.curve) return false;
          // lowS: false, as OpenSSL and other peers produce high-S signatures too.
          return CURVES[spec.curve].verify(signature, message, key.point, {
            prehash: true,
            format: 'der',
            lowS: false,
          });
        case 'ed25519':
          if (key.type !== 'ed25519') return false;
          // zip215: false selects the RFC 8032 §5.1.7 checks (canonical encodings).
          return ed25519.verify(signature, message, key.key, { zip215: false });
        case 'pss':
          if (key.type !== 'rsa' || Boolean(key.pss) !== spec.pssKey) return false;
          return pssVerify(key, spec.hash, message, signature, HASH_LENGTH[spec.hash]);
        case 'pkcs1':
          if (key.type !== 'rsa' || key.pss) return false;
          return pkcs1Verify(key, spec.hash, message, signature);
      }
    } catch {
      return false;
    }
  }

  rsaEncrypt(key: RsaPublicKey, message: Uint8Array): Uint8Array {
    return pkcs1Encrypt(key, message, (n) => this.random(n));
  }

  /** {@link pkcs1DecryptPremaster} as it is: it needs nothing from the provider. */
  rsaDecryptPremaster(...args: Parameters<typeof pkcs1DecryptPremaster>): ReturnType<typeof pkcs1DecryptPremaster> {
    return pkcs1DecryptPremaster(...args);
  }
}

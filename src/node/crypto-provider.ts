/**
 * `NodeCryptoProvider`: a {@link CryptoProvider} on node:crypto's synchronous APIs (OpenSSL), for
 * OpenSSL-class speed on Node; browsers keep {@link NobleProvider}. Same contract and same outputs:
 * SHA-2 (FIPS 180-4), HMAC (RFC 2104), HKDF (RFC 5869), AES-GCM and ChaCha20-Poly1305 (RFC 5116,
 * RFC 8439) keyed once per epoch, the key exchanges of `./crypto-key-exchange.ts`, ECDSA / Ed25519 /
 * RSA-PSS / RSASSA-PKCS1-v1_5 (RFC 8446 §4.2.3, RFC 8017) with `KeyObject`s created once per key, and
 * RSAES-PKCS1-v1_5 with the RFC 5246 §7.4.7.1 countermeasure.
 *
 * What node:crypto cannot do, and what is done instead (by NobleProvider code, same results):
 * - Injected signature randomness: OpenSSL draws the RSA-PSS salt, the ECDSA nonce and the PKCS#1
 *   encryption padding itself. So a `sign` with `SignOptions.salt` / `entropy`, and — when the provider
 *   was given its own {@link RandomSource} — every RSA-PSS / ECDSA signature and `rsaEncrypt`, go
 *   through NobleProvider with the bytes from that source: RFC traces replay byte for byte.
 * - RSA private keys without CRT components (node:crypto imports RSA private keys only with them).
 * - Groups without a native implementation here (the RFC 7919 FFDHE groups) are NobleProvider's.
 * - RSA PKCS#1 v1.5 decryption: Node ≥ 20.11.1 refuses RSA_PKCS1_PADDING in `privateDecrypt`
 *   (CVE-2023-46809), and a padding error must not be observable anyway; OpenSSL does the raw RSA
 *   operation (RSA_NO_PADDING, blinded) and `decryptPremasterWith` (src/crypto/rsa.ts) does the
 *   constant-time padding check and selection that NobleProvider uses.
 * @module
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  hash as digestOnce,
  type Hash,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  privateDecrypt,
  publicEncrypt,
  randomFillSync,
  type SigningOptions,
} from 'node:crypto';
import { NobleProvider } from '../crypto/noble.js';
import {
  AEAD_TAG_LENGTH,
  type AeadContext,
  type AeadName,
  CryptoError,
  type CryptoProvider,
  checkAeadKey,
  checkAeadNonce,
  type GroupName,
  HASH_LENGTH,
  type HashContext,
  type HashName,
  type KeyExchange,
  type PremasterInput,
  type PremasterResult,
  type PrivateKey,
  type PublicKey,
  type RandomSource,
  type RsaPrivateKey,
  type RsaPublicKey,
  SIGNATURE_SCHEME_SPECS,
  type SignatureSchemeName,
  type SignatureSchemeSpec,
  type SignOptions,
  wrongKeyError,
} from '../crypto/provider.js';
import { decryptPremasterWith, modulusLength } from '../crypto/rsa.js';
import { nodeKeyExchange } from './crypto-key-exchange.js';
import { hasCrt, KeyObjectCache, plain } from './crypto-keys.js';
import { hmacParts } from './hmac.js';

/** Input a {@link NodeHashContext} keeps as bytes before it moves to a node:crypto `Hash`. */
const HASH_BUFFER_LIMIT = 2048;

/**
 * An incremental hash that holds its first {@link HASH_BUFFER_LIMIT} bytes of input itself and digests
 * them in one `crypto.hash` call, moving to a node:crypto `Hash` only past that. A resumed handshake's
 * whole transcript fits, so its snapshots (digest, clone) create no native `Hash` objects, whose
 * finalisation in garbage collection costs more than hashing a few hundred bytes again.
 */
class NodeHashContext implements HashContext {
  #bytes: Uint8Array | undefined;
  #length: number;
  #state: Hash | undefined;

  constructor(
    readonly hash: HashName,
    bytes: Uint8Array | undefined,
    length: number,
    state: Hash | undefined,
  ) {
    this.#bytes = bytes;
    this.#length = length;
    this.#state = state;
  }
  update(data: Uint8Array): this {
    if (this.#state) this.#state.update(data);
    else if (this.#length + data.length <= HASH_BUFFER_LIMIT) this.#append(data);
    else {
      this.#state = createHash(this.hash).update(this.#held());
      this.#state.update(data);
      this.#bytes = undefined;
    }
    return this;
  }
  digest(): Uint8Array {
    if (this.#state) return plain(this.#state.copy().digest());
    return plain(digestOnce(this.hash, this.#held(), 'buffer'));
  }
  clone(): HashContext {
    if (this.#state) return new NodeHashContext(this.hash, undefined, 0, this.#state.copy());
    return new NodeHashContext(this.hash, this.#held().slice(), this.#length, undefined);
  }
  #held(): Uint8Array {
    return this.#bytes ? this.#bytes.subarray(0, this.#length) : EMPTY;
  }
  #append(data: Uint8Array): void {
    const need = this.#length + data.length;
    if (!this.#bytes || this.#bytes.length < need) {
      const grown = new Uint8Array(Math.min(HASH_BUFFER_LIMIT, Math.max(need, 2 * (this.#bytes?.length ?? 256))));
      if (this.#bytes) grown.set(this.#held());
      this.#bytes = grown;
    }
    this.#bytes.set(data, this.#length);
    this.#length = need;
  }
}

const EMPTY = new Uint8Array(0);

function checkHash(hash: HashName): void {
  if (HASH_LENGTH[hash] === undefined) throw new CryptoError('unsupported', `unknown hash ${String(hash)}`);
}

/** Options of both ciphers: the 16-byte tag (ChaCha20-Poly1305 needs it said). */
const TAG = { authTagLength: AEAD_TAG_LENGTH } as const;

/**
 * An AEAD keyed once: each message is one `createCipheriv` / `createDecipheriv`. The key is a copy until
 * its second message, then a secret `KeyObject` (OpenSSL holds it) and the copy is wiped: most handshake
 * epochs carry one record, and a `KeyObject` costs more to make and collect than it saves for one.
 * `dispose` drops the key; the context then throws.
 */
class NodeAeadContext implements AeadContext {
  #raw: Uint8Array | undefined;
  #key: KeyObject | undefined;
  #used = false;
  constructor(
    readonly aead: AeadName,
    key: Uint8Array,
  ) {
    checkAeadKey(aead, key);
    this.#raw = new Uint8Array(key); // a copy (a Buffer's slice() would be a view)
  }
  #live(nonce: Uint8Array): KeyObject | Uint8Array {
    checkAeadNonce(this.aead, nonce);
    if (this.#key) return this.#key;
    const raw = this.#raw;
    if (!raw) throw new Error(`${this.aead}: context disposed`);
    if (!this.#used) {
      this.#used = true;
      return raw;
    }
    this.#key = createSecretKey(raw); // OpenSSL's copy
    raw.fill(0);
    this.#raw = undefined;
    return this.#key;
  }
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    const out = new Uint8Array(plaintext.length + AEAD_TAG_LENGTH);
    this.sealInto(nonce, [plaintext], aad, out, 0);
    return out;
  }
  /** Each part goes through `update` as it is (GCM and ChaCha20 are stream modes: output = input length). */
  sealInto(nonce: Uint8Array, parts: readonly Uint8Array[], aad: Uint8Array, out: Uint8Array, offset: number): number {
    const cipher = createCipheriv(this.aead as 'aes-128-gcm', this.#live(nonce), nonce, TAG);
    cipher.setAAD(aad);
    let at = offset;
    for (const part of parts) {
      const body = cipher.update(part);
      out.set(body, at);
      at += body.length;
    }
    const tail = cipher.final();
    out.set(tail, at);
    out.set(cipher.getAuthTag(), at + tail.length);
    return at + tail.length + AEAD_TAG_LENGTH - offset;
  }
  open(nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Uint8Array | null {
    const key = this.#live(nonce);
    if (ciphertext.length < AEAD_TAG_LENGTH) return null;
    const split = ciphertext.length - AEAD_TAG_LENGTH;
    const decipher = createDecipheriv(this.aead as 'aes-128-gcm', key, nonce, TAG);
    decipher.setAuthTag(ciphertext.subarray(split));
    decipher.setAAD(aad);
    const body = decipher.update(ciphertext.subarray(0, split));
    try {
      decipher.final(); // throws when the tag does not match
    } catch {
      body.fill(0);
      return null;
    }
    return plain(body);
  }
  dispose(): void {
    this.#raw?.fill(0);
    this.#raw = undefined;
    this.#key = undefined;
  }
}

/**
 * HKDF-Expand's blocks after the first (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i), each
 * input one buffer, written into `out` after T(1) = `first`.
 */
function expandMore(hash: HashName, prk: Uint8Array, info: Uint8Array, first: Uint8Array, out: Uint8Array): void {
  const hashLength = first.length;
  const input = new Uint8Array(hashLength + info.length + 1);
  input.set(info, hashLength);
  let t = first;
  for (let i = 2, o = hashLength; o < out.length; i++, o += hashLength) {
    input.set(t, 0);
    input[input.length - 1] = i;
    if (t !== first) t.fill(0);
    t = hmacParts(hash, prk, [input]);
    out.set(t.subarray(0, Math.min(hashLength, out.length - o)), o);
  }
  t.fill(0);
  input.fill(0);
}

/** Size of NodeCryptoProvider's pool of random bytes, and the longest request served from it. */
const RANDOM_POOL_SIZE = 4096;
const POOLED_RANDOM_MAX = 256;

/** The block counter of HKDF-Expand's first block (RFC 5869 §2.3). */
const COUNTER_ONE = Uint8Array.of(1);

/** True when `key` is of the type the scheme signs or verifies with (as NobleProvider checks). */
function keyFits(spec: SignatureSchemeSpec, key: PrivateKey | PublicKey): boolean {
  switch (spec.kind) {
    case 'ecdsa':
      return key.type === 'ec' && key.curve === spec.curve;
    case 'ed25519':
      return key.type === 'ed25519';
    case 'pss':
      return key.type === 'rsa' && Boolean(key.pss) === spec.pssKey;
    case 'pkcs1':
      return key.type === 'rsa' && !key.pss;
  }
}

/** node:crypto's digest name and options of a scheme, for `sign` and `verify`. */
function nodeArgs(spec: SignatureSchemeSpec, key: KeyObject): [string | null, { key: KeyObject } & SigningOptions] {
  switch (spec.kind) {
    case 'ecdsa':
      return [spec.hash, { key, dsaEncoding: 'der' }];
    case 'ed25519':
      return [null, { key }];
    case 'pss':
      return [
        spec.hash,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
      ];
    case 'pkcs1':
      return [spec.hash, { key, padding: constants.RSA_PKCS1_PADDING }];
  }
}

/** Options of {@link NodeCryptoProvider}. */
export interface NodeCryptoProviderOptions {
  /**
   * Random source; default `crypto.randomFillSync`. When given, every random input comes from it, so
   * RSA-PSS and ECDSA signatures and RSA encryption are computed by NobleProvider's code (OpenSSL
   * cannot take their randomness): use it to replay traces, not for speed.
   */
  random?: RandomSource;
}

/**
 * The node:crypto {@link CryptoProvider}: OpenSSL's primitives behind tlswire's provider interface.
 * @example
 * import { NodeCryptoProvider } from 'tlswire/node';
 * const provider = new NodeCryptoProvider();
 */
export class NodeCryptoProvider implements CryptoProvider {
  readonly #source: RandomSource | undefined;
  /** NobleProvider over the same random source, for what node:crypto cannot do (see the module doc). */
  readonly #noble: NobleProvider;
  readonly #keys = new KeyObjectCache();
  readonly #exchanges = new Map<GroupName, KeyExchange>();
  readonly #pool = new Uint8Array(RANDOM_POOL_SIZE);
  /** Bytes of {@link #pool} already handed out (wiped); the pool starts empty. */
  #poolOffset = RANDOM_POOL_SIZE;

  constructor(options: NodeCryptoProviderOptions = {}) {
    this.#source = options.random;
    this.#noble = new NobleProvider({ random: (n) => this.random(n) });
  }

  random(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`random: bad length ${n}`);
    if (!this.#source) return n <= POOLED_RANDOM_MAX ? this.#pooledRandom(n) : randomFillSync(new Uint8Array(n));
    const out = this.#source(n);
    if (out.length !== n) {
      throw new CryptoError('invalid-input', `random source returned ${out.length} bytes, not ${n}`);
    }
    return out;
  }

  /**
   * `n` bytes from a pool that OpenSSL's generator fills 4 KiB at a time: one `randomFillSync` costs
   * ≈ 2 µs whatever its length, and a handshake asks for short values (randoms, key shares, nonces) six
   * or more times. Bytes handed out are wiped from the pool, so no value is given twice or kept.
   */
  #pooledRandom(n: number): Uint8Array {
    if (this.#poolOffset + n > RANDOM_POOL_SIZE) {
      randomFillSync(this.#pool);
      this.#poolOffset = 0;
    }
    const start = this.#poolOffset;
    this.#poolOffset += n;
    const out = this.#pool.slice(start, this.#poolOffset);
    this.#pool.fill(0, start, this.#poolOffset);
    return out;
  }

  hash(hash: HashName, data: Uint8Array): Uint8Array {
    checkHash(hash);
    return plain(digestOnce(hash, data, 'buffer'));
  }

  createHash(hash: HashName): HashContext {
    checkHash(hash);
    return new NodeHashContext(hash, undefined, 0, undefined);
  }

  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
    checkHash(hash);
    return hmacParts(hash, key, [data]);
  }

  /** HMAC(salt, IKM): an empty salt is HashLen zeros, which HMAC pads to the same key (RFC 2104 §2). */
  hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
    return this.hmac(hash, salt, ikm);
  }

  /**
   * HKDF-Expand (RFC 5869 §2.3) over HMAC: node's `hkdfSync` always extracts first, so it cannot
   * expand a PRK by itself. TLS asks for one or two blocks.
   */
  hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    checkHash(hash);
    const hashLength = HASH_LENGTH[hash];
    if (length > 255 * hashLength) throw new RangeError('HKDF-Expand: length > 255 * HashLen');
    // T(1) = HMAC(PRK, info | 0x01); the traffic secrets' case (one block of full length) is the digest itself.
    const t = hmacParts(hash, prk, [info, COUNTER_ONE]);
    if (length === hashLength) return t;
    const out = new Uint8Array(length);
    out.set(t.subarray(0, Math.min(hashLength, length)));
    if (length > hashLength) expandMore(hash, prk, info, t, out);
    t.fill(0);
    return out;
  }

  aeadSeal(aead: AeadName, key: Uint8Array, ...input: Parameters<AeadContext['seal']>): Uint8Array {
    return new NodeAeadContext(aead, key).seal(...input);
  }

  aeadOpen(aead: AeadName, key: Uint8Array, ...input: Parameters<AeadContext['open']>): Uint8Array | null {
    return new NodeAeadContext(aead, key).open(...input);
  }

  aead(aead: AeadName, key: Uint8Array): AeadContext {
    return new NodeAeadContext(aead, key);
  }

  keyExchange(group: GroupName): KeyExchange {
    let kx = this.#exchanges.get(group);
    if (kx) return kx;
    kx = nodeKeyExchange(group, (n) => this.random(n)) ?? this.#noble.keyExchange(group);
    this.#exchanges.set(group, kx);
    return kx;
  }

  sign(scheme: SignatureSchemeName, key: PrivateKey, message: Uint8Array, options: SignOptions = {}): Uint8Array {
    const spec = SIGNATURE_SCHEME_SPECS[scheme];
    if (!spec) throw new CryptoError('unsupported', `unsupported signature scheme ${String(scheme)}`);
    if (!keyFits(spec, key)) throw wrongKeyError(scheme, key);
    const randomized = spec.kind === 'ecdsa' || spec.kind === 'pss';
    const injected = options.salt !== undefined || options.entropy !== undefined || this.#source !== undefined;
    if ((randomized && injected) || (key.type === 'rsa' && !hasCrt(key))) {
      return this.#noble.sign(scheme, key, message, options);
    }
    try {
      const [digest, args] = nodeArgs(spec, this.#keys.privateKey(key));
      return plain(nodeSign(digest, message, args));
    } catch (e) {
      throw new CryptoError('invalid-key', `${scheme}: ${(e as Error).message}`);
    }
  }

  verify(scheme: SignatureSchemeName, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
    const spec = SIGNATURE_SCHEME_SPECS[scheme];
    if (!spec || !keyFits(spec, key)) return false;
    try {
      const keyObject = this.#keys.publicKey(key);
      // RFC 8017 §8.1.2 / §8.2.2 step 1: exactly k bytes (OpenSSL also takes a shorter S of the same value).
      const bits = key.type === 'rsa' ? (keyObject.asymmetricKeyDetails?.modulusLength ?? 0) : 0;
      if (key.type === 'rsa' && signature.length !== (bits + 7) >> 3) return false;
      const [digest, args] = nodeArgs(spec, keyObject);
      return nodeVerify(digest, message, args, signature);
    } catch {
      return false;
    }
  }

  rsaEncrypt(key: RsaPublicKey, message: Uint8Array): Uint8Array {
    if (this.#source) return this.#noble.rsaEncrypt(key, message);
    if (message.length > modulusLength(key.n) - 11) {
      throw new CryptoError('invalid-input', 'RSAES-PKCS1-v1_5: message too long');
    }
    const k = this.#keys.publicKey(key);
    return plain(publicEncrypt({ key: k, padding: constants.RSA_PKCS1_PADDING }, message));
  }

  rsaDecryptPremaster(key: RsaPrivateKey, ...input: PremasterInput): PremasterResult {
    if (!hasCrt(key)) return this.#noble.rsaDecryptPremaster(key, ...input);
    const k = this.#keys.privateKey(key);
    const rsadp = (c: Uint8Array) => plain(privateDecrypt({ key: k, padding: constants.RSA_NO_PADDING }, c));
    return decryptPremasterWith(key, rsadp, ...input);
  }
}

let shared: NodeCryptoProvider | undefined;

/**
 * The provider the Node adapter and the CLI use unless told otherwise: one NodeCryptoProvider per
 * process, so the `KeyObject`s of a server's certificate key are made once, not per connection.
 */
export function defaultNodeProvider(): NodeCryptoProvider {
  shared ??= new NodeCryptoProvider();
  return shared;
}

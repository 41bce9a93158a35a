/**
 * The `CryptoProvider` interface: every cryptographic primitive tlswire uses, behind one synchronous,
 * swappable object (as rustls' `CryptoProvider`). The default implementation is {@link NobleProvider}
 * in `./noble.ts` (pure TypeScript, runs in browsers).
 *
 * Replaying an RFC trace exactly needs every random input to be injectable: the provider's
 * {@link RandomSource}, the ephemeral private keys of key exchange (`generate(secret)`,
 * `encapsulate(peer, secret)`), and signature randomness (`sign(..., { salt | entropy })`).
 *
 * Conventions:
 * - AEAD `open` returns `null` when authentication fails (never throws for a bad tag); the record
 *   layer turns that into bad_record_mac.
 * - Malformed peer input (a key share that is not a point, a wrong length) throws {@link CryptoError}.
 * - Byte arrays returned by a provider are fresh copies the caller owns and may wipe.
 * - A provider never writes into the byte arrays it is given (the key schedule passes shared constant
 *   HkdfLabels as `info`).
 * @module
 */
import { TlswireError } from '../bytes/errors.js';
import { concat } from '../bytes/hex.js';
import { NamedGroup, SignatureScheme } from '../tls/enums.js';

/** Hash functions TLS uses for transcripts, HKDF and signatures. */
export type HashName = 'sha256' | 'sha384' | 'sha512';

/** Output length in bytes of each {@link HashName}. */
export const HASH_LENGTH: Readonly<Record<HashName, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** AEAD algorithms (RFC 5116 names in lower case). All use 12-byte nonces and 16-byte tags. */
export type AeadName = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** Key length in bytes of each {@link AeadName}. */
export const AEAD_KEY_LENGTH: Readonly<Record<AeadName, number>> = {
  'aes-128-gcm': 16,
  'aes-256-gcm': 32,
  'chacha20-poly1305': 32,
};

/** Nonce length of every AEAD here (RFC 5116 §5.1, RFC 8439 §2.8): 12 bytes. */
export const AEAD_NONCE_LENGTH = 12;
/** Authentication tag length of every AEAD here: 16 bytes. */
export const AEAD_TAG_LENGTH = 16;

/**
 * Checks a key for `aead`: the {@link AEAD_KEY_LENGTH} of a known AEAD.
 * @throws CryptoError `unsupported` for an unknown AEAD; RangeError for a key of the wrong length
 */
export function checkAeadKey(aead: AeadName, key: Uint8Array): void {
  const want = AEAD_KEY_LENGTH[aead];
  if (want === undefined) throw new CryptoError('unsupported', `unknown AEAD ${String(aead)}`);
  if (key.length !== want) throw new RangeError(`${aead}: key must be ${want} bytes, got ${key.length}`);
}

/**
 * Checks a nonce: {@link AEAD_NONCE_LENGTH} bytes.
 * @throws RangeError otherwise
 */
export function checkAeadNonce(aead: AeadName, nonce: Uint8Array): void {
  if (nonce.length !== AEAD_NONCE_LENGTH) throw new RangeError(`${aead}: nonce must be 12 bytes, got ${nonce.length}`);
}

/**
 * Key-exchange groups, by their TLS NamedGroup names (RFC 8446 §4.2.7: X25519 and X448 of RFC 7748,
 * the NIST curves, the RFC 7919 finite field groups; X25519MLKEM768 = 0x11EC from
 * draft-ietf-tls-ecdhe-mlkem).
 */
export type GroupName =
  | 'x25519'
  | 'secp256r1'
  | 'secp384r1'
  | 'secp521r1'
  | 'x448'
  | 'ffdhe2048'
  | 'ffdhe3072'
  | 'ffdhe4096'
  | 'ffdhe6144'
  | 'ffdhe8192'
  | 'X25519MLKEM768';

/**
 * Signature schemes, by their TLS SignatureScheme names (RFC 8446 §4.2.3).
 */
export type SignatureSchemeName =
  | 'ecdsa_secp256r1_sha256'
  | 'ecdsa_secp384r1_sha384'
  | 'ecdsa_secp521r1_sha512'
  | 'rsa_pss_rsae_sha256'
  | 'rsa_pss_rsae_sha384'
  | 'rsa_pss_rsae_sha512'
  | 'rsa_pss_pss_sha256'
  | 'rsa_pss_pss_sha384'
  | 'rsa_pss_pss_sha512'
  | 'ed25519'
  | 'rsa_pkcs1_sha256'
  | 'rsa_pkcs1_sha384'
  | 'rsa_pkcs1_sha512';

/** Every group {@link CryptoProvider.keyExchange} supports. */
export const GROUPS: readonly GroupName[] = Object.freeze([
  'x25519',
  'secp256r1',
  'secp384r1',
  'secp521r1',
  'x448',
  'ffdhe2048',
  'ffdhe3072',
  'ffdhe4096',
  'ffdhe6144',
  'ffdhe8192',
  'X25519MLKEM768',
]);

/**
 * How each signature scheme signs (RFC 8446 §4.2.3): the key it takes (an ECDSA key on `curve`, an
 * RSA key whose certificate is, or is not, id-RSASSA-PSS, an Ed25519 key) and its hash.
 */
export type SignatureSchemeSpec =
  | { readonly kind: 'ecdsa'; readonly curve: EcCurveName; readonly hash: HashName }
  | { readonly kind: 'pss'; readonly hash: HashName; readonly pssKey: boolean }
  | { readonly kind: 'pkcs1'; readonly hash: HashName }
  | { readonly kind: 'ed25519' };

/** Every scheme {@link CryptoProvider.sign} supports, and how it signs. */
export const SIGNATURE_SCHEME_SPECS: Readonly<Record<SignatureSchemeName, SignatureSchemeSpec>> = Object.freeze({
  ecdsa_secp256r1_sha256: { kind: 'ecdsa', curve: 'secp256r1', hash: 'sha256' },
  ecdsa_secp384r1_sha384: { kind: 'ecdsa', curve: 'secp384r1', hash: 'sha384' },
  ecdsa_secp521r1_sha512: { kind: 'ecdsa', curve: 'secp521r1', hash: 'sha512' },
  rsa_pss_rsae_sha256: { kind: 'pss', hash: 'sha256', pssKey: false },
  rsa_pss_rsae_sha384: { kind: 'pss', hash: 'sha384', pssKey: false },
  rsa_pss_rsae_sha512: { kind: 'pss', hash: 'sha512', pssKey: false },
  rsa_pss_pss_sha256: { kind: 'pss', hash: 'sha256', pssKey: true },
  rsa_pss_pss_sha384: { kind: 'pss', hash: 'sha384', pssKey: true },
  rsa_pss_pss_sha512: { kind: 'pss', hash: 'sha512', pssKey: true },
  ed25519: { kind: 'ed25519' },
  rsa_pkcs1_sha256: { kind: 'pkcs1', hash: 'sha256' },
  rsa_pkcs1_sha384: { kind: 'pkcs1', hash: 'sha384' },
  rsa_pkcs1_sha512: { kind: 'pkcs1', hash: 'sha512' },
});

/** Every scheme {@link CryptoProvider.sign} supports. */
export const SIGNATURE_SCHEMES: readonly SignatureSchemeName[] = Object.freeze(
  Object.keys(SIGNATURE_SCHEME_SPECS) as SignatureSchemeName[],
);

/** The error of signing with `scheme` and a key of another type (`invalid-key`). */
export function wrongKeyError(scheme: SignatureSchemeName, key: PrivateKey): CryptoError {
  const what = key.type === 'ec' ? `ec ${key.curve}` : key.type === 'rsa' && key.pss ? 'rsa-pss' : key.type;
  return new CryptoError('invalid-key', `${scheme}: cannot sign with a ${what} key`);
}

/** The supported group with NamedGroup code point `value`, or undefined. */
export function groupName(value: number): GroupName | undefined {
  return GROUPS.find((g) => NamedGroup[g] === value);
}

/** The supported signature scheme with SignatureScheme code point `value`, or undefined. */
export function signatureSchemeName(value: number): SignatureSchemeName | undefined {
  return SIGNATURE_SCHEMES.find((s) => SignatureScheme[s] === value);
}

/** NIST curves by their TLS names. */
export type EcCurveName = 'secp256r1' | 'secp384r1' | 'secp521r1';

/**
 * An RSA public key: modulus and public exponent (the JWK `n`, `e` members, as integers).
 * `pss` marks a key whose certificate says id-RSASSA-PSS (usable only with rsa_pss_pss_*).
 */
export interface RsaPublicKey {
  readonly type: 'rsa';
  readonly n: bigint;
  readonly e: bigint;
  readonly pss?: boolean;
}

/**
 * An RSA private key with its CRT components (RFC 8017 §3.2, the JWK member names).
 * `p`, `q`, `dp`, `dq`, `qi` are optional: without them the slower `m = c^d mod n` is used.
 */
export interface RsaPrivateKey {
  readonly type: 'rsa';
  readonly n: bigint;
  readonly e: bigint;
  readonly d: bigint;
  readonly p?: bigint;
  readonly q?: bigint;
  readonly dp?: bigint;
  readonly dq?: bigint;
  readonly qi?: bigint;
  readonly pss?: boolean;
}

/** An ECDSA public key: the uncompressed point `04 ‖ X ‖ Y` (SEC 1 §2.3.3). */
export interface EcPublicKey {
  readonly type: 'ec';
  readonly curve: EcCurveName;
  readonly point: Uint8Array;
}

/** An ECDSA private key: the scalar, big-endian, padded to the curve's byte length. */
export interface EcPrivateKey {
  readonly type: 'ec';
  readonly curve: EcCurveName;
  readonly d: Uint8Array;
}

/** An Ed25519 public key: the 32-byte encoding (RFC 8032 §5.1.5). */
export interface Ed25519PublicKey {
  readonly type: 'ed25519';
  readonly key: Uint8Array;
}

/** An Ed25519 private key: the 32-byte seed (RFC 8032 §5.1.5). */
export interface Ed25519PrivateKey {
  readonly type: 'ed25519';
  readonly seed: Uint8Array;
}

/** Any public key a signature can be verified with. */
export type PublicKey = RsaPublicKey | EcPublicKey | Ed25519PublicKey;
/** Any private key a signature can be made with. */
export type PrivateKey = RsaPrivateKey | EcPrivateKey | Ed25519PrivateKey;

/** A source of random bytes; must return `n` fresh bytes. Inject a fixed one to replay traces. */
export type RandomSource = (n: number) => Uint8Array;

/**
 * An incremental hash. `digest()` returns the hash of everything fed so far WITHOUT finalizing, so a
 * transcript can be read at every handshake step and keep growing.
 */
export interface HashContext {
  readonly hash: HashName;
  /** Feed more bytes; returns `this`. */
  update(data: Uint8Array): this;
  /** Hash of all input so far; the context stays usable. */
  digest(): Uint8Array;
  /** An independent copy of the current state. */
  clone(): HashContext;
}

/** Options of {@link CryptoProvider.sign}: injected randomness for exact replays. */
export interface SignOptions {
  /** RSA-PSS salt (must be hash-length bytes). Default: drawn from the provider's random source. */
  salt?: Uint8Array;
  /**
   * ECDSA: extra entropy mixed into the RFC 6979 deterministic nonce (RFC 6979 §3.6). `false` gives
   * the purely deterministic RFC 6979 signature. Default: 32 bytes from the random source.
   */
  entropy?: Uint8Array | false;
}

/** A client's ephemeral key pair for one group (the `key_share` it sends). */
export interface KeyShareKeyPair {
  readonly group: GroupName;
  /** Secret; wipe with {@link wipe} once the shared secret is derived. */
  readonly privateKey: Uint8Array;
  /** The `key_exchange` bytes of the KeyShareEntry (RFC 8446 §4.2.8). */
  readonly share: Uint8Array;
}

/** The server side of a key exchange: its `key_exchange` reply and the shared secret. */
export interface KeyShareResponse {
  readonly group: GroupName;
  readonly share: Uint8Array;
  /** The (EC)DHE/KEM shared secret, input to the handshake secret. Secret. */
  readonly sharedSecret: Uint8Array;
}

/**
 * One key-exchange group, shaped as a KEM so ECDHE and ML-KEM hybrids share one interface:
 * the client calls {@link generate} then {@link decapsulate}; the server calls {@link encapsulate}.
 */
export interface KeyExchange {
  readonly group: GroupName;
  /** Length of a client share in bytes. */
  readonly clientShareLength: number;
  /** Length of a server share in bytes. */
  readonly serverShareLength: number;
  /**
   * Client: make a key pair. `secret` injects the private input (ECDHE: the private scalar;
   * X25519MLKEM768: the 64-byte ML-KEM seed `d ‖ z` followed by the 32-byte X25519 private key).
   */
  generate(secret?: Uint8Array): KeyShareKeyPair;
  /**
   * Server: answer the client's share. `secret` injects the randomness (ECDHE: the server's private
   * scalar; X25519MLKEM768: the 32-byte ML-KEM message `m` followed by the 32-byte X25519 private key).
   * @throws CryptoError `invalid-share` when the client's share is malformed
   */
  encapsulate(clientShare: Uint8Array, secret?: Uint8Array): KeyShareResponse;
  /**
   * Client: derive the shared secret from its private key and the server's share.
   * @throws CryptoError `invalid-share` when the server's share is malformed
   */
  decapsulate(privateKey: Uint8Array, serverShare: Uint8Array): Uint8Array;
}

/**
 * {@link KeyExchange.encapsulate} of a Diffie-Hellman group (ECDHE, X25519/X448, FFDHE): a fresh key
 * pair from `generate(secret)`, its share, and `decapsulate` of its private key with the client's
 * share; the private key is wiped either way.
 * @throws CryptoError `invalid-share` when `decapsulate` refuses the client's share
 */
export function dhEncapsulate(kx: KeyExchange, clientShare: Uint8Array, secret?: Uint8Array): KeyShareResponse {
  const kp = kx.generate(secret);
  try {
    return { group: kx.group, share: kp.share, sharedSecret: kx.decapsulate(kp.privateKey, clientShare) };
  } finally {
    kp.privateKey.fill(0);
  }
}

/** Why a {@link CryptoError} was thrown; the TLS layer maps each reason to an alert. */
export type CryptoErrorReason =
  /** A peer's key share is malformed or not a valid point (illegal_parameter, RFC 8446 §4.2.8). */
  | 'invalid-share'
  /** A key is unusable for the requested operation (wrong type, size, curve). */
  | 'invalid-key'
  /** A message is too long for the key (RSA) or otherwise cannot be processed. */
  | 'invalid-input'
  /** The algorithm is not supported by this provider. */
  | 'unsupported';

/** A cryptographic operation failed on its inputs. */
export class CryptoError extends TlswireError {
  override name = 'CryptoError';
  readonly reason: CryptoErrorReason;
  constructor(reason: CryptoErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * An AEAD bound to one key (from {@link CryptoProvider.aead}): seals and opens many messages, each
 * under its own nonce, without redoing the key-dependent setup (AES key expansion, GHASH tables).
 * Record protection holds one per direction and epoch. Same conventions as the one-shot methods:
 * `seal` returns a fresh `ciphertext ‖ tag`, `open` returns a fresh plaintext or `null`.
 */
export interface AeadContext {
  readonly aead: AeadName;
  /** AEAD encrypt under `nonce` (12 bytes): returns `ciphertext ‖ tag` (RFC 5116 §2.1). */
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** AEAD decrypt: the plaintext, or `null` when authentication fails (RFC 5116 §2.2). */
  open(nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Uint8Array | null;
  /**
   * Optional: AEAD encrypt the concatenation of `parts` and write `ciphertext ‖ tag` into `out` at
   * `offset`; returns the bytes written (the plaintext length + 16). Record protection uses it to
   * build a record in place, without the copies `seal` costs; without it, {@link sealInto} falls
   * back to `seal`.
   */
  sealInto?(nonce: Uint8Array, parts: readonly Uint8Array[], aad: Uint8Array, out: Uint8Array, offset: number): number;
  /** Wipe the key material; the context is unusable afterwards. */
  dispose(): void;
}

/** The arguments of {@link AeadContext.sealInto}: nonce, plaintext parts, aad, out, offset. */
export type SealIntoInput = Parameters<NonNullable<AeadContext['sealInto']>>;

/**
 * AEAD encrypt the concatenation of `parts` into `out` at `offset` with `context`: its own
 * {@link AeadContext.sealInto} when it has one, else `seal` over the joined parts. Returns the bytes
 * written.
 */
export function sealInto(context: AeadContext, ...input: SealIntoInput): number {
  if (context.sealInto) return context.sealInto(...input);
  const [nonce, parts, aad, out, offset] = input;
  const plaintext = concat(...parts);
  const sealed = context.seal(nonce, plaintext, aad);
  plaintext.fill(0);
  out.set(sealed, offset);
  return sealed.length;
}

/**
 * The {@link AeadContext} of `key`: the provider's own when it has {@link CryptoProvider.aead}, else
 * one over its one-shot `aeadSeal`/`aeadOpen` (holding a copy of the key, wiped by `dispose`).
 */
export function aeadContext(provider: CryptoProvider, aead: AeadName, key: Uint8Array): AeadContext {
  if (provider.aead) return provider.aead(aead, key);
  const copy = new Uint8Array(key);
  return {
    aead,
    seal: (...input) => provider.aeadSeal(aead, copy, ...input),
    open: (...input) => provider.aeadOpen(aead, copy, ...input),
    dispose: () => copy.fill(0),
  };
}

/**
 * The arguments of {@link CryptoProvider.rsaDecryptPremaster} after the key: the ciphertext, the length
 * of the premaster secret, the `fallback` of that length returned on any padding error, and optionally
 * ClientHello.client_version to check M against.
 */
export type PremasterInput = [
  ciphertext: Uint8Array,
  expectedLength: number,
  fallback: Uint8Array,
  clientVersion?: number,
];

/** What {@link CryptoProvider.rsaDecryptPremaster} returns: `message` is M when `ok`, else `fallback`. */
export interface PremasterResult {
  ok: boolean;
  message: Uint8Array;
}

/**
 * Everything tlswire needs from cryptography, synchronous so state machines stay sans-IO.
 * All arrays passed in are only read; all arrays returned are fresh.
 */
export interface CryptoProvider {
  /** `n` cryptographically secure random bytes. */
  random(n: number): Uint8Array;

  /** One-shot hash. */
  hash(hash: HashName, data: Uint8Array): Uint8Array;
  /** A new incremental hash context. */
  createHash(hash: HashName): HashContext;
  /** HMAC (RFC 2104) with `hash`. */
  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-Extract(salt, IKM) → PRK (RFC 5869 §2.2). An empty salt means HashLen zeros. */
  hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  /** HKDF-Expand(PRK, info, L) → OKM (RFC 5869 §2.3). */
  hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;

  /** AEAD encrypt (nonce, plaintext, aad): returns `ciphertext ‖ tag` (RFC 5116 §2.1). */
  aeadSeal(aead: AeadName, key: Uint8Array, ...input: Parameters<AeadContext['seal']>): Uint8Array;
  /** AEAD decrypt (nonce, ciphertext, aad): the plaintext, or `null` when authentication fails (RFC 5116 §2.2). */
  aeadOpen(aead: AeadName, key: Uint8Array, ...input: Parameters<AeadContext['open']>): Uint8Array | null;
  /**
   * Optional: an AEAD context keyed once with `key` (copied), for sealing or opening many messages
   * under one key. Without it, {@link aeadContext} falls back to the one-shot methods.
   * @throws RangeError when the key length does not fit the AEAD
   */
  aead?(aead: AeadName, key: Uint8Array): AeadContext;

  /** The key exchange of a group. */
  keyExchange(group: GroupName): KeyExchange;

  /**
   * Sign `message` with `scheme` (RFC 8446 §4.2.3). ECDSA signatures are DER-encoded
   * (`ECDSA-Sig-Value`, as TLS carries them); RSA-PSS uses salt length = hash length.
   * @throws CryptoError `invalid-key` when the key does not fit the scheme
   */
  sign(scheme: SignatureSchemeName, key: PrivateKey, message: Uint8Array, options?: SignOptions): Uint8Array;
  /** Verify a signature; false on any mismatch or malformed signature (never throws for those). */
  verify(scheme: SignatureSchemeName, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean;

  /**
   * RSAES-PKCS1-v1_5 encryption (RFC 8017 §7.2.1), for TLS 1.2's RSA key exchange.
   * @throws CryptoError `invalid-input` when the message is longer than k - 11 bytes
   */
  rsaEncrypt(key: RsaPublicKey, message: Uint8Array): Uint8Array;
  /**
   * RSAES-PKCS1-v1_5 decryption for TLS 1.2's premaster secret with the RFC 5246 §7.4.7.1
   * countermeasure: never throws on bad padding; returns `{ ok, message }` where `message` is
   * always `expectedLength` bytes (the decrypted value when `ok`, else `fallback`). The work done
   * does not depend on where the padding check failed. With `clientVersion`, a message that does not
   * start with it counts as a padding error too (the second construction of §7.4.7.1).
   */
  rsaDecryptPremaster(key: RsaPrivateKey, ...input: PremasterInput): PremasterResult;
}

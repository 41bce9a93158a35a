/**
 * The TLS 1.2 key schedule for the AEAD cipher suites:
 *
 *     pre_master_secret ──PRF──▶ master_secret ──PRF──▶ key_block → client/server write key and IV
 *                                      ├──PRF──▶ Finished verify_data
 *                                      └──PRF──▶ exported keying material
 *
 * - the PRF, `P_SHA256` and `P_SHA384` (RFC 5246 §5);
 * - the master secret (RFC 5246 §8.1) and the extended master secret over the session hash (RFC 7627 §4);
 * - the key block and its split (RFC 5246 §6.3): no MAC keys for AEAD suites; a 4-byte salt for
 *   AES-GCM (RFC 5288 §3), a 12-byte IV for ChaCha20-Poly1305 (RFC 7905 §2);
 * - Finished verify_data (RFC 5246 §7.4.9); the exporter (RFC 5705 §4);
 * - the suite table (RFC 5288, RFC 5289, RFC 7905) and the `CLIENT_RANDOM` key log line.
 *
 * {@link Tls12MasterSecret} bundles a master secret with the connection's randoms and wipes it when
 * disposed; the free functions underneath it are exported for research and tests.
 * @module
 */
import { TlswireError } from '../bytes/errors.js';
import { concat, wipe } from '../bytes/hex.js';
import { CipherSuite } from '../tls/enums.js';
import { labelEncoder, type TrafficKeys } from './key-schedule.js';
import { KeyLogLabel, keyLogLine } from './keylog.js';
import { AEAD_KEY_LENGTH, type AeadName, type CryptoProvider, HASH_LENGTH, type HashName } from './provider.js';

/** How a TLS 1.2 suite agrees on the premaster secret and authenticates the server. */
export type Tls12KeyExchange = 'ecdhe_ecdsa' | 'ecdhe_rsa' | 'dhe_rsa' | 'rsa';

/** A TLS 1.2 AEAD cipher suite: the SecurityParameters it fixes (RFC 5246 §6.1, §A.6). */
export interface Tls12CipherSuite {
  /** The CipherSuite code point. */
  readonly value: number;
  readonly name:
    | 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'
    | 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'
    | 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'
    | 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'
    | 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'
    | 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'
    | 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'
    | 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384'
    | 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'
    | 'TLS_RSA_WITH_AES_128_GCM_SHA256'
    | 'TLS_RSA_WITH_AES_256_GCM_SHA384';
  readonly keyExchange: Tls12KeyExchange;
  /** The record protection AEAD (bulk_cipher_algorithm). */
  readonly aead: AeadName;
  /** The PRF hash, also the hash of the Finished transcript and of the session hash (RFC 5246 §7.4.9). */
  readonly hash: HashName;
  /** enc_key_length. */
  readonly keyLength: number;
  /** fixed_iv_length: the implicit nonce part taken from the key block (4 for AES-GCM, 12 for ChaCha20). */
  readonly fixedIvLength: 4 | 12;
  /** record_iv_length: the explicit nonce carried in each record (8 for AES-GCM, 0 for ChaCha20). */
  readonly recordIvLength: 8 | 0;
}

function suite(
  name: Tls12CipherSuite['name'],
  keyExchange: Tls12KeyExchange,
  aead: AeadName,
  hash: HashName,
): Tls12CipherSuite {
  const chacha = aead === 'chacha20-poly1305';
  return Object.freeze({
    value: CipherSuite[name],
    name,
    keyExchange,
    aead,
    hash,
    keyLength: AEAD_KEY_LENGTH[aead],
    fixedIvLength: chacha ? 12 : 4,
    recordIvLength: chacha ? 0 : 8,
  });
}

/**
 * The TLS 1.2 cipher suites this library implements, ECDHE first, then finite field DHE (RFC 7919
 * groups only), then RSA key transport (RFC 5288 §3, RFC 5289 §3.2, RFC 7905 §2). Every one is an
 * AEAD suite: no MAC keys, no CBC.
 */
export const TLS12_CIPHER_SUITES: readonly Tls12CipherSuite[] = Object.freeze([
  suite('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ecdhe_ecdsa', 'aes-128-gcm', 'sha256'),
  suite('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ecdhe_ecdsa', 'aes-256-gcm', 'sha384'),
  suite('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ecdhe_ecdsa', 'chacha20-poly1305', 'sha256'),
  suite('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ecdhe_rsa', 'aes-128-gcm', 'sha256'),
  suite('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ecdhe_rsa', 'aes-256-gcm', 'sha384'),
  suite('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ecdhe_rsa', 'chacha20-poly1305', 'sha256'),
  suite('TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'dhe_rsa', 'aes-128-gcm', 'sha256'),
  suite('TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'dhe_rsa', 'aes-256-gcm', 'sha384'),
  suite('TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'dhe_rsa', 'chacha20-poly1305', 'sha256'),
  suite('TLS_RSA_WITH_AES_128_GCM_SHA256', 'rsa', 'aes-128-gcm', 'sha256'),
  suite('TLS_RSA_WITH_AES_256_GCM_SHA384', 'rsa', 'aes-256-gcm', 'sha384'),
]);

/** The TLS 1.2 suite with code point `value`, or undefined if we do not implement it. */
export function tls12CipherSuite(value: number): Tls12CipherSuite | undefined {
  return TLS12_CIPHER_SUITES.find((s) => s.value === value);
}

/** Length of the master secret: 48 bytes (RFC 5246 §8.1). */
export const MASTER_SECRET_LENGTH = 48;
/** Length of a ClientHello or ServerHello random (RFC 5246 §7.4.1.2). */
export const RANDOM_LENGTH = 32;
/** Length of Finished.verify_data for every TLS 1.2 suite here (RFC 5246 §7.4.9). */
export const VERIFY_DATA_LENGTH = 12;

/** ASCII bytes of a PRF label (a handshake uses four fixed ones). */
const labelBytes = labelEncoder('');

/**
 * `P_hash(secret, seed)` (RFC 5246 §5), the first `length` bytes of
 * `HMAC_hash(secret, A(1) + seed) + HMAC_hash(secret, A(2) + seed) + …` with `A(0) = seed`,
 * `A(i) = HMAC_hash(secret, A(i-1))`.
 */
export function pHash(
  provider: CryptoProvider,
  hash: HashName,
  secret: Uint8Array,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`P_${hash}: length must be an integer ≥ 0`);
  const hashLength = HASH_LENGTH[hash];
  const out = new Uint8Array(length);
  // aSeed = A(i) ‖ seed, rewritten in place for each block.
  const aSeed = new Uint8Array(hashLength + seed.length);
  aSeed.set(seed, hashLength);
  let a = provider.hmac(hash, secret, seed);
  for (let offset = 0; offset < length; offset += hashLength) {
    aSeed.set(a, 0);
    const block = provider.hmac(hash, secret, aSeed);
    out.set(block.subarray(0, Math.min(hashLength, length - offset)), offset);
    wipe(block);
    // A(i+1) only when another block follows (the last one would be computed and thrown away).
    if (offset + hashLength >= length) break;
    const next = provider.hmac(hash, secret, a);
    wipe(a);
    a = next;
  }
  wipe(a, aSeed);
  return out;
}

/**
 * The TLS 1.2 PRF (RFC 5246 §5): `PRF(secret, label, seed) = P_<hash>(secret, label + seed)`.
 * @param label an ASCII label without a length or terminator, e.g. `'key expansion'`
 * @example tls12Prf(provider, 'sha256', masterSecret, 'client finished', transcriptHash, 12)
 */
export function tls12Prf(
  provider: CryptoProvider,
  hash: HashName,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  return pHash(provider, hash, secret, concat(labelBytes(label), seed), length);
}

function checkLength(what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) throw new RangeError(`${what} must be ${length} bytes, got ${bytes.length}`);
}

function checkRandoms(clientRandom: Uint8Array, serverRandom: Uint8Array): void {
  checkLength('client_random', clientRandom, RANDOM_LENGTH);
  checkLength('server_random', serverRandom, RANDOM_LENGTH);
}

/**
 * `master_secret = PRF(pre_master_secret, "master secret", ClientHello.random + ServerHello.random)[0..47]`
 * (RFC 5246 §8.1). Without extended master secret; also the master secret of a full handshake that
 * did not negotiate RFC 7627.
 */
export function tls12MasterSecret(
  provider: CryptoProvider,
  hash: HashName,
  preMasterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  checkRandoms(clientRandom, serverRandom);
  return tls12Prf(
    provider,
    hash,
    preMasterSecret,
    'master secret',
    concat(clientRandom, serverRandom),
    MASTER_SECRET_LENGTH,
  );
}

/**
 * The extended master secret (RFC 7627 §4):
 * `master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]`, where
 * `session_hash = Hash(handshake messages from ClientHello up to and including ClientKeyExchange)`
 * (RFC 7627 §3) with the suite's PRF hash.
 */
export function tls12ExtendedMasterSecret(
  provider: CryptoProvider,
  hash: HashName,
  preMasterSecret: Uint8Array,
  sessionHash: Uint8Array,
): Uint8Array {
  checkLength(`session_hash (${hash})`, sessionHash, HASH_LENGTH[hash]);
  return tls12Prf(provider, hash, preMasterSecret, 'extended master secret', sessionHash, MASTER_SECRET_LENGTH);
}

/** The record protection keys of both directions (RFC 5246 §6.3). All four arrays are secret. */
export interface Tls12KeyBlock {
  /** client_write_key and client_write_IV (the 4-byte salt for AES-GCM, the 12-byte IV for ChaCha20). */
  readonly client: TrafficKeys;
  /** server_write_key and server_write_IV. */
  readonly server: TrafficKeys;
}

/**
 * `key_block = PRF(master_secret, "key expansion", server_random + client_random)` (RFC 5246 §6.3)
 * split into client_write_key, server_write_key, client_write_IV, server_write_IV (AEAD suites have
 * no MAC keys). Note the randoms' order: server first, unlike the master secret.
 */
export function tls12KeyBlock(
  provider: CryptoProvider,
  suite: Tls12CipherSuite,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Tls12KeyBlock {
  checkLength('master_secret', masterSecret, MASTER_SECRET_LENGTH);
  checkRandoms(clientRandom, serverRandom);
  const k = suite.keyLength;
  const iv = suite.fixedIvLength;
  const block = tls12Prf(
    provider,
    suite.hash,
    masterSecret,
    'key expansion',
    concat(serverRandom, clientRandom),
    2 * k + 2 * iv,
  );
  const keys: Tls12KeyBlock = {
    client: { key: block.slice(0, k), iv: block.slice(2 * k, 2 * k + iv) },
    server: { key: block.slice(k, 2 * k), iv: block.slice(2 * k + iv, 2 * k + 2 * iv) },
  };
  wipe(block);
  return keys;
}

/** Which side sent a Finished message. */
export type Tls12Sender = 'client' | 'server';

/**
 * Finished `verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]`
 * (RFC 5246 §7.4.9), `finished_label` being "client finished" or "server finished". The transcript
 * hash covers every handshake message up to but not including this Finished (the server's includes
 * the client's Finished). Compare a received value with {@link constantTimeEqual}.
 */
export function tls12FinishedVerifyData(
  provider: CryptoProvider,
  hash: HashName,
  masterSecret: Uint8Array,
  sender: Tls12Sender,
  transcriptHash: Uint8Array,
): Uint8Array {
  checkLength('master_secret', masterSecret, MASTER_SECRET_LENGTH);
  checkLength(`transcript hash (${hash})`, transcriptHash, HASH_LENGTH[hash]);
  return tls12Prf(provider, hash, masterSecret, `${sender} finished`, transcriptHash, VERIFY_DATA_LENGTH);
}

/** PRF labels of the protocol itself, which an exporter label must not collide with (RFC 5705 §4). */
const RESERVED_LABELS: ReadonlySet<string> = new Set([
  'client finished',
  'server finished',
  'master secret',
  'key expansion',
  'extended master secret',
]);

/**
 * The TLS 1.2 keying material exporter (RFC 5705 §4):
 * `PRF(master_secret, label, client_random + server_random [+ context_value_length + context_value])[length]`.
 * An absent context and an empty one give different outputs.
 * @param label an ASCII label, e.g. `'EXPERIMENTAL my label'` (not one of the PRF's own labels)
 * @param context the context value (< 2^16 bytes), or undefined for none
 * @throws RangeError on a reserved label, a context of 2^16 bytes or more, or wrong secret/random lengths
 */
export function tls12ExportKeyingMaterial(
  provider: CryptoProvider,
  hash: HashName,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  context: Uint8Array | undefined,
  length: number,
): Uint8Array {
  checkLength('master_secret', masterSecret, MASTER_SECRET_LENGTH);
  checkRandoms(clientRandom, serverRandom);
  if (RESERVED_LABELS.has(label)) throw new RangeError(`exporter label "${label}" is reserved (RFC 5705 §4)`);
  let seed = concat(clientRandom, serverRandom);
  if (context !== undefined) {
    if (context.length > 0xffff) throw new RangeError('exporter context must be shorter than 2^16 bytes (RFC 5705 §4)');
    seed = concat(seed, Uint8Array.of(context.length >>> 8, context.length & 0xff), context);
  }
  return tls12Prf(provider, hash, masterSecret, label, seed, length);
}

/** A {@link Tls12MasterSecret} was used after {@link Tls12MasterSecret.dispose}. */
export class Tls12KeyScheduleError extends TlswireError {
  override name = 'Tls12KeyScheduleError';
}

/** How the master secret of a full handshake is derived. */
export interface Tls12PremasterInput {
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  /**
   * The session hash (RFC 7627 §3) when both sides negotiated extended_master_secret: the master
   * secret is then the extended one. Omit it for the RFC 5246 §8.1 master secret.
   */
  readonly sessionHash?: Uint8Array;
}

/**
 * One connection's master secret with its suite and randoms: everything TLS 1.2 derives from it.
 * @example
 * const ms = Tls12MasterSecret.fromPremaster(provider, suite, premaster, { clientRandom, serverRandom, sessionHash });
 * const { client, server } = ms.keyBlock();
 * const verifyData = ms.verifyData('client', transcript.hash());
 * keyLog(ms.keyLogLine());
 * ms.dispose();
 */
export class Tls12MasterSecret {
  readonly provider: CryptoProvider;
  readonly suite: Tls12CipherSuite;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  #secret: Uint8Array | undefined;

  /**
   * Wrap an existing master secret: a resumed session's, or one read from a key log. The secret and
   * randoms are copied.
   */
  constructor(
    provider: CryptoProvider,
    suite: Tls12CipherSuite,
    masterSecret: Uint8Array,
    clientRandom: Uint8Array,
    serverRandom: Uint8Array,
  ) {
    checkLength('master_secret', masterSecret, MASTER_SECRET_LENGTH);
    checkRandoms(clientRandom, serverRandom);
    this.provider = provider;
    this.suite = suite;
    this.#secret = masterSecret.slice();
    this.clientRandom = clientRandom.slice();
    this.serverRandom = serverRandom.slice();
  }

  /**
   * Derive the master secret of a full handshake (RFC 5246 §8.1, or RFC 7627 §4 with a session hash).
   * The premaster secret is not modified; the caller wipes it.
   */
  static fromPremaster(
    provider: CryptoProvider,
    suite: Tls12CipherSuite,
    preMasterSecret: Uint8Array,
    input: Tls12PremasterInput,
  ): Tls12MasterSecret {
    const { clientRandom, serverRandom, sessionHash } = input;
    const secret = sessionHash
      ? tls12ExtendedMasterSecret(provider, suite.hash, preMasterSecret, sessionHash)
      : tls12MasterSecret(provider, suite.hash, preMasterSecret, clientRandom, serverRandom);
    const ms = new Tls12MasterSecret(provider, suite, secret, clientRandom, serverRandom);
    wipe(secret);
    return ms;
  }

  /** The 48-byte master secret (for key logs, session caches and research). Throws once disposed. */
  get secret(): Uint8Array {
    if (!this.#secret) throw new Tls12KeyScheduleError('master secret already disposed');
    return this.#secret;
  }

  /** The write keys and IVs of both directions (RFC 5246 §6.3). */
  keyBlock(): Tls12KeyBlock {
    return tls12KeyBlock(this.provider, this.suite, this.secret, this.clientRandom, this.serverRandom);
  }

  /** Finished verify_data of `sender` over `transcriptHash` (RFC 5246 §7.4.9). */
  verifyData(sender: Tls12Sender, transcriptHash: Uint8Array): Uint8Array {
    return tls12FinishedVerifyData(this.provider, this.suite.hash, this.secret, sender, transcriptHash);
  }

  /** Keying material for `label` and `context` (RFC 5705 §4); see {@link tls12ExportKeyingMaterial}. */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    return tls12ExportKeyingMaterial(
      this.provider,
      this.suite.hash,
      this.secret,
      this.clientRandom,
      this.serverRandom,
      label,
      context,
      length,
    );
  }

  /** The SSLKEYLOGFILE line `CLIENT_RANDOM <client_random> <master_secret>` (no newline). */
  keyLogLine(): string {
    return keyLogLine(KeyLogLabel.CLIENT_RANDOM, this.clientRandom, this.secret);
  }

  /** Wipe the master secret; the object is unusable afterwards. */
  dispose(): void {
    wipe(this.#secret);
    this.#secret = undefined;
  }
}

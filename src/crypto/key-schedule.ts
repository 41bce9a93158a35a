/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1) as a chain of types, as rustls does it:
 *
 *     EarlySecret ──handshake((EC)DHE)──▶ HandshakeSecret ──master()──▶ MasterSecret
 *
 * Each stage holds one secret and derives the traffic secrets that hang off it; moving to the next
 * stage consumes the current one (its secret is wiped and further use throws). The helpers around
 * it implement HKDF-Expand-Label and Derive-Secret (§7.1), traffic keys (§7.3), KeyUpdate (§7.2),
 * Finished (§4.4.4), PSK binders (§4.2.11.2), exporters (§7.5), the ticket PSK (§4.6.1), and the
 * transcript hash with the HelloRetryRequest rule (§4.4.1).
 *
 * Derive-Secret takes the transcript HASH (not the messages): callers keep a {@link Transcript}.
 * @module
 */
import { TlswireError } from '../bytes/errors.js';
import { concat, wipe } from '../bytes/hex.js';
import { Writer } from '../bytes/writer.js';
import { CipherSuite, HandshakeType } from '../tls/enums.js';
import {
  AEAD_KEY_LENGTH,
  AEAD_NONCE_LENGTH,
  type AeadName,
  type CryptoProvider,
  HASH_LENGTH,
  type HashContext,
  type HashName,
} from './provider.js';

/** A TLS 1.3 cipher suite: an AEAD plus the hash of HKDF and the transcript (RFC 8446 §B.4). */
export interface Tls13CipherSuite {
  /** The CipherSuite code point. */
  readonly value: number;
  readonly name: 'TLS_AES_128_GCM_SHA256' | 'TLS_AES_256_GCM_SHA384' | 'TLS_CHACHA20_POLY1305_SHA256';
  readonly aead: AeadName;
  readonly hash: HashName;
}

/** The TLS 1.3 cipher suites this library implements, in the usual preference order. */
export const TLS13_CIPHER_SUITES: readonly Tls13CipherSuite[] = Object.freeze([
  { value: CipherSuite.TLS_AES_128_GCM_SHA256, name: 'TLS_AES_128_GCM_SHA256', aead: 'aes-128-gcm', hash: 'sha256' },
  { value: CipherSuite.TLS_AES_256_GCM_SHA384, name: 'TLS_AES_256_GCM_SHA384', aead: 'aes-256-gcm', hash: 'sha384' },
  {
    value: CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
    name: 'TLS_CHACHA20_POLY1305_SHA256',
    aead: 'chacha20-poly1305',
    hash: 'sha256',
  },
] as const);

/** The TLS 1.3 suite with code point `value`, or undefined if we do not implement it. */
export function tls13CipherSuite(value: number): Tls13CipherSuite | undefined {
  // Code points 0x1301..0x1303 index the table directly (it is looked up on every record epoch).
  const s = TLS13_CIPHER_SUITES[value - CipherSuite.TLS_AES_128_GCM_SHA256];
  return s?.value === value ? s : TLS13_CIPHER_SUITES.find((t) => t.value === value);
}

const encoder = new TextEncoder();

/**
 * A function giving `prefix ‖ label` as bytes, encoded once per label (a handshake derives with a
 * few fixed labels); at most 64 labels are kept. TLS 1.2's PRF labels use it with no prefix.
 */
export function labelEncoder(prefix: string): (label: string) => Uint8Array {
  const cache = new Map<string, Uint8Array>();
  return (label) => {
    let bytes = cache.get(label);
    if (bytes === undefined) {
      bytes = encoder.encode(prefix + label);
      if (cache.size < 64) cache.set(label, bytes);
    }
    return bytes;
  };
}

/** `"tls13 " ‖ label` as bytes (RFC 8446 §7.1). */
const labelBytes = labelEncoder('tls13 ');

/**
 * HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 §7.1): HKDF-Expand with
 * `HkdfLabel { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }`.
 * @param label the Label without the "tls13 " prefix, e.g. `'c hs traffic'`
 */
export function hkdfExpandLabel(
  provider: CryptoProvider,
  hash: HashName,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const fullLabel = labelBytes(label);
  if (fullLabel.length > 255) throw new RangeError('HKDF-Expand-Label: label longer than 249 bytes');
  if (context.length > 255) throw new RangeError('HKDF-Expand-Label: context longer than 255 bytes');
  // An invalid length fails as the Writer reports it (EncodeError).
  if (!Number.isInteger(length) || length < 0 || length > 0xffff) Writer.encode((w) => w.u16(length));
  const info =
    context.length === 0 ? contextFreeLabel(label, fullLabel, length) : hkdfLabel(fullLabel, context, length);
  return provider.hkdfExpand(hash, secret, info, length);
}

/** HkdfLabel: uint16 length, opaque label<7..255>, opaque context<0..255> (RFC 8446 §7.1). */
function hkdfLabel(fullLabel: Uint8Array, context: Uint8Array, length: number): Uint8Array {
  const info = new Uint8Array(4 + fullLabel.length + context.length);
  info[0] = (length >>> 8) & 0xff;
  info[1] = length & 0xff;
  info[2] = fullLabel.length;
  info.set(fullLabel, 3);
  info[3 + fullLabel.length] = context.length;
  info.set(context, 4 + fullLabel.length);
  return info;
}

/** The HkdfLabels with an empty context ("key", "iv", "finished", …): public constants, built once each. */
const contextFree = new Map<string, Uint8Array>();

function contextFreeLabel(label: string, fullLabel: Uint8Array, length: number): Uint8Array {
  const key = `${length} ${label}`;
  let info = contextFree.get(key);
  if (info === undefined) {
    info = hkdfLabel(fullLabel, new Uint8Array(0), length);
    if (contextFree.size < 64) contextFree.set(key, info);
  }
  return info;
}

/**
 * Derive-Secret(Secret, Label, Messages) (RFC 8446 §7.1), given `transcriptHash` =
 * Transcript-Hash(Messages).
 */
export function deriveSecret(
  provider: CryptoProvider,
  hash: HashName,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(provider, hash, secret, label, transcriptHash, HASH_LENGTH[hash]);
}

/** Transcript-Hash of no messages: Hash(""). */
export function emptyHash(provider: CryptoProvider, hash: HashName): Uint8Array {
  return provider.hash(hash, new Uint8Array(0));
}

/** Hash("") of each hash, computed once: the key schedule's context for "derived" and the binder keys. */
const emptyHashes = new Map<HashName, Uint8Array>();

function sharedEmptyHash(provider: CryptoProvider, hash: HashName): Uint8Array {
  let value = emptyHashes.get(hash);
  if (value === undefined) {
    value = emptyHash(provider, hash);
    emptyHashes.set(hash, value);
  }
  return value;
}

/** A record protection key and IV (RFC 8446 §7.3). Both are secret. */
export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/**
 * The traffic key and IV of a traffic secret (RFC 8446 §7.3):
 * `key = HKDF-Expand-Label(Secret, "key", "", key_length)`, `iv = HKDF-Expand-Label(Secret, "iv", "", iv_length)`.
 */
export function trafficKeys(provider: CryptoProvider, suite: Tls13CipherSuite, secret: Uint8Array): TrafficKeys {
  const none = new Uint8Array(0);
  return {
    key: hkdfExpandLabel(provider, suite.hash, secret, 'key', none, AEAD_KEY_LENGTH[suite.aead]),
    iv: hkdfExpandLabel(provider, suite.hash, secret, 'iv', none, AEAD_NONCE_LENGTH),
  };
}

/**
 * The next application traffic secret for KeyUpdate (RFC 8446 §7.2):
 * `application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)`.
 */
export function nextTrafficSecret(provider: CryptoProvider, hash: HashName, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(provider, hash, secret, 'traffic upd', new Uint8Array(0), HASH_LENGTH[hash]);
}

/** `finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length)` (RFC 8446 §4.4.4). */
export function finishedKey(provider: CryptoProvider, hash: HashName, baseKey: Uint8Array): Uint8Array {
  return hkdfExpandLabel(provider, hash, baseKey, 'finished', new Uint8Array(0), HASH_LENGTH[hash]);
}

/**
 * Finished `verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*, CertificateVerify*))`
 * (RFC 8446 §4.4.4). `baseKey` is the sender's handshake traffic secret (or, for a PSK binder, the binder key).
 * Compare a received value with {@link constantTimeEqual}.
 */
export function finishedVerifyData(
  provider: CryptoProvider,
  hash: HashName,
  baseKey: Uint8Array,
  transcriptHash: Uint8Array,
): Uint8Array {
  const key = finishedKey(provider, hash, baseKey);
  const out = provider.hmac(hash, key, transcriptHash);
  wipe(key);
  return out;
}

/**
 * The TLS 1.3 exporter (RFC 8446 §7.5):
 * `HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length)`.
 * @param exporterSecret the exporter_master_secret (or, for 0-RTT, the early_exporter_master_secret)
 * @param label the exporter label, e.g. `'EXPERIMENTAL my label'` (ASCII)
 * @param context the context value; absent and empty are the same in TLS 1.3
 */
export function exportKeyingMaterial(
  provider: CryptoProvider,
  hash: HashName,
  exporterSecret: Uint8Array,
  label: string,
  context: Uint8Array | undefined,
  length: number,
): Uint8Array {
  const secret = deriveSecret(provider, hash, exporterSecret, label, sharedEmptyHash(provider, hash));
  const out = hkdfExpandLabel(
    provider,
    hash,
    secret,
    'exporter',
    provider.hash(hash, context ?? new Uint8Array(0)),
    length,
  );
  wipe(secret);
  return out;
}

/**
 * The PSK of a NewSessionTicket (RFC 8446 §4.6.1):
 * `HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length)`.
 */
export function resumptionPsk(
  provider: CryptoProvider,
  hash: HashName,
  resumptionMasterSecret: Uint8Array,
  ticketNonce: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(provider, hash, resumptionMasterSecret, 'resumption', ticketNonce, HASH_LENGTH[hash]);
}

/** A key-schedule stage was used after it was consumed by the next stage or disposed. */
export class KeyScheduleError extends TlswireError {
  override name = 'KeyScheduleError';
}

/** Common part of the three stages: one secret, consumed once. */
abstract class Stage {
  readonly provider: CryptoProvider;
  readonly hash: HashName;
  #secret: Uint8Array | undefined;
  protected abstract readonly stage: string;

  protected constructor(provider: CryptoProvider, hash: HashName, secret: Uint8Array) {
    this.provider = provider;
    this.hash = hash;
    this.#secret = secret;
  }

  /** The stage's secret (for key logs and research). Throws once consumed. */
  get secret(): Uint8Array {
    if (!this.#secret) throw new KeyScheduleError(`${this.stage} secret already consumed`);
    return this.#secret;
  }

  /** Derive-Secret(this secret, label, transcript). */
  protected derive(label: string, transcriptHash: Uint8Array): Uint8Array {
    checkHashLength(this.hash, transcriptHash);
    return deriveSecret(this.provider, this.hash, this.secret, label, transcriptHash);
  }

  /** `HKDF-Extract(Derive-Secret(this, "derived", ""), ikm)`, then wipe this stage. */
  protected extractNext(ikm: Uint8Array): Uint8Array {
    const salt = deriveSecret(
      this.provider,
      this.hash,
      this.secret,
      'derived',
      sharedEmptyHash(this.provider, this.hash),
    );
    const next = this.provider.hkdfExtract(this.hash, salt, ikm);
    wipe(salt);
    this.dispose();
    return next;
  }

  /** Wipe the secret; the stage cannot be used afterwards. */
  dispose(): void {
    wipe(this.#secret);
    this.#secret = undefined;
  }
}

function checkHashLength(hash: HashName, transcriptHash: Uint8Array): void {
  if (transcriptHash.length !== HASH_LENGTH[hash]) {
    throw new RangeError(
      `transcript hash must be ${HASH_LENGTH[hash]} bytes for ${hash}, got ${transcriptHash.length}`,
    );
  }
}

/** Which kind of PSK a binder is for (RFC 8446 §7.1: "ext binder" / "res binder"). */
export type PskKind = 'external' | 'resumption';

/**
 * Early Secret = HKDF-Extract(0, PSK) (RFC 8446 §7.1). Without a PSK, the PSK is Hash.length zeros.
 * @example
 * const early = EarlySecret.create(provider, 'sha256');
 * const hs = early.handshake(sharedSecret);
 * const chts = hs.clientHandshakeTrafficSecret(transcript.hash());
 */
export class EarlySecret extends Stage {
  protected readonly stage = 'early';

  /** Start the schedule for a suite hash, with `psk` if one is used (it is not modified or kept). */
  static create(provider: CryptoProvider, hash: HashName, psk?: Uint8Array): EarlySecret {
    const zeros = new Uint8Array(HASH_LENGTH[hash]);
    return new EarlySecret(provider, hash, provider.hkdfExtract(hash, zeros, psk ?? zeros));
  }

  /** binder_key = Derive-Secret(Early Secret, "ext binder" | "res binder", "") (RFC 8446 §7.1). */
  binderKey(kind: PskKind): Uint8Array {
    return this.derive(kind === 'external' ? 'ext binder' : 'res binder', sharedEmptyHash(this.provider, this.hash));
  }

  /**
   * A PSK binder value (RFC 8446 §4.2.11.2): the Finished computation keyed with the binder key,
   * over `Transcript-Hash(Truncate(ClientHello1))` (the partial ClientHello up to but excluding the
   * binders list, preceded by ClientHello1/HelloRetryRequest/message_hash after an HRR).
   */
  binder(kind: PskKind, truncatedTranscriptHash: Uint8Array): Uint8Array {
    checkHashLength(this.hash, truncatedTranscriptHash);
    const key = this.binderKey(kind);
    const out = finishedVerifyData(this.provider, this.hash, key, truncatedTranscriptHash);
    wipe(key);
    return out;
  }

  /** client_early_traffic_secret = Derive-Secret(., "c e traffic", ClientHello). */
  clientEarlyTrafficSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.derive('c e traffic', clientHelloHash);
  }

  /** early_exporter_master_secret = Derive-Secret(., "e exp master", ClientHello). */
  earlyExporterMasterSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.derive('e exp master', clientHelloHash);
  }

  /**
   * Handshake Secret = HKDF-Extract(Derive-Secret(., "derived", ""), (EC)DHE). Consumes this stage.
   * @param sharedSecret the (EC)DHE shared secret; omit in psk_ke mode (Hash.length zeros are used)
   */
  handshake(sharedSecret?: Uint8Array): HandshakeSecret {
    const ikm = sharedSecret ?? new Uint8Array(HASH_LENGTH[this.hash]);
    return new HandshakeSecret(this.provider, this.hash, this.extractNext(ikm));
  }
}

/** A stage the one before it makes: Handshake Secret and Master Secret. */
abstract class LaterStage extends Stage {
  /** @internal use {@link EarlySecret.handshake} or {@link HandshakeSecret.master} */
  constructor(provider: CryptoProvider, hash: HashName, secret: Uint8Array) {
    super(provider, hash, secret);
  }
}

/** Handshake Secret (RFC 8446 §7.1). Obtain it from {@link EarlySecret.handshake}. */
export class HandshakeSecret extends LaterStage {
  protected readonly stage = 'handshake';

  /** client_handshake_traffic_secret = Derive-Secret(., "c hs traffic", ClientHello...ServerHello). */
  clientHandshakeTrafficSecret(transcriptHash: Uint8Array): Uint8Array {
    return this.derive('c hs traffic', transcriptHash);
  }

  /** server_handshake_traffic_secret = Derive-Secret(., "s hs traffic", ClientHello...ServerHello). */
  serverHandshakeTrafficSecret(transcriptHash: Uint8Array): Uint8Array {
    return this.derive('s hs traffic', transcriptHash);
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(., "derived", ""), 0). Consumes this stage. */
  master(): MasterSecret {
    return new MasterSecret(this.provider, this.hash, this.extractNext(new Uint8Array(HASH_LENGTH[this.hash])));
  }
}

/** Master Secret (RFC 8446 §7.1). Obtain it from {@link HandshakeSecret.master}. */
export class MasterSecret extends LaterStage {
  protected readonly stage = 'master';

  /** client_application_traffic_secret_0 = Derive-Secret(., "c ap traffic", ClientHello...server Finished). */
  clientApplicationTrafficSecret(transcriptHash: Uint8Array): Uint8Array {
    return this.derive('c ap traffic', transcriptHash);
  }

  /** server_application_traffic_secret_0 = Derive-Secret(., "s ap traffic", ClientHello...server Finished). */
  serverApplicationTrafficSecret(transcriptHash: Uint8Array): Uint8Array {
    return this.derive('s ap traffic', transcriptHash);
  }

  /** exporter_master_secret = Derive-Secret(., "exp master", ClientHello...server Finished). */
  exporterMasterSecret(transcriptHash: Uint8Array): Uint8Array {
    return this.derive('exp master', transcriptHash);
  }

  /** resumption_master_secret = Derive-Secret(., "res master", ClientHello...client Finished). */
  resumptionMasterSecret(transcriptHash: Uint8Array): Uint8Array {
    return this.derive('res master', transcriptHash);
  }
}

/**
 * The synthetic `message_hash` handshake message that replaces ClientHello1 in the transcript after
 * a HelloRetryRequest (RFC 8446 §4.4.1): `fe 00 00 Hash.length ‖ Hash(ClientHello1)`.
 */
export function messageHash(provider: CryptoProvider, hash: HashName, clientHello1: Uint8Array): Uint8Array {
  return messageHashOf(provider.hash(hash, clientHello1));
}

/** The `message_hash` message around an already computed `Hash(ClientHello1)`. */
function messageHashOf(clientHello1Hash: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(HandshakeType.message_hash, 0, 0, clientHello1Hash.length), clientHello1Hash);
}

/**
 * The running transcript hash (RFC 8446 §4.4.1) over handshake messages as they were sent or received
 * (type and length included, record headers excluded).
 *
 * The hash algorithm is known only once the server picks a suite, so a transcript created without
 * one buffers messages until {@link setHash}.
 */
export class Transcript {
  readonly provider: CryptoProvider;
  #hash: HashContext | undefined;
  #buffered: Uint8Array[] = [];
  #count = 0;
  #released = false;

  constructor(provider: CryptoProvider, hash?: HashName) {
    this.provider = provider;
    if (hash) this.#hash = provider.createHash(hash);
  }

  /** The hash algorithm, once chosen. */
  get hashName(): HashName | undefined {
    return this.#hash?.hash;
  }

  /** Number of messages added (a message_hash counts as one). */
  get messageCount(): number {
    return this.#count;
  }

  /** Choose the hash (after ServerHello) and hash any buffered messages. Only once. */
  setHash(hash: HashName): void {
    if (this.#hash) {
      if (this.#hash.hash !== hash) throw new KeyScheduleError(`transcript hash already set to ${this.#hash.hash}`);
      return;
    }
    this.#hash = this.provider.createHash(hash);
    for (const m of this.#buffered) this.#hash.update(m);
    this.#buffered = [];
  }

  /** Append one handshake message (its bytes are copied or hashed at once). */
  update(message: Uint8Array): this {
    this.#check();
    if (this.#hash) this.#hash.update(message);
    else this.#buffered.push(message.slice());
    this.#count++;
    return this;
  }

  /** Transcript-Hash of the messages so far. The hash must be set. */
  hash(): Uint8Array {
    this.#check();
    if (!this.#hash) throw new KeyScheduleError('transcript hash algorithm not chosen yet');
    return this.#hash.digest();
  }

  /**
   * Apply the HelloRetryRequest rule (RFC 8446 §4.4.1): the transcript so far must be exactly
   * ClientHello1; it is replaced by `message_hash(ClientHello1)`. Call this when the HRR arrives,
   * before adding the HRR itself. Sets the hash (the HRR's cipher suite decides it).
   */
  replaceWithMessageHash(hash: HashName): void {
    if (this.#count !== 1) throw new KeyScheduleError('message_hash replaces exactly one ClientHello');
    let ch1Hash: Uint8Array;
    if (this.#hash) {
      if (this.#hash.hash !== hash) throw new KeyScheduleError(`transcript hash already set to ${this.#hash.hash}`);
      ch1Hash = this.#hash.digest();
    } else {
      ch1Hash = this.provider.hash(hash, this.#buffered[0]!);
    }
    this.#buffered = [];
    this.#hash = this.provider.createHash(hash);
    this.#hash.update(messageHashOf(ch1Hash));
  }

  /**
   * Drop the hash state once nothing can extend this transcript any more: an established connection
   * needs it only for post-handshake authentication (RFC 8446 §4.6.2). A released transcript throws on
   * every later use.
   */
  release(): void {
    this.#hash = undefined;
    this.#buffered = [];
    this.#released = true;
  }

  /** An independent copy (e.g. to hash a truncated ClientHello for binders without committing to it). */
  clone(): Transcript {
    this.#check();
    const t = new Transcript(this.provider);
    t.#hash = this.#hash?.clone();
    t.#buffered = this.#buffered.slice();
    t.#count = this.#count;
    return t;
  }

  #check(): void {
    if (this.#released) throw new KeyScheduleError('transcript released after the handshake');
  }
}

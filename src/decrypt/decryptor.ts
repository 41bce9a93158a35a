/**
 * The keys of one captured TLS connection, from a key log, and the record protection of each side
 * as the handshake moves on. Fed every handshake message and ChangeCipherSpec in capture order, it
 * opens every protected record and checks each Finished against the transcript.
 *
 * TLS 1.3 (RFC 8446): the server's records use the handshake keys after its ServerHello and the
 * application keys after its Finished; the client's use the early keys after a ClientHello offering
 * early_data (§4.2.10), the handshake keys once the server has rejected 0-RTT (HelloRetryRequest, no
 * pre_shared_key, no early_data in EncryptedExtensions) or after EndOfEarlyData, and the application
 * keys after its Finished. The suite of 0-RTT records is not in the ClientHello: it is found by trial
 * among the suites whose hash matches the early secret's length. Records of a rejected 0-RTT that are
 * still in flight fail with the handshake keys: they are skipped (§4.2.10), shown with the early keys
 * when the key log has them. A KeyUpdate moves its sender to the next generation of application
 * secrets (§7.2). Secrets are traffic secrets from the key log (§7.1); keys and IVs follow §7.3.
 *
 * TLS 1.2 (RFC 5246): CLIENT_RANDOM gives the master secret, of a full or a resumed handshake alike;
 * the key block is PRF(master_secret, "key expansion", server_random + client_random) (§6.3), a side's
 * records are protected after its ChangeCipherSpec (§7.1).
 * @module
 */
import { toHex } from '../bytes/hex.js';
import {
  finishedVerifyData,
  nextTrafficSecret,
  TLS13_CIPHER_SUITES,
  type Tls13CipherSuite,
  tls13CipherSuite,
} from '../crypto/key-schedule.js';
import type { CryptoProvider, HashName } from '../crypto/provider.js';
import { HASH_LENGTH } from '../crypto/provider.js';
import { RecordOpener } from '../crypto/record-protection.js';
import { tls12FinishedVerifyData, tls12Prf } from '../crypto/tls12-key-schedule.js';
import { Tls12RecordOpener } from '../crypto/tls12-record-protection.js';
import { HandshakeType, ProtocolVersion } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import { findExtension } from '../tls/extensions.js';
import type { DecodedHandshake } from '../tls/messages/handshake.js';
import type { TlsRecord } from '../tls/record.js';
import { CbcRecordError, CbcRecordOpener } from './cbc.js';
import type { KeyLog } from './keylog.js';
import { suiteName, tls12DecryptSuite } from './suites.js';

/** Which side sent a record or message. */
export type Side = 'client' | 'server';

/** Why a record was not decrypted. */
export type DecryptFailureReason =
  | 'no-key'
  | 'bad-record-mac'
  | 'bad-padding'
  | 'unsupported-suite'
  | 'no-keys-yet'
  | 'early-data-skipped'
  | 'malformed';

/** A record that was not decrypted, and why. */
export interface DecryptFailure {
  reason: DecryptFailureReason;
  /** One sentence, e.g. `no key for client random 1a2b…: the key log has no CLIENT_RANDOM line`. */
  detail: string;
}

/** What protected a decrypted record. */
export type EpochName = 'early' | 'handshake' | 'application' | 'tls12';

/** A decrypted record. */
export interface DecryptedRecord {
  /** The real content type (TLS 1.3: from TLSInnerPlaintext). */
  type: number;
  content: Uint8Array;
  epoch: EpochName;
  /** TLS 1.3 application secrets: the generation N of *_TRAFFIC_SECRET_N. */
  generation?: number;
  sequence: bigint;
  /** 0-RTT data the server rejected (skipped by the server; shown with the early keys). */
  rejectedEarlyData?: boolean;
}

/** The outcome of {@link TlsDecryptor.open}. */
export type OpenResult = { ok: true; record: DecryptedRecord } | { ok: false; failure: DecryptFailure };

/** The outcome of checking a Finished against the transcript. */
export type FinishedCheck = 'ok' | 'mismatch' | 'no-key';

interface Opener {
  open(record: TlsRecord): { type: number; content: Uint8Array; sequence: bigint };
}

/** The keys one side's records are protected with now. */
interface Epoch {
  name: EpochName;
  generation?: number;
  opener?: Opener;
  /** Set when there is no opener. */
  failure?: DecryptFailure;
  /** TLS 1.3 application epochs: the traffic secret (for KeyUpdate). */
  secret?: Uint8Array;
}

interface EarlyState {
  secret: Uint8Array;
  /** Candidate suites until one opens a record. */
  candidates: Tls13CipherSuite[];
  opener?: Opener;
}

const NO_KEYS_YET: DecryptFailure = {
  reason: 'no-keys-yet',
  detail: 'protected record before the handshake fixed its keys (capture started mid-connection?)',
};

/** Decrypts the records of one connection. */
export class TlsDecryptor {
  readonly #keyLog: KeyLog;
  readonly #provider: CryptoProvider;
  clientRandom?: Uint8Array;
  serverRandom?: Uint8Array;
  /** Negotiated version, from the ServerHello. */
  version?: number;
  cipherSuite?: number;
  /** TLS 1.3 0-RTT: offered by the ClientHello, then accepted or rejected by the server. */
  earlyData?: 'offered' | 'accepted' | 'rejected';
  #helloRetry = false;
  #earlyOffered = false;
  #pskAccepted = false;
  #etm = false;
  #clientEtm = false;
  /** Handshake messages in transcript order (until both Finished are seen). */
  readonly #transcript: Uint8Array[] = [];
  readonly #finished = { client: false, server: false };
  readonly #epoch: Partial<Record<Side, Epoch>> = {};
  #early?: EarlyState;
  /** TLS 1.3: 0-RTT was rejected; the client's records may still carry skipped early data. */
  #skipEarly = false;

  constructor(keyLog: KeyLog, provider: CryptoProvider) {
    this.#keyLog = keyLog;
    this.#provider = provider;
  }

  get tls13(): boolean {
    return this.version === ProtocolVersion.TLS1_3;
  }

  /** Labels the key log has for this connection (empty before the ClientHello or when none). */
  get keyLabels(): string[] {
    return this.clientRandom ? this.#keyLog.labels(this.clientRandom) : [];
  }

  /** Take note of one handshake message (cleartext or decrypted); a Finished is checked. */
  handshake(side: Side, msg: DecodedHandshake): FinishedCheck | undefined {
    let check: FinishedCheck | undefined;
    if (msg.type === 'finished') check = this.#checkFinished(side, msg.verifyData);
    this.#record(msg);
    switch (msg.type) {
      case 'client_hello':
        this.#clientHello(msg);
        break;
      case 'server_hello':
        this.#serverHello(msg);
        break;
      case 'encrypted_extensions':
        if (!this.#earlyOffered || this.earlyData === 'rejected') break;
        if (findExtension(msg.extensions, 'early_data')) this.earlyData = 'accepted';
        else this.#rejectEarly();
        break;
      case 'end_of_early_data':
        this.#set('client', this.#tls13Epoch('handshake', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET'));
        break;
      case 'finished':
        this.#finished[side] = true;
        if (this.tls13) this.#set(side, this.#tls13Epoch('application', `${label(side)}_TRAFFIC_SECRET_0`, 0));
        break;
      case 'key_update':
        if (this.tls13) this.#keyUpdate(side);
        break;
      default:
        break;
    }
    return check;
  }

  /** A ChangeCipherSpec from `side`: before TLS 1.3 its later records are protected (RFC 5246 §7.1). */
  changeCipherSpec(side: Side): void {
    // Before a ServerHello only a TLS 1.3 client sends one (RFC 8446 §D.4, with 0-RTT).
    if (this.version === undefined || this.tls13) return;
    this.#set(side, this.#tls12Epoch(side));
  }

  /** Open one protected record `side` sent. */
  open(side: Side, record: TlsRecord): OpenResult {
    const epoch = this.#epoch[side];
    if (!epoch) {
      if (side === 'client' && this.earlyData) return this.#openEarly(record, false);
      return { ok: false, failure: NO_KEYS_YET };
    }
    if (!epoch.opener) return { ok: false, failure: epoch.failure ?? NO_KEYS_YET };
    try {
      const r = epoch.opener.open(record);
      if (side === 'client') this.#skipEarly = false;
      return { ok: true, record: { ...r, epoch: epoch.name, generation: epoch.generation } };
    } catch (e) {
      const failure = failureOf(e);
      if (side === 'client' && this.#skipEarly && failure.reason === 'bad-record-mac')
        return this.#openEarly(record, true);
      return { ok: false, failure };
    }
  }

  #record(msg: DecodedHandshake): void {
    if (this.#finished.client && this.#finished.server) return;
    if (msg.type === 'hello_request') return;
    if (this.tls13 && (msg.type === 'new_session_ticket' || msg.type === 'key_update')) return;
    this.#transcript.push(msg.raw.slice());
  }

  #clientHello(msg: DecodedHandshake & { type: 'client_hello' }): void {
    if (this.clientRandom) return; // the second ClientHello after a HelloRetryRequest
    this.clientRandom = msg.random.slice();
    this.#clientEtm = findExtension(msg.extensions, 'encrypt_then_mac') !== undefined;
    this.#earlyOffered = findExtension(msg.extensions, 'early_data') !== undefined;
    if (this.#earlyOffered) this.earlyData = 'offered';
    const secret = this.#earlyOffered ? this.#keyLog.secret(msg.random, 'CLIENT_EARLY_TRAFFIC_SECRET') : undefined;
    if (secret) {
      this.#early = { secret, candidates: TLS13_CIPHER_SUITES.filter((s) => HASH_LENGTH[s.hash] === secret.length) };
    }
  }

  #serverHello(msg: DecodedHandshake & { type: 'server_hello' }): void {
    if (msg.isHelloRetryRequest) {
      this.#helloRetry = true;
      this.cipherSuite = msg.cipherSuite;
      this.version = ProtocolVersion.TLS1_3;
      if (this.#earlyOffered) {
        this.earlyData = 'rejected';
        this.#skipEarly = true;
      }
      return;
    }
    const sv = findExtension(msg.extensions, 'supported_versions');
    this.version = sv?.form === 'server_hello' ? sv.selectedVersion : msg.version;
    this.cipherSuite = msg.cipherSuite;
    this.serverRandom = msg.random.slice();
    this.#etm = this.#clientEtm && findExtension(msg.extensions, 'encrypt_then_mac') !== undefined;
    if (!this.tls13) return;
    this.#pskAccepted = findExtension(msg.extensions, 'pre_shared_key') !== undefined;
    this.#set('server', this.#tls13Epoch('handshake', 'SERVER_HANDSHAKE_TRAFFIC_SECRET'));
    if (!this.#earlyOffered) this.#set('client', this.#tls13Epoch('handshake', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET'));
    else if (!this.#pskAccepted || this.#helloRetry) this.#rejectEarly();
  }

  #rejectEarly(): void {
    this.earlyData = 'rejected';
    this.#skipEarly = true;
    this.#set('client', this.#tls13Epoch('handshake', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET'));
  }

  #set(side: Side, epoch: Epoch): void {
    this.#epoch[side] = epoch;
  }

  #missing(label: string): DecryptFailure {
    const random = this.clientRandom ? toHex(this.clientRandom) : '(no ClientHello seen)';
    return { reason: 'no-key', detail: `no key for client random ${random}: the key log has no ${label} line` };
  }

  #tls13Suite(): Tls13CipherSuite | undefined {
    return this.cipherSuite === undefined ? undefined : tls13CipherSuite(this.cipherSuite);
  }

  #tls13Epoch(name: EpochName, secretLabel: string, generation?: number): Epoch {
    const suite = this.#tls13Suite();
    if (!suite) return { name, failure: unsupported(this.cipherSuite) };
    const secret = this.clientRandom && this.#keyLog.secret(this.clientRandom, secretLabel);
    if (!secret) return { name, generation, failure: this.#missing(secretLabel) };
    if (secret.length !== HASH_LENGTH[suite.hash]) {
      return {
        name,
        generation,
        failure: {
          reason: 'no-key',
          detail: `${secretLabel} has ${secret.length} bytes, ${suite.name} needs ${HASH_LENGTH[suite.hash]}`,
        },
      };
    }
    return { name, generation, secret, opener: RecordOpener.fromSecret(this.#provider, suite, secret) };
  }

  /** RFC 8446 §7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length). */
  #keyUpdate(side: Side): void {
    const current = this.#epoch[side];
    const suite = this.#tls13Suite();
    const generation = (current?.generation ?? 0) + 1;
    if (!current?.secret || !suite) {
      this.#set(side, { name: 'application', generation, failure: current?.failure ?? NO_KEYS_YET });
      return;
    }
    const logged = this.#keyLog.secret(this.clientRandom!, `${label(side)}_TRAFFIC_SECRET_${generation}`);
    const secret = logged ?? nextTrafficSecret(this.#provider, suite.hash, current.secret);
    this.#set(side, {
      name: 'application',
      generation,
      secret,
      opener: RecordOpener.fromSecret(this.#provider, suite, secret),
    });
  }

  /** 0-RTT records: the early keys, the suite found by trial on the first record. */
  #openEarly(record: TlsRecord, rejected: boolean): OpenResult {
    const early = this.#early;
    if (!early) {
      if (rejected) {
        const detail = 'rejected 0-RTT record skipped (RFC 8446 §4.2.10); no CLIENT_EARLY_TRAFFIC_SECRET to show it';
        return { ok: false, failure: { reason: 'early-data-skipped', detail } };
      }
      return this.#resync(record) ?? { ok: false, failure: this.#missing('CLIENT_EARLY_TRAFFIC_SECRET') };
    }
    if (!early.opener) {
      for (const suite of early.candidates) {
        const opener = RecordOpener.fromSecret(this.#provider, suite, early.secret);
        try {
          const r = opener.open(record);
          early.opener = opener;
          return { ok: true, record: { ...r, epoch: 'early', rejectedEarlyData: rejected || undefined } };
        } catch {}
      }
      const detail = rejected
        ? 'rejected 0-RTT record skipped (RFC 8446 §4.2.10)'
        : 'tag mismatch with CLIENT_EARLY_TRAFFIC_SECRET under every suite: wrong key';
      return { ok: false, failure: { reason: rejected ? 'early-data-skipped' : 'bad-record-mac', detail } };
    }
    try {
      const r = early.opener.open(record);
      return { ok: true, record: { ...r, epoch: 'early', rejectedEarlyData: rejected || undefined } };
    } catch (e) {
      if (rejected)
        return {
          ok: false,
          failure: { reason: 'early-data-skipped', detail: 'rejected 0-RTT record skipped (RFC 8446 §4.2.10)' },
        };
      return { ok: false, failure: failureOf(e) };
    }
  }

  /**
   * Accepted 0-RTT without the early secret: EndOfEarlyData cannot be read, so the client's first
   * record that opens with the handshake keys (its Finished) moves it to them.
   */
  #resync(record: TlsRecord): OpenResult | undefined {
    if (this.serverRandom === undefined) return undefined;
    const epoch = this.#tls13Epoch('handshake', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
    try {
      const r = epoch.opener?.open(record);
      if (!r) return undefined;
      this.#set('client', epoch);
      return { ok: true, record: { ...r, epoch: epoch.name } };
    } catch {
      return undefined;
    }
  }

  #tls12Epoch(side: Side): Epoch {
    const suite = this.cipherSuite === undefined ? undefined : tls12DecryptSuite(this.cipherSuite);
    if (!suite) return { name: 'tls12', failure: unsupported(this.cipherSuite) };
    const master = this.clientRandom && this.#keyLog.secret(this.clientRandom, 'CLIENT_RANDOM');
    if (!master || !this.serverRandom) return { name: 'tls12', failure: this.#missing('CLIENT_RANDOM') };
    const seed = new Uint8Array(64);
    seed.set(this.serverRandom);
    seed.set(this.clientRandom!, 32);
    const mac = suite.kind === 'cbc' ? suite.macLength : 0;
    const iv = suite.kind === 'aead' ? suite.fixedIvLength : 0;
    const k = suite.keyLength;
    const block = tls12Prf(this.#provider, suite.prfHash, master, 'key expansion', seed, 2 * (mac + k + iv));
    const client = side === 'client';
    const macKey = block.subarray(client ? 0 : mac, client ? mac : 2 * mac);
    const keyAt = 2 * mac + (client ? 0 : k);
    const key = block.slice(keyAt, keyAt + k);
    const ivAt = 2 * mac + 2 * k + (client ? 0 : iv);
    if (suite.kind === 'cbc') return { name: 'tls12', opener: new CbcRecordOpener(suite, macKey, key, this.#etm) };
    const opener = new Tls12RecordOpener(this.#provider, suite.aead, { key, iv: block.slice(ivAt, ivAt + iv) });
    return { name: 'tls12', opener };
  }

  #transcriptHash(hash: HashName): Uint8Array {
    const parts = this.#transcript.slice();
    if (this.#helloRetry && parts.length > 0) {
      // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash(Hash(ClientHello1)).
      const h = this.#provider.hash(hash, parts[0]!);
      parts[0] = new Uint8Array([HandshakeType.message_hash, 0, 0, h.length, ...h]);
    }
    const ctx = this.#provider.createHash(hash);
    for (const p of parts) ctx.update(p);
    return ctx.digest();
  }

  #checkFinished(side: Side, verifyData: Uint8Array): FinishedCheck {
    if (!this.clientRandom) return 'no-key';
    if (this.tls13) {
      const suite = this.#tls13Suite();
      const secret = this.#keyLog.secret(this.clientRandom, `${label(side)}_HANDSHAKE_TRAFFIC_SECRET`);
      if (!suite || !secret || secret.length !== HASH_LENGTH[suite.hash]) return 'no-key';
      const expected = finishedVerifyData(this.#provider, suite.hash, secret, this.#transcriptHash(suite.hash));
      return equal(expected, verifyData) ? 'ok' : 'mismatch';
    }
    const suite = this.cipherSuite === undefined ? undefined : tls12DecryptSuite(this.cipherSuite);
    const master = this.#keyLog.secret(this.clientRandom, 'CLIENT_RANDOM');
    if (!suite || !master) return 'no-key';
    const expected = tls12FinishedVerifyData(
      this.#provider,
      suite.prfHash,
      master,
      side,
      this.#transcriptHash(suite.prfHash),
    );
    return equal(expected, verifyData) ? 'ok' : 'mismatch';
  }
}

function label(side: Side): 'CLIENT' | 'SERVER' {
  return side === 'client' ? 'CLIENT' : 'SERVER';
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function unsupported(suite: number | undefined): DecryptFailure {
  const name = suite === undefined ? 'no cipher suite' : suiteName(suite);
  return { reason: 'unsupported-suite', detail: `cannot decrypt ${name}` };
}

function failureOf(e: unknown): DecryptFailure {
  if (e instanceof CbcRecordError) return { reason: e.reason, detail: e.message };
  if (e instanceof TlsAlertError && e.message.includes('authentication failed')) {
    return { reason: 'bad-record-mac', detail: 'tag mismatch: wrong key or corrupted record' };
  }
  return { reason: 'malformed', detail: e instanceof Error ? e.message : String(e) };
}

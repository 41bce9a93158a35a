/**
 * What TLS 1.3 supplies to the record core (RFC 8446 §5, §6, §4.6.3): record protection epochs
 * (early, handshake, application), the skipping of rejected 0-RTT records (§4.2.10), record size
 * limits (RFC 8449), the dummy ChangeCipherSpec of middlebox compatibility (§D.4), the alert policy
 * (every alert but close_notify and user_canceled is fatal, §6), KeyUpdate and the exporter (§7.5).
 * @module
 */
import { TlswireError } from '../bytes/errors.js';
import { exportKeyingMaterial, nextTrafficSecret, type Tls13CipherSuite } from '../crypto/key-schedule.js';
import { sealFragments } from '../crypto/record-epoch.js';
import { RecordOpener, RecordSealer } from '../crypto/record-protection.js';
import { AlertDescription, AlertLevel, ContentType, KeyUpdateRequest, ProtocolVersion } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import type { HandshakeContext } from '../tls/messages/handshake.js';
import type { KeyUpdate } from '../tls/messages/session.js';
import {
  CHANGE_CIPHER_SPEC,
  encodeRecords,
  fragmentContent,
  MAX_PLAINTEXT_LENGTH,
  maxFragmentLengthFor,
  type TlsRecord,
} from '../tls/record.js';
import type { OpenedContent, RecordCore, VersionRecords } from './record-core.js';

/** The least TLS 1.3 protection overhead of a record (RFC 8446 §5.2): content type byte and AEAD tag. */
const EARLY_DATA_OVERHEAD = 1 + 16;

/** Which keys protect a direction (RFC 8446 §2: 0-RTT, handshake, application). */
export type Epoch = 'plaintext' | 'early' | 'handshake' | 'application';

const DECODE_CONTEXT: HandshakeContext = { version: 'tls13' };

/** The application-phase secrets kept for KeyUpdate, post-handshake Finished, the exporter and tickets. */
export interface ApplicationTrafficSecrets {
  /** The peer's application traffic secret (RFC 8446 §7.1). */
  read: Uint8Array;
  /** Ours. */
  write: Uint8Array;
  exporter: Uint8Array;
  /** resumption_master_secret, for NewSessionTicket PSKs (RFC 8446 §4.6.1). */
  resumption: Uint8Array;
}

interface TrafficSecrets extends ApplicationTrafficSecrets {
  suite: Tls13CipherSuite;
  readGeneration: number;
  writeGeneration: number;
}

/** TLS 1.3 record protection and keys of one connection; the TLS 1.3 states' key I/O. */
export class Tls13Records implements VersionRecords {
  readonly version = 'TLS 1.3';
  readonly #core: RecordCore;
  /** Our advertised record_size_limit (RFC 8449), applied to what we read once the peer accepts it. */
  readonly #ownLimit: number | undefined;
  #opener: RecordOpener | undefined;
  #sealer: RecordSealer | undefined;
  #readEpoch: Epoch = 'plaintext';
  #writeEpoch: Epoch = 'plaintext';
  #maxFragment = MAX_PLAINTEXT_LENGTH;
  #peerLimit: number | undefined;
  #ownLimitAccepted = false;
  /** Bytes of rejected 0-RTT data still to skip, or undefined when not skipping (RFC 8446 §4.2.10). */
  #skipBudget: number | undefined;
  #earlyBudget = 0;
  #traffic: TrafficSecrets | undefined;
  #established = false;
  /** Dropped ChangeCipherSpecs, and KeyUpdates received since the last application data (bounded). */
  #ccsDropped = 0;
  #keyUpdatesInARow = 0;

  constructor(core: RecordCore, recordSizeLimit?: number) {
    this.#core = core;
    this.#ownLimit = recordSizeLimit;
  }

  /** Read and write epochs. */
  get epochs(): { read: Epoch; write: Epoch } {
    return { read: this.#readEpoch, write: this.#writeEpoch };
  }

  /** True once application traffic keys are installed both ways. */
  get established(): boolean {
    return this.#established;
  }

  decodeContext(): HandshakeContext {
    return DECODE_CONTEXT;
  }

  // ---------------------------------------------------------------------------------------------
  // Records in

  unprotect(record: TlsRecord): OpenedContent | undefined {
    if (record.type === ContentType.change_cipher_spec) return { type: record.type, content: record.fragment };
    if (record.type === ContentType.application_data) return this.#openProtected(record);
    if (this.#opener && !(record.type === ContentType.alert && this.#readEpoch !== 'application')) {
      // A peer's plaintext alert is tolerated during the handshake (it may not have our keys yet).
      throw new TlsAlertError(AlertDescription.unexpected_message, `unprotected ${record.type} record after keys`);
    }
    if (record.fragment.length > MAX_PLAINTEXT_LENGTH) {
      // RFC 8446 §5.1 (the deframer allows protected sizes while 0-RTT records are skipped).
      throw new TlsAlertError(
        AlertDescription.record_overflow,
        `plaintext record of ${record.fragment.length} bytes exceeds 2^14`,
      );
    }
    return { type: record.type, content: record.fragment };
  }

  /** An application_data record: opened, or skipped as rejected 0-RTT data (RFC 8446 §4.2.10). */
  #openProtected(record: TlsRecord): OpenedContent | undefined {
    const opener = this.#opener;
    if (this.#skipBudget === undefined) {
      if (!opener) throw new TlsAlertError(AlertDescription.unexpected_message, 'application_data record before keys');
      return opener.open(record);
    }
    // Records that fail deprotection are rejected 0-RTT data, skipped; the first that opens starts
    // the client's second flight. After a HelloRetryRequest (no keys yet) every one is skipped.
    if (opener) {
      try {
        const opened = opener.open(record);
        this.#skipBudget = undefined;
        return opened;
      } catch (e) {
        if (!(e instanceof TlsAlertError) || e.alert !== AlertDescription.bad_record_mac) throw e;
      }
    }
    this.#spendSkip(record.fragment.length);
    return undefined;
  }

  /**
   * Count a skipped 0-RTT record against the budget. max_early_data_size counts application data
   * only (RFC 8446 §4.2.10), so the least protection overhead is taken off the ciphertext length.
   */
  #spendSkip(ciphertextLength: number): void {
    const left = (this.#skipBudget ?? 0) - Math.max(0, ciphertextLength - EARLY_DATA_OVERHEAD);
    this.#skipBudget = left;
    if (left < 0) {
      throw new TlsAlertError(AlertDescription.unexpected_message, 'more skipped 0-RTT data than max_early_data_size');
    }
  }

  /** RFC 8446 §5: an unprotected CCS may arrive after the first ClientHello until the peer's Finished; it is dropped. */
  changeCipherSpec(handshakeStarted: boolean): boolean {
    if (!handshakeStarted || this.#readEpoch === 'application') {
      throw new TlsAlertError(AlertDescription.unexpected_message, 'change_cipher_spec outside the handshake');
    }
    if (++this.#ccsDropped > this.#core.limits.changeCipherSpecs) {
      throw new TlsAlertError(
        AlertDescription.unexpected_message,
        `more than ${this.#core.limits.changeCipherSpecs} change_cipher_spec record(s) in the handshake`,
      );
    }
    return false;
  }

  /** RFC 8446 §6: close_notify and user_canceled are warnings; every other alert is fatal whatever its level. */
  toleratesAlert(_level: number, description: number): boolean {
    return description === AlertDescription.user_canceled;
  }

  acceptData(content: Uint8Array): boolean {
    if (this.#readEpoch === 'early') {
      this.#earlyBudget -= content.length;
      if (this.#earlyBudget < 0) {
        throw new TlsAlertError(AlertDescription.unexpected_message, 'more 0-RTT data than max_early_data_size');
      }
      return true;
    }
    if (this.#readEpoch !== 'application') {
      throw new TlsAlertError(AlertDescription.unexpected_message, 'application data during the handshake');
    }
    this.#keyUpdatesInARow = 0;
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Records out

  protect(type: ContentType, content: Uint8Array, plaintextVersion: number): Uint8Array[] {
    const sealer = this.#sealer;
    if (!sealer) {
      return fragmentContent(type, content, { version: plaintextVersion }).map((r) => encodeRecords([r]));
    }
    return [sealFragments(sealer, type, content, this.#maxFragment)];
  }

  alertLevel(description: number): AlertLevel {
    return description === AlertDescription.close_notify || description === AlertDescription.user_canceled
      ? AlertLevel.warning
      : AlertLevel.fatal;
  }

  checkWrite(): void {
    if (this.#writeEpoch !== 'application' && this.#writeEpoch !== 'early') {
      throw new TlswireError('write before the handshake is complete');
    }
  }

  /** Send the dummy ChangeCipherSpec of middlebox compatibility mode (RFC 8446 §D.4): never protected. */
  sendChangeCipherSpec(): void {
    this.#core.flush();
    const fragment = Uint8Array.of(CHANGE_CIPHER_SPEC);
    this.#core.sendRecord(
      encodeRecords([{ type: ContentType.change_cipher_spec, version: ProtocolVersion.TLS1_2, fragment }]),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Keys

  /** Install read keys for `epoch`; the replaced ones are wiped (RFC 8446 §5.1: no message may span the change). */
  setReadKeys(epoch: Epoch, suite: Tls13CipherSuite, secret: Uint8Array): void {
    this.#core.assertBoundary();
    // New keys end any skipping of rejected 0-RTT data (after a HelloRetryRequest, the second
    // ClientHello came after it all).
    this.#skipBudget = undefined;
    const max = this.#ownLimitAccepted ? this.#ownLimit : undefined;
    this.#opener?.dispose();
    this.#opener = RecordOpener.fromSecret(
      this.#core.provider,
      suite,
      secret,
      max ? { maxInnerPlaintext: Math.min(max, 16385) } : {},
    );
    this.#core.deframer.setLimits({ protection: 'tls13-protected', recordSizeLimit: max });
    this.#readEpoch = epoch;
  }

  /** Install write keys for `epoch`; queued messages go out under the old keys first, which are then wiped. */
  setWriteKeys(epoch: Epoch, suite: Tls13CipherSuite, secret: Uint8Array): void {
    this.#core.flush();
    this.#sealer?.dispose();
    this.#sealer = RecordSealer.fromSecret(this.#core.provider, suite, secret);
    this.#writeEpoch = epoch;
    this.#maxFragment = this.#peerLimit
      ? maxFragmentLengthFor(this.#peerLimit, ProtocolVersion.TLS1_3)
      : MAX_PLAINTEXT_LENGTH;
  }

  /**
   * Record size limits agreed (RFC 8449 §4): `peer` is the limit the peer advertised (applies to
   * what we send); `ownAccepted` says the peer saw ours (applies to what we read).
   * @throws TlsAlertError illegal_parameter when the peer's limit is below 64
   */
  setRecordSizeLimits(peer: number | undefined, ownAccepted: boolean): void {
    if (peer !== undefined) maxFragmentLengthFor(peer, ProtocolVersion.TLS1_3);
    this.#peerLimit = peer;
    this.#ownLimitAccepted = ownAccepted && this.#ownLimit !== undefined;
    if (this.#sealer && peer !== undefined) this.#maxFragment = maxFragmentLengthFor(peer, ProtocolVersion.TLS1_3);
  }

  /** Go back to plaintext writes: a HelloRetryRequest ends the 0-RTT epoch (RFC 8446 §4.1.4). */
  clearWriteKeys(): void {
    this.#core.flush();
    this.#sealer?.dispose();
    this.#sealer = undefined;
    this.#writeEpoch = 'plaintext';
    this.#maxFragment = MAX_PLAINTEXT_LENGTH;
  }

  /** Skip up to `budget` bytes of records we cannot (or will not) decrypt: rejected 0-RTT (RFC 8446 §4.2.10). */
  skipEarlyData(budget: number): void {
    this.#skipBudget = budget;
    // After a HelloRetryRequest (no read keys) the skipped records are protected ones, up to
    // 2^14 + 256 bytes (RFC 8446 §5.2); plaintext records keep their 2^14 limit (checked in unprotect).
    if (!this.#opener) this.#core.deframer.setLimits({ protection: 'tls13-protected' });
  }

  /** Accept up to `budget` bytes of 0-RTT application data in the early epoch. */
  acceptEarlyData(budget: number): void {
    this.#earlyBudget = budget;
  }

  /**
   * The handshake is done: keep the application secrets (they are ours from now on: wiped when
   * replaced by KeyUpdate and on dispose, so no other copy outlives the connection).
   */
  setApplicationSecrets(suite: Tls13CipherSuite, secrets: ApplicationTrafficSecrets): void {
    const { read, write, exporter, resumption } = secrets;
    this.#traffic = { suite, read, write, exporter, resumption, readGeneration: 0, writeGeneration: 0 };
    this.#established = true;
  }

  /**
   * resumption_master_secret (RFC 8446 §7.1), the base of every NewSessionTicket's PSK.
   * @throws TlswireError before the handshake is complete
   */
  resumptionSecret(): Uint8Array {
    if (!this.#traffic) throw new TlswireError('resumption secret used before the handshake is complete');
    return this.#traffic.resumption;
  }

  /**
   * The current application traffic secret of one direction (after any KeyUpdate): the base key of
   * a post-handshake Finished (RFC 8446 §4.4, §4.6.2). `write` is ours, `read` the peer's.
   * @throws TlswireError before the handshake is complete
   */
  applicationSecret(direction: 'read' | 'write'): Uint8Array {
    const traffic = this.#traffic;
    if (!traffic) throw new TlswireError('application secrets used before the handshake is complete');
    return direction === 'read' ? traffic.read : traffic.write;
  }

  // ---------------------------------------------------------------------------------------------
  // KeyUpdate and exporter

  /** Send a KeyUpdate and move our write direction to the next secret (RFC 8446 §4.6.3). */
  keyUpdate(requestPeer: boolean): void {
    const traffic = this.#traffic;
    if (!traffic || this.#writeEpoch !== 'application') {
      throw new TlswireError('keyUpdate before the handshake is complete');
    }
    if (this.#core.closed) throw new TlswireError('keyUpdate after close()');
    this.#core.send({
      type: 'key_update',
      requestUpdate: requestPeer ? KeyUpdateRequest.update_requested : KeyUpdateRequest.update_not_requested,
    });
    this.#core.flush();
    this.#nextGeneration(traffic, 'write');
    this.#core.emit({ kind: 'key-update', direction: 'sent' });
  }

  /** A KeyUpdate arrived (RFC 8446 §4.6.3): move our read direction on, and answer if asked. */
  receiveKeyUpdate(message: KeyUpdate): void {
    const traffic = this.#traffic;
    if (!traffic) throw new TlsAlertError(AlertDescription.unexpected_message, 'KeyUpdate before Finished');
    if (
      message.requestUpdate !== KeyUpdateRequest.update_requested &&
      message.requestUpdate !== KeyUpdateRequest.update_not_requested
    ) {
      throw new TlsAlertError(AlertDescription.illegal_parameter, `KeyUpdate request_update ${message.requestUpdate}`);
    }
    if (++this.#keyUpdatesInARow > this.#core.limits.keyUpdates) {
      // Each costs a key derivation (and an answer when requested): a run without data is bounded.
      throw new TlsAlertError(
        AlertDescription.unexpected_message,
        `more than ${this.#core.limits.keyUpdates} KeyUpdates without application data`,
      );
    }
    this.#nextGeneration(traffic, 'read');
    this.#core.emit({ kind: 'key-update', direction: 'received' });
    if (message.requestUpdate === KeyUpdateRequest.update_requested && !this.#core.closed) this.keyUpdate(false);
  }

  /**
   * Move one direction to application_traffic_secret_N+1 (RFC 8446 §7.2): the old secret is wiped,
   * the new one keys the records and goes to the key log as CLIENT/SERVER_TRAFFIC_SECRET_N+1.
   */
  #nextGeneration(traffic: TrafficSecrets, direction: 'read' | 'write'): void {
    const next = nextTrafficSecret(this.#core.provider, traffic.suite.hash, traffic[direction]);
    traffic[direction].fill(0);
    traffic[direction] = next;
    const generation = direction === 'read' ? ++traffic.readGeneration : ++traffic.writeGeneration;
    if (direction === 'read') this.setReadKeys('application', traffic.suite, next);
    else this.setWriteKeys('application', traffic.suite, next);
    const ours = (direction === 'write') === (this.#core.role === 'client');
    this.#core.secret(`${ours ? 'CLIENT' : 'SERVER'}_TRAFFIC_SECRET_${generation}`, next);
  }

  /**
   * Keying material exporter (RFC 8446 §7.5).
   * @throws TlswireError before the handshake is complete
   */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    const traffic = this.#traffic;
    if (!traffic) throw new TlswireError('exporter used before the handshake is complete');
    return exportKeyingMaterial(this.#core.provider, traffic.suite.hash, traffic.exporter, label, context, length);
  }

  /** Wipe both directions' keys and the kept secrets. */
  dispose(): void {
    this.#opener?.dispose();
    this.#sealer?.dispose();
    this.#opener = undefined;
    this.#sealer = undefined;
    const traffic = this.#traffic;
    if (traffic) for (const s of [traffic.read, traffic.write, traffic.exporter, traffic.resumption]) s.fill(0);
    this.#traffic = undefined;
  }
}

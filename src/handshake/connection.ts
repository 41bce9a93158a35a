/**
 * The connection core both TLS 1.3 roles share (RFC 8446 §5, §6, §4.6.3): record deframing with
 * the limits of each epoch, handshake reassembly, record protection epochs, flights coalesced into
 * records, alerts in and out, close_notify, application data, KeyUpdate and exporters.
 *
 * The core knows nothing of handshake states: complete handshake messages go to the role's
 * `onHandshake` callback, which runs its state machine and uses the core's methods as its I/O.
 * Every failure goes through {@link ConnectionCore.fail}: the alert comes from `alertFor`.
 * @module
 */
import { TlswireError } from '../bytes/errors.js';
import { concat } from '../bytes/hex.js';
import { exportKeyingMaterial, nextTrafficSecret, type Tls13CipherSuite } from '../crypto/key-schedule.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { RecordOpener, RecordSealer } from '../crypto/record-protection.js';
import { parseAlert, serializeAlert } from '../tls/alert.js';
import { AlertDescription, AlertLevel, ContentType, KeyUpdateRequest, ProtocolVersion } from '../tls/enums.js';
import { PeerAlertError, TlsAlertError } from '../tls/errors.js';
import { HandshakeReassembler } from '../tls/handshake-framing.js';
import {
  type DecodedHandshake,
  decodeHandshake,
  encodeHandshake,
  type HandshakeMessage,
} from '../tls/messages/handshake.js';
import type { KeyUpdate } from '../tls/messages/session.js';
import {
  CHANGE_CIPHER_SPEC,
  encodeRecords,
  fragmentContent,
  MAX_PLAINTEXT_LENGTH,
  maxFragmentLengthFor,
  parseChangeCipherSpec,
  RecordDeframer,
  type TlsRecord,
} from '../tls/record.js';
import { failConnection, type Offered } from './diagnosis.js';
import type { TlsEvent } from './types.js';

/** The least TLS 1.3 protection overhead of a record (RFC 8446 §5.2): content type byte and AEAD tag. */
const EARLY_DATA_OVERHEAD = 1 + 16;

/** Which keys protect a direction (RFC 8446 §2: 0-RTT, handshake, application). */
export type Epoch = 'plaintext' | 'early' | 'handshake' | 'application';

/** What the core needs from its owner. */
export interface CoreOptions {
  role: 'client' | 'server';
  provider: CryptoProvider;
  onOutgoingMessage?: (message: HandshakeMessage, raw: Uint8Array) => Uint8Array | undefined;
  /** Our advertised record_size_limit (RFC 8449), applied to what we read once the peer accepts it. */
  recordSizeLimit?: number;
  /** Handles one received handshake message (the role's state machine). */
  onHandshake: (message: DecodedHandshake) => void;
  /** The role's current state name and offer, for the diagnosis of a failure. */
  describe: () => { state: string; offered?: Offered };
}

/**
 * Record layer, epochs and events of one connection. Internal to the handshake layer: the roles
 * (`TlsClient`, `TlsServer`) wrap it and their states use it as their I/O.
 */
export class ConnectionCore {
  readonly role: 'client' | 'server';
  readonly provider: CryptoProvider;
  /** The ClientHello.random that names this connection in key logs. */
  clientRandom: Uint8Array = new Uint8Array(32);
  /** legacy_record_version of plaintext records (0x0301 for a first ClientHello, RFC 8446 §5.1). */
  plaintextVersion: number = ProtocolVersion.TLS1_2;
  /** Whether a ChangeCipherSpec record may arrive now (RFC 8446 §5: during the handshake only). */
  ccsAllowed = false;

  readonly #options: CoreOptions;
  #events: TlsEvent[] = [];
  readonly #deframer = new RecordDeframer();
  readonly #reassembler = new HandshakeReassembler();
  #opener: RecordOpener | undefined;
  #sealer: RecordSealer | undefined;
  #readEpoch: Epoch = 'plaintext';
  #writeEpoch: Epoch = 'plaintext';
  #pending: Uint8Array[] = [];
  #maxFragment = MAX_PLAINTEXT_LENGTH;
  #peerLimit: number | undefined;
  #ownLimitAccepted = false;
  /** Bytes of rejected 0-RTT data still to skip, or undefined when not skipping (RFC 8446 §4.2.10). */
  #skipBudget: number | undefined;
  #earlyBudget = 0;
  #failed = false;
  /** A {@link run} is in progress (a nested call runs in place). */
  #running = false;
  #peerClosed = false;
  #closed = false;
  #suite: Tls13CipherSuite | undefined;
  #readSecret: Uint8Array | undefined;
  #writeSecret: Uint8Array | undefined;
  #exporterSecret: Uint8Array | undefined;
  #readGeneration = 0;
  #writeGeneration = 0;

  constructor(options: CoreOptions) {
    this.role = options.role;
    this.provider = options.provider;
    this.#options = options;
  }

  /** Read and write epochs. */
  get epochs(): { read: Epoch; write: Epoch } {
    return { read: this.#readEpoch, write: this.#writeEpoch };
  }

  /** True once application traffic keys are installed both ways. */
  get established(): boolean {
    return this.#readSecret !== undefined && this.#writeSecret !== undefined;
  }

  /** True after a failure: the connection is dead. */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Run `f` (a user call or received input), turn a throw into the alert and error events, and return
   * the events.
   *
   * A call made from inside another (a certificate verifier or selector, or the research hook, calling
   * `write` or `close` on the connection) runs in place and returns no events: its events stay in
   * the outer call's list, in order, after those emitted before it (a received Certificate is
   * reported before the CertificateVerify that follows it). A throw from it reaches its caller.
   */
  run(f: () => void): TlsEvent[] {
    if (this.#running) {
      if (!this.#failed) f();
      return [];
    }
    this.#running = true;
    try {
      if (!this.#failed) {
        try {
          f();
          this.flush();
        } catch (e) {
          this.fail(e);
        }
      }
    } finally {
      this.#running = false;
    }
    const out = this.#events;
    this.#events = [];
    return out;
  }

  /** Append an event. */
  emit(event: TlsEvent): void {
    this.#events.push(event);
  }

  /** Report a secret for the key log. */
  secret(label: string, secret: Uint8Array): void {
    this.emit({ kind: 'secret', label, secret: secret.slice(), clientRandom: this.clientRandom });
  }

  // ---------------------------------------------------------------------------------------------
  // Input

  /** Bytes from the peer. */
  receive(bytes: Uint8Array): void {
    this.#deframer.push(bytes);
    for (let record = this.#deframer.next(); record; record = this.#deframer.next()) {
      if (this.#peerClosed || this.#failed) continue;
      this.#onRecord(record);
    }
  }

  #onRecord(record: TlsRecord): void {
    if (record.type === ContentType.change_cipher_spec) {
      // RFC 8446 §5: an unprotected CCS of value 0x01 may arrive during the handshake and is dropped.
      if (!this.ccsAllowed) {
        throw new TlsAlertError(AlertDescription.unexpected_message, 'change_cipher_spec outside the handshake');
      }
      parseChangeCipherSpec(record.fragment);
      this.#reassembler.assertBoundary('change_cipher_spec record');
      return;
    }
    let type: number = record.type;
    let content = record.fragment;
    if (this.#opener) {
      if (record.type !== ContentType.application_data) {
        // Tolerate a peer's plaintext alert during the handshake (it may not have our keys yet).
        if (!(record.type === ContentType.alert && this.#readEpoch !== 'application')) {
          throw new TlsAlertError(AlertDescription.unexpected_message, `unprotected ${record.type} record after keys`);
        }
      } else {
        if (this.#skipBudget !== undefined) {
          // RFC 8446 §4.2.10: records that fail deprotection are rejected 0-RTT data, skipped; the
          // first that opens starts the client's second flight.
          try {
            const opened = this.#opener.open(record);
            this.#skipBudget = undefined;
            type = opened.type;
            content = opened.content;
          } catch (e) {
            if (!(e instanceof TlsAlertError) || e.alert !== AlertDescription.bad_record_mac) throw e;
            this.#spendSkip(record.fragment.length);
            return;
          }
        } else {
          const opened = this.#opener.open(record);
          type = opened.type;
          content = opened.content;
        }
      }
    } else if (record.type !== ContentType.application_data) {
      if (record.fragment.length > MAX_PLAINTEXT_LENGTH) {
        // RFC 8446 §5.1 (the deframer allows protected sizes while 0-RTT records are skipped).
        throw new TlsAlertError(
          AlertDescription.record_overflow,
          `plaintext record of ${record.fragment.length} bytes exceeds 2^14`,
        );
      }
    } else {
      if (this.#skipBudget !== undefined) {
        // RFC 8446 §4.2.10: after a HelloRetryRequest, 0-RTT records are skipped.
        this.#spendSkip(record.fragment.length);
        return;
      }
      throw new TlsAlertError(AlertDescription.unexpected_message, 'application_data record before keys');
    }
    switch (type) {
      case ContentType.alert:
        this.#reassembler.assertBoundary('alert record');
        this.#onAlert(content);
        return;
      case ContentType.handshake:
        this.#reassembler.push(content);
        for (let frame = this.#reassembler.next(); frame; frame = this.#reassembler.next()) {
          if (this.#failed || this.#peerClosed) return;
          const message = decodeHandshake(frame.raw, { version: 'tls13' });
          this.emit({ kind: 'handshake-message', direction: 'received', message, raw: frame.raw });
          this.#options.onHandshake(message);
        }
        return;
      case ContentType.application_data:
        this.#reassembler.assertBoundary('application_data record');
        this.#onData(content);
        return;
      default:
        throw new TlsAlertError(AlertDescription.unexpected_message, `record of content type ${type}`);
    }
  }

  /**
   * Count a skipped 0-RTT record against the budget. max_early_data_size counts application data
   * only (RFC 8446 §4.2.10), so the least protection overhead (the inner content type byte and a
   * 16-byte AEAD tag) is taken off the ciphertext length.
   */
  #spendSkip(ciphertextLength: number): void {
    const left = (this.#skipBudget ?? 0) - Math.max(0, ciphertextLength - EARLY_DATA_OVERHEAD);
    this.#skipBudget = left;
    if (left < 0) {
      throw new TlsAlertError(AlertDescription.unexpected_message, 'more skipped 0-RTT data than max_early_data_size');
    }
  }

  #onAlert(content: Uint8Array): void {
    const alert = parseAlert(content);
    this.emit({ kind: 'alert-received', level: alert.level, description: alert.description });
    if (alert.description === AlertDescription.close_notify) {
      this.#peerClosed = true;
      this.emit({ kind: 'closed' });
      return;
    }
    if (alert.description === AlertDescription.user_canceled) return;
    throw new PeerAlertError(alert.level, alert.description);
  }

  #onData(content: Uint8Array): void {
    if (this.#readEpoch === 'early') {
      this.#earlyBudget -= content.length;
      if (this.#earlyBudget < 0) {
        throw new TlsAlertError(AlertDescription.unexpected_message, 'more 0-RTT data than max_early_data_size');
      }
      this.emit({ kind: 'data', bytes: content, early: true });
      return;
    }
    if (this.#readEpoch !== 'application') {
      throw new TlsAlertError(AlertDescription.unexpected_message, 'application data during the handshake');
    }
    this.emit({ kind: 'data', bytes: content, early: false });
  }

  // ---------------------------------------------------------------------------------------------
  // Output

  /**
   * Send a handshake message: encode it, let the research hook replace it, queue it for the current
   * write epoch, and report it. Returns the bytes sent (what the transcript must hash).
   * @param encoded `message` already encoded, when the caller had to encode it anyway
   */
  send(message: HandshakeMessage, encoded?: Uint8Array): Uint8Array {
    let raw = encoded ?? encodeHandshake(message);
    let sent = message;
    const replaced = this.#options.onOutgoingMessage?.(message, raw);
    if (replaced) {
      raw = replaced;
      try {
        sent = decodeHandshake(raw, { version: 'tls13' });
      } catch {
        sent = message;
      }
    }
    this.#pending.push(raw);
    this.emit({ kind: 'handshake-message', direction: 'sent', message: sent, raw });
    return raw;
  }

  /** Send the dummy ChangeCipherSpec of middlebox compatibility mode (RFC 8446 §D.4). */
  sendChangeCipherSpec(): void {
    this.flush();
    this.#emitRecords([
      {
        type: ContentType.change_cipher_spec,
        version: ProtocolVersion.TLS1_2,
        fragment: Uint8Array.of(CHANGE_CIPHER_SPEC),
      },
    ]);
  }

  /** Frame (and protect) the queued handshake messages into records. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const content = this.#pending.length === 1 ? this.#pending[0]! : concat(...this.#pending);
    this.#pending = [];
    this.#sendContent(ContentType.handshake, content);
  }

  #sendContent(type: ContentType, content: Uint8Array): void {
    if (this.#sealer) {
      const max = this.#maxFragment;
      if (type === ContentType.application_data && content.length === 0) {
        this.emit({ kind: 'send', bytes: this.#sealer.seal(type, content) });
        return;
      }
      for (let at = 0; at < content.length; at += max) {
        this.emit({
          kind: 'send',
          bytes: this.#sealer.seal(type, content.subarray(at, Math.min(at + max, content.length))),
        });
      }
      return;
    }
    this.#emitRecords(fragmentContent(type, content, { version: this.plaintextVersion }));
  }

  #emitRecords(records: TlsRecord[]): void {
    for (const r of records) this.emit({ kind: 'send', bytes: encodeRecords([r]) });
  }

  /** Send an alert with the current write keys and report it. */
  sendAlert(description: number): void {
    this.flush();
    const level =
      description === AlertDescription.close_notify || description === AlertDescription.user_canceled
        ? AlertLevel.warning
        : AlertLevel.fatal;
    this.#sendContent(ContentType.alert, serializeAlert({ level, description }));
    this.emit({ kind: 'alert-sent', level, description });
  }

  // ---------------------------------------------------------------------------------------------
  // Keys

  /** Install read keys for `epoch` (RFC 8446 §5.1: no handshake message may span the change). */
  setReadKeys(epoch: Epoch, suite: Tls13CipherSuite, secret: Uint8Array): void {
    this.#reassembler.assertBoundary();
    // New keys end any skipping of rejected 0-RTT data (the HelloRetryRequest case: the second
    // ClientHello came after it all).
    this.#skipBudget = undefined;
    const max = this.#ownLimitAccepted ? this.#options.recordSizeLimit : undefined;
    this.#opener = RecordOpener.fromSecret(
      this.provider,
      suite,
      secret,
      max ? { maxInnerPlaintext: Math.min(max, 16385) } : {},
    );
    this.#deframer.setLimits({ protection: 'tls13-protected', recordSizeLimit: max });
    this.#readEpoch = epoch;
  }

  /** Install write keys for `epoch`; queued messages go out under the old keys first. */
  setWriteKeys(epoch: Epoch, suite: Tls13CipherSuite, secret: Uint8Array): void {
    this.flush();
    this.#sealer = RecordSealer.fromSecret(this.provider, suite, secret);
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
    this.#ownLimitAccepted = ownAccepted && this.#options.recordSizeLimit !== undefined;
    if (this.#sealer && peer !== undefined) this.#maxFragment = maxFragmentLengthFor(peer, ProtocolVersion.TLS1_3);
  }

  /** Go back to plaintext writes: a HelloRetryRequest ends the 0-RTT epoch (RFC 8446 §4.1.4). */
  clearWriteKeys(): void {
    this.flush();
    this.#sealer?.dispose();
    this.#sealer = undefined;
    this.#writeEpoch = 'plaintext';
    this.#maxFragment = MAX_PLAINTEXT_LENGTH;
  }

  /** Skip up to `budget` bytes of records we cannot (or will not) decrypt: rejected 0-RTT (RFC 8446 §4.2.10). */
  skipEarlyData(budget: number): void {
    this.#skipBudget = budget;
    // After a HelloRetryRequest (no read keys) the skipped records are protected ones, up to
    // 2^14 + 256 bytes (RFC 8446 §5.2); plaintext records keep their 2^14 limit (checked in #onRecord).
    if (!this.#opener) this.#deframer.setLimits({ protection: 'tls13-protected' });
  }

  /** Accept up to `budget` bytes of 0-RTT application data in the early epoch. */
  acceptEarlyData(budget: number): void {
    this.#earlyBudget = budget;
  }

  /** The handshake is done: keep the application secrets for KeyUpdate and the exporter. */
  setApplicationSecrets(suite: Tls13CipherSuite, read: Uint8Array, write: Uint8Array, exporter: Uint8Array): void {
    this.#suite = suite;
    this.#readSecret = read.slice();
    this.#writeSecret = write.slice();
    this.#exporterSecret = exporter.slice();
  }

  /**
   * The current application traffic secret of one direction (after any KeyUpdate): the base key of
   * a post-handshake Finished (RFC 8446 §4.4, §4.6.2). `write` is ours, `read` the peer's.
   * @throws TlswireError before the handshake is complete
   */
  applicationSecret(direction: 'read' | 'write'): Uint8Array {
    const secret = direction === 'read' ? this.#readSecret : this.#writeSecret;
    if (!secret) throw new TlswireError('application secrets used before the handshake is complete');
    return secret;
  }

  // ---------------------------------------------------------------------------------------------
  // Application calls

  /** Send application data (RFC 8446 §5.1: in records of at most the fragment limit). */
  write(data: Uint8Array): void {
    if (this.#closed) throw new TlswireError('write after close()');
    if (this.#writeEpoch !== 'application' && this.#writeEpoch !== 'early') {
      throw new TlswireError('write before the handshake is complete');
    }
    this.flush();
    this.#sendContent(ContentType.application_data, data);
  }

  /** Send close_notify (RFC 8446 §6.1); nothing may be written afterwards. */
  close(): void {
    if (this.#closed) return;
    this.sendAlert(AlertDescription.close_notify);
    this.#closed = true;
  }

  /** Send a KeyUpdate and move our write direction to the next secret (RFC 8446 §4.6.3). */
  keyUpdate(requestPeer: boolean): void {
    if (!this.#suite || !this.#writeSecret || this.#writeEpoch !== 'application') {
      throw new TlswireError('keyUpdate before the handshake is complete');
    }
    if (this.#closed) throw new TlswireError('keyUpdate after close()');
    this.send({
      type: 'key_update',
      requestUpdate: requestPeer ? KeyUpdateRequest.update_requested : KeyUpdateRequest.update_not_requested,
    });
    this.flush();
    const next = nextTrafficSecret(this.provider, this.#suite.hash, this.#writeSecret);
    this.#writeSecret.fill(0);
    this.#writeSecret = next;
    this.#writeGeneration++;
    this.setWriteKeys('application', this.#suite, next);
    this.secret(`${this.role === 'client' ? 'CLIENT' : 'SERVER'}_TRAFFIC_SECRET_${this.#writeGeneration}`, next);
    this.emit({ kind: 'key-update', direction: 'sent' });
  }

  /** A KeyUpdate arrived (RFC 8446 §4.6.3): move our read direction on, and answer if asked. */
  receiveKeyUpdate(message: KeyUpdate): void {
    if (!this.#suite || !this.#readSecret)
      throw new TlsAlertError(AlertDescription.unexpected_message, 'KeyUpdate before Finished');
    if (
      message.requestUpdate !== KeyUpdateRequest.update_requested &&
      message.requestUpdate !== KeyUpdateRequest.update_not_requested
    ) {
      throw new TlsAlertError(AlertDescription.illegal_parameter, `KeyUpdate request_update ${message.requestUpdate}`);
    }
    const next = nextTrafficSecret(this.provider, this.#suite.hash, this.#readSecret);
    this.#readSecret.fill(0);
    this.#readSecret = next;
    this.#readGeneration++;
    this.setReadKeys('application', this.#suite, next);
    this.secret(`${this.role === 'client' ? 'SERVER' : 'CLIENT'}_TRAFFIC_SECRET_${this.#readGeneration}`, next);
    this.emit({ kind: 'key-update', direction: 'received' });
    if (message.requestUpdate === KeyUpdateRequest.update_requested && !this.#closed) this.keyUpdate(false);
  }

  /**
   * Keying material exporter (RFC 8446 §7.5).
   * @throws TlswireError before the handshake is complete
   */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    if (!this.#suite || !this.#exporterSecret) throw new TlswireError('exporter used before the handshake is complete');
    return exportKeyingMaterial(this.provider, this.#suite.hash, this.#exporterSecret, label, context, length);
  }

  // ---------------------------------------------------------------------------------------------
  // Failure

  /**
   * End the connection because of `error`: send the alert `alertFor` names (none when the peer's
   * alert ended it), and report a {@link ConnectionFailure}: the stage, the alert, the reason and a
   * hint, with `error` as its cause.
   */
  fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#pending = [];
    const failure = failConnection(error, {
      role: this.role,
      established: this.established,
      sendAlert: (description) => this.sendAlert(description),
      describe: () => this.#options.describe(),
    });
    this.emit({ kind: 'error', error: failure });
  }
}

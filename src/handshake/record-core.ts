/**
 * The one connection core of both TLS versions (RFC 8446 §5, §6; RFC 5246 §6, §7.1, §7.2): the input
 * loop with its re-entrancy guard, record deframing, handshake reassembly, alerts in and out,
 * close_notify, application data, flights coalesced into one write, and failure into one
 * `ConnectionFailure`.
 *
 * What differs between the versions comes from a {@link VersionRecords} (src/handshake/tls13-records.ts,
 * src/handshake/tls12/records.ts): record protection and its keys, the alert policy, the decode
 * context and what a ChangeCipherSpec means. A connection that negotiates its version starts with one
 * and switches once ({@link RecordCore.useVersion}) when the hello decides, so the first flight is
 * read once, by this core, and never replayed.
 *
 * The core knows nothing of handshake states: complete messages (and a TLS 1.2 ChangeCipherSpec) go
 * to the owner's `onInput`, which runs its states and uses the core's methods as their I/O. Every
 * failure goes through {@link RecordCore.fail} (src/handshake/diagnosis.ts maps it to the alert).
 * @module
 */
import { TlswireError } from '../bytes/errors.js';
import { concat } from '../bytes/hex.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { parseAlert, serializeAlert } from '../tls/alert.js';
import { AlertDescription, type AlertLevel, ContentType, ProtocolVersion } from '../tls/enums.js';
import { PeerAlertError, TlsAlertError } from '../tls/errors.js';
import { HandshakeReassembler } from '../tls/handshake-framing.js';
import {
  type DecodedHandshake,
  decodeHandshake,
  encodeHandshake,
  type HandshakeContext,
  type HandshakeMessage,
} from '../tls/messages/handshake.js';
import { parseChangeCipherSpec, RecordDeframer, type TlsRecord } from '../tls/record.js';
import { failConnection, type Offered } from './diagnosis.js';
import { type AnyTlsEvent, DEFAULT_PEER_LIMITS, type PeerLimits } from './types.js';

/** What a state receives: a handshake message, or (TLS 1.2) the ChangeCipherSpec that switches read keys. */
export type CoreInput = DecodedHandshake | { type: 'change_cipher_spec' };

/** A record's content once its protection is removed. */
export interface OpenedContent {
  type: number;
  content: Uint8Array;
}

/** What one TLS version supplies to the core: everything that differs between TLS 1.2 and TLS 1.3. */
export interface VersionRecords {
  /** 'TLS 1.2' or 'TLS 1.3', for failure reports. */
  readonly version: 'TLS 1.2' | 'TLS 1.3';
  /** True once application data may flow both ways. */
  readonly established: boolean;
  /** How handshake messages decode under this version. */
  decodeContext(): HandshakeContext;
  /** Remove the protection of a record: its real content type and content, or undefined to drop it. */
  unprotect(record: TlsRecord): OpenedContent | undefined;
  /**
   * Protect `content` of `type` into records (one or more, each a complete record's bytes).
   * `plaintextVersion` is the legacy_record_version of an unprotected record.
   */
  protect(type: ContentType, content: Uint8Array, plaintextVersion: number): Uint8Array[];
  /** A ChangeCipherSpec record arrived at a message boundary: true to hand it to the states. */
  changeCipherSpec(handshakeStarted: boolean): boolean;
  /** The level of an alert we send. */
  alertLevel(description: number): AlertLevel;
  /** A received alert other than close_notify: true when the connection goes on. */
  toleratesAlert(level: number, description: number): boolean;
  /** Received application data: true when it is 0-RTT data; throws when none may arrive now. */
  acceptData(content: Uint8Array): boolean;
  /** @throws TlswireError when application data may not be written now */
  checkWrite(): void;
  /** Keying material exporter of this version. */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array;
  /** Wipe every key and secret held. */
  dispose(): void;
}

/** What the core needs from its owner. */
export interface CoreOptions {
  role: 'client' | 'server';
  provider: CryptoProvider;
  /** Emit `secret` events (key log material): off unless a key log asks (a function is asked at each secret). */
  keyLog?: boolean | (() => boolean);
  onOutgoingMessage?: (message: HandshakeMessage, raw: Uint8Array) => Uint8Array | undefined;
  /** What the peer may send for free (default {@link DEFAULT_PEER_LIMITS}). */
  limits?: PeerLimits;
  /** Handles one received handshake message or ChangeCipherSpec (the owner's states). */
  onInput: (input: CoreInput) => void;
  /** The current state name and offer, for the diagnosis of a failure. */
  describe: () => { state: string; offered?: Offered };
}

/** A record layer and the events of one connection, for both versions. Internal to the handshake layer. */
export class RecordCore {
  readonly role: 'client' | 'server';
  readonly provider: CryptoProvider;
  readonly #options: CoreOptions;
  #records: VersionRecords | undefined;
  #clientRandom: Uint8Array = new Uint8Array(32);
  #events: AnyTlsEvent[] = [];
  /** The `send` event of the current call, which every record of the call goes into (one write). */
  #sendEvent: { kind: 'send'; bytes: Uint8Array } | undefined;
  #out: Uint8Array[] = [];
  readonly #deframer = new RecordDeframer();
  readonly #reassembler = new HandshakeReassembler();
  #pending: Uint8Array[] = [];
  /** legacy_record_version of the pending plaintext flight (0x0301 for an initial ClientHello, RFC 8446 §5.1). */
  #pendingVersion: number = ProtocolVersion.TLS1_2;
  /** A ClientHello was sent or received: ChangeCipherSpec may now arrive (RFC 8446 §5). */
  #started = false;
  #failed = false;
  #running = false;
  /** Empty application_data records and warning alerts received in a row (RFC 8446 §5.1 allows both). */
  #emptyInARow = 0;
  #warningsInARow = 0;
  #peerClosed = false;
  #closed = false;

  /** The owner then installs the rules of the version spoken first with {@link useVersion}. */
  constructor(options: CoreOptions) {
    this.role = options.role;
    this.provider = options.provider;
    this.#options = options;
  }

  /** The version rules in force. */
  get records(): VersionRecords {
    if (!this.#records) throw new TlswireError('RecordCore used before useVersion()');
    return this.#records;
  }

  /** The ClientHello.random that names this connection in key logs. */
  get clientRandom(): Uint8Array {
    return this.#clientRandom;
  }

  /** The peer limits in force. */
  get limits(): PeerLimits {
    return this.#options.limits ?? DEFAULT_PEER_LIMITS;
  }

  /** True once application data may flow both ways. */
  get established(): boolean {
    return this.records.established;
  }

  /** True after a failure: the connection is dead. */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Install the rules of the version spoken first, or switch to the negotiated version's once the
   * hello decided (the old ones are disposed). Returns `records`.
   */
  useVersion<R extends VersionRecords>(records: R): R {
    if (records !== this.#records) this.#records?.dispose();
    this.#records = records;
    return records;
  }

  /** Name the connection by its ClientHello.random (a copy is kept). */
  setClientRandom(random: Uint8Array): void {
    this.#clientRandom = random.slice();
  }

  /**
   * Run `f` (a user call or received input), turn a throw into the alert and error events, and return
   * the events. Every record produced by the call goes out in one `send` event (one write).
   *
   * A call made from inside another (a certificate verifier or selector, or the research hook, calling
   * `write` or `close`) runs in place and returns no events: its events stay in the outer call's list,
   * in order. A throw from it reaches its caller.
   */
  run(f: () => void): AnyTlsEvent[] {
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
    return this.#takeEvents();
  }

  #takeEvents(): AnyTlsEvent[] {
    if (this.#sendEvent) this.#takeSend();
    const out = this.#events;
    this.#events = [];
    return out;
  }

  /** Append an event. */
  emit(event: AnyTlsEvent): void {
    this.#events.push(event);
  }

  /** Report a secret for the key log, when a key log asked for them (a copy: the caller wipes its own). */
  secret(label: string, secret: Uint8Array): void {
    const wanted = this.#options.keyLog;
    if (!(typeof wanted === 'function' ? wanted() : wanted)) return;
    this.emit({ kind: 'secret', label, secret: secret.slice(), clientRandom: this.#clientRandom });
  }

  // ---------------------------------------------------------------------------------------------
  // Input

  /** Bytes from the peer; `adopt`: see {@link RecordDeframer.push}. */
  receive(bytes: Uint8Array, adopt = false): void {
    this.#deframer.push(bytes, adopt);
    for (let record = this.#deframer.next(); record; record = this.#deframer.next()) {
      if (this.#peerClosed || this.#failed) continue;
      this.#onRecord(record);
    }
  }

  /** Record limits of the deframer (set by the version rules as keys change). */
  get deframer(): RecordDeframer {
    return this.#deframer;
  }

  /** RFC 8446 §5.1, RFC 5246 §6.2.1: no handshake message may span a key change or another content type. */
  assertBoundary(what?: string): void {
    this.#reassembler.assertBoundary(what);
  }

  #onRecord(record: TlsRecord): void {
    const opened = this.records.unprotect(record);
    if (!opened) return;
    if (opened.type !== ContentType.alert) this.#warningsInARow = 0;
    switch (opened.type) {
      case ContentType.change_cipher_spec:
        parseChangeCipherSpec(opened.content);
        this.#reassembler.assertBoundary('change_cipher_spec record');
        if (this.records.changeCipherSpec(this.#started)) this.#options.onInput({ type: 'change_cipher_spec' });
        return;
      case ContentType.alert:
        this.#reassembler.assertBoundary('alert record');
        this.#onAlert(opened.content);
        return;
      case ContentType.handshake:
        this.#onHandshake(opened.content);
        return;
      case ContentType.application_data: {
        this.#reassembler.assertBoundary('application_data record');
        const early = this.records.acceptData(opened.content);
        this.#countEmpty(opened.content.length);
        this.emit({ kind: 'data', bytes: opened.content, early });
        return;
      }
      default:
        throw new TlsAlertError(AlertDescription.unexpected_message, `record of content type ${opened.type}`);
    }
  }

  /** Empty records are allowed (RFC 8446 §5.1, RFC 5246 §6.2.1) but cost us work: a run of them is bounded. */
  #countEmpty(length: number): void {
    this.#emptyInARow = length === 0 ? this.#emptyInARow + 1 : 0;
    if (this.#emptyInARow > this.limits.emptyRecords) {
      throw new TlsAlertError(
        AlertDescription.unexpected_message,
        `more than ${this.limits.emptyRecords} empty application_data records in a row`,
      );
    }
  }

  #onHandshake(content: Uint8Array): void {
    this.#reassembler.push(content);
    for (let frame = this.#reassembler.next(); frame; frame = this.#reassembler.next()) {
      if (this.#failed || this.#peerClosed) return;
      const message = decodeHandshake(frame.raw, this.records.decodeContext());
      if (message.type === 'client_hello') this.#started = true;
      this.emit({ kind: 'handshake-message', direction: 'received', message, raw: frame.raw });
      this.#options.onInput(message);
    }
  }

  /** close_notify closes the peer's direction; the version's policy decides on every other alert. */
  #onAlert(content: Uint8Array): void {
    const alert = parseAlert(content);
    this.emit({ kind: 'alert-received', level: alert.level, description: alert.description });
    if (alert.description === AlertDescription.close_notify) {
      this.#peerClosed = true;
      this.emit({ kind: 'closed' });
      return;
    }
    if (!this.records.toleratesAlert(alert.level, alert.description)) {
      throw new PeerAlertError(alert.level, alert.description);
    }
    if (++this.#warningsInARow > this.limits.warningAlerts) {
      throw new TlsAlertError(
        AlertDescription.unexpected_message,
        `more than ${this.limits.warningAlerts} warning alerts in a row`,
      );
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Output

  /**
   * Send a handshake message: encode it, let the research hook replace it, queue it, and report it.
   * Returns the bytes sent (what the transcript must hash).
   * @param encoded `message` already encoded, when the caller had to encode it anyway
   */
  send(message: HandshakeMessage, encoded?: Uint8Array): Uint8Array {
    let raw = encoded ?? encodeHandshake(message);
    let sent = message;
    const replaced = this.#options.onOutgoingMessage?.(message, raw);
    if (replaced) {
      raw = replaced;
      try {
        sent = decodeHandshake(raw, this.records.decodeContext());
      } catch {
        sent = message;
      }
    }
    if (message.type === 'client_hello' && !this.#started) {
      // RFC 8446 §5.1: an initial ClientHello may go in a record of version 0x0301, as OpenSSL and NSS send it.
      this.flush();
      this.#pendingVersion = ProtocolVersion.TLS1_0;
      this.#started = true;
    }
    this.#pending.push(raw);
    this.emit({ kind: 'handshake-message', direction: 'sent', message: sent, raw });
    return raw;
  }

  /** Frame (and protect) the queued handshake messages into records. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const content = this.#pending.length === 1 ? this.#pending[0]! : concat(...this.#pending);
    this.#pending = [];
    this.sendContent(ContentType.handshake, content, this.#pendingVersion);
    this.#pendingVersion = ProtocolVersion.TLS1_2;
  }

  /** Protect and queue content of one type, under the current write keys. */
  sendContent(type: ContentType, content: Uint8Array, plaintextVersion: number = ProtocolVersion.TLS1_2): void {
    for (const bytes of this.records.protect(type, content, plaintextVersion)) this.#write(bytes);
  }

  /** Queue the bytes of a complete record as they are (the TLS 1.3 dummy ChangeCipherSpec). */
  sendRecord(bytes: Uint8Array): void {
    this.#write(bytes);
  }

  /** Queue record bytes for this call's one `send` event. */
  #write(bytes: Uint8Array): void {
    if (!this.#sendEvent) {
      this.#sendEvent = { kind: 'send', bytes };
      this.emit(this.#sendEvent);
    }
    this.#out.push(bytes);
    // Outside run() (a state driven directly), every record is its own event.
    if (!this.#running) this.#takeSend();
  }

  /** Close this call's `send` event: its bytes are every record queued for it. */
  #takeSend(): void {
    const event = this.#sendEvent!;
    event.bytes = this.#out.length === 1 ? this.#out[0]! : concat(...this.#out);
    this.#sendEvent = undefined;
    this.#out = [];
  }

  /** Send an alert with the current write keys, at the level the version gives it, and report it. */
  sendAlert(description: number): void {
    this.flush();
    const level = this.records.alertLevel(description);
    this.sendContent(ContentType.alert, serializeAlert({ level, description }));
    this.emit({ kind: 'alert-sent', level, description });
  }

  // ---------------------------------------------------------------------------------------------
  // Application calls

  /** Send application data, in records of at most the fragment limit. */
  write(data: Uint8Array): void {
    if (this.#closed) throw new TlswireError('write after close()');
    this.records.checkWrite();
    this.flush();
    this.sendContent(ContentType.application_data, data);
  }

  /** True once we sent close_notify. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Send close_notify (RFC 8446 §6.1, RFC 5246 §7.2.1); nothing may be written afterwards. */
  close(): void {
    if (this.#closed) return;
    this.sendAlert(AlertDescription.close_notify);
    this.#closed = true;
  }

  /**
   * Keying material exporter (RFC 8446 §7.5 or RFC 5705 §4, by version).
   * @throws TlswireError before the handshake is complete
   */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    return this.records.exportKeyingMaterial(label, context, length);
  }

  /**
   * Wipe every key and secret the connection holds; nothing can be sent or read afterwards. The
   * application calls this when it is done with a connection (the events already returned stay valid).
   */
  dispose(): void {
    this.#failed = true;
    this.#pending = [];
    this.records.dispose();
  }

  // ---------------------------------------------------------------------------------------------
  // Failure

  /**
   * End the connection because of `error`: send the alert `alertFor` names (none when the peer's
   * alert ended it), report a {@link ConnectionFailure} naming the version and the state, and wipe
   * every key and secret (nothing more can be sent or read).
   */
  fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#pending = [];
    const failure = failConnection(error, {
      role: this.role,
      established: this.established,
      sendAlert: (description) => this.sendAlert(description),
      describe: () => ({ ...this.#options.describe(), version: this.records.version }),
    });
    this.records.dispose();
    this.emit({ kind: 'error', error: failure });
  }
}

/**
 * The connection core of the TLS 1.2 roles (RFC 5246 §6, §7.1, §7.2): record deframing, handshake
 * reassembly, ChangeCipherSpec as the switch to the pending read keys, AEAD record protection
 * (RFC 5288, RFC 7905), alerts in and out with their levels, close_notify and application data.
 *
 * Unlike TLS 1.3, a TLS 1.2 protected record shows its real content type, and ChangeCipherSpec is
 * part of the protocol: the core hands it to the role's state machine as a pseudo-message
 * `{ type: 'change_cipher_spec' }` between handshake messages, so the state that expects it installs
 * the read keys. Every failure goes through {@link Tls12Core.fail}: the alert comes from `alertFor`,
 * the `error` event carries a `ConnectionFailure` (src/handshake/diagnosis.ts: stage, alert, reason).
 * @module
 */
import { TlswireError } from '../../bytes/errors.js';
import { concat } from '../../bytes/hex.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import type { Tls12MasterSecret } from '../../crypto/tls12-key-schedule.js';
import type { Tls12RecordOpener, Tls12RecordSealer } from '../../crypto/tls12-record-protection.js';
import { parseAlert, serializeAlert } from '../../tls/alert.js';
import { AlertDescription, AlertLevel, ContentType, ProtocolVersion } from '../../tls/enums.js';
import { PeerAlertError, TlsAlertError } from '../../tls/errors.js';
import { HandshakeReassembler } from '../../tls/handshake-framing.js';
import {
  type DecodedHandshake,
  decodeHandshake,
  encodeHandshake,
  type HandshakeMessage,
} from '../../tls/messages/handshake.js';
import type { KeyExchange } from '../../tls/messages/key-exchange.js';
import {
  CHANGE_CIPHER_SPEC,
  encodeRecords,
  fragmentContent,
  MAX_PLAINTEXT_LENGTH,
  parseChangeCipherSpec,
  RecordDeframer,
  type TlsRecord,
} from '../../tls/record.js';
import { failConnection, type Offered } from '../diagnosis.js';
import type { Tls12Event } from './types.js';

/** What a TLS 1.2 state receives: a handshake message, or the ChangeCipherSpec that switches read keys. */
export type Tls12Input = DecodedHandshake | { type: 'change_cipher_spec' };

/** What the core needs from its owner. */
export interface Tls12CoreOptions {
  role: 'client' | 'server';
  provider: CryptoProvider;
  onOutgoingMessage?: (message: HandshakeMessage, raw: Uint8Array) => Uint8Array | undefined;
  /** Handles one received handshake message or ChangeCipherSpec (the role's state machine). */
  onInput: (input: Tls12Input) => void;
  /** The role's current state name and offer, for the diagnosis of a failure. */
  describe: () => { state: string; offered?: Offered };
}

/**
 * Record layer, keys and events of one TLS 1.2 connection. Internal to the handshake layer: the
 * roles (`Tls12Client`, `Tls12Server`) wrap it and their states use it as their I/O.
 */
export class Tls12Core {
  readonly role: 'client' | 'server';
  readonly provider: CryptoProvider;
  /** The ClientHello.random that names this connection in key logs. */
  clientRandom: Uint8Array = new Uint8Array(32);
  /** The key exchange that shapes ServerKeyExchange and ClientKeyExchange (set once the suite is known). */
  keyExchange: KeyExchange = 'ecdhe';
  /** The record version of plaintext records (0x0301 for the ClientHello, as OpenSSL and NSS send it). */
  plaintextVersion: number = ProtocolVersion.TLS1_2;

  readonly #options: Tls12CoreOptions;
  #events: Tls12Event[] = [];
  readonly #deframer = new RecordDeframer();
  readonly #reassembler = new HandshakeReassembler();
  #opener: Tls12RecordOpener | undefined;
  #sealer: Tls12RecordSealer | undefined;
  #pending: Uint8Array[] = [];
  #established = false;
  #master: Tls12MasterSecret | undefined;
  #failed = false;
  #peerClosed = false;
  #closed = false;

  constructor(options: Tls12CoreOptions) {
    this.role = options.role;
    this.provider = options.provider;
    this.#options = options;
  }

  /** True once both Finished messages are done. */
  get established(): boolean {
    return this.#established;
  }

  /** True after a failure: the connection is dead. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Run `f` (a user call or received input), turn a throw into the alert and error events, and return the events. */
  run(f: () => void): Tls12Event[] {
    if (!this.#failed) {
      try {
        f();
        this.flush();
      } catch (e) {
        this.fail(e);
      }
    }
    const out = this.#events;
    this.#events = [];
    return out;
  }

  /** Append an event. */
  emit(event: Tls12Event): void {
    this.#events.push(event);
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
    let type: number = record.type;
    let content = record.fragment;
    if (this.#opener) {
      const opened = this.#opener.open(record);
      type = opened.type;
      content = opened.content;
    }
    switch (type) {
      case ContentType.change_cipher_spec:
        // RFC 5246 §7.1: ChangeCipherSpec may not interleave with a fragmented handshake message.
        parseChangeCipherSpec(content);
        this.#reassembler.assertBoundary('change_cipher_spec record');
        this.#options.onInput({ type: 'change_cipher_spec' });
        return;
      case ContentType.alert:
        this.#reassembler.assertBoundary('alert record');
        this.#onAlert(content);
        return;
      case ContentType.handshake:
        this.#reassembler.push(content);
        for (let frame = this.#reassembler.next(); frame; frame = this.#reassembler.next()) {
          if (this.#failed || this.#peerClosed) return;
          const message = decodeHandshake(frame.raw, { version: 'tls12', keyExchange: this.keyExchange });
          this.emit({ kind: 'handshake-message', direction: 'received', message, raw: frame.raw });
          this.#options.onInput(message);
        }
        return;
      case ContentType.application_data:
        this.#reassembler.assertBoundary('application_data record');
        if (!this.#established) {
          throw new TlsAlertError(AlertDescription.unexpected_message, 'application data before the handshake is done');
        }
        this.emit({ kind: 'data', bytes: content, early: false });
        return;
      default:
        throw new TlsAlertError(AlertDescription.unexpected_message, `record of content type ${type}`);
    }
  }

  /**
   * RFC 5246 §7.2: a fatal alert ends the connection; close_notify closes the peer's direction; other
   * warnings are reported and the connection goes on (the state machine decides what a warning means).
   */
  #onAlert(content: Uint8Array): void {
    const alert = parseAlert(content);
    this.emit({ kind: 'alert-received', level: alert.level, description: alert.description });
    if (alert.description === AlertDescription.close_notify) {
      this.#peerClosed = true;
      this.emit({ kind: 'closed' });
      return;
    }
    if (alert.level === AlertLevel.warning) return;
    throw new PeerAlertError(alert.level, alert.description);
  }

  // ---------------------------------------------------------------------------------------------
  // Output

  /**
   * Send a handshake message: encode it, let the research hook replace it, queue it, and report it.
   * Returns the bytes sent (what the transcript must hash).
   */
  send(message: HandshakeMessage): Uint8Array {
    let raw = encodeHandshake(message);
    let sent = message;
    const replaced = this.#options.onOutgoingMessage?.(message, raw);
    if (replaced) {
      raw = replaced;
      try {
        sent = decodeHandshake(raw, { version: 'tls12', keyExchange: this.keyExchange });
      } catch {
        sent = message;
      }
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
    this.#sendContent(ContentType.handshake, content);
  }

  /**
   * Send ChangeCipherSpec under the current write keys, then switch to `sealer` (RFC 5246 §7.1):
   * everything sent afterwards is protected with the pending keys.
   */
  changeCipherSpec(sealer: Tls12RecordSealer): void {
    this.flush();
    this.#sendContent(ContentType.change_cipher_spec, Uint8Array.of(CHANGE_CIPHER_SPEC));
    this.#sealer?.dispose();
    this.#sealer = sealer;
  }

  #sendContent(type: ContentType, content: Uint8Array): void {
    const sealer = this.#sealer;
    if (sealer) {
      if (content.length === 0) {
        this.emit({ kind: 'send', bytes: sealer.seal(type, content) });
        return;
      }
      for (let at = 0; at < content.length; at += MAX_PLAINTEXT_LENGTH) {
        const end = Math.min(at + MAX_PLAINTEXT_LENGTH, content.length);
        this.emit({ kind: 'send', bytes: sealer.seal(type, content.subarray(at, end)) });
      }
      return;
    }
    const records = fragmentContent(type, content, { version: this.plaintextVersion });
    for (const r of records) this.emit({ kind: 'send', bytes: encodeRecords([r]) });
  }

  /**
   * Send an alert with the current write keys and report it. close_notify, user_canceled and
   * no_renegotiation are warnings (RFC 5246 §7.2.1, §7.2.2); every other alert is fatal.
   */
  sendAlert(description: number): void {
    this.flush();
    const level =
      description === AlertDescription.close_notify ||
      description === AlertDescription.user_canceled ||
      description === AlertDescription.no_renegotiation_RESERVED
        ? AlertLevel.warning
        : AlertLevel.fatal;
    this.#sendContent(ContentType.alert, serializeAlert({ level, description }));
    this.emit({ kind: 'alert-sent', level, description });
  }

  // ---------------------------------------------------------------------------------------------
  // Keys

  /** The peer's ChangeCipherSpec arrived: protect what we read from now on with `opener` (RFC 5246 §7.1). */
  setReadProtection(opener: Tls12RecordOpener): void {
    this.#opener?.dispose();
    this.#opener = opener;
    this.#deframer.setLimits({ protection: 'tls12-protected' });
  }

  /** Both Finished messages are done: application data may flow, the exporter works with `master`. */
  setEstablished(master: Tls12MasterSecret): void {
    this.#established = true;
    this.#master?.dispose();
    this.#master = master;
  }

  // ---------------------------------------------------------------------------------------------
  // Application calls

  /** Send application data in records of at most 2^14 bytes (RFC 5246 §6.2.1). */
  write(data: Uint8Array): void {
    if (this.#closed) throw new TlswireError('write after close()');
    if (!this.#established) throw new TlswireError('write before the handshake is complete');
    this.flush();
    this.#sendContent(ContentType.application_data, data);
  }

  /** Send close_notify (RFC 5246 §7.2.1); nothing may be written afterwards. */
  close(): void {
    if (this.#closed) return;
    this.sendAlert(AlertDescription.close_notify);
    this.#closed = true;
  }

  /**
   * Keying material exporter (RFC 5705 §4).
   * @throws TlswireError before the handshake is complete
   */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    if (!this.#master) throw new TlswireError('exporter used before the handshake is complete');
    return this.#master.exportKeyingMaterial(label, context, length);
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
      established: this.#established,
      sendAlert: (description) => this.sendAlert(description),
      describe: () => this.#options.describe(),
    });
    this.emit({ kind: 'error', error: failure });
  }
}

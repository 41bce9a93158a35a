/**
 * What TLS 1.2 supplies to the record core (RFC 5246 §6, §7.1, §7.2): AEAD record protection
 * (RFC 5288, RFC 7905) installed by ChangeCipherSpec, which the states receive as a pseudo-message
 * `{ type: 'change_cipher_spec' }` between handshake messages; the alert policy (a warning alert lets
 * the connection go on, RFC 5246 §7.2); the decode context (ServerKeyExchange and ClientKeyExchange
 * take their shape from the key exchange); the master secret for the exporter (RFC 5705).
 *
 * Unlike TLS 1.3, a TLS 1.2 protected record shows its real content type.
 * @module
 */
import { TlswireError } from '../../bytes/errors.js';
import { sealFragments } from '../../crypto/record-epoch.js';
import type { Tls12CipherSuite, Tls12MasterSecret } from '../../crypto/tls12-key-schedule.js';
import type { Tls12RecordOpener, Tls12RecordSealer } from '../../crypto/tls12-record-protection.js';
import { AlertDescription, AlertLevel, ContentType } from '../../tls/enums.js';
import { TlsAlertError } from '../../tls/errors.js';
import type { HandshakeContext } from '../../tls/messages/handshake.js';
import {
  CHANGE_CIPHER_SPEC,
  encodeRecords,
  fragmentContent,
  MAX_PLAINTEXT_LENGTH,
  type TlsRecord,
} from '../../tls/record.js';
import type { CoreInput, OpenedContent, RecordCore, VersionRecords } from '../record-core.js';

/** What a TLS 1.2 state receives: a handshake message, or the ChangeCipherSpec that switches read keys. */
export type Tls12Input = CoreInput;

/** Alerts TLS 1.2 sends as warnings (RFC 5246 §7.2.1, §7.2.2); every other is fatal. */
const WARNINGS: ReadonlySet<number> = new Set([
  AlertDescription.close_notify,
  AlertDescription.user_canceled,
  AlertDescription.no_renegotiation_RESERVED,
]);

/** TLS 1.2 record protection and keys of one connection; the TLS 1.2 states' key I/O. */
export class Tls12Records implements VersionRecords {
  /** Whether the session has the extended master secret, so keys may be exported (RFC 7627 §5.4). */
  #exportable = false;
  readonly version = 'TLS 1.2';
  readonly #core: RecordCore;
  #opener: Tls12RecordOpener | undefined;
  #sealer: Tls12RecordSealer | undefined;
  #established = false;
  #master: Tls12MasterSecret | undefined;
  #decode: HandshakeContext = { version: 'tls12', keyExchange: 'ecdhe' };

  constructor(core: RecordCore) {
    this.#core = core;
  }

  /** True once both Finished messages are done. */
  get established(): boolean {
    return this.#established;
  }

  decodeContext(): HandshakeContext {
    return this.#decode;
  }

  /** The suite is known: its key exchange shapes ServerKeyExchange and ClientKeyExchange (RFC 5246 §7.4.3, §7.4.7). */
  setSuite(suite: Tls12CipherSuite): void {
    const kx = suite.keyExchange;
    this.#decode = { version: 'tls12', keyExchange: kx === 'rsa' ? 'rsa' : kx === 'dhe_rsa' ? 'dhe' : 'ecdhe' };
  }

  unprotect(record: TlsRecord): OpenedContent {
    return this.#opener ? this.#opener.open(record) : { type: record.type, content: record.fragment };
  }

  protect(type: ContentType, content: Uint8Array, plaintextVersion: number): Uint8Array[] {
    const sealer = this.#sealer;
    if (!sealer) return fragmentContent(type, content, { version: plaintextVersion }).map((r) => encodeRecords([r]));
    return [sealFragments(sealer, type, content, MAX_PLAINTEXT_LENGTH)];
  }

  /** RFC 5246 §7.1: ChangeCipherSpec is part of the handshake; the state expecting it installs the read keys. */
  changeCipherSpec(): boolean {
    return true;
  }

  alertLevel(description: number): AlertLevel {
    return WARNINGS.has(description) ? AlertLevel.warning : AlertLevel.fatal;
  }

  /** RFC 5246 §7.2: a warning is reported and the connection goes on (the states decide what it means). */
  toleratesAlert(level: number): boolean {
    return level === AlertLevel.warning;
  }

  acceptData(): boolean {
    if (!this.#established) {
      throw new TlsAlertError(AlertDescription.unexpected_message, 'application data before the handshake is done');
    }
    return false;
  }

  checkWrite(): void {
    if (!this.#established) throw new TlswireError('write before the handshake is complete');
  }

  /**
   * Send ChangeCipherSpec under the current write keys, then switch to `sealer` (RFC 5246 §7.1):
   * everything sent afterwards is protected with the pending keys; the old keys are wiped.
   */
  changeCipherSpecOut(sealer: Tls12RecordSealer): void {
    this.#core.flush();
    this.#core.sendContent(ContentType.change_cipher_spec, Uint8Array.of(CHANGE_CIPHER_SPEC));
    this.#sealer?.dispose();
    this.#sealer = sealer;
  }

  /** The peer's ChangeCipherSpec arrived: protect what we read from now on with `opener` (RFC 5246 §7.1). */
  setReadProtection(opener: Tls12RecordOpener): void {
    this.#opener?.dispose();
    this.#opener = opener;
    this.#core.deframer.setLimits({ protection: 'tls12-protected' });
  }

  /**
   * Both Finished messages are done: application data may flow, the exporter works with `master` —
   * only when the session has the extended master secret (`ems`; RFC 7627 §5.4).
   */
  setEstablished(master: Tls12MasterSecret, ems: boolean): void {
    this.#established = true;
    this.#master?.dispose();
    this.#master = master;
    this.#exportable = ems;
  }

  /**
   * Keying material exporter (RFC 5705 §4).
   * @throws TlswireError before the handshake is complete, or for a session without the extended
   *   master secret (RFC 7627 §5.4: such a session MUST NOT export keying material)
   */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    if (!this.#master) throw new TlswireError('exporter used before the handshake is complete');
    if (!this.#exportable) {
      throw new TlswireError(
        'no keying material from a session without the extended master secret (RFC 7627 §5.4: the exporter is disabled)',
      );
    }
    return this.#master.exportKeyingMaterial(label, context, length);
  }

  /** Wipe both directions' keys and the master secret. */
  dispose(): void {
    this.#opener?.dispose();
    this.#sealer?.dispose();
    this.#master?.dispose();
    this.#opener = undefined;
    this.#sealer = undefined;
    this.#master = undefined;
  }
}

/** Switch `core` to TLS 1.2 record rules (RFC 5246 §6): the core and its new TLS 1.2 keys, for a role's states. */
export function useTls12(core: RecordCore): { core: RecordCore; keys: Tls12Records } {
  return { core, keys: core.useVersion(new Tls12Records(core)) };
}

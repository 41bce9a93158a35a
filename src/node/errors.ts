/**
 * The error a {@link TlsSocket} emits: the typed error of the state machine (a `TlsAlertError`, a
 * `CertificateError`, a `PeerAlertError`, a `DecodeError`) or of the transport, with the alert that
 * ended the connection, who sent it, the handshake state it failed in, and the stage of the
 * connection that failed, inferred from the error and the state.
 * @module
 */
import { DecodeError } from '../bytes/errors.js';
import { AlertDescription, nameOf } from '../tls/enums.js';
import { alertFor, PeerAlertError } from '../tls/errors.js';
import { CertificateError } from '../x509/errors.js';

/** Where a connection failed, as a person debugging it would name it. */
export type FailureStage =
  /** TCP: refused, reset, closed by the peer without an alert. */
  | 'transport'
  /** Versions, cipher suites, groups, extensions: the hellos and EncryptedExtensions. */
  | 'negotiation'
  /** The key shares, or the handshake keys derived from them (the first encrypted record fails). */
  | 'key exchange'
  /** Certificates, their chain and CertificateVerify, either side's. */
  | 'authentication'
  /** A Finished that does not verify, or the peer's rejection of ours. */
  | 'finished'
  /** Record framing and protection after the handshake. */
  | 'record'
  /** After the handshake: the application's traffic. */
  | 'application data';

/** Alerts about certificates (RFC 8446 §6.2). */
const CERTIFICATE_ALERTS: ReadonlySet<number> = new Set([
  AlertDescription.bad_certificate,
  AlertDescription.unsupported_certificate,
  AlertDescription.certificate_revoked,
  AlertDescription.certificate_expired,
  AlertDescription.certificate_unknown,
  AlertDescription.unknown_ca,
  AlertDescription.certificate_required,
]);

/** Alerts a peer sends when it rejects what we offered. */
const NEGOTIATION_ALERTS: ReadonlySet<number> = new Set([
  AlertDescription.handshake_failure,
  AlertDescription.protocol_version,
  AlertDescription.insufficient_security,
  AlertDescription.missing_extension,
  AlertDescription.unsupported_extension,
  AlertDescription.no_application_protocol,
  AlertDescription.unrecognized_name,
]);

/** Handshake states (`state` of the TLS 1.3 and TLS 1.2 clients and servers) by the stage they belong to. */
const STATE_STAGES: Readonly<Record<string, FailureStage>> = {
  Start: 'negotiation',
  ExpectServerHello: 'negotiation',
  ExpectEncryptedExtensions: 'negotiation',
  ExpectCertificateOrRequest: 'authentication',
  ExpectCertificate: 'authentication',
  ExpectCertificateVerify: 'authentication',
  ExpectFinished: 'finished',
  ClientEstablished: 'application data',
  ExpectClientHello: 'negotiation',
  ExpectEndOfEarlyData: 'record',
  ExpectClientCertificate: 'authentication',
  ExpectClientCertificateVerify: 'authentication',
  ExpectClientFinished: 'finished',
  ServerEstablished: 'application data',
  // TLS 1.2 (Tls12Client / Tls12Server) states not named above.
  ExpectServerKeyExchange: 'key exchange',
  ExpectServerHelloDone: 'authentication',
  ExpectNewSessionTicket: 'finished',
  ExpectChangeCipherSpec: 'finished',
  ExpectClientKeyExchange: 'key exchange',
};

function findCause<T>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof type) return e;
  }
  return undefined;
}

/**
 * The stage a connection failed in, from the error and the handshake state that was handling input
 * when it failed (or the state it was waiting in, for a peer's alert or a closed transport).
 * - a certificate error (ours or the peer's certificate alert before the application phase) → authentication;
 * - a record that does not decrypt in the first encrypted flight → key exchange (the two sides disagree
 *   on the shared secret), later → record; record framing errors → record;
 * - an illegal key share (illegal_parameter while reading the ServerHello/ClientHello) → key exchange;
 * - a decrypt_error on a Finished → finished; the peer's rejection of our Finished (its alert after we
 *   sent it) → finished, or authentication when the alert is about certificates;
 * - otherwise the stage of the state: hellos and EncryptedExtensions → negotiation, certificate
 *   states → authentication, Finished states → finished, established → application data.
 */
export function failureStage(error: unknown, state: string, established: boolean): FailureStage {
  if (findCause(error, CertificateError)) return 'authentication';
  const peer = findCause(error, PeerAlertError);
  if (peer) {
    if (CERTIFICATE_ALERTS.has(peer.description) && !established) return 'authentication';
    if (CERTIFICATE_ALERTS.has(peer.description) && /Established$/.test(state)) return 'authentication';
    if (peer.description === AlertDescription.bad_record_mac) return established ? 'record' : 'key exchange';
    if (NEGOTIATION_ALERTS.has(peer.description) && !established) return 'negotiation';
    if (peer.description === AlertDescription.decrypt_error && !established) {
      return state === 'ExpectServerHello' || state === 'ExpectClientHello' ? 'negotiation' : 'finished';
    }
    return STATE_STAGES[state] ?? 'negotiation';
  }
  const decode = findCause(error, DecodeError);
  if (decode && /record|TLSPlaintext|TLSInnerPlaintext/i.test(decode.path)) return 'record';
  const alert = alertFor(error);
  if (alert === AlertDescription.bad_record_mac) {
    return state === 'ExpectEncryptedExtensions' ? 'key exchange' : established ? 'record' : 'key exchange';
  }
  if (alert === AlertDescription.record_overflow) return 'record';
  if (
    alert === AlertDescription.illegal_parameter &&
    (state === 'ExpectServerHello' || state === 'ExpectClientHello') &&
    /share|key exchange|point/i.test(error instanceof Error ? error.message : '')
  ) {
    return 'key exchange';
  }
  if (CERTIFICATE_ALERTS.has(alert)) return 'authentication';
  return STATE_STAGES[state] ?? 'negotiation';
}

/** Who sent the alert that ended a connection. */
export type AlertOrigin = 'local' | 'peer';

/**
 * A TLS connection failed. `cause` is the typed error (a `CertificateError` carries `reason` and
 * `hint`); `alert` is the alert that ended the connection, `alertOrigin` who sent it.
 */
export class TlsConnectionError extends Error {
  override name = 'TlsConnectionError';
  /** The AlertDescription sent or received, undefined for a transport failure. */
  readonly alert: number | undefined;
  /** Name of {@link alert} (`unknown_ca`), undefined for a transport failure. */
  readonly alertName: string | undefined;
  /** Whether we sent the alert or received it. */
  readonly alertOrigin: AlertOrigin | undefined;
  /** The handshake state when it failed (`ExpectCertificate`, …). */
  readonly state: string;
  readonly stage: FailureStage;
  /** One sentence: what went wrong (a certificate error's reason, else the error message). */
  readonly reason: string;
  /** What to check, when something useful can be said (certificate errors). */
  readonly hint: string | undefined;

  constructor(cause: Error, state: string, established: boolean, transport = false) {
    const peer = findCause(cause, PeerAlertError);
    const cert = findCause(cause, CertificateError);
    const alert = transport ? undefined : peer ? peer.description : alertFor(cause);
    const reason = cert ? cert.reason : cause.message;
    super(reason, { cause });
    this.alert = alert;
    this.alertName = alert === undefined ? undefined : nameOf(AlertDescription, alert);
    this.alertOrigin = transport ? undefined : peer ? 'peer' : 'local';
    this.state = state;
    this.stage = transport ? 'transport' : failureStage(cause, state, established);
    this.reason = reason;
    this.hint = cert?.hint;
  }
}

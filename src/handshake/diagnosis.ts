/**
 * What went wrong, and where: the stage of a failed connection (negotiation, key exchange,
 * authentication, finished, record, application data), the alert that ended it (RFC 8446 §6,
 * RFC 5246 §7.2) and who sent it, one sentence of reason and, where the machine knows more, a hint.
 *
 * The TLS 1.3 and TLS 1.2 machines report every failure as a {@link ConnectionFailure} (its `cause`
 * is the typed error: `TlsAlertError`, `CertificateError`, `PeerAlertError`, `DecodeError`), built by
 * {@link diagnose}. The stage rules are in {@link failureStage}, and nowhere else.
 * @module
 */
import { DecodeError, TlswireError } from '../bytes/errors.js';
import { AlertDescription, CipherSuite, NamedGroup, nameOf, SignatureScheme } from '../tls/enums.js';
import { alertFor, PeerAlertError, TlsAlertError } from '../tls/errors.js';
import { CertificateError } from '../x509/errors.js';

/** Where a connection failed, as a person debugging it would name it. */
export type FailureStage =
  /** Versions, cipher suites, groups, extensions: the hellos and EncryptedExtensions. */
  | 'negotiation'
  /** The key shares, or the handshake keys derived from them (the first encrypted record fails). */
  | 'key exchange'
  /** Certificates, their chain and CertificateVerify, either side's. */
  | 'authentication'
  /** A Finished that does not verify, or the peer's rejection of ours. */
  | 'finished'
  /** Record framing and protection. */
  | 'record'
  /** After the handshake: the application's traffic. */
  | 'application data';

/**
 * A handshake failure the machine can explain: the alert to send (so `alertFor` needs no new case),
 * the reason in one sentence, and what to check.
 */
export class HandshakeAlertError extends TlsAlertError {
  override name = 'HandshakeAlertError';
  /** One sentence: what went wrong. */
  readonly reason: string;
  /** What to check or change. */
  readonly hint: string | undefined;

  constructor(alert: AlertDescription, reason: string, hint?: string) {
    super(alert, hint ? `${reason} — ${hint}` : reason);
    this.reason = reason;
    this.hint = hint;
  }
}

/** The diagnosis of a failed connection. */
export interface Diagnosis {
  stage: FailureStage;
  /** The handshake state that was handling input (or waiting) when it failed. */
  state: string;
  /** The version whose state it was ('TLS 1.3' or 'TLS 1.2'), when the machine knows it. */
  version?: 'TLS 1.2' | 'TLS 1.3';
  /** The AlertDescription sent or received, undefined when none was. */
  alert: number | undefined;
  /** Name of {@link alert} (`unknown_ca`). */
  alertName: string | undefined;
  /** We sent the alert, or the peer did. */
  alertOrigin: 'sent' | 'received' | undefined;
  /** One sentence: what went wrong. */
  reason: string;
  /** What to check, when something useful can be said. */
  hint: string | undefined;
}

/**
 * The error of a state machine's `error` event (TLS 1.3 and TLS 1.2): the diagnosis, with the typed error as `cause`.
 * @example
 * if (e.kind === 'error' && e.error instanceof ConnectionFailure) log(e.error.stage, e.error.reason, e.error.hint);
 */
export class ConnectionFailure extends TlswireError implements Diagnosis {
  override name = 'ConnectionFailure';
  readonly stage: FailureStage;
  readonly state: string;
  readonly version: 'TLS 1.2' | 'TLS 1.3' | undefined;
  readonly alert: number | undefined;
  readonly alertName: string | undefined;
  readonly alertOrigin: 'sent' | 'received' | undefined;
  readonly reason: string;
  readonly hint: string | undefined;

  constructor(cause: Error, diagnosis: Diagnosis) {
    const alert = diagnosis.alertName ? `; ${diagnosis.alertName} ${diagnosis.alertOrigin}` : '';
    const state = diagnosis.version ? `${diagnosis.version} ${diagnosis.state}` : diagnosis.state;
    super(`${diagnosis.stage} failed (${state}${alert}): ${diagnosis.reason}`, { cause });
    this.stage = diagnosis.stage;
    this.state = diagnosis.state;
    this.version = diagnosis.version;
    this.alert = diagnosis.alert;
    this.alertName = diagnosis.alertName;
    this.alertOrigin = diagnosis.alertOrigin;
    this.reason = diagnosis.reason;
    this.hint = diagnosis.hint;
  }
}

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

/** Handshake states (`TlsClient.state`, `TlsServer.state` and their TLS 1.2 peers) by the stage they belong to. */
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
  ExpectPostHandshakeCertificateVerify: 'authentication',
  ExpectPostHandshakeFinished: 'authentication',
  // TLS 1.2 (src/handshake/tls12/): the states it has beyond the names shared with TLS 1.3.
  ExpectServerKeyExchange: 'key exchange',
  ExpectCertificateRequestOrDone: 'negotiation',
  ExpectServerHelloDone: 'negotiation',
  ExpectClientKeyExchange: 'key exchange',
  ExpectChangeCipherSpec: 'finished',
  ExpectNewSessionTicket: 'finished',
};

const HELLO_STATES: ReadonlySet<string> = new Set(['ExpectServerHello', 'ExpectClientHello']);

/**
 * The peer's first bytes are no TLS record (an unknown content type at offset 0 while waiting for its
 * hello): it does not speak TLS on this port (a plaintext HTTP server answers `HTTP/…`).
 */
function notTls(error: unknown, state: string): DecodeError | undefined {
  const decode = findCause(error, DecodeError);
  return decode && decode.path === 'TLSPlaintext.type' && decode.offset === 0 && HELLO_STATES.has(state)
    ? decode
    : undefined;
}

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
 * - a first record of an unknown content type in place of the peer's hello → negotiation (no TLS at all);
 * - a decrypt_error on a Finished → finished; the peer's rejection of our Finished (its alert after we
 *   sent it, also in the established state our Finished led to) → finished, or authentication when
 *   the alert is about certificates;
 * - otherwise the stage of the state: hellos and EncryptedExtensions → negotiation, certificate
 *   states → authentication, Finished states → finished, established → application data.
 */
export function failureStage(error: unknown, state: string, established: boolean): FailureStage {
  const failure = findCause(error, ConnectionFailure);
  if (failure) return failure.stage;
  if (findCause(error, CertificateError)) return 'authentication';
  const peer = findCause(error, PeerAlertError);
  if (peer) {
    if (CERTIFICATE_ALERTS.has(peer.description) && !established) return 'authentication';
    if (CERTIFICATE_ALERTS.has(peer.description) && /Established$/.test(state)) return 'authentication';
    if (peer.description === AlertDescription.bad_record_mac) return established ? 'record' : 'key exchange';
    if (NEGOTIATION_ALERTS.has(peer.description) && !established) return 'negotiation';
    if (peer.description === AlertDescription.decrypt_error && !established) {
      return HELLO_STATES.has(state) ? 'negotiation' : 'finished';
    }
    // Established by our own Finished (the TLS 1.2 server, the TLS 1.3 client): the peer rejected it.
    if (peer.description === AlertDescription.decrypt_error && /Established$/.test(state)) return 'finished';
    return STATE_STAGES[state] ?? 'negotiation';
  }
  if (notTls(error, state)) return 'negotiation';
  const decode = findCause(error, DecodeError);
  if (decode && /record|TLSPlaintext|TLSInnerPlaintext/i.test(decode.path)) return 'record';
  const alert = alertFor(error);
  if (alert === AlertDescription.bad_record_mac) {
    return state === 'ExpectEncryptedExtensions' ? 'key exchange' : established ? 'record' : 'key exchange';
  }
  if (alert === AlertDescription.record_overflow) return 'record';
  if (
    alert === AlertDescription.illegal_parameter &&
    HELLO_STATES.has(state) &&
    /share|key exchange|point/i.test(error instanceof Error ? error.message : '')
  ) {
    return 'key exchange';
  }
  if (CERTIFICATE_ALERTS.has(alert)) return 'authentication';
  return STATE_STAGES[state] ?? 'negotiation';
}

/** What we offered, for explaining a peer's refusal of our hello. */
export interface Offered {
  cipherSuites: readonly number[];
  groups: readonly number[];
  alpn: readonly string[] | undefined;
  /** The one version offered (default TLS 1.3). */
  version?: 'TLS 1.2' | 'TLS 1.3';
}

/** What a machine knows when it fails. */
export interface FailureContext {
  /** Our role, when known (the words of a peer's certificate alert depend on it). */
  role?: 'client' | 'server';
  state: string;
  /** The version whose states are running. */
  version?: 'TLS 1.2' | 'TLS 1.3';
  established: boolean;
  /** The alert we sent, undefined when none was (the peer's alert ended it, or it could not be sent). */
  alertSent: number | undefined;
  /** Our offer (the client's hello parameters, or what the server accepts). */
  offered?: Offered;
}

/** IANA names of cipher suites, comma-separated. */
export function suiteNames(values: readonly number[]): string {
  return values.map((v) => nameOf(CipherSuite, v, 2)).join(', ') || 'none';
}

/** Names of protocol versions ('TLS 1.2 (0x0303)'), comma-separated; GREASE and unknown values in hex. */
export function versionNames(values: readonly number[]): string {
  const named: Readonly<Record<number, string>> = {
    768: 'SSL 3.0',
    769: 'TLS 1.0',
    770: 'TLS 1.1',
    771: 'TLS 1.2',
    772: 'TLS 1.3',
  };
  const hex = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;
  return values.map((v) => (named[v] ? `${named[v]} (${hex(v)})` : hex(v))).join(', ') || 'none';
}

/** IANA names of groups, comma-separated. */
export function groupNames(values: readonly number[]): string {
  return values.map((v) => nameOf(NamedGroup, v, 2)).join(', ') || 'none';
}

/** IANA names of signature schemes, comma-separated. */
export function schemeNames(values: readonly number[]): string {
  return values.map((v) => nameOf(SignatureScheme, v, 2)).join(', ') || 'none';
}

function otherVersion(version: 'TLS 1.2' | 'TLS 1.3'): 'TLS 1.2' | 'TLS 1.3' {
  return version === 'TLS 1.3' ? 'TLS 1.2' : 'TLS 1.3';
}

/** Why the peer's alert ended the connection, as far as this side can tell. */
function peerReason(alert: number, cx: FailureContext): { reason: string; hint?: string } {
  const name = nameOf(AlertDescription, alert);
  const sent = `peer sent ${name}`;
  const offered = cx.offered;
  if (cx.role === 'client' && cx.state === 'ExpectServerHello' && offered) {
    const version = offered.version ?? 'TLS 1.3';
    switch (alert) {
      case AlertDescription.handshake_failure:
      case AlertDescription.insufficient_security:
        return {
          reason: `${sent} after our ClientHello (${version} only): it supports none of our cipher suites (we offered ${suiteNames(offered.cipherSuites)}) or groups (${groupNames(offered.groups)})`,
          hint: `compare the server's ${version} cipher suites and key-exchange groups with ours; a server that speaks only ${otherVersion(version)} refuses them all: use NegotiatingClient to offer both`,
        };
      case AlertDescription.protocol_version:
        return {
          reason: `${sent} after our ClientHello: it does not speak ${version}, the only version we offered`,
          hint: `use NegotiatingClient to allow ${otherVersion(version)}`,
        };
      case AlertDescription.no_application_protocol:
        return {
          reason: `${sent} after our ClientHello: it supports none of our ALPN protocols (we offered ${(offered.alpn ?? []).join(', ')})`,
        };
      default:
        return { reason: `${sent} after our ClientHello: it refused the ClientHello itself` };
    }
  }
  if (alert === AlertDescription.certificate_required) {
    return {
      reason: `${sent}: it requires a client certificate and we sent none`,
      hint: 'configure a certificate (and key) for the client',
    };
  }
  if (CERTIFICATE_ALERTS.has(alert)) {
    const ours =
      cx.role === 'server'
        ? 'the client rejected our certificate chain'
        : cx.role === 'client'
          ? 'the server rejected our certificate'
          : 'the peer rejected our certificate';
    const hints: Partial<Record<number, string>> = {
      [AlertDescription.unknown_ca]:
        'the peer does not trust the root of our chain: send the intermediates, and check that the peer has the root',
      [AlertDescription.certificate_expired]: "our certificate has expired, or is not yet valid, by the peer's clock",
      [AlertDescription.bad_certificate]:
        'check the name the peer asked for against our certificate, and that the chain is in order',
      [AlertDescription.unsupported_certificate]: 'check key usage, extended key usage and the key type',
    };
    return { reason: `${sent}: ${ours}`, hint: hints[alert] };
  }
  if (alert === AlertDescription.bad_record_mac) {
    return {
      reason: `${sent}: it could not decrypt our records`,
      hint: cx.established ? undefined : 'the two sides derived different keys (key shares or PSK)',
    };
  }
  if (alert === AlertDescription.decrypt_error && (!cx.established || /Established$/.test(cx.state))) {
    return { reason: `${sent}: it could not verify our signature, binder or Finished` };
  }
  return { reason: `${sent} (in ${cx.state})` };
}

/** The diagnosis of `error`, reported by a machine in the situation `cx` describes. */
export function diagnose(error: unknown, cx: FailureContext): Diagnosis {
  const failure = findCause(error, ConnectionFailure);
  if (failure) return failure;
  const stage = failureStage(error, cx.state, cx.established);
  const peer = findCause(error, PeerAlertError);
  if (peer) {
    const { reason, hint } = peerReason(peer.description, cx);
    return {
      stage,
      state: cx.state,
      version: cx.version,
      alert: peer.description,
      alertName: nameOf(AlertDescription, peer.description),
      alertOrigin: 'received',
      reason,
      hint,
    };
  }
  const alert = cx.alertSent;
  const certificate = findCause(error, CertificateError);
  const explained = findCause(error, HandshakeAlertError);
  const plaintext = notTls(error, cx.state);
  let reason: string;
  let hint: string | undefined;
  if (plaintext) {
    reason = `the ${cx.role === 'client' ? 'server' : cx.role === 'server' ? 'client' : 'peer'} does not speak TLS: its first bytes are no TLS record (${plaintext.detail})`;
    hint = 'is this the TLS port?';
  } else if (certificate) {
    reason = certificate.reason;
    hint = certificate.hint;
  } else if (explained) {
    reason = explained.reason;
    hint = explained.hint;
  } else if (error instanceof TlsAlertError) {
    const prefix = `${nameOf(AlertDescription, error.alert)}: `;
    reason = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  } else {
    reason = error instanceof Error ? error.message : String(error);
  }
  return {
    stage,
    state: cx.state,
    version: cx.version,
    alert,
    alertName: alert === undefined ? undefined : nameOf(AlertDescription, alert),
    alertOrigin: alert === undefined ? undefined : 'sent',
    reason,
    hint,
  };
}

/** What {@link failConnection} needs of a connection's record layer (TLS 1.3 or TLS 1.2). */
export interface FailingConnection {
  readonly role: 'client' | 'server';
  readonly established: boolean;
  /** Send an alert under the current write keys. */
  sendAlert(description: number): void;
  /** The state, its version and what was offered, for the diagnosis. */
  describe(): { state: string; version?: 'TLS 1.2' | 'TLS 1.3'; offered?: Offered };
}

/**
 * End a connection because of `error` (the one path both record layers take): send the alert
 * `alertFor` names — none when the peer's alert ended it, or when it cannot be sent (keys exhausted) —
 * and return the {@link ConnectionFailure} to report: stage, alert, reason and hint, `error` its cause.
 */
export function failConnection(error: unknown, connection: FailingConnection): ConnectionFailure {
  const err = error instanceof Error ? error : new TlswireError(String(error));
  let alertSent: number | undefined;
  if (!(error instanceof PeerAlertError)) {
    try {
      const alert = alertFor(error);
      connection.sendAlert(alert);
      alertSent = alert;
    } catch {
      // The alert cannot be sent: the failure below is still reported.
    }
  }
  const diagnosis = diagnose(err, {
    role: connection.role,
    established: connection.established,
    alertSent,
    ...connection.describe(),
  });
  return new ConnectionFailure(err, diagnosis);
}

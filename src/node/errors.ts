/**
 * The error a {@link TlsSocket} emits: the typed error of the state machine (a `TlsAlertError`, a
 * `CertificateError`, a `PeerAlertError`, a `DecodeError`) or of the transport, with the alert that
 * ended the connection, who sent it, the handshake state it failed in, and the stage of the
 * connection that failed, inferred from the error and the state.
 * @module
 */
import {
  ConnectionFailure,
  diagnose,
  type FailureStage as HandshakeStage,
  failureStage as handshakeFailureStage,
} from '../handshake/diagnosis.js';
import { CertificateError } from '../x509/errors.js';
import { alertCode, nodeCodeOf } from './node-tls.js';

function findCause<T>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof type) return e;
  }
  return undefined;
}

/** Where a connection failed, as a person debugging it would name it: the machines' stages, or TCP. */
export type FailureStage =
  /** TCP: refused, reset, closed by the peer without an alert. */
  'transport' | HandshakeStage;

/**
 * The stage a connection failed in, from the error and the handshake state (the one rule set, in
 * src/handshake/diagnosis.ts).
 */
export function failureStage(error: unknown, state: string, established: boolean): FailureStage {
  return handshakeFailureStage(error, state, established);
}

/** A transport failure during the handshake: the peer closed TCP (node:tls: ECONNRESET). */
export const PEER_CLOSED_IN_HANDSHAKE = 'the peer closed the TCP connection during the handshake';

/** The code node:tls would give: see {@link TlsConnectionError.code}. */
function nodeCode(inner: Error, alertReceived: number | undefined): string | undefined {
  const certificate = findCause(inner, CertificateError);
  if (certificate) return nodeCodeOf(certificate);
  if (alertReceived !== undefined) return alertCode(alertReceived);
  const code = (inner as Error & { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (inner.message === PEER_CLOSED_IN_HANDSHAKE) return 'ECONNRESET';
  return undefined;
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
  /**
   * The code node:tls gives the same failure: OpenSSL's verify error for a certificate
   * (`CERT_HAS_EXPIRED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`, …),
   * `ERR_SSL_<OpenSSL reason>` for an alert received (`ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`), the system
   * error of the transport (`ECONNRESET`, `ECONNREFUSED`; a peer closing during the handshake is
   * `ECONNRESET` as in node), `ERR_TLS_HANDSHAKE_TIMEOUT`; undefined for other protocol failures.
   */
  readonly code: string | undefined;

  constructor(cause: Error, state: string, established: boolean, transport = false) {
    // Every state machine of tlswire reports a ConnectionFailure (its diagnosis, the typed error as its
    // cause); a bare error (a connection of another kind) is diagnosed without the alert it sent.
    const failure = cause instanceof ConnectionFailure ? cause : undefined;
    const inner = failure && failure.cause instanceof Error ? failure.cause : cause;
    const d = transport ? undefined : (failure ?? diagnose(inner, { state, established, alertSent: undefined }));
    const reason = d ? d.reason : (findCause(inner, CertificateError)?.reason ?? inner.message);
    super(reason, { cause: inner });
    this.alert = d?.alert;
    this.alertName = d?.alertName;
    this.alertOrigin = d?.alertOrigin === undefined ? undefined : d.alertOrigin === 'received' ? 'peer' : 'local';
    this.state = d?.state ?? state;
    this.stage = d ? d.stage : 'transport';
    this.reason = reason;
    this.hint = d ? d.hint : findCause(inner, CertificateError)?.hint;
    this.code = nodeCode(inner, this.alertOrigin === 'peer' ? this.alert : undefined);
  }
}

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
  }
}

/**
 * TLS errors and the one place in tlswire where an error becomes an alert.
 *
 * Codecs throw {@link DecodeError} (with a reason), state machines throw {@link TlsAlertError} (naming
 * the alert to send), and a received fatal alert or close_notify surfaces as {@link PeerAlertError}.
 * {@link alertFor} maps any of them, or anything else, to the AlertDescription to send
 * (RFC 8446 §6.2, RFC 5246 §7.2.2).
 * @module
 */
import { DecodeError, TlswireError } from '../bytes/errors.js';
import { AlertDescription, AlertLevel, nameOf } from './enums.js';

/**
 * A protocol violation or failure for which this endpoint must send the fatal alert `alert` and close.
 * @example throw new TlsAlertError(AlertDescription.handshake_failure, 'no cipher suite in common')
 */
export class TlsAlertError extends TlswireError {
  override name = 'TlsAlertError';
  /** The AlertDescription to send. */
  readonly alert: AlertDescription;

  /**
   * @param alert the AlertDescription value to send
   * @param message what went wrong, for people
   * @param options.cause the underlying error, if any
   */
  constructor(alert: AlertDescription, message: string, options?: { cause?: unknown }) {
    super(`${nameOf(AlertDescription, alert)}: ${message}`, options);
    this.alert = alert;
  }
}

/**
 * The peer closed the connection with an alert: a fatal error alert, or close_notify (orderly
 * closure of its direction; RFC 8446 §6.1). Nothing more may be read after it.
 */
export class PeerAlertError extends TlswireError {
  override name = 'PeerAlertError';
  /** The AlertLevel byte as received (ignored in TLS 1.3, RFC 8446 §6). */
  readonly level: AlertLevel;
  /** The AlertDescription received. */
  readonly description: AlertDescription;

  constructor(level: AlertLevel, description: AlertDescription) {
    super(`peer sent ${nameOf(AlertLevel, level)} alert ${nameOf(AlertDescription, description)}`);
    this.level = level;
    this.description = description;
  }

  /** True for close_notify: an orderly end of data rather than an error. */
  get isCloseNotify(): boolean {
    return this.description === AlertDescription.close_notify;
  }
}

/**
 * THE mapping from errors to alerts: every layer of tlswire (record layer, handshake state
 * machines, adapters) calls this to decide which alert to send, and no other code does.
 *
 * - {@link DecodeError} by reason (RFC 8446 §6.2): `truncated`, `trailing`, `length` → decode_error;
 *   `value`, `duplicate` → illegal_parameter; `overflow` → record_overflow; `unexpected` → unexpected_message.
 * - {@link TlsAlertError} → its `alert`.
 * - {@link PeerAlertError} → close_notify: the peer has already closed, so no error alert is owed; a
 *   close_notify in reply is the only alert that still makes sense (RFC 8446 §6.1).
 * - anything else (a bug, an exception from user code) → internal_error.
 * @returns an AlertDescription value
 */
export function alertFor(error: unknown): AlertDescription {
  if (error instanceof TlsAlertError) return error.alert;
  if (error instanceof DecodeError) {
    switch (error.reason) {
      case 'truncated':
      case 'trailing':
      case 'length':
        return AlertDescription.decode_error;
      case 'value':
      case 'duplicate':
        return AlertDescription.illegal_parameter;
      case 'overflow':
        return AlertDescription.record_overflow;
      case 'unexpected':
        return AlertDescription.unexpected_message;
    }
  }
  if (error instanceof PeerAlertError) return AlertDescription.close_notify;
  return AlertDescription.internal_error;
}

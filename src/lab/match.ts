/**
 * Whether what the peer sent meets an expectation, and how both read in a trace: alerts by their
 * RFC 8446 §6 names, messages by their §4 type names.
 * @module
 */
import { toHex } from '../bytes/hex.js';
import { AlertDescription, AlertLevel, nameOf } from '../tls/enums.js';
import type { Expectation, Received } from './steps.js';

const asList = <T>(v: T | readonly T[]): readonly T[] => (Array.isArray(v) ? v : [v as T]);

/** An alert's name, e.g. `fatal handshake_failure`. */
export function alertName(level: number, description: number): string {
  return `${nameOf(AlertLevel, level)} ${nameOf(AlertDescription, description)}`;
}

/** Whether `got` satisfies `e`. */
export function matches(e: Expectation, got: Received): boolean {
  switch (e.kind) {
    case 'message':
      return got.kind === 'message' && asList(e.type).includes(got.type);
    case 'alert':
      return (
        got.kind === 'alert' &&
        (e.level === undefined || got.level === e.level) &&
        (e.description === undefined || asList(e.description).includes(got.description))
      );
    case 'any':
      return e.accept(got);
    default:
      return got.kind === e.kind;
  }
}

/**
 * Events an expectation lets pass: ChangeCipherSpec (TLS 1.3 middlebox compatibility, RFC 8446 §D.4)
 * unless a CCS is expected; NewSessionTicket before data, a close or an alert; close_notify before a close.
 */
export function skippable(e: Expectation, got: Received): boolean {
  if (e.kind === 'any') return false;
  if (got.kind === 'ccs') return e.kind !== 'ccs';
  const later = e.kind === 'data' || e.kind === 'close' || e.kind === 'alert' || e.kind === 'silence';
  if (got.kind === 'message' && got.type === 'new_session_ticket') return later;
  if (got.kind === 'alert' && got.level === 1 && got.description === 0) return e.kind === 'close';
  return false;
}

/** An expectation in words. */
export function describeExpectation(e: Expectation): string {
  switch (e.kind) {
    case 'message':
      return asList(e.type).join(' or ');
    case 'alert': {
      const names =
        e.description === undefined ? ['any'] : asList(e.description).map((d) => nameOf(AlertDescription, d));
      return `${e.level === undefined ? '' : `${nameOf(AlertLevel, e.level)} `}alert ${names.join(' or ')}`;
    }
    case 'any':
      return e.describe;
    case 'ccs':
      return 'ChangeCipherSpec';
    default:
      return e.kind;
  }
}

/** A received event in words. */
export function describeReceived(got: Received): string {
  switch (got.kind) {
    case 'message':
      return got.type;
    case 'alert':
      return `alert ${alertName(got.level, got.description)}`;
    case 'ccs':
      return 'ChangeCipherSpec';
    case 'data':
      return `${got.bytes.length} bytes of application data`;
    case 'garbage':
      return `${got.reason} (${toHex(got.bytes.subarray(0, 16))}${got.bytes.length > 16 ? '…' : ''})`;
    default:
      return got.kind;
  }
}

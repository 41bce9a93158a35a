/**
 * The Alert message: level and description, and which alerts end a connection (RFC 8446 §6;
 * RFC 5246 §7.2).
 * @module
 */
import { Reader } from '../bytes/reader.js';
import { Writer } from '../bytes/writer.js';
import { AlertDescription, AlertLevel, ProtocolVersion } from './enums.js';

/**
 * `struct { AlertLevel level; AlertDescription description; } Alert;` (RFC 8446 §6). Both fields
 * are open enums: unknown values decode and re-encode unchanged.
 */
export interface Alert {
  level: AlertLevel;
  description: AlertDescription;
}

/** Decode the two bytes of an Alert from `r`. */
export function decodeAlert(r: Reader): Alert {
  const level = r.u8('level');
  const description = r.u8('description');
  return { level, description };
}

/** Encode an Alert into `w`. */
export function encodeAlert(w: Writer, alert: Alert): void {
  w.u8(alert.level).u8(alert.description);
}

/**
 * Parse the fragment of an alert record. It must hold exactly one alert: RFC 8446 §5.1 forbids
 * fragmenting an alert across records and coalescing several into one record, so a short or long
 * fragment is a `truncated`/`trailing` DecodeError (decode_error).
 */
export function parseAlert(fragment: Uint8Array): Alert {
  return Reader.decode(fragment, 'Alert', decodeAlert);
}

/** The two content bytes of `alert`. */
export function serializeAlert(alert: Alert): Uint8Array {
  return Writer.encode((w) => encodeAlert(w, alert), 2);
}

/**
 * Whether a received alert ends the connection as an error.
 *
 * TLS 1.3 (RFC 8446 §6): the level is ignored; every alert except close_notify and user_canceled is
 * an error alert, unknown descriptions included. TLS 1.2 and earlier (RFC 5246 §7.2): the level
 * decides; anything but `warning` is treated as fatal.
 * @param version the negotiated version (TLS 1.3 unless given)
 */
export function isFatalAlert(alert: Alert, version: ProtocolVersion = ProtocolVersion.TLS1_3): boolean {
  if (version === ProtocolVersion.TLS1_3) {
    return alert.description !== AlertDescription.close_notify && alert.description !== AlertDescription.user_canceled;
  }
  return alert.level !== AlertLevel.warning;
}

/**
 * SSLKEYLOGFILE lines, the format Wireshark, curl, Firefox and OpenSSL use to export TLS secrets
 * (IETF draft-ietf-tls-keylogfile): one `LABEL <client_random hex> <secret hex>` per line, where
 * client_random is the 32-byte Random of the ClientHello that identifies the connection.
 *
 * Writing the file is the caller's job (library code does no I/O); {@link keyLogLine} formats a
 * line and {@link parseKeyLog} reads a file's text back.
 * @module
 */

import { TlswireError } from '../bytes/errors.js';
import { fromHex, toHex } from '../bytes/hex.js';

/** The TLS 1.3 secret labels (RFC 8446 §7.1 secrets) and TLS 1.2's CLIENT_RANDOM (master secret). */
export const KeyLogLabel = Object.freeze({
  /** client_early_traffic_secret */
  CLIENT_EARLY_TRAFFIC_SECRET: 'CLIENT_EARLY_TRAFFIC_SECRET',
  /** client_handshake_traffic_secret */
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  /** server_handshake_traffic_secret */
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  /** client_application_traffic_secret_0 */
  CLIENT_TRAFFIC_SECRET_0: 'CLIENT_TRAFFIC_SECRET_0',
  /** server_application_traffic_secret_0 */
  SERVER_TRAFFIC_SECRET_0: 'SERVER_TRAFFIC_SECRET_0',
  /** exporter_master_secret */
  EXPORTER_SECRET: 'EXPORTER_SECRET',
  /** early_exporter_master_secret */
  EARLY_EXPORTER_SECRET: 'EARLY_EXPORTER_SECRET',
  /** TLS 1.2 and earlier: the 48-byte master secret */
  CLIENT_RANDOM: 'CLIENT_RANDOM',
} as const);

/** One of the {@link KeyLogLabel} values. */
export type KeyLogLabel = (typeof KeyLogLabel)[keyof typeof KeyLogLabel];

/** One parsed line of a key log. */
export interface KeyLogEntry {
  readonly label: string;
  readonly clientRandom: Uint8Array;
  readonly secret: Uint8Array;
}

/**
 * Format one key log line (no trailing newline): `LABEL <client_random hex> <secret hex>`.
 * @throws RangeError when `clientRandom` is not 32 bytes
 * @example keyLogLine('CLIENT_HANDSHAKE_TRAFFIC_SECRET', clientHello.random, chts)
 */
export function keyLogLine(label: KeyLogLabel, clientRandom: Uint8Array, secret: Uint8Array): string {
  if (clientRandom.length !== 32)
    throw new RangeError(`keyLogLine: client_random must be 32 bytes, got ${clientRandom.length}`);
  return `${label} ${toHex(clientRandom)} ${toHex(secret)}`;
}

/**
 * Parse the text of an SSLKEYLOGFILE. Blank lines and `#` comments are skipped; labels we do not know
 * are kept as they are.
 * @throws TlswireError naming the line when a line is not `LABEL <64 hex digits> <hex>`
 */
export function parseKeyLog(text: string): KeyLogEntry[] {
  const out: KeyLogEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z0-9_]+) ([0-9a-fA-F]{64}) ([0-9a-fA-F]+)$/.exec(line);
    if (!m || m[3]!.length % 2 !== 0)
      throw new TlswireError(`key log line ${i + 1}: not "LABEL <client_random> <secret>"`);
    out.push({ label: m[1]!, clientRandom: fromHex(m[2]!), secret: fromHex(m[3]!) });
  }
  return out;
}

/**
 * PEM armor (RFC 7468): `-----BEGIN LABEL-----`, base64 lines, `-----END LABEL-----`. Decodes every
 * block of a text (bundles, "fullchain" files, key + certificate files), skipping explanatory text
 * between blocks (RFC 7468 §2), and encodes with 64-character lines (RFC 7468 §3).
 * @module
 */
import { TlswireError } from '../bytes/errors.js';

/** Malformed PEM text: a BEGIN without END, mismatched labels, bad base64. `line` is 1-based. */
export class PemError extends TlswireError {
  override name = 'PemError';
  /** 1-based line of the text where the problem was found. */
  readonly line: number;
  constructor(message: string, line: number) {
    super(`PEM line ${line}: ${message}`);
    this.line = line;
  }
}

/** One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, `EC PRIVATE KEY`, …) and the decoded bytes. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const BEGIN = /^-----BEGIN ([\x21-\x2c\x2e-\x7e](?:[- ]?[\x21-\x2c\x2e-\x7e])*)?-----\s*$/;
const END = /^-----END ([\x21-\x2c\x2e-\x7e](?:[- ]?[\x21-\x2c\x2e-\x7e])*)?-----\s*$/;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

/**
 * Strict base64 (RFC 4648 §4) decode; whitespace must already be removed.
 * @returns the bytes, or undefined when `text` is not canonical base64
 */
export function base64Decode(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      const last = i + 4 === text.length;
      if (c === 61 /* = */ && last && j >= 4 - pad) {
        v <<= 6;
        continue;
      }
      const d = c < 128 ? (B64_VALUE[c] ?? -1) : -1;
      if (d < 0) return undefined;
      v = (v << 6) | d;
    }
    if (o < out.length) out[o++] = (v >>> 16) & 0xff;
    if (o < out.length) out[o++] = (v >>> 8) & 0xff;
    if (o < out.length) out[o++] = v & 0xff;
  }
  return out;
}

/** Base64 (RFC 4648 §4) encode with padding. */
export function base64Encode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1] ?? 0;
    const c = bytes[i + 2] ?? 0;
    const v = (a << 16) | (b << 8) | c;
    s += B64[(v >>> 18) & 63]! + B64[(v >>> 12) & 63]!;
    s += i + 1 < bytes.length ? B64[(v >>> 6) & 63]! : '=';
    s += i + 2 < bytes.length ? B64[v & 63]! : '=';
  }
  return s;
}

/**
 * Decode every PEM block in `text`, in order. Text outside blocks is ignored (RFC 7468 §2); headers
 * inside a block (RFC 1421 `Proc-Type:`, i.e. encrypted keys) are rejected.
 * @param text PEM text (any line endings)
 * @param label when given, only blocks with this label are returned
 * @throws PemError on an unterminated block, mismatched END label, or bad base64
 * @example decodePem(fs.readFileSync('fullchain.pem', 'utf8'), 'CERTIFICATE').map((b) => b.der)
 */
export function decodePem(text: string, label?: string): PemBlock[] {
  if (typeof text !== 'string') throw new TypeError('decodePem: expected a string');
  const lines = text.split(/\r\n|\r|\n/);
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN.exec(lines[i]!.trim());
    if (!begin) {
      if (END.test(lines[i]!.trim())) throw new PemError('END line without a BEGIN', i + 1);
      continue;
    }
    const blockLabel = begin[1] ?? '';
    const start = i;
    let body = '';
    for (i++; ; i++) {
      if (i >= lines.length) throw new PemError(`BEGIN ${blockLabel} without an END line`, start + 1);
      const line = lines[i]!.trim();
      const end = END.exec(line);
      if (end) {
        if ((end[1] ?? '') !== blockLabel) {
          throw new PemError(`END ${end[1] ?? ''} does not match BEGIN ${blockLabel}`, i + 1);
        }
        break;
      }
      if (BEGIN.test(line)) throw new PemError(`BEGIN inside the ${blockLabel} block`, i + 1);
      if (line.includes(':')) throw new PemError(`header '${line}' (encrypted PEM is not supported)`, i + 1);
      body += line.replace(/\s+/g, '');
    }
    const der = base64Decode(body);
    if (der === undefined) throw new PemError(`bad base64 in the ${blockLabel} block`, start + 1);
    if (der.length === 0) throw new PemError(`empty ${blockLabel} block`, start + 1);
    if (label === undefined || label === blockLabel) blocks.push({ label: blockLabel, der });
  }
  return blocks;
}

/**
 * Encode `der` as one PEM block with 64-character lines and a final newline (RFC 7468 §2, §3).
 * @example encodePem('CERTIFICATE', cert.der)
 */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = base64Encode(der);
  let out = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}-----END ${label}-----\n`;
}

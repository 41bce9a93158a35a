/**
 * `tlswire decode HEX | --file F [--json] [--tls12] [--kx ecdhe|dhe|rsa]`: decode TLS records, or bare
 * handshake messages, into an indented field tree with IANA names, or into JSON.
 *
 * What the bytes are is told by the first byte: a content type 20–24 followed by major version 3 is a
 * record (RFC 8446 §5.1), anything else a handshake message (RFC 8446 §4). Records are cut with the
 * {@link RecordDeframer}, their handshake content joined with the {@link HandshakeReassembler}, so
 * messages may span records. Message bodies whose shape depends on the version (Certificate,
 * CertificateRequest, NewSessionTicket) are read as TLS 1.3 unless `--tls12` is given or a ServerHello
 * in the input chose TLS 1.2; TLS 1.2 key exchange messages as ECDHE unless `--kx` says otherwise.
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fromHex } from '../bytes/hex.js';
import { keyExchangeOf, looksLikeTls } from '../decrypt/analyze.js';
import { type Alert, parseAlert } from '../tls/alert.js';
import { ContentType, HandshakeType, nameOf, ProtocolVersion } from '../tls/enums.js';
import { findExtension } from '../tls/extensions.js';
import { HandshakeReassembler } from '../tls/handshake-framing.js';
import { type DecodedHandshake, decodeHandshake } from '../tls/messages/handshake.js';
import type { KeyExchange } from '../tls/messages/key-exchange.js';
import { parseChangeCipherSpec, RecordDeframer } from '../tls/record.js';
import { parseCommandArgs, usageLines } from './args.js';
import {
  contentTypeName,
  describeError,
  fieldTree,
  hexNumber,
  messageName,
  type Output,
  toJson,
  versionName,
} from './format.js';

/** Usage text of the command. */
export const DECODE_USAGE = `Usage: tlswire decode HEX... [--json] [--tls12] [--kx ecdhe|dhe|rsa]
       tlswire decode --file F [--json] [--tls12] [--kx ecdhe|dhe|rsa]

Decode TLS records (first byte 20-24 and version 3.x) or bare handshake messages (anything
else) and print every field with its IANA name. HEX may contain spaces and colons.

Options:
  --file F      read the bytes from F (hex text or binary, detected)
  --json        print one JSON document instead of the field tree
  --tls12       read version-dependent bodies (Certificate, CertificateRequest,
                NewSessionTicket) in their TLS 1.2 form (default: TLS 1.3, or what a
                ServerHello in the input chose)
  --kx K        TLS 1.2 key exchange for ServerKeyExchange/ClientKeyExchange: ecdhe (default),
                dhe or rsa (default: from a ServerHello's cipher suite in the input)
  -h, --help    show this help`;

/** A decoded handshake message, or why it did not decode. */
export interface DecodedMessage {
  msgType: number;
  length: number;
  message?: DecodedHandshake;
  error?: string;
}

/** A decoded record. */
export interface DecodedRecord {
  contentType: number;
  version: number;
  length: number;
  /** Application data and records after a ChangeCipherSpec: shown by length only. */
  encrypted: boolean;
  alert?: Alert;
  messages: DecodedMessage[];
  error?: string;
}

/** What {@link decodeInput} found. */
export interface DecodeResult {
  kind: 'records' | 'handshake';
  records: DecodedRecord[];
  /** Bare handshake messages (kind `handshake`). */
  messages: DecodedMessage[];
  /** The first error that stopped decoding or made the input invalid (truncation included). */
  error?: string;
}

/** Options of {@link decodeInput}. */
export interface DecodeOptions {
  tls12?: boolean;
  keyExchange?: KeyExchange;
}

/** Whether `bytes` start like a record rather than a handshake message. */
export function isRecordInput(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && looksLikeTls(bytes) && bytes[2]! <= 4;
}

/** Decode records or bare handshake messages from `bytes`. Never throws on bad input. */
export function decodeInput(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const result: DecodeResult = { kind: isRecordInput(bytes) ? 'records' : 'handshake', records: [], messages: [] };
  let version: 'tls12' | 'tls13' = options.tls12 ? 'tls12' : 'tls13';
  let keyExchange: KeyExchange = options.keyExchange ?? 'ecdhe';
  const reassembler = new HandshakeReassembler({ maxMessageLength: 1 << 24 });
  const fail = (e: unknown) => {
    result.error ??= describeError(e);
  };

  const pullMessages = (into: DecodedMessage[]): void => {
    for (let m = reassembler.next(); m; m = reassembler.next()) {
      const dm: DecodedMessage = { msgType: m.type, length: m.body.length };
      into.push(dm);
      try {
        dm.message = decodeHandshake(m.raw, { version, keyExchange });
      } catch (e) {
        dm.error = describeError(e);
        fail(e);
        continue;
      }
      const msg = dm.message;
      if (msg.type === 'server_hello') {
        const sv = findExtension(msg.extensions, 'supported_versions');
        const chosen = sv?.form === 'server_hello' ? sv.selectedVersion : msg.version;
        if (!options.tls12 && chosen !== ProtocolVersion.TLS1_3) version = 'tls12';
        if (!options.keyExchange) keyExchange = keyExchangeOf(msg.cipherSuite);
      }
    }
  };

  if (result.kind === 'handshake') {
    try {
      reassembler.push(bytes);
      pullMessages(result.messages);
      if (reassembler.partialLength > 0) {
        fail(new Error(`truncated: ${reassembler.partialLength} bytes of an incomplete handshake message at the end`));
      }
    } catch (e) {
      fail(e);
    }
    return result;
  }

  const deframer = new RecordDeframer();
  let protectedFrom = false;
  try {
    deframer.push(bytes);
    for (let rec = deframer.next(); rec; rec = deframer.next()) {
      const dr: DecodedRecord = {
        contentType: rec.type,
        version: rec.version,
        length: rec.fragment.length,
        encrypted: protectedFrom || rec.type === ContentType.application_data,
        messages: [],
      };
      result.records.push(dr);
      if (dr.encrypted) {
        deframer.setLimits({ protection: 'tls12-protected' });
        continue;
      }
      try {
        if (rec.type === ContentType.handshake) {
          reassembler.push(rec.fragment);
          pullMessages(dr.messages);
        } else {
          reassembler.assertBoundary(`${nameOf(ContentType, rec.type)} record`);
          if (rec.type === ContentType.alert) dr.alert = parseAlert(rec.fragment);
          if (rec.type === ContentType.change_cipher_spec) {
            parseChangeCipherSpec(rec.fragment);
            if (version === 'tls12') protectedFrom = true;
            deframer.setLimits({ protection: 'tls12-protected' });
          }
        }
      } catch (e) {
        dr.error = describeError(e);
        fail(e);
      }
    }
    if (deframer.partialLength > 0) {
      const need = bytes.length >= 5 ? ` (the record header announces more than the ${bytes.length} bytes given)` : '';
      fail(new Error(`truncated: ${deframer.partialLength} bytes of an incomplete record at the end${need}`));
    } else if (reassembler.partialLength > 0) {
      fail(new Error(`truncated: ${reassembler.partialLength} bytes of an incomplete handshake message at the end`));
    }
  } catch (e) {
    fail(e);
  }
  return result;
}

function messageLines(m: DecodedMessage, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const name = m.message ? messageName(m.message, m.msgType) : nameOf(HandshakeType, m.msgType, 1);
  const lines = [`${pad}${name} (msg_type ${m.msgType}, ${m.length} bytes)`];
  if (m.error) lines.push(`${pad}  error: ${m.error}`);
  if (m.message) lines.push(...fieldTree(m.message, indent + 2));
  return lines;
}

/** The field tree of a decode result. */
export function decodeText(r: DecodeResult): string[] {
  const lines: string[] = [];
  if (r.kind === 'handshake') {
    for (const m of r.messages) lines.push(...messageLines(m, 0));
    return lines;
  }
  r.records.forEach((rec, i) => {
    const what = rec.encrypted ? `${contentTypeName(rec.contentType)} (encrypted)` : contentTypeName(rec.contentType);
    lines.push(
      `record ${i + 1}: ${what} (${rec.contentType}), ${versionName(rec.version)} (${hexNumber(rec.version, 4)}), ${rec.length} bytes`,
    );
    if (rec.alert) lines.push(...fieldTree({ alert: rec.alert }, 2));
    if (rec.error) lines.push(`  error: ${rec.error}`);
    for (const m of rec.messages) lines.push(...messageLines(m, 2));
  });
  return lines;
}

function messageJson(m: DecodedMessage): Record<string, unknown> {
  return {
    msgType: m.msgType,
    name: m.message ? messageName(m.message, m.msgType) : nameOf(HandshakeType, m.msgType, 1),
    length: m.length,
    ...(m.message ? { message: toJson(m.message) } : {}),
    ...(m.error ? { error: m.error } : {}),
  };
}

/** The JSON document of a decode result. */
export function decodeJson(r: DecodeResult): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: r.kind };
  if (r.kind === 'handshake') out.messages = r.messages.map(messageJson);
  else {
    out.records = r.records.map((rec) => ({
      contentType: contentTypeName(rec.contentType),
      contentTypeValue: rec.contentType,
      version: hexNumber(rec.version, 4),
      length: rec.length,
      encrypted: rec.encrypted,
      ...(rec.alert ? { alert: rec.alert } : {}),
      ...(rec.error ? { error: rec.error } : {}),
      messages: rec.messages.map(messageJson),
    }));
  }
  if (r.error) out.error = r.error;
  return out;
}

/** Hex text (digits, whitespace, colons) or binary: the bytes of a `--file`. */
export function bytesOfFile(content: Uint8Array): Uint8Array {
  const text = new TextDecoder('latin1').decode(content);
  if (/^[0-9a-fA-F\s:]+$/.test(text) && /[0-9a-fA-F]/.test(text)) return fromHex(text);
  return content;
}

/** `tlswire decode` with its arguments (after the command name). Exit code 0, 1 (bad input) or 2 (usage). */
export function decodeCommand(argv: string[], io: Output): number {
  const parsed = parseCommandArgs('decode', DECODE_USAGE, io, () => parse(argv));
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const kx = values.kx;
  if (kx !== undefined && kx !== 'ecdhe' && kx !== 'dhe' && kx !== 'rsa') {
    io.err(`tlswire decode: --kx must be ecdhe, dhe or rsa, not ${JSON.stringify(kx)}`);
    io.err(usageLines(DECODE_USAGE));
    return 2;
  }
  if ((values.file === undefined) === (positionals.length === 0)) {
    io.err('tlswire decode: give either HEX or --file F');
    io.err(usageLines(DECODE_USAGE));
    return 2;
  }
  let bytes: Uint8Array;
  try {
    if (values.file !== undefined) bytes = bytesOfFile(new Uint8Array(readFileSync(values.file)));
    else bytes = fromHex(positionals.join(''));
  } catch (e) {
    io.err(
      `tlswire decode: ${values.file === undefined ? 'invalid hex' : `cannot read ${values.file}`}: ${describeError(e)}`,
    );
    return 1;
  }
  if (bytes.length === 0) {
    io.err('tlswire decode: no bytes to decode');
    return 1;
  }
  const result = decodeInput(bytes, { tls12: values.tls12, keyExchange: kx });
  if (values.json) io.out(JSON.stringify(decodeJson(result)));
  else for (const line of decodeText(result)) io.out(line);
  if (result.error !== undefined) {
    io.err(`tlswire decode: error: ${result.error}`);
    return 1;
  }
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      json: { type: 'boolean', default: false },
      tls12: { type: 'boolean', default: false },
      kx: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

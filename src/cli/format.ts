/**
 * Text and JSON formatting shared by the `tlswire` commands: IANA names for registry values, the
 * indented field tree of a decoded TLS structure, JSON-safe copies (bytes as hex), and the one-line
 * key fields of each handshake message. Formatting lives here, never in the codecs.
 * @module
 */

import { DecodeError } from '../bytes/errors.js';
import { toHex } from '../bytes/hex.js';
import {
  AlertDescription,
  AlertLevel,
  CertificateStatusType,
  CipherSuite,
  ClientCertificateType,
  ContentType,
  ECPointFormat,
  ExtensionType,
  HandshakeType,
  KeyUpdateRequest,
  NamedGroup,
  NameType,
  nameOf,
  ProtocolVersion,
  PskKeyExchangeMode,
  type Registry,
  SignatureScheme,
} from '../tls/enums.js';
import { type Extension, extensionType, findExtension } from '../tls/extensions.js';
import { ja3, ja3s, ja4 } from '../tls/fingerprint.js';
import type { HandshakeMessage } from '../tls/messages/handshake.js';
import { parseCertificate } from '../x509/certificate.js';

/** Where a command writes: standard output and standard error, one line per call. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** `0x` and `digits` lower-case hex digits. */
export function hexNumber(value: number, digits: number): string {
  return `0x${value.toString(16).padStart(digits, '0')}`;
}

/** A protocol version as people write it: `TLS1.2`, `TLS1.3`, or hex when unknown. */
export function versionName(version: number): string {
  return nameOf(ProtocolVersion, version, 2).replace('_', '.');
}

/** The IANA name of a record content type (`handshake`), or hex. */
export function contentTypeName(type: number): string {
  return nameOf(ContentType, type, 1);
}

/** The name a handshake message is known by: the HandshakeType name, `hello_retry_request` for an HRR. */
export function messageName(m: HandshakeMessage, msgType: number): string {
  if (m.type === 'server_hello' && m.isHelloRetryRequest) return 'hello_retry_request';
  return nameOf(HandshakeType, msgType, 1);
}

/** A DecodeError (or any other error) as one line, with the field path and byte offset when known. */
export function describeError(e: unknown): string {
  if (e instanceof DecodeError) return `${e.reason} at ${e.path || '<input>'} @${e.offset}: ${e.detail}`;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Registries for numeric fields, by the field's name in the decoded structures. */
const FIELD_REGISTRY: Readonly<Record<string, Registry>> = {
  cipherSuites: CipherSuite,
  cipherSuite: CipherSuite,
  version: ProtocolVersion,
  versions: ProtocolVersion,
  selectedVersion: ProtocolVersion,
  groups: NamedGroup,
  group: NamedGroup,
  selectedGroup: NamedGroup,
  namedGroup: NamedGroup,
  schemes: SignatureScheme,
  algorithm: SignatureScheme,
  signatureAlgorithm: SignatureScheme,
  signatureAlgorithms: SignatureScheme,
  level: AlertLevel,
  description: AlertDescription,
  formats: ECPointFormat,
  modes: PskKeyExchangeMode,
  certificateTypes: ClientCertificateType,
  statusType: CertificateStatusType,
  requestUpdate: KeyUpdateRequest,
  /** ServerName.type (the only numeric `type` field left in a decoded message). */
  type: NameType,
};

function registryWidth(reg: Registry): 1 | 2 {
  return reg === CipherSuite ||
    reg === ProtocolVersion ||
    reg === NamedGroup ||
    reg === SignatureScheme ||
    reg === ExtensionType
    ? 2
    : 1;
}

/** `name (0x1301)` for a registry value. */
export function named(reg: Registry, value: number): string {
  const width = registryWidth(reg);
  const name = reg === ProtocolVersion ? versionName(value) : nameOf(reg, value, width);
  const hex = hexNumber(value, width * 2);
  return name === hex ? hex : `${name} (${hex})`;
}

/** Longest byte field printed in full in the text tree; longer ones are cut with their length. */
const MAX_INLINE_BYTES = 32;

function bytesText(b: Uint8Array): string {
  if (b.length === 0) return '(empty)';
  const n = b.length === 1 ? '1 byte' : `${b.length} bytes`;
  if (b.length <= MAX_INLINE_BYTES) return `${toHex(b)} (${n})`;
  return `${toHex(b.subarray(0, MAX_INLINE_BYTES))}… (${n})`;
}

function isExtension(v: unknown): v is Extension {
  return typeof v === 'object' && v !== null && 'kind' in v && typeof (v as { kind: unknown }).kind === 'string';
}

/** Fields left out of the text tree: the message discriminator and bytes a decoded value repeats. */
const HIDDEN = new Set(['type', 'raw', 'params']);

/**
 * An indented field tree of a decoded value (handshake message, extension, record), registry values
 * with their IANA names. Returns the lines, each indented by `indent` spaces and two more per level.
 */
export function fieldTree(value: object, indent = 0): string[] {
  const lines: string[] = [];
  walkObject(value, indent, lines);
  return lines;
}

function walkObject(obj: object, indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  for (const [key, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (HIDDEN.has(key) && (typeof v === 'string' || v instanceof Uint8Array)) continue;
    if (key === 'data' && isExtension(obj) && obj.kind !== 'unknown') continue;
    walkValue(key, v, pad, indent, lines);
  }
}

function walkValue(key: string, v: unknown, pad: string, indent: number, lines: string[]): void {
  const reg = FIELD_REGISTRY[key];
  if (typeof v === 'number') {
    lines.push(`${pad}${key}: ${reg ? named(reg, v) : String(v)}`);
  } else if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') {
    lines.push(`${pad}${key}: ${String(v)}`);
  } else if (v instanceof Uint8Array) {
    lines.push(`${pad}${key}: ${bytesText(v)}`);
    const name = key === 'data' || key === 'certificates' ? certificateName(v) : undefined;
    if (name !== undefined) lines.push(`${pad}  subject: ${name}`);
  } else if (Array.isArray(v)) {
    lines.push(`${pad}${key}: [${v.length}]`);
    for (const item of v) walkItem(item, reg, indent + 2, lines);
  } else if (typeof v === 'object' && v !== null) {
    lines.push(`${pad}${key}:`);
    walkObject(v, indent + 2, lines);
  }
}

function walkItem(item: unknown, reg: Registry | undefined, indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  if (typeof item === 'number') lines.push(`${pad}${reg ? named(reg, item) : String(item)}`);
  else if (typeof item === 'string') lines.push(`${pad}${item}`);
  else if (item instanceof Uint8Array) {
    lines.push(`${pad}${bytesText(item)}`);
    const name = certificateName(item);
    if (name !== undefined) lines.push(`${pad}  subject: ${name}`);
  } else if (isExtension(item)) {
    const type = extensionType(item);
    lines.push(`${pad}${named(ExtensionType, type)}`);
    walkObject(
      Object.fromEntries(
        Object.entries(item).filter(([k]) => k !== 'kind' && (item.kind === 'unknown' ? k !== 'type' : k !== 'data')),
      ),
      indent + 2,
      lines,
    );
  } else if (typeof item === 'object' && item !== null) {
    lines.push(`${pad}-`);
    walkObject(item, indent + 2, lines);
  }
}

/** The subject (RFC 4514) of a DER certificate, or undefined when `bytes` is not one. */
export function certificateName(bytes: Uint8Array): string | undefined {
  if (bytes.length < 64 || bytes[0] !== 0x30) return undefined;
  try {
    return parseCertificate(bytes).subject.text;
  } catch {
    return undefined;
  }
}

/** A JSON-safe copy of a decoded value: bytes as lower-case hex strings, bigints as decimal strings. */
export function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || k === 'raw' || k === 'params') continue;
      out[k] = toJson(v);
    }
    return out;
  }
  return value;
}

/** One key field of a handshake message: a label and its value(s), names already resolved. */
export interface KeyField {
  label: string;
  value: string | number | boolean | string[] | number[];
}

function names(reg: Registry, values: readonly number[]): string[] {
  return values.map((v) => nameOf(reg, v, registryWidth(reg)));
}

function extensionNames(exts: readonly Extension[] | undefined): string[] {
  return (exts ?? []).map((e) => nameOf(ExtensionType, extensionType(e), 2));
}

/** A field label as a camelCase JSON key: `cipher suites` → `cipherSuites`, `ALPN` → `alpn`. */
export function jsonKey(label: string): string {
  const [first = '', ...rest] = label.split(/\s+/).filter(Boolean);
  return first.toLowerCase() + rest.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/**
 * The fields worth a glance for each handshake message (the `pcap` command's summary): what a
 * ClientHello offers, what a ServerHello chooses, certificate sizes, key exchange parameters.
 */
export function keyFields(m: HandshakeMessage): KeyField[] {
  const f: KeyField[] = [];
  switch (m.type) {
    case 'client_hello': {
      const sv = findExtension(m.extensions, 'supported_versions');
      const versions = sv?.form === 'client_hello' ? sv.versions : [m.version];
      f.push({ label: 'versions', value: versions.map(versionName) });
      f.push({ label: 'cipher suites', value: names(CipherSuite, m.cipherSuites) });
      const sni = findExtension(m.extensions, 'server_name');
      if (sni) f.push({ label: 'server name', value: sni.names.map((n) => n.name) });
      const alpn = findExtension(m.extensions, 'application_layer_protocol_negotiation');
      if (alpn) f.push({ label: 'ALPN', value: alpn.protocols });
      const groups = findExtension(m.extensions, 'supported_groups');
      if (groups) f.push({ label: 'supported groups', value: names(NamedGroup, groups.groups) });
      const ks = findExtension(m.extensions, 'key_share');
      if (ks?.form === 'client_hello') {
        f.push({
          label: 'key shares',
          value: names(
            NamedGroup,
            ks.shares.map((s) => s.group),
          ),
        });
      }
      const sig = findExtension(m.extensions, 'signature_algorithms');
      if (sig) f.push({ label: 'signature algorithms', value: names(SignatureScheme, sig.schemes) });
      f.push({ label: 'session id', value: m.sessionId.length ? toHex(m.sessionId) : '(empty)' });
      f.push({ label: 'extensions', value: extensionNames(m.extensions) });
      f.push({ label: 'JA3', value: ja3(m).hash }, { label: 'JA4', value: ja4(m).ja4 });
      break;
    }
    case 'server_hello': {
      const sv = findExtension(m.extensions, 'supported_versions');
      const version = sv?.form === 'server_hello' ? sv.selectedVersion : m.version;
      f.push({ label: 'version', value: versionName(version) });
      f.push({ label: 'cipher suite', value: nameOf(CipherSuite, m.cipherSuite, 2) });
      const ks = findExtension(m.extensions, 'key_share');
      if (ks?.form === 'server_hello') f.push({ label: 'key share', value: nameOf(NamedGroup, ks.share.group, 2) });
      if (ks?.form === 'hello_retry_request') {
        f.push({ label: 'selected group', value: nameOf(NamedGroup, ks.selectedGroup, 2) });
      }
      const alpn = findExtension(m.extensions, 'application_layer_protocol_negotiation');
      if (alpn) f.push({ label: 'ALPN', value: alpn.protocols });
      f.push({ label: 'session id', value: m.sessionId.length ? toHex(m.sessionId) : '(empty)' });
      f.push({ label: 'extensions', value: extensionNames(m.extensions) });
      f.push({ label: 'JA3S', value: ja3s(m).hash });
      break;
    }
    case 'encrypted_extensions':
      f.push({ label: 'extensions', value: extensionNames(m.extensions) });
      break;
    case 'certificate': {
      const sizes = m.version === 'tls12' ? m.certificates.map((c) => c.length) : m.entries.map((e) => e.data.length);
      const ders = m.version === 'tls12' ? m.certificates : m.entries.map((e) => e.data);
      f.push({ label: 'certificates', value: sizes.length });
      f.push({ label: 'sizes', value: sizes });
      f.push({ label: 'subjects', value: ders.map((d) => certificateName(d) ?? '(not an X.509 certificate)') });
      break;
    }
    case 'certificate_request':
      if (m.version === 'tls12') {
        f.push({ label: 'certificate types', value: names(ClientCertificateType, m.certificateTypes) });
        f.push({ label: 'signature algorithms', value: names(SignatureScheme, m.signatureAlgorithms) });
        f.push({ label: 'certificate authorities', value: m.certificateAuthorities.length });
      } else {
        f.push({ label: 'extensions', value: extensionNames(m.extensions) });
      }
      break;
    case 'certificate_verify':
      f.push({ label: 'algorithm', value: nameOf(SignatureScheme, m.algorithm, 2) });
      f.push({ label: 'signature bytes', value: m.signature.length });
      break;
    case 'server_key_exchange':
      if (m.keyExchange === 'ecdhe') f.push({ label: 'group', value: nameOf(NamedGroup, m.namedGroup, 2) });
      else f.push({ label: 'DH prime bits', value: m.p.length * 8 });
      f.push({ label: 'public key bytes', value: m.publicKey.length });
      f.push({ label: 'signature algorithm', value: nameOf(SignatureScheme, m.signatureAlgorithm, 2) });
      break;
    case 'client_key_exchange':
      if (m.keyExchange === 'rsa') {
        f.push({ label: 'encrypted premaster bytes', value: m.encryptedPreMasterSecret.length });
      } else {
        f.push({ label: 'public key bytes', value: m.publicKey.length });
      }
      break;
    case 'finished':
      f.push({ label: 'verify data bytes', value: m.verifyData.length });
      break;
    case 'new_session_ticket':
      f.push({ label: 'lifetime', value: m.version === 'tls12' ? m.lifetimeHint : m.lifetime });
      f.push({ label: 'ticket bytes', value: m.ticket.length });
      break;
    case 'key_update':
      f.push({ label: 'request update', value: nameOf(KeyUpdateRequest, m.requestUpdate, 1) });
      break;
    default:
      break;
  }
  return f;
}

/** A key field's value as text: lists joined with `, `. */
export function keyFieldText(v: KeyField['value']): string {
  if (Array.isArray(v)) return v.length ? v.join(', ') : '(none)';
  return String(v);
}

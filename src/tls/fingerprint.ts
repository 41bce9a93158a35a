/**
 * TLS fingerprints of a decoded ClientHello / ServerHello: JA3 and JA3S (salesforce/ja3 README,
 * "How it works" and "JA3S") and JA4 (FoxIO-LLC/ja4 `technical_details/JA4.md`; JA4 only, not the
 * JA4+ methods). Both specifications are BSD-3-Clause; copies are in shared/specs/.
 *
 * JA3 = MD5 of `SSLVersion,Cipher,SSLExtension,EllipticCurve,EllipticCurvePointFormat` (decimal values
 * joined by `-`), JA3S = MD5 of `SSLVersion,Cipher,SSLExtension`; RFC 8701 GREASE values are left out
 * everywhere. JA4 = `a_b_c` (protocol, version, SNI, counts, ALPN; truncated SHA-256 of the sorted
 * ciphers; truncated SHA-256 of the sorted extensions and the signature algorithms in order).
 *
 * Where JA4.md's diagram and its text disagree (the diagram prints `_acb858a92679_`, the JA4_o cipher
 * hash of the unsorted list, next to the sorted extension hash), the text is followed: `ja4` hashes
 * the sorted lists, `ja4_o` the original order, never a mix.
 *
 * Hashing: the wire layer is below src/crypto, whose CryptoProvider is the protocol's negotiated,
 * swappable crypto (and has no MD5). A fingerprint is a label, not a security operation, and must be
 * the same whatever provider a connection uses, so this file calls @noble/hashes (already a
 * dependency) directly: `md5` from its legacy module for JA3, `sha256` for JA4.
 * @module
 */
import { md5 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../bytes/hex.js';
import { ExtensionType, isGrease } from './enums.js';
import { type Extension, extensionType } from './extensions.js';
import type { ClientHello, ServerHello } from './messages/hello.js';

/** A fingerprint: the string that was hashed, and its hash (lower-case hex). */
export interface Ja3Fingerprint {
  /** e.g. `771,4865-4866-4867,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-21,29-23-24,0`. */
  string: string;
  /** MD5 of {@link string}, 32 lower-case hex digits. */
  hash: string;
}

/** JA4 and its raw forms (JA4.md "Raw Output"). */
export interface Ja4Fingerprint {
  /** `t13d1516h2_8daaf6152771_e5627efa2ab1`: sorted cipher and extension lists, hashed. */
  ja4: string;
  /** JA4_r: the sorted lists in clear (SNI and ALPN left out of the extensions). */
  ja4_r: string;
  /** JA4_o: the lists in their original order (SNI and ALPN included), hashed. */
  ja4_o: string;
  /** JA4_ro: the lists in their original order, in clear. */
  ja4_ro: string;
}

/** Options of {@link ja4}. */
export interface Ja4Options {
  /** How the hello travelled: TLS over TCP (`t`, the default) or QUIC (`q`). */
  transport?: 'tcp' | 'quic';
}

const encoder = new TextEncoder();

function notGrease(values: readonly number[]): number[] {
  return values.filter((v) => !isGrease(v));
}

function extensionTypes(extensions: readonly Extension[]): number[] {
  return notGrease(extensions.map(extensionType));
}

function ja3Of(fields: readonly (number | readonly number[])[]): Ja3Fingerprint {
  const string = fields.map((f) => (typeof f === 'number' ? String(f) : f.join('-'))).join(',');
  return { string, hash: toHex(md5(encoder.encode(string))) };
}

/**
 * JA3 of a ClientHello: `SSLVersion,Cipher,SSLExtension,EllipticCurve,EllipticCurvePointFormat`, where
 * SSLVersion is the ClientHello's (legacy) version, the lists keep their wire order, and GREASE cipher
 * suites, extensions and groups are left out. Empty lists leave their field empty.
 * @example ja3(hello).hash // 'ada70206e40642a3e4461f35503241d5'
 */
export function ja3(hello: ClientHello): Ja3Fingerprint {
  let groups: number[] = [];
  let formats: number[] = [];
  for (const ext of hello.extensions ?? []) {
    if (ext.kind === 'supported_groups') groups = notGrease(ext.groups);
    else if (ext.kind === 'ec_point_formats') formats = ext.formats;
  }
  return ja3Of([hello.version, notGrease(hello.cipherSuites), extensionTypes(hello.extensions ?? []), groups, formats]);
}

/**
 * JA3S of a ServerHello (or HelloRetryRequest): `SSLVersion,Cipher,SSLExtension`, the ServerHello's
 * (legacy) version, its cipher suite, and its extension types in wire order (GREASE left out).
 */
export function ja3s(hello: ServerHello): Ja3Fingerprint {
  return ja3Of([hello.version, hello.cipherSuite, extensionTypes(hello.extensions ?? [])]);
}

/** JA4.md "TLS and DTLS Version": the two characters for a version; `00` when unknown. */
const JA4_VERSIONS: ReadonlyMap<number, string> = new Map([
  [0x0304, '13'],
  [0x0303, '12'],
  [0x0302, '11'],
  [0x0301, '10'],
  [0x0300, 's3'],
  [0x0002, 's2'],
  [0xfeff, 'd1'],
  [0xfefd, 'd2'],
  [0xfefc, 'd3'],
]);

/** The highest non-GREASE supported_versions value, else the ClientHello's version. */
function ja4Version(hello: ClientHello): string {
  let version = hello.version;
  for (const ext of hello.extensions ?? []) {
    if (ext.kind === 'supported_versions' && ext.form === 'client_hello') {
      const versions = notGrease(ext.versions);
      if (versions.length > 0) version = Math.max(...versions);
    }
  }
  return JA4_VERSIONS.get(version) ?? '00';
}

function isAlphanumeric(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * JA4.md "ALPN Extension Value": the first and last characters of the first ALPN value; `00` when
 * there is none; the first and last hex digits of the value when either end is not ASCII alphanumeric.
 */
function ja4Alpn(hello: ClientHello): string {
  const alpn = hello.extensions?.find((e) => e.kind === 'application_layer_protocol_negotiation');
  const first = alpn?.protocols[0];
  if (first === undefined || first.length === 0) return '00';
  const a = first.charCodeAt(0);
  const z = first.charCodeAt(first.length - 1);
  if (isAlphanumeric(a) && isAlphanumeric(z)) return first[0]! + first[first.length - 1]!;
  const hex = Array.from(first, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  return hex[0]! + hex[hex.length - 1]!;
}

function hex4(values: readonly number[]): string {
  return values.map((v) => v.toString(16).padStart(4, '0')).join(',');
}

/** The first 12 hex digits of SHA-256(`text`); `000000000000` for an empty list. */
function hash12(text: string): string {
  return text === '' ? '000000000000' : toHex(sha256(encoder.encode(text))).slice(0, 12);
}

function count2(n: number): string {
  return String(Math.min(n, 99)).padStart(2, '0');
}

/**
 * JA4 of a ClientHello (JA4.md "JA4 Algorithm"), with JA4_r, JA4_o and JA4_ro. GREASE values are left
 * out everywhere; SCSVs and reserved cipher values are counted and hashed like any suite.
 */
export function ja4(hello: ClientHello, options: Ja4Options = {}): Ja4Fingerprint {
  const ciphers = notGrease(hello.cipherSuites);
  const extensions = extensionTypes(hello.extensions ?? []);
  let sigalgs: number[] = [];
  for (const ext of hello.extensions ?? []) if (ext.kind === 'signature_algorithms') sigalgs = notGrease(ext.schemes);
  const a =
    (options.transport === 'quic' ? 'q' : 't') +
    ja4Version(hello) +
    (extensions.includes(ExtensionType.server_name) ? 'd' : 'i') +
    count2(ciphers.length) +
    count2(extensions.length) +
    ja4Alpn(hello);
  const sortedCiphers = hex4([...ciphers].sort((x, y) => x - y));
  const sortedExtensions = hex4(
    extensions
      .filter((t) => t !== ExtensionType.server_name && t !== ExtensionType.application_layer_protocol_negotiation)
      .sort((x, y) => x - y),
  );
  // "If there are no signature algorithms … the string ends without an underscore."
  const withSigalgs = (exts: string): string => (sigalgs.length > 0 && exts !== '' ? `${exts}_${hex4(sigalgs)}` : exts);
  const r = { b: sortedCiphers, c: withSigalgs(sortedExtensions) };
  const o = { b: hex4(ciphers), c: withSigalgs(hex4(extensions)) };
  return {
    ja4: `${a}_${hash12(r.b)}_${hash12(r.c)}`,
    ja4_r: `${a}_${r.b}_${r.c}`,
    ja4_o: `${a}_${hash12(o.b)}_${hash12(o.c)}`,
    ja4_ro: `${a}_${o.b}_${o.c}`,
  };
}

/**
 * X.509 v3 certificates (RFC 5280 §4.1) parsed into a read-only struct that keeps the DER it came from:
 * the whole certificate, the TBSCertificate (the signed bytes), and each Name's DER for matching.
 *
 * The structure is pkijs' `Certificate` (its synchronous schema parse) over the strict DER tree of
 * `./der.ts`; the extensions the verifier needs (RFC 5280 §4.2.1.1–§4.2.1.12) through pkijs' classes
 * (`BasicConstraints`, `ExtKeyUsage`, `AltName`, `AuthorityKeyIdentifier`). What pkijs does not check is
 * checked here: DER rules (BOOLEAN FF, DEFAULT values omitted), element counts (asn1js' schema match
 * ignores trailing elements), the RFC 5280 rules on version, serial, algorithms, extensions and times.
 * Names are read from the tree (pkijs flattens multi-valued RDNs). Every failure is a
 * {@link CertificateError} `malformed` naming the field (`tbsCertificate.validity.notAfter …`), never a
 * crash; every extension is also kept raw.
 * @module
 */
import * as pkijs from 'pkijs';
import { TlswireError } from '../bytes/errors.js';
import { toHex } from '../bytes/hex.js';
import {
  type Asn1Node,
  bitString,
  boolean,
  childrenOf,
  decodeDer,
  fail,
  fromSchema,
  isContext,
  octetAlignedBits,
  octetString,
  oid,
  primitiveContents,
  rawOf,
  sequence,
  set,
  smallUnsigned,
  stringValue,
  time,
} from './der.js';
import { CertificateError } from './errors.js';
import { KeyError, OID_NAMES, type PublicKeyInfo, publicKeyInfoFromNode } from './keys.js';
import { decodePem } from './pem.js';

/** An AlgorithmIdentifier (RFC 5280 §4.1.1.2). */
export interface AlgorithmIdentifier {
  readonly oid: string;
  /** Friendly name (`ecdsaWithSHA256`, `rsassaPss` …) or the OID. */
  readonly name: string;
  /** The parameters' DER, when present (NULL included). */
  readonly parameters: Uint8Array | undefined;
  /** The whole AlgorithmIdentifier DER. */
  readonly der: Uint8Array;
}

/** One attribute of a relative distinguished name. */
export interface NameAttribute {
  /** Attribute type OID, e.g. `2.5.4.3`. */
  readonly type: string;
  /** Short name (`CN`, `O` …) or the OID. */
  readonly shortName: string;
  /** The value's text, or `#hex` of its DER for a non-string value (RFC 4514 §2.4). */
  readonly value: string;
}

/** A distinguished name (RFC 5280 §4.1.2.4). */
export interface DistinguishedName {
  /** RFC 4514 string (last RDN first), e.g. `CN=localhost,O=Test PKI`. */
  readonly text: string;
  /** RDNs in encoded order (first = most significant, e.g. C or O). */
  readonly rdns: readonly (readonly NameAttribute[])[];
  /** The Name's DER. */
  readonly der: Uint8Array;
  /** Canonical form for RFC 5280 §7.1 comparison (case folded, spaces collapsed). */
  readonly key: string;
}

/** A GeneralName (RFC 5280 §4.2.1.6). IP addresses are in text form (RFC 5952 for IPv6). */
export type GeneralName =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'ip'; readonly value: string; readonly bytes: Uint8Array }
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'uri'; readonly value: string }
  | { readonly type: 'directory'; readonly value: DistinguishedName }
  | { readonly type: 'other'; readonly tag: number; readonly der: Uint8Array };

/** One extension, raw (RFC 5280 §4.1.2.9). */
export interface Extension {
  readonly oid: string;
  /** Friendly name when known (`basicConstraints` …). */
  readonly name: string;
  readonly critical: boolean;
  /** The extnValue contents (the DER of the extension's own structure). */
  readonly value: Uint8Array;
}

/** KeyUsage bit names, in bit order (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
/** One KeyUsage bit. */
export type KeyUsage = (typeof KEY_USAGE_BITS)[number];

/** ExtendedKeyUsage purposes (RFC 5280 §4.2.1.12). */
export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;

/** Extension OIDs (RFC 5280 §4.2.1). */
export const EXTENSION = {
  authorityKeyIdentifier: '2.5.29.35',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  certificatePolicies: '2.5.29.32',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  cRLDistributionPoints: '2.5.29.31',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  ctPrecertificateScts: '1.3.6.1.4.1.11129.2.4.2',
} as const;
const EXTENSION_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(EXTENSION).map(([k, v]) => [v, k]),
);

/**
 * Critical extensions the verifier processes (RFC 5280 §4.2: anything else critical must be rejected).
 * certificatePolicies is accepted because verification runs with the initial policy set any-policy and
 * no explicit policy required (RFC 5280 §6.1.1 c, e), under which policies never cause a rejection.
 */
export const HANDLED_CRITICAL_EXTENSIONS: ReadonlySet<string> = new Set([
  EXTENSION.basicConstraints,
  EXTENSION.keyUsage,
  EXTENSION.extKeyUsage,
  EXTENSION.subjectAltName,
  EXTENSION.authorityKeyIdentifier,
  EXTENSION.subjectKeyIdentifier,
  EXTENSION.certificatePolicies,
  EXTENSION.nameConstraints,
]);

/** A parsed certificate. All fields are read-only; byte fields are copies owned by this object. */
export interface Certificate {
  /** The whole certificate DER. */
  readonly der: Uint8Array;
  /** The TBSCertificate DER: the bytes the issuer signed (RFC 5280 §4.1.1.1). */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3 (RFC 5280 §4.1.2.1). */
  readonly version: number;
  /** Serial number as lower-case hex of its magnitude (the DER sign byte dropped), e.g. `586f97…`. */
  readonly serialNumber: string;
  /** The outer signatureAlgorithm (equal to the TBS one, checked). */
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** The signature bytes (BIT STRING contents). */
  readonly signature: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly subject: DistinguishedName;
  /** notBefore in milliseconds since the epoch. */
  readonly notBefore: number;
  /** notAfter in milliseconds since the epoch (inclusive, RFC 5280 §4.1.2.5). */
  readonly notAfter: number;
  /** SubjectPublicKeyInfo, with the key in the crypto layer's type when supported. */
  readonly publicKey: PublicKeyInfo;
  /** Every extension, in order. */
  readonly extensions: readonly Extension[];
  /** basicConstraints (RFC 5280 §4.2.1.9). */
  readonly basicConstraints: { readonly cA: boolean; readonly pathLen: number | undefined } | undefined;
  /** keyUsage bits set (RFC 5280 §4.2.1.3). */
  readonly keyUsage: ReadonlySet<KeyUsage> | undefined;
  /** extendedKeyUsage purpose OIDs (RFC 5280 §4.2.1.12). */
  readonly extKeyUsage: readonly string[] | undefined;
  /** subjectAltName entries (RFC 5280 §4.2.1.6). */
  readonly subjectAltNames: readonly GeneralName[] | undefined;
  /** authorityKeyIdentifier.keyIdentifier (RFC 5280 §4.2.1.1). */
  readonly authorityKeyId: Uint8Array | undefined;
  /** subjectKeyIdentifier (RFC 5280 §4.2.1.2). */
  readonly subjectKeyId: Uint8Array | undefined;
  /** OIDs of critical extensions not in {@link HANDLED_CRITICAL_EXTENSIONS}. */
  readonly unhandledCriticalExtensions: readonly string[];
  /** Issuer and subject names match (RFC 5280 §6.1: self-issued). */
  readonly selfIssued: boolean;
}

const ATTRIBUTE_SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** RFC 4514 §2.4 escaping of an attribute value. */
function escapeValue(v: string): string {
  let out = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** RFC 5280 §7.1 / RFC 4518 (simplified): case fold, trim, collapse internal whitespace. */
function foldValue(v: string): string {
  return v.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

/** Parse a Name (RFC 5280 §4.1.2.4) node. */
export function parseName(node: Asn1Node | undefined, path: string): DistinguishedName {
  const rdnNodes = sequence(node, path);
  const rdns: NameAttribute[][] = [];
  const keys: string[] = [];
  rdnNodes.forEach((rdnNode, i) => {
    const attrs = set(rdnNode, `${path}[${i}]`);
    if (attrs.length === 0) fail(`${path}[${i}]`, 'empty RelativeDistinguishedName', rdnNode);
    const rdn: NameAttribute[] = [];
    const rdnKeys: string[] = [];
    attrs.forEach((attr, j) => {
      const p = `${path}[${i}][${j}]`;
      const kids = sequence(attr, p, 2, 2);
      const type = oid(kids[0], `${p}.type`);
      const valueNode = kids[1]!;
      const text = stringValue(valueNode);
      rdn.push({
        type,
        shortName: ATTRIBUTE_SHORT_NAMES[type] ?? type,
        value: text ?? `#${toHex(rawOf(valueNode))}`,
      });
      rdnKeys.push(`${type}=${text !== undefined ? foldValue(text) : `#${toHex(rawOf(valueNode))}`}`);
    });
    rdns.push(rdn);
    keys.push(rdnKeys.sort().join('+'));
  });
  const text = [...rdns]
    .reverse()
    .map((rdn) =>
      rdn.map((a) => `${a.shortName}=${a.value.startsWith('#') ? a.value : escapeValue(a.value)}`).join('+'),
    )
    .join(',');
  return { text, rdns, der: rawOf(node!), key: keys.join('/') };
}

/** RFC 5280 §7.1 name comparison: same RDNs, attribute values compared case-insensitively with spaces folded. */
export function namesMatch(a: DistinguishedName, b: DistinguishedName): boolean {
  return a.key === b.key;
}

export function parseAlgorithm(node: Asn1Node | undefined, path: string): AlgorithmIdentifier {
  const kids = sequence(node, path, 1, 2);
  const id = oid(kids[0], `${path}.algorithm`);
  return { oid: id, name: OID_NAMES[id] ?? id, parameters: kids[1] ? rawOf(kids[1]) : undefined, der: rawOf(node!) };
}

/** IPv4 dotted quad or RFC 5952 IPv6 text of 4 or 16 address bytes. */
export function ipToText(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return `#${toHex(bytes)}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // RFC 5952 §4.2: compress the longest run of two or more zero groups (the first one on a tie).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The text of an IA5String GeneralName (RFC 5280 §4.2.1.6: rfc822Name, dNSName, URI) as pkijs decoded it. */
function ia5(value: unknown, node: Asn1Node, path: string): string {
  if (node.idBlock.isConstructed || typeof value !== 'string') fail(path, 'not a primitive IA5String', node);
  if (/[^\0-\x7f]/.test(value)) fail(path, 'non-ASCII byte in an IA5String', node);
  return value;
}

/** One GeneralName of a pkijs `GeneralNames`, with its node (for the raw bytes and the DER checks). */
function generalName(name: pkijs.GeneralName, node: Asn1Node, path: string): GeneralName {
  switch (name.type) {
    case 1:
      return { type: 'email', value: ia5(name.value, node, path) };
    case 2:
      return { type: 'dns', value: ia5(name.value, node, path) };
    case 6:
      return { type: 'uri', value: ia5(name.value, node, path) };
    case 7: {
      const bytes = primitiveContents(node);
      if (node.idBlock.isConstructed || (bytes.length !== 4 && bytes.length !== 16)) {
        fail(path, `iPAddress of ${bytes.length} bytes (RFC 5280 §4.2.1.6: 4 or 16)`, node);
      }
      return { type: 'ip', value: ipToText(bytes), bytes };
    }
    case 4:
      return { type: 'directory', value: parseName(childrenOf(node)[0], `${path}.directoryName`) };
    default:
      return { type: 'other', tag: name.type, der: rawOf(node) };
  }
}

/** The extensions the verifier uses, decoded. */
interface Decoded {
  basicConstraints?: Certificate['basicConstraints'];
  keyUsage?: Set<KeyUsage>;
  extKeyUsage?: string[];
  subjectAltNames?: GeneralName[];
  authorityKeyId?: Uint8Array;
  subjectKeyId?: Uint8Array;
}

function basicConstraints(root: Asn1Node, path: string): Certificate['basicConstraints'] {
  const bc = fromSchema(pkijs.BasicConstraints, root, path, 'BasicConstraints (RFC 5280 §4.2.1.9)');
  const first = sequence(root, path, 0, 2)[0]; // asn1js' schema match ignores trailing elements
  // X.690 §11.1: TRUE is FF in DER (pkijs reads any non-zero byte as TRUE).
  const cA =
    first && first.idBlock.tagClass === 1 && first.idBlock.tagNumber === 1 ? boolean(first, `${path}.cA`) : false;
  const len = bc.pathLenConstraint;
  if (len !== undefined && (typeof len !== 'number' || len < 0)) {
    fail(`${path}.pathLenConstraint`, 'not a small non-negative INTEGER', root);
  }
  return { cA, pathLen: len };
}

function keyUsage(root: Asn1Node, path: string): Set<KeyUsage> {
  // pkijs has no KeyUsage class: it is a named BIT STRING (RFC 5280 §4.2.1.3).
  const { bytes, unusedBits } = bitString(root, path);
  const set = new Set<KeyUsage>();
  KEY_USAGE_BITS.forEach((name, i) => {
    const byte = bytes[i >> 3];
    const inRange = i >> 3 < bytes.length - 1 || (i & 7) < 8 - unusedBits;
    if (byte !== undefined && inRange && byte & (0x80 >> (i & 7))) set.add(name);
  });
  return set;
}

function subjectAltNames(root: Asn1Node, path: string): GeneralName[] {
  const names = fromSchema(pkijs.AltName, root, path, 'GeneralNames (RFC 5280 §4.2.1.6)').altNames;
  const nodes = childrenOf(root);
  if (names.length === 0 || names.length !== nodes.length) fail(path, 'empty or malformed GeneralNames', root);
  return names.map((n, i) => generalName(n, nodes[i]!, `${path}[${i}]`));
}

/** Decode the value of `ext` (strict DER, then pkijs' schema) into `out` when the verifier uses it. */
function decodeExtension(ext: Extension, path: string, out: Decoded): void {
  const root = decodeDer(ext.value, path);
  switch (ext.oid) {
    case EXTENSION.basicConstraints:
      out.basicConstraints = basicConstraints(root, path);
      return;
    case EXTENSION.keyUsage:
      out.keyUsage = keyUsage(root, path);
      return;
    case EXTENSION.extKeyUsage: {
      const eku = fromSchema(pkijs.ExtKeyUsage, root, path, 'ExtKeyUsageSyntax (RFC 5280 §4.2.1.12)').keyPurposes;
      if (eku.length === 0 || eku.some((p) => !/^\d+(\.\d+)+$/.test(p)))
        fail(path, 'empty or malformed key purposes', root);
      out.extKeyUsage = eku;
      return;
    }
    case EXTENSION.subjectAltName:
      out.subjectAltNames = subjectAltNames(root, path);
      return;
    case EXTENSION.authorityKeyIdentifier: {
      const aki = fromSchema(pkijs.AuthorityKeyIdentifier, root, path, 'AuthorityKeyIdentifier (RFC 5280 §4.2.1.1)');
      sequence(root, path, 0, 3);
      if (aki.keyIdentifier) out.authorityKeyId = new Uint8Array(aki.keyIdentifier.valueBlock.valueHexView);
      return;
    }
    case EXTENSION.subjectKeyIdentifier:
      out.subjectKeyId = octetString(root, path); // KeyIdentifier ::= OCTET STRING (pkijs has no class for it)
      return;
  }
}

/**
 * Every extension of `cert` (pkijs `Extension`s) with the DER rules pkijs does not check, and the ones the
 * verifier uses decoded into `out`. `node` is the `[3]` field of the TBSCertificate.
 */
function extensionsOf(cert: pkijs.Certificate, node: Asn1Node, path: string, out: Decoded): Extension[] {
  const list = cert.extensions ?? [];
  const wrapped = childrenOf(node);
  if (wrapped.length !== 1) fail(path, 'more than one element in [3]', node);
  const nodes = childrenOf(wrapped[0]!);
  if (list.length === 0) fail(path, 'empty extensions (RFC 5280 §4.1: SIZE (1..MAX))', node, 'length');
  const seen = new Set<string>();
  return list.map((e, i) => {
    const p = `${path}[${i}]`;
    const kids = sequence(nodes[i], p, 2, 3);
    if (!/^\d+(\.\d+)+$/.test(e.extnID)) fail(`${p}.extnID`, 'malformed OBJECT IDENTIFIER', kids[0]);
    const name = EXTENSION_NAMES[e.extnID] ?? e.extnID;
    // DER: a DEFAULT value is never encoded (X.690 §11.5); TRUE is FF (§11.1).
    if (kids.length === 3 && !boolean(kids[1], `${p}.critical`)) {
      fail(`${p}.critical`, 'critical FALSE encoded (DER omits DEFAULT values)', kids[1]);
    }
    const value = octetString(kids[kids.length - 1], `${p}.extnValue`);
    // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of a particular extension.
    if (seen.has(e.extnID)) fail(p, `extension ${name} appears twice (RFC 5280 §4.2)`, nodes[i], 'duplicate');
    seen.add(e.extnID);
    const ext: Extension = { oid: e.extnID, name, critical: e.critical, value };
    decodeExtension(ext, `${path}.${name}`, out);
    return ext;
  });
}

/** pkijs' names of the Certificate fields (its schema match leaves the matched ones on the node), with ours. */
const SCHEMA_FIELDS: readonly (readonly [string, string])[] = [
  ['tbsCertificate.version', 'tbsCertificate.version'],
  ['tbsCertificate.serialNumber', 'tbsCertificate.serialNumber'],
  ['tbsCertificate.signature', 'tbsCertificate.signature'],
  ['tbsCertificate.issuer', 'tbsCertificate.issuer'],
  ['tbsCertificate.notBefore', 'tbsCertificate.validity.notBefore'],
  ['tbsCertificate.notAfter', 'tbsCertificate.validity.notAfter'],
  ['tbsCertificate.subject', 'tbsCertificate.subject'],
  ['tbsCertificate.subjectPublicKeyInfo', 'tbsCertificate.subjectPublicKeyInfo'],
  ['tbsCertificate.extensions', 'tbsCertificate.extensions'],
  ['signatureAlgorithm', 'signatureAlgorithm'],
  ['signatureValue', 'signatureValue'],
];

/** pkijs' `Certificate` of `root`; on a mismatch, the error names the first field that did not match. */
function pkijsCertificate(root: Asn1Node): pkijs.Certificate {
  try {
    return new pkijs.Certificate({ schema: root });
  } catch {
    const matched = root as unknown as Record<string, unknown>;
    let last = -1;
    SCHEMA_FIELDS.forEach(([name], i) => {
      if (name in matched) last = i;
    });
    const path = SCHEMA_FIELDS[last + 1]?.[1] ?? 'Certificate';
    fail(path, 'does not match the Certificate structure (RFC 5280 §4.1)', root);
  }
}

/** tbsCertificate.version (RFC 5280 §4.1.2.1): 1 when absent; an explicit v1 is not DER. */
function versionOf(field: Asn1Node | undefined, path: string): number {
  if (!isContext(field, 0)) return 1;
  const v = smallUnsigned(childrenOf(field)[0], path);
  if (v > 2) fail(path, `unknown version ${v + 1}`, field);
  if (v === 0) fail(path, 'v1 encoded explicitly (DER omits DEFAULT values)', field);
  return v + 1;
}

function parse(der: Uint8Array): Certificate {
  const root = decodeDer(der, 'Certificate');
  const cert = pkijsCertificate(root);
  const T = 'tbsCertificate';
  // asn1js' schema match ignores trailing elements of a SEQUENCE: the counts are checked here.
  const [tbsNode, sigAlgNode, sigNode] = sequence(root, 'Certificate', 3, 3) as [Asn1Node, Asn1Node, Asn1Node];
  // The schema matched: the TBS fields are [version] serial signature issuer validity subject spki [1] [2] [3].
  const f = childrenOf(tbsNode);
  const version = versionOf(f[0], `${T}.version`);
  const i = version === 1 && !isContext(f[0], 0) ? 0 : 1;
  const serial = cert.serialNumber.valueBlock.valueHexView;
  if (serial.length === 0 || serial.length > 21) {
    fail(`${T}.serialNumber`, `${serial.length}-byte serial (RFC 5280 §4.1.2.2: 1 to 20)`, f[i]);
  }
  const innerAlg = parseAlgorithm(f[i + 1], `${T}.signature`);
  const fields = i + 6 + [cert.issuerUniqueID, cert.subjectUniqueID, cert.extensions].filter(Boolean).length;
  if (f.length !== fields) fail(T, `${f.length} fields, the schema matched ${fields}`, tbsNode, 'length');
  const [notBefore, notAfter] = sequence(f[i + 3], `${T}.validity`, 2, 2).map((n, k) =>
    time(n, `${T}.validity.${k ? 'notAfter' : 'notBefore'}`),
  );
  const publicKey = publicKeyInfoFromNode(f[i + 5]!, rawOf(f[i + 5]!), `${T}.subjectPublicKeyInfo`);
  if ((cert.issuerUniqueID || cert.subjectUniqueID) && version < 2)
    fail(T, 'unique identifiers in a v1 certificate', tbsNode);
  const decoded: Decoded = {};
  let extensions: Extension[] = [];
  if (cert.extensions) {
    if (version !== 3) fail(T, `extensions in a v${version} certificate`, tbsNode);
    extensions = extensionsOf(cert, f[f.length - 1]!, `${T}.extensions`, decoded);
  }
  const signatureAlgorithm = parseAlgorithm(sigAlgNode, 'signatureAlgorithm');
  // RFC 5280 §4.1.1.2: MUST contain the same algorithm identifier as the signature field in the TBS.
  if (toHex(signatureAlgorithm.der) !== toHex(innerAlg.der)) {
    fail('signatureAlgorithm', `differs from ${T}.signature (RFC 5280 §4.1.1.2)`, sigAlgNode);
  }
  const issuer = parseName(f[i + 2], `${T}.issuer`);
  const subject = parseName(f[i + 4], `${T}.subject`);
  return {
    der: new Uint8Array(der),
    tbs: rawOf(tbsNode),
    version,
    serialNumber: toHex(serial.length > 1 && serial[0] === 0 ? serial.subarray(1) : serial),
    signatureAlgorithm,
    signature: octetAlignedBits(sigNode, 'signatureValue'),
    issuer,
    subject,
    notBefore: notBefore!,
    notAfter: notAfter!,
    publicKey,
    extensions,
    basicConstraints: decoded.basicConstraints,
    keyUsage: decoded.keyUsage,
    extKeyUsage: decoded.extKeyUsage,
    subjectAltNames: decoded.subjectAltNames,
    authorityKeyId: decoded.authorityKeyId,
    subjectKeyId: decoded.subjectKeyId,
    unhandledCriticalExtensions: extensions
      .filter((e) => e.critical && !HANDLED_CRITICAL_EXTENSIONS.has(e.oid))
      .map((e) => e.oid),
    selfIssued: namesMatch(issuer, subject),
  };
}

/**
 * Parse one DER certificate.
 * @param der the Certificate DER (RFC 5280 §4.1)
 * @param index position in a presented chain, recorded in the error
 * @throws CertificateError `malformed` (the reason names the field and byte offset) or `unsupported-algorithm`
 * @example const cert = parseCertificate(der); cert.subject.text // 'CN=localhost,O=Test PKI'
 */
export function parseCertificate(der: Uint8Array, index?: number): Certificate {
  if (!(der instanceof Uint8Array)) throw new TypeError('parseCertificate: expected a Uint8Array');
  const options = index === undefined ? {} : { index };
  try {
    return parse(der);
  } catch (cause) {
    if (cause instanceof CertificateError) throw cause;
    if (cause instanceof KeyError && cause.reason === 'unsupported') {
      throw new CertificateError('unsupported-algorithm', cause.message, { ...options, cause });
    }
    const what = cause instanceof TlswireError ? cause.message : 'cannot decode';
    throw new CertificateError('malformed', `malformed certificate: ${what}`, { ...options, cause });
  }
}

/**
 * Parse every `CERTIFICATE` block of a PEM text (a bundle, a fullchain file), in order.
 * @throws PemError for bad armor; CertificateError for a bad certificate
 */
export function parseCertificatesPem(pem: string): Certificate[] {
  return decodePem(pem, 'CERTIFICATE').map((b, i) => parseCertificate(b.der, i));
}

/** The DNS names of a certificate's subjectAltName. */
export function dnsNames(cert: Certificate): string[] {
  return (cert.subjectAltNames ?? []).flatMap((n) => (n.type === 'dns' ? [n.value] : []));
}

/** The IP addresses (text) of a certificate's subjectAltName. */
export function ipAddresses(cert: Certificate): string[] {
  return (cert.subjectAltNames ?? []).flatMap((n) => (n.type === 'ip' ? [n.value] : []));
}

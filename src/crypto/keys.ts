/**
 * Key import: public keys from a certificate or a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), private
 * keys from PKCS#8 (RFC 5208 §5), SEC 1 `ECPrivateKey` (RFC 5915 §3) or PKCS#1 `RSAPrivateKey`
 * (RFC 8017 §A.1.2), in PEM (RFC 7468) or DER, into the plain key types of `./provider.ts`.
 *
 * Supported algorithms: rsaEncryption, id-RSASSA-PSS (RFC 4055 §3.1; marked `pss: true`),
 * id-ecPublicKey on P-256/P-384/P-521 (RFC 5480 §2), Ed25519 (RFC 8410 §4, §7). DER is decoded with
 * asn1js; nothing here touches `node:*`.
 * @module
 */

import { p256, p384, p521 } from '@noble/curves/nist.js';
import { type BaseBlock, fromBER } from 'asn1js';
import { CryptoError, type EcCurveName, type PrivateKey, type PublicKey } from './provider.js';
import { os2ip } from './rsa.js';

const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
} as const;

const CURVE_OIDS: Readonly<Record<string, EcCurveName>> = {
  '1.2.840.10045.3.1.7': 'secp256r1',
  '1.3.132.0.34': 'secp384r1',
  '1.3.132.0.35': 'secp521r1',
};
const CURVES = { secp256r1: p256, secp384r1: p384, secp521r1: p521 } as const;
const SCALAR_LENGTH: Readonly<Record<EcCurveName, number>> = { secp256r1: 32, secp384r1: 48, secp521r1: 66 };

/** One PEM block (RFC 7468): its label and the DER bytes. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

function invalid(detail: string): CryptoError {
  return new CryptoError('invalid-key', detail);
}

/**
 * Every `-----BEGIN <label>-----` … `-----END <label>-----` block of `text` (RFC 7468), in order.
 * Text outside the blocks (OpenSSL's explanatory lines) is ignored.
 * @throws CryptoError `invalid-key` on a block with bad base64 or mismatched labels
 */
export function pemDecode(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== m[3]) throw invalid(`PEM: BEGIN ${m[1]} closed by END ${m[3]}`);
    const b64 = m[2]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw invalid(`PEM ${m[1]}: bad base64`);
    const bin = atob(b64);
    const der = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
    out.push({ label: m[1]!, der });
  }
  return out;
}

// --- minimal typed access to asn1js blocks ----------------------------------------------------

interface Node {
  idBlock: { tagClass: number; tagNumber: number; isConstructed: boolean };
  valueBlock: { value?: Node[]; valueHexView?: Uint8Array; toString?: () => string };
}

function parseDer(der: Uint8Array, what: string): Node {
  const { offset, result } = fromBER(der);
  if (offset === -1 || offset !== der.length) throw invalid(`${what}: not a single DER value`);
  return result as unknown as Node;
}

const UNIVERSAL = 1;
const CONTEXT = 3;

function expect(node: Node | undefined, tag: number, what: string): Node {
  if (!node || node.idBlock.tagClass !== UNIVERSAL || node.idBlock.tagNumber !== tag)
    throw invalid(`${what}: unexpected ASN.1 type`);
  return node;
}

function seq(node: Node | undefined, what: string): Node[] {
  return expect(node, 16, what).valueBlock.value ?? [];
}

function integer(node: Node | undefined, what: string): bigint {
  return os2ip(expect(node, 2, what).valueBlock.valueHexView ?? new Uint8Array(0));
}

function octets(node: Node | undefined, what: string): Uint8Array {
  return (expect(node, 4, what).valueBlock.valueHexView ?? new Uint8Array(0)).slice();
}

function bits(node: Node | undefined, what: string): Uint8Array {
  // asn1js' BIT STRING valueHexView excludes the unused-bits byte.
  return (expect(node, 3, what).valueBlock.valueHexView ?? new Uint8Array(0)).slice();
}

function oid(node: Node | undefined, what: string): string {
  return String((expect(node, 6, what) as unknown as BaseBlock & { getValue(): string }).getValue());
}

/** AlgorithmIdentifier (RFC 5280 §4.1.1.2): the OID and, for EC keys, the named curve. */
function algorithm(node: Node | undefined, what: string): { oid: string; curve?: EcCurveName } {
  const [id, params] = seq(node, `${what}.algorithm`);
  const o = oid(id, `${what}.algorithm`);
  if (o !== OID.ecPublicKey) return { oid: o };
  const curveOid = oid(params, `${what}.namedCurve`);
  const curve = CURVE_OIDS[curveOid];
  if (!curve) throw new CryptoError('unsupported', `${what}: unsupported curve ${curveOid}`);
  return { oid: o, curve };
}

function uncompressed(curve: EcCurveName, point: Uint8Array): Uint8Array {
  try {
    return CURVES[curve].Point.fromBytes(point).toBytes(false);
  } catch {
    throw invalid(`${curve}: public key is not a point on the curve`);
  }
}

function rsaPublic(der: Uint8Array, pss: boolean): PublicKey {
  const [n, e] = seq(parseDer(der, 'RSAPublicKey'), 'RSAPublicKey');
  return {
    type: 'rsa',
    n: integer(n, 'RSAPublicKey.modulus'),
    e: integer(e, 'RSAPublicKey.publicExponent'),
    ...(pss ? { pss } : {}),
  };
}

/** Decode a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). */
export function parseSubjectPublicKeyInfo(der: Uint8Array): PublicKey {
  return spki(parseDer(der, 'SubjectPublicKeyInfo'));
}

function spki(node: Node): PublicKey {
  const [alg, key] = seq(node, 'SubjectPublicKeyInfo');
  const a = algorithm(alg, 'SubjectPublicKeyInfo');
  const bytes = bits(key, 'SubjectPublicKeyInfo.subjectPublicKey');
  switch (a.oid) {
    case OID.rsaEncryption:
      return rsaPublic(bytes, false);
    case OID.rsassaPss:
      return rsaPublic(bytes, true);
    case OID.ecPublicKey:
      return { type: 'ec', curve: a.curve!, point: uncompressed(a.curve!, bytes) };
    case OID.ed25519:
      if (bytes.length !== 32) throw invalid('Ed25519 public key must be 32 bytes');
      return { type: 'ed25519', key: bytes };
    default:
      throw new CryptoError('unsupported', `unsupported public key algorithm ${a.oid}`);
  }
}

/**
 * The subject public key of a DER X.509 certificate (RFC 5280 §4.1): what a TLS 1.3
 * CertificateVerify is checked with. The certificate itself is not validated.
 */
export function certificatePublicKey(der: Uint8Array): PublicKey {
  const [tbs] = seq(parseDer(der, 'Certificate'), 'Certificate');
  const fields = seq(tbs, 'TBSCertificate');
  // version [0] EXPLICIT is optional; subjectPublicKeyInfo follows serial, signature, issuer, validity, subject.
  const first = fields[0];
  const hasVersion = first?.idBlock.tagClass === CONTEXT && first.idBlock.tagNumber === 0;
  const node = fields[hasVersion ? 6 : 5];
  if (!node) throw invalid('TBSCertificate: missing subjectPublicKeyInfo');
  return spki(node);
}

function rsaPrivate(der: Uint8Array, pss: boolean): PrivateKey {
  const f = seq(parseDer(der, 'RSAPrivateKey'), 'RSAPrivateKey');
  if (f.length < 9) throw invalid('RSAPrivateKey: too few fields');
  const [, n, e, d, p, q, dp, dq, qi] = f.map((x, i) => (i < 9 ? integer(x, 'RSAPrivateKey') : 0n));
  return { type: 'rsa', n: n!, e: e!, d: d!, p: p!, q: q!, dp: dp!, dq: dq!, qi: qi!, ...(pss ? { pss } : {}) };
}

function ecPrivate(der: Uint8Array, curveFromAlgorithm?: EcCurveName): PrivateKey {
  const f = seq(parseDer(der, 'ECPrivateKey'), 'ECPrivateKey');
  if (integer(f[0], 'ECPrivateKey.version') !== 1n) throw invalid('ECPrivateKey: version must be 1');
  const raw = octets(f[1], 'ECPrivateKey.privateKey');
  let curve = curveFromAlgorithm;
  for (const x of f.slice(2)) {
    if (x.idBlock.tagClass === CONTEXT && x.idBlock.tagNumber === 0) {
      const named = CURVE_OIDS[oid(x.valueBlock.value?.[0], 'ECPrivateKey.parameters')];
      if (!named) throw new CryptoError('unsupported', 'ECPrivateKey: unsupported curve');
      if (curve && curve !== named) throw invalid('ECPrivateKey: curve differs from the algorithm identifier');
      curve = named;
    }
  }
  if (!curve) throw invalid('ECPrivateKey: no curve given');
  const len = SCALAR_LENGTH[curve];
  if (raw.length > len) throw invalid(`${curve}: private key longer than ${len} bytes`);
  const d = new Uint8Array(len);
  d.set(raw, len - raw.length);
  raw.fill(0);
  return { type: 'ec', curve, d };
}

/** Decode a DER PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5208 §5, RFC 5958 §2). */
export function parsePkcs8(der: Uint8Array): PrivateKey {
  const [, alg, key] = seq(parseDer(der, 'PrivateKeyInfo'), 'PrivateKeyInfo');
  const a = algorithm(alg, 'PrivateKeyInfo');
  const inner = octets(key, 'PrivateKeyInfo.privateKey');
  switch (a.oid) {
    case OID.rsaEncryption:
      return rsaPrivate(inner, false);
    case OID.rsassaPss:
      return rsaPrivate(inner, true);
    case OID.ecPublicKey:
      return ecPrivate(inner, a.curve);
    case OID.ed25519: {
      const seed = octets(parseDer(inner, 'CurvePrivateKey'), 'CurvePrivateKey');
      if (seed.length !== 32) throw invalid('Ed25519 private key must be 32 bytes');
      return { type: 'ed25519', seed };
    }
    default:
      throw new CryptoError('unsupported', `unsupported private key algorithm ${a.oid}`);
  }
}

function onlyBlock(input: string | Uint8Array, labels: readonly string[], what: string): PemBlock {
  if (typeof input !== 'string') return { label: '', der: input };
  const block = pemDecode(input).find((b) => labels.includes(b.label));
  if (!block) throw invalid(`no PEM block of type ${labels.join(' / ')} for ${what}`);
  return block;
}

/**
 * A public key from PEM or DER: a certificate (`CERTIFICATE`, its subject key), a SubjectPublicKeyInfo
 * (`PUBLIC KEY`) or a PKCS#1 `RSA PUBLIC KEY`. DER input is tried as a certificate, then as SPKI.
 * @throws CryptoError `invalid-key` / `unsupported`
 */
export function parsePublicKey(input: string | Uint8Array): PublicKey {
  const { label, der } = onlyBlock(input, ['CERTIFICATE', 'PUBLIC KEY', 'RSA PUBLIC KEY'], 'a public key');
  if (label === 'CERTIFICATE') return certificatePublicKey(der);
  if (label === 'PUBLIC KEY') return parseSubjectPublicKeyInfo(der);
  if (label === 'RSA PUBLIC KEY') return rsaPublic(der, false);
  try {
    return certificatePublicKey(der);
  } catch {
    return parseSubjectPublicKeyInfo(der);
  }
}

/**
 * A private key from PEM or DER: PKCS#8 (`PRIVATE KEY`), SEC 1 (`EC PRIVATE KEY`, with its curve
 * parameter) or PKCS#1 (`RSA PRIVATE KEY`). DER input is tried as PKCS#8, then SEC 1, then PKCS#1.
 * Encrypted PKCS#8 is not supported.
 * @throws CryptoError `invalid-key` / `unsupported`
 */
export function parsePrivateKey(input: string | Uint8Array): PrivateKey {
  const { label, der } = onlyBlock(input, ['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY'], 'a private key');
  if (label === 'PRIVATE KEY') return parsePkcs8(der);
  if (label === 'EC PRIVATE KEY') return ecPrivate(der);
  if (label === 'RSA PRIVATE KEY') return rsaPrivate(der, false);
  for (const attempt of [parsePkcs8, (d: Uint8Array) => ecPrivate(d), (d: Uint8Array) => rsaPrivate(d, false)]) {
    try {
      return attempt(der);
    } catch {
      // try the next format
    }
  }
  throw invalid('DER private key is neither PKCS#8, SEC 1 nor PKCS#1');
}

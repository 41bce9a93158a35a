/**
 * Public and private keys from their standard encodings, into the crypto layer's key types
 * (`PublicKey`, `PrivateKey` in `src/crypto/provider.ts`):
 *
 * - SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): rsaEncryption (RFC 8017 A.1.1), id-RSASSA-PSS (RFC 4055 §3.1),
 *   id-ecPublicKey on P-256/P-384/P-521 (RFC 5480 §2; compressed points are decompressed), Ed25519 (RFC 8410 §4).
 * - Private keys: PKCS#8 `PRIVATE KEY` (RFC 5958 §2) holding RSA, RSA-PSS, EC or Ed25519; SEC 1 `EC PRIVATE KEY`
 *   (RFC 5915 §3); PKCS#1 `RSA PRIVATE KEY` (RFC 8017 A.1.2). Encrypted keys are not supported.
 *
 * Malformed input throws {@link KeyError}, never anything else.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { TlswireError } from '../bytes/errors.js';
import { equalBytes } from '../bytes/hex.js';
import type { EcCurveName, PrivateKey, PublicKey } from '../crypto/provider.js';
import {
  type Asn1Node,
  childrenOf,
  decodeDer,
  fail,
  isContext,
  octetAlignedBits,
  octetString,
  oid,
  sequence,
  smallUnsigned,
  unsigned,
} from './der.js';
import { decodePem } from './pem.js';

/** Why a key could not be read. */
export type KeyErrorReason = 'malformed' | 'unsupported';

/** A key could not be parsed: malformed encoding or an algorithm tlswire does not support. */
export class KeyError extends TlswireError {
  override name = 'KeyError';
  readonly reason: KeyErrorReason;
  constructor(reason: KeyErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** Algorithm OIDs used by keys and signatures (RFC 8017, RFC 4055, RFC 5480, RFC 8410, RFC 5758). */
export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  mgf1: '1.2.840.113549.1.1.8',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  secp256r1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
} as const;

/** Friendly names of the algorithm OIDs above, for messages. */
export const OID_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(OID).map(([name, value]) => [value, name]),
);

const CURVE_BY_OID: Readonly<Record<string, EcCurveName>> = {
  [OID.secp256r1]: 'secp256r1',
  [OID.secp384r1]: 'secp384r1',
  [OID.secp521r1]: 'secp521r1',
};
const NOBLE_CURVE = { secp256r1: p256, secp384r1: p384, secp521r1: p521 } as const;
const SCALAR_LENGTH: Readonly<Record<EcCurveName, number>> = { secp256r1: 32, secp384r1: 48, secp521r1: 66 };

/** A SubjectPublicKeyInfo: its algorithm OID, the key when tlswire supports it, and the raw DER. */
export interface PublicKeyInfo {
  /** The AlgorithmIdentifier's OID (e.g. `1.2.840.10045.2.1`). */
  readonly algorithm: string;
  /** The key, or undefined for an algorithm tlswire cannot verify with (Ed448, DSA, X25519 …). */
  readonly key: PublicKey | undefined;
  /** Human description: `EC secp256r1`, `RSA 2048`, `RSA-PSS 3072`, `Ed25519`, or the OID. */
  readonly description: string;
  /** The whole SubjectPublicKeyInfo DER. */
  readonly der: Uint8Array;
}

function algorithmOf(node: Asn1Node | undefined, path: string): { oid: string; params: Asn1Node | undefined } {
  const kids = sequence(node, path, 1, 2);
  return { oid: oid(kids[0], `${path}.algorithm`), params: kids[1] };
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

function curveOf(params: Asn1Node | undefined, path: string): EcCurveName {
  const curveOid = oid(params, `${path}.namedCurve`);
  const curve = CURVE_BY_OID[curveOid];
  if (!curve) throw new KeyError('unsupported', `${path}: unsupported EC curve ${curveOid}`);
  return curve;
}

function rsaPublic(bytes: Uint8Array, path: string, pss: boolean): PublicKey {
  const kids = sequence(decodeDer(bytes, `${path}.RSAPublicKey`), `${path}.RSAPublicKey`, 2, 2);
  const n = unsigned(kids[0], `${path}.modulus`);
  const e = unsigned(kids[1], `${path}.publicExponent`);
  if (n < 3n || e < 3n || (n & 1n) === 0n) throw new KeyError('malformed', `${path}: impossible RSA key`);
  return pss ? { type: 'rsa', n, e, pss: true } : { type: 'rsa', n, e };
}

/** Decode a SubjectPublicKeyInfo node (used by the certificate parser); throws Asn1Error / KeyError. */
export function publicKeyInfoFromNode(node: Asn1Node, der: Uint8Array, path: string): PublicKeyInfo {
  const kids = sequence(node, path, 2, 2);
  const alg = algorithmOf(kids[0], `${path}.algorithm`);
  const bits = octetAlignedBits(kids[1], `${path}.subjectPublicKey`);
  switch (alg.oid) {
    case OID.rsaEncryption:
    case OID.rsassaPss: {
      const pss = alg.oid === OID.rsassaPss;
      const key = rsaPublic(bits, path, pss);
      const size = key.type === 'rsa' ? bitLength(key.n) : 0;
      return { algorithm: alg.oid, key, description: `${pss ? 'RSA-PSS' : 'RSA'} ${size}`, der };
    }
    case OID.ecPublicKey: {
      const curve = curveOf(alg.params, `${path}.algorithm.parameters`);
      let point: Uint8Array;
      try {
        point = NOBLE_CURVE[curve].Point.fromBytes(bits).toBytes(false);
      } catch (cause) {
        throw new KeyError('malformed', `${path}: not a point on ${curve}`, { cause });
      }
      return { algorithm: alg.oid, key: { type: 'ec', curve, point }, description: `EC ${curve}`, der };
    }
    case OID.ed25519:
      if (bits.length !== 32) throw new KeyError('malformed', `${path}: Ed25519 key is ${bits.length} bytes, not 32`);
      return { algorithm: alg.oid, key: { type: 'ed25519', key: bits }, description: 'Ed25519', der };
    default:
      return { algorithm: alg.oid, key: undefined, description: OID_NAMES[alg.oid] ?? alg.oid, der };
  }
}

function wrap<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (cause) {
    if (cause instanceof KeyError) throw cause;
    if (cause instanceof TlswireError) throw new KeyError('malformed', `${what}: ${cause.message}`, { cause });
    throw new KeyError('malformed', `${what}: cannot decode`, { cause });
  }
}

/**
 * Parse a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
 * @throws KeyError when malformed
 */
export function parsePublicKeyInfo(der: Uint8Array): PublicKeyInfo {
  return wrap('SubjectPublicKeyInfo', () =>
    publicKeyInfoFromNode(decodeDer(der, 'SubjectPublicKeyInfo'), der, 'SubjectPublicKeyInfo'),
  );
}

function rsaPrivate(bytes: Uint8Array, path: string, pss: boolean): PrivateKey {
  const kids = sequence(decodeDer(bytes, path), path, 9);
  const version = smallUnsigned(kids[0], `${path}.version`);
  if (version !== 0)
    throw new KeyError('unsupported', `${path}: multi-prime RSA (version ${version}) is not supported`);
  const names = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;
  const v = names.map((name, i) => unsigned(kids[i + 1], `${path}.${name}`));
  const [n, e, d, p, q, dp, dq, qi] = v as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  if (p * q !== n) throw new KeyError('malformed', `${path}: p·q ≠ n`);
  return { type: 'rsa', n, e, d, p, q, dp, dq, qi, ...(pss ? { pss: true } : {}) };
}

function ecPrivate(bytes: Uint8Array, path: string, curve: EcCurveName | undefined): PrivateKey {
  const kids = sequence(decodeDer(bytes, path), path, 2, 4);
  if (smallUnsigned(kids[0], `${path}.version`) !== 1) fail(path, 'ECPrivateKey version must be 1', kids[0]);
  const scalar = octetString(kids[1], `${path}.privateKey`);
  let named = curve;
  let publicPoint: Uint8Array | undefined;
  for (const k of kids.slice(2)) {
    if (isContext(k, 0)) {
      const c = curveOf(childrenOf(k)[0], `${path}.parameters`);
      if (named && named !== c) throw new KeyError('malformed', `${path}: curve ${c} contradicts ${named}`);
      named = c;
    } else if (isContext(k, 1)) {
      publicPoint = octetAlignedBits(childrenOf(k)[0], `${path}.publicKey`);
    } else fail(path, 'unexpected field in ECPrivateKey', k);
  }
  if (!named) throw new KeyError('malformed', `${path}: no curve named`);
  const len = SCALAR_LENGTH[named];
  if (scalar.length > len) throw new KeyError('malformed', `${path}: ${scalar.length}-byte scalar for ${named}`);
  const d = new Uint8Array(len);
  d.set(scalar, len - scalar.length);
  let derived: Uint8Array;
  try {
    derived = NOBLE_CURVE[named].getPublicKey(d, false);
  } catch (cause) {
    throw new KeyError('malformed', `${path}: scalar out of range for ${named}`, { cause });
  }
  if (publicPoint) {
    let given: Uint8Array | undefined;
    try {
      given = NOBLE_CURVE[named].Point.fromBytes(publicPoint).toBytes(false);
    } catch {
      given = undefined;
    }
    if (!given || !equalBytes(given, derived)) {
      throw new KeyError('malformed', `${path}: the embedded public key does not match the private scalar`);
    }
  }
  return { type: 'ec', curve: named, d };
}

function pkcs8(der: Uint8Array): PrivateKey {
  const path = 'PrivateKeyInfo';
  const kids = sequence(decodeDer(der, path), path, 3, 5);
  const version = smallUnsigned(kids[0], `${path}.version`);
  if (version > 1) fail(`${path}.version`, `unknown version ${version}`, kids[0]);
  const alg = algorithmOf(kids[1], `${path}.privateKeyAlgorithm`);
  const inner = octetString(kids[2], `${path}.privateKey`);
  switch (alg.oid) {
    case OID.rsaEncryption:
    case OID.rsassaPss:
      return rsaPrivate(inner, `${path}.RSAPrivateKey`, alg.oid === OID.rsassaPss);
    case OID.ecPublicKey:
      return ecPrivate(inner, `${path}.ECPrivateKey`, curveOf(alg.params, `${path}.privateKeyAlgorithm.parameters`));
    case OID.ed25519: {
      const seed = octetString(decodeDer(inner, `${path}.CurvePrivateKey`), `${path}.CurvePrivateKey`);
      if (seed.length !== 32) throw new KeyError('malformed', `${path}: Ed25519 seed is ${seed.length} bytes, not 32`);
      return { type: 'ed25519', seed };
    }
    default:
      throw new KeyError('unsupported', `${path}: unsupported key algorithm ${OID_NAMES[alg.oid] ?? alg.oid}`);
  }
}

/** Private-key PEM labels and how each is decoded. */
const PRIVATE_LABELS: Readonly<Record<string, (der: Uint8Array) => PrivateKey>> = {
  'PRIVATE KEY': pkcs8,
  'EC PRIVATE KEY': (der) => ecPrivate(der, 'ECPrivateKey', undefined),
  'RSA PRIVATE KEY': (der) => rsaPrivate(der, 'RSAPrivateKey', false),
};

/**
 * Parse a private key: PEM text (the first `PRIVATE KEY`, `EC PRIVATE KEY` or `RSA PRIVATE KEY` block; other
 * blocks such as certificates are skipped) or DER bytes (PKCS#8, then SEC 1, then PKCS#1 is tried).
 * @throws KeyError `malformed` or `unsupported` (encrypted keys, other algorithms); PemError for bad armor
 * @example const key = parsePrivateKey(fs.readFileSync('server.key', 'utf8'));
 */
export function parsePrivateKey(input: string | Uint8Array): PrivateKey {
  if (typeof input === 'string') {
    const blocks = decodePem(input);
    if (blocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY') && !blocks.some((b) => b.label in PRIVATE_LABELS)) {
      throw new KeyError('unsupported', 'encrypted private keys are not supported; decrypt it first');
    }
    const block = blocks.find((b) => b.label in PRIVATE_LABELS);
    if (!block)
      throw new KeyError('malformed', 'no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block in the PEM text');
    return wrap(block.label, () => PRIVATE_LABELS[block.label]!(block.der));
  }
  if (!(input instanceof Uint8Array)) throw new TypeError('parsePrivateKey: expected PEM text or DER bytes');
  let first: unknown;
  for (const [label, decode] of Object.entries(PRIVATE_LABELS)) {
    try {
      return wrap(label, () => decode(input));
    } catch (e) {
      if (e instanceof KeyError && e.reason === 'unsupported') throw e;
      first ??= e;
    }
  }
  throw first;
}

/** The public half of a private key (EC point uncompressed, Ed25519 key, RSA n and e). */
export function publicKeyOf(key: PrivateKey): PublicKey {
  switch (key.type) {
    case 'ec':
      return { type: 'ec', curve: key.curve, point: NOBLE_CURVE[key.curve].getPublicKey(key.d, false) };
    case 'ed25519':
      return { type: 'ed25519', key: ed25519.getPublicKey(key.seed) };
    case 'rsa':
      return key.pss ? { type: 'rsa', n: key.n, e: key.e, pss: true } : { type: 'rsa', n: key.n, e: key.e };
  }
}

/** True when two public keys are the same key (same type, curve/PSS flag and value). */
export function publicKeysEqual(a: PublicKey, b: PublicKey): boolean {
  if (a.type === 'ec' && b.type === 'ec') return a.curve === b.curve && equalBytes(a.point, b.point);
  if (a.type === 'ed25519' && b.type === 'ed25519') return equalBytes(a.key, b.key);
  if (a.type === 'rsa' && b.type === 'rsa') return a.n === b.n && a.e === b.e && Boolean(a.pss) === Boolean(b.pss);
  return false;
}

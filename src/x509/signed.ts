/**
 * Shared pieces of the signed X.509 objects other than certificates — OCSP responses (RFC 6960 §4.2.1) and
 * CRLs (RFC 5280 §5.1): structure parsing through pkijs' synchronous schemas over our strict DER decoder,
 * and signature checks through the synchronous {@link CryptoProvider}.
 * @module
 */
import { toHex } from '../bytes/hex.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { type AlgorithmIdentifier, type Certificate, parseAlgorithm } from './certificate.js';
import { type Asn1Node, decodeDer, fromSchema, octetAlignedBits, type SchemaClass, sequence } from './der.js';
import { signatureSchemeFor } from './verify.js';

/**
 * Decode `der` strictly (DER only, no trailing bytes) and build the pkijs object of `type` from it.
 * @returns the pkijs object and the asn1js tree it was built from (views of the input, for raw bytes)
 * @throws Asn1Error for bad DER or a tree that does not match the schema
 */
export function fromDer<T>(type: SchemaClass<T>, der: Uint8Array, path: string): { value: T; node: Asn1Node } {
  const node = decodeDer(der, path);
  return { value: fromSchema(type, node, path, path), node };
}

/** The raw DER of an asn1js node (a copy). */
export function rawBytes(node: { valueBeforeDecodeView: Uint8Array }): Uint8Array {
  return new Uint8Array(node.valueBeforeDecodeView);
}

/**
 * The parts of a signed SEQUENCE { tbs, signatureAlgorithm, signature, … }: the exact tbs DER from the
 * input. `max` is how many elements the structure may have (pkijs' schemas ignore extra ones).
 */
export function signedParts(
  node: Asn1Node,
  path: string,
  max = 3,
): { tbs: Uint8Array; algorithm: AlgorithmIdentifier; signature: Uint8Array; rest: Asn1Node[] } {
  const kids = sequence(node, path, 3, max);
  const algorithm = parseAlgorithm(kids[1], `${path}.signatureAlgorithm`);
  return {
    tbs: rawBytes(kids[0]!),
    algorithm,
    signature: octetAlignedBits(kids[2], `${path}.signature`),
    rest: kids.slice(3),
  };
}

/**
 * Check that `signer`'s key made `signature` over `tbs` with `algorithm`.
 * @returns null when it did, else a sentence saying why not
 */
export function checkSignedBy(
  provider: CryptoProvider,
  signer: Certificate,
  algorithm: AlgorithmIdentifier,
  tbs: Uint8Array,
  signature: Uint8Array,
): string | null {
  const key = signer.publicKey.key;
  if (!key) return `the signer has a ${signer.publicKey.description} key, which tlswire cannot verify with`;
  const found = signatureSchemeFor(algorithm, key);
  if ('unsupported' in found) return found.unsupported;
  return provider.verify(found.scheme, key, tbs, signature) ? null : 'the signature does not verify';
}

/** The subjectPublicKey BIT STRING contents of a certificate (what OCSP's key hashes cover, RFC 6960 §4.1.1). */
export function subjectPublicKeyBits(cert: Certificate): Uint8Array {
  const kids = sequence(decodeDer(cert.publicKey.der, 'SubjectPublicKeyInfo'), 'SubjectPublicKeyInfo', 2, 2);
  return octetAlignedBits(kids[1], 'SubjectPublicKeyInfo.subjectPublicKey');
}

/** Lower-case hex of an INTEGER's magnitude (the DER sign byte dropped), as `Certificate.serialNumber`. */
export function serialHex(bytes: Uint8Array): string {
  return toHex(bytes.length > 1 && bytes[0] === 0 ? bytes.subarray(1) : bytes);
}

/** CRLReason (RFC 5280 §5.3.1) names by value; 7 is unused. */
export const CRL_REASONS: readonly (string | undefined)[] = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  undefined,
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
];

/** The name of a CRLReason value, or `reason N` for an unknown one. */
export function reasonName(value: number): string {
  return CRL_REASONS[value] ?? `reason ${value}`;
}

/**
 * `tlswire/x509`: certificates and trust. PEM armor (RFC 7468), X.509 certificate parsing (RFC 5280 §4),
 * private and public keys (RFC 5958, RFC 5915, RFC 8017, RFC 5480, RFC 8410), service identity
 * (RFC 9525), synchronous path building and validation (RFC 5280 §6.1) with name constraints
 * (§4.2.1.10) and revocation (CRLs, RFC 5280 §5, §6.3; OCSP, RFC 6960) for the TLS state machines.
 * @module
 */

export type {
  AlgorithmIdentifier,
  Certificate,
  DistinguishedName,
  Extension,
  GeneralName,
  KeyUsage,
  NameAttribute,
} from './certificate.js';
export {
  dnsNames,
  EKU,
  EXTENSION,
  HANDLED_CRITICAL_EXTENSIONS,
  ipAddresses,
  ipToText,
  KEY_USAGE_BITS,
  namesMatch,
  parseCertificate,
  parseCertificatesPem,
} from './certificate.js';
export type { Crl, RevocationCheck, RevocationContext, RevocationSource, RevokedEntry } from './crl.js';
export { CrlSet, OcspResponses, parseCrl, parseCrls } from './crl.js';
export { Asn1Error } from './der.js';
export type { CertificateErrorCode, CertificateErrorOptions } from './errors.js';
export { CERTIFICATE_ALERTS, CertificateError } from './errors.js';
export type { HostnameMatch, ReferenceIdentity, ServerCredential } from './hostname.js';
export {
  hostnameMatch,
  matchesDnsName,
  matchesHostname,
  parseIpAddress,
  referenceIdentity,
  selectCertificateBySni,
} from './hostname.js';
export type { KeyErrorReason, PublicKeyInfo } from './keys.js';
export { KeyError, OID, parsePrivateKey, parsePublicKeyInfo, publicKeyOf, publicKeysEqual } from './keys.js';
export type { NameConstraints, SubtreeBase } from './name-constraints.js';
export { nameConstraintsOf, nameConstraintViolation } from './name-constraints.js';
export type { OcspCertStatus, OcspErrorCode, OcspStatus, OcspVerifyOptions } from './ocsp.js';
export { OcspError, verifyOcspResponse } from './ocsp.js';
export type { PemBlock } from './pem.js';
export { base64Decode, base64Encode, decodePem, encodePem, PemError } from './pem.js';
export type { CertificateInput, CertificatePurpose, VerificationResult, VerifyOptions } from './verify.js';
export { certificateSignatureScheme, signatureSchemeFor, TrustStore, verifyCertificateChain } from './verify.js';

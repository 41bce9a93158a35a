/**
 * `tlswire/x509`: certificates and trust. PEM armor (RFC 7468), X.509 certificate parsing (RFC 5280 §4),
 * private and public keys (RFC 5958, RFC 5915, RFC 8017, RFC 5480, RFC 8410), service identity
 * (RFC 9525), and synchronous path building and validation (RFC 5280 §6.1) for the TLS state machines.
 * @module
 */
export {
  type AlgorithmIdentifier,
  type Certificate,
  type DistinguishedName,
  dnsNames,
  EKU,
  EXTENSION,
  type Extension,
  type GeneralName,
  HANDLED_CRITICAL_EXTENSIONS,
  ipAddresses,
  ipToText,
  KEY_USAGE_BITS,
  type KeyUsage,
  type NameAttribute,
  namesMatch,
  parseCertificate,
  parseCertificatesPem,
} from './certificate.js';
export { Asn1Error } from './der.js';
export {
  CERTIFICATE_ALERTS,
  CertificateError,
  type CertificateErrorCode,
  type CertificateErrorOptions,
} from './errors.js';
export {
  type HostnameMatch,
  hostnameMatch,
  matchesDnsName,
  matchesHostname,
  parseIpAddress,
  type ReferenceIdentity,
  referenceIdentity,
  type ServerCredential,
  selectCertificateBySni,
} from './hostname.js';
export {
  KeyError,
  type KeyErrorReason,
  OID,
  type PublicKeyInfo,
  parsePrivateKey,
  parsePublicKeyInfo,
  publicKeyOf,
  publicKeysEqual,
} from './keys.js';
export { base64Decode, base64Encode, decodePem, encodePem, type PemBlock, PemError } from './pem.js';
export {
  type CertificateInput,
  type CertificatePurpose,
  certificateSignatureScheme,
  TrustStore,
  type VerificationResult,
  type VerifyOptions,
  verifyCertificateChain,
} from './verify.js';

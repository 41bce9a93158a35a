/**
 * `tlswire/crypto`: the crypto provider interface and its default pure-TypeScript implementation,
 * RSA (RFC 8017), key import (PEM/DER), the TLS 1.3 key schedule (RFC 8446 §7), TLS 1.3 record protection (§5.2–5.5) and
 * SSLKEYLOGFILE lines.
 * @module
 */
export {
  deriveSecret,
  EarlySecret,
  emptyHash,
  exportKeyingMaterial,
  finishedKey,
  finishedVerifyData,
  HandshakeSecret,
  hkdfExpandLabel,
  KeyScheduleError,
  MasterSecret,
  messageHash,
  nextTrafficSecret,
  type PskKind,
  resumptionPsk,
  TLS13_CIPHER_SUITES,
  type Tls13CipherSuite,
  type TrafficKeys,
  Transcript,
  tls13CipherSuite,
  trafficKeys,
} from './key-schedule.js';
export { type KeyLogEntry, KeyLogLabel, keyLogLine, parseKeyLog } from './keylog.js';
export {
  certificatePublicKey,
  type PemBlock,
  parsePkcs8,
  parsePrivateKey,
  parsePublicKey,
  parseSubjectPublicKeyInfo,
  pemDecode,
} from './keys.js';
export { NobleProvider, type NobleProviderOptions } from './noble.js';
export {
  AEAD_KEY_LENGTH,
  AEAD_NONCE_LENGTH,
  AEAD_TAG_LENGTH,
  type AeadName,
  CryptoError,
  type CryptoErrorReason,
  type CryptoProvider,
  type EcCurveName,
  type EcPrivateKey,
  type EcPublicKey,
  type Ed25519PrivateKey,
  type Ed25519PublicKey,
  GROUPS,
  type GroupName,
  groupName,
  HASH_LENGTH,
  type HashContext,
  type HashName,
  type KeyExchange,
  type KeyShareKeyPair,
  type KeyShareResponse,
  type PrivateKey,
  type PublicKey,
  type RandomSource,
  type RsaPrivateKey,
  type RsaPublicKey,
  SIGNATURE_SCHEMES,
  type SignatureSchemeName,
  type SignOptions,
  signatureSchemeName,
} from './provider.js';
export {
  type OpenedRecord,
  RecordOpener,
  type RecordProtectionOptions,
  RecordSealer,
  recordNonce,
} from './record-protection.js';
export {
  modPow,
  pkcs1Decrypt,
  pkcs1DecryptPremaster,
  pkcs1Encrypt,
  pkcs1Sign,
  pkcs1Verify,
  pssSign,
  pssVerify,
} from './rsa.js';

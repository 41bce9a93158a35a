/**
 * `tlswire/crypto`: the crypto provider interface and its default pure-TypeScript implementation,
 * RSA (RFC 8017), the TLS 1.3 key schedule (RFC 8446 §7) and record protection
 * (§5.2–5.5), the TLS 1.2 PRF, master secret, key block and AEAD record protection (RFC 5246, RFC 7627,
 * RFC 5288, RFC 7905), the RFC 7919 finite field groups, and SSLKEYLOGFILE lines.
 * @module
 */

export type { FfdheGroup, FfdheGroupName } from './ffdhe.js';
export { FFDHE_GROUPS, FfdheExchange, ffdheGroupOf, ffdheGroupOfParams } from './ffdhe.js';
export type { PskKind, Tls13CipherSuite, TrafficKeys } from './key-schedule.js';
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
  resumptionPsk,
  TLS13_CIPHER_SUITES,
  Transcript,
  tls13CipherSuite,
  trafficKeys,
} from './key-schedule.js';
export type { KeyLogEntry } from './keylog.js';
export { KeyLogLabel, keyLogLine, parseKeyLog } from './keylog.js';
export type { NobleProviderOptions } from './noble.js';
export { NobleProvider } from './noble.js';
export type {
  AeadContext,
  AeadName,
  CryptoErrorReason,
  CryptoProvider,
  EcCurveName,
  EcPrivateKey,
  EcPublicKey,
  Ed25519PrivateKey,
  Ed25519PublicKey,
  GroupName,
  HashContext,
  HashName,
  KeyExchange,
  KeyShareKeyPair,
  KeyShareResponse,
  PremasterInput,
  PremasterResult,
  PrivateKey,
  PublicKey,
  RandomSource,
  RsaPrivateKey,
  RsaPublicKey,
  SignatureSchemeName,
  SignOptions,
} from './provider.js';
export {
  AEAD_KEY_LENGTH,
  AEAD_NONCE_LENGTH,
  AEAD_TAG_LENGTH,
  aeadContext,
  CryptoError,
  GROUPS,
  groupName,
  HASH_LENGTH,
  SIGNATURE_SCHEMES,
  signatureSchemeName,
} from './provider.js';
export type { OpenedRecord, RecordProtectionOptions } from './record-protection.js';
export { RecordOpener, RecordSealer, recordNonce } from './record-protection.js';
export type {
  Tls12CipherSuite,
  Tls12KeyBlock,
  Tls12KeyExchange,
  Tls12PremasterInput,
  Tls12Sender,
} from './tls12-key-schedule.js';
export {
  MASTER_SECRET_LENGTH,
  pHash,
  RANDOM_LENGTH,
  TLS12_CIPHER_SUITES,
  Tls12KeyScheduleError,
  Tls12MasterSecret,
  tls12CipherSuite,
  tls12ExportKeyingMaterial,
  tls12ExtendedMasterSecret,
  tls12FinishedVerifyData,
  tls12KeyBlock,
  tls12MasterSecret,
  tls12Prf,
  VERIFY_DATA_LENGTH,
} from './tls12-key-schedule.js';
export type { Tls12OpenedRecord, Tls12RecordProtectionOptions, Tls12SealOptions } from './tls12-record-protection.js';
export {
  GCM_EXPLICIT_NONCE_LENGTH,
  GCM_SALT_LENGTH,
  sequenceBytes,
  Tls12RecordOpener,
  Tls12RecordSealer,
  tls12AdditionalData,
  tls12RecordNonce,
} from './tls12-record-protection.js';

/**
 * `tlswire/decrypt`: decryption of captured TLS with key logs (NSS key log format, SSLKEYLOGFILE,
 * pcapng Decryption Secrets Blocks): TLS 1.3 (RFC 8446: handshake, application, 0-RTT, KeyUpdate)
 * and TLS 1.2 (RFC 5246: AEAD and AES-CBC suites, encrypt_then_mac per RFC 7366), per connection:
 * every record, decrypted handshake message, alert and application byte.
 * @module
 */

export type {
  AnalyzeOptions,
  Direction,
  KeyStatus,
  MessageEvent,
  NoteEvent,
  RecordEvent,
  TlsConnectionReport,
  TlsEvent,
} from './analyze.js';
export { analyzeTls, errorText, keyExchangeOf, looksLikeTls } from './analyze.js';
export type { DecryptOptions, PlaintextChunk, PlaintextStreams } from './capture.js';
export { CaptureDecryptor, decryptCapture, plaintextStreams } from './capture.js';
export { CbcRecordError, CbcRecordOpener } from './cbc.js';
export type { CertificateSummary } from './certificates.js';
export { certificateSummaries } from './certificates.js';
export type {
  DecryptedRecord,
  DecryptFailure,
  DecryptFailureReason,
  EpochName,
  FinishedCheck,
  OpenResult,
  Side,
} from './decryptor.js';
export { TlsDecryptor } from './decryptor.js';
export type { KeyLogProblem } from './keylog.js';
export { KeyLog } from './keylog.js';
export type { DecryptionSecrets } from './secrets-block.js';
export {
  DECRYPTION_SECRETS_BLOCK,
  embeddedKeyLogs,
  readDecryptionSecrets,
  SECRETS_TYPE_TLS_KEY_LOG,
} from './secrets-block.js';
export type { ConnectionStory, TcpStory, Timeline, TlsStory } from './story.js';
export { connectionStory, storyLines } from './story.js';
export type { CaptureDiagnosis, CaptureStage } from './story-diagnosis.js';
export type { CbcMac, Tls12AeadDecryptSuite, Tls12CbcDecryptSuite, Tls12DecryptSuite } from './suites.js';
export { suiteName, TLS12_DECRYPT_SUITES, tls12DecryptSuite } from './suites.js';

/**
 * `tlswire/tls`: TLS wire codecs: registries, record layer, alerts, handshake framing, and the one
 * error → alert mapping.
 * @module
 */

export type { Alert } from './alert.js';
export { decodeAlert, encodeAlert, isFatalAlert, parseAlert, serializeAlert } from './alert.js';
export type { Registry } from './enums.js';
export {
  AlertDescription,
  AlertLevel,
  CertificateCompressionAlgorithm,
  CertificateStatusType,
  CertificateType,
  CipherSuite,
  ClientCertificateType,
  ContentType,
  ECCurveType,
  ECPointFormat,
  ExtensionType,
  HandshakeType,
  HashAlgorithm,
  isGrease,
  isGreasePskKeyExchangeMode,
  KeyUpdateRequest,
  NamedGroup,
  NameType,
  nameOf,
  ProtocolVersion,
  PskKeyExchangeMode,
  SignatureAlgorithm,
  SignatureScheme,
  valueOf,
} from './enums.js';
export { alertFor, PeerAlertError, TlsAlertError } from './errors.js';
export type {
  AlpnExtension,
  CertificateAuthoritiesExtension,
  CertificateStatus,
  CookieExtension,
  EarlyDataExtension,
  EcPointFormatsExtension,
  EmptyExtension,
  Extension,
  ExtensionContext,
  ExtensionOf,
  KeyShareEntry,
  KeyShareExtension,
  KnownExtensionKind,
  PaddingExtension,
  PreSharedKeyExtension,
  PskIdentity,
  PskKeyExchangeModesExtension,
  RecordSizeLimitExtension,
  RenegotiationInfoExtension,
  ServerName,
  ServerNameExtension,
  SessionTicketExtension,
  SignatureAlgorithmsExtension,
  StatusRequestExtension,
  SupportedGroupsExtension,
  SupportedVersionsExtension,
  UnknownExtension,
} from './extensions.js';
export {
  decodeCertificateStatus,
  decodeExtension,
  decodeExtensions,
  encodeCertificateStatus,
  encodeExtension,
  encodeExtensions,
  extensionType,
  findExtension,
} from './extensions.js';
export type { Ja3Fingerprint, Ja4Fingerprint, Ja4Options } from './fingerprint.js';
export { ja3, ja3s, ja4 } from './fingerprint.js';
export type { HandshakeFrame, HandshakeHeader, HandshakeReassemblerOptions } from './handshake-framing.js';
export {
  DEFAULT_MAX_HANDSHAKE_MESSAGE_LENGTH,
  decodeHandshakeFrame,
  decodeHandshakeHeader,
  encodeHandshakeFrame,
  encodeHandshakeHeader,
  HANDSHAKE_HEADER_LENGTH,
  HandshakeReassembler,
  MAX_CLIENT_HELLO_LENGTH,
  parseHandshakeFrame,
} from './handshake-framing.js';
export type {
  Certificate,
  CertificateEntry,
  CertificateRequest,
  CertificateStatusMessage,
  CertificateVerify,
  Tls12Certificate,
  Tls12CertificateRequest,
  Tls13Certificate,
  Tls13CertificateRequest,
} from './messages/certificate.js';
export {
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateStatusMessage,
  decodeCertificateVerify,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateStatusMessage,
  encodeCertificateVerify,
} from './messages/certificate.js';
export type { DecodedHandshake, HandshakeContext, HandshakeMessage, UnknownHandshake } from './messages/handshake.js';
export {
  clientHelloWithoutBinders,
  decodeHandshake,
  decodeHandshakeBody,
  encodeHandshake,
  encodeHandshakeBody,
  handshakeType,
  writeHandshake,
} from './messages/handshake.js';
export type { ClientHello, ServerHello } from './messages/hello.js';
export {
  decodeClientHello,
  decodeServerHello,
  encodeClientHello,
  encodeServerHello,
  HELLO_RETRY_REQUEST_RANDOM,
  isHelloRetryRequestRandom,
} from './messages/hello.js';
export type {
  ClientKeyExchange,
  DheServerKeyExchange,
  EcdheServerKeyExchange,
  KeyExchange,
  ServerHelloDone,
  ServerKeyExchange,
} from './messages/key-exchange.js';
export {
  decodeClientKeyExchange,
  decodeServerKeyExchange,
  encodeClientKeyExchange,
  encodeServerKeyExchange,
  encodeServerKeyExchangeParams,
} from './messages/key-exchange.js';
export type {
  EncryptedExtensions,
  EndOfEarlyData,
  Finished,
  HelloRequest,
  KeyUpdate,
  MessageHash,
  NewSessionTicket,
  Tls12NewSessionTicket,
  Tls13NewSessionTicket,
} from './messages/session.js';
export {
  decodeEncryptedExtensions,
  decodeFinished,
  decodeKeyUpdate,
  decodeMessageHash,
  decodeNewSessionTicket,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeKeyUpdate,
  encodeMessageHash,
  encodeNewSessionTicket,
} from './messages/session.js';
export type {
  FragmentOptions,
  RecordDeframerOptions,
  RecordHeader,
  RecordLimits,
  RecordProtection,
  TlsRecord,
} from './record.js';
export {
  CHANGE_CIPHER_SPEC,
  decodeChangeCipherSpec,
  decodeRecord,
  decodeRecordHeader,
  encodeChangeCipherSpec,
  encodeRecord,
  encodeRecordHeader,
  encodeRecords,
  fragmentContent,
  MAX_PLAINTEXT_LENGTH,
  MAX_TLS12_CIPHERTEXT_LENGTH,
  MAX_TLS13_CIPHERTEXT_LENGTH,
  MAX_TLS13_INNER_PLAINTEXT_LENGTH,
  MIN_RECORD_SIZE_LIMIT,
  maxFragmentLengthFor,
  maxInnerPlaintextLength,
  maxRecordFragmentLength,
  parseChangeCipherSpec,
  parseRecord,
  RECORD_HEADER_LENGTH,
  RecordDeframer,
} from './record.js';

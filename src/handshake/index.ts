/**
 * `tlswire/handshake`: sans-IO TLS 1.3 client and server state machines (RFC 8446), their events
 * and configuration, stateless session tickets and 0-RTT anti-replay; the TLS 1.2 client and server
 * (RFC 5246, `./tls12/`) and the client and server that negotiate either version (RFC 8446 §4.2.1).
 * @module
 */
export { TlsClient } from './client.js';
export {
  DEFAULT_CIPHER_SUITES,
  DEFAULT_GROUPS,
  DEFAULT_SIGNATURE_SCHEMES,
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
} from './common.js';
export type { Diagnosis, FailureStage } from './diagnosis.js';
export { ConnectionFailure, diagnose, failureStage, HandshakeAlertError } from './diagnosis.js';
export type { AnyTlsEvent, NegotiatingClientConfig, NegotiatingServerConfig } from './negotiate.js';
export { NegotiatingClient, NegotiatingServer } from './negotiate.js';
export type { CertificateRequestInfo } from './policy.js';
export { TlsServer } from './server.js';
export type {
  OcspClientOptions,
  OcspPolicy,
  OcspServerOptions,
  OcspStapleContext,
  OcspStapleReport,
  OcspStapleSource,
} from './stapling.js';
export type { AntiReplayOptions } from './ticket.js';
export { AeadTicketer, DEFAULT_ANTI_REPLAY_ENTRIES, SingleUseAntiReplay, TICKET_AGE_TOLERANCE } from './ticket.js';
export { Tls12Client } from './tls12/client.js';
export { DEFAULT_DHE_GROUPS, DEFAULT_TLS12_CIPHER_SUITES, DEFAULT_TLS12_SIGNATURE_SCHEMES } from './tls12/common.js';
export { Tls12Server } from './tls12/server.js';
export type { ExpiringSession, MemorySessionStoreOptions } from './tls12/session-cache.js';
export { ClientSessionCache, MemorySessionStore, Tls12AeadTicketer } from './tls12/session-cache.js';
export type {
  Tls12ClientConfig,
  Tls12ClientOptions,
  Tls12ClientSession,
  Tls12Event,
  Tls12Negotiated,
  Tls12ServerConfig,
  Tls12SessionState,
  Tls12SessionStore,
  Tls12Ticketer,
} from './tls12/types.js';
export type { Epoch } from './tls13-records.js';
export type {
  AlpnSelector,
  AntiReplay,
  CertificateSelector,
  CertificateVerifier,
  CertifiedKey,
  ClientConfig,
  ClientSession,
  CommonConfig,
  Negotiated,
  PeerLimits,
  ServerConfig,
  ServerSessionState,
  Ticketer,
  TlsClientConfig,
  TlsEvent,
  VerifyContext,
  WithServerTrust,
} from './types.js';
export { DEFAULT_PEER_LIMITS } from './types.js';
export type { TrustAnchors } from './verifier.js';
export { trustAnchorVerifier } from './verifier.js';

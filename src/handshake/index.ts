/**
 * `tlswire/handshake`: sans-IO TLS 1.3 client and server state machines (RFC 8446), their events
 * and configuration, stateless session tickets and 0-RTT anti-replay.
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
export type { Epoch } from './connection.js';
export { TlsServer } from './server.js';
export { AeadTicketer, SingleUseAntiReplay } from './ticket.js';
export type {
  AntiReplay,
  CertificateVerifier,
  CertifiedKey,
  ClientConfig,
  ClientSession,
  CommonConfig,
  Negotiated,
  ServerConfig,
  ServerSessionState,
  Ticketer,
  TlsEvent,
  VerifyContext,
} from './types.js';

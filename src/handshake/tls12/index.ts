/**
 * `tlswire/handshake` TLS 1.2 part: sans-IO TLS 1.2 client and server (RFC 5246 with RFC 8422,
 * RFC 5288, RFC 7905, RFC 7627, RFC 5746, RFC 5077), their configuration, events and sessions, the
 * server session cache and ticketer, and a client session cache.
 * @module
 */
export { Tls12Client } from './client.js';
export { DEFAULT_TLS12_CIPHER_SUITES, DEFAULT_TLS12_SIGNATURE_SCHEMES } from './common.js';
export { Tls12Server } from './server.js';
export type { ExpiringSession, MemorySessionStoreOptions } from './session-cache.js';
export { ClientSessionCache, MemorySessionStore, Tls12AeadTicketer } from './session-cache.js';
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
} from './types.js';

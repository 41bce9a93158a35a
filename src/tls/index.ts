/**
 * `tlswire/tls`: TLS wire codecs: registries, record layer, alerts, handshake framing, and the one
 * error → alert mapping.
 * @module
 */

export * from './alert.js';
export * from './enums.js';
export * from './errors.js';
export * from './extensions.js';
export * from './handshake-framing.js';
export * from './messages/certificate.js';
export * from './messages/handshake.js';
export * from './messages/hello.js';
export * from './messages/key-exchange.js';
export * from './messages/session.js';
export * from './record.js';

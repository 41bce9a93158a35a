/**
 * `tlswire/tls`: TLS wire codecs: registries, record layer, alerts, handshake framing, and the one
 * error → alert mapping.
 * @module
 */

export * from './alert.js';
export * from './enums.js';
export * from './errors.js';
export * from './handshake-framing.js';
export * from './record.js';

/**
 * `tlswire/tls`: TLS wire codecs: registries, record layer, alerts, handshake framing, and the one
 * error → alert mapping.
 * @module
 */
export * from './enums.js';

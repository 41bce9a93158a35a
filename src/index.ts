/**
 * tlswire: wire codecs and sans-IO state machines for TCP and TLS.
 *
 * The root entry re-exports the byte core and each layer as a namespace (`tcp`, `capture`, `tls`,
 * `crypto`, `x509`, `handshake`); import a layer's subpath (`tlswire/tcp`, `tlswire/tls`, …) to get its names
 * directly.
 * @module
 */
export * from './bytes/index.js';
export * as capture from './capture/index.js';
export * as crypto from './crypto/index.js';
export * as handshake from './handshake/index.js';
export * as tcp from './tcp/index.js';
export * as tls from './tls/index.js';
export * as x509 from './x509/index.js';

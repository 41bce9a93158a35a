/**
 * `tlswire/web`: TLS over WHATWG streams (a WebSocket-to-TCP bridge, Direct Sockets), with Web APIs
 * only; the client and server are those of `tlswire/handshake` (RFC 8446).
 * @module
 */

export type { ByteStreams, OpenTlsOptions, TlsClosed, TlsEndpoint, WebTlsConnection } from './connection.js';
export { acceptTls, connectTls, openTls } from './connection.js';

/**
 * `tlswire/node`: TLS 1.2 and 1.3 over `node:net` as Node streams: {@link connect}, {@link createServer},
 * {@link TlsSocket}, the typed {@link TlsConnectionError}, and the credential helpers.
 * @module
 */

export type { ClientHelloInfo, ReadClientHelloOptions } from './client-hello.js';
export { ClientHelloError, clientHelloMessage, readClientHello } from './client-hello.js';
export type { ConnectOptions, ServerOptions, TlsVersionName } from './connect.js';
export { connect, createServer, TlsNetServer } from './connect.js';
export type { CertificateSource, KeySource } from './credentials.js';
export { bundledRoots, certificatesFrom, certifiedKey, chainVerifier, trustStore } from './credentials.js';
export type { NodeCryptoProviderOptions } from './crypto-provider.js';
export { defaultNodeProvider, NodeCryptoProvider } from './crypto-provider.js';
export type { AlertOrigin, FailureStage } from './errors.js';
export { failureStage, TlsConnectionError } from './errors.js';
export type { FetchDispatcher } from './fetch.js';
export { fetchDispatcher } from './fetch.js';
export type { CipherNameAndProtocol, NodePeerCertificate } from './node-tls.js';
export { alertCode, cipherInfo, cipherList } from './node-tls.js';
export type { PipedConnection, SansIoConnection } from './pipe.js';
export { pipeSocket } from './pipe.js';
export type { SecureContextOptions } from './secure-context.js';
export { createSecureContext, SecureContext } from './secure-context.js';
export type { AnyClientSession, TlsSessionCacheOptions } from './session-cache.js';
export { isTls12Session, TlsSessionCache } from './session-cache.js';
export type { TlsConnection, TlsSocketOptions } from './socket.js';
export { TlsSocket } from './socket.js';

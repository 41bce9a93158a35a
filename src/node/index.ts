/**
 * `tlswire/node`: TLS 1.2 and 1.3 over `node:net` as Node streams: {@link connect}, {@link createServer},
 * {@link TlsSocket}, the typed {@link TlsConnectionError}, and the credential helpers.
 * @module
 */
export {
  type ConnectOptions,
  connect,
  createServer,
  type ServerOptions,
  TlsNetServer,
  type TlsVersionName,
} from './connect.js';
export {
  bundledRoots,
  type CertificateSource,
  certificatesFrom,
  certifiedKey,
  chainVerifier,
  trustStore,
} from './credentials.js';
export { type AlertOrigin, type FailureStage, failureStage, TlsConnectionError } from './errors.js';
export { type PipedConnection, pipeSocket, type SansIoConnection } from './pipe.js';
export {
  type AnyClientSession,
  isTls12Session,
  TlsSessionCache,
  type TlsSessionCacheOptions,
} from './session-cache.js';
export { type TlsConnection, TlsSocket } from './socket.js';

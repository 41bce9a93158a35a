/**
 * `tlswire/node`: TLS 1.3 over `node:net` as Node streams: {@link connect}, {@link createServer},
 * {@link TlsSocket}, the typed {@link TlsConnectionError}, and the credential helpers.
 * @module
 */
export { type ConnectOptions, connect, createServer, type ServerOptions, TlsNetServer } from './connect.js';
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
export { type TlsConnection, TlsSocket } from './socket.js';

/**
 * `connect()` and `createServer()`: TLS 1.3 over `node:net` with the options of `node:tls` where
 * they mean the same thing (`host`, `port`, `servername`, `ca`, `cert`, `key`,
 * `rejectUnauthorized`, `ALPNProtocols` as `alpn`), and the state machines' own settings
 * (`ClientConfig` / `ServerConfig`) passed through.
 * @module
 */
import net from 'node:net';
import { NobleProvider } from '../crypto/noble.js';
import { TlsClient } from '../handshake/client.js';
import { TlsServer } from '../handshake/server.js';
import { AeadTicketer, SingleUseAntiReplay } from '../handshake/ticket.js';
import type { CertificateVerifier, CertifiedKey, ClientConfig, ServerConfig, Ticketer } from '../handshake/types.js';
import { type CertificateSource, certifiedKey, chainVerifier, trustStore } from './credentials.js';
import { TlsSocket } from './socket.js';

/** Options of {@link connect}. */
export interface ConnectOptions extends Omit<ClientConfig, 'verifyServer' | 'certificate' | 'serverName'> {
  /** Host to connect to (default localhost). */
  host?: string;
  port?: number;
  /** An existing (connected or connecting) TCP socket to use instead of host and port. */
  socket?: net.Socket;
  /** server_name to send and to check the certificate against (default: `host`; no SNI for an IP). */
  servername?: string;
  /** Trusted roots, PEM or DER (default: Node's bundled roots, `tls.rootCertificates`). */
  ca?: CertificateSource;
  /** Verify the server's chain and name (default true); false accepts any chain, CertificateVerify still checked. */
  rejectUnauthorized?: boolean;
  /** Our certificate chain (leaf first), for a server that asks, with `key`. */
  cert?: CertificateSource;
  key?: string | Uint8Array;
  /** Decide trust yourself instead of the `ca` chain check. */
  verifyServer?: CertificateVerifier;
}

/**
 * Open a TLS 1.3 connection. Listen for `secureConnect` and `error` on the returned socket.
 * @throws PemError, KeyError, TypeError for unreadable `cert`, `key` or `ca`
 * @example
 * const s = connect({ host: 'example.com', port: 443, alpn: ['http/1.1'] });
 * s.on('secureConnect', (n) => s.end('GET / HTTP/1.0\r\n\r\n'));
 */
export function connect(options: ConnectOptions): TlsSocket {
  const { host, port, socket, servername, ca, rejectUnauthorized, cert, key, verifyServer, ...config } = options;
  const provider = config.provider ?? new NobleProvider();
  const certificate: CertifiedKey | undefined = cert && key ? certifiedKey(cert, key) : undefined;
  const client = new TlsClient({
    ...config,
    provider,
    serverName: servername ?? host ?? 'localhost',
    certificate,
    verifyServer:
      verifyServer ??
      chainVerifier({
        roots: rejectUnauthorized === false ? trustStore([]) : trustStore(ca),
        purpose: 'serverAuth',
        rejectUnauthorized: rejectUnauthorized ?? true,
        provider,
      }),
  });
  const tcp = socket ?? net.connect({ host: host ?? 'localhost', port: port ?? 443 });
  return new TlsSocket(tcp, client, 'client');
}

/** Options of {@link createServer}. */
export interface ServerOptions
  extends Omit<ServerConfig, 'certificate' | 'verifyClient' | 'clientAuth' | 'ticketer' | 'antiReplay'> {
  /** Our chain (leaf first, then intermediates), PEM or DER, with `key`; or give `certificate`. */
  cert?: CertificateSource;
  key?: string | Uint8Array;
  /** A ready certificate or an SNI selector (overrides cert/key). */
  certificate?: ServerConfig['certificate'];
  /** Ask for a client certificate (default false). */
  requestCert?: boolean;
  /** With `requestCert`: refuse clients without a valid certificate (default true). */
  rejectUnauthorized?: boolean;
  /** Roots for client certificates (default: Node's bundled roots). */
  ca?: CertificateSource;
  /** Decide trust in client chains yourself. */
  verifyClient?: CertificateVerifier;
  /** Session tickets: a ticketer, or false for none (default: stateless AEAD tickets under a random key). */
  ticketer?: Ticketer | false;
  /** Accept 0-RTT data up to this many bytes per connection, with single-use anti-replay (default 0: off). */
  maxEarlyDataSize?: number;
}

/**
 * A TCP server that runs a {@link TlsServer} per connection. Events: `secureConnection`
 * `(socket: TlsSocket)` when a handshake completes, `tlsClientError` `(error, socket)` when one fails,
 * `accept` `(socket: TlsSocket)` as soon as a TCP connection is wrapped (before the handshake).
 */
export class TlsNetServer extends net.Server {
  /** Builds the state machine configuration for each new connection. */
  readonly serverConfig: () => ServerConfig;

  constructor(options: ServerOptions, onSecureConnection?: (socket: TlsSocket) => void) {
    super();
    this.serverConfig = serverConfigOf(options);
    if (onSecureConnection) this.on('secureConnection', onSecureConnection);
    this.on('connection', (tcp: net.Socket) => {
      let tls: TlsSocket;
      try {
        tls = new TlsSocket(tcp, new TlsServer(this.serverConfig()), 'server');
      } catch (e) {
        tcp.destroy();
        this.emit('error', e);
        return;
      }
      tls.once('secure', () => this.emit('secureConnection', tls));
      tls.on('error', (e) => {
        if (!tls.secure) this.emit('tlsClientError', e, tls);
      });
      this.emit('accept', tls);
    });
  }
}

function serverConfigOf(options: ServerOptions): () => ServerConfig {
  const { cert, key, certificate, requestCert, rejectUnauthorized, ca, verifyClient, ticketer, ...config } = options;
  const provider = config.provider ?? new NobleProvider();
  let chosen: ServerConfig['certificate'];
  if (certificate) chosen = certificate;
  else if (cert && key) chosen = certifiedKey(cert, key);
  else throw new TypeError('createServer: cert and key (or certificate) are required');
  const tickets = ticketer === false ? undefined : (ticketer ?? new AeadTicketer(provider, provider.random(32)));
  const antiReplay = (config.maxEarlyDataSize ?? 0) > 0 ? new SingleUseAntiReplay() : undefined;
  const clientVerifier = requestCert
    ? (verifyClient ??
      chainVerifier({ roots: trustStore(ca), purpose: 'clientAuth', rejectUnauthorized: true, provider }))
    : undefined;
  const clientAuth: ServerConfig['clientAuth'] = requestCert
    ? rejectUnauthorized === false
      ? 'optional'
      : 'require'
    : 'none';
  return () => ({
    ...config,
    provider,
    certificate: chosen,
    ticketer: tickets,
    antiReplay,
    clientAuth,
    verifyClient: clientAuth === 'optional' && !verifyClient ? () => undefined : clientVerifier,
  });
}

/**
 * Create a TLS 1.3 server; `onSecureConnection` is called with each connection whose handshake completed.
 * @throws TypeError without a certificate; PemError, KeyError for unreadable input
 * @example
 * createServer({ cert, key }, (s) => s.pipe(s)).listen(8443, '127.0.0.1');
 */
export function createServer(options: ServerOptions, onSecureConnection?: (socket: TlsSocket) => void): TlsNetServer {
  return new TlsNetServer(options, onSecureConnection);
}

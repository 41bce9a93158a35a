/**
 * `connect()` and `createServer()`: TLS 1.2 and 1.3 over `node:net` with the options of `node:tls`
 * where they mean the same thing (`host`, `port`, `servername`, `ca`, `cert`, `key`,
 * `rejectUnauthorized`, `minVersion`/`maxVersion`, `session`, `ALPNProtocols` as `alpn`), and the
 * state machines' own settings (`ClientConfig` / `ServerConfig`) passed through.
 *
 * Server hooks as node:tls: `SNICallback` and `addContext` contexts choose the credentials by the
 * ClientHello's server_name (RFC 6066 §3), read first with `readClientHello`; `ALPNCallback` picks the
 * protocol (RFC 7301 §3.2) through the state machines' `alpnSelector`.
 *
 * Versions: with both allowed (the default) a client offers TLS 1.3 and 1.2 in one ClientHello and a
 * server answers each ClientHello with the best version it offers (`NegotiatingClient`,
 * `NegotiatingServer`); with one allowed, that version's machine runs alone. Configured cipher suites
 * narrow the versions too: only TLS 1.3 suites mean TLS 1.3 only, and so on.
 * @module
 */
import * as net from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { DecodeError, TlswireError } from '../bytes/errors.js';
import { tls13CipherSuite } from '../crypto/key-schedule.js';
import { tls12CipherSuite } from '../crypto/tls12-key-schedule.js';
import { TlsClient } from '../handshake/client.js';
import { NegotiatingClient, NegotiatingServer } from '../handshake/negotiate.js';
import { requestedServerName } from '../handshake/policy.js';
import { TlsServer } from '../handshake/server.js';
import { AeadTicketer, SingleUseAntiReplay } from '../handshake/ticket.js';
import { Tls12Client } from '../handshake/tls12/client.js';
import { Tls12Server } from '../handshake/tls12/server.js';
import { MemorySessionStore, Tls12AeadTicketer } from '../handshake/tls12/session-cache.js';
import type { Tls12ServerConfig, Tls12SessionStore } from '../handshake/tls12/types.js';
import type { CertificateVerifier, ClientConfig, ServerConfig, Ticketer } from '../handshake/types.js';
import type { CertificateError } from '../x509/errors.js';
import type { TrustStore } from '../x509/verify.js';
import { ClientHelloError, readClientHello } from './client-hello.js';
import {
  bundledRootDers,
  type CertificateSource,
  certificatesFrom,
  certifiedKey,
  type KeySource,
  trustStore,
} from './credentials.js';
import { defaultNodeProvider } from './crypto-provider.js';
import { PEER_CLOSED_IN_HANDSHAKE, TlsConnectionError } from './errors.js';
import { alpnList, cipherList, groupList, nodeVerifier, sigalgList } from './node-tls.js';
import { hostnamePattern, type SecureContext, type SecureContextOptions, secureContextOf } from './secure-context.js';
import { type AnyClientSession, isTls12Session, type TlsSessionCache } from './session-cache.js';
import { type TlsConnection, TlsSocket } from './socket.js';

/** A protocol version by its `node:tls` name. */
export type TlsVersionName = 'TLSv1.2' | 'TLSv1.3';

/** Which versions a connection may speak. */
interface Versions {
  tls12: boolean;
  tls13: boolean;
}

/**
 * The versions allowed by `min`/`max` (default TLSv1.2..TLSv1.3) that the configured cipher suites
 * (if any) can serve.
 * @throws TypeError for an unknown version name, or when no version is left
 */
function versionsOf(
  who: string,
  min: TlsVersionName | undefined,
  max: TlsVersionName | undefined,
  suites: readonly number[] | undefined,
): Versions {
  for (const v of [min, max]) {
    if (v !== undefined && v !== 'TLSv1.2' && v !== 'TLSv1.3') {
      throw new TypeError(`${who}: unsupported version ${JSON.stringify(v)} (TLSv1.2 or TLSv1.3)`);
    }
  }
  const versions = {
    tls12: (min ?? 'TLSv1.2') === 'TLSv1.2',
    tls13: (max ?? 'TLSv1.3') === 'TLSv1.3',
  };
  if (suites) {
    versions.tls12 &&= suites.some((s) => tls12CipherSuite(s) !== undefined);
    versions.tls13 &&= suites.some((s) => tls13CipherSuite(s) !== undefined);
  }
  if (!versions.tls12 && !versions.tls13) {
    throw new TypeError(
      `${who}: no version left: minVersion ${min ?? 'TLSv1.2'}, maxVersion ${max ?? 'TLSv1.3'}${
        suites ? ', and the cipher suites given' : ''
      }`,
    );
  }
  return versions;
}

/** Options of {@link connect}. */
export interface ConnectOptions extends Omit<ClientConfig, 'verifyServer' | 'certificate' | 'serverName' | 'session'> {
  /** Host to connect to (default localhost). */
  host?: string;
  /** Port to connect to (default 443). */
  port?: number;
  /** A Unix socket path to connect to instead of host and port (null: none, as https.Agent passes it). */
  path?: string | null;
  /** An existing (connected or connecting) TCP socket to use instead of host and port. */
  socket?: net.Socket;
  /** Options of `net.connect` passed through (`localAddress`, `family`, `lookup`, …). */
  localAddress?: string;
  family?: number;
  lookup?: net.LookupFunction;
  /** server_name to send and to check the certificate against (default: `host`; no SNI for an IP). */
  servername?: string;
  /** Trusted roots, PEM or DER, strings or Buffers (default: Node's bundled roots, `tls.rootCertificates`). */
  ca?: CertificateSource;
  /**
   * Refuse a server whose chain or name does not verify (default true). With false the handshake goes
   * on, and `authorized` / `authorizationError` tell what verification found.
   */
  rejectUnauthorized?: boolean;
  /** Node's host name check, called with the leaf (as `getPeerCertificate()`) once the chain verified. */
  checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined;
  /** Our certificate chain (leaf first), for a server that asks, with `key`. */
  cert?: CertificateSource;
  key?: KeySource;
  /** Decide trust yourself instead of the `ca` chain check (then `authorized` is true when it returns). */
  verifyServer?: CertificateVerifier;
  /**
   * node:tls's name for `requestOcsp`: send status_request (RFC 6066 §8); the stapled response comes in an
   * `OCSPResponse` event and is checked under `ocspPolicy` (default soft-fail).
   */
  requestOCSP?: boolean;
  /** Lowest version to speak (default TLSv1.2). */
  minVersion?: TlsVersionName;
  /** Highest version to speak (default TLSv1.3). */
  maxVersion?: TlsVersionName;
  /** ALPN protocols in preference order (node:tls's name for `alpn`): strings, Buffers, or the wire format. */
  ALPNProtocols?: readonly (string | Uint8Array)[] | Uint8Array;
  /** OpenSSL cipher list (names of suites; TLS 1.3 suites by IANA name): see docs/node.md. */
  ciphers?: string;
  /** Groups, `'X25519:P-256'` (node:tls `ecdhCurve`; `'auto'`: the defaults). */
  ecdhCurve?: string;
  /** Signature algorithms, `'ecdsa_secp256r1_sha256:RSA-PSS+SHA256'`. */
  sigalgs?: string;
  /** Idle timeout in milliseconds, as `socket.setTimeout` (node:tls `timeout`). */
  timeout?: number;
  /**
   * A session to resume, from a `session` event or `getSession()`: a TLS 1.3 one (offered as a PSK), or a
   * TLS 1.2 one (offered by ticket or session ID, also in a hello offering TLS 1.3 too: RFC 8446 §4.1.2,
   * RFC 5077 §3.4).
   */
  session?: AnyClientSession;
  /**
   * Sessions by server name and port: the session for `servername:port` is offered when no `session`
   * is given, and every `session` of the connection is stored in it.
   */
  sessionCache?: TlsSessionCache;
  /** TLS 1.2: offer the session_ticket extension (RFC 5077; default true). False: session IDs only. */
  sessionTickets?: boolean;
  /**
   * Credentials made by {@link createSecureContext}: as node:tls, its `cert`, `key`, `ca`, `ciphers`,
   * `ecdhCurve`, `sigalgs`, `minVersion`, `maxVersion` replace those given here.
   */
  secureContext?: SecureContext;
  /** Not implemented (external PSKs, docs/node.md): throws a TypeError rather than connect without it. */
  pskCallback?: never;
}

/** The settings a {@link SecureContext} carries, taken over by a connection that uses it. */
const CONTEXT_KEYS = ['cert', 'key', 'ca', 'ciphers', 'ecdhCurve', 'sigalgs', 'minVersion', 'maxVersion'] as const;

/** `options` with those of its `secureContext` in place (node:tls: the context wins). */
function withContext<O extends { secureContext?: SecureContext; pskCallback?: unknown }>(options: O, who: string): O {
  if (options.pskCallback !== undefined) {
    throw new TypeError(`${who}: pskCallback: external PSKs are not implemented (docs/node.md)`);
  }
  if (options.secureContext === undefined) return options;
  const context = secureContextOf(options.secureContext, `${who}: secureContext`);
  const out: Record<string, unknown> = { ...options };
  for (const key of CONTEXT_KEYS) out[key] = context.options[key];
  out.ca = context.ca;
  return out as O;
}

/**
 * The `authorizationError` of the connection each session came from (null: authorized), reported
 * again when the session resumes, as node:tls reports the verify result OpenSSL keeps in its session.
 */
const sessionVerdicts = new WeakMap<object, string | null>();

/** The node:tls option names mapped onto the state machine's settings (`ciphers`, `ecdhCurve`, …). */
function nodeSettings(options: {
  ALPNProtocols?: ConnectOptions['ALPNProtocols'];
  ciphers?: string;
  ecdhCurve?: string;
  sigalgs?: string;
}): Pick<ClientConfig, 'alpn' | 'cipherSuites' | 'groups' | 'signatureSchemes'> {
  const out: Pick<ClientConfig, 'alpn' | 'cipherSuites' | 'groups' | 'signatureSchemes'> = {};
  if (options.ALPNProtocols !== undefined) out.alpn = alpnList(options.ALPNProtocols);
  if (options.ciphers !== undefined) out.cipherSuites = cipherList(options.ciphers);
  const groups = options.ecdhCurve === undefined ? undefined : groupList(options.ecdhCurve);
  if (groups) out.groups = groups;
  if (options.sigalgs !== undefined) out.signatureSchemes = sigalgList(options.sigalgs);
  return out;
}

type SecureConnectListener = () => void;

/**
 * The arguments of node:tls `connect`: `(options[, cb])`, `(port[, host][, options][, cb])`,
 * `(path[, options][, cb])`.
 */
function connectArguments(args: unknown[]): { options: ConnectOptions; callback?: SecureConnectListener } {
  const rest = [...args];
  const callback = typeof rest[rest.length - 1] === 'function' ? (rest.pop() as SecureConnectListener) : undefined;
  const [first, second, third] = rest;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const port = Number(first);
    if (typeof second === 'string') return { options: { ...(third as ConnectOptions), port, host: second }, callback };
    return { options: { ...(second as ConnectOptions), port }, callback };
  }
  if (typeof first === 'string') return { options: { ...(second as ConnectOptions), path: first }, callback };
  return { options: { ...(first as ConnectOptions) }, callback };
}

/**
 * Open a TLS 1.2 or 1.3 connection, as node:tls `connect`: `callback` is a `secureConnect` listener.
 * @throws PemError, KeyError, TypeError for unreadable `cert`, `key` or `ca`; TypeError for versions
 * @example
 * const s = connect(443, 'example.com', { ALPNProtocols: ['http/1.1'] }, () => s.end('GET / HTTP/1.0\r\n\r\n'));
 */
export function connect(
  port: number,
  host?: string,
  options?: ConnectOptions,
  callback?: SecureConnectListener,
): TlsSocket;
export function connect(port: number, options?: ConnectOptions, callback?: SecureConnectListener): TlsSocket;
export function connect(port: number, host: string, callback?: SecureConnectListener): TlsSocket;
export function connect(port: number, callback?: SecureConnectListener): TlsSocket;
export function connect(path: string, options?: ConnectOptions, callback?: SecureConnectListener): TlsSocket;
export function connect(options: ConnectOptions, callback?: SecureConnectListener): TlsSocket;
export function connect(...args: unknown[]): TlsSocket {
  const parsed = connectArguments(args);
  const options = withContext(parsed.options, 'connect');
  const callback = parsed.callback;
  const config = clientSettings(options);
  const versions = versionsOf('connect', options.minVersion, options.maxVersion, config.cipherSuites);
  const provider = config.provider ?? defaultNodeProvider();
  const { cert, key, ca, sessionCache } = options;
  // As node:tls: an empty servername (what https.Agent passes for an IP) means the host.
  const hostname = options.servername || options.host || 'localhost';
  const tcpPort = options.port === undefined || options.port === null ? 443 : Number(options.port);
  const session = options.session ?? sessionCache?.get(hostname, tcpPort);
  if (session instanceof Uint8Array) {
    throw new TypeError('connect: session is node:tls DER bytes; pass a session of a tlswire `session` event');
  }
  let tls: TlsSocket | undefined;
  const clientConfig: ClientConfig = {
    ...config,
    keyLog: () => wantsSecrets(tls),
    provider,
    serverName: hostname,
    certificate: cert && key ? certifiedKey(cert, key) : undefined,
    verifyServer: serverVerifier(options, hostname, provider, (error) => tls?.setAuthorization(error)),
  };
  // Built when the handshake starts, so that setServername() may change the name until then.
  const client = () => clientMachine(versions, clientConfig, session, options.sessionTickets);
  tls = new TlsSocket(tcpOf(options, tcpPort), client, 'client', {
    servername: hostname,
    anchors: () => (ca === undefined ? bundledRootDers() : certificatesFrom(ca)),
    resumedAuthorizationError: session ? sessionVerdicts.get(session) : undefined,
    setServername: (name) => {
      clientConfig.serverName = name;
    },
  });
  if (options.timeout !== undefined) tls.setTimeout(options.timeout);
  if (callback) tls.once('secureConnect', callback);
  const socket = tls;
  tls.on('session', (s: AnyClientSession) => {
    // A TLS 1.2 session may come before the handshake's end, where a resumption's verdict is set.
    const keep = () => sessionVerdicts.set(s, socket.authorizationError);
    if (socket.secure) keep();
    else socket.once('secure', keep);
    sessionCache?.put(hostname, tcpPort, s);
  });
  return tls;
}

/** The state machine settings among `options` (every node:tls and adapter option taken out and mapped). */
function clientSettings(options: ConnectOptions): Omit<ClientConfig, 'verifyServer'> {
  const {
    host: _host,
    port: _port,
    path: _path,
    socket: _socket,
    localAddress: _localAddress,
    family: _family,
    lookup: _lookup,
    servername: _servername,
    ca: _ca,
    rejectUnauthorized: _reject,
    checkServerIdentity: _check,
    cert: _cert,
    key: _key,
    verifyServer: _verify,
    minVersion: _min,
    maxVersion: _max,
    ALPNProtocols,
    ciphers,
    ecdhCurve,
    sigalgs,
    timeout: _timeout,
    session: _session,
    sessionCache: _cache,
    sessionTickets: _tickets,
    secureContext: _context,
    pskCallback: _psk,
    requestOCSP,
    ...rest
  } = options;
  const ocsp = requestOCSP === undefined ? {} : { requestOcsp: rest.requestOcsp ?? requestOCSP };
  return { ...rest, ...ocsp, ...nodeSettings({ ALPNProtocols, ciphers, ecdhCurve, sigalgs }) };
}

/** The client's verifier: the caller's `verifyServer`, else node:tls's checks on `ca` (recorded on the socket). */
function serverVerifier(
  options: ConnectOptions,
  hostname: string,
  provider: ClientConfig['provider'],
  record: (error: CertificateError | undefined) => void,
): CertificateVerifier {
  const { verifyServer } = options;
  if (verifyServer) {
    return (chain, ctx) => {
      verifyServer(chain, ctx);
      record(undefined);
    };
  }
  return nodeVerifier({
    roots: trustStore(options.ca),
    purpose: 'serverAuth',
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    hostname,
    checkServerIdentity: options.checkServerIdentity,
    provider,
    record,
  });
}

/** The TCP socket: the one given, a Unix socket at `path`, or a new connection to host and port. */
function tcpOf(options: ConnectOptions, port: number): net.Socket {
  if (options.socket) return options.socket;
  if (typeof options.path === 'string') return net.connect({ path: options.path });
  const { host, localAddress, family, lookup } = options;
  return net.connect({ host: host ?? 'localhost', port, localAddress, family, lookup });
}

/** The state machine of a client for the versions allowed. */
function clientMachine(
  versions: Versions,
  clientConfig: ClientConfig,
  session: AnyClientSession | undefined,
  sessionTickets: boolean | undefined,
): TlsConnection {
  const tls13Session = session && !isTls12Session(session) ? session : undefined;
  const tls12Session = session && isTls12Session(session) ? session : undefined;
  if (versions.tls12 && versions.tls13) {
    return new NegotiatingClient({
      ...clientConfig,
      session: tls13Session,
      tls12: { session: tls12Session, sessionTickets },
    });
  }
  if (versions.tls13) return new TlsClient({ ...clientConfig, session: tls13Session });
  return new Tls12Client({ ...clientConfig, session: tls12Session, sessionTickets });
}

/** Secrets leave the state machine only for a `keylog` listener (or a `tls` tracer) of the socket. */
function wantsSecrets(socket: TlsSocket | undefined): boolean {
  return socket !== undefined && (socket.listenerCount('keylog') > 0 || socket.listenerCount('tls') > 0);
}

/** Options of {@link createServer}. */
export interface ServerOptions
  extends Omit<ServerConfig, 'certificate' | 'verifyClient' | 'clientAuth' | 'ticketer' | 'antiReplay'> {
  /** Our chain (leaf first, then intermediates), PEM or DER (strings or Buffers), with `key`; or give `certificate`. */
  cert?: CertificateSource;
  key?: KeySource;
  /** ALPN protocols we accept, in our preference order (node:tls's name for `alpn`). */
  ALPNProtocols?: readonly (string | Uint8Array)[] | Uint8Array;
  /** OpenSSL cipher list (names of suites; TLS 1.3 suites by IANA name): see docs/node.md. */
  ciphers?: string;
  /** Groups, `'X25519:P-256'` (node:tls `ecdhCurve`; `'auto'`: the defaults). */
  ecdhCurve?: string;
  /** Signature algorithms, `'ecdsa_secp256r1_sha256:RSA-PSS+SHA256'`. */
  sigalgs?: string;
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
  /** TLS 1.3 session tickets: a ticketer, or false for none (default: stateless AEAD tickets under a random key). */
  ticketer?: Ticketer | false;
  /**
   * Accept 0-RTT data up to this many bytes per connection (default 0: off), each ticket at most once
   * per freshness window (`SingleUseAntiReplay`; with your own `ticketer`, none in the first 20 s).
   */
  maxEarlyDataSize?: number;
  /** Lowest version to speak (default TLSv1.2). */
  minVersion?: TlsVersionName;
  /** Highest version to speak (default TLSv1.3). */
  maxVersion?: TlsVersionName;
  /**
   * TLS 1.2: issue and accept RFC 5077 tickets (default true, stateless AEAD tickets under a random
   * key); false resumes by session ID only. (TLS 1.3 resumes by ticket only: see `ticketer`.)
   */
  sessionTickets?: boolean;
  /** TLS 1.2 session-ID cache (default: an in-memory cache of this server). */
  sessionStore?: Tls12SessionStore;
  /** TLS 1.2 session lifetime in seconds (session-ID cache entries and ticket hint; default 7200). */
  sessionLifetime?: number;
  /**
   * Destroy a connection whose handshake has not completed within this many milliseconds, with a
   * `tlsClientError` (code `ERR_TLS_HANDSHAKE_TIMEOUT`); as `node:tls`, default 120000, 0 for none.
   */
  handshakeTimeout?: number;
  /** At most this many connections open at once; more are closed on accept (`net.Server.maxConnections`). */
  maxConnections?: number;
  /**
   * TLS 1.2, legacy clients only (default false): make sessions without the extended master secret
   * resumable too (RFC 7627 §5.3, §5.4); see Tls12ServerConfig.allowResumptionWithoutEms.
   */
  allowResumptionWithoutEms?: boolean;
  /** Credentials made by {@link createSecureContext}: its cert, key, ca, ciphers, … replace those given here. */
  secureContext?: SecureContext;
  /**
   * node:tls's SNI hook: called with the server_name a client sent (RFC 6066 §3), before the handshake
   * goes on; answer `cb(null, context)` with a context of {@link createSecureContext} (or its options),
   * `cb(null)` for the default credentials, `cb(error)` to drop the connection. Replaces the lookup
   * of {@link TlsNetServer.addContext}'s contexts, as in node:tls.
   */
  SNICallback?: (
    servername: string,
    cb: (error: Error | null, context?: SecureContext | SecureContextOptions) => void,
  ) => void;
  /**
   * node:tls's ALPN hook: picks one of the client's `protocols` (RFC 7301 §3.2) or returns undefined to
   * refuse them all (no_application_protocol alert). Not with `ALPNProtocols`.
   */
  ALPNCallback?: (info: { servername: string | false; protocols: string[] }) => string | undefined;
  /** Not implemented (external PSKs, docs/node.md): throws a TypeError rather than serve without it. */
  pskCallback?: never;
}

/**
 * A TCP server that runs a TLS server per connection (TLS 1.3, TLS 1.2, or either, chosen by each
 * ClientHello). Events: `secureConnection` `(socket: TlsSocket)` when a handshake completes, `keylog`
 * `(line: Buffer, socket: TlsSocket)` as node:tls (for servers with a listener when the connection came),
 * `tlsClientError` `(error, socket)` when one fails or misses its `handshakeTimeout`, `accept`
 * `(socket: TlsSocket)` as soon as a TCP connection is wrapped (before the handshake), and net's
 * `drop` for a connection closed on accept because `maxConnections` are open.
 */
export class TlsNetServer extends net.Server {
  /**
   * Builds the TLS 1.3 state machine configuration for each new connection (`record`: client
   * verification's outcome; `context`: the credentials chosen by SNI).
   */
  readonly serverConfig: (record?: VerificationRecord, context?: SecureContext) => ServerConfig;
  /** Builds the TLS 1.2 state machine configuration for each new connection. */
  readonly tls12ServerConfig: (record?: VerificationRecord, context?: SecureContext) => Tls12ServerConfig;
  readonly #requestCert: boolean;
  /** The versions this server speaks. */
  readonly versions: Readonly<Versions>;

  /** The handshake deadline of each connection, in milliseconds (0: none). */
  handshakeTimeout: number;

  constructor(serverOptions: ServerOptions, onSecureConnection?: (socket: TlsSocket) => void) {
    super();
    const { handshakeTimeout, maxConnections, ALPNProtocols, ciphers, ecdhCurve, sigalgs, SNICallback, ...rest } =
      withContext(serverOptions, 'createServer');
    const options = { ...rest, ...nodeSettings({ ALPNProtocols, ciphers, ecdhCurve, sigalgs }) };
    this.handshakeTimeout = handshakeTimeout ?? 120_000;
    if (maxConnections !== undefined) this.maxConnections = maxConnections;
    this.versions = versionsOf('createServer', options.minVersion, options.maxVersion, options.cipherSuites);
    this.#requestCert = options.requestCert === true;
    this.#SNICallback = SNICallback;
    const configs = serverConfigsOf(options, SNICallback !== undefined);
    this.serverConfig = configs.tls13;
    this.tls12ServerConfig = configs.tls12;
    this.#setDefault = configs.setDefault;
    if (onSecureConnection) this.on('secureConnection', onSecureConnection);
    this.on('connection', (tcp: net.Socket) => {
      if (this.#SNICallback === undefined && this.#contexts.length === 0) this.#accept(tcp, undefined);
      else void this.#acceptAfterHello(tcp);
    });
  }

  /**
   * Serve `context` (a {@link createSecureContext} one, or its options) to clients whose server_name
   * matches `hostname` (`*` matches one label), as node:tls: the last match added wins. Not consulted
   * when the server has an `SNICallback`.
   * @throws TypeError for a node:tls SecureContext (its key cannot be read)
   */
  addContext(hostname: string, context: SecureContext | SecureContextOptions): void {
    if (typeof hostname !== 'string') throw new TypeError('addContext: hostname must be a string');
    this.#contexts.push({ pattern: hostnamePattern(hostname), context: secureContextOf(context, 'addContext') });
  }

  /**
   * Replace the default certificate, key and `ca` for connections accepted from now on (node:tls
   * `setSecureContext`); the other settings stay as created.
   * @throws TypeError for options without cert and key; PemError, KeyError for unreadable ones
   */
  setSecureContext(options: SecureContextOptions | SecureContext): void {
    const context = secureContextOf(options, 'setSecureContext');
    if (!context.certifiedKey) throw new TypeError('setSecureContext: cert and key are required');
    this.#setDefault(context);
  }

  #SNICallback: ServerOptions['SNICallback'];
  readonly #contexts: { pattern: RegExp; context: SecureContext }[] = [];
  readonly #setDefault: (context: SecureContext) => void;

  /**
   * Read the ClientHello first (the socket left untouched), ask the SNI hook for the context of its
   * server_name, then run the handshake with it; all of it within `handshakeTimeout`.
   */
  async #acceptAfterHello(tcp: net.Socket): Promise<void> {
    const started = Date.now();
    const limit = this.handshakeTimeout;
    let context: SecureContext | undefined;
    try {
      context = await withDeadline(this.#contextFor(tcp), limit);
    } catch (e) {
      const open = !tcp.destroyed && !tcp.readableEnded;
      // Not a ClientHello (still in the socket): the state machine diagnoses it and sends its alert.
      if ((e instanceof ClientHelloError || e instanceof DecodeError) && open) {
        this.#accept(tcp, undefined);
        return;
      }
      let error = e instanceof Error ? e : new TlswireError(String(e));
      if (e instanceof ClientHelloError) error = new TlswireError(PEER_CLOSED_IN_HANDSHAKE);
      this.#accept(tcp, undefined)?.destroy(new TlsConnectionError(error, 'ExpectClientHello', false, true));
      return;
    }
    const left = limit > 0 ? Math.max(1, limit - (Date.now() - started)) : 0;
    this.#accept(tcp, context, left);
  }

  /** The context for the server_name of the ClientHello on `tcp` (undefined: the default one). */
  async #contextFor(tcp: net.Socket): Promise<SecureContext | undefined> {
    const { clientHello } = await readClientHello(tcp);
    const name = requestedServerName(clientHello);
    if (name === undefined) return undefined;
    const callback = this.#SNICallback;
    if (callback === undefined) {
      for (let i = this.#contexts.length - 1; i >= 0; i--) {
        if (this.#contexts[i]!.pattern.test(name)) return this.#contexts[i]!.context;
      }
      return undefined;
    }
    return new Promise((resolve, reject) => {
      callback(name, (error, context) => {
        if (error) reject(error);
        else resolve(context === undefined || context === null ? undefined : secureContextOf(context, 'SNICallback'));
      });
    });
  }

  /** Wrap `tcp` in a TlsSocket running the handshake with `context`'s credentials (else the defaults). */
  #accept(tcp: net.Socket, context: SecureContext | undefined, timeout = this.handshakeTimeout): TlsSocket | undefined {
    let tls: TlsSocket | undefined;
    try {
      const record: VerificationRecord = (error) => tls?.setAuthorization(error);
      tls = new TlsSocket(
        tcp,
        this.#connection(() => wantsSecrets(tls), record, context),
        'server',
        {
          handshakeTimeout: timeout,
          requestCert: this.#requestCert,
        },
      );
    } catch (e) {
      tcp.destroy();
      this.emit('error', e);
      return undefined;
    }
    const socket = tls;
    // node:tls servers emit `keylog (line, socket)` for every connection: forwarded while listened to.
    if (this.listenerCount('keylog') > 0) socket.on('keylog', (line: Buffer) => this.emit('keylog', line, socket));
    socket.once('secure', () => this.emit('secureConnection', socket));
    socket.on('error', (e) => {
      if (!socket.secure) this.emit('tlsClientError', e, socket);
    });
    this.emit('accept', socket);
    return socket;
  }

  /** A state machine for a new connection, by the versions spoken. */
  #connection(keyLog: () => boolean, record: VerificationRecord, context?: SecureContext): TlsConnection {
    const { tls12, tls13 } = this.versions;
    const config13 = { ...this.serverConfig(record, context), keyLog };
    const config12 = { ...this.tls12ServerConfig(record, context), keyLog };
    if (tls12 && tls13) return new NegotiatingServer({ tls13: config13, tls12: config12 });
    if (tls13) return new TlsServer(config13);
    return new Tls12Server(config12);
  }
}

/** Where a verifier reports what it found (undefined: authorized). */
type VerificationRecord = (error: CertificateError | undefined) => void;

/** The credentials of a server's connections: the defaults, or those of a context chosen by SNI. */
interface Credentials {
  certificate: ServerConfig['certificate'];
  /** Roots for client certificates (with `requestCert` and no `verifyClient`). */
  roots: TrustStore | undefined;
}

/** The default credentials of `createServer` options; with an SNI hook, none are needed. */
function defaultCredentials(options: ServerOptions, hasSni: boolean): Credentials {
  const { cert, key, certificate, requestCert, verifyClient, ca } = options;
  let chosen: ServerConfig['certificate'];
  if (certificate) chosen = certificate;
  else if (cert && key) chosen = certifiedKey(cert, key);
  else if (hasSni) chosen = () => undefined;
  else throw new TypeError('createServer: cert and key (or certificate, or an SNICallback) are required');
  return { certificate: chosen, roots: requestCert && !verifyClient ? trustStore(ca) : undefined };
}

/** The client certificate verifier of each connection (undefined without `requestCert`). */
function clientVerifierOf(
  options: ServerOptions,
  provider: NonNullable<ServerConfig['provider']>,
): (record: VerificationRecord, roots: TrustStore | undefined) => CertificateVerifier | undefined {
  const { requestCert, verifyClient, rejectUnauthorized } = options;
  return (record, roots) => {
    if (!requestCert) return undefined;
    if (verifyClient) {
      return (chain, ctx) => {
        verifyClient(chain, ctx);
        record(undefined);
      };
    }
    return nodeVerifier({
      roots: roots!,
      purpose: 'clientAuth',
      rejectUnauthorized: rejectUnauthorized !== false,
      provider,
      record,
    });
  };
}

/** node:tls `ALPNCallback` as the state machines' ALPN selector. */
function alpnSelectorOf(options: ServerOptions): ServerConfig['alpnSelector'] {
  const { ALPNCallback } = options;
  if (ALPNCallback === undefined) return undefined;
  if (options.alpn !== undefined) {
    throw Object.assign(new TypeError('The ALPNCallback and ALPNProtocols TLS options are mutually exclusive'), {
      code: 'ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS',
    });
  }
  return (offered, serverName) => ALPNCallback({ servername: serverName ?? false, protocols: [...offered] });
}

/** A server's tickets (TLS 1.3, TLS 1.2), TLS 1.2 session-ID store and 0-RTT anti-replay. */
function resumptionOf(options: ServerOptions, provider: NonNullable<ServerConfig['provider']>) {
  const { ticketer, sessionTickets, sessionStore } = options;
  const tickets = ticketer === false ? undefined : (ticketer ?? new AeadTicketer(provider, provider.random(32)));
  const tls12Ticketer = sessionTickets === false ? undefined : new Tls12AeadTicketer(provider, provider.random(32));
  const store = sessionStore ?? new MemorySessionStore();
  // RFC 8446 §8.2: a caller's ticket key may predate this server, so its 0-RTT waits out one window.
  const startedAt = ticketer ? (options.now ?? Date.now)() : undefined;
  const antiReplay = (options.maxEarlyDataSize ?? 0) > 0 ? new SingleUseAntiReplay({ startedAt }) : undefined;
  return { tickets, tls12Ticketer, store, antiReplay };
}

function serverConfigsOf(
  options: ServerOptions,
  hasSni: boolean,
): {
  tls13: (record?: VerificationRecord, context?: SecureContext) => ServerConfig;
  tls12: (record?: VerificationRecord, context?: SecureContext) => Tls12ServerConfig;
  setDefault: (context: SecureContext) => void;
} {
  const {
    cert: _cert,
    key: _key,
    certificate: _certificate,
    requestCert,
    rejectUnauthorized,
    ca: _ca,
    verifyClient: _verifyClient,
    ticketer: _ticketer,
    minVersion: _min,
    maxVersion: _max,
    sessionTickets: _sessionTickets,
    sessionStore: _sessionStore,
    sessionLifetime,
    allowResumptionWithoutEms,
    secureContext: _context,
    SNICallback: _sni,
    ALPNCallback: _alpnCallback,
    pskCallback: _psk,
    ...config
  } = options;
  const provider = config.provider ?? defaultNodeProvider();
  let defaults = defaultCredentials(options, hasSni);
  const { tickets, tls12Ticketer, store, antiReplay } = resumptionOf(options, provider);
  const clientAuth: ServerConfig['clientAuth'] = requestCert
    ? rejectUnauthorized === false
      ? 'optional'
      : 'require'
    : 'none';
  const clientVerifier = clientVerifierOf(options, provider);
  const alpnSelector = alpnSelectorOf(options);
  const suites = config.cipherSuites;
  const common = (record: VerificationRecord = () => undefined, context?: SecureContext) => {
    const roots = context?.ca && defaults.roots ? trustStore(context.ca) : defaults.roots;
    return {
      provider,
      certificate: context?.certifiedKey ?? defaults.certificate,
      clientAuth,
      verifyClient: clientVerifier(record, roots),
      alpnSelector,
    };
  };
  return {
    tls13: (record, context) => ({
      ...config,
      ...common(record, context),
      cipherSuites: suites?.filter((s) => tls13CipherSuite(s) !== undefined),
      ticketer: tickets,
      antiReplay,
    }),
    tls12: (record, context) => ({
      ...config,
      ...common(record, context),
      cipherSuites: suites?.filter((s) => tls12CipherSuite(s) !== undefined),
      ticketer: tls12Ticketer,
      sessionStore: store,
      sessionLifetime,
      allowResumptionWithoutEms,
    }),
    setDefault: (context) => {
      const roots = context.ca && defaults.roots ? trustStore(context.ca) : defaults.roots;
      defaults = { certificate: context.certifiedKey!, roots };
    },
  };
}

/** `promise`, or a rejection with node's handshake timeout error after `ms` (0: no limit). */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  if (!(ms > 0)) return promise;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new TlswireError(`TLS handshake timeout (not done within ${ms} ms)`);
      reject(Object.assign(error, { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' }));
    }, ms);
    timer.unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Create a TLS 1.2/1.3 server; `onSecureConnection` is called with each connection whose handshake completed.
 * @throws TypeError without a certificate or with no version left; PemError, KeyError for unreadable input
 * @example
 * createServer({ cert, key }, (s) => s.pipe(s)).listen(8443, '127.0.0.1');
 */
export function createServer(options: ServerOptions, onSecureConnection?: (socket: TlsSocket) => void): TlsNetServer {
  return new TlsNetServer(options, onSecureConnection);
}

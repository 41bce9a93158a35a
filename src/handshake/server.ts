/**
 * The TLS 1.3 server (RFC 8446 §2, §4, Appendix A.2) as a chain of states:
 *
 *     ExpectClientHello ─(HRR)─▶ ExpectClientHello ─▶ [ExpectEndOfEarlyData] ─▶
 *     [ExpectClientCertificate ─▶ ExpectClientCertificateVerify] ─▶ ExpectClientFinished ─▶ ServerEstablished
 *
 * The server's whole first flight (ServerHello … Finished) is sent while handling the ClientHello,
 * in named steps; the checks and choices up to the ServerHello are in src/handshake/server-hello.ts,
 * what the client shares (endpoint, Certificate/CertificateVerify/Finished, the states that check the
 * peer's CertificateVerify and Finished) in src/handshake/tls13-shared.ts. The states after the first
 * flight carry the handshake as one {@link ServerHandshake} value.
 * Also: cipher suite, group, signature scheme and ALPN selection; HelloRetryRequest with a cookie
 * (§4.1.4, §4.2.2); PSK resumption with psk_dhe_ke and psk_ke and binder checks (§4.2.9, §4.2.11);
 * 0-RTT accept and reject (§4.2.10) with anti-replay (§8); client authentication (§4.3.2);
 * middlebox compatibility (§D.4); record_size_limit (RFC 8449); NewSessionTicket (§4.6.1); KeyUpdate.
 * @module
 */
import { TlswireError } from '../bytes/errors.js';
import { toHex, wipe } from '../bytes/hex.js';
import { resumptionPsk, type Tls13CipherSuite, Transcript, tls13CipherSuite } from '../crypto/key-schedule.js';
import { NobleProvider } from '../crypto/noble.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { AlertDescription, PskKeyExchangeMode } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import { type Extension, findExtension } from '../tls/extensions.js';
import type { Tls13Certificate } from '../tls/messages/certificate.js';
import type { DecodedHandshake } from '../tls/messages/handshake.js';
import {
  type ApplicationSecrets,
  DEFAULT_CIPHER_SUITES,
  DEFAULT_GROUPS,
  DEFAULT_SIGNATURE_SCHEMES,
  deriveApplicationSecrets,
  type HandshakeSecrets,
} from './common.js';
import type { Machine, State } from './endpoint.js';
import { requestedServerName, selectAlpn, unexpected, verifyPeerChain } from './policy.js';
import {
  acceptPsk,
  type Credentials,
  checkClientHello,
  checkSecondHello,
  chooseCredentials,
  chooseKeyExchange,
  chooseSuite,
  earlyDataSkipBudget,
  type HelloChoice,
  type Retry,
  type ServerHelloSent,
  sendHelloRetryRequest,
  sendServerHello,
} from './server-hello.js';
import { serverStaple } from './stapling.js';
import {
  checkFinished,
  completeHandshake,
  type PeerCertificate,
  PeerCertificateVerifyState,
  PeerFinishedState,
  reportNegotiated,
  sendCertificateAndVerify,
  sendFinished,
  type Tls13Context,
  Tls13Endpoint,
} from './tls13-shared.js';
import type { CertificateVerifier, ServerConfig, ServerSessionState, TlsEvent } from './types.js';
import { clientVerifier } from './verifier.js';

/** Largest ticket lifetime (RFC 8446 §4.6.1): seven days. */
const MAX_TICKET_LIFETIME = 604800;

/** The server configuration with every default filled in. */
export interface ServerSettings {
  config: ServerConfig;
  suites: readonly number[];
  groups: readonly number[];
  schemes: readonly number[];
  pskModes: readonly number[];
  compat: boolean;
  now: () => number;
  maxEarlyDataSize: number;
  ticketCount: number;
  ticketLifetime: number;
  /** Decides trust in a client's chain: `verifyClient`, or the default over `clientRoots`. */
  verifyClient: CertificateVerifier | undefined;
}

/** What the server states share: settings, the connection core and its TLS 1.3 keys. */
export type ServerContext = Tls13Context<ServerSettings>;

/** A server state: consumes one handshake message, returns the next state. */
export type ServerState = State<ServerContext, DecodedHandshake>;

/** Data the states after the first flight carry. */
interface ServerHandshake {
  suite: Tls13CipherSuite;
  transcript: Transcript;
  secrets: HandshakeSecrets;
  app: ApplicationSecrets;
  alpn: string | undefined;
  serverName: string | undefined;
  /** The client offered post_handshake_auth (RFC 8446 §4.2.6). */
  postHandshakeAuth: boolean;
  /** We sent a CertificateRequest (RFC 8446 §4.3.2): the client's Certificate comes before its Finished. */
  clientAuth: boolean;
  /** The handshake resumed a session (a PSK from one of our tickets). */
  resumed: boolean;
}

/**
 * Waiting for a ClientHello: the first, or the second after a HelloRetryRequest (RFC 8446 §4.1.2).
 * The answer is the server's whole first flight (§2): ServerHello (or a HelloRetryRequest),
 * EncryptedExtensions, [CertificateRequest, Certificate, CertificateVerify] and Finished.
 */
export class ExpectClientHello implements ServerState {
  readonly name = 'ExpectClientHello';
  constructor(private readonly retry?: Retry) {}

  handle(cx: ServerContext, message: DecodedHandshake): ServerState {
    if (message.type !== 'client_hello') throw unexpected('RFC 8446 §A.2', this.name, message);
    const { core, settings } = cx;
    const retry = this.retry;
    if (!retry) core.setClientRandom(message.random);
    checkClientHello(message);
    const suite = chooseSuite(settings, message, retry);
    const serverName = requestedServerName(message);
    const alpn = selectAlpn(settings.config.alpn, message, settings.config.alpnSelector, serverName);
    const earlyDataOffered = findExtension(message.extensions, 'early_data') !== undefined;
    // Transcript: ClientHello1 (replaced by message_hash) and the HelloRetryRequest, or nothing yet.
    const transcript = retry ? retry.transcript : new Transcript(core.provider);
    if (!transcript.hashName) transcript.setHash(suite.hash);
    if (retry) checkSecondHello(message, retry, earlyDataOffered);
    const psk = acceptPsk(cx, message, { suite, transcript, retried: retry !== undefined, alpn, serverName });
    const credentials = psk ? undefined : chooseCredentials(settings, message, serverName);
    const hello: HelloChoice = {
      ch: message,
      suite,
      transcript,
      serverName,
      alpn,
      earlyDataOffered,
      retried: retry !== undefined,
      psk,
      credentials,
    };
    const exchange = chooseKeyExchange(cx, message, psk, retry);
    if ('retryWith' in exchange) return new ExpectClientHello(sendHelloRetryRequest(cx, hello, exchange.retryWith));
    const { secrets, clientEarly } = sendServerHello(cx, hello, exchange.share);
    sendEncryptedExtensions(cx, hello);
    const clientAuth = credentials !== undefined && (settings.config.clientAuth ?? 'none') !== 'none';
    if (credentials) sendServerCertificate(cx, hello, credentials, clientAuth);
    const app = sendServerFinished(cx, suite, secrets, transcript);
    reportNegotiated(core, suite, {
      group: exchange.share?.group,
      alpn,
      resumed: psk !== undefined,
      earlyDataAccepted: psk?.earlyData ?? false,
      helloRetry: retry !== undefined,
      serverName,
    });
    return afterFirstFlight(cx, hello, { secrets, clientEarly, app }, clientAuth);
  }
}

/**
 * EncryptedExtensions (RFC 8446 §4.3.1): our supported_groups (unless configured off), our
 * record_size_limit when the client sent one (RFC 8449 §4), an empty server_name when the client
 * sent one (RFC 6066 §3), the ALPN protocol chosen (RFC 7301 §3.1) and early_data when 0-RTT is
 * accepted (§4.2.10).
 */
function sendEncryptedExtensions(cx: ServerContext, hello: HelloChoice): void {
  const { core, settings } = cx;
  const limit = findExtension(hello.ch.extensions, 'record_size_limit');
  const ee: Extension[] = [];
  if (settings.config.sendSupportedGroups ?? true) ee.push({ kind: 'supported_groups', groups: [...settings.groups] });
  const ownLimit = settings.config.recordSizeLimit;
  if (limit && ownLimit !== undefined) ee.push({ kind: 'record_size_limit', limit: ownLimit });
  cx.keys.setRecordSizeLimits(limit?.limit, limit !== undefined && ownLimit !== undefined);
  if (hello.serverName !== undefined) ee.push({ kind: 'server_name', names: [] });
  if (hello.alpn !== undefined) ee.push({ kind: 'application_layer_protocol_negotiation', protocols: [hello.alpn] });
  if (hello.psk?.earlyData) ee.push({ kind: 'early_data' });
  hello.transcript.update(core.send({ type: 'encrypted_extensions', extensions: ee }));
}

/**
 * Certificate authentication, unless resuming: a CertificateRequest when we ask for the client's
 * certificate (RFC 8446 §4.3.2), our Certificate (§4.4.2) and CertificateVerify (§4.4.3) with the
 * credentials chosen before the ServerHello.
 */
function sendServerCertificate(
  cx: ServerContext,
  hello: HelloChoice,
  credentials: Credentials,
  clientAuth: boolean,
): void {
  const { transcript } = hello;
  if (clientAuth) sendCertificateRequest(cx, transcript, new Uint8Array(0));
  const { certified, scheme } = credentials;
  // RFC 8446 §4.4.2.1, RFC 6066 §8: a staple only when the client sent status_request.
  const staple = serverStaple(cx.settings.config.ocspResponse, hello.ch.extensions, {
    serverName: hello.serverName,
    chain: certified.chain,
  });
  sendCertificateAndVerify(cx.core, 'server', transcript, new Uint8Array(0), certified, scheme, staple);
}

/** Our CertificateRequest (RFC 8446 §4.3.2) with `context` and our signature schemes, added to `transcript`. */
function sendCertificateRequest(cx: ServerContext, transcript: Transcript, context: Uint8Array): void {
  transcript.update(
    cx.core.send({
      type: 'certificate_request',
      version: 'tls13',
      context,
      extensions: [{ kind: 'signature_algorithms', schemes: [...cx.settings.schemes] }],
    }),
  );
}

/**
 * Our Finished (RFC 8446 §4.4.4), then the application traffic secrets (§7.1): we write under ours
 * from here on (0.5-RTT data, §2).
 */
function sendServerFinished(
  cx: ServerContext,
  suite: Tls13CipherSuite,
  secrets: HandshakeSecrets,
  transcript: Transcript,
): ApplicationSecrets {
  const { core } = cx;
  transcript.update(sendFinished(core, suite.hash, secrets.serverHandshake, transcript.hash()));
  const app = deriveApplicationSecrets(core, secrets.hs, transcript.hash());
  cx.keys.setWriteKeys('application', suite, app.serverApplication);
  return app;
}

/**
 * The state after our first flight (RFC 8446 §A.2): EndOfEarlyData while 0-RTT data is read under
 * client_early_traffic_secret (§4.2.10), then the client's Certificate when we asked for it, else
 * its Finished. Rejected 0-RTT records are skipped (§4.2.10).
 */
function afterFirstFlight(
  cx: ServerContext,
  hello: HelloChoice,
  flight: ServerHelloSent & { app: ApplicationSecrets },
  clientAuth: boolean,
): ServerState {
  const { clientEarly } = flight;
  const hs: ServerHandshake = {
    suite: hello.suite,
    transcript: hello.transcript,
    secrets: flight.secrets,
    app: flight.app,
    alpn: hello.alpn,
    serverName: hello.serverName,
    postHandshakeAuth: findExtension(hello.ch.extensions, 'post_handshake_auth') !== undefined,
    clientAuth,
    resumed: hello.psk !== undefined,
  };
  if (hello.psk?.earlyData && clientEarly) {
    cx.keys.setReadKeys('early', hs.suite, clientEarly);
    cx.keys.acceptEarlyData(hello.psk.state.maxEarlyDataSize);
    wipe(clientEarly);
    return new ExpectEndOfEarlyData(hs);
  }
  cx.keys.setReadKeys('handshake', hs.suite, hs.secrets.clientHandshake);
  if (hello.earlyDataOffered) cx.keys.skipEarlyData(earlyDataSkipBudget(cx.settings));
  return afterEarlyData(hs);
}

/** After the client's early data (RFC 8446 §A.2): its Certificate when we asked for it, else its Finished. */
function afterEarlyData(hs: ServerHandshake): ServerState {
  return hs.clientAuth ? new ExpectClientCertificate(hs) : new ExpectClientFinished(hs);
}

/** Waiting for EndOfEarlyData while reading 0-RTT data (RFC 8446 §4.5). */
export class ExpectEndOfEarlyData implements ServerState {
  readonly name = 'ExpectEndOfEarlyData';
  constructor(private readonly hs: ServerHandshake) {}

  handle(cx: ServerContext, message: DecodedHandshake): ServerState {
    if (message.type !== 'end_of_early_data') throw unexpected('RFC 8446 §A.2', this.name, message);
    this.hs.transcript.update(message.raw);
    cx.keys.setReadKeys('handshake', this.hs.suite, this.hs.secrets.clientHandshake);
    return afterEarlyData(this.hs);
  }
}

/** Waiting for the client's Certificate (RFC 8446 §4.4.2). */
export class ExpectClientCertificate implements ServerState {
  readonly name = 'ExpectClientCertificate';
  constructor(private readonly hs: ServerHandshake) {}

  handle(cx: ServerContext, message: DecodedHandshake): ServerState {
    if (message.type !== 'certificate' || message.version !== 'tls13')
      throw unexpected('RFC 8446 §A.2', this.name, message);
    if (message.context.length !== 0) {
      throw new TlsAlertError(
        AlertDescription.illegal_parameter,
        'client Certificate context differs from the request',
      );
    }
    const peer = readClientCertificate(cx, this.hs, message);
    return peer
      ? new ExpectClientCertificateVerify(withClientCertificate(this.hs, peer))
      : new ExpectClientFinished(this.hs);
  }
}

/**
 * `hs` with the client's certificate, as one literal (`{ ...hs, ...peer }` would make V8 build a new
 * hidden class on every call: docs/performance.md).
 */
function withClientCertificate(hs: ServerHandshake, peer: PeerCertificate): ServerHandshake & PeerCertificate {
  const { suite, transcript, secrets, app, alpn, serverName, postHandshakeAuth, clientAuth, resumed } = hs;
  return {
    suite,
    transcript,
    secrets,
    app,
    alpn,
    serverName,
    postHandshakeAuth,
    clientAuth,
    resumed,
    chain: peer.chain,
    key: peer.key,
  };
}

/**
 * The client's Certificate (RFC 8446 §4.4.2) in the handshake, or in answer to a post-handshake
 * `request` (§4.6.2), joins that exchange's transcript. An empty one is certificate_required when we
 * require a certificate (`clientAuth: 'require'`, or the request's `required`), else undefined;
 * otherwise the chain, checked with the configured verifier (§4.4.2.4), and its leaf's key.
 */
function readClientCertificate(
  cx: ServerContext,
  hs: ServerHandshake,
  message: Tls13Certificate & { raw: Uint8Array },
  request?: PostHandshakeAuth,
): PeerCertificate | undefined {
  (request ? request.transcript : hs.transcript).update(message.raw);
  if (message.entries.length === 0) {
    if (request ? request.required : cx.settings.config.clientAuth === 'require') {
      throw new TlsAlertError(
        AlertDescription.certificate_required,
        `the client sent no certificate${request ? ' for our post-handshake CertificateRequest' : ''}`,
      );
    }
    return undefined;
  }
  const chain = message.entries.map((e) => e.data);
  const verify = cx.settings.verifyClient;
  if (!verify) throw new TlsAlertError(AlertDescription.internal_error, 'client certificate without verifyClient');
  return { chain, key: verifyPeerChain(verify, chain, { serverName: hs.serverName, now: cx.settings.now() }) };
}

/** Waiting for the client's CertificateVerify (RFC 8446 §4.4.3). */
export class ExpectClientCertificateVerify extends PeerCertificateVerifyState<
  ServerContext,
  ServerHandshake & PeerCertificate
> {
  readonly name = 'ExpectClientCertificateVerify';
  protected readonly next = ExpectClientFinished;
}

/** Waiting for the client's Finished (RFC 8446 §4.4.4); then tickets. */
export class ExpectClientFinished extends PeerFinishedState<ServerContext, ServerHandshake> {
  readonly name = 'ExpectClientFinished';
  protected finished(cx: ServerContext): ServerState {
    const { suite, transcript, secrets, app, postHandshakeAuth } = this.hs;
    completeHandshake(cx, suite, secrets, app, transcript, postHandshakeAuth);
    const established = new ServerEstablished(this.hs);
    // After a resumption one ticket replaces the one used, as OpenSSL does (SSL_CTX_set_num_tickets).
    const tickets = this.hs.resumed ? Math.min(cx.settings.ticketCount, 1) : cx.settings.ticketCount;
    for (let i = 0; i < tickets; i++) established.sendTicket(cx);
    return established;
  }
}

/** A post-handshake CertificateRequest awaiting its answer (RFC 8446 §4.6.2). */
interface PostHandshakeAuth {
  context: Uint8Array;
  /** The handshake transcript plus the CertificateRequest (and then the client's answer). */
  transcript: Transcript;
  /** An empty Certificate is certificate_required. */
  required: boolean;
}

/**
 * A post-handshake authentication being answered: the request, the state to return to and the client's
 * chain (empty when it declined).
 */
interface PostHandshakeAnswer extends PostHandshakeAuth {
  established: ServerEstablished;
  chain: Uint8Array[];
}

/** After the handshake: KeyUpdate, post-handshake client authentication, and tickets on demand (RFC 8446 §4.6). */
export class ServerEstablished implements ServerState {
  readonly name = 'ServerEstablished';
  #ticketsSent = 0;
  /** Post-handshake CertificateRequests sent and not yet answered, by context (hex). */
  readonly #requests = new Map<string, PostHandshakeAuth>();
  constructor(private readonly hs: ServerHandshake) {}

  /** The client offered post_handshake_auth (RFC 8446 §4.2.6). */
  get postHandshakeAuthOffered(): boolean {
    return this.hs.postHandshakeAuth;
  }

  handle(cx: ServerContext, message: DecodedHandshake): ServerState {
    if (message.type === 'key_update') {
      cx.keys.receiveKeyUpdate(message);
      return this;
    }
    if (message.type === 'certificate' && message.version === 'tls13') return this.#answer(cx, message);
    throw unexpected('RFC 8446 §A.2', this.name, message);
  }

  /**
   * RFC 8446 §4.6.2: a client Certificate answers one of our requests, named by its context; the
   * client may answer several requests in any order. Then its CertificateVerify (unless empty) and
   * Finished.
   */
  #answer(cx: ServerContext, message: Tls13Certificate & { raw: Uint8Array }): ServerState {
    const key = toHex(message.context);
    const request = this.#requests.get(key);
    if (!request) {
      throw new TlsAlertError(
        AlertDescription.unexpected_message,
        'client Certificate whose certificate_request_context matches no CertificateRequest we sent (RFC 8446 §4.6.2)',
      );
    }
    this.#requests.delete(key);
    const peer = readClientCertificate(cx, this.hs, message, request);
    if (!peer) return new ExpectPostHandshakeFinished({ ...request, established: this, chain: [] });
    return new ExpectPostHandshakeCertificateVerify({ ...request, established: this, ...peer });
  }

  /**
   * Send a post-handshake CertificateRequest (RFC 8446 §4.6.2) with a fresh 16-byte context from
   * the provider's random source and our signature schemes.
   */
  requestClientAuth(cx: ServerContext, required: boolean): void {
    const { core } = cx;
    let context = core.provider.random(16);
    while (this.#requests.has(toHex(context))) context = core.provider.random(16);
    const transcript = this.hs.transcript.clone();
    sendCertificateRequest(cx, transcript, context);
    this.#requests.set(toHex(context), { context, transcript, required });
  }

  /**
   * Send a NewSessionTicket (RFC 8446 §4.6.1). ticket_age_add comes from the provider's random
   * source (4 bytes); the nonce counts tickets on this connection (2 bytes, from 0).
   */
  sendTicket(cx: ServerContext): void {
    const { core, settings } = cx;
    const ticketer = settings.config.ticketer;
    if (!ticketer) throw new TlswireError('sendTicket without a ticketer');
    const a = core.provider.random(4);
    const ageAdd = ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0;
    const n = this.#ticketsSent++;
    const nonce = Uint8Array.of(n >>> 8, n & 0xff);
    const { suite } = this.hs;
    const state: ServerSessionState = {
      cipherSuite: suite.value,
      psk: resumptionPsk(core.provider, suite.hash, cx.keys.resumptionSecret(), nonce),
      ageAdd,
      issuedAt: settings.now(),
      lifetime: settings.ticketLifetime,
      maxEarlyDataSize: settings.maxEarlyDataSize,
      alpn: this.hs.alpn,
      serverName: this.hs.serverName,
    };
    const ticket = ticketer.seal(state);
    wipe(state.psk); // sealed into the ticket: no copy stays with the connection
    const extensions: Extension[] =
      settings.maxEarlyDataSize > 0 ? [{ kind: 'early_data', maxEarlyDataSize: settings.maxEarlyDataSize }] : [];
    core.send({
      type: 'new_session_ticket',
      version: 'tls13',
      lifetime: settings.ticketLifetime,
      ageAdd,
      nonce,
      ticket,
      extensions,
    });
    core.flush();
  }
}

/** Waiting for the CertificateVerify of a post-handshake authentication (RFC 8446 §4.4.3, §4.6.2). */
export class ExpectPostHandshakeCertificateVerify extends PeerCertificateVerifyState<
  ServerContext,
  PostHandshakeAnswer & PeerCertificate
> {
  readonly name = 'ExpectPostHandshakeCertificateVerify';
  /** The state to return to. */
  get established(): ServerEstablished {
    return this.hs.established;
  }

  protected readonly next = ExpectPostHandshakeFinished;
}

/**
 * Waiting for the Finished of a post-handshake authentication (RFC 8446 §4.4.4, §4.6.2), keyed with
 * the client's current application traffic secret; then back to {@link ServerEstablished}.
 */
export class ExpectPostHandshakeFinished implements ServerState {
  readonly name = 'ExpectPostHandshakeFinished';
  constructor(private readonly answer: PostHandshakeAnswer) {}

  /** The state to return to. */
  get established(): ServerEstablished {
    return this.answer.established;
  }

  handle(cx: ServerContext, message: DecodedHandshake): ServerState {
    if (message.type !== 'finished') throw unexpected('RFC 8446 §A.2', this.name, message);
    const { transcript: t, context, chain, established } = this.answer;
    const what = 'client post-handshake Finished';
    checkFinished(cx.core, t.hashName!, cx.keys.applicationSecret('read'), t, message, what);
    cx.core.emit({ kind: 'post-handshake-auth', context, chain });
    return established;
  }
}

/**
 * A TLS 1.3 server connection (RFC 8446). Sans-IO: feed it the client's bytes with {@link handle};
 * every call returns the events to act on.
 * @example
 * const server = new TlsServer({ certificate: { chain, key } });
 * for (const e of server.handle(bytes)) if (e.kind === 'send') socket.write(e.bytes);
 */
export class TlsServer extends Tls13Endpoint<ServerSettings> {
  /** @throws TypeError for a configuration that cannot work (see {@link tls13ServerSettings}) */
  constructor(config: ServerConfig) {
    const provider = config.provider ?? new NobleProvider();
    super('server', config, provider, tls13ServerSettings('TlsServer', config, provider), new ExpectClientHello());
  }

  /** Send one more NewSessionTicket (RFC 8446 §4.6.1). */
  sendTicket(): TlsEvent[] {
    return this.run(sendTicketStep(this.machine));
  }

  /**
   * Ask the client for a certificate after the handshake (RFC 8446 §4.6.2): a CertificateRequest
   * with a fresh non-empty certificate_request_context. The answer is checked with `verifyClient`
   * (or the `clientRoots` default) and CertificateVerify, then reported as `peer-certificate` and
   * `post-handshake-auth` (whose chain is empty when the client declined; with `required` an empty
   * answer is certificate_required instead).
   * @throws TlswireError before the handshake is complete, when the client did not offer
   *   post_handshake_auth (RFC 8446 §4.2.6), or without a verifier; the connection is not affected
   */
  requestClientAuth(options: { required?: boolean } = {}): TlsEvent[] {
    return this.run(requestClientAuthStep(this.machine, options));
  }
}

/** The TLS 1.3 server's states. */
export type Tls13ServerMachine = Machine<ServerContext, DecodedHandshake>;

/** The step that sends one more NewSessionTicket (RFC 8446 §4.6.1). */
export function sendTicketStep(machine: Tls13ServerMachine): () => void {
  return () => established(machine, 'sendTicket').sendTicket(machine.cx);
}

/**
 * The step that sends a post-handshake CertificateRequest (RFC 8446 §4.6.2), see {@link TlsServer.requestClientAuth}.
 * @throws TlswireError when it cannot be asked now (the connection is not affected)
 */
export function requestClientAuthStep(machine: Tls13ServerMachine, options: { required?: boolean }): () => void {
  const state = established(machine, 'requestClientAuth');
  if (machine.cx.core.failed) throw new TlswireError('requestClientAuth before the handshake is complete');
  if (!state.postHandshakeAuthOffered) {
    throw new TlswireError('requestClientAuth: the client did not offer post_handshake_auth (RFC 8446 §4.2.6)');
  }
  if (!machine.cx.settings.verifyClient) {
    throw new TlswireError('requestClientAuth needs verifyClient or clientRoots to check the answer');
  }
  return () => state.requestClientAuth(machine.cx, options.required ?? false);
}

/** The established state the machine is in or will return to, for a post-handshake call. */
function established(machine: Tls13ServerMachine, call: string): ServerEstablished {
  const state = machine.current;
  const found =
    state instanceof ServerEstablished
      ? state
      : state instanceof ExpectPostHandshakeCertificateVerify || state instanceof ExpectPostHandshakeFinished
        ? state.established
        : undefined;
  if (!found) throw new TlswireError(`${call} before the handshake is complete`);
  return found;
}

/**
 * The server configuration with every default filled in.
 * @throws TypeError for a configuration that cannot work: no TLS 1.3 suite, client authentication without a verifier
 */
export function tls13ServerSettings(who: string, config: ServerConfig, provider: CryptoProvider): ServerSettings {
  const suites = (config.cipherSuites ?? DEFAULT_CIPHER_SUITES).filter((s) => tls13CipherSuite(s) !== undefined);
  if (suites.length === 0) throw new TypeError(`${who}: no TLS 1.3 cipher suite configured`);
  return {
    config,
    suites,
    groups: config.groups ?? DEFAULT_GROUPS,
    schemes: config.signatureSchemes ?? DEFAULT_SIGNATURE_SCHEMES,
    pskModes: config.pskModes ?? [PskKeyExchangeMode.psk_dhe_ke, PskKeyExchangeMode.psk_ke],
    compat: config.middleboxCompat ?? true,
    now: config.now ?? Date.now,
    maxEarlyDataSize: config.maxEarlyDataSize ?? 0,
    ticketCount: config.ticketer ? (config.ticketCount ?? 2) : 0,
    ticketLifetime: Math.min(config.ticketLifetime ?? 7200, MAX_TICKET_LIFETIME),
    verifyClient: clientVerifier(who, config, provider),
  };
}

/**
 * The TLS 1.2 client (RFC 5246 §7.3, with RFC 8422 ECDHE, RFC 7627 extended master secret, RFC 5746
 * renegotiation_info, RFC 5077 tickets) as a chain of states, each a value that consumes one
 * handshake message (or ChangeCipherSpec) and returns the next state:
 *
 *     ExpectServerHello ─▶ ExpectCertificate ─▶ ExpectServerKeyExchange (ECDHE, DHE)
 *            │                      │ (RSA)             │
 *            │                      ▼                   ▼
 *            │            ExpectCertificateRequestOrDone ─▶ ExpectServerHelloDone
 *            │ (resumed)                │                          │
 *            │                          └──────────┬───────────────┘ our flight: [Certificate]
 *            ▼                                     ▼   ClientKeyExchange [CertificateVerify] CCS Finished
 *     [ExpectNewSessionTicket] ─▶ ExpectChangeCipherSpec ─▶ ExpectFinished ─▶ ClientEstablished
 *
 * In an abbreviated handshake (RFC 5246 §7.3, Figure 2) the server's CCS and Finished come first and
 * the client answers with its own. Each state holds one value, what the handshake knows so far, and
 * hands it on grown; the connection core is the I/O every state is handed. Renegotiation is refused:
 * a HelloRequest after the handshake is answered with a no_renegotiation warning (RFC 5246 §7.2.2,
 * RFC 5746 §4.2) and ignored during the handshake (RFC 5246 §7.4.1.1).
 * @module
 */
import { TlswireError } from '../../bytes/errors.js';
import { concat, constantTimeEqual, wipe } from '../../bytes/hex.js';
import { ffdheGroupOfParams, isFfdheCodePoint } from '../../crypto/ffdhe.js';
import { NobleProvider } from '../../crypto/noble.js';
import type { PublicKey } from '../../crypto/provider.js';
import type { Tls12CipherSuite } from '../../crypto/tls12-key-schedule.js';
import {
  AlertDescription,
  CipherSuite,
  ClientCertificateType,
  ECPointFormat,
  NameType,
  ProtocolVersion,
} from '../../tls/enums.js';
import { TlsAlertError } from '../../tls/errors.js';
import { type Extension, findExtension } from '../../tls/extensions.js';
import type { Tls12CertificateRequest } from '../../tls/messages/certificate.js';
import type { ClientHello, ServerHello } from '../../tls/messages/hello.js';
import type { ServerKeyExchange } from '../../tls/messages/key-exchange.js';
import {
  extensionOffered,
  groupName,
  hasDowngradeSentinel,
  keyExchangeStep,
  leafPublicKey,
  runVerifier,
} from '../common.js';
import { HandshakeAlertError, suiteNames } from '../diagnosis.js';
import { Machine, type Present, type State, stepper } from '../endpoint.js';
import { checkLegacyVersion, checkSelectedAlpn, isIpLiteral, unexpected } from '../policy.js';
import type { RecordCore } from '../record-core.js';
import type { CertificateVerifier } from '../types.js';
import { serverVerifier } from '../verifier.js';
import {
  chooseTls12Scheme,
  dhePremaster,
  emitTls12Negotiated,
  type HelloAgreement,
  initialRenegotiationInfo,
  isEcdheGroup,
  signedCertificateVerify,
  suiteFitsKey,
  Tls12Secrets,
  type Tls12Settings,
  Tls12Transcript,
  tls12Settings,
  verifyServerKeyExchange,
} from './common.js';
import { type Tls12Context, Tls12Endpoint } from './endpoint.js';
import { type Tls12Input, useTls12 } from './records.js';
import type { Tls12ClientConfig, Tls12ClientSession, Tls12Event } from './types.js';

/** The client configuration with every default filled in. */
export interface ClientSettings extends Tls12Settings {
  config: Tls12ClientConfig;
  /** `config.verifyServer`, or the default verifier over `config.roots`. */
  verifyServer: CertificateVerifier;
  tickets: boolean;
  requireEms: boolean;
  /** `config.allowResumptionWithoutEms`: sessions without the extended master secret are kept and offered. */
  allowNoEms: boolean;
}

/** What the client states share: settings, the connection core and its TLS 1.2 keys. Passed to every `handle`. */
export interface Tls12ClientContext extends Tls12Context {
  readonly settings: ClientSettings;
}

/** A TLS 1.2 client state: consumes one input, returns the next state. */
export type Tls12ClientState = State<Tls12ClientContext, Tls12Input>;

/**
 * The handshake so far, the one value each state carries and hands on, grown as the handshake goes:
 * first our ClientHello, the transcript and the session offered for resumption (with the session ID
 * sent with it).
 */
interface ClientHandshake {
  hello: ClientHello;
  transcript: Tls12Transcript;
  offered: Tls12ClientSession | undefined;
}

/** …then what the ServerHello settled. */
interface Agreed extends ClientHandshake, HelloAgreement {
  /** The server will send a NewSessionTicket (RFC 5077 §3.2). */
  ticketExpected: boolean;
}

/** The server's certificate chain and its leaf's key. */
interface ServerIdentity {
  chain: Uint8Array[];
  key: PublicKey;
}

/** …then, in a full handshake, the server's first flight as it comes (RFC 5246 §7.3, Figure 1). */
interface Certified extends Agreed {
  server: ServerIdentity;
  /** The ServerKeyExchange, its signature and group checked; `group` is its NamedGroup (DHE: the RFC 7919 group). */
  keyExchange?: { ske: ServerKeyExchange; group: number };
  request?: Tls12CertificateRequest;
}

/** …then, after our flight or from the resumed session, the secrets, up to the server's Finished. */
interface Keyed extends Agreed {
  secrets: Tls12Secrets;
  /** Our Finished has been sent (full handshake); in a resumption it follows the server's. */
  clientFinished: boolean;
  /** The server's certificate (full handshake), reported once the handshake is done. */
  server?: ServerIdentity;
  /** The NewSessionTicket's ticket and lifetime hint, when it carried a ticket. */
  ticket?: { ticket: Uint8Array; lifetimeHint: number };
}

/** What the steps after the ClientHello add. */
type Learned = Omit<Certified & Keyed, keyof ClientHandshake>;

/** Every field a client handshake value has: those of the later steps undefined until they are known. */
type ClientHandshakeFields = ClientHandshake & Present<Learned>;

/** `hs` with every field of {@link ClientHandshakeFields}, in one order (see {@link Present}). */
function clientHandshake(hs: ClientHandshake & Partial<Learned>): ClientHandshakeFields {
  return {
    hello: hs.hello,
    transcript: hs.transcript,
    offered: hs.offered,
    suite: hs.suite,
    serverRandom: hs.serverRandom,
    sessionId: hs.sessionId,
    ems: hs.ems,
    alpn: hs.alpn,
    serverName: hs.serverName,
    secureRenegotiation: hs.secureRenegotiation,
    ticketExpected: hs.ticketExpected,
    server: hs.server,
    keyExchange: hs.keyExchange,
    request: hs.request,
    secrets: hs.secrets,
    clientFinished: hs.clientFinished,
    ticket: hs.ticket,
  };
}

/** The next handshake value: `hs` with `changes`, in one hidden class. */
const advance = stepper(clientHandshake);

const SERVER_HELLO_EXTENSIONS: readonly Extension['kind'][] = [
  'server_name',
  'ec_point_formats',
  'extended_master_secret',
  'renegotiation_info',
  'session_ticket',
  'application_layer_protocol_negotiation',
];

/** Build our ClientHello (RFC 5246 §7.4.1.2) and send it. */
function startHandshake(cx: Tls12ClientContext): Tls12ClientState {
  const { core, settings } = cx;
  const { config } = settings;
  const random = core.provider.random(32);
  core.setClientRandom(random);
  const session = usableSession(settings);
  // RFC 5077 §3.4: with a ticket the client sends a fresh session ID to recognize acceptance.
  const sessionId = session ? (session.ticket ? core.provider.random(32) : session.sessionId) : new Uint8Array(0);
  const offered = session ? { ...session, sessionId } : undefined;
  const extensions: Extension[] = [];
  if (config.serverName && !isIpLiteral(config.serverName)) {
    extensions.push({ kind: 'server_name', names: [{ type: NameType.host_name, name: config.serverName }] });
  }
  extensions.push({ kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) });
  extensions.push({ kind: 'extended_master_secret' });
  extensions.push({ kind: 'supported_groups', groups: offeredGroups(settings) });
  extensions.push({ kind: 'ec_point_formats', formats: [ECPointFormat.uncompressed] });
  extensions.push({ kind: 'signature_algorithms', schemes: [...settings.schemes] });
  if (config.alpn?.length) {
    extensions.push({ kind: 'application_layer_protocol_negotiation', protocols: [...config.alpn] });
  }
  if (settings.tickets) extensions.push({ kind: 'session_ticket', ticket: session?.ticket ?? new Uint8Array(0) });
  let hello: ClientHello = {
    type: 'client_hello',
    version: ProtocolVersion.TLS1_2,
    random,
    sessionId,
    cipherSuites: settings.suites.map((s) => s.value),
    compressionMethods: [0],
    extensions,
  };
  if (config.editClientHello) hello = config.editClientHello(hello);
  const transcript = new Tls12Transcript();
  transcript.add(core.send(hello));
  return new ExpectServerHello(clientHandshake({ hello, transcript, offered }));
}

/**
 * Our supported_groups: the configured groups and, when we offer a DHE suite, the RFC 7919 groups it
 * uses if those are not listed already (RFC 7919 §3: a client offering FFDHE suites lists its FFDHE groups).
 */
function offeredGroups(settings: ClientSettings): number[] {
  const groups = [...settings.groups];
  if (!settings.suites.some((s) => s.keyExchange === 'dhe_rsa')) return groups;
  return [...groups, ...settings.dheGroups.filter((g) => !groups.includes(g))];
}

/**
 * The configured session, if it can be offered: a TLS 1.2 suite we still offer, not expired, with an
 * extended master secret (RFC 7627 §5.3: the client SHOULD NOT resume other sessions) unless
 * `allowResumptionWithoutEms`, and obtained under the server name we ask for now (RFC 6066 §3: the
 * server must refuse it under another).
 */
function usableSession(settings: ClientSettings): Tls12ClientSession | undefined {
  const session = settings.config.session;
  if (!session || session.version !== ProtocolVersion.TLS1_2) return undefined;
  if (session.serverName !== settings.config.serverName) return undefined;
  if (!settings.suites.some((s) => s.value === session.cipherSuite)) return undefined;
  if (!session.extendedMasterSecret && !settings.allowNoEms) return undefined;
  if (settings.now() >= session.receivedAt + session.lifetime * 1000) return undefined;
  if (!session.ticket && session.sessionId.length === 0) return undefined;
  if (session.ticket && !settings.tickets) return undefined;
  return session;
}

/** The verifier of settings that never see a certificate (for {@link offerableTls12Session}). */
function refuse(): never {
  throw new TlswireError('no server verifier configured');
}

/**
 * The session `config.session` names, if a client with `config` would offer it (see
 * {@link usableSession}); used by a client that offers TLS 1.3 too to build its hello.
 */
export function offerableTls12Session(config: Tls12ClientConfig): Tls12ClientSession | undefined {
  return usableSession(clientSettings(config));
}

/**
 * What a ClientHello built elsewhere offers of `session`: its ticket in session_ticket, with the
 * hello's session ID to recognise acceptance (RFC 5077 §3.4), or the session's own ID in
 * (legacy_)session_id (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2). The result's `sessionId` is the one sent.
 */
function offeredIn(session: Tls12ClientSession | undefined, hello: ClientHello): Tls12ClientSession | undefined {
  if (!session || hello.sessionId.length === 0) return undefined;
  const ticket = findExtension(hello.extensions, 'session_ticket')?.ticket;
  if (session.ticket && ticket && sameBytes(ticket, session.ticket)) {
    return { ...session, sessionId: hello.sessionId.slice() };
  }
  if (sameBytes(session.sessionId, hello.sessionId)) return { ...session, ticket: undefined };
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && constantTimeEqual(a, b);
}

/** Waiting for ServerHello (RFC 5246 §7.4.1.3). */
export class ExpectServerHello implements Tls12ClientState {
  readonly name = 'ExpectServerHello';
  constructor(private readonly hs: ClientHandshake) {}

  /**
   * Check the ServerHello (version and downgrade sentinel, suite and compression, extensions), read
   * what it settles, then resume the offered session when the server echoes its ID (RFC 5246 §7.3,
   * Figure 2), else go on with a full handshake, which may have to use the extended master secret.
   */
  handle(cx: Tls12ClientContext, input: Tls12Input): Tls12ClientState {
    if (input.type !== 'server_hello') throw unexpected('RFC 5246 §7.3', this.name, input);
    const { settings } = cx;
    const hs = this.hs;
    checkServerVersion(settings, input);
    const suite = chosenSuite(settings, hs.hello, input);
    checkServerHelloExtensions(hs.hello, input);
    const agreed = readAgreement(settings, hs, suite, input);
    hs.transcript.add(input.raw);
    cx.keys.setSuite(suite);
    if (resumesOffer(hs.offered, input)) return resumeOffered(cx, agreed, hs.offered);
    if (settings.requireEms && !agreed.ems) {
      throw new TlsAlertError(
        AlertDescription.handshake_failure,
        'the server does not support the extended master secret (RFC 7627 §5.2)',
      );
    }
    return new ExpectCertificate(agreed);
  }
}

/**
 * server_version must be TLS 1.2, the one version this client speaks (RFC 5246 §7.4.1.3,
 * protocol_version otherwise); a client that also offered TLS 1.3 refuses a TLS 1.2 ServerHello whose
 * random ends with a downgrade sentinel (RFC 8446 §4.1.3, illegal_parameter).
 */
function checkServerVersion(settings: ClientSettings, hello: ServerHello): void {
  checkLegacyVersion(hello.version, 'ServerHello');
  if (hello.version !== ProtocolVersion.TLS1_2) {
    throw new TlsAlertError(
      AlertDescription.protocol_version,
      `server_version 0x${hello.version.toString(16)}, this client speaks TLS 1.2 (0x0303)`,
    );
  }
  if (settings.config.tls13Offered && hasDowngradeSentinel(hello.random)) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      'TLS 1.2 ServerHello.random carries the downgrade sentinel (RFC 8446 §4.1.3)',
    );
  }
}

/**
 * The cipher suite the server chose, which must be one we offered (RFC 5246 §7.4.1.3), with the null
 * compression method, the only one we offer (RFC 5246 §7.4.1.2); illegal_parameter otherwise.
 */
function chosenSuite(settings: ClientSettings, offer: ClientHello, hello: ServerHello): Tls12CipherSuite {
  const suite = settings.suites.find((s) => s.value === hello.cipherSuite);
  if (!suite || !offer.cipherSuites.includes(hello.cipherSuite)) {
    throw new HandshakeAlertError(
      AlertDescription.illegal_parameter,
      `the server chose a cipher suite we did not offer: ${suiteNames([hello.cipherSuite])}; we offered ${suiteNames(offer.cipherSuites)}`,
    );
  }
  if (hello.compressionMethod !== 0) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      'the server chose a compression method other than null',
    );
  }
  return suite;
}

/**
 * The ServerHello's extensions: each must answer one we offered and be one a ServerHello may carry
 * (RFC 5246 §7.4.1.4); renegotiation_info must be empty in an initial handshake (RFC 5746 §3.4);
 * ec_point_formats must include uncompressed (RFC 8422 §5.1.2).
 */
function checkServerHelloExtensions(offer: ClientHello, hello: ServerHello): void {
  for (const ext of hello.extensions ?? []) checkAnswersOffer(offer, ext);
  initialRenegotiationInfo(hello.extensions, 'RFC 5746 §3.4');
  const formats = findExtension(hello.extensions, 'ec_point_formats');
  if (formats && !formats.formats.includes(ECPointFormat.uncompressed)) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      'ec_point_formats without uncompressed (RFC 8422 §5.1.2)',
    );
  }
}

/**
 * RFC 5246 §7.4.1.4: a ServerHello extension must answer one in our ClientHello (renegotiation_info
 * also answers the SCSV, RFC 5746 §3.6) and be one we know in a ServerHello; unsupported_extension
 * otherwise.
 */
function checkAnswersOffer(offer: ClientHello, ext: Extension): void {
  const scsv =
    ext.kind === 'renegotiation_info' && offer.cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
  const sent = scsv || extensionOffered(ext, offer.extensions);
  if (!sent || ext.kind === 'unknown' || !SERVER_HELLO_EXTENSIONS.includes(ext.kind)) {
    throw new TlsAlertError(
      AlertDescription.unsupported_extension,
      `ServerHello carries ${ext.kind === 'unknown' ? `extension ${ext.type}` : ext.kind}, which was not offered (RFC 5246 §7.4.1.4)`,
    );
  }
}

/**
 * What the ServerHello settles besides the suite: the ALPN protocol (RFC 7301 §3.2, checked against
 * our offer), the extended master secret (RFC 7627 §5.1), a promised NewSessionTicket (RFC 5077
 * §3.2) and secure renegotiation (RFC 5746 §3.4).
 */
function readAgreement(
  settings: ClientSettings,
  hs: ClientHandshake,
  suite: Tls12CipherSuite,
  hello: ServerHello,
): Agreed {
  const alpnExt = findExtension(hello.extensions, 'application_layer_protocol_negotiation');
  const alpn = alpnExt ? checkSelectedAlpn(settings.config.alpn, alpnExt.protocols) : undefined;
  return advance(hs, {
    suite,
    serverRandom: hello.random.slice(),
    sessionId: hello.sessionId.slice(),
    ems: findExtension(hello.extensions, 'extended_master_secret') !== undefined,
    alpn,
    serverName: settings.config.serverName,
    ticketExpected: findExtension(hello.extensions, 'session_ticket') !== undefined,
    secureRenegotiation: findExtension(hello.extensions, 'renegotiation_info') !== undefined,
  });
}

/** The server resumes our offered session when it echoes the session ID we sent with it (RFC 5246 §7.4.1.3, RFC 5077 §3.4). */
function resumesOffer(offered: Tls12ClientSession | undefined, hello: ServerHello): offered is Tls12ClientSession {
  return offered !== undefined && hello.sessionId.length > 0 && sameBytes(hello.sessionId, offered.sessionId);
}

/**
 * The abbreviated handshake (RFC 5246 §7.3, Figure 2): the resumed session must keep its cipher suite
 * (illegal_parameter) and its use of the extended master secret (RFC 7627 §5.3: handshake_failure);
 * its master secret keys the connection, and the server's [NewSessionTicket] CCS Finished come next.
 */
function resumeOffered(cx: Tls12ClientContext, agreed: Agreed, offered: Tls12ClientSession): Tls12ClientState {
  const { core } = cx;
  emitTls12Negotiated(core, agreed, true, undefined);
  if (offered.cipherSuite !== agreed.suite.value) {
    throw new TlsAlertError(AlertDescription.illegal_parameter, 'resumed session with a different cipher suite');
  }
  if (offered.extendedMasterSecret !== agreed.ems) {
    // RFC 7627 §5.3: the client MUST abort in both directions of a mismatch.
    throw new TlsAlertError(
      AlertDescription.handshake_failure,
      'extended_master_secret differs from the resumed session (RFC 7627 §5.3)',
    );
  }
  const secrets = Tls12Secrets.resumed(core, agreed, offered.masterSecret);
  return expectServerFinish(advance(agreed, { secrets, clientFinished: false }));
}

/** After the keys: the promised NewSessionTicket (RFC 5077 §3.3), else the server's ChangeCipherSpec. */
function expectServerFinish(hs: Keyed): Tls12ClientState {
  if (hs.ticketExpected) return new ExpectNewSessionTicket(hs);
  return new ExpectChangeCipherSpec(hs);
}

/** Waiting for the server's Certificate (RFC 5246 §7.4.2). */
export class ExpectCertificate implements Tls12ClientState {
  readonly name = 'ExpectCertificate';
  constructor(private readonly hs: Agreed) {}

  handle(cx: Tls12ClientContext, input: Tls12Input): Tls12ClientState {
    if (input.type !== 'certificate' || input.version !== 'tls12') throw unexpected('RFC 5246 §7.3', this.name, input);
    const chain = input.certificates.map((c) => c.slice());
    if (chain.length === 0) {
      throw new TlsAlertError(AlertDescription.decode_error, 'the server sent an empty Certificate');
    }
    const { hs } = this;
    const key = leafPublicKey(chain[0]!);
    if (!suiteFitsKey(hs.suite, key)) {
      throw new TlsAlertError(
        AlertDescription.unsupported_certificate,
        `a ${key.type} certificate does not fit ${hs.suite.name}`,
      );
    }
    const { settings } = cx;
    runVerifier(() => settings.verifyServer(chain, { serverName: settings.config.serverName, now: settings.now() }));
    hs.transcript.add(input.raw);
    const certified: Certified = advance(hs, { server: { chain, key } });
    if (hs.suite.keyExchange === 'rsa') return new ExpectCertificateRequestOrDone(certified);
    return new ExpectServerKeyExchange(certified);
  }
}

/**
 * Waiting for the ServerKeyExchange (ECDHE: RFC 8422 §5.4; DHE: RFC 5246 §7.4.3 with RFC 7919 §3);
 * its signature is checked here.
 */
export class ExpectServerKeyExchange implements Tls12ClientState {
  readonly name = 'ExpectServerKeyExchange';
  constructor(private readonly hs: Certified) {}

  handle(cx: Tls12ClientContext, input: Tls12Input): Tls12ClientState {
    if (input.type !== 'server_key_exchange') throw unexpected('RFC 5246 §7.3', this.name, input);
    const { core, settings } = cx;
    const { hs } = this;
    // The body was decoded for the suite's key exchange (RFC 5246 §7.4.3): DHE suites give ServerDHParams.
    let group: number;
    if (input.keyExchange === 'dhe') {
      verifyServerKeyExchange(core, hs.serverRandom, settings.schemes, hs.server.key, input);
      group = serverDheGroup(hs.hello, input);
    } else {
      group = input.namedGroup;
      if (!settings.groups.includes(group) || !isEcdheGroup(group)) {
        throw new TlsAlertError(
          AlertDescription.illegal_parameter,
          `ServerKeyExchange with group 0x${group.toString(16)}, which we did not offer (RFC 8422 §5.4)`,
        );
      }
      verifyServerKeyExchange(core, hs.serverRandom, settings.schemes, hs.server.key, input);
    }
    hs.transcript.add(input.raw);
    return new ExpectCertificateRequestOrDone(advance(hs, { keyExchange: { ske: input, group } }));
  }
}

/**
 * The RFC 7919 group of a signed ServerDHParams (RFC 7919 §3). Local policy (§3.1): only the five
 * RFC 7919 groups are accepted, never a custom p and g. A client cannot check a custom group cheaply
 * (a primality test and the factors of p−1, §5.1), and a server-chosen group is how the attacks of
 * §8.7 steer the premaster; the named groups are safe primes, for which 1 < Y < p−1 suffices. Any
 * other group is insufficient_security (§3). When our supported_groups listed FFDHE groups, the
 * server must have picked one of them (§4, MUST); when it listed none, any RFC 7919 group will do.
 */
function serverDheGroup(hello: ClientHello, ske: Extract<ServerKeyExchange, { keyExchange: 'dhe' }>): number {
  const grp = ffdheGroupOfParams(ske.p, ske.g);
  const listed = (findExtension(hello.extensions, 'supported_groups')?.groups ?? []).filter(isFfdheCodePoint);
  if (!grp || (listed.length > 0 && !listed.includes(grp.value))) {
    throw new TlsAlertError(
      AlertDescription.insufficient_security,
      grp
        ? `the server chose ${grp.name}, which we did not offer (RFC 7919 §4)`
        : `the server's DH group (${ske.p.length * 8}-bit p) is not an RFC 7919 group (RFC 7919 §3)`,
    );
  }
  return grp.value;
}

/** Waiting for CertificateRequest (RFC 5246 §7.4.4) or ServerHelloDone (§7.4.5). */
export class ExpectCertificateRequestOrDone implements Tls12ClientState {
  readonly name: string = 'ExpectCertificateRequestOrDone';
  constructor(protected readonly hs: Certified) {}

  handle(cx: Tls12ClientContext, input: Tls12Input): Tls12ClientState {
    const { hs } = this;
    if (input.type === 'certificate_request' && input.version === 'tls12' && !hs.request) {
      hs.transcript.add(input.raw);
      return new ExpectServerHelloDone(advance(hs, { request: input }));
    }
    if (input.type !== 'server_hello_done') throw unexpected('RFC 5246 §7.3', this.name, input);
    hs.transcript.add(input.raw);
    return sendClientFlight(cx, hs);
  }
}

/** Waiting for ServerHelloDone after a CertificateRequest. */
export class ExpectServerHelloDone extends ExpectCertificateRequestOrDone {
  override readonly name = 'ExpectServerHelloDone';
}

/**
 * Our second flight (RFC 5246 §7.3): [Certificate] ClientKeyExchange [CertificateVerify]
 * ChangeCipherSpec Finished. The master secret is the extended one when both sides sent the
 * extension (RFC 7627 §4), over the session hash up to ClientKeyExchange.
 */
function sendClientFlight(cx: Tls12ClientContext, hs: Certified): Tls12ClientState {
  const { core, settings } = cx;
  const { request, server } = hs;
  const provider = core.provider;
  const mine = settings.config.certificate;
  let scheme: number | undefined;
  if (request) {
    const typeOk =
      mine &&
      (mine.key.type === 'rsa'
        ? request.certificateTypes.includes(ClientCertificateType.rsa_sign)
        : request.certificateTypes.includes(ClientCertificateType.ecdsa_sign));
    scheme = mine && typeOk ? chooseTls12Scheme(settings.schemes, request.signatureAlgorithms, mine.key) : undefined;
    const certificates = mine && scheme !== undefined ? mine.chain : [];
    hs.transcript.add(core.send({ type: 'certificate', version: 'tls12', certificates }));
  }
  const kx = hs.keyExchange;
  emitTls12Negotiated(core, hs, false, kx?.group);
  let premaster: Uint8Array;
  if (kx) {
    const { ske, group } = kx;
    const exchange = provider.keyExchange(groupName(group)!);
    const pair = exchange.generate();
    premaster =
      ske.keyExchange === 'dhe'
        ? dhePremaster(provider, group, pair.privateKey, ske.publicKey)
        : keyExchangeStep(() => exchange.decapsulate(pair.privateKey, ske.publicKey));
    wipe(pair.privateKey);
    hs.transcript.add(core.send({ type: 'client_key_exchange', keyExchange: ske.keyExchange, publicKey: pair.share }));
  } else {
    if (server.key.type !== 'rsa') throw new TlswireError('RSA key exchange without an RSA key');
    // RFC 5246 §7.4.7.1: client_version (the version we offered) followed by 46 random bytes.
    premaster = concat(Uint8Array.of(hs.hello.version >>> 8, hs.hello.version & 0xff), provider.random(46));
    const encrypted = provider.rsaEncrypt(server.key, premaster);
    hs.transcript.add(
      core.send({ type: 'client_key_exchange', keyExchange: 'rsa', encryptedPreMasterSecret: encrypted }),
    );
  }
  const secrets = Tls12Secrets.fromPremaster(core, hs, premaster);
  if (mine && scheme !== undefined) {
    hs.transcript.add(core.send(signedCertificateVerify(core, hs.transcript, { key: mine.key, scheme })));
  }
  secrets.sendChangeCipherSpecAndFinished(cx, hs.transcript);
  return expectServerFinish(advance(hs, { secrets, clientFinished: true }));
}

/** Waiting for NewSessionTicket (RFC 5077 §3.3), promised by the session_ticket extension. */
export class ExpectNewSessionTicket implements Tls12ClientState {
  readonly name = 'ExpectNewSessionTicket';
  constructor(private readonly hs: Keyed) {}

  handle(_cx: Tls12ClientContext, input: Tls12Input): Tls12ClientState {
    if (input.type !== 'new_session_ticket' || input.version !== 'tls12')
      throw unexpected('RFC 5246 §7.3', this.name, input);
    this.hs.transcript.add(input.raw);
    const ticket =
      input.ticket.length > 0 ? { ticket: input.ticket.slice(), lifetimeHint: input.lifetimeHint } : undefined;
    return new ExpectChangeCipherSpec(advance(this.hs, { ticket }));
  }
}

/** Waiting for the server's ChangeCipherSpec: its records are protected from here on. */
export class ExpectChangeCipherSpec implements Tls12ClientState {
  readonly name = 'ExpectChangeCipherSpec';
  constructor(private readonly hs: Keyed) {}

  handle(cx: Tls12ClientContext, input: Tls12Input): Tls12ClientState {
    if (input.type !== 'change_cipher_spec') throw unexpected('RFC 5246 §7.3', this.name, input);
    this.hs.secrets.receiveChangeCipherSpec(cx);
    return new ExpectFinished(this.hs);
  }
}

/** Waiting for the server's Finished (RFC 5246 §7.4.9); in a resumption, our CCS and Finished follow. */
export class ExpectFinished implements Tls12ClientState {
  readonly name = 'ExpectFinished';
  constructor(private readonly hs: Keyed) {}

  handle(cx: Tls12ClientContext, input: Tls12Input): Tls12ClientState {
    if (input.type !== 'finished') throw unexpected('RFC 5246 §7.3', this.name, input);
    const { core, settings } = cx;
    const { hs } = this;
    const { secrets } = hs;
    const { master } = secrets;
    secrets.checkPeerFinished(cx, hs.transcript, input);
    const resumed = !hs.clientFinished;
    if (resumed) {
      core.secret('CLIENT_RANDOM', master.secret);
      secrets.sendChangeCipherSpecAndFinished(cx, hs.transcript);
    }
    if (hs.server) core.emit({ kind: 'peer-certificate', chain: hs.server.chain });
    const offered = hs.offered;
    const ticket = hs.ticket?.ticket ?? (resumed ? offered?.ticket : undefined);
    const sessionId = resumed && offered?.ticket ? new Uint8Array(0) : hs.sessionId;
    // RFC 7627 §5.3: a session without the extended master secret is kept only when we would offer it.
    if ((ticket || sessionId.length > 0) && (hs.ems || settings.allowNoEms)) {
      const session: Tls12ClientSession = {
        version: ProtocolVersion.TLS1_2,
        cipherSuite: hs.suite.value,
        masterSecret: master.secret.slice(),
        extendedMasterSecret: hs.ems,
        sessionId,
        ticket,
        lifetime: hs.ticket?.lifetimeHint || settings.lifetime,
        receivedAt: settings.now(),
        serverName: settings.config.serverName,
        alpn: hs.alpn,
      };
      if (!resumed || hs.ticket) core.emit({ kind: 'session', session });
    }
    cx.keys.setEstablished(master, hs.ems);
    core.emit({ kind: 'established' });
    return new ClientEstablished();
  }
}

/** After the handshake: any handshake message is refused (renegotiation is not supported). */
export class ClientEstablished implements Tls12ClientState {
  readonly name = 'ClientEstablished';
  handle(_cx: Tls12ClientContext, input: Tls12Input): Tls12ClientState {
    throw unexpected('RFC 5246 §7.3', this.name, input);
  }
}

/** `config` with every default filled in, and the server verifier (built by the constructor). */
function clientSettings(config: Tls12ClientConfig, verifyServer: CertificateVerifier = refuse): ClientSettings {
  // One literal with every field (see Present): `{ ...base, config }` would make a new hidden class per call.
  const { suites, groups, dheGroups, schemes, lifetime, now } = tls12Settings('Tls12Client', config);
  return {
    suites,
    groups,
    dheGroups,
    schemes,
    lifetime,
    now,
    config,
    verifyServer,
    tickets: config.sessionTickets ?? true,
    requireEms: config.extendedMasterSecret === 'require',
    allowNoEms: config.allowResumptionWithoutEms === true,
  };
}

/**
 * A TLS 1.2 client connection (RFC 5246). Sans-IO: call {@link start}, feed it the server's bytes
 * with {@link handle}, call {@link write} and {@link close}; every call returns the events to act
 * on (`send` bytes to the server, `data` to the application, `session` to store, …).
 * @example
 * const client = new Tls12Client({ serverName: 'example.com', roots: TrustStore.fromPem(bundle) });
 * for (const e of client.start()) if (e.kind === 'send') socket.write(e.bytes);
 */
export class Tls12Client extends Tls12Endpoint<Tls12ClientContext, Tls12ClientMachine> {
  /**
   * @throws TypeError for a configuration that cannot work: no way to trust the server (neither
   *   `verifyServer` nor `roots`), `roots` without a `serverName` to check, no TLS 1.2 cipher suite
   * @throws CertificateError when a root or intermediate does not parse
   */
  constructor(config: Tls12ClientConfig) {
    const provider = config.provider ?? new NobleProvider();
    const settings = clientSettings(config, serverVerifier('Tls12Client', config, provider));
    super('client', config, provider, (io) => new Tls12ClientMachine({ core: io.core, keys: io.keys, settings }));
  }

  /** Send the ClientHello. */
  start(): Tls12Event[] {
    if (this.machine.current) throw new TlswireError('Tls12Client.start() called twice');
    return this.run(() => {
      this.machine.current = startHandshake(this.machine.cx);
    });
  }
}

/**
 * The TLS 1.2 client's states, with the rule that holds around them: a HelloRequest (RFC 5246
 * §7.4.1.1) is ignored during a handshake and not part of the transcript; afterwards renegotiation is
 * refused with a no_renegotiation warning (RFC 5746 §4.2, RFC 5246 §7.2.2) and the connection goes on.
 */
export class Tls12ClientMachine extends Machine<Tls12ClientContext> {
  override input(input: Tls12Input): void {
    if (input.type === 'hello_request') {
      if (!this.current) throw unexpected('RFC 5246 §7.3', this.state, input);
      const { core } = this.cx;
      if (core.established) core.sendAlert(AlertDescription.no_renegotiation_RESERVED);
      return;
    }
    super.input(input);
  }
}

/**
 * The TLS 1.2 states of a client whose ClientHello has already been sent by someone else: the TLS 1.3
 * client of a connection that offered both versions and got a TLS 1.2 ServerHello (RFC 8446 §4.2.1,
 * §D.1), on the same core. `hello` and `raw` are that ClientHello and its exact bytes (the start of
 * the transcript); the next input is the ServerHello. `config.session` is resumed when the hello
 * offers it (see {@link offerableTls12Session}): its ticket in session_ticket with a session ID to
 * echo (RFC 5077 §3.4), or its session ID as legacy_session_id (RFC 8446 §4.1.2); a ServerHello
 * echoing that ID starts the abbreviated handshake (RFC 5246 §7.3).
 */
export function tls12ClientAfterHello(
  core: RecordCore,
  config: Tls12ClientConfig,
  hello: ClientHello,
  raw: Uint8Array,
): Tls12ClientMachine {
  const settings = clientSettings(config, config.verifyServer);
  const io = useTls12(core);
  const offered = offeredIn(usableSession(settings), hello);
  const state = new ExpectServerHello(clientHandshake({ hello, transcript: new Tls12Transcript().add(raw), offered }));
  return new Tls12ClientMachine({ core: io.core, keys: io.keys, settings }, state);
}

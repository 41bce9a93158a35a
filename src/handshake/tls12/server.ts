/**
 * The TLS 1.2 server (RFC 5246 §7.3, with RFC 8422 ECDHE, RFC 7627 extended master secret, RFC 5746
 * renegotiation_info, RFC 5077 tickets) as a chain of states, each a value that consumes one
 * handshake message (or ChangeCipherSpec) and returns the next state:
 *
 *     ExpectClientHello ──(full)──▶ [ExpectClientCertificate] ─▶ ExpectClientKeyExchange
 *            │                                                          │
 *            │ (resumed: ServerHello [NewSessionTicket] CCS Finished)   ▼
 *            │                                           [ExpectCertificateVerify]
 *            ▼                                                          │
 *     ExpectChangeCipherSpec ◀──────────────────────────────────────────┘
 *            │
 *            ▼
 *     ExpectFinished ─(full: [NewSessionTicket] CCS Finished)─▶ ServerEstablished
 *
 * Suite choice is the server's preference among the client's suites that fit the certificate key,
 * have a common group (ECDHE, RFC 8422 §5.1; DHE, RFC 7919 §4) and a common signature algorithm
 * (RFC 5246 §7.4.1.4.1).
 * The RSA premaster secret is decrypted with the RFC 5246 §7.4.7.1 countermeasure: any failure gives
 * a random premaster, with no alert of its own and the same work. Resumption by session ID (through
 * a {@link Tls12SessionStore}) and by ticket (RFC 5077) follows RFC 7627 §5.3. Each state holds one
 * value, what the handshake knows so far, and hands it on grown. Renegotiation is refused with a
 * no_renegotiation warning and the connection goes on (RFC 5246 §7.2.2, RFC 5746 §4.4): the server
 * answers a ClientHello after the handshake so, the client a HelloRequest.
 * @module
 */
import { TlswireError } from '../../bytes/errors.js';
import { concat, wipe } from '../../bytes/hex.js';
import { NobleProvider } from '../../crypto/noble.js';
import type { CryptoProvider, PublicKey } from '../../crypto/provider.js';
import type { Tls12CipherSuite } from '../../crypto/tls12-key-schedule.js';
import {
  AlertDescription,
  CipherSuite,
  ClientCertificateType,
  ECPointFormat,
  ProtocolVersion,
} from '../../tls/enums.js';
import { TlsAlertError } from '../../tls/errors.js';
import { type Extension, findExtension } from '../../tls/extensions.js';
import type { ClientHello } from '../../tls/messages/hello.js';
import { DOWNGRADE_TLS12, groupName, keyExchangeStep } from '../common.js';
import { groupNames, HandshakeAlertError, schemeNames, suiteNames, versionNames } from '../diagnosis.js';
import { Machine, type Present, stepper } from '../endpoint.js';
import {
  certificateRequestInfo,
  checkLegacyVersion,
  requestedServerName,
  selectAlpn,
  selectCertificate,
  unexpected,
  verifyPeerChain,
} from '../policy.js';
import type { CertificateVerifier, CertifiedKey } from '../types.js';
import { clientVerifier } from '../verifier.js';
import {
  chooseDheGroup,
  chooseTls12Scheme,
  dhePremaster,
  dheServerParams,
  emitTls12Negotiated,
  type HelloAgreement,
  initialRenegotiationInfo,
  isEcdheGroup,
  signedServerKeyExchange,
  suiteFitsKey,
  Tls12Secrets,
  type Tls12Settings,
  Tls12Transcript,
  tls12Settings,
  verifyCertificateVerify,
} from './common.js';
import { type Tls12Context, Tls12Endpoint } from './endpoint.js';
import type { Tls12Input } from './records.js';
import type { Tls12Event, Tls12ServerConfig, Tls12SessionState } from './types.js';

/** The server configuration with every default filled in. */
export interface ServerSettings extends Tls12Settings {
  config: Tls12ServerConfig;
  clientAuth: 'none' | 'optional' | 'require';
  /** `config.verifyClient`, or the default verifier over `config.clientRoots`. */
  verifyClient: CertificateVerifier | undefined;
}

/** What the server states share: settings, the connection core and its TLS 1.2 keys. Passed to every `handle`. */
export interface Tls12ServerContext extends Tls12Context {
  readonly settings: ServerSettings;
}

/** A TLS 1.2 server state: consumes one input, returns the next state. */
export interface Tls12ServerState {
  readonly name: string;
  /** The session this handshake creates or resumes, once known (forgotten if the connection fails). */
  readonly sessionId?: Uint8Array;
  handle(cx: Tls12ServerContext, input: Tls12Input): Tls12ServerState;
}

/**
 * The handshake so far, the one value each state carries and hands on, grown as the handshake goes:
 * first what the ClientHello settled, with our suite and session ID as our ServerHello sends them.
 */
interface ServerHandshake extends HelloAgreement {
  clientVersion: number;
  /** We promised a NewSessionTicket (RFC 5077 §3.2). */
  issueTicket: boolean;
}

/** A client's certificate chain and its leaf's key. */
interface ClientIdentity {
  chain: Uint8Array[];
  key: PublicKey;
}

/** …then, in a full handshake, the key exchange in progress (RFC 5246 §7.3, Figure 1). */
interface FullHandshake extends ServerHandshake {
  certified: CertifiedKey;
  /** ECDHE or DHE: our ephemeral private key and its group. */
  ephemeral: { group: number; privateKey: Uint8Array } | undefined;
  /** Signature algorithms we put in our CertificateRequest, when we sent one. */
  requested: readonly number[] | undefined;
  /** The client's certificate, once received and verified. */
  client?: ClientIdentity;
}

/** …then, after a client certificate and ClientKeyExchange, the secrets while CertificateVerify is awaited. */
interface Verifying extends FullHandshake {
  secrets: Tls12Secrets;
  client: ClientIdentity;
}

/** …then, once the master secret is known, the secrets up to the client's Finished (RFC 5246 §7.3). */
interface Keyed extends ServerHandshake {
  secrets: Tls12Secrets;
  /** A full handshake: our [NewSessionTicket] CCS Finished follow the client's Finished. */
  full: boolean;
  /** The client's verified certificate, reported once the handshake is done. */
  client?: ClientIdentity;
}

/** What the steps after the ClientHello add. */
type Learned = Omit<FullHandshake & Keyed, keyof HelloSettled>;

/** Every field a server handshake value has: those of the later steps undefined until they are known. */
type ServerHandshakeFields = HelloSettled & Present<Learned>;

/** `hs` with every field of {@link ServerHandshakeFields}, in one order (see {@link Present}). */
function serverHandshake(hs: HelloSettled & Partial<Learned>): ServerHandshakeFields {
  return {
    transcript: hs.transcript,
    clientVersion: hs.clientVersion,
    serverRandom: hs.serverRandom,
    ems: hs.ems,
    alpn: hs.alpn,
    serverName: hs.serverName,
    secureRenegotiation: hs.secureRenegotiation,
    suite: hs.suite,
    sessionId: hs.sessionId,
    issueTicket: hs.issueTicket,
    certified: hs.certified,
    ephemeral: hs.ephemeral,
    requested: hs.requested,
    client: hs.client,
    secrets: hs.secrets,
    full: hs.full,
  };
}

/** The next handshake value: `hs` with `changes`, in one hidden class. */
const advance = stepper(serverHandshake);

/** The server's choice of suite, group and signature algorithm for a full handshake. */
interface Choice {
  suite: Tls12CipherSuite;
  group: number | undefined;
  scheme: number | undefined;
}

/**
 * Our most preferred suite the client offers that fits our key; for ECDHE also a group the client
 * supports (RFC 8422 §5.1: any of ours when it sends none) with uncompressed points, for DHE an RFC
 * 7919 group as §4 says ({@link chooseDheGroup}), and a signature algorithm it accepts (RFC 5246
 * §7.4.1.4.1; without the extension only SHA-1, which we refuse).
 * @throws HandshakeAlertError handshake_failure when nothing fits, naming what each side has
 */
function choose(cx: Tls12ServerContext, hello: ClientHello, certified: CertifiedKey): Choice {
  const { settings } = cx;
  const clientGroups = findExtension(hello.extensions, 'supported_groups')?.groups;
  const formats = findExtension(hello.extensions, 'ec_point_formats')?.formats;
  const clientSchemes = findExtension(hello.extensions, 'signature_algorithms')?.schemes ?? [];
  const group = settings.groups.find((g) => isEcdheGroup(g) && (clientGroups ? clientGroups.includes(g) : true));
  const keyBits = certified.key.type === 'rsa' ? certified.key.n.toString(2).length : 0;
  const dheGroup = chooseDheGroup(settings.dheGroups, clientGroups, keyBits);
  const pointsOk = !formats || formats.includes(ECPointFormat.uncompressed);
  const scheme = chooseTls12Scheme(settings.schemes, clientSchemes, certified.key);
  for (const suite of settings.suites) {
    if (!hello.cipherSuites.includes(suite.value) || !suiteFitsKey(suite, certified.key)) continue;
    if (suite.keyExchange === 'rsa') return { suite, group: undefined, scheme: undefined };
    if (suite.keyExchange === 'dhe_rsa') {
      if (dheGroup !== undefined && scheme !== undefined) return { suite, group: dheGroup, scheme };
      continue;
    }
    if (group !== undefined && pointsOk && scheme !== undefined) return { suite, group, scheme };
  }
  const dheWanted = settings.suites.some(
    (s) => s.keyExchange === 'dhe_rsa' && hello.cipherSuites.includes(s.value) && suiteFitsKey(s, certified.key),
  );
  if (dheWanted && dheGroup === undefined) {
    // RFC 7919 §4: FFDHE groups offered, none acceptable, and no other suite will do.
    throw new HandshakeAlertError(
      AlertDescription.insufficient_security,
      `no FFDHE group in common for DHE: we accept ${groupNames(settings.dheGroups)}; the client supports ${groupNames(clientGroups ?? [])} (RFC 7919 §4)`,
      "enable one of the client's FFDHE groups (groups)",
    );
  }
  throw noChoice(cx, hello, certified, { group, clientGroups, pointsOk, clientSchemes });
}

const KEY_TYPE_NAMES: Readonly<Record<CertifiedKey['key']['type'], string>> = {
  rsa: 'RSA',
  ec: 'ECDSA',
  ed25519: 'Ed25519',
};

/** Why {@link choose} found nothing: the first of suites, key type, groups, points, signatures that fails. */
function noChoice(
  cx: Tls12ServerContext,
  hello: ClientHello,
  certified: CertifiedKey,
  client: {
    /** Our group for ECDHE, if there is one. */
    group: number | undefined;
    clientGroups: readonly number[] | undefined;
    pointsOk: boolean;
    clientSchemes: readonly number[];
  },
): HandshakeAlertError {
  const { settings } = cx;
  const ours = settings.suites.map((s) => s.value);
  const common = settings.suites.filter((s) => hello.cipherSuites.includes(s.value));
  const keyType = KEY_TYPE_NAMES[certified.key.type];
  const fail = (reason: string, hint: string) =>
    new HandshakeAlertError(AlertDescription.handshake_failure, `${reason} (RFC 5246 §7.4.1.3)`, hint);
  if (common.length === 0) {
    return fail(
      `no cipher suite in common: we offered ${suiteNames(ours)}; the client offered ${suiteNames(hello.cipherSuites)}`,
      "enable one of the client's cipher suites (cipherSuites)",
    );
  }
  const fitting = common.filter((s) => suiteFitsKey(s, certified.key));
  if (fitting.length === 0) {
    return fail(
      `no cipher suite in common fits our ${keyType} certificate: we share ${suiteNames(common.map((s) => s.value))} with the client`,
      `use a certificate whose key fits one of them, or enable a suite for our ${keyType} key that the client offers`,
    );
  }
  const usable = settings.groups.filter((g) => groupName(g));
  if (client.group === undefined) {
    return fail(
      `no key-exchange group in common for ECDHE: we accept ${groupNames(usable)}; the client supports ${groupNames(client.clientGroups ?? [])}`,
      "enable one of the client's groups (groups)",
    );
  }
  if (!client.pointsOk) {
    return fail(
      'the client does not accept uncompressed EC points in ec_point_formats (RFC 8422 §5.1.2)',
      'the client must support the uncompressed point format',
    );
  }
  return fail(
    `no signature algorithm in common for our ${keyType} key: we accept ${schemeNames(settings.schemes)}; the client accepts ${schemeNames(client.clientSchemes)}`,
    "enable one of the client's signature algorithms (signatureSchemes), or use a certificate it can verify",
  );
}

/** Waiting for the ClientHello (RFC 5246 §7.4.1.2). */
export class ExpectClientHello implements Tls12ServerState {
  readonly name = 'ExpectClientHello';

  handle(cx: Tls12ServerContext, input: Tls12Input): Tls12ServerState {
    if (input.type !== 'client_hello') throw unexpected('RFC 5246 §7.3', this.name, input);
    const { core, settings } = cx;
    const { config } = settings;
    checkOffersTls12(input);
    if (!input.compressionMethods.includes(0)) {
      throw new TlsAlertError(
        AlertDescription.illegal_parameter,
        'the null compression method is missing (RFC 5246 §7.4.1.2)',
      );
    }
    const reneg = initialRenegotiationInfo(input.extensions, 'RFC 5746 §3.6');
    const secureRenegotiation =
      reneg !== undefined || input.cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    const ems = findExtension(input.extensions, 'extended_master_secret') !== undefined;
    if (!ems && config.extendedMasterSecret === 'require') {
      throw new TlsAlertError(
        AlertDescription.handshake_failure,
        'the client does not offer the extended master secret (RFC 7627 §5.2)',
      );
    }
    const serverName = requestedServerName(input);
    const alpn = selectAlpn(config.alpn, input);
    core.setClientRandom(input.random);
    const transcript = new Tls12Transcript().add(input.raw);
    const ticketExt = findExtension(input.extensions, 'session_ticket');
    const ticketsOn = config.ticketer !== undefined && ticketExt !== undefined;
    const serverRandom = core.provider.random(32);
    if (config.tls13Supported) serverRandom.set(DOWNGRADE_TLS12, 24);
    const common: HelloSettled = {
      transcript,
      clientVersion: input.version,
      serverRandom,
      ems,
      alpn,
      serverName,
      secureRenegotiation,
    };
    const resumable = findSession(cx, input, ticketsOn ? ticketExt.ticket : undefined);
    if (resumable) return resumeSession(cx, common, resumable);
    // RFC 7627 §5.3: a session without the extended master secret is never resumed (unless configured
    // for legacy peers), so it gets no session ID and no ticket.
    const issue = ems || config.allowResumptionWithoutEms === true;
    const sessionId = config.sessionStore && issue ? core.provider.random(32) : new Uint8Array(0);
    return startFullHandshake(cx, input, advance(common, { sessionId, issueTicket: ticketsOn && issue }));
  }
}

/**
 * The client must offer TLS 1.2: in supported_versions when it sends one (RFC 8446 §4.2.1: then
 * legacy_version is ignored), else by legacy_version (RFC 5246 Appendix E.1); otherwise protocol_version.
 */
function checkOffersTls12(hello: ClientHello): void {
  checkLegacyVersion(hello.version, 'ClientHello');
  const versions = findExtension(hello.extensions, 'supported_versions');
  const listed = versions?.form === 'client_hello' ? versions.versions : undefined;
  if (listed ? listed.includes(ProtocolVersion.TLS1_2) : hello.version >= ProtocolVersion.TLS1_2) return;
  const offered = listed
    ? versionNames(listed)
    : `${versionNames([hello.version])} at most (legacy_version, no supported_versions)`;
  const newer = listed?.some((v) => v === ProtocolVersion.TLS1_3);
  throw new HandshakeAlertError(
    AlertDescription.protocol_version,
    `no version in common: the client offers ${offered}; this server speaks TLS 1.2 only`,
    newer
      ? 'the client speaks only TLS 1.3: enable TLS 1.3 on the server (NegotiatingServer, or maxVersion TLSv1.3)'
      : 'the client speaks only versions before TLS 1.2, which this library does not implement (RFC 8996 deprecates them)',
  );
}

/** What the ClientHello settled before the server picks a suite or a session. */
type HelloSettled = Omit<ServerHandshake, 'suite' | 'sessionId' | 'issueTicket'>;

/**
 * The abbreviated handshake (RFC 5246 §7.3, Figure 2): ServerHello echoing the session ID,
 * [NewSessionTicket when resumed by ticket, RFC 5077 §3.1], ChangeCipherSpec, Finished.
 */
function resumeSession(
  cx: Tls12ServerContext,
  common: HelloSettled,
  resumable: { state: Tls12SessionState; byTicket: boolean; sessionId: Uint8Array },
): Tls12ServerState {
  const { core, settings } = cx;
  const { state, byTicket, sessionId } = resumable;
  const suite = settings.suites.find((s) => s.value === state.cipherSuite)!;
  const hs: ServerHandshake = advance(common, { suite, sessionId, issueTicket: byTicket });
  cx.keys.setSuite(suite);
  sendServerHello(cx, hs, false);
  emitTls12Negotiated(core, hs, true, undefined);
  const secrets = Tls12Secrets.resumed(core, hs, state.masterSecret);
  wipe(state.masterSecret);
  core.secret('CLIENT_RANDOM', secrets.master.secret);
  const keyed: Keyed = advance(hs, { secrets, full: false });
  sendFinishedFlight(cx, keyed);
  return new ExpectChangeCipherSpec(keyed);
}

/**
 * The server's flight of a full handshake (RFC 5246 §7.3, Figure 1): ServerHello, Certificate,
 * ServerKeyExchange (ECDHE, signed over both randoms and the params, RFC 8422 §5.4),
 * [CertificateRequest], ServerHelloDone.
 */
function startFullHandshake(
  cx: Tls12ServerContext,
  hello: ClientHello,
  settled: HelloSettled & { sessionId: Uint8Array; issueTicket: boolean },
): Tls12ServerState {
  const { core, settings } = cx;
  const { transcript, serverRandom } = settled;
  const info = { ...certificateRequestInfo(hello), serverName: settled.serverName };
  const fits = (key: CertifiedKey['key']) =>
    settings.suites.some(
      (s) =>
        hello.cipherSuites.includes(s.value) &&
        suiteFitsKey(s, key) &&
        (s.keyExchange === 'rsa' || chooseTls12Scheme(settings.schemes, info.signatureSchemes, key) !== undefined),
    );
  const certified = selectCertificate(settings.config.certificate, info, fits);
  const { suite, group, scheme } = choose(cx, hello, certified);
  cx.keys.setSuite(suite);
  const hs: ServerHandshake = advance(settled, { suite });
  const pointFormats = findExtension(hello.extensions, 'ec_point_formats') !== undefined;
  sendServerHello(cx, hs, suite.keyExchange.startsWith('ecdhe') && pointFormats);
  emitTls12Negotiated(core, hs, false, group);
  transcript.add(core.send({ type: 'certificate', version: 'tls12', certificates: certified.chain }));
  let ephemeral: FullHandshake['ephemeral'];
  if (group !== undefined && scheme !== undefined) {
    const pair = core.provider.keyExchange(groupName(group)!).generate();
    ephemeral = { group, privateKey: pair.privateKey };
    const share =
      suite.keyExchange === 'dhe_rsa'
        ? dheServerParams(group, pair.share)
        : { namedGroup: group, publicKey: pair.share };
    transcript.add(core.send(signedServerKeyExchange(core, serverRandom, share, { key: certified.key, scheme })));
  }
  let requested: readonly number[] | undefined;
  if (settings.clientAuth !== 'none') {
    requested = settings.schemes;
    transcript.add(
      core.send({
        type: 'certificate_request',
        version: 'tls12',
        certificateTypes: [ClientCertificateType.rsa_sign, ClientCertificateType.ecdsa_sign],
        signatureAlgorithms: [...requested],
        certificateAuthorities: [],
      }),
    );
  }
  transcript.add(core.send({ type: 'server_hello_done' }));
  const full: FullHandshake = advance(hs, { certified, ephemeral, requested });
  if (requested) return new ExpectClientCertificate(full);
  return new ExpectClientKeyExchange(full);
}

/**
 * The session the ClientHello asks to resume, if we can: from the ticket (RFC 5077 §3.1) or the
 * session cache, unexpired, with a suite we both still offer and the same server name (RFC 6066 §3).
 * RFC 7627 §5.3: a session with the extended master secret offered without it aborts with
 * handshake_failure; one without it is resumed only under `allowResumptionWithoutEms` by a client
 * that again omits the extension, else never (full handshake).
 */
function findSession(
  cx: Tls12ServerContext,
  hello: ClientHello,
  ticket: Uint8Array | undefined,
): { state: Tls12SessionState; byTicket: boolean; sessionId: Uint8Array } | undefined {
  const { config } = cx.settings;
  let state: Tls12SessionState | undefined;
  let byTicket = false;
  if (ticket && ticket.length > 0) {
    state = config.ticketer?.open(ticket);
    byTicket = state !== undefined;
  }
  if (!state && hello.sessionId.length > 0) state = config.sessionStore?.get(hello.sessionId);
  if (!state) return undefined;
  const ems = findExtension(hello.extensions, 'extended_master_secret') !== undefined;
  const serverName = requestedServerName(hello);
  const usable =
    cx.settings.now() < state.issuedAt + state.lifetime * 1000 &&
    hello.cipherSuites.includes(state.cipherSuite) &&
    cx.settings.suites.some((s) => s.value === state.cipherSuite) &&
    state.serverName === serverName;
  if (!usable) return undefined;
  if (state.extendedMasterSecret && !ems) {
    throw new TlsAlertError(
      AlertDescription.handshake_failure,
      'resumption of an extended-master-secret session without the extension (RFC 7627 §5.3)',
    );
  }
  // Not extended: resumed only for a legacy configuration, and only by a client that again omits the
  // extension (RFC 7627 §5.3: with it, a full handshake).
  if (!state.extendedMasterSecret && (ems || !config.allowResumptionWithoutEms)) return undefined;
  // RFC 5077 §3.4: a ticket is accepted by echoing the client's session ID; a cached session has its own.
  return { state, byTicket, sessionId: hello.sessionId.slice() };
}

/** ServerHello (RFC 5246 §7.4.1.3) with the extensions answering the client's. */
function sendServerHello(cx: Tls12ServerContext, hs: ServerHandshake, ecdhe: boolean): void {
  const extensions: Extension[] = [];
  if (hs.secureRenegotiation)
    extensions.push({ kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) });
  if (hs.ems) extensions.push({ kind: 'extended_master_secret' });
  if (ecdhe) extensions.push({ kind: 'ec_point_formats', formats: [ECPointFormat.uncompressed] });
  if (hs.alpn !== undefined) extensions.push({ kind: 'application_layer_protocol_negotiation', protocols: [hs.alpn] });
  if (hs.issueTicket) extensions.push({ kind: 'session_ticket', ticket: new Uint8Array(0) });
  hs.transcript.add(
    cx.core.send({
      type: 'server_hello',
      isHelloRetryRequest: false,
      version: ProtocolVersion.TLS1_2,
      random: hs.serverRandom,
      sessionId: hs.sessionId,
      cipherSuite: hs.suite.value,
      compressionMethod: 0,
      extensions,
    }),
  );
}

/** Waiting for the client's Certificate after our CertificateRequest (RFC 5246 §7.4.6). */
export class ExpectClientCertificate implements Tls12ServerState {
  readonly name = 'ExpectClientCertificate';
  constructor(private readonly hs: FullHandshake) {}

  handle(cx: Tls12ServerContext, input: Tls12Input): Tls12ServerState {
    if (input.type !== 'certificate' || input.version !== 'tls12') throw unexpected('RFC 5246 §7.3', this.name, input);
    const { settings } = cx;
    const { hs } = this;
    hs.transcript.add(input.raw);
    if (input.certificates.length === 0) {
      if (settings.clientAuth === 'require') {
        throw new TlsAlertError(AlertDescription.handshake_failure, 'the client sent no certificate (RFC 5246 §7.4.6)');
      }
      return new ExpectClientKeyExchange(hs);
    }
    const chain = input.certificates.map((c) => c.slice());
    const verify = settings.verifyClient;
    if (!verify) throw new TlswireError('Tls12Server: clientAuth without verifyClient or clientRoots');
    const key = verifyPeerChain(verify, chain, { serverName: hs.serverName, now: settings.now() });
    return new ExpectClientKeyExchange(advance(hs, { client: { chain, key } }));
  }
}

/** Waiting for ClientKeyExchange (RFC 5246 §7.4.7, RFC 8422 §5.7). */
export class ExpectClientKeyExchange implements Tls12ServerState {
  readonly name = 'ExpectClientKeyExchange';
  constructor(private readonly hs: FullHandshake) {}

  handle(cx: Tls12ServerContext, input: Tls12Input): Tls12ServerState {
    if (input.type !== 'client_key_exchange') throw unexpected('RFC 5246 §7.3', this.name, input);
    const { core } = cx;
    const provider = core.provider;
    const { hs } = this;
    let premaster: Uint8Array;
    if (input.keyExchange === 'ecdhe' && hs.ephemeral) {
      const { group, privateKey } = hs.ephemeral;
      const kx = provider.keyExchange(groupName(group)!);
      premaster = keyExchangeStep(() => kx.decapsulate(privateKey, input.publicKey));
      wipe(privateKey);
    } else if (input.keyExchange === 'dhe' && hs.ephemeral) {
      premaster = dhePremaster(provider, hs.ephemeral.group, hs.ephemeral.privateKey, input.publicKey);
      wipe(hs.ephemeral.privateKey);
    } else if (input.keyExchange === 'rsa' && hs.certified.key.type === 'rsa') {
      // RFC 5246 §7.4.7.1: on any failure continue with client_version ‖ 46 random bytes, no alert.
      const version = Uint8Array.of(hs.clientVersion >>> 8, hs.clientVersion & 0xff);
      const fallback = concat(version, provider.random(46));
      const { message } = provider.rsaDecryptPremaster(hs.certified.key, input.encryptedPreMasterSecret, 48, fallback);
      premaster = concat(version, message.subarray(2));
      wipe(message, fallback);
    } else {
      throw unexpected('RFC 5246 §7.3', this.name, input);
    }
    hs.transcript.add(input.raw);
    const secrets = Tls12Secrets.fromPremaster(core, hs, premaster);
    if (hs.client) return new ExpectCertificateVerify(advance(hs, { secrets, client: hs.client }));
    return new ExpectChangeCipherSpec(advance(hs, { secrets, full: true }));
  }
}

/** Waiting for the client's CertificateVerify (RFC 5246 §7.4.8). */
export class ExpectCertificateVerify implements Tls12ServerState {
  readonly name = 'ExpectCertificateVerify';
  constructor(private readonly hs: Verifying) {}

  handle(cx: Tls12ServerContext, input: Tls12Input): Tls12ServerState {
    if (input.type !== 'certificate_verify') throw unexpected('RFC 5246 §7.3', this.name, input);
    const { hs } = this;
    verifyCertificateVerify(cx.core, hs.transcript, hs.requested ?? [], hs.client.key, input);
    hs.transcript.add(input.raw);
    return new ExpectChangeCipherSpec(advance(hs, { full: true }));
  }
}

/** A state once the master secret is known: it carries the secrets to the client's Finished (RFC 5246 §7.3). */
export abstract class KeyedState implements Tls12ServerState {
  abstract readonly name: string;
  constructor(protected readonly hs: Keyed) {}

  /** The session this handshake creates or resumes (forgotten if the connection fails, RFC 5246 §7.2.2). */
  get sessionId(): Uint8Array {
    return this.hs.sessionId;
  }

  abstract handle(cx: Tls12ServerContext, input: Tls12Input): Tls12ServerState;
}

/** Waiting for the client's ChangeCipherSpec: its records are protected from here on. */
export class ExpectChangeCipherSpec extends KeyedState {
  readonly name = 'ExpectChangeCipherSpec';

  handle(cx: Tls12ServerContext, input: Tls12Input): Tls12ServerState {
    if (input.type !== 'change_cipher_spec') throw unexpected('RFC 5246 §7.3', this.name, input);
    this.hs.secrets.receiveChangeCipherSpec(cx);
    return new ExpectFinished(this.hs);
  }
}

/**
 * [NewSessionTicket] ChangeCipherSpec Finished (RFC 5077 §3.3, RFC 5246 §7.1, §7.4.9): after the
 * client's Finished in a full handshake, right after ServerHello in an abbreviated one.
 */
function sendFinishedFlight(cx: Tls12ServerContext, hs: Keyed): void {
  const { core, settings } = cx;
  const ticketer = settings.config.ticketer;
  if (hs.issueTicket && ticketer) {
    const ticket = ticketer.seal(sessionState(cx, hs));
    hs.transcript.add(
      core.send({ type: 'new_session_ticket', version: 'tls12', lifetimeHint: settings.lifetime, ticket }),
    );
  }
  hs.secrets.sendChangeCipherSpecAndFinished(cx, hs.transcript);
}

/** What we keep to resume this session: in the session cache, or sealed in a ticket. */
function sessionState(cx: Tls12ServerContext, hs: Keyed): Tls12SessionState {
  return {
    cipherSuite: hs.suite.value,
    masterSecret: hs.secrets.master.secret.slice(),
    extendedMasterSecret: hs.ems,
    issuedAt: cx.settings.now(),
    lifetime: cx.settings.lifetime,
    serverName: hs.serverName,
    alpn: hs.alpn,
  };
}

/** Waiting for the client's Finished (RFC 5246 §7.4.9). */
export class ExpectFinished extends KeyedState {
  readonly name = 'ExpectFinished';

  handle(cx: Tls12ServerContext, input: Tls12Input): Tls12ServerState {
    if (input.type !== 'finished') throw unexpected('RFC 5246 §7.3', this.name, input);
    const { core, settings } = cx;
    const { hs } = this;
    hs.secrets.checkPeerFinished(cx, hs.transcript, input);
    if (hs.full) {
      sendFinishedFlight(cx, hs);
      if (hs.sessionId.length > 0) settings.config.sessionStore?.put(hs.sessionId, sessionState(cx, hs));
    }
    if (hs.client) core.emit({ kind: 'peer-certificate', chain: hs.client.chain });
    cx.keys.setEstablished(hs.secrets.master, hs.ems);
    core.emit({ kind: 'established' });
    return new ServerEstablished(hs.sessionId);
  }
}

/** After the handshake: any handshake message but a ClientHello is unexpected. */
export class ServerEstablished implements Tls12ServerState {
  readonly name = 'ServerEstablished';
  constructor(readonly sessionId: Uint8Array) {}

  handle(_cx: Tls12ServerContext, input: Tls12Input): Tls12ServerState {
    throw unexpected('RFC 5246 §7.3', this.name, input);
  }
}

/**
 * A TLS 1.2 server connection (RFC 5246). Sans-IO: feed it the client's bytes with {@link handle},
 * call {@link write} and {@link close}; every call returns the events to act on.
 * @example
 * const server = new Tls12Server({ certificate: { chain, key }, sessionStore: new MemorySessionStore() });
 * // client certificates: { clientAuth: 'require', clientRoots: TrustStore.fromPem(caBundle) }
 * socket.on('data', (b) => act(server.handle(b)));
 */
export class Tls12Server extends Tls12Endpoint<Tls12ServerContext, Tls12ServerMachine> {
  /**
   * @throws TypeError without a TLS 1.2 cipher suite, or for clientAuth without `verifyClient` or
   *   `clientRoots` (the default verifier: purpose clientAuth at the `now` clock's time, RFC 5280 §6.1)
   * @throws CertificateError when a client root or intermediate does not parse
   */
  constructor(config: Tls12ServerConfig) {
    const provider = config.provider ?? new NobleProvider();
    const settings = tls12ServerSettings('Tls12Server', config, provider);
    super('server', config, provider, (io) => new Tls12ServerMachine({ core: io.core, keys: io.keys, settings }));
  }

  protected override run(f: () => void): Tls12Event[] {
    return this.machine.forgetOnFailure(super.run(f));
  }
}

/** The TLS 1.2 server's states, with the rules that hold around them. */
export class Tls12ServerMachine extends Machine<Tls12ServerContext> {
  constructor(cx: Tls12ServerContext, current: Tls12ServerState = new ExpectClientHello()) {
    super(cx, current);
  }

  override input(input: Tls12Input): void {
    if (input.type === 'client_hello' && this.cx.core.established) {
      // Client-initiated renegotiation is refused as RFC 5246 §7.2.2 and RFC 5746 §4.4 say, and as
      // OpenSSL does: a no_renegotiation warning, the ClientHello dropped, the connection still usable.
      this.cx.core.sendAlert(AlertDescription.no_renegotiation_RESERVED);
      return;
    }
    super.input(input);
  }

  /** RFC 5246 §7.2.2: after a fatal alert, sent or received, the session must not be resumed. */
  forgetOnFailure<E extends { kind: string }>(events: E[]): E[] {
    const id = (this.current as Tls12ServerState | undefined)?.sessionId;
    if (id && id.length > 0 && events.some((e) => e.kind === 'error')) this.cx.settings.config.sessionStore?.remove(id);
    return events;
  }
}

/**
 * The server configuration with every default filled in.
 * @throws TypeError without a TLS 1.2 cipher suite, or for client authentication without a verifier
 */
export function tls12ServerSettings(who: string, config: Tls12ServerConfig, provider: CryptoProvider): ServerSettings {
  // One literal with every field (see Present): `{ ...base, config }` would make a new hidden class per call.
  const { suites, groups, dheGroups, schemes, lifetime, now } = tls12Settings(who, config);
  return {
    suites,
    groups,
    dheGroups,
    schemes,
    lifetime,
    now,
    config,
    clientAuth: config.clientAuth ?? 'none',
    verifyClient: clientVerifier(who, config, provider),
  };
}

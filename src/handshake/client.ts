/**
 * The TLS 1.3 client (RFC 8446 §2, §4, Appendix A.1) as a chain of states: each state is a value
 * that consumes one handshake message and returns the next state:
 *
 *     start ─▶ ExpectServerHello ─(HRR)─▶ ExpectServerHello
 *                    │
 *                    ▼
 *     ExpectEncryptedExtensions ─▶ ExpectCertificateOrRequest ─▶ ExpectCertificate
 *                    │ (PSK)                  │                        │
 *                    │                        ▼                        ▼
 *                    │              ExpectCertificateVerify ◀──────────┘
 *                    ▼                        │
 *              ExpectFinished ◀───────────────┘  ─▶ ClientEstablished
 *
 * The data a state needs travels forward in one {@link ClientHandshake} value, which each step
 * passes on with what it learned added; the connection core (record layer, keys, events) is the I/O
 * every state is handed. Also: HelloRetryRequest (§4.1.4),
 * PSK resumption and 0-RTT (§2.2, §2.3, §4.2.10, §4.2.11), client authentication (§4.3.2, §4.4.2),
 * middlebox compatibility (§D.4), record_size_limit (RFC 8449), NewSessionTicket (§4.6.1) and
 * KeyUpdate (§4.6.3). What the server shares (endpoint, Certificate/CertificateVerify/Finished, the
 * states that check the peer's CertificateVerify and Finished) is in src/handshake/tls13-shared.ts.
 * @module
 */
import { TlswireError } from '../bytes/errors.js';
import { constantTimeEqual, toHex, wipe } from '../bytes/hex.js';
import {
  EarlySecret,
  resumptionPsk,
  type Tls13CipherSuite,
  Transcript,
  tls13CipherSuite,
} from '../crypto/key-schedule.js';
import { NobleProvider } from '../crypto/noble.js';
import { type CryptoProvider, HASH_LENGTH, type KeyShareKeyPair } from '../crypto/provider.js';
import { AlertDescription, NameType, ProtocolVersion, PskKeyExchangeMode } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import { type Extension, findExtension } from '../tls/extensions.js';
import type { CertificateEntry, Tls13CertificateRequest } from '../tls/messages/certificate.js';
import { clientHelloWithoutBinders, type DecodedHandshake, encodeHandshake } from '../tls/messages/handshake.js';
import type { ClientHello, ServerHello } from '../tls/messages/hello.js';
import type { Tls13NewSessionTicket } from '../tls/messages/session.js';
import {
  checkResponseExtensions,
  chooseScheme,
  DEFAULT_CIPHER_SUITES,
  DEFAULT_GROUPS,
  DEFAULT_SIGNATURE_SCHEMES,
  deriveApplicationSecrets,
  deriveEarlySecrets,
  deriveHandshakeSecrets,
  groupName,
  type HandshakeSecrets,
  hasDowngradeSentinel,
  keyExchangeStep,
} from './common.js';
import { HandshakeAlertError, suiteNames } from './diagnosis.js';
import { type Present, type State, stepper } from './endpoint.js';
import { checkLegacyVersion, checkSelectedAlpn, isIpLiteral, unexpected, verifyPeerChain } from './policy.js';
import { checkStaple, type OcspStapleReport, requestsOcsp, statusRequestExtension } from './stapling.js';
import {
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
import type { CertificateVerifier, ClientSession, TlsClientConfig, TlsEvent } from './types.js';
import { serverVerifier } from './verifier.js';

/** The client configuration with every default filled in. */
export interface ClientSettings {
  config: TlsClientConfig;
  /** `verifyServer`, or the default verifier over `roots`. */
  verifyServer: CertificateVerifier;
  suites: readonly number[];
  groups: readonly number[];
  schemes: readonly number[];
  keyShareGroups: readonly number[];
  pskModes: readonly number[];
  compat: boolean;
  now: () => number;
}

/** What the client states share: settings, the connection core and its TLS 1.3 keys. Passed to every `handle`. */
export type ClientContext = Tls13Context<ClientSettings>;

/** A client state: consumes one handshake message, returns the next state. */
export type ClientState = State<ClientContext, DecodedHandshake>;

/**
 * The handshake so far, carried from state to state as one value: what our ClientHello offered and
 * sent. Each step after the ServerHello passes it on with what it learned added ({@link Keyed},
 * {@link Agreed}, the server's certificate).
 */
interface ClientHandshake {
  hello: ClientHello;
  transcript: Transcript;
  shares: KeyShareKeyPair[];
  shareGroups: number[];
  psk: OfferedPsk | undefined;
  earlyDataSent: boolean;
  ccsSent: boolean;
  hrr: { suite: number; group: number | undefined } | undefined;
}

/** The PSK offered in the ClientHello. */
interface OfferedPsk {
  session: ClientSession;
  suite: Tls13CipherSuite;
  early: EarlySecret;
}

/** What the ServerHello adds (RFC 8446 §4.1.3): the cipher suite, the key-exchange group and the handshake secrets. */
interface Keyed {
  suite: Tls13CipherSuite;
  group: number | undefined;
  secrets: HandshakeSecrets;
}

/** What EncryptedExtensions adds (RFC 8446 §4.3.1), and the CertificateRequest (§4.3.2) if one came. */
interface Agreed {
  alpn: string | undefined;
  earlyDataAccepted: boolean;
  certificateRequest?: Tls13CertificateRequest & { raw: Uint8Array };
}

/** The handshake after the ServerHello. */
type AfterServerHello = ClientHandshake & Keyed;

/** The handshake after EncryptedExtensions (and any CertificateRequest). */
type AfterEncryptedExtensions = AfterServerHello & Agreed;

/** The handshake after the server's Certificate: its chain, checked, and its leaf's key. */
type AfterCertificate = AfterEncryptedExtensions & PeerCertificate;

/** What the steps after the ClientHello add. */
type Learned = Keyed & Agreed & PeerCertificate;

/** Every field a client handshake value has: those of the later steps undefined until they are known. */
type ClientHandshakeFields = ClientHandshake & Present<Learned>;

/** `hs` with every field of {@link ClientHandshakeFields}, in one order (see {@link Present}). */
function clientHandshake(hs: ClientHandshake & Partial<Learned>): ClientHandshakeFields {
  return {
    hello: hs.hello,
    transcript: hs.transcript,
    shares: hs.shares,
    shareGroups: hs.shareGroups,
    psk: hs.psk,
    earlyDataSent: hs.earlyDataSent,
    ccsSent: hs.ccsSent,
    hrr: hs.hrr,
    suite: hs.suite,
    group: hs.group,
    secrets: hs.secrets,
    alpn: hs.alpn,
    earlyDataAccepted: hs.earlyDataAccepted,
    certificateRequest: hs.certificateRequest,
    chain: hs.chain,
    key: hs.key,
    ocsp: hs.ocsp,
  };
}

/** The next handshake value: `hs` with `changes`, in one hidden class. */
const advance = stepper(clientHandshake);

/** What the established connection keeps of the handshake. */
interface Established {
  suite: Tls13CipherSuite;
  alpn: string | undefined;
  /** ClientHello … client Finished: the base of a post-handshake authentication's transcript (§4.6.2). */
  transcript: Transcript;
}

/** What a ClientHello carries besides our configuration: the random, session id and key shares. */
interface HelloParts {
  random: Uint8Array;
  sessionId: Uint8Array;
  shares: readonly KeyShareKeyPair[];
  shareGroups: readonly number[];
}

/** What changes between our first and second ClientHello (RFC 8446 §4.1.2). */
interface HelloOptions {
  cookie?: Uint8Array;
  earlyData: boolean;
  psk?: OfferedPsk;
  /** The transcript before this hello: empty, or ClientHello1 (as message_hash) and the HelloRetryRequest. */
  transcript: Transcript;
}

/**
 * Send a ClientHello (RFC 8446 §4.1.2) and add it to `options.transcript`. Returns it with its
 * encoding, as sent.
 */
function sendClientHello(cx: ClientContext, parts: HelloParts, options: HelloOptions): ClientHello {
  const built = buildClientHello(cx, parts, options);
  options.transcript.update(cx.core.send(built.hello, built.raw));
  return built.hello;
}

/**
 * Build a ClientHello (RFC 8446 §4.1.2): our extensions, then the configured edit, the padding
 * (RFC 7685) and the PSK with its binder computed over `options.transcript` (§4.2.11.2). With a PSK
 * it also returns the message's encoding (see {@link bindPsk}), so the hello is encoded once.
 */
function buildClientHello(
  cx: ClientContext,
  parts: HelloParts,
  options: HelloOptions,
): { hello: ClientHello; raw?: Uint8Array } {
  const { config } = cx.settings;
  let hello: ClientHello = {
    type: 'client_hello',
    version: ProtocolVersion.TLS1_2,
    random: parts.random,
    sessionId: parts.sessionId,
    cipherSuites: [...cx.settings.suites],
    compressionMethods: [0],
    extensions: clientHelloExtensions(cx.settings, parts, options),
  };
  if (config.editClientHello) hello = config.editClientHello(hello);
  const psk = options.psk;
  const age = psk ? obfuscatedAge(cx, psk.session) : 0;
  if (config.padding) {
    const unbound = psk ? withPsk(hello, psk, age, new Uint8Array(HASH_LENGTH[psk.suite.hash])) : hello;
    hello = padded(hello, encodeHandshake(unbound).length);
  }
  return psk ? bindPsk(hello, psk, age, options.transcript) : { hello };
}

/**
 * Our ClientHello extensions (RFC 8446 §4.2), in the order we send them: server_name (RFC 6066 §3,
 * never an IP literal), ALPN (RFC 7301), supported_groups, key_share, early_data, supported_versions,
 * signature_algorithms, cookie (echoed after a HelloRetryRequest, §4.2.2), psk_key_exchange_modes,
 * record_size_limit (RFC 8449), post_handshake_auth. pre_shared_key is added last (§4.2.11).
 */
function clientHelloExtensions(settings: ClientSettings, parts: HelloParts, options: HelloOptions): Extension[] {
  const { config } = settings;
  const extensions: Extension[] = [];
  if (config.serverName && !isIpLiteral(config.serverName)) {
    extensions.push({ kind: 'server_name', names: [{ type: NameType.host_name, name: config.serverName }] });
  }
  if (config.alpn?.length)
    extensions.push({ kind: 'application_layer_protocol_negotiation', protocols: [...config.alpn] });
  extensions.push({ kind: 'supported_groups', groups: [...settings.groups] });
  extensions.push({
    kind: 'key_share',
    form: 'client_hello',
    shares: parts.shares.map((s, i) => ({ group: parts.shareGroups[i]!, keyExchange: s.share })),
  });
  if (options.earlyData) extensions.push({ kind: 'early_data' });
  extensions.push({ kind: 'supported_versions', form: 'client_hello', versions: [ProtocolVersion.TLS1_3] });
  extensions.push({ kind: 'signature_algorithms', schemes: [...settings.schemes] });
  if (options.cookie) extensions.push({ kind: 'cookie', cookie: options.cookie });
  extensions.push({ kind: 'psk_key_exchange_modes', modes: [...settings.pskModes] });
  if (config.recordSizeLimit !== undefined)
    extensions.push({ kind: 'record_size_limit', limit: config.recordSizeLimit });
  if (config.postHandshakeAuth) extensions.push({ kind: 'post_handshake_auth' });
  if (requestsOcsp(config)) extensions.push(statusRequestExtension());
  return extensions;
}

/** `hello` with our pre_shared_key extension last (RFC 8446 §4.2.11): the ticket, its age and one binder. */
function withPsk(hello: ClientHello, psk: OfferedPsk, age: number, binder: Uint8Array): ClientHello {
  const extension: Extension = {
    kind: 'pre_shared_key',
    form: 'client_hello',
    identities: [{ identity: psk.session.ticket, obfuscatedTicketAge: age }],
    binders: [binder],
  };
  return { ...hello, extensions: [...(hello.extensions ?? []), extension] };
}

/**
 * RFC 7685 as NSS applies it: a ClientHello of 256..511 bytes (`length`, with its PSK extension) is
 * padded to 512.
 */
function padded(hello: ClientHello, length: number): ClientHello {
  if (length < 256 || length >= 512) return hello;
  const padding = new Uint8Array(Math.max(0, 512 - length - 4));
  return { ...hello, extensions: [...(hello.extensions ?? []), { kind: 'padding', padding }] };
}

/**
 * Add the PSK to `hello` with its binder (RFC 8446 §4.2.11.2): the HMAC over `transcript` and the
 * hello up to its binders. The binder is written into the encoding it was computed over (PskBinderEntry
 * binders<33..2^16-1> is the message's last field), which is returned with the hello.
 */
function bindPsk(
  hello: ClientHello,
  psk: OfferedPsk,
  age: number,
  transcript: Transcript,
): { hello: ClientHello; raw: Uint8Array } {
  const hashLength = HASH_LENGTH[psk.suite.hash];
  const unbound = withPsk(hello, psk, age, new Uint8Array(hashLength));
  const raw = encodeHandshake(unbound);
  const { version, random, sessionId, cipherSuites, compressionMethods, extensions } = unbound;
  // A literal, not `{ ...unbound, raw }`: that would make a new hidden class per call (docs/performance.md).
  const hello13 = { type: unbound.type, version, random, sessionId, cipherSuites, compressionMethods, extensions, raw };
  const truncated = clientHelloWithoutBinders(hello13);
  const t = transcript.clone();
  if (!t.hashName) t.setHash(psk.suite.hash);
  const binder = psk.early.binder('resumption', t.update(truncated).hash());
  // Its one binder is the last hashLength bytes.
  raw.set(binder, raw.length - hashLength);
  return { hello: withPsk(hello, psk, age, binder), raw };
}

function obfuscatedAge(cx: ClientContext, session: ClientSession): number {
  const age = Math.max(0, Math.floor(cx.settings.now() - session.receivedAt));
  return (age + session.ageAdd) % 0x1_0000_0000;
}

function generateShare(cx: ClientContext, group: number): KeyShareKeyPair {
  const name = groupName(group);
  if (!name) throw new TlswireError(`key share for group ${group}, which no provider implements`);
  return cx.core.provider.keyExchange(name).generate();
}

/**
 * The PSK to offer from the configured session, if it is still usable (RFC 8446 §4.6.1): within its
 * lifetime, with a suite of its hash offered, and for the server name it was obtained under (§4.6.1:
 * clients SHOULD only resume with the same SNI; a server of another name would not accept it).
 */
function offerablePsk(cx: ClientContext): OfferedPsk | undefined {
  const session = cx.settings.config.session;
  if (!session || session.serverName !== cx.settings.config.serverName) return undefined;
  const suite = tls13CipherSuite(session.cipherSuite);
  if (!suite) return undefined;
  const hashOffered = cx.settings.suites.some((s) => tls13CipherSuite(s)?.hash === suite.hash);
  const age = cx.settings.now() - session.receivedAt;
  if (!hashOffered || age > session.lifetime * 1000) return undefined;
  return { session, suite, early: EarlySecret.create(cx.core.provider, suite.hash, session.psk) };
}

/**
 * Send the first ClientHello (and 0-RTT data) and return the first state.
 * Randomness is drawn in this order: random (32), legacy_session_id (32, compatibility mode), key shares.
 */
export function startTls13Client(cx: ClientContext): ClientState {
  const { core, settings } = cx;
  const provider = core.provider;
  const random = provider.random(32);
  core.setClientRandom(random);
  const sessionId = settings.compat ? provider.random(32) : new Uint8Array(0);
  const shareGroups = [...settings.keyShareGroups];
  const shares = shareGroups.map((g) => generateShare(cx, g));
  const psk = offerablePsk(cx);
  const earlyData =
    psk !== undefined &&
    settings.config.earlyData !== undefined &&
    psk.session.maxEarlyDataSize >= settings.config.earlyData.length &&
    settings.suites.includes(psk.session.cipherSuite);
  const transcript = new Transcript(provider);
  const hello = sendClientHello(cx, { random, sessionId, shares, shareGroups }, { earlyData, psk, transcript });
  let ccsSent = false;
  if (earlyData && psk) {
    // RFC 8446 §D.4: with early data, the dummy CCS goes right after the first ClientHello.
    if (sessionId.length > 0) {
      cx.keys.sendChangeCipherSpec();
      ccsSent = true;
    }
    transcript.setHash(psk.suite.hash);
    const clientEarly = deriveEarlySecrets(core, psk.early, transcript.hash());
    cx.keys.setWriteKeys('early', psk.suite, clientEarly);
    wipe(clientEarly);
    core.write(settings.config.earlyData!);
  }
  return new ExpectServerHello(
    clientHandshake({ hello, transcript, shares, shareGroups, psk, earlyDataSent: earlyData, ccsSent, hrr: undefined }),
  );
}

/** Waiting for ServerHello or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4). */
export class ExpectServerHello implements ClientState {
  readonly name = 'ExpectServerHello';
  constructor(private readonly hs: ClientHandshake) {}

  handle(cx: ClientContext, message: DecodedHandshake): ClientState {
    if (message.type !== 'server_hello') throw unexpected('RFC 8446 §A.1', this.name, message);
    const sv = findExtension(message.extensions, 'supported_versions');
    if (!sv) {
      // A TLS 1.2 (or older) ServerHello: check the downgrade sentinel first (RFC 8446 §4.1.3).
      if (hasDowngradeSentinel(message.random)) {
        throw new TlsAlertError(AlertDescription.illegal_parameter, 'ServerHello.random carries a downgrade sentinel');
      }
      throw new HandshakeAlertError(
        AlertDescription.protocol_version,
        `peer chose a version we did not offer: a ServerHello without supported_versions (legacy_version 0x${message.version.toString(16)}); we offered only TLS 1.3`,
        'the server speaks TLS 1.2 or older: use NegotiatingClient to allow TLS 1.2',
      );
    }
    if (sv.form !== 'server_hello' || sv.selectedVersion !== ProtocolVersion.TLS1_3) {
      const chosen = sv.form === 'server_hello' ? `0x${sv.selectedVersion.toString(16).padStart(4, '0')}` : 'a list';
      throw new HandshakeAlertError(
        AlertDescription.illegal_parameter,
        `peer chose a version we did not offer: supported_versions selects ${chosen}; we offered only TLS 1.3 (0x0304)`,
      );
    }
    checkLegacyVersion(message.version, 'ServerHello');
    if (message.version !== ProtocolVersion.TLS1_2) {
      throw new TlsAlertError(AlertDescription.illegal_parameter, 'ServerHello.legacy_version is not 0x0303');
    }
    if (!constantTimeEqual(message.sessionId, this.hs.hello.sessionId)) {
      throw new TlsAlertError(AlertDescription.illegal_parameter, 'legacy_session_id_echo differs from ours');
    }
    if (message.compressionMethod !== 0) {
      throw new TlsAlertError(AlertDescription.illegal_parameter, 'legacy_compression_method is not 0');
    }
    const suite = tls13CipherSuite(message.cipherSuite);
    if (!suite || !cx.settings.suites.includes(message.cipherSuite)) {
      throw new HandshakeAlertError(
        AlertDescription.illegal_parameter,
        `peer chose a cipher suite we did not offer: ${suiteNames([message.cipherSuite])}; we offered ${suiteNames(cx.settings.suites)}`,
      );
    }
    if (message.isHelloRetryRequest) return this.#retry(cx, message, suite);
    return this.#serverHello(cx, message, suite);
  }

  /**
   * RFC 8446 §4.1.4: answer a HelloRetryRequest with a second ClientHello: the transcript goes on
   * from the message_hash of the first, a new key share for the group asked for, the cookie echoed,
   * no early data (0-RTT is over), the PSK only if its hash is the suite's.
   */
  #retry(cx: ClientContext, hrr: ServerHello & { raw: Uint8Array }, suite: Tls13CipherSuite): ClientState {
    const hs = this.hs;
    if (hs.hrr) throw new TlsAlertError(AlertDescription.unexpected_message, 'a second HelloRetryRequest');
    const { group, cookie } = checkHelloRetryRequest(cx, hs, hrr);
    hs.transcript.replaceWithMessageHash(suite.hash);
    hs.transcript.update(hrr.raw);
    let shares = hs.shares;
    let shareGroups = hs.shareGroups;
    if (group !== undefined) {
      for (const s of shares) wipe(s.privateKey);
      shares = [generateShare(cx, group)];
      shareGroups = [group];
    }
    const psk = hs.psk && hs.psk.suite.hash === suite.hash ? hs.psk : undefined;
    if (hs.earlyDataSent) cx.keys.clearWriteKeys();
    let ccsSent = hs.ccsSent;
    if (cx.settings.compat && !ccsSent) {
      cx.keys.sendChangeCipherSpec();
      ccsSent = true;
    }
    const parts = { random: hs.hello.random, sessionId: hs.hello.sessionId, shares, shareGroups };
    const hello = sendClientHello(cx, parts, { cookie, earlyData: false, psk, transcript: hs.transcript });
    return new ExpectServerHello(
      advance(hs, {
        hello,
        shares,
        shareGroups,
        psk,
        earlyDataSent: false,
        ccsSent,
        hrr: { suite: suite.value, group },
      }),
    );
  }

  /**
   * RFC 8446 §4.1.3: the ServerHello: the PSK it accepts and the key exchange it completes lead to
   * the handshake secrets (§7.1); we read (and, unless 0-RTT data was sent, write) under them.
   */
  #serverHello(cx: ClientContext, sh: ServerHello & { raw: Uint8Array }, suite: Tls13CipherSuite): ClientState {
    const hs = this.hs;
    const { core } = cx;
    checkResponseExtensions(
      sh.extensions,
      hs.hello.extensions,
      ['key_share', 'pre_shared_key', 'supported_versions'],
      'ServerHello',
    );
    if (hs.hrr && hs.hrr.suite !== suite.value) {
      throw new TlsAlertError(
        AlertDescription.illegal_parameter,
        'ServerHello cipher suite differs from the HelloRetryRequest',
      );
    }
    const psk = acceptedPsk(hs, sh, suite);
    const { group, shared } = completeKeyExchange(cx, hs, sh, psk);
    for (const s of hs.shares) wipe(s.privateKey);
    if (!hs.transcript.hashName) hs.transcript.setHash(suite.hash);
    hs.transcript.update(sh.raw);
    const early = psk ? psk.early : EarlySecret.create(core.provider, suite.hash);
    if (!psk) hs.psk?.early.dispose();
    const secrets = deriveHandshakeSecrets(core, early, shared, hs.transcript.hash());
    wipe(shared);
    cx.keys.setReadKeys('handshake', suite, secrets.serverHandshake);
    if (!hs.earlyDataSent) cx.keys.setWriteKeys('handshake', suite, secrets.clientHandshake);
    return new ExpectEncryptedExtensions(advance(hs, { psk, suite, group, secrets }));
  }
}

/**
 * The checks of a HelloRetryRequest (RFC 8446 §4.1.4): only key_share, cookie and supported_versions,
 * and at least one that changes the ClientHello; a group asked for must be one we support and have
 * not sent a share for. Returns the group and the cookie to echo.
 */
function checkHelloRetryRequest(
  cx: ClientContext,
  hs: ClientHandshake,
  hrr: ServerHello,
): { group: number | undefined; cookie: Uint8Array | undefined } {
  checkResponseExtensions(
    hrr.extensions,
    hs.hello.extensions,
    ['key_share', 'cookie', 'supported_versions'],
    'HelloRetryRequest',
    ['cookie'],
  );
  const keyShare = findExtension(hrr.extensions, 'key_share');
  const cookie = findExtension(hrr.extensions, 'cookie');
  let group: number | undefined;
  if (keyShare) {
    if (keyShare.form !== 'hello_retry_request')
      throw new TlsAlertError(AlertDescription.illegal_parameter, 'malformed key_share');
    group = keyShare.selectedGroup;
    if (!cx.settings.groups.includes(group) || !groupName(group)) {
      throw new TlsAlertError(
        AlertDescription.illegal_parameter,
        `HelloRetryRequest selects group ${group}, not offered`,
      );
    }
    if (hs.shareGroups.includes(group)) {
      throw new TlsAlertError(
        AlertDescription.illegal_parameter,
        `HelloRetryRequest selects group ${group}, already shared`,
      );
    }
  }
  if (!keyShare && !cookie) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      'a HelloRetryRequest that would not change the ClientHello',
    );
  }
  return { group, cookie: cookie?.cookie };
}

/**
 * The PSK a ServerHello accepts (RFC 8446 §4.2.11): the one identity we offered, whose hash is the
 * cipher suite's; undefined when it has no pre_shared_key.
 */
function acceptedPsk(hs: ClientHandshake, sh: ServerHello, suite: Tls13CipherSuite): OfferedPsk | undefined {
  const pskExt = findExtension(sh.extensions, 'pre_shared_key');
  if (!pskExt) return undefined;
  if (pskExt.form !== 'server_hello' || pskExt.selectedIdentity !== 0 || !hs.psk) {
    throw new TlsAlertError(AlertDescription.illegal_parameter, 'pre_shared_key selects an identity we did not offer');
  }
  if (hs.psk.suite.hash !== suite.hash) {
    throw new TlsAlertError(AlertDescription.illegal_parameter, 'the PSK hash differs from the cipher suite hash');
  }
  return hs.psk;
}

/**
 * The key exchange a ServerHello completes (RFC 8446 §4.2.8, §4.2.9): its share must be for a group
 * we sent a share of (the one asked for after a HelloRetryRequest), and comes with a PSK only if we
 * allow psk_dhe_ke; without a share, only a PSK in psk_ke mode. Returns the group and shared secret.
 */
function completeKeyExchange(
  cx: ClientContext,
  hs: ClientHandshake,
  sh: ServerHello,
  psk: OfferedPsk | undefined,
): { group: number | undefined; shared: Uint8Array | undefined } {
  const keyShare = findExtension(sh.extensions, 'key_share');
  if (!keyShare) {
    if (!psk || !cx.settings.pskModes.includes(PskKeyExchangeMode.psk_ke)) {
      throw new TlsAlertError(AlertDescription.missing_extension, 'ServerHello without key_share');
    }
    return { group: undefined, shared: undefined };
  }
  if (keyShare.form !== 'server_hello')
    throw new TlsAlertError(AlertDescription.illegal_parameter, 'malformed key_share');
  if (psk && !cx.settings.pskModes.includes(PskKeyExchangeMode.psk_dhe_ke)) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      'ServerHello accepts our PSK with a key_share, but we offered only psk_ke (RFC 8446 §4.2.9)',
    );
  }
  const group = keyShare.share.group;
  const index = hs.shareGroups.indexOf(group);
  if (index < 0 || (hs.hrr?.group !== undefined && hs.hrr.group !== group)) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      `ServerHello key share for group ${group}, not offered`,
    );
  }
  const pair = hs.shares[index]!;
  const shared = keyExchangeStep(() =>
    cx.core.provider.keyExchange(pair.group).decapsulate(pair.privateKey, keyShare.share.keyExchange),
  );
  return { group, shared };
}

/** Waiting for EncryptedExtensions (RFC 8446 §4.3.1). */
export class ExpectEncryptedExtensions implements ClientState {
  readonly name = 'ExpectEncryptedExtensions';
  constructor(private readonly hs: AfterServerHello) {}

  handle(cx: ClientContext, message: DecodedHandshake): ClientState {
    if (message.type !== 'encrypted_extensions') throw unexpected('RFC 8446 §A.1', this.name, message);
    const hs = this.hs;
    checkResponseExtensions(
      message.extensions,
      hs.hello.extensions,
      ['server_name', 'supported_groups', 'application_layer_protocol_negotiation', 'record_size_limit', 'early_data'],
      'EncryptedExtensions',
    );
    const alpnExt = findExtension(message.extensions, 'application_layer_protocol_negotiation');
    const alpn = alpnExt ? checkSelectedAlpn(cx.settings.config.alpn, alpnExt.protocols) : undefined;
    const limit = findExtension(message.extensions, 'record_size_limit');
    cx.keys.setRecordSizeLimits(limit?.limit, limit !== undefined);
    const earlyDataAccepted = findExtension(message.extensions, 'early_data') !== undefined;
    if (earlyDataAccepted && !hs.earlyDataSent) {
      throw new TlsAlertError(AlertDescription.unsupported_extension, 'early_data accepted but not sent');
    }
    hs.transcript.update(message.raw);
    reportNegotiated(cx.core, hs.suite, {
      group: hs.group,
      alpn,
      resumed: hs.psk !== undefined,
      earlyDataAccepted,
      helloRetry: hs.hrr !== undefined,
      serverName: cx.settings.config.serverName,
    });
    const agreed: AfterEncryptedExtensions = advance(hs, { alpn, earlyDataAccepted });
    return hs.psk ? new ExpectFinished(agreed) : new ExpectCertificateOrRequest(agreed);
  }
}

/** Waiting for CertificateRequest or Certificate (RFC 8446 §4.3.2, §4.4.2). */
export class ExpectCertificateOrRequest implements ClientState {
  readonly name: string = 'ExpectCertificateOrRequest';
  constructor(protected readonly hs: AfterEncryptedExtensions) {}

  handle(cx: ClientContext, message: DecodedHandshake): ClientState {
    if (message.type === 'certificate_request' && message.version === 'tls13') {
      if (message.context.length !== 0) {
        throw new TlsAlertError(
          AlertDescription.illegal_parameter,
          'CertificateRequest context must be empty in the handshake',
        );
      }
      if (!findExtension(message.extensions, 'signature_algorithms')) {
        throw new TlsAlertError(AlertDescription.missing_extension, 'CertificateRequest without signature_algorithms');
      }
      this.hs.transcript.update(message.raw);
      return new ExpectCertificate(advance(this.hs, { certificateRequest: message }));
    }
    if (message.type !== 'certificate' || message.version !== 'tls13')
      throw unexpected('RFC 8446 §A.1', this.name, message);
    if (message.context.length !== 0) {
      throw new TlsAlertError(AlertDescription.illegal_parameter, 'server Certificate context must be empty');
    }
    if (message.entries.length === 0) {
      throw new TlsAlertError(
        AlertDescription.decode_error,
        'the server sent an empty Certificate (RFC 8446 §4.4.2.4)',
      );
    }
    const chain = message.entries.map((e) => e.data);
    const { settings } = cx;
    const key = verifyPeerChain(settings.verifyServer, chain, {
      serverName: settings.config.serverName,
      now: settings.now(),
    });
    const ocsp = tls13Staple(cx, this.hs.hello, message.entries);
    this.hs.transcript.update(message.raw);
    return new ExpectCertificateVerify(advance(this.hs, { chain, key, ocsp }));
  }
}

/**
 * The server's stapled OCSP response (RFC 8446 §4.4.2.1: status_request in the leaf's CertificateEntry),
 * checked under our policy when our ClientHello sent status_request. Unasked, a status_request in any
 * entry is unsupported_extension (§4.2: no response to an extension that was not sent).
 */
function tls13Staple(
  cx: ClientContext,
  hello: ClientHello,
  entries: readonly CertificateEntry[],
): OcspStapleReport | undefined {
  if (!findExtension(hello.extensions, 'status_request')) {
    if (entries.some((e) => findExtension(e.extensions, 'status_request'))) {
      throw new TlsAlertError(
        AlertDescription.unsupported_extension,
        'status_request in a CertificateEntry, which our ClientHello did not send (RFC 8446 §4.2)',
      );
    }
    return undefined;
  }
  const { settings } = cx;
  const ext = findExtension(entries[0]!.extensions, 'status_request');
  return checkStaple({
    policy: settings.config.ocspPolicy ?? 'soft-fail',
    chain: entries.map((e) => e.data),
    response: ext?.form === 'response' ? ext.status.response : undefined,
    now: settings.now(),
    provider: cx.core.provider,
    sources: settings.config,
  });
}

/** Waiting for Certificate after a CertificateRequest. */
export class ExpectCertificate extends ExpectCertificateOrRequest {
  override readonly name = 'ExpectCertificate';
  override handle(cx: ClientContext, message: DecodedHandshake): ClientState {
    if (message.type === 'certificate_request') throw unexpected('RFC 8446 §A.1', this.name, message);
    return super.handle(cx, message);
  }
}

/** Waiting for the server's CertificateVerify (RFC 8446 §4.4.3). */
export class ExpectCertificateVerify extends PeerCertificateVerifyState<ClientContext, AfterCertificate> {
  readonly name = 'ExpectCertificateVerify';
  protected readonly next = ExpectFinished;
}

/** Waiting for the server's Finished (RFC 8446 §4.4.4); then the client's second flight. */
export class ExpectFinished extends PeerFinishedState<ClientContext, AfterEncryptedExtensions> {
  readonly name = 'ExpectFinished';
  protected finished(cx: ClientContext): ClientState {
    const { hs } = this;
    const { core, settings } = cx;
    const { suite, secrets, transcript } = hs;
    const serverFinishedHash = transcript.hash();
    let sentSince = false; // anything added to the transcript after the server Finished
    const app = deriveApplicationSecrets(core, secrets.hs, serverFinishedHash);
    cx.keys.setReadKeys('application', suite, app.serverApplication);
    if (hs.earlyDataSent) {
      if (hs.earlyDataAccepted) {
        transcript.update(core.send({ type: 'end_of_early_data' }));
        sentSince = true;
      }
      cx.keys.setWriteKeys('handshake', suite, secrets.clientHandshake);
    }
    if (settings.compat && !hs.ccsSent) cx.keys.sendChangeCipherSpec();
    const request = hs.certificateRequest;
    if (request) {
      sendClientCertificate(cx, transcript, request);
      sentSince = true;
    }
    const finishedHash = sentSince ? transcript.hash() : serverFinishedHash;
    transcript.update(sendFinished(core, suite.hash, secrets.clientHandshake, finishedHash));
    completeHandshake(cx, suite, secrets, app, transcript, Boolean(settings.config.postHandshakeAuth));
    return new ClientEstablished({ suite, alpn: hs.alpn, transcript });
  }
}

/** Our Certificate and CertificateVerify in answer to a CertificateRequest (RFC 8446 §4.4.2, §4.4.3). */
function sendClientCertificate(cx: ClientContext, transcript: Transcript, request: Tls13CertificateRequest): void {
  const { core, settings } = cx;
  const mine = settings.config.certificate;
  const offered = findExtension(request.extensions, 'signature_algorithms')?.schemes ?? [];
  let scheme: number | undefined;
  if (mine) {
    try {
      scheme = chooseScheme(settings.schemes, offered, mine.key);
    } catch {
      scheme = undefined;
    }
  }
  if (mine && scheme !== undefined) {
    sendCertificateAndVerify(core, 'client', transcript, request.context, mine, scheme);
  } else {
    // No certificate that fits: an empty Certificate, and no CertificateVerify (§4.4.2).
    transcript.update(core.send({ type: 'certificate', version: 'tls13', context: request.context, entries: [] }));
  }
}

/** After the handshake: NewSessionTicket, KeyUpdate and post-handshake CertificateRequest (RFC 8446 §4.6). */
export class ClientEstablished implements ClientState {
  readonly name = 'ClientEstablished';
  /** certificate_request_context values answered so far (hex). */
  readonly #contexts = new Set<string>();
  constructor(private readonly hs: Established) {}

  handle(cx: ClientContext, message: DecodedHandshake): ClientState {
    switch (message.type) {
      case 'new_session_ticket':
        if (message.version !== 'tls13') throw unexpected('RFC 8446 §A.1', this.name, message);
        cx.core.emit({ kind: 'session', session: this.#session(cx, message) });
        return this;
      case 'key_update':
        cx.keys.receiveKeyUpdate(message);
        return this;
      case 'certificate_request':
        // RFC 8446 §4.6.2: only after offering post_handshake_auth (else unexpected_message).
        if (message.version !== 'tls13' || !cx.settings.config.postHandshakeAuth)
          throw unexpected('RFC 8446 §A.1', this.name, message);
        this.#answerCertificateRequest(cx, message);
        return this;
      default:
        throw unexpected('RFC 8446 §A.1', this.name, message);
    }
  }

  /**
   * The session a NewSessionTicket gives (RFC 8446 §4.6.1): its PSK derived from the
   * resumption_master_secret and the ticket's nonce, its lifetime (at most seven days) and the most
   * 0-RTT data it allows.
   */
  #session(cx: ClientContext, message: Tls13NewSessionTicket): ClientSession {
    const { core, settings } = cx;
    if (message.lifetime > 604800) {
      throw new TlsAlertError(AlertDescription.illegal_parameter, 'ticket_lifetime over seven days (RFC 8446 §4.6.1)');
    }
    const early = findExtension(message.extensions, 'early_data');
    return {
      cipherSuite: this.hs.suite.value,
      psk: resumptionPsk(core.provider, this.hs.suite.hash, cx.keys.resumptionSecret(), message.nonce),
      ticket: message.ticket.slice(),
      ageAdd: message.ageAdd,
      lifetime: message.lifetime,
      receivedAt: settings.now(),
      maxEarlyDataSize: early?.maxEarlyDataSize ?? 0,
      serverName: settings.config.serverName,
      alpn: this.hs.alpn,
    };
  }

  /**
   * Answer a post-handshake CertificateRequest (RFC 8446 §4.6.2): its context unique within the
   * connection (§4.3.2, so not empty here); our Certificate, CertificateVerify and Finished over the
   * handshake's transcript plus this exchange, the Finished keyed with the current
   * client_application_traffic_secret_N (§4.4).
   */
  #answerCertificateRequest(cx: ClientContext, message: Tls13CertificateRequest & { raw: Uint8Array }): void {
    const { core } = cx;
    if (!findExtension(message.extensions, 'signature_algorithms')) {
      throw new TlsAlertError(AlertDescription.missing_extension, 'CertificateRequest without signature_algorithms');
    }
    const context = toHex(message.context);
    if (message.context.length === 0 || this.#contexts.has(context)) {
      throw new TlsAlertError(
        AlertDescription.illegal_parameter,
        `post-handshake CertificateRequest with an ${message.context.length === 0 ? 'empty' : 'already used'} certificate_request_context (RFC 8446 §4.3.2)`,
      );
    }
    this.#contexts.add(context);
    const t = this.hs.transcript.clone();
    t.update(message.raw);
    sendClientCertificate(cx, t, message);
    sendFinished(core, this.hs.suite.hash, cx.keys.applicationSecret('write'), t.hash());
  }
}

/**
 * A TLS 1.3 client connection (RFC 8446). Sans-IO: feed it the peer's bytes with {@link handle},
 * call {@link start}, {@link write}, {@link close}, {@link keyUpdate}; every call returns the events
 * to act on (`send` bytes to the peer, `data` to the application, …).
 * @example
 * const client = new TlsClient({ serverName: 'example.com', roots: TrustStore.fromPem(bundle) });
 * for (const e of client.start()) if (e.kind === 'send') socket.write(e.bytes);
 */
export class TlsClient extends Tls13Endpoint<ClientSettings> {
  /**
   * @throws TypeError for a configuration that cannot work: no way to trust the server (neither
   *   `verifyServer` nor `roots`), `roots` without a `serverName` to check, no TLS 1.3 cipher suite
   * @throws CertificateError when a root or intermediate does not parse
   */
  constructor(config: TlsClientConfig) {
    const provider = config.provider ?? new NobleProvider();
    super('client', config, provider, tls13ClientSettings('TlsClient', config, provider));
  }

  /** Send the ClientHello (and any 0-RTT data). */
  start(): TlsEvent[] {
    if (this.machine.current) throw new TlswireError('TlsClient.start() called twice');
    return this.run(() => {
      this.machine.current = startTls13Client(this.machine.cx);
    });
  }
}

/**
 * The client configuration with every default filled in.
 * @throws TypeError for a configuration that cannot work (see {@link TlsClient})
 */
export function tls13ClientSettings(who: string, config: TlsClientConfig, provider: CryptoProvider): ClientSettings {
  const verifyServer = serverVerifier(who, config, provider);
  const groups = config.groups ?? DEFAULT_GROUPS;
  const suites = (config.cipherSuites ?? DEFAULT_CIPHER_SUITES).filter((s) => tls13CipherSuite(s) !== undefined);
  if (suites.length === 0) throw new TypeError(`${who}: no TLS 1.3 cipher suite configured`);
  return {
    config,
    verifyServer,
    suites,
    groups,
    schemes: config.signatureSchemes ?? DEFAULT_SIGNATURE_SCHEMES,
    keyShareGroups: config.keyShareGroups ?? groups.filter((g) => groupName(g)).slice(0, 1),
    pskModes: config.pskModes ?? [PskKeyExchangeMode.psk_dhe_ke],
    compat: config.middleboxCompat ?? false,
    now: config.now ?? Date.now,
  };
}

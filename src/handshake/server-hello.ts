/**
 * The TLS 1.3 server's answer to a ClientHello, up to its ServerHello (RFC 8446 §4.1.1–§4.1.4):
 * the checks of the hello (§4.1.2, §4.2.1, §4.2.11), the choice of cipher suite, PSK (§4.2.9,
 * §4.2.11), certificate and signature scheme (§4.2.3, §4.4.2.2) and key-exchange group (§4.2.7,
 * §4.2.8) — every parameter before the ServerHello is sent (§4.1.1), so a refusal is a plaintext
 * alert — the HelloRetryRequest (§4.1.4, §4.2.2) and the ServerHello itself (§4.1.3) with the
 * handshake secrets it leads to (§7.1). The states are in src/handshake/server.ts.
 * @module
 */
import { constantTimeEqual, wipe } from '../bytes/hex.js';
import { EarlySecret, type Tls13CipherSuite, type Transcript, tls13CipherSuite } from '../crypto/key-schedule.js';
import type { KeyShareResponse } from '../crypto/provider.js';
import { AlertDescription, ProtocolVersion, PskKeyExchangeMode } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import { type Extension, findExtension, type KeyShareEntry } from '../tls/extensions.js';
import { clientHelloWithoutBinders } from '../tls/messages/handshake.js';
import { type ClientHello, HELLO_RETRY_REQUEST_RANDOM, type ServerHello } from '../tls/messages/hello.js';
import {
  chooseScheme,
  deriveEarlySecrets,
  deriveHandshakeSecrets,
  firstFittingScheme,
  groupName,
  type HandshakeSecrets,
  keyExchangeStep,
  TLS13_RULES,
} from './common.js';
import { groupNames, HandshakeAlertError, suiteNames, versionNames } from './diagnosis.js';
import { certificateRequestInfo, checkFallbackScsv, checkLegacyVersion, selectCertificate } from './policy.js';
import type { ServerContext, ServerSettings } from './server.js';
import { TICKET_AGE_TOLERANCE } from './ticket.js';
import type { CertifiedKey, ServerSessionState } from './types.js';

/** A ClientHello with its encoding. */
export type RawClientHello = ClientHello & { raw: Uint8Array };

/** What a HelloRetryRequest fixed for the second ClientHello. */
export interface Retry {
  suite: Tls13CipherSuite;
  group: number;
  cookie: Uint8Array | undefined;
  transcript: Transcript;
}

/** The PSK the server accepted. */
export interface AcceptedPsk {
  /** Its place in the client's list: the ServerHello's selected_identity (RFC 8446 §4.2.11). */
  index: number;
  state: ServerSessionState;
  early: EarlySecret;
  earlyData: boolean;
}

/** What the server chose from a ClientHello before answering it (RFC 8446 §4.1.1). */
export interface HelloChoice {
  ch: RawClientHello;
  suite: Tls13CipherSuite;
  /** The transcript so far: empty, or ClientHello1 (as message_hash) and the HelloRetryRequest. */
  transcript: Transcript;
  /** The host_name the client asked for (RFC 6066 §3). */
  serverName: string | undefined;
  alpn: string | undefined;
  earlyDataOffered: boolean;
  /** This is the second ClientHello, after a HelloRetryRequest. */
  retried: boolean;
  psk: AcceptedPsk | undefined;
  /** Our certificate and signature scheme; undefined when resuming (a PSK authenticates). */
  credentials: Credentials | undefined;
}

/** The server's certificate and the signature scheme of its CertificateVerify (RFC 8446 §4.4.2, §4.4.3). */
export interface Credentials {
  certified: CertifiedKey;
  scheme: number;
}

/** The ServerHello sent and the secrets it leads to. */
export interface ServerHelloSent {
  secrets: HandshakeSecrets;
  /** client_early_traffic_secret, when 0-RTT is accepted (RFC 8446 §4.2.10). */
  clientEarly: Uint8Array | undefined;
}

/**
 * The checks of a ClientHello before anything is chosen: it offers TLS 1.3 (RFC 8446 §4.2.1), its
 * legacy_compression_methods are [0] (§4.1.2), and pre_shared_key is its last extension (§4.2.11).
 * @throws HandshakeAlertError protocol_version, TlsAlertError illegal_parameter
 */
export function checkClientHello(ch: ClientHello): void {
  checkOffersTls13(ch);
  if (ch.compressionMethods.length !== 1 || ch.compressionMethods[0] !== 0) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      'legacy_compression_methods must be [0] (RFC 8446 §4.1.2)',
    );
  }
  const exts = ch.extensions ?? [];
  const pskIndex = exts.findIndex((e) => e.kind === 'pre_shared_key');
  if (pskIndex >= 0 && pskIndex !== exts.length - 1) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      'pre_shared_key is not the last extension (RFC 8446 §4.2.11)',
    );
  }
}

/**
 * RFC 8446 §4.2.1, Appendix D: a client that does not list TLS 1.3 in supported_versions (or has no
 * such extension) gets protocol_version from a TLS 1.3-only server.
 */
function checkOffersTls13(ch: ClientHello): void {
  checkLegacyVersion(ch.version, 'ClientHello');
  const versions = findExtension(ch.extensions, 'supported_versions');
  if (versions?.form === 'client_hello' && versions.versions.includes(ProtocolVersion.TLS1_3)) return;
  checkFallbackScsv(ch, ProtocolVersion.TLS1_3);
  const offered =
    versions?.form === 'client_hello'
      ? versionNames(versions.versions)
      : `${versionNames([ch.version])} at most (legacy_version, no supported_versions)`;
  throw new HandshakeAlertError(
    AlertDescription.protocol_version,
    `no version in common: the client offers ${offered}; this server speaks TLS 1.3 only`,
    'the client speaks TLS 1.2 or older: use NegotiatingServer (or minVersion TLSv1.2) to accept TLS 1.2 too',
  );
}

/**
 * The cipher suite (RFC 8446 §4.1.1): our first one the client offers; after a HelloRetryRequest,
 * the one it named, which the second ClientHello must still offer (§4.1.4).
 * @throws HandshakeAlertError handshake_failure when there is none in common
 */
export function chooseSuite(settings: ServerSettings, ch: ClientHello, retry: Retry | undefined): Tls13CipherSuite {
  let suite: Tls13CipherSuite | undefined;
  if (retry) {
    if (!ch.cipherSuites.includes(retry.suite.value)) {
      throw new TlsAlertError(
        AlertDescription.illegal_parameter,
        'second ClientHello drops the HelloRetryRequest suite',
      );
    }
    suite = retry.suite;
  } else {
    const chosen = settings.suites.find((s) => ch.cipherSuites.includes(s));
    suite = chosen === undefined ? undefined : tls13CipherSuite(chosen);
  }
  if (!suite) {
    throw new HandshakeAlertError(
      AlertDescription.handshake_failure,
      `no cipher suite in common: we offered ${suiteNames(settings.suites)}; the client offered ${suiteNames(ch.cipherSuites)}`,
      "enable one of the client's cipher suites (cipherSuites)",
    );
  }
  return suite;
}

/**
 * The certificate (by SNI, RFC 6066 §3) and the signature scheme of our CertificateVerify (RFC 8446
 * §4.2.3, §4.4.2.2) of a handshake authenticated by certificate. They are chosen before the
 * ServerHello (§4.1.1), so a client we cannot authenticate to is refused in plaintext, before
 * anything is sent: without signature_algorithms with missing_extension (§9.2), with no scheme in
 * common that fits our key (or no certificate for its name) with handshake_failure.
 */
export function chooseCredentials(
  settings: ServerSettings,
  ch: ClientHello,
  serverName: string | undefined,
): Credentials {
  const offered = findExtension(ch.extensions, 'signature_algorithms');
  if (!offered) throw new TlsAlertError(AlertDescription.missing_extension, 'ClientHello without signature_algorithms');
  const info = { ...certificateRequestInfo(ch), serverName };
  const fits = (key: CertifiedKey['key']) =>
    firstFittingScheme(TLS13_RULES, settings.schemes, offered.schemes, key) !== undefined;
  const certified = selectCertificate(settings.config.certificate, info, fits);
  return { certified, scheme: chooseScheme(settings.schemes, offered.schemes, certified.key) };
}

/** How many bytes of 0-RTT records a server skips when it does not read them (RFC 8446 §4.2.10). */
export function earlyDataSkipBudget(settings: ServerSettings): number {
  return Math.max(settings.maxEarlyDataSize, 16384);
}

/** RFC 8446 §4.1.2: the second ClientHello must answer the HelloRetryRequest. */
export function checkSecondHello(ch: ClientHello, retry: Retry, earlyDataOffered: boolean): void {
  const shares = findExtension(ch.extensions, 'key_share');
  if (shares?.form !== 'client_hello' || shares.shares.length !== 1 || shares.shares[0]!.group !== retry.group) {
    throw new TlsAlertError(AlertDescription.illegal_parameter, 'second ClientHello lacks the one key share requested');
  }
  const cookie = findExtension(ch.extensions, 'cookie');
  if (retry.cookie && (!cookie || !constantTimeEqual(cookie.cookie, retry.cookie))) {
    throw new TlsAlertError(AlertDescription.illegal_parameter, 'second ClientHello does not echo the cookie');
  }
  if (!retry.cookie && cookie) {
    throw new TlsAlertError(AlertDescription.unsupported_extension, 'cookie in a ClientHello that was not sent one');
  }
  if (earlyDataOffered) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      'early_data in the second ClientHello (RFC 8446 §4.2.10)',
    );
  }
}

/**
 * The key exchange (RFC 8446 §4.2.9): without a PSK, or with one in psk_dhe_ke mode when both sides
 * allow it, the client's share of the group we choose ({@link chooseGroup}), or the group to ask for
 * in a HelloRetryRequest; with a PSK in psk_ke mode no share (acceptPsk found a common mode).
 */
export function chooseKeyExchange(
  cx: ServerContext,
  ch: ClientHello,
  psk: AcceptedPsk | undefined,
  retry: Retry | undefined,
): { share: KeyShareEntry | undefined } | { retryWith: number } {
  const modes = findExtension(ch.extensions, 'psk_key_exchange_modes')?.modes ?? [];
  const dhe =
    !psk ||
    (modes.includes(PskKeyExchangeMode.psk_dhe_ke) && cx.settings.pskModes.includes(PskKeyExchangeMode.psk_dhe_ke));
  return dhe ? chooseGroup(cx, ch, retry) : { share: undefined };
}

/**
 * The group to use, or the one to ask for in a HelloRetryRequest (RFC 8446 §4.2.7, §4.2.8): the
 * client's shares are checked (one per group, each in supported_groups); after a HelloRetryRequest
 * the share of the group asked for.
 */
function chooseGroup(
  cx: ServerContext,
  ch: ClientHello,
  retry: Retry | undefined,
): { share: KeyShareEntry } | { retryWith: number } {
  const supported = findExtension(ch.extensions, 'supported_groups');
  const keyShare = findExtension(ch.extensions, 'key_share');
  if (!supported || !keyShare || keyShare.form !== 'client_hello') {
    throw new TlsAlertError(AlertDescription.missing_extension, 'ClientHello without supported_groups and key_share');
  }
  const seen = new Set<number>();
  // A Set: thousands of shares checked against thousands of groups would be quadratic (one ClientHello: ~0.3 s).
  const offered = new Set(supported.groups);
  for (const s of keyShare.shares) {
    if (seen.has(s.group) || !offered.has(s.group)) {
      throw new TlsAlertError(
        AlertDescription.illegal_parameter,
        `key share for group ${s.group} repeated or not in supported_groups`,
      );
    }
    seen.add(s.group);
  }
  const usable = cx.settings.groups.filter((g) => supported.groups.includes(g) && groupName(g));
  if (usable.length === 0) {
    throw new HandshakeAlertError(
      AlertDescription.handshake_failure,
      `no key-exchange group in common: we accept ${groupNames(cx.settings.groups.filter((g) => groupName(g)))}; the client supports ${groupNames(supported.groups)}`,
      "enable one of the client's groups (groups)",
    );
  }
  const shareFor = (g: number) => keyShare.shares.find((s) => s.group === g);
  if (retry) {
    const share = shareFor(retry.group);
    if (!share)
      throw new TlsAlertError(AlertDescription.illegal_parameter, 'second ClientHello lacks the requested share');
    return { share };
  }
  if ((cx.settings.config.groupSelection ?? 'avoid-hrr') === 'avoid-hrr') {
    for (const g of usable) {
      const share = shareFor(g);
      if (share) return { share };
    }
  }
  const top = usable[0]!;
  const share = shareFor(top);
  return share ? { share } : { retryWith: top };
}

/**
 * A ServerHello (with our `random`) or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4) for `ch`:
 * legacy_version 0x0303, the client's legacy_session_id echoed, `extensions` followed by
 * supported_versions selecting TLS 1.3.
 */
function serverHello(
  ch: ClientHello,
  suite: Tls13CipherSuite,
  random: Uint8Array | 'hello_retry_request',
  extensions: Extension[],
): ServerHello {
  const isHelloRetryRequest = random === 'hello_retry_request';
  return {
    type: 'server_hello',
    isHelloRetryRequest,
    version: ProtocolVersion.TLS1_2,
    random: isHelloRetryRequest ? HELLO_RETRY_REQUEST_RANDOM : random,
    sessionId: ch.sessionId,
    cipherSuite: suite.value,
    compressionMethod: 0,
    extensions: [
      ...extensions,
      { kind: 'supported_versions', form: 'server_hello', selectedVersion: ProtocolVersion.TLS1_3 },
    ],
  };
}

/**
 * Send a HelloRetryRequest (RFC 8446 §4.1.4) asking for a share of `group` (and echoing our cookie,
 * §4.2.2); the transcript goes on from the message_hash of the first ClientHello. Returns what the
 * second ClientHello must answer.
 */
export function sendHelloRetryRequest(cx: ServerContext, hello: HelloChoice, group: number): Retry {
  const { core, settings } = cx;
  const { ch, suite, transcript } = hello;
  const cookie = settings.config.hrrCookie?.();
  const extensions: Extension[] = [{ kind: 'key_share', form: 'hello_retry_request', selectedGroup: group }];
  if (cookie) extensions.push({ kind: 'cookie', cookie });
  transcript.update(ch.raw);
  transcript.replaceWithMessageHash(suite.hash);
  transcript.update(core.send(serverHello(ch, suite, 'hello_retry_request', extensions)));
  if (ch.sessionId.length > 0 && settings.compat) cx.keys.sendChangeCipherSpec();
  if (hello.earlyDataOffered) cx.keys.skipEarlyData(earlyDataSkipBudget(settings));
  return { suite, group, cookie, transcript };
}

/**
 * Send the ServerHello (RFC 8446 §4.1.3): our random, our share for the client's `share` (§4.2.8;
 * none in psk_ke mode) and the PSK chosen (§4.2.11), then the dummy ChangeCipherSpec of middlebox
 * compatibility (§D.4). The early secrets (with client_early_traffic_secret when 0-RTT is accepted)
 * are derived before, the handshake secrets after (§7.1); we write under ours from here on.
 * Randomness is drawn in this order: random (32), then the key share.
 */
export function sendServerHello(
  cx: ServerContext,
  hello: HelloChoice,
  share: KeyShareEntry | undefined,
): ServerHelloSent {
  const { core, settings } = cx;
  const { ch, suite, transcript, psk } = hello;
  transcript.update(ch.raw);
  const early = psk ? psk.early : EarlySecret.create(core.provider, suite.hash);
  const clientEarly = psk?.earlyData ? deriveEarlySecrets(core, early, transcript.hash()) : undefined;
  const random = core.provider.random(32);
  const response = share ? encapsulate(cx, share) : undefined;
  const extensions: Extension[] = [];
  if (psk) extensions.push({ kind: 'pre_shared_key', form: 'server_hello', selectedIdentity: psk.index });
  if (share && response) {
    extensions.push({
      kind: 'key_share',
      form: 'server_hello',
      share: { group: share.group, keyExchange: response.share },
    });
  }
  transcript.update(core.send(serverHello(ch, suite, random, extensions)));
  if (!hello.retried && ch.sessionId.length > 0 && settings.compat) cx.keys.sendChangeCipherSpec();
  const secrets = deriveHandshakeSecrets(core, early, response?.sharedSecret, transcript.hash());
  wipe(response?.sharedSecret);
  cx.keys.setWriteKeys('handshake', suite, secrets.serverHandshake);
  return { secrets, clientEarly };
}

/** Our answer to the client's key share (RFC 8446 §4.2.8): our share and the shared secret. */
function encapsulate(cx: ServerContext, share: KeyShareEntry): KeyShareResponse {
  const kx = cx.core.provider.keyExchange(groupName(share.group)!);
  return keyExchangeStep(() => kx.encapsulate(share.keyExchange));
}

/** What {@link acceptPsk} needs of the choices made before it. */
export type PskContext = Pick<HelloChoice, 'suite' | 'transcript' | 'retried' | 'alpn' | 'serverName'>;

/**
 * Accept the first offered PSK we can use ({@link usableTicket}), after checking its binder
 * (decrypt_error when wrong, RFC 8446 §4.2.11.2). Needs psk_key_exchange_modes (§4.2.9) with a mode
 * we allow; 0-RTT as {@link acceptsEarlyData} decides. PSKs we cannot use are skipped (§4.2.11).
 */
export function acceptPsk(cx: ServerContext, ch: RawClientHello, choice: PskContext): AcceptedPsk | undefined {
  const { core, settings } = cx;
  const offer = findExtension(ch.extensions, 'pre_shared_key');
  const ticketer = settings.config.ticketer;
  if (offer?.form !== 'client_hello') return undefined;
  const modes = findExtension(ch.extensions, 'psk_key_exchange_modes');
  if (!modes)
    throw new TlsAlertError(AlertDescription.missing_extension, 'pre_shared_key without psk_key_exchange_modes');
  if (offer.identities.length !== offer.binders.length) {
    throw new TlsAlertError(AlertDescription.illegal_parameter, 'PSK identities and binders differ in number');
  }
  const usableMode = modes.modes.some(
    (m) => settings.pskModes.includes(m) && (m === PskKeyExchangeMode.psk_ke || m === PskKeyExchangeMode.psk_dhe_ke),
  );
  if (!ticketer || !usableMode) return undefined;
  const now = settings.now();
  for (let index = 0; index < offer.identities.length; index++) {
    const identity = offer.identities[index]!;
    const state = ticketer.open(identity.identity);
    if (!state || !usableTicket(state, choice, now)) continue;
    const early = EarlySecret.create(core.provider, choice.suite.hash, state.psk);
    const truncated = choice.transcript.clone().update(clientHelloWithoutBinders(ch)).hash();
    const expected = early.binder('resumption', truncated);
    if (!constantTimeEqual(expected, offer.binders[index]!)) {
      early.dispose();
      throw new TlsAlertError(AlertDescription.decrypt_error, 'PSK binder does not verify (RFC 8446 §4.2.11.2)');
    }
    const earlyData = index === 0 && acceptsEarlyData(cx, ch, state, choice, identity, now);
    return { index, state, early, earlyData };
  }
  return undefined;
}

/**
 * A ticket resumes only with a suite of its hash (RFC 8446 §4.2.11), within its lifetime (§4.6.1),
 * and under the server name it was issued for: RFC 8446 §4.6.1 lets a server decline a PSK of
 * another SNI, as RFC 6066 §3 requires for TLS 1.2; we do, so a ticket never crosses names.
 */
function usableTicket(state: ServerSessionState, choice: PskContext, now: number): boolean {
  const stateSuite = tls13CipherSuite(state.cipherSuite);
  return (
    stateSuite?.hash === choice.suite.hash &&
    now - state.issuedAt <= state.lifetime * 1000 &&
    state.serverName === choice.serverName
  );
}

/**
 * 0-RTT (RFC 8446 §4.2.10) is accepted only for the first identity (the caller's check), on a first
 * ClientHello that offers early_data, with a ticket that allows it, the same suite and ALPN as the
 * ticket's, a ticket age within {@link TICKET_AGE_TOLERANCE} of ours (§8.3), and the anti-replay's
 * consent (§8): asked last, keyed by the ticket (16 bytes of SHA-256 of the PSK identity, §8.1),
 * until this ClientHello's freshness window closes.
 */
function acceptsEarlyData(
  cx: ServerContext,
  ch: ClientHello,
  state: ServerSessionState,
  choice: PskContext,
  identity: { identity: Uint8Array; obfuscatedTicketAge: number },
  now: number,
): boolean {
  const { settings } = cx;
  const antiReplay = settings.config.antiReplay;
  const clientAge = (identity.obfuscatedTicketAge - state.ageAdd) >>> 0;
  const expectedArrival = state.issuedAt + clientAge;
  const ok =
    antiReplay !== undefined &&
    !choice.retried &&
    findExtension(ch.extensions, 'early_data') !== undefined &&
    state.maxEarlyDataSize > 0 &&
    settings.maxEarlyDataSize > 0 &&
    state.cipherSuite === choice.suite.value &&
    state.alpn === choice.alpn &&
    Math.abs(now - expectedArrival) <= TICKET_AGE_TOLERANCE;
  if (!ok) return false;
  const key = cx.core.provider.hash('sha256', identity.identity).subarray(0, 16);
  return antiReplay.accept(key, expectedArrival + TICKET_AGE_TOLERANCE, now);
}

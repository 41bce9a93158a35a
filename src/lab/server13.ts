/**
 * The TLS 1.3 server role of a scripted conversation (RFC 8446): the lab receives the peer's
 * ClientHello and its steps send ServerHello (§4.1.3) or HelloRetryRequest (§4.1.4), EncryptedExtensions
 * (§4.3.1), Certificate (§4.4.2), CertificateVerify (§4.4.3, signed through the CryptoProvider) and
 * Finished (§4.4.4), built with defaults from the state (suite and group chosen from the client's offer)
 * and any field overridden. The key schedule (§7.1) and transcript (§4.4.1, with the HelloRetryRequest
 * rule) follow what was actually sent and received: the ServerHello sent installs the handshake
 * epochs, our Finished our application epoch, the client's Finished (checked) the client's; a
 * KeyUpdate either way moves that direction to the next secret (§4.6.3, §7.2). A ServerHello that
 * does not select TLS 1.3 hands the conversation to the TLS 1.2 server role (server12.ts).
 * @module
 */
import { equalBytes } from '../bytes/hex.js';
import { finishedVerifyData, messageHash, tls13CipherSuite } from '../crypto/key-schedule.js';
import { groupName } from '../crypto/provider.js';
import { certificateVerifyContent, schemeFitsKey, tls13SchemeName } from '../handshake/common.js';
import type { CertifiedKey } from '../handshake/types.js';
import { CipherSuite, ProtocolVersion } from '../tls/enums.js';
import { type Extension, findExtension } from '../tls/extensions.js';
import type { CertificateVerify, Tls13Certificate } from '../tls/messages/certificate.js';
import type { DecodedHandshake, HandshakeMessage } from '../tls/messages/handshake.js';
import { HELLO_RETRY_REQUEST_RANDOM, isHelloRetryRequestRandom, type ServerHello } from '../tls/messages/hello.js';
import type { EncryptedExtensions } from '../tls/messages/session.js';
import { onClientMessage12, onServerHello12Sent } from './server12.js';
import { type LabState, peerHello } from './state.js';
import { installApplicationKeys, installHandshakeKeys, updateReadKeys } from './tls13.js';

/** The TLS 1.3 suites the default ServerHello picks from, in our preference order (RFC 9325). */
const SERVER_SUITES = [
  CipherSuite.TLS_AES_128_GCM_SHA256,
  CipherSuite.TLS_AES_256_GCM_SHA384,
  CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
];

/** What the default ServerHello (or HelloRetryRequest) says; every field can be overridden. */
export interface ServerHelloOptions {
  /** cipher_suite (default: our first TLS 1.3 suite the client offered). */
  cipherSuite?: number;
  /** The key share's group (default: the first client share in a group the provider has). */
  group?: number;
  /** supported_versions.selected_version (default TLS 1.3). */
  selectedVersion?: number;
  /** legacy_session_id_echo (default: the client's session id). */
  sessionId?: Uint8Array;
  /** Extensions appended at the end (e.g. one not allowed in a ServerHello). */
  extraExtensions?: Extension[];
  /** Last word: edit the message as built. */
  edit?: (hello: ServerHello) => ServerHello;
}

function defaultSuite(state: LabState): number {
  const offered = peerHello(state).cipherSuites;
  const suite = SERVER_SUITES.find((s) => offered.includes(s));
  if (suite === undefined) throw new Error('the client offered no TLS 1.3 cipher suite we have');
  return suite;
}

/** The default ServerHello (RFC 8446 §4.1.3): a fresh share answering the client's, kept in the state. */
export function defaultServerHello(state: LabState, o: ServerHelloOptions = {}): ServerHello {
  const hello = peerHello(state);
  const ks = findExtension(hello.extensions, 'key_share');
  const shares = ks?.form === 'client_hello' ? ks.shares : [];
  const chosen = shares.find((s) => (o.group === undefined ? groupName(s.group) : s.group === o.group));
  const group = o.group ?? chosen?.group;
  if (group === undefined) throw new Error('the client sent no key share we can answer: send a HelloRetryRequest');
  const name = groupName(group);
  let keyExchange: Uint8Array = Uint8Array.of(1, 2, 3, 4);
  if (name && chosen) {
    const answer = state.provider.keyExchange(name).encapsulate(chosen.keyExchange);
    state.sharedSecrets.set(group, answer.sharedSecret);
    keyExchange = answer.share;
  } else if (name) {
    keyExchange = state.provider.keyExchange(name).generate().share;
  }
  const m: ServerHello = {
    type: 'server_hello',
    isHelloRetryRequest: false,
    version: ProtocolVersion.TLS1_2,
    random: state.provider.random(32),
    sessionId: o.sessionId ?? hello.sessionId,
    cipherSuite: o.cipherSuite ?? defaultSuite(state),
    compressionMethod: 0,
    extensions: [
      {
        kind: 'supported_versions',
        form: 'server_hello',
        selectedVersion: o.selectedVersion ?? ProtocolVersion.TLS1_3,
      },
      { kind: 'key_share', form: 'server_hello', share: { group, keyExchange } },
      ...(o.extraExtensions ?? []),
    ],
  };
  return o.edit ? o.edit(m) : m;
}

/**
 * The default HelloRetryRequest (RFC 8446 §4.1.4): the special random, and a key_share naming `group`
 * (default: the first group the client supports and the provider has that it sent no share for).
 */
export function defaultHelloRetryRequest(state: LabState, o: ServerHelloOptions & { cookie?: Uint8Array } = {}) {
  const hello = peerHello(state);
  const ks = findExtension(hello.extensions, 'key_share');
  const shared = new Set(ks?.form === 'client_hello' ? ks.shares.map((s) => s.group) : []);
  const groups = findExtension(hello.extensions, 'supported_groups')?.groups ?? [];
  const group = o.group ?? groups.find((g) => !shared.has(g) && groupName(g));
  if (group === undefined) throw new Error('no group to ask for: every supported group has a share');
  const extensions: Extension[] = [
    { kind: 'supported_versions', form: 'server_hello', selectedVersion: o.selectedVersion ?? ProtocolVersion.TLS1_3 },
    { kind: 'key_share', form: 'hello_retry_request', selectedGroup: group },
  ];
  if (o.cookie) extensions.push({ kind: 'cookie', cookie: o.cookie });
  const m: ServerHello = {
    type: 'server_hello',
    isHelloRetryRequest: true,
    version: ProtocolVersion.TLS1_2,
    random: HELLO_RETRY_REQUEST_RANDOM,
    sessionId: o.sessionId ?? hello.sessionId,
    cipherSuite: o.cipherSuite ?? defaultSuite(state),
    compressionMethod: 0,
    extensions: [...extensions, ...(o.extraExtensions ?? [])],
  };
  return o.edit ? o.edit(m) : m;
}

/** EncryptedExtensions (RFC 8446 §4.3.1) with `extensions` (default none). */
export function defaultEncryptedExtensions(extensions: Extension[] = []): EncryptedExtensions {
  return { type: 'encrypted_extensions', extensions };
}

function credential(state: LabState): CertifiedKey {
  if (!state.certificate) throw new Error('no certificate: give RunOptions.certificate');
  return state.certificate;
}

/** Certificate (RFC 8446 §4.4.2) with the run's chain, or `chain`. */
export function serverCertificateMessage(state: LabState, chain?: Uint8Array[]): Tls13Certificate {
  const list = chain ?? credential(state).chain;
  return {
    type: 'certificate',
    version: 'tls13',
    context: new Uint8Array(0),
    entries: list.map((data) => ({ data, extensions: [] })),
  };
}

/** How a CertificateVerify is made: the scheme, or a spoiled signature. */
export interface CertificateVerifyOptions {
  /** SignatureScheme (default: the client's first TLS 1.3 scheme that fits our key). */
  scheme?: number;
  /** XOR this into the signature's last byte (a signature that does not verify). */
  flip?: number;
}

/** CertificateVerify (RFC 8446 §4.4.3) over the transcript so far, signed by the provider. */
export function serverCertificateVerify(state: LabState, o: CertificateVerifyOptions = {}): CertificateVerify {
  const { key } = credential(state);
  const offered = findExtension(peerHello(state).extensions, 'signature_algorithms')?.schemes ?? [];
  const fits = (s: number) => {
    const name = tls13SchemeName(s);
    return name !== undefined && schemeFitsKey(name, key);
  };
  const scheme = o.scheme ?? offered.find(fits);
  const name = scheme === undefined ? undefined : tls13SchemeName(scheme);
  if (scheme === undefined || !name) throw new Error('no TLS 1.3 signature scheme for our key');
  const content = certificateVerifyContent('server', state.transcriptHash());
  let signature = state.provider.sign(name, key, content);
  if (o.flip !== undefined) {
    signature = signature.slice();
    signature[signature.length - 1]! ^= o.flip;
  }
  return { type: 'certificate_verify', algorithm: scheme, signature };
}

/** Our (the server's) Finished verify_data over the transcript so far (RFC 8446 §4.4.4). */
export function serverFinished13(state: LabState): Uint8Array {
  const suite = state.suite13;
  const secret = state.secrets.serverHandshake;
  if (!suite || !secret) throw new Error('no TLS 1.3 handshake keys yet: a ServerHello must be sent first');
  return finishedVerifyData(state.provider, suite.hash, secret, state.transcriptHash());
}

/** Server role: account for a handshake message we sent. */
export function serverSent(state: LabState, message: HandshakeMessage, raw: Uint8Array, inTranscript: boolean): void {
  if (message.type === 'server_hello' && isHelloRetryRequestRandom(message.random)) {
    // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash(ClientHello1).
    const hash = tls13CipherSuite(message.cipherSuite)?.hash ?? 'sha256';
    const ch1 = state.transcript[0] ?? new Uint8Array(0);
    if (inTranscript) state.transcript = [messageHash(state.provider, hash, ch1), raw];
    state.helloRetryRequest = { ...message, isHelloRetryRequest: true, raw };
    return;
  }
  if (inTranscript && !state.handshakeDone) state.transcript.push(raw);
  if (message.type === 'server_hello') onServerHelloSent(state, message);
  if (message.type === 'finished' && state.version === 'tls13' && !state.masterSecret) onOurFinished(state);
  if (message.type === 'finished' && state.version === 'tls12') state.handshakeDone = true;
}

/** Server role: account for a handshake message received (the client's hellos and Finished). */
export function serverReceived(state: LabState, m: DecodedHandshake): void {
  if (m.type === 'client_hello') {
    state.firstClientHello ??= m;
    state.clientHello = m;
  }
  if (state.version === 'tls12' && !state.handshakeDone) {
    onClientMessage12(state, m);
    return;
  }
  if (m.type === 'finished' && state.version === 'tls13' && !state.handshakeDone) {
    onClientFinished(state, m.verifyData, m.raw);
    return;
  }
  if (m.type === 'key_update' && state.version === 'tls13') updateReadKeys(state);
  if (!state.handshakeDone) state.transcript.push(m.raw);
}

/** The ServerHello sent chose TLS 1.3 and a suite: derive and install the handshake epochs (§7.1). */
function onServerHelloSent(state: LabState, m: ServerHello): void {
  state.serverHello = m;
  const selected = findExtension(m.extensions, 'supported_versions');
  if (selected?.form !== 'server_hello' || selected.selectedVersion !== ProtocolVersion.TLS1_3) {
    onServerHello12Sent(state, m);
    return;
  }
  state.version = 'tls13';
  const suite = tls13CipherSuite(m.cipherSuite);
  state.suite13 = suite;
  if (!suite) return;
  const ks = findExtension(m.extensions, 'key_share');
  const shared = ks?.form === 'server_hello' ? state.sharedSecrets.get(ks.share.group) : undefined;
  state.psk = undefined;
  installHandshakeKeys(state, suite, shared);
}

/** Our Finished went out (its step still seals it with the handshake keys): the application secrets. */
function onOurFinished(state: LabState): void {
  const suite = state.suite13;
  const hs = state.handshakeSecret;
  if (!suite || !hs) return;
  installApplicationKeys(state, suite, hs);
}

/** The client's Finished: check it (§4.4.4), then read with the client's application keys. */
function onClientFinished(state: LabState, verifyData: Uint8Array, raw: Uint8Array): void {
  const suite = state.suite13;
  const secret = state.secrets.clientHandshake;
  if (suite && secret) {
    const expected = finishedVerifyData(state.provider, suite.hash, secret, state.transcriptHash());
    state.clientFinishedValid = equalBytes(expected, verifyData);
  }
  state.transcript.push(raw);
  state.secrets.resumptionMaster = state.masterSecret?.resumptionMasterSecret(state.transcriptHash());
  if (state.pendingClientApplication) state.read = state.pendingClientApplication;
  state.handshakeDone = true;
}

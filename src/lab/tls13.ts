/**
 * The TLS 1.3 half of a scripted client (RFC 8446): the key schedule steps a ServerHello and the
 * server's Finished trigger (§7.1, §4.4.4), our Finished (§4.4.4), KeyUpdate (§4.6.3, §7.2) and the
 * default ClientHello (§4.1.2) a script starts from and overrides.
 * @module
 */
import { concat, equalBytes } from '../bytes/hex.js';
import {
  EarlySecret,
  finishedVerifyData,
  type HandshakeSecret,
  nextTrafficSecret,
  type Tls13CipherSuite,
  tls13CipherSuite,
} from '../crypto/key-schedule.js';
import { groupName, HASH_LENGTH } from '../crypto/provider.js';
import { CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme } from '../tls/enums.js';
import { type Extension, findExtension } from '../tls/extensions.js';
import { clientHelloWithoutBinders, type DecodedHandshake } from '../tls/messages/handshake.js';
import type { ClientHello, ServerHello } from '../tls/messages/hello.js';
import { tls13Epoch } from './epoch.js';
import type { LabState, LabTicket } from './state.js';

/** ServerHello (not a HelloRetryRequest) chose TLS 1.3: derive and install the handshake epochs. */
export function onServerHello13(state: LabState, m: ServerHello): void {
  const suite = state.suite13!;
  const ks = findExtension(m.extensions, 'key_share');
  let shared: Uint8Array | undefined;
  if (ks?.form === 'server_hello') {
    const pair = state.keyPairs.get(ks.share.group);
    if (pair) {
      try {
        shared = state.provider.keyExchange(pair.group).decapsulate(pair.privateKey, ks.share.keyExchange);
      } catch {
        shared = undefined;
      }
    }
  }
  // The PSK enters the key schedule only when the server selected it (RFC 8446 §4.2.11).
  if (!findExtension(m.extensions, 'pre_shared_key')) state.psk = undefined;
  installHandshakeKeys(state, suite, shared);
}

/**
 * After the ServerHello (RFC 8446 §7.1): the handshake secret from `shared`, both handshake traffic
 * secrets over the transcript so far, and the epochs of the side the lab plays.
 */
export function installHandshakeKeys(state: LabState, suite: Tls13CipherSuite, shared: Uint8Array | undefined): void {
  const hs = state.earlySecret().handshake(shared);
  const hash = state.transcriptHash();
  state.handshakeSecret = hs;
  state.secrets.clientHandshake = hs.clientHandshakeTrafficSecret(hash);
  state.secrets.serverHandshake = hs.serverHandshakeTrafficSecret(hash);
  const [ours, theirs] =
    state.role === 'server'
      ? [state.secrets.serverHandshake, state.secrets.clientHandshake]
      : [state.secrets.clientHandshake, state.secrets.serverHandshake];
  state.write = tls13Epoch(state.provider, suite, ours, 'handshake');
  state.read = tls13Epoch(state.provider, suite, theirs, 'handshake');
}

/** The server's Finished: check it, then derive the application secrets (RFC 8446 §7.1). */
export function onServerFinished(state: LabState, m: DecodedHandshake): void {
  const suite = state.suite13;
  const hs = state.handshakeSecret;
  if (!suite || !hs || m.type !== 'finished' || !state.secrets.serverHandshake) {
    state.transcript.push(m.raw);
    return;
  }
  const expected = finishedVerifyData(
    state.provider,
    suite.hash,
    state.secrets.serverHandshake,
    state.transcriptHash(),
  );
  state.serverFinishedValid = equalBytes(expected, m.verifyData);
  state.transcript.push(m.raw);
  installApplicationKeys(state, suite, hs);
}

/**
 * After the server's Finished (RFC 8446 §7.1): the master secret and both application traffic secrets
 * over the transcript so far. The server's epoch starts at once (our write epoch in the server role, our
 * read epoch in the client role); the client's waits, pending, for the client's Finished.
 */
export function installApplicationKeys(state: LabState, suite: Tls13CipherSuite, hs: HandshakeSecret): void {
  const master = hs.master();
  state.masterSecret = master;
  const hash = state.transcriptHash();
  state.secrets.clientApplication = master.clientApplicationTrafficSecret(hash);
  state.secrets.serverApplication = master.serverApplicationTrafficSecret(hash);
  const server = tls13Epoch(state.provider, suite, state.secrets.serverApplication, 'application');
  if (state.role === 'server') state.write = server;
  else state.read = server;
  state.pendingClientApplication = tls13Epoch(state.provider, suite, state.secrets.clientApplication, 'application');
}

/** Our Finished verify_data over the transcript so far (RFC 8446 §4.4.4). */
export function clientFinished13(state: LabState): Uint8Array {
  const suite = state.suite13;
  const secret = state.secrets.clientHandshake;
  if (!suite || !secret) throw new Error('no TLS 1.3 handshake keys yet: a ServerHello must come first');
  return finishedVerifyData(state.provider, suite.hash, secret, state.transcriptHash());
}

/** After our KeyUpdate: our next application traffic secret (RFC 8446 §7.2; the server's in the server role). */
export function updateWriteKeys(state: LabState): void {
  const suite = state.suite13;
  const side = state.role === 'server' ? 'serverApplication' : 'clientApplication';
  const secret = state.secrets[side];
  if (!suite || !secret) throw new Error('KeyUpdate before the application keys');
  const next = nextTrafficSecret(state.provider, suite.hash, secret);
  state.secrets[side] = next;
  state.write = tls13Epoch(state.provider, suite, next, `${state.write?.label ?? 'application'}+1`);
}

/** The peer's KeyUpdate: its next application traffic secret for our reads (RFC 8446 §4.6.3). */
export function updateReadKeys(state: LabState): void {
  const suite = state.suite13;
  const side = state.role === 'server' ? 'clientApplication' : 'serverApplication';
  const secret = state.secrets[side];
  if (!suite || !secret) return;
  const next = nextTrafficSecret(state.provider, suite.hash, secret);
  state.secrets[side] = next;
  state.read = tls13Epoch(state.provider, suite, next, `${state.read?.label ?? 'application'}+1`);
}

/** What the default ClientHello offers (every field can be overridden by the script). */
export interface HelloOptions {
  /** Server name for SNI (omitted when undefined). */
  serverName?: string;
  /** supported_versions (default TLS 1.3 and 1.2); `[]` leaves the extension out (a TLS 1.2 hello). */
  versions?: number[];
  cipherSuites?: number[];
  /** supported_groups (default x25519, secp256r1, secp384r1). */
  groups?: number[];
  /** Groups to send key shares for (default the first group). */
  keyShares?: number[];
  /** Extensions appended at the end (e.g. an unknown or misplaced one). */
  extraExtensions?: Extension[];
  /** Resume with this ticket: a pre_shared_key extension (last) with its binder (RFC 8446 §4.2.11). */
  resume?: LabTicket;
  /** With `resume`: offer 0-RTT (an empty early_data extension, RFC 8446 §4.2.10). */
  earlyData?: boolean;
  /** Last word: edit the hello as built (binders are computed after it). */
  edit?: (hello: ClientHello) => ClientHello;
}

const DEFAULT_SUITES = [
  CipherSuite.TLS_AES_128_GCM_SHA256,
  CipherSuite.TLS_AES_256_GCM_SHA384,
  CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
];
const DEFAULT_SCHEMES = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.ed25519,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
];

/** A key share for `group` (a fresh key pair, kept in the state), or an empty one for a group we lack. */
function keyShare(state: LabState, group: number): { group: number; keyExchange: Uint8Array } {
  const name = groupName(group);
  if (!name) return { group, keyExchange: Uint8Array.of(1, 2, 3, 4) };
  const pair = state.provider.keyExchange(name).generate();
  state.keyPairs.set(group, pair);
  return { group, keyExchange: pair.share };
}

/** The default ClientHello (RFC 8446 §4.1.2), TLS 1.3 and 1.2 offered, with a fresh key share. */
export function defaultClientHello(state: LabState, o: HelloOptions = {}): ClientHello {
  const versions = o.versions ?? [ProtocolVersion.TLS1_3, ProtocolVersion.TLS1_2];
  const groups = o.groups ?? [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];
  const shares = (o.keyShares ?? groups.slice(0, 1)).map((g) => keyShare(state, g));
  const extensions: Extension[] = [];
  if (o.serverName) extensions.push({ kind: 'server_name', names: [{ type: 0, name: o.serverName }] });
  extensions.push(
    { kind: 'supported_groups', groups },
    { kind: 'ec_point_formats', formats: [0] },
    { kind: 'signature_algorithms', schemes: DEFAULT_SCHEMES },
    { kind: 'extended_master_secret' },
    { kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) },
  );
  if (versions.length > 0) {
    extensions.push(
      { kind: 'supported_versions', form: 'client_hello', versions },
      { kind: 'psk_key_exchange_modes', modes: [1] },
      { kind: 'key_share', form: 'client_hello', shares },
    );
  }
  extensions.push(...(o.extraExtensions ?? []));
  if (o.resume && o.earlyData) extensions.push({ kind: 'early_data' });
  const hello: ClientHello = {
    type: 'client_hello',
    version: ProtocolVersion.TLS1_2,
    random: state.provider.random(32),
    sessionId: state.provider.random(32),
    cipherSuites: o.cipherSuites ?? DEFAULT_SUITES,
    compressionMethods: [0],
    extensions,
  };
  const edited = o.edit ? o.edit(hello) : hello;
  return o.resume ? withPsk(state, edited, o.resume) : edited;
}

/** `hello` with a pre_shared_key for `ticket` appended and its binder computed (RFC 8446 §4.2.11.2). */
export function withPsk(state: LabState, hello: ClientHello, ticket: LabTicket): ClientHello {
  const suite = tls13CipherSuite(ticket.cipherSuite);
  if (!suite) throw new Error(`ticket suite 0x${ticket.cipherSuite.toString(16)} is not a TLS 1.3 suite`);
  const age = Math.max(0, Date.now() - ticket.receivedAt);
  const identity = { identity: ticket.ticket, obfuscatedTicketAge: (age + ticket.ageAdd) >>> 0 };
  const placeholder = new Uint8Array(HASH_LENGTH[suite.hash]);
  const psk: Extension = {
    kind: 'pre_shared_key',
    form: 'client_hello',
    identities: [identity],
    binders: [placeholder],
  };
  const draft: ClientHello = { ...hello, extensions: [...(hello.extensions ?? []), psk] };
  const truncated = clientHelloWithoutBinders(draft);
  const prefix =
    state.transcript.length > 0 && state.helloRetryRequest ? concat(...state.transcript) : new Uint8Array(0);
  const early = EarlySecret.create(state.provider, suite.hash, ticket.psk);
  const binder = early.binder('resumption', state.provider.hash(suite.hash, concat(prefix, truncated)));
  early.dispose();
  state.psk = ticket.psk;
  state.offeredPsk = ticket.psk;
  state.pskSuite = suite;
  return { ...hello, extensions: [...(hello.extensions ?? []), { ...psk, binders: [binder] }] };
}

/** A ClientHello went out: with a PSK and early_data offered, our writes move to the 0-RTT keys (§7.1). */
export function onClientHelloSent(state: LabState, raw: Uint8Array): void {
  const m = state.clientHello;
  const suite = state.pskSuite;
  if (!m || !suite || !state.psk || !findExtension(m.extensions, 'early_data')) return;
  const early = EarlySecret.create(state.provider, suite.hash, state.psk);
  state.secrets.clientEarly = early.clientEarlyTrafficSecret(state.provider.hash(suite.hash, raw));
  early.dispose();
  state.earlyWrite = tls13Epoch(state.provider, suite, state.secrets.clientEarly, 'early');
  state.write = state.earlyWrite;
}

/**
 * The second ClientHello after a HelloRetryRequest (RFC 8446 §4.1.2): the first one with a key share
 * for the group the server selected (unless `group` says otherwise) and its cookie echoed.
 */
export function retryClientHello(state: LabState, group?: number): ClientHello {
  const first = state.clientHello;
  const hrr = state.helloRetryRequest;
  if (!first || !hrr) throw new Error('no ClientHello and HelloRetryRequest to retry');
  const sel = findExtension(hrr.extensions, 'key_share');
  const want = group ?? (sel?.form === 'hello_retry_request' ? sel.selectedGroup : undefined);
  const cookie = findExtension(hrr.extensions, 'cookie');
  const extensions: Extension[] = [];
  for (const e of first.extensions ?? []) {
    if (e.kind === 'key_share' && want !== undefined) {
      extensions.push({ kind: 'key_share', form: 'client_hello', shares: [keyShare(state, want)] });
    } else if (e.kind !== 'cookie') extensions.push(e);
  }
  if (cookie) extensions.push({ kind: 'cookie', cookie: cookie.cookie });
  const { raw: _raw, ...rest } = first;
  return { ...rest, extensions };
}

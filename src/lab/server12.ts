/**
 * The TLS 1.2 server role of a scripted conversation (RFC 5246, ECDHE per RFC 8422): ServerHello
 * (§7.4.1.3), Certificate (§7.4.2), ServerKeyExchange signed through the CryptoProvider (RFC 8422
 * §5.4), ServerHelloDone (§7.4.5), the master secret from the client's ClientKeyExchange with or
 * without extended_master_secret (RFC 5246 §8.1, RFC 7627 §4), the key block and epochs each
 * ChangeCipherSpec switches to (§6.3), and both Finished computations (§7.4.9).
 * @module
 */
import { concat, equalBytes } from '../bytes/hex.js';
import { Writer } from '../bytes/writer.js';
import { groupName } from '../crypto/provider.js';
import { tls12CipherSuite, tls12FinishedVerifyData } from '../crypto/tls12-key-schedule.js';
import { schemeFitsKey, tls13SchemeName } from '../handshake/common.js';
import { CipherSuite, NamedGroup, ProtocolVersion } from '../tls/enums.js';
import { type Extension, findExtension } from '../tls/extensions.js';
import type { Tls12Certificate } from '../tls/messages/certificate.js';
import type { DecodedHandshake } from '../tls/messages/handshake.js';
import type { ServerHello } from '../tls/messages/hello.js';
import { type EcdheServerKeyExchange, encodeServerKeyExchangeParams } from '../tls/messages/key-exchange.js';
import { type LabState, peerHello } from './state.js';
import { installPendingKeys } from './tls12.js';

/** The TLS 1.2 suites the default ServerHello picks from (ECDHE + AEAD only, RFC 9325 §4.2). */
const SERVER_SUITES_12 = [
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
];

/** What the default TLS 1.2 ServerHello says; every field can be overridden. */
export interface ServerHello12Options {
  /** cipher_suite (default: our first ECDHE AEAD suite the client offered). */
  cipherSuite?: number;
  /** server_version (default TLS 1.2). */
  version?: number;
  /** random (default fresh; a TLS 1.3 server would put the downgrade sentinel in it, RFC 8446 §4.1.3). */
  random?: Uint8Array;
  /** Answer extended_master_secret when the client offered it (default true). */
  extendedMasterSecret?: boolean;
  extraExtensions?: Extension[];
  edit?: (hello: ServerHello) => ServerHello;
}

/** The default TLS 1.2 ServerHello: secure renegotiation (RFC 5746) and EMS answered when offered. */
export function defaultServerHello12(state: LabState, o: ServerHello12Options = {}): ServerHello {
  const hello = peerHello(state);
  const suite = o.cipherSuite ?? SERVER_SUITES_12.find((s) => hello.cipherSuites.includes(s));
  if (suite === undefined) throw new Error('the client offered no ECDHE AEAD TLS 1.2 suite we have');
  const extensions: Extension[] = [];
  const reneg =
    findExtension(hello.extensions, 'renegotiation_info') !== undefined || hello.cipherSuites.includes(0xff);
  if (reneg) extensions.push({ kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) });
  const ems = findExtension(hello.extensions, 'extended_master_secret') !== undefined;
  if (ems && o.extendedMasterSecret !== false) extensions.push({ kind: 'extended_master_secret' });
  extensions.push({ kind: 'ec_point_formats', formats: [0] }, ...(o.extraExtensions ?? []));
  const m: ServerHello = {
    type: 'server_hello',
    isHelloRetryRequest: false,
    version: o.version ?? ProtocolVersion.TLS1_2,
    random: o.random ?? state.provider.random(32),
    sessionId: new Uint8Array(0),
    cipherSuite: suite,
    compressionMethod: 0,
    extensions,
  };
  return o.edit ? o.edit(m) : m;
}

/** Certificate (RFC 5246 §7.4.2) with the run's chain, or `chain`. */
export function serverCertificate12(state: LabState, chain?: Uint8Array[]): Tls12Certificate {
  const list = chain ?? state.certificate?.chain;
  if (!list) throw new Error('no certificate: give RunOptions.certificate');
  return { type: 'certificate', version: 'tls12', certificates: list };
}

/** How the ServerKeyExchange is made. */
export interface ServerKeyExchangeOptions {
  /** The named group (default: x25519 if the client supports it, else its first group we have). */
  group?: number;
  /** SignatureAndHashAlgorithm (default: the client's first scheme that fits our key). */
  scheme?: number;
  /** XOR this into the signature's last byte (a signature that does not verify). */
  flip?: number;
}

/** An ECDHE ServerKeyExchange (RFC 8422 §5.4): a fresh key pair, signed over both randoms and the params. */
export function serverKeyExchange12(state: LabState, o: ServerKeyExchangeOptions = {}): EcdheServerKeyExchange {
  const hello = peerHello(state);
  const key = state.certificate?.key;
  if (!key) throw new Error('no certificate key: give RunOptions.certificate');
  const groups = findExtension(hello.extensions, 'supported_groups')?.groups ?? [NamedGroup.secp256r1];
  const group = o.group ?? (groups.includes(NamedGroup.x25519) ? NamedGroup.x25519 : groups.find(groupName));
  const name = group === undefined ? undefined : groupName(group);
  if (group === undefined || !name) throw new Error('no group to do ECDHE with');
  const pair = state.provider.keyExchange(name).generate();
  state.keyPairs.set(group, pair);
  const offered = findExtension(hello.extensions, 'signature_algorithms')?.schemes ?? [];
  const scheme = o.scheme ?? offered.find((s) => schemeFits(s, key));
  const schemeName = scheme === undefined ? undefined : tls13SchemeName(scheme);
  if (scheme === undefined || !schemeName) throw new Error('no signature scheme for our key');
  const draft: EcdheServerKeyExchange = {
    type: 'server_key_exchange',
    keyExchange: 'ecdhe',
    namedGroup: group,
    publicKey: pair.share,
    signatureAlgorithm: scheme,
    signature: new Uint8Array(0),
  };
  const params = Writer.encode((w) => encodeServerKeyExchangeParams(w, draft));
  const content = concat(hello.random, state.serverHello?.random ?? new Uint8Array(32), params);
  let signature = state.provider.sign(schemeName, key, content);
  if (o.flip !== undefined) {
    signature = signature.slice();
    signature[signature.length - 1]! ^= o.flip;
  }
  return { ...draft, signature };
}

function schemeFits(scheme: number, key: Parameters<typeof schemeFitsKey>[1]): boolean {
  const name = tls13SchemeName(scheme);
  return name !== undefined && schemeFitsKey(name, key);
}

/** Our (the server's) TLS 1.2 Finished verify_data (RFC 5246 §7.4.9). */
export function serverFinished12(state: LabState): Uint8Array {
  const suite = state.suite12;
  const master = state.secrets.master12;
  if (!suite || !master) throw new Error('no TLS 1.2 master secret yet: a ClientKeyExchange must come first');
  return tls12FinishedVerifyData(state.provider, suite.hash, master, 'server', state.transcriptHash());
}

/** Server role: a TLS 1.2 ServerHello went out. */
export function onServerHello12Sent(state: LabState, m: ServerHello): void {
  state.serverHello = m;
  state.version = 'tls12';
  state.suite12 = tls12CipherSuite(m.cipherSuite);
  state.extendedMasterSecret = findExtension(m.extensions, 'extended_master_secret') !== undefined;
}

/** Server role, TLS 1.2: the client's ClientKeyExchange (in the transcript) or Finished arrived. */
export function onClientMessage12(state: LabState, m: DecodedHandshake): void {
  if (m.type === 'finished') {
    const suite = state.suite12;
    const master = state.secrets.master12;
    if (suite && master) {
      const expected = tls12FinishedVerifyData(state.provider, suite.hash, master, 'client', state.transcriptHash());
      state.clientFinishedValid = equalBytes(expected, m.verifyData);
    }
    state.lastClientVerifyData = m.verifyData;
    state.transcript.push(m.raw);
    return;
  }
  state.transcript.push(m.raw);
  if (m.type !== 'client_key_exchange' || m.keyExchange !== 'ecdhe') return;
  // The key pair of our ServerKeyExchange (the only key pairs the server role makes).
  const pair = [...state.keyPairs.values()].at(-1);
  const suite = state.suite12;
  const clientRandom = state.clientHello?.random;
  const serverRandom = state.serverHello?.random;
  if (!pair || !suite || !clientRandom || !serverRandom) return;
  let premaster: Uint8Array;
  try {
    premaster = state.provider.keyExchange(pair.group).decapsulate(pair.privateKey, m.publicKey);
  } catch {
    return;
  }
  installPendingKeys(state, suite, premaster, clientRandom, serverRandom);
}

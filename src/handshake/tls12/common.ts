/**
 * Pieces both TLS 1.2 roles use: default suites and signature algorithms, which suites and
 * SignatureAndHashAlgorithms fit which keys (RFC 5246 §7.4.1.4.1, RFC 8422 §5.1.3, RFC 8446 §4.2.3
 * for the RSA-PSS and Ed25519 code points), the signed messages, each signed and checked in one place
 * (ServerKeyExchange, RFC 8422 §5.4, RFC 5246 §7.4.3; CertificateVerify, §7.4.8), the handshake transcript (RFC 5246 §7.4.9, RFC 7627 §3), what
 * the hellos settle (the start of either role's handshake value), the secrets once the master secret
 * is known (RFC 5246 §8.1, RFC 7627 §4) with the record protection of both directions from one key
 * block (RFC 5246 §6.3), ChangeCipherSpec and Finished (RFC 5246 §7.1, §7.4.9), and the steps both
 * roles take alike: the settings' defaults, the initial renegotiation_info (RFC 5746 §3.4, §3.6) and
 * the `negotiated` event; and finite field DHE: its groups, the server's choice (RFC 7919 §4), the
 * ServerDHParams, and the premaster with its checks (RFC 5246 §8.1.2, RFC 7919 §3–§5).
 * @module
 */

import { concat, constantTimeEqual, wipe } from '../../bytes/hex.js';
import { Writer } from '../../bytes/writer.js';
import { ffdheGroupOf, isFfdheCodePoint } from '../../crypto/ffdhe.js';
import {
  CryptoError,
  type CryptoProvider,
  type HashName,
  type PrivateKey,
  type PublicKey,
  type SignatureSchemeName,
} from '../../crypto/provider.js';
import { i2osp } from '../../crypto/rsa.js';
import { type Tls12CipherSuite, Tls12MasterSecret, tls12CipherSuite } from '../../crypto/tls12-key-schedule.js';
import { Tls12RecordOpener, Tls12RecordSealer } from '../../crypto/tls12-record-protection.js';
import { AlertDescription, CipherSuite, NamedGroup, ProtocolVersion } from '../../tls/enums.js';
import { TlsAlertError } from '../../tls/errors.js';
import { type Extension, findExtension } from '../../tls/extensions.js';
import type { CertificateVerify } from '../../tls/messages/certificate.js';
import { encodeServerKeyExchangeParams, type ServerKeyExchange } from '../../tls/messages/key-exchange.js';
import {
  checkPeerSignature,
  DEFAULT_GROUPS,
  DEFAULT_SIGNATURE_SCHEMES,
  firstFittingScheme,
  groupName,
  PKCS1_SIGNATURE_SCHEMES,
  pkcs1SchemeName,
  type SchemeRules,
  schemeFitsKey,
  tls13SchemeName,
} from '../common.js';
import type { Offered } from '../diagnosis.js';
import { checkFinishedLength } from '../policy.js';
import type { RecordCore } from '../record-core.js';
import type { CommonConfig } from '../types.js';
import type { Tls12Records } from './records.js';

/** Default TLS 1.2 cipher suites, in preference order: ECDHE before RSA key transport. */
export const DEFAULT_TLS12_CIPHER_SUITES: readonly number[] = [
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384,
];

/**
 * Default TLS 1.2 signature algorithms (RFC 5246 §7.4.1.4.1 code points), in preference order: the
 * TLS 1.3 defaults, then RSASSA-PKCS1-v1_5.
 */
export const DEFAULT_TLS12_SIGNATURE_SCHEMES: readonly number[] = [
  ...DEFAULT_SIGNATURE_SCHEMES,
  ...PKCS1_SIGNATURE_SCHEMES,
];

/** The TLS 1.2 suites of `suites`, in order (TLS 1.3 and unknown suites dropped). */
export function tls12Suites(suites: readonly number[]): Tls12CipherSuite[] {
  return suites.flatMap((s) => tls12CipherSuite(s) ?? []);
}

/** The provider's name of a SignatureAndHashAlgorithm usable in TLS 1.2, or undefined (SHA-1, DSA, …). */
export function tls12SchemeName(scheme: number): SignatureSchemeName | undefined {
  return tls13SchemeName(scheme) ?? pkcs1SchemeName(scheme);
}

/**
 * Whether `scheme` can sign with `key`: as in TLS 1.3 (ECDSA schemes with their own curve, as every
 * current peer does; Ed25519 with ed25519, RFC 8422 §5.1.3; RSA-PSS pss keys only with pss schemes),
 * and RSA rsaEncryption keys also with PKCS#1 v1.5.
 */
export function tls12SchemeFitsKey(scheme: SignatureSchemeName, key: PublicKey | PrivateKey): boolean {
  if (schemeFitsKey(scheme, key)) return true;
  return key.type === 'rsa' && !key.pss && scheme.startsWith('rsa_pkcs1_');
}

/** Whether a suite's authentication fits a certificate key (RFC 8422 §2, RFC 5246 §7.4.2). */
export function suiteFitsKey(suite: Tls12CipherSuite, key: PublicKey | PrivateKey): boolean {
  switch (suite.keyExchange) {
    case 'ecdhe_ecdsa':
      return key.type === 'ec' || key.type === 'ed25519';
    case 'ecdhe_rsa':
    case 'dhe_rsa':
      return key.type === 'rsa';
    case 'rsa':
      return key.type === 'rsa' && !key.pss;
  }
}

/** TLS 1.2's rules for the signature-scheme table (RFC 5246 §7.4.1.4.1). */
const TLS12_RULES: SchemeRules = { name: tls12SchemeName, fits: tls12SchemeFitsKey };

/** The first of `ours` the peer offered that fits `key`, or undefined. */
export function chooseTls12Scheme(
  ours: readonly number[],
  offered: readonly number[],
  key: PrivateKey,
): number | undefined {
  return firstFittingScheme(TLS12_RULES, ours, offered, key);
}

/** The content a ServerKeyExchange signs: client_random ‖ server_random ‖ params (RFC 8422 §5.4). */
export function serverKeyExchangeContent(
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  params: Uint8Array,
): Uint8Array {
  return concat(clientRandom, serverRandom, params);
}

/**
 * What a ServerKeyExchange's signature covers (RFC 8422 §5.4, RFC 5246 §7.4.3): client_random ‖
 * server_random ‖ ServerECDHParams or ServerDHParams, the params as received (`ske.params`) or else
 * encoded from the fields.
 */
function serverKeyExchangeSigned(
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  ske: ServerKeyExchange,
): Uint8Array {
  const params = ske.params ?? Writer.encode((w) => encodeServerKeyExchangeParams(w, ske));
  return serverKeyExchangeContent(clientRandom, serverRandom, params);
}

/**
 * Check a TLS 1.2 `digitally-signed` value: the algorithm must be one we offered and fit the key
 * (illegal_parameter), the signature must verify (decrypt_error, RFC 5246 §7.4.3, §7.4.8).
 */
function verifyTls12Signature(
  provider: CryptoProvider,
  what: string,
  offered: readonly number[],
  key: PublicKey,
  algorithm: number,
  signature: Uint8Array,
  content: Uint8Array,
): void {
  checkPeerSignature(
    provider,
    TLS12_RULES,
    offered,
    { key, algorithm, signature, content },
    {
      refused: `${what} signed with`,
      invalid: `${what} signature does not verify`,
    },
  );
}

/** Who signs a `digitally-signed` value: the certificate's private key and the scheme chosen for it. */
export interface Tls12Signer {
  key: PrivateKey;
  scheme: number;
}

/**
 * The server's ServerKeyExchange: `share` (ECDHE: a named group and point, RFC 8422 §5.4; DHE: the
 * group's p and g and dh_Ys, RFC 5246 §7.4.3) signed over both randoms and the params.
 */
export function signedServerKeyExchange(
  core: RecordCore,
  serverRandom: Uint8Array,
  share: { namedGroup: number; publicKey: Uint8Array } | { p: Uint8Array; g: Uint8Array; publicKey: Uint8Array },
  signer: Tls12Signer,
): ServerKeyExchange {
  const signed = {
    type: 'server_key_exchange' as const,
    signatureAlgorithm: signer.scheme,
    signature: new Uint8Array(0),
  };
  const unsigned: ServerKeyExchange =
    'p' in share ? { ...signed, keyExchange: 'dhe', ...share } : { ...signed, keyExchange: 'ecdhe', ...share };
  const content = serverKeyExchangeSigned(core.clientRandom, serverRandom, unsigned);
  return { ...unsigned, signature: core.provider.sign(tls12SchemeName(signer.scheme)!, signer.key, content) };
}

/**
 * The ServerKeyExchange as the client checks it: signed with the server certificate's `key`, under
 * one of the schemes we `offered`, over both randoms and the params as received (RFC 8422 §5.4).
 */
export function verifyServerKeyExchange(
  core: RecordCore,
  serverRandom: Uint8Array,
  offered: readonly number[],
  key: PublicKey,
  ske: ServerKeyExchange,
): void {
  const content = serverKeyExchangeSigned(core.clientRandom, serverRandom, ske);
  verifyTls12Signature(
    core.provider,
    'ServerKeyExchange',
    offered,
    key,
    ske.signatureAlgorithm,
    ske.signature,
    content,
  );
}

/** The client's CertificateVerify (RFC 5246 §7.4.8): handshake_messages, everything before it, signed. */
export function signedCertificateVerify(
  core: RecordCore,
  transcript: Tls12Transcript,
  signer: Tls12Signer,
): CertificateVerify {
  const signature = core.provider.sign(tls12SchemeName(signer.scheme)!, signer.key, transcript.messages());
  return { type: 'certificate_verify', algorithm: signer.scheme, signature };
}

/**
 * The CertificateVerify as the server checks it: signed with the client certificate's `key`, under
 * one of the schemes our CertificateRequest `offered`, over the transcript so far (RFC 5246 §7.4.8).
 */
export function verifyCertificateVerify(
  core: RecordCore,
  transcript: Tls12Transcript,
  offered: readonly number[],
  key: PublicKey,
  cv: CertificateVerify,
): void {
  verifyTls12Signature(
    core.provider,
    'CertificateVerify',
    offered,
    key,
    cv.algorithm,
    cv.signature,
    transcript.messages(),
  );
}

/**
 * The handshake messages so far (RFC 5246 §7.4.9: every handshake message, HelloRequest excluded).
 * Kept as bytes: a CertificateVerify signs the messages themselves, Finished and the session hash
 * (RFC 7627 §3) hash them with the suite's PRF hash.
 */
export class Tls12Transcript {
  readonly #parts: Uint8Array[] = [];

  /** Add the exact bytes of one handshake message (header included). */
  add(raw: Uint8Array): this {
    this.#parts.push(raw.slice());
    return this;
  }

  /** handshake_messages: everything added so far. */
  messages(): Uint8Array {
    return concat(...this.#parts);
  }

  /** Hash of everything added so far. */
  hash(provider: CryptoProvider, hash: HashName): Uint8Array {
    return provider.hash(hash, this.messages());
  }
}

/** Whether the u16 list `list` contains `value`. */
export function offers(list: readonly number[] | undefined, value: number): boolean {
  return list?.includes(value) ?? false;
}

/** The settings both TLS 1.2 roles take alike from their configuration, every default filled in. */
export interface Tls12Settings {
  /** The TLS 1.2 suites of `cipherSuites` (at least one), in preference order. */
  suites: readonly Tls12CipherSuite[];
  groups: readonly number[];
  /** The RFC 7919 groups the DHE suites use, in preference order (see {@link dheGroups}). */
  dheGroups: readonly number[];
  schemes: readonly number[];
  /** Session lifetime in seconds. */
  lifetime: number;
  now: () => number;
}

/**
 * {@link Tls12Settings} of `config`: the TLS 1.2 defaults where it says nothing.
 * @throws TypeError when no TLS 1.2 cipher suite remains (`who` names the class)
 */
export function tls12Settings(
  who: string,
  config: Pick<CommonConfig, 'cipherSuites' | 'groups' | 'signatureSchemes' | 'now'> & { sessionLifetime?: number },
): Tls12Settings {
  const suites = tls12Suites(config.cipherSuites ?? DEFAULT_TLS12_CIPHER_SUITES);
  if (suites.length === 0) throw new TypeError(`${who}: no TLS 1.2 cipher suite configured`);
  const groups = config.groups ?? DEFAULT_GROUPS;
  return {
    suites,
    groups,
    dheGroups: dheGroups(groups),
    schemes: config.signatureSchemes ?? DEFAULT_TLS12_SIGNATURE_SCHEMES,
    lifetime: config.sessionLifetime ?? 7200,
    now: config.now ?? Date.now,
  };
}

/** What a TLS 1.2 endpoint offers, as failure diagnosis reports it (src/handshake/diagnosis.ts). */
export function tls12Offered(settings: Tls12Settings & { config: Pick<CommonConfig, 'alpn'> }): Offered {
  return {
    cipherSuites: settings.suites.map((s) => s.value),
    groups: settings.groups,
    alpn: settings.config.alpn,
    version: 'TLS 1.2',
  };
}

/** What the states of either role hand the steps below: the connection core and its TLS 1.2 keys. */
export interface Tls12Io {
  readonly core: RecordCore;
  readonly keys: Tls12Records;
}

/**
 * What the hellos settled, as both roles carry it from state to state: the start of each role's
 * handshake value, which grows as the handshake goes on.
 */
export interface HelloAgreement {
  /** The handshake messages so far. */
  transcript: Tls12Transcript;
  suite: Tls12CipherSuite;
  serverRandom: Uint8Array;
  /** The ServerHello's session ID (empty when the session cannot be resumed by ID). */
  sessionId: Uint8Array;
  /** Both hellos carried extended_master_secret (RFC 7627 §5.1). */
  ems: boolean;
  alpn: string | undefined;
  /** The name the client asked for (server_name, RFC 6066 §3). */
  serverName: string | undefined;
  /** renegotiation_info or the SCSV from the client, answered by the server (RFC 5746 §3.4, §3.6). */
  secureRenegotiation: boolean;
}

/**
 * The secrets of one side once the master secret is known (RFC 5246 §8.1), and what they key: the
 * record protection of both directions from one key block (RFC 5246 §6.3), derived when the first
 * ChangeCipherSpec needs it (ours or the peer's, whichever comes first) and then wiped, and the
 * Finished messages (RFC 5246 §7.4.9).
 */
export class Tls12Secrets {
  readonly master: Tls12MasterSecret;
  readonly #role: 'client' | 'server';
  #epochs: { sealer: Tls12RecordSealer; opener: Tls12RecordOpener } | undefined;

  private constructor(master: Tls12MasterSecret, role: 'client' | 'server') {
    this.master = master;
    this.#role = role;
  }

  /**
   * The secrets of a full handshake: the extended master secret when both sides sent the extension,
   * over the session hash of the transcript up to ClientKeyExchange (RFC 7627 §4), else the RFC 5246
   * §8.1 one. The premaster is wiped; the master secret goes to the key log (CLIENT_RANDOM).
   */
  static fromPremaster(core: RecordCore, hs: HelloAgreement, premaster: Uint8Array): Tls12Secrets {
    const sessionHash = hs.ems ? hs.transcript.hash(core.provider, hs.suite.hash) : undefined;
    const master = Tls12MasterSecret.fromPremaster(core.provider, hs.suite, premaster, {
      clientRandom: core.clientRandom,
      serverRandom: hs.serverRandom,
      sessionHash,
    });
    wipe(premaster);
    core.secret('CLIENT_RANDOM', master.secret);
    return new Tls12Secrets(master, core.role);
  }

  /** The secrets of an abbreviated handshake (RFC 5246 §7.3): the resumed session's master secret (copied). */
  static resumed(core: RecordCore, hs: HelloAgreement, masterSecret: Uint8Array): Tls12Secrets {
    const master = new Tls12MasterSecret(core.provider, hs.suite, masterSecret, core.clientRandom, hs.serverRandom);
    return new Tls12Secrets(master, core.role);
  }

  /**
   * Our ChangeCipherSpec, then our Finished under the new keys (RFC 5246 §7.1, §7.4.9: verify_data of
   * our role over the transcript so far); the flight goes out.
   */
  sendChangeCipherSpecAndFinished(io: Tls12Io, transcript: Tls12Transcript): void {
    const { core } = io;
    io.keys.changeCipherSpecOut(this.#derive().sealer);
    const verifyData = this.master.verifyData(this.#role, transcript.hash(core.provider, this.master.suite.hash));
    transcript.add(core.send({ type: 'finished', verifyData }));
    core.flush();
  }

  /** The peer's ChangeCipherSpec: its records are protected from here on (RFC 5246 §7.1). */
  receiveChangeCipherSpec(io: Tls12Io): void {
    io.keys.setReadProtection(this.#derive().opener);
  }

  /**
   * The peer's Finished must carry the peer role's verify_data over the transcript so far (RFC 5246
   * §7.4.9), else decrypt_error; it then joins the transcript.
   */
  checkPeerFinished(
    io: Tls12Io,
    transcript: Tls12Transcript,
    finished: { verifyData: Uint8Array; raw: Uint8Array },
  ): void {
    const peer = this.#role === 'client' ? 'server' : 'client';
    const expected = this.master.verifyData(peer, transcript.hash(io.core.provider, this.master.suite.hash));
    checkFinishedLength(finished.verifyData, expected.length);
    if (!constantTimeEqual(expected, finished.verifyData)) {
      throw new TlsAlertError(AlertDescription.decrypt_error, `${peer} Finished does not verify (RFC 5246 §7.4.9)`);
    }
    transcript.add(finished.raw);
  }

  #derive(): { sealer: Tls12RecordSealer; opener: Tls12RecordOpener } {
    if (this.#epochs) return this.#epochs;
    const { provider, suite } = this.master;
    const block = this.master.keyBlock();
    const peer = this.#role === 'client' ? 'server' : 'client';
    this.#epochs = {
      sealer: Tls12RecordSealer.fromKeyBlock(provider, suite, block, this.#role),
      opener: Tls12RecordOpener.fromKeyBlock(provider, suite, block, peer),
    };
    wipe(block.client.key, block.client.iv, block.server.key, block.server.iv);
    return this.#epochs;
  }
}

/**
 * The peer's renegotiation_info, which in an initial handshake must be empty (RFC 5746 §3.4 for the
 * client, §3.6 for the server: handshake_failure otherwise).
 */
export function initialRenegotiationInfo(
  extensions: readonly Extension[] | undefined,
  section: 'RFC 5746 §3.4' | 'RFC 5746 §3.6',
): Extension | undefined {
  const reneg = findExtension(extensions, 'renegotiation_info');
  if (reneg && reneg.renegotiatedConnection.length !== 0) {
    throw new TlsAlertError(
      AlertDescription.handshake_failure,
      `renegotiated_connection is not empty in the initial handshake (${section})`,
    );
  }
  return reneg;
}

/** The `negotiated` event of a TLS 1.2 handshake: at the ServerHello of a resumption, at the key exchange of a full one. */
export function emitTls12Negotiated(
  core: RecordCore,
  agreed: HelloAgreement,
  resumed: boolean,
  group: number | undefined,
): void {
  core.emit({
    kind: 'negotiated',
    version: ProtocolVersion.TLS1_2,
    cipherSuite: agreed.suite.value,
    group,
    alpn: agreed.alpn,
    resumed,
    earlyDataAccepted: false,
    helloRetry: false,
    serverName: agreed.serverName,
    extendedMasterSecret: agreed.ems,
    secureRenegotiation: agreed.secureRenegotiation,
  });
}

/**
 * The RFC 7919 groups a TLS 1.2 DHE suite uses when the configured groups list none: all five,
 * smallest first. DHE suites are off by default; enabling one by name brings these with it.
 */
export const DEFAULT_DHE_GROUPS: readonly number[] = [
  NamedGroup.ffdhe2048,
  NamedGroup.ffdhe3072,
  NamedGroup.ffdhe4096,
  NamedGroup.ffdhe6144,
  NamedGroup.ffdhe8192,
];

/** The RFC 7919 groups of `groups` in their order, or {@link DEFAULT_DHE_GROUPS} when it lists none. */
export function dheGroups(groups: readonly number[]): readonly number[] {
  const listed = groups.filter((g) => ffdheGroupOf(g) !== undefined);
  return listed.length > 0 ? listed : DEFAULT_DHE_GROUPS;
}

/** Whether a group can serve TLS 1.2 ECDHE (RFC 8422 §5.1.1): an elliptic curve we implement, no FFDHE or KEM. */
export function isEcdheGroup(group: number): boolean {
  const name = groupName(group);
  return name !== undefined && !isFfdheCodePoint(group) && name !== 'X25519MLKEM768';
}

/**
 * The server's DHE group (RFC 7919 §4): when the client lists FFDHE groups (code points 256–511), one
 * of ours it lists, else none (no DHE suite then); when it lists none (or no supported_groups), our
 * first. Among the candidates, the first at least as strong as an RSA key of `keyBits` bits (RFC 7919
 * §4: SHOULD), else the first.
 */
export function chooseDheGroup(
  ours: readonly number[],
  clientGroups: readonly number[] | undefined,
  keyBits: number,
): number | undefined {
  const listed = clientGroups?.filter(isFfdheCodePoint) ?? [];
  const candidates = listed.length > 0 ? ours.filter((g) => listed.includes(g)) : ours.slice(0, 1);
  return candidates.find((g) => (ffdheGroupOf(g)?.length ?? 0) * 8 >= keyBits) ?? candidates[0];
}

/** ServerDHParams of an RFC 7919 group (RFC 5246 §7.4.3): its p and g, and our public value dh_Ys. */
export function dheServerParams(
  group: number,
  publicKey: Uint8Array,
): { p: Uint8Array; g: Uint8Array; publicKey: Uint8Array } {
  const grp = ffdheGroupOf(group)!;
  return { p: i2osp(grp.p, grp.length), g: i2osp(grp.g, 1), publicKey };
}

/**
 * The DHE premaster secret (RFC 5246 §8.1.2): Z = Y^x mod p with its leading zero bytes stripped.
 * The peer's public value may come without leading zeros (TLS 1.2 does not pad it); it is padded to
 * the length of p for the provider. A value longer than p, or outside 1 < Y < p−1, ends the
 * handshake with handshake_failure (RFC 7919 §3 for dh_Ys, §4 for dh_Yc).
 */
export function dhePremaster(
  provider: CryptoProvider,
  group: number,
  privateKey: Uint8Array,
  peer: Uint8Array,
): Uint8Array {
  const kx = provider.keyExchange(groupName(group)!);
  const length = kx.serverShareLength;
  const fail = (why: string, cause?: unknown) =>
    new TlsAlertError(AlertDescription.handshake_failure, `DHE public value ${why} (RFC 7919 §5.1)`, { cause });
  if (peer.length > length) throw fail(`is ${peer.length} bytes, longer than p (${length})`);
  const padded = new Uint8Array(length);
  padded.set(peer, length - peer.length);
  let z: Uint8Array;
  try {
    z = kx.decapsulate(privateKey, padded);
  } catch (cause) {
    if (cause instanceof CryptoError && cause.reason === 'invalid-share') throw fail('is outside 1 < Y < p-1', cause);
    throw cause;
  }
  let zeros = 0;
  while (zeros < z.length - 1 && z[zeros] === 0) zeros++;
  const premaster = z.slice(zeros);
  wipe(z);
  return premaster;
}

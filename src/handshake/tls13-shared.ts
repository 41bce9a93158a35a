/**
 * What the TLS 1.3 client and server (src/handshake/client.ts, src/handshake/server.ts) share
 * (RFC 8446): the endpoint over a role's states (§4, Appendix A), the `negotiated` report, the
 * authentication messages (§4.4): our Certificate and CertificateVerify (§4.4.2, §4.4.3), the states
 * that wait for the peer's CertificateVerify and Finished (§4.4.3, §4.4.4), our Finished, and the end
 * of the handshake: the application traffic secrets installed and the resumption secret kept (§7.1).
 * @module
 */
import { constantTimeEqual, wipe } from '../bytes/hex.js';
import { finishedVerifyData, type Tls13CipherSuite, type Transcript } from '../crypto/key-schedule.js';
import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { AlertDescription, CertificateStatusType, ProtocolVersion } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import type { CertificateEntry } from '../tls/messages/certificate.js';
import type { DecodedHandshake } from '../tls/messages/handshake.js';
import type { Finished } from '../tls/messages/session.js';
import {
  type ApplicationSecrets,
  certificateVerifyContent,
  type HandshakeSecrets,
  tls13SchemeName,
  verifyCertificateVerify,
} from './common.js';
import type { Offered } from './diagnosis.js';
import { coreOptions, Endpoint, Machine, type State } from './endpoint.js';
import { checkFinishedLength, type MessageOrder, unexpected } from './policy.js';
import type { CoreInput, RecordCore } from './record-core.js';
import type { OcspStapleReport } from './stapling.js';
import { Tls13Records } from './tls13-records.js';
import type { CertifiedKey, CommonConfig, Negotiated, TlsEvent } from './types.js';

/** The settings both roles have. */
export interface Tls13Settings {
  readonly config: { readonly alpn?: readonly string[] };
  readonly suites: readonly number[];
  readonly groups: readonly number[];
  /** Our signature schemes: the ones we sign with and accept from the peer (RFC 8446 §4.2.3). */
  readonly schemes: readonly number[];
}

/** What a TLS 1.3 state is handed: its role's settings, the connection core and its TLS 1.3 keys. */
export interface Tls13Context<S extends Tls13Settings = Tls13Settings> {
  readonly settings: S;
  readonly core: RecordCore;
  readonly keys: Tls13Records;
}

/** The section that gives the order of a role's handshake messages (RFC 8446 Appendix A). */
function tls13Order(role: 'client' | 'server'): MessageOrder {
  return role === 'client' ? 'RFC 8446 §A.1' : 'RFC 8446 §A.2';
}

/** What a role offers (the client) or accepts (the server), for failure reports. */
export function tls13Offer(settings: Tls13Settings): Offered {
  return { cipherSuites: settings.suites, groups: settings.groups, alpn: settings.config.alpn };
}

/**
 * A TLS 1.3 connection of one role (RFC 8446): its states over the connection core, with TLS 1.3
 * records from the start; a ChangeCipherSpec never reaches the states (§5: the records drop the
 * compatibility one; any other is unexpected_message).
 */
export abstract class Tls13Endpoint<S extends Tls13Settings> extends Endpoint<TlsEvent> {
  /** The role's states and their context. */
  protected readonly machine: Machine<Tls13Context<S>, DecodedHandshake>;
  readonly #order: MessageOrder;

  /** `first` is the state before any input (none for a client, until it starts). */
  protected constructor(
    role: 'client' | 'server',
    config: CommonConfig,
    provider: CryptoProvider,
    settings: S,
    first?: State<Tls13Context<S>, DecodedHandshake>,
  ) {
    super(coreOptions(config, provider, role));
    const keys = this.core.useVersion(new Tls13Records(this.core, config.recordSizeLimit));
    this.machine = new Machine({ settings, core: this.core, keys }, first);
    this.#order = tls13Order(role);
  }

  protected onInput(input: CoreInput): void {
    if (input.type === 'change_cipher_spec') throw unexpected(this.#order, this.state, input);
    this.machine.input(input);
  }

  protected describe(): { state: string; offered: Offered } {
    return { state: this.state, offered: tls13Offer(this.machine.cx.settings) };
  }

  /** Name of the current handshake state (for research and debugging). */
  get state(): string {
    return this.machine.state;
  }

  /** Send a KeyUpdate, asking the peer to update too when `requestPeer` (RFC 8446 §4.6.3). */
  keyUpdate(requestPeer = false): TlsEvent[] {
    return this.run(() => this.machine.cx.keys.keyUpdate(requestPeer));
  }
}

/** Report what the hellos agreed: the `negotiated` event of a TLS 1.3 handshake. */
export function reportNegotiated(
  core: RecordCore,
  suite: Tls13CipherSuite,
  agreed: Omit<Negotiated, 'version' | 'cipherSuite'>,
): void {
  core.emit({ kind: 'negotiated', version: ProtocolVersion.TLS1_3, cipherSuite: suite.value, ...agreed });
}

/**
 * Send our Certificate (RFC 8446 §4.4.2) with `context` and our chain, and our CertificateVerify
 * (§4.4.3) signed with `scheme` over the transcript so far; both are added to `transcript`.
 */
export function sendCertificateAndVerify(
  core: RecordCore,
  signer: 'client' | 'server',
  transcript: Transcript,
  context: Uint8Array,
  certified: CertifiedKey,
  scheme: number,
  staple?: Uint8Array,
): void {
  const entries = certified.chain.map((data): CertificateEntry => ({ data, extensions: [] }));
  // RFC 8446 §4.4.2.1: the stapled OCSP response goes in the leaf's entry as a CertificateStatus.
  if (staple) {
    const status = { statusType: CertificateStatusType.ocsp, response: staple };
    entries[0]!.extensions.push({ kind: 'status_request', form: 'response', status });
  }
  transcript.update(core.send({ type: 'certificate', version: 'tls13', context, entries }));
  const content = certificateVerifyContent(signer, transcript.hash());
  const signature = core.provider.sign(tls13SchemeName(scheme)!, certified.key, content);
  transcript.update(core.send({ type: 'certificate_verify', algorithm: scheme, signature }));
}

/** A peer's certificate chain, checked by the verifier, and its leaf's public key. */
export interface PeerCertificate {
  chain: Uint8Array[];
  key: PublicKey;
  /** Client: what the server stapled (RFC 8446 §4.4.2.1), when status_request was sent. */
  ocsp?: OcspStapleReport;
}

/** A state class whose states are made from the handshake value `H`. */
type StateClass<C, H> = new (hs: H) => State<C, DecodedHandshake>;

/** The peer of `role`: the one whose CertificateVerify and Finished it checks. */
function peerOf(role: 'client' | 'server'): 'client' | 'server' {
  return role === 'client' ? 'server' : 'client';
}

/**
 * Waiting for the peer's CertificateVerify (RFC 8446 §4.4.3), in the handshake or in a post-handshake
 * authentication (§4.6.2); `hs` carries the transcript it signs and the peer's certificate. The check:
 * a scheme of ours that fits the leaf's key, and the peer's signature over the transcript so far. Then
 * it joins the transcript, the chain is reported as `peer-certificate`, and the state is {@link next}'s.
 * @throws TlsAlertError illegal_parameter (scheme), decrypt_error (signature)
 */
export abstract class PeerCertificateVerifyState<
  C extends Tls13Context,
  H extends PeerCertificate & { readonly transcript: Transcript },
> implements State<C, DecodedHandshake>
{
  abstract readonly name: string;
  /** The state that comes next, made from the same `hs`. */
  protected abstract readonly next: StateClass<C, H>;
  constructor(protected readonly hs: H) {}

  handle(cx: C, message: DecodedHandshake): State<C, DecodedHandshake> {
    const { core } = cx;
    if (message.type !== 'certificate_verify') throw unexpected(tls13Order(core.role), this.name, message);
    const { transcript, chain, key, ocsp } = this.hs;
    const { algorithm, signature } = message;
    const signed = transcript.hash();
    verifyCertificateVerify(core.provider, peerOf(core.role), cx.settings.schemes, key, algorithm, signature, signed);
    transcript.update(message.raw);
    core.emit(ocsp ? { kind: 'peer-certificate', chain, ocsp } : { kind: 'peer-certificate', chain });
    return new this.next(this.hs);
  }
}

/**
 * Waiting for the peer's Finished of the handshake (RFC 8446 §4.4.4): its verify_data keyed from the
 * peer's handshake traffic secret over `hs.transcript` (see {@link checkFinished}); then it joins the
 * transcript and the subclass's {@link finished} goes on.
 */
export abstract class PeerFinishedState<
  C extends Tls13Context,
  H extends { readonly suite: Tls13CipherSuite; readonly secrets: HandshakeSecrets; readonly transcript: Transcript },
> implements State<C, DecodedHandshake>
{
  abstract readonly name: string;
  constructor(protected readonly hs: H) {}

  handle(cx: C, message: DecodedHandshake): State<C, DecodedHandshake> {
    const peer = peerOf(cx.core.role);
    if (message.type !== 'finished') throw unexpected(tls13Order(cx.core.role), this.name, message);
    const { suite, secrets, transcript } = this.hs;
    const key = peer === 'server' ? secrets.serverHandshake : secrets.clientHandshake;
    checkFinished(cx.core, suite.hash, key, transcript, message, `${peer} Finished`);
    transcript.update(message.raw);
    return this.finished(cx);
  }

  /** The rest of the step, after the peer's Finished joined the transcript. */
  protected abstract finished(cx: C): State<C, DecodedHandshake>;
}

/**
 * Check the peer's Finished (RFC 8446 §4.4.4): its verify_data is the HMAC keyed from `baseKey`
 * (the peer's handshake or current application traffic secret) over the transcript so far.
 * @throws TlsAlertError decrypt_error naming `what` when it differs
 */
export function checkFinished(
  core: RecordCore,
  hash: Tls13CipherSuite['hash'],
  baseKey: Uint8Array,
  transcript: Transcript,
  message: Finished,
  what: string,
): void {
  const expected = finishedVerifyData(core.provider, hash, baseKey, transcript.hash());
  checkFinishedLength(message.verifyData, expected.length);
  if (!constantTimeEqual(expected, message.verifyData)) {
    throw new TlsAlertError(AlertDescription.decrypt_error, `${what} does not verify`);
  }
}

/**
 * Send our Finished (RFC 8446 §4.4.4): the HMAC keyed from `baseKey` (our handshake or current
 * application traffic secret) over `transcriptHash`. Returns its encoding, for the transcript.
 */
export function sendFinished(
  core: RecordCore,
  hash: Tls13CipherSuite['hash'],
  baseKey: Uint8Array,
  transcriptHash: Uint8Array,
): Uint8Array {
  const verifyData = finishedVerifyData(core.provider, hash, baseKey, transcriptHash);
  return core.send({ type: 'finished', verifyData });
}

/**
 * The handshake is complete (RFC 8446 §4.4.4, §7.1), after the client's Finished: the client's
 * application traffic keys take effect (the client writes, the server reads under them); the records
 * keep both application traffic secrets, the exporter secret and the resumption_master_secret over
 * `transcript` (ClientHello…client Finished); the handshake traffic secrets are wiped; `established`
 * is reported. The transcript is kept only when post-handshake authentication was offered (§4.6.2 hashes
 * its messages onto it); otherwise its state is released.
 */
export function completeHandshake(
  cx: Tls13Context,
  suite: Tls13CipherSuite,
  secrets: HandshakeSecrets,
  app: ApplicationSecrets,
  transcript: Transcript,
  postHandshakeAuth: boolean,
): void {
  const client = cx.core.role === 'client';
  if (client) cx.keys.setWriteKeys('application', suite, app.clientApplication);
  else cx.keys.setReadKeys('application', suite, app.clientApplication);
  const resumption = app.master.resumptionMasterSecret(transcript.hash());
  if (!postHandshakeAuth) transcript.release();
  app.master.dispose();
  cx.keys.setApplicationSecrets(suite, {
    read: client ? app.serverApplication : app.clientApplication,
    write: client ? app.clientApplication : app.serverApplication,
    exporter: app.exporter,
    resumption,
  });
  wipe(secrets.clientHandshake, secrets.serverHandshake);
  cx.core.emit({ kind: 'established' });
}

/**
 * What the TLS 1.3 client and server (src/handshake/client.ts, src/handshake/server.ts) share
 * (RFC 8446): the endpoint over a role's states (§4, Appendix A), the `negotiated` report, the
 * authentication messages (§4.4): our Certificate and CertificateVerify (§4.4.2, §4.4.3), the check
 * of the peer's CertificateVerify and Finished (§4.4.3, §4.4.4), our Finished, and the end of the
 * handshake: the application traffic secrets installed and the resumption secret kept (§7.1).
 * @module
 */
import { constantTimeEqual, wipe } from '../bytes/hex.js';
import { finishedVerifyData, type Tls13CipherSuite, type Transcript } from '../crypto/key-schedule.js';
import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { AlertDescription, ProtocolVersion } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import type { CertificateVerify } from '../tls/messages/certificate.js';
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
import { type MessageOrder, unexpected } from './policy.js';
import type { CoreInput, RecordCore } from './record-core.js';
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
    super({ ...coreOptions(config, provider), role });
    const keys = this.core.useVersion(new Tls13Records(this.core, config.recordSizeLimit));
    this.machine = new Machine({ settings, core: this.core, keys }, first);
    this.#order = role === 'client' ? 'RFC 8446 §A.1' : 'RFC 8446 §A.2';
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
): void {
  const entries = certified.chain.map((data) => ({ data, extensions: [] }));
  transcript.update(core.send({ type: 'certificate', version: 'tls13', context, entries }));
  const content = certificateVerifyContent(signer, transcript.hash());
  const signature = core.provider.sign(tls13SchemeName(scheme)!, certified.key, content);
  transcript.update(core.send({ type: 'certificate_verify', algorithm: scheme, signature }));
}

/** A peer's certificate chain, checked by the verifier, and its leaf's public key. */
export interface PeerCertificate {
  chain: Uint8Array[];
  key: PublicKey;
}

/**
 * Check the peer's CertificateVerify (RFC 8446 §4.4.3): a scheme of ours that fits the leaf's key,
 * and a signature over the transcript so far by `signer`. Then it joins `transcript`, and the chain
 * is reported as `peer-certificate`.
 * @throws TlsAlertError illegal_parameter (scheme), decrypt_error (signature)
 */
export function acceptCertificateVerify(
  cx: Tls13Context,
  signer: 'client' | 'server',
  transcript: Transcript,
  peer: PeerCertificate,
  message: CertificateVerify & { raw: Uint8Array },
): void {
  const { algorithm, signature } = message;
  verifyCertificateVerify(
    cx.core.provider,
    signer,
    cx.settings.schemes,
    peer.key,
    algorithm,
    signature,
    transcript.hash(),
  );
  transcript.update(message.raw);
  cx.core.emit({ kind: 'peer-certificate', chain: peer.chain });
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
 * is reported.
 */
export function completeHandshake(
  cx: Tls13Context,
  suite: Tls13CipherSuite,
  secrets: HandshakeSecrets,
  app: ApplicationSecrets,
  transcript: Transcript,
): void {
  const client = cx.core.role === 'client';
  if (client) cx.keys.setWriteKeys('application', suite, app.clientApplication);
  else cx.keys.setReadKeys('application', suite, app.clientApplication);
  const resumption = app.master.resumptionMasterSecret(transcript.hash());
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

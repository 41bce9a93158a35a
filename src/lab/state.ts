/**
 * The state a scripted conversation keeps in step with what was actually sent and
 * received: the transcript (RFC 8446 §4.4.1, with the HelloRetryRequest rule; RFC 5246 §7.4.9), the
 * TLS 1.3 key schedule (RFC 8446 §7.1) and the TLS 1.2 ECDHE/RSA master secret and key block
 * (RFC 5246 §8.1, §6.3; RFC 7627 §4), and the record epochs each direction uses.
 *
 * Keys follow the conversation: a ServerHello installs the handshake epochs, the server's Finished
 * the server's application epoch, our Finished our application epoch (TLS 1.3); a TLS 1.2
 * ClientKeyExchange prepares the key block, each ChangeCipherSpec switches its direction.
 * @module
 */
import { concat } from '../bytes/hex.js';
import {
  EarlySecret,
  type HandshakeSecret,
  type MasterSecret,
  messageHash,
  resumptionPsk,
  type Tls13CipherSuite,
  tls13CipherSuite,
} from '../crypto/key-schedule.js';
import type { CryptoProvider, KeyShareKeyPair, RsaPublicKey } from '../crypto/provider.js';
import { type Tls12CipherSuite, tls12CipherSuite } from '../crypto/tls12-key-schedule.js';
import type { CertifiedKey } from '../handshake/types.js';
import { ProtocolVersion } from '../tls/enums.js';
import { findExtension } from '../tls/extensions.js';
import type { DecodedHandshake, HandshakeMessage } from '../tls/messages/handshake.js';
import type { ClientHello, ServerHello } from '../tls/messages/hello.js';
import type { ServerKeyExchange } from '../tls/messages/key-exchange.js';
import { parseCertificate } from '../x509/certificate.js';
import type { LabEpoch } from './epoch.js';
import { serverReceived, serverSent } from './server13.js';
import { verifyTls12ServerFinished } from './tls12.js';
import { onClientHelloSent, onServerFinished, onServerHello13, updateReadKeys } from './tls13.js';

/** Secrets of the connection so far (for research; every value is secret). */
export interface LabSecrets {
  clientHandshake?: Uint8Array;
  serverHandshake?: Uint8Array;
  clientApplication?: Uint8Array;
  serverApplication?: Uint8Array;
  clientEarly?: Uint8Array;
  resumptionMaster?: Uint8Array;
  /** TLS 1.2 master secret. */
  master12?: Uint8Array;
}

/** A TLS 1.3 ticket received in a conversation, with its PSK (RFC 8446 §4.6.1), to resume with. */
export interface LabTicket {
  readonly ticket: Uint8Array;
  readonly psk: Uint8Array;
  readonly ageAdd: number;
  readonly lifetime: number;
  /** max_early_data_size from the ticket's early_data extension (0 without one). */
  readonly maxEarlyDataSize: number;
  /** The cipher suite of the connection that issued it. */
  readonly cipherSuite: number;
  /** Date.now() when it arrived. */
  readonly receivedAt: number;
}

/** The conversation state: what was negotiated and the keys in force. */
export class LabState {
  readonly provider: CryptoProvider;
  /**
   * Which side the lab plays: 'client' (default), or 'server' (RFC 8446 server role, server13.ts):
   * then `clientHello` is the peer's and `sent`/`received` follow the server's key schedule.
   */
  role: 'client' | 'server' = 'client';
  /** Server role: the chain and key Certificate and CertificateVerify use. */
  certificate: CertifiedKey | undefined;
  /** Server role: the (EC)DHE/KEM shared secret of each key share our ServerHello builder answered. */
  sharedSecrets = new Map<number, Uint8Array>();
  /** Server role: whether the client's Finished verified (undefined before it arrives). */
  clientFinishedValid: boolean | undefined;
  /** 'tls13' or 'tls12' once a ServerHello chose; undefined before. */
  version: 'tls13' | 'tls12' | undefined;
  /** Handshake messages in transcript order (raw, header included). */
  transcript: Uint8Array[] = [];
  /** Our last ClientHello and the one before it (after a HelloRetryRequest). */
  clientHello: (ClientHello & { raw: Uint8Array }) | undefined;
  firstClientHello: (ClientHello & { raw: Uint8Array }) | undefined;
  serverHello: ServerHello | undefined;
  helloRetryRequest: (ServerHello & { raw: Uint8Array }) | undefined;
  /** Our key-share key pairs by NamedGroup value (the private keys of the shares we sent). */
  keyPairs = new Map<number, KeyShareKeyPair>();
  suite13: Tls13CipherSuite | undefined;
  suite12: Tls12CipherSuite | undefined;
  /** The PSK to put in the early secret (0-RTT and resumption scripts set it), and its suite. */
  psk: Uint8Array | undefined;
  /** The PSK our ClientHello offered (kept when the server declines it). */
  offeredPsk: Uint8Array | undefined;
  pskSuite: Tls13CipherSuite | undefined;
  handshakeSecret: HandshakeSecret | undefined;
  masterSecret: MasterSecret | undefined;
  /** Tickets received (TLS 1.3 NewSessionTicket after the handshake). */
  tickets: LabTicket[] = [];
  /** Our 0-RTT epoch, once a ClientHello offering early_data with a PSK went out. */
  earlyWrite: LabEpoch | undefined;
  secrets: LabSecrets = {};
  /** The epoch our records are written with (undefined: plaintext). */
  write: LabEpoch | undefined;
  /** The epoch the peer's records are read with (undefined: plaintext). */
  read: LabEpoch | undefined;
  /** TLS 1.2: epochs a ChangeCipherSpec switches to. */
  pendingWrite: LabEpoch | undefined;
  pendingRead: LabEpoch | undefined;
  /** TLS 1.3: our application epoch, installed once our Finished is sent. */
  pendingClientApplication: LabEpoch | undefined;
  /** TLS 1.2: the server's ServerKeyExchange and leaf public key, and whether EMS was agreed. */
  serverKeyExchange: ServerKeyExchange | undefined;
  serverRsaKey: RsaPublicKey | undefined;
  extendedMasterSecret = false;
  /** Whether the server's Finished verified (undefined before it arrives). */
  serverFinishedValid: boolean | undefined;
  /** True once our Finished went out: later handshake messages are post-handshake. */
  handshakeDone = false;
  /** Our last Finished verify_data (TLS 1.2 renegotiation_info, RFC 5746 §3.5). */
  lastClientVerifyData: Uint8Array | undefined;

  constructor(provider: CryptoProvider) {
    this.provider = provider;
  }

  /** The transcript hash algorithm (the suite's), or sha256 before a suite is known. */
  get hashName() {
    return this.suite13?.hash ?? this.suite12?.hash ?? 'sha256';
  }

  /** Transcript-Hash of the messages so far (RFC 8446 §4.4.1). */
  transcriptHash(): Uint8Array {
    return this.provider.hash(this.hashName, concat(...this.transcript));
  }

  /** The context to decode the peer's handshake messages in. */
  decodeContext(): { version: 'tls12' | 'tls13'; keyExchange: 'ecdhe' | 'dhe' | 'rsa' } {
    const kx = this.suite12?.keyExchange;
    const keyExchange = kx === 'rsa' ? 'rsa' : kx === 'dhe_rsa' ? 'dhe' : 'ecdhe';
    return { version: this.version ?? 'tls13', keyExchange };
  }

  /** Account for a handshake message we sent. */
  sent(message: HandshakeMessage, raw: Uint8Array, inTranscript: boolean): void {
    if (this.role === 'server') {
      serverSent(this, message, raw, inTranscript);
      return;
    }
    if (message.type === 'client_hello' && this.handshakeDone) {
      // TLS 1.2 renegotiation: a new handshake, a new transcript (RFC 5246 §7.4.1.2).
      this.handshakeDone = false;
      this.transcript = [];
    }
    if (message.type === 'client_hello') {
      this.firstClientHello ??= { ...message, raw };
      this.clientHello = { ...message, raw };
    }
    if (inTranscript && !this.handshakeDone) this.transcript.push(raw);
    if (message.type === 'client_hello') onClientHelloSent(this, raw);
    if (message.type === 'finished' && this.version === 'tls13') {
      this.handshakeDone = true;
      this.secrets.resumptionMaster = this.masterSecret?.resumptionMasterSecret(this.transcriptHash());
      if (this.pendingClientApplication) this.write = this.pendingClientApplication;
    }
    if (message.type === 'finished') this.lastClientVerifyData = message.verifyData;
    if (message.type === 'finished' && this.version === 'tls12') this.handshakeDone = true;
  }

  /** Account for a handshake message received, installing keys as the handshake reaches them. */
  received(m: DecodedHandshake): void {
    if (this.role === 'server') {
      serverReceived(this, m);
      return;
    }
    if (m.type === 'server_hello') {
      this.onServerHello(m);
      return;
    }
    if (m.type === 'finished' && this.version === 'tls13' && !this.handshakeDone) {
      onServerFinished(this, m);
      return;
    }
    if (m.type === 'finished' && this.version === 'tls12') {
      this.serverFinishedValid = verifyTls12ServerFinished(this, m.verifyData);
    }
    if (m.type === 'server_key_exchange') this.serverKeyExchange = m;
    if (m.type === 'new_session_ticket' && m.version === 'tls13') this.onTicket(m);
    if (m.type === 'key_update' && this.version === 'tls13') updateReadKeys(this);
    if (m.type === 'certificate' && this.version === 'tls12') this.serverRsaKey = rsaKeyOf(m);
    if (!this.handshakeDone && m.type !== 'hello_request' && m.type !== 'new_session_ticket') {
      this.transcript.push(m.raw);
    }
  }

  private onServerHello(m: ServerHello & { raw: Uint8Array }): void {
    if (m.isHelloRetryRequest) {
      this.helloRetryRequest = m;
      const suite = tls13CipherSuite(m.cipherSuite);
      const hash = suite?.hash ?? 'sha256';
      // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash(ClientHello1).
      const ch1 = this.transcript[0] ?? new Uint8Array(0);
      this.transcript = [messageHash(this.provider, hash, ch1), m.raw];
      return;
    }
    this.serverHello = m;
    const selected = findExtension(m.extensions, 'supported_versions');
    const v13 = selected?.form === 'server_hello' && selected.selectedVersion === ProtocolVersion.TLS1_3;
    this.transcript.push(m.raw);
    if (v13) {
      this.version = 'tls13';
      this.suite13 = tls13CipherSuite(m.cipherSuite);
      if (this.suite13) onServerHello13(this, m);
      return;
    }
    this.version = 'tls12';
    this.suite12 = tls12CipherSuite(m.cipherSuite);
    this.extendedMasterSecret = findExtension(m.extensions, 'extended_master_secret') !== undefined;
  }

  private onTicket(m: { lifetime: number; ageAdd: number; nonce: Uint8Array; ticket: Uint8Array } & HandshakeMessage) {
    const rms = this.secrets.resumptionMaster;
    if (!rms || !this.suite13 || m.type !== 'new_session_ticket' || m.version !== 'tls13') return;
    const early = findExtension(m.extensions, 'early_data');
    this.tickets.push({
      ticket: m.ticket,
      psk: resumptionPsk(this.provider, this.suite13.hash, rms, m.nonce),
      ageAdd: m.ageAdd,
      lifetime: m.lifetime,
      maxEarlyDataSize: early?.maxEarlyDataSize ?? 0,
      cipherSuite: this.suite13.value,
      receivedAt: Date.now(),
    });
  }

  /** A fresh early secret (with the PSK if one is set). */
  earlySecret(): EarlySecret {
    return EarlySecret.create(this.provider, this.hashName, this.psk);
  }
}

/** The RSA public key of a TLS 1.2 Certificate's leaf, if it has one. */
function rsaKeyOf(m: HandshakeMessage): RsaPublicKey | undefined {
  if (m.type !== 'certificate') return undefined;
  const leaf = m.version === 'tls12' ? m.certificates[0] : m.entries[0]?.data;
  if (!leaf) return undefined;
  try {
    const key = parseCertificate(leaf).publicKey.key;
    return key?.type === 'rsa' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The ClientHello the server role answers. */
export function peerHello(state: LabState): ClientHello {
  const hello = state.clientHello;
  if (!hello) throw new Error('no ClientHello received yet: expect one first');
  return hello;
}

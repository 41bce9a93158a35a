/**
 * Version negotiation between TLS 1.2 and TLS 1.3 (RFC 8446 §4.1.3, §4.2.1, Appendix D.1–D.2):
 *
 * - {@link NegotiatingClient} sends one ClientHello offering both versions: the TLS 1.3 client's
 *   hello with supported_versions {1.3, 1.2}, the TLS 1.2 suites after the TLS 1.3 ones, and the
 *   TLS 1.2 extensions (extended_master_secret, renegotiation_info, ec_point_formats,
 *   session_ticket; RSA PKCS#1 v1.5 signature algorithms for TLS 1.2 only, RFC 8446 §4.2.3). The
 *   ServerHello decides: supported_versions selecting 1.3 keeps the TLS 1.3 client; a TLS 1.2
 *   ServerHello hands the connection, transcript included, to a TLS 1.2 client that also checks the
 *   downgrade sentinel (RFC 8446 §4.1.3). A TLS 1.2 session rides in the same hello: its session ID
 *   as legacy_session_id (RFC 8446 §4.1.2), or its ticket in session_ticket with a session ID the
 *   server echoes on acceptance (RFC 5077 §3.4; the compatibility-mode ID of RFC 8446 §D.4 when
 *   there is one); a TLS 1.3 server just echoes the ID, a TLS 1.2 one may resume (RFC 5246 §7.3,
 *   under RFC 7627 §5.3).
 * - {@link NegotiatingServer} reads the first ClientHello: a client offering TLS 1.3 in
 *   supported_versions gets the TLS 1.3 server, any other gets the TLS 1.2 server, which writes the
 *   TLS 1.2 downgrade sentinel in its random.
 *
 * Both are sans-IO wrappers: until the version is known they only look at (a copy of) the bytes;
 * afterwards every call goes to the chosen machine, so its events are exactly that machine's.
 * @module
 */
import { TlswireError } from '../bytes/errors.js';
import { NobleProvider } from '../crypto/noble.js';
import { ContentType, ProtocolVersion, SignatureScheme } from '../tls/enums.js';
import { type Extension, findExtension } from '../tls/extensions.js';
import { HandshakeReassembler } from '../tls/handshake-framing.js';
import { decodeHandshake } from '../tls/messages/handshake.js';
import type { ClientHello } from '../tls/messages/hello.js';
import { RecordDeframer } from '../tls/record.js';
import { TlsClient } from './client.js';
import { DEFAULT_CIPHER_SUITES } from './common.js';
import { TlsServer } from './server.js';
import { offerableTls12Session, Tls12Client } from './tls12/client.js';
import { DEFAULT_TLS12_CIPHER_SUITES, tls12Suites } from './tls12/common.js';
import { Tls12Server } from './tls12/server.js';
import type { Tls12ClientOptions, Tls12Event, Tls12ServerConfig } from './tls12/types.js';
import type { ClientConfig, ServerConfig, TlsEvent, WithServerTrust } from './types.js';
import { serverVerifier } from './verifier.js';

/** An event of either version's machine (they share every kind; `session` carries that version's session). */
export type AnyTlsEvent = TlsEvent | Tls12Event;

/**
 * Settings of a client offering TLS 1.2 and 1.3. `cipherSuites` may mix both versions' suites;
 * `session` is a TLS 1.3 session (offered as a PSK), `tls12.session` a TLS 1.2 one (offered by
 * ticket or session ID in the same hello). `verifyServer` or `roots` decides trust in the server's
 * chain, whichever version is spoken.
 */
export type NegotiatingClientConfig = WithServerTrust<ClientConfig> & {
  /** TLS 1.2 settings used when the server picks TLS 1.2. */
  tls12?: Pick<Tls12ClientOptions, 'session' | 'sessionTickets' | 'extendedMasterSecret' | 'sessionLifetime'>;
};

const PKCS1_SCHEMES = [
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

/**
 * Reads the first handshake message of the peer from a copy of its bytes. Returns it once complete;
 * undefined while more bytes are needed or when the first record is not a handshake record (then
 * `settled` says the version can be left to the default machine).
 */
class FirstMessage {
  readonly #deframer = new RecordDeframer();
  readonly #reassembler = new HandshakeReassembler();
  settled = false;

  push(bytes: Uint8Array): ReturnType<typeof decodeHandshake> | undefined {
    this.#deframer.push(bytes.slice());
    for (let record = this.#deframer.next(); record; record = this.#deframer.next()) {
      if (record.type !== ContentType.handshake) {
        this.settled = true;
        return undefined;
      }
      this.#reassembler.push(record.fragment);
      const frame = this.#reassembler.next();
      if (frame) return decodeHandshake(frame.raw, { version: 'tls12' });
    }
    return undefined;
  }
}

/**
 * A client offering TLS 1.3 and TLS 1.2 in one ClientHello, continuing with the version the server
 * selects. Same calls and events as {@link TlsClient} and {@link Tls12Client}.
 * @example
 * const client = new NegotiatingClient({ serverName: 'example.com', roots: TrustStore.fromPem(bundle) });
 * act(client.start()); // … act(client.handle(bytes)); the `negotiated` event names the version
 */
export class NegotiatingClient {
  readonly #config: NegotiatingClientConfig;
  readonly #tls13: TlsClient;
  #tls12: Tls12Client | undefined;
  #hello: { message: ClientHello; raw: Uint8Array } | undefined;
  #chosen: TlsClient | Tls12Client | undefined;
  readonly #first = new FirstMessage();
  #buffered: Uint8Array[] = [];

  constructor(config: NegotiatingClientConfig) {
    const suites = config.cipherSuites ?? [...DEFAULT_CIPHER_SUITES, ...DEFAULT_TLS12_CIPHER_SUITES];
    const tls12 = tls12Suites(suites).map((s) => s.value);
    if (tls12.length === 0) throw new TypeError('NegotiatingClient: no TLS 1.2 cipher suite configured');
    const userEdit = config.editClientHello;
    const tickets = config.tls12?.sessionTickets ?? true;
    const provider = config.provider ?? new NobleProvider();
    // One verifier (roots parsed once) for whichever version the server picks.
    const verifyServer = serverVerifier('NegotiatingClient', config, provider);
    const session = offerableTls12Session({
      ...config,
      ...config.tls12,
      session: config.tls12?.session,
      verifyServer,
      cipherSuites: suites,
      provider,
    });
    // The legacy_session_id, fixed by the first hello (a HelloRetryRequest's second hello repeats it).
    let sessionId: Uint8Array | undefined;
    const legacySessionId = (hello: ClientHello): Uint8Array => {
      if (!session) return hello.sessionId;
      // RFC 5077 §3.4: a ticket goes with a session ID to echo (the compatibility-mode one will do);
      // RFC 8446 §4.1.2: a session ID from a pre-TLS 1.3 server goes in legacy_session_id.
      sessionId ??= session.ticket
        ? hello.sessionId.length === 32
          ? hello.sessionId
          : provider.random(32)
        : session.sessionId.slice();
      return sessionId;
    };
    this.#config = { ...config, provider, verifyServer };
    this.#tls13 = new TlsClient({
      ...config,
      verifyServer,
      provider,
      cipherSuites: suites,
      editClientHello: (hello) =>
        offerTls12(userEdit ? userEdit(hello) : hello, tls12, tickets, {
          sessionId: legacySessionId(hello),
          ticket: session?.ticket,
        }),
    });
  }

  /** Name of the current handshake state of the machine in charge. */
  get state(): string {
    return (this.#chosen ?? this.#tls13).state;
  }

  /** The version in use once the ServerHello has chosen (0x0303 or 0x0304), else undefined. */
  get version(): number | undefined {
    if (!this.#chosen) return undefined;
    return this.#chosen === this.#tls13 ? ProtocolVersion.TLS1_3 : ProtocolVersion.TLS1_2;
  }

  /** True once the handshake is complete. */
  get isEstablished(): boolean {
    return (this.#chosen ?? this.#tls13).isEstablished;
  }

  /** Send the ClientHello. */
  start(): AnyTlsEvent[] {
    const events = this.#tls13.start();
    for (const e of events) {
      if (e.kind === 'handshake-message' && e.direction === 'sent' && e.message.type === 'client_hello') {
        this.#hello = { message: e.message, raw: e.raw };
      }
    }
    return events;
  }

  /** Bytes received from the server. */
  handle(bytes: Uint8Array): AnyTlsEvent[] {
    if (this.#chosen) return this.#chosen.handle(bytes);
    this.#buffered.push(bytes);
    const first = this.#first.push(bytes);
    if (!first && !this.#first.settled) return [];
    if (first?.type === 'server_hello' && !findExtension(first.extensions, 'supported_versions') && this.#hello) {
      // A TLS 1.2 ServerHello (RFC 8446 §4.2.1: no supported_versions): TLS 1.2 from here on.
      const config = this.#config;
      const schemes = findExtension(this.#hello.message.extensions, 'signature_algorithms')?.schemes;
      this.#tls12 = Tls12Client.afterClientHello(
        { ...config, ...config.tls12, session: config.tls12?.session, signatureSchemes: schemes, tls13Offered: true },
        this.#hello.message,
        this.#hello.raw,
      );
      this.#chosen = this.#tls12;
    } else {
      this.#chosen = this.#tls13;
    }
    const buffered = this.#buffered;
    this.#buffered = [];
    return buffered.flatMap((b): AnyTlsEvent[] => this.#chosen!.handle(b));
  }

  /** Send application data (after `established`). */
  write(data: Uint8Array): AnyTlsEvent[] {
    if (!this.#chosen) throw new TlswireError('write before the handshake is complete');
    return this.#chosen.write(data);
  }

  /** Send close_notify. */
  close(): AnyTlsEvent[] {
    return (this.#chosen ?? this.#tls13).close();
  }

  /** Keying material exporter (RFC 8446 §7.5 or RFC 5705 §4, by version). */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    return (this.#chosen ?? this.#tls13).exportKeyingMaterial(label, context, length);
  }
}

/**
 * Add what a TLS 1.2 server needs to a TLS 1.3 ClientHello (see the module comment), with the TLS 1.2
 * session offered: `sessionId` as legacy_session_id and `ticket` in session_ticket.
 */
function offerTls12(
  hello: ClientHello,
  tls12Suites: readonly number[],
  tickets: boolean,
  offer: { sessionId: Uint8Array; ticket: Uint8Array | undefined },
): ClientHello {
  const extensions: Extension[] = [];
  for (const e of hello.extensions ?? []) {
    if (e.kind === 'supported_versions' && e.form === 'client_hello') {
      extensions.push({ ...e, versions: [...e.versions, ProtocolVersion.TLS1_2] });
    } else if (e.kind === 'signature_algorithms') {
      extensions.push({ ...e, schemes: [...e.schemes, ...PKCS1_SCHEMES.filter((s) => !e.schemes.includes(s))] });
    } else {
      extensions.push(e);
    }
  }
  // The TLS 1.2 extensions go before pre_shared_key, which must stay last (RFC 8446 §4.2.11).
  const pskAt = extensions.findIndex((e) => e.kind === 'pre_shared_key');
  const added: Extension[] = [
    { kind: 'extended_master_secret' },
    { kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) },
    { kind: 'ec_point_formats', formats: [0] },
  ];
  if (tickets) added.push({ kind: 'session_ticket', ticket: offer.ticket ?? new Uint8Array(0) });
  extensions.splice(
    pskAt < 0 ? extensions.length : pskAt,
    0,
    ...added.filter((a) => !findExtension(extensions, a.kind)),
  );
  return {
    ...hello,
    sessionId: offer.sessionId,
    cipherSuites: [...hello.cipherSuites, ...tls12Suites.filter((s) => !hello.cipherSuites.includes(s))],
    extensions,
  };
}

/** Settings of a server for both versions: each version's configuration (they may share keys). */
export interface NegotiatingServerConfig {
  tls13: ServerConfig;
  /** `tls13Supported` is set: the TLS 1.2 server writes the downgrade sentinel. */
  tls12: Tls12ServerConfig;
}

/**
 * A server for TLS 1.3 and TLS 1.2: the first ClientHello chooses (TLS 1.3 when supported_versions
 * offers it, RFC 8446 §4.2.1; TLS 1.2 otherwise). Same calls and events as {@link TlsServer} and
 * {@link Tls12Server}; the TLS 1.3-only calls (`keyUpdate`, `sendTicket`, `requestClientAuth`) throw
 * a usage error on a TLS 1.2 connection, which is not affected.
 */
export class NegotiatingServer {
  readonly #config: NegotiatingServerConfig;
  #chosen: TlsServer | Tls12Server | undefined;
  readonly #first = new FirstMessage();
  #buffered: Uint8Array[] = [];

  constructor(config: NegotiatingServerConfig) {
    this.#config = config;
  }

  /** The version in use once the ClientHello has been read (0x0303 or 0x0304), else undefined. */
  get version(): number | undefined {
    if (!this.#chosen) return undefined;
    return this.#chosen instanceof TlsServer ? ProtocolVersion.TLS1_3 : ProtocolVersion.TLS1_2;
  }

  /** Name of the current handshake state of the machine in charge. */
  get state(): string {
    return this.#chosen?.state ?? 'ExpectClientHello';
  }

  /** True once the handshake is complete. */
  get isEstablished(): boolean {
    return this.#chosen?.isEstablished ?? false;
  }

  /** Bytes received from the client. */
  handle(bytes: Uint8Array): AnyTlsEvent[] {
    if (this.#chosen) return this.#chosen.handle(bytes);
    this.#buffered.push(bytes);
    const first = this.#first.push(bytes);
    if (!first && !this.#first.settled) return [];
    const versions = first?.type === 'client_hello' ? findExtension(first.extensions, 'supported_versions') : undefined;
    const offers13 = versions?.form === 'client_hello' && versions.versions.includes(ProtocolVersion.TLS1_3);
    // Anything but a ClientHello without TLS 1.3 goes to the TLS 1.3 server, which answers it with the right alert.
    this.#chosen =
      first?.type === 'client_hello' && !offers13
        ? new Tls12Server({ ...this.#config.tls12, tls13Supported: true })
        : new TlsServer(this.#config.tls13);
    const buffered = this.#buffered;
    this.#buffered = [];
    return buffered.flatMap((b): AnyTlsEvent[] => this.#chosen!.handle(b));
  }

  /** Send application data (after `established`). */
  write(data: Uint8Array): AnyTlsEvent[] {
    if (!this.#chosen) throw new TlswireError('write before the handshake is complete');
    return this.#chosen.write(data);
  }

  /** Send close_notify. */
  close(): AnyTlsEvent[] {
    if (!this.#chosen) throw new TlswireError('close before the ClientHello');
    return this.#chosen.close();
  }

  /**
   * Send a KeyUpdate (RFC 8446 §4.6.3), asking the client to update too when `requestPeer`.
   * @throws TlswireError before the ClientHello, or on a TLS 1.2 connection (it has no KeyUpdate)
   */
  keyUpdate(requestPeer = false): AnyTlsEvent[] {
    return this.#tls13('keyUpdate', 'KeyUpdate, RFC 8446 §4.6.3').keyUpdate(requestPeer);
  }

  /**
   * Send one more NewSessionTicket (RFC 8446 §4.6.1).
   * @throws TlswireError before the ClientHello, or on a TLS 1.2 connection (its ticket, RFC 5077,
   *   goes with the handshake only)
   */
  sendTicket(): AnyTlsEvent[] {
    return this.#tls13('sendTicket', 'NewSessionTicket after the handshake, RFC 8446 §4.6.1').sendTicket();
  }

  /**
   * Ask the client for a certificate after the handshake (RFC 8446 §4.6.2); see
   * {@link TlsServer.requestClientAuth}.
   * @throws TlswireError before the ClientHello, or on a TLS 1.2 connection (it has no post-handshake
   *   authentication: configure `tls12.clientAuth` to ask during the handshake), and as
   *   `TlsServer.requestClientAuth` throws
   */
  requestClientAuth(options: { required?: boolean } = {}): AnyTlsEvent[] {
    return this.#tls13('requestClientAuth', 'post-handshake authentication, RFC 8446 §4.6.2').requestClientAuth(
      options,
    );
  }

  /** The TLS 1.3 server in charge, for a TLS 1.3-only call. */
  #tls13(call: string, what: string): TlsServer {
    const chosen = this.#chosen;
    if (!chosen) throw new TlswireError(`${call} before the ClientHello: the version is not chosen yet`);
    if (!(chosen instanceof TlsServer)) {
      throw new TlswireError(`${call} needs TLS 1.3 (${what}); this connection speaks TLS 1.2`);
    }
    return chosen;
  }

  /** Keying material exporter (by version). */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    if (!this.#chosen) throw new TlswireError('exporter used before the handshake is complete');
    return this.#chosen.exportKeyingMaterial(label, context, length);
  }
}

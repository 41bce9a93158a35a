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
 * Both are one endpoint over one record core: the core reads the first flight once and hands the
 * deciding hello to the TLS 1.3 or the TLS 1.2 states, switching the core to that version's record
 * rules; nothing is buffered or replayed, and a malformed first record gets its alert like any other.
 * @module
 */
import { TlswireError } from '../bytes/errors.js';
import { NobleProvider } from '../crypto/noble.js';
import { ProtocolVersion } from '../tls/enums.js';
import { type Extension, findExtension } from '../tls/extensions.js';
import type { DecodedHandshake } from '../tls/messages/handshake.js';
import type { ClientHello } from '../tls/messages/hello.js';
import { type ClientContext, startTls13Client, type TlsClient, tls13ClientSettings } from './client.js';
import { DEFAULT_CIPHER_SUITES, PKCS1_SIGNATURE_SCHEMES } from './common.js';
import type { Offered } from './diagnosis.js';
import { coreOptions, Endpoint, Machine } from './endpoint.js';
import { unexpected } from './policy.js';
import type { CoreInput } from './record-core.js';
import {
  ExpectClientHello,
  requestClientAuthStep,
  sendTicketStep,
  type Tls13ServerMachine,
  type TlsServer,
  tls13ServerSettings,
} from './server.js';
import {
  offerableTls12Session,
  type Tls12Client,
  type Tls12ClientContext,
  tls12ClientAfterHello,
} from './tls12/client.js';
import { DEFAULT_TLS12_CIPHER_SUITES, tls12Offered, tls12Suites } from './tls12/common.js';
import { useTls12 } from './tls12/records.js';
import {
  type Tls12Server,
  Tls12ServerMachine,
  type ServerSettings as Tls12ServerSettings,
  tls12ServerSettings,
} from './tls12/server.js';
import type { Tls12ClientOptions, Tls12ServerConfig } from './tls12/types.js';
import { Tls13Records } from './tls13-records.js';
import { tls13Offer } from './tls13-shared.js';
import type { AnyTlsEvent, ClientConfig, ServerConfig, WithServerTrust } from './types.js';
import { serverVerifier } from './verifier.js';

export type { AnyTlsEvent } from './types.js';

/**
 * Settings of a client offering TLS 1.2 and 1.3. `cipherSuites` may mix both versions' suites;
 * `session` is a TLS 1.3 session (offered as a PSK), `tls12.session` a TLS 1.2 one (offered by
 * ticket or session ID in the same hello). `verifyServer` or `roots` decides trust in the server's
 * chain, whichever version is spoken.
 */
export type NegotiatingClientConfig = WithServerTrust<ClientConfig> & {
  /** TLS 1.2 settings used when the server picks TLS 1.2. */
  tls12?: Pick<
    Tls12ClientOptions,
    'session' | 'sessionTickets' | 'extendedMasterSecret' | 'allowResumptionWithoutEms' | 'sessionLifetime'
  >;
};

/**
 * A client offering TLS 1.3 and TLS 1.2 in one ClientHello, continuing with the version the server
 * selects. Same calls and events as {@link TlsClient} and {@link Tls12Client}.
 * @example
 * const client = new NegotiatingClient({ serverName: 'example.com', roots: TrustStore.fromPem(bundle) });
 * act(client.start()); // … act(client.handle(bytes)); the `negotiated` event names the version
 */
export class NegotiatingClient extends Endpoint<AnyTlsEvent> {
  readonly #config: NegotiatingClientConfig;
  readonly #tls13: Machine<ClientContext, DecodedHandshake>;
  #tls12: Machine<Tls12ClientContext> | undefined;
  /** The ServerHello has chosen the version. */
  #chosen = false;
  #hello: { message: ClientHello; raw: Uint8Array } | undefined;

  constructor(config: NegotiatingClientConfig) {
    const suites = config.cipherSuites ?? [...DEFAULT_CIPHER_SUITES, ...DEFAULT_TLS12_CIPHER_SUITES];
    const tls12 = tls12Suites(suites).map((s) => s.value);
    if (tls12.length === 0) throw new TypeError('NegotiatingClient: no TLS 1.2 cipher suite configured');
    const provider = config.provider ?? new NobleProvider();
    // One verifier (roots parsed once) for whichever version the server picks.
    const verifyServer = serverVerifier('NegotiatingClient', config, provider);
    // Object.assign, not `{ ...config, provider }`: a spread that adds fields makes a new hidden class
    // per connection (docs/performance.md).
    const full = Object.assign({}, config, { provider, verifyServer, cipherSuites: suites });
    const editClientHello = tls12Offer(full, tls12);
    const settings = tls13ClientSettings('NegotiatingClient', Object.assign({}, full, { editClientHello }), provider);
    super(coreOptions(config, provider, 'client'));
    const keys = this.core.useVersion(new Tls13Records(this.core, config.recordSizeLimit));
    this.#config = full;
    this.#tls13 = new Machine({ settings, core: this.core, keys });
  }

  protected onInput(input: CoreInput): void {
    if (!this.#chosen && this.#tls13.current) {
      this.#chosen = true;
      if (input.type === 'server_hello' && !findExtension(input.extensions, 'supported_versions')) {
        // A TLS 1.2 ServerHello (RFC 8446 §4.2.1: no supported_versions): TLS 1.2 from here on.
        this.#tls12 = this.#startTls12();
      }
      // Only the TLS 1.2 path reads it again: an idle connection does not keep its ClientHello (≈ 3 KB).
      this.#hello = undefined;
    }
    if (this.#tls12) {
      this.#tls12.input(input);
    } else {
      if (input.type === 'change_cipher_spec') throw unexpected('RFC 8446 §A.1', this.state, input);
      this.#tls13.input(input);
    }
  }

  #startTls12(): Machine<Tls12ClientContext> {
    const config = this.#config;
    const hello = this.#hello!;
    const schemes = findExtension(hello.message.extensions, 'signature_algorithms')?.schemes;
    return tls12ClientAfterHello(
      this.core,
      Object.assign({}, config, config.tls12, {
        session: config.tls12?.session,
        signatureSchemes: schemes,
        tls13Offered: true,
      }),
      hello.message,
      hello.raw,
    );
  }

  protected describe(): { state: string; offered: Offered } {
    const offered = this.#tls12 ? tls12Offered(this.#tls12.cx.settings) : tls13Offer(this.#tls13.cx.settings);
    return { state: this.state, offered };
  }

  /** Name of the current handshake state of the version in charge. */
  get state(): string {
    return (this.#tls12 ?? this.#tls13).state;
  }

  /** The version in use once the ServerHello has chosen (0x0303 or 0x0304), else undefined. */
  override get version(): number | undefined {
    return this.#chosen ? super.version : undefined;
  }

  /** Send the ClientHello. */
  start(): AnyTlsEvent[] {
    if (this.#tls13.current) throw new TlswireError('NegotiatingClient.start() called twice');
    const events = this.run(() => {
      this.#tls13.current = startTls13Client(this.#tls13.cx);
    });
    for (const e of events) {
      if (e.kind === 'handshake-message' && e.direction === 'sent' && e.message.type === 'client_hello') {
        this.#hello = { message: e.message, raw: e.raw };
      }
    }
    return events;
  }

  /** Send application data (after `established`). */
  override write(data: Uint8Array): AnyTlsEvent[] {
    if (!this.#chosen) throw new TlswireError('write before the handshake is complete');
    return super.write(data);
  }
}

/**
 * The ClientHello edit that adds what a TLS 1.2 server needs (see the module comment) after the
 * user's own edit, with the configured TLS 1.2 session offered.
 */
function tls12Offer(
  config: NegotiatingClientConfig & { provider: NonNullable<ClientConfig['provider']> },
  tls12: readonly number[],
): (hello: ClientHello) => ClientHello {
  const userEdit = config.editClientHello;
  const tickets = config.tls12?.sessionTickets ?? true;
  const provider = config.provider;
  const session = offerableTls12Session(Object.assign({}, config, config.tls12, { session: config.tls12?.session }));
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
  return (hello) =>
    offerTls12(userEdit ? userEdit(hello) : hello, tls12, tickets, {
      sessionId: legacySessionId(hello),
      ticket: session?.ticket,
    });
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
      extensions.push({
        ...e,
        schemes: [...e.schemes, ...PKCS1_SIGNATURE_SCHEMES.filter((s) => !e.schemes.includes(s))],
      });
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
export class NegotiatingServer extends Endpoint<AnyTlsEvent> {
  readonly #tls13: Tls13ServerMachine;
  /** The TLS 1.2 settings, checked and built once (a client verifier parses its roots). */
  readonly #tls12Settings: Tls12ServerSettings;
  #tls12: Tls12ServerMachine | undefined;
  #chosen = false;

  /** @throws TypeError for a configuration of either version that cannot work */
  constructor(config: NegotiatingServerConfig) {
    const provider = config.tls13.provider ?? config.tls12.provider ?? new NobleProvider();
    // Object.assign, not `{ ...config.tls13, provider }` (see NegotiatingClient).
    const tls13 = tls13ServerSettings('NegotiatingServer', Object.assign({}, config.tls13, { provider }), provider);
    const tls12 = tls12ServerSettings(
      'NegotiatingServer',
      Object.assign({}, config.tls12, { provider, tls13Supported: true }),
      provider,
    );
    super(coreOptions(config.tls13, provider, 'server'));
    const keys = this.core.useVersion(new Tls13Records(this.core, config.tls13.recordSizeLimit));
    this.#tls12Settings = tls12;
    this.#tls13 = new Machine({ settings: tls13, core: this.core, keys }, new ExpectClientHello());
  }

  protected onInput(input: CoreInput): void {
    if (!this.#chosen) {
      this.#chosen = true;
      if (input.type === 'client_hello' && !offersTls13(input)) this.#tls12 = this.#startTls12();
    }
    if (this.#tls12) {
      this.#tls12.input(input);
    } else {
      // Anything but a ClientHello without TLS 1.3 goes to the TLS 1.3 states, which answer it with the right alert.
      if (input.type === 'change_cipher_spec') throw unexpected('RFC 8446 §A.2', this.state, input);
      this.#tls13.input(input);
    }
  }

  #startTls12(): Tls12ServerMachine {
    const { core, keys } = useTls12(this.core);
    return new Tls12ServerMachine({ core, keys, settings: this.#tls12Settings });
  }

  protected describe(): { state: string; offered: Offered } {
    const offered = this.#tls12 ? tls12Offered(this.#tls12.cx.settings) : tls13Offer(this.#tls13.cx.settings);
    return { state: this.state, offered };
  }

  protected override run(f: () => void): AnyTlsEvent[] {
    const events = super.run(f);
    return this.#tls12 ? this.#tls12.forgetOnFailure(events) : events;
  }

  /** The version in use once the ClientHello has been read (0x0303 or 0x0304), else undefined. */
  override get version(): number | undefined {
    return this.#chosen ? super.version : undefined;
  }

  /** Name of the current handshake state of the version in charge. */
  get state(): string {
    return this.#tls12 ? this.#tls12.state : this.#tls13.current!.name;
  }

  /** Send application data (after `established`). */
  override write(data: Uint8Array): AnyTlsEvent[] {
    if (!this.#chosen) throw new TlswireError('write before the handshake is complete');
    return super.write(data);
  }

  /** Send close_notify. */
  override close(): AnyTlsEvent[] {
    if (!this.#chosen) throw new TlswireError('close before the ClientHello');
    return super.close();
  }

  /**
   * Send a KeyUpdate (RFC 8446 §4.6.3), asking the client to update too when `requestPeer`.
   * @throws TlswireError before the ClientHello, or on a TLS 1.2 connection (it has no KeyUpdate)
   */
  keyUpdate(requestPeer = false): AnyTlsEvent[] {
    const machine = this.#tls13Only('keyUpdate', 'KeyUpdate, RFC 8446 §4.6.3');
    return this.run(() => machine.cx.keys.keyUpdate(requestPeer));
  }

  /**
   * Send one more NewSessionTicket (RFC 8446 §4.6.1).
   * @throws TlswireError before the ClientHello, or on a TLS 1.2 connection (its ticket, RFC 5077,
   *   goes with the handshake only)
   */
  sendTicket(): AnyTlsEvent[] {
    return this.run(
      sendTicketStep(this.#tls13Only('sendTicket', 'NewSessionTicket after the handshake, RFC 8446 §4.6.1')),
    );
  }

  /**
   * Ask the client for a certificate after the handshake (RFC 8446 §4.6.2); see
   * {@link TlsServer.requestClientAuth}.
   * @throws TlswireError before the ClientHello, or on a TLS 1.2 connection (it has no post-handshake
   *   authentication: configure `tls12.clientAuth` to ask during the handshake), and as
   *   `TlsServer.requestClientAuth` throws
   */
  requestClientAuth(options: { required?: boolean } = {}): AnyTlsEvent[] {
    const machine = this.#tls13Only('requestClientAuth', 'post-handshake authentication, RFC 8446 §4.6.2');
    return this.run(requestClientAuthStep(machine, options));
  }

  /** The TLS 1.3 states in charge, for a TLS 1.3-only call. */
  #tls13Only(call: string, what: string): Tls13ServerMachine {
    if (!this.#chosen) throw new TlswireError(`${call} before the ClientHello: the version is not chosen yet`);
    if (this.#tls12) throw new TlswireError(`${call} needs TLS 1.3 (${what}); this connection speaks TLS 1.2`);
    return this.#tls13;
  }

  /** Keying material exporter (by version). */
  override exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    if (!this.#chosen) throw new TlswireError('exporter used before the handshake is complete');
    return super.exportKeyingMaterial(label, context, length);
  }
}

/** Whether a ClientHello offers TLS 1.3 in supported_versions (RFC 8446 §4.2.1). */
function offersTls13(hello: ClientHello): boolean {
  const versions = findExtension(hello.extensions, 'supported_versions');
  return versions?.form === 'client_hello' && versions.versions.includes(ProtocolVersion.TLS1_3);
}

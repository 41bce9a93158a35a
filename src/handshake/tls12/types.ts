/**
 * The public vocabulary of the TLS 1.2 state machines (RFC 5246 with RFC 7627, RFC 5746, RFC 5077):
 * the same event kinds as TLS 1.3 ({@link TlsEvent}), with a TLS 1.2 session in the `session` event;
 * the sessions a client resumes by ID or ticket, the state a server keeps for them, and the client
 * and server configuration (the TLS 1.3 settings that also apply to TLS 1.2, plus the TLS 1.2 ones).
 * @module
 */
import type { ClientConfig, Negotiated, ServerConfig, TlsEvent, WithServerTrust } from '../types.js';

/**
 * A resumable TLS 1.2 session held by a client (RFC 5246 §7.3, RFC 5077 §3.4): plain data, safe to
 * serialize (it holds a secret: the master secret). Store it per server name and port.
 */
export interface Tls12ClientSession {
  /** 0x0303. */
  version: number;
  cipherSuite: number;
  /** The 48-byte master secret. */
  masterSecret: Uint8Array;
  /** The session used the extended master secret (RFC 7627). */
  extendedMasterSecret: boolean;
  /** The session ID the server assigned (empty when the server only issued a ticket). */
  sessionId: Uint8Array;
  /** A session ticket (RFC 5077), if the server issued one. */
  ticket: Uint8Array | undefined;
  /** Seconds: the ticket's lifetime hint, else the configured session lifetime. */
  lifetime: number;
  /** Clock time (ms) the session was established. */
  receivedAt: number;
  serverName: string | undefined;
  alpn: string | undefined;
}

/** What a server keeps to resume a TLS 1.2 session: in its session cache, or inside a ticket. */
export interface Tls12SessionState {
  cipherSuite: number;
  /** The 48-byte master secret. */
  masterSecret: Uint8Array;
  extendedMasterSecret: boolean;
  /** Clock time (ms) the session was created. */
  issuedAt: number;
  /** Seconds. */
  lifetime: number;
  /** The SNI of the handshake that created it (RFC 6066 §3: resumption must not change it). */
  serverName: string | undefined;
  alpn: string | undefined;
}

/**
 * A server-side session cache (RFC 5246 §7.4.1.3): maps session IDs to session state. Implement it
 * over a shared store to resume across processes; {@link MemorySessionStore} is the default.
 */
export interface Tls12SessionStore {
  put(sessionId: Uint8Array, state: Tls12SessionState): void;
  /** The state stored under `sessionId`, or undefined. */
  get(sessionId: Uint8Array): Tls12SessionState | undefined;
  /** Forget a session (after a fatal alert, RFC 5246 §7.2.2). */
  remove(sessionId: Uint8Array): void;
}

/** Seals session state into an RFC 5077 ticket and opens it again. */
export interface Tls12Ticketer {
  seal(state: Tls12SessionState): Uint8Array;
  /** The state in `ticket`, or undefined when it is not ours or damaged. */
  open(ticket: Uint8Array): Tls12SessionState | undefined;
}

/** What was agreed, as in TLS 1.3, plus whether the extended master secret is in use. */
export interface Tls12Negotiated extends Negotiated {
  /** RFC 7627 extended master secret. */
  extendedMasterSecret: boolean;
  /** The peer sent renegotiation_info or the SCSV (RFC 5746). */
  secureRenegotiation: boolean;
}

/**
 * Events of a TLS 1.2 connection: the {@link TlsEvent} kinds, with the TLS 1.2 forms of `negotiated`
 * and `session`.
 */
export type Tls12Event =
  | Exclude<TlsEvent, { kind: 'session' } | { kind: 'negotiated' }>
  | ({ kind: 'negotiated' } & Tls12Negotiated)
  /** Client: a resumable session (after the handshake, by session ID and/or ticket). */
  | { kind: 'session'; session: Tls12ClientSession };

/** TLS 1.3 client settings that have no meaning in TLS 1.2. */
type Tls13OnlyClient =
  | 'session'
  | 'keyShareGroups'
  | 'pskModes'
  | 'earlyData'
  | 'postHandshakeAuth'
  | 'middleboxCompat'
  | 'recordSizeLimit';

/**
 * TLS 1.2 client settings, `verifyServer` required (see {@link Tls12ClientConfig}, where `roots` may
 * take its place). `cipherSuites` may list TLS 1.3 suites too; only TLS 1.2 ones are used.
 */
export interface Tls12ClientOptions extends Omit<ClientConfig, Tls13OnlyClient> {
  /** A session to resume (by ticket when it has one, else by session ID). */
  session?: Tls12ClientSession;
  /** Offer the session_ticket extension (RFC 5077; default true). */
  sessionTickets?: boolean;
  /**
   * `'require'` aborts with handshake_failure when the server does not negotiate the extended master
   * secret (RFC 7627 §5.2); `'prefer'` (default) continues with the RFC 5246 master secret.
   */
  extendedMasterSecret?: 'require' | 'prefer';
  /**
   * Legacy servers only (default false): also keep and offer sessions without the extended master
   * secret (RFC 7627 §5.3: the client SHOULD NOT; §5.4 says what such a connection loses). Off, such a
   * session produces no `session` event.
   */
  allowResumptionWithoutEms?: boolean;
  /** Session lifetime in seconds when the server gives no ticket hint (default 7200). */
  sessionLifetime?: number;
  /**
   * The client also offers TLS 1.3: check the downgrade sentinel (RFC 8446 §4.1.3) in a TLS 1.2
   * ServerHello and abort with illegal_parameter when it is there.
   */
  tls13Offered?: boolean;
}

/**
 * The settings of `Tls12Client`: {@link Tls12ClientOptions} with either `verifyServer` or `roots` (the
 * default verifier checks the chain against them, for `serverName`, at the `now` clock's time). With
 * neither, the client refuses to be constructed.
 */
export type Tls12ClientConfig = WithServerTrust<Tls12ClientOptions>;

/** TLS 1.3 server settings that have no meaning in TLS 1.2. */
type Tls13OnlyServer =
  | 'groupSelection'
  | 'hrrCookie'
  | 'sendSupportedGroups'
  | 'ticketer'
  | 'ticketCount'
  | 'pskModes'
  | 'maxEarlyDataSize'
  | 'antiReplay'
  | 'middleboxCompat'
  | 'recordSizeLimit';

/** TLS 1.2 server settings. `cipherSuites` may list TLS 1.3 suites too; only TLS 1.2 ones are used. */
export interface Tls12ServerConfig extends Omit<ServerConfig, Tls13OnlyServer> {
  /** Session cache for session-ID resumption; without one the server sends an empty session ID. */
  sessionStore?: Tls12SessionStore;
  /** Issue and accept RFC 5077 tickets with this ticketer. */
  ticketer?: Tls12Ticketer;
  /** Session lifetime in seconds (cache entries and ticket hint; default 7200). */
  sessionLifetime?: number;
  /** `'require'` refuses clients without extended_master_secret (RFC 7627 §5.2); default `'prefer'`. */
  extendedMasterSecret?: 'require' | 'prefer';
  /**
   * Legacy peers only (default false): also make sessions without the extended master secret
   * resumable, issuing them a session ID and ticket and resuming them when the client again does not
   * offer the extension (RFC 7627 §5.3 permits it; §5.4: such connections are open to the
   * triple-handshake attacks the extension prevents). Off, a session without it gets an empty session
   * ID and no ticket, since it would never be resumed.
   */
  allowResumptionWithoutEms?: boolean;
  /**
   * The server also supports TLS 1.3: write the TLS 1.2 downgrade sentinel in the last 8 bytes of
   * ServerHello.random (RFC 8446 §4.1.3).
   */
  tls13Supported?: boolean;
}

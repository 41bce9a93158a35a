/**
 * The public vocabulary of the TLS 1.3 state machines (RFC 8446): the events a connection emits,
 * the sessions it hands out for resumption (RFC 8446 §4.6.1, §2.2), and the configuration of a
 * client and a server.
 * @module
 */
import type { CryptoProvider, PrivateKey } from '../crypto/provider.js';
import type { HandshakeMessage } from '../tls/messages/handshake.js';
import type { ClientHello } from '../tls/messages/hello.js';
import type { RevocationSource } from '../x509/crl.js';
import type { TrustStore } from '../x509/verify.js';
import type { CertificateRequestInfo } from './policy.js';
import type { OcspClientOptions, OcspServerOptions, OcspStapleReport } from './stapling.js';
import type { Tls12Event } from './tls12/types.js';

/** An event of either version's machine (they share every kind; `session` carries that version's session). */
export type AnyTlsEvent = TlsEvent | Tls12Event;

/** Something a connection reports or asks its caller to do, in order. */
export type TlsEvent =
  /** Write these bytes (one complete record) to the peer. */
  | { kind: 'send'; bytes: Uint8Array }
  /** Application data from the peer; `early` for 0-RTT data (RFC 8446 §2.3), which may be replayed. */
  | { kind: 'data'; bytes: Uint8Array; early: boolean }
  /** A handshake message crossed the wire; `raw` is exactly what the transcript hashed. */
  | { kind: 'handshake-message'; direction: 'sent' | 'received'; message: HandshakeMessage; raw: Uint8Array }
  /** A secret for an SSLKEYLOGFILE line: `label client_random secret`. */
  | { kind: 'secret'; label: string; secret: Uint8Array; clientRandom: Uint8Array }
  /** The parameters agreed in the ServerHello and EncryptedExtensions. */
  | ({ kind: 'negotiated' } & Negotiated)
  /** Both Finished messages are done: application data may flow both ways. */
  | { kind: 'established' }
  /** Client: a resumable session from a NewSessionTicket (RFC 8446 §4.6.1). */
  | { kind: 'session'; session: ClientSession }
  /**
   * The peer presented this certificate chain (DER, leaf first) and proved possession of the leaf key.
   * Client: `ocsp` tells about the stapled OCSP response when status_request was sent (RFC 6066 §8).
   */
  | { kind: 'peer-certificate'; chain: Uint8Array[]; ocsp?: OcspStapleReport }
  /**
   * Server: the client answered a post-handshake CertificateRequest (RFC 8446 §4.6.2) and its
   * Finished verified; `chain` is what it proved (after `peer-certificate`), empty when it declined.
   */
  | { kind: 'post-handshake-auth'; context: Uint8Array; chain: Uint8Array[] }
  /** A KeyUpdate was sent or received and that direction now uses the next traffic secret (RFC 8446 §4.6.3). */
  | { kind: 'key-update'; direction: 'sent' | 'received' }
  | { kind: 'alert-sent'; level: number; description: number }
  | { kind: 'alert-received'; level: number; description: number }
  /** The peer sent close_notify: it will send no more data (RFC 8446 §6.1). */
  | { kind: 'closed' }
  /** The connection failed; an alert was sent unless the peer's own alert ended it. */
  | { kind: 'error'; error: Error };

/** What was agreed. */
export interface Negotiated {
  /** 0x0304. */
  version: number;
  cipherSuite: number;
  /** The key-exchange group (NamedGroup), or undefined in psk_ke mode. */
  group: number | undefined;
  alpn: string | undefined;
  /** A PSK was accepted. */
  resumed: boolean;
  /** The server accepted 0-RTT data. */
  earlyDataAccepted: boolean;
  /** A HelloRetryRequest was exchanged. */
  helloRetry: boolean;
  /** The server name the client asked for (server: as received). */
  serverName: string | undefined;
}

/**
 * A resumable session held by a client (RFC 8446 §4.6.1): plain data, safe to serialize (it holds
 * a secret: the PSK).
 */
export interface ClientSession {
  /** The cipher suite of the connection that issued it; its hash must be used with the PSK. */
  cipherSuite: number;
  /** HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
  psk: Uint8Array;
  /** The opaque ticket: the PSK identity. */
  ticket: Uint8Array;
  ageAdd: number;
  /** Seconds. */
  lifetime: number;
  /** Clock time (ms) the ticket was received. */
  receivedAt: number;
  /** From the ticket's early_data extension; 0 when 0-RTT is not allowed. */
  maxEarlyDataSize: number;
  serverName: string | undefined;
  alpn: string | undefined;
}

/** A certificate chain (DER, leaf first) and the leaf's private key. */
export interface CertifiedKey {
  chain: Uint8Array[];
  key: PrivateKey;
}

/** What a certificate verifier is told. */
export interface VerifyContext {
  /** The server name the client asked for (client side), or the SNI received (server side). */
  serverName: string | undefined;
  /** The clock's time in ms. */
  now: number;
}

/**
 * Decides whether a presented chain (DER, leaf first) is trusted. Throw to reject: a
 * `CertificateError` or `TlsAlertError` names the alert; anything else becomes bad_certificate.
 * Possession of the leaf key (CertificateVerify) is always checked by the state machine.
 */
export type CertificateVerifier = (chain: readonly Uint8Array[], ctx: VerifyContext) => void;

/** Settings both roles share. */
export interface CommonConfig {
  /** Crypto, randomness included (default: a new NobleProvider). */
  provider?: CryptoProvider;
  /** TLS 1.3 cipher suites in preference order (default AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305). */
  cipherSuites?: readonly number[];
  /**
   * NamedGroups in preference order (default x25519, secp256r1, x448, secp521r1, secp384r1; the RFC 7919
   * FFDHE groups only when listed). Groups the provider cannot
   * compute may be listed (they are advertised but never used).
   */
  groups?: readonly number[];
  /** SignatureSchemes accepted from the peer and usable for our CertificateVerify, in preference order. */
  signatureSchemes?: readonly number[];
  /** ALPN protocol names (RFC 7301), in preference order. */
  alpn?: readonly string[];
  /** record_size_limit to advertise (RFC 8449), 64..16385. */
  recordSizeLimit?: number;
  /** Middlebox compatibility mode (RFC 8446 §D.4): legacy_session_id and dummy ChangeCipherSpec. */
  middleboxCompat?: boolean;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /**
   * Research hook: sees every outgoing handshake message before it is protected and sent; return
   * replacement bytes (header included) to send and hash instead, or undefined to keep it.
   */
  onOutgoingMessage?: (message: HandshakeMessage, raw: Uint8Array) => Uint8Array | undefined;
  /**
   * Emit `secret` events carrying the traffic secrets (SSLKEYLOGFILE material, for Wireshark). Off by
   * default: no copy of a secret leaves the connection unless a key log asks for it. A function is
   * asked at each secret (an adapter whose key log listener may come later).
   */
  keyLog?: boolean | (() => boolean);
  /** What a peer may send for free before the connection ends with unexpected_message (docs/security.md). */
  limits?: Partial<PeerLimits>;
}

/**
 * Bounds on what a peer can make us spend without progress (each counted in a row: anything else
 * received resets it). Defaults are OpenSSL's where it has one.
 */
export interface PeerLimits {
  /** Empty application_data records in a row (default 32, as OpenSSL). */
  emptyRecords: number;
  /** Warning alerts in a row: TLS 1.2 warnings, TLS 1.3 user_canceled (default 5, as OpenSSL). */
  warningAlerts: number;
  /** TLS 1.3 ChangeCipherSpec records dropped during the handshake (default 1: a second is refused, as OpenSSL). */
  changeCipherSpecs: number;
  /** TLS 1.3 KeyUpdates received without application data between them (default 32, as OpenSSL). */
  keyUpdates: number;
}

/** The default {@link PeerLimits}. */
export const DEFAULT_PEER_LIMITS: Readonly<PeerLimits> = {
  emptyRecords: 32,
  warningAlerts: 5,
  changeCipherSpecs: 1,
  keyUpdates: 32,
};

/** Client settings. */
export interface ClientConfig extends CommonConfig, OcspClientOptions {
  /** server_name to send (RFC 6066 §3) and to check the certificate against. */
  serverName?: string;
  /** Groups to send key shares for in the first ClientHello (default: the first of `groups`). */
  keyShareGroups?: readonly number[];
  /** A session to resume (RFC 8446 §2.2). */
  session?: ClientSession;
  /** PSK key exchange modes to offer (default psk_dhe_ke). */
  pskModes?: readonly number[];
  /** 0-RTT data to send with a resumed session that allows it (RFC 8446 §2.3). */
  earlyData?: Uint8Array;
  /** Our certificate for a CertificateRequest; without one we answer with an empty Certificate. */
  certificate?: CertifiedKey;
  /** Offer post_handshake_auth (RFC 8446 §4.2.6). */
  postHandshakeAuth?: boolean;
  /**
   * Decides trust in the server's chain (RFC 8446 §4.4.2.4, RFC 5246 §7.4.2). The clients accept
   * {@link WithServerTrust} settings, where `roots` may take its place.
   */
  verifyServer: CertificateVerifier;
  /**
   * Trust anchors for the clients' default verifier, used when `verifyServer` is absent: src/x509
   * `verifyCertificateChain` with hostname `serverName`, purpose serverAuth, at the `now` clock's time.
   */
  roots?: TrustStore | readonly Uint8Array[];
  /** Intermediates (DER) the default verifier may use when the server leaves them out. */
  intermediates?: readonly Uint8Array[];
  /**
   * Revocation status for the default verifier (`roots`), e.g. a src/x509 `CrlSet` of CRLs the caller
   * fetched (RFC 5280 §6.3): a listed certificate fails with certificate_revoked. Not used by `verifyServer`.
   */
  revocation?: RevocationSource;
  /** Pad a ClientHello of 256..511 bytes to 512 with the padding extension (RFC 7685, as NSS does). */
  padding?: boolean;
  /** Research hook: edit the ClientHello before padding and PSK binders are computed. */
  editClientHello?: (hello: ClientHello) => ClientHello;
}

/**
 * The settings of the TLS 1.3 client (`TlsClient`): {@link ClientConfig} with either `verifyServer`
 * or `roots` (then the default verifier checks the chain against them). With neither, the client
 * refuses to be constructed: it never trusts a server silently.
 */
export type TlsClientConfig = WithServerTrust<ClientConfig>;

/**
 * Client settings `C` with either `verifyServer` or `roots` (the default verifier): the form of
 * {@link TlsClientConfig}, `Tls12ClientConfig` and `NegotiatingClientConfig`.
 */
export type WithServerTrust<C extends { verifyServer: CertificateVerifier }> = Omit<C, 'verifyServer'> &
  (
    | { verifyServer: CertificateVerifier }
    | { verifyServer?: CertificateVerifier; roots: TrustStore | readonly Uint8Array[] }
  );

/** The state a server keeps in a ticket (RFC 8446 §4.6.1) to resume a session. */
export interface ServerSessionState {
  cipherSuite: number;
  psk: Uint8Array;
  ageAdd: number;
  /** Clock time (ms) the ticket was issued. */
  issuedAt: number;
  /** Seconds. */
  lifetime: number;
  maxEarlyDataSize: number;
  alpn: string | undefined;
  serverName: string | undefined;
}

/** Turns session state into a ticket and back (stateless tickets, or a key into a store). */
export interface Ticketer {
  /** The ticket for `state`; `state.psk` is wiped once this returns (copy it to keep it). */
  seal(state: ServerSessionState): Uint8Array;
  /** The state of a ticket, or undefined when it is not ours, damaged or forgotten. */
  open(ticket: Uint8Array): ServerSessionState | undefined;
}

/**
 * 0-RTT anti-replay (RFC 8446 §8), asked by the server for a ClientHello that passed every other
 * 0-RTT check, the freshness check (§8.3) included. `key` identifies the ticket (16 bytes of SHA-256
 * of its PSK identity); `expiresAt` (clock ms) is the last moment that ClientHello passes the
 * freshness check; `now` is the server's clock. Return true to accept 0-RTT: the first time `key` is
 * seen, then not again while `now ≤ expiresAt`. Returning false costs only the 0-RTT data (the handshake goes on in 1-RTT),
 * so a store that is full or unsure should return false. See `SingleUseAntiReplay`.
 */
export interface AntiReplay {
  accept(key: Uint8Array, expiresAt: number, now: number): boolean;
}

/** Chooses the server's certificate for a ClientHello (RFC 6066 §3 server_name, RFC 8446 §4.2.3 schemes). */
export type CertificateSelector = (
  serverName: string | undefined,
  hello: CertificateRequestInfo,
) => CertifiedKey | undefined;

/**
 * Chooses the server's ALPN protocol (RFC 7301 §3.2) among those the client offers (given with its
 * server_name); undefined refuses them all (no_application_protocol).
 */
export type AlpnSelector = (offered: readonly string[], serverName: string | undefined) => string | undefined;

/** Server settings. */
export interface ServerConfig extends CommonConfig, OcspServerOptions {
  /** Chooses the ALPN protocol instead of `alpn` (called only when the client offers ALPN). */
  alpnSelector?: AlpnSelector;
  /**
   * Our certificate; or several (an ECDSA and an RSA one, say), of which the first whose key can sign
   * with a scheme the client accepts and whose chain it accepts (signature_algorithms_cert) is sent;
   * or a selector given the SNI and the client's schemes (undefined → handshake_failure).
   */
  certificate: CertifiedKey | readonly CertifiedKey[] | CertificateSelector;
  /**
   * `'avoid-hrr'` (default): the most preferred group the client sent a share for, else a
   * HelloRetryRequest; `'server-order'`: our most preferred group the client supports, with a
   * HelloRetryRequest if it sent no share for it.
   */
  groupSelection?: 'avoid-hrr' | 'server-order';
  /** Cookie to send in a HelloRetryRequest (RFC 8446 §4.2.2); the client must echo it. */
  hrrCookie?: () => Uint8Array;
  /** Send our groups in EncryptedExtensions (RFC 8446 §4.2.7; default true). */
  sendSupportedGroups?: boolean;
  /** Issue tickets (RFC 8446 §4.6.1) with this ticketer after the handshake. */
  ticketer?: Ticketer;
  /**
   * Tickets to send after the client's Finished (default 2 when a ticketer is set); after a resumed
   * handshake at most one, as OpenSSL's `SSL_CTX_set_num_tickets`. 0: none.
   */
  ticketCount?: number;
  /** Ticket lifetime in seconds (default 7200, at most 604800). */
  ticketLifetime?: number;
  /** PSK modes accepted (default psk_dhe_ke and psk_ke). */
  pskModes?: readonly number[];
  /** max_early_data_size to put in tickets and accept (0, the default, disables 0-RTT). */
  maxEarlyDataSize?: number;
  /** Anti-replay for 0-RTT (e.g. a `SingleUseAntiReplay`); without one 0-RTT is never accepted. */
  antiReplay?: AntiReplay;
  /** Ask for a client certificate: `'optional'` accepts an empty Certificate, `'require'` does not. */
  clientAuth?: 'none' | 'optional' | 'require';
  /**
   * Decides trust in a client's chain. When absent, `clientRoots` give the default verifier; one of
   * them is required for clientAuth other than 'none' and for post-handshake authentication.
   */
  verifyClient?: CertificateVerifier;
  /**
   * Trust anchors for the servers' default client verifier: src/x509 `verifyCertificateChain`
   * with purpose clientAuth at the `now` clock's time (no name check).
   */
  clientRoots?: TrustStore | readonly Uint8Array[];
  /** Intermediates (DER) the default client verifier may use when the client leaves them out. */
  clientIntermediates?: readonly Uint8Array[];
}

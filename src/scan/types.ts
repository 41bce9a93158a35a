/**
 * The vocabulary of the server scanner: the injected transport (the scanner does no I/O of its own),
 * its options, and the report it produces. Everything in {@link ScanReport} is plain data with
 * camelCase keys, so `JSON.stringify` of a report is the scanner's JSON output. The findings cite
 * RFC 9325 (BCP 195) sections.
 * @module
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { TrustAnchors } from '../handshake/verifier.js';

/** One open connection to the server, as the scanner sees it. */
export interface ScanConnection {
  /** Send bytes. */
  write(bytes: Uint8Array): Promise<void>;
  /** The next bytes received, or `undefined` once the peer closed (or the connection failed). */
  read(): Promise<Uint8Array | undefined>;
  /** Close the connection (idempotent); a pending `read` then resolves `undefined`. */
  close(): void;
}

/** Opens a fresh connection to the server being scanned. */
export type Connect = () => Promise<ScanConnection>;

/** A protocol version the scanner probes. */
export type ScanVersion = 'SSL 3.0' | 'TLS 1.0' | 'TLS 1.1' | 'TLS 1.2' | 'TLS 1.3';

/** Every version probed, oldest first, with its wire value. */
export const SCAN_VERSIONS: readonly { name: ScanVersion; value: number }[] = [
  { name: 'SSL 3.0', value: 0x0300 },
  { name: 'TLS 1.0', value: 0x0301 },
  { name: 'TLS 1.1', value: 0x0302 },
  { name: 'TLS 1.2', value: 0x0303 },
  { name: 'TLS 1.3', value: 0x0304 },
];

/** Options of {@link scan}. */
export interface ScanOptions {
  /** Opens a connection to the server. */
  connect: Connect;
  /** server_name to send and to check the certificates against (omit for an IP address target). */
  serverName?: string;
  /** Trust anchors for the certificate verdict (none: every chain is reported untrusted). */
  roots?: TrustAnchors;
  /** Connections open at once (default {@link DEFAULT_CONCURRENCY}). */
  concurrency?: number;
  /** Milliseconds one connection may take before it counts as no answer (default 5000). */
  connectionTimeout?: number;
  /** Milliseconds the whole scan may take; probes not started by then are skipped (default 120000). */
  timeBudget?: number;
  /** Progress: called as probes finish (`done` of `total` so far, and what just finished). */
  onProgress?: (done: number, total: number, what: string) => void;
  /** Crypto for key shares and the full handshakes (default a NobleProvider). */
  provider?: CryptoProvider;
  /** Milliseconds since the epoch (default Date.now), for the certificate verdict. */
  now?: () => number;
  /** ALPN protocol names to probe for (default {@link DEFAULT_ALPN_CANDIDATES}). */
  alpnCandidates?: readonly string[];
}

/** Default {@link ScanOptions.concurrency}. */
export const DEFAULT_CONCURRENCY = 4;
/** Default {@link ScanOptions.connectionTimeout} (ms). */
export const DEFAULT_CONNECTION_TIMEOUT = 5000;
/** Default {@link ScanOptions.timeBudget} (ms). */
export const DEFAULT_TIME_BUDGET = 120_000;
/** Default {@link ScanOptions.alpnCandidates}. */
export const DEFAULT_ALPN_CANDIDATES: readonly string[] = [
  'h2',
  'http/1.1',
  'http/1.0',
  'spdy/3.1',
  'h3',
  'acme-tls/1',
];

/** A cipher suite as found: its code point and IANA name (or hex). */
export interface FoundSuite {
  value: number;
  name: string;
  /** TLS 1.2 and earlier: the ECDHE group or the DHE prime size the ServerKeyExchange named. */
  keyExchange?: string;
}

/** What one version's probes found. */
export interface VersionResult {
  version: ScanVersion;
  supported: boolean;
  /** Suites accepted, in the order the server chose them (its preference when `serverOrder`). */
  cipherSuites: FoundSuite[];
  /**
   * True: the server picks by its own preference; false: by ours (the client's); undefined: one
   * suite or fewer, nothing to tell.
   */
  serverOrder: boolean | undefined;
}

/** A certificate chain the server presented, with the verifier's verdict. */
export interface ChainResult {
  /** What the chain was asked for with: the signature type offered. */
  signatureType: 'ECDSA' | 'RSA' | 'EdDSA';
  /** The version the chain was obtained with. */
  version: ScanVersion;
  certificates: CertificateSummary[];
  /** The verdict of tlswire's verifier (src/handshake/verifier.ts). */
  trusted: boolean;
  /** When not trusted: the alert name (`bad_certificate`, `unknown_ca` …), the reason and a hint. */
  error?: { alert: string; reason: string; hint?: string };
}

/** One certificate of a chain. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** `EC secp256r1`, `RSA 2048` … */
  publicKey: string;
  signatureAlgorithm: string;
  notBefore: string;
  notAfter: string;
  dnsNames: string[];
  /** SHA-256 of the DER, lower-case hex (absent when it does not parse). */
  sha256?: string;
  /** The parse error, when the certificate does not parse. */
  parseError?: string;
}

/** Groups and key-share behaviour. */
export interface GroupResult {
  /** TLS 1.3 groups the server accepts (asked for by HelloRetryRequest when we sent no share). */
  tls13: string[];
  /** The group the server asks for when offered every group with no share (its preference). */
  tls13Preferred?: string;
  /** Groups the server answered with a HelloRetryRequest although we sent a share for another group it supports. */
  hrrDespiteShare: string[];
  /** TLS 1.2 ECDHE groups (from the ServerKeyExchange). */
  tls12: string[];
}

/** Resumption and 0-RTT. */
export interface ResumptionResult {
  /** TLS 1.2 resumption by session ID (RFC 5246 §7.3). */
  sessionId?: boolean;
  /** TLS 1.2 resumption by session ticket (RFC 5077). */
  ticket?: boolean;
  /** TLS 1.3 PSK resumption (RFC 8446 §2.2). */
  psk?: boolean;
  /** TLS 1.3 tickets issued on one connection. */
  tls13Tickets?: number;
  /** max_early_data_size of the TLS 1.3 tickets (0: no 0-RTT). */
  maxEarlyData?: number;
  /** Why some of these could not be told. */
  notes: string[];
}

/** Extensions and features of the highest TLS ≤ 1.2 version the server speaks (and TLS 1.3 where said). */
export interface FeatureResult {
  /** extended_master_secret (RFC 7627) echoed. */
  extendedMasterSecret?: boolean;
  /** renegotiation_info (RFC 5746) echoed. */
  secureRenegotiation?: boolean;
  /** encrypt_then_mac (RFC 7366) echoed for a CBC suite. */
  encryptThenMac?: boolean;
  /** OCSP stapling: TLS 1.2 status_request echoed, or a TLS 1.3 CertificateEntry status. */
  ocspStapling: { tls12?: boolean; tls13?: boolean };
  /** TLS compression (DEFLATE) chosen when offered. */
  compression?: boolean;
  /** record_size_limit (RFC 8449) the server answered with, per version. */
  recordSizeLimit: { tls12?: number; tls13?: number };
  /** ALPN protocols the server selects, in the order it preferred them. */
  alpn: string[];
  /** TLS 1.3 ServerHello's downgrade sentinel (RFC 8446 §4.1.3) when we offered only TLS 1.2. */
  downgradeSentinel?: boolean;
  /** TLS_FALLBACK_SCSV (RFC 7507): the server answered inappropriate_fallback. */
  fallbackScsv?: boolean;
}

/** A weakness or a good practice, rated against RFC 9325. */
export interface Finding {
  /** Stable identifier, e.g. `tls10-enabled`. */
  id: string;
  severity: 'high' | 'medium' | 'low' | 'info';
  /** RFC 9325 section, e.g. `3.1.1`. */
  rfc9325: string;
  message: string;
}

/** Everything a scan found. */
export interface ScanReport {
  target: string;
  /** Wall-clock time of the scan (ms). */
  elapsedMs: number;
  /** Connections made. */
  connections: number;
  /** Probes skipped because the time budget ran out (0 when complete). */
  skipped: number;
  versions: VersionResult[];
  groups: GroupResult;
  /** TLS 1.3 signature schemes the server accepts (its handshake goes on), and TLS 1.2 ones seen in ServerKeyExchange. */
  signatureSchemes: { tls13: string[]; tls12: string[] };
  certificates: ChainResult[];
  resumption: ResumptionResult;
  features: FeatureResult;
  findings: Finding[];
}

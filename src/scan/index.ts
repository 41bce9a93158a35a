/**
 * `tlswire/scan`: a TLS server scanner over an injected transport (versions, cipher suites and
 * order, groups, signature schemes, certificates, extensions, resumption, downgrade protection),
 * with findings rated against RFC 9325.
 * @module
 */
export { judgeChain, SIGNATURE_TYPES, summarizeCertificate } from './certs.js';
export { assessFindings } from './findings.js';
export { ProbePool } from './pool.js';
export type { FlightMessage, HelloSpec, ServerAnswer } from './probe.js';
export { ALL_GROUPS, ALL_SIGNATURE_SCHEMES, accepts, buildClientHello, exchange, helloRecords } from './probe.js';
export { formatScanReport } from './report.js';
export { scan } from './scanner.js';
export type { SuiteTraits } from './suites.js';
export { legacySuites, suiteTraits, tls13Suites } from './suites.js';
export type {
  CertificateSummary,
  ChainResult,
  Connect,
  FeatureResult,
  Finding,
  FoundSuite,
  GroupResult,
  ResumptionResult,
  ScanConnection,
  ScanOptions,
  ScanReport,
  ScanVersion,
  VersionResult,
} from './types.js';
export {
  DEFAULT_ALPN_CANDIDATES,
  DEFAULT_CONCURRENCY,
  DEFAULT_CONNECTION_TIMEOUT,
  DEFAULT_TIME_BUDGET,
  SCAN_VERSIONS,
} from './types.js';

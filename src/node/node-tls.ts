/**
 * The `node:tls` surface of the adapter: the certificate objects of `getPeerCertificate()` (Node's
 * legacy form, built by `X509Certificate.toLegacyObject()`), OpenSSL's verify error codes
 * (`CERT_HAS_EXPIRED`, …) and alert codes (`ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`, …) for our typed errors,
 * the verifier that records `authorized` / `authorizationError` as node:tls does (chain first, then
 * `checkServerIdentity`, RFC 9525 §6), and OpenSSL cipher names (`getCipher()`, the `ciphers` option).
 * @module
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import type { CryptoProvider } from '../crypto/provider.js';
import type { CertificateVerifier } from '../handshake/types.js';
import { AlertDescription, CipherSuite, nameOf, SignatureScheme } from '../tls/enums.js';
import { parseCertificate } from '../x509/certificate.js';
import { CertificateError, type CertificateErrorCode } from '../x509/errors.js';
import { type CertificatePurpose, type TrustStore, verifyCertificateChain } from '../x509/verify.js';
import { lookupGroup, lookupName } from './names.js';

/** A certificate as `tls.TLSSocket.getPeerCertificate()` gives it (`issuerCertificate` when detailed). */
export type NodePeerCertificate = PeerCertificate & { issuerCertificate?: NodePeerCertificate };

/**
 * The peer's certificate as node:tls gives it: `{}` without one; with `detailed`, each certificate's
 * `issuerCertificate` is the next of the chain, ending with the trust anchor that issued the last
 * one (when known), whose `issuerCertificate` is itself, as OpenSSL builds it.
 */
export function peerCertificateObject(
  chain: readonly Uint8Array[],
  anchors: readonly Uint8Array[],
  detailed: boolean,
): NodePeerCertificate | Record<string, never> {
  if (chain.length === 0) return {};
  const x509 = chain.map((der) => new X509Certificate(der));
  const leaf = x509[0]!.toLegacyObject() as NodePeerCertificate;
  if (!detailed) return leaf;
  const last = x509[x509.length - 1]!;
  if (!last.checkIssued(last)) {
    const anchor = anchors.map((der) => new X509Certificate(der)).find((a) => last.checkIssued(a));
    if (anchor) x509.push(anchor);
  }
  let previous = leaf;
  for (const cert of x509.slice(1)) {
    const next = cert.toLegacyObject() as NodePeerCertificate;
    previous.issuerCertificate = next;
    previous = next;
  }
  if (x509[x509.length - 1]!.checkIssued(x509[x509.length - 1]!)) previous.issuerCertificate = previous;
  return leaf;
}

/** OpenSSL's verify error (as node:tls names it in `code` and `authorizationError`) of each of our codes. */
const VERIFY_CODES: Readonly<Record<CertificateErrorCode, string>> = {
  expired: 'CERT_HAS_EXPIRED',
  'not-yet-valid': 'CERT_NOT_YET_VALID',
  'unknown-issuer': 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'self-signed': 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'bad-signature': 'CERT_SIGNATURE_FAILURE',
  'hostname-mismatch': 'ERR_TLS_CERT_ALTNAME_INVALID',
  'not-a-ca': 'INVALID_CA',
  'path-length': 'PATH_LENGTH_EXCEEDED',
  'bad-key-usage': 'INVALID_PURPOSE',
  'bad-eku': 'INVALID_PURPOSE',
  'unknown-critical-extension': 'UNHANDLED_CRITICAL_EXTENSION',
  malformed: 'CERT_REJECTED',
  'unsupported-algorithm': 'CERT_REJECTED',
  'empty-chain': 'CERT_REJECTED',
  'depth-exceeded': 'CERT_CHAIN_TOO_LONG',
  revoked: 'CERT_REVOKED',
  'revocation-unknown': 'UNABLE_TO_GET_CRL',
  'name-constraints': 'PERMITTED_SUBTREE_VIOLATION',
};

/** OpenSSL's messages for its verify errors (node:tls's `error.message`). */
const VERIFY_MESSAGES: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_REVOKED: 'certificate revoked',
  UNABLE_TO_GET_CRL: 'unable to get certificate CRL',
  PERMITTED_SUBTREE_VIOLATION: 'permitted subtree violation',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  INVALID_CA: 'invalid CA certificate',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  INVALID_PURPOSE: 'unsupported certificate purpose',
  UNHANDLED_CRITICAL_EXTENSION: 'unhandled critical extension',
  CERT_REJECTED: 'certificate rejected',
  CERT_CHAIN_TOO_LONG: 'certificate chain too long',
};

function isSelfIssued(der: Uint8Array): boolean {
  const c = parseCertificate(der);
  return c.subject.text === c.issuer.text;
}

/**
 * The node:tls code of a certificate error on `chain`. OpenSSL tells apart three ways of not reaching a
 * trusted root: the leaf alone (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`), a chain ending in an untrusted
 * self-signed root (`SELF_SIGNED_CERT_IN_CHAIN`), and a chain whose last issuer is missing.
 */
export function verifyErrorCode(error: CertificateError, chain: readonly Uint8Array[]): string {
  if (error.code !== 'unknown-issuer') return VERIFY_CODES[error.code];
  if (chain.length <= 1) return 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
  try {
    if (isSelfIssued(chain[chain.length - 1]!)) return 'SELF_SIGNED_CERT_IN_CHAIN';
  } catch {
    // An unparsable certificate: the general code.
  }
  return 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
}

/** A CertificateError carrying node's code as `nodeCode` (its `code` is ours: `expired`, …). */
function withCode(error: CertificateError, code: string): CertificateError {
  return Object.assign(error, { nodeCode: code });
}

/** The node:tls code of a CertificateError: the one {@link nodeVerifier} gave it, else by its code. */
export function nodeCodeOf(error: CertificateError): string {
  return (error as CertificateError & { nodeCode?: string }).nodeCode ?? VERIFY_CODES[error.code];
}

/** OpenSSL's reason name of an alert received (`SSLV3_ALERT_…` for SSLv3's alerts, `TLSV1_…` after). */
const SSLV3_ALERTS = new Set([
  'unexpected_message',
  'bad_record_mac',
  'decompression_failure',
  'handshake_failure',
  'no_certificate',
  'bad_certificate',
  'unsupported_certificate',
  'certificate_revoked',
  'certificate_expired',
  'certificate_unknown',
  'illegal_parameter',
]);

/** node:tls's code for an alert received from the peer: `ERR_SSL_` and OpenSSL's reason name. */
export function alertCode(alert: number): string {
  const name = nameOf(AlertDescription, alert);
  if (SSLV3_ALERTS.has(name)) return `ERR_SSL_SSLV3_ALERT_${name.toUpperCase()}`;
  if (name === 'certificate_required' || name === 'missing_extension') {
    return `ERR_SSL_TLSV13_ALERT_${name.toUpperCase()}`;
  }
  if (name === 'unrecognized_name' || name === 'unsupported_extension') return `ERR_SSL_TLSV1_${name.toUpperCase()}`;
  return `ERR_SSL_TLSV1_ALERT_${name.toUpperCase()}`;
}

/** Options of {@link nodeVerifier}. */
export interface NodeVerifierOptions {
  roots: TrustStore;
  purpose: CertificatePurpose;
  rejectUnauthorized: boolean;
  /** Client side: node's `checkServerIdentity(hostname, cert)` (default: src/x509's RFC 9525 check). */
  checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined;
  /** Client side: the name to check (`servername`, else `host`). */
  hostname?: string;
  /** Receives the verification result: undefined when authorized, else the error (with `code`). */
  record: (error: CertificateError | undefined) => void;
  provider?: CryptoProvider;
}

/**
 * A verifier that checks as node:tls does — the chain (src/x509 `verifyCertificateChain`, no host
 * name), then, when it holds, `checkServerIdentity` on the leaf — records the outcome, and throws it
 * (so the state machine sends its alert) only with `rejectUnauthorized`.
 */
export function nodeVerifier(options: NodeVerifierOptions): CertificateVerifier {
  return (chain, ctx) => {
    const error = verifyOutcome(chain, ctx.now, options);
    options.record(error);
    if (error && options.rejectUnauthorized) throw error;
  };
}

function verifyOutcome(
  chain: readonly Uint8Array[],
  now: number,
  options: NodeVerifierOptions,
): CertificateError | undefined {
  const verify = (hostname: string | undefined) =>
    verifyCertificateChain(chain, {
      roots: options.roots,
      time: now,
      hostname,
      purpose: options.purpose,
      provider: options.provider,
    });
  // The default identity check is src/x509's (RFC 9525 §6, with its reason and hint); as node:tls, a
  // chain error is reported before a name mismatch.
  const builtIn = options.checkServerIdentity === undefined ? options.hostname : undefined;
  let result = verify(builtIn);
  if (!result.ok && result.error.code === 'hostname-mismatch') {
    const chainOnly = verify(undefined);
    if (chainOnly.ok) return withCode(result.error, 'ERR_TLS_CERT_ALTNAME_INVALID');
    result = chainOnly;
  }
  if (!result.ok) return withCode(result.error, verifyErrorCode(result.error, chain));
  if (options.hostname === undefined || options.checkServerIdentity === undefined) return undefined;
  const leaf = peerCertificateObject(chain, [], false) as PeerCertificate;
  const failed = options.checkServerIdentity(options.hostname, leaf) as
    | (Error & { code?: string; reason?: string })
    | undefined;
  if (!failed) return undefined;
  const error = new CertificateError('hostname-mismatch', failed.reason ?? failed.message, {
    index: 0,
    subject: parseCertificate(chain[0]!).subject.text,
    cause: failed,
  });
  return withCode(error, failed.code ?? 'ERR_TLS_CERT_ALTNAME_INVALID');
}

/** OpenSSL's message for a verify error code (`certificate has expired`), or undefined. */
export function verifyMessage(code: string): string | undefined {
  return VERIFY_MESSAGES[code];
}

/** OpenSSL's names of the cipher suites tlswire implements (IANA name → OpenSSL name). */
const OPENSSL_NAMES: Readonly<Record<string, string>> = {
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 'DHE-RSA-AES128-GCM-SHA256',
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 'DHE-RSA-AES256-GCM-SHA384',
  TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'DHE-RSA-CHACHA20-POLY1305',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
};

/** `tls.TLSSocket.getCipher()`'s object. */
export interface CipherNameAndProtocol {
  /** OpenSSL's name (`ECDHE-RSA-AES128-GCM-SHA256`; TLS 1.3 suites by their IANA name). */
  name: string;
  /** The IANA name. */
  standardName: string;
  /** The lowest version the suite can be used with, as OpenSSL reports it. */
  version: 'TLSv1.2' | 'TLSv1.3';
}

/** getCipher() of a cipher suite code point. */
export function cipherInfo(cipherSuite: number): CipherNameAndProtocol {
  const standardName = nameOf(CipherSuite, cipherSuite, 2);
  const name = OPENSSL_NAMES[standardName] ?? standardName;
  return { name, standardName, version: cipherSuite >> 8 === 0x13 ? 'TLSv1.3' : 'TLSv1.2' };
}

/**
 * The suites of an OpenSSL cipher list (`ciphers`: `'ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384'`)
 * that tlswire implements, in the list's order; IANA names are accepted too. Keywords, `!`/`-`/`+`
 * operators and aliases (`HIGH`, `DEFAULT`) are not evaluated: an entry that names no suite of ours is
 * skipped, as OpenSSL skips unknown names.
 * @throws TypeError when no entry names a suite tlswire implements
 */
export function cipherList(ciphers: string, ciphersuites?: string): number[] {
  const byName = new Map<string, number>();
  for (const [iana, openssl] of Object.entries(OPENSSL_NAMES)) {
    const value = (CipherSuite as unknown as Record<string, number>)[iana];
    if (value === undefined) continue;
    byName.set(iana, value);
    byName.set(openssl, value);
  }
  const out: number[] = [];
  for (const entry of `${ciphersuites ?? ''}:${ciphers}`.split(/[:, ]+/)) {
    const value = byName.get(entry.trim());
    if (value !== undefined && !out.includes(value)) out.push(value);
  }
  if (out.length === 0)
    throw new TypeError(`ciphers: no cipher suite tlswire implements in ${JSON.stringify(ciphers)}`);
  return out;
}

/**
 * `ecdhCurve` (`'X25519:P-256'`, OpenSSL and IANA names) as NamedGroups; `'auto'` is the default.
 * @throws TypeError for a name no group has
 */
export function groupList(ecdhCurve: string): number[] | undefined {
  if (ecdhCurve === 'auto') return undefined;
  return ecdhCurve.split(':').map((name) => {
    const value = lookupGroup(name);
    if (value === undefined) throw new TypeError(`ecdhCurve: unknown group ${JSON.stringify(name)}`);
    return value;
  });
}

/** OpenSSL's `ALG+HASH` signature algorithm forms. */
const SIGALG_FORMS: Readonly<Record<string, string>> = {
  'ECDSA+SHA256': 'ecdsa_secp256r1_sha256',
  'ECDSA+SHA384': 'ecdsa_secp384r1_sha384',
  'ECDSA+SHA512': 'ecdsa_secp521r1_sha512',
  'RSA-PSS+SHA256': 'rsa_pss_rsae_sha256',
  'RSA-PSS+SHA384': 'rsa_pss_rsae_sha384',
  'RSA-PSS+SHA512': 'rsa_pss_rsae_sha512',
  'RSA+SHA256': 'rsa_pkcs1_sha256',
  'RSA+SHA384': 'rsa_pkcs1_sha384',
  'RSA+SHA512': 'rsa_pkcs1_sha512',
};

/**
 * `sigalgs` (`'ecdsa_secp256r1_sha256:RSA-PSS+SHA256'`) as SignatureSchemes.
 * @throws TypeError for a name no scheme has
 */
export function sigalgList(sigalgs: string): number[] {
  return sigalgs.split(':').map((name) => {
    const value = lookupName(SignatureScheme, SIGALG_FORMS[name.toUpperCase()] ?? name);
    if (value === undefined) throw new TypeError(`sigalgs: unknown signature algorithm ${JSON.stringify(name)}`);
    return value;
  });
}

/**
 * `ALPNProtocols` as node:tls takes it: an array of strings, Buffers or Uint8Arrays, or one Buffer in
 * the wire format (length-prefixed names, RFC 7301 §3.1).
 */
export function alpnList(protocols: readonly (string | Uint8Array)[] | Uint8Array): string[] {
  const decoder = new TextDecoder();
  if (!(protocols instanceof Uint8Array)) {
    return protocols.map((p) => (typeof p === 'string' ? p : decoder.decode(p)));
  }
  const out: string[] = [];
  for (let i = 0; i < protocols.length; ) {
    const length = protocols[i]!;
    if (length === 0 || i + 1 + length > protocols.length) throw new TypeError('ALPNProtocols: malformed wire format');
    out.push(decoder.decode(protocols.subarray(i + 1, i + 1 + length)));
    i += 1 + length;
  }
  return out;
}

/**
 * OCSP stapling in the handshake: the status_request extension and the stapled OCSPResponse (RFC 6066 §8:
 * TLS 1.2 ServerHello `status_request` + CertificateStatus; RFC 8446 §4.4.2.1: TLS 1.3 `status_request` in
 * the leaf's CertificateEntry), and the TLS Feature "must-staple" of the leaf (RFC 7633, status_request = 5).
 *
 * Server: which response to staple (bytes, or a callback asked per handshake). Client: what a stapled
 * response, or its absence, means under the configured {@link OcspPolicy}. The response is verified by
 * src/x509 `verifyOcspResponse` (RFC 6960: issuer or delegated id-kp-OCSPSigning signer, certID of the leaf,
 * thisUpdate / nextUpdate against the connection's clock). A response that cannot be used ends the handshake
 * with bad_certificate_status_response (RFC 6066 §8: "MUST check the OCSP response and abort the handshake
 * if the response is not satisfactory"); a revoked leaf with certificate_revoked (RFC 8446 §6.2).
 * @module
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { AlertDescription, CertificateStatusType } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import { type Extension, findExtension } from '../tls/extensions.js';
import { parseCertificateCached } from '../x509/cache.js';
import type { Certificate } from '../x509/certificate.js';
import { certificateDetails } from '../x509/extensions.js';
import { OcspError, verifyOcspResponse } from '../x509/ocsp.js';
import { TrustStore } from '../x509/verify.js';

/**
 * What the client does with stapling (when it asks for a staple: `requestOcsp`, or `must-staple`):
 * - `ignore`: the response is reported as received, never checked; nothing fails, the TLS Feature neither.
 * - `soft-fail` (default): a stapled response must verify (else bad_certificate_status_response) and not
 *   say revoked (certificate_revoked); no response is accepted unless the leaf carries the TLS Feature
 *   must-staple (RFC 7633), which makes it bad_certificate_status_response.
 * - `must-staple`: always asks; a verified response saying `good` is required (none, unknown or unusable:
 *   bad_certificate_status_response; revoked: certificate_revoked).
 */
export type OcspPolicy = 'ignore' | 'soft-fail' | 'must-staple';

/** What a server's staple callback is told. */
export interface OcspStapleContext {
  /** The SNI the client sent. */
  serverName: string | undefined;
  /** The chain about to be sent (DER, leaf first): the response must be about its leaf. */
  chain: readonly Uint8Array[];
}

/**
 * A server's OCSP response to staple (DER OCSPResponse): fixed bytes, or a callback asked in each handshake
 * where the client sent status_request (a refresher can swap what it returns). Undefined or empty: no staple.
 */
export type OcspStapleSource = Uint8Array | ((ctx: OcspStapleContext) => Uint8Array | undefined);

/** The stapling settings of a client (both versions). */
export interface OcspClientOptions {
  /** Send status_request (RFC 6066 §8) asking the server to staple an OCSP response. Default false. */
  requestOcsp?: boolean;
  /** What the stapled response must be; see {@link OcspPolicy}. Default `soft-fail`. */
  ocspPolicy?: OcspPolicy;
}

/** The stapling settings of a server (both versions). */
export interface OcspServerOptions {
  /** The OCSP response to staple when the client asks (status_request); see {@link OcspStapleSource}. */
  ocspResponse?: OcspStapleSource;
}

/** What a client learned about the server's stapled OCSP response (reported in `peer-certificate`). */
export interface OcspStapleReport {
  /**
   * `good`, `revoked`, `unknown`: a verified response's status; `none`: nothing was stapled; `unchecked`:
   * stapled but not verified (policy `ignore`).
   */
  status: 'good' | 'revoked' | 'unknown' | 'none' | 'unchecked';
  /** The DER OCSPResponse as stapled. */
  response: Uint8Array | undefined;
  /** The leaf carries the TLS Feature status_request (RFC 7633 must-staple). */
  mustStaple: boolean;
  /** thisUpdate / nextUpdate / producedAt of a verified response (ms since the epoch). */
  thisUpdate?: number;
  nextUpdate?: number;
  producedAt?: number;
  /** The response was signed by a delegated responder (RFC 6960 §4.2.2.2). */
  delegated?: boolean;
}

/** TLS Feature value of status_request (RFC 7633 §3, the TLS ExtensionType). */
const STATUS_REQUEST_FEATURE = 5;

/** The status_request our ClientHello carries: ocsp(1), no responder IDs, no request extensions. */
export function statusRequestExtension(): Extension {
  return {
    kind: 'status_request',
    form: 'request',
    statusType: CertificateStatusType.ocsp,
    responderIds: [],
    requestExtensions: new Uint8Array(0),
  };
}

/** True when a client with `options` sends status_request. */
export function requestsOcsp(options: OcspClientOptions): boolean {
  return options.requestOcsp === true || options.ocspPolicy === 'must-staple';
}

/**
 * The OCSP response a server staples in this handshake: only when the ClientHello asked for ocsp(1)
 * (RFC 6066 §8: never unasked) and the source gives a non-empty response (at most 2^24−1 bytes).
 * @throws TypeError when the source gives something else than bytes, or too many
 */
export function serverStaple(
  source: OcspStapleSource | undefined,
  extensions: readonly Extension[] | undefined,
  ctx: OcspStapleContext,
): Uint8Array | undefined {
  if (source === undefined) return undefined;
  const asked = findExtension(extensions, 'status_request');
  if (asked?.form !== 'request' || asked.statusType !== CertificateStatusType.ocsp) return undefined;
  const der = typeof source === 'function' ? source(ctx) : source;
  if (der === undefined || der.length === 0) return undefined;
  if (!(der instanceof Uint8Array) || der.length > 0xffffff) {
    throw new TypeError('ocspResponse must give a DER OCSPResponse of 1..2^24-1 bytes (RFC 6066 §8)');
  }
  return der;
}

/** Where a client may find the leaf's issuer: the chain, then its configured intermediates and roots. */
export interface IssuerSources {
  roots?: TrustStore | readonly Uint8Array[];
  intermediates?: readonly Uint8Array[];
}

/** The issuer of `leaf`: the first candidate whose subject is the leaf's issuer name. */
function findIssuer(leaf: Certificate, chain: readonly Uint8Array[], sources: IssuerSources): Certificate | undefined {
  const named = (c: Certificate) => c.subject.key === leaf.issuer.key;
  for (let i = 1; i < chain.length; i++) {
    const c = parseCertificateCached(chain[i]!, i);
    if (named(c)) return c;
  }
  for (const der of sources.intermediates ?? []) {
    const c = parseCertificateCached(der);
    if (named(c)) return c;
  }
  const roots = sources.roots;
  if (roots instanceof TrustStore) return roots.issuersOf(leaf)[0];
  for (const der of roots ?? []) {
    const c = parseCertificateCached(der);
    if (named(c)) return c;
  }
  return undefined;
}

function statusError(reason: string, cause?: unknown): TlsAlertError {
  return new TlsAlertError(AlertDescription.bad_certificate_status_response, reason, { cause });
}

/** What the client checks a staple with. */
export interface StapleCheck {
  policy: OcspPolicy;
  /** The server's chain (DER, leaf first), already trusted by the verifier. */
  chain: readonly Uint8Array[];
  /** The stapled DER OCSPResponse, or undefined when none came. */
  response: Uint8Array | undefined;
  now: number;
  provider: CryptoProvider;
  sources: IssuerSources;
}

/**
 * Check the server's stapled response (or its absence) under the policy, after the chain was trusted.
 * @throws TlsAlertError bad_certificate_status_response (missing where required, unusable, or not `good`
 *   under must-staple), certificate_revoked (the response says revoked)
 */
export function checkStaple(check: StapleCheck): OcspStapleReport {
  const { policy } = check;
  // A copy: the report outlives the received record (which may be a caller's Buffer).
  const response = check.response && new Uint8Array(check.response);
  const leaf = parseCertificateCached(check.chain[0]!, 0);
  const mustStaple = certificateDetails(leaf).tlsFeatures?.includes(STATUS_REQUEST_FEATURE) ?? false;
  if (policy === 'ignore') return { status: response ? 'unchecked' : 'none', response, mustStaple };
  if (!response) {
    if (policy === 'must-staple') throw statusError('the server stapled no OCSP response (policy must-staple)');
    if (mustStaple) {
      throw statusError('the server stapled no OCSP response, and its certificate requires one (RFC 7633 must-staple)');
    }
    return { status: 'none', response, mustStaple };
  }
  const issuer = findIssuer(leaf, check.chain, check.sources);
  if (!issuer) throw statusError(`stapled OCSP response: the issuer '${leaf.issuer.text}' of the leaf is not known`);
  let s: ReturnType<typeof verifyOcspResponse>;
  try {
    s = verifyOcspResponse(response, leaf, issuer, { now: check.now, provider: check.provider });
  } catch (e) {
    if (e instanceof OcspError) throw statusError(`stapled OCSP response: ${e.reason}`, e);
    throw e;
  }
  const times = { thisUpdate: s.thisUpdate, nextUpdate: s.nextUpdate, producedAt: s.producedAt };
  const report: OcspStapleReport = { status: s.status, response, mustStaple, ...times, delegated: s.delegated };
  if (s.status === 'revoked') {
    const why = s.reason ? ` (${s.reason})` : '';
    throw new TlsAlertError(
      AlertDescription.certificate_revoked,
      `the stapled OCSP response says the server's certificate was revoked at ${new Date(s.revocationTime).toISOString()}${why}`,
    );
  }
  if (s.status === 'unknown' && policy === 'must-staple') {
    throw statusError('the stapled OCSP response says the status is unknown (policy must-staple)');
  }
  return report;
}

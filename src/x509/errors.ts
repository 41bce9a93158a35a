/**
 * {@link CertificateError}: why a certificate or chain was rejected, which certificate, the TLS alert to
 * send (RFC 8446 §6.2), a one-sentence reason and a hint for the person reading it.
 *
 * It extends the TLS layer's `TlsAlertError`, so the project's one error → alert mapping (`alertFor()` in
 * `src/tls/errors.ts`) sends the right alert with no extra case.
 * @module
 */
import { AlertDescription, nameOf } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';

/** What was wrong with a certificate or chain. */
export type CertificateErrorCode =
  /** notAfter is before the verification time (RFC 5280 §4.1.2.5). */
  | 'expired'
  /** notBefore is after the verification time. */
  | 'not-yet-valid'
  /** No trust anchor was found above the last certificate of every candidate path. */
  | 'unknown-issuer'
  /** The leaf is self-signed and is not one of the trusted roots. */
  | 'self-signed'
  /** An issuer's key does not verify a certificate's signature. */
  | 'bad-signature'
  /** The leaf does not cover the requested host name or IP address (RFC 9525 §6). */
  | 'hostname-mismatch'
  /** An issuing certificate is not a CA (basicConstraints absent or cA=false; RFC 5280 §4.2.1.9). */
  | 'not-a-ca'
  /** A CA's pathLenConstraint is exceeded (RFC 5280 §4.2.1.9). */
  | 'path-length'
  /** keyUsage forbids the use (keyCertSign for issuers, digitalSignature for TLS leaves; RFC 5280 §4.2.1.3). */
  | 'bad-key-usage'
  /** extendedKeyUsage lacks serverAuth / clientAuth (RFC 5280 §4.2.1.12). */
  | 'bad-eku'
  /** A critical extension tlswire does not process (RFC 5280 §4.2). */
  | 'unknown-critical-extension'
  /** The DER is malformed or violates RFC 5280 §4.1. */
  | 'malformed'
  /** A key or signature algorithm tlswire cannot verify (SHA-1, Ed448, DSA, PSS with unusual parameters …). */
  | 'unsupported-algorithm'
  /** No certificate was presented. */
  | 'empty-chain'
  /** Every path to a trust anchor is longer than `maxDepth`. */
  | 'depth-exceeded'
  /** A CRL or OCSP response says the certificate is revoked (RFC 5280 §6.3, RFC 6960). */
  | 'revoked'
  /** Revocation status required but no usable CRL or OCSP response covers the certificate. */
  | 'revocation-unknown'
  /** A name violates a CA's nameConstraints (RFC 5280 §4.2.1.10, §6.1.3 (b), (c)). */
  | 'name-constraints';

/** Options of {@link CertificateError}. */
export interface CertificateErrorOptions {
  /** Index of the certificate concerned in the presented chain (0 = leaf), when it came from there. */
  index?: number;
  /** Subject (RFC 4514) of the certificate concerned. */
  subject?: string;
  /** What the reader could do or check. */
  hint?: string;
  /** The alert to send instead of the code's default (e.g. certificate_required for an empty client chain). */
  alert?: AlertDescription;
  cause?: unknown;
}

/**
 * The default alert of each code, by the RFC 8446 §6.2 / RFC 5246 §7.2.2 definitions: bad_certificate
 * covers "signatures that did not verify correctly" and other structural faults; unknown_ca a chain that
 * does not reach a trusted root. OpenSSL 3.0 differs in two places (measured against s_client
 * -verify_return_error): it sends decrypt_error for a bad certificate signature and unknown_ca for an
 * issuer whose basicConstraints says cA=false.
 */
export const CERTIFICATE_ALERTS: Readonly<Record<CertificateErrorCode, AlertDescription>> = {
  expired: AlertDescription.certificate_expired,
  'not-yet-valid': AlertDescription.certificate_expired,
  'unknown-issuer': AlertDescription.unknown_ca,
  'self-signed': AlertDescription.unknown_ca,
  'depth-exceeded': AlertDescription.unknown_ca,
  'bad-signature': AlertDescription.bad_certificate,
  'hostname-mismatch': AlertDescription.bad_certificate,
  'not-a-ca': AlertDescription.bad_certificate,
  'path-length': AlertDescription.bad_certificate,
  malformed: AlertDescription.bad_certificate,
  'bad-key-usage': AlertDescription.unsupported_certificate,
  'bad-eku': AlertDescription.unsupported_certificate,
  'unknown-critical-extension': AlertDescription.unsupported_certificate,
  'unsupported-algorithm': AlertDescription.unsupported_certificate,
  'empty-chain': AlertDescription.decode_error,
  revoked: AlertDescription.certificate_revoked,
  'revocation-unknown': AlertDescription.certificate_unknown,
  'name-constraints': AlertDescription.bad_certificate,
};

/**
 * A certificate or chain was rejected. `alert` (inherited) is the AlertDescription to send; `alertName`
 * its name; `reason` one sentence saying what is wrong; `hint` what to check.
 * @example
 * if (!result.ok) log(`${result.error.code} at #${result.error.index}: ${result.error.reason} (${result.error.hint})`)
 */
export class CertificateError extends TlsAlertError {
  override name = 'CertificateError';
  readonly code: CertificateErrorCode;
  /** Name of {@link alert}, e.g. `certificate_expired`. */
  readonly alertName: string;
  /** One sentence: what is wrong. */
  readonly reason: string;
  /** What to check or do, when there is something useful to say. */
  readonly hint: string | undefined;
  /** Index of the certificate in the presented chain (0 = leaf), when known. */
  readonly index: number | undefined;
  /** Subject of the certificate concerned, when known. */
  readonly subject: string | undefined;

  constructor(code: CertificateErrorCode, reason: string, options: CertificateErrorOptions = {}) {
    const alert = options.alert ?? CERTIFICATE_ALERTS[code];
    super(alert, options.hint ? `${reason} — ${options.hint}` : reason, { cause: options.cause });
    this.code = code;
    this.alertName = nameOf(AlertDescription, alert);
    this.reason = reason;
    this.hint = options.hint;
    this.index = options.index;
    this.subject = options.subject;
  }
}

/**
 * Caches for certificate parsing and path validation (RFC 5280 §4.1, §6.1): a parsed certificate is a
 * pure function of its DER, and an issuer's signature over a certificate (RFC 5280 §6.1.3 (a)(1)) is a
 * pure function of the two certificates and the verifying provider. A TLS peer presents the same chain
 * on every handshake, so parsing (about 1.5 ms per certificate with pkijs, docs/performance.md) and
 * signature checks are done once per distinct certificate.
 *
 * Limits (docs/security.md): at most {@link PARSED_LIMIT} parsed certificates are kept (least recently
 * used dropped first) holding at most {@link PARSED_BYTES_LIMIT} bytes of DER, keyed by their exact DER; only successes are kept (a malformed certificate is
 * parsed, and fails, each time). Signature results hang off the parsed certificates (weakly), so they go
 * with them. Parsed certificates are shared: they are read-only (`Certificate`'s fields are `readonly`).
 * @module
 */
import { toHex } from '../bytes/hex.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { type Certificate, parseCertificate } from './certificate.js';

/** How many parsed certificates the cache keeps. */
export const PARSED_LIMIT = 512;
/** How many bytes of DER the kept certificates may hold together (their parsed form is a few times more). */
export const PARSED_BYTES_LIMIT = 2 * 1024 * 1024;

const parsed = new Map<string, Certificate>();
let parsedBytes = 0;

/**
 * `parseCertificate(der, index)`, answered from the cache when the same DER was parsed before.
 * @throws CertificateError as {@link parseCertificate}
 */
export function parseCertificateCached(der: Uint8Array, index?: number): Certificate {
  if (!(der instanceof Uint8Array)) return parseCertificate(der, index);
  const id = toHex(der);
  const hit = parsed.get(id);
  if (hit !== undefined) {
    parsed.delete(id); // most recently used last
    parsed.set(id, hit);
    return hit;
  }
  // A copy: the caller's bytes may be a view into a buffer it reuses; the kept certificate must not change.
  const cert = parseCertificate(der.slice(), index);
  parsed.set(id, cert);
  parsedBytes += der.length;
  for (const [oldest, old] of parsed) {
    if (parsed.size <= PARSED_LIMIT && parsedBytes <= PARSED_BYTES_LIMIT) break;
    parsed.delete(oldest);
    parsedBytes -= old.der.length;
  }
  return cert;
}

/** Issuer signatures that verified: certificate → issuer → providers that said yes. */
const verified = new WeakMap<Certificate, WeakMap<Certificate, WeakSet<CryptoProvider>>>();

/** True when `provider` already verified `issuer`'s signature over `cert` (same parsed objects). */
export function signatureVerified(cert: Certificate, issuer: Certificate, provider: CryptoProvider): boolean {
  return verified.get(cert)?.get(issuer)?.has(provider) ?? false;
}

/** Records that `provider` verified `issuer`'s signature over `cert` (failures are never recorded). */
export function recordSignature(cert: Certificate, issuer: Certificate, provider: CryptoProvider): void {
  let row = verified.get(cert);
  if (!row) {
    row = new WeakMap();
    verified.set(cert, row);
  }
  let providers = row.get(issuer);
  if (!providers) {
    providers = new WeakSet();
    row.set(issuer, providers);
  }
  providers.add(provider);
}

/**
 * The certificate chains a server presents (RFC 8446 §4.4.2, RFC 5246 §7.4.2), summarized, with the
 * verdict of tlswire's verifier (src/handshake/verifier.ts over src/x509: RFC 5280 §6.1 path
 * validation, RFC 9525 §6 name check) and its hint when it rejects a chain.
 * @module
 */
import { toHex } from '../bytes/hex.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { RSA_PSS_SCHEMES } from '../handshake/policy.js';
import { trustAnchorVerifier } from '../handshake/verifier.js';
import { SignatureScheme } from '../tls/enums.js';
import { dnsNames, parseCertificate } from '../x509/certificate.js';
import { CertificateError } from '../x509/errors.js';
import type { CertificateSummary, ChainResult, ScanVersion } from './types.js';

/** The signature types a chain is asked for, with the TLS 1.3 schemes (RFC 8446 §4.2.3) that select it. */
export const SIGNATURE_TYPES: readonly { type: ChainResult['signatureType']; schemes: readonly number[] }[] = [
  {
    type: 'ECDSA',
    schemes: [
      SignatureScheme.ecdsa_secp256r1_sha256,
      SignatureScheme.ecdsa_secp384r1_sha384,
      SignatureScheme.ecdsa_secp521r1_sha512,
    ],
  },
  {
    type: 'RSA',
    schemes: RSA_PSS_SCHEMES,
  },
  { type: 'EdDSA', schemes: [SignatureScheme.ed25519, SignatureScheme.ed448] },
];

/** One certificate summarized; a certificate that does not parse is reported, not thrown. */
export function summarizeCertificate(der: Uint8Array, provider: CryptoProvider): CertificateSummary {
  try {
    const c = parseCertificate(der);
    return {
      subject: c.subject.text,
      issuer: c.issuer.text,
      publicKey: c.publicKey.description,
      signatureAlgorithm: c.signatureAlgorithm.name,
      notBefore: new Date(c.notBefore).toISOString(),
      notAfter: new Date(c.notAfter).toISOString(),
      dnsNames: dnsNames(c),
      sha256: toHex(provider.hash('sha256', der)),
    };
  } catch (e) {
    return {
      subject: '',
      issuer: '',
      publicKey: '',
      signatureAlgorithm: '',
      notBefore: '',
      notAfter: '',
      dnsNames: [],
      parseError: e instanceof Error ? e.message : String(e),
    };
  }
}

/** What the scan knows to judge a chain with. */
export interface VerdictContext {
  roots: Parameters<typeof trustAnchorVerifier>[0] | undefined;
  serverName: string | undefined;
  now: number;
  provider: CryptoProvider;
}

/** A chain with the verifier's verdict. */
export function judgeChain(
  chain: readonly Uint8Array[],
  signatureType: ChainResult['signatureType'],
  version: ScanVersion,
  cx: VerdictContext,
): ChainResult {
  const certificates = chain.map((der) => summarizeCertificate(der, cx.provider));
  try {
    trustAnchorVerifier(
      cx.roots ?? [],
      undefined,
      'serverAuth',
      cx.provider,
    )(chain, {
      serverName: cx.serverName,
      now: cx.now,
    });
    return { signatureType, version, certificates, trusted: true };
  } catch (e) {
    const error =
      e instanceof CertificateError
        ? { alert: e.alertName, reason: e.reason, ...(e.hint ? { hint: e.hint } : {}) }
        : { alert: 'bad_certificate', reason: e instanceof Error ? e.message : String(e) };
    return { signatureType, version, certificates, trusted: false, error };
  }
}

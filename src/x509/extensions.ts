/**
 * The informational certificate extensions, decoded by pkijs' synchronous schemas for inspection:
 * authorityInfoAccess (RFC 5280 §4.2.2.1: OCSP responders, CA issuers), cRLDistributionPoints (§4.2.1.13),
 * certificatePolicies (§4.2.1.4) and the embedded SCT list (RFC 6962 §3.3). A malformed one is reported
 * as `undefined` with the rest still shown (these extensions never decide trust here).
 * @module
 */
import * as pkijs from 'pkijs';
import { toHex } from '../bytes/hex.js';
import { type Certificate, EXTENSION } from './certificate.js';
import { decodeDer } from './der.js';

/** One embedded Signed Certificate Timestamp (RFC 6962 §3.2). */
export interface SctInfo {
  readonly version: number;
  /** The log's ID (SHA-256 of its key), hex. */
  readonly logId: string;
  /** ms since the epoch. */
  readonly timestamp: number;
  readonly signature: string;
}

/** The informational extensions of a certificate (absent ones undefined). */
export interface CertificateDetails {
  /** OCSP responder URIs (id-ad-ocsp). */
  readonly ocsp: readonly string[] | undefined;
  /** CA issuer URIs (id-ad-caIssuers). */
  readonly caIssuers: readonly string[] | undefined;
  /** CRL distribution point URIs. */
  readonly crlDistributionPoints: readonly string[] | undefined;
  /** Policy OIDs. */
  readonly policies: readonly string[] | undefined;
  readonly scts: readonly SctInfo[] | undefined;
  /** TLS Feature (RFC 7633) values, e.g. 5 = status_request (must-staple). */
  readonly tlsFeatures: readonly number[] | undefined;
}

const OID_TLS_FEATURE = '1.3.6.1.5.5.7.1.24';
const AD_OCSP = '1.3.6.1.5.5.7.48.1';
const AD_CA_ISSUERS = '1.3.6.1.5.5.7.48.2';

function decode<T>(cert: Certificate, oid: string, read: (value: Uint8Array) => T): T | undefined {
  const ext = cert.extensions.find((e) => e.oid === oid);
  if (!ext) return undefined;
  try {
    return read(ext.value);
  } catch {
    return undefined;
  }
}

function uris(names: readonly pkijs.GeneralName[]): string[] {
  return names.filter((n) => n.type === 6).map((n) => String(n.value));
}

/** Decode `cert`'s informational extensions. */
export function certificateDetails(cert: Certificate): CertificateDetails {
  const aia = decode(
    cert,
    EXTENSION.authorityInfoAccess,
    (v) => new pkijs.InfoAccess({ schema: decodeDer(v, 'authorityInfoAccess') }).accessDescriptions,
  );
  const byMethod = (m: string) => aia && uris(aia.filter((d) => d.accessMethod === m).map((d) => d.accessLocation));
  return {
    ocsp: byMethod(AD_OCSP),
    caIssuers: byMethod(AD_CA_ISSUERS),
    crlDistributionPoints: decode(cert, EXTENSION.cRLDistributionPoints, (v) =>
      new pkijs.CRLDistributionPoints({ schema: decodeDer(v, 'cRLDistributionPoints') }).distributionPoints.flatMap(
        (p) => (Array.isArray(p.distributionPoint) ? uris(p.distributionPoint) : []),
      ),
    ),
    policies: decode(cert, EXTENSION.certificatePolicies, (v) =>
      new pkijs.CertificatePolicies({ schema: decodeDer(v, 'certificatePolicies') }).certificatePolicies.map(
        (p) => p.policyIdentifier,
      ),
    ),
    scts: decode(cert, EXTENSION.ctPrecertificateScts, (v) => {
      const list = new pkijs.SignedCertificateTimestampList({ schema: decodeDer(v, 'SignedCertificateTimestampList') });
      return list.timestamps.map((t) => ({
        version: t.version,
        logId: toHex(new Uint8Array(t.logID)),
        timestamp: t.timestamp.getTime(),
        signature: `${t.hashAlgorithm}/${t.signatureAlgorithm}`,
      }));
    }),
    tlsFeatures: decode(cert, OID_TLS_FEATURE, (v) => {
      const node = decodeDer(v, 'Features');
      const kids = (node.valueBlock as { value?: { valueBlock: { valueDec: number } }[] }).value ?? [];
      return kids.map((k) => k.valueBlock.valueDec);
    }),
  };
}

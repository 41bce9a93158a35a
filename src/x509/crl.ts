/**
 * Revocation sources for the chain verifier: certificate revocation lists (RFC 5280 §5, checked as §6.3
 * describes for complete CRLs) and OCSP responses (RFC 6960, through `./ocsp.ts`).
 *
 * CRLs are parsed by pkijs (`CertificateRevocationList`) over our strict DER decoder; the signature is
 * checked over the exact tbsCertList bytes of the input by the synchronous {@link CryptoProvider}. A CRL is
 * used for a certificate when its issuer name equals the certificate's issuer, it verifies with the issuer's
 * key, the issuer may sign CRLs (keyUsage cRLSign when keyUsage is present, §6.3.3 (f)), thisUpdate is not
 * in the future and nextUpdate not in the past (with `skewMs`), and it has no critical extension we do not
 * process (issuingDistributionPoint and deltaCRLIndicator make a CRL partial: such CRLs are not used). A
 * certificate with no usable CRL has status `unknown` (the verifier's `revocationRequired` decides).
 * @module
 */
import * as pkijs from 'pkijs';
import type { CryptoProvider } from '../crypto/provider.js';
import { type AlgorithmIdentifier, type Certificate, type DistinguishedName, parseName } from './certificate.js';
import { decodeDer } from './der.js';
import { CertificateError } from './errors.js';
import { OcspError, type OcspVerifyOptions, verifyOcspResponse } from './ocsp.js';
import { decodePem } from './pem.js';
import { checkSignedBy, fromDer, reasonName, serialHex, signedParts } from './signed.js';

/** One revoked certificate of a CRL (RFC 5280 §5.1.2.6, §5.3.1). */
export interface RevokedEntry {
  /** Serial as `Certificate.serialNumber` (lower-case hex, no sign byte). */
  readonly serialNumber: string;
  /** revocationDate, ms since the epoch. */
  readonly revocationTime: number;
  /** CRLReason name when the entry has one. */
  readonly reason: string | undefined;
}

/** A parsed CRL (RFC 5280 §5.1). */
export interface Crl {
  readonly der: Uint8Array;
  /** The TBSCertList DER, exactly as in the input (the signed bytes). */
  readonly tbs: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly thisUpdate: number;
  readonly nextUpdate: number | undefined;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
  /** Revoked certificates by serial. */
  readonly revoked: ReadonlyMap<string, RevokedEntry>;
  /** OIDs of critical CRL extensions (any makes the CRL unusable here). */
  readonly criticalExtensions: readonly string[];
}

const OID_REASON = '2.5.29.21';

/**
 * Parse one DER CRL.
 * @throws CertificateError `malformed` naming what is wrong
 */
export function parseCrl(der: Uint8Array): Crl {
  try {
    const { value: crl, node } = fromDer(pkijs.CertificateRevocationList, der, 'CertificateList');
    const { tbs, algorithm, signature } = signedParts(node, 'CertificateList');
    const issuer = parseName(decodeDer(new Uint8Array(crl.issuer.valueBeforeDecode), 'issuer'), 'issuer');
    const revoked = new Map<string, RevokedEntry>();
    for (const entry of crl.revokedCertificates ?? []) {
      const serialNumber = serialHex(entry.userCertificate.valueBlock.valueHexView);
      const reasonExt = entry.crlEntryExtensions?.extensions.find((e) => e.extnID === OID_REASON);
      const reasonNode = reasonExt ? decodeDer(reasonExt.extnValue.valueBlock.valueHexView, 'reasonCode') : undefined;
      const reasonValue = (reasonNode?.valueBlock as { valueDec?: number } | undefined)?.valueDec;
      revoked.set(serialNumber, {
        serialNumber,
        revocationTime: entry.revocationDate.value.getTime(),
        reason: reasonValue === undefined ? undefined : reasonName(reasonValue),
      });
    }
    return {
      der: new Uint8Array(der),
      tbs,
      issuer,
      thisUpdate: crl.thisUpdate.value.getTime(),
      nextUpdate: crl.nextUpdate?.value.getTime(),
      signatureAlgorithm: algorithm,
      signature,
      revoked,
      criticalExtensions: (crl.crlExtensions?.extensions ?? []).filter((e) => e.critical).map((e) => e.extnID),
    };
  } catch (cause) {
    if (cause instanceof CertificateError) throw cause;
    throw new CertificateError('malformed', `malformed CRL: ${(cause as Error).message}`, { cause });
  }
}

/** Every `X509 CRL` block of a PEM text, or one DER CRL. */
export function parseCrls(input: string | Uint8Array): Crl[] {
  if (typeof input !== 'string') return [parseCrl(input)];
  return decodePem(input, 'X509 CRL').map((b) => parseCrl(b.der));
}

/** What a revocation source knows about one certificate. */
export type RevocationCheck =
  | { readonly status: 'good'; readonly source: string }
  | {
      readonly status: 'revoked';
      readonly revocationTime: number;
      readonly reason: string | undefined;
      /** `CRL` or `OCSP`. */
      readonly source: string;
    }
  | { readonly status: 'unknown'; readonly detail: string };

/** Context the verifier passes to a {@link RevocationSource}. */
export interface RevocationContext {
  readonly time: number;
  readonly provider: CryptoProvider;
}

/** Answers "is `cert` (issued by `issuer`) revoked?" synchronously; used by `verifyCertificateChain`. */
export interface RevocationSource {
  check(cert: Certificate, issuer: Certificate, ctx: RevocationContext): RevocationCheck;
}

/** A caller-supplied set of CRLs (RFC 5280 §6.3, complete CRLs only). */
export class CrlSet implements RevocationSource {
  readonly crls: readonly Crl[];
  /** Clock skew allowed on thisUpdate / nextUpdate. */
  readonly skewMs: number;

  /** @param crls parsed CRLs, DER CRLs, or PEM text */
  constructor(crls: Iterable<Crl | Uint8Array | string>, options: { skewMs?: number } = {}) {
    const list: Crl[] = [];
    for (const c of crls) list.push(...(typeof c === 'string' || c instanceof Uint8Array ? parseCrls(c) : [c]));
    this.crls = list;
    this.skewMs = options.skewMs ?? 5 * 60e3;
  }

  check(cert: Certificate, issuer: Certificate, ctx: RevocationContext): RevocationCheck {
    const problems: string[] = [];
    for (const crl of this.crls) {
      if (crl.issuer.key !== cert.issuer.key) continue;
      const problem = this.unusable(crl, issuer, ctx);
      if (problem) {
        problems.push(problem);
        continue;
      }
      const entry = crl.revoked.get(cert.serialNumber);
      if (!entry) return { status: 'good', source: 'CRL' };
      return { status: 'revoked', revocationTime: entry.revocationTime, reason: entry.reason, source: 'CRL' };
    }
    const detail = problems.length ? problems.join('; ') : `no CRL from '${cert.issuer.text}'`;
    return { status: 'unknown', detail };
  }

  private unusable(crl: Crl, issuer: Certificate, ctx: RevocationContext): string | null {
    const from = `the CRL of '${crl.issuer.text}'`;
    if (crl.criticalExtensions.length) return `${from} has critical extensions ${crl.criticalExtensions.join(', ')}`;
    if (issuer.keyUsage && !issuer.keyUsage.has('cRLSign')) return `${from}: the issuer's keyUsage lacks cRLSign`;
    const sig = checkSignedBy(ctx.provider, issuer, crl.signatureAlgorithm, crl.tbs, crl.signature);
    if (sig) return `${from} is not signed by the issuer (${sig})`;
    if (crl.thisUpdate > ctx.time + this.skewMs) return `${from} is not valid yet (thisUpdate in the future)`;
    if (crl.nextUpdate !== undefined && crl.nextUpdate < ctx.time - this.skewMs) {
      return `${from} is out of date (nextUpdate ${new Date(crl.nextUpdate).toISOString()})`;
    }
    return null;
  }
}

/**
 * OCSP responses as a revocation source (e.g. the one a server stapled): a certificate that a response is
 * about gets its status; an unusable response gives `unknown` with the reason.
 */
export class OcspResponses implements RevocationSource {
  constructor(
    private readonly responses: readonly Uint8Array[],
    private readonly options: Omit<OcspVerifyOptions, 'now' | 'provider'> = {},
  ) {}

  check(cert: Certificate, issuer: Certificate, ctx: RevocationContext): RevocationCheck {
    const problems: string[] = [];
    for (const der of this.responses) {
      try {
        const s = verifyOcspResponse(der, cert, issuer, { ...this.options, now: ctx.time, provider: ctx.provider });
        if (s.status === 'good') return { status: 'good', source: 'OCSP' };
        if (s.status === 'revoked') {
          return { status: 'revoked', revocationTime: s.revocationTime, reason: s.reason, source: 'OCSP' };
        }
        problems.push('the OCSP responder does not know the certificate');
      } catch (e) {
        if (!(e instanceof OcspError)) throw e;
        if (e.code !== 'wrong-certificate') problems.push(`OCSP: ${e.reason}`);
      }
    }
    return { status: 'unknown', detail: problems.join('; ') || 'no OCSP response about it' };
  }
}

/**
 * Certificate path building and validation (RFC 5280 §6.1, the subset TLS needs), synchronously.
 *
 * Why not pkijs' `CertificateChainValidationEngine`: it and every signature check in pkijs go through
 * WebCrypto, which is asynchronous, while tlswire's TLS state machines are synchronous and sans-IO (they
 * must replay recorded traces step by step). So pkijs/asn1js are used only for parsing (synchronous
 * `fromBER`, in `./certificate.ts`), and this module builds paths itself and verifies every signature through
 * the synchronous {@link CryptoProvider}.
 *
 * Path building: depth-first from the leaf, trying every candidate issuer whose subject matches the child's
 * issuer name (RFC 5280 §7.1 comparison; candidates whose subjectKeyIdentifier equals the child's
 * authorityKeyIdentifier first): trust anchors first, then the presented certificates (any order, extras
 * ignored), then `options.intermediates`. Cross-signed alternatives are tried in turn; a certificate never
 * appears twice in one path (loops), and paths are at most `maxDepth` certificates long.
 *
 * Validation of each candidate path (anchor down to leaf): issuer signature (RSA PKCS#1 v1.5, RSA-PSS with
 * salt = hash length and MGF1 over the same hash, ECDSA P-256/SHA-256, P-384/SHA-384, P-521/SHA-512,
 * Ed25519); validity period of every certificate, the anchor included (as OpenSSL does); no unhandled
 * critical extension; issuers: basicConstraints cA (RFC 5280 §4.2.1.9), keyUsage keyCertSign
 * (§4.2.1.3), pathLenConstraint, extendedKeyUsage consistent with the purpose (as OpenSSL and browsers
 * check intermediates); the leaf: keyUsage digitalSignature when present, extendedKeyUsage serverAuth /
 * clientAuth (or anyExtendedKeyUsage) when present (§4.2.1.12), and the host name (RFC 9525).
 *
 * Name constraints (RFC 5280 §6.1.3 (b), (c), §6.1.4 (g)) are enforced by `./name-constraints.ts`. With
 * `options.revocation` (a {@link CrlSet}, stapled {@link OcspResponses}, or any {@link RevocationSource}),
 * every certificate of the validated path but the anchor is checked (§6.3) last: a revoked one fails with
 * `revoked` (alert certificate_revoked); one the source knows nothing about fails with `revocation-unknown`
 * only when `revocationRequired` is set.
 *
 * Not done: policy processing (any-policy, no explicit policy required), SHA-1 signatures (rejected).
 * @module
 */
import * as pkijs from 'pkijs';
import { toHex } from '../bytes/hex.js';
import { NobleProvider } from '../crypto/noble.js';
import type { CryptoProvider, HashName, PublicKey, SignatureSchemeName } from '../crypto/provider.js';
import { AlertDescription } from '../tls/enums.js';
import { parseCertificateCached, recordSignature, signatureVerified } from './cache.js';
import {
  type AlgorithmIdentifier,
  type Certificate,
  EKU,
  ipAddresses,
  type KeyUsage,
  namesMatch,
  parseCertificatesPem,
} from './certificate.js';
import type { RevocationSource } from './crl.js';
import { decodeDer, fromSchema, sequence } from './der.js';
import { CertificateError, type CertificateErrorCode, type CertificateErrorOptions } from './errors.js';
import { matchesHostname, referenceIdentity } from './hostname.js';
import { OID } from './keys.js';
import { nameConstraintsOf, nameConstraintViolation } from './name-constraints.js';

/** What the leaf certificate is being verified for (RFC 5280 §4.2.1.12). */
export type CertificatePurpose = 'serverAuth' | 'clientAuth';

/** A certificate given either parsed or as DER. */
export type CertificateInput = Certificate | Uint8Array;

/**
 * A set of trust anchors, indexed by subject name.
 * @example const roots = TrustStore.fromPem(fs.readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8'));
 */
export class TrustStore {
  private readonly bySubject = new Map<string, Certificate[]>();
  private readonly ders = new Set<string>();
  private readonly list: Certificate[] = [];

  /**
   * @param certificates trust anchors (parsed, or DER)
   * @throws CertificateError `malformed` when a DER certificate does not parse
   */
  constructor(certificates: Iterable<CertificateInput> = []) {
    for (const c of certificates) this.add(c);
  }

  /**
   * All `CERTIFICATE` blocks of a PEM bundle (text outside blocks ignored).
   * @throws PemError, CertificateError on malformed input
   */
  static fromPem(pem: string): TrustStore {
    return new TrustStore(parseCertificatesPem(pem));
  }

  /** Add one anchor (duplicates are ignored); returns the parsed certificate. */
  add(certificate: CertificateInput): Certificate {
    const cert = certificate instanceof Uint8Array ? parseCertificateCached(certificate) : certificate;
    const id = fingerprint(cert);
    if (this.ders.has(id)) return cert;
    this.ders.add(id);
    this.list.push(cert);
    const key = cert.subject.key;
    const same = this.bySubject.get(key);
    if (same) same.push(cert);
    else this.bySubject.set(key, [cert]);
    return cert;
  }

  /** True when this exact certificate (same DER) is an anchor. */
  has(cert: Certificate): boolean {
    return this.ders.has(fingerprint(cert));
  }

  /** Anchors whose subject matches `cert`'s issuer. */
  issuersOf(cert: Certificate): readonly Certificate[] {
    return this.bySubject.get(cert.issuer.key) ?? [];
  }

  /** Number of anchors. */
  get size(): number {
    return this.list.length;
  }

  /** The anchors, in insertion order. */
  certificates(): readonly Certificate[] {
    return this.list;
  }
}

/** Options of {@link verifyCertificateChain}. */
export interface VerifyOptions {
  /** Trust anchors. */
  roots: TrustStore | readonly CertificateInput[];
  /** Extra intermediates the caller has (tried after the presented ones). */
  intermediates?: readonly CertificateInput[];
  /** Verification time (Date or ms since the epoch). Default: now. */
  time?: Date | number;
  /** DNS name or IP literal the leaf must cover (RFC 9525). Omit to skip the identity check. */
  hostname?: string;
  /** Default `serverAuth`. */
  purpose?: CertificatePurpose;
  /** Default: a {@link NobleProvider}. */
  provider?: CryptoProvider;
  /** Longest path accepted, in certificates including leaf and anchor. Default 10. */
  maxDepth?: number;
  /** Where revocation status comes from (CRLs, OCSP responses). Default: no revocation checking. */
  revocation?: RevocationSource;
  /** Fail with `revocation-unknown` when `revocation` has no status for a certificate. Default false. */
  revocationRequired?: boolean;
  /** Check revocation of the leaf only (`leaf`, as `openssl verify -crl_check`) or of every certificate below
   * the anchor (`chain`, as `-crl_check_all`). Default `chain`. */
  revocationScope?: 'leaf' | 'chain';
}

/** Outcome of {@link verifyCertificateChain}: the validated path (leaf first, anchor last) or why not. */
export type VerificationResult =
  | { readonly ok: true; readonly path: readonly Certificate[] }
  | { readonly ok: false; readonly error: CertificateError };

let defaultProvider: CryptoProvider | undefined;

const fingerprints = new WeakMap<Certificate, string>();

/** Identity of a certificate: its DER (hex), cached per parsed object. */
function fingerprint(cert: Certificate): string {
  let id = fingerprints.get(cert);
  if (id === undefined) {
    id = toHex(cert.der);
    fingerprints.set(cert, id);
  }
  return id;
}

/** `YYYY-MM-DD HH:MM UTC`. */
function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "3 days", "2 hours", "5 years" … */
function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ['year', 365.25 * 86400e3],
    ['day', 86400e3],
    ['hour', 3600e3],
    ['minute', 60e3],
    ['second', 1e3],
  ];
  for (const [name, size] of units) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'}`;
  }
  return 'less than a second';
}

function quote(cert: Certificate): string {
  const cn = cert.subject.rdns.flat().find((a) => a.shortName === 'CN');
  return `'${cn?.value ?? cert.subject.text}'`;
}

/** Context of one verification. */
interface Ctx {
  readonly anchors: TrustStore;
  readonly pool: readonly Certificate[];
  readonly presentedIndex: Map<Certificate, number>;
  readonly time: number;
  readonly purpose: CertificatePurpose;
  readonly hostname: string | undefined;
  readonly provider: CryptoProvider;
  readonly maxDepth: number;
  readonly signatureCache: Map<Certificate, Map<Certificate, CertificateError | null>>;
  readonly revocation: RevocationSource | undefined;
  readonly revocationRequired: boolean;
  readonly revocationScope: 'leaf' | 'chain';
}

function errorFor(ctx: Ctx, cert: Certificate, code: CertificateErrorCode, reason: string, hint?: string) {
  const options: CertificateErrorOptions = { subject: cert.subject.text };
  const index = ctx.presentedIndex.get(cert);
  if (index !== undefined) options.index = index;
  if (hint !== undefined) options.hint = hint;
  return new CertificateError(code, reason, options);
}

const HASH_BY_OID: Readonly<Record<string, HashName>> = {
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};
const HASH_LEN: Readonly<Record<HashName, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** RSASSA-PSS-params (RFC 4055 §3.1, pkijs `RSASSAPSSParams`) → the hash, when hash = MGF1 hash and salt = hash length. */
function pssHash(params: Uint8Array | undefined): HashName | string {
  if (!params) return 'RSASSA-PSS without parameters (SHA-1 defaults)';
  try {
    const path = 'RSASSA-PSS-params';
    const node = decodeDer(params, path);
    const pss = fromSchema(pkijs.RSASSAPSSParams, node, path, path);
    sequence(node, path, 0, 4); // asn1js' schema match ignores trailing elements
    const hash = pss.hashAlgorithm.algorithmId;
    const mgf = pss.maskGenAlgorithm;
    if (mgf.algorithmId !== OID.mgf1) return 'RSASSA-PSS with a mask generation other than MGF1';
    const mgfHash = fromSchema(pkijs.AlgorithmIdentifier, mgf.algorithmParams, path, 'MGF1 hash').algorithmId;
    if (pss.trailerField !== 1) return 'RSASSA-PSS with trailerField ≠ 1';
    const h = HASH_BY_OID[hash];
    if (!h) return 'RSASSA-PSS with SHA-1 or an unknown hash';
    if (mgfHash !== hash) return 'RSASSA-PSS whose MGF1 hash differs from its message hash';
    const salt = pss.saltLength;
    if (salt !== HASH_LEN[h]) return `RSASSA-PSS with a ${salt}-byte salt (only salt = hash length is supported)`;
    return h;
  } catch {
    return 'RSASSA-PSS with malformed parameters';
  }
}

const ECDSA: Readonly<Record<string, { curve: string; scheme: SignatureSchemeName; hash: string }>> = {
  [OID.ecdsaWithSHA256]: { curve: 'secp256r1', scheme: 'ecdsa_secp256r1_sha256', hash: 'SHA-256' },
  [OID.ecdsaWithSHA384]: { curve: 'secp384r1', scheme: 'ecdsa_secp384r1_sha384', hash: 'SHA-384' },
  [OID.ecdsaWithSHA512]: { curve: 'secp521r1', scheme: 'ecdsa_secp521r1_sha512', hash: 'SHA-512' },
};
const PKCS1: Readonly<Record<string, SignatureSchemeName>> = {
  [OID.sha256WithRSAEncryption]: 'rsa_pkcs1_sha256',
  [OID.sha384WithRSAEncryption]: 'rsa_pkcs1_sha384',
  [OID.sha512WithRSAEncryption]: 'rsa_pkcs1_sha512',
};

/**
 * The TLS SignatureScheme that verifies `cert`'s signature with `key` (its issuer's), or a sentence saying
 * why none does.
 */
export function certificateSignatureScheme(
  cert: Certificate,
  key: PublicKey,
): { readonly scheme: SignatureSchemeName } | { readonly unsupported: string } {
  return signatureSchemeFor(cert.signatureAlgorithm, key);
}

/**
 * The TLS SignatureScheme that verifies a signature made with `alg` (a certificate's, a CRL's or an OCSP
 * response's signatureAlgorithm) by `key`, or a sentence saying why none does.
 */
export function signatureSchemeFor(
  alg: AlgorithmIdentifier,
  key: PublicKey,
): { readonly scheme: SignatureSchemeName } | { readonly unsupported: string } {
  const no = (unsupported: string) => ({ unsupported });
  const ecdsa = ECDSA[alg.oid];
  if (ecdsa) {
    if (key.type !== 'ec') return no(`${alg.name} signature but the issuer key is ${key.type}`);
    if (key.curve !== ecdsa.curve) {
      return no(
        `ECDSA with ${ecdsa.hash} by a ${key.curve} key (only P-256/SHA-256, P-384/SHA-384, P-521/SHA-512 are supported)`,
      );
    }
    return { scheme: ecdsa.scheme };
  }
  const pkcs1 = PKCS1[alg.oid];
  if (pkcs1) {
    if (key.type !== 'rsa') return no(`${alg.name} signature but the issuer key is ${key.type}`);
    if (key.pss) return no(`${alg.name} signature by an RSASSA-PSS-only key`);
    return { scheme: pkcs1 };
  }
  if (alg.oid === OID.rsassaPss) {
    if (key.type !== 'rsa') return no(`RSASSA-PSS signature but the issuer key is ${key.type}`);
    const h = pssHash(alg.parameters);
    if (h !== 'sha256' && h !== 'sha384' && h !== 'sha512') return no(h);
    return { scheme: `rsa_pss_${key.pss ? 'pss' : 'rsae'}_${h}` };
  }
  if (alg.oid === OID.ed25519) {
    if (key.type !== 'ed25519') return no(`Ed25519 signature but the issuer key is ${key.type}`);
    return { scheme: 'ed25519' };
  }
  if (alg.oid === OID.sha1WithRSAEncryption) return no('sha1WithRSAEncryption (SHA-1 signatures are not accepted)');
  return no(`signature algorithm ${alg.name} is not supported`);
}

/** Check that `issuer`'s key signed `cert`; null when it did. Cached per pair. */
function checkSignature(ctx: Ctx, cert: Certificate, issuer: Certificate): CertificateError | null {
  let row = ctx.signatureCache.get(cert);
  if (!row) {
    row = new Map();
    ctx.signatureCache.set(cert, row);
  }
  const cached = row.get(issuer);
  if (cached !== undefined) return cached;
  let result: CertificateError | null = null;
  const key = issuer.publicKey.key;
  if (!key) {
    result = errorFor(
      ctx,
      cert,
      'unsupported-algorithm',
      `issuer ${quote(issuer)} has a ${issuer.publicKey.description} key, which tlswire cannot verify with`,
    );
  } else if (!signatureVerified(cert, issuer, ctx.provider)) {
    const found = certificateSignatureScheme(cert, key);
    if ('unsupported' in found) {
      result = errorFor(ctx, cert, 'unsupported-algorithm', `${quote(cert)}: ${found.unsupported}`);
    } else if (!ctx.provider.verify(found.scheme, key, cert.tbs, cert.signature)) {
      result = errorFor(
        ctx,
        cert,
        'bad-signature',
        `the signature of ${quote(cert)} does not verify with the key of ${quote(issuer)} (${cert.signatureAlgorithm.name})`,
        'the certificate was altered, or it was issued by another CA with the same name',
      );
    } else {
      recordSignature(cert, issuer, ctx.provider);
    }
  }
  row.set(issuer, result);
  return result;
}

/** Candidate issuers of `cert`: anchors, then presented, then caller intermediates; AKI/SKI matches first. */
function candidates(ctx: Ctx, cert: Certificate, inPath: Set<string>): { cert: Certificate; anchor: boolean }[] {
  const out: { cert: Certificate; anchor: boolean }[] = [];
  for (const a of ctx.anchors.issuersOf(cert)) out.push({ cert: a, anchor: true });
  for (const c of ctx.pool) {
    if (namesMatch(c.subject, cert.issuer) && !ctx.anchors.has(c) && !inPath.has(fingerprint(c))) {
      out.push({ cert: c, anchor: false });
    }
  }
  const aki = cert.authorityKeyId && toHex(cert.authorityKeyId);
  const rank = (c: Certificate) => (aki && c.subjectKeyId ? (toHex(c.subjectKeyId) === aki ? 0 : 2) : 1);
  return out.filter((c) => !inPath.has(fingerprint(c.cert)) || c.anchor).sort((a, b) => rank(a.cert) - rank(b.cert));
}

function checkTime(ctx: Ctx, cert: Certificate): CertificateError | null {
  if (ctx.time > cert.notAfter) {
    return errorFor(
      ctx,
      cert,
      'expired',
      `${quote(cert)} expired ${formatDuration(ctx.time - cert.notAfter)} ago (notAfter ${formatTime(cert.notAfter)})`,
      `renew the certificate, or check that this machine's clock (${formatTime(ctx.time)}) is right`,
    );
  }
  if (ctx.time < cert.notBefore) {
    return errorFor(
      ctx,
      cert,
      'not-yet-valid',
      `${quote(cert)} is not valid until ${formatTime(cert.notBefore)} (${formatDuration(cert.notBefore - ctx.time)} from now)`,
      `is this machine's clock (${formatTime(ctx.time)}) behind?`,
    );
  }
  return null;
}

function purposeAllowed(eku: readonly string[] | undefined, purpose: CertificatePurpose): boolean {
  return eku === undefined || eku.includes(EKU[purpose]) || eku.includes(EKU.anyExtendedKeyUsage);
}

function ekuNames(eku: readonly string[]): string {
  const names = Object.fromEntries(Object.entries(EKU).map(([k, v]) => [v, k]));
  return eku.map((o) => names[o] ?? o).join(', ');
}

/**
 * bad-key-usage when `cert` has a keyUsage extension without `usage` (RFC 5280 §4.2.1.3), else null.
 * @param act what `usage` allows, for the message (`sign certificates`)
 */
function keyUsageError(
  ctx: Ctx,
  cert: Certificate,
  usage: KeyUsage,
  act: string,
  hint?: string,
): CertificateError | null {
  if (!cert.keyUsage || cert.keyUsage.has(usage)) return null;
  const usages = [...cert.keyUsage].join(', ') || 'none';
  return errorFor(
    ctx,
    cert,
    'bad-key-usage',
    `${quote(cert)} may not ${act} (keyUsage: ${usages}; ${usage} missing)`,
    hint,
  );
}

/** RFC 5280 §6.1 checks of one complete path (leaf first, anchor last). */
function validatePath(ctx: Ctx, path: readonly Certificate[]): CertificateError | null {
  for (let i = path.length - 1; i >= 0; i--) {
    const cert = path[i]!;
    const unknown = cert.unhandledCriticalExtensions;
    if (unknown.length > 0) {
      return errorFor(
        ctx,
        cert,
        'unknown-critical-extension',
        `${quote(cert)} has critical extension${unknown.length > 1 ? 's' : ''} ${unknown
          .map((o) => cert.extensions.find((e) => e.oid === o)?.name ?? o)
          .join(', ')} that tlswire does not process (RFC 5280 §4.2)`,
      );
    }
    const error = checkTime(ctx, cert) ?? (i > 0 ? checkIssuer(ctx, path, i) : null) ?? checkNames(ctx, path, i);
    if (error) return error;
  }
  return checkLeaf(ctx, path[0]!) ?? checkRevocation(ctx, path);
}

/** RFC 5280 §6.1.3 (b), (c): `path[i]`'s names against the nameConstraints of every CA above it. */
function checkNames(ctx: Ctx, path: readonly Certificate[], i: number): CertificateError | null {
  const cert = path[i]!;
  if (i > 0 && cert.selfIssued) return null;
  for (let j = path.length - 1; j > i; j--) {
    let nc: ReturnType<typeof nameConstraintsOf>;
    try {
      nc = nameConstraintsOf(path[j]!);
    } catch {
      return errorFor(ctx, path[j]!, 'malformed', `${quote(path[j]!)} has a malformed nameConstraints extension`);
    }
    const violation = nc && nameConstraintViolation(cert, nc, i === 0);
    if (violation) {
      return errorFor(
        ctx,
        cert,
        'name-constraints',
        `${quote(cert)}: ${violation} of ${quote(path[j]!)} (nameConstraints, RFC 5280 §4.2.1.10)`,
        `the CA ${quote(path[j]!)} may only issue for the names it permits; the certificate was mis-issued or belongs to another CA`,
      );
    }
  }
  return null;
}

/** RFC 5280 §6.3: revocation status of the path's certificates below the anchor, leaf last. */
function checkRevocation(ctx: Ctx, path: readonly Certificate[]): CertificateError | null {
  if (!ctx.revocation) return null;
  const last = ctx.revocationScope === 'leaf' ? 0 : path.length - 2;
  for (let i = last; i >= 0; i--) {
    const cert = path[i]!;
    const r = ctx.revocation.check(cert, path[i + 1]!, { time: ctx.time, provider: ctx.provider });
    if (r.status === 'revoked') {
      const why = r.reason ? ` (${r.reason})` : '';
      return errorFor(
        ctx,
        cert,
        'revoked',
        `${quote(cert)} was revoked on ${formatTime(r.revocationTime)}${why} according to the ${r.source} of ${quote(path[i + 1]!)}`,
        i === 0
          ? 'the peer must be given a new certificate'
          : 'the CA certificate was revoked; its certificates cannot be trusted',
      );
    }
    if (r.status === 'unknown' && ctx.revocationRequired) {
      return errorFor(
        ctx,
        cert,
        'revocation-unknown',
        `no revocation status for ${quote(cert)}: ${r.detail}`,
        'supply a current CRL of its issuer (or an OCSP response), or do not require revocation status',
      );
    }
  }
  return null;
}

/** What `path[i]` must be to issue `path[i - 1]`: RFC 5280 §6.1.4 (k), (l), (m), (n), and its EKU. */
function checkIssuer(ctx: Ctx, path: readonly Certificate[], i: number): CertificateError | null {
  const cert = path[i]!;
  const isAnchor = i === path.length - 1;
  const legacyAnchor = isAnchor && cert.version < 3;
  if (!legacyAnchor && !cert.basicConstraints?.cA) {
    const bc = cert.basicConstraints ? 'basicConstraints cA=false' : 'no basicConstraints extension';
    return errorFor(
      ctx,
      cert,
      'not-a-ca',
      `${quote(cert)} is not a CA (${bc}) but issued ${quote(path[i - 1]!)}`,
      'an end-entity certificate cannot sign other certificates (RFC 5280 §4.2.1.9)',
    );
  }
  const usageError = keyUsageError(ctx, cert, 'keyCertSign', 'sign certificates');
  if (usageError) return usageError;
  const pathLen = cert.basicConstraints?.pathLen;
  if (pathLen !== undefined) {
    const below = path.slice(1, i).filter((c) => !c.selfIssued).length;
    if (below > pathLen) {
      return errorFor(
        ctx,
        cert,
        'path-length',
        `${quote(cert)} allows ${pathLen} intermediate CA${pathLen === 1 ? '' : 's'} below it (pathLenConstraint) but ${below} follow`,
      );
    }
  }
  if (!isAnchor && !purposeAllowed(cert.extKeyUsage, ctx.purpose)) {
    return errorFor(
      ctx,
      cert,
      'bad-eku',
      `intermediate ${quote(cert)} is restricted to ${ekuNames(cert.extKeyUsage ?? [])}, not ${ctx.purpose}`,
    );
  }
  return null;
}

/** What the leaf must be for TLS: allowed to sign, meant for the purpose, and for the host name. */
function checkLeaf(ctx: Ctx, leaf: Certificate): CertificateError | null {
  const usageError = keyUsageError(
    ctx,
    leaf,
    'digitalSignature',
    'make signatures',
    'TLS 1.3 authenticates with CertificateVerify, a signature (RFC 8446 §4.4.2.2)',
  );
  if (usageError) return usageError;
  if (!purposeAllowed(leaf.extKeyUsage, ctx.purpose)) {
    const other = ctx.purpose === 'serverAuth' ? 'clientAuth' : 'serverAuth';
    return errorFor(
      ctx,
      leaf,
      'bad-eku',
      `${quote(leaf)} is for ${ekuNames(leaf.extKeyUsage ?? [])}, not ${ctx.purpose} (extendedKeyUsage, RFC 5280 §4.2.1.12)`,
      leaf.extKeyUsage?.includes(EKU[other])
        ? `this is a ${other === 'clientAuth' ? 'client' : 'server'} certificate`
        : undefined,
    );
  }
  if (ctx.hostname !== undefined && !matchesHostname(leaf, ctx.hostname)) return hostnameError(ctx, leaf);
  return null;
}

function hostnameError(ctx: Ctx, leaf: Certificate): CertificateError {
  const host = ctx.hostname ?? '';
  const sans = (leaf.subjectAltNames ?? []).flatMap((n) => (n.type === 'dns' || n.type === 'ip' ? [n.value] : []));
  const cn = leaf.subject.rdns.flat().find((a) => a.shortName === 'CN')?.value;
  const name = sans[0] ?? cn ?? leaf.subject.text;
  const ref = referenceIdentity(host);
  let hint: string;
  if (!ref) hint = `'${host}' is neither a valid DNS name nor an IP address`;
  else if (sans.length === 0) {
    hint = `the certificate has no DNS or IP subjectAltName${cn ? `; its Common Name '${cn}' is not used (RFC 9525 §6.5)` : ''}`;
  } else if (ref.type === 'ip' && ipAddresses(leaf).length === 0) {
    hint = 'an IP address matches only iPAddress subjectAltNames, and this certificate has none';
  } else hint = `connect with a name it covers, or reissue it with a subjectAltName for ${host}`;
  return errorFor(
    ctx,
    leaf,
    'hostname-mismatch',
    `certificate for ${name} does not cover ${host} (SANs: ${sans.join(', ') || 'none'})`,
    hint,
  );
}

/** The failure worth reporting when several paths failed: validation of an anchored path beats the rest. */
const RANK: Partial<Record<CertificateErrorCode, number>> = {
  'bad-signature': 1,
  'unsupported-algorithm': 1,
  'depth-exceeded': 2,
  'unknown-issuer': 3,
  'self-signed': 3,
};

interface Search {
  best: CertificateError | undefined;
  bestRank: number;
  bestLength: number;
  /** Issuer candidates tried so far (see {@link MAX_PATH_CANDIDATES}). */
  tries: number;
  /** Set when the search gave up: the error to report. */
  exhausted?: CertificateError;
}

/**
 * At most this many issuer candidates are tried in one verification (as Go's maxChainSignatureChecks).
 * Certificates that all name each other (same subject and issuer, same key) would otherwise make path
 * building try every ordering of them: exponential time for a few kilobytes from a peer (found by the fuzzer).
 */
const MAX_PATH_CANDIDATES = 100;

function consider(s: Search, error: CertificateError, pathLength: number): void {
  const rank = RANK[error.code] ?? 0;
  if (!s.best || rank < s.bestRank || (rank === s.bestRank && pathLength > s.bestLength)) {
    s.best = error;
    s.bestRank = rank;
    s.bestLength = pathLength;
  }
}

function noIssuer(ctx: Ctx, chain: readonly Certificate[]): CertificateError {
  const top = chain[chain.length - 1]!;
  if (top.selfIssued && chain.length === 1) {
    return errorFor(
      ctx,
      top,
      'self-signed',
      `${quote(top)} is self-signed and not a trusted root`,
      'add it to the trusted roots to pin it',
    );
  }
  if (top.selfIssued) {
    return errorFor(
      ctx,
      top,
      'unknown-issuer',
      `chain ends at the root ${quote(top)} which is not trusted`,
      `add ${quote(top)} to the trusted roots if you trust it`,
    );
  }
  const issuerCn = top.issuer.rdns.flat().find((a) => a.shortName === 'CN')?.value ?? top.issuer.text;
  const peer = ctx.purpose === 'serverAuth' ? 'the server' : 'the client';
  if (chain.length === 1) {
    return errorFor(
      ctx,
      top,
      'unknown-issuer',
      `the issuer '${issuerCn}' of ${quote(top)} is neither presented nor a trusted root`,
      `${peer} may be missing an intermediate certificate; one can also be passed in options.intermediates`,
    );
  }
  return errorFor(
    ctx,
    top,
    'unknown-issuer',
    `chain ends at ${quote(top)} which is not a trusted root (its issuer '${issuerCn}' is unknown)`,
    `${peer} may be missing an intermediate certificate, or '${issuerCn}' is not among the trusted roots`,
  );
}

function search(ctx: Ctx, chain: Certificate[], inPath: Set<string>, s: Search): Certificate[] | undefined {
  const cert = chain[chain.length - 1]!;
  const found = candidates(ctx, cert, inPath);
  if (found.length === 0) consider(s, noIssuer(ctx, chain), chain.length);
  for (const { cert: issuer, anchor } of found) {
    if (++s.tries > MAX_PATH_CANDIDATES) {
      s.exhausted ??= errorFor(
        ctx,
        chain[0]!,
        'depth-exceeded',
        `no trusted path found after trying ${MAX_PATH_CANDIDATES} issuer candidates`,
        'the peer sent many certificates that could issue each other; send only the chain to a trusted root',
      );
      return undefined;
    }
    if (chain.length + 1 > ctx.maxDepth) {
      consider(
        s,
        errorFor(ctx, cert, 'depth-exceeded', `no trusted path within ${ctx.maxDepth} certificates (maxDepth)`),
        chain.length,
      );
      break;
    }
    const sigError = checkSignature(ctx, cert, issuer);
    if (sigError) {
      consider(s, sigError, chain.length);
      continue;
    }
    const path = [...chain, issuer];
    if (anchor) {
      const error = validatePath(ctx, path);
      if (!error) return path;
      consider(s, error, path.length);
      continue;
    }
    const id = fingerprint(issuer);
    inPath.add(id);
    const result = search(ctx, path, inPath, s);
    inPath.delete(id);
    if (result) return result;
  }
  return undefined;
}

/** The certificates without repeats (same DER), first occurrence kept. */
function unique(list: readonly Certificate[]): Certificate[] {
  const seen = new Set<string>();
  return list.filter((c) => !seen.has(fingerprint(c)) && seen.add(fingerprint(c)) !== undefined);
}

function parseAll(inputs: readonly CertificateInput[], presented: boolean): Certificate[] {
  return inputs.map((c, i) => (c instanceof Uint8Array ? parseCertificateCached(c, presented ? i : undefined) : c));
}

/**
 * Verify a peer's certificate chain (RFC 5280 §6.1 as profiled above; RFC 8446 §4.4.2.2), synchronously.
 * @param presented the certificates the peer sent, DER or parsed, leaf first (order of the rest is free)
 * @returns `{ ok: true, path }` (leaf … anchor) or `{ ok: false, error }`; a malformed presented certificate is an
 *   `{ ok: false }` result (`malformed`, with its index), never an exception
 * @throws CertificateError when a root or intermediate the caller gave as DER is malformed (configuration error);
 *   TypeError for an unknown purpose or an invalid time
 * @example
 * const r = verifyCertificateChain(certs, { roots, hostname: 'example.org', purpose: 'serverAuth' });
 * if (!r.ok) throw r.error; // a TlsAlertError: alertFor(r.error) is the alert to send
 */
export function verifyCertificateChain(
  presented: readonly CertificateInput[],
  options: VerifyOptions,
): VerificationResult {
  const purpose = options.purpose ?? 'serverAuth';
  if (purpose !== 'serverAuth' && purpose !== 'clientAuth') throw new TypeError(`unknown purpose ${String(purpose)}`);
  if (presented.length === 0) {
    // RFC 8446 §4.4.2.4: an empty server Certificate is a decode_error; a missing client one certificate_required.
    return {
      ok: false,
      error: new CertificateError('empty-chain', 'the peer sent no certificate', {
        alert: purpose === 'serverAuth' ? AlertDescription.decode_error : AlertDescription.certificate_required,
      }),
    };
  }
  let certs: Certificate[];
  try {
    certs = parseAll(presented, true);
  } catch (error) {
    if (error instanceof CertificateError) return { ok: false, error };
    throw error;
  }
  const anchors = options.roots instanceof TrustStore ? options.roots : new TrustStore(options.roots);
  const time =
    options.time === undefined ? Date.now() : options.time instanceof Date ? options.time.getTime() : options.time;
  if (!Number.isFinite(time)) throw new TypeError('verifyCertificateChain: time is not a valid date');
  defaultProvider ??= new NobleProvider();
  const ctx: Ctx = {
    anchors,
    pool: unique([...certs.slice(1), ...parseAll(options.intermediates ?? [], false)]),
    presentedIndex: new Map(certs.map((c, i) => [c, i])),
    time,
    purpose,
    hostname: options.hostname,
    provider: options.provider ?? defaultProvider,
    maxDepth: options.maxDepth ?? 10,
    signatureCache: new Map(),
    revocation: options.revocation,
    revocationRequired: options.revocationRequired ?? false,
    revocationScope: options.revocationScope ?? 'chain',
  };
  const leaf = certs[0]!;
  const s: Search = { best: undefined, bestRank: Infinity, bestLength: 0, tries: 0 };
  if (anchors.has(leaf)) {
    // The leaf itself is a trust anchor (a pinned certificate): only its own checks apply.
    const error = validatePath(ctx, [leaf]);
    return error ? { ok: false, error } : { ok: true, path: [leaf] };
  }
  const path = search(ctx, [leaf], new Set([fingerprint(leaf)]), s);
  if (path) return { ok: true, path };
  return { ok: false, error: s.exhausted ?? s.best ?? noIssuer(ctx, [leaf]) };
}

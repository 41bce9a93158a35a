/**
 * OCSP response verification (RFC 6960 §3.2, §4.2), synchronously, for stapled (RFC 6066 §8, RFC 8446
 * §4.4.2.1) and fetched responses.
 *
 * Structures are parsed by pkijs (`OCSPResponse`, `BasicOCSPResponse`, `SingleResponse`) over our strict DER
 * decoder; the signature is checked over the exact tbsResponseData bytes of the input by the synchronous
 * {@link CryptoProvider}. Accepted signers (RFC 6960 §4.2.2.2): the issuer of the certificate itself, or a
 * delegated responder certificate signed by that issuer whose extendedKeyUsage holds id-kp-OCSPSigning and
 * which is valid now (carried in the response or passed in `options.responderCertificates`). The responder
 * is identified by its responderID (byName: DER-equal subject; byKey: SHA-1 of the public key bits).
 *
 * Freshness (RFC 6960 §4.2.2.1): thisUpdate may be at most `skewMs` (default 5 minutes) in the future and
 * nextUpdate at most `skewMs` in the past; a response without nextUpdate is accepted up to `maxAgeMs` after
 * thisUpdate (default 7 days). The certID (RFC 6960 §4.1.1) must match the certificate: hash of the issuer's
 * name DER and of its public key bits with the certID's hash (SHA-1, SHA-256/384/512), and the serial. A
 * nonce (RFC 8954), when the caller sent one, must be echoed.
 * @module
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { equalBytes, toHex } from '../bytes/hex.js';
import { NobleProvider } from '../crypto/noble.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { AlertDescription } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import { type Certificate, EKU, parseCertificate } from './certificate.js';
import { childrenOf, isContext, sequence, time } from './der.js';
import {
  checkSignedBy,
  fromDer,
  rawBytes,
  reasonName,
  serialHex,
  signedParts,
  subjectPublicKeyBits,
} from './signed.js';

/** What is wrong with an OCSP response. */
export type OcspErrorCode =
  /** Not a DER OCSPResponse / BasicOCSPResponse (RFC 6960 §4.2.1). */
  | 'malformed'
  /** responseStatus is not successful (malformedRequest, tryLater …), or the type is not id-pkix-ocsp-basic. */
  | 'unsuccessful'
  /** The signer is neither the issuer nor an authorized delegated responder (RFC 6960 §4.2.2.2). */
  | 'unauthorized-signer'
  /** The signature does not verify, or its algorithm is unsupported. */
  | 'bad-signature'
  /** No SingleResponse is about this certificate (certID mismatch). */
  | 'wrong-certificate'
  /** thisUpdate is in the future. */
  | 'not-yet-valid'
  /** nextUpdate has passed (or, without one, thisUpdate is older than maxAgeMs). */
  | 'expired'
  /** The nonce sent is missing or different (RFC 8954). */
  | 'nonce-mismatch';

/**
 * A response that cannot be used. Its alert is bad_certificate_status_response (RFC 6066 §8: the client's
 * answer to an unusable stapled response).
 */
export class OcspError extends TlsAlertError {
  override name = 'OcspError';
  readonly code: OcspErrorCode;
  readonly reason: string;

  constructor(code: OcspErrorCode, reason: string, options?: { cause?: unknown }) {
    super(AlertDescription.bad_certificate_status_response, reason, options);
    this.code = code;
    this.reason = reason;
  }
}

/** The status of one certificate (RFC 6960 §4.2.1 CertStatus). */
export type OcspCertStatus =
  | { readonly status: 'good' }
  | {
      readonly status: 'revoked';
      /** revocationTime, ms since the epoch. */
      readonly revocationTime: number;
      /** CRLReason name (`keyCompromise` …) when given. */
      readonly reason: string | undefined;
    }
  | { readonly status: 'unknown' };

/** A verified OCSP answer about one certificate. */
export type OcspStatus = OcspCertStatus & {
  readonly thisUpdate: number;
  readonly nextUpdate: number | undefined;
  readonly producedAt: number;
  /** The certificate whose key signed the response (the issuer or a delegated responder). */
  readonly signer: Certificate;
  /** True when the signer is a delegated responder. */
  readonly delegated: boolean;
};

/** Options of {@link verifyOcspResponse}. */
export interface OcspVerifyOptions {
  /** Verification time (Date or ms since the epoch). Default: now. */
  now?: Date | number;
  /** Default: a NobleProvider. */
  provider?: CryptoProvider;
  /** The nonce sent in the request (the OCTET STRING contents); when given it must be echoed. */
  nonce?: Uint8Array;
  /** Clock skew allowed on thisUpdate / nextUpdate. Default 5 minutes. */
  skewMs?: number;
  /** Largest age of a response without nextUpdate. Default 7 days. */
  maxAgeMs?: number;
  /** Delegated responder certificates known out of band (for responses sent without certs). */
  responderCertificates?: readonly Certificate[];
}

const OID_BASIC = '1.3.6.1.5.5.7.48.1.1';
const OID_NONCE = '1.3.6.1.5.5.7.48.1.2';
const RESPONSE_STATUS = [
  'successful',
  'malformedRequest',
  'internalError',
  'tryLater',
  '4',
  'sigRequired',
  'unauthorized',
];
const HASHES: Readonly<Record<string, (m: Uint8Array) => Uint8Array>> = {
  '1.3.14.3.2.26': sha1,
  '2.16.840.1.101.3.4.2.1': sha256,
  '2.16.840.1.101.3.4.2.2': sha384,
  '2.16.840.1.101.3.4.2.3': sha512,
};

let defaultProvider: CryptoProvider | undefined;

interface ParsedResponse {
  basic: pkijs.BasicOCSPResponse;
  tbs: Uint8Array;
  algorithm: ReturnType<typeof signedParts>['algorithm'];
  signature: Uint8Array;
  certs: Certificate[];
}

/** Parse OCSPResponse → BasicOCSPResponse; throws OcspError. */
function parseResponse(der: Uint8Array): ParsedResponse {
  let outer: pkijs.OCSPResponse;
  try {
    const parsed = fromDer(pkijs.OCSPResponse, der, 'OCSPResponse');
    sequence(parsed.node, 'OCSPResponse', 1, 2); // responseStatus, responseBytes [0] OPTIONAL (RFC 6960 §4.2.1)
    outer = parsed.value;
  } catch (cause) {
    throw new OcspError('malformed', `malformed OCSPResponse: ${(cause as Error).message}`, { cause });
  }
  const status = outer.responseStatus.valueBlock.valueDec;
  if (status !== 0) {
    throw new OcspError('unsuccessful', `the responder answered ${RESPONSE_STATUS[status] ?? `status ${status}`}`);
  }
  if (!outer.responseBytes || outer.responseBytes.responseType !== OID_BASIC) {
    throw new OcspError('unsuccessful', 'the response is not an id-pkix-ocsp-basic response');
  }
  try {
    const bytes = outer.responseBytes.response.valueBlock.valueHexView;
    const { value: basic, node } = fromDer(pkijs.BasicOCSPResponse, bytes, 'BasicOCSPResponse');
    // RFC 6960 §4.2.1: tbsResponseData, signatureAlgorithm, signature, certs [0] OPTIONAL.
    const { tbs, algorithm, signature, rest } = signedParts(node, 'BasicOCSPResponse', 4);
    const certsNode = rest.find((k) => isContext(k, 0));
    const certs = certsNode
      ? sequence(childrenOf(certsNode)[0], 'BasicOCSPResponse.certs').map((c) => parseCertificate(rawBytes(c)))
      : [];
    return { basic, tbs, algorithm, signature, certs };
  } catch (cause) {
    if (cause instanceof OcspError) throw cause;
    throw new OcspError('malformed', `malformed BasicOCSPResponse: ${(cause as Error).message}`, { cause });
  }
}

/** True when `cert` is the one the responderID names (RFC 6960 §4.2.1 ResponderID). */
function isResponder(basic: pkijs.BasicOCSPResponse, cert: Certificate): boolean {
  const id = basic.tbsResponseData.responderID as unknown;
  if (id instanceof pkijs.RelativeDistinguishedNames) {
    return equalBytes(new Uint8Array(id.valueBeforeDecode), cert.subject.der);
  }
  if (id instanceof asn1js.OctetString) {
    return equalBytes(id.valueBlock.valueHexView, sha1(subjectPublicKeyBits(cert)));
  }
  return false;
}

/** The signer: the issuer, or a delegated responder it issued for OCSPSigning (RFC 6960 §4.2.2.2). */
function findSigner(
  p: ParsedResponse,
  issuer: Certificate,
  now: number,
  provider: CryptoProvider,
  extra: readonly Certificate[],
): { signer: Certificate; delegated: boolean } {
  if (isResponder(p.basic, issuer)) return { signer: issuer, delegated: false };
  const named = [...p.certs, ...extra].filter((c) => isResponder(p.basic, c));
  if (named.length === 0) {
    throw new OcspError(
      'unauthorized-signer',
      'the response is signed neither by the issuer nor by a responder certificate it carries',
    );
  }
  const problems: string[] = [];
  for (const cert of named) {
    const problem = delegationProblem(cert, issuer, now, provider);
    if (!problem) return { signer: cert, delegated: true };
    problems.push(problem);
  }
  throw new OcspError('unauthorized-signer', `the responder certificate is not authorized: ${problems.join('; ')}`);
}

function delegationProblem(cert: Certificate, issuer: Certificate, now: number, provider: CryptoProvider) {
  if (cert.issuer.key !== issuer.subject.key) return `it was issued by ${cert.issuer.text}, not the issuer`;
  const sig = checkSignedBy(provider, issuer, cert.signatureAlgorithm, cert.tbs, cert.signature);
  if (sig) return `its signature by the issuer: ${sig}`;
  if (!cert.extKeyUsage?.includes(EKU.OCSPSigning)) return 'its extendedKeyUsage lacks id-kp-OCSPSigning';
  if (now < cert.notBefore || now > cert.notAfter) return 'it is outside its validity period';
  return null;
}

/** The SingleResponse whose certID names `leaf` (issued by `issuer`), or undefined. */
function findSingle(basic: pkijs.BasicOCSPResponse, leaf: Certificate, issuer: Certificate) {
  const keyBits = subjectPublicKeyBits(issuer);
  // Hashes computed once per algorithm: a response may list many certIDs (each costs a comparison only).
  const hashed = new Map<string, { name: Uint8Array; key: Uint8Array }>();
  return basic.tbsResponseData.responses.find((r) => {
    const oid = r.certID.hashAlgorithm.algorithmId;
    const hash = HASHES[oid];
    if (!hash) return false;
    if (serialHex(r.certID.serialNumber.valueBlock.valueHexView) !== leaf.serialNumber) return false;
    let h = hashed.get(oid);
    if (!h) {
      h = { name: hash(leaf.issuer.der), key: hash(keyBits) };
      hashed.set(oid, h);
    }
    return (
      equalBytes(r.certID.issuerNameHash.valueBlock.valueHexView, h.name) &&
      equalBytes(r.certID.issuerKeyHash.valueBlock.valueHexView, h.key)
    );
  });
}

/** CertStatus (RFC 6960 §4.2.1): good [0] NULL, revoked [1] RevokedInfo, unknown [2] NULL. */
function certStatus(node: asn1js.AsnType): OcspCertStatus {
  const tag = node.idBlock.tagNumber;
  if (node.idBlock.tagClass === 3 && tag === 0) return { status: 'good' };
  if (node.idBlock.tagClass === 3 && tag === 2) return { status: 'unknown' };
  if (node.idBlock.tagClass !== 3 || tag !== 1) throw new OcspError('malformed', 'unknown CertStatus choice');
  const kids = childrenOf(node);
  const revocationTime = time(kids[0], 'RevokedInfo.revocationTime');
  const reasonNode = kids[1] && isContext(kids[1], 0) ? childrenOf(kids[1])[0] : undefined;
  const reason = reasonNode instanceof asn1js.Enumerated ? reasonName(reasonNode.valueBlock.valueDec) : undefined;
  return { status: 'revoked', revocationTime, reason };
}

function checkTimes(single: pkijs.SingleResponse, now: number, skew: number, maxAge: number): void {
  const thisUpdate = single.thisUpdate.getTime();
  const when = (ms: number) => new Date(ms).toISOString();
  if (thisUpdate > now + skew) {
    throw new OcspError('not-yet-valid', `the response's thisUpdate ${when(thisUpdate)} is in the future (clock?)`);
  }
  const next = single.nextUpdate?.getTime();
  if (next !== undefined && next < now - skew) {
    throw new OcspError('expired', `the response expired at ${when(next)} (nextUpdate); the responder must refresh it`);
  }
  if (next === undefined && thisUpdate + maxAge < now - skew) {
    throw new OcspError('expired', `the response without nextUpdate is from ${when(thisUpdate)}, older than allowed`);
  }
}

function checkNonce(basic: pkijs.BasicOCSPResponse, nonce: Uint8Array): void {
  const ext = basic.tbsResponseData.responseExtensions?.find((e) => e.extnID === OID_NONCE);
  if (!ext) throw new OcspError('nonce-mismatch', 'the response does not echo the request nonce (RFC 8954)');
  const value = ext.extnValue.valueBlock.valueHexView;
  const inner = asn1js.fromBER(value);
  const echoed =
    inner.offset === value.length && inner.result instanceof asn1js.OctetString
      ? inner.result.valueBlock.valueHexView
      : value;
  if (!equalBytes(echoed, nonce)) throw new OcspError('nonce-mismatch', `the response nonce ${toHex(echoed)} differs`);
}

/**
 * Verify a DER OCSPResponse about `leaf` (issued by `issuer`) and return its status.
 * @throws OcspError (alert bad_certificate_status_response) when the response is malformed, unsuccessful,
 *   wrongly signed, about another certificate, stale, or lacks the nonce
 * @example const s = verifyOcspResponse(der, leaf, issuer, { now: Date.now() }); if (s.status === 'revoked') …
 */
export function verifyOcspResponse(
  der: Uint8Array,
  leaf: Certificate,
  issuer: Certificate,
  options: OcspVerifyOptions = {},
): OcspStatus {
  const now = options.now === undefined ? Date.now() : +options.now;
  defaultProvider ??= new NobleProvider();
  const provider = options.provider ?? defaultProvider;
  const p = parseResponse(der);
  const { signer, delegated } = findSigner(p, issuer, now, provider, options.responderCertificates ?? []);
  const sig = checkSignedBy(provider, signer, p.algorithm, p.tbs, p.signature);
  if (sig) throw new OcspError('bad-signature', `OCSP response signature: ${sig}`);
  const single = findSingle(p.basic, leaf, issuer);
  if (!single) {
    throw new OcspError('wrong-certificate', `the response is not about serial ${leaf.serialNumber} of this issuer`);
  }
  checkTimes(single, now, options.skewMs ?? 5 * 60e3, options.maxAgeMs ?? 7 * 86400e3);
  if (options.nonce) checkNonce(p.basic, options.nonce);
  return {
    ...certStatus(single.certStatus),
    thisUpdate: single.thisUpdate.getTime(),
    nextUpdate: single.nextUpdate?.getTime(),
    producedAt: p.basic.tbsResponseData.producedAt.getTime(),
    signer,
    delegated,
  };
}

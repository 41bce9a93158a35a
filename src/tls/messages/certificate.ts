/**
 * Certificate, CertificateRequest, CertificateVerify and CertificateStatus bodies.
 *
 * Certificate and CertificateRequest changed shape in TLS 1.3, so their decoders take the version:
 * TLS 1.2: RFC 5246 §7.4.2 and §7.4.4; TLS 1.3: RFC 8446 §4.4.2 and §4.3.2. CertificateVerify
 * (RFC 8446 §4.4.3, RFC 5246 §7.4.8) is `SignatureScheme algorithm; opaque signature<0..2^16-1>` in both,
 * and CertificateStatus is RFC 6066 §8.
 * @module
 */
import type { Reader } from '../../bytes/reader.js';
import type { Writer } from '../../bytes/writer.js';
import {
  type CertificateStatus,
  decodeCertificateStatus,
  decodeExtensions,
  type Extension,
  encodeCertificateStatus,
  encodeExtensions,
  NON_EMPTY,
  readSignatureAlgorithms,
  readU8List,
  writeU8List,
  writeU16List,
} from '../extensions.js';

/** TLS 1.2 Certificate (RFC 5246 §7.4.2): `ASN.1Cert certificate_list<0..2^24-1>`. */
export interface Tls12Certificate {
  type: 'certificate';
  version: 'tls12';
  /** DER certificates, sender's first; each `opaque ASN.1Cert<1..2^24-1>`. */
  certificates: Uint8Array[];
}

/** `CertificateEntry` (RFC 8446 §4.4.2). */
export interface CertificateEntry {
  /** `cert_data<1..2^24-1>` (a DER X.509 certificate) or `ASN1_subjectPublicKeyInfo` (RawPublicKey). */
  data: Uint8Array;
  /** Extensions of this entry (status_request, signed_certificate_timestamp, …). */
  extensions: Extension[];
}

/** TLS 1.3 Certificate (RFC 8446 §4.4.2). */
export interface Tls13Certificate {
  type: 'certificate';
  version: 'tls13';
  /** `certificate_request_context<0..2^8-1>`. */
  context: Uint8Array;
  /** `CertificateEntry certificate_list<0..2^24-1>`. */
  entries: CertificateEntry[];
}

/** Certificate in either version's form. */
export type Certificate = Tls12Certificate | Tls13Certificate;

/** TLS 1.2 CertificateRequest (RFC 5246 §7.4.4). */
export interface Tls12CertificateRequest {
  type: 'certificate_request';
  version: 'tls12';
  /** `ClientCertificateType certificate_types<1..2^8-1>`. */
  certificateTypes: number[];
  /** `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>`. */
  signatureAlgorithms: number[];
  /** `DistinguishedName certificate_authorities<0..2^16-1>`, each DER `opaque<1..2^16-1>`. */
  certificateAuthorities: Uint8Array[];
}

/** TLS 1.3 CertificateRequest (RFC 8446 §4.3.2). */
export interface Tls13CertificateRequest {
  type: 'certificate_request';
  version: 'tls13';
  /** `certificate_request_context<0..2^8-1>`. */
  context: Uint8Array;
  /** `Extension extensions<0..2^16-1>` (signature_algorithms is required by the RFC, not by the codec). */
  extensions: Extension[];
}

/** CertificateRequest in either version's form. */
export type CertificateRequest = Tls12CertificateRequest | Tls13CertificateRequest;

/** CertificateVerify (RFC 8446 §4.4.3; TLS 1.2 `digitally-signed`, RFC 5246 §4.7 and §7.4.8). */
export interface CertificateVerify {
  type: 'certificate_verify';
  /** SignatureScheme (TLS 1.3) / SignatureAndHashAlgorithm (TLS 1.2): the same u16 on the wire. */
  algorithm: number;
  signature: Uint8Array;
}

/** The CertificateStatus handshake message (RFC 6066 §8): an OCSP response stapled by a TLS 1.2 server. */
export interface CertificateStatusMessage extends CertificateStatus {
  type: 'certificate_status';
}

/** Decode a Certificate body in the form of `version`. */
export function decodeCertificate(r: Reader, version: 'tls12' | 'tls13'): Certificate {
  if (version === 'tls12') {
    const certificates = r.list24('certificate_list', (r) => r.opaque24('ASN.1Cert', NON_EMPTY));
    return { type: 'certificate', version, certificates };
  }
  const context = r.opaque8('certificate_request_context');
  const entries = r.list24('certificate_list', (r) => {
    const data = r.opaque24('cert_data', NON_EMPTY);
    return { data, extensions: decodeExtensions(r, 'certificate') };
  });
  return { type: 'certificate', version, context, entries };
}

/** Encode a Certificate body (the form follows `m.version`). */
export function encodeCertificate(w: Writer, m: Certificate): void {
  if (m.version === 'tls12') {
    w.vec24((w) => {
      for (const c of m.certificates) w.opaque24(c);
    });
    return;
  }
  w.opaque8(m.context);
  w.vec24((w) => {
    for (const e of m.entries) {
      w.opaque24(e.data);
      encodeExtensions(w, e.extensions);
    }
  });
}

/** Decode a CertificateRequest body in the form of `version`. */
export function decodeCertificateRequest(r: Reader, version: 'tls12' | 'tls13'): CertificateRequest {
  if (version === 'tls12') {
    const certificateTypes = readU8List(r, 'certificate_types', NON_EMPTY);
    const signatureAlgorithms = readSignatureAlgorithms(r);
    const certificateAuthorities = r.list16('certificate_authorities', (r) =>
      r.opaque16('DistinguishedName', NON_EMPTY),
    );
    return { type: 'certificate_request', version, certificateTypes, signatureAlgorithms, certificateAuthorities };
  }
  const context = r.opaque8('certificate_request_context');
  return { type: 'certificate_request', version, context, extensions: decodeExtensions(r, 'certificate_request') };
}

/** Encode a CertificateRequest body (the form follows `m.version`). */
export function encodeCertificateRequest(w: Writer, m: CertificateRequest): void {
  if (m.version === 'tls12') {
    writeU8List(w, m.certificateTypes);
    writeU16List(w, 2, m.signatureAlgorithms);
    w.vec16((w) => {
      for (const dn of m.certificateAuthorities) w.opaque16(dn);
    });
    return;
  }
  w.opaque8(m.context);
  encodeExtensions(w, m.extensions);
}

/** Decode a CertificateVerify body. */
export function decodeCertificateVerify(r: Reader): CertificateVerify {
  const algorithm = r.u16('algorithm');
  return { type: 'certificate_verify', algorithm, signature: r.opaque16('signature') };
}

/** Encode a CertificateVerify body. */
export function encodeCertificateVerify(w: Writer, m: CertificateVerify): void {
  w.u16(m.algorithm);
  w.opaque16(m.signature);
}

/** Decode a CertificateStatus message body (RFC 6066 §8; only status_type ocsp(1) is defined). */
export function decodeCertificateStatusMessage(r: Reader): CertificateStatusMessage {
  return { type: 'certificate_status', ...decodeCertificateStatus(r) };
}

/** Encode a CertificateStatus message body. */
export function encodeCertificateStatusMessage(w: Writer, m: CertificateStatusMessage): void {
  encodeCertificateStatus(w, m);
}

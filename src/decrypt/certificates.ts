/**
 * What a Certificate message's chain says at a glance: for each certificate its subject, issuer,
 * subject alternative names and validity (RFC 5280 §4.1.2.4–4.1.2.6, §4.2.1.6), as the decrypted
 * handshake of a capture shows it. A certificate that does not parse gives its error instead.
 * @module
 */
import type { Certificate as TlsCertificate } from '../tls/messages/certificate.js';
import { parseCertificate } from '../x509/certificate.js';

/** One certificate of a chain, summarized. */
export interface CertificateSummary {
  subject?: string;
  issuer?: string;
  /** DNS names, IP addresses, e-mail addresses and URIs of subjectAltName, as `DNS:…`, `IP:…`. */
  subjectAltNames?: string[];
  /** ISO 8601 (UTC). */
  notBefore?: string;
  notAfter?: string;
  /** Why the certificate could not be parsed. */
  error?: string;
}

const PREFIX = { dns: 'DNS', ip: 'IP', email: 'email', uri: 'URI' } as const;

function summarize(der: Uint8Array): CertificateSummary {
  try {
    const c = parseCertificate(der);
    const sans = (c.subjectAltNames ?? []).map((n) =>
      n.type === 'directory'
        ? `DirName:${n.value.text}`
        : n.type === 'other'
          ? `other[${n.tag}]`
          : `${PREFIX[n.type]}:${n.value}`,
    );
    return {
      subject: c.subject.text,
      issuer: c.issuer.text,
      subjectAltNames: sans,
      notBefore: new Date(c.notBefore).toISOString(),
      notAfter: new Date(c.notAfter).toISOString(),
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** The summary of every certificate of a Certificate message, leaf first. */
export function certificateSummaries(m: TlsCertificate): CertificateSummary[] {
  const ders = m.version === 'tls12' ? m.certificates : m.entries.map((e) => e.data);
  return ders.map(summarize);
}

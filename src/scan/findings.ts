/**
 * The weaknesses a scan implies, rated against RFC 9325 (BCP 195), each citing its section:
 * §3.1.1 protocol versions, §3.3 compression, §3.5 renegotiation_info and extended_master_secret,
 * §4.1 cipher suites (NULL, RC4, export, < 128 bits, static RSA and DH, forward secrecy, DHE),
 * §4.2 CBC without encrypt_then_mac, §4.5 key lengths and SHA-1 signatures; and the downgrade
 * signals of RFC 8446 §4.1.3 and RFC 7507 (RFC 9325 §3.1.3 retires the SCSV for clients only).
 * @module
 */
import { suiteTraits } from './suites.js';
import type { Finding, ScanReport } from './types.js';

type Rule = (r: ScanReport) => Finding[];

function has(r: ScanReport, version: string): boolean {
  return r.versions.some((v) => v.version === version && v.supported);
}

/** Legacy-version suites, deduplicated by code point. */
function legacySuites(r: ScanReport): { value: number; name: string; keyExchange?: string }[] {
  const seen = new Map<number, { value: number; name: string; keyExchange?: string }>();
  for (const v of r.versions) if (v.version !== 'TLS 1.3') for (const s of v.cipherSuites) seen.set(s.value, s);
  return [...seen.values()];
}

function suitesWhere(r: ScanReport, test: (t: ReturnType<typeof suiteTraits>) => boolean): string[] {
  return legacySuites(r)
    .filter((s) => test(suiteTraits(s.value)))
    .map((s) => s.name);
}

const versionRules: Rule = (r) => {
  const out: Finding[] = [];
  const v = (version: string, id: string, words: string) =>
    has(r, version) && out.push({ id, severity: 'high', rfc9325: '3.1.1', message: `${version} is enabled: ${words}` });
  v('SSL 3.0', 'ssl3-enabled', 'implementations MUST NOT negotiate SSL version 3');
  v('TLS 1.0', 'tls10-enabled', 'implementations MUST NOT negotiate TLS version 1.0');
  v('TLS 1.1', 'tls11-enabled', 'implementations MUST NOT negotiate TLS version 1.1');
  const any = r.versions.some((x) => x.supported);
  if (any && !has(r, 'TLS 1.2')) {
    out.push({
      id: 'no-tls12',
      severity: 'medium',
      rfc9325: '3.1.1',
      message: 'TLS 1.2 is not supported: implementations MUST support TLS 1.2',
    });
  }
  if (any && !has(r, 'TLS 1.3')) {
    out.push({
      id: 'no-tls13',
      severity: 'low',
      rfc9325: '3.1.1',
      message: 'TLS 1.3 is not supported: implementations SHOULD support TLS 1.3',
    });
  }
  return out;
};

const suiteRules: Rule = (r) => {
  const out: Finding[] = [];
  const rule = (id: string, severity: Finding['severity'], rfc: string, what: string, names: string[]) => {
    if (names.length > 0) out.push({ id, severity, rfc9325: rfc, message: `${what}: ${names.join(', ')}` });
  };
  rule(
    'null-suites',
    'high',
    '4.1',
    'NULL encryption suites (MUST NOT)',
    suitesWhere(r, (t) => t.nullCipher),
  );
  rule(
    'rc4-suites',
    'high',
    '4.1',
    'RC4 suites (MUST NOT)',
    suitesWhere(r, (t) => t.rc4),
  );
  rule(
    'export-suites',
    'high',
    '4.1',
    'export suites, less than 112 bits (MUST NOT)',
    suitesWhere(r, (t) => t.export),
  );
  rule(
    'anonymous-suites',
    'high',
    '4.1',
    'anonymous suites, no server authentication',
    suitesWhere(r, (t) => t.anonymous),
  );
  rule(
    'des-suites',
    'medium',
    '4.1',
    'DES/3DES suites, less than 128 bits (SHOULD NOT)',
    suitesWhere(r, (t) => t.des && !t.export),
  );
  rule(
    'rsa-key-exchange',
    'medium',
    '4.1',
    'static RSA key exchange (SHOULD NOT)',
    suitesWhere(r, (t) => t.keyExchange === 'RSA' && !t.nullCipher),
  );
  rule(
    'static-dh-suites',
    'medium',
    '4.1',
    'static DH/ECDH key exchange (SHOULD NOT)',
    suitesWhere(r, (t) => (t.keyExchange === 'DH' || t.keyExchange === 'ECDH') && !t.anonymous),
  );
  rule(
    'dhe-suites',
    'low',
    '4.1',
    'TLS_DHE_* suites (TLS 1.2 SHOULD NOT negotiate them)',
    suitesWhere(r, (t) => t.keyExchange === 'DHE'),
  );
  if (!r.features.encryptThenMac) {
    rule(
      'cbc-suites',
      'low',
      '4.2',
      'CBC suites without encrypt_then_mac (SHOULD NOT)',
      suitesWhere(r, (t) => t.cbc),
    );
  }
  // Preference is the server's only when it picks by its own order.
  const fs = r.versions.filter((v) => v.supported && v.serverOrder !== false).map((v) => v.cipherSuites[0]);
  const firstNotFs = fs.filter((s) => s && !suiteTraits(s.value).forwardSecret);
  const anyFs = r.versions.some((v) => v.cipherSuites.some((s) => suiteTraits(s.value).forwardSecret));
  if (r.versions.some((v) => v.supported) && !anyFs) {
    out.push({
      id: 'no-forward-secrecy',
      severity: 'high',
      rfc9325: '4.1',
      message: 'no suite offers forward secrecy (MUST support and prefer)',
    });
  } else if (firstNotFs.length > 0) {
    out.push({
      id: 'forward-secrecy-not-preferred',
      severity: 'medium',
      rfc9325: '4.1',
      message: `forward secrecy is not preferred: ${firstNotFs.map((s) => s!.name).join(', ')} chosen first`,
    });
  }
  const weakDh = legacySuites(r).filter(
    (s) => /^DH (\d+)$/.test(s.keyExchange ?? '') && Number(s.keyExchange!.slice(3)) < 2048,
  );
  rule(
    'weak-dh',
    'high',
    '4.5',
    'DHE with a prime under 2048 bits (REQUIRED ≥ 2048)',
    weakDh.map((s) => `${s.name} (${s.keyExchange})`),
  );
  return out;
};

const featureRules: Rule = (r) => {
  const out: Finding[] = [];
  const f = r.features;
  if (f.compression)
    out.push({
      id: 'compression',
      severity: 'high',
      rfc9325: '3.3',
      message: 'TLS compression is enabled (SHOULD NOT; CRIME)',
    });
  if (f.secureRenegotiation === false) {
    out.push({
      id: 'no-secure-renegotiation',
      severity: 'high',
      rfc9325: '3.5',
      message: 'renegotiation_info (RFC 5746) is not supported (MUST)',
    });
  }
  if (f.extendedMasterSecret === false) {
    out.push({
      id: 'no-extended-master-secret',
      severity: 'medium',
      rfc9325: '3.5',
      message: 'extended_master_secret (RFC 7627) is not supported (MUST)',
    });
  }
  const sha1 = [...r.signatureSchemes.tls12, ...r.signatureSchemes.tls13].filter((s) => /sha1/i.test(s));
  const sha1Certs = r.certificates.flatMap((c) =>
    c.certificates.filter((x) => x.subject !== x.issuer && /sha1/i.test(x.signatureAlgorithm)).map((x) => x.subject),
  );
  if (sha1.length > 0 || sha1Certs.length > 0) {
    const what = [...new Set(sha1)].concat(sha1Certs.map((s) => `certificate ${s}`));
    out.push({
      id: 'sha1-signatures',
      severity: 'medium',
      rfc9325: '4.5',
      message: `SHA-1 signatures (MUST NOT): ${what.join(', ')}`,
    });
  }
  const smallRsa = r.certificates
    .flatMap((c) => c.certificates.slice(0, 1))
    .filter((c) => /^RSA(-PSS)? (\d+)$/.test(c.publicKey) && Number(c.publicKey.split(' ')[1]) < 2048);
  if (smallRsa.length > 0) {
    out.push({
      id: 'small-rsa-key',
      severity: 'high',
      rfc9325: '4.5',
      message: `RSA certificate keys under 2048 bits: ${smallRsa.map((c) => c.publicKey).join(', ')}`,
    });
  }
  for (const c of r.certificates) {
    if (!c.trusted) {
      out.push({
        id: 'untrusted-certificate',
        severity: 'high',
        rfc9325: '7.1',
        message: `${c.signatureType} chain not trusted: ${c.error?.reason ?? 'unknown'}`,
      });
    }
  }
  if (f.downgradeSentinel === false) {
    out.push({
      id: 'no-downgrade-sentinel',
      severity: 'medium',
      rfc9325: '3.1.1',
      message: 'TLS 1.3 server sends no downgrade sentinel to a TLS 1.2 client (RFC 8446 §4.1.3)',
    });
  }
  if (f.fallbackScsv === false) {
    out.push({
      id: 'no-fallback-scsv',
      severity: 'low',
      rfc9325: '3.1.3',
      message: 'TLS_FALLBACK_SCSV (RFC 7507) is not honoured',
    });
  }
  return out;
};

/** Every finding of `report`, highest severity first (stable within one severity). */
export function assessFindings(report: ScanReport): Finding[] {
  const order = { high: 0, medium: 1, low: 2, info: 3 } as const;
  return [versionRules, suiteRules, featureRules]
    .flatMap((rule) => rule(report))
    .sort((a, b) => order[a.severity] - order[b.severity]);
}

/**
 * The weaknesses a scan implies, rated against RFC 9325 (BCP 195), each citing its section:
 * §3.1.1 protocol versions, §3.3 compression, §3.5 renegotiation_info and extended_master_secret,
 * §4.1 cipher suites (NULL, RC4, export, < 128 bits, static RSA and DH, forward secrecy, DHE),
 * §4.2 CBC without encrypt_then_mac, §4.5 key lengths and SHA-1 signatures; and the downgrade
 * signals of RFC 8446 §4.1.3 and RFC 7507 (RFC 9325 §3.1.3 retires the SCSV for clients only).
 * @module
 */
import { type SuiteTraits, suiteTraits } from './suites.js';
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

function suitesWhere(r: ScanReport, test: (t: SuiteTraits) => boolean): string[] {
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

/** A rule over the suites found in TLS ≤ 1.2: one finding naming every suite that matches. */
interface SuiteRule {
  id: string;
  severity: Finding['severity'];
  section: string;
  what: string;
  test: (t: SuiteTraits, r: ScanReport) => boolean;
}

const SUITE_RULES: readonly SuiteRule[] = [
  {
    id: 'null-suites',
    severity: 'high',
    section: '4.1',
    what: 'NULL encryption suites (MUST NOT)',
    test: (t) => t.nullCipher,
  },
  { id: 'rc4-suites', severity: 'high', section: '4.1', what: 'RC4 suites (MUST NOT)', test: (t) => t.rc4 },
  {
    id: 'export-suites',
    severity: 'high',
    section: '4.1',
    what: 'export suites, less than 112 bits (MUST NOT)',
    test: (t) => t.export,
  },
  {
    id: 'anonymous-suites',
    severity: 'high',
    section: '4.1',
    what: 'anonymous suites, no server authentication',
    test: (t) => t.anonymous,
  },
  {
    id: 'des-suites',
    severity: 'medium',
    section: '4.1',
    what: 'DES/3DES suites, less than 128 bits (SHOULD NOT)',
    test: (t) => t.des && !t.export,
  },
  {
    id: 'rsa-key-exchange',
    severity: 'medium',
    section: '4.1',
    what: 'static RSA key exchange (SHOULD NOT)',
    test: (t) => t.keyExchange === 'RSA' && !t.nullCipher,
  },
  {
    id: 'static-dh-suites',
    severity: 'medium',
    section: '4.1',
    what: 'static DH/ECDH key exchange (SHOULD NOT)',
    test: (t) => (t.keyExchange === 'DH' || t.keyExchange === 'ECDH') && !t.anonymous,
  },
  {
    id: 'dhe-suites',
    severity: 'low',
    section: '4.1',
    what: 'TLS_DHE_* suites (TLS 1.2 SHOULD NOT negotiate them)',
    test: (t) => t.keyExchange === 'DHE',
  },
  {
    id: 'cbc-suites',
    severity: 'low',
    section: '4.2',
    what: 'CBC suites without encrypt_then_mac (SHOULD NOT)',
    test: (t, r) => t.cbc && !r.features.encryptThenMac,
  },
];

const suiteRules: Rule = (r) =>
  SUITE_RULES.flatMap(({ id, severity, section, what, test }) => {
    const names = suitesWhere(r, (t) => test(t, r));
    return names.length > 0 ? [{ id, severity, rfc9325: section, message: `${what}: ${names.join(', ')}` }] : [];
  });

/** Forward secrecy (RFC 9325 §4.1: MUST support and prefer) and DHE prime sizes (§4.5). */
const secrecyRules: Rule = (r) => {
  const out: Finding[] = [];
  // Preference is the server's only when it picks by its own order.
  const first = r.versions.filter((v) => v.supported && v.serverOrder !== false).map((v) => v.cipherSuites[0]);
  const firstNotFs = first.filter((s) => s && !suiteTraits(s.value).forwardSecret).map((s) => s!.name);
  const anyFs = r.versions.some((v) => v.cipherSuites.some((s) => suiteTraits(s.value).forwardSecret));
  if (r.versions.some((v) => v.supported) && !anyFs) {
    out.push(finding('no-forward-secrecy', 'high', '4.1', 'no suite offers forward secrecy (MUST support and prefer)'));
  } else if (firstNotFs.length > 0) {
    const message = `forward secrecy is not preferred: ${firstNotFs.join(', ')} chosen first`;
    out.push(finding('forward-secrecy-not-preferred', 'medium', '4.1', message));
  }
  const weakDh = legacySuites(r).filter(
    (s) => /^DH \d+$/.test(s.keyExchange ?? '') && Number(s.keyExchange!.slice(3)) < 2048,
  );
  if (weakDh.length > 0) {
    const names = weakDh.map((s) => `${s.name} (${s.keyExchange})`).join(', ');
    out.push(finding('weak-dh', 'high', '4.5', `DHE with a prime under 2048 bits (REQUIRED ≥ 2048): ${names}`));
  }
  return out;
};

function finding(id: string, severity: Finding['severity'], rfc9325: string, message: string): Finding {
  return { id, severity, rfc9325, message };
}

/** Compression (§3.3), renegotiation_info and extended master secret (§3.5), downgrade signals. */
const featureRules: Rule = (r) => {
  const f = r.features;
  const out: Finding[] = [];
  if (f.compression) out.push(finding('compression', 'high', '3.3', 'TLS compression is enabled (SHOULD NOT; CRIME)'));
  if (f.secureRenegotiation === false) {
    const message = 'renegotiation_info (RFC 5746) is not supported (MUST)';
    out.push(finding('no-secure-renegotiation', 'high', '3.5', message));
  }
  if (f.extendedMasterSecret === false) {
    const message = 'extended_master_secret (RFC 7627) is not supported (MUST)';
    out.push(finding('no-extended-master-secret', 'medium', '3.5', message));
  }
  if (f.downgradeSentinel === false) {
    const message = 'TLS 1.3 server sends no downgrade sentinel to a TLS 1.2 client (RFC 8446 §4.1.3)';
    out.push(finding('no-downgrade-sentinel', 'medium', '3.1.1', message));
  }
  if (f.fallbackScsv === false) {
    out.push(finding('no-fallback-scsv', 'low', '3.1.3', 'TLS_FALLBACK_SCSV (RFC 7507) is not honoured'));
  }
  return out;
};

/** SHA-1 signatures and RSA key sizes (§4.5), chains the verifier rejects (§7.1). */
const certificateRules: Rule = (r) => {
  const out: Finding[] = [];
  const schemes = [
    ...new Set([...r.signatureSchemes.tls12, ...r.signatureSchemes.tls13].filter((s) => /sha1/i.test(s))),
  ];
  const certs = r.certificates.flatMap((c) =>
    c.certificates.filter((x) => x.subject !== x.issuer && /sha1/i.test(x.signatureAlgorithm)),
  );
  if (schemes.length > 0 || certs.length > 0) {
    const what = [...schemes, ...certs.map((c) => `certificate ${c.subject}`)].join(', ');
    out.push(finding('sha1-signatures', 'medium', '4.5', `SHA-1 signatures (MUST NOT): ${what}`));
  }
  const smallRsa = r.certificates
    .map((c) => c.certificates[0]?.publicKey ?? '')
    .filter((k) => /^RSA(-PSS)? \d+$/.test(k) && Number(k.split(' ')[1]) < 2048);
  if (smallRsa.length > 0) {
    out.push(
      finding(
        'small-rsa-key',
        'high',
        '4.5',
        `RSA certificate keys under 2048 bits (MUST NOT): ${smallRsa.join(', ')}`,
      ),
    );
  }
  for (const c of r.certificates.filter((x) => !x.trusted)) {
    const message = `${c.signatureType} chain not trusted: ${c.error?.reason ?? 'unknown'}`;
    out.push(finding('untrusted-certificate', 'high', '7.1', message));
  }
  return out;
};

/** Every finding of `report`, highest severity first (stable within one severity). */
export function assessFindings(report: ScanReport): Finding[] {
  const order = { high: 0, medium: 1, low: 2, info: 3 } as const;
  return [versionRules, suiteRules, secrecyRules, featureRules, certificateRules]
    .flatMap((rule) => rule(report))
    .sort((a, b) => order[a.severity] - order[b.severity]);
}

/**
 * `tlswire cert FILE | HOST:PORT [--ca FILE] [--untrusted FILE] [--crl FILE]... [--servername NAME] [--time ISO] [--json]`: a
 * certificate inspector — the job of `openssl x509 -text -noout`, `s_client -showcerts` and `openssl verify`.
 *
 * Prints each certificate (RFC 5280 §4.1: subject, issuer, serial, validity with "expires in N days", key,
 * subjectAltName, key usages, basic and name constraints, OCSP / CA-issuer / CRL locations, policies, SCTs,
 * TLS Feature, SHA-256 fingerprint), then the path `verifyCertificateChain` built and its verdict with the
 * handshake's reasons and hints. A file may hold PEM certificates (any number) or one DER certificate; for
 * HOST:PORT the chain is fetched with tlswire's own client (`connect`, chain not verified during the
 * handshake, so that the verdict here can say why).
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connect } from '../node/connect.js';
import { bundledRoots } from '../node/credentials.js';
import { type Certificate, parseCertificate, parseCertificatesPem } from '../x509/certificate.js';
import { CrlSet } from '../x509/crl.js';
import { certificateDetails } from '../x509/extensions.js';
import { nameConstraintsOf, type SubtreeBase } from '../x509/name-constraints.js';
import { TrustStore, type VerificationResult, verifyCertificateChain } from '../x509/verify.js';
import { parseCommandArgs } from './args.js';
import { describeError, type Output, toJson } from './format.js';

/** Usage text of the command. */
export const CERT_USAGE = `Usage: tlswire cert FILE|HOST:PORT [--ca FILE] [--crl FILE]... [--untrusted FILE] [--servername NAME] [--json]

Show every certificate of a PEM/DER file or of the chain a server sends, then the path tlswire's
verifier builds and its verdict (with the same hints as a handshake).

Options:
  --ca FILE          trusted roots, PEM (default: Node's bundled roots)
  --untrusted FILE   extra intermediates, PEM (for a file holding only a leaf)
  --crl FILE         a CRL (PEM or DER) to check revocation with; repeatable
  --servername NAME  host name the leaf must cover (default: HOST for HOST:PORT, none for a file)
  --time ISO         verify at this time instead of now (also "expires in" is counted from it)
  --json             print one JSON document
  -h, --help         show this help`;

/** One certificate, as shown. */
export interface CertificateView {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  expiresInDays: number;
  key: string;
  signatureAlgorithm: string;
  subjectAltNames: string[];
  keyUsage: string[] | undefined;
  extendedKeyUsage: string[] | undefined;
  basicConstraints: string | undefined;
  nameConstraints: { permitted: string[]; excluded: string[] } | undefined;
  ocsp: readonly string[] | undefined;
  caIssuers: readonly string[] | undefined;
  crlDistributionPoints: readonly string[] | undefined;
  policies: readonly string[] | undefined;
  scts: { logId: string; timestamp: string }[] | undefined;
  mustStaple: boolean;
  sha256: string;
}

/** The whole report. */
export interface CertReport {
  source: string;
  certificates: CertificateView[];
  verdict: { ok: true; path: string[] } | { ok: false; code: string; alert: string; reason: string; hint?: string };
}

const EKU_NAMES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

function baseText(b: SubtreeBase): string {
  if (b.type === 'dns') return `DNS:${b.value}`;
  if (b.type === 'ip') return `IP:${b.text}`;
  if (b.type === 'directory') return `DirName:${b.value.text}`;
  return `${b.form}:${b.text}`;
}

/** The view of one certificate at time `now`. */
export function viewCertificate(cert: Certificate, now: number): CertificateView {
  const d = certificateDetails(cert);
  const bc = cert.basicConstraints;
  let nc: CertificateView['nameConstraints'];
  try {
    const c = nameConstraintsOf(cert);
    nc = c && { permitted: c.permitted.map(baseText), excluded: c.excluded.map(baseText) };
  } catch {
    nc = { permitted: ['(malformed)'], excluded: [] };
  }
  return {
    subject: cert.subject.text,
    issuer: cert.issuer.text,
    serial: cert.serialNumber.toUpperCase(),
    notBefore: iso(cert.notBefore),
    notAfter: iso(cert.notAfter),
    expiresInDays: Math.floor((cert.notAfter - now) / 86400e3),
    key: cert.publicKey.description,
    signatureAlgorithm: cert.signatureAlgorithm.name,
    subjectAltNames: (cert.subjectAltNames ?? []).map((n) =>
      n.type === 'dns'
        ? `DNS:${n.value}`
        : n.type === 'ip'
          ? `IP:${n.value}`
          : n.type === 'email'
            ? `email:${n.value}`
            : n.type === 'uri'
              ? `URI:${n.value}`
              : n.type === 'directory'
                ? `DirName:${n.value.text}`
                : `other:[${n.tag}]`,
    ),
    keyUsage: cert.keyUsage && [...cert.keyUsage],
    extendedKeyUsage: cert.extKeyUsage?.map((o) => EKU_NAMES[o] ?? o),
    basicConstraints:
      bc && `CA:${bc.cA ? 'TRUE' : 'FALSE'}${bc.pathLen !== undefined ? `, pathlen:${bc.pathLen}` : ''}`,
    nameConstraints: nc,
    ocsp: d.ocsp,
    caIssuers: d.caIssuers,
    crlDistributionPoints: d.crlDistributionPoints,
    policies: d.policies,
    scts: d.scts?.map((s) => ({ logId: s.logId, timestamp: iso(s.timestamp) })),
    mustStaple: d.tlsFeatures?.includes(5) ?? false,
    sha256: createHash('sha256')
      .update(cert.der)
      .digest('hex')
      .toUpperCase()
      .replace(/(..)(?!$)/g, '$1:'),
  };
}

function expiry(days: number): string {
  if (days < 0) return `expired ${-days} day${days === -1 ? '' : 's'} ago`;
  return `expires in ${days} day${days === 1 ? '' : 's'}`;
}

/** The text lines of one certificate view. */
export function certificateLines(v: CertificateView, index: number): string[] {
  const lines = [`Certificate ${index}${index === 0 ? ' (leaf)' : ''}`];
  const add = (label: string, value: string | undefined) => {
    if (value !== undefined && value !== '') lines.push(`  ${`${label}:`.padEnd(20)}${value}`);
  };
  add('Subject', v.subject);
  add('Issuer', v.issuer);
  add('Serial', v.serial);
  add('Not before', v.notBefore);
  add('Not after', `${v.notAfter} (${expiry(v.expiresInDays)})`);
  add('Key', v.key);
  add('Signature', v.signatureAlgorithm);
  add('Subject alt names', v.subjectAltNames.join(', '));
  add('Key usage', v.keyUsage?.join(', '));
  add('Extended key usage', v.extendedKeyUsage?.join(', '));
  add('Basic constraints', v.basicConstraints);
  if (v.nameConstraints) {
    add('Permitted names', v.nameConstraints.permitted.join(', ') || 'none');
    add('Excluded names', v.nameConstraints.excluded.join(', ') || 'none');
  }
  add('OCSP', v.ocsp?.join(', '));
  add('CA issuers', v.caIssuers?.join(', '));
  add('CRL', v.crlDistributionPoints?.join(', '));
  add('Policies', v.policies?.join(', '));
  add('SCTs', v.scts?.map((s) => `${s.logId.slice(0, 16)}… at ${s.timestamp}`).join('; '));
  if (v.mustStaple) add('TLS feature', 'status_request (OCSP must-staple)');
  add('SHA-256', v.sha256);
  return lines;
}

/** The verdict of `result`, for the report. */
function verdictOf(result: VerificationResult): CertReport['verdict'] {
  if (result.ok) return { ok: true, path: result.path.map((c) => c.subject.text) };
  const e = result.error;
  return { ok: false, code: e.code, alert: e.alertName, reason: e.reason, ...(e.hint ? { hint: e.hint } : {}) };
}

interface Settings {
  target: string;
  ca: string | undefined;
  untrusted: string | undefined;
  crls: string[];
  servername: string | undefined;
  time: number | undefined;
  json: boolean;
}

function settle(parsed: { values: Record<string, unknown>; positionals: string[] }): Settings {
  const [target, ...extra] = parsed.positionals;
  if (!target || extra.length) throw new TypeError('expected one FILE or HOST:PORT');
  const t = parsed.values.time as string | undefined;
  const time = t === undefined ? undefined : Date.parse(t);
  if (time !== undefined && !Number.isFinite(time)) throw new TypeError(`--time: not a date: ${t}`);
  return {
    target,
    ca: parsed.values.ca as string | undefined,
    untrusted: parsed.values.untrusted as string | undefined,
    crls: (parsed.values.crl as string[] | undefined) ?? [],
    servername: parsed.values.servername as string | undefined,
    time,
    json: parsed.values.json === true,
  };
}

/** Certificates of a file: PEM blocks, or one DER certificate. */
function fromFile(path: string): Certificate[] {
  const bytes = readFileSync(path);
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN')) return parseCertificatesPem(text);
  return [parseCertificate(new Uint8Array(bytes))];
}

/** The chain a server sends, fetched with tlswire's client (chain not verified during the handshake). */
function fromServer(target: string, servername: string | undefined): Promise<Certificate[]> {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
  if (!m) return Promise.reject(new TypeError(`${target}: neither a file nor HOST:PORT`));
  const host = m[1]!.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const s = connect({ host, port: Number(m[2]), rejectUnauthorized: false, ...(servername ? { servername } : {}) });
    const timer = setTimeout(() => s.destroy(new Error(`${target}: no handshake within 10 s`)), 10_000);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      const chain = s.peerCertificates.map((der, i) => parseCertificate(der, i));
      s.end();
      resolve(chain);
    });
    s.once('error', (e: Error) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Build the report of `chain` under `s`. */
export function certReport(chain: Certificate[], s: Omit<Settings, 'json'>, hostname: string | undefined): CertReport {
  const now = s.time ?? Date.now();
  const roots = s.ca ? TrustStore.fromPem(readFileSync(s.ca, 'utf8')) : bundledRoots();
  const crls = s.crls.map((f) => {
    const b = readFileSync(f);
    return b.toString('latin1').includes('-----BEGIN') ? b.toString('latin1') : new Uint8Array(b);
  });
  const result = verifyCertificateChain(chain, {
    roots,
    intermediates: s.untrusted ? parseCertificatesPem(readFileSync(s.untrusted, 'utf8')) : [],
    time: now,
    ...(hostname !== undefined ? { hostname } : {}),
    ...(crls.length ? { revocation: new CrlSet(crls) } : {}),
  });
  return { source: s.target, certificates: chain.map((c) => viewCertificate(c, now)), verdict: verdictOf(result) };
}

function printReport(r: CertReport, io: Output): void {
  r.certificates.forEach((v, i) => {
    for (const line of certificateLines(v, i)) io.out(line);
    io.out('');
  });
  if (r.verdict.ok) {
    io.out(`Path:    ${r.verdict.path.join(' ← ')} (trusted root)`);
    io.out('Verdict: OK');
    return;
  }
  io.out(`Verdict: FAILED (${r.verdict.code}, alert ${r.verdict.alert})`);
  io.out(`  ${r.verdict.reason}`);
  if (r.verdict.hint) io.out(`  hint: ${r.verdict.hint}`);
}

/** Run `tlswire cert`; exit code 0 when the chain verifies, 1 when it does not or cannot be read. */
export async function certCommand(argv: string[], io: Output): Promise<number> {
  const settings = parseCommandArgs(
    'cert',
    CERT_USAGE,
    io,
    () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ca: { type: 'string' },
          untrusted: { type: 'string' },
          crl: { type: 'string', multiple: true },
          servername: { type: 'string' },
          time: { type: 'string' },
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    settle,
  );
  if (typeof settings === 'number') return settings;
  try {
    const isFile = existsSync(settings.target);
    const chain = isFile ? fromFile(settings.target) : await fromServer(settings.target, settings.servername);
    if (chain.length === 0) throw new Error(`${settings.target}: no certificate`);
    const host =
      settings.servername ?? (isFile ? undefined : settings.target.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''));
    const report = certReport(chain, settings, host);
    if (settings.json) io.out(JSON.stringify(toJson(report), null, 2));
    else printReport(report, io);
    return report.verdict.ok ? 0 : 1;
  } catch (e) {
    io.err(`tlswire cert: ${describeError(e)}`);
    return 1;
  }
}

/**
 * The readable form of a {@link ScanReport}: one section per topic, then the RFC 9325 findings.
 * (The JSON form is the report itself.)
 * @module
 */
import type { ScanReport } from './types.js';

const yesNo = (v: boolean | undefined): string => (v === undefined ? 'unknown' : v ? 'yes' : 'no');

/** The report as lines of text. */
export function formatScanReport(r: ScanReport): string[] {
  const out: string[] = [`Scan of ${r.target}: ${r.connections} connections in ${(r.elapsedMs / 1000).toFixed(1)} s`];
  if (r.skipped > 0) out.push(`  (time budget spent: ${r.skipped} probes skipped, results incomplete)`);
  out.push('', 'Protocol versions:');
  for (const v of r.versions) out.push(`  ${v.version.padEnd(8)} ${v.supported ? 'enabled' : 'not offered'}`);
  for (const v of r.versions.filter((x) => x.supported)) {
    const order = v.serverOrder === undefined ? '' : v.serverOrder ? ' (server order)' : ' (client order)';
    out.push('', `${v.version} cipher suites${order}:`);
    for (const s of v.cipherSuites) out.push(`  ${s.name}${s.keyExchange ? `  ${s.keyExchange}` : ''}`);
  }
  const g = r.groups;
  out.push('', 'Groups:');
  if (g.tls13.length) out.push(`  TLS 1.3: ${g.tls13.join(', ')}`);
  if (g.tls13Preferred) out.push(`  TLS 1.3 preferred (HelloRetryRequest without shares): ${g.tls13Preferred}`);
  if (g.hrrDespiteShare.length) out.push(`  HelloRetryRequest despite a share for: ${g.hrrDespiteShare.join(', ')}`);
  if (g.tls12.length) out.push(`  TLS 1.2 ECDHE: ${g.tls12.join(', ')}`);
  out.push('', 'Signature schemes:');
  if (r.signatureSchemes.tls13.length) out.push(`  TLS 1.3: ${r.signatureSchemes.tls13.join(', ')}`);
  if (r.signatureSchemes.tls12.length) out.push(`  TLS 1.2: ${r.signatureSchemes.tls12.join(', ')}`);
  out.push('', 'Certificates:');
  for (const c of r.certificates) {
    const verdict = c.trusted ? 'trusted' : `NOT trusted: ${c.error?.alert}: ${c.error?.reason}`;
    out.push(`  ${c.signatureType} chain (${c.version}): ${verdict}`);
    if (c.error?.hint) out.push(`    hint: ${c.error.hint}`);
    for (const [i, x] of c.certificates.entries()) {
      if (x.parseError) out.push(`    [${i}] unparsable: ${x.parseError}`);
      else
        out.push(
          `    [${i}] ${x.subject}  (${x.publicKey}, ${x.signatureAlgorithm}, until ${x.notAfter.slice(0, 10)})`,
        );
    }
  }
  out.push(...featureLines(r), '', 'Findings (RFC 9325):');
  if (r.findings.length === 0) out.push('  none');
  for (const f of r.findings) out.push(`  [${f.severity}] §${f.rfc9325} ${f.message}`);
  return out;
}

function featureLines(r: ScanReport): string[] {
  const f = r.features;
  const s = r.resumption;
  const out = ['', 'Features:'];
  out.push(`  extended master secret:  ${yesNo(f.extendedMasterSecret)}`);
  out.push(`  secure renegotiation:    ${yesNo(f.secureRenegotiation)}`);
  out.push(`  encrypt_then_mac:        ${yesNo(f.encryptThenMac)}`);
  out.push(`  compression:             ${yesNo(f.compression)}`);
  out.push(`  OCSP stapling:           TLS 1.2 ${yesNo(f.ocspStapling.tls12)}, TLS 1.3 ${yesNo(f.ocspStapling.tls13)}`);
  const rsl = (n: number | undefined) => (n === undefined ? 'none' : String(n));
  out.push(
    `  record_size_limit:       TLS 1.2 ${rsl(f.recordSizeLimit.tls12)}, TLS 1.3 ${rsl(f.recordSizeLimit.tls13)}`,
  );
  out.push(`  ALPN:                    ${f.alpn.length ? f.alpn.join(', ') : 'none'}`);
  out.push(`  downgrade sentinel:      ${yesNo(f.downgradeSentinel)}`);
  out.push(`  TLS_FALLBACK_SCSV:       ${yesNo(f.fallbackScsv)}`);
  out.push('', 'Resumption:');
  out.push(`  TLS 1.2 session ID:      ${yesNo(s.sessionId)}`);
  out.push(`  TLS 1.2 ticket:          ${yesNo(s.ticket)}`);
  out.push(
    `  TLS 1.3 PSK:             ${yesNo(s.psk)}${s.tls13Tickets !== undefined ? ` (${s.tls13Tickets} tickets)` : ''}`,
  );
  if (s.maxEarlyData !== undefined) out.push(`  0-RTT max_early_data:    ${s.maxEarlyData}`);
  for (const n of s.notes) out.push(`  note: ${n}`);
  return out;
}

/**
 * The scanner against real servers configured to profiles: `openssl s_server` (TLS 1.3 only, TLS 1.2
 * only with restricted suites in server order, legacy TLS 1.0–1.2 at @SECLEVEL=0 with NULL, RSA key
 * exchange and CBC) and `gnutls-serv` with a priority string. Each scan's findings are asserted
 * exactly, and its cipher suites and versions cross-checked with `sslscan` on the same server.
 * Missing peers skip these tests, except with CI=true where they fail.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ScanReport } from '../../src/scan/types.js';
import { gnutlsServer, killAll, opensslServer, pki, SKIP_GNUTLS, SKIP_OPENSSL } from '../node/peers.js';
import { enabledVersions, findingIds, SKIP_SSLSCAN, scanPort, sslscan, suitesOf } from './helpers.js';

afterEach(killAll);

const names = (r: ScanReport, version: string) =>
  r.versions.find((v) => v.version === version)?.cipherSuites.map((s) => s.name);

/** sslscan on the same port finds the same versions and, per version, the same suites. */
function crossCheck(report: ScanReport, port: number): void {
  if (SKIP_SSLSCAN) return;
  const other = sslscan(port);
  for (const v of ['TLS 1.0', 'TLS 1.1', 'TLS 1.2', 'TLS 1.3']) {
    expect({ v, enabled: other.protocols[v] }).toEqual({ v, enabled: enabledVersions(report).includes(v) });
    expect({ v, suites: other.suites[`TLSv${v.slice(4)}`] ?? [] }).toEqual({ v, suites: suitesOf(report, v) });
  }
}

describe.skipIf(SKIP_OPENSSL)('scan of openssl s_server', () => {
  it('TLS 1.3 only: two suites, P-384 then X25519, OCSP stapled, ALPN, 0-RTT tickets', async () => {
    const server = await opensslServer('server-ecdsa', [
      '-ciphersuites',
      'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
      '-groups',
      'P-384:X25519',
      '-status_file',
      pki('ocsp/resp-good-issuer.der'),
      '-alpn',
      'http/1.1,h2',
      '-max_early_data',
      '16384',
    ]);
    const report = await scanPort(server.port);
    expect(enabledVersions(report)).toEqual(['TLS 1.3']);
    expect(names(report, 'TLS 1.3')).toEqual(['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
    expect(report.groups).toEqual({
      tls13: ['x25519', 'secp384r1'],
      tls13Preferred: 'secp384r1',
      hrrDespiteShare: [],
      tls12: [],
    });
    expect(report.certificates.map((c) => [c.signatureType, c.version, c.trusted])).toEqual([
      ['ECDSA', 'TLS 1.3', true],
    ]);
    expect(report.features).toEqual({
      ocspStapling: { tls13: true },
      recordSizeLimit: {},
      alpn: ['http/1.1', 'h2'],
    });
    expect(report.resumption).toMatchObject({ psk: true, maxEarlyData: 16384 });
    expect(findingIds(report)).toEqual(['no-tls12']);
    crossCheck(report, server.port);
  });

  it('TLS 1.2 only: restricted ECDSA suites in server order, session IDs, no tickets', async () => {
    const server = await opensslServer(
      'server-ecdsa',
      [
        '-cipher',
        'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA',
        '-serverpref',
        '-no_ticket',
        '-status_file',
        pki('ocsp/resp-good-issuer.der'),
      ],
      '-tls1_2',
    );
    const report = await scanPort(server.port);
    expect(enabledVersions(report)).toEqual(['TLS 1.2']);
    expect(names(report, 'TLS 1.2')).toEqual([
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
    ]);
    expect(report.versions[3]!.serverOrder).toBe(true);
    expect(report.resumption).toEqual({ notes: [], sessionId: true, ticket: false });
    expect(report.features).toMatchObject({
      extendedMasterSecret: true,
      secureRenegotiation: true,
      encryptThenMac: true,
      compression: false,
      ocspStapling: { tls12: true },
    });
    expect(findingIds(report)).toEqual(['no-tls13']);
    crossCheck(report, server.port);
  });

  it('legacy at @SECLEVEL=0: TLS 1.0–1.2, NULL, RSA key exchange, DHE, SHA-1 signatures', async () => {
    const server = await opensslServer(
      'server-rsa',
      [
        '-cipher',
        'NULL-SHA256:AES128-SHA:ECDHE-RSA-AES128-SHA:DHE-RSA-AES128-SHA:@SECLEVEL=0',
        '-no_tls1_3',
        '-min_protocol',
        'TLSv1',
      ],
      '',
    );
    const report = await scanPort(server.port);
    expect(enabledVersions(report)).toEqual(['TLS 1.0', 'TLS 1.1', 'TLS 1.2']);
    // No -serverpref: the client's order, ours (registry order).
    expect(names(report, 'TLS 1.0')).toEqual([
      'TLS_RSA_WITH_AES_128_CBC_SHA',
      'TLS_DHE_RSA_WITH_AES_128_CBC_SHA',
      'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
    ]);
    expect(report.versions[1]!.serverOrder).toBe(false);
    expect(names(report, 'TLS 1.2')).toEqual([
      'TLS_RSA_WITH_AES_128_CBC_SHA',
      'TLS_DHE_RSA_WITH_AES_128_CBC_SHA',
      'TLS_RSA_WITH_NULL_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
    ]);
    expect(report.versions[3]!.cipherSuites[1]!.keyExchange).toBe('DH 2048');
    expect(report.features.fallbackScsv).toBe(true);
    expect(report.signatureSchemes.tls12).toContain('rsa_pkcs1_sha1');
    expect(findingIds(report)).toEqual([
      'tls10-enabled',
      'tls11-enabled',
      'null-suites',
      'rsa-key-exchange',
      'sha1-signatures',
      'no-tls13',
      'dhe-suites',
    ]);
    expect(report.findings.find((f) => f.id === 'null-suites')).toEqual({
      id: 'null-suites',
      severity: 'high',
      rfc9325: '4.1',
      message: 'NULL encryption suites (MUST NOT): TLS_RSA_WITH_NULL_SHA256',
    });
    // tlswire's TLS 1.2 client speaks none of these suites: resumption cannot be told.
    expect(report.resumption.sessionId).toBeUndefined();
    expect(report.resumption.notes).toHaveLength(1);
    crossCheck(report, server.port);
  });
});

describe.skipIf(SKIP_GNUTLS)('scan of gnutls-serv', () => {
  it('priority string: TLS 1.1–1.3, server precedence, P-384 forced by HelloRetryRequest', async () => {
    const server = await gnutlsServer(
      'server-ecdsa',
      [],
      'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:+VERS-TLS1.1:-CIPHER-ALL:+AES-256-GCM:+AES-128-CBC:+CHACHA20-POLY1305:-GROUP-ALL:+GROUP-SECP384R1:+GROUP-X25519:%SERVER_PRECEDENCE',
    );
    const report = await scanPort(server.port);
    expect(enabledVersions(report)).toEqual(['TLS 1.1', 'TLS 1.2', 'TLS 1.3']);
    expect(names(report, 'TLS 1.2')).toEqual([
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
      'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
    ]);
    expect(names(report, 'TLS 1.3')).toEqual(['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
    expect(report.groups).toEqual({
      tls13: ['x25519', 'secp384r1'],
      tls13Preferred: 'secp384r1',
      hrrDespiteShare: ['x25519'],
      tls12: ['x25519', 'secp384r1'],
    });
    expect(report.features).toEqual({
      ocspStapling: { tls12: false, tls13: false },
      recordSizeLimit: { tls12: 16384, tls13: 16385 },
      alpn: [],
      extendedMasterSecret: true,
      secureRenegotiation: true,
      encryptThenMac: true,
      compression: false,
      downgradeSentinel: true,
      fallbackScsv: true,
    });
    expect(report.resumption).toMatchObject({ sessionId: true, ticket: true, psk: true, maxEarlyData: 0 });
    expect(findingIds(report)).toEqual(['tls11-enabled', 'sha1-signatures']);
    crossCheck(report, server.port);
  });
});

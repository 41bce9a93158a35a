/**
 * The scanner against tlswire's own servers in memory (a new server per connection): every section
 * of the report asserted exactly against the server's configuration.
 */
import { describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import {
  AeadTicketer,
  MemorySessionStore,
  SingleUseAntiReplay,
  Tls12AeadTicketer,
  Tls12Server,
  TlsServer,
} from '../../src/handshake/index.js';
import { formatScanReport } from '../../src/scan/report.js';
import { scan } from '../../src/scan/scanner.js';
import { CipherSuite, NamedGroup } from '../../src/tls/enums.js';
import { certified } from '../handshake/memory.js';
import { enabledVersions, findingIds, memoryConnect, ROOTS } from './helpers.js';

const provider = new NobleProvider();
const ECDSA = certified('server-ecdsa');
const RSA = certified('server-rsa');
const names = (suites: { name: string }[]) => suites.map((s) => s.name);

describe('scan of our own server in memory', () => {
  it('NegotiatingServer, TLS 1.2 + 1.3 defaults, ECDSA and RSA chains, tickets, ALPN', async () => {
    const ticketer = new AeadTicketer(provider, provider.random(32));
    const ticketer12 = new Tls12AeadTicketer(provider, provider.random(32));
    const connect = memoryConnect(() => ({
      tls13: { certificate: [ECDSA, RSA], ticketer, alpn: ['h2', 'http/1.1'] },
      tls12: { certificate: [ECDSA, RSA], ticketer: ticketer12, alpn: ['h2', 'http/1.1'] },
    }));
    const progress: string[] = [];
    const report = await scan('memory', {
      connect,
      serverName: 'localhost',
      roots: ROOTS,
      onProgress: (_d, _t, what) => progress.push(what),
    });
    expect(enabledVersions(report)).toEqual(['TLS 1.2', 'TLS 1.3']);
    const [, , , v12, v13] = report.versions;
    // The server's order (src/handshake/tls12/common.ts defaults, ECDSA first since it is listed first).
    expect(names(v12!.cipherSuites)).toEqual([
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
      'TLS_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_RSA_WITH_AES_256_GCM_SHA384',
    ]);
    expect(v12!.serverOrder).toBe(true);
    expect(v12!.cipherSuites[0]!.keyExchange).toBe('x25519');
    expect(names(v13!.cipherSuites)).toEqual([
      'TLS_AES_128_GCM_SHA256',
      'TLS_AES_256_GCM_SHA384',
      'TLS_CHACHA20_POLY1305_SHA256',
    ]);
    expect(v13!.serverOrder).toBe(true);
    const defaultGroups = ['x25519', 'secp256r1', 'x448', 'secp384r1', 'secp521r1'];
    expect(report.groups).toEqual({
      tls13: defaultGroups,
      tls13Preferred: 'x25519',
      hrrDespiteShare: [],
      tls12: defaultGroups,
    });
    expect(report.signatureSchemes.tls13).toEqual([
      'ecdsa_secp256r1_sha256',
      'rsa_pss_rsae_sha256',
      'rsa_pss_rsae_sha384',
      'rsa_pss_rsae_sha512',
    ]);
    expect(report.signatureSchemes.tls12.filter((s) => s.includes('sha1'))).toEqual([]);
    expect(
      report.certificates.map((c) => [c.signatureType, c.version, c.trusted, c.certificates[0]!.publicKey]),
    ).toEqual([
      ['ECDSA', 'TLS 1.3', true, 'EC secp256r1'],
      ['RSA', 'TLS 1.3', true, 'RSA 2048'],
    ]);
    expect(report.resumption).toEqual({
      notes: [],
      tls13Tickets: 2,
      maxEarlyData: 0,
      psk: true,
      // A ticketer and no session store: tickets only.
      sessionId: false,
      ticket: true,
    });
    expect(report.features).toEqual({
      ocspStapling: { tls12: false, tls13: false },
      recordSizeLimit: {},
      alpn: ['h2', 'http/1.1'],
      extendedMasterSecret: true,
      secureRenegotiation: true,
      compression: false,
      downgradeSentinel: true,
      // RFC 7507: a TLS 1.2 hello with TLS_FALLBACK_SCSV gets inappropriate_fallback.
      fallbackScsv: true,
    });
    expect(findingIds(report)).toEqual(['rsa-key-exchange']);
    expect(report.findings[0]).toEqual({
      id: 'rsa-key-exchange',
      severity: 'medium',
      rfc9325: '4.1',
      message: 'static RSA key exchange (SHOULD NOT): TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_256_GCM_SHA384',
    });
    expect(report.connections).toBe(connect.count);
    expect(report.skipped).toBe(0);
    expect(progress).toHaveLength(report.connections);
    expect(formatScanReport(report)).toContain('  TLS 1.3  enabled');
  });

  it('TLS 1.3 only, server group order: HelloRetryRequest despite a share, 0-RTT in tickets, untrusted chain', async () => {
    const ticketer = new AeadTicketer(provider, provider.random(32));
    const antiReplay = new SingleUseAntiReplay();
    const connect = memoryConnect(
      () =>
        new TlsServer({
          certificate: ECDSA,
          cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384],
          groups: [NamedGroup.secp384r1, NamedGroup.x25519],
          groupSelection: 'server-order',
          ticketer,
          ticketCount: 1,
          maxEarlyDataSize: 16384,
          antiReplay,
          recordSizeLimit: 4096,
        }),
    );
    // No roots: the chain cannot be trusted.
    const report = await scan('memory', { connect, serverName: 'localhost' });
    expect(enabledVersions(report)).toEqual(['TLS 1.3']);
    expect(names(report.versions[4]!.cipherSuites)).toEqual(['TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384']);
    expect(report.versions[4]!.serverOrder).toBe(true);
    expect(report.groups).toEqual({
      tls13: ['x25519', 'secp384r1'],
      tls13Preferred: 'secp384r1',
      hrrDespiteShare: ['x25519'],
      tls12: [],
    });
    expect(report.resumption).toEqual({ notes: [], tls13Tickets: 1, maxEarlyData: 16384, psk: true });
    expect(report.features.recordSizeLimit).toEqual({ tls13: 4096 });
    expect(report.features.alpn).toEqual([]);
    expect(report.certificates).toHaveLength(1);
    expect(report.certificates[0]).toMatchObject({
      signatureType: 'ECDSA',
      trusted: false,
      error: { alert: 'unknown_ca' },
    });
    expect(findingIds(report)).toEqual(['untrusted-certificate', 'no-tls12']);
  });

  it('TLS 1.2 only, one RSA chain, session IDs without tickets', async () => {
    const store = new MemorySessionStore();
    const connect = memoryConnect(
      () =>
        new Tls12Server({
          certificate: RSA,
          cipherSuites: [
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
          ],
          sessionStore: store,
        }),
    );
    const report = await scan('memory', { connect, serverName: 'localhost', roots: ROOTS });
    expect(enabledVersions(report)).toEqual(['TLS 1.2']);
    expect(names(report.versions[3]!.cipherSuites)).toEqual([
      'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    ]);
    expect(report.versions[3]!.serverOrder).toBe(true);
    expect(report.resumption).toEqual({ notes: [], sessionId: true, ticket: false });
    expect(report.certificates.map((c) => [c.signatureType, c.version, c.trusted])).toEqual([['RSA', 'TLS 1.2', true]]);
    expect(report.features).toEqual({
      ocspStapling: { tls12: false },
      recordSizeLimit: {},
      alpn: [],
      extendedMasterSecret: true,
      secureRenegotiation: true,
      compression: false,
    });
    expect(findingIds(report)).toEqual(['no-tls13']);
  });
});

/**
 * The scanner against a scripted legacy server in memory (what no local peer can still be configured
 * to do: SSL 3.0, RC4, export and anonymous suites, DEFLATE compression, no renegotiation_info, no
 * extended master secret), the pool's bounds, and the exact bytes of a crafted hello.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { ProbePool } from '../../src/scan/pool.js';
import { buildClientHello, helloRecords } from '../../src/scan/probe.js';
import { scan } from '../../src/scan/scanner.js';
import type { Connect, ScanConnection } from '../../src/scan/types.js';
import { CipherSuite } from '../../src/tls/enums.js';
import { HandshakeReassembler } from '../../src/tls/handshake-framing.js';
import { decodeHandshake, encodeHandshake } from '../../src/tls/messages/handshake.js';
import type { ClientHello } from '../../src/tls/messages/hello.js';
import { encodeRecords, fragmentContent, RecordDeframer } from '../../src/tls/record.js';
import { certified } from '../handshake/memory.js';
import { findingIds, ROOTS } from './helpers.js';

/** Server preference of the scripted server. */
const SUITES = [
  CipherSuite.TLS_RSA_WITH_RC4_128_SHA,
  CipherSuite.TLS_RSA_EXPORT_WITH_RC4_40_MD5,
  CipherSuite.TLS_DH_anon_WITH_AES_128_CBC_SHA,
  CipherSuite.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
];
const CHAIN = certified('server-rsa').chain;

/**
 * A server speaking SSL 3.0 and TLS 1.0 only (RFC 6101, RFC 2246 hellos): ServerHello without
 * extensions, Certificate, ServerHelloDone; handshake_failure(40) when no suite is shared,
 * protocol_version(70) below SSL 3.0, inappropriate_fallback(86) for TLS_FALLBACK_SCSV below TLS 1.0.
 */
function answer(hello: ClientHello): Uint8Array {
  const version = Math.min(hello.version, 0x0301);
  const recordVersion = version;
  const alert = (d: number) => encodeRecords([{ type: 21, version: recordVersion, fragment: Uint8Array.of(2, d) }]);
  if (version < 0x0300) return alert(70);
  if (hello.cipherSuites.includes(CipherSuite.TLS_FALLBACK_SCSV) && version < 0x0301) return alert(86);
  const suite = SUITES.find((s) => hello.cipherSuites.includes(s));
  if (suite === undefined) return alert(40);
  const messages = [
    encodeHandshake({
      type: 'server_hello',
      isHelloRetryRequest: false,
      version,
      random: new Uint8Array(32).fill(7),
      sessionId: new Uint8Array(0),
      cipherSuite: suite,
      compressionMethod: hello.compressionMethods.includes(1) ? 1 : 0,
    }),
    encodeHandshake({ type: 'certificate', version: 'tls12', certificates: CHAIN }),
    Uint8Array.of(14, 0, 0, 0),
  ];
  const body = new Uint8Array(messages.reduce((n, m) => n + m.length, 0));
  let at = 0;
  for (const m of messages) {
    body.set(m, at);
    at += m.length;
  }
  return encodeRecords(fragmentContent(22, body, { version: recordVersion }));
}

/** A {@link Connect} to a server that answers each ClientHello with `answer(hello)`. */
const scriptedWith =
  (reply: (hello: ClientHello) => Uint8Array): Connect =>
  async () => {
    const records = new RecordDeframer();
    const messages = new HandshakeReassembler();
    const out: Uint8Array[] = [];
    let waiting: ((c: Uint8Array | undefined) => void) | undefined;
    let closed = false;
    const conn: ScanConnection = {
      async write(bytes) {
        records.push(bytes);
        for (let r = records.next(); r; r = records.next()) {
          messages.push(r.fragment);
          for (let m = messages.next(); m; m = messages.next()) {
            const hello = decodeHandshake(m.raw, {}) as ClientHello;
            const bytes = reply(hello);
            if (waiting) waiting(bytes);
            else out.push(bytes);
            waiting = undefined;
          }
        }
      },
      read: () => {
        const c = out.shift();
        if (c || closed) return Promise.resolve(c);
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      close() {
        closed = true;
        waiting?.(undefined);
      },
    };
    return conn;
  };

const scripted = scriptedWith(answer);

describe('scan of a scripted SSL 3.0 / TLS 1.0 server', () => {
  it('finds the versions, the suites in server order, compression, and rates them (RFC 9325)', async () => {
    const report = await scan('scripted', { connect: scripted, serverName: 'localhost', roots: ROOTS });
    expect(report.versions.map((v) => [v.version, v.supported])).toEqual([
      ['SSL 3.0', true],
      ['TLS 1.0', true],
      ['TLS 1.1', false],
      ['TLS 1.2', false],
      ['TLS 1.3', false],
    ]);
    for (const v of report.versions.slice(0, 2)) {
      expect(v.cipherSuites.map((s) => s.value)).toEqual(SUITES);
      expect(v.serverOrder).toBe(true);
    }
    expect(report.features).toEqual({
      ocspStapling: { tls12: false },
      recordSizeLimit: {},
      alpn: [],
      extendedMasterSecret: false,
      secureRenegotiation: false,
      encryptThenMac: false,
      compression: true,
      fallbackScsv: true,
    });
    expect(report.certificates.map((c) => [c.signatureType, c.version, c.trusted])).toEqual([['RSA', 'TLS 1.0', true]]);
    expect(report.resumption).toEqual({ notes: [] });
    expect(findingIds(report)).toEqual([
      'ssl3-enabled',
      'tls10-enabled',
      'rc4-suites',
      'export-suites',
      'anonymous-suites',
      'compression',
      'no-secure-renegotiation',
      'no-tls12',
      'des-suites',
      'rsa-key-exchange',
      'forward-secrecy-not-preferred',
      'no-extended-master-secret',
      'no-tls13',
      'cbc-suites',
    ]);
    const byId = new Map(report.findings.map((f) => [f.id, `[${f.severity}] §${f.rfc9325} ${f.message}`]));
    expect(byId.get('rc4-suites')).toBe(
      '[high] §4.1 RC4 suites (MUST NOT): TLS_RSA_WITH_RC4_128_SHA, TLS_RSA_EXPORT_WITH_RC4_40_MD5',
    );
    expect(byId.get('compression')).toBe('[high] §3.3 TLS compression is enabled (SHOULD NOT; CRIME)');
    expect(byId.get('ssl3-enabled')).toBe(
      '[high] §3.1.1 SSL 3.0 is enabled: implementations MUST NOT negotiate SSL version 3',
    );
  });
});

describe('scan of a hostile server', () => {
  const tls12Hello = (hello: ClientHello) =>
    encodeHandshake({
      type: 'server_hello',
      isHelloRetryRequest: false,
      version: 0x0303,
      random: new Uint8Array(32),
      sessionId: new Uint8Array(0),
      cipherSuite: hello.cipherSuites[0]!,
      compressionMethod: 0,
      extensions: [],
    });
  const records = (...messages: Uint8Array[]) =>
    encodeRecords(messages.map((fragment) => ({ type: 22, version: 0x0303, fragment })));

  it('a truncated ServerHello and junk records: nothing supported, no crash', async () => {
    const junk = scriptedWith((hello) =>
      hello.version === 0x0301
        ? Uint8Array.of(0x17, 0x03, 0x03, 0x00, 0x01, 0x00)
        : records(Uint8Array.of(2, 0, 0, 3, 3, 3, 0)),
    );
    const report = await scan('junk', { connect: junk });
    expect(report.versions.map((v) => v.supported)).toEqual([false, false, false, false, false]);
    expect(report.findings).toEqual([]);
  });

  it('TLS 1.2 with a malformed Certificate and a ServerKeyExchange cut short: suites found, no chain', async () => {
    const broken = scriptedWith((hello) =>
      hello.version === 0x0303 && !hello.extensions?.some((e) => e.kind === 'supported_versions')
        ? records(
            tls12Hello(hello),
            Uint8Array.of(11, 0, 0, 3, 0, 0, 9),
            Uint8Array.of(12, 0, 0, 1, 3),
            Uint8Array.of(14, 0, 0, 0),
          )
        : encodeRecords([{ type: 21, version: 0x0303, fragment: Uint8Array.of(2, 70) }]),
    );
    const report = await scan('broken', { connect: broken });
    expect(report.versions.map((v) => v.supported)).toEqual([false, false, false, true, false]);
    // It picks whatever we offer first: every suite, in our order.
    expect(report.versions[3]!.cipherSuites.length).toBeGreaterThan(100);
    expect(report.versions[3]!.cipherSuites.every((s) => s.keyExchange === undefined)).toBe(true);
    expect(report.certificates).toEqual([]);
  });
});

describe('crafted hellos', () => {
  it('SSL 3.0: record and hello version 0x0300, no extensions block (RFC 6101 §5.6.1.2)', () => {
    const hello = buildClientHello(
      { version: 0x0300, cipherSuites: [0x0005, 0x000a] },
      new Uint8Array(32).fill(0xaa),
      new Uint8Array(32),
    );
    expect(toHex(helloRecords(hello))).toBe(
      `16030000 2f 0100002b 0300 ${'aa'.repeat(32)} 00 0004 0005 000a 01 00`.replaceAll(' ', ''),
    );
  });

  it('TLS 1.3: legacy_version 0x0303, record 0x0301, supported_versions {0x0304} only', () => {
    const hello = buildClientHello({ version: 0x0304, cipherSuites: [0x1301] }, new Uint8Array(32), new Uint8Array(32));
    expect(hello.version).toBe(0x0303);
    expect(toHex(helloRecords(hello).subarray(0, 3))).toBe('160301');
    expect(hello.extensions?.find((e) => e.kind === 'supported_versions')).toEqual({
      kind: 'supported_versions',
      form: 'client_hello',
      versions: [0x0304],
    });
    expect(hello.extensions?.find((e) => e.kind === 'key_share')).toEqual({
      kind: 'key_share',
      form: 'client_hello',
      shares: [],
    });
    // It decodes back with our codec (every length checked), as written.
    const decoded = decodeHandshake(helloRecords(hello).subarray(5)) as ClientHello;
    expect([decoded.version, decoded.cipherSuites, decoded.extensions?.map((e) => e.kind)]).toEqual([
      0x0303,
      [0x1301],
      hello.extensions?.map((e) => e.kind),
    ]);
  });
});

describe('ProbePool', () => {
  it('never runs more than `concurrency` tasks at once, and reports progress for each', async () => {
    const progress: string[] = [];
    const pool = new ProbePool(
      2,
      60_000,
      () => 0,
      (done, total, what) => progress.push(`${done}/${total} ${what}`),
    );
    let active = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const tasks = [1, 2, 3, 4, 5].map((i) =>
      pool.run(`t${i}`, async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((r) => gates.push(r));
        active--;
        return i;
      }),
    );
    while (gates.length > 0 || active > 0) {
      await Promise.resolve();
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(tasks)).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(pool.started).toBe(5);
    expect(progress).toHaveLength(5);
  });

  it('skips what starts after the budget is spent (injected clock)', async () => {
    let clock = 0;
    const pool = new ProbePool(1, 100, () => clock);
    expect(await pool.run('a', async () => 'ran')).toBe('ran');
    clock = 100;
    expect(await pool.run('b', async () => 'ran')).toBeUndefined();
    expect([pool.started, pool.skipped]).toEqual([1, 1]);
  });

  it('refuses a concurrency below 1, and scan() a timeout or budget that is not positive', async () => {
    expect(() => new ProbePool(0, 1, () => 0)).toThrow(RangeError);
    await expect(scan('x', { connect: scripted, connectionTimeout: 0 })).rejects.toThrow(RangeError);
    await expect(scan('x', { connect: scripted, timeBudget: Number.NaN })).rejects.toThrow(RangeError);
    await expect(scan('x', { connect: scripted, concurrency: 1.5 })).rejects.toThrow(RangeError);
  });
});

/**
 * `tlswire scan` in-process: usage errors, --help, an unreachable port, and a scan of `tlswire serve`
 * (our own server over real sockets) as text and as JSON (camelCase keys, progress on stderr only).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { freePort } from '../node/peers.js';
import { ROOT, serveCertificate, startServe, stopServes } from './run.js';

afterEach(stopServes);

async function runScan(args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(['scan', ...args], { out: (l) => stdout.push(l), err: (l) => stderr.push(l) });
  return { code, stdout, stderr };
}

describe('tlswire scan', () => {
  it('usage errors exit 2 with the usage line; --help exits 0', async () => {
    const none = await runScan([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toEqual(['tlswire scan: expected one HOST:PORT', 'Usage: tlswire scan HOST:PORT [options]']);
    const bad = await runScan(['localhost:443', '--concurrency', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr[0]).toBe('tlswire scan: --concurrency must be a positive integer, got "0"');
    const help = await runScan(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout[0]).toMatch(/^Usage: tlswire scan HOST:PORT \[options\]/);
    expect(main(['--help'], { out: () => undefined, err: () => undefined })).toBe(0);
  });

  it('a port nobody listens on exits 1', async () => {
    const port = await freePort();
    const r = await runScan([`127.0.0.1:${port}`, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(new RegExp(`^tlswire scan: cannot connect to 127\\.0\\.0\\.1:${port}: `));
  });

  it('scans tlswire serve: JSON on stdout, progress on stderr', async () => {
    const serve = await startServe([...serveCertificate('server-ecdsa'), '--www']);
    const r = await runScan([
      `127.0.0.1:${serve.port}`,
      '--servername',
      'localhost',
      '--ca',
      ROOT,
      '--json',
      '--concurrency',
      '2',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout.join('\n'));
    expect(Object.keys(report)).toEqual([
      'target',
      'elapsedMs',
      'connections',
      'skipped',
      'versions',
      'groups',
      'signatureSchemes',
      'certificates',
      'resumption',
      'features',
      'findings',
    ]);
    expect(report.target).toBe(`127.0.0.1:${serve.port}`);
    expect(
      report.versions.filter((v: { supported: boolean }) => v.supported).map((v: { version: string }) => v.version),
    ).toEqual(['TLS 1.2', 'TLS 1.3']);
    expect(
      report.certificates.map((c: { signatureType: string; trusted: boolean }) => [c.signatureType, c.trusted]),
    ).toEqual([['ECDSA', true]]);
    expect(report.features.downgradeSentinel).toBe(true);
    expect(r.stderr.length).toBe(report.connections);
    expect(r.stderr.every((l) => /^scan: \d+\/\d+ /.test(l))).toBe(true);
  });

  it('the text report', async () => {
    const serve = await startServe([...serveCertificate('server-ecdsa'), '--www', '--tls1.3']);
    const r = await runScan([`127.0.0.1:${serve.port}`, '--servername', 'localhost', '--ca', ROOT, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toEqual([]);
    expect(r.stdout[0]).toMatch(new RegExp(`^Scan of 127\\.0\\.0\\.1:${serve.port}: \\d+ connections in `));
    expect(r.stdout.slice(1, 9)).toEqual([
      '',
      'Protocol versions:',
      '  SSL 3.0  not offered',
      '  TLS 1.0  not offered',
      '  TLS 1.1  not offered',
      '  TLS 1.2  not offered',
      '  TLS 1.3  enabled',
      '',
    ]);
    expect(r.stdout).toContain('  ECDSA chain (TLS 1.3): trusted');
    expect(r.stdout.slice(-2)).toEqual([
      'Findings (RFC 9325):',
      '  [medium] §3.1.1 TLS 1.2 is not supported: implementations MUST support TLS 1.2',
    ]);
  });
});

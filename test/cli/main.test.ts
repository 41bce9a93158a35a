/**
 * The `tlswire` program: dispatch, help, version and exit codes, in-process and once as a real
 * process (node with tsx, as `npm run demo` runs it); and the demo, whose content is checked against
 * tshark's dissections of the two captures it shows (the committed .tsv files).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main, USAGE } from '../../src/cli/main.js';
import { CipherSuite, HandshakeType, nameOf } from '../../src/tls/enums.js';
import { capture, loadTlsRows, ROOT, VECTORS } from './helpers.js';

function run(args: string[]) {
  const io = capture();
  const code = main(args, io);
  return { code, ...io };
}

describe('tlswire main', () => {
  it('--help prints the usage and exits 0', () => {
    for (const flag of ['--help', '-h']) {
      const r = run([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toEqual([USAGE]);
    }
  });

  it('--version prints package.json version', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    expect(run(['--version']).stdout).toEqual([pkg.version]);
  });

  it('an unknown command or no command exits 2 with the usage on stderr', () => {
    const r = run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toBe('tlswire: unknown command "frobnicate"');
    expect(run([]).code).toBe(2);
  });

  it('command help and usage errors', () => {
    expect(run(['pcap', '--help']).code).toBe(0);
    expect(run(['pcap']).code).toBe(2);
    expect(run(['pcap', '--nope', 'x']).code).toBe(2);
    const missing = run(['pcap', `${VECTORS}does-not-exist.pcap`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr[0]).toMatch(/^tlswire pcap: cannot read .*does-not-exist\.pcap: /);
  });

  it('a file that is no capture: exit 1 with the reason', () => {
    const r = run(['pcap', `${VECTORS}README.md`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual([
      'tlswire pcap: capture read stopped: value at capture @0: neither a pcap nor a pcapng file (unknown magic number)',
    ]);
  });

  it('runs as a process: exit codes reach the shell', () => {
    const node = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
    const help = node(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(`${USAGE}\n`);
    const bad = node(['nope']);
    expect(bad.status).toBe(2);
    const hex = node(['decode', '1603']);
    expect(hex.status).toBe(1);
    expect(hex.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('tlswire demo', () => {
  it('prints the TCP conversation and the TLS 1.3 handshake', () => {
    const r = run(['demo']);
    expect(r.code).toBe(0);
    expect(r.stderr).toEqual([]);
    const text = r.stdout.join('\n');
    expect(text).toContain('vectors/tcp/client-close.pcap');
    expect(text).toContain('vectors/tls/openssl-tls13.pcap');
    // Part 1: one line per frame of client-close.pcap (tshark's rows), the first one the client's SYN.
    const frames = readFileSync(`${VECTORS}tcp/client-close.pcap.tsv`, 'utf8').trim().split('\n').length - 1;
    const segments = r.stdout.filter((l) => /^ +\d+ {2}\d+\.\d{9} {2}127\.0\.0\.1:\d+ → /.test(l));
    expect(segments).toHaveLength(frames);
    expect(segments[0]).toMatch(/\[SYN\] Seq=0 Win=65495 Len=0 MSS=65495 SACK_PERM /);
    // Part 2: every record tshark found, and the suite the ServerHello chose.
    const rows = loadTlsRows('openssl-tls13');
    const records = r.stdout.filter((l) => /^0 +\d+ {2}\d+\.\d{9} {2}(C>S|S>C) /.test(l));
    expect(records).toHaveLength(rows.filter((x) => x.kind === 'record').length);
    const sh = rows.find((x) => x.kind === 'handshake' && x.a === HandshakeType.server_hello)!;
    expect(text).toContain(`cipher suite: ${nameOf(CipherSuite, Number(sh.cipherSuites), 2)}`);
    expect(text).toContain('cipher suite: TLS_AES_256_GCM_SHA384');
  });

  it('a missing vectors directory: exit 1 with a clear message', () => {
    const r = run(['demo', '--vectors', '/nonexistent']);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toMatch(/^tlswire demo: \/nonexistent\/tcp\/client-close\.pcap not found/);
  });
});

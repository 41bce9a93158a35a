/**
 * `tlswire pcap` with key logs (vectors/decrypt/, see vectors/README.md): `--keylog` (repeatable),
 * SSLKEYLOGFILE and the capture's own Decryption Secrets Block decrypt; text, `--json` and
 * `--follow` output; skipped key log lines and missing keys are reported; without keys the output is
 * what it was.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pcapCommand } from '../../src/cli/pcap.js';
import { capture, VECTORS } from './helpers.js';

const D = `${VECTORS}decrypt/`;
const NO_ENV = {};

function run(args: string[], env: NodeJS.ProcessEnv = NO_ENV) {
  const io = capture();
  const code = pcapCommand(args, io, env);
  return { code, out: io.stdout, err: io.stderr };
}

describe('tlswire pcap --keylog', () => {
  it('text: keys line, decrypted records, messages with Finished checked, hex dump of the data', () => {
    const { code, out, err } = run([`${D}openssl-tls13.pcap`, '--tls', '--keylog', `${D}openssl-tls13.keylog`]);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out[1]).toMatch(/^ {2}keys: .*CLIENT_HANDSHAKE_TRAFFIC_SECRET.* \(client random [0-9a-f]{64}\)$/);
    expect(out).toContain('        decrypted: handshake  6 bytes  (handshake keys, seq 0)');
    expect(out.filter((l) => l === '          verify_data matches the transcript')).toHaveLength(2);
    expect(out).toContain('          [0] subject: CN=localhost,O=Test PKI');
    expect(out).toContain('              SANs: DNS:localhost, IP:127.0.0.1, IP:::1');
    expect(out).toContain(`          0000  68 65 6c 6c 6f 0a${' '.repeat(30)}  hello.`);
    expect(out).toContain('        alert: warning close_notify');
    expect(out.some((l) => l.includes('not decrypted'))).toBe(false);
  });

  it('--json: decrypted content, data, Finished check and certificate summaries', () => {
    const { code, out } = run([
      `${D}openssl-tls12-cbc-rsa-etm.pcap`,
      '--tls',
      '--json',
      '--keylog',
      `${D}openssl-tls12-cbc-rsa-etm.keylog`,
    ]);
    expect(code).toBe(0);
    const objs = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect((objs[0]!.keys as { labels: string[] }).labels).toEqual(['CLIENT_RANDOM']);
    const data = objs.filter((o) => o.kind === 'record' && o.data !== undefined);
    expect(data.map((o) => [o.direction, o.data])).toEqual([
      ['C>S', '68656c6c6f0a'],
      ['S>C', '6f6c6c65680a'],
    ]);
    expect(data[0]!.decrypted).toEqual({
      contentType: 'application_data',
      contentTypeValue: 23,
      length: 6,
      epoch: 'tls12',
      sequence: '1',
    });
    const finished = objs.filter((o) => o.kind === 'handshake' && o.msgType === 20);
    expect(finished.map((o) => o.finished)).toEqual(['ok', 'ok']);
    const cert = objs.find((o) => o.kind === 'handshake' && o.msgType === 11)!;
    expect((cert.certificates as { subject: string }[])[0]!.subject).toBe('CN=localhost,O=Test PKI');
  });

  it('--follow: each connection’s application data in order; with --json one object per record', () => {
    const { out } = run([`${D}openssl-tls12-resume.pcap`, '--follow', '--keylog', `${D}openssl-tls12-resume.keylog`]);
    expect(out.filter((l) => !l.startsWith('connection') && !l.startsWith('===') && l !== '')).toEqual([
      'first',
      'tsrif',
      'resumed',
      'demuser',
      'ticket',
      'tekcit',
      'ticket resumed',
      'demuser tekcit',
    ]);
    expect(out[0]).toMatch(/^connection 0: .*\(follow TLS stream: C>S 6 bytes, S>C 6 bytes\)$/);
    const json = run([
      `${D}openssl-tls12-resume.pcap`,
      '--follow',
      '--json',
      '--keylog',
      `${D}openssl-tls12-resume.keylog`,
    ]);
    const objs = json.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs).toHaveLength(8);
    expect(objs[0]).toMatchObject({ type: 'follow', connection: 0, direction: 'C>S', length: 6, data: '66697273740a' });
  });

  it('several --keylog files, and SSLKEYLOGFILE', () => {
    const both = run([
      `${D}openssl-tls13-0rtt.pcap`,
      '--tls',
      '--keylog',
      `${D}openssl-tls13.keylog`,
      '--keylog',
      `${D}openssl-tls13-0rtt.keylog`,
    ]);
    expect(both.out).toContain('  0-RTT: accepted');
    expect(both.out.some((l) => l.includes('not decrypted'))).toBe(false);
    const env = run([`${D}openssl-tls13-0rtt.pcap`, '--tls'], { SSLKEYLOGFILE: `${D}openssl-tls13-0rtt.keylog` });
    expect(env.out).toEqual(both.out);
  });

  it('a pcapng Decryption Secrets Block decrypts with no option', () => {
    const { out } = run([`${D}openssl-tls13-dsb.pcapng`, '--follow']);
    expect(out.slice(1)).toEqual([
      '=== C>S  6 bytes  [frame 12]',
      'hello',
      '=== S>C  6 bytes  [frame 13]',
      'olleh',
      '=== C>S  6 bytes  [frame 15]',
      'world',
      '=== S>C  6 bytes  [frame 16]',
      'dlrow',
    ]);
  });

  it('a connection the key log does not cover, and skipped key log lines, are reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlswire-keylog-'));
    const file = join(dir, 'cut.keylog');
    writeFileSync(file, `# comment\nCLIENT_RANDOM 0011\nCLIENT_RANDOM ${'ab'.repeat(32)} ${'cd'.repeat(48)}\n`);
    const { code, out, err } = run([`${D}openssl-tls12-gcm.pcap`, '--tls', '--keylog', file]);
    expect(code).toBe(0);
    expect(err).toEqual([`tlswire pcap: ${file} line 2 skipped: not "LABEL <client_random> <secret>" (truncated?)`]);
    expect(out[1]).toMatch(/^ {2}keys: none \(no key for client random [0-9a-f]{64} in the key log\)$/);
    expect(out.filter((l) => l.includes('not decrypted: no key for client random')).length).toBeGreaterThan(0);
  });

  it('a key log that cannot be read is an error', () => {
    const { code, err } = run([`${D}openssl-tls13.pcap`, '--keylog', `${D}missing.keylog`]);
    expect(code).toBe(1);
    expect(err[0]).toMatch(/^tlswire pcap: cannot read key log .*missing\.keylog: /);
  });

  it('without keys, nothing is decrypted and no decryption field appears', () => {
    const { out } = run([`${D}openssl-tls13.pcap`, '--tls', '--json']);
    const objs = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.some((o) => 'keys' in o || 'decrypted' in o || 'decryptError' in o || 'data' in o)).toBe(false);
  });
});

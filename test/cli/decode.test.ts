/**
 * `tlswire decode` on RFC 8448 §3's ClientHello (vectors/rfc8448/, parsed by test/support/rfc8448.ts):
 * the record and the bare message decode to the RFC's values with IANA names; malformed hex and a
 * truncated record end with a one-line error and exit code 1, never a stack trace.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { decodeCommand } from '../../src/cli/decode.js';
import { field, findEntry, loadTrace } from '../support/rfc8448.js';
import { capture } from './helpers.js';

const trace = loadTrace(3);
const RECORD = field(findEntry(trace, 'client', 'send handshake record'), 'complete record');
const HELLO = field(findEntry(trace, 'client', 'construct a ClientHello'), 'ClientHello');
/** ClientHello body: legacy_version (2) after the 4-byte header, then the 32-byte random. */
const RANDOM = toHex(HELLO.subarray(6, 38));

function run(args: string[]) {
  const io = capture();
  const code = decodeCommand(args, io);
  return { code, ...io };
}

describe('tlswire decode: RFC 8448 §3 ClientHello', () => {
  it('the record as text: IANA names of suites, groups, versions, the server name', () => {
    expect(RECORD.length).toBe(201);
    const r = run([toHex(RECORD)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toEqual([]);
    const text = r.stdout.join('\n');
    expect(r.stdout[0]).toBe('record 1: handshake (22), TLS1.0 (0x0301), 196 bytes');
    expect(r.stdout[1]).toBe('  client_hello (msg_type 1, 192 bytes)');
    for (const name of [
      'TLS_AES_128_GCM_SHA256 (0x1301)',
      'TLS_CHACHA20_POLY1305_SHA256 (0x1303)',
      'TLS_AES_256_GCM_SHA384 (0x1302)',
      'x25519 (0x001d)',
      'name: server',
      'TLS1.3 (0x0304)',
      'rsa_pss_rsae_sha256 (0x0804)',
      `random: ${RANDOM} (32 bytes)`,
    ]) {
      expect(text).toContain(name);
    }
  });

  it('--json gives the exact values', () => {
    const r = run([toHex(RECORD), '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout.join('')) as {
      kind: string;
      records: { contentTypeValue: number; version: string; length: number; messages: Record<string, unknown>[] }[];
    };
    expect(doc.kind).toBe('records');
    expect(doc.records).toHaveLength(1);
    const rec = doc.records[0]!;
    expect([rec.contentTypeValue, rec.version, rec.length]).toEqual([22, '0x0301', 196]);
    const m = rec.messages[0]!;
    expect([m.msgType, m.name, m.length]).toEqual([1, 'client_hello', 192]);
    const hello = m.message as {
      version: number;
      random: string;
      sessionId: string;
      cipherSuites: number[];
      compressionMethods: number[];
      extensions: Record<string, unknown>[];
    };
    expect(hello.version).toBe(0x0303);
    expect(hello.random).toBe(RANDOM);
    expect(hello.sessionId).toBe('');
    expect(hello.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(hello.compressionMethods).toEqual([0]);
    const ext = (kind: string) => hello.extensions.find((e) => e.kind === kind)!;
    expect(ext('server_name').names).toEqual([{ type: 0, name: 'server' }]);
    expect(ext('supported_versions').versions).toEqual([0x0304]);
    expect((ext('key_share').shares as { group: number }[]).map((s) => s.group)).toEqual([0x001d]);
    expect(ext('supported_groups').groups).toEqual([0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104]);
  });

  it('the bare handshake message (first byte 1) decodes the same', () => {
    const r = run([toHex(HELLO), '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout.join('')) as {
      kind: string;
      messages: { name: string; message: { random: string } }[];
    };
    expect(doc.kind).toBe('handshake');
    expect(doc.messages.map((m) => m.name)).toEqual(['client_hello']);
    expect(doc.messages[0]!.message.random).toBe(RANDOM);
  });

  it('--file reads hex text and binary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlswire-cli-'));
    writeFileSync(join(dir, 'hello.hex'), `${toHex(RECORD).replace(/(..)/g, '$1 ')}\n`);
    writeFileSync(join(dir, 'hello.bin'), RECORD);
    for (const f of ['hello.hex', 'hello.bin']) {
      const r = run(['--file', join(dir, f)]);
      expect(r.code).toBe(0);
      expect(r.stdout[1]).toBe('  client_hello (msg_type 1, 192 bytes)');
    }
  });
});

describe('tlswire decode: bad input', () => {
  it('malformed hex: exit 1 and one clear line', () => {
    const r = run(['16 03 01 zz']);
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([]);
    expect(r.stderr).toEqual(['tlswire decode: invalid hex: fromHex: invalid character "z" at 9']);
  });

  it('odd number of digits: exit 1', () => {
    const r = run(['160']);
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual(['tlswire decode: invalid hex: fromHex: odd number of hex digits']);
  });

  it('a truncated record: exit 1, says so, no stack trace', () => {
    const r = run([toHex(RECORD.subarray(0, 200))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/^tlswire decode: error: truncated: 200 bytes of an incomplete record at the end/);
    expect(r.stderr.join('\n')).not.toMatch(/\n\s+at /);
  });

  it('a malformed message: the DecodeError path and offset', () => {
    // The ClientHello with its cipher_suites length (bytes 39–40 of the body) made odd.
    const bad = HELLO.slice();
    bad[4 + 2 + 32 + 1 + 1] = 0x05;
    const r = run([toHex(bad)]);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toMatch(/^tlswire decode: error: \w+ at Handshake\.client_hello\.cipher_suites @\d+: /);
  });

  it('usage errors: exit 2', () => {
    expect(run([]).code).toBe(2);
    expect(run(['--bogus']).code).toBe(2);
    expect(run(['00', '--kx', 'psk']).code).toBe(2);
  });
});

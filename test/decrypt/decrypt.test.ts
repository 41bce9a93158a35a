/**
 * The decryption library on the captures of vectors/decrypt/: what the key schedule does at each step
 * (KeyUpdate generations, 0-RTT accepted and rejected, HRR, the CBC modes), the key log's pcapng
 * Decryption Secrets Block, and what is reported when keys are wrong, missing or truncated.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { decodePacket, readCapture } from '../../src/capture/decode.js';
import type { RecordEvent, TlsConnectionReport } from '../../src/decrypt/analyze.js';
import { CaptureDecryptor, decryptCapture, plaintextStreams } from '../../src/decrypt/capture.js';
import { KeyLog } from '../../src/decrypt/keylog.js';
import { embeddedKeyLogs, readDecryptionSecrets, SECRETS_TYPE_TLS_KEY_LOG } from '../../src/decrypt/secrets-block.js';
import { tls12DecryptSuite } from '../../src/decrypt/suites.js';

const DIR = new URL('../../vectors/decrypt/', import.meta.url).pathname;
const pcap = (name: string) => new Uint8Array(readFileSync(`${DIR}${name}.pcap`));
const keys = (name: string) => readFileSync(`${DIR}${name}.keylog`, 'utf8');

function decrypt(name: string, keyLog = KeyLog.fromText(keys(name))): TlsConnectionReport[] {
  return decryptCapture(pcap(name), { keyLog });
}

function records(r: TlsConnectionReport): RecordEvent[] {
  return r.events.filter((e): e is RecordEvent => e.kind === 'record');
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('TLS 1.3', () => {
  it('KeyUpdate: each side moves to the next generation of application secrets (RFC 8446 §7.2)', () => {
    const [r] = decrypt('openssl-tls13-keyupdate');
    const recs = records(r!);
    const updates = recs.flatMap((ev) =>
      ev.messages.filter((m) => m.message?.type === 'key_update').map(() => ev.direction),
    );
    // "k" from the client, "K" from the client (update_requested), answered by the server at the end
    expect(updates).toEqual(['C>S', 'C>S', 'S>C']);
    const data = (dir: string) =>
      recs.filter((ev) => ev.direction === dir && ev.data).map((ev) => [text(ev.data!), ev.decrypted!.generation]);
    expect(data('C>S')).toEqual([
      ['one\n', 0],
      ['two\n', 1],
      ['three\n', 2],
    ]);
    expect(data('S>C')).toEqual([
      ['eno\n', 0],
      ['owt\n', 0],
    ]);
  });

  it('0-RTT accepted: early data and EndOfEarlyData under the early keys', () => {
    const [, r] = decrypt('openssl-tls13-0rtt');
    expect(r!.earlyData).toBe('accepted');
    const early = records(r!).filter((ev) => ev.decrypted?.epoch === 'early');
    expect(early.map((ev) => ev.decrypted!.type)).toEqual([23, 22]);
    expect(text(early[0]!.data!)).toBe('early data, 0-RTT\n');
    expect(early[1]!.messages[0]!.message?.type).toBe('end_of_early_data');
    expect(early.every((ev) => !ev.decrypted!.rejectedEarlyData)).toBe(true);
  });

  it('0-RTT rejected: the early record is marked skipped, the handshake keys take over', () => {
    const [, r] = decrypt('openssl-tls13-0rtt-rejected');
    expect(r!.earlyData).toBe('rejected');
    const early = records(r!).filter((ev) => ev.decrypted?.epoch === 'early');
    expect(early).toHaveLength(1);
    expect(early[0]!.decrypted!.rejectedEarlyData).toBe(true);
    const client = records(r!).filter((ev) => ev.direction === 'C>S' && ev.encrypted);
    expect(client.map((ev) => ev.decrypted?.epoch)).toEqual(['early', 'handshake', 'application', 'application']);
  });

  it('0-RTT without CLIENT_EARLY_TRAFFIC_SECRET: the early record says which key is missing', () => {
    const log = KeyLog.fromText(
      keys('openssl-tls13-0rtt')
        .split('\n')
        .filter((l) => !l.startsWith('CLIENT_EARLY_TRAFFIC_SECRET'))
        .join('\n'),
    );
    const [, r] = decrypt('openssl-tls13-0rtt', log);
    const failed = records(r!).filter((ev) => ev.decryptError);
    expect(failed.map((ev) => ev.decryptError!.reason)).toEqual(['no-key', 'no-key']);
    expect(failed[0]!.decryptError!.detail).toMatch(
      /^no key for client random [0-9a-f]{64}: .*CLIENT_EARLY_TRAFFIC_SECRET/,
    );
    // the rest of the connection still decrypts
    expect(records(r!).filter((ev) => ev.decrypted).length).toBeGreaterThan(5);
  });

  it('HelloRetryRequest: the Finished transcripts start with message_hash (RFC 8446 §4.4.1)', () => {
    const [r] = decrypt('openssl-tls13-hrr');
    const hellos = records(r!).flatMap((ev) => ev.messages.map((m) => m.message?.type));
    expect(hellos.filter((t) => t === 'client_hello')).toHaveLength(2);
    const finished = records(r!).flatMap((ev) => ev.messages.filter((m) => m.finished).map((m) => m.finished));
    expect(finished).toEqual(['ok', 'ok']);
  });

  it('the server Certificate is summarized: subject, issuer, SANs, validity', () => {
    const [r] = decrypt('openssl-tls13');
    const cert = records(r!)
      .flatMap((ev) => ev.messages)
      .find((m) => m.certificates)!;
    expect(cert.certificates![0]).toEqual({
      subject: 'CN=localhost,O=Test PKI',
      issuer: 'CN=Test Intermediate CA RSA,O=Test PKI',
      subjectAltNames: ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'],
      notBefore: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      notAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });
});

describe('TLS 1.2', () => {
  it('the CBC captures use the modes their names say', () => {
    for (const [name, suite] of [
      ['openssl-tls12-cbc-rsa-etm', 0x002f],
      ['openssl-tls12-cbc-rsa-mte', 0x002f],
      ['openssl-tls12-cbc-sha384', 0xc028],
    ] as const) {
      const [r] = decrypt(name);
      expect(r!.cipherSuite).toBe(suite);
      expect(tls12DecryptSuite(suite)?.kind).toBe('cbc');
      const hello = records(r!)[0]!.messages[0]!.message!;
      const sh = records(r!)
        .flatMap((ev) => ev.messages)
        .find((m) => m.message?.type === 'server_hello')!.message!;
      const etm = (m: typeof hello) => 'extensions' in m && !!m.extensions?.some((e) => e.kind === 'encrypt_then_mac');
      expect(etm(hello) && etm(sh)).toBe(name.endsWith('-etm'));
      expect(text(plaintextStreams(r!).client)).toBe('hello\n');
    }
  });

  it('resumed sessions (session ID, then ticket) decrypt with their own CLIENT_RANDOM', () => {
    const reports = decrypt('openssl-tls12-resume');
    expect(reports).toHaveLength(4);
    const abbreviated = reports.map(
      (r) => !records(r).some((ev) => ev.messages.some((m) => m.message?.type === 'certificate')),
    );
    expect(abbreviated).toEqual([false, true, false, true]);
    expect(reports.map((r) => text(plaintextStreams(r).client))).toEqual([
      'first\n',
      'resumed\n',
      'ticket\n',
      'ticket resumed\n',
    ]);
  });
});

describe('wrong, missing and truncated keys', () => {
  it('a wrong secret: every protected record fails with a tag mismatch, Finished does not verify', () => {
    const flip = (b: string) => (Number.parseInt(b, 16) ^ 1).toString(16).padStart(2, '0');
    const wrong = keys('openssl-tls13').replace(/([0-9a-f]{2})$/gm, (_, b: string) => flip(b));
    const [r] = decrypt('openssl-tls13', KeyLog.fromText(wrong));
    const protectedRecords = records(r!).filter((ev) => ev.encrypted);
    expect(protectedRecords.length).toBeGreaterThan(0);
    expect(protectedRecords.every((ev) => ev.decryptError?.reason === 'bad-record-mac')).toBe(true);
    expect(protectedRecords[0]!.decryptError!.detail).toBe('tag mismatch: wrong key or corrupted record');
    const finished = records(r!)
      .flatMap((ev) => ev.messages)
      .filter((m) => m.msgType === 20);
    expect(finished).toEqual([]);
  });

  it('a wrong master secret with CBC: MAC or padding check fails', () => {
    const wrong = keys('openssl-tls12-cbc-rsa-mte').replace(
      /^(CLIENT_RANDOM \S+ )([0-9a-f]{2})/m,
      (_, head: string, b: string) => head + (b === '00' ? '01' : '00'),
    );
    const [r] = decrypt('openssl-tls12-cbc-rsa-mte', KeyLog.fromText(wrong));
    const reasons = records(r!)
      .filter((ev) => ev.encrypted)
      .map((ev) => ev.decryptError?.reason);
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.every((x) => x === 'bad-record-mac' || x === 'bad-padding')).toBe(true);
  });

  it('a key log without the connection: reported per connection and per record', () => {
    const [r] = decrypt('openssl-tls12-gcm', KeyLog.fromText(keys('openssl-tls13')));
    expect(r!.keys?.labels).toEqual([]);
    expect(r!.keys?.clientRandom).toMatch(/^[0-9a-f]{64}$/);
    const failures = records(r!)
      .filter((ev) => ev.encrypted)
      .map((ev) => ev.decryptError);
    expect(failures.every((f) => f?.reason === 'no-key')).toBe(true);
    expect(failures[0]!.detail).toBe(
      `no key for client random ${r!.keys!.clientRandom}: the key log has no CLIENT_RANDOM line`,
    );
  });

  it('truncated and malformed lines are reported with their line numbers; the others are used', () => {
    const lines = keys('openssl-tls13')
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('#'));
    const cut = [
      '# a comment',
      lines[0]!.slice(0, 40),
      `${lines[1]!.slice(0, -2)}`,
      ...lines.slice(1),
      'CLIENT_RANDOM 00',
      `RSA 0011223344556677 ${'ab'.repeat(48)}`,
    ].join('\n');
    const log = KeyLog.fromText(cut, 'cut.keylog');
    expect(log.problems.map((p) => [p.source, p.line])).toEqual([
      ['cut.keylog', 2],
      ['cut.keylog', 3],
      ['cut.keylog', lines.length + 3],
    ]);
    expect(log.problems[1]!.reason).toMatch(/secret of 31 bytes, expected 32 or 48/);
    expect(log.size).toBe(1);
  });

  it('several key logs merge; the first secret of a label wins', () => {
    const a = KeyLog.fromText(keys('openssl-tls13'));
    const b = KeyLog.fromText(keys('openssl-tls12-gcm'));
    const both = new KeyLog().merge(a).merge(b);
    expect(both.size).toBe(2);
    expect(decrypt('openssl-tls12-gcm', both)[0]!.keys!.labels).toEqual(['CLIENT_RANDOM']);
  });
});

describe('pcapng Decryption Secrets Block', () => {
  it('the block made by editcap --inject-secrets holds the key log; decryption needs no option', () => {
    const bytes = new Uint8Array(readFileSync(`${DIR}openssl-tls13-dsb.pcapng`));
    const blocks = readDecryptionSecrets(bytes);
    expect(blocks.map((b) => b.type)).toEqual([SECRETS_TYPE_TLS_KEY_LOG]);
    expect(KeyLog.fromText(embeddedKeyLogs(bytes)[0]!).size).toBe(1);
    const [r] = decryptCapture(bytes);
    expect(records(r!).filter((ev) => ev.encrypted && !ev.decrypted)).toEqual([]);
    expect(text(plaintextStreams(r!).client)).toBe('hello\nworld\n');
    expect(decryptCapture(bytes, { embeddedSecrets: false })[0]!.keys!.labels).toEqual([]);
    expect(readDecryptionSecrets(pcap('openssl-tls13'))).toEqual([]);
  });
});

describe('CaptureDecryptor', () => {
  it('fed packet by packet, gives what decryptCapture gives', () => {
    const d = new CaptureDecryptor({ keyLog: KeyLog.fromText(keys('gnutls')) });
    for (const p of readCapture(pcap('gnutls'))) d.add(decodePacket(p));
    const streams = d.finish().map((r) => toHex(plaintextStreams(r).client));
    expect(streams).toEqual(decrypt('gnutls').map((r) => toHex(plaintextStreams(r).client)));
    expect(streams.map((s) => text(fromHex(s)))).toEqual(['gnutls tls13\n', 'gnutls tls12 cbc\n']);
  });
});

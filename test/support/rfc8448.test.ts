/** Tests of the RFC 8448 trace parser: entry counts per section, known values, page breaks, strictness. */

import { createHash, createPrivateKey, createPublicKey, createVerify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { field, findEntries, findEntry, loadRsaKey, loadTrace, parseTrace, TRACE_SECTIONS } from './rfc8448.js';

describe('RFC 8448 trace files', () => {
  it('has the number of {client}/{server} entries of each section', () => {
    const counts = TRACE_SECTIONS.map((s) => loadTrace(s).entries.length);
    expect(counts).toEqual([55, 60, 54, 52, 51]);
  });

  it('announced octet counts equal the hex of every block', () => {
    let blocks = 0;
    for (const s of TRACE_SECTIONS) {
      for (const e of loadTrace(s).entries) {
        for (const f of e.fields) {
          expect(f.bytes.length).toBe(f.length);
          blocks++;
        }
      }
    }
    expect(blocks).toBe(109 + 125 + 106 + 101 + 102);
  });

  it('reads §3 client x25519 key pair and ClientHello', () => {
    const t = loadTrace(3);
    const kp = findEntry(t, 'client', 'create an ephemeral x25519 key pair');
    expect(kp.fields.map((f) => f.label)).toEqual(['private key', 'public key']);
    expect(toHex(field(kp, 'private key'))).toBe('49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005');
    expect(toHex(field(kp, 'public key'))).toBe('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
    const ch = field(findEntry(t, 'client', 'construct a ClientHello'), 'ClientHello');
    expect(ch.length).toBe(196);
    expect(toHex(ch.subarray(0, 6))).toBe('010000c00303');
    expect(toHex(ch.subarray(-6))).toBe('001c00024001');
    const rec = findEntry(t, 'client', 'send handshake record');
    expect(toHex(field(rec, 'complete record').subarray(0, 5))).toBe('16030100c4');
    expect(field(rec, 'payload')).toEqual(ch);
  });

  it('joins a hex block split by a page break (§7 ClientHello)', () => {
    const ch = field(findEntry(loadTrace(7), 'client', 'construct a ClientHello'), 'ClientHello');
    expect(ch.length).toBe(224);
    // "…ef 00 06 13 01 13" ends page 55, "03 13 02 01 00 00 8d…" starts page 56.
    expect(toHex(ch)).toContain('e6ef0006130113031302010000' + '8d0000000b000900000673657276');
  });

  it('reads §3 server secrets and traffic keys', () => {
    const t = loadTrace(3);
    const hs = findEntry(t, 'server', 'extract secret "handshake"');
    expect(toHex(field(hs, 'secret'))).toBe('1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac');
    const keys = findEntry(t, 'server', 'derive write traffic keys for handshake data');
    expect(keys.fields.map((f) => [f.label, f.length])).toEqual([
      ['PRK', 32],
      ['key info', 13],
      ['key expanded', 16],
      ['iv info', 12],
      ['iv expanded', 12],
    ]);
    expect(toHex(field(keys, 'key expanded'))).toBe('3fce516009c21727d0f2e4e86ee403bc');
    expect(toHex(field(keys, 'iv expanded'))).toBe('5d313eb2671276ee13000b30');
  });

  it('gives the absent salt and the empty hash as zero-length blocks', () => {
    const t = loadTrace(3);
    const early = findEntry(t, 'server', 'extract secret "early"');
    expect(early.fields.map((f) => [f.label, f.length])).toEqual([
      ['salt', 0],
      ['IKM', 32],
      ['secret', 32],
    ]);
    expect(toHex(field(early, 'secret'))).toBe('33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a');
    const fin = findEntry(t, 'server', 'calculate finished');
    expect(field(fin, 'hash').length).toBe(0);
  });

  it('joins wrapped entry headings and keeps "(same as …)" entries without blocks', () => {
    const t = loadTrace(3);
    const e = findEntry(t, 'client', 'derive read traffic keys for handshake data');
    expect(e.action).toBe(
      'derive read traffic keys for handshake data (same as server handshake data write traffic keys)',
    );
    expect(e.fields).toEqual([]);
  });

  it('finds the nth entry: §5 HelloRetryRequest then ServerHello', () => {
    const t = loadTrace(5);
    const hellos = findEntries(t, 'server', 'construct a ServerHello');
    expect(hellos.length).toBe(2);
    expect(field(findEntry(t, 'server', 'construct a ServerHello', 0), 'ServerHello').length).toBe(176);
    expect(field(findEntry(t, 'server', 'construct a ServerHello', 1), 'ServerHello').length).toBe(123);
    expect(field(findEntry(t, 'client', 'construct a ClientHello', 1), 'ClientHello').length).toBe(512);
    const p256 = findEntry(t, 'client', 'create an ephemeral P-256 key pair');
    expect(field(p256, 'public key').length).toBe(65);
  });

  it('reads §4 PSK binder inputs', () => {
    const t = loadTrace(4);
    const binder = findEntry(t, 'client', 'calculate PSK binder');
    expect(field(binder, 'ClientHello prefix').length).toBe(477);
    expect(field(binder, 'binder hash').length).toBe(32);
    expect(field(findEntry(t, 'client', 'send handshake record'), 'payload').length).toBe(512);
  });

  it('throws for a missing entry or field', () => {
    const t = loadTrace(3);
    expect(() => findEntry(t, 'client', 'construct a ServerHello')).toThrow(/no \{client\} entry/);
    expect(() => field(findEntry(t, 'client', 'construct a ClientHello'), 'payload')).toThrow(/no field "payload"/);
  });
});

describe('parseTrace on synthetic text', () => {
  const page =
    '\n\n\n\nThomson                       Informational                     [Page 9]\n\f\n' +
    'RFC 8448                     TLS 1.3 Traces                 January 2019\n\n\n';

  it('strips page footers, form feeds and headers inside a block', () => {
    const text = `3.  X\n\n   prose\n\n   {server}  do a thing:\n\n      x (4 octets):  01 02\n${page}         03 04\n`;
    const t = parseTrace(text, 3);
    expect(t.entries).toHaveLength(1);
    expect(t.entries[0]?.action).toBe('do a thing');
    expect(t.entries[0]?.fields).toEqual([{ label: 'x', length: 4, bytes: Uint8Array.of(1, 2, 3, 4) }]);
  });

  it('rejects a block shorter or longer than announced', () => {
    expect(() => parseTrace('   {client}  a:\n\n      x (3 octets):  01 02\n', 3)).toThrow(
      /x has 2 octets, announced 3/,
    );
    expect(() => parseTrace('   {client}  a:\n\n      x (1 octets):  01\n         02\n', 3)).toThrow(/hex beyond x/);
  });

  it('rejects an unrecognised line after the first entry', () => {
    expect(() => parseTrace('   {client}  a:\n\n      x (1 octets):  01\n\n   some prose\n', 3)).toThrow(/unexpected/);
  });
});

describe('RFC 8448 §2 server RSA key', () => {
  const key = loadRsaKey();
  const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

  it('has a 1024-bit modulus, exponent 65537 and 512-bit CRT parts', () => {
    expect(key.modulus.length).toBe(128);
    expect(toHex(key.modulus.subarray(0, 4))).toBe('b4bb498f');
    expect(toHex(key.modulus.subarray(-2))).toBe('1e3f');
    expect(toHex(key.publicExponent)).toBe('010001');
    expect(key.privateExponent.length).toBe(128);
    expect(toHex(key.privateExponent.subarray(-2))).toBe('9941');
    expect([key.prime1, key.prime2, key.exponent1, key.exponent2, key.coefficient].map((p) => p.length)).toEqual([
      64, 64, 64, 64, 64,
    ]);
    expect(toHex(key.exponent1.subarray(-2))).toBe('d319');
    expect(toHex(key.coefficient.subarray(-2))).toBe('969d');
  });

  it('is a consistent private key whose public half is the §3 certificate key, and signs §3 CertificateVerify', () => {
    const jwk = {
      kty: 'RSA',
      n: b64url(key.modulus),
      e: b64url(key.publicExponent),
      d: b64url(key.privateExponent),
      p: b64url(key.prime1),
      q: b64url(key.prime2),
      dp: b64url(key.exponent1),
      dq: b64url(key.exponent2),
      qi: b64url(key.coefficient),
    };
    const priv = createPrivateKey({ key: jwk, format: 'jwk' });
    const t = loadTrace(3);
    const msgs = [
      field(findEntry(t, 'client', 'construct a ClientHello'), 'ClientHello'),
      field(findEntry(t, 'server', 'construct a ServerHello'), 'ServerHello'),
      field(findEntry(t, 'server', 'construct an EncryptedExtensions'), 'EncryptedExtensions'),
      field(findEntry(t, 'server', 'construct a Certificate handshake'), 'Certificate'),
    ];
    const cert = msgs[3]!;
    // Certificate: 0b 000 1b9 | context 00 | list 0001b5 | cert_data 0001b0 | DER at offset 11.
    const der = cert.subarray(11, 11 + 0x1b0);
    expect(new X509Certificate(der).publicKey.export({ format: 'jwk' }).n).toBe(jwk.n);
    expect(createPublicKey(priv).export({ format: 'jwk' }).n).toBe(jwk.n);
    // RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
    const transcript = createHash('sha256');
    for (const m of msgs) transcript.update(m);
    const content = Buffer.concat([
      Buffer.alloc(64, 0x20),
      Buffer.from('TLS 1.3, server CertificateVerify'),
      Buffer.of(0),
      transcript.digest(),
    ]);
    const cv = field(findEntry(t, 'server', 'construct a CertificateVerify'), 'CertificateVerify');
    // 0f 000084 | 0804 rsa_pss_rsae_sha256 | 0080 | signature
    expect(toHex(cv.subarray(4, 8))).toBe('08040080');
    const ok = createVerify('sha256')
      .update(content)
      .verify({ key: createPublicKey(priv), padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }, cv.subarray(8));
    expect(ok).toBe(true);
  });
});

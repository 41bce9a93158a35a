/**
 * Service identity (RFC 9525, RFC 6125 §6.4.3 examples) and SNI credential selection. Expected values come
 * from the RFCs' text; where RFC 9525 and OpenSSL's default host check agree (everything but partial
 * wildcards and the Common Name fallback, which RFC 9525 removed and OpenSSL keeps), `openssl x509
 * -checkhost/-checkip` run on a certificate made for the row must agree too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { type Certificate, parseCertificatesPem } from '../../src/x509/certificate.js';
import {
  hostnameMatch,
  matchesDnsName,
  matchesHostname,
  parseIpAddress,
  referenceIdentity,
  selectCertificateBySni,
} from '../../src/x509/hostname.js';
import { opensslOk, pki } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tlswire-x509-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = join(dir, 'k.pem');
opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);

/** A self-signed certificate with the given subject and SAN (openssl req -x509). */
function makeCert(san: string | undefined, cn = 'no-cn-match.invalid'): { cert: Certificate; path: string } {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.pem`);
  const args = ['req', '-x509', '-key', key, '-subj', `/O=Host Test/CN=${cn}`, '-days', '30', '-out', path];
  if (san) args.push('-addext', `subjectAltName=${san}`);
  opensslOk(args);
  return { cert: parseCertificatesPem(opensslOk(['x509', '-in', path]))[0]!, path };
}

function opensslMatches(path: string, reference: string): boolean {
  const ip = parseIpAddress(reference);
  const out = opensslOk(['x509', '-in', path, '-noout', ip ? '-checkip' : '-checkhost', reference]);
  return !/does NOT match/.test(out);
}

// [presented dNSName, reference, expected, source, openssl agrees]
const DNS_TABLE: [string, string, boolean, string, boolean][] = [
  ['*.example.com', 'foo.example.com', true, 'RFC 6125 §6.4.3 / RFC 9525 §6.3', true],
  ['*.example.com', 'bar.foo.example.com', false, 'RFC 6125 §6.4.3: one label only', true],
  ['*.example.com', 'example.com', false, 'RFC 6125 §6.4.3: one label only', true],
  ['baz*.example.net', 'baz1.example.net', false, 'RFC 9525 §6.3: no partial wildcards', false],
  ['*baz.example.net', 'foobaz.example.net', false, 'RFC 9525 §6.3: no partial wildcards', false],
  ['b*z.example.net', 'buzz.example.net', false, 'RFC 9525 §6.3: no partial wildcards', false],
  ['www.*.example.com', 'www.a.example.com', false, 'RFC 9525 §6.3: left-most label only', true],
  ['*.*.example.com', 'a.b.example.com', false, 'RFC 9525 §6.3: one wildcard, left-most', true],
  ['*.com', 'example.com', false, 'two labels needed after the wildcard (as OpenSSL)', true],
  ['www.example.com', 'WWW.Example.COM', true, 'RFC 9525 §6.3: case-insensitive', true],
  ['WWW.EXAMPLE.COM', 'www.example.com', true, 'RFC 9525 §6.3: case-insensitive', true],
  ['*.Example.com', 'FOO.example.COM', true, 'case-insensitive wildcard', true],
  // OpenSSL's X509_check_host compares the trailing dot literally.
  ['www.example.com', 'www.example.com.', true, 'trailing dot of an absolute name', false],
  ['www.example.com.', 'www.example.com', true, 'trailing dot in the certificate', false],
  ['www.example.com', 'www.example.co', false, 'label mismatch', true],
  ['www.example.com', 'ww.example.com', false, 'label mismatch', true],
  ['xn--bcher-kva.example', 'xn--bcher-kva.example', true, 'RFC 9525 §6.3: A-labels compare as ASCII', true],
  ['xn--bcher-kva.example', 'XN--BCHER-KVA.EXAMPLE', true, 'A-labels case-insensitive', true],
  ['xn--bcher-kva.example', 'bücher.example', true, 'U-label reference converted to A-labels', false],
  ['*.xn--bcher-kva.example', 'www.bücher.example', true, 'wildcard over an A-label parent', false],
  ['xn--*.example', 'xn--bcher-kva.example', false, 'RFC 9525 §6.3: no wildcard inside an A-label', false],
  // OpenSSL reads a leading-dot reference as "any subdomain of"; here it is not a valid name.
  ['*.example.com', '.example.com', false, 'an empty label is not a label', false],
  ['*.0.0.1', '127.0.0.1', false, 'RFC 9525 §6.3: wildcards never match IP addresses', true],
  ['127.0.0.1', '127.0.0.1', false, 'RFC 9525 §6.4: an IP matches only iPAddress SANs', false],
];

describe('DNS-ID matching (RFC 9525 §6.3)', () => {
  for (const [presented, reference, expected, why, agrees] of DNS_TABLE) {
    it(`${presented} vs ${reference} → ${expected} (${why})`, () => {
      expect(matchesDnsName(presented, reference)).toBe(expected);
      const { cert, path } = makeCert(`DNS:${presented}`);
      expect(matchesHostname(cert, reference)).toBe(expected);
      if (agrees) expect(opensslMatches(path, reference)).toBe(expected);
    });
  }
});

describe('IP-ID matching (RFC 9525 §6.4)', () => {
  const { cert, path } = makeCert('DNS:localhost,IP:127.0.0.1,IP:::1,IP:2001:db8::8:800:200c:417a');
  const rows: [string, boolean][] = [
    ['127.0.0.1', true],
    ['127.0.0.2', false],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['0000:0000:0000:0000:0000:0000:0000:0001', true],
    ['::0:1', true],
    ['2001:DB8:0:0:8:800:200C:417A', true],
    ['2001:db8::8:800:200c:417b', false],
    ['::ffff:127.0.0.1', false],
  ];
  for (const [reference, expected] of rows) {
    it(`${reference} → ${expected} (openssl -checkip agrees)`, () => {
      expect(matchesHostname(cert, reference)).toBe(expected);
      expect(opensslMatches(path, reference)).toBe(expected);
    });
  }
  it('bracketed IPv6 and the normalised forms', () => {
    expect(matchesHostname(cert, '[::1]')).toBe(true);
    expect(toHex(parseIpAddress('::ffff:1.2.3.4')!)).toBe('00000000000000000000ffff01020304');
    expect(toHex(parseIpAddress('1::')!)).toBe('00010000000000000000000000000000');
    for (const bad of [
      '1.2.3',
      '1.2.3.256',
      '01.2.3.4',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      'fe80::1%eth0',
      ':::',
      '1:2',
    ]) {
      expect(parseIpAddress(bad), bad).toBeUndefined();
    }
    expect(referenceIdentity('Example.COM.')).toEqual({ type: 'dns', name: 'example.com' });
    expect(referenceIdentity('*.example.com')).toBeUndefined();
    expect(referenceIdentity('a..b')).toBeUndefined();
  });
  it('a DNS reference never matches an iPAddress SAN', () => {
    expect(matchesHostname(cert, 'localhost')).toBe(true);
    expect(matchesHostname(cert, '127.0.0.1.example')).toBe(false);
  });
});

describe('no Common Name fallback (RFC 9525 §6.5)', () => {
  it('a certificate without subjectAltName matches nothing, whatever its CN', () => {
    const { cert, path } = makeCert(undefined, 'cn-only.example.com');
    expect(matchesHostname(cert, 'cn-only.example.com')).toBe(false);
    // OpenSSL still falls back to the CN by default; RFC 9525 removed that.
    expect(opensslMatches(path, 'cn-only.example.com')).toBe(true);
  });
  it('with a SAN present, the CN is ignored (as OpenSSL does too)', () => {
    const { cert, path } = makeCert('DNS:san.example.com', 'cn.example.com');
    expect(matchesHostname(cert, 'cn.example.com')).toBe(false);
    expect(opensslMatches(path, 'cn.example.com')).toBe(false);
  });
});

describe('selectCertificateBySni', () => {
  const localhost = { chain: parseCertificatesPem(pki('server-ecdsa-chain.pem')), id: 'localhost' };
  const wrong = { chain: parseCertificatesPem(pki('bad-wronghost-chain.pem')), id: 'wrong' };
  const wildcard = { chain: [makeCert('DNS:*.example.com').cert], id: 'wildcard' };
  const all = [localhost, wildcard, wrong];

  it('exact beats wildcard even when listed later', () => {
    expect(selectCertificateBySni(all, 'wrong.example.com')?.id).toBe('wrong');
    expect(hostnameMatch(wildcard.chain[0]!, 'wrong.example.com')).toBe('wildcard');
  });
  it('wildcard, then the default', () => {
    expect(selectCertificateBySni(all, 'www.example.com')?.id).toBe('wildcard');
    expect(selectCertificateBySni(all, 'other.test')?.id).toBe('localhost');
    expect(selectCertificateBySni(all, 'other.test', wrong)?.id).toBe('wrong');
    expect(selectCertificateBySni(all, undefined)?.id).toBe('localhost');
    expect(selectCertificateBySni([], 'x.example.com')).toBeUndefined();
  });
  it('IP server names select by iPAddress SAN', () => {
    expect(selectCertificateBySni([wrong, localhost], '::1')?.id).toBe('localhost');
  });
});

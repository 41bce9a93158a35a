/**
 * Parsing the committed test PKI: every certificate's fields equal what `openssl x509` prints (run now),
 * public keys equal node:crypto's JWK export, the TBS bytes are what the issuer signed (checked with
 * node:crypto), and every private key (PKCS#8, and openssl's SEC 1 / PKCS#1 / DER conversions) matches
 * its certificate. Malformed PEM and DER raise typed errors, never anything else.
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TlswireError } from '../../src/bytes/errors.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import type { PublicKey } from '../../src/crypto/provider.js';
import { type Certificate, parseCertificate, parseCertificatesPem } from '../../src/x509/certificate.js';
import { Asn1Error, decodeDer } from '../../src/x509/der.js';
import { CertificateError } from '../../src/x509/errors.js';
import { parseIpAddress } from '../../src/x509/hostname.js';
import { KeyError, parsePrivateKey, parsePublicKeyInfo, publicKeyOf, publicKeysEqual } from '../../src/x509/keys.js';
import { base64Decode, base64Encode, decodePem, encodePem, PemError } from '../../src/x509/pem.js';
import { opensslOk, PKI, pki } from './helpers.js';

const CERTS = readdirSync(PKI)
  .filter((f) => f.endsWith('.crt'))
  .sort();
const KEYS = readdirSync(PKI)
  .filter((f) => f.endsWith('.key'))
  .sort();

function cert(name: string): Certificate {
  const [c] = parseCertificatesPem(pki(name));
  return c!;
}

const b64u = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? '', 'base64url'));
const big = (s: string | undefined) => BigInt(`0x${toHex(b64u(s)) || '0'}`);

/** The public key of a PEM file as node:crypto sees it, in our key type. */
function nodePublicKey(pem: string): PublicKey {
  const key = createPublicKey(pem);
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'EC') {
    const curve = ({ 'P-256': 'secp256r1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' } as const)[jwk.crv as 'P-256'];
    return { type: 'ec', curve, point: new Uint8Array([4, ...b64u(jwk.x), ...b64u(jwk.y)]) };
  }
  if (jwk.kty === 'OKP') return { type: 'ed25519', key: b64u(jwk.x) };
  return { type: 'rsa', n: big(jwk.n), e: big(jwk.e) };
}

const KU_NAMES: Record<string, string> = {
  'Digital Signature': 'digitalSignature',
  'Non Repudiation': 'nonRepudiation',
  'Key Encipherment': 'keyEncipherment',
  'Data Encipherment': 'dataEncipherment',
  'Key Agreement': 'keyAgreement',
  'Certificate Sign': 'keyCertSign',
  'CRL Sign': 'cRLSign',
};
const EKU_NAMES: Record<string, string> = {
  'TLS Web Server Authentication': '1.3.6.1.5.5.7.3.1',
  'TLS Web Client Authentication': '1.3.6.1.5.5.7.3.2',
};

/** `X509v3 Name: [critical]\n    value` blocks of `openssl x509 -ext …` output. */
function extText(out: string, name: string): { critical: boolean; value: string } | undefined {
  const m = new RegExp(`X509v3 ${name}:( critical)?\\s*\\n\\s+(.*)`).exec(out);
  return m ? { critical: m[1] !== undefined, value: m[2]!.trim() } : undefined;
}

describe('certificates of test/pki/out equal openssl x509 output', () => {
  it('has the expected files', () => {
    // make-pki.sh's 14, and make-extra.sh's 6 (test/pki/README.md).
    expect(CERTS.length).toBe(20);
    expect(KEYS.length).toBe(20);
  });

  for (const file of CERTS) {
    it(file, () => {
      const path = join(PKI, file);
      const c = cert(file);
      const out = opensslOk([
        'x509',
        '-in',
        path,
        '-noout',
        '-subject',
        '-issuer',
        '-nameopt',
        'RFC2253',
        '-serial',
        '-dates',
        '-dateopt',
        'iso_8601',
        '-ext',
        'subjectAltName,keyUsage,basicConstraints,extendedKeyUsage',
      ]);
      const line = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(out)?.[1];
      expect(c.subject.text).toBe(line('subject'));
      expect(c.issuer.text).toBe(line('issuer'));
      expect(c.serialNumber.toUpperCase()).toBe(line('serial'));
      expect(c.notBefore).toBe(Date.parse(line('notBefore')!.replace(' ', 'T')));
      expect(c.notAfter).toBe(Date.parse(line('notAfter')!.replace(' ', 'T')));
      expect(c.version).toBe(3);
      expect(c.selfIssued).toBe(line('subject') === line('issuer'));

      const der = new Uint8Array(
        Buffer.from(opensslOk(['x509', '-in', path, '-outform', 'PEM']).replace(/-.*-|\s/g, ''), 'base64'),
      );
      expect(toHex(c.der)).toBe(toHex(der));

      const san = extText(out, 'Subject Alternative Name');
      const expectedSans = san?.value.split(', ').map((s) => {
        if (s.startsWith('DNS:')) return `dns ${s.slice(4)}`;
        return `ip ${toHex(parseIpAddress(s.replace('IP Address:', ''))!)}`;
      });
      const sans = c.subjectAltNames?.map((n) =>
        n.type === 'ip' ? `ip ${toHex(n.bytes)}` : n.type === 'dns' ? `dns ${n.value}` : n.type,
      );
      expect(sans).toEqual(expectedSans);

      const bc = extText(out, 'Basic Constraints');
      const bcValue = bc && { cA: bc.value.startsWith('CA:TRUE'), pathLen: /pathlen:(\d+)/.exec(bc.value)?.[1] };
      expect(c.basicConstraints && { ...c.basicConstraints, pathLen: c.basicConstraints.pathLen?.toString() }).toEqual(
        bcValue,
      );
      const ku = extText(out, 'Key Usage');
      expect(c.keyUsage && [...c.keyUsage].sort()).toEqual(
        ku?.value
          .split(', ')
          .map((k) => KU_NAMES[k])
          .sort(),
      );
      const eku = extText(out, 'Extended Key Usage');
      expect(c.extKeyUsage).toEqual(eku?.value.split(', ').map((k) => EKU_NAMES[k]));
      for (const [name, oid] of [
        ['Basic Constraints', '2.5.29.19'],
        ['Key Usage', '2.5.29.15'],
      ] as const) {
        expect(c.extensions.find((e) => e.oid === oid)?.critical).toBe(extText(out, name)?.critical);
      }
      expect(c.unhandledCriticalExtensions).toEqual([]);

      // The public key, as node:crypto reads openssl's -pubkey output.
      const spkiPem = opensslOk(['x509', '-in', path, '-noout', '-pubkey']);
      expect(publicKeysEqual(c.publicKey.key!, nodePublicKey(spkiPem))).toBe(true);
      expect(toHex(c.publicKey.der)).toBe(toHex(decodePem(spkiPem, 'PUBLIC KEY')[0]!.der));
      expect(parsePublicKeyInfo(c.publicKey.der).description).toBe(c.publicKey.description);
    });
  }

  it('TBS bytes and signature are what the issuer signed (node:crypto verifies them)', () => {
    const issuerFile: Record<string, string> = {
      'CN=Test Root CA,O=Test PKI': 'root-ca.crt',
      'CN=Test Intermediate CA,O=Test PKI': 'intermediate-ca.crt',
      'CN=Test Intermediate CA RSA,O=Test PKI': 'intermediate-rsa-ca.crt',
      'CN=Unknown Root CA,O=Untrusted PKI': 'unknown-ca.crt',
      'CN=localhost,O=Test PKI': 'bad-selfsigned.crt',
      'CN=Test NotCA Intermediate,O=Test PKI': 'bad-cafalse-intermediate.crt',
    };
    // make-extra.sh flips one byte of these two signatures on purpose.
    const flipped = ['bad-badsig.crt', 'bad-client-badsig.crt'];
    for (const file of CERTS) {
      const c = cert(file);
      const issuer = pki(issuerFile[c.issuer.text]!);
      const hash = c.signatureAlgorithm.name.includes('SHA384') ? 'sha384' : 'sha256';
      expect(nodeVerify(hash, c.tbs, createPublicKey(issuer), c.signature), file).toBe(!flipped.includes(file));
    }
  });

  it('a fullchain file parses in order', () => {
    const chain = parseCertificatesPem(pki('server-ecdsa-fullchain.pem'));
    expect(chain.map((c) => c.subject.text)).toEqual([
      'CN=localhost,O=Test PKI',
      'CN=Test Intermediate CA,O=Test PKI',
      'CN=Test Root CA,O=Test PKI',
    ]);
  });
});

describe('private keys of test/pki/out', () => {
  for (const file of KEYS) {
    it(`${file}: PKCS#8 and the openssl conversions match the certificate`, () => {
      const path = join(PKI, file);
      const text = pki(file);
      const key = parsePrivateKey(text);
      const c = cert(file.replace('.key', '.crt'));
      expect(publicKeysEqual(publicKeyOf(key), c.publicKey.key!)).toBe(true);
      // The private value equals node:crypto's reading.
      const jwk = createPrivateKey(text).export({ format: 'jwk' });
      if (key.type === 'ec') expect(toHex(key.d)).toBe(toHex(b64u(jwk.d)));
      if (key.type === 'ed25519') expect(toHex(key.seed)).toBe(toHex(b64u(jwk.d)));
      if (key.type === 'rsa') {
        expect([key.d, key.p, key.q, key.dp, key.dq, key.qi]).toEqual(
          [jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map(big),
        );
      }
      const forms: [string, string[]][] = [['PKCS#8 DER', ['pkey', '-in', path, '-outform', 'DER']]];
      if (key.type === 'ec') {
        forms.push(['SEC 1 PEM', ['ec', '-in', path]], ['SEC 1 DER', ['ec', '-in', path, '-outform', 'DER']]);
      }
      if (key.type === 'rsa') {
        forms.push(
          ['PKCS#1 PEM', ['rsa', '-in', path, '-traditional']],
          ['PKCS#1 DER', ['rsa', '-in', path, '-traditional', '-outform', 'DER']],
        );
      }
      for (const [name, args] of forms) {
        const input: string | Uint8Array = args.includes('DER') ? opensslDer(args) : opensslOk(args);
        const parsed = parsePrivateKey(input);
        expect(publicKeysEqual(publicKeyOf(parsed), c.publicKey.key!), name).toBe(true);
        if (typeof input === 'string') {
          const label = name.startsWith('SEC') ? 'EC PRIVATE KEY' : 'RSA PRIVATE KEY';
          expect(decodePem(input)[0]!.label).toBe(label);
        }
      }
    });
  }
});

/** openssl's binary output. */
function opensslDer(args: string[]): Uint8Array {
  const r = spawnSync('openssl', args);
  if (r.error || r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed`);
  return new Uint8Array(r.stdout);
}

describe('SubjectPublicKeyInfo forms', () => {
  it('a compressed EC point (openssl -conv_form compressed) decompresses to the certificate key', () => {
    for (const file of ['server-ecdsa.key', 'root-ca.key']) {
      const spki = decodePem(opensslOk(['ec', '-in', join(PKI, file), '-pubout', '-conv_form', 'compressed']))[0]!.der;
      const info = parsePublicKeyInfo(spki);
      const point = info.key?.type === 'ec' ? info.key.point : undefined;
      expect(spki.length).toBe(59); // 26-byte header + 33-byte compressed point
      expect(publicKeysEqual(info.key!, cert(file.replace('.key', '.crt')).publicKey.key!)).toBe(true);
      expect(point?.length).toBe(65);
    }
  });
  it('a point off the curve is a KeyError', () => {
    const spki = new Uint8Array(cert('server-ecdsa.crt').publicKey.der);
    spki[spki.length - 1]! ^= 1;
    expect((catchError(() => parsePublicKeyInfo(spki)) as KeyError).reason).toBe('malformed');
  });
});

describe('PEM', () => {
  it('round-trips and matches Node base64 for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(base64Encode(bytes)).toBe(Buffer.from(bytes).toString('base64'));
        expect(toHex(base64Decode(base64Encode(bytes))!)).toBe(toHex(bytes));
        if (bytes.length > 0) expect(toHex(decodePem(encodePem('TEST', bytes))[0]!.der)).toBe(toHex(bytes));
      }),
    );
  });

  it('re-encodes the PKI files byte for byte (64-column lines)', () => {
    for (const file of CERTS) {
      const text = pki(file);
      const [block] = decodePem(text);
      expect(encodePem(block!.label, block!.der)).toBe(text);
    }
  });

  it('skips text between blocks, filters by label, handles CRLF', () => {
    const text = `subject=CN=x\r\n${pki('server-ecdsa.key')}\r\nexplanatory text\n${pki('server-ecdsa.crt')}`.replace(
      /\n/g,
      '\r\n',
    );
    expect(decodePem(text).map((b) => b.label)).toEqual(['PRIVATE KEY', 'CERTIFICATE']);
    expect(decodePem(text, 'CERTIFICATE')).toHaveLength(1);
    expect(parsePrivateKey(text).type).toBe('ec');
  });

  const crt = pki('server-ecdsa.crt');
  it.each([
    ['BEGIN without END', crt.replace('-----END CERTIFICATE-----', ''), 1],
    ['mismatched END', crt.replace('END CERTIFICATE', 'END PRIVATE KEY'), 13],
    ['END without BEGIN', '-----END CERTIFICATE-----\n', 1],
    ['bad base64', crt.replace('MII', 'M!I'), 1],
    ['bad padding', crt.replace(/=*\n-----END/, '=\n-----END'), 1],
    ['empty block', '-----BEGIN X-----\n-----END X-----\n', 1],
    [
      'encrypted (headers)',
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END RSA PRIVATE KEY-----',
      2,
    ],
  ])('%s → PemError with the line', (_, text, line) => {
    const e = (() => {
      try {
        decodePem(text);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(PemError);
    expect((e as PemError).line).toBe(line);
  });
});

describe('malformed certificates and keys raise typed errors', () => {
  const der = cert('server-rsa.crt').der;

  it('every strict prefix of a certificate → CertificateError malformed, with the index', () => {
    for (let n = 0; n < der.length; n++) {
      const e = catchError(() => parseCertificate(der.subarray(0, n), 3));
      expect(e, `prefix ${n}`).toBeInstanceOf(CertificateError);
      expect((e as CertificateError).code).toBe('malformed');
      expect((e as CertificateError).index).toBe(3);
    }
  });

  it('trailing bytes are rejected with the offset', () => {
    const e = catchError(() => parseCertificate(new Uint8Array([...der, 0])));
    expect((e as CertificateError).reason).toMatch(/1 bytes after the end/);
  });

  it('names the field: a time that is not a time, an unknown version, mismatched signature algorithms', () => {
    const hex = toHex(der);
    // notBefore UTCTime (tag 0x17) → OCTET STRING: the validity field is named.
    const utc = hex.indexOf('170d');
    const e1 = catchError(() => parseCertificate(fromHex(`${hex.slice(0, utc)}040d${hex.slice(utc + 4)}`)));
    expect((e1 as CertificateError).reason).toMatch(/tbsCertificate\.validity\.notBefore/);
    // version 3 (a0 03 02 01 02) → 5
    const e2 = catchError(() => parseCertificate(fromHex(hex.replace('a003020102', 'a003020104'))));
    expect((e2 as CertificateError).reason).toMatch(/unknown version 5/);
  });

  it('BER-only forms are rejected: long-form short lengths, indefinite lengths, BOOLEAN TRUE as 01', () => {
    for (const [hex, why] of [
      ['3081030201 05', /shortest form/],
      ['30820003020105', /shortest form/],
      ['30800201050000', /indefinite/],
    ] as const) {
      const e = catchError(() => decodeDer(fromHex(hex.replace(/ /g, '')), 'x'));
      expect(e).toBeInstanceOf(Asn1Error);
      expect((e as Asn1Error).detail).toMatch(why);
    }
    // basicConstraints critical TRUE (01 01 ff) written as 01 01 01.
    const hex = toHex(der);
    const e = catchError(() => parseCertificate(fromHex(hex.replace('0101ff', '010101'))));
    expect((e as CertificateError).reason).toMatch(/extensions\[0\]\.critical .*BOOLEAN is not 00 or FF/);
  });

  it('extension values: pkijs schema mismatches and the DER/RFC 5280 rules pkijs does not check name the field', () => {
    const hex = toHex(der);
    const ca = toHex(cert('intermediate-ca.crt').der);
    const reasonOf = (h: string) => {
      const e = catchError(() => parseCertificate(fromHex(h)));
      expect(e).toBeInstanceOf(CertificateError);
      expect((e as CertificateError).code).toBe('malformed');
      return (e as CertificateError).reason;
    };
    // serverAuth OID (06 08 …) retagged INTEGER: not an ExtKeyUsageSyntax.
    expect(reasonOf(hex.replace('06082b06010505070301', '02082b06010505070301'))).toMatch(
      /extKeyUsage .*does not match the ExtKeyUsageSyntax/,
    );
    // dNSName "localhost" with a non-ASCII first byte.
    expect(reasonOf(hex.replace('82096c6f63616c686f7374', '8209ec6f63616c686f7374'))).toMatch(
      /subjectAltName\[0\] .*non-ASCII/,
    );
    // basicConstraints { cA TRUE as 01, pathLen 0 } and { cA TRUE, pathLen -1 }.
    expect(reasonOf(ca.replace('30060101ff020100', '3006010101020100'))).toMatch(
      /basicConstraints\.cA .*BOOLEAN is not 00 or FF/,
    );
    expect(reasonOf(ca.replace('30060101ff020100', '30060101ff0201ff'))).toMatch(/basicConstraints\.pathLenConstraint/);
  });

  it("trailing elements that asn1js' schema match would ignore are refused (an extra element in the Certificate SEQUENCE)", () => {
    // The RSA leaf is 30 82 LL LL …: one more element (NULL, 05 00) at the end of the outer SEQUENCE.
    const len = ((der[2]! << 8) | der[3]!) + 2;
    const longer = new Uint8Array([0x30, 0x82, len >> 8, len & 0xff, ...der.subarray(4), 0x05, 0x00]);
    const e = catchError(() => parseCertificate(longer));
    expect((e as CertificateError).reason).toMatch(/Certificate @0: SEQUENCE has 4 elements, expected at most 3/);
  });

  it('random bytes and random corruptions never throw anything but typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expectTyped(() => parseCertificate(bytes));
        expectTyped(() => parsePrivateKey(bytes));
        expectTyped(() => parsePublicKeyInfo(bytes));
      }),
    );
    fc.assert(
      fc.property(fc.nat(der.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const copy = new Uint8Array(der);
        copy[i]! ^= x;
        expectTyped(() => parseCertificate(copy));
      }),
      { numRuns: 2000 },
    );
    const key = decodePem(pki('server-rsa.key'))[0]!.der;
    fc.assert(
      fc.property(fc.nat(key.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const copy = new Uint8Array(key);
        copy[i]! ^= x;
        expectTyped(() => parsePrivateKey(copy));
      }),
      { numRuns: 300 },
    );
  });

  it('keys: no key block, encrypted key, unsupported algorithm', () => {
    expect((catchError(() => parsePrivateKey(pki('root-ca.crt'))) as KeyError).reason).toBe('malformed');
    const enc = opensslOk([
      'pkcs8',
      '-topk8',
      '-in',
      join(PKI, 'client.key'),
      '-passout',
      'pass:x',
      '-v2',
      'aes-128-cbc',
    ]);
    expect((catchError(() => parsePrivateKey(enc)) as KeyError).reason).toBe('unsupported');
    const ed448 = opensslOk(['genpkey', '-algorithm', 'ed448']);
    const e = catchError(() => parsePrivateKey(ed448)) as KeyError;
    expect(e).toBeInstanceOf(KeyError);
    expect(e.reason).toBe('unsupported');
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function expectTyped(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof TlswireError)) throw e;
  }
}

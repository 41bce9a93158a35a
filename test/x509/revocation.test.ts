/**
 * Revocation (CRLs from `openssl ca -gencrl`, OCSP responses from `openssl ocsp`) and name constraints in
 * `verifyCertificateChain`, each verdict cross-checked with `openssl verify` on the same files and time
 * (test/pki/make-revocation.sh made them). Deliberate differences, documented here: a CRL that is not
 * usable (wrong signer, out of date) is an `unknown` status for us — with `revocationRequired` a
 * `revocation-unknown` failure — where openssl names the CRL problem (CRL signature failure, CRL has
 * expired); both refuse.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertDescription } from '../../src/tls/enums.js';
import { alertFor } from '../../src/tls/errors.js';
import { type Certificate, parseCertificatesPem } from '../../src/x509/certificate.js';
import { CrlSet, OcspResponses, parseCrls } from '../../src/x509/crl.js';
import type { CertificateErrorCode } from '../../src/x509/errors.js';
import { type VerifyOptions, verifyCertificateChain } from '../../src/x509/verify.js';
import { AT, openssl, opensslOk, PKI, pki } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tlswire-x509-rev-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cert = (name: string): Certificate => parseCertificatesPem(pki(name))[0]!;
const root = cert('root-ca.crt');
const crlPem = (name: string) => pki(`crl/${name}.crl.pem`);
/** A time inside the committed CRLs' validity: a day after the intermediate CRL's lastUpdate (openssl's reading). */
const CRL_AT =
  Date.parse(
    opensslOk(['crl', '-in', join(PKI, 'crl/intermediate-ca.crl.pem'), '-noout', '-lastupdate']).split('=')[1]!,
  ) + 86400e3;
const CRL_NEXT = Date.parse(
  opensslOk(['crl', '-in', join(PKI, 'crl/intermediate-ca.crl.pem'), '-noout', '-nextupdate']).split('=')[1]!,
);

interface Run {
  leaf: string;
  issuer?: string;
  crls?: string[];
  all?: boolean;
  time: number;
  hostname?: string;
}

/** `openssl verify` verdict on the same inputs. */
function opensslVerdict(r: Run): { ok: boolean; output: string } {
  const args = [
    'verify',
    '-CAfile',
    join(PKI, 'root-ca.crt'),
    '-untrusted',
    join(PKI, r.issuer ?? 'intermediate-ca.crt'),
  ];
  args.push('-purpose', 'sslserver', '-attime', String(Math.floor(r.time / 1000)));
  if (r.crls) {
    args.push(r.all ? '-crl_check_all' : '-crl_check');
    for (const c of r.crls) args.push('-CRLfile', join(PKI, `crl/${c}.crl.pem`));
  }
  if (r.hostname) args.push('-verify_hostname', r.hostname);
  args.push(join(PKI, r.leaf));
  const o = openssl(args);
  return { ok: o.status === 0, output: o.stdout + o.stderr };
}

function ours(r: Run, extra: Partial<VerifyOptions> = {}) {
  const options: VerifyOptions = {
    roots: [root],
    intermediates: [cert(r.issuer ?? 'intermediate-ca.crt')],
    time: r.time,
    ...(r.hostname ? { hostname: r.hostname } : {}),
    ...(r.crls
      ? {
          revocation: new CrlSet(r.crls.map(crlPem)),
          revocationRequired: true,
          revocationScope: r.all ? ('chain' as const) : ('leaf' as const),
        }
      : {}),
    ...extra,
  };
  return verifyCertificateChain([cert(r.leaf).der], options);
}

/** Our verdict equals openssl's; returns our error code (undefined when accepted). */
function crossCheck(r: Run): CertificateErrorCode | undefined {
  const mine = ours(r);
  const theirs = opensslVerdict(r);
  expect(mine.ok, `${mine.ok ? 'accepted' : mine.error.message}; openssl: ${theirs.output}`).toBe(theirs.ok);
  return mine.ok ? undefined : mine.error.code;
}

describe('CRLs (openssl ca -gencrl)', () => {
  it('refuses a CertificateList with an element after its signature (RFC 5280 §5.1: exactly three)', () => {
    const der = new Uint8Array(readFileSync(join(PKI, 'crl/intermediate-ca.crl.der')));
    const list = asn1js.fromBER(der).result as asn1js.Sequence;
    list.valueBlock.value.push(new asn1js.Null());
    expect(() => parseCrls(new Uint8Array(list.toBER()))).toThrow(/expected at most 3/);
  });

  it('parses the CRL as openssl prints it', () => {
    const [crl] = parseCrls(crlPem('intermediate-ca'));
    const text = opensslOk(['crl', '-in', join(PKI, 'crl/intermediate-ca.crl.pem'), '-noout', '-text']);
    expect(crl!.issuer.text).toBe('CN=Test Intermediate CA,O=Test PKI');
    const serials = [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!.toLowerCase());
    expect([...crl!.revoked.keys()]).toEqual(serials);
    expect(crl!.revoked.get(cert('ocsp/revoked.crt').serialNumber)?.reason).toBe('keyCompromise');
    expect(crl!.nextUpdate).toBe(CRL_NEXT);
    expect(parseCrls(new Uint8Array(readFileSync(join(PKI, 'crl/intermediate-ca.crl.der'))))[0]!.tbs).toEqual(crl!.tbs);
  });

  it('a revoked leaf is refused with certificate_revoked, its reason and date', () => {
    expect(crossCheck({ leaf: 'ocsp/revoked.crt', crls: ['intermediate-ca'], time: CRL_AT })).toBe('revoked');
    const r = ours({ leaf: 'ocsp/revoked.crt', crls: ['intermediate-ca'], time: CRL_AT });
    if (r.ok) throw new Error('accepted');
    expect(r.error.alert).toBe(AlertDescription.certificate_revoked);
    expect(alertFor(r.error)).toBe(AlertDescription.certificate_revoked);
    expect(r.error.reason).toMatch(
      /'localhost' was revoked on .* \(keyCompromise\) according to the CRL of 'Test Intermediate CA'/,
    );
    expect(r.error.hint).toBe('the peer must be given a new certificate');
  });

  it('a good leaf passes, with the leaf or the whole chain checked', () => {
    expect(crossCheck({ leaf: 'server-ecdsa.crt', crls: ['intermediate-ca'], time: CRL_AT })).toBeUndefined();
    expect(
      crossCheck({ leaf: 'server-ecdsa.crt', crls: ['intermediate-ca', 'root-ca'], all: true, time: CRL_AT }),
    ).toBeUndefined();
  });

  it('a missing CRL fails only when revocation status is required', () => {
    expect(crossCheck({ leaf: 'server-ecdsa.crt', crls: ['intermediate-ca'], all: true, time: CRL_AT })).toBe(
      'revocation-unknown',
    );
    expect(ours({ leaf: 'server-ecdsa.crt', time: CRL_AT }, { revocation: new CrlSet([]) }).ok).toBe(true);
  });

  it('a CRL signed by another key, or out of date, is not used', () => {
    const forged = ours({ leaf: 'ocsp/revoked.crt', crls: ['wrongsigner'], time: CRL_AT });
    expect(crossCheck({ leaf: 'ocsp/revoked.crt', crls: ['wrongsigner'], time: CRL_AT })).toBe('revocation-unknown');
    if (!forged.ok) expect(forged.error.reason).toMatch(/not signed by the issuer/);
    const late = CRL_NEXT + 86400e3;
    expect(crossCheck({ leaf: 'server-ecdsa.crt', crls: ['intermediate-ca'], time: late })).toBe('revocation-unknown');
    const stale = ours({ leaf: 'server-ecdsa.crt', crls: ['intermediate-ca'], time: late });
    if (!stale.ok) expect(stale.error.reason).toMatch(/out of date/);
  });
});

describe('OCSP responses as the revocation source', () => {
  const der = (n: string) => new Uint8Array(readFileSync(join(PKI, 'ocsp', `${n}.der`)));
  const at = Date.parse(
    /This Update: (.+)/.exec(
      opensslOk(['ocsp', '-respin', join(PKI, 'ocsp/resp-revoked.der'), '-resp_text', '-noverify']),
    )![1]!,
  );

  it('revoked → certificate_revoked', () => {
    const r = ours(
      { leaf: 'ocsp/revoked.crt', time: at + 60e3 },
      { revocation: new OcspResponses([der('resp-revoked')]) },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('revoked');
      expect(r.error.reason).toMatch(/keyCompromise\) according to the OCSP of 'Test Intermediate CA'/);
    }
  });

  it('good passes; a response about another certificate is no status', () => {
    const good = new OcspResponses([der('resp-good-delegated')]);
    expect(ours({ leaf: 'server-ecdsa.crt', time: at + 60e3 }, { revocation: good, revocationScope: 'leaf' }).ok).toBe(
      true,
    );
    const r = ours(
      { leaf: 'ocsp/revoked.crt', time: at + 60e3 },
      { revocation: good, revocationRequired: true, revocationScope: 'leaf' },
    );
    expect(r.ok ? undefined : r.error.code).toBe('revocation-unknown');
  });
});

describe('name constraints (openssl verify on the same chains)', () => {
  const run = (leaf: string, hostname?: string): Run => ({
    leaf: `nc/${leaf}.crt`,
    issuer: 'nc/nc-ca.crt',
    time: AT,
    ...(hostname ? { hostname } : {}),
  });

  it.each([
    ['ok', undefined, undefined],
    ['dns-excluded', 'name-constraints', /DNS name 'bad.example.com' is in the excluded subtree bad.example.com/],
    [
      'dns-outside',
      'name-constraints',
      /DNS name 'www.example.org' is outside the permitted subtrees .example.com, example.com/,
    ],
    ['ip-excluded', 'name-constraints', /IP address '192.168.66.5' is in the excluded subtree 192.168.66.0\/24/],
    [
      'ip-outside',
      'name-constraints',
      /IP address '10.1.2.3' is outside the permitted subtrees 192.168.0.0\/16, fd00::\/8/,
    ],
    ['ip6-outside', 'name-constraints', /IP address '2001:db8::1' is outside/],
    [
      'dn-outside',
      'name-constraints',
      /directory name 'CN=c.example.com,O=Other Org' is outside the permitted subtrees O=Test PKI/,
    ],
    ['cn-only', 'name-constraints', /DNS name 'www.example.org' is outside/],
  ] as const)('%s', (leaf, code, text) => {
    expect(crossCheck(run(leaf))).toBe(code);
    const r = ours(run(leaf));
    if (!r.ok) {
      expect(r.error.alert).toBe(AlertDescription.bad_certificate);
      expect(r.error.index).toBe(0);
      expect(r.error.reason).toMatch(text!);
      expect(r.error.reason).toMatch(/of 'Test NC Intermediate' \(nameConstraints, RFC 5280 §4.2.1.10\)/);
      expect(r.error.hint).toMatch(/may only issue for the names it permits/);
    }
  });

  it('the permitted leaf also passes with its host name and IP', () => {
    expect(crossCheck(run('ok', 'www.example.com'))).toBeUndefined();
  });
});

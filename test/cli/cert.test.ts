/**
 * `tlswire cert`: every field compared with what `openssl x509` prints for the same test PKI certificates
 * (subject in RFC 2253 form, serial, notAfter, SANs, SHA-256 fingerprint, OCSP/CRL URIs), the verdicts with
 * their hints (revoked by an `openssl ca -gencrl` CRL, name constraints, missing intermediate), and a chain
 * fetched from a running `openssl s_server` over 127.0.0.1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { killAll, opensslServer, pki, SKIP_OPENSSL } from '../node/peers.js';
import { opensslOk } from '../x509/helpers.js';
import { capture } from './helpers.js';

afterAll(() => killAll());

async function run(args: string[]) {
  const io = capture();
  const code = await main(['cert', ...args], io);
  return { code, ...io };
}

async function json(args: string[]) {
  const r = await run([...args, '--json']);
  return { code: r.code, report: JSON.parse(r.stdout.join('\n')) };
}

/** openssl x509's view of a certificate file. */
function opensslView(file: string) {
  const x = (...a: string[]) => opensslOk(['x509', '-in', pki(file), '-noout', ...a]).trim();
  const sans = x('-ext', 'subjectAltName')
    .split('\n')
    .slice(1)
    .join(',')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => s.replace(/^IP Address:/, 'IP:'));
  return {
    subject: x('-subject', '-nameopt', 'RFC2253').replace(/^subject=/, ''),
    issuer: x('-issuer', '-nameopt', 'RFC2253').replace(/^issuer=/, ''),
    serial: x('-serial').replace(/^serial=/, ''),
    notAfter: Date.parse(x('-enddate').replace(/^notAfter=/, '')),
    sha256: x('-fingerprint', '-sha256').replace(/^sha256 Fingerprint=/i, ''),
    sans,
    text: x('-text'),
  };
}

/** openssl prints IPv6 SANs in full (0:0:0:0:0:0:0:1); ours are RFC 5952 text. */
const ipv6Full = (s: string) =>
  s.replace(/^IP:(.*::.*)$/, (_, a: string) => {
    const [l, r] = a.split('::') as [string, string];
    const left = l ? l.split(':') : [];
    const right = r ? r.split(':') : [];
    return `IP:${[...left, ...Array(8 - left.length - right.length).fill('0'), ...right].map((g) => g.replace(/^0+(?=.)/, '').toUpperCase()).join(':')}`;
  });

describe('tlswire cert FILE, field by field against openssl x509', () => {
  it.each([
    'server-ecdsa.crt',
    'server-rsa.crt',
    'server-ed25519.crt',
    'intermediate-ca.crt',
    'root-ca.crt',
    'ocsp/revoked.crt',
    'nc/ok.crt',
  ])('%s', async (file) => {
    const { report } = await json([pki(file), '--ca', pki('root-ca.crt'), '--time', '2027-06-01T12:00:00Z']);
    const [view] = report.certificates;
    const o = opensslView(file);
    expect(view.subject).toBe(o.subject);
    expect(view.issuer).toBe(o.issuer);
    expect(view.serial).toBe(o.serial);
    expect(view.sha256).toBe(o.sha256);
    expect(Date.parse(view.notAfter.replace(' UTC', 'Z'))).toBe(o.notAfter);
    expect(view.expiresInDays).toBe(Math.floor((o.notAfter - Date.parse('2027-06-01T12:00:00Z')) / 86400e3));
    expect(view.subjectAltNames.map(ipv6Full)).toEqual(o.sans.map((n) => (n.startsWith('IP:') ? n.toUpperCase() : n)));
    for (const uri of view.ocsp ?? []) expect(o.text).toContain(`OCSP - URI:${uri}`);
    for (const uri of view.crlDistributionPoints ?? []) expect(o.text).toContain(`URI:${uri}`);
    if (view.key.startsWith('RSA')) expect(o.text).toContain(`Public-Key: (${view.key.split(' ')[1]} bit)`);
  });

  it('prints the text form with "expires in N days" and the verdict', async () => {
    const r = await run([
      pki('server-ecdsa-fullchain.pem'),
      '--ca',
      pki('root-ca.crt'),
      '--time',
      '2029-02-20T00:00:00Z',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  Not after:          2029-02-25 02:32:55 UTC (expires in 5 days)');
    expect(r.stdout.at(-1)).toBe('Verdict: OK');
    expect(r.stdout.at(-2)).toBe(
      'Path:    CN=localhost,O=Test PKI ← CN=Test Intermediate CA,O=Test PKI ← CN=Test Root CA,O=Test PKI (trusted root)',
    );
  });

  it('revoked by a CRL: certificate_revoked with the reason', async () => {
    const args = [pki('ocsp/revoked.crt'), '--ca', pki('root-ca.crt'), '--untrusted', pki('intermediate-ca.crt')];
    const { code, report } = await json([
      ...args,
      '--crl',
      pki('crl/intermediate-ca.crl.pem'),
      '--servername',
      'localhost',
    ]);
    expect(code).toBe(1);
    expect(report.verdict).toMatchObject({ ok: false, code: 'revoked', alert: 'certificate_revoked' });
    expect(report.verdict.reason).toMatch(/\(keyCompromise\) according to the CRL of 'Test Intermediate CA'/);
  });

  it('name constraints, expired, missing intermediate: the handshake hints', async () => {
    const nc = await json([pki('nc/ip-outside.crt'), '--ca', pki('root-ca.crt'), '--untrusted', pki('nc/nc-ca.crt')]);
    expect(nc.report.verdict).toMatchObject({ ok: false, code: 'name-constraints', alert: 'bad_certificate' });
    const exp = await json([pki('bad-expired-fullchain.pem'), '--ca', pki('root-ca.crt')]);
    expect(exp.report.verdict).toMatchObject({ ok: false, code: 'expired' });
    expect(exp.report.verdict.hint).toMatch(/clock/);
    const missing = await json([pki('server-ecdsa.crt'), '--ca', pki('root-ca.crt')]);
    expect(missing.report.verdict.hint).toMatch(/missing an intermediate/);
  });

  it('usage errors exit 2; unreadable input exits 1', async () => {
    expect((await run([])).code).toBe(2);
    const r = await run(['no-such-file-or-host']);
    expect(r.code).toBe(1);
    expect(r.stderr.join('\n')).toMatch(/neither a file nor HOST:PORT/);
  });
});

describe.skipIf(SKIP_OPENSSL)('tlswire cert HOST:PORT against openssl s_server', () => {
  it('fetches the chain with tlswire’s client and verifies it', async () => {
    const server = await opensslServer('server-ecdsa', ['-www']);
    const { code, report } = await json([
      `127.0.0.1:${server.port}`,
      '--ca',
      pki('root-ca.crt'),
      '--servername',
      'localhost',
    ]);
    expect(code).toBe(0);
    expect(report.certificates.map((c: { subject: string }) => c.subject)).toEqual([
      'CN=localhost,O=Test PKI',
      'CN=Test Intermediate CA,O=Test PKI',
    ]);
    expect(report.certificates[0].sha256).toBe(opensslView('server-ecdsa.crt').sha256);
    expect(report.verdict.ok).toBe(true);
    const wrong = await json([`127.0.0.1:${server.port}`, '--ca', pki('root-ca.crt'), '--servername', 'example.org']);
    expect(wrong.report.verdict).toMatchObject({ ok: false, code: 'hostname-mismatch' });
  });
});

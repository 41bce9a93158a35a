/**
 * Chain verification. Every case runs through `verifyCertificateChain` and through `openssl verify` with the
 * same trust anchors, untrusted certificates, purpose, host name, time and depth; the two must agree on
 * accept/reject, and our error must carry the expected code and alert (where a case gives openssl's first error
 * number and depth, those too, mapped to our code and index). Cases come from the committed test
 * PKI (at a fixed time; with test/pki/make-extra.sh's wrong-EKU, CA:false-intermediate and flipped-signature
 * server and client chains) and from chains generated here with the openssl CLI (CA:false and
 * basicConstraints-less intermediates, pathLenConstraint, key usage, EKU, unknown critical extension,
 * cross-signing, loops, depth, RSA-PSS, P-384, Ed25519 CAs, an expired intermediate).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pkijs from 'pkijs';
import { afterAll, describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import { AlertDescription } from '../../src/tls/enums.js';
import { alertFor } from '../../src/tls/errors.js';
import { type Certificate, parseCertificate, parseCertificatesPem } from '../../src/x509/certificate.js';
import { CertificateError, type CertificateErrorCode } from '../../src/x509/errors.js';
import { parseIpAddress } from '../../src/x509/hostname.js';
import { encodePem } from '../../src/x509/pem.js';
import {
  type CertificatePurpose,
  certificateSignatureScheme,
  TrustStore,
  verifyCertificateChain,
} from '../../src/x509/verify.js';
import { AT, openssl, opensslOk, pki } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tlswire-x509-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const certs = (file: string) => parseCertificatesPem(pki(file));
const one = (file: string) => certs(file)[0]!;

/** One verification case. */
interface Case {
  name: string;
  /** Presented chain, leaf first. */
  chain: Certificate[];
  roots: Certificate[];
  intermediates?: Certificate[];
  purpose?: CertificatePurpose;
  hostname?: string;
  time: number;
  maxDepth?: number;
  /** undefined = accepted */
  code?: CertificateErrorCode;
  alert?: keyof typeof AlertDescription;
  /** Index of the certificate the error concerns. */
  index?: number;
  /** Pattern the reason + hint must match. */
  text?: RegExp;
  /** `openssl verify`'s first error (X509_V_ERR_* number, depth); its number must map to `code` and its depth equal `index`. */
  opensslError?: { code: number; depth: number };
}

/** The OpenSSL verify error numbers these tests assert, and the code each corresponds to. */
const OPENSSL_ERRORS: Readonly<Record<number, CertificateErrorCode>> = {
  7: 'bad-signature', // X509_V_ERR_CERT_SIGNATURE_FAILURE: certificate signature failure
  26: 'bad-eku', // X509_V_ERR_INVALID_PURPOSE: unsuitable certificate purpose
  79: 'not-a-ca', // X509_V_ERR_INVALID_CA: invalid CA certificate
};

let fileCount = 0;
function writePem(list: readonly Certificate[]): string {
  const path = join(dir, `f${fileCount++}.pem`);
  writeFileSync(path, list.map((c) => encodePem('CERTIFICATE', c.der)).join(''));
  return path;
}

/** `openssl verify` on the same inputs; true when it accepts, and its `error N at D depth lookup` lines in order. */
function opensslAccepts(c: Case): { ok: boolean; output: string; errors: { code: number; depth: number }[] } {
  const args = ['verify', '-CAfile', writePem(c.roots)];
  const untrusted = [...c.chain.slice(1), ...(c.intermediates ?? [])];
  if (untrusted.length > 0) args.push('-untrusted', writePem(untrusted));
  args.push('-purpose', c.purpose === 'clientAuth' ? 'sslclient' : 'sslserver');
  args.push('-attime', String(Math.floor(c.time / 1000)));
  if (c.hostname !== undefined) args.push(parseIpAddress(c.hostname) ? '-verify_ip' : '-verify_hostname', c.hostname);
  if (c.maxDepth !== undefined) args.push('-verify_depth', String(c.maxDepth - 2));
  args.push(writePem([c.chain[0]!]));
  const r = openssl(args);
  const output = r.stdout + r.stderr;
  const errors = [...output.matchAll(/^error (\d+) at (\d+) depth lookup: /gm)].map((m) => ({
    code: Number(m[1]),
    depth: Number(m[2]),
  }));
  return { ok: r.status === 0, output, errors };
}

function runCase(c: Case): void {
  const result = verifyCertificateChain(
    c.chain.map((x) => x.der),
    {
      roots: c.roots,
      intermediates: c.intermediates ?? [],
      purpose: c.purpose ?? 'serverAuth',
      time: c.time,
      ...(c.hostname !== undefined ? { hostname: c.hostname } : {}),
      ...(c.maxDepth !== undefined ? { maxDepth: c.maxDepth } : {}),
    },
  );
  const theirs = opensslAccepts(c);
  const detail = result.ok ? 'accepted' : `${result.error.code}: ${result.error.message}`;
  expect(result.ok, `tlswire ${detail}; openssl: ${theirs.output}`).toBe(theirs.ok);
  if (theirs.ok) expect(theirs.errors, theirs.output).toEqual([]);
  if (c.opensslError) {
    expect(theirs.errors[0], theirs.output).toEqual(c.opensslError);
    expect(OPENSSL_ERRORS[c.opensslError.code]).toBe(c.code);
    expect(c.opensslError.depth).toBe(c.index);
  }
  if (c.code === undefined) {
    expect(result.ok, detail).toBe(true);
    if (result.ok) {
      expect(result.path[0]!.subject.text).toBe(c.chain[0]!.subject.text);
      expect(c.roots.some((r) => r.subject.text === result.path.at(-1)!.subject.text)).toBe(true);
    }
    return;
  }
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const e = result.error;
  expect(e).toBeInstanceOf(CertificateError);
  expect(e.code, e.message).toBe(c.code);
  if (c.alert) {
    expect(e.alertName).toBe(c.alert);
    expect(e.alert).toBe(AlertDescription[c.alert]);
    expect(alertFor(e)).toBe(AlertDescription[c.alert]);
  }
  if (c.index !== undefined) expect(e.index).toBe(c.index);
  if (c.text) expect(`${e.reason} — ${e.hint ?? ''}`).toMatch(c.text);
  expect(e.reason.length).toBeGreaterThan(10);
}

// ---------------------------------------------------------------------------------------------------------
// The committed PKI, at a fixed time inside every good certificate's validity.

const root = one('root-ca.crt');
const intermediate = one('intermediate-ca.crt');
const intermediateRsa = one('intermediate-rsa-ca.crt');
const unknownCa = one('unknown-ca.crt');

/** server-ecdsa with one byte of its signature (or TBS) changed. */
function tampered(where: 'signature' | 'tbs'): Certificate {
  const der = new Uint8Array(one('server-ecdsa.crt').der);
  const c = parseCertificate(der);
  if (where === 'signature') {
    // Inside r of ECDSA-Sig-Value: 30 len 02 len r…; change a byte well inside r.
    der[der.length - c.signature.length + 10]! ^= 0x01;
  } else {
    // The last serial byte (the serial sits near the start of the TBS).
    const at = indexOf(der, c.serialNumber.slice(-8));
    der[at + 3]! ^= 0x01;
  }
  return parseCertificate(der);
}

function indexOf(der: Uint8Array, hex: string): number {
  const h = Buffer.from(der).toString('hex');
  return h.indexOf(hex) / 2;
}

const PKI_CASES: Case[] = [
  {
    name: 'server-ecdsa, localhost',
    chain: certs('server-ecdsa-chain.pem'),
    roots: [root],
    hostname: 'localhost',
    time: AT,
  },
  {
    name: 'server-rsa, 127.0.0.1',
    chain: certs('server-rsa-chain.pem'),
    roots: [root],
    hostname: '127.0.0.1',
    time: AT,
  },
  { name: 'server-ed25519, ::1', chain: certs('server-ed25519-chain.pem'), roots: [root], hostname: '::1', time: AT },
  { name: 'client, clientAuth', chain: certs('client-chain.pem'), roots: [root], purpose: 'clientAuth', time: AT },
  {
    name: 'client-rsa, clientAuth',
    chain: certs('client-rsa-chain.pem'),
    roots: [root],
    purpose: 'clientAuth',
    time: AT,
  },
  { name: 'fullchain (root presented)', chain: certs('server-ecdsa-fullchain.pem'), roots: [root], time: AT },
  {
    name: 'out of order, with unrelated extras',
    chain: [one('server-ecdsa.crt'), root, unknownCa, intermediateRsa, intermediate],
    roots: [root],
    hostname: 'localhost',
    time: AT,
  },
  {
    name: 'missing intermediate supplied by the caller',
    chain: [one('server-rsa.crt')],
    intermediates: [intermediate, intermediateRsa],
    roots: [root],
    time: AT,
  },
  {
    name: 'bad-expired',
    chain: certs('bad-expired-chain.pem'),
    roots: [root],
    time: AT,
    code: 'expired',
    alert: 'certificate_expired',
    index: 0,
    text: /expired 6 years ago \(notAfter 2021-01-01 00:00 UTC\)/,
  },
  {
    name: 'bad-notyetvalid',
    chain: certs('bad-notyetvalid-chain.pem'),
    roots: [root],
    time: AT,
    code: 'not-yet-valid',
    alert: 'certificate_expired',
    index: 0,
    text: /not valid until 2036-11-23 .* clock .* behind\?/,
  },
  {
    name: 'bad-wronghost',
    chain: certs('bad-wronghost-chain.pem'),
    roots: [root],
    hostname: 'localhost',
    time: AT,
    code: 'hostname-mismatch',
    alert: 'bad_certificate',
    text: /certificate for wrong\.example\.com does not cover localhost \(SANs: wrong\.example\.com\)/,
  },
  {
    name: 'server-ecdsa for example.org',
    chain: certs('server-ecdsa-chain.pem'),
    roots: [root],
    hostname: 'example.org',
    time: AT,
    code: 'hostname-mismatch',
    text: /certificate for localhost does not cover example\.org \(SANs: localhost, 127\.0\.0\.1, ::1\)/,
  },
  {
    name: 'server-ecdsa for 10.0.0.1',
    chain: certs('server-ecdsa-chain.pem'),
    roots: [root],
    hostname: '10.0.0.1',
    time: AT,
    code: 'hostname-mismatch',
  },
  {
    name: 'bad-selfsigned',
    chain: certs('bad-selfsigned-chain.pem'),
    roots: [root],
    time: AT,
    code: 'self-signed',
    alert: 'unknown_ca',
    index: 0,
  },
  {
    name: 'bad-selfsigned pinned as a root',
    chain: certs('bad-selfsigned-chain.pem'),
    roots: [one('bad-selfsigned.crt')],
    hostname: 'localhost',
    time: AT,
  },
  {
    name: 'bad-unknownca (leaf only)',
    chain: certs('bad-unknownca-chain.pem'),
    roots: [root],
    time: AT,
    code: 'unknown-issuer',
    alert: 'unknown_ca',
  },
  {
    name: 'bad-unknownca fullchain (untrusted root presented)',
    chain: certs('bad-unknownca-fullchain.pem'),
    roots: [root],
    time: AT,
    code: 'unknown-issuer',
    alert: 'unknown_ca',
    index: 1,
    text: /chain ends at the root 'Unknown Root CA' which is not trusted/,
  },
  {
    name: 'missing intermediate (leaf only, root trusted)',
    chain: [one('server-ecdsa.crt')],
    roots: [root],
    time: AT,
    code: 'unknown-issuer',
    alert: 'unknown_ca',
    index: 0,
    text: /issuer 'Test Intermediate CA' .* the server may be missing an intermediate/,
  },
  {
    name: 'intermediate presented but its root not trusted',
    chain: certs('server-ecdsa-chain.pem'),
    roots: [unknownCa],
    time: AT,
    code: 'unknown-issuer',
    index: 1,
    text: /chain ends at 'Test Intermediate CA' which is not a trusted root/,
  },
  {
    name: 'client certificate used as a server',
    chain: certs('client-chain.pem'),
    roots: [root],
    time: AT,
    code: 'bad-eku',
    alert: 'unsupported_certificate',
    index: 0,
    text: /is for clientAuth, not serverAuth .* client certificate/,
  },
  {
    name: 'server certificate used as a client',
    chain: certs('server-rsa-chain.pem'),
    roots: [root],
    purpose: 'clientAuth',
    time: AT,
    code: 'bad-eku',
    alert: 'unsupported_certificate',
  },
  {
    name: 'one signature byte flipped',
    chain: [tampered('signature'), intermediate],
    roots: [root],
    time: AT,
    code: 'bad-signature',
    alert: 'bad_certificate',
    index: 0,
    text: /does not verify with the key of 'Test Intermediate CA'/,
  },
  {
    name: 'one TBS byte (serial) flipped',
    chain: [tampered('tbs'), intermediate],
    roots: [root],
    time: AT,
    code: 'bad-signature',
    index: 0,
  },
  // test/pki/make-extra.sh's chains.
  {
    name: 'bad-wrongeku (EKU clientAuth only) as a server',
    chain: certs('bad-wrongeku-chain.pem'),
    roots: [root],
    hostname: 'localhost',
    time: AT,
    code: 'bad-eku',
    alert: 'unsupported_certificate',
    index: 0,
    text: /'localhost' is for clientAuth, not serverAuth .* this is a client certificate/,
    opensslError: { code: 26, depth: 0 },
  },
  {
    name: 'bad-wrongeku as a client',
    chain: certs('bad-wrongeku-chain.pem'),
    roots: [root],
    purpose: 'clientAuth',
    time: AT,
  },
  {
    name: 'bad-cafalse (CA:false intermediate)',
    chain: certs('bad-cafalse-chain.pem'),
    roots: [root],
    hostname: 'localhost',
    time: AT,
    code: 'not-a-ca',
    alert: 'bad_certificate',
    index: 1,
    text: /'Test NotCA Intermediate' is not a CA \(basicConstraints cA=false\) but issued 'localhost'/,
    opensslError: { code: 79, depth: 1 },
  },
  {
    name: 'bad-cafalse fullchain (root presented)',
    chain: certs('bad-cafalse-fullchain.pem'),
    roots: [root],
    hostname: 'localhost',
    time: AT,
    code: 'not-a-ca',
    alert: 'bad_certificate',
    index: 1,
    opensslError: { code: 79, depth: 1 },
  },
  {
    name: 'bad-badsig (signature byte flipped)',
    chain: certs('bad-badsig-chain.pem'),
    roots: [root],
    hostname: 'localhost',
    time: AT,
    code: 'bad-signature',
    alert: 'bad_certificate',
    index: 0,
    text: /signature of 'localhost' does not verify with the key of 'Test Intermediate CA' .* altered/,
    opensslError: { code: 7, depth: 0 },
  },
  {
    name: 'bad-client-cafalse, clientAuth',
    chain: certs('bad-client-cafalse-chain.pem'),
    roots: [root],
    purpose: 'clientAuth',
    time: AT,
    code: 'not-a-ca',
    alert: 'bad_certificate',
    index: 1,
    text: /'Test NotCA Intermediate' is not a CA .* but issued 'test-client-cafalse'/,
    opensslError: { code: 79, depth: 1 },
  },
  {
    name: 'bad-client-badsig, clientAuth',
    chain: certs('bad-client-badsig-chain.pem'),
    roots: [root],
    purpose: 'clientAuth',
    time: AT,
    code: 'bad-signature',
    alert: 'bad_certificate',
    index: 0,
    text: /signature of 'test-client-badsig' does not verify/,
    opensslError: { code: 7, depth: 0 },
  },
  {
    name: 'before the CA certificates are valid',
    chain: certs('server-ecdsa-chain.pem'),
    roots: [root],
    time: Date.UTC(2026, 10, 21),
    code: 'not-yet-valid',
  },
  {
    name: 'after the leaf expired',
    chain: certs('server-ecdsa-chain.pem'),
    roots: [root],
    time: Date.UTC(2030, 0, 1),
    code: 'expired',
    index: 0,
  },
];

describe('the committed test PKI, agreeing with openssl verify', () => {
  for (const c of PKI_CASES) it(c.name, () => runCase(c));
});

// ---------------------------------------------------------------------------------------------------------
// Chains generated with openssl.

type KeyKind = 'p256' | 'p384' | 'rsa' | 'rsa-pss' | 'ed25519';

interface Made {
  cert: Certificate;
  crt: string;
  key: string;
  kind: KeyKind;
}

const KEYGEN: Record<KeyKind, string[]> = {
  p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  'rsa-pss': ['-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048'],
  ed25519: ['-algorithm', 'ed25519'],
};

const ROOT_EXT = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash';
const CA_EXT = `${ROOT_EXT}\nauthorityKeyIdentifier=keyid`;
const LEAF_EXT = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=DNS:gen.example,DNS:*.wild.example',
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid',
].join('\n');

let serial = 1;
/**
 * Make a certificate with openssl: a new key (or `reuseKey`), signed by `issuer` (self-signed without one).
 * @param ext the v3 extension lines
 */
function make(
  cn: string,
  issuer: Made | undefined,
  ext: string,
  options: { kind?: KeyKind; reuseKey?: Made; days?: number; md?: string; sigopt?: string[] } = {},
): Made {
  const base = join(dir, `${cn.replace(/\W/g, '_')}-${serial}`);
  const kind = options.reuseKey?.kind ?? options.kind ?? 'p256';
  const key = options.reuseKey?.key ?? `${base}.key`;
  if (!options.reuseKey) opensslOk(['genpkey', ...KEYGEN[kind], '-out', key]);
  writeFileSync(`${base}.ext`, `[v3]\n${ext}\n`);
  opensslOk(['req', '-new', '-key', key, '-subj', `/O=Generated/CN=${cn}`, '-out', `${base}.csr`]);
  const signerKind = issuer?.kind ?? kind;
  const args = ['x509', '-req', '-in', `${base}.csr`, '-out', `${base}.crt`, '-days', String(options.days ?? 3650)];
  args.push('-set_serial', String(1000 + serial++), '-extfile', `${base}.ext`, '-extensions', 'v3');
  if (issuer) args.push('-CA', issuer.crt, '-CAkey', issuer.key);
  else args.push('-signkey', key);
  if (signerKind !== 'ed25519') args.push(`-${options.md ?? (signerKind === 'p384' ? 'sha384' : 'sha256')}`);
  // RSA-PSS keys: salt = hash length (RFC 8446 §4.2.3; openssl's default is the maximum).
  const sigopt = options.sigopt ?? (signerKind === 'rsa-pss' ? ['rsa_pss_saltlen:digest'] : []);
  for (const s of sigopt) args.push('-sigopt', s);
  opensslOk(args);
  return { cert: parseCertificatesPem(readFileSync(`${base}.crt`, 'utf8'))[0]!, crt: `${base}.crt`, key, kind };
}

// Generated certificates start now; verify an hour from now (inside every validity period but the 1-day one's).
const TG = Math.floor(Date.now() / 1000) * 1000 + 3600_000;

const G = (() => {
  const R = make('Gen Root', undefined, ROOT_EXT);
  const I = make('Gen Intermediate', R, `${CA_EXT.replace('CA:TRUE', 'CA:TRUE,pathlen:0')}`);
  const L = make('gen leaf', I, LEAF_EXT);
  // Not a CA: cA=false but keyCertSign, and no basicConstraints at all.
  const N = make(
    'Gen NotCA',
    R,
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash',
  );
  const LN = make('leaf under notca', N, LEAF_EXT);
  const NB = make('Gen NoBC', R, 'keyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash');
  const LNB = make('leaf under nobc', NB, LEAF_EXT);
  // pathLenConstraint 0 followed by another CA.
  const I1 = make('Gen Sub CA', I, CA_EXT);
  const LP = make('leaf under sub', I1, LEAF_EXT);
  // A CA whose keyUsage lacks keyCertSign.
  const IK = make('Gen KU CA', R, CA_EXT.replace('keyCertSign,cRLSign', 'digitalSignature'));
  const LK = make('leaf under ku', IK, LEAF_EXT);
  // Leaf problems.
  const LC = make('leaf critical', I, `${LEAF_EXT}\n1.2.3.4.5=critical,ASN1:NULL`);
  const LU = make(
    'leaf nonrepudiation',
    I,
    LEAF_EXT.replace('keyUsage=critical,digitalSignature', 'keyUsage=critical,nonRepudiation'),
  );
  const LA = make(
    'leaf anyeku',
    I,
    LEAF_EXT.replace('extendedKeyUsage=serverAuth', 'extendedKeyUsage=anyExtendedKeyUsage'),
  );
  const LNOEKU = make('leaf no eku', I, LEAF_EXT.replace('extendedKeyUsage=serverAuth\n', ''));
  // An intermediate restricted to clientAuth.
  const IE = make('Gen Client CA', R, `${CA_EXT}\nextendedKeyUsage=clientAuth`);
  const LE = make('leaf under client ca', IE, LEAF_EXT);
  // Cross-signing: the same intermediate key and name under an untrusted root R2 and under R.
  const R2 = make('Gen Other Root', undefined, ROOT_EXT);
  const X2 = make('Gen Cross CA', R2, CA_EXT);
  const X1 = make('Gen Cross CA', R, CA_EXT, { reuseKey: X2 });
  const LX = make('leaf cross', X2, LEAF_EXT);
  // The root's key and name cross-certified by R2 (an older root).
  const RX = make('Gen Root', R2, CA_EXT, { reuseKey: R });
  // A loop: A issued by B, B issued by A; the leaf under A.
  const B0 = make('Gen Loop B', undefined, ROOT_EXT);
  const A = make('Gen Loop A', B0, CA_EXT);
  const B = make('Gen Loop B', A, CA_EXT, { reuseKey: B0 });
  const LL = make('leaf loop', A, LEAF_EXT);
  // Depth: R → D1 → D2 → leaf.
  const D1 = make('Gen Depth 1', R, CA_EXT);
  const D2 = make('Gen Depth 2', D1, CA_EXT);
  const LD = make('leaf depth', D2, LEAF_EXT);
  // Algorithms: RSA-PSS key CA, RSA key signing with PSS padding, P-384/SHA-384, Ed25519, RSA PKCS#1 SHA-512.
  const RP = make('Gen PSS Root', undefined, ROOT_EXT, { kind: 'rsa-pss' });
  const LRP = make('leaf under pss', RP, LEAF_EXT);
  const RR = make('Gen RSA Root', undefined, ROOT_EXT, { kind: 'rsa' });
  const LRR = make('leaf pss padding', RR, LEAF_EXT, {
    sigopt: ['rsa_padding_mode:pss', 'rsa_pss_saltlen:digest', 'rsa_mgf1_md:sha384'],
    md: 'sha384',
  });
  const LR512 = make('leaf rsa sha512', RR, LEAF_EXT, { md: 'sha512' });
  const R384 = make('Gen P384 Root', undefined, ROOT_EXT, { kind: 'p384' });
  const L384 = make('leaf under p384', R384, LEAF_EXT, { kind: 'p384' });
  const RE = make('Gen Ed25519 Root', undefined, ROOT_EXT, { kind: 'ed25519' });
  const LEd = make('leaf under ed25519', RE, LEAF_EXT, { kind: 'ed25519' });
  // Same name as I, another key.
  const II = make('Gen Intermediate', R, CA_EXT);
  // An intermediate valid for one day only.
  const IS = make('Gen Short CA', R, CA_EXT, { days: 1 });
  const LS = make('leaf under short', IS, LEAF_EXT);
  return {
    ...{ R, I, L, N, LN, NB, LNB, I1, LP, IK, LK, LC, LU, LA, LNOEKU, IE, LE, R2, X1, X2, LX, RX, B, A, LL },
    ...{ D1, D2, LD, RP, LRP, RR, LRR, LR512, R384, L384, RE, LEd, IS, LS, II },
  };
})();

const c = (m: Made) => m.cert;

const GENERATED_CASES: Case[] = [
  { name: 'good chain, exact name', chain: [G.L, G.I].map(c), roots: [c(G.R)], hostname: 'gen.example', time: TG },
  {
    name: 'good chain, wildcard name',
    chain: [G.L, G.I].map(c),
    roots: [c(G.R)],
    hostname: 'a.wild.example',
    time: TG,
  },
  {
    name: 'wildcard does not cover its parent',
    chain: [G.L, G.I].map(c),
    roots: [c(G.R)],
    hostname: 'wild.example',
    time: TG,
    code: 'hostname-mismatch',
  },
  {
    name: 'wildcard covers one label only',
    chain: [G.L, G.I].map(c),
    roots: [c(G.R)],
    hostname: 'a.b.wild.example',
    time: TG,
    code: 'hostname-mismatch',
  },
  {
    name: 'CA:false intermediate',
    chain: [G.LN, G.N].map(c),
    roots: [c(G.R)],
    time: TG,
    code: 'not-a-ca',
    alert: 'bad_certificate',
    index: 1,
    text: /'Gen NotCA' is not a CA \(basicConstraints cA=false\)/,
  },
  {
    name: 'intermediate without basicConstraints',
    chain: [G.LNB, G.NB].map(c),
    roots: [c(G.R)],
    time: TG,
    code: 'not-a-ca',
    index: 1,
    text: /no basicConstraints/,
  },
  {
    name: 'pathLenConstraint 0 followed by a CA',
    chain: [G.LP, G.I1, G.I].map(c),
    roots: [c(G.R)],
    time: TG,
    code: 'path-length',
    alert: 'bad_certificate',
    index: 2,
  },
  {
    name: 'CA without keyCertSign',
    chain: [G.LK, G.IK].map(c),
    roots: [c(G.R)],
    time: TG,
    code: 'bad-key-usage',
    alert: 'unsupported_certificate',
    index: 1,
  },
  {
    name: 'unknown critical extension in the leaf',
    chain: [G.LC, G.I].map(c),
    roots: [c(G.R)],
    time: TG,
    code: 'unknown-critical-extension',
    alert: 'unsupported_certificate',
    index: 0,
    text: /1\.2\.3\.4\.5/,
  },
  {
    name: 'leaf keyUsage without digitalSignature',
    chain: [G.LU, G.I].map(c),
    roots: [c(G.R)],
    time: TG,
    code: 'bad-key-usage',
    index: 0,
  },
  { name: 'leaf without extendedKeyUsage', chain: [G.LNOEKU, G.I].map(c), roots: [c(G.R)], time: TG },
  {
    name: 'intermediate restricted to clientAuth',
    chain: [G.LE, G.IE].map(c),
    roots: [c(G.R)],
    time: TG,
    code: 'bad-eku',
    index: 1,
  },
  {
    name: 'cross-signed root: the new root trusted (path ends at it)',
    chain: [G.L, G.I, G.RX].map(c),
    roots: [c(G.R)],
    time: TG,
  },
  {
    name: 'cross-signed root: only the old root trusted (path continues through the cross-certificate)',
    chain: [G.L, G.I, G.RX].map(c),
    roots: [c(G.R2)],
    time: TG,
  },
  {
    name: 'cross-signed root: neither root trusted',
    chain: [G.L, G.I, G.RX, G.R2].map(c),
    roots: [c(G.RE)],
    time: TG,
    code: 'unknown-issuer',
    index: 3,
  },
  {
    name: 'issuer loop (A issued by B, B by A)',
    chain: [G.LL, G.A, G.B].map(c),
    roots: [c(G.R)],
    time: TG,
    code: 'unknown-issuer',
  },
  { name: 'depth 4 within maxDepth 4', chain: [G.LD, G.D2, G.D1].map(c), roots: [c(G.R)], time: TG, maxDepth: 4 },
  {
    name: 'depth 4 over maxDepth 3',
    chain: [G.LD, G.D2, G.D1].map(c),
    roots: [c(G.R)],
    time: TG,
    maxDepth: 3,
    code: 'depth-exceeded',
  },
  { name: 'RSASSA-PSS key CA (rsa_pss_pss_sha256)', chain: [c(G.LRP)], roots: [c(G.RP)], time: TG },
  { name: 'RSA key signing with PSS, SHA-384 (rsa_pss_rsae_sha384)', chain: [c(G.LRR)], roots: [c(G.RR)], time: TG },
  { name: 'RSA PKCS#1 v1.5 with SHA-512', chain: [c(G.LR512)], roots: [c(G.RR)], time: TG },
  { name: 'P-384 CA with SHA-384', chain: [c(G.L384)], roots: [c(G.R384)], time: TG },
  { name: 'Ed25519 CA and leaf', chain: [c(G.LEd)], roots: [c(G.RE)], time: TG },
  {
    name: 'expired intermediate',
    chain: [G.LS, G.IS].map(c),
    roots: [c(G.R)],
    time: TG + 2 * 86400_000,
    code: 'expired',
    alert: 'certificate_expired',
    index: 1,
  },
  {
    name: 'an intermediate with the right name but another key',
    chain: [G.L, G.II].map(c),
    roots: [c(G.R)],
    time: TG,
    code: 'bad-signature',
    index: 0,
  },
];

describe('generated chains, agreeing with openssl verify', () => {
  for (const k of GENERATED_CASES) it(k.name, () => runCase(k));
});

/**
 * Where tlswire deliberately goes beyond `openssl verify` (asserted both ways, so a change on either side shows):
 * - RFC 5280 §4.2.1.12: a leaf with anyExtendedKeyUsage is accepted; OpenSSL's sslserver purpose rejects it.
 * - Path building tries every candidate issuer (as browsers and Go do); OpenSSL commits to the first untrusted
 *   issuer it finds and only looks for alternatives among trusted certificates.
 */
describe('deliberate differences from openssl verify', () => {
  const opts = { roots: [c(G.R)], time: TG };
  const cases: [string, Case][] = [
    ['anyExtendedKeyUsage leaf', { name: '', chain: [G.LA, G.I].map(c), ...opts }],
    [
      'cross-signed: presented path ends at an untrusted root, trusted alternative in options.intermediates',
      { name: '', chain: [G.LX, G.X2, G.R2].map(c), intermediates: [c(G.X1)], ...opts },
    ],
    [
      'cross-signed: both intermediates presented, the untrusted one first',
      { name: '', chain: [G.LX, G.X2, G.X1].map(c), ...opts },
    ],
  ];
  for (const [name, k] of cases) {
    it(name, () => {
      const r = verifyCertificateChain(k.chain, { ...opts, intermediates: k.intermediates ?? [] });
      expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
      expect(opensslAccepts(k).ok).toBe(false);
    });
  }
  it('cross-signed: only the untrusted path → unknown-issuer (both agree)', () =>
    runCase({ name: '', chain: [G.LX, G.X2, G.R2].map(c), ...opts, code: 'unknown-issuer' }));
});

describe('verifyCertificateChain: inputs and results', () => {
  const chain = certs('server-ecdsa-chain.pem');

  it('an empty chain: decode_error from a server, certificate_required from a client (RFC 8446 §4.4.2.4)', () => {
    const server = verifyCertificateChain([], { roots: [root] });
    const client = verifyCertificateChain([], { roots: [root], purpose: 'clientAuth' });
    expect(!server.ok && [server.error.code, server.error.alertName]).toEqual(['empty-chain', 'decode_error']);
    expect(!client.ok && [client.error.code, client.error.alertName]).toEqual(['empty-chain', 'certificate_required']);
  });

  it('a malformed presented certificate → malformed / bad_certificate with its index, no throw', () => {
    const der = chain[1]!.der.subarray(0, 100);
    const r = verifyCertificateChain([chain[0]!.der, der], { roots: [root], time: AT });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.error.code, r.error.alertName, r.error.index]).toEqual(['malformed', 'bad_certificate', 1]);
    expect(alertFor(r.error)).toBe(AlertDescription.bad_certificate);
  });

  it('garbage never throws', () => {
    for (let n = 0; n < 64; n++) {
      const junk = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      const r = verifyCertificateChain([junk], { roots: [root], time: AT });
      expect(r.ok).toBe(false);
    }
  });

  it('accepts parsed certificates, a TrustStore from a PEM bundle, Date times, the default clock', () => {
    const store = TrustStore.fromPem(`${pki('unknown-ca.crt')}\nsome text\n${pki('root-ca.crt')}`);
    expect(store.size).toBe(2);
    expect(store.add(root)).toBe(root);
    expect(store.size).toBe(2);
    const r = verifyCertificateChain(chain, { roots: store, time: new Date(AT), hostname: 'LOCALHOST.' });
    expect(r.ok && r.path.map((x) => x.subject.text)).toEqual([
      'CN=localhost,O=Test PKI',
      'CN=Test Intermediate CA,O=Test PKI',
      'CN=Test Root CA,O=Test PKI',
    ]);
    // Without a time the clock is used: the committed PKI is valid today unless it has aged out (see its README).
    const now = Date.now();
    const today = verifyCertificateChain(chain, { roots: store });
    expect(today.ok).toBe(now >= chain[0]!.notBefore && now <= chain[0]!.notAfter);
  });

  it('verifies signatures through the injected provider', () => {
    const noble = new NobleProvider();
    const calls: string[] = [];
    const provider = Object.assign(Object.create(noble) as NobleProvider, {
      verify: (...args: Parameters<NobleProvider['verify']>) => {
        calls.push(args[0]);
        return noble.verify(...args);
      },
    });
    expect(verifyCertificateChain(chain, { roots: [root], time: AT, provider }).ok).toBe(true);
    expect(calls).toEqual(['ecdsa_secp256r1_sha256', 'ecdsa_secp256r1_sha256']);
    const refusing = Object.assign(Object.create(noble) as NobleProvider, { verify: () => false });
    const r = verifyCertificateChain(chain, { roots: [root], time: AT, provider: refusing });
    expect(!r.ok && r.error.code).toBe('bad-signature');
  });

  it('CertificateError is a TlsAlertError: alertFor maps every code to its alert', () => {
    const e = new CertificateError('expired', 'x expired', { index: 2, subject: 'CN=x', hint: 'renew it' });
    expect(alertFor(e)).toBe(AlertDescription.certificate_expired);
    expect(e.message).toBe('certificate_expired: x expired — renew it');
    expect([e.index, e.subject, e.hint, e.name]).toEqual([2, 'CN=x', 'renew it', 'CertificateError']);
  });
});

/**
 * pkijs (asynchronous, WebCrypto) as a second opinion: its chain engine on paths, and `Certificate.verify` on
 * single signatures (its engine neither rejects an expired leaf at a later checkDate nor a flipped leaf
 * signature, so those are not asked of it).
 */
describe('pkijs agrees on paths and signatures', () => {
  const toPkijs = (list: readonly Certificate[]) => list.map((x) => pkijs.Certificate.fromBER(x.der));
  const paths: [string, Certificate[], CertificatePurpose, boolean][] = [
    ['server-ecdsa', certs('server-ecdsa-chain.pem'), 'serverAuth', true],
    ['server-rsa', certs('server-rsa-chain.pem'), 'serverAuth', true],
    ['server-ed25519', certs('server-ed25519-chain.pem'), 'serverAuth', true],
    ['client-rsa', certs('client-rsa-chain.pem'), 'clientAuth', true],
    ['unknown CA', certs('bad-unknownca-fullchain.pem'), 'serverAuth', false],
    ['missing intermediate', [one('server-ecdsa.crt')], 'serverAuth', false],
  ];
  for (const [name, chain, purpose, ok] of paths) {
    it(`path: ${name}`, async () => {
      const engine = new pkijs.CertificateChainValidationEngine({
        trustedCerts: toPkijs([root]),
        certs: toPkijs(chain),
        checkDate: new Date(AT),
      });
      expect((await engine.verify()).result).toBe(ok);
      expect(verifyCertificateChain(chain, { roots: [root], time: AT, purpose }).ok).toBe(ok);
    });
  }
  const signatures: [string, Certificate, Certificate, boolean][] = [
    ['server-ecdsa by its intermediate', one('server-ecdsa.crt'), intermediate, true],
    ['server-rsa by its RSA intermediate', one('server-rsa.crt'), intermediateRsa, true],
    ['the intermediate by the root', intermediate, root, true],
    ['signature byte flipped', tampered('signature'), intermediate, false],
    ['TBS byte flipped', tampered('tbs'), intermediate, false],
    ['server-ecdsa by the wrong CA', one('server-ecdsa.crt'), unknownCa, false],
  ];
  for (const [name, cert, issuer, ok] of signatures) {
    it(`signature: ${name}`, async () => {
      const [theirCert, theirIssuer] = toPkijs([cert, issuer]);
      expect(await theirCert!.verify(theirIssuer)).toBe(ok);
      const key = issuer.publicKey.key!;
      const found = certificateSignatureScheme(cert, key);
      expect('scheme' in found && new NobleProvider().verify(found.scheme, key, cert.tbs, cert.signature)).toBe(ok);
    });
  }
});

describe('path building is bounded', () => {
  it('certificates that all issue each other: depth-exceeded after 100 issuer candidates (was exponential)', () => {
    // Twelve self-issued CAs "X" with one key (each verifies every other's signature), and a leaf
    // issued by "X", made by openssl: the search used to try every ordering of the twelve (issue #11).
    const key = join(dir, 'same.key');
    const ext = join(dir, 'same.cnf');
    opensslOk(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    writeFileSync(
      ext,
      '[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' +
        '[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' +
        'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n',
    );
    const make = (subject: string, serial: number, section: string, ca?: string): Certificate => {
      const csr = opensslOk(['req', '-new', '-key', key, '-subj', subject]);
      const signer = ca ? ['-CA', ca, '-CAkey', key] : ['-signkey', key];
      const args = ['x509', '-req', ...signer, '-set_serial', String(serial), '-days', '3650'];
      const pem = opensslOk([...args, '-extfile', ext, '-extensions', section], new TextEncoder().encode(csr));
      return parseCertificatesPem(pem)[0]!;
    };
    const cas = Array.from({ length: 12 }, (_, i) => make('/CN=X', i + 1, 'ca'));
    const leaf = make('/CN=localhost', 100, 'leaf', writePem([cas[0]!]));
    const r = verifyCertificateChain([leaf, ...cas], { roots: [one('root-ca.crt')], hostname: 'localhost' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.error.code, alertFor(r.error)]).toEqual(['depth-exceeded', AlertDescription.unknown_ca]);
    expect(r.error.reason).toBe('no trusted path found after trying 100 issuer candidates');
  });
});

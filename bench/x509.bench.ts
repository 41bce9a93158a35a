/**
 * X.509 parsing benchmarks (issue #15): `parseCertificate` (strict DER through asn1js, structure and the
 * verifier's extensions through pkijs' schemas, into tlswire's `Certificate`) on the test PKI's ECDSA and
 * RSA leaves and its intermediate, next to bare pkijs `Certificate.fromBER` (schema parse only, extensions
 * left raw) as a reference, and `parseCertificateCached` (what the handshake calls: a hit after the first
 * parse of the same DER); CRL parsing and OCSP response verification (ECDSA signature included).
 */
import { readFileSync } from 'node:fs';
import * as pkijs from 'pkijs';
import type { Bench } from 'tinybench';
import { parseCertificateCached } from '../src/x509/cache.js';
import { parseCertificate, parseCertificatesPem } from '../src/x509/certificate.js';
import { parseCrl } from '../src/x509/crl.js';
import { verifyOcspResponse } from '../src/x509/ocsp.js';

const PKI = new URL('../test/pki/out/', import.meta.url);
const pem = (name: string) => readFileSync(new URL(name, PKI), 'utf8');
const bin = (name: string) => new Uint8Array(readFileSync(new URL(name, PKI)));

export function register(bench: Bench): (() => string)[] {
  const leaf = parseCertificatesPem(pem('server-ecdsa.crt'))[0]!;
  const certs = [
    leaf,
    ...parseCertificatesPem(pem('server-rsa.crt')),
    ...parseCertificatesPem(pem('intermediate-ca.crt')),
  ];
  const ders = certs.map((c) => c.der);
  const issuer = certs[2]!;
  const crl = bin('crl/intermediate-ca.crl.der');
  const ocsp = bin('ocsp/resp-good-issuer.der');
  const thisUpdate = parseCrl(crl).thisUpdate;
  const sink = { value: 0 };
  bench
    .add('x509 parseCertificate, 3 certificates (ECDSA leaf, RSA leaf, CA)', () => {
      for (const d of ders) sink.value += parseCertificate(d).version;
    })
    .add('x509 pkijs Certificate.fromBER (reference), same 3', () => {
      for (const d of ders) sink.value += pkijs.Certificate.fromBER(d).version;
    })
    .add('x509 parseCertificateCached (hits), same 3', () => {
      for (const d of ders) sink.value += parseCertificateCached(d).version;
    })
    .add('x509 parseCrl (1 entry)', () => {
      sink.value += parseCrl(crl).revoked.size;
    })
    .add('x509 verifyOcspResponse (issuer-signed, ECDSA P-256)', () => {
      sink.value += verifyOcspResponse(ocsp, leaf, issuer, { now: thisUpdate }).producedAt;
    });
  return [
    () => {
      const t = bench.tasks.find((x) => x.name.startsWith('x509 parseCertificate'));
      const hz = (t?.result as { throughput?: { mean?: number } } | undefined)?.throughput?.mean ?? 0;
      return `x509 parseCertificate: ${Math.round(hz * 3).toLocaleString('en-US')} certificates/s`;
    },
  ];
}

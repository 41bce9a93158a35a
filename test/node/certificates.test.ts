/**
 * Certificate failures through the Node adapter, TLS 1.2 and 1.3, against node:tls:
 * - each bad server chain of test/pki/out served by node:tls (expired, not yet valid, wrong host,
 *   self-signed, unknown CA, leaf without its intermediate; from make-extra.sh: EKU clientAuth only,
 *   CA:false intermediate, a flipped signature byte): our client fails in stage 'authentication'
 *   with the alert src/x509 maps the failure to (unsupported_certificate for the EKU,
 *   bad_certificate for the other two), the reason and hint of `verifyCertificateChain` on the same
 *   chain, and node's server reports the alert it received; the good chains are accepted;
 * - client certificates against our server (`requestCert`, `rejectUnauthorized`): the test PKI's
 *   client certificates are accepted; one issued by the untrusted unknown-ca and one expired
 *   (both made at test time with openssl by made-client-certs.ts, as test/pki/make-pki.sh makes
 *   its certificates) are refused with unknown_ca and certificate_expired, a server certificate
 *   (EKU serverAuth only) with unsupported_certificate, the self-signed one with unknown_ca, and
 *   make-extra.sh's bad-client-cafalse (CA:false intermediate) and bad-client-badsig (flipped
 *   signature byte) with bad_certificate, whose names node's client error codes carry.
 */
import type net from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, createServer, TlsConnectionError, type TlsVersionName } from '../../src/node/index.js';
import { CertificateError } from '../../src/x509/errors.js';
import { decodePem } from '../../src/x509/pem.js';
import { verifyCertificateChain } from '../../src/x509/verify.js';
import { makeClientCertificates } from './made-client-certs.js';
import { readPki, SKIP_OPENSSL } from './peers.js';

const ROOT = readPki('root-ca.crt');
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** Reject after `ms` with `what`, so no wait is unbounded. */
function within<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms).unref()),
  ]);
}

async function listening<S extends net.Server>(server: S): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

/** Resolves once `list` has an entry (polled; bounded by {@link within}). */
function first<T>(list: T[], what: string): Promise<T> {
  return within(
    new Promise<T>((resolve) => {
      const check = () => (list.length > 0 ? resolve(list[0]!) : setTimeout(check, 5));
      check();
    }),
    what,
  );
}

/** Our client limited to one version. */
const only = (v: TlsVersionName) => ({ minVersion: v, maxVersion: v });
const VERSIONS: TlsVersionName[] = ['TLSv1.2', 'TLSv1.3'];

/** What `verifyCertificateChain` says of `chainPem` for localhost under the test root. */
function diagnosis(chainPem: string) {
  const verdict = verifyCertificateChain(
    decodePem(chainPem).map((b) => b.der),
    { roots: decodePem(ROOT).map((b) => b.der), hostname: 'localhost' },
  );
  if (verdict.ok) throw new Error('expected a failing chain');
  return verdict.error;
}

describe('bad server certificates from node:tls → our client', () => {
  // [case, chain served, key, x509 code, our alert, node's error code for the alert it received]
  const BAD = [
    [
      'expired',
      'bad-expired-chain.pem',
      'bad-expired.key',
      'expired',
      'certificate_expired',
      'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
    ],
    [
      'not yet valid',
      'bad-notyetvalid-chain.pem',
      'bad-notyetvalid.key',
      'not-yet-valid',
      'certificate_expired',
      'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
    ],
    [
      'wrong host',
      'bad-wronghost-chain.pem',
      'bad-wronghost.key',
      'hostname-mismatch',
      'bad_certificate',
      'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
    ],
    [
      'self-signed',
      'bad-selfsigned-chain.pem',
      'bad-selfsigned.key',
      'self-signed',
      'unknown_ca',
      'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    ],
    [
      'unknown CA',
      'bad-unknownca-chain.pem',
      'bad-unknownca.key',
      'unknown-issuer',
      'unknown_ca',
      'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    ],
    [
      'missing intermediate',
      'server-ecdsa.crt',
      'server-ecdsa.key',
      'unknown-issuer',
      'unknown_ca',
      'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    ],
    // test/pki/make-extra.sh's chains.
    [
      'wrong EKU (clientAuth only)',
      'bad-wrongeku-chain.pem',
      'bad-wrongeku.key',
      'bad-eku',
      'unsupported_certificate',
      'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
    ],
    // bad_certificate for these two is our RFC 8446 §6.2 choice; OpenSSL sends unknown_ca / decrypt_error.
    [
      'CA:false intermediate',
      'bad-cafalse-chain.pem',
      'bad-cafalse.key',
      'not-a-ca',
      'bad_certificate',
      'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
    ],
    [
      'signature byte flipped',
      'bad-badsig-chain.pem',
      'bad-badsig.key',
      'bad-signature',
      'bad_certificate',
      'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
    ],
  ] as const;

  for (const version of VERSIONS) {
    for (const [name, chain, key, code, alert, nodeAlert] of BAD) {
      it(`${version}, ${name}: authentication fails with ${alert}, x509 reason and hint; node receives it`, async () => {
        const chainPem = readPki(chain);
        const received: string[] = [];
        const server = tls.createServer({ cert: chainPem, key: readPki(key), minVersion: 'TLSv1.2' }, (s) =>
          s.end('unreachable'),
        );
        server.on('tlsClientError', (e: Error & { code?: string }) => received.push(e.code ?? e.message));
        const port = await listening(server);
        const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT, ...only(version) });
        const error = await within(
          new Promise<TlsConnectionError>((resolve, reject) => {
            client.on('error', resolve);
            client.on('secureConnect', () => reject(new Error('the bad chain was accepted')));
          }),
          name,
        );
        const expected = diagnosis(chainPem);
        expect(error).toBeInstanceOf(TlsConnectionError);
        expect(error).toMatchObject({
          stage: 'authentication',
          alertName: alert,
          alertOrigin: 'local',
          reason: expected.reason,
          hint: expected.hint,
        });
        expect(error.hint).toBeTruthy();
        expect(error.cause).toBeInstanceOf(CertificateError);
        expect((error.cause as CertificateError).code).toBe(code);
        expect(expected.code).toBe(code);
        expect(await first(received, 'node tlsClientError')).toBe(nodeAlert);
      });
    }
  }

  it('the good chains (ECDSA, RSA, Ed25519) are accepted in both versions', async () => {
    const accepted: string[] = [];
    for (const leaf of ['server-ecdsa', 'server-rsa', 'server-ed25519']) {
      const server = tls.createServer(
        { cert: readPki(`${leaf}-chain.pem`), key: readPki(`${leaf}.key`), minVersion: 'TLSv1.2' },
        (s) => s.end(leaf),
      );
      const port = await listening(server);
      for (const version of VERSIONS) {
        const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT, ...only(version) });
        const text = await within(
          new Promise<string>((resolve, reject) => {
            let got = '';
            client.on('data', (d: Buffer) => {
              got += d.toString();
            });
            client.on('end', () => resolve(`${client.getProtocol()} ${got}`));
            client.on('error', reject);
          }),
          `${leaf} ${version}`,
        );
        accepted.push(text);
      }
    }
    expect(accepted).toEqual([
      'TLSv1.2 server-ecdsa',
      'TLSv1.3 server-ecdsa',
      'TLSv1.2 server-rsa',
      'TLSv1.3 server-rsa',
      'TLSv1.2 server-ed25519',
      'TLSv1.3 server-ed25519',
    ]);
  });
});

describe.skipIf(SKIP_OPENSSL)(
  'client certificates from node:tls → our server (requestCert, rejectUnauthorized)',
  () => {
    /** PEM chains and keys of the client certificates made for these tests. */
    let made: ReturnType<typeof makeClientCertificates> | undefined;

    beforeAll(() => {
      made = makeClientCertificates();
    });
    afterAll(() => {
      made?.remove();
    });

    for (const version of VERSIONS) {
      it(`${version}: the test PKI's client certificates are accepted; the bad ones refused with their alerts`, async () => {
        const subjects: string[] = [];
        const failures: TlsConnectionError[] = [];
        const server = createServer(
          {
            cert: readPki('server-ecdsa-chain.pem'),
            key: readPki('server-ecdsa.key'),
            requestCert: true,
            rejectUnauthorized: true,
            ca: ROOT,
            ...only(version),
          },
          (s) => {
            subjects.push(s.parsedPeerCertificate()!.subject.text);
            s.end('authenticated');
          },
        );
        server.on('tlsClientError', (e: TlsConnectionError) => failures.push(e));
        const port = await listening(server);
        const nodeClient = (cert: string, key: string) =>
          tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT, cert, key, maxVersion: version });

        for (const name of ['client', 'client-rsa']) {
          const c = nodeClient(readPki(`${name}-chain.pem`), readPki(`${name}.key`));
          const text = await within(
            new Promise<string>((resolve, reject) => {
              let got = '';
              c.on('data', (d: Buffer) => {
                got += d.toString();
              });
              c.on('end', () => resolve(got));
              c.on('error', reject);
            }),
            name,
          );
          expect(text).toBe('authenticated');
        }
        expect(subjects).toEqual(['CN=test-client,O=Test PKI', 'CN=test-client-rsa,O=Test PKI']);

        // [case, chain, key, the alert we must send (the spec of this test), x509 code, node's error code]
        const CASES = [
          [
            'unknown',
            made!.unknown.chain,
            made!.unknown.key,
            'unknown_ca',
            'unknown-issuer',
            /^ERR_SSL_TLSV1_ALERT_UNKNOWN_CA$/,
          ],
          [
            'expired',
            made!.expired.chain,
            made!.expired.key,
            'certificate_expired',
            'expired',
            /^ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED$/,
          ],
          // A server certificate (EKU serverAuth only) presented as a client certificate.
          [
            'server-ecdsa',
            readPki('server-ecdsa-chain.pem'),
            readPki('server-ecdsa.key'),
            'unsupported_certificate',
            'bad-eku',
            /^ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE$/,
          ],
          [
            'bad-selfsigned',
            readPki('bad-selfsigned-chain.pem'),
            readPki('bad-selfsigned.key'),
            'unknown_ca',
            'self-signed',
            /^ERR_SSL_TLSV1_ALERT_UNKNOWN_CA$/,
          ],
          // test/pki/make-extra.sh's client certificates: under a CA:false intermediate; signature byte flipped.
          // bad_certificate for both is our RFC 8446 §6.2 choice; OpenSSL sends unknown_ca / decrypt_error.
          [
            'bad-client-cafalse',
            readPki('bad-client-cafalse-chain.pem'),
            readPki('bad-client-cafalse.key'),
            'bad_certificate',
            'not-a-ca',
            /^ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE$/,
          ],
          [
            'bad-client-badsig',
            readPki('bad-client-badsig-chain.pem'),
            readPki('bad-client-badsig.key'),
            'bad_certificate',
            'bad-signature',
            /^ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE$/,
          ],
        ] as const;
        for (const [name, chain, key, alert, code, nodeCode] of CASES) {
          failures.length = 0;
          const c = nodeClient(chain, key);
          const nodeError = await within(
            new Promise<Error & { code?: string }>((resolve, reject) => {
              c.on('error', resolve);
              c.on('end', () => reject(new Error(`${name}: the connection ended without an error`)));
            }),
            `${name} client certificate`,
          );
          expect(nodeError.code).toMatch(nodeCode);
          const ours = await first(failures, 'our tlsClientError');
          expect(ours).toMatchObject({ stage: 'authentication', alertName: alert, alertOrigin: 'local' });
          expect((ours.cause as CertificateError).code).toBe(code);
          expect(ours.hint).toBeTruthy();
        }
        expect(subjects).toHaveLength(2);
      });
    }
  },
);

/**
 * Client certificates from `openssl s_client` (-cert, -key, -cert_chain) against our server (the Node
 * adapter's `createServer` with requestCert, rejectUnauthorized and the test root as `ca`, as in
 * certificates.test.ts), TLS 1.3 and TLS 1.2 (`-tls1_3`, `-tls1_2`; the server limited to the same):
 * - accepted: the test PKI's `client` (ECDSA) and `client-rsa`; our server sees the subject, s_client's
 *   line reaches the server and the server's answer reaches s_client;
 * - refused, each with our server's failure in stage 'authentication' with the alert, and the x509
 *   code, reason and hint `verifyCertificateChain` (purpose clientAuth) gives for the same chain, and
 *   s_client's own report of the alert it received (OpenSSL's alert text and number); no connection
 *   is accepted and none of s_client's data reaches the server:
 *   - `unknown`: issued by the untrusted unknown-ca (made at test time) → unknown_ca (48);
 *   - `expired`: 2020–2021 under the test intermediate (made at test time) → certificate_expired (45);
 *   - `server-ecdsa`: a server certificate, EKU serverAuth only → unsupported_certificate (43);
 *   - `bad-selfsigned`: self-signed → unknown_ca (48);
 *   - `bad-client-cafalse`: issued by a CA:false intermediate → bad_certificate (42);
 *   - `bad-client-badsig`: one signature byte flipped → bad_certificate (42).
 * In TLS 1.3 the client's handshake is complete when it sends its Finished, so s_client reports the
 * alert when it next reads; it is given a line on stdin (-ign_eof) and waited for until it exits.
 */
import { writeFileSync } from 'node:fs';
import type net from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type TlsConnectionError, type TlsVersionName } from '../../src/node/index.js';
import { AlertDescription } from '../../src/tls/enums.js';
import type { CertificateError } from '../../src/x509/errors.js';
import { decodePem } from '../../src/x509/pem.js';
import { verifyCertificateChain } from '../../src/x509/verify.js';
import { makeClientCertificates } from './made-client-certs.js';
import { killAll, pki, readPki, SKIP_OPENSSL, startPeer } from './peers.js';

const ROOT = readPki('root-ca.crt');
const closers: (() => void)[] = [];
afterEach(() => {
  killAll();
  for (const c of closers.splice(0)) c();
});

/** Reject after `ms` with `what`, so no wait is unbounded. */
function within<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms).unref()),
  ]);
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

/** What `verifyCertificateChain` says of a client's `chainPem` under the test root. */
function diagnosis(chainPem: string) {
  const verdict = verifyCertificateChain(
    decodePem(chainPem).map((b) => b.der),
    { roots: decodePem(ROOT).map((b) => b.der), purpose: 'clientAuth' },
  );
  if (verdict.ok) throw new Error('expected a failing chain');
  return verdict.error;
}

const VERSIONS = [
  ['TLSv1.3', '-tls1_3'],
  ['TLSv1.2', '-tls1_2'],
] as const satisfies readonly (readonly [TlsVersionName, string])[];

const LINE = 'line from s_client\n';

describe.skipIf(SKIP_OPENSSL)('client certificates from openssl s_client → our server (requestCert)', () => {
  let made: ReturnType<typeof makeClientCertificates> | undefined;
  /** s_client's -cert (the leaf alone) and -cert_chain (the rest, if any) for `name`'s chain. */
  const files = new Map<string, { chain: string; args: string[] }>();

  beforeAll(() => {
    made = makeClientCertificates();
    const add = (name: string, chain: string, keyFile: string) => {
      const blocks = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
      const leaf = join(made!.dir, `sclient-${name}.crt`);
      writeFileSync(leaf, blocks[0]!);
      const args = ['-cert', leaf, '-key', keyFile];
      if (blocks.length > 1) {
        const rest = join(made!.dir, `sclient-${name}-chain.crt`);
        writeFileSync(rest, blocks.slice(1).join(''));
        args.push('-cert_chain', rest);
      }
      files.set(name, { chain, args });
    };
    add('unknown', made.unknown.chain, made.unknown.keyFile);
    add('expired', made.expired.chain, made.expired.keyFile);
    for (const name of [
      'client',
      'client-rsa',
      'server-ecdsa',
      'bad-selfsigned',
      'bad-client-cafalse',
      'bad-client-badsig',
    ])
      add(name, readPki(`${name}-chain.pem`), pki(`${name}.key`));
  });
  afterAll(() => {
    made?.remove();
  });

  /** Our server for `version` only, asking for a client certificate under the test root. */
  async function ourServer(version: TlsVersionName) {
    const subjects: string[] = [];
    const received: string[] = [];
    const failures: TlsConnectionError[] = [];
    const server = createServer(
      {
        cert: readPki('server-ecdsa-chain.pem'),
        key: readPki('server-ecdsa.key'),
        requestCert: true,
        rejectUnauthorized: true,
        ca: ROOT,
        minVersion: version,
        maxVersion: version,
      },
      (s) => {
        const subject = s.parsedPeerCertificate()!.subject.text;
        subjects.push(subject);
        s.on('data', (d: Buffer) => {
          received.push(d.toString());
          s.end(`authenticated ${subject}\n`);
        });
      },
    );
    server.on('tlsClientError', (e: TlsConnectionError) => failures.push(e));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    return { port: (server.address() as net.AddressInfo).port, subjects, received, failures };
  }

  /** s_client presenting `name`'s certificate, with {@link LINE} on stdin. */
  function sClient(port: number, flag: string, name: string) {
    return startPeer(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        flag,
        '-servername',
        'localhost',
        '-CAfile',
        pki('root-ca.crt'),
        '-verify_return_error',
        ...files.get(name)!.args,
        '-ign_eof',
      ],
      LINE,
    );
  }

  for (const [version, flag] of VERSIONS) {
    it(`${version}: s_client's client and client-rsa certificates are accepted, data flows both ways`, async () => {
      const server = await ourServer(version);
      for (const [name, subject] of [
        ['client', 'CN=test-client,O=Test PKI'],
        ['client-rsa', 'CN=test-client-rsa,O=Test PKI'],
      ] as const) {
        const client = sClient(server.port, flag, name);
        expect(await client.exited()).toBe(0);
        expect(client.output()).toContain(`Protocol  : ${version}`);
        expect(client.output()).toContain('Verify return code: 0 (ok)');
        expect(client.output()).toContain(`authenticated ${subject}`);
      }
      expect(server.subjects).toEqual(['CN=test-client,O=Test PKI', 'CN=test-client-rsa,O=Test PKI']);
      expect(server.received).toEqual([LINE, LINE]);
      expect(server.failures).toEqual([]);
    });

    // [case, our alert, its number (RFC 8446 §6), x509 code, OpenSSL's text for the alert s_client receives]
    const BAD = [
      ['unknown', 'unknown_ca', 48, 'unknown-issuer', 'tlsv1 alert unknown ca'],
      ['expired', 'certificate_expired', 45, 'expired', 'sslv3 alert certificate expired'],
      ['server-ecdsa', 'unsupported_certificate', 43, 'bad-eku', 'sslv3 alert unsupported certificate'],
      ['bad-selfsigned', 'unknown_ca', 48, 'self-signed', 'tlsv1 alert unknown ca'],
      // bad_certificate for these two is our RFC 8446 §6.2 choice; OpenSSL sends unknown_ca / decrypt_error.
      ['bad-client-cafalse', 'bad_certificate', 42, 'not-a-ca', 'sslv3 alert bad certificate'],
      ['bad-client-badsig', 'bad_certificate', 42, 'bad-signature', 'sslv3 alert bad certificate'],
    ] as const;
    for (const [name, alert, number, code, text] of BAD) {
      it(`${version}, ${name}: refused with ${alert}; s_client receives alert ${number}; nothing accepted`, async () => {
        expect(AlertDescription[alert]).toBe(number);
        const server = await ourServer(version);
        const client = sClient(server.port, flag, name);
        const status = await client.exited();
        const output = client.output();
        expect(output).toMatch(new RegExp(`${text}[^\\n]*SSL alert number ${number}\\b`));
        expect(status).not.toBe(0);
        // TLS 1.3: s_client finished its side of the handshake before the alert came.
        if (version === 'TLSv1.3') expect(output).toMatch(/^New, TLSv1\.3, Cipher is /m);
        expect(output).not.toContain('authenticated');

        const ours = await first(server.failures, 'our tlsClientError');
        const expected = diagnosis(files.get(name)!.chain);
        expect(expected.code).toBe(code);
        expect(ours).toMatchObject({
          stage: 'authentication',
          alertName: alert,
          alertOrigin: 'local',
          reason: expected.reason,
          hint: expected.hint,
        });
        expect(ours.hint).toBeTruthy();
        expect((ours.cause as CertificateError).code).toBe(code);
        expect(server.failures).toHaveLength(1);
        expect(server.subjects).toEqual([]);
        expect(server.received).toEqual([]);
      });
    }
  }
});

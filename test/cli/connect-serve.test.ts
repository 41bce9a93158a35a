/**
 * `tlswire connect` and `tlswire serve`, run in-process through `main`, against real peers on
 * 127.0.0.1: openssl s_server (-www, -early_data, -Verify, -keylogfile) and gnutls-serv --echo for
 * our client; openssl s_client (-sess_out/-sess_in, -cert) and gnutls-cli (--resume) for our server.
 * Expected values are what the peers report: s_server's -www page ("New"/"Reused", "Cipher is"),
 * its log (early data, received alerts), s_client's "Reused" line, gnutls-cli's resumption line.
 * Bad server chains through s_server, TLS 1.3 and 1.2 (expired, wrong host, unknown CA, not yet valid,
 * self-signed, leaf only; from test/pki/make-extra.sh: EKU clientAuth only, CA:false intermediate,
 * flipped signature byte): exit 1, the authentication error with our alert, `verifyCertificateChain`'s
 * reason and hint, and the alert number s_server logs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliHint } from '../../src/cli/hints.js';
import { decodePem } from '../../src/x509/pem.js';
import { verifyCertificateChain } from '../../src/x509/verify.js';
import {
  gnutlsServer,
  killAll,
  opensslServer,
  pki,
  readPki,
  SKIP_GNUTLS,
  SKIP_OPENSSL,
  startPeer,
} from '../node/peers.js';
import {
  connectArgs,
  gnutlsResumeArgs,
  opensslServerChain,
  ROOT,
  runConnect,
  serveCertificate,
  startServe,
  stopServes,
} from './run.js';

afterEach(() => {
  stopServes();
  killAll();
});

const GET = 'GET / HTTP/1.0\r\n\r\n';
const dir = mkdtempSync(join(tmpdir(), 'tlswire-cli-'));
/** `openssl s_client -tls1_3` to 127.0.0.1:`port` as `localhost`, with `flags` after. */
const sClient13 = (port: number, ...flags: string[]) => [
  's_client',
  '-connect',
  `127.0.0.1:${port}`,
  '-tls1_3',
  '-servername',
  'localhost',
  ...flags,
];

describe.skipIf(SKIP_OPENSSL)('tlswire connect against openssl s_server', () => {
  const CASES = [
    ['TLS_AES_128_GCM_SHA256', 'x25519', 'server-ecdsa'],
    ['TLS_AES_256_GCM_SHA384', 'secp256r1', 'server-rsa'],
    ['TLS_CHACHA20_POLY1305_SHA256', 'secp384r1', 'server-ed25519'],
  ] as const;

  for (const [suite, group, leaf] of CASES) {
    it(`${suite} with ${group} and the ${leaf} certificate, then resumption (-www)`, async () => {
      const server = await opensslServer(leaf, ['-www', '-naccept', '3']);
      const r = await runConnect(connectArgs(server.port, '--tls1.3', '--ciphers', suite), GET).then(async (first) => ({
        first,
        both: await runConnect(
          connectArgs(server.port, '--ciphers', suite, '--groups', group, '--reconnect', '--json'),
          GET,
        ),
      }));
      expect(r.first.code).toBe(0);
      // openssl prints the cipher and whether the session is new on its -www page.
      expect(r.first.data).toContain(`New, TLSv1.3, Cipher is ${suite}`);
      const { code, json, data } = r.both;
      expect(code).toBe(0);
      expect(json.map((s) => [s.protocol, s.cipher, s.group, s.resumed])).toEqual([
        ['TLSv1.3', suite, group, false],
        ['TLSv1.3', suite, group, true],
      ]);
      expect(json[0]!.peerCertificate!.subject).toBe('CN=localhost,O=Test PKI');
      expect(data).toContain(`Reused, TLSv1.3, Cipher is ${suite}`);
      // s_server -www prints the groups the client offered: only the one configured.
      expect(data).toMatch(new RegExp(`^Supported groups: ${group}\\r?$`, 'm'));
    });
  }

  it('HelloRetryRequest: --groups secp256r1,x25519 --key-shares x25519 against a P-256-only server', async () => {
    const server = await opensslServer('server-ecdsa', ['-www', '-naccept', '1', '-groups', 'P-256']);
    const r = await runConnect(
      connectArgs(server.port, '--groups', 'secp256r1,x25519', '--key-shares', 'x25519', '--json', '--trace'),
      GET,
    );
    expect(r.code).toBe(0);
    expect(r.json[0]).toMatchObject({ group: 'secp256r1', helloRetry: true });
    expect(
      r.stderr
        .filter((l) => /^[<>] (client_hello|hello_retry_request|server_hello)/.test(l))
        .map((l) => l.split(' (')[0]),
    ).toEqual(['> client_hello', '< hello_retry_request', '> client_hello', '< server_hello']);
    expect(r.data).toContain('New, TLSv1.3');
  });

  it('client authentication: s_server -Verify 1 -CAfile root', async () => {
    const server = await opensslServer('server-ecdsa', ['-www', '-naccept', '1', '-Verify', '1', '-CAfile', ROOT]);
    const r = await runConnect(
      connectArgs(server.port, '--cert', pki('client-chain.pem'), '--key', pki('client.key'), '--json'),
      GET,
    );
    expect(r.code).toBe(0);
    expect(r.json[0]!.error).toBeUndefined();
    // s_server logs the chain it verified; its -www page shows the client certificate.
    const log = await server.waitFor(/depth=0 O = Test PKI, CN = test-client\s+verify return:1/);
    expect(log).toContain('depth=2 O = Test PKI, CN = Test Root CA');
    expect(r.data).toContain('New, TLSv1.3');
    expect(r.data).toContain('Client certificate');
    expect(r.data).toContain('Subject: O=Test PKI, CN=test-client');
  });

  it('0-RTT accepted by s_server -early_data; keylog lines match s_server -keylogfile', async () => {
    const ours = join(dir, 'ours.keylog');
    const theirs = join(dir, 'theirs.keylog');
    writeFileSync(ours, '');
    const early = join(dir, 'early.txt');
    writeFileSync(early, 'EARLY-DATA-FROM-TLSWIRE');
    const server = await opensslServer('server-ecdsa', ['-early_data', '-naccept', '2', '-keylogfile', theirs]);
    const r = await runConnect(
      connectArgs(server.port, '--early-data', early, '--keylog', ours, '--json'),
      'after the handshake\n',
    );
    expect(r.code).toBe(0);
    expect(r.json.map((s) => [s.resumed, s.earlyDataAccepted])).toEqual([
      [false, false],
      [true, true],
    ]);
    // s_server prints the early data on stdout and its notes on stderr: each in order, interleaved.
    const log = await server.waitFor(/End of early data[\s\S]*CONNECTION CLOSED/);
    expect(log).toContain('Early data received:');
    expect(log).toContain('EARLY-DATA-FROM-TLSWIRE');
    expect(log.match(/No early data received/g)).toHaveLength(1);
    const mine = readFileSync(ours, 'utf8').trim().split('\n');
    const openssl = new Set(readFileSync(theirs, 'utf8').trim().split('\n'));
    for (const label of ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0', 'CLIENT_EARLY_TRAFFIC_SECRET']) {
      const lines = mine.filter((l) => l.startsWith(`${label} `));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(openssl.has(l)).toBe(true);
    }
    expect(mine.filter((l) => l.startsWith('CLIENT_HANDSHAKE_TRAFFIC_SECRET ')).length).toBe(2);
  });

  // [case, leaf served, its -cert_chain ('' = none; null = peers.ts's opensslServer), chain file,
  //  our alert (CERTIFICATE_ALERTS), its number, s_server's text, a hint substring]
  const FAILURES = [
    [
      'bad-expired',
      'bad-expired',
      null,
      'bad-expired-chain.pem',
      'certificate_expired',
      45,
      /alert certificate expired/,
      '',
    ],
    [
      'bad-wronghost',
      'bad-wronghost',
      null,
      'bad-wronghost-chain.pem',
      'bad_certificate',
      42,
      /alert bad certificate/,
      '',
    ],
    ['bad-unknownca', 'bad-unknownca', null, 'bad-unknownca-chain.pem', 'unknown_ca', 48, /alert unknown ca/, ''],
    // CERTIFICATE_ALERTS maps 'not-yet-valid' to certificate_expired, as OpenSSL does.
    [
      'bad-notyetvalid',
      'bad-notyetvalid',
      'intermediate-ca.crt',
      'bad-notyetvalid-chain.pem',
      'certificate_expired',
      45,
      /alert certificate expired/,
      'clock',
    ],
    ['bad-selfsigned', 'bad-selfsigned', '', 'bad-selfsigned-chain.pem', 'unknown_ca', 48, /alert unknown ca/, ''],
    // server-ecdsa.crt alone, without its intermediate.
    [
      'leaf-only',
      'server-ecdsa',
      '',
      'server-ecdsa.crt',
      'unknown_ca',
      48,
      /alert unknown ca/,
      'give it with --intermediates FILE',
    ],
    // test/pki/make-extra.sh's chains: EKU clientAuth only; leaf + a CA:false intermediate; flipped signature
    // byte. CERTIFICATE_ALERTS sends bad_certificate for the last two (OpenSSL: unknown_ca, decrypt_error).
    [
      'bad-wrongeku',
      'bad-wrongeku',
      null,
      'bad-wrongeku-chain.pem',
      'unsupported_certificate',
      43,
      /alert unsupported certificate/,
      'client certificate',
    ],
    [
      'bad-cafalse',
      'bad-cafalse',
      null,
      'bad-cafalse-chain.pem',
      'bad_certificate',
      42,
      /alert bad certificate/,
      'cannot sign other certificates',
    ],
    [
      'bad-badsig',
      'bad-badsig',
      null,
      'bad-badsig-chain.pem',
      'bad_certificate',
      42,
      /alert bad certificate/,
      'altered',
    ],
  ] as const;
  const VERSIONS = [
    ['TLSv1.3', '-tls1_3', []],
    ['TLSv1.2', '-tls1_2', ['--tls1.2']],
  ] as const;
  for (const [version, theirs, ours] of VERSIONS) {
    for (const [name, leaf, intermediate, chainFile, alert, number, opensslText, hint] of FAILURES) {
      it(`${version}, ${name}: exit 1, --json error in authentication with ${alert}, and s_server received it`, async () => {
        const args = ['-www', '-naccept', '1'];
        const server =
          intermediate === null
            ? await opensslServer(leaf, args, theirs)
            : await opensslServerChain(leaf, intermediate, args, theirs);
        const r = await runConnect(connectArgs(server.port, ...ours, '--json'), GET);
        expect(r.code).toBe(1);
        const chain = decodePem(readPki(chainFile)).map((b) => b.der);
        const verdict = verifyCertificateChain(chain, {
          roots: decodePem(readPki('root-ca.crt')).map((b) => b.der),
          hostname: 'localhost',
        });
        expect(verdict.ok).toBe(false);
        if (verdict.ok) throw new Error('the chain verified');
        // The library's hint in the command's words (hints.ts), also in the verification result.
        const cliWords = cliHint(verdict.error.hint, { command: 'connect', ourChain: 0 });
        expect(r.json[0]!.error).toMatchObject({
          stage: 'authentication',
          alert,
          alertDirection: 'sent',
          reason: verdict.error.reason,
          hint: cliWords,
        });
        expect(r.json[0]!.verification).toEqual({
          ok: false,
          code: verdict.error.code,
          reason: verdict.error.reason,
          hint: cliWords,
        });
        if (hint) expect(r.json[0]!.error!.hint).toContain(hint);
        const log = await server.waitFor(/SSL alert number \d+/);
        expect(log).toMatch(opensslText);
        expect(log).toContain(`SSL alert number ${number}`);
      });
    }
  }
});

describe.skipIf(SKIP_GNUTLS)('tlswire connect against gnutls-serv --echo', () => {
  for (const leaf of ['server-rsa', 'server-ed25519'] as const) {
    it(`echo through the ${leaf} certificate, then a resumed connection`, async () => {
      // gnutls-serv's default TLS 1.3 CertificateRequest (with an empty status_request) is answered
      // with an empty Certificate.
      const server = await gnutlsServer(leaf, ['--echo']);
      const r = await runConnect(connectArgs(server.port, '--reconnect', '--json'), 'hello gnutls\n');
      expect(r.code).toBe(0);
      expect(r.data).toBe('hello gnutls\nhello gnutls\n');
      expect(r.json.map((s) => [s.protocol, s.resumed])).toEqual([
        ['TLSv1.3', false],
        ['TLSv1.3', true],
      ]);
    });
  }
});

describe.skipIf(SKIP_OPENSSL)('tlswire serve against openssl s_client', () => {
  /** One connection, which must present a certificate issued under the test root. */
  const VERIFY_CLIENT = [
    ...serveCertificate('server-ecdsa'),
    '--www',
    '--json',
    '--verify-client',
    '--ca',
    ROOT,
    '--naccept',
    '1',
  ];

  it('full handshake, then -sess_in resumption: s_client prints "Reused"', async () => {
    const serve = await startServe([...serveCertificate('server-rsa'), '--www', '--json', '--naccept', '2']);
    const sess = join(dir, 'sess.pem');
    const common = sClient13(serve.port, '-CAfile', ROOT, '-verify_return_error', '-ign_eof');
    const first = startPeer('openssl', [...common, '-sess_out', sess], GET);
    expect(await first.exited()).toBe(0);
    expect(first.output()).toMatch(/^New, TLSv1\.3, Cipher is TLS_AES_128_GCM_SHA256$/m);
    expect(first.output()).toContain('Verify return code: 0 (ok)');
    expect(first.output()).toContain('HTTP/1.0 200 ok');
    const second = startPeer('openssl', [...common, '-sess_in', sess], GET);
    expect(await second.exited()).toBe(0);
    expect(second.output()).toMatch(/^Reused, TLSv1\.3, Cipher is TLS_AES_128_GCM_SHA256$/m);
    expect(second.output()).toContain('resumed: yes');
    expect(await serve.finished()).toBe(0);
    expect(serve.json().map((s) => s.resumed)).toEqual([false, true]);
  });

  it('--early-data --www: s_client -early_data sends the request as 0-RTT, which is accepted and answered', async () => {
    const serve = await startServe([
      ...serveCertificate('server-ecdsa'),
      '--www',
      '--early-data',
      '--json',
      '--naccept',
      '2',
    ]);
    const sess = join(dir, 'early-sess.pem');
    const request = join(dir, 'early-request.txt');
    writeFileSync(request, GET);
    const common = sClient13(serve.port);
    const first = startPeer('openssl', [...common, '-CAfile', ROOT, '-sess_out', sess, '-ign_eof'], GET);
    expect(await first.exited()).toBe(0);
    expect(first.output()).toMatch(/Max Early Data: 16384/);
    const second = startPeer('openssl', [...common, '-sess_in', sess, '-early_data', request, '-ign_eof']);
    expect(await second.exited()).toBe(0);
    expect(second.output()).toMatch(/^Reused, TLSv1\.3/m);
    expect(second.output()).toContain('Early data was accepted');
    expect(second.output()).toContain('HTTP/1.0 200 ok');
    expect(second.output()).toContain(`early data: ${GET.length} bytes (accepted)`);
    expect(await serve.finished()).toBe(0);
    expect(serve.json().map((s) => [s.resumed, s.earlyDataAccepted])).toEqual([
      [false, false],
      [true, true],
    ]);
  });

  it('tlswire connect --early-data against tlswire serve --early-data --echo', async () => {
    const serve = await startServe([...serveCertificate('server-ed25519'), '--echo', '--early-data', '--naccept', '2']);
    const early = join(dir, 'early-echo.txt');
    writeFileSync(early, 'zero-rtt|');
    const r = await runConnect(connectArgs(serve.port, '--early-data', early, '--json'), 'one-rtt|');
    expect(r.code).toBe(0);
    expect(r.json.map((s) => [s.resumed, s.earlyDataAccepted])).toEqual([
      [false, false],
      [true, true],
    ]);
    expect(r.data).toBe('one-rtt|zero-rtt|one-rtt|');
    expect(await serve.finished()).toBe(0);
  });

  it('client authentication: --verify-client --ca root with s_client -cert -key', async () => {
    const serve = await startServe(VERIFY_CLIENT);
    const client = startPeer(
      'openssl',
      sClient13(
        serve.port,
        '-CAfile',
        ROOT,
        '-cert',
        pki('client-rsa.crt'),
        '-key',
        pki('client-rsa.key'),
        '-cert_chain',
        pki('intermediate-rsa-ca.crt'),
        '-ign_eof',
      ),
      GET,
    );
    expect(await client.exited()).toBe(0);
    expect(client.output()).toContain('client certificate: CN=test-client-rsa,O=Test PKI');
    expect(await serve.finished()).toBe(0);
    expect(serve.json()[0]!.peerCertificate!.subject).toBe('CN=test-client-rsa,O=Test PKI');
  });

  it('--verify-client refuses a client without a certificate: s_client sees certificate_required', async () => {
    const serve = await startServe(VERIFY_CLIENT);
    const client = startPeer('openssl', sClient13(serve.port, '-CAfile', ROOT, '-ign_eof'), GET);
    await client.exited();
    expect(client.output()).toMatch(/alert certificate required.*SSL alert number 116/);
    expect(await serve.finished()).toBe(1);
    expect(serve.json()[0]!.error).toMatchObject({
      stage: 'authentication',
      alert: 'certificate_required',
      alertDirection: 'sent',
    });
  });
});

describe.skipIf(SKIP_GNUTLS)('tlswire serve against gnutls-cli', () => {
  it('echo, and --resume: gnutls-cli reports the resumed session', async () => {
    const serve = await startServe([...serveCertificate('server-ed25519'), '--echo', '--json', '--naccept', '2']);
    const client = startPeer('gnutls-cli', gnutlsResumeArgs(serve.port, 'TLS1.3'), 'ping over gnutls\n');
    await client.exited();
    expect(client.output()).toMatch(/This is a resumed session/);
    expect(client.output()).toContain('ping over gnutls');
    expect(await serve.finished()).toBe(0);
    expect(serve.json().map((s) => [s.protocol, s.resumed])).toEqual([
      ['TLSv1.3', false],
      ['TLSv1.3', true],
    ]);
  });
});

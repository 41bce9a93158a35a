/**
 * The CLI as an `openssl s_client` / `s_server` replacement (issue #13): `connect` streams standard
 * input as it arrives (a real process against gnutls-serv --echo: a line is written only after the
 * previous one came back), prints the verification result ("Verification: OK" / "Verification error:
 * REASON", also with --insecure, against openssl s_server serving expired and wrong-host chains),
 * takes `--intermediates` for a server that leaves its intermediate out; a plaintext HTTP peer
 * (node:http, or a client sending a request line to `serve`) is recognised in negotiation; `serve`
 * prints one line per connection; hints name CLI options; usage errors print one line and the usage
 * lines; every `--json` key is camelCase. Reasons are `verifyCertificateChain`'s over the same files.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cliHint } from '../../src/cli/hints.js';
import { main } from '../../src/cli/main.js';
import { parseCertificatesPem } from '../../src/x509/certificate.js';
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
import { capture, ROOT as REPO, VECTORS } from './helpers.js';
import { connectArgs, opensslServerChain, ROOT, runConnect, serveCertificate, startServe, stopServes } from './run.js';

afterEach(() => {
  stopServes();
  killAll();
});

const GET = 'GET / HTTP/1.0\r\n\r\n';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `test()` holds (bounded: the test fails with `what` rather than hang). */
async function until(test: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms`);
    await pause(10);
  }
}

/** verifyCertificateChain's verdict on a test PKI chain for localhost, against the test root. */
function verdict(chainFile: string) {
  const r = verifyCertificateChain(
    parseCertificatesPem(readPki(chainFile)).map((c) => c.der),
    { roots: parseCertificatesPem(readPki('root-ca.crt')).map((c) => c.der), hostname: 'localhost' },
  );
  if (r.ok) throw new Error(`${chainFile} verified`);
  return r.error;
}

/** The `Peer certificate:` line of a test PKI leaf, from the certificate itself. */
function peerLine(file: string): string {
  const c = parseCertificatesPem(readPki(file))[0]!;
  const iso = (t: number) => new Date(t).toISOString();
  return `Peer certificate: ${c.subject.text}, issuer ${c.issuer.text}, valid ${iso(c.notBefore)} to ${iso(c.notAfter)}`;
}

describe.skipIf(SKIP_GNUTLS)('tlswire connect streams standard input (a real process)', () => {
  it('each line is sent as it arrives: the next is written only after gnutls-serv --echo returned the last', async () => {
    const server = await gnutlsServer('server-rsa', ['--echo']);
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'connect', ...connectArgs(server.port, '--tls1.3')],
      { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('latin1');
    });
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('latin1');
    });
    const exit = new Promise<number | null>((r) => proc.on('close', r));
    try {
      proc.stdin.write('first line\n');
      await until(() => stdout === 'first line\n', 'echo of the first line');
      // The connection is up and standard input still open: a client that read stdin to its end first
      // would not have connected yet.
      expect(stderr).toContain('Verification: OK\n');
      proc.stdin.write('second line\n');
      await until(() => stdout === 'first line\nsecond line\n', 'echo of the second line');
      proc.stdin.end();
      expect(await exit).toBe(0);
    } finally {
      proc.kill();
    }
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Protocol: TLSv1\.3, Cipher: TLS_\w+, Group: x25519, ALPN: none$/);
    expect(lines.slice(1)).toEqual([
      'Resumed: no, Early data: no, HelloRetryRequest: no',
      peerLine('server-rsa.crt'),
      'Verification: OK',
    ]);
  });
});

describe.skipIf(SKIP_OPENSSL)('tlswire connect: the verification result, --insecure, --intermediates', () => {
  it('"Verification: OK" after the handshake lines, before the data', async () => {
    const server = await opensslServer('server-ecdsa', ['-www', '-naccept', '1']);
    const r = await runConnect(connectArgs(server.port, '--tls1.3', '--groups', 'x25519'), GET);
    expect(r.code).toBe(0);
    expect(r.stderr).toEqual([
      'Protocol: TLSv1.3, Cipher: TLS_AES_128_GCM_SHA256, Group: x25519, ALPN: none',
      'Resumed: no, Early data: no, HelloRetryRequest: no',
      peerLine('server-ecdsa.crt'),
      'Verification: OK',
    ]);
    expect(r.data).toContain('New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256');
  });

  for (const leaf of ['bad-expired', 'bad-wronghost'] as const) {
    it(`--insecure with ${leaf}: the connection goes on, "Verification error: REASON" is printed and in --json`, async () => {
      const server = await opensslServer(leaf, ['-www', '-naccept', '2']);
      const error = verdict(`${leaf}-chain.pem`);
      const text = await runConnect(connectArgs(server.port, '--insecure'), GET);
      expect(text.code).toBe(0);
      expect(text.stderr.at(-1)).toBe(`Verification error: ${error.reason}`);
      expect(text.data).toContain('HTTP/1.0 200 ok');
      const json = await runConnect(connectArgs(server.port, '--insecure', '--json'), GET);
      expect(json.code).toBe(0);
      expect(json.json[0]!.error).toBeUndefined();
      expect(json.json[0]!.verification).toEqual({
        ok: false,
        code: error.code,
        reason: error.reason,
        hint: cliHint(error.hint, { command: 'connect', ourChain: 0 }),
      });
    });
  }

  it('--intermediates: a server that sends its leaf alone verifies with the intermediate given', async () => {
    const server = await opensslServerChain('server-ecdsa', '', ['-www', '-naccept', '2']);
    const without = await runConnect(connectArgs(server.port, '--groups', 'x25519'), GET);
    expect(without.code).toBe(1);
    // What was negotiated before the chain was rejected, the verification, the failure.
    expect(without.stderr).toEqual([
      'Protocol: TLSv1.3, Cipher: TLS_AES_128_GCM_SHA256, Group: x25519, ALPN: none',
      'Resumed: no, Early data: no, HelloRetryRequest: no',
      `Verification error: ${verdict('server-ecdsa.crt').reason}`,
      `Failed in authentication (state ExpectCertificateOrRequest, alert unknown_ca sent): ${
        verdict('server-ecdsa.crt').reason
      } — the server may be missing an intermediate certificate; give it with --intermediates FILE`,
    ]);
    const r = await runConnect(connectArgs(server.port, '--intermediates', pki('intermediate-ca.crt'), '--json'), GET);
    expect(r.code).toBe(0);
    expect(r.json[0]!.verification).toEqual({ ok: true });
    expect(r.data).toContain('New, TLSv1.3');
  });
});

describe('a plaintext HTTP peer is recognised in negotiation', () => {
  for (const version of ['--tls1.3', '--tls1.2'] as const) {
    it(`tlswire connect ${version} to a node:http server`, async () => {
      const server = http.createServer((_, res) => res.end('plaintext'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const r = await runConnect([...connectArgs((server.address() as AddressInfo).port, version), '--json']);
        expect(r.code).toBe(1);
        // node:http answers bytes it cannot parse with this status line.
        expect(r.json[0]!.error).toEqual({
          stage: 'negotiation',
          alert: 'unexpected_message',
          alertDirection: 'sent',
          reason: 'the server answered in plaintext HTTP: is this the TLS port?',
          hint: 'it sent "HTTP/1.1 400 Bad Request"',
          state: 'ExpectServerHello',
        });
      } finally {
        server.close();
      }
    });
  }

  it('tlswire serve receiving a plaintext HTTP request: one line', async () => {
    const serve = await startServe([...serveCertificate('server-ecdsa'), '--www', '--naccept', '1']);
    const socket = net.connect(serve.port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.on('error', () => undefined);
    socket.resume();
    expect(await serve.finished()).toBe(1);
    expect(serve.stderr.slice(1)).toEqual([
      'connection 1: Failed in negotiation (state ExpectClientHello, alert unexpected_message sent): the client sent plaintext HTTP: is this the TLS port? — it sent "GET / HTTP/1.1": use https://',
    ]);
  });
});

describe.skipIf(SKIP_OPENSSL)('tlswire serve: one line per connection', () => {
  it('success (tlswire connect) and failure (s_client distrusting our root): no "send the intermediates"', async () => {
    const serve = await startServe([...serveCertificate('server-ecdsa'), '--echo', '--naccept', '2']);
    const ok = await runConnect(connectArgs(serve.port, '--groups', 'x25519'), 'ping\n');
    expect(ok.code).toBe(0);
    expect(ok.data).toBe('ping\n');
    const bad = startPeer('openssl', [
      's_client',
      '-connect',
      `127.0.0.1:${serve.port}`,
      '-tls1_3',
      '-CAfile',
      pki('unknown-ca.crt'),
      '-verify_return_error',
    ]);
    await bad.exited();
    expect(await serve.finished()).toBe(1);
    // server-ecdsa-chain.pem holds the leaf and its intermediate.
    expect(serve.stderr.slice(1)).toEqual([
      'connection 1: TLSv1.3 TLS_AES_128_GCM_SHA256 x25519, received 5 bytes, sent 5 bytes',
      'connection 2: Failed in authentication (state ExpectClientFinished, alert unknown_ca received): peer sent unknown_ca: the client rejected our certificate chain — the peer does not trust the root of our chain (we sent 2 certificates, intermediates included): check that the peer has the root',
    ]);
  });
});

describe('hints name CLI options', () => {
  const cx = { command: 'connect', ourChain: 0 } as const;
  it.each([
    [
      'the server speaks TLS 1.2 or older: use NegotiatingClient to allow TLS 1.2',
      'the server speaks TLS 1.2 or older: offer TLS 1.2 too (drop the other --tls flag, or add --tls1.2)',
    ],
    ["enable one of the client's cipher suites (cipherSuites)", "enable one of the client's cipher suites (--ciphers)"],
    ['configure a certificate (and key) for the client', 'give a client certificate with --cert FILE --key FILE'],
    ['add it to the trusted roots to pin it', 'trust it with --ca FILE to pin it'],
    [
      "the server may be missing an intermediate certificate, or 'Test Root CA' is not among the trusted roots",
      "the server may be missing an intermediate certificate, or 'Test Root CA' is not among the trusted roots (--ca FILE)",
    ],
    [
      'connect with a name it covers, or reissue it with a subjectAltName for example.org',
      'connect with --servername NAME for a name it covers, or reissue it with a subjectAltName for example.org',
    ],
  ])('%s', (library, cli) => {
    expect(cliHint(library, cx)).toBe(cli);
  });
});

describe('usage errors: one line, then the usage line(s)', () => {
  const run = async (args: string[]) => {
    const io = capture();
    const code = await main(args, io);
    return { code, stderr: io.stderr, stdout: io.stdout };
  };
  it.each([
    [['connect'], ['tlswire connect: expected one HOST:PORT', 'Usage: tlswire connect HOST:PORT [options]']],
    [
      ['serve', '--port', '1'],
      ['tlswire serve: --cert and --key are required', 'Usage: tlswire serve --cert CHAIN.pem --key KEY.pem [options]'],
    ],
    [
      ['pcap'],
      [
        'tlswire pcap: a capture FILE is required',
        'Usage: tlswire pcap FILE [--json] [--checksums] [--tcp | --tls | --summary] [--keylog KEYS]... [--follow]',
      ],
    ],
    [
      ['decode'],
      [
        'tlswire decode: give either HEX or --file F',
        'Usage: tlswire decode HEX... [--json] [--tls12] [--kx ecdhe|dhe|rsa]\n       tlswire decode --file F [--json] [--tls12] [--kx ecdhe|dhe|rsa]',
      ],
    ],
    [['frobnicate'], ['tlswire: unknown command "frobnicate"', 'Usage: tlswire <command> [options]']],
  ])('%s', async (args, stderr) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual(stderr);
    expect(r.stdout).toEqual([]);
  });
});

describe('every --json key is camelCase', () => {
  const keys = (value: unknown, out = new Set<string>()): Set<string> => {
    if (Array.isArray(value)) for (const v of value) keys(v, out);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        out.add(k);
        keys(v, out);
      }
    }
    return out;
  };
  const camel = /^[a-z][a-zA-Z0-9]*$/;
  it.each([
    ['pcap', `${VECTORS}tls/openssl-tls13-hrr.pcap`, '--keylog', `${VECTORS}tls/openssl-tls13-hrr.keylog`],
    ['pcap', `${VECTORS}tls/gnutls-tls12.pcap`, '--keylog', `${VECTORS}tls/gnutls-tls12.keylog`],
    ['pcap', `${VECTORS}tls/node-tls13.pcapng`, '--keylog', `${VECTORS}tls/node-tls13.keylog`, '--follow'],
  ])('%s %s', async (...args) => {
    const io = capture();
    expect(await main([...args, '--json'], io)).toBe(0);
    const found = keys(io.stdout.map((l) => JSON.parse(l) as unknown));
    expect(found.has('cipherSuites') || args.includes('--follow')).toBe(true);
    expect([...found].filter((k) => !camel.test(k))).toEqual([]);
  });

  it('connect and serve --json', async () => {
    const serve = await startServe([...serveCertificate('server-ecdsa'), '--echo', '--json', '--naccept', '2']);
    const ok = await runConnect(connectArgs(serve.port, '--json'), 'x');
    const bad = await runConnect([
      `127.0.0.1:${serve.port}`,
      '--servername',
      'nowhere.example',
      '--ca',
      ROOT,
      '--json',
    ]);
    await serve.finished();
    const found = keys([...ok.json, ...bad.json, ...serve.json()]);
    expect(found.has('verification') && found.has('alertDirection')).toBe(true);
    expect([...found].filter((k) => !camel.test(k))).toEqual([]);
  });
});

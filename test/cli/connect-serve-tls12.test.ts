/**
 * `tlswire connect` and `tlswire serve` speaking TLS 1.2 with real peers on 127.0.0.1: our client
 * `--tls1.2 --reconnect` against `openssl s_server -tls1_2 -www` (its page says "Reused"), by ticket
 * and, with `--no-tickets` against `-no_ticket`, by session ID; `openssl s_client -tls1_2
 * -reconnect` and `gnutls-cli --resume` (TLS 1.2 only) against our serve; version negotiation
 * without a version flag; and serve's report of a failed connection (a diagnosis line, or a JSON
 * object per connection, success or failure).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, opensslServer, pki, SKIP_GNUTLS, SKIP_OPENSSL, startPeer } from '../node/peers.js';
import { connectArgs, gnutlsResumeArgs, ROOT, runConnect, serveCertificate, startServe, stopServes } from './run.js';

afterEach(() => {
  stopServes();
  killAll();
});

const GET = 'GET / HTTP/1.0\r\n\r\n';
const ECDSA_SUITE = 'ECDHE-ECDSA-AES128-GCM-SHA256';
const SERVE_ECDSA = serveCertificate('server-ecdsa');

describe.skipIf(SKIP_OPENSSL)('tlswire connect --tls1.2 against openssl s_server -tls1_2 -www', () => {
  const CASES = [
    {
      name: 'by ticket',
      ours: [] as string[],
      theirs: [] as string[],
      session: /^\[1\] {3}session ticket \(\d+ bytes\), lifetime 7200 s$/,
    },
    {
      name: 'by session ID (--no-tickets, -no_ticket)',
      ours: ['--no-tickets'],
      theirs: ['-no_ticket'],
      session: /^\[1\] {3}session session ID \(32 bytes\), lifetime 7200 s$/,
    },
  ];
  for (const c of CASES) {
    it(`--reconnect resumes ${c.name}: the page says "Reused"`, async () => {
      const server = await opensslServer('server-ecdsa', ['-www', '-naccept', '2', ...c.theirs], '-tls1_2');
      const r = await runConnect(
        connectArgs(server.port, '--tls1.2', ...c.ours, '--reconnect', '--json', '--trace'),
        GET,
      );
      expect(r.code).toBe(0);
      expect(r.json.map((s) => [s.protocol, s.cipher, s.resumed])).toEqual([
        ['TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', false],
        ['TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', true],
      ]);
      expect(r.data).toContain(`New, TLSv1.2, Cipher is ${ECDSA_SUITE}`);
      expect(r.data).toContain(`Reused, TLSv1.2, Cipher is ${ECDSA_SUITE}`);
      expect(r.stderr.find((l) => l.startsWith('[1]   session'))).toMatch(c.session);
    });
  }

  it('no version flag: a TLS 1.2-only server gets TLS 1.2 (and --reconnect resumes); a TLS 1.3 server TLS 1.3', async () => {
    const old = await opensslServer('server-ecdsa', ['-www', '-naccept', '2'], '-tls1_2');
    const r12 = await runConnect(connectArgs(old.port, '--reconnect', '--json'), GET);
    expect(r12.code).toBe(0);
    expect(r12.json.map((s) => [s.protocol, s.resumed])).toEqual([
      ['TLSv1.2', false],
      ['TLSv1.2', true],
    ]);
    expect(r12.data).toContain(`Reused, TLSv1.2, Cipher is ${ECDSA_SUITE}`);
    const current = await opensslServer('server-ecdsa', ['-www', '-naccept', '1'], '-tls1_3');
    const r13 = await runConnect(connectArgs(current.port, '--json'), GET);
    expect(r13.code).toBe(0);
    expect(r13.json.map((s) => [s.protocol, s.resumed])).toEqual([['TLSv1.3', false]]);
    expect(r13.data).toContain('New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256');
  });
});

describe.skipIf(SKIP_OPENSSL)('openssl s_client -tls1_2 -reconnect against tlswire serve --tls1.2', () => {
  const CASES = [
    { name: 'tickets', flags: [] as string[], ticketLine: true },
    { name: '--no-tickets (session ID)', flags: ['--no-tickets'], ticketLine: false },
  ];
  for (const c of CASES) {
    it(`${c.name}: s_client prints "Reused" for each of its five reconnections`, async () => {
      const serve = await startServe([...SERVE_ECDSA, '--tls1.2', ...c.flags, '--echo', '--json', '--naccept', '6']);
      const client = startPeer('openssl', [
        's_client',
        '-connect',
        `127.0.0.1:${serve.port}`,
        '-tls1_2',
        '-reconnect',
        '-servername',
        'localhost',
        '-CAfile',
        ROOT,
        '-verify_return_error',
      ]);
      expect(await client.exited()).toBe(0);
      const out = client.output();
      expect(out.match(new RegExp(`^New, TLSv1\\.2, Cipher is ${ECDSA_SUITE}$`, 'gm'))).toHaveLength(1);
      expect(out.match(new RegExp(`^Reused, TLSv1\\.2, Cipher is ${ECDSA_SUITE}$`, 'gm'))).toHaveLength(5);
      if (c.ticketLine) expect(out).toContain('TLS session ticket lifetime hint: 7200 (seconds)');
      else expect(out).not.toContain('TLS session ticket');
      expect(await serve.finished()).toBe(0);
      expect(serve.json().map((s) => [s.protocol, s.resumed])).toEqual([
        ['TLSv1.2', false],
        ...Array.from({ length: 5 }, () => ['TLSv1.2', true]),
      ]);
    });
  }
});

describe.skipIf(SKIP_GNUTLS)('gnutls-cli (TLS 1.2 only) --resume against tlswire serve', () => {
  it('serve without a version flag answers TLS 1.2, and gnutls-cli resumes', async () => {
    const serve = await startServe([...SERVE_ECDSA, '--echo', '--json', '--naccept', '2']);
    const client = startPeer('gnutls-cli', gnutlsResumeArgs(serve.port, 'TLS1.2'), 'ping over TLS 1.2\n');
    await client.exited();
    expect(client.output()).toMatch(/This is a resumed session/);
    expect(client.output()).toMatch(/^- Description: \(TLS1\.2-X\.509\)/m);
    expect(client.output()).toContain('ping over TLS 1.2');
    expect(await serve.finished()).toBe(0);
    expect(serve.json().map((s) => [s.protocol, s.resumed])).toEqual([
      ['TLSv1.2', false],
      ['TLSv1.2', true],
    ]);
  });
});

describe.skipIf(SKIP_OPENSSL)('tlswire serve reports each connection', () => {
  it('a failed connection: one diagnosis line (stage, alert, reason); --json: an object per connection', async () => {
    // s_client trusts only the unknown CA: it rejects our chain with unknown_ca.
    const distrust = ['-CAfile', pki('unknown-ca.crt'), '-verify_return_error'];
    const text = await startServe([...SERVE_ECDSA, '--tls1.2', '--www', '--naccept', '1']);
    const bad = startPeer('openssl', ['s_client', '-connect', `127.0.0.1:${text.port}`, '-tls1_2', ...distrust]);
    await bad.exited();
    expect(bad.output()).toContain('verify error:num=20:unable to get local issuer certificate');
    expect(await text.finished()).toBe(1);
    const failed = text.stderr.filter((l) => l.startsWith('connection 1: Failed'));
    expect(failed).toEqual([
      expect.stringMatching(
        /^connection 1: Failed in authentication \(state Expect\w+, alert unknown_ca received\): .*unknown_ca/,
      ),
    ]);

    const json = await startServe([...SERVE_ECDSA, '--tls1.2', '--www', '--json', '--naccept', '2']);
    const good = startPeer(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${json.port}`,
        '-tls1_2',
        '-CAfile',
        ROOT,
        '-verify_return_error',
        '-ign_eof',
      ],
      GET,
    );
    expect(await good.exited()).toBe(0);
    const bad2 = startPeer('openssl', ['s_client', '-connect', `127.0.0.1:${json.port}`, '-tls1_2', ...distrust]);
    await bad2.exited();
    expect(await json.finished()).toBe(1);
    const summaries = json.json();
    expect(summaries).toHaveLength(2);
    expect(summaries[0]).toMatchObject({ connection: 1, protocol: 'TLSv1.2', resumed: false });
    expect(summaries[0]!.error).toBeUndefined();
    expect(summaries[1]).toMatchObject({
      connection: 2,
      error: { stage: 'authentication', alert: 'unknown_ca', alertDirection: 'received' },
    });
  });
});

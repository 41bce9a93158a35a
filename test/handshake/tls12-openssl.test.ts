/**
 * TLS 1.2 against openssl s_server / s_client `-tls1_2` (RFC 5246 §7.3), both roles, and resumption
 * by session ID and by ticket (RFC 5077). The verdicts are the peer's own: s_server's -www page
 * ("New"/"Reused", "Cipher is"), s_client's "Reused, TLSv1.2". A missing openssl skips these tests,
 * except under CI=true where they fail (test/node/peers.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import { CipherSuite } from '../../src/tls/enums.js';
import { INTERMEDIATE, killAll, pki, SKIP_OPENSSL, startPeer } from '../node/peers.js';
import { type ClientRun, negotiated, ourClient, ourServer, SUITES, sessionOf } from './tls12-peers.js';
import { identity } from './tls12-support.js';

afterEach(() => killAll());

const ROOT = pki('root-ca.crt');
const GET = 'GET / HTTP/1.0\r\n\r\n';
const dir = mkdtempSync(join(tmpdir(), 'tlswire-tls12-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sServer(leaf: string, args: string[]) {
  const chain = INTERMEDIATE[leaf];
  return (async () => {
    const peer = startPeer(
      'openssl',
      [
        's_server',
        '-accept',
        '127.0.0.1:0',
        '-tls1_2',
        '-cert',
        pki(`${leaf}.crt`),
        '-key',
        pki(`${leaf}.key`),
        ...(chain ? ['-cert_chain', pki(chain)] : []),
        '-www',
        ...args,
      ],
      undefined,
      true,
    );
    const text = await peer.waitFor(/ACCEPT 127\.0\.0\.1:\d+/);
    return { ...peer, port: Number(/ACCEPT 127\.0\.0\.1:(\d+)/.exec(text)![1]) };
  })();
}

describe.skipIf(SKIP_OPENSSL)('TLS 1.2: our client against openssl s_server -tls1_2 -www', () => {
  for (const [suite, opensslName, , leaf] of SUITES) {
    it(`${suite}: s_server reports "New", then "Reused" for our session ID (-no_ticket)`, async () => {
      const server = await sServer(leaf, ['-cipher', opensslName, '-no_ticket']);
      const done = (run: ClientRun) => run.text().includes('</HTML>');
      const first = await ourClient(server.port, { cipherSuites: [CipherSuite[suite]] }, GET, done);
      expect(first.text()).toContain(`New, TLSv1.2, Cipher is ${opensslName}`);
      const session = sessionOf(first.events);
      expect(session?.sessionId).toHaveLength(32);
      const second = await ourClient(server.port, { session }, GET, done);
      expect(second.text()).toContain(`Reused, TLSv1.2, Cipher is ${opensslName}`);
      expect(negotiated(second.events)).toMatchObject({ resumed: true });
    });
  }

  it('resumes with an s_server ticket: "Reused"', async () => {
    const server = await sServer('server-ecdsa', []);
    const done = (run: ClientRun) => run.text().includes('</HTML>');
    const first = await ourClient(server.port, {}, GET, done);
    const session = sessionOf(first.events);
    expect(session?.ticket?.length).toBeGreaterThan(0);
    const second = await ourClient(server.port, { session }, GET, done);
    expect(second.text()).toContain('Reused, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256');
  });
});

describe.skipIf(SKIP_OPENSSL)('TLS 1.2: our server against openssl s_client -tls1_2', () => {
  const provider = new NobleProvider();
  for (const [suite, opensslName, , leaf] of SUITES) {
    for (const resumption of ['session ID', 'ticket'] as const) {
      it(`${suite}: -sess_out then -sess_in by ${resumption}: s_client prints "Reused"`, async () => {
        const id = identity(leaf);
        const store = new MemorySessionStore();
        const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
        const server = await ourServer(
          () =>
            new Tls12Server({
              certificate: id.certified,
              ...(resumption === 'ticket' ? { ticketer } : { sessionStore: store }),
            }),
          'www',
        );
        try {
          const sess = join(dir, `${suite}-${resumption.replace(' ', '')}.pem`);
          const common = [
            's_client',
            '-connect',
            `127.0.0.1:${server.port}`,
            '-tls1_2',
            '-cipher',
            opensslName,
            '-servername',
            'localhost',
            '-CAfile',
            ROOT,
            '-verify_return_error',
            '-ign_eof',
            ...(resumption === 'session ID' ? ['-no_ticket'] : []),
          ];
          const first = startPeer('openssl', [...common, '-sess_out', sess], GET);
          expect(await first.exited()).toBe(0);
          expect(first.output()).toMatch(new RegExp(`^New, TLSv1\\.2, Cipher is ${opensslName}$`, 'm'));
          expect(first.output()).toContain('Verify return code: 0 (ok)');
          expect(first.output()).toContain('tlswire TLS 1.2');
          const second = startPeer('openssl', [...common, '-sess_in', sess], GET);
          expect(await second.exited()).toBe(0);
          expect(second.output()).toMatch(new RegExp(`^Reused, TLSv1\\.2, Cipher is ${opensslName}$`, 'm'));
          expect(server.log.map((c) => negotiated(c.events)?.resumed)).toEqual([false, true]);
        } finally {
          server.close();
        }
      });
    }
  }
});

describe.skipIf(SKIP_OPENSSL)('TLS 1.2: our server against openssl s_client -reconnect', () => {
  it('five reconnections with the session ID, each "Reused"', async () => {
    const id = identity('server-ecdsa');
    const store = new MemorySessionStore();
    const server = await ourServer(() => new Tls12Server({ certificate: id.certified, sessionStore: store }), 'echo');
    try {
      const client = startPeer('openssl', [
        's_client',
        '-connect',
        `127.0.0.1:${server.port}`,
        '-tls1_2',
        '-no_ticket',
        '-reconnect',
        '-servername',
        'localhost',
        '-CAfile',
        ROOT,
        '-verify_return_error',
      ]);
      await client.exited();
      expect(client.output().match(/^Reused, TLSv1\.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256$/gm)).toHaveLength(5);
      expect(server.log.map((c) => negotiated(c.events)?.resumed)).toEqual([false, true, true, true, true, true]);
    } finally {
      server.close();
    }
  });
});

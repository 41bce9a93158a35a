/**
 * TLS 1.2 against openssl s_server / s_client `-tls1_2` over 127.0.0.1, both roles, for each of the
 * 8 suites of the issue (SUITES: ECDHE_ECDSA and ECDHE_RSA with AES_128_GCM_SHA256,
 * AES_256_GCM_SHA384 and CHACHA20_POLY1305_SHA256; RSA key transport with the two AES-GCM suites).
 * Per suite and role:
 * - a full handshake with client authentication (s_server `-Verify 1` against the test root, or our
 *   server with `clientAuth: 'require'` and `clientRoots`; every connection pairs an ECDSA server
 *   key with an RSA client key or the reverse), 1 MiB each way compared byte for byte with what the
 *   other side received (the peer's stdout), and close_notify both ways (RFC 5246 §7.2.1): ours
 *   answered by the peer's, which we see as `closed`, and the peer exits 0;
 * - resumption by session ID with tickets off (`-no_ticket`), and
 * - resumption by RFC 5077 ticket (s_server `-no_cache`; our server with a ticketer and no cache),
 *   both with the client certificate, and with our `negotiated` event saying `resumed: true`: our
 *   client twice against one s_server -www; s_client across processes (`-sess_out`, `-sess_in`)
 *   and within one (`-reconnect`: a full handshake, then five resumed ones).
 * The verdicts are openssl's own output: `-brief` summaries ("Protocol version: TLSv1.2",
 * "Ciphersuite: …", "Peer certificate: …", "Verification: OK"), s_server's -www page ("New"/"Reused,
 * TLSv1.2, Cipher is …", "Client certificate"), s_client's "New"/"Reused, TLSv1.2, Cipher is …" and
 * "Verify return code: 0 (ok)". A missing openssl skips these tests, except under CI=true where they
 * fail (test/node/peers.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import type { Tls12Event, Tls12ServerConfig } from '../../src/handshake/tls12/types.js';
import { AlertDescription, CipherSuite } from '../../src/tls/enums.js';
import { decodePem } from '../../src/x509/pem.js';
import {
  INTERMEDIATE,
  killAll,
  listeningOn,
  onFreePort,
  opensslServer,
  type Peer,
  pki,
  readPki,
  SKIP_OPENSSL,
  startPeer,
} from '../node/peers.js';
import { C2S, equal, S2C, MIB as SIZE } from '../support/payload.js';
import {
  type ClientRun,
  negotiated,
  ourClient,
  ourClientClosing,
  ourServer,
  type ServerConnection,
  SUITES,
  sessionOf,
} from './tls12-peers.js';
import { identity } from './tls12-support.js';

afterEach(() => killAll());

const ROOT = pki('root-ca.crt');
const ROOT_DER = decodePem(readPki('root-ca.crt')).map((b) => b.der);
const GET = 'GET / HTTP/1.0\r\n\r\n';
const dir = mkdtempSync(join(tmpdir(), 'tlswire-tls12-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The client certificate each server certificate is paired with: the other key type. */
const clientOf = (leaf: string) => (leaf === 'server-ecdsa' ? 'client-rsa' : 'client');
const CLIENT_CN: Record<string, string> = { client: 'test-client', 'client-rsa': 'test-client-rsa' };
const CLIENT_INTERMEDIATE: Record<string, string> = {
  client: 'intermediate-ca.crt',
  'client-rsa': 'intermediate-rsa-ca.crt',
};
/** s_client options presenting a client certificate with its intermediate. */
const clientCertArgs = (name: string) => [
  '-cert',
  pki(`${name}.crt`),
  '-key',
  pki(`${name}.key`),
  '-cert_chain',
  pki(CLIENT_INTERMEDIATE[name]!),
];

/** A peer's stdout bytes and stderr text, kept apart (startPeer's output() interleaves them). */
function streams(peer: Peer) {
  const out: Buffer[] = [];
  let err = '';
  peer.proc.stdout!.on('data', (d: Buffer) => out.push(d));
  peer.proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString('latin1');
  });
  return { stdout: () => Buffer.concat(out), stderr: () => err };
}

/** Resolves once `condition()` holds; rejects after `ms`. */
async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Retry `attempt` while the port refuses connections (a peer that does not print when it listens, where
 * listeningOn cannot check); stops as soon as `peer` has exited.
 */
async function whenListening<T>(peer: Peer, attempt: () => Promise<T>, ms = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || Date.now() - start > ms) throw e;
      if (!peer.running()) throw new Error(`the peer exited before accepting:\n${peer.output()}`, { cause: e });
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Every alert of a connection in order, as [direction, description]. */
const alerts = (events: Tls12Event[]) =>
  events.flatMap((e) => (e.kind === 'alert-sent' || e.kind === 'alert-received' ? [[e.kind, e.description]] : []));
/** Our close_notify, then the peer's answer: nothing else. */
const CLOSED_BY_US = [
  ['alert-sent', AlertDescription.close_notify],
  ['alert-received', AlertDescription.close_notify],
];

describe.skipIf(SKIP_OPENSSL)('TLS 1.2: our client against openssl s_server -tls1_2', () => {
  for (const [suite, opensslName, , leaf] of SUITES) {
    const mine = clientOf(leaf);
    const id = identity(mine);

    it(`${suite}: s_server verifies our ${mine} certificate; 1 MiB each way; close_notify both ways`, async () => {
      // -brief: the summary goes to stderr, stdout carries exactly the data received, stdin is sent
      // without command letters. It prints no ACCEPT line: listeningOn waits until its process holds the
      // listening socket, and onFreePort starts it again on a fresh port if another process took this one.
      const { server, port } = await onFreePort(async (port) => {
        const server = startPeer(
          'openssl',
          [
            's_server',
            '-accept',
            `127.0.0.1:${port}`,
            '-tls1_2',
            '-cert',
            pki(`${leaf}.crt`),
            '-key',
            pki(`${leaf}.key`),
            '-cert_chain',
            pki(INTERMEDIATE[leaf]!),
            '-cipher',
            opensslName,
            '-Verify',
            '1',
            '-CAfile',
            ROOT,
            '-verify_return_error',
            '-brief',
            '-naccept',
            '1',
          ],
          undefined,
          true,
        );
        await listeningOn(server, port);
        return { server, port };
      });
      const io = streams(server);
      const client = whenListening(server, () =>
        ourClientClosing(
          port,
          { roots: ROOT_DER, certificate: id.certified, cipherSuites: [CipherSuite[suite]] },
          C2S,
          SIZE,
        ),
      );
      // Settled below; kept from being reported as unhandled if s_server fails first.
      client.catch(() => undefined);
      // s_server sends its stdin once the handshake is done (data on stdin during the handshake
      // would let SSL_write finish it and skip the summary).
      await server.waitFor(/^Verification: /m);
      server.proc.stdin!.write(S2C);
      const run = await client;
      expect(await server.exited()).toBe(0);

      expect(io.stderr()).toContain('Protocol version: TLSv1.2\n');
      expect(io.stderr()).toContain(`Ciphersuite: ${opensslName}\n`);
      expect(io.stderr()).toContain(`Peer certificate: O = Test PKI, CN = ${CLIENT_CN[mine]}\n`);
      expect(io.stderr()).toContain('Verification: OK\n');
      expect(equal(io.stdout(), C2S)).toBe(true);
      expect(equal(run.received(), S2C)).toBe(true);
      expect(negotiated(run.events)).toMatchObject({
        version: 0x0303,
        cipherSuite: CipherSuite[suite],
        resumed: false,
        extendedMasterSecret: true,
      });
      expect(alerts(run.events)).toEqual(CLOSED_BY_US);
      expect(run.events.at(-1)).toEqual({ kind: 'closed' });
    });

    const www = (extra: string[]) =>
      opensslServer(
        leaf,
        ['-www', '-cipher', opensslName, '-Verify', '1', '-CAfile', ROOT, '-verify_return_error', ...extra],
        '-tls1_2',
      );
    const done = (run: ClientRun) => run.text().includes('</HTML>');
    const clientCertOnPage = `Client certificate\n`;
    const subjectOnPage = `Subject: O=Test PKI, CN=${CLIENT_CN[mine]}\n`;

    it(`${suite}: s_server -no_ticket reports "New", then "Reused" for our session ID`, async () => {
      const server = await www(['-no_ticket']);
      const config = { cipherSuites: [CipherSuite[suite]], certificate: id.certified };
      const first = await ourClient(server.port, config, GET, done);
      expect(first.text()).toContain(`\nNew, TLSv1.2, Cipher is ${opensslName}\n`);
      expect(first.text()).toContain(clientCertOnPage);
      expect(first.text()).toContain(subjectOnPage);
      expect(negotiated(first.events)).toMatchObject({ cipherSuite: CipherSuite[suite], resumed: false });
      const session = sessionOf(first.events);
      expect(session?.sessionId).toHaveLength(32);
      expect(session?.ticket).toBeUndefined();
      const second = await ourClient(server.port, { ...config, session }, GET, done);
      expect(second.text()).toContain(`\nReused, TLSv1.2, Cipher is ${opensslName}\n`);
      expect(second.text()).toContain(subjectOnPage);
      expect(negotiated(second.events)).toMatchObject({ cipherSuite: CipherSuite[suite], resumed: true });
      expect(second.events.some((e) => e.kind === 'handshake-message' && e.message.type === 'certificate')).toBe(false);
    });

    it(`${suite}: s_server -no_cache reports "Reused" for its ticket`, async () => {
      const server = await www(['-no_cache']);
      const config = { cipherSuites: [CipherSuite[suite]], certificate: id.certified };
      const first = await ourClient(server.port, config, GET, done);
      expect(first.text()).toContain(`\nNew, TLSv1.2, Cipher is ${opensslName}\n`);
      expect(first.text()).toContain(subjectOnPage);
      const session = sessionOf(first.events);
      expect(session?.ticket?.length).toBeGreaterThan(0);
      const second = await ourClient(server.port, { ...config, session }, GET, done);
      expect(second.text()).toContain(`\nReused, TLSv1.2, Cipher is ${opensslName}\n`);
      expect(second.text()).toContain(subjectOnPage);
      expect(negotiated(second.events)).toMatchObject({ cipherSuite: CipherSuite[suite], resumed: true });
    });
  }
});

describe.skipIf(SKIP_OPENSSL)('TLS 1.2: our server against openssl s_client -tls1_2', () => {
  const provider = new NobleProvider();

  /** Our server requiring a client certificate that chains to the test root. */
  const serverConfig = (leaf: string, extra: Partial<Tls12ServerConfig> = {}): Tls12ServerConfig => ({
    certificate: identity(leaf).certified,
    clientAuth: 'require',
    clientRoots: ROOT_DER,
    ...extra,
  });

  const sClient = (port: number, opensslName: string, mine: string, extra: string[]) => [
    's_client',
    '-connect',
    `127.0.0.1:${port}`,
    '-tls1_2',
    '-cipher',
    opensslName,
    '-servername',
    'localhost',
    '-CAfile',
    ROOT,
    '-verify_return_error',
    ...clientCertArgs(mine),
    ...extra,
  ];

  const peerLeaf = (conn: ServerConnection) =>
    conn.events.find((e): e is Extract<Tls12Event, { kind: 'peer-certificate' }> => e.kind === 'peer-certificate')
      ?.chain[0];

  for (const [suite, opensslName, , leaf] of SUITES) {
    const mine = clientOf(leaf);
    const mineDer = identity(mine).certified.chain[0]!;

    it(`${suite}: our server verifies s_client's ${mine} certificate; 1 MiB each way; close_notify both ways`, async () => {
      const server = await ourServer(() => new Tls12Server(serverConfig(leaf)), {
        // Once all of C2S is in: S2C, then close_notify (s_client answers with its own).
        data: (machine) => (server.log[0]!.bytes === SIZE ? [...machine.write(S2C), ...machine.close()] : []),
      });
      try {
        // -brief: the summary goes to stderr, stdout carries exactly the data received; -ign_eof
        // keeps reading after stdin (C2S) ends, until our close_notify.
        const client = startPeer('openssl', sClient(server.port, opensslName, mine, ['-brief', '-ign_eof']), C2S);
        const io = streams(client);
        expect(await client.exited()).toBe(0);
        const conn = server.log[0]!;
        expect(server.log).toHaveLength(1);
        await until(() => conn.events.some((e) => e.kind === 'closed'), "s_client's close_notify");

        expect(io.stderr()).toContain('CONNECTION ESTABLISHED\n');
        expect(io.stderr()).toContain('Protocol version: TLSv1.2\n');
        expect(io.stderr()).toContain(`Ciphersuite: ${opensslName}\n`);
        expect(io.stderr()).toContain('Peer certificate: O = Test PKI, CN = localhost\n');
        expect(io.stderr()).toContain('Verification: OK\n');
        expect(equal(io.stdout(), S2C)).toBe(true);
        expect(conn.bytes).toBe(SIZE);
        expect(equal(Buffer.concat(conn.chunks), C2S)).toBe(true);
        expect(equal(peerLeaf(conn)!, mineDer)).toBe(true);
        expect(negotiated(conn.events)).toMatchObject({
          version: 0x0303,
          cipherSuite: CipherSuite[suite],
          resumed: false,
          extendedMasterSecret: true,
        });
        expect(conn.events.some((e) => e.kind === 'error')).toBe(false);
        expect(alerts(conn.events)).toEqual(CLOSED_BY_US);
      } finally {
        server.close();
      }
    });

    for (const resumption of ['session ID', 'ticket'] as const) {
      it(`${suite}: -sess_out then -sess_in by ${resumption}: s_client prints "Reused"`, async () => {
        const store = new MemorySessionStore();
        const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
        const server = await ourServer(
          () => new Tls12Server(serverConfig(leaf, resumption === 'ticket' ? { ticketer } : { sessionStore: store })),
          'www',
        );
        try {
          const sess = join(dir, `${suite}-${resumption.replace(' ', '')}.pem`);
          const common = sClient(server.port, opensslName, mine, [
            '-ign_eof',
            ...(resumption === 'session ID' ? ['-no_ticket'] : []),
          ]);
          const first = startPeer('openssl', [...common, '-sess_out', sess], GET);
          expect(await first.exited()).toBe(0);
          expect(first.output()).toMatch(new RegExp(`^New, TLSv1\\.2, Cipher is ${opensslName}$`, 'm'));
          expect(first.output()).toContain('Verify return code: 0 (ok)');
          expect(first.output()).toContain('tlswire TLS 1.2');
          const second = startPeer('openssl', [...common, '-sess_in', sess], GET);
          expect(await second.exited()).toBe(0);
          expect(second.output()).toMatch(new RegExp(`^Reused, TLSv1\\.2, Cipher is ${opensslName}$`, 'm'));
          expect(second.output()).toContain('Verify return code: 0 (ok)');
          expect(second.output()).toContain('tlswire TLS 1.2');
          expect(server.log.map((c) => negotiated(c.events)?.resumed)).toEqual([false, true]);
          expect(server.log.map((c) => negotiated(c.events)?.cipherSuite)).toEqual([
            CipherSuite[suite],
            CipherSuite[suite],
          ]);
          expect(equal(peerLeaf(server.log[0]!)!, mineDer)).toBe(true);
          if (resumption === 'ticket') {
            const ticketSent = (c: ServerConnection) =>
              c.events.some((e) => e.kind === 'handshake-message' && e.message.type === 'new_session_ticket');
            expect(ticketSent(server.log[0]!)).toBe(true);
          }
        } finally {
          server.close();
        }
      });

      it(`${suite}: -reconnect by ${resumption}: s_client prints "New" once, then "Reused" five times`, async () => {
        const resume =
          resumption === 'ticket'
            ? { ticketer: new Tls12AeadTicketer(provider, provider.random(32)) }
            : { sessionStore: new MemorySessionStore() };
        const server = await ourServer(() => new Tls12Server(serverConfig(leaf, resume)), 'echo');
        try {
          const client = startPeer(
            'openssl',
            sClient(server.port, opensslName, mine, [
              '-reconnect',
              ...(resumption === 'session ID' ? ['-no_ticket'] : []),
            ]),
          );
          expect(await client.exited()).toBe(0);
          const lines = (verdict: string) =>
            client.output().match(new RegExp(`^${verdict}, TLSv1\\.2, Cipher is ${opensslName}$`, 'gm'));
          expect(lines('New')).toHaveLength(1);
          expect(lines('Reused')).toHaveLength(5);
          expect(client.output().match(/^ *Verify return code: 0 \(ok\)$/gm)).toHaveLength(6);
          expect(client.output()).not.toMatch(/Verify return code: [1-9]/);
          expect(server.log.map((c) => negotiated(c.events)?.resumed)).toEqual([false, true, true, true, true, true]);
          expect(equal(peerLeaf(server.log[0]!)!, mineDer)).toBe(true);
        } finally {
          server.close();
        }
      });
    }
  }
});

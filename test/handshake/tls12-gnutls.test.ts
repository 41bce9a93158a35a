/**
 * TLS 1.2 (RFC 5246) against GnuTLS, both roles, for each of the 8 suites of SUITES, the peer limited to
 * TLS 1.2 and that one suite by `--priority NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:-KX-ALL:+KX:+CIPHER`.
 *
 * Our client (verifying gnutls-serv's chain against the test root) against `gnutls-serv --echo
 * --require-client-cert --verify-client-cert` (ECDSA client certificate with the ECDSA suites, RSA with
 * the others), per suite:
 * - `--noticket`: full handshake with the client certificate, 1 MiB echoed back byte-exact, our
 *   close_notify answered by gnutls-serv's; then a session-ID resumption (small echo, close_notify).
 *   gnutls-serv reports the first connection ("The certificate is trusted", its Description line,
 *   "Version: TLS1.2", Key Exchange, "Client Signature", Cipher, "MAC: AEAD", extended master secret
 *   and safe renegotiation, the client's subject) and the second as "*** This is a resumed session"
 *   under the same session ID, the one our client got;
 * - tickets on: full handshake with the client certificate, then resumption by RFC 5077 ticket under a
 *   fresh session ID, which gnutls-serv reports as resumed.
 *
 * Our server (client certificate required and verified against the test root) against `gnutls-cli`
 * presenting the client chain, per suite:
 * - full handshake, 1 MiB each way byte-exact (gnutls-cli's stdout compared), then our close_notify,
 *   which gnutls-cli reports as "Peer has closed the GnuTLS connection"; gnutls-cli's Description
 *   line, "The certificate is trusted", "Successfully sent 2 certificate(s)", exit status 0;
 * - `--resume --noticket` against our session cache, and `--resume` against our ticketer alone: the
 *   second connection is gnutls-cli's "*** This is a resumed session" (under the first session ID, by
 *   session ID) and ours resumed; gnutls-cli's close_notify at the end of its input reaches our server.
 *
 * A missing gnutls skips these tests, except under CI=true where they fail (test/node/peers.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { concat, toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import type { Tls12ClientConfig, Tls12Event } from '../../src/handshake/tls12/types.js';
import { CipherSuite } from '../../src/tls/enums.js';
import { decodePem } from '../../src/x509/pem.js';
import { gnutlsServer, killAll, type Peer, pki, readPki, SKIP_GNUTLS, startPeer } from '../node/peers.js';
import { negotiated, ourServer, pipe, SUITES, sessionOf, GNUTLS_TLS12 as TLS12, WAIT_MS } from './tls12-peers.js';
import { identity } from './tls12-support.js';

afterEach(() => killAll());

const ROOT = pki('root-ca.crt');
const ROOT_DER = decodePem(readPki('root-ca.crt')).map((b) => b.der);
const SIZE = 1 << 20;

/**
 * 1 MiB of distinct 64-byte text lines. gnutls-serv --echo echoes text, not bytes: it answers at a
 * newline, drops what follows a NUL and turns CRLF into LF (see its `--crlf`), so the payload is NUL-
 * and CR-free text ending in a newline.
 */
function lines(tag: string): Uint8Array {
  const out = new Uint8Array(SIZE);
  for (let line = 0; line < SIZE / 64; line++) {
    const head = `${tag}${String(line).padStart(6, '0')} `;
    for (let i = 0; i < 63; i++) {
      out[line * 64 + i] = i < head.length ? head.charCodeAt(i) : 0x61 + ((line * 7 + i * 13) % 26);
    }
    out[line * 64 + 63] = 0x0a;
  }
  return out;
}
const C2S = lines('client-to-server ');
const S2C = lines('server-to-client ');
const equal = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

/**
 * What gnutls should report for a suite run with the server certificate `leaf`: the key exchange and
 * cipher names of its priority additions (`+KX:+CIPHER`), and its `- Description:` line of a full
 * handshake: X25519 (first in both sides' group lists), the server's signature (ECDSA P-256 with
 * SHA-256; RSA-PSS for an RSA key, which both sides prefer to PKCS#1 v1.5), none with RSA key transport;
 * and the same line of a resumed handshake, which has no signature.
 */
function gnutlsNames(additions: string, leaf: string) {
  const [kx, cipher] = additions.split(':').map((s) => s.slice(1)) as [string, string];
  const signature = leaf === 'server-ecdsa' ? 'ECDSA-SHA256' : 'RSA-PSS-RSAE-SHA256';
  const group = kx === 'RSA' ? 'RSA' : 'ECDHE-X25519';
  const description =
    kx === 'RSA'
      ? `- Description: (TLS1.2-X.509)-(RSA)-(${cipher})\n`
      : `- Description: (TLS1.2-X.509)-(ECDHE-X25519)-(${signature})-(${cipher})\n`;
  const resumedDescription = `- Description: (TLS1.2-X.509)-(${group})-(${cipher})\n`;
  return { kx, cipher, description, resumedDescription };
}

/** The client certificate for a suite: ECDSA with ECDSA-authenticated suites, RSA with the others. */
const clientIdentity = (leaf: string) => (leaf === 'server-ecdsa' ? 'client' : 'client-rsa');

/** gnutls-serv's report of each accepted connection, in order. */
const connectionsOf = (output: string) => output.split('* Accepted connection from').slice(1);

/** The `- Session ID:` gnutls prints, as lower-case hex without colons. */
function sessionIdIn(report: string): string | undefined {
  return /- Session ID: ([0-9A-F:]+)/.exec(report)?.[1]?.replaceAll(':', '').toLowerCase();
}

/** The session ID of the ClientHello our client sent, or of the ServerHello it received, as hex. */
function helloSessionId(events: Tls12Event[], type: 'client_hello' | 'server_hello'): string | undefined {
  for (const e of events) {
    if (e.kind === 'handshake-message' && e.message.type === type) return toHex(e.message.sessionId);
  }
  return undefined;
}

/** What our client saw on one connection. */
interface ClientExchange {
  events: Tls12Event[];
  received: Uint8Array;
}

/**
 * Our client to 127.0.0.1:`port`: once established it writes `payload`; when `replyBytes` bytes have
 * come back it sends close_notify, then waits for the peer's close_notify and the end of the connection.
 * Rejects on an `error` event, a connection that ends early, or after WAIT_MS.
 */
function exchange(
  port: number,
  config: Partial<Tls12ClientConfig>,
  payload: Uint8Array,
  replyBytes: number,
): Promise<ClientExchange> {
  let timer: NodeJS.Timeout | undefined;
  return new Promise<ClientExchange>((resolve, reject) => {
    const events: Tls12Event[] = [];
    const chunks: Uint8Array[] = [];
    let got = 0;
    let closing = false;
    const client = new Tls12Client({ serverName: 'localhost', roots: ROOT_DER, ...config });
    const socket = net.connect(port, '127.0.0.1');
    const act = pipe(socket, client, (e) => {
      events.push(e);
      if (e.kind === 'error') reject(e.error);
      if (e.kind === 'established') act(client.write(payload));
      if (e.kind === 'data') {
        chunks.push(e.bytes.slice());
        got += e.bytes.length;
        if (got >= replyBytes && !closing) {
          closing = true;
          act(client.close());
        }
      }
      if (e.kind === 'closed') {
        if (!closing) act(client.close());
        closing = true;
        socket.end();
      }
    });
    socket.on('connect', () => act(client.start()));
    socket.on('error', reject);
    socket.on('close', () => {
      if (closing) resolve({ events, received: concat(...chunks) });
      else reject(new Error(`connection closed after ${got} bytes`));
    });
    timer = setTimeout(() => reject(new Error(`no close within ${WAIT_MS} ms: ${got} bytes received`)), WAIT_MS);
  }).finally(() => clearTimeout(timer));
}

/** The peer's close_notify reached us: a warning alert 0 and the `closed` event. */
const peerClosed = (events: Tls12Event[]) =>
  events.some((e) => e.kind === 'alert-received' && e.description === 0) && events.some((e) => e.kind === 'closed');

/** `gnutls-serv` for `suite`, requiring and verifying a client certificate; resolves once it listens. */
async function gnutlsServ(leaf: string, additions: string, extra: string[]) {
  const peer = await gnutlsServer(
    leaf,
    ['--echo', '--require-client-cert', '--verify-client-cert', '--x509cafile', ROOT, ...extra],
    `${TLS12}:-CIPHER-ALL:-KX-ALL:${additions}`,
  );
  // Its reports come per connection, after it listens.
  return { ...peer, out: stdoutOf(peer) };
}

/**
 * A peer's stdout on its own (its stderr can land mid-line in `Peer.output()`), and a bounded wait for a
 * condition on it. Attach before the peer can write.
 */
function stdoutOf(peer: Peer) {
  const chunks: Buffer[] = [];
  const waiters = new Set<() => void>();
  peer.proc.stdout!.on('data', (d: Buffer) => {
    chunks.push(d);
    for (const w of waiters) w();
  });
  peer.proc.on('close', () => {
    for (const w of waiters) w();
  });
  const bytes = (): Uint8Array => Buffer.concat(chunks);
  const text = () => Buffer.concat(chunks).toString('latin1');
  /** Resolves once `done()` holds; rejects when the peer exits first or after WAIT_MS. */
  const until = (done: () => boolean, what: string) => {
    let timer: NodeJS.Timeout | undefined;
    let check: () => void = () => undefined;
    return new Promise<void>((resolve, reject) => {
      check = () => {
        if (done()) resolve();
        else if (peer.proc.exitCode !== null || peer.proc.signalCode !== null) {
          reject(new Error(`peer exited before ${what}:\n${peer.output()}`));
        }
      };
      waiters.add(check);
      timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms:\n${peer.output()}`)), WAIT_MS);
      check();
    }).finally(() => {
      clearTimeout(timer);
      waiters.delete(check);
    });
  };
  return { bytes, text, until };
}

/** gnutls-serv's stdout once it has reported `count` connections in full (through their `- Options:` line). */
async function servReports(out: ReturnType<typeof stdoutOf>, count: number): Promise<string[]> {
  const reports = () => connectionsOf(out.text());
  await out.until(
    () => reports().length === count && reports().every((r) => r.includes('- Options: ')),
    `${count} connection reports`,
  );
  return reports();
}

describe.skipIf(SKIP_GNUTLS)('TLS 1.2: our client against gnutls-serv --echo', () => {
  for (const [suite, , additions, leaf] of SUITES) {
    const { kx, cipher, description, resumedDescription } = gnutlsNames(additions, leaf);
    const clientName = clientIdentity(leaf);
    const mine = identity(clientName);
    /** The client certificate's subject CN, and the CertificateVerify algorithm gnutls-serv should report. */
    const subject = clientName === 'client' ? 'test-client' : 'test-client-rsa';
    const expectedSignature = clientName === 'client' ? 'ECDSA-SHA256' : 'RSA-PSS-RSAE-SHA256';

    it(`${suite}: client certificate, 1 MiB echoed, close_notify, then resumption by session ID`, async () => {
      const peer = await gnutlsServ(leaf, additions, ['--noticket']);
      const config = { cipherSuites: [CipherSuite[suite]], certificate: mine.certified, sessionTickets: false };
      const full = await exchange(peer.port, config, C2S, SIZE);
      expect(equal(full.received, C2S)).toBe(true);
      expect(peerClosed(full.events)).toBe(true);
      expect(negotiated(full.events)).toMatchObject({
        cipherSuite: CipherSuite[suite],
        resumed: false,
        extendedMasterSecret: true,
      });
      const session = sessionOf(full.events);
      expect(session?.ticket).toBeUndefined();
      const ping = new TextEncoder().encode('ping over gnutls\n');
      const again = await exchange(peer.port, { ...config, session }, ping, ping.length);
      expect(equal(again.received, ping)).toBe(true);
      expect(peerClosed(again.events)).toBe(true);
      expect(negotiated(again.events)).toMatchObject({ cipherSuite: CipherSuite[suite], resumed: true });

      const [first, second] = await servReports(peer.out, 2);
      for (const line of [
        '- Status: The certificate is trusted.',
        description,
        '- Version: TLS1.2',
        `- Key Exchange: ${kx}`,
        `- Client Signature: ${expectedSignature}`,
        `- Cipher: ${cipher}`,
        '- MAC: AEAD',
        '- Options: extended master secret, safe renegotiation,',
        `Subject: CN=${subject},O=Test PKI`,
      ]) {
        expect(first).toContain(line);
      }
      expect(first).not.toContain('This is a resumed session');
      expect(second).toContain('*** This is a resumed session');
      expect(second).toContain(resumedDescription);
      expect(second).toContain(`- Cipher: ${cipher}`);
      expect(sessionIdIn(second!)).toBe(sessionIdIn(first!));
      expect(sessionIdIn(first!)).toBe(toHex(session!.sessionId));
    });

    it(`${suite}: client certificate, then resumption by ticket`, async () => {
      const peer = await gnutlsServ(leaf, additions, []);
      const config = { cipherSuites: [CipherSuite[suite]], certificate: mine.certified };
      const ping = new TextEncoder().encode('ping over gnutls\n');
      const full = await exchange(peer.port, config, ping, ping.length);
      expect(equal(full.received, ping)).toBe(true);
      const session = sessionOf(full.events);
      expect(session?.ticket?.length).toBeGreaterThan(0);
      const again = await exchange(peer.port, { ...config, session }, ping, ping.length);
      expect(equal(again.received, ping)).toBe(true);
      expect(peerClosed(again.events)).toBe(true);
      expect(negotiated(again.events)).toMatchObject({ cipherSuite: CipherSuite[suite], resumed: true });

      // The ticket went out with a fresh session ID (RFC 5077 §3.4) that no session cache can hold, so
      // gnutls-serv's "resumed" is the ticket's doing.
      const offered = helloSessionId(again.events, 'client_hello');
      expect(offered).toHaveLength(64);
      expect(offered).not.toBe(toHex(session!.sessionId));
      expect(helloSessionId(again.events, 'server_hello')).toBe(offered);

      const [first, second] = await servReports(peer.out, 2);
      expect(first).toContain('- Status: The certificate is trusted.');
      expect(first).toContain(description);
      expect(first).not.toContain('This is a resumed session');
      expect(second).toContain('*** This is a resumed session');
      expect(second).toContain(resumedDescription);
      expect(second).toContain(`- Key Exchange: ${kx}`);
      expect(second).toContain(`- Cipher: ${cipher}`);
      // gnutls-serv reports the session the ticket carried: the first connection's ID, not the one offered.
      const ticketSession = sessionIdIn(first!);
      expect(ticketSession).toHaveLength(64);
      expect(sessionIdIn(second!)).toBe(ticketSession);
      expect(ticketSession).not.toBe(offered);
    });
  }
});

describe.skipIf(SKIP_GNUTLS)('TLS 1.2: our server against gnutls-cli', () => {
  const provider = new NobleProvider();
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  for (const [suite, , additions, leaf] of SUITES) {
    const { description, resumedDescription } = gnutlsNames(additions, leaf);
    const id = identity(leaf);
    const clientName = clientIdentity(leaf);
    const mine = identity(clientName);
    const priority = `${TLS12}:-CIPHER-ALL:-KX-ALL:${additions}`;
    const gnutlsCli = (port: number, logfile: string, extra: string[]) => [
      '--port',
      String(port),
      '--priority',
      priority,
      '--x509cafile',
      ROOT,
      '--x509certfile',
      pki(`${clientName}-chain.pem`),
      '--x509keyfile',
      pki(`${clientName}.key`),
      '--sni-hostname',
      'localhost',
      '--verify-hostname',
      'localhost',
      '--logfile',
      logfile,
      ...extra,
      '127.0.0.1',
    ];
    const serverConfig = {
      certificate: id.certified,
      cipherSuites: [CipherSuite[suite]],
      clientAuth: 'require' as const,
      clientRoots: ROOT_DER,
    };

    it(`${suite}: verified client certificate, 1 MiB each way, close_notify`, async () => {
      dir = mkdtempSync(join(tmpdir(), 'tls12-gnutls-'));
      const log = join(dir, 'cli.log');
      const received = new WeakMap<Tls12Server, number>();
      // Once all of C2S is in, our server answers S2C and closes with close_notify.
      const server = await ourServer(() => new Tls12Server(serverConfig), {
        data(s, bytes) {
          const got = (received.get(s) ?? 0) + bytes.length;
          received.set(s, got);
          return got === SIZE ? [...s.write(S2C), ...s.close()] : [];
        },
      });
      try {
        // gnutls-cli writes what it receives to stdout in tiny writes: into a file, not a pipe, that is
        // seconds faster. `exec` keeps the process startPeer tracks the gnutls-cli process.
        const outFile = join(dir, 'cli.out');
        const client = startPeer(
          'sh',
          ['-c', 'out=$1; shift; exec gnutls-cli "$@" >"$out"', 'sh', outFile, ...gnutlsCli(server.port, log, [])],
          C2S,
          true,
        );
        expect(await client.exited()).toBe(0);
        expect(equal(readFileSync(outFile), S2C)).toBe(true);
        const [conn] = server.log;
        expect(server.log).toHaveLength(1);
        expect(equal(concat(...conn!.chunks), C2S)).toBe(true);
        expect(conn!.events.some((e) => e.kind === 'error')).toBe(false);
        const certificate = conn!.events.find((e) => e.kind === 'peer-certificate') as { chain: Uint8Array[] };
        expect(certificate.chain.map((c) => toHex(c))).toEqual(mine.certified.chain.map((c) => toHex(c)));
        expect(negotiated(conn!.events)).toMatchObject({
          cipherSuite: CipherSuite[suite],
          resumed: false,
          extendedMasterSecret: true,
        });

        const report = readFileSync(log, 'latin1');
        expect(report).toContain('- Status: The certificate is trusted.');
        expect(report).toContain('- Successfully sent 2 certificate(s) to server.');
        expect(report).toContain(description);
        expect(report).toContain('- Options: extended master secret, safe renegotiation,');
        expect(report).not.toContain('This is a resumed session');
        // gnutls reads 0 bytes only at a close_notify (a bare TCP close is a premature termination).
        // gnutls-cli then exits without a close_notify of its own; its close_notify on end of input is
        // checked by the resumption tests below.
        expect(report).toContain('- Peer has closed the GnuTLS connection');
      } finally {
        server.close();
      }
    });

    for (const resumption of ['session ID', 'ticket'] as const) {
      it(`${suite}: gnutls-cli --resume reports the resumed session (${resumption})`, async () => {
        dir = mkdtempSync(join(tmpdir(), 'tls12-gnutls-'));
        const log = join(dir, 'cli.log');
        const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
        const store = new MemorySessionStore();
        const server = await ourServer(
          () =>
            new Tls12Server({
              ...serverConfig,
              ...(resumption === 'ticket' ? { ticketer } : { sessionStore: store }),
            }),
          'echo',
        );
        try {
          const ping = 'ping over gnutls\n';
          const client = startPeer(
            'gnutls-cli',
            gnutlsCli(server.port, log, ['--resume', ...(resumption === 'session ID' ? ['--noticket'] : [])]),
            ping,
            true,
          );
          const out = stdoutOf(client);
          // gnutls-cli sends close_notify when its stdin ends: end it once the echo is back.
          await out.until(() => out.bytes().length >= ping.length, 'echo');
          client.proc.stdin!.end();
          expect(await client.exited()).toBe(0);
          expect(out.text()).toBe(ping);
          expect(server.log.map((c) => negotiated(c.events)?.resumed)).toEqual([false, true]);
          expect(server.log[0]!.events.some((e) => e.kind === 'peer-certificate')).toBe(true);
          expect(peerClosed(server.log[1]!.events)).toBe(true);

          const report = readFileSync(log, 'latin1');
          const [full, resumed] = report.split('- Connecting again- trying to resume previous session');
          expect(full).toContain('- Successfully sent 2 certificate(s) to server.');
          expect(full).not.toContain('This is a resumed session');
          expect(resumed).toContain('- Resume Handshake was completed');
          expect(resumed).toContain('*** This is a resumed session');
          expect(resumed).toContain(resumedDescription);
          if (resumption === 'session ID') expect(sessionIdIn(resumed!)).toBe(sessionIdIn(full!));
        } finally {
          server.close();
        }
      });
    }
  }
});

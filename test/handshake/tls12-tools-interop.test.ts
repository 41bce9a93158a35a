/**
 * TLS 1.2 against the command-line peers (RFC 5246 §7.3): openssl s_server / s_client `-tls1_2` and
 * gnutls-serv / gnutls-cli `--priority NORMAL:-VERS-ALL:+VERS-TLS1.2`, both roles, a representative
 * set of suites (ECDHE-ECDSA, ECDHE-RSA with ChaCha20, RSA key transport) and resumption by session
 * ID and by ticket. The verdicts are the peers' own: s_server's -www page ("New"/"Reused", "Cipher
 * is"), s_client's "Reused, TLSv1.2", gnutls-cli's "This is a resumed session". Missing binaries skip
 * these tests, except under CI=true where they fail (test/node/peers.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import type { Tls12ClientConfig, Tls12ClientSession, Tls12Event } from '../../src/handshake/tls12/types.js';
import { CipherSuite } from '../../src/tls/enums.js';
import { freePort, INTERMEDIATE, killAll, pki, SKIP_GNUTLS, SKIP_OPENSSL, startPeer } from '../node/peers.js';
import { identity, type Machine } from './tls12-support.js';

afterEach(() => killAll());

const ROOT = pki('root-ca.crt');
const GET = 'GET / HTTP/1.0\r\n\r\n';
const TLS12 = 'NORMAL:-VERS-ALL:+VERS-TLS1.2';
const WAIT_MS = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'tlswire-tls12-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Drive `machine` over `socket`: received bytes in, `send` events out, the rest to `onEvent`. */
function pipe(socket: net.Socket, machine: Machine, onEvent: (e: Tls12Event) => void): (events: Tls12Event[]) => void {
  const run = (events: Tls12Event[]): void => {
    for (const e of events) {
      if (e.kind === 'send') socket.write(e.bytes);
      else onEvent(e);
      if (e.kind === 'error') socket.end();
    }
  };
  socket.on('data', (chunk: Uint8Array) => run(machine.handle(chunk)));
  return run;
}

interface ClientRun {
  events: Tls12Event[];
  text: string;
}

/**
 * Our client to 127.0.0.1:`port`: once established it writes `input`, and it closes when the peer
 * closes or `done(text)` says the reply is complete.
 */
function ourClient(
  port: number,
  config: Omit<Tls12ClientConfig, 'verifyServer'>,
  input: string,
  done: (text: string) => boolean,
): Promise<ClientRun> {
  let timer: NodeJS.Timeout | undefined;
  const run = new Promise<ClientRun>((resolve, reject) => {
    const events: Tls12Event[] = [];
    let text = '';
    const client = new Tls12Client({ serverName: 'localhost', verifyServer: () => undefined, ...config });
    const socket = net.connect(port, '127.0.0.1');
    const finish = () => {
      act(client.close());
      socket.end();
      resolve({ events, text });
    };
    const act = pipe(socket, client, (e) => {
      events.push(e);
      if (e.kind === 'error') reject(e.error);
      if (e.kind === 'established') act(client.write(new TextEncoder().encode(input)));
      if (e.kind === 'data') {
        text += new TextDecoder().decode(e.bytes);
        if (done(text)) finish();
      }
      if (e.kind === 'closed') finish();
    });
    socket.on('connect', () => act(client.start()));
    socket.on('error', reject);
    timer = setTimeout(() => reject(new Error(`no reply within ${WAIT_MS} ms: ${text}`)), WAIT_MS);
  });
  return run.finally(() => clearTimeout(timer));
}

/** Our server on a free port: answers a request with a short HTTP page (`www`) or echoes (`echo`), then closes. */
async function ourServer(make: () => Tls12Server, mode: 'www' | 'echo') {
  const log: Tls12Event[][] = [];
  const listener = net.createServer((socket) => {
    const server = make();
    const events: Tls12Event[] = [];
    log.push(events);
    const act = pipe(socket, server, (e) => {
      events.push(e);
      if (e.kind === 'data') {
        const reply = mode === 'www' ? new TextEncoder().encode('HTTP/1.0 200 ok\r\n\r\ntlswire TLS 1.2\r\n') : e.bytes;
        act(server.write(reply));
        if (mode === 'www') act(server.close());
      }
      if (e.kind === 'closed') {
        act(server.close());
        socket.end();
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as net.AddressInfo).port;
  return { port, log, close: () => listener.close() };
}

const negotiated = (events: Tls12Event[]) => events.find((e) => e.kind === 'negotiated');
const sessionOf = (events: Tls12Event[]): Tls12ClientSession | undefined =>
  (events.find((e) => e.kind === 'session') as { session: Tls12ClientSession } | undefined)?.session;

/** Suites run against each peer: [our name, OpenSSL name, GnuTLS priority additions, certificate]. */
const SUITES = [
  [
    'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    '+ECDHE-ECDSA:+AES-128-GCM',
    'server-ecdsa',
  ],
  [
    'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    'ECDHE-RSA-CHACHA20-POLY1305',
    '+ECDHE-RSA:+CHACHA20-POLY1305',
    'server-rsa',
  ],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384', '+RSA:+AES-256-GCM', 'server-rsa'],
] as const;

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
      const done = (t: string) => t.includes('</HTML>');
      const first = await ourClient(server.port, { cipherSuites: [CipherSuite[suite]] }, GET, done);
      expect(first.text).toContain(`New, TLSv1.2, Cipher is ${opensslName}`);
      const session = sessionOf(first.events);
      expect(session?.sessionId).toHaveLength(32);
      const second = await ourClient(server.port, { session }, GET, done);
      expect(second.text).toContain(`Reused, TLSv1.2, Cipher is ${opensslName}`);
      expect(negotiated(second.events)).toMatchObject({ resumed: true });
    });
  }

  it('resumes with an s_server ticket: "Reused"', async () => {
    const server = await sServer('server-ecdsa', []);
    const done = (t: string) => t.includes('</HTML>');
    const first = await ourClient(server.port, {}, GET, done);
    const session = sessionOf(first.events);
    expect(session?.ticket?.length).toBeGreaterThan(0);
    const second = await ourClient(server.port, { session }, GET, done);
    expect(second.text).toContain('Reused, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256');
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
          expect(server.log.map((events) => (negotiated(events) as { resumed: boolean }).resumed)).toEqual([
            false,
            true,
          ]);
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
      expect(server.log.map((events) => (negotiated(events) as { resumed: boolean }).resumed)).toEqual([
        false,
        true,
        true,
        true,
        true,
        true,
      ]);
    } finally {
      server.close();
    }
  });
});

describe.skipIf(SKIP_GNUTLS)('TLS 1.2: our client against gnutls-serv --echo', () => {
  for (const [suite, , gnutls, leaf] of SUITES) {
    it(`${suite}: echo, then resumption by session ID`, async () => {
      const port = await freePort();
      const peer = startPeer(
        'gnutls-serv',
        [
          '--port',
          String(port),
          '--x509certfile',
          pki(`${leaf}-chain.pem`),
          '--x509keyfile',
          pki(`${leaf}.key`),
          '--priority',
          `${TLS12}:-CIPHER-ALL:-KX-ALL:${gnutls}`,
          '--echo',
          '--noticket',
        ],
        undefined,
        true,
      );
      await peer.waitFor(/listening on IPv4 .*done/);
      const first = await ourClient(port, {}, 'ping over gnutls\n', (t) => t.includes('\n'));
      expect(first.text).toBe('ping over gnutls\n');
      expect(negotiated(first.events)).toMatchObject({ cipherSuite: CipherSuite[suite], extendedMasterSecret: true });
      const session = sessionOf(first.events);
      const second = await ourClient(port, { session }, 'again\n', (t) => t.includes('\n'));
      expect(second.text).toBe('again\n');
      expect(negotiated(second.events)).toMatchObject({ resumed: true });
    });
  }
});

describe.skipIf(SKIP_GNUTLS)('TLS 1.2: our server against gnutls-cli --resume', () => {
  const provider = new NobleProvider();
  for (const [suite, , , leaf] of SUITES) {
    for (const resumption of ['session ID', 'ticket'] as const) {
      it(`${suite}: echo, and gnutls-cli reports the resumed session (${resumption})`, async () => {
        const id = identity(leaf);
        const store = new MemorySessionStore();
        const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
        const server = await ourServer(
          () =>
            new Tls12Server({
              certificate: id.certified,
              cipherSuites: [CipherSuite[suite]],
              ...(resumption === 'ticket' ? { ticketer } : { sessionStore: store }),
            }),
          'echo',
        );
        try {
          const client = startPeer(
            'gnutls-cli',
            [
              '--port',
              String(server.port),
              '--x509cafile',
              ROOT,
              '--resume',
              '--priority',
              TLS12,
              ...(resumption === 'session ID' ? ['--noticket'] : []),
              '--sni-hostname',
              'localhost',
              '--verify-hostname',
              'localhost',
              '127.0.0.1',
            ],
            'ping over gnutls\n',
          );
          await client.exited();
          expect(client.output()).toMatch(/This is a resumed session/);
          expect(client.output()).toContain('ping over gnutls');
          expect(server.log.map((events) => (negotiated(events) as { resumed: boolean }).resumed)).toEqual([
            false,
            true,
          ]);
        } finally {
          server.close();
        }
      });
    }
  }
});

/**
 * TLS 1.2 interop with Node's node:tls (OpenSSL 3) over 127.0.0.1 (`maxVersion: 'TLSv1.2'`), both
 * roles, for each of the 8 suites of the issue (SUITES: ECDHE_ECDSA and ECDHE_RSA with
 * AES_128_GCM_SHA256, AES_256_GCM_SHA384 and CHACHA20_POLY1305_SHA256, RFC 5288 and RFC 7905; RSA
 * key transport, RFC 5246 §7.4.7.1, with the two AES-GCM suites). Per suite and role, four
 * connections with 1 MiB each way and close_notify, every one with client authentication (an ECDSA
 * or Ed25519 server key meets an RSA client key, an RSA server key an ECDSA client key):
 * - a full handshake, tickets off (our `sessionTickets: false`; node's client with SSL_OP_NO_TICKET);
 * - a resumption by that session ID (node's server cache: its newSession/resumeSession events; ours:
 *   a MemorySessionStore);
 * - a full handshake offering session_ticket, then a resumption by that RFC 5077 ticket (our server
 *   then has a ticketer and no cache).
 * node's verdicts: `isSessionReused()` false, true, false, true; `authorized` true on every
 * connection (node's server verified our client certificate against the test root; node's client
 * verified our server certificate for `localhost`); the peer's subject CN from `getPeerCertificate()`
 * (the client certificate's on every connection; the server's on full handshakes, as node's client
 * has no peer chain in a restored session); node's key log CLIENT_RANDOM lines equal to our `secret`
 * events. Ours: `negotiated` with the suite, `resumed` false/true and the extended master secret, the
 * exact server leaf (our client) or the client leaf proved and chained to the root (our server, full
 * handshakes only), the peer's close_notify received, and every byte compared.
 * Also: ECDHE over P-256 and P-384; RSA PKCS#1 v1.5 ServerKeyExchange signatures; a node server with
 * SSL_OP_NO_TICKET resuming our client by session ID while we offer tickets; node's client resuming
 * from our server with only a cache (while offering tickets) or only a ticketer; a custom
 * `verifyClient` given node's client chain.
 */
import { constants } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import type { Tls12ClientConfig, Tls12ClientSession, Tls12Event } from '../../src/handshake/tls12/types.js';
import { CipherSuite, NamedGroup, SignatureScheme } from '../../src/tls/enums.js';
import { decodePem } from '../../src/x509/pem.js';
import { C2S, equal, S2C, MIB as SIZE } from '../support/payload.js';
import { pipe } from './tls12-peers.js';
import { identity, pki } from './tls12-support.js';

const ROOT = pki('root-ca.crt');
const ROOT_DER = decodePem(ROOT).map((b) => b.der);
const WAIT_MS = 30_000;

/** Our suites with OpenSSL's names, and the certificate each is run with. */
const SUITES = [
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'server-ecdsa'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'server-ecdsa'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'server-ed25519'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'server-rsa'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'server-rsa'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305', 'server-rsa'],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256', 'server-rsa'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384', 'server-rsa'],
] as const;

/** The client certificate each server certificate is paired with: the other key type (as tls12-openssl). */
const clientOf = (leaf: string) => (leaf === 'server-rsa' ? 'client' : 'client-rsa');
/** The subject CN of each test PKI client certificate. */
const CLIENT_CN: Record<string, string> = { client: 'test-client', 'client-rsa': 'test-client-rsa' };

/** Reject after WAIT_MS so no test waits forever. */
function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface ClientRun {
  events: Tls12Event[];
  received: Uint8Array;
  reused: boolean;
  /** The node:tls server's `authorized`: it verified our client certificate against its `ca`. */
  authorized: boolean;
  /** The subject CN of the client certificate node:tls saw (undefined when there was none). */
  peerCN: string | string[] | undefined;
  /** The node:tls server's key log lines for this connection. */
  keylog: string[];
}

/** Our client against a node:tls server that answers S2C once it has all of C2S, then closes. */
async function ourClient(
  server: tls.Server,
  config: Omit<Tls12ClientConfig, 'verifyServer'>,
  expectedLeaf: Uint8Array,
): Promise<ClientRun> {
  const port = (server.address() as net.AddressInfo).port;
  let reused = false;
  let authorized = false;
  let peerCN: string | string[] | undefined;
  const keylog: string[] = [];
  server.once('secureConnection', (s: tls.TLSSocket) => {
    reused = s.isSessionReused();
    authorized = s.authorized;
    peerCN = s.getPeerCertificate().subject?.CN;
  });
  const onKeylog = (line: Buffer) => keylog.push(line.toString('latin1').trim());
  server.on('keylog', onKeylog);
  return bounded(
    new Promise<ClientRun>((resolve, reject) => {
      const events: Tls12Event[] = [];
      const received: Uint8Array[] = [];
      const client = new Tls12Client({
        keyLog: true,
        serverName: 'localhost',
        ...config,
        verifyServer: (chain) => {
          if (!equal(chain[0]!, expectedLeaf)) throw new Error('unexpected leaf certificate');
        },
      });
      const socket = net.connect(port, '127.0.0.1');
      const run = pipe(socket, client, (e) => {
        events.push(e);
        if (e.kind === 'error') reject(e.error);
        if (e.kind === 'established') run(client.write(C2S));
        if (e.kind === 'data') received.push(e.bytes.slice());
        if (e.kind === 'closed') {
          run(client.close());
          socket.end();
          server.off('keylog', onKeylog);
          resolve({ events, received: Buffer.concat(received), reused, authorized, peerCN, keylog });
        }
      });
      socket.on('connect', () => run(client.start()));
      socket.on('error', reject);
    }),
    'our client',
  );
}

/** A node:tls TLS 1.2 server that answers S2C once it has all of C2S. */
async function nodeServer(options: tls.TlsOptions): Promise<tls.Server> {
  const server = tls.createServer({ maxVersion: 'TLSv1.2', ...options }, (s) => {
    let got = 0;
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => {
      got += d.length;
      chunks.push(d);
      if (got === SIZE) {
        if (!equal(Buffer.concat(chunks), C2S)) s.destroy(new Error('server got wrong bytes'));
        s.end(S2C);
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

interface ServerRun {
  serverEvents: Tls12Event[];
  received: Uint8Array;
  session: Buffer | undefined;
  /** The RFC 5077 ticket node:tls holds for the session (`getTLSTicket()`), if any. */
  ticket: Buffer | undefined;
  reused: boolean;
  /** The node:tls client's `authorized`: it verified our server certificate against `ca` and `servername`. */
  authorized: boolean;
  /** The subject CN of the server certificate node:tls saw. */
  peerCN: string | string[] | undefined;
  /** The node:tls client's key log lines. */
  keylog: string[];
}

/** Our server against a node:tls client that sends C2S and reads S2C. */
async function ourServer(makeServer: () => Tls12Server, clientOptions: tls.ConnectionOptions): Promise<ServerRun> {
  const serverEvents: Tls12Event[] = [];
  let failure: Error | undefined;
  let serverClosed: () => void = () => undefined;
  const closed = new Promise<void>((r) => {
    serverClosed = r;
  });
  const listener = net.createServer((socket) => {
    const server = makeServer();
    let got = 0;
    const chunks: Uint8Array[] = [];
    const run = pipe(socket, server, (e) => {
      serverEvents.push(e);
      if (e.kind === 'error') failure = e.error;
      if (e.kind === 'data') {
        got += e.bytes.length;
        chunks.push(e.bytes.slice());
        if (got === SIZE) {
          if (!equal(Buffer.concat(chunks), C2S)) failure = new Error('our server got wrong bytes');
          run(server.write(S2C));
          run(server.close());
        }
      }
      if (e.kind === 'closed') {
        socket.end();
        serverClosed();
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as net.AddressInfo).port;
  try {
    return await bounded(
      new Promise<ServerRun>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const keylog: string[] = [];
        let session: Buffer | undefined;
        let authorized = false;
        let peerCN: string | string[] | undefined;
        const c = tls.connect(
          { port, host: '127.0.0.1', servername: 'localhost', ca: ROOT, maxVersion: 'TLSv1.2', ...clientOptions },
          () => {
            authorized = c.authorized;
            peerCN = c.getPeerCertificate().subject?.CN;
            c.write(C2S);
          },
        );
        c.on('session', (s: Buffer) => {
          session = s;
        });
        c.on('keylog', (line: Buffer) => keylog.push(line.toString('latin1').trim()));
        c.on('data', (d: Buffer) => chunks.push(d));
        c.on('end', () => {
          const reused = c.isSessionReused();
          const ticket = c.getTLSTicket();
          c.end();
          const result = {
            serverEvents,
            received: Buffer.concat(chunks),
            session,
            ticket,
            reused,
            authorized,
            peerCN,
            keylog,
          };
          // Our server has seen the client's close_notify once it reports `closed`.
          closed.then(() => (failure ? reject(failure) : resolve(result)));
        });
        c.on('error', (e) => reject(failure ?? e));
      }),
      'node client',
    );
  } finally {
    listener.close();
  }
}

/** Our `secret` events as SSLKEYLOGFILE lines (RFC-less format of NSS, as OpenSSL writes it). */
const keylogLines = (events: Tls12Event[]) =>
  events.flatMap((e) =>
    e.kind === 'secret' ? [`${e.label} ${toHex(e.clientRandom).toUpperCase()} ${toHex(e.secret).toUpperCase()}`] : [],
  );

/** OpenSSL's CLIENT_RANDOM lines (it also logs `RSA` premaster lines for RSA key transport). */
const clientRandomLines = (lines: string[]) =>
  lines.filter((l) => l.startsWith('CLIENT_RANDOM ')).map((l) => l.toUpperCase());

const negotiated = (events: Tls12Event[]) => events.find((e) => e.kind === 'negotiated');
const sessionOf = (events: Tls12Event[]) =>
  (events.find((e) => e.kind === 'session') as { session: Tls12ClientSession } | undefined)?.session;
/** The types of the handshake messages a side sent, in order. */
const sentTypes = (events: Tls12Event[]) =>
  events.flatMap((e) => (e.kind === 'handshake-message' && e.direction === 'sent' ? [e.message.type] : []));
/** The peer's close_notify arrived. */
const closeNotified = (events: Tls12Event[]) => events.some((e) => e.kind === 'alert-received' && e.description === 0);

/**
 * node:tls keeps server sessions in the application (it runs OpenSSL with SSL_SESS_CACHE_NO_INTERNAL):
 * its documented newSession/resumeSession events over a Map.
 */
function sessionCache(server: tls.Server): void {
  const cache = new Map<string, Buffer>();
  server.on('newSession', (sessionId: Buffer, data: Buffer, done: () => void) => {
    cache.set(sessionId.toString('hex'), data);
    done();
  });
  server.on('resumeSession', (sessionId: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
    done(null, cache.get(sessionId.toString('hex')) ?? null);
  });
}

describe('TLS 1.2: our client against node:tls', () => {
  for (const [suite, opensslName, certName] of SUITES) {
    const mine = clientOf(certName);
    it(`${suite} (${certName}): node verifies our ${mine} certificate, 1 MiB each way, close_notify; then resumed by session ID and by ticket`, async () => {
      const id = identity(certName);
      const leaf = id.certified.chain[0]!;
      const server = await nodeServer({
        key: id.keyPem,
        cert: id.pem,
        ciphers: opensslName,
        requestCert: true,
        rejectUnauthorized: true,
        ca: ROOT,
      });
      sessionCache(server);
      const base = { cipherSuites: [CipherSuite[suite]], certificate: identity(mine).certified };
      /** What every connection must show, whatever node reports about reuse. */
      const check = (run: ClientRun, resumed: boolean) => {
        expect(run.reused).toBe(resumed);
        expect(run.authorized).toBe(true);
        expect(run.peerCN).toBe(CLIENT_CN[mine]);
        expect(equal(run.received, S2C)).toBe(true);
        expect(negotiated(run.events)).toMatchObject({
          version: 0x0303,
          cipherSuite: CipherSuite[suite],
          resumed,
          extendedMasterSecret: true,
          secureRenegotiation: true,
        });
        expect(closeNotified(run.events)).toBe(true);
        expect(keylogLines(run.events).map((l) => l.toUpperCase())).toEqual(clientRandomLines(run.keylog));
      };
      try {
        // Full handshake without the session_ticket extension: OpenSSL assigns a session ID, asks for
        // our certificate and verifies it.
        const full = await ourClient(server, { ...base, sessionTickets: false }, leaf);
        check(full, false);
        expect(negotiated(full.events)).toMatchObject({
          group: suite.startsWith('TLS_RSA_') ? undefined : NamedGroup.x25519,
        });
        expect(sentTypes(full.events)).toContain('certificate_verify');
        const byId = sessionOf(full.events);
        expect(byId?.sessionId).toHaveLength(32);
        expect(byId?.ticket).toBeUndefined();

        const resumedById = await ourClient(server, { ...base, sessionTickets: false, session: byId }, leaf);
        check(resumedById, true);
        expect(sentTypes(resumedById.events)).not.toContain('certificate');

        // A full handshake offering session_ticket: OpenSSL issues a ticket, which the next one presents.
        const ticketed = await ourClient(server, base, leaf);
        check(ticketed, false);
        const byTicket = sessionOf(ticketed.events);
        expect(byTicket?.ticket?.length).toBeGreaterThan(0);
        // OpenSSL leaves the session ID empty when it will send a ticket: nothing of this session is in its cache.
        expect(byTicket?.sessionId).toHaveLength(0);

        const resumedByTicket = await ourClient(server, { ...base, session: byTicket }, leaf);
        check(resumedByTicket, true);
        expect(sentTypes(resumedByTicket.events)).not.toContain('certificate');
      } finally {
        server.close();
      }
    });
  }

  for (const [group, curve] of [
    [NamedGroup.secp256r1, 'P-256'],
    [NamedGroup.secp384r1, 'P-384'],
  ] as const) {
    it(`ECDHE over ${curve} (RFC 8422 §5.4)`, async () => {
      const id = identity('server-ecdsa');
      const server = await nodeServer({ key: id.keyPem, cert: id.pem, ecdhCurve: curve });
      try {
        const run = await ourClient(server, {}, id.certified.chain[0]!);
        expect(negotiated(run.events)).toMatchObject({ group });
        expect(equal(run.received, S2C)).toBe(true);
      } finally {
        server.close();
      }
    });
  }

  it('verifies an RSA PKCS#1 v1.5 ServerKeyExchange signature when only rsa_pkcs1_sha256 is offered', async () => {
    const id = identity('server-rsa');
    const server = await nodeServer({ key: id.keyPem, cert: id.pem, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
    try {
      const run = await ourClient(
        server,
        { signatureSchemes: [SignatureScheme.rsa_pkcs1_sha256] },
        id.certified.chain[0]!,
      );
      const ske = run.events.find((e) => e.kind === 'handshake-message' && e.message.type === 'server_key_exchange');
      expect(ske).toMatchObject({ message: { signatureAlgorithm: SignatureScheme.rsa_pkcs1_sha256 } });
      expect(equal(run.received, S2C)).toBe(true);
    } finally {
      server.close();
    }
  });

  it('resumes by session ID with an OpenSSL server whose tickets are off (SSL_OP_NO_TICKET) while we offer tickets', async () => {
    const id = identity('server-ecdsa');
    const server = await nodeServer({ key: id.keyPem, cert: id.pem, secureOptions: constants.SSL_OP_NO_TICKET });
    sessionCache(server);
    try {
      const first = await ourClient(server, {}, id.certified.chain[0]!);
      const session = sessionOf(first.events);
      expect(session?.sessionId).toHaveLength(32);
      expect(session?.ticket).toBeUndefined();
      const second = await ourClient(server, { session }, id.certified.chain[0]!);
      expect(second.reused).toBe(true);
      expect(negotiated(second.events)).toMatchObject({ resumed: true });
      expect(equal(second.received, S2C)).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe('TLS 1.2: our server against node:tls', () => {
  const provider = new NobleProvider();

  for (const [suite, opensslName, certName] of SUITES) {
    const mine = clientOf(certName);
    it(`${suite} (${certName}): we verify node's ${mine} certificate, 1 MiB each way, close_notify; then node resumes by session ID and by ticket`, async () => {
      const id = identity(certName);
      const me = identity(mine);
      // The session-ID connections meet a server with a session cache and a ticketer; the ticket ones
      // one with the ticketer alone, so that node can only be resuming by ticket there.
      const store = new MemorySessionStore();
      const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
      const config = { certificate: id.certified, clientAuth: 'require', clientRoots: ROOT_DER, ticketer } as const;
      const withCache = () => new Tls12Server({ keyLog: true, ...config, sessionStore: store });
      const ticketOnly = () => new Tls12Server({ ...config, keyLog: true });
      const base: tls.ConnectionOptions = { ciphers: opensslName, key: me.keyPem, cert: me.pem };
      const noTicket: tls.ConnectionOptions = { ...base, secureOptions: constants.SSL_OP_NO_TICKET };
      /** What every connection must show, whatever node reports about reuse. */
      const check = (run: ServerRun, resumed: boolean) => {
        expect(run.reused).toBe(resumed);
        expect(run.authorized).toBe(true);
        // A session node:tls restores from its serialized form keeps no peer chain, and node's client
        // reads the server certificate from the chain: only a full handshake shows it.
        if (!resumed) expect(run.peerCN).toBe('localhost');
        expect(equal(run.received, S2C)).toBe(true);
        expect(negotiated(run.serverEvents)).toMatchObject({
          version: 0x0303,
          cipherSuite: CipherSuite[suite],
          resumed,
          extendedMasterSecret: true,
        });
        expect(closeNotified(run.serverEvents)).toBe(true);
        expect(keylogLines(run.serverEvents).map((l) => l.toUpperCase())).toEqual(clientRandomLines(run.keylog));
        // Our verdict on node's certificate: proved and chained to the root in full handshakes only.
        const proved = run.serverEvents.filter(
          (e): e is Extract<Tls12Event, { kind: 'peer-certificate' }> => e.kind === 'peer-certificate',
        );
        expect(proved.map((e) => equal(e.chain[0]!, me.certified.chain[0]!))).toEqual(resumed ? [] : [true]);
      };

      // Full handshake, node with SSL_OP_NO_TICKET: our cache assigns a session ID.
      const full = await ourServer(withCache, noTicket);
      check(full, false);
      expect(negotiated(full.serverEvents)).toMatchObject({
        group: suite.startsWith('TLS_RSA_') ? undefined : NamedGroup.x25519,
      });
      expect(full.session).toBeDefined();
      expect(full.ticket).toBeUndefined();

      const resumedById = await ourServer(withCache, { ...noTicket, session: full.session });
      check(resumedById, true);

      // Full handshake offering session_ticket: node keeps our ticket and presents it next.
      const ticketed = await ourServer(ticketOnly, base);
      check(ticketed, false);
      expect(ticketed.ticket?.length).toBeGreaterThan(0);
      expect(sentTypes(ticketed.serverEvents)).toContain('new_session_ticket');

      const resumedByTicket = await ourServer(ticketOnly, { ...base, session: ticketed.session });
      check(resumedByTicket, true);
    });
  }

  for (const [group, curve] of [
    [NamedGroup.secp256r1, 'P-256'],
    [NamedGroup.secp384r1, 'P-384'],
  ] as const) {
    it(`ECDHE over ${curve} (RFC 8422 §5.4)`, async () => {
      const id = identity('server-rsa');
      const run = await ourServer(() => new Tls12Server({ keyLog: true, certificate: id.certified }), {
        ecdhCurve: curve,
      });
      expect(negotiated(run.serverEvents)).toMatchObject({ group });
      expect(equal(run.received, S2C)).toBe(true);
    });
  }

  it('signs with RSA PKCS#1 v1.5 when the client offers only rsa_pkcs1_sha256', async () => {
    const id = identity('server-rsa');
    const run = await ourServer(() => new Tls12Server({ keyLog: true, certificate: id.certified }), {
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
      sigalgs: 'RSA+SHA256',
    });
    const ske = run.serverEvents.find(
      (e) => e.kind === 'handshake-message' && e.message.type === 'server_key_exchange',
    );
    expect(ske).toMatchObject({ message: { signatureAlgorithm: SignatureScheme.rsa_pkcs1_sha256 } });
    expect(equal(run.received, S2C)).toBe(true);
  });

  it('node:tls resumes by session ID from our session cache (isSessionReused)', async () => {
    const id = identity('server-ecdsa');
    const store = new MemorySessionStore();
    const make = () => new Tls12Server({ keyLog: true, certificate: id.certified, sessionStore: store });
    const first = await ourServer(make, {});
    expect(first.session).toBeDefined();
    const second = await ourServer(make, { session: first.session });
    expect(second.reused).toBe(true);
    expect(negotiated(second.serverEvents)).toMatchObject({ resumed: true });
    expect(equal(second.received, S2C)).toBe(true);
  });

  it('node:tls resumes with our ticket (RFC 5077, isSessionReused)', async () => {
    const id = identity('server-ecdsa');
    const provider = new NobleProvider();
    const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
    const make = () => new Tls12Server({ keyLog: true, certificate: id.certified, ticketer });
    const first = await ourServer(make, {});
    expect(first.session).toBeDefined();
    const second = await ourServer(make, { session: first.session });
    expect(second.reused).toBe(true);
    expect(negotiated(second.serverEvents)).toMatchObject({ resumed: true });
  });

  it('requires and verifies a node:tls client certificate (RSA)', async () => {
    const id = identity('server-ecdsa');
    const mine = identity('client-rsa');
    let seen: readonly Uint8Array[] = [];
    const run = await ourServer(
      () =>
        new Tls12Server({
          keyLog: true,
          certificate: id.certified,
          clientAuth: 'require',
          verifyClient: (chain) => {
            seen = chain;
          },
        }),
      { key: mine.keyPem, cert: mine.pem },
    );
    expect(equal(seen[0]!, mine.certified.chain[0]!)).toBe(true);
    expect(run.serverEvents.some((e) => e.kind === 'peer-certificate')).toBe(true);
    expect(equal(run.received, S2C)).toBe(true);
  });
});

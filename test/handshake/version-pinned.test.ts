/**
 * Version-pinned machines against peers pinned to the other version (issue #10), over 127.0.0.1:
 * our TLS 1.2-only `Tls12Server` and TLS 1.3-only `TlsServer` against `openssl s_client` and
 * `gnutls-cli` limited to the other version, and our `TlsClient` and `Tls12Client` against
 * `openssl s_server` and `gnutls-serv` limited to the other version.
 *
 * What is required:
 * - a server that supports none of the client's versions aborts with protocol_version (70): RFC 8446
 *   §4.2.1 (with supported_versions the server selects only a version listed there; "servers MUST only
 *   select a version of TLS present in that extension"), Appendix D.2 and RFC 5246 Appendix E.1 (a
 *   server willing to use only versions above the client's sends protocol_version). So a TLS 1.2-only
 *   server answers a ClientHello whose supported_versions lists only TLS 1.3 with protocol_version, not
 *   with a ServerHello or a handshake_failure;
 * - a client whose one version the server did not choose aborts with protocol_version: RFC 8446
 *   Appendix D.1 ("If the version chosen by the server is not supported by the client ... the client MUST
 *   abort the handshake with a protocol_version alert"), RFC 5246 Appendix E.1;
 * - a client whose hello the peer refuses reports the peer's alert: protocol_version, or the
 *   handshake_failure gnutls-serv sends (below), where a version the peer does not speak is as likely a
 *   cause as the cipher suites, since a version-pinned client offers one version only;
 * - in every case the failure (`ConnectionFailure`) is in the stage 'negotiation', carries that one
 *   fatal alert and its origin, and names both versions: ours in its `reason`, the peer's (the one to
 *   enable) in its `hint`, written "TLS 1.2" and "TLS 1.3";
 * - the peer reports the alert, in its own words (openssl's "tlsv1 alert protocol version" and "SSL alert
 *   number 70", gnutls-cli's "Received alert [70]: Error in protocol version").
 *
 * What the peers do (OpenSSL 3.0, GnuTLS 3.7): openssl s_server limited to one version honours
 * supported_versions and refuses the other version's hello with protocol_version ("unsupported
 * protocol"). gnutls-serv limited to one version picks the version from legacy_version (0x0303) and then
 * looks for a cipher suite of that version: a hello without one is refused with handshake_failure (40, "No
 * supported cipher suites have been found"), and a TLS 1.3-only hello that also lists a TLS 1.2 suite gets
 * a TLS 1.2 ServerHello, which our TLS 1.3 client must answer with protocol_version.
 *
 * A missing openssl or gnutls skips its tests, except under CI=true where they fail (test/node/peers.ts).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AnyTlsEvent,
  ConnectionFailure,
  Tls12Client,
  Tls12Server,
  TlsClient,
  TlsServer,
} from '../../src/handshake/index.js';
import { AlertDescription, CipherSuite } from '../../src/tls/enums.js';
import { decodePem } from '../../src/x509/pem.js';
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
import { certified } from './memory.js';

/** Our listeners still open (closed by their first connection, or after the test). */
const listeners = new Set<net.Server>();
afterEach(() => {
  killAll();
  for (const l of listeners) l.close();
  listeners.clear();
});

const WAIT_MS = 20_000;
const ROOT = pki('root-ca.crt');
const ROOT_DER = decodePem(readPki('root-ca.crt')).map((b) => b.der);
const CERTIFICATE = certified('server-ecdsa');
const GNUTLS = { 'TLS 1.2': 'NORMAL:-VERS-ALL:+VERS-TLS1.2', 'TLS 1.3': 'NORMAL:-VERS-ALL:+VERS-TLS1.3' } as const;
const OPENSSL = { 'TLS 1.2': '-tls1_2', 'TLS 1.3': '-tls1_3' } as const;
type Version = keyof typeof GNUTLS;
const other = (v: Version): Version => (v === 'TLS 1.2' ? 'TLS 1.3' : 'TLS 1.2');

/** The surface of our machines a socket needs. */
interface Machine {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Drive `machine` over `socket` (a client's `start()` as `first` once connected): received bytes in,
 * `send` events out, the socket ended after an `error` event. Resolves with every other event once the
 * socket has closed; rejects when it never connected.
 */
function drive(socket: net.Socket, machine: Machine, first: () => AnyTlsEvent[] = () => []): Promise<AnyTlsEvent[]> {
  return within(
    new Promise<AnyTlsEvent[]>((resolve, reject) => {
      const events: AnyTlsEvent[] = [];
      let connected = !socket.connecting;
      let failure: Error | undefined;
      const act = (batch: AnyTlsEvent[]) => {
        for (const e of batch) {
          if (e.kind === 'send') socket.write(e.bytes);
          else events.push(e);
          if (e.kind === 'error') socket.end();
        }
      };
      socket.on('data', (chunk: Uint8Array) => act(machine.handle(chunk)));
      // A reset after the peer's alert is the end of the connection: 'close' follows.
      socket.on('error', (e) => {
        failure = e;
      });
      socket.on('close', () => (connected ? resolve(events) : reject(failure ?? new Error('not connected'))));
      const begin = () => {
        connected = true;
        act(first());
      };
      if (connected) begin();
      else socket.on('connect', begin);
    }),
    'the end of the connection',
  );
}

/** One of our server machines for the first connection to a free 127.0.0.1 port; `events` once it closed. */
async function serveOnce(make: () => Machine): Promise<{ port: number; events: Promise<AnyTlsEvent[]> }> {
  let accepted!: (socket: net.Socket) => void;
  const socket = new Promise<net.Socket>((resolve) => {
    accepted = resolve;
  });
  const listener = net.createServer((s) => {
    listener.close();
    accepted(s);
  });
  listeners.add(listener);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  const events = within(socket, 'a connection from the peer').then((s) => drive(s, make()));
  // Settled by the test; kept from being reported as unhandled if the peer fails first.
  events.catch(() => undefined);
  return { port, events };
}

/** Our client machine on a connection to 127.0.0.1:`port`; resolves with its events once the connection closed. */
function connectOnce(port: number, machine: Machine & { start(): AnyTlsEvent[] }): Promise<AnyTlsEvent[]> {
  return drive(net.connect(port, '127.0.0.1'), machine, () => machine.start());
}

/** Every alert of a connection in order, as [direction, level, description]. */
const alerts = (events: AnyTlsEvent[]) =>
  events.flatMap((e) =>
    e.kind === 'alert-sent' || e.kind === 'alert-received'
      ? [[e.kind === 'alert-sent' ? 'sent' : 'received', e.level, e.description]]
      : [],
  );

/** The handshake messages of one direction, by type. */
const messages = (events: AnyTlsEvent[], direction: 'sent' | 'received') =>
  events.flatMap((e) => (e.kind === 'handshake-message' && e.direction === direction ? [e.message.type] : []));

/** The one `error` event's ConnectionFailure. */
function failureOf(events: AnyTlsEvent[]): ConnectionFailure {
  const errors = events.flatMap((e) => (e.kind === 'error' ? [e.error] : []));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(ConnectionFailure);
  return errors[0] as ConnectionFailure;
}

/**
 * The version failure as the implementer must report it: exactly one fatal alert (`alert`, sent or
 * received), and a ConnectionFailure in the stage 'negotiation' with that alert and origin, our version
 * named in its reason and the peer's in its hint ("TLS 1.2", "TLS 1.3"). One comparison, so a failure
 * shows every difference at once.
 */
function expectVersionFailure(
  events: AnyTlsEvent[],
  expected: { ours: Version; alert: number; origin: 'sent' | 'received' },
): void {
  const failure = failureOf(events);
  expect({
    alerts: alerts(events),
    stage: failure.stage,
    alert: failure.alert,
    alertOrigin: failure.alertOrigin,
    reason: failure.reason,
    hint: failure.hint,
  }).toEqual({
    alerts: [[expected.origin, 2, expected.alert]],
    stage: 'negotiation',
    alert: expected.alert,
    alertOrigin: expected.origin,
    reason: expect.stringContaining(expected.ours),
    hint: expect.stringContaining(other(expected.ours)),
  });
}

const tls12Server = () => new Tls12Server({ certificate: CERTIFICATE });
const tls13Server = () => new TlsServer({ certificate: CERTIFICATE });
const SERVERS = [
  { ours: 'TLS 1.2', name: 'Tls12Server', make: tls12Server },
  { ours: 'TLS 1.3', name: 'TlsServer', make: tls13Server },
] as const;

/** `openssl s_client` limited to `version`, stdin closed. */
const sClient = (port: number, version: Version) =>
  startPeer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, OPENSSL[version], '-servername', 'localhost'], '');

/** `gnutls-cli` limited to `version`, trusting the test root, stdin closed. */
const gnutlsCli = (port: number, version: Version) =>
  startPeer(
    'gnutls-cli',
    [
      '--port',
      String(port),
      '--x509cafile',
      ROOT,
      '--priority',
      GNUTLS[version],
      '--sni-hostname',
      'localhost',
      '--verify-hostname',
      'localhost',
      '127.0.0.1',
    ],
    '',
  );

describe.skipIf(SKIP_OPENSSL)('our version-pinned servers against openssl s_client pinned to the other version', () => {
  for (const { ours, name, make } of SERVERS) {
    const theirs = other(ours);
    it(`${name} (${ours} only) ← s_client ${OPENSSL[theirs]}: we send protocol_version (70); s_client reports it`, async () => {
      const server = await serveOnce(make);
      const client = sClient(server.port, theirs);
      expect(await client.exited(), client.output()).toBe(1);
      const events = await server.events;

      expect.soft(client.output()).toMatch(/tlsv1 alert protocol version/);
      expect.soft(client.output()).toMatch(/SSL alert number 70\b/);
      expect.soft(messages(events, 'sent'), 'no ServerHello for a version we do not speak').toEqual([]);
      expectVersionFailure(events, { ours, alert: AlertDescription.protocol_version, origin: 'sent' });
    });
  }
});

describe.skipIf(SKIP_GNUTLS)('our version-pinned servers against gnutls-cli pinned to the other version', () => {
  for (const { ours, name, make } of SERVERS) {
    const theirs = other(ours);
    it(`${name} (${ours} only) ← gnutls-cli ${GNUTLS[theirs]}: we send protocol_version (70); gnutls-cli reports it`, async () => {
      const server = await serveOnce(make);
      const client = gnutlsCli(server.port, theirs);
      expect(await client.exited(), client.output()).toBe(1);
      const events = await server.events;

      expect.soft(client.output()).toMatch(/\*\*\* Received alert \[70\]: Error in protocol version/);
      expect.soft(messages(events, 'sent'), 'no ServerHello for a version we do not speak').toEqual([]);
      expectVersionFailure(events, { ours, alert: AlertDescription.protocol_version, origin: 'sent' });
    });
  }
});

const tls13Client = (extra: Partial<ConstructorParameters<typeof TlsClient>[0]> = {}) =>
  new TlsClient({ serverName: 'localhost', roots: ROOT_DER, ...extra });
const tls12Client = () => new Tls12Client({ serverName: 'localhost', roots: ROOT_DER });

describe.skipIf(SKIP_OPENSSL)('our version-pinned clients against openssl s_server pinned to the other version', () => {
  // s_server honours supported_versions (RFC 8446 §4.2.1) and refuses the other version's hello itself.
  it('TlsClient (TLS 1.3 only) → s_server -tls1_2: s_server refuses our hello with protocol_version (70)', async () => {
    const server = await opensslServer('server-ecdsa', [], '-tls1_2');
    const events = await connectOnce(server.port, tls13Client());

    expect(messages(events, 'received')).toEqual([]);
    expectVersionFailure(events, { ours: 'TLS 1.3', alert: AlertDescription.protocol_version, origin: 'received' });
    await server.waitFor(/unsupported protocol/);
  });

  it('Tls12Client (TLS 1.2 only) → s_server -tls1_3: s_server refuses our hello with protocol_version (70)', async () => {
    const server = await opensslServer('server-ecdsa', [], '-tls1_3');
    const events = await connectOnce(server.port, tls12Client());

    expect(messages(events, 'received')).toEqual([]);
    expectVersionFailure(events, { ours: 'TLS 1.2', alert: AlertDescription.protocol_version, origin: 'received' });
    await server.waitFor(/unsupported protocol/);
  });
});

describe.skipIf(SKIP_GNUTLS)('our version-pinned clients against gnutls-serv pinned to the other version', () => {
  it('TlsClient (TLS 1.3 only, a TLS 1.2 suite listed too) → gnutls-serv TLS 1.2: it answers with a TLS 1.2 ServerHello; we send protocol_version (70)', async () => {
    // RFC 8446 §D.1: the version the server chose is not ours → protocol_version. Our hello lists a
    // TLS 1.2 suite (supported_versions still offers TLS 1.3 alone) so that gnutls-serv, which picks
    // TLS 1.2 from legacy_version, finds a suite and answers with a ServerHello.
    const server = await gnutlsServer('server-ecdsa', [], GNUTLS['TLS 1.2']);
    const client = tls13Client({
      editClientHello: (hello) => ({
        ...hello,
        cipherSuites: [...hello.cipherSuites, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
      }),
    });
    const events = await connectOnce(server.port, client);

    const serverHello = events.find((e) => e.kind === 'handshake-message' && e.message.type === 'server_hello');
    expect(serverHello && serverHello.kind === 'handshake-message' && serverHello.message).toMatchObject({
      type: 'server_hello',
      version: 0x0303,
    });
    expectVersionFailure(events, { ours: 'TLS 1.3', alert: AlertDescription.protocol_version, origin: 'sent' });
    await server.waitFor(/Error in handshake: A TLS fatal alert has been received/);
  });

  it('TlsClient (TLS 1.3 only) → gnutls-serv TLS 1.2: gnutls-serv refuses our hello (handshake_failure, 40: no TLS 1.2 suite in it)', async () => {
    const server = await gnutlsServer('server-ecdsa', [], GNUTLS['TLS 1.2']);
    const events = await connectOnce(server.port, tls13Client());

    expect(messages(events, 'received')).toEqual([]);
    expectVersionFailure(events, { ours: 'TLS 1.3', alert: AlertDescription.handshake_failure, origin: 'received' });
    await server.waitFor(/Error in handshake: No supported cipher suites have been found/);
  });

  it('Tls12Client (TLS 1.2 only) → gnutls-serv TLS 1.3: gnutls-serv refuses our hello (handshake_failure, 40)', async () => {
    const server = await gnutlsServer('server-ecdsa', [], GNUTLS['TLS 1.3']);
    const events = await connectOnce(server.port, tls12Client());

    expect(messages(events, 'received')).toEqual([]);
    expectVersionFailure(events, { ours: 'TLS 1.2', alert: AlertDescription.handshake_failure, origin: 'received' });
    await server.waitFor(/Error in handshake: No supported cipher suites have been found/);
  });
});

/**
 * What a peer may send for free is bounded (issue #11 item 8; defaults as OpenSSL): empty
 * application_data records (RFC 8446 §5.1 and RFC 5246 §6.2.1 allow them), warning alerts (RFC 5246
 * §7.2; TLS 1.3 user_canceled, RFC 8446 §6.1), dropped TLS 1.3 ChangeCipherSpecs (§5) and KeyUpdates
 * without data between them (§4.6.3). Exactly the limit is accepted; one more ends the connection
 * with unexpected_message. Records the API cannot send are sealed here with the keys from the key log.
 */
import { describe, expect, it } from 'vitest';
import { tls13CipherSuite } from '../../src/crypto/key-schedule.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { RecordSealer } from '../../src/crypto/record-protection.js';
import { Tls12MasterSecret, tls12CipherSuite } from '../../src/crypto/tls12-key-schedule.js';
import { Tls12RecordSealer } from '../../src/crypto/tls12-record-protection.js';
import { TlsClient } from '../../src/handshake/client.js';
import { TlsServer } from '../../src/handshake/server.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import type { AnyTlsEvent } from '../../src/handshake/types.js';
import { AlertDescription, CipherSuite, ContentType } from '../../src/tls/enums.js';
import { certified } from './memory.js';

const CERT = certified('server-ecdsa');
const accept = () => undefined;
const provider = new NobleProvider();
const USER_CANCELED = Uint8Array.of(1, AlertDescription.user_canceled);

interface Side {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}

function sent(events: AnyTlsEvent[]): Uint8Array[] {
  return events.flatMap((e) => (e.kind === 'send' ? [e.bytes] : []));
}

function deliver(events: AnyTlsEvent[], to: Side, back: Side): void {
  for (const bytes of sent(events)) deliver(to.handle(bytes), back, to);
}

/** 'ok', or the fatal alerts sent and the number of failures. */
function verdict(events: AnyTlsEvent[]): string {
  const alerts = events.flatMap((e) => (e.kind === 'alert-sent' && e.level === 2 ? [e.description] : []));
  const errors = events.filter((e) => e.kind === 'error').length;
  return alerts.length === 0 && errors === 0 ? 'ok' : `${alerts.join(',')} / ${errors} error`;
}

const REFUSED = `${AlertDescription.unexpected_message} / 1 error`;

/** The client's secret of `label` from its key log events. */
function secretOf(events: AnyTlsEvent[], label: string): Uint8Array {
  for (const e of events) if (e.kind === 'secret' && e.label === label) return e.secret;
  throw new Error(`no ${label}`);
}

/** Run the handshake; returns every event of the client (its key log included). */
function handshake(
  client: Side & { start(): AnyTlsEvent[]; isEstablished: boolean },
  server: Side & { isEstablished: boolean },
): AnyTlsEvent[] {
  const log = client.start();
  const c: Side = {
    handle: (b) => {
      const events = client.handle(b);
      log.push(...events);
      return events;
    },
  };
  deliver([...log], server, c);
  expect(client.isEstablished && server.isEstablished).toBe(true);
  return log;
}

function pair13(serverLimits = {}) {
  const client = new TlsClient({ serverName: 'localhost', verifyServer: accept, keyLog: true });
  const server = new TlsServer({ certificate: CERT, limits: serverLimits });
  const log = handshake(client, server);
  // The client's application records as the client would seal them (its first is sequence 0).
  const sealer = RecordSealer.fromSecret(provider, tls13CipherSuite(0x1301)!, secretOf(log, 'CLIENT_TRAFFIC_SECRET_0'));
  return { client, server, seal: (type: ContentType, content: Uint8Array) => sealer.seal(type, content) };
}

function pair12(serverLimits = {}) {
  const suite = tls12CipherSuite(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)!;
  const client = new Tls12Client({
    serverName: 'localhost',
    verifyServer: accept,
    keyLog: true,
    cipherSuites: [suite.value],
  });
  const server = new Tls12Server({ certificate: CERT, limits: serverLimits });
  const log = handshake(client, server);
  const hello = log.find((e) => e.kind === 'handshake-message' && e.message.type === 'server_hello');
  const serverRandom =
    hello?.kind === 'handshake-message' && 'random' in hello.message ? hello.message.random : undefined;
  const secret = log.find((e) => e.kind === 'secret');
  if (secret?.kind !== 'secret' || !serverRandom) throw new Error('no key log');
  const master = new Tls12MasterSecret(provider, suite, secret.secret, secret.clientRandom, serverRandom);
  // The client's Finished was record 0 of its epoch: the next is 1.
  const sealer = Tls12RecordSealer.fromKeyBlock(provider, suite, master.keyBlock(), 'client');
  sealer.setSequence(1n);
  return { client, server, seal: (type: ContentType, content: Uint8Array) => sealer.seal(type, content) };
}

describe('empty application_data records in a row (default 32, as OpenSSL)', () => {
  for (const [version, make] of [
    ['TLS 1.3', () => pair13()],
    ['TLS 1.2', () => pair12()],
  ] as const) {
    it(`${version}: 32 are accepted, the 33rd is unexpected_message; data in between resets the count`, () => {
      const { client, server } = make();
      const empty = () => sent(client.write(new Uint8Array(0)))[0]!;
      for (let i = 0; i < 32; i++) expect(verdict(server.handle(empty()))).toBe('ok');
      expect(verdict(server.handle(sent(client.write(Uint8Array.of(1)))[0]!))).toBe('ok');
      for (let i = 0; i < 32; i++) expect(verdict(server.handle(empty()))).toBe('ok');
      expect(verdict(server.handle(empty()))).toBe(REFUSED);
    });
  }
});

describe('warning alerts in a row (default 5, as OpenSSL)', () => {
  for (const [version, make] of [
    ['TLS 1.3 user_canceled', () => pair13()],
    ['TLS 1.2 user_canceled warnings', () => pair12()],
  ] as const) {
    it(`${version}: 5 are accepted, the 6th is unexpected_message`, () => {
      const { server, seal } = make();
      for (let i = 0; i < 5; i++) expect(verdict(server.handle(seal(ContentType.alert, USER_CANCELED)))).toBe('ok');
      expect(verdict(server.handle(seal(ContentType.alert, USER_CANCELED)))).toBe(REFUSED);
    });
  }

  it('a configured limit applies, and data between warnings resets the count', () => {
    const { server, seal } = pair13({ warningAlerts: 1 });
    expect(verdict(server.handle(seal(ContentType.alert, USER_CANCELED)))).toBe('ok');
    expect(verdict(server.handle(seal(ContentType.application_data, Uint8Array.of(1))))).toBe('ok');
    expect(verdict(server.handle(seal(ContentType.alert, USER_CANCELED)))).toBe('ok');
    expect(verdict(server.handle(seal(ContentType.alert, USER_CANCELED)))).toBe(REFUSED);
  });
});

describe('TLS 1.3 KeyUpdates without application data (default 32, as OpenSSL)', () => {
  it('32 are accepted, the 33rd is unexpected_message; data resets the count', () => {
    const { client, server } = pair13();
    const update = () => sent(client.keyUpdate(false))[0]!;
    for (let i = 0; i < 32; i++) expect(verdict(server.handle(update()))).toBe('ok');
    expect(verdict(server.handle(sent(client.write(Uint8Array.of(1)))[0]!))).toBe('ok');
    for (let i = 0; i < 32; i++) expect(verdict(server.handle(update()))).toBe('ok');
    expect(verdict(server.handle(update()))).toBe(REFUSED);
  });
});

describe('TLS 1.3 ChangeCipherSpec records dropped during the handshake (default 1, as OpenSSL)', () => {
  it('the first after the ClientHello is dropped, a second is unexpected_message', () => {
    const client = new TlsClient({ serverName: 'localhost', verifyServer: accept });
    const server = new TlsServer({ certificate: CERT });
    expect(verdict(server.handle(sent(client.start())[0]!))).toBe('ok');
    const ccs = Uint8Array.of(20, 3, 3, 0, 1, 1);
    expect(verdict(server.handle(ccs))).toBe('ok');
    expect(verdict(server.handle(ccs))).toBe(REFUSED);
  });
});

/**
 * A ClientHello offering TLS 1.3 and 1.2 that also offers a TLS 1.2 session: its session ID as
 * legacy_session_id (RFC 8446 §4.1.2), or its ticket in session_ticket with a session ID the server
 * echoes on acceptance (RFC 5077 §3.4). A TLS 1.2 server resumes it (RFC 5246 §7.3, abbreviated
 * handshake) under the extended master secret rules (RFC 7627 §5.3); a server speaking TLS 1.3
 * picks TLS 1.3 (RFC 8446 §4.2.1) and echoes the ID (§4.1.3), also after a HelloRetryRequest and in
 * middlebox compatibility mode (§D.4).
 */
import { describe, expect, it } from 'vitest';
import { concat } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { type AnyTlsEvent, NegotiatingClient, NegotiatingServer } from '../../src/handshake/negotiate.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import type { Tls12ClientSession, Tls12ServerConfig } from '../../src/handshake/tls12/types.js';
import { AlertDescription, NamedGroup } from '../../src/tls/enums.js';
import { findExtension } from '../../src/tls/extensions.js';
import { encodeHandshake, type HandshakeMessage } from '../../src/tls/messages/handshake.js';
import type { ClientHello, ServerHello } from '../../src/tls/messages/hello.js';
import { identity } from './tls12-support.js';

const ECDSA = identity('server-ecdsa');
const provider = new NobleProvider();
const accept = () => undefined;

interface Machine {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}
const sent = (events: AnyTlsEvent[]) => concat(...events.flatMap((e) => (e.kind === 'send' ? [e.bytes] : [])));
const kinds = <K extends AnyTlsEvent['kind']>(events: AnyTlsEvent[], kind: K) =>
  events.filter((e): e is Extract<AnyTlsEvent, { kind: K }> => e.kind === kind);
const fatal = (events: AnyTlsEvent[]) =>
  kinds(events, 'alert-sent')
    .filter((e) => e.level === 2)
    .map((e) => e.description);
/** The handshake messages a side sent, by type. */
const sentMessages = (events: AnyTlsEvent[]) =>
  kinds(events, 'handshake-message')
    .filter((e) => e.direction === 'sent')
    .map((e) => e.message);
const helloOf = (events: AnyTlsEvent[]) => sentMessages(events).find((m) => m.type === 'client_hello') as ClientHello;
const serverHelloOf = (events: AnyTlsEvent[]) =>
  sentMessages(events).find((m) => m.type === 'server_hello') as ServerHello;

/** Pass bytes back and forth until both sides are quiet; every event of each side. */
function pump(client: Machine, server: Machine, first: AnyTlsEvent[]) {
  const log = { client: [...first], server: [] as AnyTlsEvent[] };
  let toServer: Uint8Array = sent(first);
  for (let round = 0; round < 20 && toServer.length > 0; round++) {
    const s = server.handle(toServer);
    log.server.push(...s);
    const c = client.handle(sent(s));
    log.client.push(...c);
    toServer = sent(c);
  }
  return log;
}

type DualConfig = ConstructorParameters<typeof NegotiatingClient>[0];
const dual = (config: Partial<DualConfig> = {}) =>
  new NegotiatingClient({ serverName: 'localhost', verifyServer: accept, ...config });
const tls12Server = (config: Partial<Tls12ServerConfig>) =>
  new Tls12Server({ certificate: ECDSA.certified, ...config });

/** A first, full handshake of the dual client with a TLS 1.2 server: the session it gets. */
function firstSession(server: Partial<Tls12ServerConfig>, client: Partial<DualConfig> = {}): Tls12ClientSession {
  const c = dual(client);
  const l = pump(c, tls12Server(server), c.start());
  expect(kinds(l.client, 'negotiated')[0]).toMatchObject({ version: 0x0303, resumed: false });
  return kinds(l.client, 'session')[0]!.session as Tls12ClientSession;
}

/** Both sides established, resumed, and application data goes through. */
function expectResumed(
  client: NegotiatingClient,
  server: Machine & { isEstablished: boolean },
  log: ReturnType<typeof pump>,
) {
  expect(fatal(log.client)).toEqual([]);
  expect(fatal(log.server)).toEqual([]);
  expect(kinds(log.client, 'negotiated')[0]).toMatchObject({
    version: 0x0303,
    resumed: true,
    extendedMasterSecret: true,
  });
  expect(kinds(log.server, 'negotiated')[0]).toMatchObject({ version: 0x0303, resumed: true });
  // RFC 5246 §7.3 Figure 2: ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished; no Certificate.
  expect(sentMessages(log.server).map((m) => m.type)).not.toContain('certificate');
  expect(client.isEstablished && server.isEstablished).toBe(true);
  const data = kinds(server.handle(sent(client.write(Uint8Array.of(1, 2, 3)))), 'data');
  expect(data[0]!.bytes).toEqual(Uint8Array.of(1, 2, 3));
}

describe('a dual ClientHello resumes a TLS 1.2 session', () => {
  it('by session ID: legacy_session_id carries it and a TLS 1.2-only server resumes', () => {
    const store = new MemorySessionStore();
    const session = firstSession({ sessionStore: store });
    expect(session.sessionId).toHaveLength(32);
    expect(session.ticket).toBeUndefined();
    const client = dual({ tls12: { session } });
    const server = tls12Server({ sessionStore: store });
    const log = pump(client, server, client.start());
    const hello = helloOf(log.client);
    expect(hello.sessionId).toEqual(session.sessionId);
    expect(findExtension(hello.extensions, 'session_ticket')!.ticket).toHaveLength(0);
    expect(serverHelloOf(log.server).sessionId).toEqual(session.sessionId);
    expectResumed(client, server, log);
    // A session-ID resumption issues no new session (the one held stays valid).
    expect(kinds(log.client, 'session')).toEqual([]);
  });

  it('by ticket: session_ticket carries it with a fresh 32-byte session ID, echoed on acceptance', () => {
    const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
    const session = firstSession({ ticketer });
    expect(session.ticket).toBeDefined();
    expect(session.sessionId).toHaveLength(0);
    const client = dual({ tls12: { session } });
    const server = tls12Server({ ticketer });
    const log = pump(client, server, client.start());
    const hello = helloOf(log.client);
    expect(findExtension(hello.extensions, 'session_ticket')!.ticket).toEqual(session.ticket);
    expect(hello.sessionId).toHaveLength(32);
    expect(serverHelloOf(log.server).sessionId).toEqual(hello.sessionId);
    expectResumed(client, server, log);
    // RFC 5077 §3.3: the server renewed the ticket; the client stores the new one.
    const renewed = kinds(log.client, 'session')[0]!.session as Tls12ClientSession;
    expect(renewed.ticket).toBeDefined();
    expect(renewed.ticket).not.toEqual(session.ticket);
    expect(renewed.masterSecret).toEqual(session.masterSecret);
  });

  it('by ticket in middlebox compatibility mode: the compatibility session ID is the one echoed', () => {
    const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
    const session = firstSession({ ticketer });
    const client = dual({ middleboxCompat: true, tls12: { session } });
    const server = tls12Server({ ticketer });
    const log = pump(client, server, client.start());
    expect(helloOf(log.client).sessionId).toHaveLength(32);
    expectResumed(client, server, log);
  });

  it('an unknown session ID: the TLS 1.2 server does a full handshake and the client a new session', () => {
    const session = firstSession({ sessionStore: new MemorySessionStore() });
    const client = dual({ tls12: { session } });
    const server = tls12Server({ sessionStore: new MemorySessionStore() });
    const log = pump(client, server, client.start());
    expect(fatal(log.client)).toEqual([]);
    expect(kinds(log.client, 'negotiated')[0]).toMatchObject({ version: 0x0303, resumed: false });
    const fresh = kinds(log.client, 'session')[0]!.session as Tls12ClientSession;
    expect(fresh.sessionId).not.toEqual(session.sessionId);
    expect(client.isEstablished && server.isEstablished).toBe(true);
  });

  it('a dual server picks TLS 1.3 (RFC 8446 §4.2.1) and echoes the TLS 1.2 session ID, no resumption', () => {
    const store = new MemorySessionStore();
    const session = firstSession({ sessionStore: store });
    const client = dual({ tls12: { session } });
    const server = new NegotiatingServer({
      tls13: { certificate: ECDSA.certified },
      tls12: { certificate: ECDSA.certified, sessionStore: store },
    });
    const log = pump(client, server, client.start());
    expect(fatal(log.client)).toEqual([]);
    expect(kinds(log.client, 'negotiated')[0]).toMatchObject({ version: 0x0304, resumed: false });
    expect(serverHelloOf(log.server).sessionId).toEqual(session.sessionId);
    expect(client.isEstablished && server.isEstablished).toBe(true);
  });

  it('after a HelloRetryRequest the second hello repeats the legacy_session_id (RFC 8446 §4.1.2)', () => {
    const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
    const session = firstSession({ ticketer });
    const client = dual({ keyShareGroups: [NamedGroup.x25519], tls12: { session } });
    const server = new NegotiatingServer({
      tls13: { certificate: ECDSA.certified, groups: [NamedGroup.secp256r1] },
      tls12: { certificate: ECDSA.certified, ticketer },
    });
    const log = pump(client, server, client.start());
    expect(fatal(log.client)).toEqual([]);
    expect(kinds(log.client, 'negotiated')[0]).toMatchObject({ version: 0x0304, helloRetry: true });
    const hellos = sentMessages(log.client).filter((m): m is ClientHello => m.type === 'client_hello');
    expect(hellos).toHaveLength(2);
    expect(hellos[1]!.sessionId).toEqual(hellos[0]!.sessionId);
    expect(client.isEstablished).toBe(true);
  });

  describe('extended master secret (RFC 7627 §5.3)', () => {
    it('a session without EMS is not offered: neither its ID nor a ticket', () => {
      const store = new MemorySessionStore();
      const session = { ...firstSession({ sessionStore: store }), extendedMasterSecret: false };
      const hello = helloOf(dual({ tls12: { session } }).start());
      expect(hello.sessionId).not.toEqual(session.sessionId);
      expect(findExtension(hello.extensions, 'session_ticket')!.ticket).toHaveLength(0);
    });

    it('a resumed ServerHello without EMS for an EMS session → handshake_failure (40)', () => {
      const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
      const session = firstSession({ ticketer });
      const stripEms = (m: HandshakeMessage) =>
        m.type === 'server_hello'
          ? encodeHandshake({
              ...m,
              extensions: (m.extensions ?? []).filter((e) => e.kind !== 'extended_master_secret'),
            })
          : undefined;
      const client = dual({ tls12: { session } });
      const log = pump(client, tls12Server({ ticketer, onOutgoingMessage: stripEms }), client.start());
      expect(fatal(log.client)).toEqual([AlertDescription.handshake_failure]);
    });
  });
});

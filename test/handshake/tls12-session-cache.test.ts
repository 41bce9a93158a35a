/**
 * The TLS 1.2 session stores (RFC 5246 §7.4.1.2–3, RFC 5077 §4): the server cache is bounded (least
 * recently used evicted), entries expire after their lifetime, secrets are copied in and out; tickets
 * open only under their key and carry every field; the client cache keys sessions by name and port.
 * A session, by ID or by ticket, resumes only under the server name it was made for (RFC 6066 §3):
 * offered under another, or without one, the server does a full handshake; our client does not offer it.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { ClientSessionCache, MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import type {
  Tls12ClientConfig,
  Tls12ClientSession,
  Tls12Event,
  Tls12ServerConfig,
  Tls12SessionState,
} from '../../src/handshake/tls12/types.js';
import { findExtension } from '../../src/tls/extensions.js';
import type { ClientHello, ServerHello } from '../../src/tls/messages/hello.js';
import { identity, ofKind, pump } from './tls12-support.js';

const provider = new NobleProvider();
const state = (overrides: Partial<Tls12SessionState> = {}): Tls12SessionState => ({
  cipherSuite: 0xc02b,
  masterSecret: new Uint8Array(48).fill(5),
  extendedMasterSecret: true,
  issuedAt: 1_000_000,
  lifetime: 60,
  serverName: 'localhost',
  alpn: 'h2',
  ...overrides,
});
const id = (n: number) => new Uint8Array(32).fill(n);

describe('MemorySessionStore', () => {
  it('evicts the least recently used session beyond maxEntries', () => {
    const store = new MemorySessionStore({ maxEntries: 2, now: () => 1_000_000 });
    store.put(id(1), state());
    store.put(id(2), state());
    expect(store.get(id(1))).toBeDefined(); // 1 is now the most recently used
    store.put(id(3), state());
    expect(store.size).toBe(2);
    expect(store.get(id(2))).toBeUndefined();
    expect(store.get(id(1))).toBeDefined();
    expect(store.get(id(3))).toBeDefined();
  });

  it('drops a session once its lifetime has passed', () => {
    let now = 1_000_000;
    const store = new MemorySessionStore({ now: () => now });
    store.put(id(1), state({ lifetime: 60 }));
    now += 59_999;
    expect(store.get(id(1))).toBeDefined();
    now += 1;
    expect(store.get(id(1))).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('copies the master secret in and out, and remove() forgets', () => {
    const store = new MemorySessionStore({ now: () => 1_000_000 });
    const s = state();
    store.put(id(1), s);
    s.masterSecret.fill(0);
    const got = store.get(id(1))!;
    expect(got.masterSecret).toEqual(new Uint8Array(48).fill(5));
    got.masterSecret.fill(0);
    expect(store.get(id(1))!.masterSecret).toEqual(new Uint8Array(48).fill(5));
    store.remove(id(1));
    expect(store.get(id(1))).toBeUndefined();
  });
});

describe('Tls12AeadTicketer', () => {
  it('round-trips every field, with and without the optional ones', () => {
    const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
    for (const s of [state(), state({ alpn: undefined, serverName: undefined, extendedMasterSecret: false })]) {
      expect(ticketer.open(ticketer.seal(s))).toEqual(s);
    }
  });

  it('a ticket under another key, or altered, does not open', () => {
    const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
    const ticket = ticketer.seal(state());
    expect(new Tls12AeadTicketer(provider, provider.random(32)).open(ticket)).toBeUndefined();
    const altered = ticket.slice();
    altered[altered.length - 1]! ^= 1;
    expect(ticketer.open(altered)).toBeUndefined();
    expect(ticketer.open(ticket.subarray(0, 40))).toBeUndefined();
  });
});

describe('ClientSessionCache', () => {
  const session = (receivedAt: number): Tls12ClientSession => ({
    version: 0x0303,
    cipherSuite: 0xc02b,
    masterSecret: new Uint8Array(48),
    extendedMasterSecret: true,
    sessionId: id(1),
    ticket: undefined,
    lifetime: 10,
    receivedAt,
    serverName: 'example.com',
    alpn: undefined,
  });

  it('keys sessions by server name and port, and expires them', () => {
    let now = 5_000;
    const cache = new ClientSessionCache({ now: () => now });
    cache.put('example.com', 443, session(5_000));
    expect(cache.get('example.com', 443)).toBeDefined();
    expect(cache.get('example.com', 8443)).toBeUndefined();
    expect(cache.get('example.org', 443)).toBeUndefined();
    now = 15_000;
    expect(cache.get('example.com', 443)).toBeUndefined();
  });
});

describe('TLS 1.2 resumption is bound to the server name (RFC 6066 §3)', () => {
  const now = () => 1_000_000;
  const server = (config: Partial<Tls12ServerConfig>) =>
    new Tls12Server({ certificate: identity('server-ecdsa').certified, now, ...config });
  /** One handshake of our client (as `localhost` unless told) against `config`'s server. */
  const connect = (client: Partial<Tls12ClientConfig>, config: Partial<Tls12ServerConfig>) => {
    const c = new Tls12Client({ serverName: 'localhost', verifyServer: () => undefined, now, ...client });
    return pump(c, server(config), c.start());
  };
  const message = <T>(events: Tls12Event[], type: string): T =>
    ofKind(events, 'handshake-message').find((e) => e.message.type === type)!.message as T;
  /** What the server did with the offer: resumed or not, with a Certificate or not, the ID in its ServerHello. */
  const outcome = (log: { server: Tls12Event[]; client: Tls12Event[] }) => ({
    resumed: ofKind(log.server, 'negotiated')[0]!.resumed,
    certificate: ofKind(log.server, 'handshake-message').some((e) => e.message.type === 'certificate'),
    established: ofKind(log.server, 'established').length + ofKind(log.client, 'established').length,
    errors: ofKind(log.server, 'error').length + ofKind(log.client, 'error').length,
    sessionId: toHex(message<ServerHello>(log.server, 'server_hello').sessionId),
  });

  for (const by of ['session ID', 'ticket'] as const) {
    const config = (): Partial<Tls12ServerConfig> =>
      by === 'ticket'
        ? { ticketer: new Tls12AeadTicketer(provider, new Uint8Array(32).fill(9)) }
        : { sessionStore: new MemorySessionStore({ now }) };
    const clientOptions = { sessionTickets: by === 'ticket' };

    it(`by ${by}: resumed under its own name, a full handshake under another or none`, () => {
      const cfg = config();
      const first = connect(clientOptions, cfg);
      const session = ofKind(first.client, 'session')[0]!.session;
      expect(session.serverName).toBe('localhost');
      expect(outcome(connect({ ...clientOptions, session }, cfg))).toMatchObject({
        resumed: true,
        certificate: false,
        established: 2,
      });
      for (const name of ['other.example', 'LOCALHOST.', undefined]) {
        // A client that ignores the name it got the session under.
        const log = connect({ ...clientOptions, serverName: name, session: { ...session, serverName: name } }, cfg);
        const offered = message<ClientHello>(log.server, 'client_hello');
        if (by === 'ticket')
          expect(findExtension(offered.extensions, 'session_ticket')?.ticket).toEqual(session.ticket);
        else expect(toHex(offered.sessionId)).toBe(toHex(session.sessionId));
        const result = outcome(log);
        expect(result).toMatchObject({ resumed: false, certificate: true, established: 2, errors: 0 });
        expect(result.sessionId).not.toBe(toHex(offered.sessionId));
      }
    });

    it(`by ${by}: our client does not offer a session under another name`, () => {
      const cfg = config();
      const session = ofKind(connect(clientOptions, cfg).client, 'session')[0]!.session;
      const log = connect({ ...clientOptions, serverName: 'other.example', session }, cfg);
      const offered = message<ClientHello>(log.server, 'client_hello');
      expect(offered.sessionId).toHaveLength(0);
      if (by === 'ticket') expect(findExtension(offered.extensions, 'session_ticket')?.ticket).toHaveLength(0);
      expect(outcome(log)).toMatchObject({ resumed: false, certificate: true, established: 2 });
    });
  }
});

/**
 * The TLS 1.2 session stores (RFC 5246 §7.4.1.2–3, RFC 5077 §4): the server cache is bounded (least
 * recently used evicted), entries expire after their lifetime, secrets are copied in and out; tickets
 * open only under their key and carry every field; the client cache keys sessions by name and port.
 */
import { describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import { ClientSessionCache, MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import type { Tls12ClientSession, Tls12SessionState } from '../../src/handshake/tls12/types.js';

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

/**
 * 0-RTT anti-replay (RFC 8446 §8) and the server name a ticket is bound to (RFC 8446 §4.6.1,
 * §4.2.11; RFC 6066 §3), TLS 1.3:
 * - `SingleUseAntiReplay` on its own, with an injected clock: each key once until its window closes
 *   (inclusive), bounded by `maxEntries` (full → refused, never larger), expired entries dropped from
 *   the front, the startup wait of §8.2;
 * - our client against our server in memory: a ticket carries 0-RTT once per freshness window, also
 *   with a new ClientHello (early_data then absent from EncryptedExtensions, the connection resumes in
 *   1-RTT); a replayed first flight gets no 0-RTT; the ticket-age check (§8.3) still applies;
 * - a ticket offered under another server name, or without one, resumes nothing (no pre_shared_key in
 *   the ServerHello, a full handshake); our client does not offer it; with two identities the server
 *   skips the foreign one and selects the second (selected_identity 1).
 * Over a socket with openssl s_client -sess_in -early_data: see anti-replay-openssl.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { EarlySecret } from '../../src/crypto/key-schedule.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { TlsClient } from '../../src/handshake/client.js';
import { TlsServer } from '../../src/handshake/server.js';
import {
  AeadTicketer,
  DEFAULT_ANTI_REPLAY_ENTRIES,
  SingleUseAntiReplay,
  TICKET_AGE_TOLERANCE,
} from '../../src/handshake/ticket.js';
import type { ClientSession, ServerConfig, TlsClientConfig, TlsEvent } from '../../src/handshake/types.js';
import { findExtension } from '../../src/tls/extensions.js';
import { clientHelloWithoutBinders, decodeHandshake, encodeHandshake } from '../../src/tls/messages/handshake.js';
import type { ClientHello } from '../../src/tls/messages/hello.js';
import { certified, Pair } from './memory.js';
import { ofKind, sentRecords } from './support.js';

const provider = new NobleProvider();
const key = (n: number) => Uint8Array.of(n >> 8, n & 0xff);

describe('SingleUseAntiReplay', () => {
  it('accepts a key once, refuses it up to and including expiresAt, accepts it again after', () => {
    const store = new SingleUseAntiReplay();
    expect(store.accept(key(1), 1_000, 0)).toBe(true);
    expect(store.accept(key(1), 5_000, 500)).toBe(false);
    expect(store.accept(key(2), 1_000, 500)).toBe(true);
    expect(store.accept(key(1), 5_000, 1_000)).toBe(false);
    expect(store.accept(key(1), 5_000, 1_001)).toBe(true);
    expect(store.accept(key(1), 5_000, 4_000)).toBe(false);
  });

  it('is bounded: full of unexpired keys it refuses new ones and never grows; it opens as they expire', () => {
    const store = new SingleUseAntiReplay({ maxEntries: 3 });
    for (let i = 0; i < 3; i++) expect(store.accept(key(i), 100 + i, 0)).toBe(true);
    for (let i = 3; i < 50; i++) expect(store.accept(key(i), 1_000, 10)).toBe(false);
    expect(store.size).toBe(3);
    expect(store.accept(key(0), 1_000, 10)).toBe(false); // still inside its window
    expect(store.accept(key(3), 1_000, 102)).toBe(true); // keys 0 and 1 have expired: dropped
    expect(store.size).toBe(2);
    expect(store.accept(key(4), 1_000, 102)).toBe(true);
    expect(store.accept(key(5), 1_000, 102)).toBe(false);
    expect(store.size).toBe(3);
  });

  it(`the default bound is ${DEFAULT_ANTI_REPLAY_ENTRIES.toLocaleString('en-US')} keys`, () => {
    const store = new SingleUseAntiReplay();
    const k = new Uint8Array(16);
    const view = new DataView(k.buffer);
    for (let i = 0; i < DEFAULT_ANTI_REPLAY_ENTRIES; i++) {
      view.setUint32(0, i);
      if (!store.accept(k, 20_000, 0)) throw new Error(`key ${i} refused`);
    }
    view.setUint32(0, DEFAULT_ANTI_REPLAY_ENTRIES);
    expect(store.accept(k, 20_000, 0)).toBe(false);
    expect(store.size).toBe(DEFAULT_ANTI_REPLAY_ENTRIES);
    expect(store.accept(k, 40_000, 20_001)).toBe(true);
    expect(store.size).toBe(1);
  });

  it('expiry removes entries from the front; one expired behind a later one refuses nothing', () => {
    const store = new SingleUseAntiReplay({ maxEntries: 10 });
    store.accept(key(1), 100, 0);
    store.accept(key(2), 300, 0);
    store.accept(key(3), 200, 0);
    expect(store.size).toBe(3);
    expect(store.accept(key(3), 1_000, 250)).toBe(true); // expired (behind key 2): accepted, kept once
    expect(store.size).toBe(2); // key 1 dropped from the front
    expect(store.accept(key(9), 1_000, 301)).toBe(true);
    expect(store.size).toBe(2); // key 2 gone; key 3 (until 1,000) and key 9
  });

  it('an entry expired behind a later one counts towards maxEntries until it leaves (memory stays bounded)', () => {
    const store = new SingleUseAntiReplay({ maxEntries: 3 });
    expect(store.accept(key(1), 1_000, 0)).toBe(true);
    expect(store.accept(key(2), 1, 0)).toBe(true);
    expect(store.accept(key(2), 2, 2)).toBe(true); // its first entry lingers behind key 1
    expect(store.accept(key(2), 3, 3)).toBe(false); // three entries held
    expect(store.size).toBe(2);
    expect(store.accept(key(3), 2_000, 1_001)).toBe(true);
    expect(store.size).toBe(1);
  });

  it('with startedAt, refuses everything for one window (2 × TICKET_AGE_TOLERANCE) (RFC 8446 §8.2)', () => {
    const store = new SingleUseAntiReplay({ startedAt: 50_000 });
    const open = 50_000 + 2 * TICKET_AGE_TOLERANCE;
    expect(store.accept(key(1), open, open - 1)).toBe(false);
    expect(store.size).toBe(0);
    expect(store.accept(key(1), open + 10, open)).toBe(true);
  });

  it('maxEntries must be a whole number ≥ 1', () => {
    expect(() => new SingleUseAntiReplay({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new SingleUseAntiReplay({ maxEntries: 1.5 })).toThrow(RangeError);
  });
});

const T0 = 1_800_000_000_000;
const EARLY = new TextEncoder().encode('GET / (0-RTT)');
const ticketer = new AeadTicketer(provider, new Uint8Array(32).fill(7));

/** A server that accepts 0-RTT with `antiReplay`, on the clock `now`. */
const serverOf = (antiReplay: SingleUseAntiReplay, now: () => number): Partial<ServerConfig> => ({
  ticketer,
  maxEarlyDataSize: 1024,
  antiReplay,
  now,
});

/** A test world: one clock for both sides (set `clock.now`), one anti-replay store. */
function world(antiReplay = new SingleUseAntiReplay()) {
  const clock = { now: T0 };
  const now = () => clock.now;
  return {
    clock,
    antiReplay,
    /** The tickets of one full handshake as `serverName`. */
    tickets(serverName: string | undefined): ClientSession[] {
      const pair = new Pair({ serverName, now }, serverOf(antiReplay, now));
      return ofKind(pair.clientEvents, 'session').map((e) => e.session);
    },
    /** A resumption with `session` sending EARLY as 0-RTT data. */
    resume(session: ClientSession, client: Partial<TlsClientConfig> = {}): Pair {
      return new Pair({ session, earlyData: EARLY, now, ...client }, serverOf(antiReplay, now));
    },
    server: () => new TlsServer({ certificate: certified('server-ecdsa'), ...serverOf(antiReplay, now) }),
  };
}

/** The handshake messages a side sent. */
const sentMessages = (events: TlsEvent[]) =>
  ofKind(events, 'handshake-message')
    .filter((e) => e.direction === 'sent')
    .map((e) => e.message);

/** What a resumption attempt came to, from the server's side. */
function outcome(events: TlsEvent[]) {
  const sent = sentMessages(events);
  const serverHello = sent.find((m) => m.type === 'server_hello');
  const ee = sent.find((m) => m.type === 'encrypted_extensions');
  const psk =
    serverHello?.type === 'server_hello' ? findExtension(serverHello.extensions, 'pre_shared_key') : undefined;
  return {
    selectedIdentity: psk?.form === 'server_hello' ? psk.selectedIdentity : undefined,
    earlyDataInEE: ee?.type === 'encrypted_extensions' && ee.extensions.some((e) => e.kind === 'early_data'),
    certificate: sent.some((m) => m.type === 'certificate'),
    earlyData: ofKind(events, 'data')
      .filter((e) => e.early)
      .map((e) => new TextDecoder().decode(e.bytes)),
    errors: ofKind(events, 'error').length,
  };
}

const ACCEPTED = {
  selectedIdentity: 0,
  earlyDataInEE: true,
  certificate: false,
  earlyData: ['GET / (0-RTT)'],
  errors: 0,
};
/** Resumed in 1-RTT: the PSK accepted, early_data not in EncryptedExtensions, the 0-RTT data skipped. */
const RESUMED_1RTT = { selectedIdentity: 0, earlyDataInEE: false, certificate: false, earlyData: [], errors: 0 };
/** A full handshake: no pre_shared_key in the ServerHello, a Certificate. */
const FULL = { selectedIdentity: undefined, earlyDataInEE: false, certificate: true, earlyData: [], errors: 0 };

/** Both sides established and agreeing on resumption and 0-RTT. */
function expectEstablished(pair: Pair, resumed: boolean, earlyDataAccepted: boolean): void {
  for (const events of [pair.clientEvents, pair.serverEvents]) {
    expect(ofKind(events, 'established')).toHaveLength(1);
    expect(ofKind(events, 'negotiated')[0]).toMatchObject({ resumed, earlyDataAccepted });
  }
}

/** The ClientHello a side's events show it sent (client) or received (server). */
function clientHelloOf(events: TlsEvent[]): ClientHello {
  const m = ofKind(events, 'handshake-message').find((e) => e.message.type === 'client_hello')!.message;
  return m as ClientHello;
}

describe('a ticket carries 0-RTT once per freshness window (RFC 8446 §8.1, §8.3)', () => {
  it('the same ticket with a new ClientHello: no early_data in EncryptedExtensions, resumed in 1-RTT', () => {
    const w = world();
    const [ticket] = w.tickets('localhost');
    w.clock.now += 1_000;
    const first = w.resume(ticket!);
    expect(outcome(first.serverEvents)).toEqual(ACCEPTED);
    expectEstablished(first, true, true);
    w.clock.now += 1_000;
    const second = w.resume(ticket!);
    // A different ClientHello: its own random and binder.
    const [a, b] = [clientHelloOf(first.clientEvents), clientHelloOf(second.clientEvents)];
    expect(toHex(a.random)).not.toBe(toHex(b.random));
    const binder = (h: ClientHello) => {
      const psk = findExtension(h.extensions, 'pre_shared_key');
      return psk?.form === 'client_hello' ? toHex(psk.binders[0]!) : '';
    };
    expect(binder(a)).not.toBe(binder(b));
    expect(outcome(second.serverEvents)).toEqual(RESUMED_1RTT);
    expectEstablished(second, true, false);
    // The 1-RTT connection carries data.
    const data = ofKind(second.server.handle(sentRecords(second.client.write(EARLY))[0]!), 'data');
    expect(data.map((e) => [e.early, new TextDecoder().decode(e.bytes)])).toEqual([[false, 'GET / (0-RTT)']]);
    expect(w.antiReplay.size).toBe(1);
  });

  it('refused up to the end of the first window (a replay of its ClientHello would still be fresh), accepted after', () => {
    const w = world();
    const [ticket] = w.tickets('localhost');
    const first = w.resume(ticket!);
    expect(outcome(first.serverEvents).earlyDataInEE).toBe(true);
    const firstFlight = first.records.filter(
      (r, i) => r.from === 'client' && i < first.records.findIndex((x) => x.from === 'server'),
    );
    // A replay of the first flight at the window's last millisecond: fresh, but the ticket was used.
    w.clock.now = T0 + TICKET_AGE_TOLERANCE;
    const replayed = w.server();
    const events = firstFlight.flatMap((r) => replayed.handle(r.bytes));
    expect(outcome(events)).toEqual(RESUMED_1RTT);
    expect(ofKind(events, 'negotiated')[0]).toMatchObject({ resumed: true, earlyDataAccepted: false });
    expect(outcome(w.resume(ticket!).serverEvents)).toEqual(RESUMED_1RTT);
    // One millisecond later the first ClientHello is stale (§8.3), so the ticket may carry 0-RTT again.
    w.clock.now += 1;
    const late = w.server();
    expect(outcome(firstFlight.flatMap((r) => late.handle(r.bytes)))).toEqual(RESUMED_1RTT);
    const again = w.resume(ticket!);
    expect(outcome(again.serverEvents)).toEqual(ACCEPTED);
    expectEstablished(again, true, true);
  });

  it('a ticket age off by more than TICKET_AGE_TOLERANCE gets no 0-RTT and records nothing (RFC 8446 §8.3)', () => {
    const w = world();
    const [ticket] = w.tickets('localhost');
    const skewed = { ...ticket!, receivedAt: T0 + TICKET_AGE_TOLERANCE + 1 };
    w.clock.now = T0 + TICKET_AGE_TOLERANCE + 1;
    const pair = w.resume(skewed);
    expect(outcome(pair.serverEvents)).toEqual(RESUMED_1RTT);
    expectEstablished(pair, true, false);
    expect(w.antiReplay.size).toBe(0);
  });

  it('a full store refuses 0-RTT to another ticket (fail closed) until the entry expires', () => {
    const w = world(new SingleUseAntiReplay({ maxEntries: 1 }));
    const [one, two] = w.tickets('localhost');
    expect(outcome(w.resume(one!).serverEvents)).toEqual(ACCEPTED);
    const refused = w.resume(two!);
    expect(outcome(refused.serverEvents)).toEqual(RESUMED_1RTT);
    expectEstablished(refused, true, false);
    expect(w.antiReplay.size).toBe(1);
    w.clock.now += TICKET_AGE_TOLERANCE + 1;
    expect(outcome(w.resume(two!).serverEvents)).toEqual(ACCEPTED);
    expect(w.antiReplay.size).toBe(1);
  });
});

describe('a ticket resumes only under the server name it was issued for (RFC 8446 §4.6.1, RFC 6066 §3)', () => {
  it('offered under another name: no pre_shared_key in the ServerHello, a full handshake, no 0-RTT', () => {
    const w = world();
    const [ticket] = w.tickets('localhost');
    // A client that ignores the name it got the ticket under.
    const pair = w.resume({ ...ticket!, serverName: 'other.example' }, { serverName: 'other.example' });
    expect(findExtension(clientHelloOf(pair.serverEvents).extensions, 'pre_shared_key')).toBeDefined();
    expect(outcome(pair.serverEvents)).toEqual(FULL);
    expectEstablished(pair, false, false);
    expect(w.antiReplay.size).toBe(0);
  });

  it('a ticket of a connection without server_name is not resumed with one, nor the reverse', () => {
    const w = world();
    const [unnamed] = w.tickets(undefined);
    expect(unnamed!.serverName).toBeUndefined();
    const named = w.resume({ ...unnamed!, serverName: 'localhost' }, { serverName: 'localhost' });
    expect(outcome(named.serverEvents)).toEqual(FULL);
    const [fromLocalhost] = w.tickets('localhost');
    const withoutName = w.resume({ ...fromLocalhost!, serverName: undefined }, { serverName: undefined });
    expect(findExtension(clientHelloOf(withoutName.serverEvents).extensions, 'server_name')).toBeUndefined();
    expect(outcome(withoutName.serverEvents)).toEqual(FULL);
    // Under its own (absent) name it resumes, with 0-RTT.
    expect(outcome(w.resume(unnamed!, { serverName: undefined }).serverEvents)).toEqual(ACCEPTED);
  });

  it('our client offers a session only under the name it was obtained for', () => {
    const w = world();
    const [ticket] = w.tickets('localhost');
    const pair = w.resume(ticket!, { serverName: 'other.example' });
    const hello = clientHelloOf(pair.clientEvents);
    expect(hello.extensions?.map((e) => e.kind)).not.toContain('pre_shared_key');
    expect(hello.extensions?.map((e) => e.kind)).not.toContain('early_data');
    expect(outcome(pair.serverEvents)).toEqual(FULL);
  });

  it('two identities, the first of another name: the server skips it and selects the second (selected_identity 1)', () => {
    const w = world();
    const [foreign] = w.tickets('other.example');
    const [own] = w.tickets('localhost');
    const client = new TlsClient({
      serverName: 'localhost',
      verifyServer: () => undefined,
      session: own!,
      now: () => T0,
    });
    const hello = decodeHandshake(sentRecords(client.start())[0]!.subarray(5)) as ClientHello;
    const offered = findExtension(hello.extensions, 'pre_shared_key');
    if (offered?.form !== 'client_hello') throw new Error('no PSK offered');
    const twoIdentities: ClientHello = {
      ...hello,
      extensions: [
        ...hello.extensions!.slice(0, -1),
        {
          kind: 'pre_shared_key',
          form: 'client_hello',
          identities: [{ identity: foreign!.ticket, obfuscatedTicketAge: 0 }, offered.identities[0]!],
          binders: [new Uint8Array(32), new Uint8Array(32)],
        },
      ],
    };
    // The second binder over the new hello (RFC 8446 §4.2.11.2); the first is never checked.
    const raw = encodeHandshake(twoIdentities);
    const truncated = clientHelloWithoutBinders({ ...twoIdentities, raw });
    const binder = EarlySecret.create(provider, 'sha256', own!.psk).binder(
      'resumption',
      provider.hash('sha256', truncated),
    );
    raw.set(binder, raw.length - 32);
    const record = new Uint8Array([22, 3, 1, raw.length >> 8, raw.length & 0xff, ...raw]);
    const events = w.server().handle(record);
    expect(outcome(events)).toEqual({ ...RESUMED_1RTT, selectedIdentity: 1 });
    expect(ofKind(events, 'negotiated')[0]).toMatchObject({ resumed: true, serverName: 'localhost' });
  });
});

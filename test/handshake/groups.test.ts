/**
 * Groups and defaults in our own client against our own server (in memory):
 * - the default groups (x25519, secp256r1, x448, secp521r1, secp384r1) in both roles; X448 and each
 *   RFC 7919 group in TLS 1.3 when listed by name, FFDHE only then;
 * - TLS 1.3 FFDHE key shares outside 1 < Y < p−1 or of the wrong length → illegal_parameter (RFC 8446
 *   §4.2.8.1), in both directions;
 * - TLS 1.2 DHE_RSA suites (off by default) with the group choice of RFC 7919 §4 and the client's
 *   checks of §3: dh_Ys and dh_Yc outside 1 < Y < p−1 → handshake_failure; no acceptable FFDHE group
 *   → insufficient_security;
 * - RFC 7627 §5.3: a TLS 1.2 session without extended_master_secret gets no session ID and no
 *   ticket by default, and with `allowResumptionWithoutEms` on both sides it is issued and resumed.
 */
import { describe, expect, it } from 'vitest';
import { FFDHE_GROUPS } from '../../src/crypto/ffdhe.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import type { CryptoProvider, GroupName, KeyExchange } from '../../src/crypto/provider.js';
import { i2osp } from '../../src/crypto/rsa.js';
import { TlsClient } from '../../src/handshake/client.js';
import { DEFAULT_GROUPS } from '../../src/handshake/common.js';
import { TlsServer } from '../../src/handshake/server.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import type { Tls12ClientConfig, Tls12Event, Tls12ServerConfig } from '../../src/handshake/tls12/types.js';
import type { TlsEvent } from '../../src/handshake/types.js';
import { AlertDescription, CipherSuite, NamedGroup } from '../../src/tls/enums.js';
import type { Extension } from '../../src/tls/extensions.js';
import type { ClientHello } from '../../src/tls/messages/hello.js';
import { identity, ofKind, pump, sent } from './tls12-support.js';

const ECDSA = identity('server-ecdsa');
const RSA = identity('server-rsa');
const accept = () => undefined;
const P2048 = FFDHE_GROUPS.ffdhe2048.p;

type AnyEvent = TlsEvent | Tls12Event;
const fatal = (events: AnyEvent[]) =>
  events.flatMap((e) => (e.kind === 'alert-sent' && e.level === 2 ? [e.description] : []));
const negotiatedOf = (events: AnyEvent[]) =>
  events.find((e) => e.kind === 'negotiated') as
    | { group?: number; cipherSuite: number; resumed: boolean; extendedMasterSecret?: boolean }
    | undefined;
const established = (events: AnyEvent[]) => events.some((e) => e.kind === 'established');

/** A provider whose `group` shares are `share(real share)` instead of the real public value (signed as usual). */
function hostile(group: GroupName, share: Uint8Array | ((real: Uint8Array) => Uint8Array)): CryptoProvider {
  const edit = typeof share === 'function' ? share : () => share;
  const real = new NobleProvider();
  return new Proxy(real, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop !== 'keyExchange') return typeof value === 'function' ? value.bind(target) : value;
      return (g: GroupName): KeyExchange => {
        const kx = target.keyExchange(g);
        if (g !== group) return kx;
        return {
          group: kx.group,
          clientShareLength: kx.clientShareLength,
          serverShareLength: kx.serverShareLength,
          generate: (secret) => {
            const kp = kx.generate(secret);
            return { ...kp, share: edit(kp.share) };
          },
          encapsulate: (clientShare, secret) => {
            const r = kx.encapsulate(clientShare, secret);
            return { ...r, share: edit(r.share) };
          },
          decapsulate: (privateKey, peer) => kx.decapsulate(privateKey, peer),
        };
      };
    },
  });
}

function tls13(
  client: Partial<ConstructorParameters<typeof TlsClient>[0]>,
  server: Partial<ConstructorParameters<typeof TlsServer>[0]>,
) {
  const c = new TlsClient({ serverName: 'localhost', verifyServer: accept, ...client });
  const s = new TlsServer({ certificate: ECDSA.certified, ...server });
  return pump(c as never, s as never, c.start() as never) as unknown as { client: TlsEvent[]; server: TlsEvent[] };
}

function tls12(client: Partial<Tls12ClientConfig>, server: Partial<Tls12ServerConfig>) {
  const c = new Tls12Client({ serverName: 'localhost', verifyServer: accept, ...client });
  const s = new Tls12Server({ certificate: RSA.certified, ...server });
  return { ...pump(c, s, c.start()), client12: c, server12: s };
}

describe('default groups (OpenSSL 3.0 set)', () => {
  it('are x25519, secp256r1, x448, secp521r1, secp384r1', () => {
    expect(DEFAULT_GROUPS).toEqual([0x1d, 0x17, 0x1e, 0x19, 0x18]);
  });

  it.each([
    ['x448', NamedGroup.x448],
    ['secp521r1', NamedGroup.secp521r1],
    ['secp384r1', NamedGroup.secp384r1],
  ])('TLS 1.3: a %s-only client against a default server (one HelloRetryRequest-free handshake)', (_, group) => {
    const log = tls13({ groups: [group] }, {});
    expect(negotiatedOf(log.server)).toMatchObject({ group, helloRetry: false });
    expect(established(log.client)).toBe(true);
  });

  it('TLS 1.3: ffdhe2048 is not a default: a ffdhe2048-only client gets handshake_failure', () => {
    const log = tls13({ groups: [NamedGroup.ffdhe2048] }, {});
    expect(fatal(log.server)).toEqual([AlertDescription.handshake_failure]);
  });

  it('TLS 1.2: a P-521-only client against a default server', () => {
    const log = tls12({ groups: [NamedGroup.secp521r1] }, {});
    expect(negotiatedOf(log.server)).toMatchObject({ group: NamedGroup.secp521r1 });
    expect(established(log.client)).toBe(true);
  });
});

describe('TLS 1.3 FFDHE (RFC 8446 §4.2.8.1, RFC 7919)', () => {
  it.each(['ffdhe2048', 'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192'] as const)(
    '%s listed by name on both sides',
    (name) => {
      const g = NamedGroup[name]!;
      const log = tls13({ groups: [g] }, { groups: [g] });
      expect(negotiatedOf(log.client)).toMatchObject({ group: g });
      expect(established(log.server)).toBe(true);
    },
  );

  it('HelloRetryRequest to ffdhe3072 from a client sharing x25519', () => {
    const log = tls13({ groups: [0x1d, NamedGroup.ffdhe3072] }, { groups: [NamedGroup.ffdhe3072] });
    expect(negotiatedOf(log.client)).toMatchObject({ group: NamedGroup.ffdhe3072, helloRetry: true });
  });

  const bad: [string, Uint8Array][] = [
    ['Y = 1', i2osp(1n, 256)],
    ['Y = p−1', i2osp(P2048 - 1n, 256)],
    ['Y = p', i2osp(P2048, 256)],
    ['255 bytes', i2osp(2n, 255)],
    ['257 bytes', i2osp(2n, 257)],
  ];
  it.each(bad)('client share %s → the server sends illegal_parameter', (_, y) => {
    const log = tls13(
      { groups: [NamedGroup.ffdhe2048], provider: hostile('ffdhe2048', y) },
      { groups: [NamedGroup.ffdhe2048] },
    );
    expect(fatal(log.server)).toEqual([AlertDescription.illegal_parameter]);
  });
  it.each(bad)('server share %s → the client sends illegal_parameter', (_, y) => {
    const log = tls13(
      { groups: [NamedGroup.ffdhe2048] },
      { groups: [NamedGroup.ffdhe2048], provider: hostile('ffdhe2048', y) },
    );
    expect(fatal(log.client)).toEqual([AlertDescription.illegal_parameter]);
  });
});

const DHE = [
  CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

describe('TLS 1.2 DHE_RSA (RFC 5246 §7.4.3, RFC 7919 §3–§4)', () => {
  it('is off by default: a DHE-only client gets handshake_failure', () => {
    const log = tls12({ cipherSuites: DHE }, {});
    expect(fatal(log.server)).toEqual([AlertDescription.handshake_failure]);
  });

  it.each(DHE)('suite 0x%s enabled on both sides: ffdhe2048 (2048-bit RSA key), EMS', (suite) => {
    const log = tls12({ cipherSuites: [suite] }, { cipherSuites: [suite] });
    expect(negotiatedOf(log.client)).toMatchObject({ cipherSuite: suite, group: NamedGroup.ffdhe2048 });
    expect(established(log.server)).toBe(true);
    // The client, offering DHE, lists the RFC 7919 groups (§3); no ec_point_formats in the ServerHello.
    const hello = ofKind(log.client, 'handshake-message').find((e) => e.message.type === 'client_hello')!;
    const groups = (hello.message as ClientHello).extensions?.find((e) => e.kind === 'supported_groups');
    expect(groups).toMatchObject({ groups: [...DEFAULT_GROUPS, 256, 257, 258, 259, 260] });
    const sh = ofKind(log.client, 'handshake-message').find((e) => e.message.type === 'server_hello')!;
    expect((sh.message as { extensions: Extension[] }).extensions.map((e) => e.kind)).not.toContain('ec_point_formats');
  });

  it('the server takes the client FFDHE group it lists (ffdhe3072 only)', () => {
    const suite = [DHE[0]!];
    const log = tls12({ cipherSuites: suite, groups: [NamedGroup.ffdhe3072] }, { cipherSuites: suite });
    expect(negotiatedOf(log.server)).toMatchObject({ group: NamedGroup.ffdhe3072 });
    expect(established(log.client)).toBe(true);
  });

  it('a client listing only an unknown FFDHE code point (0x01FF) → insufficient_security (§4)', () => {
    const suite = [DHE[0]!];
    const log = tls12(
      {
        cipherSuites: suite,
        editClientHello: (h) => ({
          ...h,
          extensions: (h.extensions ?? []).map((e) => (e.kind === 'supported_groups' ? { ...e, groups: [0x1ff] } : e)),
        }),
      },
      { cipherSuites: suite },
    );
    expect(fatal(log.server)).toEqual([AlertDescription.insufficient_security]);
  });

  it('a client listing no FFDHE group gets the server first DHE group (§4, non-compatible client)', () => {
    const suite = [DHE[0]!];
    const log = tls12(
      {
        cipherSuites: suite,
        editClientHello: (h) => ({
          ...h,
          extensions: (h.extensions ?? []).map((e) => (e.kind === 'supported_groups' ? { ...e, groups: [0x1d] } : e)),
        }),
      },
      { cipherSuites: suite, groups: [NamedGroup.ffdhe4096, NamedGroup.ffdhe2048] },
    );
    expect(negotiatedOf(log.server)).toMatchObject({ group: NamedGroup.ffdhe4096 });
    expect(established(log.client)).toBe(true);
  });

  it('the client refuses an RFC 7919 group it did not list → insufficient_security (§3, §4)', () => {
    const suite = [DHE[0]!];
    // Two clients with the same random source send ClientHellos with the same random: one lists
    // ffdhe2048, the other no FFDHE group. The server answers the second with its own group
    // (ffdhe3072), signed over that random; the first client gets this answer.
    const fixed = () => new NobleProvider({ random: (n) => new Uint8Array(n).fill(7) });
    const listing = new Tls12Client({
      serverName: 'localhost',
      verifyServer: accept,
      provider: fixed(),
      cipherSuites: suite,
      groups: [NamedGroup.ffdhe2048],
    });
    const other = new Tls12Client({
      serverName: 'localhost',
      verifyServer: accept,
      provider: fixed(),
      cipherSuites: suite,
      groups: [NamedGroup.ffdhe2048],
      editClientHello: (h) => ({
        ...h,
        extensions: (h.extensions ?? []).map((e) => (e.kind === 'supported_groups' ? { ...e, groups: [0x1d] } : e)),
      }),
    });
    const server = new Tls12Server({ certificate: RSA.certified, cipherSuites: suite, groups: [NamedGroup.ffdhe3072] });
    listing.start();
    const flight = server.handle(sent(other.start()));
    const events = listing.handle(sent(flight));
    expect(fatal(events)).toEqual([AlertDescription.insufficient_security]);
  });

  it('dh_Ys = 1 (signed) → the client sends handshake_failure (§3)', () => {
    const suite = [DHE[0]!];
    const log = tls12(
      { cipherSuites: suite },
      { cipherSuites: suite, provider: hostile('ffdhe2048', Uint8Array.of(1)) },
    );
    expect(fatal(log.client)).toEqual([AlertDescription.handshake_failure]);
  });

  it.each([
    ['dh_Yc = p−1', i2osp(P2048 - 1n, 256)],
    ['dh_Yc = p', i2osp(P2048, 256)],
    ['dh_Yc longer than p', i2osp(2n, 257)],
  ])('%s → the server sends handshake_failure (§4)', (_, y) => {
    const suite = [DHE[0]!];
    const log = tls12({ cipherSuites: suite, provider: hostile('ffdhe2048', y) }, { cipherSuites: suite });
    expect(fatal(log.server)).toEqual([AlertDescription.handshake_failure]);
  });

  it('a dh_Yc without its leading zero bytes (as RFC 5246 peers may send it) is accepted', () => {
    const suite = [DHE[0]!];
    // Exponent 3 gives Y = 8: sent as the one byte 08 instead of 255 zero bytes and 08.
    const provider = hostile('ffdhe2048', (y) => y.subarray(y.findIndex((b) => b !== 0)));
    const fixed = new Proxy(provider, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (prop !== 'keyExchange') return typeof value === 'function' ? value.bind(target) : value;
        return (g: GroupName) => {
          const kx = target.keyExchange(g);
          return { ...kx, generate: () => kx.generate(Uint8Array.of(3)) };
        };
      },
    });
    const log = tls12({ cipherSuites: suite, provider: fixed }, { cipherSuites: suite });
    const cke = ofKind(log.client, 'handshake-message').find((e) => e.message.type === 'client_key_exchange')!;
    expect(cke.raw.length).toBe(4 + 2 + 1);
    expect(established(log.server)).toBe(true);
    expect(established(log.client)).toBe(true);
  });
});

/** Drop extended_master_secret from the ClientHello (a legacy client, e.g. Go before 1.21). */
const noEms = (hello: ClientHello): ClientHello => ({
  ...hello,
  extensions: (hello.extensions ?? []).filter((e) => e.kind !== 'extended_master_secret'),
});

const serverHelloOf = (events: Tls12Event[]) =>
  ofKind(events, 'handshake-message').find((e) => e.message.type === 'server_hello')!.message as {
    sessionId: Uint8Array;
    extensions: Extension[];
  };

describe('RFC 7627 §5.3: sessions without the extended master secret', () => {
  const provider = new NobleProvider();
  const ticketer = () => new Tls12AeadTicketer(provider, provider.random(32));

  it('by default: empty session ID, no session_ticket, no NewSessionTicket, no client session', () => {
    const log = tls12({ editClientHello: noEms }, { sessionStore: new MemorySessionStore(), ticketer: ticketer() });
    expect(negotiatedOf(log.server)).toMatchObject({ extendedMasterSecret: false });
    const sh = serverHelloOf(log.client);
    expect(sh.sessionId.length).toBe(0);
    expect(sh.extensions.map((e) => e.kind)).not.toContain('session_ticket');
    const types = ofKind(log.server, 'handshake-message').map((e) => e.message.type);
    expect(types).not.toContain('new_session_ticket');
    expect(ofKind(log.client, 'session')).toEqual([]);
    expect(established(log.client)).toBe(true);
  });

  it('RFC 7627 §5.4: no keying material is exported from a session without EMS, on either side', () => {
    const legacy = tls12({ editClientHello: noEms }, { sessionStore: new MemorySessionStore() });
    expect(established(legacy.client)).toBe(true);
    for (const side of [legacy.client12, legacy.server12]) {
      expect(() => side.exportKeyingMaterial('EXPORTER-test', undefined, 32)).toThrow(/RFC 7627 §5.4/);
    }
    const ems = tls12({}, { sessionStore: new MemorySessionStore() });
    const [a, b] = [ems.client12, ems.server12].map((e) => e.exportKeyingMaterial('EXPORTER-test', undefined, 32));
    expect(a).toEqual(b);
    expect(a!.length).toBe(32);
  });

  it('with EMS: a 32-byte session ID and a ticket, as before', () => {
    const log = tls12({}, { sessionStore: new MemorySessionStore(), ticketer: ticketer() });
    expect(serverHelloOf(log.client).sessionId.length).toBe(32);
    expect(ofKind(log.client, 'session')[0]!.session).toMatchObject({ extendedMasterSecret: true });
  });

  it.each(['session ID', 'ticket'] as const)(
    'allowResumptionWithoutEms on both sides: issued and resumed by %s',
    (by) => {
      const server: Partial<Tls12ServerConfig> =
        by === 'ticket'
          ? { ticketer: ticketer(), allowResumptionWithoutEms: true }
          : { sessionStore: new MemorySessionStore(), allowResumptionWithoutEms: true };
      const client: Partial<Tls12ClientConfig> = {
        editClientHello: noEms,
        allowResumptionWithoutEms: true,
        sessionTickets: by === 'ticket',
      };
      const first = tls12(client, server);
      const session = ofKind(first.client, 'session')[0]!.session;
      expect(session.extendedMasterSecret).toBe(false);
      const second = tls12({ ...client, session }, server);
      expect(negotiatedOf(second.server)).toMatchObject({ resumed: true, extendedMasterSecret: false });
      expect(established(second.client)).toBe(true);
    },
  );

  it('a server without the option does not resume such a session offered by a legacy client (full handshake)', () => {
    const store = new MemorySessionStore();
    const client: Partial<Tls12ClientConfig> = {
      editClientHello: noEms,
      allowResumptionWithoutEms: true,
      sessionTickets: false,
    };
    const first = tls12(client, { sessionStore: store, allowResumptionWithoutEms: true });
    const session = ofKind(first.client, 'session')[0]!.session;
    const second = tls12({ ...client, session }, { sessionStore: store });
    expect(negotiatedOf(second.server)).toMatchObject({ resumed: false });
    expect(serverHelloOf(second.client).sessionId.length).toBe(0);
  });

  it('a client without the option does not offer such a session', () => {
    const store = new MemorySessionStore();
    const first = tls12(
      { editClientHello: noEms, allowResumptionWithoutEms: true, sessionTickets: false },
      { sessionStore: store, allowResumptionWithoutEms: true },
    );
    const session = ofKind(first.client, 'session')[0]!.session;
    const second = tls12(
      { editClientHello: noEms, session, sessionTickets: false },
      { sessionStore: store, allowResumptionWithoutEms: true },
    );
    const hello = ofKind(second.client, 'handshake-message').find((e) => e.message.type === 'client_hello')!;
    expect((hello.message as ClientHello).sessionId.length).toBe(0);
    expect(negotiatedOf(second.server)).toMatchObject({ resumed: false });
  });
});

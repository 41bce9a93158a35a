/**
 * RFC 8448 replayed through the state machines: with the trace's randoms, ephemeral keys, RSA-PSS
 * salts and ticket injected, our client and our server each send byte-identical records (the RFC's
 * "complete record" blocks), report every secret the RFC lists, and accept the peer's side from the
 * RFC bytes. §3 (1-RTT), §4 (resumption with 0-RTT), §5 (HelloRetryRequest), §6 (client
 * authentication), §7 (middlebox compatibility mode). Each runs with NobleProvider and with
 * NodeCryptoProvider (node:crypto), both fed the same random bytes.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { TlsClient } from '../../src/handshake/client.js';
import { TlsServer } from '../../src/handshake/server.js';
import { SingleUseAntiReplay } from '../../src/handshake/ticket.js';
import type { ClientSession, ServerSessionState, TlsEvent } from '../../src/handshake/types.js';
import { decodeHandshake } from '../../src/tls/messages/handshake.js';
import { field, findEntry, loadTrace, type Rfc8448Section, type Trace } from '../support/rfc8448.js';
import {
  ephemeral,
  noErrors,
  nssExtensions,
  ofKind,
  PROVIDER_KINDS,
  pssSalt,
  RFC_GROUPS,
  RFC_SCHEMES,
  RFC_SUITES,
  replayProvider,
  rfc8448RsaKey,
  sent,
  sentRecords,
  traceMessage,
  traceRecords,
  traceSecret,
} from './support.js';

const hex = toHex;
const rsaKey = rfc8448RsaKey();

/** Secrets a connection reported, by key log label. */
function secretsOf(events: TlsEvent[]): Record<string, string> {
  return Object.fromEntries(ofKind(events, 'secret').map((e) => [e.label, hex(e.secret)]));
}

/** The key log labels and the RFC 8448 derive-secret labels they correspond to. */
const SECRET_LABELS: [string, string][] = [
  ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'tls13 c hs traffic'],
  ['SERVER_HANDSHAKE_TRAFFIC_SECRET', 'tls13 s hs traffic'],
  ['CLIENT_TRAFFIC_SECRET_0', 'tls13 c ap traffic'],
  ['SERVER_TRAFFIC_SECRET_0', 'tls13 s ap traffic'],
  ['EXPORTER_SECRET', 'tls13 exp master'],
];

function expectSecrets(trace: Trace, events: TlsEvent[], early = false): void {
  const got = secretsOf(events);
  const labels = early
    ? [
        ...SECRET_LABELS,
        ['CLIENT_EARLY_TRAFFIC_SECRET', 'tls13 c e traffic'] as [string, string],
        ['EARLY_EXPORTER_SECRET', 'tls13 e exp master'] as [string, string],
      ]
    : SECRET_LABELS;
  for (const [label, rfc] of labels) expect(got[label], label).toBe(hex(traceSecret(trace, rfc)));
}

const random = (trace: Trace, actor: 'client' | 'server', name: string, nth = 0) =>
  traceMessage(trace, actor, name, nth).slice(6, 38);

/** The §3 server certificate (DER) from the trace's Certificate message. */
function serverChain(trace: Trace): Uint8Array[] {
  const cert = decodeHandshake(traceMessage(trace, 'server', 'Certificate'));
  if (cert.type !== 'certificate' || cert.version !== 'tls13') throw new Error('no certificate');
  return cert.entries.map((e) => e.data.slice());
}

function signatureOf(trace: Trace, actor: 'client' | 'server'): Uint8Array {
  return traceMessage(trace, actor, 'CertificateVerify').slice(8);
}

function records(section: Rfc8448Section) {
  const trace = loadTrace(section);
  return { trace, client: traceRecords(trace, 'client'), server: traceRecords(trace, 'server') };
}

const verifyAny = () => undefined;

// ---------------------------------------------------------------------------------------------------
// §3

describe.each(PROVIDER_KINDS)('RFC 8448 §3 (%s provider): simple 1-RTT handshake', (kind) => {
  const { trace, client: c, server: s } = records(3);
  const ticket = decodeHandshake(traceMessage(trace, 'server', 'NewSessionTicket'));
  if (ticket.type !== 'new_session_ticket' || ticket.version !== 'tls13') throw new Error('no ticket');

  function makeClient(): TlsClient {
    return new TlsClient({
      keyLog: true,
      provider: replayProvider([random(trace, 'client', 'ClientHello'), ephemeral(trace, 'client')], kind),
      serverName: 'server',
      cipherSuites: RFC_SUITES,
      groups: RFC_GROUPS,
      signatureSchemes: RFC_SCHEMES,
      recordSizeLimit: 16385,
      editClientHello: nssExtensions(true),
      verifyServer: verifyAny,
      now: () => 1000,
    });
  }

  it('the client sends the RFC bytes, derives every secret, and accepts the server', () => {
    const client = makeClient();
    const first = noErrors(client.start());
    expect(hex(sent(first))).toBe(hex(c[0]!.record));
    const flight = noErrors(client.handle(s[0]!.record));
    expect(sent(flight).length).toBe(0);
    const fin = noErrors(client.handle(s[1]!.record));
    expect(hex(sent(fin))).toBe(hex(c[1]!.record));
    expect(ofKind(fin, 'established')).toHaveLength(1);
    expect(ofKind(fin, 'peer-certificate')[0]!.chain.map(hex)).toEqual(serverChain(trace).map(hex));
    expectSecrets(trace, [...flight, ...fin]);
    expect(
      ofKind([...flight, ...fin], 'secret').every(
        (e) => hex(e.clientRandom) === hex(random(trace, 'client', 'ClientHello')),
      ),
    ).toBe(true);
    const negotiated = ofKind(fin, 'negotiated')[0]!;
    expect(negotiated).toMatchObject({ cipherSuite: 0x1301, group: 0x1d, resumed: false, helloRetry: false });

    // NewSessionTicket → a session with the PSK of RFC 8448 §3.
    const nst = noErrors(client.handle(s[2]!.record));
    const session = ofKind(nst, 'session')[0]!.session;
    const psk = field(findEntry(trace, 'server', 'generate resumption secret'), 'expanded');
    expect(hex(session.psk)).toBe(hex(psk));
    expect(session).toMatchObject({ lifetime: 30, ageAdd: ticket.ageAdd, maxEarlyDataSize: 1024, receivedAt: 1000 });

    // Application data both ways, then close_notify both ways.
    expect(hex(sent(noErrors(client.write(c[2]!.payload))))).toBe(hex(c[2]!.record));
    const data = noErrors(client.handle(s[3]!.record));
    expect(ofKind(data, 'data').map((e) => hex(e.bytes))).toEqual([hex(s[3]!.payload)]);
    const close = noErrors(client.close());
    expect(hex(sent(close))).toBe(hex(c[3]!.record));
    expect(ofKind(noErrors(client.handle(s[4]!.record)), 'closed')).toHaveLength(1);
  });

  it('the server sends the RFC bytes, signs with the RFC salt, derives every secret, and accepts the client', () => {
    const provider = replayProvider(
      [
        random(trace, 'server', 'ServerHello'),
        ephemeral(trace, 'server'),
        pssSalt(rsaKey, signatureOf(trace, 'server')),
        Uint8Array.of(
          ticket.ageAdd >>> 24,
          (ticket.ageAdd >>> 16) & 0xff,
          (ticket.ageAdd >>> 8) & 0xff,
          ticket.ageAdd & 0xff,
        ),
      ],
      kind,
    );
    const issued: ServerSessionState[] = [];
    const server = new TlsServer({
      keyLog: true,
      provider,
      certificate: { chain: serverChain(trace), key: rsaKey },
      cipherSuites: RFC_SUITES,
      groups: RFC_GROUPS,
      recordSizeLimit: 16385,
      ticketer: {
        seal: (state) => {
          issued.push({ ...state, psk: state.psk.slice() }); // the server wipes its copy once sealed
          return ticket.ticket.slice();
        },
        open: () => undefined,
      },
      ticketCount: 1,
      ticketLifetime: 30,
      maxEarlyDataSize: 1024,
    });
    const flight = noErrors(server.handle(c[0]!.record));
    expect(sends(flight)).toEqual([hex(s[0]!.record), hex(s[1]!.record)]);
    const done = noErrors(server.handle(c[1]!.record));
    expect(ofKind(done, 'established')).toHaveLength(1);
    expect(hex(sent(done))).toBe(hex(s[2]!.record));
    expectSecrets(trace, [...flight, ...done]);
    expect(provider.remaining()).toBe(0);
    expect(hex(issued[0]!.psk)).toBe(hex(field(findEntry(trace, 'server', 'generate resumption secret'), 'expanded')));

    const data = noErrors(server.handle(c[2]!.record));
    expect(ofKind(data, 'data').map((e) => hex(e.bytes))).toEqual([hex(c[2]!.payload)]);
    expect(hex(sent(noErrors(server.write(s[3]!.payload))))).toBe(hex(s[3]!.record));
    expect(ofKind(noErrors(server.handle(c[3]!.record)), 'closed')).toHaveLength(1);
    expect(hex(sent(noErrors(server.close())))).toBe(hex(s[4]!.record));
  });
});

/** The random bytes NobleProvider turns into the NIST private scalar `d` (noble: seed mod (n-1) + 1). */
function nistSeed(d: Uint8Array, length = 48): Uint8Array {
  const v = BigInt(`0x${hex(d)}`) - 1n;
  return fromHex(v.toString(16).padStart(length * 2, '0'));
}

/** Feed `records` one at a time; return all events (errors thrown). */
function feed(conn: { handle(b: Uint8Array): TlsEvent[] }, ...records: Uint8Array[]): TlsEvent[] {
  return records.flatMap((r) => noErrors(conn.handle(r)));
}

const sends = (events: TlsEvent[]) => sentRecords(events).map((r) => hex(r));

// ---------------------------------------------------------------------------------------------------
// §5

describe.each(PROVIDER_KINDS)('RFC 8448 §5 (%s provider): HelloRetryRequest', (kind) => {
  const { trace, client: c, server: s } = records(5);
  const hrr = decodeHandshake(traceMessage(trace, 'server', 'ServerHello', 0));
  if (hrr.type !== 'server_hello') throw new Error('no HRR');
  const cookie = (hrr.extensions ?? []).find((e) => e.kind === 'cookie');
  if (cookie?.kind !== 'cookie') throw new Error('no cookie');

  it('the client answers the HRR with the RFC second ClientHello (P-256 share, cookie, padding) and finishes', () => {
    const client = new TlsClient({
      keyLog: true,
      provider: replayProvider(
        [
          random(trace, 'client', 'ClientHello'),
          ephemeral(trace, 'client', 0),
          nistSeed(ephemeral(trace, 'client', 1)),
        ],
        kind,
      ),
      serverName: 'server',
      cipherSuites: RFC_SUITES,
      groups: [0x1d, 0x17, 0x18],
      signatureSchemes: RFC_SCHEMES,
      recordSizeLimit: 16385,
      padding: true,
      editClientHello: nssExtensions(false),
      verifyServer: verifyAny,
    });
    expect(sends(noErrors(client.start()))).toEqual([hex(c[0]!.record)]);
    expect(sends(feed(client, s[0]!.record))).toEqual([hex(c[1]!.record)]);
    const fin = feed(client, s[1]!.record, s[2]!.record);
    expect(sends(fin)).toEqual([hex(c[2]!.record)]);
    expectSecrets(trace, fin);
    expect(ofKind(fin, 'negotiated')[0]).toMatchObject({ group: 0x17, helloRetry: true });
    expect(sends(noErrors(client.close()))).toEqual([hex(c[3]!.record)]);
  });

  it('the server asks for P-256 with the RFC cookie and finishes the handshake', () => {
    const provider = replayProvider(
      [
        random(trace, 'server', 'ServerHello', 1),
        nistSeed(ephemeral(trace, 'server')),
        pssSalt(rsaKey, signatureOf(trace, 'server')),
      ],
      kind,
    );
    const server = new TlsServer({
      keyLog: true,
      provider,
      certificate: { chain: serverChain(trace), key: rsaKey },
      cipherSuites: RFC_SUITES,
      groups: [0x17, 0x18, 0x1d],
      groupSelection: 'server-order',
      hrrCookie: () => cookie.cookie.slice(),
      recordSizeLimit: 16385,
    });
    expect(sends(feed(server, c[0]!.record))).toEqual([hex(s[0]!.record)]);
    const flight = feed(server, c[1]!.record);
    expect(sends(flight)).toEqual([hex(s[1]!.record), hex(s[2]!.record)]);
    const done = feed(server, c[2]!.record);
    expect(ofKind(done, 'established')).toHaveLength(1);
    expectSecrets(trace, [...flight, ...done]);
    expect(provider.remaining()).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// §6

describe.each(PROVIDER_KINDS)('RFC 8448 §6 (%s provider): client authentication', (kind) => {
  const { trace, client: c, server: s } = records(6);
  const clientCert = decodeHandshake(traceMessage(trace, 'client', 'Certificate'));
  if (clientCert.type !== 'certificate' || clientCert.version !== 'tls13') throw new Error('no client certificate');
  const clientChain = clientCert.entries.map((e) => e.data.slice());

  it('the client answers the CertificateRequest with the RFC Certificate, CertificateVerify and Finished', () => {
    // The RFC's client key is not published either: our client signs with the §2 key and the hook
    // puts the RFC's CertificateVerify on the wire.
    const rfcClientCv = traceMessage(trace, 'client', 'CertificateVerify');
    const client = new TlsClient({
      keyLog: true,
      onOutgoingMessage: (m) => (m.type === 'certificate_verify' ? rfcClientCv : undefined),
      provider: replayProvider(
        [random(trace, 'client', 'ClientHello'), ephemeral(trace, 'client'), new Uint8Array(32)],
        kind,
      ),
      serverName: 'server',
      cipherSuites: RFC_SUITES,
      groups: RFC_GROUPS,
      signatureSchemes: RFC_SCHEMES,
      recordSizeLimit: 16385,
      editClientHello: nssExtensions(false),
      certificate: { chain: clientChain, key: rsaKey },
      verifyServer: verifyAny,
    });
    expect(sends(noErrors(client.start()))).toEqual([hex(c[0]!.record)]);
    const fin = feed(client, s[0]!.record, s[1]!.record);
    expect(sends(fin)).toEqual([hex(c[1]!.record)]);
    expectSecrets(trace, fin);
  });

  it('the server requests, verifies and accepts the RFC client certificate', () => {
    // The RFC's ECDSA server key is not published: sign with any P-256 key and let the research
    // hook put the RFC's CertificateVerify on the wire, so the transcript is the RFC's.
    const rfcServerCv = traceMessage(trace, 'server', 'CertificateVerify');
    const provider = replayProvider(
      [random(trace, 'server', 'ServerHello'), ephemeral(trace, 'server'), new Uint8Array(32)],
      kind,
    );
    const verified: Uint8Array[][] = [];
    const server = new TlsServer({
      keyLog: true,
      provider,
      certificate: {
        chain: serverChain(trace),
        key: { type: 'ec', curve: 'secp256r1', d: new Uint8Array(32).fill(7) },
      },
      cipherSuites: RFC_SUITES,
      groups: RFC_GROUPS,
      signatureSchemes: RFC_SCHEMES,
      recordSizeLimit: 16385,
      clientAuth: 'require',
      verifyClient: (chain) => {
        verified.push([...chain]);
      },
      onOutgoingMessage: (m) => (m.type === 'certificate_verify' ? rfcServerCv : undefined),
    });
    const flight = feed(server, c[0]!.record);
    expect(sends(flight)).toEqual([hex(s[0]!.record), hex(s[1]!.record)]);
    const done = feed(server, c[1]!.record);
    expect(ofKind(done, 'established')).toHaveLength(1);
    expect(ofKind(done, 'peer-certificate')[0]!.chain.map(hex)).toEqual(clientChain.map(hex));
    expect(verified).toHaveLength(1);
    expectSecrets(trace, [...flight, ...done]);
  });
});

// ---------------------------------------------------------------------------------------------------
// §7

describe.each(PROVIDER_KINDS)('RFC 8448 §7 (%s provider): middlebox compatibility mode', (kind) => {
  const { trace, client: c, server: s } = records(7);
  const hello = decodeHandshake(traceMessage(trace, 'client', 'ClientHello'));
  if (hello.type !== 'client_hello') throw new Error('no ClientHello');

  it('the client sends a session id and a dummy ChangeCipherSpec before its Finished', () => {
    const client = new TlsClient({
      keyLog: true,
      provider: replayProvider(
        [random(trace, 'client', 'ClientHello'), hello.sessionId.slice(), ephemeral(trace, 'client')],
        kind,
      ),
      serverName: 'server',
      cipherSuites: RFC_SUITES,
      groups: RFC_GROUPS,
      signatureSchemes: RFC_SCHEMES,
      recordSizeLimit: 16385,
      middleboxCompat: true,
      editClientHello: nssExtensions(false),
      verifyServer: verifyAny,
    });
    expect(sends(noErrors(client.start()))).toEqual([hex(c[0]!.record)]);
    const fin = feed(client, s[0]!.record, s[1]!.record, s[2]!.record);
    expect(sends(fin)).toEqual([hex(c[1]!.record), hex(c[2]!.record)]);
    expectSecrets(trace, fin);
  });

  it('the server echoes the session id and sends a dummy ChangeCipherSpec after its ServerHello', () => {
    const server = new TlsServer({
      keyLog: true,
      provider: replayProvider(
        [
          random(trace, 'server', 'ServerHello'),
          ephemeral(trace, 'server'),
          pssSalt(rsaKey, signatureOf(trace, 'server')),
        ],
        kind,
      ),
      certificate: { chain: serverChain(trace), key: rsaKey },
      cipherSuites: RFC_SUITES,
      groups: RFC_GROUPS,
      recordSizeLimit: 16385,
      middleboxCompat: true,
    });
    const flight = feed(server, c[0]!.record);
    expect(sends(flight)).toEqual([hex(s[0]!.record), hex(s[1]!.record), hex(s[2]!.record)]);
    const done = feed(server, c[1]!.record, c[2]!.record);
    expect(ofKind(done, 'established')).toHaveLength(1);
    expectSecrets(trace, [...flight, ...done]);
  });
});

// ---------------------------------------------------------------------------------------------------
// §4

describe.each(PROVIDER_KINDS)('RFC 8448 §4 (%s provider): resumed 0-RTT handshake', (kind) => {
  const t3 = loadTrace(3);
  const { trace, client: c, server: s } = records(4);
  const nst = decodeHandshake(traceMessage(t3, 'server', 'NewSessionTicket'));
  if (nst.type !== 'new_session_ticket' || nst.version !== 'tls13') throw new Error('no ticket');
  const psk = field(findEntry(t3, 'server', 'generate resumption secret'), 'expanded');
  const hello = decodeHandshake(c[0]!.payload);
  if (hello.type !== 'client_hello') throw new Error('no ClientHello');
  const offered = hello.extensions!.at(-1)!;
  if (offered.kind !== 'pre_shared_key' || offered.form !== 'client_hello') throw new Error('no PSK');
  const age = (offered.identities[0]!.obfuscatedTicketAge - nst.ageAdd) >>> 0;
  const receivedAt = 1_000_000;
  const session: ClientSession = {
    cipherSuite: 0x1301,
    psk,
    ticket: nst.ticket.slice(),
    ageAdd: nst.ageAdd,
    lifetime: nst.lifetime,
    receivedAt,
    maxEarlyDataSize: 1024,
    serverName: 'server',
    alpn: undefined,
  };

  it('the client offers the ticket with the RFC binder, sends 0-RTT data and EndOfEarlyData', () => {
    const client = new TlsClient({
      keyLog: true,
      provider: replayProvider([random(trace, 'client', 'ClientHello'), ephemeral(trace, 'client')], kind),
      serverName: 'server',
      cipherSuites: RFC_SUITES,
      groups: RFC_GROUPS,
      signatureSchemes: RFC_SCHEMES,
      recordSizeLimit: 16385,
      padding: true,
      editClientHello: nssExtensions(false),
      session,
      earlyData: c[1]!.payload,
      now: () => receivedAt + age,
      verifyServer: verifyAny,
    });
    const first = noErrors(client.start());
    expect(sends(first)).toEqual([hex(c[0]!.record), hex(c[1]!.record)]);
    const fin = feed(client, s[0]!.record, s[1]!.record);
    expect(sends(fin)).toEqual([hex(c[2]!.record), hex(c[3]!.record)]);
    expect(ofKind(fin, 'negotiated')[0]).toMatchObject({ resumed: true, earlyDataAccepted: true });
    expectSecrets(trace, [...first, ...fin], true);
    expect(hex(sent(noErrors(client.write(c[4]!.payload))))).toBe(hex(c[4]!.record));
  });

  it('the server checks the binder, accepts 0-RTT once, and finishes', () => {
    const state: ServerSessionState = {
      cipherSuite: 0x1301,
      psk,
      ageAdd: nst.ageAdd,
      issuedAt: receivedAt,
      lifetime: nst.lifetime,
      maxEarlyDataSize: 1024,
      alpn: undefined,
      serverName: 'server',
    };
    const antiReplay = new SingleUseAntiReplay();
    const make = (chunks: Uint8Array[]) =>
      new TlsServer({
        keyLog: true,
        provider: replayProvider(chunks, kind),
        certificate: { chain: serverChain(t3), key: rsaKey },
        cipherSuites: RFC_SUITES,
        groups: RFC_GROUPS,
        recordSizeLimit: 16385,
        ticketer: { seal: () => new Uint8Array(1), open: (t) => (hex(t) === hex(nst.ticket) ? state : undefined) },
        ticketCount: 0,
        maxEarlyDataSize: 1024,
        antiReplay,
        now: () => receivedAt + age,
      });
    const server = make([random(trace, 'server', 'ServerHello'), ephemeral(trace, 'server')]);
    const flight = feed(server, c[0]!.record);
    expect(sends(flight)).toEqual([hex(s[0]!.record), hex(s[1]!.record)]);
    const early = feed(server, c[1]!.record);
    expect(ofKind(early, 'data')).toEqual([{ kind: 'data', bytes: c[1]!.payload, early: true }]);
    const done = feed(server, c[2]!.record, c[3]!.record);
    expect(ofKind(done, 'established')).toHaveLength(1);
    expectSecrets(trace, [...flight, ...done], true);
    const data = feed(server, c[4]!.record);
    expect(ofKind(data, 'data').map((e) => hex(e.bytes))).toEqual([hex(c[4]!.payload)]);

    // The same ClientHello again (a replay): 1-RTT only, its 0-RTT record skipped.
    const replayed = make([random(trace, 'server', 'ServerHello'), ephemeral(trace, 'server')]);
    const again = feed(replayed, c[0]!.record);
    expect(ofKind(again, 'negotiated')[0]).toMatchObject({ resumed: true, earlyDataAccepted: false });
    expect(ofKind(feed(replayed, c[1]!.record), 'data')).toHaveLength(0);
  });
});

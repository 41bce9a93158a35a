/**
 * RFC 8448 replayed through the state machines: with the trace's randoms, ephemeral keys, RSA-PSS
 * salts and ticket injected, our client and our server each send byte-identical records (the RFC's
 * "complete record" blocks), report every secret the RFC lists, and accept the peer's side from the
 * RFC bytes. §3 (1-RTT), §4 (resumption with 0-RTT), §5 (HelloRetryRequest), §6 (client
 * authentication), §7 (middlebox compatibility mode).
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { TlsClient } from '../../src/handshake/client.js';
import { TlsServer } from '../../src/handshake/server.js';
import type { ClientSession, ServerSessionState, TlsEvent } from '../../src/handshake/types.js';
import { decodeHandshake } from '../../src/tls/messages/handshake.js';
import { field, findEntry, loadTrace, type Rfc8448Section, type Trace } from '../support/rfc8448.js';
import {
  ephemeral,
  noErrors,
  nssExtensions,
  ofKind,
  pssSalt,
  RFC_GROUPS,
  RFC_SCHEMES,
  RFC_SUITES,
  replayProvider,
  rfc8448RsaKey,
  sent,
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

interface Run {
  trace: Trace;
  client: Record<string, { record: Uint8Array; payload: Uint8Array; type: string }[]>;
}

function records(section: Rfc8448Section) {
  const trace = loadTrace(section);
  return { trace, client: traceRecords(trace, 'client'), server: traceRecords(trace, 'server') };
}

const verifyAny = () => undefined;

// ---------------------------------------------------------------------------------------------------
// §3

describe('RFC 8448 §3: simple 1-RTT handshake', () => {
  const { trace, client: c, server: s } = records(3);
  const ticket = decodeHandshake(traceMessage(trace, 'server', 'NewSessionTicket'));
  if (ticket.type !== 'new_session_ticket' || ticket.version !== 'tls13') throw new Error('no ticket');

  function makeClient(): TlsClient {
    return new TlsClient({
      provider: replayProvider([random(trace, 'client', 'ClientHello'), ephemeral(trace, 'client')]),
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
    const provider = replayProvider([
      random(trace, 'server', 'ServerHello'),
      ephemeral(trace, 'server'),
      pssSalt(rsaKey, signatureOf(trace, 'server')),
      Uint8Array.of(
        ticket.ageAdd >>> 24,
        (ticket.ageAdd >>> 16) & 0xff,
        (ticket.ageAdd >>> 8) & 0xff,
        ticket.ageAdd & 0xff,
      ),
    ]);
    const issued: ServerSessionState[] = [];
    const server = new TlsServer({
      provider,
      certificate: { chain: serverChain(trace), key: rsaKey },
      cipherSuites: RFC_SUITES,
      groups: RFC_GROUPS,
      recordSizeLimit: 16385,
      ticketer: {
        seal: (state) => {
          issued.push(state);
          return ticket.ticket.slice();
        },
        open: () => undefined,
      },
      ticketCount: 1,
      ticketLifetime: 30,
      maxEarlyDataSize: 1024,
    });
    const flight = noErrors(server.handle(c[0]!.record));
    expect(ofKind(flight, 'send').map((e) => hex(e.bytes))).toEqual([hex(s[0]!.record), hex(s[1]!.record)]);
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

export type { ClientSession, Run };

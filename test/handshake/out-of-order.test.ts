/**
 * Every handshake state × every message type it does not allow → unexpected_message (RFC 8446 §4,
 * Appendix A.1 and A.2; §4.6.2 for post-handshake authentication). Each message is a well-formed
 * one (taken from a reference handshake, or a TLS 1.2 / unassigned type with a valid body), put in
 * front of the message the state waits for by the peer's outgoing-message hook, so it arrives
 * protected exactly as that state's input would. The failure must name the state.
 */
import { describe, expect, it } from 'vitest';
import { concat } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { ConnectionFailure } from '../../src/handshake/diagnosis.js';
import { AeadTicketer, SingleUseAntiReplay } from '../../src/handshake/ticket.js';
import type { ClientSession, ServerConfig, TlsClientConfig, TlsEvent } from '../../src/handshake/types.js';
import { AlertDescription } from '../../src/tls/enums.js';
import type { HandshakeMessage } from '../../src/tls/messages/handshake.js';
import { certified, Pair } from './memory.js';
import { ofKind } from './support.js';

const provider = new NobleProvider();
const ticketer = new AeadTicketer(provider, new Uint8Array(32).fill(5));
const CLIENT_CERT = certified('client');
const verifyClient = () => undefined;

/** Raw bytes (header included) of one message of each type, from real handshakes. */
function referenceMessages(): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const keep = (events: TlsEvent[]) => {
    for (const e of ofKind(events, 'handshake-message')) if (!out.has(e.message.type)) out.set(e.message.type, e.raw);
  };
  const full = new Pair(
    { certificate: CLIENT_CERT, postHandshakeAuth: true },
    { clientAuth: 'require', verifyClient, ticketer, maxEarlyDataSize: 1000 },
  );
  full.fromClient(full.client.keyUpdate());
  keep(full.clientEvents);
  keep(full.serverEvents);
  const session = ofKind(full.clientEvents, 'session')[0]!.session;
  const early = new Pair(
    { session, earlyData: Uint8Array.of(1) },
    { ticketer, maxEarlyDataSize: 1000, antiReplay: new SingleUseAntiReplay() },
  );
  keep(early.clientEvents);
  const raw = (type: number, body: number[]) => Uint8Array.of(type, 0, 0, body.length, ...body);
  out.set('hello_request', raw(0, []));
  out.set('hello_verify_request (3)', raw(3, []));
  out.set('server_key_exchange', raw(12, [3, 0, 0x1d, 1, 9, 4, 3, 0, 1, 0]));
  out.set('server_hello_done', raw(14, []));
  out.set('client_key_exchange', raw(16, [1, 9]));
  out.set('certificate_status', raw(22, [1, 0, 0, 1, 0]));
  out.set('compressed_certificate (25)', raw(25, []));
  out.set('message_hash', raw(254, []));
  out.set('unassigned (99)', raw(99, []));
  return out;
}

const MESSAGES = referenceMessages();
const TLS13_TYPES = [
  'client_hello',
  'server_hello',
  'new_session_ticket',
  'end_of_early_data',
  'encrypted_extensions',
  'certificate',
  'certificate_request',
  'certificate_verify',
  'finished',
  'key_update',
];

it('the reference handshakes gave one message of every TLS 1.3 type', () => {
  for (const t of TLS13_TYPES) expect(MESSAGES.has(t), t).toBe(true);
});

/** A session whose ticket allows 0-RTT. */
function earlySession(): ClientSession {
  const first = new Pair({}, { ticketer, maxEarlyDataSize: 1000, antiReplay: new SingleUseAntiReplay() });
  return ofKind(first.clientEvents, 'session')[0]!.session;
}

interface Row {
  state: string;
  /** Who receives the injected message. */
  receiver: 'client' | 'server';
  /** The message (sent by the other side) the injected one goes in front of, and which occurrence. */
  before: string;
  nth?: number;
  /** Message types the state accepts (not tested here). */
  allowed: string[];
  client?: Partial<TlsClientConfig>;
  server?: Partial<ServerConfig>;
  /** After the handshake: the call that makes the peer send `before`. */
  afterwards?: (pair: Pair) => void;
}

const ROWS: Row[] = [
  { state: 'ExpectServerHello', receiver: 'client', before: 'server_hello', allowed: ['server_hello'] },
  {
    state: 'ExpectEncryptedExtensions',
    receiver: 'client',
    before: 'encrypted_extensions',
    allowed: ['encrypted_extensions'],
  },
  {
    state: 'ExpectCertificateOrRequest',
    receiver: 'client',
    before: 'certificate',
    allowed: ['certificate', 'certificate_request'],
  },
  {
    state: 'ExpectCertificate',
    receiver: 'client',
    before: 'certificate',
    allowed: ['certificate'],
    server: { clientAuth: 'optional', verifyClient },
  },
  {
    state: 'ExpectCertificateVerify',
    receiver: 'client',
    before: 'certificate_verify',
    allowed: ['certificate_verify'],
  },
  { state: 'ExpectFinished', receiver: 'client', before: 'finished', allowed: ['finished'] },
  {
    state: 'ClientEstablished',
    receiver: 'client',
    before: 'new_session_ticket',
    allowed: ['new_session_ticket', 'key_update'],
    server: { ticketer },
  },
  { state: 'ExpectClientHello', receiver: 'server', before: 'client_hello', allowed: ['client_hello'] },
  {
    state: 'ExpectEndOfEarlyData',
    receiver: 'server',
    before: 'end_of_early_data',
    allowed: ['end_of_early_data'],
    client: { earlyData: Uint8Array.of(1, 2, 3) },
    server: { ticketer, maxEarlyDataSize: 1000, antiReplay: new SingleUseAntiReplay() },
  },
  {
    state: 'ExpectClientCertificate',
    receiver: 'server',
    before: 'certificate',
    allowed: ['certificate'],
    client: { certificate: CLIENT_CERT },
    server: { clientAuth: 'require', verifyClient },
  },
  {
    state: 'ExpectClientCertificateVerify',
    receiver: 'server',
    before: 'certificate_verify',
    allowed: ['certificate_verify'],
    client: { certificate: CLIENT_CERT },
    server: { clientAuth: 'require', verifyClient },
  },
  { state: 'ExpectClientFinished', receiver: 'server', before: 'finished', allowed: ['finished'] },
  {
    state: 'ServerEstablished',
    receiver: 'server',
    before: 'key_update',
    allowed: ['key_update'],
    afterwards: (pair) => pair.fromClient(pair.client.keyUpdate()),
  },
  {
    state: 'ExpectPostHandshakeCertificateVerify',
    receiver: 'server',
    before: 'certificate_verify',
    allowed: ['certificate_verify'],
    client: { certificate: CLIENT_CERT, postHandshakeAuth: true },
    server: { verifyClient },
    afterwards: (pair) => pair.fromServer(pair.server.requestClientAuth()),
  },
  {
    state: 'ExpectPostHandshakeFinished',
    receiver: 'server',
    before: 'finished',
    nth: 1,
    allowed: ['finished'],
    client: { postHandshakeAuth: true },
    server: { verifyClient },
    afterwards: (pair) => pair.fromServer(pair.server.requestClientAuth()),
  },
];

/** An outgoing-message hook that puts `inject` in front of the `nth` `before` message. */
function injector(before: string, nth: number, inject: Uint8Array) {
  let seen = 0;
  return (message: HandshakeMessage, raw: Uint8Array): Uint8Array | undefined => {
    if (message.type !== before) return undefined;
    return seen++ === nth ? concat(inject, raw) : undefined;
  };
}

describe.each(ROWS)('$state ($receiver)', (row) => {
  const refused = [...MESSAGES.keys()].filter((t) => !row.allowed.includes(t));
  it.each(refused)('%s → unexpected_message', (type) => {
    const hook = injector(row.before, row.nth ?? 0, MESSAGES.get(type)!);
    const hooks =
      row.receiver === 'client' ? { server: { onOutgoingMessage: hook } } : { client: { onOutgoingMessage: hook } };
    const session = row.state === 'ExpectEndOfEarlyData' ? { session: earlySession() } : {};
    const pair = new Pair({ ...session, ...row.client, ...hooks.client }, { ...row.server, ...hooks.server });
    row.afterwards?.(pair);
    const events = row.receiver === 'client' ? pair.clientEvents : pair.serverEvents;
    expect(ofKind(events, 'alert-sent').map((e) => e.description)).toEqual([AlertDescription.unexpected_message]);
    const error = ofKind(events, 'error')[0]!.error;
    expect(error).toBeInstanceOf(ConnectionFailure);
    expect((error as ConnectionFailure).state).toBe(row.state);
  });
});

/**
 * `NegotiatingServer`'s TLS 1.3-only calls: `keyUpdate` (RFC 8446 §4.6.3), `sendTicket`
 * (RFC 8446 §4.6.1) and `requestClientAuth` (RFC 8446 §4.6.2) reach the TLS 1.3 server when the
 * ClientHello chose TLS 1.3; on a TLS 1.2 connection (RFC 5246 has none of them) and before the
 * ClientHello they are usage errors that leave the connection as it was.
 */
import { describe, expect, it } from 'vitest';
import { concat } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { TlsClient } from '../../src/handshake/client.js';
import { type AnyTlsEvent, NegotiatingServer } from '../../src/handshake/negotiate.js';
import { AeadTicketer } from '../../src/handshake/ticket.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import { ProtocolVersion } from '../../src/tls/enums.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { decodePem } from '../../src/x509/pem.js';
import { identity, pki } from './tls12-support.js';

const SERVER = identity('server-ecdsa').certified;
const CLIENT = identity('client').certified;
const ROOT = decodePem(pki('root-ca.crt')).map((b) => b.der);
const NOW = parseCertificate(SERVER.chain[0]!).notBefore + 86_400_000;
const provider = new NobleProvider();

interface Machine {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}

const sent = (events: AnyTlsEvent[]) => concat(...events.flatMap((e) => (e.kind === 'send' ? [e.bytes] : [])));

/** Deliver `events` of one side to the other and back until both are quiet; each side's events after. */
function deliver(from: Machine, to: Machine, events: AnyTlsEvent[]): { from: AnyTlsEvent[]; to: AnyTlsEvent[] } {
  const log = { from: [] as AnyTlsEvent[], to: [] as AnyTlsEvent[] };
  let bytes = sent(events);
  for (let round = 0; round < 10 && bytes.length > 0; round++) {
    const answer = to.handle(bytes);
    log.to.push(...answer);
    const back = sent(answer);
    if (back.length === 0) break;
    const next = from.handle(back);
    log.from.push(...next);
    bytes = sent(next);
  }
  return log;
}

const kinds = (events: AnyTlsEvent[]) => events.map((e) => e.kind).filter((k) => k !== 'send');

function server(): NegotiatingServer {
  return new NegotiatingServer({
    tls13: {
      keyLog: true,
      certificate: SERVER,
      clientRoots: ROOT,
      ticketer: new AeadTicketer(provider, provider.random(32)),
      ticketCount: 0,
      now: () => NOW,
    },
    tls12: { certificate: SERVER, ticketer: new Tls12AeadTicketer(provider, provider.random(32)), now: () => NOW },
  });
}

describe('NegotiatingServer: TLS 1.3-only calls on a TLS 1.3 connection', () => {
  function established() {
    const s = server();
    const c = new TlsClient({
      keyLog: true,
      serverName: 'localhost',
      roots: ROOT,
      certificate: CLIENT,
      postHandshakeAuth: true,
      now: () => NOW,
    });
    const log = deliver(c, s, c.start());
    expect(kinds(log.to)).toContain('established');
    expect(s.version).toBe(ProtocolVersion.TLS1_3);
    return { s, c };
  }

  it('keyUpdate: the client hears the KeyUpdate and answers the request; data still flows', () => {
    const { s, c } = established();
    const events = s.keyUpdate(true);
    expect(kinds(events)).toEqual(['handshake-message', 'secret', 'key-update']);
    const log = deliver(s, c, events);
    expect(log.to.filter((e) => e.kind === 'key-update').map((e) => e.kind === 'key-update' && e.direction)).toEqual([
      'received',
      'sent',
    ]);
    const data = deliver(s, c, s.write(Uint8Array.of(7)));
    expect(data.to.filter((e) => e.kind === 'data').map((e) => e.kind === 'data' && [...e.bytes])).toEqual([[7]]);
  });

  it('sendTicket: the client gets a resumable session', () => {
    const { s, c } = established();
    const log = deliver(s, c, s.sendTicket());
    const sessions = log.to.filter((e) => e.kind === 'session');
    expect(sessions).toHaveLength(1);
  });

  it('requestClientAuth: the client proves its certificate, checked against clientRoots', () => {
    const { s, c } = established();
    const events = s.requestClientAuth();
    const log = deliver(s, c, events);
    const auth = log.from.filter((e) => e.kind === 'post-handshake-auth');
    expect(auth).toHaveLength(1);
    expect(auth[0]!.kind === 'post-handshake-auth' && auth[0]!.chain).toEqual(CLIENT.chain);
    expect(kinds(log.from).filter((k) => k === 'error')).toEqual([]);
  });
});

describe('NegotiatingServer: TLS 1.3-only calls on a TLS 1.2 connection are usage errors', () => {
  function established() {
    const s = server();
    const c = new Tls12Client({ keyLog: true, serverName: 'localhost', roots: ROOT, now: () => NOW });
    const log = deliver(c, s, c.start());
    expect(kinds(log.to)).toContain('established');
    expect(s.version).toBe(ProtocolVersion.TLS1_2);
    return { s, c };
  }

  it('each call throws, naming what TLS 1.2 lacks; the connection goes on', () => {
    const { s, c } = established();
    expect(() => s.keyUpdate()).toThrow(
      'keyUpdate needs TLS 1.3 (KeyUpdate, RFC 8446 §4.6.3); this connection speaks TLS 1.2',
    );
    expect(() => s.sendTicket()).toThrow(
      'sendTicket needs TLS 1.3 (NewSessionTicket after the handshake, RFC 8446 §4.6.1); this connection speaks TLS 1.2',
    );
    expect(() => s.requestClientAuth({ required: true })).toThrow(
      'requestClientAuth needs TLS 1.3 (post-handshake authentication, RFC 8446 §4.6.2); this connection speaks TLS 1.2',
    );
    const data = deliver(s, c, s.write(Uint8Array.of(1, 2)));
    expect(data.to.filter((e) => e.kind === 'data').map((e) => e.kind === 'data' && [...e.bytes])).toEqual([[1, 2]]);
  });
});

describe('NegotiatingServer: before the ClientHello', () => {
  it('the TLS 1.3-only calls throw: the version is not chosen yet', () => {
    const s = server();
    expect(() => s.keyUpdate()).toThrow('keyUpdate before the ClientHello: the version is not chosen yet');
    expect(() => s.sendTicket()).toThrow('sendTicket before the ClientHello: the version is not chosen yet');
    expect(() => s.requestClientAuth()).toThrow(
      'requestClientAuth before the ClientHello: the version is not chosen yet',
    );
  });
});

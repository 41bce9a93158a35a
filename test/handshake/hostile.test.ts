/**
 * Hostile input that must get the exact alert the RFC names, in both versions and both roles:
 * - a hello whose legacy_version is 0x0300 or less: protocol_version (RFC 8446 Appendix D.5), even
 *   when supported_versions offers TLS 1.3;
 * - a Finished whose verify_data is not Hash.length (12 for TLS 1.2) bytes: decode_error, not
 *   decrypt_error (RFC 8446 §4.4.4, §6; RFC 5246 §7.4.9);
 * - two KeyUpdates, or a KeyUpdate and another message, in one record: unexpected_message (RFC 8446
 *   §5.1: a message before a key change must end its record).
 */
import { describe, expect, it } from 'vitest';
import { TlsClient } from '../../src/handshake/client.js';
import { NegotiatingServer } from '../../src/handshake/negotiate.js';
import { TlsServer } from '../../src/handshake/server.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import type { AnyTlsEvent } from '../../src/handshake/types.js';
import { AlertDescription } from '../../src/tls/enums.js';
import type { HandshakeMessage } from '../../src/tls/messages/handshake.js';
import type { ClientHello } from '../../src/tls/messages/hello.js';
import { certified } from './memory.js';

const CERT = certified('server-ecdsa');
const accept = () => undefined;

interface Side {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}

/** The alerts a side sent, as [level, description], and how many failures it reported. */
function outcome(events: AnyTlsEvent[]): { alerts: number[][]; errors: number } {
  return {
    alerts: events.flatMap((e) => (e.kind === 'alert-sent' ? [[e.level, e.description]] : [])),
    errors: events.filter((e) => e.kind === 'error').length,
  };
}

/** Run a handshake; returns each side's events. */
function run(
  client: Side & { start(): AnyTlsEvent[] },
  server: Side,
): { client: AnyTlsEvent[]; server: AnyTlsEvent[] } {
  const log = { client: [] as AnyTlsEvent[], server: [] as AnyTlsEvent[] };
  const c: Side = { handle: (b) => record(log.client, client.handle(b)) };
  const s: Side = { handle: (b) => record(log.server, server.handle(b)) };
  const deliver = (events: AnyTlsEvent[], to: Side, back: Side): void => {
    for (const e of events) if (e.kind === 'send') deliver(to.handle(e.bytes), back, to);
  };
  deliver(record(log.client, client.start()), s, c);
  return log;
}

function record(into: AnyTlsEvent[], events: AnyTlsEvent[]): AnyTlsEvent[] {
  into.push(...events);
  return events;
}

const fatal = (description: number) => ({ alerts: [[2, description]], errors: 1 });

/** A hook that rewrites one outgoing message's encoding. */
const rewrite =
  (type: HandshakeMessage['type'], edit: (raw: Uint8Array) => Uint8Array) =>
  (m: HandshakeMessage, raw: Uint8Array): Uint8Array | undefined =>
    m.type === type ? edit(raw.slice()) : undefined;

/** legacy_version is the first two bytes of a hello's body. */
const ssl3 = (raw: Uint8Array): Uint8Array => {
  raw[4] = 3;
  raw[5] = 0;
  return raw;
};

/** A Finished with one byte of verify_data less (its length header adjusted). */
const shortFinished = (raw: Uint8Array): Uint8Array => {
  const out = raw.slice(0, raw.length - 1);
  out[3] = out[3]! - 1;
  return out;
};

describe('legacy_version 0x0300 or less → protocol_version (RFC 8446 Appendix D.5)', () => {
  const sslClientHello = (make: (hook: ReturnType<typeof rewrite>) => Side & { start(): AnyTlsEvent[] }) =>
    make(rewrite('client_hello', ssl3));

  for (const [name, server] of [
    ['TlsServer', () => new TlsServer({ certificate: CERT })],
    ['Tls12Server', () => new Tls12Server({ certificate: CERT })],
    ['NegotiatingServer', () => new NegotiatingServer({ tls13: { certificate: CERT }, tls12: { certificate: CERT } })],
  ] as const) {
    it(`${name}: a ClientHello with legacy_version 0x0300 (supported_versions offers TLS 1.3)`, () => {
      const client = sslClientHello(
        (hook) => new TlsClient({ serverName: 'localhost', verifyServer: accept, onOutgoingMessage: hook }),
      );
      expect(outcome(run(client, server()).server)).toEqual(fatal(AlertDescription.protocol_version));
    });
  }

  it('TlsClient and Tls12Client: a ServerHello with legacy_version 0x0300', () => {
    const tls13 = run(
      new TlsClient({ serverName: 'localhost', verifyServer: accept }),
      new TlsServer({ certificate: CERT, onOutgoingMessage: rewrite('server_hello', ssl3) }),
    );
    expect(outcome(tls13.client)).toEqual(fatal(AlertDescription.protocol_version));
    const tls12 = run(
      new Tls12Client({ serverName: 'localhost', verifyServer: accept }),
      new Tls12Server({ certificate: CERT, onOutgoingMessage: rewrite('server_hello', ssl3) }),
    );
    expect(outcome(tls12.client)).toEqual(fatal(AlertDescription.protocol_version));
  });
});

describe('a Finished of the wrong length → decode_error (RFC 8446 §4.4.4, RFC 5246 §7.4.9)', () => {
  it('TLS 1.3: the client reads a server Finished one byte short; the server a short client Finished', () => {
    const toClient = run(
      new TlsClient({ serverName: 'localhost', verifyServer: accept }),
      new TlsServer({ certificate: CERT, onOutgoingMessage: rewrite('finished', shortFinished) }),
    );
    expect(outcome(toClient.client)).toEqual(fatal(AlertDescription.decode_error));
    const toServer = run(
      new TlsClient({
        serverName: 'localhost',
        verifyServer: accept,
        onOutgoingMessage: rewrite('finished', shortFinished),
      }),
      new TlsServer({ certificate: CERT }),
    );
    expect(outcome(toServer.server)).toEqual(fatal(AlertDescription.decode_error));
  });

  it('TLS 1.2: the server reads a client Finished one byte short; the client a short server Finished', () => {
    const toServer = run(
      new Tls12Client({
        serverName: 'localhost',
        verifyServer: accept,
        onOutgoingMessage: rewrite('finished', shortFinished),
      }),
      new Tls12Server({ certificate: CERT }),
    );
    expect(outcome(toServer.server)).toEqual(fatal(AlertDescription.decode_error));
    const toClient = run(
      new Tls12Client({ serverName: 'localhost', verifyServer: accept }),
      new Tls12Server({ certificate: CERT, onOutgoingMessage: rewrite('finished', shortFinished) }),
    );
    expect(outcome(toClient.client)).toEqual(fatal(AlertDescription.decode_error));
  });
});

describe('a KeyUpdate must end its record (RFC 8446 §5.1)', () => {
  for (const [what, extra] of [
    ['two KeyUpdates', (raw: Uint8Array) => raw],
    ['a KeyUpdate and a NewSessionTicket-shaped message', () => Uint8Array.of(4, 0, 0, 0)],
  ] as const) {
    it(`${what} in one record → unexpected_message`, () => {
      let double = false;
      const client = new TlsClient({
        serverName: 'localhost',
        verifyServer: accept,
        onOutgoingMessage: (m, raw) => {
          if (!double || m.type !== 'key_update') return undefined;
          const second = extra(raw);
          const both = new Uint8Array(raw.length + second.length);
          both.set(raw);
          both.set(second, raw.length);
          return both;
        },
      });
      const server = new TlsServer({ certificate: CERT });
      const log = run(client, server);
      expect(client.isEstablished && server.isEstablished).toBe(true);
      double = true;
      const answer = server.handle(
        client
          .keyUpdate(false)
          .filter((e) => e.kind === 'send')
          .map((e) => (e.kind === 'send' ? e.bytes : new Uint8Array(0)))[0]!,
      );
      expect(outcome(answer)).toEqual(fatal(AlertDescription.unexpected_message));
      expect(log.server.filter((e) => e.kind === 'error')).toEqual([]);
    });
  }
});

describe('a ClientHello over 64 KiB is accepted (RFC 8446 §4.1.2: cipher_suites up to 2^16-2 bytes, extensions up to 2^16-1)', () => {
  /** 32,000 unknown cipher suites (64,000 bytes) after ours, and a 16 KiB padding extension. */
  const huge = (hello: ClientHello): ClientHello => ({
    ...hello,
    cipherSuites: [...hello.cipherSuites, ...Array.from({ length: 32000 }, (_, i) => 0x5a00 + (i % 200))],
    extensions: [...(hello.extensions ?? []), { kind: 'padding', padding: new Uint8Array(16384) }],
  });

  for (const [name, client, server] of [
    [
      'TLS 1.3',
      () => new TlsClient({ serverName: 'localhost', verifyServer: accept, editClientHello: huge }),
      () => new TlsServer({ certificate: CERT }),
    ],
    [
      'TLS 1.2',
      () => new Tls12Client({ serverName: 'localhost', verifyServer: accept, editClientHello: huge }),
      () => new Tls12Server({ certificate: CERT }),
    ],
    [
      'negotiating',
      () => new TlsClient({ serverName: 'localhost', verifyServer: accept, editClientHello: huge }),
      () => new NegotiatingServer({ tls13: { certificate: CERT }, tls12: { certificate: CERT } }),
    ],
  ] as const) {
    it(`${name}: the handshake completes`, () => {
      const log = run(client(), server());
      const hello = log.client.find((e) => e.kind === 'handshake-message' && e.message.type === 'client_hello');
      expect(hello?.kind === 'handshake-message' && hello.raw.length).toBeGreaterThan(80_000);
      expect(outcome(log.server)).toEqual({ alerts: [], errors: 0 });
      expect(log.client.some((e) => e.kind === 'established')).toBe(true);
    });
  }
});

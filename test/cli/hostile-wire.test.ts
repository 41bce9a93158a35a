/**
 * Malformed first flights over a real socket (issue #11 item 1): every one gets exactly one fatal
 * alert record on the wire, with the description the RFC names, and then the connection closes — never
 * a bare FIN, never a crash. Both roles, each of the three version configurations:
 * - `tlswire serve` (TLS 1.3 only, TLS 1.2 only, both) given raw first records from a socket;
 * - `tlswire/node` `connect` (the same three) given raw ServerHello records by a socket server.
 * Expected alerts: RFC 8446 §5 (unknown content type: unexpected_message), §5.1 (a record over 2^14
 * bytes: record_overflow; a handshake message over the limit), §6 (decode_error: a field out of its
 * range or a length that disagrees with the message), RFC 5246 §7.2.2 and §6.2.1 for TLS 1.2.
 * The ClientHellos mutated here are the ones our negotiating client sends (they carry key_share,
 * signature_algorithms and ec_point_formats); what is asserted comes from the RFCs, not from our output.
 */
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NegotiatingClient } from '../../src/handshake/negotiate.js';
import { connect } from '../../src/node/connect.js';
import { AlertDescription } from '../../src/tls/enums.js';
import { serveCertificate, startServe, stopServes } from './run.js';

afterEach(() => stopServes());

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const u16 = (n: number) => [n >> 8, n & 0xff];
const u24 = (n: number) => [n >> 16, (n >> 8) & 0xff, n & 0xff];
const concat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const record = (type: number, body: Uint8Array) => concat([type, 3, 1], u16(body.length), body);

/** The ClientHello (handshake message, without the record header) our negotiating client sends. */
function clientHello(): Uint8Array {
  const client = new NegotiatingClient({ serverName: 'localhost', verifyServer: () => undefined });
  const sent = client.start().find((e) => e.kind === 'send');
  if (sent?.kind !== 'send') throw new Error('no ClientHello');
  return sent.bytes.subarray(5);
}

interface Ext {
  type: number;
  /** Offset of the extension's data (after its type and length) in the message. */
  at: number;
  length: number;
}

/** The extensions of a ClientHello handshake message, by walking its fields (RFC 8446 §4.1.2). */
function extensions(m: Uint8Array): { listAt: number; list: Ext[] } {
  let at = 4 + 2 + 32;
  at += 1 + m[at]!; // legacy_session_id
  at += 2 + ((m[at]! << 8) | m[at + 1]!); // cipher_suites
  at += 1 + m[at]!; // legacy_compression_methods
  const listAt = at;
  const end = at + 2 + ((m[at]! << 8) | m[at + 1]!);
  const list: Ext[] = [];
  for (at += 2; at < end; ) {
    const length = (m[at + 2]! << 8) | m[at + 3]!;
    list.push({ type: (m[at]! << 8) | m[at + 1]!, at: at + 4, length });
    at += 4 + length;
  }
  return { listAt, list };
}

/** The ClientHello with the inner (first) length of extension `type` changed by `delta` (±1). */
function innerLengthOff(type: number, delta: number): Uint8Array {
  const m = clientHello().slice();
  const ext = extensions(m).list.find((e) => e.type === type);
  if (!ext) throw new Error(`no extension ${type}`);
  // key_share and signature_algorithms open with a u16 length, ec_point_formats with a u8 one.
  if (type === 11) m[ext.at]! += delta;
  else m[ext.at + 1]! += delta;
  return m;
}

/** The ClientHello with its legacy_session_id replaced by `n` bytes (lengths fixed up around it). */
function withSessionId(n: number): Uint8Array {
  const m = clientHello();
  const at = 4 + 2 + 32;
  const body = concat(m.subarray(4, at), [n], new Uint8Array(n).fill(7), m.subarray(at + 1 + m[at]!));
  return concat([1], u24(body.length), body);
}

/** A message whose length fields are fixed after `edit` changed its body length by `delta`. */
function resized(m: Uint8Array, delta: number, keepOuter = false): Uint8Array {
  const out = m.slice();
  const length = out.length - 4 + (keepOuter ? -delta : 0);
  out.set(u24(length), 1);
  return out;
}

const { unexpected_message, record_overflow, decode_error } = AlertDescription;

/** [name, first bytes a client sends, the alert description the server must answer]. */
const SERVER_CASES: readonly (readonly [string, () => Uint8Array, number])[] = [
  [
    'a ClientHello claiming 2^24-1 bytes in a 4-byte record (160301000401ffffff)',
    () => hex('160301000401ffffff'),
    decode_error,
  ],
  ['an unknown content type 0x99 (9903030002aaaa)', () => hex('9903030002aaaa'), unexpected_message],
  ['a record header claiming 65535 bytes (160301ffff)', () => hex('160301ffff'), record_overflow],
  ['a 5-byte ClientHello (16030100090100000503030000ff)', () => hex('16030100090100000503030000ff'), decode_error],
  ...(
    [
      ['key_share', 51],
      ['signature_algorithms', 13],
      ['ec_point_formats', 11],
    ] as const
  ).flatMap(([name, type]) =>
    [1, -1].map(
      (delta) =>
        [
          `${name} inner length ${delta > 0 ? 'one more' : 'one less'} than its extension's`,
          () => record(22, innerLengthOff(type, delta)),
          decode_error,
        ] as const,
    ),
  ),
  [
    'a ClientHello truncated by one byte (message length fixed)',
    () => record(22, resized(clientHello().subarray(0, -1), -1)),
    decode_error,
  ],
  [
    'a ClientHello padded by one byte (message length fixed)',
    () => record(22, resized(concat(clientHello(), [0]), 1)),
    decode_error,
  ],
  ['a legacy_session_id of 33 bytes', () => record(22, withSessionId(33)), decode_error],
  ['a plaintext record of 2^14 + 1 bytes', () => record(22, new Uint8Array(2 ** 14 + 1)), record_overflow],
  [
    'an SSLv2-format ClientHello (RFC 5246 Appendix E.2, RFC 8446 Appendix D.5)',
    () =>
      hex('802e0103010015000000100000390000380000350000330000320000040000050000 2f 0102030405060708090a0b0c0d0e0f10'),
    unexpected_message,
  ],
];

/** Write `bytes` to 127.0.0.1:`port` and collect everything received until the peer closes. */
function exchange(port: number, bytes: Uint8Array): Promise<{ received: Uint8Array; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = tcpConnect(port, '127.0.0.1', () => socket.write(bytes));
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: new Uint8Array(Buffer.concat(chunks)), closed });
    };
    const timer = setTimeout(() => done(false), 10_000);
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => done(true));
    socket.on('error', () => done(true));
  });
}

/**
 * What a peer sent, if it is one alert record: `alert level,description` (`record version 0x0301 or
 * 0x0303`, RFC 8446 §5.1, RFC 5246 Appendix E.1); anything else in hex.
 */
function alertOf(received: Uint8Array): string {
  const version = (received[1]! << 8) | received[2]!;
  const one = received.length === 7 && received[0] === 21 && received[4] === 2 && received[3] === 0;
  if (one && (version === 0x0301 || version === 0x0303)) return `alert ${received[5]},${received[6]}`;
  return `not one alert: ${Buffer.from(received).toString('hex').slice(0, 80)}`;
}

const fatalAlert = (description: number) => `alert 2,${description}`;

describe('tlswire serve answers every malformed first flight with its alert, then closes', () => {
  for (const [versions, flags] of [
    ['TLS 1.3 and 1.2', []],
    ['TLS 1.3 only', ['--tls1.3']],
    ['TLS 1.2 only', ['--tls1.2']],
  ] as const) {
    it(`${versions}: ${SERVER_CASES.length} malformed first flights`, async () => {
      const serve = await startServe([...serveCertificate('server-ecdsa'), ...flags]);
      const got: string[] = [];
      const want: string[] = [];
      for (const [name, bytes, description] of SERVER_CASES) {
        const { received, closed } = await exchange(serve.port, bytes());
        got.push(`${name}: ${alertOf(received)} closed=${closed}`);
        want.push(`${name}: ${fatalAlert(description)} closed=true`);
      }
      expect(got).toEqual(want);
    });
  }
});

/** [name, the server's first record(s), the alert description the client must answer]. */
const CLIENT_CASES: readonly (readonly [string, () => Uint8Array, number])[] = [
  ['a 5-byte ServerHello (160303000902000005030300000000)', () => hex('160303000902000005030300000000'), decode_error],
  ['an unknown content type 0x99', () => hex('9903030002aaaa'), unexpected_message],
  ['a record header claiming 65535 bytes', () => hex('160303ffff'), record_overflow],
  ['a plaintext record of 2^14 + 1 bytes', () => record(22, new Uint8Array(2 ** 14 + 1)), record_overflow],
  ['a ServerHello claiming 2^24-1 bytes', () => hex('160303000402ffffff'), decode_error],
  [
    'a ServerHello with a 33-byte legacy_session_id_echo',
    () =>
      record(
        22,
        concat(
          [2],
          u24(2 + 32 + 1 + 33 + 3 + 2),
          [3, 3],
          new Uint8Array(32).fill(1),
          [33],
          new Uint8Array(33),
          [0x13, 1, 0],
          [0, 0],
        ),
      ),
    decode_error,
  ],
  [
    'a ServerHello whose extensions run past its end',
    () =>
      record(
        22,
        concat(
          [2],
          u24(2 + 32 + 1 + 3 + 2 + 4),
          [3, 3],
          new Uint8Array(32).fill(1),
          [0],
          [0x13, 1, 0],
          [0, 8],
          [0, 43, 0, 2],
        ),
      ),
    decode_error,
  ],
];

/** A socket server that answers the first bytes it reads with `reply`, then collects what comes back. */
function rawServer(reply: Uint8Array): Promise<{ port: number; received: Promise<Uint8Array>; close(): void }> {
  return new Promise((resolve) => {
    let answer: (b: Uint8Array) => void = () => undefined;
    const received = new Promise<Uint8Array>((r) => {
      answer = r;
    });
    const server = createServer((socket: Socket) => {
      const chunks: Buffer[] = [];
      let replied = false;
      socket.on('data', (c) => {
        if (replied) chunks.push(c);
        else socket.write(reply);
        replied = true;
      });
      const done = () => answer(new Uint8Array(Buffer.concat(chunks)));
      socket.on('end', done);
      socket.on('close', done);
      socket.on('error', done);
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({ port, received, close: () => server.close() });
    });
  });
}

describe('tlswire/node connect answers every malformed ServerHello with its alert', () => {
  for (const [versions, range] of [
    ['TLS 1.3 and 1.2', {}],
    ['TLS 1.3 only', { minVersion: 'TLSv1.3' }],
    ['TLS 1.2 only', { maxVersion: 'TLSv1.2' }],
  ] as const) {
    it(`${versions}: ${CLIENT_CASES.length} malformed first records`, async () => {
      const got: string[] = [];
      const want: string[] = [];
      for (const [name, bytes, description] of CLIENT_CASES) {
        const server = await rawServer(bytes());
        const socket = connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ...range });
        const failure = new Promise<Error>((r) => socket.on('error', r));
        const received = await server.received;
        const error = (await failure) as Error & { alert?: number };
        server.close();
        got.push(`${name}: ${alertOf(received)} error alert ${error.alert}`);
        want.push(`${name}: ${fatalAlert(description)} error alert ${description}`);
      }
      expect(got).toEqual(want);
    });
  }
});

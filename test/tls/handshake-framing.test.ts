/**
 * Tests for handshake framing and reassembly (RFC 8446 §4, §5.1), with the handshake messages of
 * the RFC 8448 §3 trace: one message over many records, many messages in one record, key changes,
 * size limits, and a fragmenter → deframer → reassembler round trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, TlswireError } from '../../src/bytes/errors.js';
import { concat, fromHex, toHex } from '../../src/bytes/hex.js';
import { Reader } from '../../src/bytes/reader.js';
import { Writer } from '../../src/bytes/writer.js';
import { AlertDescription, HandshakeType } from '../../src/tls/enums.js';
import { alertFor } from '../../src/tls/errors.js';
import {
  decodeHandshakeHeader,
  encodeHandshakeFrame,
  encodeHandshakeHeader,
  type HandshakeFrame,
  HandshakeReassembler,
  type HandshakeReassemblerOptions,
  MAX_CLIENT_HELLO_LENGTH,
  parseHandshakeFrame,
} from '../../src/tls/handshake-framing.js';
import { encodeRecords, fragmentContent, RecordDeframer } from '../../src/tls/record.js';
import { decodeError } from '../support/errors.js';
import { field, findEntry, loadTrace } from '../support/rfc8448.js';

const trace = loadTrace(3);
const clientHello = field(findEntry(trace, 'client', 'construct a ClientHello'), 'ClientHello');
const serverFlight = ['EncryptedExtensions', 'Certificate', 'CertificateVerify', 'Finished'].map((label) =>
  field(findEntry(trace, 'server', `construct a${label[0] === 'E' ? 'n' : ''} ${label} handshake message`), label),
);
/** The server's second handshake record payload: the four messages above back to back. */
const serverPayload = field(findEntry(trace, 'server', 'send handshake record', 1), 'payload');

function show(messages: HandshakeFrame[]): string[] {
  return messages.map((m) => {
    expect(m.body).toEqual(m.raw.subarray(4));
    return `${m.type}:${toHex(m.raw)}`;
  });
}

function reassemble(fragments: Uint8Array[], options?: HandshakeReassemblerOptions): HandshakeFrame[] {
  const h = new HandshakeReassembler(options);
  const out: HandshakeFrame[] = [];
  for (const f of fragments) {
    h.push(f);
    for (let m = h.next(); m; m = h.next()) out.push(m);
  }
  expect(h.partialLength).toBe(0);
  return out;
}

describe('handshake header', () => {
  it('decodes the RFC 8448 §3 ClientHello header and body', () => {
    expect(decodeHandshakeHeader(new Reader(clientHello))).toEqual({ type: HandshakeType.client_hello, length: 192 });
    const m = parseHandshakeFrame(clientHello);
    expect(m.type).toBe(1);
    expect(m.body.length).toBe(192);
    expect(m.raw).toEqual(clientHello);
  });

  it('encodes the header and fills the length in', () => {
    expect(Writer.encode((w) => encodeHandshakeHeader(w, { type: 20, length: 32 }))).toEqual(fromHex('14 00 00 20'));
    const finished = serverFlight[3]!;
    expect(
      Writer.encode((w) => encodeHandshakeFrame(w, HandshakeType.finished, (w) => w.bytes(finished.subarray(4)))),
    ).toEqual(finished);
  });

  it('parseHandshakeFrame rejects every strict prefix and trailing bytes', () => {
    for (let k = 0; k < clientHello.length; k++) {
      expect(['truncated', 'length']).toContain(
        decodeError(() => parseHandshakeFrame(clientHello.subarray(0, k))).reason,
      );
    }
    expect(decodeError(() => parseHandshakeFrame(concat(clientHello, fromHex('00')))).reason).toBe('trailing');
  });
});

describe('HandshakeReassembler', () => {
  it('splits one record holding four messages (RFC 8448 §3 server flight)', () => {
    expect(serverPayload).toEqual(concat(...serverFlight));
    const messages = reassemble([serverPayload]);
    expect(messages.map((m) => m.type)).toEqual([8, 11, 15, 20]);
    expect(messages.map((m) => m.raw)).toEqual(serverFlight);
  });

  it('rebuilds one message spread over many records: byte by byte and split at every offset', () => {
    const expected = show([parseHandshakeFrame(clientHello)]);
    expect(show(reassemble(Array.from(clientHello, (b) => Uint8Array.of(b))))).toEqual(expected);
    const flight = show(reassemble([serverPayload]));
    for (let cut = 1; cut < serverPayload.length; cut++) {
      expect(show(reassemble([serverPayload.subarray(0, cut), serverPayload.subarray(cut)]))).toEqual(flight);
    }
  });

  it('every strict prefix yields only the complete messages and no error', () => {
    const ends = [40, 485, 621, 657];
    for (let k = 1; k < serverPayload.length; k++) {
      const h = new HandshakeReassembler();
      h.push(serverPayload.subarray(0, k));
      let n = 0;
      while (h.next()) n++;
      expect(n).toBe(ends.filter((e) => e <= k).length);
      const lastEnd = [0, ...ends].filter((e) => e <= k).pop()!;
      expect(h.partialLength).toBe(k - lastEnd);
    }
  });

  it('messages own their bytes', () => {
    const input = clientHello.slice();
    const h = new HandshakeReassembler();
    h.push(input.subarray(0, 100));
    input.fill(0, 0, 100);
    h.push(clientHello.subarray(100));
    const m = h.next()!;
    expect(m.raw).toEqual(clientHello);
    const whole = serverPayload.slice();
    h.push(whole);
    const first = h.next()!;
    whole.fill(0);
    expect(first.raw).toEqual(serverFlight[0]);
  });

  it('a partial message at a key change → unexpected_message (RFC 8446 §5.1)', () => {
    const h = new HandshakeReassembler();
    h.push(serverPayload.subarray(0, 40));
    expect(h.next()!.type).toBe(HandshakeType.encrypted_extensions);
    expect(() => h.assertBoundary()).not.toThrow();
    h.push(serverPayload.subarray(40, 42));
    expect(h.next()).toBeUndefined();
    const e = decodeError(() => h.assertBoundary());
    expect(e.reason).toBe('unexpected');
    expect(e.offset).toBe(40);
    expect(alertFor(e)).toBe(AlertDescription.unexpected_message);
    expect(decodeError(() => h.next())).toBe(e);
    expect(decodeError(() => h.push(serverPayload))).toBe(e);
  });

  it('a partial header counts too, and the interleaving check uses the same call', () => {
    const h = new HandshakeReassembler();
    h.push(fromHex('0b 00'));
    const e = decodeError(() => h.assertBoundary('change_cipher_spec record'));
    expect(e.detail).toContain('partial certificate held at a change_cipher_spec record');
    expect(alertFor(e)).toBe(AlertDescription.unexpected_message);
  });

  it('oversize messages fail at the header with decode_error; exactly at the limit is accepted', () => {
    expect(reassemble([clientHello], { maxMessageLength: 192 })).toHaveLength(1);
    const h = new HandshakeReassembler({ maxMessageLength: 191 });
    h.push(clientHello.subarray(0, 4));
    const e = decodeError(() => h.next());
    expect(e.reason).toBe('length');
    expect(e.offset).toBe(1);
    expect(alertFor(e)).toBe(AlertDescription.decode_error);
  });

  it('the default limit is 64 KiB, and per-type limits override it', () => {
    const body = (n: number) => Writer.encode((w) => encodeHandshakeFrame(w, 11, (w) => w.zeros(n)));
    expect(reassemble([body(65536)])[0]!.body.length).toBe(65536);
    expect(decodeError(() => reassemble([body(65537).subarray(0, 4)])).reason).toBe('length');
    const big = { maxMessageLengthByType: { [HandshakeType.certificate]: 1 << 20 } };
    expect(reassemble([body(100000)], big)[0]!.body.length).toBe(100000);
    expect(decodeError(() => reassemble([clientHello], { maxMessageLength: 100, ...big })).reason).toBe('length');
  });

  it('by default a ClientHello may have any well-formed length (RFC 8446 §4.1.2): up to 131,396 bytes', () => {
    const hello = (n: number) => Writer.encode((w) => encodeHandshakeFrame(w, 1, (w) => w.zeros(n)));
    expect(MAX_CLIENT_HELLO_LENGTH).toBe(131396);
    expect(reassemble([hello(131396)])[0]!.body.length).toBe(131396);
    expect(decodeError(() => reassemble([hello(131397).subarray(0, 4)])).reason).toBe('length');
  });

  it('messages before an error are delivered first', () => {
    const h = new HandshakeReassembler({ maxMessageLength: 100 });
    h.push(concat(serverFlight[0]!, serverFlight[1]!));
    expect(h.next()!.raw).toEqual(serverFlight[0]);
    expect(decodeError(() => h.next()).reason).toBe('length');
  });

  it('rejects a zero-length fragment (RFC 8446 §5.1) with decode_error', () => {
    const h = new HandshakeReassembler();
    h.push(new Uint8Array(0));
    expect(alertFor(decodeError(() => h.next()))).toBe(AlertDescription.decode_error);
  });

  it('accepts empty bodies (ServerHelloDone, EndOfEarlyData)', () => {
    expect(reassemble([fromHex('0e 00 00 00 05 00 00 00')]).map((m) => [m.type, m.body.length])).toEqual([
      [14, 0],
      [5, 0],
    ]);
  });

  it('refuses more bytes while messages are pending', () => {
    const h = new HandshakeReassembler();
    h.push(serverPayload);
    expect(h.pendingMessages).toBe(4);
    expect(() => h.push(clientHello)).toThrow(TlswireError);
  });
});

describe('fragmenter → deframer → reassembler', () => {
  it('round-trips random messages at random record sizes and split points (fast-check)', () => {
    const message = fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 40000 }))
      .map(([type, n]) =>
        Writer.encode((w) =>
          encodeHandshakeFrame(w, type, (w) => w.bytes(new Uint8Array(n).map((_, i) => (i + type) & 0xff))),
        ),
      );
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 16, max: 16384 }),
        fc.array(fc.integer({ min: 0, max: 1 << 20 }), { maxLength: 12 }),
        (messages, max, rawCuts) => {
          const content = concat(...messages);
          const wire = encodeRecords(fragmentContent(22, content, { maxFragmentLength: max }));
          const cuts = [...new Set(rawCuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const points = [0, ...cuts, wire.length];
          const deframer = new RecordDeframer();
          const reassembler = new HandshakeReassembler();
          const out: string[] = [];
          let records = 0;
          for (let i = 1; i < points.length; i++) {
            deframer.push(wire.subarray(points[i - 1]!, points[i]!));
            for (let r = deframer.next(); r; r = deframer.next()) {
              expect([r.type, r.version]).toEqual([22, 0x0303]);
              expect(r.fragment.length).toBe(Math.min(max, content.length - records * max));
              records++;
              reassembler.push(r.fragment);
              for (let m = reassembler.next(); m; m = reassembler.next()) out.push(toHex(m.raw));
            }
          }
          expect(records).toBe(Math.ceil(content.length / max));
          // Exact record headers: type 22, version 0x0303, then the fragment length.
          for (let i = 0; i < records; i++) {
            const n = Math.min(max, content.length - i * max);
            const at = i * (max + 5);
            expect(Array.from(wire.subarray(at, at + 5))).toEqual([0x16, 0x03, 0x03, n >> 8, n & 0xff]);
          }
          expect(out).toEqual(messages.map(toHex));
          expect(() => reassembler.assertBoundary()).not.toThrow();
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('HandshakeReassembler on random input', () => {
  it('yields messages or a DecodeError, never another error (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 1, max: 64 }), (bytes, step) => {
        const h = new HandshakeReassembler({ maxMessageLength: 300 });
        let seen = 0;
        try {
          for (let at = 0; at < bytes.length; at += step) {
            h.push(bytes.subarray(at, at + step));
            for (let m = h.next(); m; m = h.next()) seen += m.raw.length;
          }
          expect(seen + h.partialLength).toBe(bytes.length);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });
});

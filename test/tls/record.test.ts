/**
 * Tests for the record layer: header codec, RecordDeframer over the RFC 8448 record streams split
 * every possible way, every limit exactly at and one past the boundary, the fragmenter, and
 * ChangeCipherSpec (RFC 8446 §5, §5.1, §5.2; RFC 5246 §6.2; RFC 8449 §4).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, TlswireError } from '../../src/bytes/errors.js';
import { concat, equalBytes, fromHex, toHex } from '../../src/bytes/hex.js';
import { Reader } from '../../src/bytes/reader.js';
import { Writer } from '../../src/bytes/writer.js';
import { AlertDescription, ContentType } from '../../src/tls/enums.js';
import { alertFor, TlsAlertError } from '../../src/tls/errors.js';
import {
  decodeRecordHeader,
  encodeChangeCipherSpec,
  encodeRecordHeader,
  encodeRecords,
  fragmentContent,
  maxFragmentLengthFor,
  maxInnerPlaintextLength,
  maxRecordFragmentLength,
  parseChangeCipherSpec,
  parseRecord,
  RecordDeframer,
  type RecordDeframerOptions,
  type TlsRecord,
} from '../../src/tls/record.js';
import { decodeError } from '../support/errors.js';
import { field, findEntries, loadTrace, type Rfc8448Section } from '../support/rfc8448.js';

/** The "complete record" blocks one side sends in an RFC 8448 trace, in order. */
function recordsSent(section: Rfc8448Section, actor: 'client' | 'server'): Uint8Array[] {
  return findEntries(loadTrace(section), actor, 'send ').map((e) => field(e, 'complete record'));
}

/** A record taken apart by hand from its wire bytes (header fields at fixed offsets, RFC 8446 §5.1). */
function byHand(wire: Uint8Array): TlsRecord {
  return { type: wire[0]!, version: (wire[1]! << 8) | wire[2]!, fragment: wire.subarray(5) };
}

/** Records as comparable strings (vitest's deep equality is slow on thousands of byte arrays). */
function show(records: TlsRecord[]): string[] {
  return records.map((r) => `${r.type}/${r.version.toString(16)}/${toHex(r.fragment)}`);
}

/** Push `chunks` one at a time, draining after each; all records in order. */
function deframe(chunks: Uint8Array[], options?: RecordDeframerOptions): TlsRecord[] {
  const d = new RecordDeframer(options);
  const out: TlsRecord[] = [];
  for (const c of chunks) {
    d.push(c);
    for (let r = d.next(); r; r = d.next()) out.push(r);
  }
  expect(d.partialLength).toBe(0);
  return out;
}

/** A record with a fragment of `length` bytes (0xa5 filler). */
function wire(type: number, length: number, version = 0x0303): Uint8Array {
  return Writer.encode((w) => {
    encodeRecordHeader(w, { type, version, length });
    w.bytes(new Uint8Array(length).fill(0xa5));
  });
}

const streams: [string, Uint8Array[]][] = [];
for (const s of [3, 4, 5, 6, 7] as const) {
  for (const actor of ['client', 'server'] as const) streams.push([`RFC 8448 §${s} ${actor}`, recordsSent(s, actor)]);
}

describe('record header', () => {
  it('decodes the RFC 8448 §3 ClientHello record header', () => {
    const [hello] = recordsSent(3, 'client');
    expect(decodeRecordHeader(new Reader(hello!))).toEqual({ type: 22, version: 0x0301, length: 196 });
    const rec = parseRecord(hello!);
    expect(rec.type).toBe(ContentType.handshake);
    expect(rec.fragment).toEqual(field(findEntries(loadTrace(3), 'client', 'send handshake record')[0]!, 'payload'));
  });

  it('encodes the exact header bytes', () => {
    const bytes = Writer.encode((w) => encodeRecordHeader(w, { type: 23, version: 0x0303, length: 0x43 }));
    expect(bytes).toEqual(fromHex('17 03 03 00 43'));
  });

  it('parseRecord rejects every strict prefix and trailing bytes', () => {
    const [hello] = recordsSent(3, 'client');
    for (let k = 0; k < hello!.length; k++) {
      const e = decodeError(() => parseRecord(hello!.subarray(0, k)));
      expect(['truncated', 'length']).toContain(e.reason);
    }
    expect(decodeError(() => parseRecord(concat(hello!, fromHex('00')))).reason).toBe('trailing');
  });
});

describe('RecordDeframer over real streams', () => {
  it.each(streams)('%s: all at once, byte by byte and split at every offset give the same records', (_, recs) => {
    const stream = concat(...recs);
    const expected = show(recs.map(byHand));
    expect(deframe([stream])).toEqual(recs.map(byHand));
    expect(show(deframe(Array.from(stream, (b) => Uint8Array.of(b))))).toEqual(expected);
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(show(deframe([stream.subarray(0, cut), stream.subarray(cut)]))).toEqual(expected);
    }
  });

  it('every strict prefix of a stream yields only the records it wholly contains, and no error', () => {
    const recs = recordsSent(7, 'server');
    const stream = concat(...recs);
    const ends = recs.map((_, i) => recs.slice(0, i + 1).reduce((n, r) => n + r.length, 0));
    for (let k = 0; k < stream.length; k++) {
      const d = new RecordDeframer();
      d.push(stream.subarray(0, k));
      let n = 0;
      while (d.next()) n++;
      expect(n).toBe(ends.filter((e) => e <= k).length);
    }
  });

  it('random splits give the same records (fast-check)', () => {
    const stream = concat(...recordsSent(3, 'server'));
    const expected = show(recordsSent(3, 'server').map(byHand));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 40 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const chunks = points.slice(1).map((p, i) => stream.subarray(points[i]!, p));
        expect(show(deframe(chunks))).toEqual(expected);
      }),
    );
  });

  it('records own their bytes: reusing the input chunk does not change them', () => {
    const recs = recordsSent(3, 'client');
    const chunk = concat(...recs);
    const d = new RecordDeframer();
    d.push(chunk.subarray(0, 100));
    expect(d.next()).toBeUndefined();
    chunk.fill(0, 0, 100);
    const rest = concat(...recs).subarray(100);
    d.push(rest);
    const first = d.next()!;
    rest.fill(0);
    expect(first).toEqual(byHand(recs[0]!));
  });

  it('refuses more bytes while records are pending, so memory stays bounded', () => {
    const d = new RecordDeframer();
    d.push(concat(...recordsSent(3, 'client')));
    expect(d.pendingRecords).toBe(4);
    expect(() => d.push(fromHex('16'))).toThrow(TlswireError);
    while (d.next());
    d.push(fromHex('16 03'));
    expect(d.partialLength).toBe(2);
  });
});

describe('RecordDeframer limits', () => {
  const cases: [string, RecordDeframerOptions, number][] = [
    ['plaintext (2^14)', { protection: 'plaintext' }, 16384],
    ['TLS 1.3 ciphertext (2^14 + 256)', { protection: 'tls13-protected' }, 16640],
    ['TLS 1.2 ciphertext (2^14 + 2048)', { protection: 'tls12-protected' }, 18432],
    ['TLS 1.3 with record_size_limit 1024', { protection: 'tls13-protected', recordSizeLimit: 1024 }, 1279],
    ['TLS 1.2 with record_size_limit 64', { protection: 'tls12-protected', recordSizeLimit: 64 }, 2112],
    [
      'TLS 1.3 with record_size_limit above the maximum',
      { protection: 'tls13-protected', recordSizeLimit: 65535 },
      16640,
    ],
    ['plaintext ignores record_size_limit', { protection: 'plaintext', recordSizeLimit: 64 }, 16384],
  ];

  it.each(cases)('%s: exactly at the limit accepted, one byte over → record_overflow', (_, options, max) => {
    expect(maxRecordFragmentLength({ protection: options.protection!, recordSizeLimit: options.recordSizeLimit })).toBe(
      max,
    );
    expect(deframe([wire(23, max)], options)[0]!.fragment.length).toBe(max);
    const d = new RecordDeframer(options);
    d.push(concat(wire(23, 10), wire(23, max + 1)));
    expect(d.next()!.fragment.length).toBe(10);
    const e = decodeError(() => d.next());
    expect(e.reason).toBe('overflow');
    expect(e.offset).toBe(15 + 3);
    expect(alertFor(e)).toBe(AlertDescription.record_overflow);
  });

  it('rejects an oversize record as soon as its header arrives, before the body', () => {
    const d = new RecordDeframer();
    d.push(fromHex('17 03 03 40'));
    expect(d.next()).toBeUndefined();
    d.push(fromHex('01'));
    expect(alertFor(decodeError(() => d.next()))).toBe(AlertDescription.record_overflow);
  });

  it('applies the limits in force when each record is pulled (epoch change mid-chunk)', () => {
    const d = new RecordDeframer();
    d.push(concat(wire(22, 90), wire(23, 16640)));
    expect(d.next()!.type).toBe(22);
    d.setLimits({ protection: 'tls13-protected' });
    expect(d.next()!.fragment.length).toBe(16640);
    expect(d.currentLimits).toEqual({ protection: 'tls13-protected', recordSizeLimit: undefined });
  });

  it('rejects zero-length handshake and alert fragments in plaintext, allows empty application data', () => {
    for (const type of [22, 21]) {
      const e = decodeError(() => deframe([wire(type, 0)]));
      expect(e.reason).toBe('length');
      expect(alertFor(e)).toBe(AlertDescription.decode_error);
    }
    expect(deframe([wire(23, 0)])).toEqual([{ type: 23, version: 0x0303, fragment: new Uint8Array(0) }]);
    expect(deframe([wire(22, 0)], { protection: 'tls13-protected' })).toHaveLength(1);
  });

  it('rejects unknown content types with unexpected_message, from the first byte', () => {
    for (const type of [0, 19, 25, 0x47, 0xff]) {
      const d = new RecordDeframer();
      d.push(Uint8Array.of(type));
      const e = decodeError(() => d.next());
      expect(e.reason).toBe('unexpected');
      expect(alertFor(e)).toBe(AlertDescription.unexpected_message);
    }
    // An HTTP request on a TLS port.
    const e = decodeError(() => deframe([new TextEncoder().encode('GET / HTTP/1.1\r\n')]));
    expect(alertFor(e)).toBe(AlertDescription.unexpected_message);
  });

  it('accepts heartbeat records only when asked to', () => {
    expect(decodeError(() => deframe([wire(24, 3)])).reason).toBe('unexpected');
    expect(deframe([wire(24, 3)], { acceptHeartbeat: true })[0]!.type).toBe(24);
  });

  it('reports legacy_record_version without checking it', () => {
    expect(deframe([wire(22, 1, 0x0301), wire(22, 1, 0x1234)]).map((r) => r.version)).toEqual([0x0301, 0x1234]);
  });

  it('stays failed: every later call rethrows the same error', () => {
    const d = new RecordDeframer();
    d.push(wire(22, 0));
    const e = decodeError(() => d.next());
    expect(decodeError(() => d.next())).toBe(e);
    expect(decodeError(() => d.push(wire(22, 1)))).toBe(e);
  });

  it('rejects a record_size_limit below 64 (RFC 8449 §4)', () => {
    expect(() => new RecordDeframer({ protection: 'tls13-protected', recordSizeLimit: 63 })).toThrow(TlswireError);
    expect(() => new RecordDeframer().setLimits({ protection: 'tls12-protected', recordSizeLimit: 0 })).toThrow(
      TlswireError,
    );
  });

  it('maxInnerPlaintextLength follows RFC 8449 §4', () => {
    expect(maxInnerPlaintextLength({ protection: 'plaintext' })).toBe(16384);
    expect(maxInnerPlaintextLength({ protection: 'tls13-protected' })).toBe(16385);
    expect(maxInnerPlaintextLength({ protection: 'tls12-protected' })).toBe(16384);
    expect(maxInnerPlaintextLength({ protection: 'tls13-protected', recordSizeLimit: 4096 })).toBe(4096);
  });
});

describe('fragmentContent', () => {
  it('splits content into 2^14-byte records with exact headers', () => {
    const content = new Uint8Array(40000).map((_, i) => i & 0xff);
    const records = fragmentContent(ContentType.handshake, content);
    expect(records.map((r) => r.fragment.length)).toEqual([16384, 16384, 7232]);
    const bytes = encodeRecords(records);
    expect(bytes.length).toBe(40015);
    expect(bytes.subarray(0, 5)).toEqual(fromHex('16 03 03 40 00'));
    expect(bytes.subarray(16389, 16394)).toEqual(fromHex('16 03 03 40 00'));
    expect(bytes.subarray(32778, 32783)).toEqual(fromHex('16 03 03 1c 40'));
    expect(equalBytes(concat(...deframe([bytes]).map((r) => r.fragment)), content)).toBe(true);
  });

  it('rebuilds the RFC 8448 §3 ClientHello record with version 0x0301', () => {
    const [hello] = recordsSent(3, 'client');
    const records = fragmentContent(22, hello!.subarray(5), { version: 0x0301 });
    expect(encodeRecords(records)).toEqual(hello);
  });

  it('honours a configured limit and an RFC 8449 record_size_limit', () => {
    expect(fragmentContent(23, new Uint8Array(10), { maxFragmentLength: 4 }).map((r) => r.fragment.length)).toEqual([
      4, 4, 2,
    ]);
    expect(maxFragmentLengthFor(16385, 0x0304)).toBe(16384);
    expect(maxFragmentLengthFor(64, 0x0304)).toBe(63);
    expect(maxFragmentLengthFor(65535, 0x0304)).toBe(16384);
    expect(maxFragmentLengthFor(64, 0x0303)).toBe(64);
    expect(maxFragmentLengthFor(16385, 0x0303)).toBe(16384);
    let caught: unknown;
    try {
      maxFragmentLengthFor(63, 0x0304);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TlsAlertError);
    expect(alertFor(caught)).toBe(AlertDescription.illegal_parameter);
  });

  it('sends empty application data as one empty record and refuses empty handshake or odd alerts', () => {
    expect(encodeRecords(fragmentContent(23, new Uint8Array(0)))).toEqual(fromHex('17 03 03 00 00'));
    expect(() => fragmentContent(22, new Uint8Array(0))).toThrow(TlswireError);
    expect(() => fragmentContent(21, new Uint8Array(0))).toThrow(TlswireError);
    expect(() => fragmentContent(21, fromHex('01 00 01 00'))).toThrow(TlswireError);
    expect(() => fragmentContent(23, new Uint8Array(1), { maxFragmentLength: 0 })).toThrow(TlswireError);
    expect(encodeRecords(fragmentContent(21, fromHex('02 28')))).toEqual(fromHex('15 03 03 00 02 02 28'));
  });

  it('fragment → encode → deframe at random split points restores the content (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40000 }),
        fc.integer({ min: 1, max: 16384 }),
        fc.array(fc.integer({ min: 0, max: 1 << 20 }), { maxLength: 20 }),
        (size, max, rawCuts) => {
          const content = new Uint8Array(size).map((_, i) => (i * 7) & 0xff);
          const bytes = encodeRecords(fragmentContent(23, content, { maxFragmentLength: max }));
          const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const points = [0, ...cuts, bytes.length];
          const chunks = points.slice(1).map((p, i) => bytes.subarray(points[i]!, p));
          const records = deframe(chunks);
          expect(records.length).toBe(Math.ceil(size / max));
          for (const [i, r] of records.entries()) {
            expect(r.type).toBe(23);
            expect(r.version).toBe(0x0303);
            expect(r.fragment.length).toBe(i < records.length - 1 ? max : size - max * (records.length - 1));
          }
          expect(equalBytes(concat(...records.map((r) => r.fragment)), content)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('ChangeCipherSpec', () => {
  it('accepts the RFC 8448 §7 middlebox-compatibility record (14 03 03 00 01 01)', () => {
    const ccs = findEntries(loadTrace(7), 'server', 'send change_cipher_spec record').map((e) =>
      field(e, 'complete record'),
    );
    expect(ccs).toEqual([fromHex('14 03 03 00 01 01')]);
    const [record] = deframe(ccs);
    expect(record!.type).toBe(ContentType.change_cipher_spec);
    expect(() => parseChangeCipherSpec(record!.fragment)).not.toThrow();
    expect(Writer.encode((w) => encodeChangeCipherSpec(w))).toEqual(fromHex('01'));
  });

  it('any other value or length is unexpected_message (RFC 8446 §5)', () => {
    for (const hex of ['00', '02', 'ff', '', '01 01', '01 00']) {
      const e = decodeError(() => parseChangeCipherSpec(fromHex(hex)));
      expect(e.reason).toBe('unexpected');
      expect(alertFor(e)).toBe(AlertDescription.unexpected_message);
    }
  });
});

describe('RecordDeframer on random input', () => {
  it('yields records or a DecodeError, never another error (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 1, max: 64 }), (bytes, step) => {
        const d = new RecordDeframer({ protection: 'tls13-protected' });
        let seen = 0;
        try {
          for (let at = 0; at < bytes.length; at += step) {
            d.push(bytes.subarray(at, at + step));
            for (let r = d.next(); r; r = d.next()) seen += 5 + r.fragment.length;
          }
          expect(seen + d.partialLength).toBe(bytes.length);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });
});

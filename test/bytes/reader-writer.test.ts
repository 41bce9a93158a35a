/** Tests for the byte codec core: Reader, Writer, DecodeError paths/offsets, hex helpers. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, DecodeError, EncodeError, fromHex, Reader, toHex, Writer } from '../../src/bytes/index.js';
import { decodeError } from '../support/errors.js';

describe('Reader integers', () => {
  it('reads big-endian u8/u16/u24/u32/u64', () => {
    const r = new Reader(fromHex('01 0203 040506 fffffffe 0102030405060708'));
    expect(r.u8()).toBe(0x01);
    expect(r.u16()).toBe(0x0203);
    expect(r.u24()).toBe(0x040506);
    expect(r.u32()).toBe(0xfffffffe);
    expect(r.u64()).toBe(0x0102030405060708n);
    expect(r.atEnd).toBe(true);
  });

  it('reads little-endian u16/u32', () => {
    const r = new Reader(fromHex('3412 d4c3b2a1'));
    expect(r.u16le()).toBe(0x1234);
    expect(r.u32le()).toBe(0xa1b2c3d4);
  });

  it('reports truncation with path and offset', () => {
    const e = decodeError(() => Reader.decode(fromHex('0001 02'), 'Msg', (r) => [r.u16('a'), r.u16('b')]));
    expect(e.reason).toBe('truncated');
    expect(e.path).toBe('Msg.b');
    expect(e.offset).toBe(2);
  });

  it('rejects trailing bytes at top level', () => {
    const e = decodeError(() => Reader.decode(fromHex('00 01'), 'Msg', (r) => r.u8('a')));
    expect(e.reason).toBe('trailing');
    expect(e.offset).toBe(1);
  });
});

describe('Reader vectors', () => {
  it('decodes nested vectors and lists with element paths', () => {
    // list16 of opaque8: [ "ab", "c" ]
    const bytes = fromHex('0005 02 6162 01 63');
    const items = Reader.decode(bytes, 'L', (r) => r.list16('names', (rr) => toHex(rr.opaque8('name'))));
    expect(items).toEqual(['6162', '63']);
  });

  it('a vector longer than its container is a length error', () => {
    const e = decodeError(() => Reader.decode(fromHex('0005 02 6162'), 'L', (r) => r.opaque16('body')));
    expect(e.reason).toBe('length');
    expect(e.path).toBe('L.body');
  });

  it('an item running past its vector is truncated with the element path', () => {
    const e = decodeError(() =>
      Reader.decode(fromHex('0003 02 6162 00'), 'L', (r) => r.list16('names', (rr) => rr.opaque8('name'))),
    );
    // vector covers "02 61 62"; second item would need a prefix beyond the vector end
    expect(e.reason).toBe('trailing');
    expect(e.path).toBe('L');
  });

  it('an element that overruns its vector names the element', () => {
    const e = decodeError(() =>
      Reader.decode(fromHex('0002 05 61'), 'L', (r) => r.list16('names', (rr) => rr.opaque8('name'))),
    );
    expect(e.reason).toBe('length');
    expect(e.path).toBe('L.names[0].name');
    expect(e.offset).toBe(3);
  });

  it('a vector not fully consumed by its body is trailing', () => {
    const e = decodeError(() => Reader.decode(fromHex('03 01 02 03'), 'M', (r) => r.vec8('v', (rr) => rr.u16())));
    expect(e.reason).toBe('trailing');
    expect(e.path).toBe('M.v');
    expect(e.offset).toBe(3);
  });

  it('enforces limits: min, max, multipleOf', () => {
    expect(decodeError(() => new Reader(fromHex('00')).opaque8('x', { min: 1 })).reason).toBe('length');
    expect(decodeError(() => new Reader(fromHex('02 0000')).opaque8('x', { max: 1 })).reason).toBe('length');
    expect(decodeError(() => new Reader(fromHex('0003 000000')).opaque16('x', { multipleOf: 2 })).reason).toBe(
      'length',
    );
  });

  it('bytes() is a view and copy() is a copy', () => {
    const input = fromHex('aabb');
    const view = new Reader(input).bytes(2);
    const copy = new Reader(input).copy(2);
    input[0] = 0;
    expect(view[0]).toBe(0);
    expect(copy[0]).toBe(0xaa);
  });

  it('baseOffset shifts reported offsets', () => {
    const e = decodeError(() => new Reader(fromHex('00'), 'X', 100).u16('f'));
    expect(e.offset).toBe(100);
  });
});

describe('Writer', () => {
  it('writes big-endian integers', () => {
    const out = Writer.encode((w) => w.u8(1).u16(0x0203).u24(0x040506).u32(0xfffffffe).u64(0x0102030405060708n));
    expect(toHex(out)).toBe('01' + '0203' + '040506' + 'fffffffe' + '0102030405060708');
  });

  it('writes little-endian u16/u32', () => {
    const out = Writer.encode((w) => w.u16le(0x1234).u32le(0xa1b2c3d4));
    expect(toHex(out)).toBe('3412' + 'd4c3b2a1');
    expect(() => new Writer().u16le(0x10000)).toThrow('u16: 65536 is not an integer in 0..65535');
    expect(() => new Writer().u32le(-1)).toThrow('u32: -1 is not an integer in 0..4294967295');
  });

  it('fills nested length prefixes', () => {
    const out = Writer.encode((w) =>
      w.vec16((w2) => {
        w2.vec8((w3) => w3.bytes(fromHex('6162')));
        w2.vec24((w3) => w3.u8(0x63));
      }),
    );
    expect(toHex(out)).toBe('0007' + '02' + '6162' + '000001' + '63');
  });

  it('grows past its initial capacity', () => {
    const big = new Uint8Array(100_000).fill(7);
    const out = Writer.encode((w) => w.opaque24(big), 16);
    expect(out.length).toBe(100_003);
    expect(out[3]).toBe(7);
    expect(out[100_002]).toBe(7);
  });

  it('rejects out-of-range values and oversize vectors', () => {
    expect(() => new Writer().u8(256)).toThrow(EncodeError);
    expect(() => new Writer().u16(-1)).toThrow(EncodeError);
    expect(() => new Writer().u32(2 ** 32)).toThrow(EncodeError);
    expect(() => new Writer().u24(0x1000000)).toThrow('u24: 16777216 is not an integer in 0..16777215');
    expect(() => new Writer().u8(1.5)).toThrow(EncodeError);
    expect(() => new Writer().opaque8(new Uint8Array(256))).toThrow(EncodeError);
    expect(() => new Writer().vec16((w) => w.zeros(10), 9)).toThrow(EncodeError);
  });

  it('patchU16 overwrites in place', () => {
    const w = new Writer().u16(0).u16(0xffff);
    w.patchU16(0, 0xbeef);
    expect(toHex(w.finish())).toBe('beefffff');
    expect(() => w.patchU16(3, 1)).toThrow(EncodeError);
  });
});

describe('hex helpers', () => {
  it('parses leniently and rejects junk', () => {
    expect(toHex(fromHex(' 16 03\n01:0a\tFF '))).toBe('1603010aff');
    expect(() => fromHex('0g')).toThrow();
    expect(() => fromHex('abc')).toThrow();
  });

  it('constantTimeEqual', () => {
    expect(constantTimeEqual(fromHex('0102'), fromHex('0102'))).toBe(true);
    expect(constantTimeEqual(fromHex('0102'), fromHex('0103'))).toBe(false);
    expect(constantTimeEqual(fromHex('01'), fromHex('0102'))).toBe(false);
  });
});

describe('properties', () => {
  it('hex round trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(fromHex(toHex(b))).toEqual(b);
      }),
    );
  });

  it('integer and vector round trip', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 300 }),
        (a, b, body) => {
          const bytes = Writer.encode((w) => w.u16(a).u32(b).opaque16(body));
          const back = Reader.decode(bytes, 'P', (r) => [r.u16(), r.u32(), r.opaque16('body')] as const);
          expect(back[0]).toBe(a);
          expect(back[1]).toBe(b);
          expect(back[2]).toEqual(body);
        },
      ),
    );
  });

  it('every strict prefix of a vector encoding fails with a DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (body) => {
        const bytes = Writer.encode((w) => w.opaque16(body));
        for (let n = 0; n < bytes.length; n++) {
          expect(() => Reader.decode(bytes.subarray(0, n), 'P', (r) => r.opaque16('body'))).toThrow(DecodeError);
        }
      }),
    );
  });
});

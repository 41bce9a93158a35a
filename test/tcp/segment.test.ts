/**
 * Tests of the TCP segment and option codec against real kernel segments read by tshark
 * (vectors/tcp/segments.json), per-option bytes both ways, malformed input, raw-mode encoding,
 * validation warnings, and fast-check round trips.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError, fromHex, Reader, toHex, Writer } from '../../src/bytes/index.js';
import {
  decodeTcpHeader,
  decodeTcpOption,
  decodeTcpSegment,
  encodeTcpOption,
  encodeTcpSegment,
  formatTcpFlags,
  type TcpEncodeOptions,
  TcpFlag,
  type TcpOption,
  type TcpSegment,
  validateTcpSegment,
} from '../../src/tcp/index.js';
import { decodeError } from '../support/errors.js';
import { SKIP_TSHARK } from '../support/tshark.js';
import { realSegments } from './fixture.js';

const encode = (seg: TcpSegment, opts?: TcpEncodeOptions): Uint8Array =>
  Writer.encode((w) => encodeTcpSegment(w, seg, opts));

/** A segment with every field zero except what `fields` sets. */
function segment(fields: Partial<TcpSegment>): TcpSegment {
  return {
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    dataOffset: 5,
    reserved: 0,
    flags: 0,
    window: 0,
    checksum: 0,
    urgentPointer: 0,
    options: [],
    optionPadding: new Uint8Array(0),
    payload: new Uint8Array(0),
    ...fields,
  };
}

/**
 * The first SYN of vectors/tcp/client-close.pcap (Linux 6.18, 127.0.0.1:58264 → 127.0.0.1:40001),
 * as tshark reads it: Seq=2174838710 Win=65495 MSS=65495 SACK_PERM TSval=39871970 TSecr=0 WS=1024.
 */
const LINUX_SYN = fromHex(
  'e398 9c41 81a167b6 00000000 a002 ffd7 fe30 0000 0204ffd7 0402 080a026065e200000000 01 03030a',
);

const KIND_NUMBER = { eol: 0, nop: 1, mss: 2, wscale: 3, sackPermitted: 4, sack: 5, timestamps: 8 } as const;
const kindNumber = (o: TcpOption): number => (o.kind === 'unknown' ? o.type : KIND_NUMBER[o.kind]);
const bitsWithoutRes = ({ res: _, ...bits }: Record<string, number>) => bits;
/** Hex without the spaces used for readability. */
const hex = (s: string) => toHex(fromHex(s));

describe('real kernel segments (tshark)', () => {
  it('the fixture covers IPv4 and IPv6, SACK blocks, URG, RST, FIN and data', () => {
    const has = (f: (s: (typeof realSegments)[number]) => boolean) => realSegments.filter(f).length;
    expect(realSegments.length).toBeGreaterThanOrEqual(80);
    expect(has((s) => s.ipVersion === 6)).toBeGreaterThanOrEqual(20);
    expect(has((s) => s.tshark.sack_le.length === 3)).toBeGreaterThanOrEqual(4);
    expect(has((s) => s.tshark.sack_le.length === 1)).toBeGreaterThanOrEqual(2);
    expect(has((s) => s.tshark.flag_bits.urg === 1)).toBeGreaterThanOrEqual(2);
    expect(has((s) => s.tshark.flag_bits.reset === 1)).toBeGreaterThanOrEqual(3);
    expect(has((s) => s.tshark.len >= 1388)).toBeGreaterThanOrEqual(3);
  });

  for (const s of realSegments) {
    it(`${s.name} decodes to tshark's values and re-encodes byte for byte`, () => {
      const t = s.tshark;
      const seg = decodeTcpSegment(s.bytes);
      expect(seg.srcPort).toBe(t.srcport);
      expect(seg.dstPort).toBe(t.dstport);
      expect(seg.seq).toBe(t.seq_raw);
      expect(seg.ack).toBe(t.ack_raw);
      expect(seg.dataOffset * 4).toBe(t.hdr_len);
      expect(seg.flags).toBe(t.flags & 0x1ff);
      expect(seg.reserved).toBe(t.flag_bits.res);
      const bit = (flag: number) => ((seg.flags & flag) !== 0 ? 1 : 0);
      expect({
        ae: bit(TcpFlag.AE),
        cwr: bit(TcpFlag.CWR),
        ece: bit(TcpFlag.ECE),
        urg: bit(TcpFlag.URG),
        ack: bit(TcpFlag.ACK),
        push: bit(TcpFlag.PSH),
        reset: bit(TcpFlag.RST),
        syn: bit(TcpFlag.SYN),
        fin: bit(TcpFlag.FIN),
      }).toEqual(bitsWithoutRes(t.flag_bits));
      expect(seg.window).toBe(t.window_size_value);
      expect(seg.checksum).toBe(t.checksum);
      expect(seg.urgentPointer).toBe(t.urgent_pointer);
      expect(seg.payload.length).toBe(t.len);

      expect(seg.options.map(kindNumber)).toEqual(t.option_kinds);
      const find = <K extends TcpOption['kind']>(kind: K) =>
        seg.options.find((o): o is Extract<TcpOption, { kind: K }> => o.kind === kind);
      expect(find('mss')?.mss).toBe(t.mss_val);
      expect(find('wscale')?.shift).toBe(t.wscale_shift);
      expect(find('sackPermitted') !== undefined).toBe(t.sack_perm);
      expect(find('timestamps')?.tsval).toBe(t.tsval);
      expect(find('timestamps')?.tsecr).toBe(t.tsecr);
      expect(find('sack')?.blocks.map((b) => b.left) ?? []).toEqual(t.sack_le);
      expect(find('sack')?.blocks.map((b) => b.right) ?? []).toEqual(t.sack_re);
      expect(toHex(s.bytes.subarray(20, seg.dataOffset * 4))).toBe(t.options);
      expect(validateTcpSegment(seg)).toEqual([]);

      expect(toHex(encode(seg))).toBe(toHex(s.bytes));
      // Fixing the checksum gives what tshark calculated (loopback captures carry offloaded partial sums).
      const fixed = encode(seg, { pseudoHeader: s.pseudoHeader });
      expect((fixed[16]! << 8) | fixed[17]!).toBe(t.checksum_calculated);
      expect(toHex(fixed.subarray(18))).toBe(toHex(s.bytes.subarray(18)));
    });
  }

  it('the fast path reads the same fixed fields and option bytes as tshark, at any offset', () => {
    for (const s of realSegments) {
      const framed = new Uint8Array(s.bytes.length + 7);
      framed.set(s.bytes, 7);
      const h = decodeTcpHeader(framed, 7);
      const t = s.tshark;
      expect([h.srcPort, h.dstPort, h.seq, h.ack, h.dataOffset * 4, h.flags, h.window, h.checksum]).toEqual([
        t.srcport,
        t.dstport,
        t.seq_raw,
        t.ack_raw,
        t.hdr_len,
        t.flags & 0x1ff,
        t.window_size_value,
        t.checksum,
      ]);
      expect([h.reserved, h.urgentPointer, toHex(h.options)]).toEqual([t.flag_bits.res, t.urgent_pointer, t.options]);
    }
  });
});

describe('the fixture', () => {
  // Needs tshark: skipped without it, except in CI (CI=true), where a missing tshark fails the test.
  it.skipIf(SKIP_TSHARK)('is what tshark reads from the committed pcaps today', () => {
    const script = new URL('../../scripts/tcp-segment-fixture.mjs', import.meta.url).pathname;
    expect(execFileSync('node', [script, '--check'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString()).toMatch(
      /as tshark says/,
    );
  });
});

describe('building a SYN by hand', () => {
  const syn = segment({
    srcPort: 58264,
    dstPort: 40001,
    seq: 2174838710,
    flags: TcpFlag.SYN,
    window: 65495,
    checksum: 0xfe30,
    options: [
      { kind: 'mss', mss: 65495 },
      { kind: 'sackPermitted' },
      { kind: 'timestamps', tsval: 39871970, tsecr: 0 },
      { kind: 'nop' },
      { kind: 'wscale', shift: 10 },
    ],
  });

  it("reproduces Linux's SYN byte for byte (data offset computed)", () => {
    expect(toHex(encode({ ...syn, dataOffset: 0 }))).toBe(toHex(LINUX_SYN));
  });

  it('computes the checksum tshark calculated for it (0x7e8a) from the IPv4 pseudo-header', () => {
    const lo = Uint8Array.of(127, 0, 0, 1);
    const bytes = encode(syn, { pseudoHeader: { src: lo, dst: lo } });
    expect(toHex(bytes.subarray(16, 18))).toBe('7e8a');
    expect(toHex(bytes.subarray(0, 16))).toBe(toHex(LINUX_SYN.subarray(0, 16)));
  });

  it('appends after what the writer already holds', () => {
    const w = new Writer();
    w.u8(0xaa);
    encodeTcpSegment(w, syn);
    expect(toHex(w.finish())).toBe(`aa${toHex(LINUX_SYN)}`);
  });
});

describe('options, bytes both ways', () => {
  const cases: [string, TcpOption][] = [
    ['00', { kind: 'eol' }],
    ['01', { kind: 'nop' }],
    ['0204ffd7', { kind: 'mss', mss: 65495 }],
    ['0204 0578', { kind: 'mss', mss: 1400 }],
    ['03030a', { kind: 'wscale', shift: 10 }],
    ['03030f', { kind: 'wscale', shift: 15 }],
    ['0402', { kind: 'sackPermitted' }],
    ['080a 026065e2 00000000', { kind: 'timestamps', tsval: 39871970, tsecr: 0 }],
    ['080a ffffffff 80000000', { kind: 'timestamps', tsval: 0xffffffff, tsecr: 0x80000000 }],
    ['050a d591da25 d591da89', { kind: 'sack', blocks: [{ left: 3583105573, right: 3583105673 }] }],
    [
      '0522 00000001 00000002 00000003 00000004 00000005 00000006 fffffff0 00000010',
      {
        kind: 'sack',
        blocks: [
          { left: 1, right: 2 },
          { left: 3, right: 4 },
          { left: 5, right: 6 },
          { left: 0xfffffff0, right: 0x10 },
        ],
      },
    ],
    ['1e04 2081', { kind: 'unknown', type: 30, data: fromHex('2081') }],
    ['2202', { kind: 'unknown', type: 34, data: new Uint8Array(0) }],
    ['fe06 f989 0102', { kind: 'unknown', type: 254, data: fromHex('f989 0102') }],
  ];
  for (const [hex, option] of cases) {
    it(`${hex} ⇄ ${JSON.stringify(option)}`, () => {
      expect(Reader.decode(fromHex(hex), 'opt', decodeTcpOption)).toEqual(option);
      expect(toHex(Writer.encode((w) => encodeTcpOption(w, option)))).toBe(toHex(fromHex(hex)));
    });
  }

  it('an option decoded alone rejects trailing bytes', () => {
    const e = decodeError(() => Reader.decode(fromHex('0204ffd7 00'), 'opt', decodeTcpOption));
    expect([e.reason, e.offset]).toEqual(['trailing', 4]);
  });

  it('keeps bytes after EOL as padding, byte for byte', () => {
    const bytes = fromHex('c0de01bb 00000001 00000000 8002ffff 00000000 0204 05b4 00 ab cd 00 01 02 03 04 dead');
    const seg = decodeTcpSegment(bytes);
    expect(seg.options).toEqual([{ kind: 'mss', mss: 1460 }, { kind: 'eol' }]);
    expect(toHex(seg.optionPadding)).toBe('abcd0001020304');
    expect(toHex(seg.payload)).toBe('dead');
    expect(toHex(encode(seg))).toBe(toHex(bytes));
    expect(validateTcpSegment(seg).map((w) => w.code)).toEqual(['padding-not-zero']);
  });
});

describe('malformed segments', () => {
  it('rejects every strict prefix of every real header', () => {
    for (const s of realSegments) {
      for (let n = 0; n < s.tshark.hdr_len; n++) {
        const e = decodeError(() => decodeTcpSegment(s.bytes.subarray(0, n)));
        expect(e.reason).toBe(n < 20 ? 'truncated' : 'length');
        if (n >= 20) expect([e.path, e.offset]).toEqual(['TcpSegment.dataOffset', 12]);
        expect(() => decodeTcpHeader(s.bytes.subarray(0, n))).toThrow(DecodeError);
      }
    }
  });

  it('rejects a header under 20 bytes as truncated', () => {
    const e = decodeError(() => decodeTcpSegment(LINUX_SYN.subarray(0, 19)));
    expect([e.reason, e.path, e.offset]).toEqual(['truncated', 'TcpSegment', 0]);
    const h = decodeError(() => decodeTcpHeader(LINUX_SYN.subarray(0, 19)));
    expect([h.reason, h.path, h.offset]).toEqual(['truncated', 'TcpSegment', 0]);
  });

  it('rejects a data offset below 5', () => {
    for (let d = 0; d < 5; d++) {
      const bytes = LINUX_SYN.slice();
      bytes[12] = (d << 4) | (bytes[12]! & 15);
      const e = decodeError(() => decodeTcpSegment(bytes));
      expect([e.reason, e.path, e.offset]).toEqual(['value', 'TcpSegment.dataOffset', 12]);
      const h = decodeError(() => decodeTcpHeader(bytes));
      expect([h.reason, h.path, h.offset]).toEqual(['value', 'TcpSegment.dataOffset', 12]);
    }
  });

  it('rejects a data offset beyond the input', () => {
    const bytes = LINUX_SYN.slice();
    bytes[12] = 0xb0; // 44 bytes of header in a 40-byte segment
    const e = decodeError(() => decodeTcpSegment(bytes));
    expect([e.reason, e.path, e.offset]).toEqual(['length', 'TcpSegment.dataOffset', 12]);
    expect(decodeError(() => decodeTcpHeader(bytes)).reason).toBe('length');
  });

  /** A 24..60-byte header around `options` (hex, a multiple of 4 bytes). */
  const withOptions = (options: string) => {
    const area = fromHex(options);
    const bytes = new Uint8Array(20 + area.length);
    bytes.set(LINUX_SYN.subarray(0, 20));
    bytes[12] = (5 + area.length / 4) << 4;
    bytes.set(area, 20);
    return bytes;
  };

  const bad: [string, string, string, string, number][] = [
    ['option length 0', '0800 0000', 'length', 'TcpSegment.options[0].length', 21],
    ['option length 1', '0101 fe01', 'length', 'TcpSegment.options[2].length', 23],
    ['a kind without its length byte', '0101 0102', 'truncated', 'TcpSegment.options[3].length', 24],
    ['an option running past the header', '0101 fe05 0000', 'length', 'TcpSegment.options[2].length', 23],
    ['timestamps past the header', '0101 080a 00000000', 'length', 'TcpSegment.options[2].length', 23],
    ['MSS with length 3', '0203 0500', 'length', 'TcpSegment.options[0].length', 21],
    ['MSS with length 5', '0205 05b4 00 000000', 'length', 'TcpSegment.options[0].length', 21],
    ['window scale with length 4', '0304 0700', 'length', 'TcpSegment.options[0].length', 21],
    ['SACK-permitted with length 3', '0403 0001', 'length', 'TcpSegment.options[0].length', 21],
    ['timestamps with length 8', '0808 00000000 0000 0000', 'length', 'TcpSegment.options[0].length', 21],
    ['SACK with no block (length 2)', '0502 0000', 'length', 'TcpSegment.options[0].length', 21],
    ['SACK with length 9', '0509 00000000 00000000 000000', 'length', 'TcpSegment.options[0].length', 21],
    ['SACK with length 11', '0101 050b 00000000 00000000 000000', 'length', 'TcpSegment.options[2].length', 23],
    [
      'SACK with length 17',
      '0511 00000000 00000000 00000000 00000000 0000',
      'length',
      'TcpSegment.options[0].length',
      21,
    ],
    ['SACK with 5 blocks (length 42)', `052a ${'00'.repeat(38)}`, 'length', 'TcpSegment.options[0].length', 21],
  ];
  for (const [what, options, reason, path, offset] of bad) {
    it(`rejects ${what} (${reason} at ${path})`, () => {
      const e = decodeError(() => decodeTcpSegment(withOptions(options)));
      expect([e.reason, e.path, e.offset]).toEqual([reason, path, offset]);
    });
  }

  it('reports offsets relative to a framing Reader', () => {
    const framed = new Uint8Array(14 + 24);
    framed.set(withOptions('0200 0000'), 14);
    const r = new Reader(framed, 'Frame');
    r.skip(14);
    const e = decodeError(() => r.scope('tcp', decodeTcpSegment));
    expect([e.reason, e.path, e.offset]).toEqual(['length', 'Frame.tcp.options[0].length', 35]);
    /** Decode the segment after a 14-byte link header, inside a `tcp` scope. */
    const inFrame = () => {
      const r = new Reader(framed, 'Frame');
      r.skip(14);
      return r.scope('tcp', decodeTcpSegment);
    };
    framed[14 + 12] = 0x40;
    const d = decodeError(inFrame);
    expect([d.reason, d.path, d.offset]).toEqual(['value', 'Frame.tcp.dataOffset', 26]);
    framed[14 + 12] = 0x70;
    const b = decodeError(inFrame);
    expect([b.reason, b.path, b.offset]).toEqual(['length', 'Frame.tcp.dataOffset', 26]);
  });

  it('the fast path does not look at options', () => {
    expect(toHex(decodeTcpHeader(withOptions('0800 0000')).options)).toBe('08000000');
  });

  it('random bytes never throw anything but DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        for (const decode of [decodeTcpSegment, decodeTcpHeader]) {
          try {
            decode(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('random option areas never throw anything but DecodeError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.uint8Array({ minLength: 40, maxLength: 40 }), (words, area) => {
        const bytes = new Uint8Array(60);
        bytes[12] = (5 + words) << 4;
        bytes.set(area, 20);
        try {
          const seg = decodeTcpSegment(bytes);
          expect(toHex(encode(seg))).toBe(toHex(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('raw mode: deliberately wrong segments', () => {
  const ph = { src: Uint8Array.of(127, 0, 0, 1), dst: Uint8Array.of(127, 0, 0, 1) };
  const base = segment({ srcPort: 0x1234, dstPort: 0x0050, seq: 1, flags: TcpFlag.SYN, window: 512 });

  it('writes a wrong checksum as given', () => {
    const bytes = encode({ ...base, checksum: 0xbeef }, { pseudoHeader: ph, fixChecksum: false });
    expect(toHex(bytes)).toBe(hex('12340050 00000001 00000000 5002 0200 beef 0000'));
  });

  it('writes a wrong data offset as given, with nothing padded', () => {
    const seg = { ...base, dataOffset: 15, options: [{ kind: 'wscale', shift: 7 } as const] };
    expect(toHex(encode(seg, { fixDataOffset: false }))).toBe(
      hex('12340050 00000001 00000000 f002 0200 0000 0000 030307'),
    );
    expect(decodeError(() => decodeTcpSegment(encode(seg, { fixDataOffset: false }))).reason).toBe('length');
    expect(toHex(encode({ ...seg, dataOffset: 2 }, { fixDataOffset: false })).slice(24, 26)).toBe('20');
  });

  it('pads the option area to 4 bytes when fixing the data offset', () => {
    const seg = { ...base, options: [{ kind: 'wscale', shift: 7 } as const] };
    expect(toHex(encode(seg))).toBe(hex('12340050 00000001 00000000 6002 0200 0000 0000 03030700'));
  });

  it('writes raw option bytes (here a 3-byte MSS) and the decoder rejects them', () => {
    const bytes = encode(base, { rawOptions: fromHex('020305') });
    expect(toHex(bytes)).toBe(hex('12340050 00000001 00000000 6002 0200 0000 0000 02030500'));
    const e = decodeError(() => decodeTcpSegment(bytes));
    expect([e.reason, e.path]).toEqual(['length', 'TcpSegment.options[0].length']);
  });

  it('writes an unknown option with a known kind number (a 3-byte MSS)', () => {
    const seg = { ...base, options: [{ kind: 'unknown', type: 2, data: Uint8Array.of(5) } as const] };
    expect(toHex(encode(seg)).slice(40)).toBe('02030500');
  });

  it('writes reserved bits and AE', () => {
    const bytes = encode({ ...base, reserved: 0b101, flags: TcpFlag.AE | TcpFlag.CWR | TcpFlag.ECE | TcpFlag.SYN });
    expect(toHex(bytes.subarray(12, 14))).toBe('5bc2');
    const seg = decodeTcpSegment(bytes);
    expect([seg.reserved, seg.flags]).toEqual([0b101, 0x1c2]);
    expect(validateTcpSegment(seg).map((w) => w.code)).toEqual(['reserved-bits']);
  });

  const errors: [string, () => unknown][] = [
    ['a port above 65535', () => encode({ ...base, srcPort: 65536 })],
    ['a negative sequence number', () => encode({ ...base, seq: -1 })],
    ['a 10-bit flag', () => encode({ ...base, flags: 0x200 })],
    ['reserved 8', () => encode({ ...base, reserved: 8 })],
    ['data offset 16 in raw mode', () => encode({ ...base, dataOffset: 16 }, { fixDataOffset: false })],
    ['checksum 65536 in raw mode', () => encode({ ...base, checksum: 65536 })],
    ['an option area over 40 bytes', () => encode(base, { rawOptions: new Uint8Array(41) })],
    ['fixChecksum without a pseudo-header', () => encode(base, { fixChecksum: true })],
    [
      'a 65536-byte segment over IPv4',
      () =>
        encode(
          { ...base, payload: new Uint8Array(65516) },
          { pseudoHeader: { src: new Uint8Array(4), dst: new Uint8Array(4) } },
        ),
    ],
    ['a 5-byte address', () => encode(base, { pseudoHeader: { src: new Uint8Array(5), dst: new Uint8Array(5) } })],
    [
      'mixed address lengths',
      () => encode(base, { pseudoHeader: { src: new Uint8Array(4), dst: new Uint8Array(16) } }),
    ],
    ['MSS 65536', () => encode({ ...base, options: [{ kind: 'mss', mss: 65536 }] })],
    ['window shift 256', () => encode({ ...base, options: [{ kind: 'wscale', shift: 256 }] })],
    ['a SACK with no block', () => encode({ ...base, options: [{ kind: 'sack', blocks: [] }] })],
    [
      'a SACK with 5 blocks',
      () => encode({ ...base, options: [{ kind: 'sack', blocks: Array(5).fill({ left: 0, right: 1 }) }] }),
    ],
    [
      'a SACK edge of 2^32',
      () => encode({ ...base, options: [{ kind: 'sack', blocks: [{ left: 2 ** 32, right: 1 }] }] }),
    ],
    ['tsval 1.5', () => encode({ ...base, options: [{ kind: 'timestamps', tsval: 1.5, tsecr: 0 }] })],
    ['option type 256', () => encode({ ...base, options: [{ kind: 'unknown', type: 256, data: new Uint8Array(0) }] })],
    [
      '254 option data bytes',
      () => encodeTcpOption(new Writer(), { kind: 'unknown', type: 99, data: new Uint8Array(254) }),
    ],
  ];
  for (const [what, fn] of errors) {
    it(`throws EncodeError for ${what}`, () => {
      expect(fn).toThrow(EncodeError);
    });
  }
});

describe('validateTcpSegment', () => {
  const cases: [string, Partial<TcpSegment>, string[]][] = [
    [
      'a clean SYN',
      {
        flags: TcpFlag.SYN,
        options: [
          { kind: 'mss', mss: 1460 },
          { kind: 'wscale', shift: 14 },
        ],
      },
      [],
    ],
    ['window shift 15', { flags: TcpFlag.SYN, options: [{ kind: 'wscale', shift: 15 }] }, ['wscale-shift']],
    [
      'SYN-only options on an ACK',
      {
        flags: TcpFlag.ACK,
        options: [{ kind: 'mss', mss: 1460 }, { kind: 'wscale', shift: 7 }, { kind: 'sackPermitted' }],
      },
      ['syn-only-option', 'syn-only-option', 'syn-only-option'],
    ],
    [
      'two MSS options',
      {
        flags: TcpFlag.SYN,
        options: [{ kind: 'mss', mss: 1460 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'mss', mss: 536 }],
      },
      ['duplicate-option'],
    ],
    [
      'two unknown options of one kind',
      {
        options: [
          { kind: 'unknown', type: 30, data: new Uint8Array(2) },
          { kind: 'unknown', type: 30, data: new Uint8Array(2) },
        ],
      },
      ['duplicate-option'],
    ],
    ['urgent pointer without URG', { flags: TcpFlag.ACK, urgentPointer: 1 }, ['urgent-pointer-without-urg']],
    ['SYN+FIN', { flags: TcpFlag.SYN | TcpFlag.FIN }, ['syn-with-fin-or-rst']],
    ['SYN+RST', { flags: TcpFlag.SYN | TcpFlag.RST }, ['syn-with-fin-or-rst']],
    [
      'an empty and an inverted SACK block',
      {
        flags: TcpFlag.ACK,
        options: [
          {
            kind: 'sack',
            blocks: [
              { left: 5, right: 5 },
              { left: 0x10, right: 0xfffffff0 },
            ],
          },
        ],
      },
      ['sack-block-empty', 'sack-block-empty'],
    ],
    [
      'a SACK block across the wrap',
      { flags: TcpFlag.ACK, options: [{ kind: 'sack', blocks: [{ left: 0xfffffff0, right: 0x10 }] }] },
      [],
    ],
  ];
  for (const [what, fields, codes] of cases) {
    it(`${what}: ${codes.join(', ') || 'no warning'}`, () => {
      expect(validateTcpSegment(segment(fields)).map((w) => w.code)).toEqual(codes);
    });
  }
});

describe('formatTcpFlags', () => {
  it('names flags most significant first', () => {
    expect(formatTcpFlags(0x012)).toBe('ACK|SYN');
    expect(formatTcpFlags(0x1ff)).toBe('AE|CWR|ECE|URG|ACK|PSH|RST|SYN|FIN');
    expect(formatTcpFlags(0)).toBe('none');
  });
});

/** Random segments that survive a round trip: options fill the area, or end in EOL plus padding. */
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const optionArb: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant<TcpOption>({ kind: 'nop' }),
  fc.integer({ min: 0, max: 0xffff }).map((mss): TcpOption => ({ kind: 'mss', mss })),
  fc.integer({ min: 0, max: 0xff }).map((shift): TcpOption => ({ kind: 'wscale', shift })),
  fc.constant<TcpOption>({ kind: 'sackPermitted' }),
  fc.tuple(u32, u32).map(([tsval, tsecr]): TcpOption => ({ kind: 'timestamps', tsval, tsecr })),
  fc
    .array(fc.record({ left: u32, right: u32 }), { minLength: 1, maxLength: 4 })
    .map((blocks): TcpOption => ({ kind: 'sack', blocks })),
  fc
    .tuple(
      fc.integer({ min: 6, max: 255 }).filter((t) => t !== 8),
      fc.uint8Array({ maxLength: 12 }),
    )
    .map(([type, data]): TcpOption => ({ kind: 'unknown', type, data })),
);
const optionLength = (o: TcpOption) => Writer.encode((w) => encodeTcpOption(w, o)).length;

const segmentArb: fc.Arbitrary<TcpSegment> = fc
  .record({
    srcPort: fc.integer({ min: 0, max: 0xffff }),
    dstPort: fc.integer({ min: 0, max: 0xffff }),
    seq: u32,
    ack: u32,
    reserved: fc.integer({ min: 0, max: 7 }),
    flags: fc.integer({ min: 0, max: 0x1ff }),
    window: fc.integer({ min: 0, max: 0xffff }),
    checksum: fc.integer({ min: 0, max: 0xffff }),
    urgentPointer: fc.integer({ min: 0, max: 0xffff }),
    options: fc.array(optionArb, { maxLength: 8 }),
    eol: fc.boolean(),
    padding: fc.uint8Array({ maxLength: 12 }),
    payload: fc.uint8Array({ maxLength: 64 }),
  })
  .map(({ eol, padding, ...f }) => {
    const options: TcpOption[] = [];
    let n = 0;
    for (const o of f.options) {
      if (n + optionLength(o) > 39) break;
      options.push(o);
      n += optionLength(o);
    }
    let optionPadding = new Uint8Array(0);
    if (eol || n % 4 !== 0) {
      options.push({ kind: 'eol' });
      n += 1;
      const boundary = (n + 3) & ~3;
      const extraWords = Math.min(4 * Math.floor(padding.length / 4), 40 - boundary);
      optionPadding = new Uint8Array(boundary - n + extraWords);
      optionPadding.set(padding.subarray(0, optionPadding.length));
      n += optionPadding.length;
    }
    return { ...f, options, optionPadding, dataOffset: 5 + n / 4 };
  });

describe('round trips', () => {
  it('random segments: encode → decode gives the same segment, and the fast path agrees', () => {
    fc.assert(
      fc.property(segmentArb, (seg) => {
        const bytes = encode(seg);
        const back = decodeTcpSegment(bytes);
        expect(back).toEqual(seg);
        expect(toHex(encode(back))).toBe(toHex(bytes));
        const { options, ...fixed } = decodeTcpHeader(bytes);
        const { options: _o, optionPadding: _p, payload: _d, ...expected } = seg;
        expect(fixed).toEqual(expected);
        expect(options.length).toBe(seg.dataOffset * 4 - 20);
      }),
      { numRuns: 2000 },
    );
  });
});

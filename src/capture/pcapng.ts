/**
 * The pcapng file format (draft-ietf-opsawg-pcapng §3, §4): a sequence of blocks, each
 * `type (u32) | total length (u32) | body | total length (u32)`, grouped into sections that each open
 * with a Section Header Block fixing the byte order of everything up to the next section.
 *
 * Read: Section Header (§4.1, either byte order, section length -1 or not), Interface Description
 * (§4.2, with `if_tsresol` and `if_tsoffset`), Enhanced Packet (§4.3), Simple Packet (§4.4, captured
 * length limited by interface 0's snap length) and the obsolete Packet Block (Appendix A); every other
 * block type is skipped by its length. Several sections and interfaces are supported; interface
 * numbers are per section.
 * Write: one section, one interface per link type, Enhanced Packet Blocks.
 * @module
 */
import { EncodeError } from '../bytes/errors.js';
import { Reader } from '../bytes/reader.js';
import { Writer } from '../bytes/writer.js';
import { type CapturedPacket, type PacketToWrite, splitTimestamp } from './packet.js';

/** Block type codes (draft-ietf-opsawg-pcapng §11.1). */
export const PcapngBlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  PACKET_OBSOLETE: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  NAME_RESOLUTION: 0x00000004,
  INTERFACE_STATISTICS: 0x00000005,
  ENHANCED_PACKET: 0x00000006,
} as const;

/** The byte-order magic of the Section Header Block (§4.1). */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_END = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/** What the reader knows about one interface (§4.2). */
export interface PcapngInterface {
  linkType: number;
  /** 0 means no limit. */
  snaplen: number;
  /** Timestamp units per second, from `if_tsresol` (default 10^6). */
  unitsPerSecond: bigint;
  /** `if_tsoffset`: seconds added to every timestamp (default 0). */
  offsetSeconds: bigint;
}

/** True when `bytes` starts with a Section Header Block. */
export function isPcapng(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a;
}

/** Endian-aware reads of one section. */
class SectionReader {
  constructor(
    readonly r: Reader,
    readonly le: boolean,
  ) {}
  u16(field?: string): number {
    return this.le ? this.r.u16le(field) : this.r.u16(field);
  }
  u32(field?: string): number {
    return this.le ? this.r.u32le(field) : this.r.u32(field);
  }
}

/**
 * Walk an option list (§3.5) to its end (opt_endofopt or the end of the body), calling `fn` with each
 * option's code and value (a view). Values are padded to 32 bits.
 */
function readOptions(s: SectionReader, fn: (code: number, value: Uint8Array, at: number) => void): void {
  const r = s.r;
  r.scope('options', () => {
    while (!r.atEnd) {
      const code = s.u16('code');
      const length = s.u16('length');
      if (code === OPT_END) {
        r.rest();
        return;
      }
      const at = r.offset;
      const value = r.bytes(length, 'value');
      r.skip((4 - (length % 4)) % 4, 'padding');
      fn(code, value, at);
    }
  });
}

/** Decode `if_tsresol` (§4.2): 10^-n seconds, or 2^-n when the high bit is set. */
function unitsPerSecond(v: number): bigint {
  return v & 0x80 ? 1n << BigInt(v & 0x7f) : 10n ** BigInt(v);
}

function decodeInterface(s: SectionReader): PcapngInterface {
  const linkType = s.u16('linkType');
  s.r.skip(2, 'reserved');
  const snaplen = s.u32('snaplen');
  const iface: PcapngInterface = { linkType, snaplen, unitsPerSecond: 1_000_000n, offsetSeconds: 0n };
  readOptions(s, (code, value, at) => {
    if (code === IF_TSRESOL) {
      if (value.length !== 1) s.r.fail('length', `if_tsresol must be 1 byte, got ${value.length}`, 'if_tsresol', at);
      const v = value[0]!;
      if ((v & 0x7f) > 63) s.r.fail('value', `if_tsresol ${v} is finer than 2^-63 or 10^-63 s`, 'if_tsresol', at);
      iface.unitsPerSecond = unitsPerSecond(v);
    } else if (code === IF_TSOFFSET) {
      if (value.length !== 8) s.r.fail('length', `if_tsoffset must be 8 bytes, got ${value.length}`, 'if_tsoffset', at);
      const vr = new SectionReader(new Reader(value, 'if_tsoffset', at), s.le);
      const a = BigInt(vr.u32());
      const b = BigInt(vr.u32());
      iface.offsetSeconds = BigInt.asIntN(64, s.le ? (b << 32n) | a : (a << 32n) | b);
    }
  });
  return iface;
}

function toNanoseconds(units: bigint, iface: PcapngInterface): bigint {
  return (units * 1_000_000_000n) / iface.unitsPerSecond + iface.offsetSeconds * 1_000_000_000n;
}

/**
 * Read every packet of a pcapng file, lazily, in file order. Packet data are views of `bytes`.
 * @throws DecodeError a file not opening with a Section Header Block, an unknown byte-order magic or
 * major version, a packet on an undeclared interface (`value`); a block length under 12, not a
 * multiple of 4, or different in header and trailer, a captured length beyond the block (`length`);
 * the file ending inside a block (`truncated`)
 */
export function* readPcapng(bytes: Uint8Array): Generator<CapturedPacket, void, undefined> {
  const top = new Reader(bytes, 'pcapng');
  let le = true;
  let section = -1;
  let interfaces: PcapngInterface[] = [];
  let frame = 0;
  let index = 0;
  while (!top.atEnd) {
    const field = `block[${index}]`;
    const at = top.position;
    if (top.remaining < 12) top.fail('truncated', `a block needs at least 12 bytes, ${top.remaining} left`, field);
    const isSection = isPcapng(bytes.subarray(at, at + 4));
    if (isSection) {
      const m = bytes.subarray(at + 8, at + 12);
      const magicLe = ((m[3]! << 24) | (m[2]! << 16) | (m[1]! << 8) | m[0]!) >>> 0;
      const magicBe = ((m[0]! << 24) | (m[1]! << 16) | (m[2]! << 8) | m[3]!) >>> 0;
      if (magicLe === PCAPNG_BYTE_ORDER_MAGIC) le = true;
      else if (magicBe === PCAPNG_BYTE_ORDER_MAGIC) le = false;
      else top.fail('value', `unknown byte-order magic ${magicBe.toString(16).padStart(8, '0')}`, field, at + 8);
      section++;
      interfaces = [];
    } else if (section < 0) {
      top.fail('value', 'the file does not start with a Section Header Block', field);
    }
    const s = new SectionReader(top, le);
    const type = s.u32('type');
    const total = s.u32('totalLength');
    if (total < 12 || total % 4 !== 0) {
      top.fail('length', `block total length ${total} is under 12 or not a multiple of 4`, field, at + 4);
    }
    if (total - 8 > top.remaining) {
      top.fail('truncated', `block of ${total} bytes, ${top.remaining + 8} left`, field, at + 4);
    }
    const body = top.bytes(total - 12);
    const trailer = s.u32('totalLength');
    if (trailer !== total) {
      top.fail('length', `trailing total length ${trailer} differs from ${total}`, field, at + total - 4);
    }
    const b = new SectionReader(new Reader(body, `pcapng.${field}`, at + 8), le);
    switch (type) {
      case PcapngBlockType.SECTION_HEADER: {
        b.r.skip(4, 'byteOrderMagic');
        const major = b.u16('majorVersion');
        b.u16('minorVersion');
        if (major !== 1) b.r.fail('value', `unsupported major version ${major}`, 'majorVersion');
        b.r.skip(8, 'sectionLength');
        readOptions(b, () => {});
        break;
      }
      case PcapngBlockType.INTERFACE_DESCRIPTION:
        interfaces.push(decodeInterface(b));
        break;
      case PcapngBlockType.ENHANCED_PACKET:
      case PcapngBlockType.PACKET_OBSOLETE: {
        const enhanced = type === PcapngBlockType.ENHANCED_PACKET;
        const id = enhanced ? b.u32('interfaceId') : b.u16('interfaceId');
        if (!enhanced) b.u16('dropsCount');
        const iface = interfaces[id];
        if (!iface)
          return b.r.fail('value', `interface ${id} is not declared in this section`, 'interfaceId', b.r.offset - 4);
        const hi = b.u32('timestampHigh');
        const lo = b.u32('timestampLow');
        const capLen = b.u32('capturedLength');
        const origLen = b.u32('originalLength');
        const data = b.r.bytes(capLen, 'data');
        b.r.skip((4 - (capLen % 4)) % 4, 'padding');
        readOptions(b, () => {});
        frame++;
        yield {
          frame,
          timestamp: toNanoseconds((BigInt(hi) << 32n) | BigInt(lo), iface),
          linkType: iface.linkType,
          originalLength: origLen,
          data,
          truncated: capLen < origLen,
          interfaceId: id,
          section,
        };
        break;
      }
      case PcapngBlockType.SIMPLE_PACKET: {
        const iface = interfaces[0];
        if (!iface) return b.r.fail('value', 'a Simple Packet Block needs interface 0', 'interfaceId');
        const origLen = b.u32('originalLength');
        let capLen = Math.min(origLen, b.r.remaining);
        if (iface.snaplen !== 0) capLen = Math.min(capLen, iface.snaplen);
        const data = b.r.bytes(capLen, 'data');
        b.r.rest();
        frame++;
        yield {
          frame,
          timestamp: 0n,
          linkType: iface.linkType,
          originalLength: origLen,
          data,
          truncated: capLen < origLen,
          interfaceId: 0,
          section,
        };
        break;
      }
      default:
        break;
    }
    index++;
  }
}

/** Options of {@link writePcapng}. */
export interface PcapngWriteOptions {
  /** Default `'little'`. */
  byteOrder?: 'big' | 'little';
  /** Timestamp resolution written as `if_tsresol`; default `'nano'` (9), `'micro'` is the pcapng default (6). */
  precision?: 'micro' | 'nano';
  /** Snap length of every interface; default 262144. Longer packets are cut, keeping their original length. */
  snaplen?: number;
}

/**
 * Write packets as a pcapng file: one Section Header Block (section length -1), one Interface
 * Description Block per link type (in order of first use), one Enhanced Packet Block per packet.
 * @throws EncodeError when a value does not fit its field
 */
export function writePcapng(packets: Iterable<PacketToWrite>, options: PcapngWriteOptions = {}): Uint8Array {
  const le = (options.byteOrder ?? 'little') === 'little';
  const nano = (options.precision ?? 'nano') === 'nano';
  const snaplen = options.snaplen ?? 262144;
  const units = nano ? 1_000_000_000n : 1_000_000n;
  const w = new Writer(4096);
  const u16 = (x: Writer, v: number) => (le ? x.u16le(v) : x.u16(v));
  const u32 = (x: Writer, v: number) => (le ? x.u32le(v) : x.u32(v));
  const block = (type: number, fill: (x: Writer) => void) => {
    const body = Writer.encode(fill);
    if (body.length % 4 !== 0) throw new EncodeError(`pcapng block body of ${body.length} bytes is not padded`);
    u32(w, type);
    u32(w, body.length + 12);
    w.bytes(body);
    u32(w, body.length + 12);
  };
  block(PcapngBlockType.SECTION_HEADER, (x) => {
    u32(x, PCAPNG_BYTE_ORDER_MAGIC);
    u16(x, 1);
    u16(x, 0);
    x.u32(0xffffffff).u32(0xffffffff);
  });
  const ids = new Map<number, number>();
  for (const p of packets) {
    let id = ids.get(p.linkType);
    if (id === undefined) {
      id = ids.size;
      ids.set(p.linkType, id);
      block(PcapngBlockType.INTERFACE_DESCRIPTION, (x) => {
        u16(x, p.linkType);
        u16(x, 0);
        u32(x, snaplen);
        u16(x, IF_TSRESOL);
        u16(x, 1);
        x.u8(nano ? 9 : 6).zeros(3);
        u16(x, OPT_END);
        u16(x, 0);
      });
    }
    const ifaceId = id;
    const { seconds, fraction } = splitTimestamp(p.timestamp, units);
    const ts = seconds * units + fraction;
    if (ts < 0n || ts > 0xffffffffffffffffn) throw new EncodeError(`timestamp ${p.timestamp} ns out of range`);
    const data = p.data.length > snaplen ? p.data.subarray(0, snaplen) : p.data;
    block(PcapngBlockType.ENHANCED_PACKET, (x) => {
      u32(x, ifaceId);
      u32(x, Number(ts >> 32n));
      u32(x, Number(ts & 0xffffffffn));
      u32(x, data.length);
      u32(x, p.originalLength ?? p.data.length);
      x.bytes(data).zeros((4 - (data.length % 4)) % 4);
    });
  }
  return w.finish();
}

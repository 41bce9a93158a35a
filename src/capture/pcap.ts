/**
 * The classic pcap file format (draft-ietf-opsawg-pcap §4, §5): a 24-byte file header, then packet
 * records of a 16-byte header and the captured bytes.
 *
 * The magic number fixes both the byte order (the writer's host order) and the timestamp unit:
 * `a1b2c3d4` microseconds, `a1b23c4d` nanoseconds. Readers accept both orders and both units; the
 * writer produces either. The link type's upper bits (FCS length, §5.9) are reported separately.
 * @module
 */
import { DecodeError, EncodeError } from '../bytes/errors.js';
import { Reader } from '../bytes/reader.js';
import { Writer } from '../bytes/writer.js';
import { type CapturedPacket, type PacketToWrite, splitTimestamp } from './packet.js';

/** Magic number for microsecond timestamps (draft-ietf-opsawg-pcap §4). */
export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
/** Magic number for nanosecond timestamps. */
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
/** Size of the file header. */
export const PCAP_HEADER_LENGTH = 24;
/** Size of a packet record header. */
export const PCAP_RECORD_HEADER_LENGTH = 16;

/** The pcap file header (draft-ietf-opsawg-pcap §4). */
export interface PcapHeader {
  byteOrder: 'big' | 'little';
  /** Timestamp unit of the records. */
  precision: 'micro' | 'nano';
  versionMajor: number;
  versionMinor: number;
  /** SnapLen: the largest number of bytes captured per packet. */
  snaplen: number;
  /** LINKTYPE_* (the low 16 bits of the LinkType field; §5.8 reserves bits 16..27 as 0). */
  linkType: number;
  /** FCS length in 16-bit words when the F bit is set (§5.9), else undefined. */
  fcsLength?: number;
}

/** True when `bytes` starts with a pcap magic number in either byte order. */
export function isPcap(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const be = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const le = ((bytes[3]! << 24) | (bytes[2]! << 16) | (bytes[1]! << 8) | bytes[0]!) >>> 0;
  return be === PCAP_MAGIC_MICRO || be === PCAP_MAGIC_NANO || le === PCAP_MAGIC_MICRO || le === PCAP_MAGIC_NANO;
}

/**
 * Decode a pcap file header from the first 24 bytes of `r`.
 * @throws DecodeError `value` for an unknown magic number, `truncated` under 24 bytes
 */
export function decodePcapHeader(r: Reader): PcapHeader {
  return r.scope('header', () => {
    const magicBe = r.peekU16('magic') === 0xa1b2 ? r.u32('magic') : r.u32le('magic');
    if (magicBe !== PCAP_MAGIC_MICRO && magicBe !== PCAP_MAGIC_NANO) {
      r.fail('value', `not a pcap file (magic ${magicBe.toString(16).padStart(8, '0')})`, 'magic', r.offset - 4);
    }
    const byteOrder = r.buf[r.position - 4] === 0xa1 ? 'big' : 'little';
    const le = byteOrder === 'little';
    const versionMajor = le ? r.u16le('versionMajor') : r.u16('versionMajor');
    const versionMinor = le ? r.u16le('versionMinor') : r.u16('versionMinor');
    r.skip(8, 'reserved');
    const snaplen = le ? r.u32le('snaplen') : r.u32('snaplen');
    const linkField = le ? r.u32le('linkType') : r.u32('linkType');
    const header: PcapHeader = {
      byteOrder,
      precision: magicBe === PCAP_MAGIC_NANO ? 'nano' : 'micro',
      versionMajor,
      versionMinor,
      snaplen,
      linkType: linkField & 0xffff,
    };
    if (linkField & 0x10000000) header.fcsLength = (linkField >>> 29) & 7;
    return header;
  });
}

/**
 * Read every packet of a pcap file, lazily. Packet data are views of `bytes`.
 * A record cut short by the end of the file is an error, never a silently dropped packet.
 * @throws DecodeError bad magic or a timestamp fraction of a second or more (`value`), a truncated
 * header or record (`truncated`)
 * @example for (const p of readPcap(bytes)) console.log(p.frame, p.data.length)
 */
export function* readPcap(bytes: Uint8Array): Generator<CapturedPacket, void, undefined> {
  const r = new Reader(bytes, 'pcap');
  const header = decodePcapHeader(r);
  yield* readPcapRecords(r, header);
}

/** The records after the header, read with `r` (positioned after the file header). */
function* readPcapRecords(r: Reader, header: PcapHeader): Generator<CapturedPacket, void, undefined> {
  const le = header.byteOrder === 'little';
  const unit = header.precision === 'nano' ? 1n : 1000n;
  const fractionLimit = header.precision === 'nano' ? 1_000_000_000 : 1_000_000;
  let frame = 0;
  while (!r.atEnd) {
    frame++;
    const field = `record[${frame}]`;
    const at = r.offset;
    if (r.remaining < PCAP_RECORD_HEADER_LENGTH) {
      r.fail('truncated', `record header needs 16 bytes, ${r.remaining} left`, field);
    }
    const sec = le ? r.u32le() : r.u32();
    const frac = le ? r.u32le() : r.u32();
    const inclLen = le ? r.u32le() : r.u32();
    const origLen = le ? r.u32le() : r.u32();
    if (frac >= fractionLimit) {
      throw new DecodeError(
        'value',
        `timestamp fraction ${frac} is not below ${fractionLimit}`,
        `pcap.${field}`,
        at + 4,
      );
    }
    if (inclLen > r.remaining) {
      r.fail('truncated', `captured length ${inclLen} exceeds the ${r.remaining} byte(s) left`, field);
    }
    const data = r.bytes(inclLen);
    yield {
      frame,
      timestamp: BigInt(sec) * 1_000_000_000n + BigInt(frac) * unit,
      linkType: header.linkType,
      originalLength: origLen,
      data,
      truncated: inclLen < origLen,
      interfaceId: 0,
      section: 0,
    };
  }
}

/** Options of {@link writePcap}. */
export interface PcapWriteOptions {
  /** Default `'little'` (what x86 and ARM hosts write). */
  byteOrder?: 'big' | 'little';
  /** Default `'micro'`; `'nano'` keeps nanosecond timestamps exactly. */
  precision?: 'micro' | 'nano';
  /** Default 262144 (libpcap's maximum); packets longer than this are cut, keeping their original length. */
  snaplen?: number;
  /** Link type of the file; default: the first packet's. Every packet must have it (pcap has one link type). */
  linkType?: number;
}

/**
 * Write packets as a pcap file (draft-ietf-opsawg-pcap §4, §5; version 2.4).
 * @throws EncodeError when packets have different link types, or a value does not fit its field
 */
export function writePcap(packets: Iterable<PacketToWrite>, options: PcapWriteOptions = {}): Uint8Array {
  const le = (options.byteOrder ?? 'little') === 'little';
  const nano = options.precision === 'nano';
  const snaplen = options.snaplen ?? 262144;
  const list = [...packets];
  const linkType = options.linkType ?? list[0]?.linkType ?? 1;
  let size = PCAP_HEADER_LENGTH;
  for (const p of list) size += PCAP_RECORD_HEADER_LENGTH + Math.min(p.data.length, snaplen);
  return Writer.encode((w) => {
    const u16 = (v: number) => (le ? w.u16le(v) : w.u16(v));
    const u32 = (v: number) => (le ? w.u32le(v) : w.u32(v));
    u32(nano ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO);
    u16(2);
    u16(4);
    w.zeros(8);
    u32(snaplen);
    u32(linkType);
    for (const p of list) {
      if (p.linkType !== linkType) {
        throw new EncodeError(`a pcap file has one link type: ${p.linkType} in a file of ${linkType}`);
      }
      const { seconds, fraction } = splitTimestamp(p.timestamp, nano ? 1_000_000_000n : 1_000_000n);
      const data = p.data.length > snaplen ? p.data.subarray(0, snaplen) : p.data;
      u32(Number(seconds));
      u32(Number(fraction));
      u32(data.length);
      u32(p.originalLength ?? p.data.length);
      w.bytes(data);
    }
  }, size);
}

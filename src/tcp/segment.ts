/**
 * The TCP segment codec (RFC 9293 §3.1): the fixed header, the option area and the data.
 *
 * ```text
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |          Source Port          |       Destination Port        |
 * |                        Sequence Number                        |
 * |                    Acknowledgment Number                      |
 * |  Data |     |A|C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrv|E|W|C|R|C|S|S|Y|I|            Window             |
 * |       |     | |R|E|G|K|H|T|N|N|                               |
 * |           Checksum            |         Urgent Pointer        |
 * |                           [Options]                           |
 * ```
 *
 * Three entry points: {@link decodeTcpHeader} (fast path: fixed fields, options left as bytes),
 * {@link decodeTcpSegment} (everything, options parsed) and {@link encodeTcpSegment} (fixes data offset
 * and checksum by default; writes them exactly as given in raw mode, to build malformed segments).
 * {@link validateTcpSegment} reports what parses but breaks a rule.
 *
 * Decode errors ({@link DecodeError}): fewer than 20 bytes (`truncated`); data offset below 5 (`value`);
 * data offset beyond the input (`length`); every option error listed in `options.ts`.
 * @module
 */
import { DecodeError, EncodeError } from '../bytes/errors.js';
import { Reader } from '../bytes/reader.js';
import type { Writer } from '../bytes/writer.js';
import { type PseudoHeader, tcpChecksum } from './checksum.js';
import { decodeTcpOptions, encodeTcpOptions, MAX_TCP_OPTIONS_LENGTH } from './options.js';
import { seqLe } from './seq.js';
import { TcpFlag, type TcpOption, type TcpSegment } from './types.js';

/** Length of the fixed header in bytes (data offset 5). */
export const TCP_HEADER_LENGTH = 20;

/** Byte offsets of the fixed header fields (RFC 9293 §3.1, Figure 1). */
export const TcpField = {
  SRC_PORT: 0,
  DST_PORT: 2,
  SEQ: 4,
  ACK: 8,
  /** Data offset (high nibble), reserved (3 bits), AE (low bit). */
  DATA_OFFSET: 12,
  FLAGS: 13,
  WINDOW: 14,
  CHECKSUM: 16,
  URGENT_POINTER: 18,
  OPTIONS: 20,
} as const;

/**
 * The fixed header fields of a segment, from {@link decodeTcpHeader}: those of a {@link TcpSegment},
 * with the option area left unparsed and no data.
 */
export interface TcpHeader extends Omit<TcpSegment, 'options' | 'optionPadding' | 'payload'> {
  /** The option area (a view of the input, `dataOffset * 4 - 20` bytes); the data follows it. */
  options: Uint8Array;
}

/**
 * Decode the fixed header of the segment starting at `bytes[offset]` without parsing its options:
 * the fast path for captures and demultiplexing. Checks only that the header is there and the data
 * offset is possible; {@link decodeTcpSegment} validates the options too.
 * @throws DecodeError `truncated` under 20 bytes, `value` for a data offset below 5, `length` for a
 * data offset beyond the input
 */
export function decodeTcpHeader(bytes: Uint8Array, offset = 0): TcpHeader {
  const available = bytes.length - offset;
  if (available < TCP_HEADER_LENGTH) {
    throw new DecodeError('truncated', `a TCP header needs 20 bytes, ${available} left`, 'TcpSegment', offset);
  }
  const b = bytes;
  const o = offset;
  const b12 = b[o + 12]!;
  const dataOffset = b12 >> 4;
  const headerLength = dataOffset * 4;
  if (dataOffset < 5) throw badDataOffset(dataOffset, o + 12);
  if (headerLength > available) throw dataOffsetBeyond(dataOffset, available, o + 12);
  return {
    srcPort: (b[o]! << 8) | b[o + 1]!,
    dstPort: (b[o + 2]! << 8) | b[o + 3]!,
    seq: ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0,
    ack: ((b[o + 8]! << 24) | (b[o + 9]! << 16) | (b[o + 10]! << 8) | b[o + 11]!) >>> 0,
    dataOffset,
    reserved: (b12 >> 1) & 7,
    flags: ((b12 & 1) << 8) | b[o + 13]!,
    window: (b[o + 14]! << 8) | b[o + 15]!,
    checksum: (b[o + 16]! << 8) | b[o + 17]!,
    urgentPointer: (b[o + 18]! << 8) | b[o + 19]!,
    options: b.subarray(o + TCP_HEADER_LENGTH, o + headerLength),
  };
}

function badDataOffset(dataOffset: number, at: number): DecodeError {
  return new DecodeError('value', `data offset ${dataOffset} is below 5`, 'TcpSegment.dataOffset', at);
}

function dataOffsetBeyond(dataOffset: number, available: number, at: number): DecodeError {
  const detail = `data offset ${dataOffset} (${dataOffset * 4} bytes) exceeds the ${available} byte(s) available`;
  return new DecodeError('length', detail, 'TcpSegment.dataOffset', at);
}

/**
 * Decode a whole TCP segment: header, options and data. From a `Uint8Array`, the segment is all of
 * it (the IP layer gives the length); from a `Reader`, it is the rest of the reader's current
 * vector. Byte runs (payload, option data, padding) are views of the input.
 * @throws DecodeError for any malformed header or option (see the module comment)
 * @example decodeTcpSegment(fromHex('c0de 01bb 00000001 00000000 5002 ffff 0000 0000')).flags // 0x002 (SYN)
 */
export function decodeTcpSegment(input: Uint8Array | Reader): TcpSegment {
  const r = input instanceof Uint8Array ? new Reader(input, 'TcpSegment') : input;
  if (r.remaining < TCP_HEADER_LENGTH) r.fail('truncated', `a TCP header needs 20 bytes, ${r.remaining} left`);
  const srcPort = r.u16('srcPort');
  const dstPort = r.u16('dstPort');
  const seq = r.u32('seq');
  const ack = r.u32('ack');
  const offsetAt = r.offset;
  const b12 = r.u8('dataOffset');
  const dataOffset = b12 >> 4;
  const flags = ((b12 & 1) << 8) | r.u8('flags');
  const window = r.u16('window');
  const checksum = r.u16('checksum');
  const urgentPointer = r.u16('urgentPointer');
  if (dataOffset < 5) r.fail('value', `data offset ${dataOffset} is below 5`, 'dataOffset', offsetAt);
  const optionsLength = dataOffset * 4 - TCP_HEADER_LENGTH;
  if (optionsLength > r.remaining) {
    const detail = `data offset ${dataOffset} (${dataOffset * 4} bytes) exceeds the ${r.remaining + TCP_HEADER_LENGTH} byte(s) available`;
    r.fail('length', detail, 'dataOffset', offsetAt);
  }
  const { options, padding } = r.within(optionsLength, 'options', decodeTcpOptions);
  return {
    srcPort,
    dstPort,
    seq,
    ack,
    dataOffset,
    reserved: (b12 >> 1) & 7,
    flags,
    window,
    checksum,
    urgentPointer,
    options,
    optionPadding: padding,
    payload: r.rest(),
  };
}

/** How {@link encodeTcpSegment} treats the derived fields. The defaults fix both. */
export interface TcpEncodeOptions {
  /**
   * `true` (default): compute the data offset from the option area, padding it with zero bytes to
   * a multiple of 4. `false`: write `seg.dataOffset` as given and the option area unpadded.
   */
  fixDataOffset?: boolean;
  /**
   * `true`: compute the checksum over `pseudoHeader` and the segment (requires `pseudoHeader`).
   * `false`: write `seg.checksum` as given. Default: `true` when a pseudo-header is given.
   */
  fixChecksum?: boolean;
  /** The IP addresses the checksum covers (4-byte addresses: IPv4, 16-byte: IPv6). */
  pseudoHeader?: PseudoHeader;
  /** Written as the option area instead of `seg.options` and `seg.optionPadding`, byte for byte. */
  rawOptions?: Uint8Array;
}

function check(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(`${what}: ${v} is not an integer in 0..${max}`);
}

/**
 * Write `seg` (header, option area, payload). By default the data offset is computed from the
 * option area (options, then `optionPadding`, then zeros up to a 4-byte boundary) and the checksum
 * is computed when `opts.pseudoHeader` is given. Raw mode (`fixDataOffset: false`, `fixChecksum:
 * false`, `rawOptions`) writes those fields exactly as given, however wrong.
 * @throws EncodeError for a field out of range, an option area over 40 bytes when fixing the data
 * offset, `fixChecksum: true` without a pseudo-header, or a pseudo-header with bad address lengths
 */
export function encodeTcpSegment(w: Writer, seg: TcpSegment, opts: TcpEncodeOptions = {}): void {
  const fixDataOffset = opts.fixDataOffset ?? true;
  const fixChecksum = opts.fixChecksum ?? opts.pseudoHeader !== undefined;
  const ph = opts.pseudoHeader;
  if (fixChecksum && !ph) throw new EncodeError('fixChecksum needs a pseudoHeader');
  if (ph) {
    const n = ph.src.length;
    if ((n !== 4 && n !== 16) || ph.dst.length !== n) {
      throw new EncodeError(`pseudoHeader: addresses must both be 4 or 16 bytes, got ${n} and ${ph.dst.length}`);
    }
  }
  check(seg.reserved, 7, 'reserved');
  check(seg.flags, 0x1ff, 'flags');
  if (!fixDataOffset) check(seg.dataOffset, 15, 'dataOffset');
  if (!fixChecksum) check(seg.checksum, 0xffff, 'checksum');

  const start = w.length;
  w.u16(seg.srcPort).u16(seg.dstPort).u32(seg.seq).u32(seg.ack);
  // Data offset (and the low flag bit) go in once the option area's length is known.
  w.u8(0).u8(seg.flags & 0xff);
  w.u16(seg.window);
  w.u16(fixChecksum ? 0 : seg.checksum);
  w.u16(seg.urgentPointer);
  if (opts.rawOptions) {
    w.bytes(opts.rawOptions);
  } else {
    encodeTcpOptions(w, seg.options);
    w.bytes(seg.optionPadding);
  }
  let dataOffset = seg.dataOffset;
  if (fixDataOffset) {
    const optionsLength = w.length - start - TCP_HEADER_LENGTH;
    const padded = (optionsLength + 3) & ~3;
    if (padded > MAX_TCP_OPTIONS_LENGTH) {
      throw new EncodeError(`option area of ${optionsLength} bytes exceeds ${MAX_TCP_OPTIONS_LENGTH}`);
    }
    w.zeros(padded - optionsLength);
    dataOffset = 5 + padded / 4;
  }
  w.patchU16(start + TcpField.DATA_OFFSET, (dataOffset << 12) | (seg.reserved << 9) | seg.flags);
  w.bytes(seg.payload);
  const length = w.length - start;
  if (ph && ph.src.length === 4 && fixChecksum && length > 0xffff) {
    throw new EncodeError(`a ${length}-byte segment does not fit an IPv4 pseudo-header's 16-bit length`);
  }
  if (fixChecksum && ph) w.patchU16(start + TcpField.CHECKSUM, tcpChecksum(w.view(start), ph));
}

/** Names of the flags set in `flags`, most significant first, e.g. `SYN|ACK`; `none` for 0. */
export function formatTcpFlags(flags: number): string {
  const names: string[] = [];
  for (const name of ['AE', 'CWR', 'ECE', 'URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN'] as const) {
    if (flags & TcpFlag[name]) names.push(name);
  }
  return names.length ? names.join('|') : 'none';
}

/** A rule a segment breaks while still parsing; see {@link validateTcpSegment}. */
export type TcpWarningCode =
  | 'wscale-shift'
  | 'syn-only-option'
  | 'duplicate-option'
  | 'padding-not-zero'
  | 'reserved-bits'
  | 'urgent-pointer-without-urg'
  | 'syn-with-fin-or-rst'
  | 'sack-block-empty';

/** One anomaly found by {@link validateTcpSegment}. */
export interface TcpWarning {
  code: TcpWarningCode;
  message: string;
}

const SYN_ONLY: ReadonlySet<TcpOption['kind']> = new Set(['mss', 'wscale', 'sackPermitted']);

/**
 * The anomalies of a decoded segment that are not decode errors, since real stacks send them and
 * researchers need to see them:
 * - `wscale-shift`: a window shift above 14; the receiver uses 14 (RFC 7323 §2.3)
 * - `syn-only-option`: MSS (RFC 9293 MUST-65), window scale (RFC 7323 §2.2) or SACK-permitted
 *   (RFC 2018 §2) on a segment without SYN
 * - `duplicate-option`: a kind other than NOP/EOL appears twice
 * - `padding-not-zero`: non-zero bytes after EOL (RFC 9293 MUST-69)
 * - `reserved-bits`: a reserved header bit set
 * - `urgent-pointer-without-urg`: a non-zero urgent pointer without URG
 * - `syn-with-fin-or-rst`: SYN together with FIN or RST
 * - `sack-block-empty`: a SACK block whose right edge is not after its left edge (RFC 2018 §3)
 */
export function validateTcpSegment(seg: TcpSegment): TcpWarning[] {
  const out: TcpWarning[] = [];
  const warn = (code: TcpWarningCode, message: string): void => {
    out.push({ code, message });
  };
  const seen = new Set<string>();
  const syn = (seg.flags & TcpFlag.SYN) !== 0;
  for (const o of seg.options) {
    if (o.kind === 'nop' || o.kind === 'eol') continue;
    const key = o.kind === 'unknown' ? `kind ${o.type}` : o.kind;
    if (seen.has(key)) warn('duplicate-option', `option ${key} appears more than once`);
    seen.add(key);
    if (!syn && SYN_ONLY.has(o.kind)) warn('syn-only-option', `option ${o.kind} on a segment without SYN`);
    if (o.kind === 'wscale' && o.shift > 14) warn('wscale-shift', `window shift ${o.shift} above 14; 14 applies`);
    if (o.kind === 'sack') {
      for (const b of o.blocks) {
        if (seqLe(b.right, b.left)) warn('sack-block-empty', `SACK block ${b.left}..${b.right} is empty or inverted`);
      }
    }
  }
  if (seg.optionPadding.some((b) => b !== 0)) warn('padding-not-zero', 'non-zero bytes after the end of the options');
  if (seg.reserved !== 0) warn('reserved-bits', `reserved bits are ${seg.reserved.toString(2).padStart(3, '0')}`);
  if (seg.urgentPointer !== 0 && !(seg.flags & TcpFlag.URG)) {
    warn('urgent-pointer-without-urg', `urgent pointer ${seg.urgentPointer} without URG`);
  }
  if (syn && seg.flags & (TcpFlag.FIN | TcpFlag.RST)) warn('syn-with-fin-or-rst', `flags ${formatTcpFlags(seg.flags)}`);
  return out;
}

/**
 * TCP options (RFC 9293 §3.1 and §3.2): the kind/length encoding, EOL, NOP and MSS, window scale
 * and timestamps (RFC 7323 §2.2, §3.2), SACK-permitted and SACK (RFC 2018 §2, §3). Unknown kinds keep
 * their data byte for byte (MUST-6).
 *
 * Errors (a {@link DecodeError} with reason `length` or `truncated`): an option length below 2 (MUST-7),
 * an option running past the option area, a known kind with a length other than its RFC's, a SACK
 * option whose length is not 2 + 8n with n ≥ 1. Anything else that is legal to parse but suspicious
 * (a window shift above 14, duplicates, non-zero bytes after EOL) is reported by `validateTcpSegment`.
 * @module
 */
import { EncodeError } from '../bytes/errors.js';
import type { Reader } from '../bytes/reader.js';
import type { Writer } from '../bytes/writer.js';
import { type SackBlock, type TcpOption, TcpOptionKind } from './types.js';

/** Total length (kind and length bytes included) of the fixed-size options. */
const LENGTH = {
  [TcpOptionKind.MSS]: 4,
  [TcpOptionKind.WINDOW_SCALE]: 3,
  [TcpOptionKind.SACK_PERMITTED]: 2,
  [TcpOptionKind.TIMESTAMPS]: 10,
} as const;

/** The largest option area: data offset 15 words minus the 5 of the fixed header. */
export const MAX_TCP_OPTIONS_LENGTH = 40;

const EOL: TcpOption = Object.freeze({ kind: 'eol' });
const NOP: TcpOption = Object.freeze({ kind: 'nop' });
const SACK_PERMITTED: TcpOption = Object.freeze({ kind: 'sackPermitted' });

/** The option list of an option area, and the bytes after EOL (see `TcpSegment.optionPadding`). */
export interface DecodedTcpOptions {
  options: TcpOption[];
  padding: Uint8Array;
}

/** Field name used in error paths for an option's body. */
function bodyName(kind: number): string {
  switch (kind) {
    case TcpOptionKind.MSS:
      return 'mss';
    case TcpOptionKind.WINDOW_SCALE:
      return 'wscale';
    case TcpOptionKind.SACK_PERMITTED:
      return 'sackPermitted';
    case TcpOptionKind.SACK:
      return 'sack';
    case TcpOptionKind.TIMESTAMPS:
      return 'timestamps';
    default:
      return `kind${kind}`;
  }
}

function expectLength(r: Reader, kind: keyof typeof LENGTH, length: number, at: number): void {
  const want = LENGTH[kind];
  if (length !== want) r.fail('length', `${bodyName(kind)} option length ${length}, must be ${want}`, 'length', at);
}

/**
 * Decode one option at the reader's position. EOL and NOP are one byte; every other kind has a
 * length byte counting the kind and length bytes too (RFC 9293 §3.1 "Case 2"). The data-less options
 * (EOL, NOP, SACK-permitted) are shared frozen objects; unknown options' data is a view of the input.
 */
export function decodeTcpOption(r: Reader): TcpOption {
  const kind = r.u8('kind');
  if (kind === TcpOptionKind.EOL) return EOL;
  if (kind === TcpOptionKind.NOP) return NOP;
  const lengthAt = r.offset;
  const length = r.u8('length');
  if (length < 2) r.fail('length', `option length ${length} is below 2`, 'length', lengthAt);
  if (Object.hasOwn(LENGTH, kind)) expectLength(r, kind as keyof typeof LENGTH, length, lengthAt);
  if (length - 2 > r.remaining) {
    r.fail(
      'length',
      `option length ${length} runs ${length - 2 - r.remaining} byte(s) past the option area`,
      'length',
      lengthAt,
    );
  }
  switch (kind) {
    case TcpOptionKind.MSS:
      return { kind: 'mss', mss: r.u16('mss') };
    case TcpOptionKind.WINDOW_SCALE:
      return { kind: 'wscale', shift: r.u8('shift') };
    case TcpOptionKind.SACK_PERMITTED:
      return SACK_PERMITTED;
    case TcpOptionKind.TIMESTAMPS:
      return { kind: 'timestamps', tsval: r.u32('tsval'), tsecr: r.u32('tsecr') };
    case TcpOptionKind.SACK:
      if (length < 10 || (length - 2) % 8 !== 0) {
        r.fail('length', `sack option length ${length}, must be 2 + 8n with n >= 1 (RFC 2018 §3)`, 'length', lengthAt);
      }
      return r.within(length - 2, 'sack', (r) => ({
        kind: 'sack',
        blocks: r.items((r): SackBlock => ({ left: r.u32('left'), right: r.u32('right') })),
      }));
    default:
      return r.within(length - 2, bodyName(kind), (r) => ({ kind: 'unknown', type: kind, data: r.rest() }));
  }
}

/**
 * Decode a whole option area (the reader narrowed to it): options up to the end of the area or up
 * to and including EOL; whatever follows EOL is returned as `padding`. Byte runs are views of the input.
 */
export function decodeTcpOptions(r: Reader): DecodedTcpOptions {
  const options: TcpOption[] = [];
  while (!r.atEnd) {
    const option = r.scope(`[${options.length}]`, decodeTcpOption);
    options.push(option);
    if (option === EOL) break;
  }
  return { options, padding: r.rest() };
}

function check(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(`${what}: ${v} is not an integer in 0..${max}`);
}

/** The kind and length bytes of a fixed-size option ("Case 2" of RFC 9293 §3.1), its data to follow. */
function fixedHeader(w: Writer, kind: keyof typeof LENGTH): Writer {
  return w.u8(kind).u8(LENGTH[kind]);
}

/**
 * Write one option. Known kinds are written with their RFC lengths; an `unknown` option writes
 * `type`, `2 + data.length` and `data` for any type, so a researcher can build a known kind with a
 * wrong length (`{ kind: 'unknown', type: 2, data: Uint8Array.of(5) }` is a 3-byte MSS option).
 * @throws EncodeError for values out of range, a SACK with 0 or more than 4 blocks, data over 253 bytes
 */
export function encodeTcpOption(w: Writer, o: TcpOption): void {
  switch (o.kind) {
    case 'eol':
    case 'nop':
      // "Case 1" of RFC 9293 §3.1: the kind byte alone.
      w.u8(o.kind === 'eol' ? TcpOptionKind.EOL : TcpOptionKind.NOP);
      return;
    case 'mss':
      check(o.mss, 0xffff, 'mss');
      fixedHeader(w, TcpOptionKind.MSS).u16(o.mss);
      return;
    case 'wscale':
      check(o.shift, 0xff, 'wscale shift');
      fixedHeader(w, TcpOptionKind.WINDOW_SCALE).u8(o.shift);
      return;
    case 'sackPermitted':
      fixedHeader(w, TcpOptionKind.SACK_PERMITTED);
      return;
    case 'timestamps':
      check(o.tsval, 0xffffffff, 'tsval');
      check(o.tsecr, 0xffffffff, 'tsecr');
      fixedHeader(w, TcpOptionKind.TIMESTAMPS).u32(o.tsval).u32(o.tsecr);
      return;
    case 'sack': {
      const n = o.blocks.length;
      if (n < 1 || n > 4) throw new EncodeError(`sack: ${n} blocks, must be 1..4 (RFC 2018 §3)`);
      for (const b of o.blocks) {
        check(b.left, 0xffffffff, 'sack left edge');
        check(b.right, 0xffffffff, 'sack right edge');
      }
      // RFC 2018 §3: "A SACK option that specifies n blocks will have a length of 8*n+2 bytes".
      w.u8(TcpOptionKind.SACK).u8(2 + 8 * n);
      for (const b of o.blocks) w.u32(b.left).u32(b.right);
      return;
    }
    case 'unknown':
      check(o.type, 0xff, 'option type');
      if (o.data.length > 0xff - 2) throw new EncodeError(`option ${o.type}: ${o.data.length} data bytes exceed 253`);
      // The length byte counts the kind and length bytes (RFC 9293 §3.1), so vec8 does not apply.
      w.u8(o.type)
        .u8(2 + o.data.length)
        .bytes(o.data);
      return;
  }
}

/** Write options in order, nothing added (padding is the segment encoder's business). */
export function encodeTcpOptions(w: Writer, options: readonly TcpOption[]): void {
  for (const o of options) encodeTcpOption(w, o);
}

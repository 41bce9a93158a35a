/**
 * `Reader`: the big-endian decoder every codec in tlswire uses.
 *
 * Nested length-prefixed vectors narrow the reader in place (no sub-objects, no copies) and must be
 * consumed exactly; every failure is a {@link DecodeError} naming the field path and absolute byte
 * offset. Byte runs are returned as views (`subarray`) that share memory with the input: copy them if
 * the input buffer will be reused.
 *
 * A DecodeError ends a Reader: its message already holds the path and offset, and the reader does not
 * unwind its narrowing (no try/finally on the hot paths), so its state afterwards is unspecified.
 * @module
 */
import { DecodeError, type DecodeErrorReason } from './errors.js';

/** Byte-length limits of a vector, in the notation of RFC 8446 §3.4 (`<min..max>`). */
export interface VecLimits {
  /** Smallest allowed length in bytes (default 0). */
  min?: number;
  /** Largest allowed length in bytes (default: the prefix's maximum). */
  max?: number;
  /** The length must be a multiple of this (e.g. 2 for a list of u16). */
  multipleOf?: number;
}

/**
 * `limits` with every field set (`min` 0, `max` Infinity, `multipleOf` 1 where not given). Limits made
 * here all share one object shape, so the Reader's checks of them stay monomorphic, and fast, however
 * many vectors they serve: use it for the limits a decoder defines once, at module level.
 */
export function vecLimits<const L extends VecLimits>(limits: L): Readonly<Required<VecLimits>> & L {
  return {
    min: limits.min ?? 0,
    max: limits.max ?? Number.POSITIVE_INFINITY,
    multipleOf: limits.multipleOf ?? 1,
  } as Readonly<Required<VecLimits>> & L;
}

/**
 * An error-path element whose name is made only when an error needs it (`toString()`): a hot decoder
 * can keep one such object per list and update it per item instead of building a string per item.
 */
export interface PathElement {
  toString(): string;
}

export class Reader {
  /** The whole input. */
  readonly buf: Uint8Array;
  private pos: number;
  private limit: number;
  private readonly base: number;
  private readonly fields: (string | PathElement)[] = [];
  /**
   * `buf.buffer` and `buf.byteOffset`, read once (the getters are slow), for {@link view}; `undefined`
   * when `buf` is a subclass such as a Node Buffer, whose views must keep its class.
   */
  private readonly arrayBuffer: ArrayBufferLike | undefined;
  private readonly byteOffset: number;

  /**
   * @param bytes the input; the reader never modifies it
   * @param name name of the top-level structure, used as the first element of error paths
   * @param baseOffset added to reported offsets (e.g. the position of `bytes` inside a frame)
   */
  constructor(bytes: Uint8Array, name?: string, baseOffset = 0) {
    this.buf = bytes;
    this.pos = 0;
    this.limit = bytes.length;
    this.base = baseOffset;
    const plain = Object.getPrototypeOf(bytes) === Uint8Array.prototype;
    this.arrayBuffer = plain ? bytes.buffer : undefined;
    this.byteOffset = bytes.byteOffset;
    if (name) this.fields.push(name);
  }

  /** Decode all of `bytes` with `fn`; trailing bytes are an error. */
  static decode<T>(bytes: Uint8Array, name: string, fn: (r: Reader) => T): T {
    const r = new Reader(bytes, name);
    const value = fn(r);
    r.end();
    return value;
  }

  /** Absolute offset of the next byte (plus the base offset). */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Index of the next byte in {@link buf}. */
  get position(): number {
    return this.pos;
  }

  /** Bytes left before the end of the current vector (or of the input). */
  get remaining(): number {
    return this.limit - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.limit;
  }

  /** The current field path, e.g. `ClientHello.extensions[1].key_share`. */
  path(field?: string): string {
    let out = '';
    for (const e of this.fields) {
      const f = String(e);
      out += out && f[0] !== '[' ? `.${f}` : f;
    }
    if (field) out += out && field[0] !== '[' ? `.${field}` : field;
    return out;
  }

  /** Throw a {@link DecodeError} at the current offset. */
  fail(reason: DecodeErrorReason, detail: string, field?: string, offset = this.offset): never {
    throw new DecodeError(reason, detail, this.path(field), offset);
  }

  private need(n: number, field?: string): void {
    if (this.limit - this.pos < n) {
      this.fail('truncated', `need ${n} byte(s), ${this.limit - this.pos} left`, field);
    }
  }

  u8(field?: string): number {
    this.need(1, field);
    return this.buf[this.pos++]!;
  }

  u16(field?: string): number {
    this.need(2, field);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u24(field?: string): number {
    this.need(3, field);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  u32(field?: string): number {
    this.need(4, field);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  u64(field?: string): bigint {
    const hi = this.u32(field);
    const lo = this.u32(field);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Little-endian u16 (capture file formats only; network protocols are big-endian). */
  u16le(field?: string): number {
    this.need(2, field);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return b[p]! | (b[p + 1]! << 8);
  }

  /** Little-endian u32 (capture file formats only). */
  u32le(field?: string): number {
    this.need(4, field);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** Look at the next byte without consuming it. */
  peekU8(field?: string): number {
    this.need(1, field);
    return this.buf[this.pos]!;
  }

  /** Look at the next u16 without consuming it. */
  peekU16(field?: string): number {
    this.need(2, field);
    return (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
  }

  /**
   * The view `buf[start, start + n)`. `new Uint8Array(buffer, offset, n)` costs half of `subarray` in
   * V8 (no species lookup); a subclass input (a Node Buffer) keeps `subarray`, so its views keep its class.
   */
  view(start: number, n: number): Uint8Array {
    const ab = this.arrayBuffer;
    return ab ? new Uint8Array(ab, this.byteOffset + start, n) : this.buf.subarray(start, start + n);
  }

  /** `n` bytes as a view sharing memory with the input. */
  bytes(n: number, field?: string): Uint8Array {
    this.need(n, field);
    const p = this.pos;
    this.pos = p + n;
    return this.view(p, n);
  }

  /** `n` bytes copied out of the input. */
  copy(n: number, field?: string): Uint8Array {
    return this.bytes(n, field).slice();
  }

  skip(n: number, field?: string): void {
    this.need(n, field);
    this.pos += n;
  }

  /** Everything up to the end of the current vector, as a view. */
  rest(): Uint8Array {
    const p = this.pos;
    this.pos = this.limit;
    return this.view(p, this.limit - p);
  }

  /** Throw `trailing` unless the current vector (or the input) is fully consumed. */
  end(field?: string): void {
    if (this.pos !== this.limit) {
      this.fail('trailing', `${this.limit - this.pos} unexpected trailing byte(s)`, field);
    }
  }

  /** Run `fn` with `field` appended to the error path. */
  scope<T>(field: string, fn: (r: Reader) => T): T {
    this.fields.push(field);
    const value = fn(this);
    this.fields.pop();
    return value;
  }

  /**
   * Narrow the reader to exactly the next `length` bytes, with `field` appended to the error path, until
   * the matching {@link leave}: what {@link within} does, without a callback, for hot decoders.
   * `length` past the end of the container is `length`.
   * @returns the limit to give back to {@link leave}
   */
  enter(length: number, field: string | PathElement): number {
    if (length > this.limit - this.pos) {
      this.fail('length', `length ${length} exceeds the ${this.limit - this.pos} byte(s) available`, String(field));
    }
    const savedLimit = this.limit;
    this.limit = this.pos + length;
    this.fields.push(field);
    return savedLimit;
  }

  /** Close the vector opened by {@link enter}: it must be fully consumed (else `trailing`). */
  leave(savedLimit: number): void {
    this.end();
    this.fields.pop();
    this.limit = savedLimit;
  }

  /**
   * Run `fn` over exactly the next `length` bytes: the reader is narrowed to them, and `fn` must
   * consume all of them (else `trailing`). `length` past the end of the container is `length`.
   */
  within<T>(length: number, field: string, fn: (r: Reader) => T): T {
    const savedLimit = this.enter(length, field);
    const value = fn(this);
    this.leave(savedLimit);
    return value;
  }

  private checkLimits(length: number, width: number, field: string, limits?: VecLimits): void {
    if (!limits) return;
    const at = this.offset - width;
    if (limits.min !== undefined && length < limits.min) {
      this.fail('length', `length ${length} below minimum ${limits.min}`, field, at);
    }
    if (limits.max !== undefined && length > limits.max) {
      this.fail('length', `length ${length} above maximum ${limits.max}`, field, at);
    }
    if (limits.multipleOf !== undefined && length % limits.multipleOf !== 0) {
      this.fail('length', `length ${length} is not a multiple of ${limits.multipleOf}`, field, at);
    }
  }

  /**
   * Read a `width`-byte length prefix of vector `field` and check it against `limits` (not yet against
   * the bytes available: {@link enter} does that).
   */
  lengthPrefix(width: 1 | 2 | 3, field: string, limits?: VecLimits): number {
    const n = width === 1 ? this.u8(field) : width === 2 ? this.u16(field) : this.u24(field);
    this.checkLimits(n, width, field, limits);
    return n;
  }

  /** A vector with a 1-byte length prefix, decoded by `fn` which must consume it exactly. */
  vec8<T>(field: string, fn: (r: Reader) => T, limits?: VecLimits): T {
    return this.within(this.lengthPrefix(1, field, limits), field, fn);
  }

  /** A vector with a 2-byte length prefix. */
  vec16<T>(field: string, fn: (r: Reader) => T, limits?: VecLimits): T {
    return this.within(this.lengthPrefix(2, field, limits), field, fn);
  }

  /** A vector with a 3-byte length prefix. */
  vec24<T>(field: string, fn: (r: Reader) => T, limits?: VecLimits): T {
    return this.within(this.lengthPrefix(3, field, limits), field, fn);
  }

  /**
   * Step over a vector with a `width`-byte length prefix, checked against `limits` and the bytes
   * available (else `length`), and return the index in {@link buf} of its first byte; it ends at the
   * new {@link position}. For contents read straight from `buf`: opaque bytes, or fixed-size items
   * that `limits.multipleOf` keeps whole.
   */
  span(width: 1 | 2 | 3, field: string, limits?: VecLimits): number {
    const n = this.lengthPrefix(width, field, limits);
    if (n > this.limit - this.pos) {
      this.fail('length', `length ${n} exceeds the ${this.limit - this.pos} byte(s) available`, field);
    }
    const start = this.pos;
    this.pos = start + n;
    return start;
  }

  /** `opaque field<min..2^8-1>`: the bytes of a 1-byte-prefixed vector, as a view. */
  opaque8(field: string, limits?: VecLimits): Uint8Array {
    const start = this.span(1, field, limits);
    return this.view(start, this.pos - start);
  }

  /** `opaque field<min..2^16-1>`. */
  opaque16(field: string, limits?: VecLimits): Uint8Array {
    const start = this.span(2, field, limits);
    return this.view(start, this.pos - start);
  }

  /** `opaque field<min..2^24-1>`. */
  opaque24(field: string, limits?: VecLimits): Uint8Array {
    const start = this.span(3, field, limits);
    return this.view(start, this.pos - start);
  }

  /** Read items with `item` until the current vector is exhausted; item `i` is path `[i]`. */
  items<T>(item: (r: Reader, index: number) => T): T[] {
    const out: T[] = [];
    if (this.pos >= this.limit) return out;
    // One path element for the whole list, renamed per item.
    const top = this.fields.push('') - 1;
    while (this.pos < this.limit) {
      const i = out.length;
      this.fields[top] = indexField(i);
      out.push(item(this, i));
    }
    this.fields.pop();
    return out;
  }

  /** {@link items} over the next `length` bytes. */
  private list<T>(length: number, field: string, item: (r: Reader, index: number) => T): T[] {
    const savedLimit = this.enter(length, field);
    const out = this.items(item);
    this.leave(savedLimit);
    return out;
  }

  /** A list inside a 1-byte-prefixed vector. */
  list8<T>(field: string, item: (r: Reader, index: number) => T, limits?: VecLimits): T[] {
    return this.list(this.lengthPrefix(1, field, limits), field, item);
  }

  /** A list inside a 2-byte-prefixed vector. */
  list16<T>(field: string, item: (r: Reader, index: number) => T, limits?: VecLimits): T[] {
    return this.list(this.lengthPrefix(2, field, limits), field, item);
  }

  /** A list inside a 3-byte-prefixed vector. */
  list24<T>(field: string, item: (r: Reader, index: number) => T, limits?: VecLimits): T[] {
    return this.list(this.lengthPrefix(3, field, limits), field, item);
  }
}

/** Error-path elements `[0]` … `[63]`, made once: list items do not build a string each. */
const INDEX: readonly string[] = Array.from({ length: 64 }, (_, i) => `[${i}]`);

function indexField(i: number): string {
  return INDEX[i] ?? `[${i}]`;
}

/**
 * `Writer`: the big-endian encoder every codec in tlswire uses.
 *
 * Length-prefixed vectors are written with {@link Writer.vec8}/{@link Writer.vec16}/{@link Writer.vec24}:
 * the writer reserves the prefix, runs the body, then fills the length in. Nobody counts lengths by
 * hand. Values out of range throw {@link EncodeError}. A researcher who wants a *wrong* length writes
 * the prefix with `u16()` and the body with `bytes()` instead.
 * @module
 */
import { EncodeError } from './errors.js';

export class Writer {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** Encode with `fn` and return exactly the bytes written. */
  static encode(fn: (w: Writer) => void, initialCapacity?: number): Uint8Array {
    const w = new Writer(initialCapacity);
    fn(w);
    return w.finish();
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.len;
  }

  private ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private static check(v: number, max: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw new EncodeError(`${what}: ${v} is not an integer in 0..${max}`);
    }
  }

  u8(v: number): this {
    Writer.check(v, 0xff, 'u8');
    this.ensure(1);
    this.buf[this.len++] = v;
    return this;
  }

  u16(v: number): this {
    return this.uint(v, 2, 0xffff, 'u16');
  }

  u24(v: number): this {
    return this.uint(v, 3, 0xffffff, 'u24');
  }

  u32(v: number): this {
    return this.uint(v, 4, 0xffffffff, 'u32');
  }

  u64(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new EncodeError(`u64: ${v} out of range`);
    this.u32(Number(v >> 32n));
    this.u32(Number(v & 0xffffffffn));
    return this;
  }

  /** Little-endian u16 (capture file formats only). */
  u16le(v: number): this {
    return this.uint(v, 2, 0xffff, 'u16', true);
  }

  /** Little-endian u32 (capture file formats only). */
  u32le(v: number): this {
    return this.uint(v, 4, 0xffffffff, 'u32', true);
  }

  /**
   * `v`, an integer in 0..`max` (else EncodeError naming `what`), as `n` bytes: most significant
   * first (network order), or least significant first when `littleEndian`.
   */
  private uint(v: number, n: number, max: number, what: string, littleEndian = false): this {
    Writer.check(v, max, what);
    this.ensure(n);
    const b = this.buf;
    const p = this.len;
    for (let i = 0; i < n; i++) b[littleEndian ? p + i : p + n - 1 - i] = v >>> (8 * i);
    this.len = p + n;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** `n` zero bytes (padding). */
  zeros(n: number): this {
    Writer.check(n, 0x7fffffff, 'zeros');
    this.ensure(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }

  /** Overwrite a u16 already written at `at` (e.g. a checksum filled in last). */
  patchU16(at: number, v: number): this {
    Writer.check(v, 0xffff, 'u16');
    if (at < 0 || at + 2 > this.len) throw new EncodeError(`patchU16: offset ${at} outside 0..${this.len - 2}`);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v;
    return this;
  }

  /** View of the bytes written from `start` (default 0) to now; valid until the next write. */
  view(start = 0, end = this.len): Uint8Array {
    return this.buf.subarray(start, end);
  }

  private vec(width: 1 | 2 | 3, max: number, fn: (w: Writer) => void, what: string): this {
    this.ensure(width);
    const at = this.len;
    this.len += width;
    fn(this);
    const n = this.len - at - width;
    if (n > max) throw new EncodeError(`${what}: body of ${n} bytes exceeds ${max}`);
    const b = this.buf;
    if (width === 3) b[at] = n >>> 16;
    if (width >= 2) b[at + width - 2] = n >>> 8;
    b[at + width - 1] = n;
    return this;
  }

  /** A vector with a 1-byte length prefix filled in after `fn` writes the body. */
  vec8(fn: (w: Writer) => void, max = 0xff): this {
    return this.vec(1, Math.min(max, 0xff), fn, 'vec8');
  }

  /** A vector with a 2-byte length prefix. */
  vec16(fn: (w: Writer) => void, max = 0xffff): this {
    return this.vec(2, Math.min(max, 0xffff), fn, 'vec16');
  }

  /** A vector with a 3-byte length prefix. */
  vec24(fn: (w: Writer) => void, max = 0xffffff): this {
    return this.vec(3, Math.min(max, 0xffffff), fn, 'vec24');
  }

  opaque8(b: Uint8Array): this {
    return this.vec8((w) => w.bytes(b));
  }

  opaque16(b: Uint8Array): this {
    return this.vec16((w) => w.bytes(b));
  }

  opaque24(b: Uint8Array): this {
    return this.vec24((w) => w.bytes(b));
  }

  /** A copy of exactly the bytes written. The writer can go on being used. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

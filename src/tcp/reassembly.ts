/**
 * Out-of-order TCP data held until the gap before it fills (RFC 9293 §3.10.7.4, seventh step:
 * "segments with higher beginning sequence numbers SHOULD be held for later processing", SHLD-31).
 *
 * What is held is kept as non-overlapping pieces sorted by sequence number, so the queue holds exactly
 * the union of the data given to it: a byte already held is not held again (the first copy wins) and
 * {@link ReassemblyQueue.bytes} counts distinct bytes. The pieces sit in short sorted arrays (a chunked
 * list), so an insert finds its place by binary search and moves O(CHUNK + n / CHUNK) entries rather
 * than O(n); its other work is in the pieces it overlaps. Sequence numbers are modulo 2^32
 * (RFC 9293 §3.4): every call names `base`, the next sequence number expected, and everything held lies
 * 1 .. 2^31 - 1 numbers ahead of it.
 *
 * The queue keeps views of the data given to it, or (`own`) copies of just the new bytes; owned pieces
 * that touch are merged while the result stays within {@link MERGE_LIMIT} bytes, so many small
 * adjacent segments become few pieces at a bounded copying cost per insert.
 * @module
 */
import { concat } from '../bytes/hex.js';

/** A run of held bytes starting at sequence number `seq`, with the caller's tag (a frame number, say). */
export interface HeldPiece<T> {
  seq: number;
  data: Uint8Array;
  tag: T;
}

/**
 * Owned pieces that touch are merged up to this many bytes: below a typical MSS, so ordinary segments
 * are held as they came and only runs of small ones are copied together (at most this many bytes per merge).
 */
export const MERGE_LIMIT = 1024;

/** Out-of-order data of one direction of a TCP connection. */
export class ReassemblyQueue<T> {
  private readonly pieces = new Chunks<HeldPiece<T>>();
  private held = 0;

  /** @param own copy the bytes held (and merge touching pieces) instead of keeping views of the input */
  constructor(private readonly own: boolean) {}

  /** Distinct bytes held. */
  get bytes(): number {
    return this.held;
  }

  /** Number of pieces held. */
  get size(): number {
    return this.pieces.count;
  }

  /** The piece with the lowest sequence number. */
  first(): HeldPiece<T> | undefined {
    return this.pieces.first();
  }

  /** The held pieces in sequence order (a new list; the pieces themselves are live). */
  list(): HeldPiece<T>[] {
    return this.pieces.parts.flat();
  }

  /**
   * Hold the bytes of `data` (starting at sequence number `seq`) that are not held yet; bytes before
   * `base` are dropped.
   */
  insert(base: number, seq: number, data: Uint8Array, tag: T): void {
    const behind = Math.max(0, -((seq - base) | 0));
    if (behind >= data.length) return;
    const bytes = data.subarray(behind);
    const start = (seq + behind - base) >>> 0;
    const end = start + bytes.length;
    const pieces = this.pieces;
    const from = pieces.search((q) => ((q.seq - base) >>> 0) + q.data.length >= start);
    // The pieces from `from` up to `to` touch [start, end); the holes between them take new bytes,
    // each new piece going in before the piece at the position it is paired with.
    const fresh: [Pos, HeldPiece<T>][] = [];
    const chunks = pieces.parts;
    let at = start;
    let { c, i } = from;
    walk: for (; c < chunks.length; c++, i = 0) {
      const l = chunks[c]!;
      for (; i < l.length; i++) {
        const q = l[i]!;
        const qStart = (q.seq - base) >>> 0;
        if (qStart > end) break walk;
        if (qStart > at) fresh.push([{ c, i }, this.hole(base, bytes.subarray(at - start, qStart - start), at, tag)]);
        at = Math.max(at, qStart + q.data.length);
      }
      if (c + 1 === chunks.length) break;
    }
    const to = { c, i };
    if (at < end) fresh.push([to, this.hole(base, bytes.subarray(at - start), at, tag)]);
    if (fresh.length === 1 && !this.own) pieces.replace(fresh[0]![0], fresh[0]![0], [fresh[0]![1]]);
    else if (fresh.length > 0) this.place(from, to, fresh);
  }

  /**
   * Take the piece that starts at or before `base`, less the bytes before `base`; pieces wholly
   * before `base` are dropped on the way. Undefined when the first piece starts after `base` (a gap).
   */
  shift(base: number): HeldPiece<T> | undefined {
    for (let q = this.pieces.first(); q; q = this.pieces.first()) {
      const ahead = (q.seq - base) | 0;
      if (ahead > 0) return undefined;
      this.pieces.shift();
      this.held -= q.data.length;
      if (-ahead < q.data.length) return { seq: base, data: q.data.subarray(-ahead), tag: q.tag };
    }
    return undefined;
  }

  /** Drop held bytes from the highest sequence numbers down until at most `max` bytes remain. */
  limit(max: number): void {
    const cap = Math.max(0, max);
    while (this.held > cap) {
      const last = this.pieces.last()!;
      const excess = this.held - cap;
      if (excess >= last.data.length) {
        this.pieces.pop();
        this.held -= last.data.length;
      } else {
        const keep = last.data.subarray(0, last.data.length - excess);
        last.data = this.own ? keep.slice() : keep;
        this.held -= excess;
      }
    }
  }

  /** Drop everything held. */
  clear(): void {
    this.pieces.clear();
    this.held = 0;
  }

  /** A new piece of `bytes` at offset `at` from `base`, counted as held. */
  private hole(base: number, bytes: Uint8Array, at: number, tag: T): HeldPiece<T> {
    this.held += bytes.length;
    return { seq: (base + at) >>> 0, data: this.own ? bytes.slice() : bytes, tag };
  }

  /** Put the new pieces in among those from `from` up to `to`, merging what touches when owned. */
  private place(from: Pos, to: Pos, fresh: [Pos, HeldPiece<T>][]): void {
    const pieces = this.pieces;
    const run: HeldPiece<T>[] = [];
    const p = { ...from };
    for (let k = 0; ; pieces.step(p)) {
      for (; k < fresh.length && samePos(fresh[k]![0], p); k++) run.push(fresh[k]![1]);
      if (samePos(p, to)) break;
      run.push(pieces.at(p)!);
    }
    pieces.replace(from, to, this.own ? merged(run) : run);
  }
}

/** Merge consecutive pieces of `run` (contiguous, owned) while each result stays within MERGE_LIMIT bytes. */
function merged<T>(run: HeldPiece<T>[]): HeldPiece<T>[] {
  const out: HeldPiece<T>[] = [];
  let group: HeldPiece<T>[] = [];
  let size = 0;
  const flush = () => {
    if (group.length === 0) return;
    const [g] = group;
    out.push(group.length === 1 ? g! : { seq: g!.seq, data: concat(...group.map((q) => q.data)), tag: g!.tag });
  };
  for (const q of run) {
    if (size + q.data.length > MERGE_LIMIT || (group.length > 0 && q.tag !== group[0]!.tag)) {
      flush();
      group = [];
      size = 0;
    }
    group.push(q);
    size += q.data.length;
  }
  flush();
  return out;
}

/** Entries per chunk of a {@link Chunks}: chunks hold CHUNK / 2 .. 2 × CHUNK entries (fewer at the ends). */
const CHUNK = 64;

/** A place in a {@link Chunks}: entry `i` of chunk `c`; the end is the last chunk's length. */
interface Pos {
  c: number;
  i: number;
}

function samePos(a: Pos, b: Pos): boolean {
  return a.c === b.c && a.i === b.i;
}

/** A sorted list kept as a list of short arrays, so that changing it moves few entries. */
class Chunks<E> {
  parts: E[][] = [];
  count = 0;

  first(): E | undefined {
    return this.parts[0]?.[0];
  }

  last(): E | undefined {
    const l = this.parts[this.parts.length - 1];
    return l?.[l.length - 1];
  }

  at(p: Pos): E | undefined {
    return this.parts[p.c]?.[p.i];
  }

  /** Move `p` to the next entry (or the end) and return it. */
  step(p: Pos): Pos {
    p.i++;
    if (p.i >= this.parts[p.c]!.length && p.c + 1 < this.parts.length) {
      p.c++;
      p.i = 0;
    }
    return p;
  }

  /** The first entry for which `reached` holds (false, then true, along the list), or the end. */
  search(reached: (e: E) => boolean): Pos {
    const parts = this.parts;
    let lo = 0;
    let hi = parts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const l = parts[mid]!;
      if (reached(l[l.length - 1]!)) hi = mid;
      else lo = mid + 1;
    }
    if (lo === parts.length) return { c: Math.max(0, lo - 1), i: parts[lo - 1]?.length ?? 0 };
    const l = parts[lo]!;
    let i = 0;
    for (let j = l.length - 1; i < j; ) {
      const mid = (i + j) >>> 1;
      if (reached(l[mid]!)) j = mid;
      else i = mid + 1;
    }
    return { c: lo, i };
  }

  /** Replace the entries from `a` up to `b` (the same place to insert) with `entries`. */
  replace(a: Pos, b: Pos, entries: E[]): void {
    const parts = this.parts;
    if (parts.length === 0) {
      this.parts = split(entries);
      this.count = entries.length;
      return;
    }
    let c0 = a.c;
    let c1 = b.c;
    let all = [...parts[c0]!.slice(0, a.i), ...entries, ...parts[c1]!.slice(b.i)];
    // Keep chunks from getting small: take a neighbour in.
    if (all.length < CHUNK / 2 && c1 + 1 < parts.length) all = [...all, ...parts[++c1]!];
    else if (all.length < CHUNK / 2 && c0 > 0) all = [...parts[--c0]!, ...all];
    for (let c = c0; c <= c1; c++) this.count -= parts[c]!.length;
    this.count += all.length;
    parts.splice(c0, c1 - c0 + 1, ...split(all));
  }

  shift(): void {
    const l = this.parts[0]!;
    l.shift();
    this.count--;
    if (l.length === 0) this.parts.shift();
  }

  pop(): void {
    const l = this.parts[this.parts.length - 1]!;
    l.pop();
    this.count--;
    if (l.length === 0) this.parts.pop();
  }

  clear(): void {
    this.parts = [];
    this.count = 0;
  }
}

/** `entries` as one chunk when at most 2 × CHUNK long, else in even chunks of CHUNK / 2 .. CHUNK. */
function split<E>(entries: E[]): E[][] {
  if (entries.length <= 2 * CHUNK) return entries.length > 0 ? [entries] : [];
  const size = Math.ceil(entries.length / Math.ceil(entries.length / CHUNK));
  const out: E[][] = [];
  for (let i = 0; i < entries.length; i += size) out.push(entries.slice(i, i + size));
  return out;
}

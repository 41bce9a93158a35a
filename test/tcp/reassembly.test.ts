/**
 * The out-of-order queue (RFC 9293 §3.10.7.4, SHLD-31): overlapping segments are held once, as sorted
 * non-overlapping pieces; the cap drops the highest sequence numbers; any order and overlap of the
 * segments of a known stream gives back exactly that stream (fast-check), across the 2^32 wrap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MERGE_LIMIT, ReassemblyQueue } from '../../src/tcp/reassembly.js';

const stream = Uint8Array.from({ length: 5000 }, (_, i) => (i * 131 + (i >> 8)) & 0xff);

/** The pieces as [offset from `base`, length], in order. */
function ranges(q: ReassemblyQueue<unknown>, base: number): [number, number][] {
  return q.list().map((p) => [(p.seq - base) >>> 0, p.data.length]);
}

/** Deliver from `base` on while the queue has the next byte; returns the bytes and the new base. */
function drain(q: ReassemblyQueue<unknown>, base: number): { bytes: number[]; base: number } {
  const bytes: number[] = [];
  let b = base;
  for (let p = q.shift(b); p; p = q.shift(b)) {
    bytes.push(...p.data);
    b = (b + p.data.length) >>> 0;
  }
  return { bytes, base: b };
}

/** Pieces sorted, non-empty, not overlapping, all ahead of `base`; their bytes as a flag per stream offset. */
function layout(q: ReassemblyQueue<unknown>, base: number): string {
  let end = 1;
  for (const [off, len] of ranges(q, base)) {
    if (off < end || len === 0) return `bad piece at ${off}+${len}`;
    end = off + len;
  }
  return 'ok';
}

describe.each([true, false])('ReassemblyQueue (own = %s)', (own) => {
  it('holds W sliding windows of L bytes as their union, and gives the stream back once the gap fills', () => {
    const q = new ReassemblyQueue<number>(own);
    const base = 1000;
    for (let k = 1; k <= 300; k++) q.insert(base, base + k, stream.subarray(k, k + 200), k);
    expect(q.bytes).toBe(300 + 199); // offsets 1 .. 499; W·L = 60000 before
    expect(ranges(q, base).reduce((n, [, len]) => n + len, 0)).toBe(499);
    expect(q.shift(base)).toBeUndefined();
    q.insert(base, base - 5, stream.subarray(0, 1), 0); // wholly before base: nothing
    expect(q.bytes).toBe(499);
    const out = drain(q, base + 1);
    expect(out).toEqual({ bytes: [...stream.subarray(1, 500)], base: base + 500 });
    expect([q.bytes, q.size]).toEqual([0, 0]);
  });

  it('keeps the first copy of a byte and fills only the holes', () => {
    const q = new ReassemblyQueue<string>(own);
    q.insert(0, 3, Uint8Array.of(3, 4), 'a');
    q.insert(0, 8, Uint8Array.of(8), 'b');
    q.insert(
      0,
      1,
      Uint8Array.from({ length: 10 }, () => 0xee),
      'c',
    );
    expect(ranges(q, 0).reduce((n, [, len]) => n + len, 0)).toBe(10);
    const got = drain(q, 1).bytes;
    expect(got).toEqual([0xee, 0xee, 3, 4, 0xee, 0xee, 0xee, 8, 0xee, 0xee]);
  });

  it('limit drops the highest sequence numbers first', () => {
    const q = new ReassemblyQueue<undefined>(own);
    q.insert(0, 10, stream.subarray(10, 20), undefined);
    q.insert(0, 30, stream.subarray(30, 40), undefined);
    q.limit(15);
    expect([q.bytes, ranges(q, 0)]).toEqual([
      15,
      [
        [10, 10],
        [30, 5],
      ],
    ]);
    q.limit(4);
    expect([q.bytes, ranges(q, 0)]).toEqual([4, [[10, 4]]]);
    expect(drain(q, 10).bytes).toEqual([...stream.subarray(10, 14)]);
    q.insert(0, 50, stream.subarray(50, 60), undefined);
    q.limit(0);
    expect([q.bytes, q.size, q.first()]).toEqual([0, 0, undefined]);
  });

  it('works across the 2^32 wrap', () => {
    const q = new ReassemblyQueue<undefined>(own);
    const base = 0xfffffff0;
    q.insert(base, 0x00000005, stream.subarray(21, 30), undefined);
    q.insert(base, 0xfffffffa, stream.subarray(10, 25), undefined);
    const split: [number, number][] = [
      [10, 11],
      [21, 9],
    ];
    expect(ranges(q, base)).toEqual(own ? [[10, 20]] : split);
    q.insert(base, base, stream.subarray(0, 10), undefined);
    expect(drain(q, base)).toEqual({ bytes: [...stream.subarray(0, 30)], base: 0x0000000e });
  });
});

describe('ReassemblyQueue merging (own)', () => {
  it('merges touching pieces up to MERGE_LIMIT bytes, in either order', () => {
    for (const order of ['up', 'down']) {
      const q = new ReassemblyQueue<undefined>(true);
      for (let k = 0; k < 3000; k++) {
        const off = order === 'up' ? k + 1 : 3000 - k;
        q.insert(0, off, stream.subarray(off, off + 1), undefined);
      }
      expect(q.bytes).toBe(3000);
      expect(q.list().map((p) => p.data.length)).toEqual(
        order === 'up' ? [MERGE_LIMIT, MERGE_LIMIT, 952] : [952, MERGE_LIMIT, MERGE_LIMIT],
      );
      expect(drain(q, 1).bytes).toEqual([...stream.subarray(1, 3001)]);
    }
  });

  it('filling the holes between hundreds of pieces merges them, chunk by chunk, in sequence order', () => {
    const q = new ReassemblyQueue<undefined>(true);
    for (let off = 1; off < 1200; off += 2) q.insert(0, off, stream.subarray(off, off + 1), undefined);
    expect([q.bytes, q.size, layout(q, 0)]).toEqual([600, 600, 'ok']);
    // The holes at 2, 4, ... in a scattered order: every fill merges its neighbours.
    for (let k = 0; k < 599; k++) {
      const off = 2 + 2 * ((k * 257) % 599);
      q.insert(0, off, stream.subarray(off, off + 1), undefined);
      expect([q.bytes, layout(q, 0)]).toEqual([601 + k, 'ok']);
    }
    // Merging is greedy, so where the split falls depends on the order; two pieces that touch never
    // fit in MERGE_LIMIT together.
    const lengths = q.list().map((p) => p.data.length);
    expect(lengths.length).toBe(2);
    expect(lengths[0]! + lengths[1]!).toBe(1199);
    expect(drain(q, 1).bytes).toEqual([...stream.subarray(1, 1200)]);
  });

  it('views are never merged: the frames of the first copies stay', () => {
    const q = new ReassemblyQueue<number>(false);
    q.insert(0, 1, stream.subarray(1, 3), 7);
    q.insert(0, 3, stream.subarray(3, 5), 8);
    expect(q.list().map((p) => [p.seq, p.tag])).toEqual([
      [1, 7],
      [3, 8],
    ]);
  });
});

describe('ReassemblyQueue: any order and overlap gives back the stream (property)', () => {
  // Long segments overlap a lot; many short ones make hundreds of pieces (several chunks).
  it.each([
    [true, 300, 80, 150],
    [false, 300, 80, 150],
    [true, 3, 700, 40],
    [false, 3, 700, 40],
  ])('own = %s, segments of 1 .. %i bytes, up to %i of them', (own, maxLength, count, numRuns) => {
    const N = 2000;
    const segment = fc.tuple(fc.nat(N - 1), fc.integer({ min: 1, max: maxLength }));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: count, size: 'max' }), fc.nat({ max: 0xffffffff }), (segs, isn) => {
        const q = new ReassemblyQueue<number>(own);
        const held = new Uint8Array(N); // the model: which stream offsets are held
        let heldCount = 0;
        const got: number[] = [];
        let next = 0; // stream offset of `base`
        const feed = (start: number, len: number) => {
          const data = stream.subarray(start, Math.min(start + len, N));
          const before = next;
          if (start <= next) {
            got.push(...data.subarray(next - start));
            next = Math.max(next, start + data.length);
          } else {
            q.insert((isn + next) >>> 0, (isn + start) >>> 0, data, start);
            for (let i = start; i < start + data.length; i++) heldCount += 1 - held[i]!;
            held.fill(1, start, start + data.length);
          }
          const out = drain(q, (isn + next) >>> 0);
          got.push(...out.bytes);
          next += out.bytes.length;
          for (let i = before; i < next; i++) heldCount -= held[i]!;
          held.fill(0, before, next);
          // Exactly the union of what is held, as sorted non-overlapping pieces ahead of `base`.
          expect(q.bytes).toBe(heldCount);
          expect(layout(q, (isn + next) >>> 0)).toBe('ok');
        };
        for (const [start, len] of segs) feed(start, len);
        for (let s = 0; s < N; s += 250) feed(s, 250);
        expect(got).toEqual([...stream.subarray(0, N)]);
        expect([q.bytes, q.size]).toEqual([0, 0]);
      }),
      { numRuns },
    );
  });
});

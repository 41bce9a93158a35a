/**
 * 32-bit sequence number arithmetic (RFC 9293 §3.4): every sum and comparison is modulo 2^32.
 *
 * Comparisons follow serial number arithmetic: `a` is before `b` when `b` is 1 .. 2^31 - 1 steps
 * ahead of `a`, going forward around the circle. Two numbers exactly 2^31 apart are not ordered
 * (neither is before the other); RFC 1982 §3.2 leaves that case undefined and so does TCP.
 * Inputs are u32 numbers as decoded (0 .. 2^32 - 1); results are u32 numbers again.
 * @module
 */
import { TcpFlag, type TcpSegment } from './types.js';

const HALF = 0x80000000;

/** `a + n` modulo 2^32; `n` may be negative (any safe integer). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** How far `to` is ahead of `from`, going forward: `(to - from)` modulo 2^32, in 0 .. 2^32 - 1. */
export function seqDistance(from: number, to: number): number {
  return (to - from) >>> 0;
}

/** `a < b` modulo 2^32: `b` is 1 .. 2^31 - 1 ahead of `a`. */
export function seqLt(a: number, b: number): boolean {
  const d = (b - a) >>> 0;
  return d !== 0 && d < HALF;
}

/** `a =< b` modulo 2^32: equal, or `b` is 1 .. 2^31 - 1 ahead of `a`. */
export function seqLe(a: number, b: number): boolean {
  return (b - a) >>> 0 < HALF;
}

/** `a > b` modulo 2^32, i.e. `b < a`. */
export function seqGt(a: number, b: number): boolean {
  return seqLt(b, a);
}

/** `a >= b` modulo 2^32, i.e. `b =< a`. */
export function seqGe(a: number, b: number): boolean {
  return seqLe(b, a);
}

/**
 * `start =< x < start + size` modulo 2^32, the receive-window test of RFC 9293 §3.4
 * (`RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND`). An empty window (`size` 0) contains nothing.
 * @param size window size in sequence numbers, 0 .. 2^32 - 1 (scaled windows reach 2^30)
 */
export function seqInWindow(x: number, start: number, size: number): boolean {
  return (x - start) >>> 0 < size;
}

/**
 * SEG.LEN of RFC 9293 §3.4: the data length, plus one for SYN and one for FIN, since each of them
 * occupies a sequence number.
 */
export function segmentLength(seg: Pick<TcpSegment, 'flags' | 'payload'>): number {
  return seg.payload.length + (seg.flags & TcpFlag.SYN ? 1 : 0) + (seg.flags & TcpFlag.FIN ? 1 : 0);
}

/** The sequence number after `seg`: SEG.SEQ + SEG.LEN modulo 2^32 (what a peer acknowledges). */
export function nextSeq(seg: Pick<TcpSegment, 'seq' | 'flags' | 'payload'>): number {
  return seqAdd(seg.seq, segmentLength(seg));
}

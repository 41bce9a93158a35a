/** Tests of 32-bit sequence arithmetic (RFC 9293 §3.4), with real segments' next sequence numbers from tshark. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeTcpSegment,
  nextSeq,
  segmentLength,
  seqAdd,
  seqDistance,
  seqGe,
  seqGt,
  seqInWindow,
  seqLe,
  seqLt,
  TcpFlag,
} from '../../src/tcp/index.js';
import { realSegments } from './fixture.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe('sequence arithmetic examples', () => {
  it('adds modulo 2^32, with negative steps', () => {
    expect(seqAdd(0xffffffff, 1)).toBe(0);
    expect(seqAdd(0xfffffff0, 0x20)).toBe(0x10);
    expect(seqAdd(0, -1)).toBe(0xffffffff);
    expect(seqAdd(5, 2 ** 32)).toBe(5);
  });

  it('measures forward distance modulo 2^32', () => {
    expect(seqDistance(0xfffffff0, 0x10)).toBe(0x20);
    expect(seqDistance(0x10, 0xfffffff0)).toBe(0xffffffe0);
    expect(seqDistance(7, 7)).toBe(0);
  });

  it('compares across the wrap', () => {
    expect(seqLt(0xfffffff0, 0x10)).toBe(true);
    expect(seqLt(0x10, 0xfffffff0)).toBe(false);
    expect(seqGt(0x10, 0xfffffff0)).toBe(true);
    expect(seqLe(5, 5)).toBe(true);
    expect(seqGe(5, 5)).toBe(true);
    expect(seqLt(5, 5)).toBe(false);
    expect(seqLt(0, 0x7fffffff)).toBe(true);
  });

  it('leaves numbers exactly 2^31 apart unordered', () => {
    for (const [a, b] of [
      [0, 0x80000000],
      [0x80000000, 0],
      [0xc0000000, 0x40000000],
    ] as const) {
      expect([seqLt(a, b), seqLe(a, b), seqGt(a, b), seqGe(a, b)]).toEqual([false, false, false, false]);
    }
  });

  it('tests windows as RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND', () => {
    expect(seqInWindow(0xfffffffe, 0xfffffffe, 10)).toBe(true);
    expect(seqInWindow(7, 0xfffffffe, 10)).toBe(true);
    expect(seqInWindow(8, 0xfffffffe, 10)).toBe(false);
    expect(seqInWindow(0xfffffffd, 0xfffffffe, 10)).toBe(false);
    expect(seqInWindow(5, 5, 0)).toBe(false);
  });

  it('counts SYN and FIN in the segment length', () => {
    const seg = (flags: number, n: number) => ({ seq: 0xffffffff, flags, payload: new Uint8Array(n) });
    expect(segmentLength(seg(TcpFlag.ACK, 0))).toBe(0);
    expect(segmentLength(seg(TcpFlag.SYN, 0))).toBe(1);
    expect(segmentLength(seg(TcpFlag.FIN | TcpFlag.ACK, 3))).toBe(4);
    expect(segmentLength(seg(TcpFlag.SYN | TcpFlag.FIN, 3))).toBe(5);
    expect(segmentLength(seg(TcpFlag.RST, 0))).toBe(0);
    expect(nextSeq(seg(TcpFlag.SYN, 0))).toBe(0);
    expect(nextSeq(seg(TcpFlag.ACK, 1448))).toBe(1447);
  });
});

describe('next sequence numbers of real segments', () => {
  it("equal tshark's tcp.nxtseq for every segment", () => {
    for (const s of realSegments) {
      expect(nextSeq(decodeTcpSegment(s.bytes)), s.name).toBe(s.tshark.nxtseq);
    }
  });
});

describe('sequence arithmetic properties', () => {
  it('seqAdd and seqDistance are inverse', () => {
    fc.assert(
      fc.property(u32, u32, (a, n) => {
        expect(seqDistance(a, seqAdd(a, n))).toBe(n);
        expect(seqAdd(a, seqDistance(a, n))).toBe(n);
        expect(seqAdd(seqAdd(a, n), -n)).toBe(a);
      }),
    );
  });

  it('a step of 1 .. 2^31 - 1 forward is "after", and the orders are consistent', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: 1, max: 0x7fffffff }), (a, k) => {
        const b = seqAdd(a, k);
        expect([seqLt(a, b), seqLe(a, b), seqGt(b, a), seqGe(b, a)]).toEqual([true, true, true, true]);
        expect([seqLt(b, a), seqLe(b, a), seqGt(a, b), seqGe(a, b)]).toEqual([false, false, false, false]);
      }),
    );
  });

  it('lt is antisymmetric and le is lt or equal', () => {
    fc.assert(
      fc.property(u32, u32, (a, b) => {
        expect(seqLt(a, b) && seqLt(b, a)).toBe(false);
        expect(seqLe(a, b)).toBe(seqLt(a, b) || a === b);
        expect(seqGe(a, b)).toBe(seqLe(b, a));
      }),
    );
  });

  it('the window test is the forward distance below the window size', () => {
    fc.assert(
      fc.property(u32, u32, fc.integer({ min: 0, max: 2 ** 30 }), (x, start, size) => {
        const inside = seqInWindow(x, start, size);
        expect(inside).toBe(seqDistance(start, x) < size);
        if (size > 0 && size < 0x80000000) expect(inside).toBe(seqLe(start, x) && seqLt(x, seqAdd(start, size)));
      }),
    );
  });
});

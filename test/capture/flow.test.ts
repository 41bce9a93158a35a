/**
 * Flow tracking and reassembly on constructed segments: out of order, overlap, retransmission,
 * wrap-around at 2^32, the held-bytes cap (distinct bytes), FIN ordering, and a reused 4-tuple.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecodedPacket } from '../../src/capture/decode.js';
import { FlowTracker, streamBytes, trackConnections } from '../../src/capture/flow.js';
import type { Ipv4Header } from '../../src/capture/ip.js';
import { TcpFlag, type TcpSegment } from '../../src/tcp/types.js';

const A = Uint8Array.of(10, 0, 0, 1);
const B = Uint8Array.of(10, 0, 0, 2);
let frame = 0;

/** A decoded packet from A:1000 to B:443 (or back when `back`) with the given fields. */
function seg(seq: number, flags: number, data: string | Uint8Array = '', back = false, ack = 0): DecodedPacket {
  frame++;
  const payload = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const tcp: TcpSegment = {
    srcPort: back ? 443 : 1000,
    dstPort: back ? 1000 : 443,
    seq: seq >>> 0,
    ack,
    dataOffset: 5,
    reserved: 0,
    flags,
    window: 65535,
    checksum: 0,
    urgentPointer: 0,
    options: [],
    optionPadding: new Uint8Array(),
    payload,
  };
  const ip = { version: 4, src: back ? B : A, dst: back ? A : B, protocol: 6, payload } as unknown as Ipv4Header;
  return {
    packet: {
      frame,
      timestamp: BigInt(frame),
      linkType: 101,
      originalLength: 0,
      data: payload,
      truncated: false,
      interfaceId: 0,
      section: 0,
    },
    link: { linkType: 101, network: 'ipv4', protocol: 4, headerLength: 0, vlans: [], payload },
    ip,
    tcp,
  };
}

const text = (d: Uint8Array) => new TextDecoder().decode(d);
const { SYN, ACK, FIN, RST } = TcpFlag;

describe('reassembly', () => {
  it('holds out-of-order segments until the gap fills, SYN and FIN taking one number each', () => {
    frame = 0;
    const [c] = trackConnections([seg(99, SYN), seg(106, ACK, 'world'), seg(111, ACK | FIN), seg(100, ACK, 'hello ')]);
    expect(text(streamBytes(c!.toServer))).toBe('hello world');
    expect(c!.toServer.chunks.map((k) => [k.offset, k.frame])).toEqual([
      [0, 4],
      [6, 2],
    ]);
    expect([c!.toServer.isn, c!.toServer.finished, c!.toServer.gaps]).toEqual([99, true, []]);
  });

  it('delivers retransmitted and overlapping bytes once, first copy wins', () => {
    frame = 0;
    const [c] = trackConnections([
      seg(0, SYN),
      seg(1, ACK, 'abcd'),
      seg(1, ACK, 'abcd'),
      seg(3, ACK, 'XXef'),
      seg(9, ACK, 'ij'),
      seg(6, ACK, 'fgh'),
      seg(1, ACK, 'abcdefghijk'),
    ]);
    expect(text(streamBytes(c!.toServer))).toBe('abcdefghijk');
    expect(c!.toServer.chunks.map((k) => [k.offset, text(k.data), k.frame])).toEqual([
      [0, 'abcd', 2],
      [4, 'ef', 4],
      [6, 'gh', 6],
      [8, 'ij', 5],
      [10, 'k', 7],
    ]);
  });

  it('wraps around 2^32', () => {
    frame = 0;
    const [c] = trackConnections([
      seg(0xfffffffd, SYN),
      seg(0x00000002, ACK, 'efgh'),
      seg(0xfffffffe, ACK, 'abcd'),
      seg(0x00000006, ACK | FIN),
      seg(0xfffffffe, ACK | SYN, '', true, 0xfffffffe),
    ]);
    expect(text(streamBytes(c!.toServer))).toBe('abcdefgh');
    expect(c!.toServer.finished).toBe(true);
    expect(c!.handshakeSeen).toBe(true);
  });

  it('gives up a gap when the held bytes exceed the cap, and at the end', () => {
    frame = 0;
    const [c] = trackConnections(
      [seg(0, SYN), seg(1, ACK, 'ab'), seg(6, ACK, 'ghij'), seg(10, ACK, 'klmn'), seg(20, ACK, 'uv')],
      { maxHeldBytes: 6 },
    );
    expect(c!.toServer.chunks.map((k) => [k.offset, text(k.data)])).toEqual([
      [0, 'ab'],
      [5, 'ghij'],
      [9, 'klmn'],
      [19, 'uv'],
    ]);
    expect(c!.toServer.gaps).toEqual([
      { offset: 2, length: 3, reason: 'cap' },
      { offset: 13, length: 6, reason: 'end' },
    ]);
  });

  it('holds overlapping segments as their union: the cap counts distinct bytes, the first copy wins', () => {
    const data = new TextEncoder().encode('abcdefghijklmnopqrstuvwxyz0123456789'.repeat(6));
    const packets = () => {
      frame = 0;
      const out = [seg(0, SYN)];
      // 100 segments of 100 bytes at stream offsets 1, 2, ..., 100: 199 distinct bytes (10000 in all).
      for (let k = 1; k <= 100; k++) out.push(seg(1 + k, ACK, data.subarray(k, k + 100)));
      out.push(seg(1, ACK, data.subarray(0, 1)));
      return out;
    };
    const [c] = trackConnections(packets(), { maxHeldBytes: 199 });
    expect(c!.toServer.gaps).toEqual([]);
    expect(text(streamBytes(c!.toServer))).toBe(text(data.subarray(0, 200)));
    // Frame 2 holds offsets 1..100; frames 3..101 add one byte each; frame 102 fills offset 0.
    const expected = [[0, 102], [1, 2], ...Array.from({ length: 99 }, (_, i) => [101 + i, 3 + i])];
    expect(c!.toServer.chunks.map((k) => [k.offset, k.frame])).toEqual(expected);
    // One byte less: the gap before the held bytes is given up when the 199th arrives.
    const [d] = trackConnections(packets(), { maxHeldBytes: 198 });
    expect(d!.toServer.gaps).toEqual([{ offset: 0, length: 1, reason: 'cap' }]);
    expect(text(streamBytes(d!.toServer))).toBe(text(data.subarray(1, 200)));
  });

  it('without a SYN, the stream starts at the first segment seen and the sender is the client', () => {
    frame = 0;
    const [c] = trackConnections([seg(5000, ACK, 'xy', true), seg(7000, ACK, 'z')]);
    expect([c!.client.port, c!.handshakeSeen, text(streamBytes(c!.toServer)), text(streamBytes(c!.toClient))]).toEqual([
      443,
      false,
      'xy',
      'z',
    ]);
  });

  it('a SYN on a closed or reset 4-tuple starts a new connection; a SYN retransmission does not', () => {
    frame = 0;
    const t = new FlowTracker();
    const packets = [
      seg(0, SYN),
      seg(0, SYN),
      seg(500, SYN | ACK, '', true, 1),
      seg(1, ACK | FIN),
      seg(501, ACK | FIN, '', true, 2),
      seg(1000, SYN),
      seg(1001, RST),
      seg(2000, SYN),
    ];
    const ids = packets.map((p) => t.add(p)?.index);
    expect(ids).toEqual([0, 0, 0, 0, 0, 1, 1, 2]);
    expect(t.finish().map((c) => [c.reset, c.toServer.finished, c.toClient.finished, c.segments.length])).toEqual([
      [false, true, true, 5],
      [true, false, false, 2],
      [false, false, false, 1],
    ]);
  });

  it('any segment order, overlap and duplication yields the original stream, held within its length (property)', () => {
    const data = new TextEncoder().encode('the quick brown fox jumps over the lazy dog');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(data.length - 1), fc.integer({ min: 1, max: 12 })), {
          minLength: 1,
          maxLength: 30,
          size: 'max',
        }),
        fc.nat(),
        (cuts, isn) => {
          frame = 0;
          const pieces = cuts.map(([start, len]) => seg(isn + 1 + start, ACK, data.subarray(start, start + len)));
          const cover = Array.from({ length: 4 }, (_, i) =>
            seg(isn + 1 + i * 11, ACK, data.subarray(i * 11, i * 11 + 11)),
          );
          // Distinct held bytes never exceed the stream's length, so that cap never gives up a gap.
          const [c] = trackConnections([seg(isn, SYN), ...pieces, ...cover], { maxHeldBytes: data.length });
          expect(text(streamBytes(c!.toServer))).toBe(text(data));
          expect(c!.toServer.gaps).toEqual([]);
        },
      ),
    );
  });
});

/** `seg`, cut by a snap length: `captured` of the payload's bytes kept, `wire` on the wire. */
function cutSeg(seq: number, flags: number, data: string, captured: number): DecodedPacket {
  const d = seg(seq, flags, data);
  const wire = d.tcp!.payload.length;
  d.tcp = { ...d.tcp!, payload: d.tcp!.payload.subarray(0, captured) };
  d.truncation = { captured, length: wire, optionsMissing: false };
  return d;
}

describe('segments cut by the snap length', () => {
  it('in order: the captured bytes, then a snaplen gap naming the frame; the FIN still lands', () => {
    frame = 0;
    const [c] = trackConnections([seg(99, SYN), cutSeg(100, ACK, 'hello world', 3), cutSeg(111, ACK | FIN, 'bye', 0)]);
    const d = c!.toServer;
    expect(d.chunks.map((x) => [x.offset, text(x.data), x.frame])).toEqual([[0, 'hel', 2]]);
    expect(d.gaps).toEqual([
      { offset: 3, length: 8, reason: 'snaplen', frame: 2 },
      { offset: 11, length: 3, reason: 'snaplen', frame: 3 },
    ]);
    expect(d.finished).toBe(true);
  });

  it('out of order: the cut-off tail is held as a gap and reported when reached', () => {
    frame = 0;
    const [c] = trackConnections([
      seg(99, SYN),
      cutSeg(106, ACK, 'world', 2),
      seg(111, ACK, '!'),
      seg(100, ACK, 'hello '),
    ]);
    const d = c!.toServer;
    expect(d.chunks.map((x) => [x.offset, text(x.data)])).toEqual([
      [0, 'hello '],
      [6, 'wo'],
      [11, '!'],
    ]);
    expect(d.gaps).toEqual([{ offset: 8, length: 3, reason: 'snaplen', frame: 2 }]);
  });

  it('a full retransmission of cut-off bytes is not spliced in after the gap was reported', () => {
    frame = 0;
    const [c] = trackConnections([
      seg(99, SYN),
      cutSeg(100, ACK, 'abcdef', 2),
      seg(100, ACK, 'abcdef'),
      seg(106, ACK, 'g'),
    ]);
    const d = c!.toServer;
    expect(d.chunks.map((x) => [x.offset, text(x.data)])).toEqual([
      [0, 'ab'],
      [6, 'g'],
    ]);
    expect(d.gaps.map((g) => [g.offset, g.length, g.reason])).toEqual([[2, 4, 'snaplen']]);
  });
});

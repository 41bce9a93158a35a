/**
 * IPv4 fragment reassembly (RFC 791 §3.2) on constructed fragments: any arrival order, duplicates,
 * conflicting overlaps, impossible lengths, and the limits on datagrams, bytes, fragments and time
 * (docs/security.md, "Capture decoding"). The recorded fragments are in encapsulation.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/bytes/hex.js';
import { PacketDecoder } from '../../src/capture/decode.js';
import { FlowTracker, streamBytes } from '../../src/capture/flow.js';
import { type FragmentOutcome, Ipv4Defragmenter } from '../../src/capture/fragments.js';
import { decodeIpv4 } from '../../src/capture/ip.js';
import { LinkType } from '../../src/capture/packet.js';

const h = (v: number, w: number) => v.toString(16).padStart(w, '0');
const bytesOf = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

/** The raw IPv4 bytes of one fragment of datagram `id` (protocol 17 unless given). */
function fragmentBytes(id: number, offset: number, mf: boolean, data: Uint8Array, protocol = 17): Uint8Array {
  const head = fromHex(
    `45 00 ${h(20 + data.length, 4)} ${h(id, 4)} ${h((mf ? 0x2000 : 0) | (offset / 8), 4)} 40 ${h(protocol, 2)} 0000 0a000001 0a000002`,
  );
  const out = new Uint8Array(20 + data.length);
  out.set(head);
  out.set(data, 20);
  return out;
}
const frag = (id: number, offset: number, mf: boolean, data: Uint8Array) =>
  decodeIpv4(fragmentBytes(id, offset, mf, data));

describe('reassembly', () => {
  const data = bytesOf(40);
  const parts = [
    frag(1, 0, true, data.subarray(0, 16)),
    frag(1, 16, true, data.subarray(16, 32)),
    frag(1, 32, false, data.subarray(32)),
  ];
  for (const order of [
    [0, 1, 2],
    [2, 1, 0],
    [1, 2, 0],
  ]) {
    it(`fragments in order ${order.join(', ')} give the datagram back`, () => {
      const d = new Ipv4Defragmenter();
      const out = order.map((i, n) => d.add(parts[i]!, n + 1, 0n));
      expect(out.slice(0, 2).map((o) => o.status)).toEqual(['held', 'held']);
      expect(out[2]).toEqual({ status: 'complete', payload: data, frames: [1, 2, 3] });
      expect([d.size, d.heldBytes]).toEqual([0, 0]);
    });
  }
  it('an identical duplicate and an identical partial overlap are accepted', () => {
    const d = new Ipv4Defragmenter();
    d.add(parts[0]!, 1, 0n);
    d.add(parts[0]!, 2, 0n);
    d.add(frag(1, 8, true, data.subarray(8, 24)), 3, 0n);
    d.add(parts[1]!, 4, 0n);
    expect(d.add(parts[2]!, 5, 0n)).toMatchObject({ status: 'complete', payload: data });
  });
  it('an overlap with different bytes discards the datagram', () => {
    const d = new Ipv4Defragmenter();
    d.add(parts[0]!, 1, 0n);
    const other = bytesOf(16, 1);
    expect(d.add(frag(1, 8, true, other), 2, 0n)).toEqual({ status: 'dropped', reason: 'overlap', frames: [1, 2] });
    expect([d.size, d.heldBytes]).toEqual([0, 0]);
    // The datagram starts afresh: the rest alone does not complete it.
    expect(d.add(parts[1]!, 3, 0n).status).toBe('held');
    expect(d.add(parts[2]!, 4, 0n).status).toBe('held');
  });
});

describe('impossible lengths', () => {
  it('past 65535 bytes, past the end the last fragment set, or a second different end', () => {
    const d = new Ipv4Defragmenter();
    expect(d.add(frag(2, 65528, true, bytesOf(16)), 1, 0n)).toMatchObject({ status: 'dropped', reason: 'length' });
    d.add(frag(3, 8, false, bytesOf(8)), 2, 0n);
    expect(d.add(frag(3, 16, true, bytesOf(8)), 3, 0n)).toMatchObject({ status: 'dropped', reason: 'length' });
    d.add(frag(4, 16, false, bytesOf(8)), 4, 0n);
    expect(d.add(frag(4, 24, false, bytesOf(8)), 5, 0n)).toMatchObject({ status: 'dropped', reason: 'length' });
    d.add(frag(5, 64, true, bytesOf(8)), 6, 0n);
    expect(d.add(frag(5, 16, false, bytesOf(8)), 7, 0n)).toMatchObject({ status: 'dropped', reason: 'length' });
  });
  it('a fragment cut by the snap length cannot be placed', () => {
    const whole = fragmentBytes(6, 0, true, bytesOf(16));
    const d = new Ipv4Defragmenter();
    expect(d.add(decodeIpv4(whole.subarray(0, 30)), 1, 0n)).toMatchObject({ status: 'dropped', reason: 'length' });
  });
});

describe('limits', () => {
  it('maxDatagrams: the oldest datagram in progress is given up', () => {
    const d = new Ipv4Defragmenter({ maxDatagrams: 2 });
    d.add(frag(1, 0, true, bytesOf(8)), 1, 0n);
    d.add(frag(2, 0, true, bytesOf(8)), 2, 0n);
    expect(d.add(frag(3, 0, true, bytesOf(8)), 3, 0n).status).toBe('held');
    expect([d.size, d.evicted]).toEqual([2, { limit: 1, timeout: 0 }]);
    expect(d.add(frag(1, 8, false, bytesOf(8)), 4, 0n).status).toBe('held'); // datagram 1 starts afresh
  });
  it('maxBytes: held bytes stay within the bound; a datagram larger than it is given up itself', () => {
    const d = new Ipv4Defragmenter({ maxBytes: 100 });
    d.add(frag(1, 0, true, bytesOf(64)), 1, 0n);
    d.add(frag(2, 0, true, bytesOf(64)), 2, 0n);
    expect(d.heldBytes).toBe(64);
    const big: FragmentOutcome[] = [];
    for (let i = 0; i < 20; i++) big.push(d.add(frag(9, i * 8, true, bytesOf(8)), 10 + i, 0n));
    expect(d.heldBytes).toBeLessThanOrEqual(100);
    expect(big.some((o) => o.status === 'dropped' && o.reason === 'limit')).toBe(true);
  });
  it('timeout (capture time): a datagram not completed in time is given up', () => {
    const d = new Ipv4Defragmenter({ timeoutNs: 1000n });
    d.add(frag(1, 0, true, bytesOf(8)), 1, 0n);
    expect(d.add(frag(1, 8, false, bytesOf(8)), 2, 1001n).status).toBe('held');
    expect(d.evicted).toEqual({ limit: 0, timeout: 1 });
  });
  it('at most 8192 fragments per datagram, even of no data', () => {
    const d = new Ipv4Defragmenter();
    const empty = frag(1, 0, true, new Uint8Array(0));
    let last: FragmentOutcome = { status: 'held' };
    for (let i = 0; i <= 8192; i++) last = d.add(empty, i + 1, 0n);
    expect(last.status === 'dropped' && last.reason).toBe('limit');
    expect(d.size).toBe(0);
  });
  it('finish gives up what is still in progress', () => {
    const d = new Ipv4Defragmenter();
    d.add(frag(1, 0, true, bytesOf(8)), 1, 0n);
    expect(d.finish()).toEqual([{ reason: 'timeout', frames: [1] }]);
    expect([d.size, d.heldBytes]).toEqual([0, 0]);
  });
});

describe('fragments in the packet decoder and the flow tracker', () => {
  const tcp = fromHex('04d2 01bb 00000001 00000000 5018 ffff 0000 0000 68656c6c6f20776f726c64'); // "hello world"
  const packet = (frame: number, bytes: Uint8Array) => ({
    frame,
    timestamp: BigInt(frame),
    linkType: LinkType.IPV4,
    originalLength: bytes.length,
    data: bytes,
    truncated: false,
    interfaceId: 0,
    section: 0,
  });
  const pieces = [
    packet(1, fragmentBytes(7, 16, false, tcp.subarray(16), 6)),
    packet(2, fragmentBytes(7, 0, true, tcp.subarray(0, 16), 6)),
  ];
  it('the fragment that completes the datagram carries the reassembled segment', () => {
    const dec = new PacketDecoder();
    const [a, b] = pieces.map((p) => dec.decode(p));
    expect([a!.notTcp, a!.fragment]).toEqual(['fragment', { status: 'held' }]);
    expect(b!.notTcp).toBeUndefined();
    expect(b!.fragment?.status).toBe('complete');
    expect(new TextDecoder().decode(b!.tcp!.payload)).toBe('hello world');
  });
  it('the flow tracker reassembles fragments it is given undecoded, and not twice', () => {
    for (const pre of [false, true]) {
      const dec = new PacketDecoder();
      const tracker = new FlowTracker();
      for (const p of pieces) tracker.add(pre ? dec.decode(p) : dec.reassemble(dec.decode(p)));
      const [c] = tracker.finish();
      expect(new TextDecoder().decode(streamBytes(c!.toServer))).toBe('hello world');
    }
  });
  it('a reassembled datagram whose TCP header is malformed is `malformed`, not thrown', () => {
    const bad = Uint8Array.from(tcp);
    bad[12] = 0x40; // data offset 4
    const dec = new PacketDecoder();
    dec.decode(packet(1, fragmentBytes(8, 0, true, bad.subarray(0, 16), 6)));
    const d = dec.decode(packet(2, fragmentBytes(8, 16, false, bad.subarray(16), 6)));
    expect([d.notTcp, d.error?.reason]).toEqual(['malformed', 'value']);
  });
});

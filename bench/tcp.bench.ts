/**
 * TCP segment codec benchmarks: decode (fast path and full) and encode of a realistic mix of four
 * segments (Linux SYN with MSS/SACK-permitted/timestamps/window scale, pure ACK with timestamps,
 * a 1448-byte data segment, an ACK with three SACK blocks), and the checksum of the data segment.
 * The headers are real kernel segments from vectors/tcp/segments.json.
 */
import type { Bench } from 'tinybench';
import { fromHex, Writer } from '../src/bytes/index.js';
import {
  decodeTcpHeader,
  decodeTcpSegment,
  encodeTcpSegment,
  type PseudoHeader,
  tcpChecksum,
  verifyTcpChecksum,
} from '../src/tcp/index.js';

/** sack.pcap frame 1: Linux SYN, MSS 65495, SACK_PERM, TS, NOP, WS 10. */
const SYN = fromHex('a6ec9c4ad591d2d800000000a002ffd7fe3000000204ffd70402080a7f4dafad000000000103030a');
/** sack.pcap frame 5: pure ACK with NOP NOP TS. */
const ACK = fromHex('9c4aa6ecaab2eeefd591d33d80100040fe2800000101080a02c6a71b7f4dafad');
/** sack.pcap frame 13: ACK with NOP NOP TS NOP NOP SACK (3 blocks). */
const SACK = fromHex(
  '9c4aa6ecaab2eeefd591d63ef0100043fe4400000101080a02c6a8b47f4db3260101051ad591e1f5d591e259d591de0dd591de71d591da25d591da89',
);
/** The ACK header (PSH|ACK) carrying 1448 bytes, the payload of a full 1500-byte IPv4 packet with timestamps. */
const DATA = new Uint8Array(ACK.length + 1448);
DATA.set(ACK);
DATA[13] = 0x18;
for (let i = ACK.length; i < DATA.length; i++) DATA[i] = (i * 131) & 0xff;

const MIX = [SYN, ACK, DATA, SACK];
const LO: PseudoHeader = { src: Uint8Array.of(127, 0, 0, 1), dst: Uint8Array.of(127, 0, 0, 1) };

export function register(bench: Bench): string[] {
  const decoded = MIX.map((b) => decodeTcpSegment(b));
  // Results are folded into `sink` so that no call can be optimized away.
  const sink = { value: 0 };
  bench
    .add('tcp decodeTcpHeader (fast path), mix of 4 segments', () => {
      for (const b of MIX) sink.value ^= decodeTcpHeader(b).seq;
    })
    .add('tcp decodeTcpHeader (fast path), 1 pure ACK', () => {
      sink.value ^= decodeTcpHeader(ACK).ack;
    })
    .add('tcp decodeTcpSegment (options parsed), mix of 4 segments', () => {
      for (const b of MIX) sink.value ^= decodeTcpSegment(b).options.length;
    })
    .add('tcp encodeTcpSegment, mix of 4 segments (a Writer each, sized to fit)', () => {
      for (const s of decoded) sink.value ^= Writer.encode((w) => encodeTcpSegment(w, s), 60 + s.payload.length).length;
    })
    .add('tcp encodeTcpSegment + checksum, 1448-byte data segment', () => {
      const data = decoded[2]!;
      sink.value ^= Writer.encode((w) => encodeTcpSegment(w, data, { pseudoHeader: LO }), 1508).length;
    })
    .add('tcp tcpChecksum, 1448-byte data segment', () => {
      sink.value ^= tcpChecksum(DATA, LO);
    })
    .add('tcp verifyTcpChecksum, 1448-byte data segment', () => {
      sink.value ^= verifyTcpChecksum(DATA, LO) ? 1 : 0;
    });
  return ['tcp: the "mix of 4" tasks handle 4 segments per op (segments/s = ops/s × 4)'];
}

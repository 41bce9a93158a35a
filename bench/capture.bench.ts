/**
 * Capture benchmarks: pcap read + decode (link, IP, TCP) and flow reassembly over a realistic file,
 * the recorded 200 KB loopback transfer (vectors/tcp/bulk.pcap) repeated 20 times by our writer
 * (about 4.9 MB, 6300 packets). Throughput in MB/s = file size × ops/s.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench } from 'tinybench';
import { decodePacket, readCapture } from '../src/capture/decode.js';
import { trackConnections } from '../src/capture/flow.js';
import { readPcap, writePcap } from '../src/capture/pcap.js';

const here = dirname(fileURLToPath(import.meta.url));
const bulk = new Uint8Array(readFileSync(join(here, '../vectors/tcp/bulk.pcap')));
const packets = [...readPcap(bulk)];
const span = packets[packets.length - 1]!.timestamp - packets[0]!.timestamp + 1_000_000n;
const repeated = Array.from({ length: 20 }, (_, i) =>
  packets.map((p) => ({ ...p, timestamp: p.timestamp + BigInt(i) * span })),
).flat();
const file = writePcap(repeated);
const mb = file.length / 1e6;

export function register(bench: Bench): string[] {
  bench.add(`capture: pcap read only (${mb.toFixed(1)} MB)`, () => {
    let n = 0;
    for (const p of readCapture(file)) n += p.data.length;
    if (n === 0) throw new Error('empty');
  });
  bench.add(`capture: pcap read + decodePacket (${mb.toFixed(1)} MB)`, () => {
    let n = 0;
    for (const p of readCapture(file)) n += decodePacket(p).tcp?.payload.length ?? 0;
    if (n === 0) throw new Error('empty');
  });
  bench.add(`capture: read + decode + reassemble (${mb.toFixed(1)} MB)`, () => {
    const conns = trackConnections([...readCapture(file)].map(decodePacket));
    if (conns.length === 0) throw new Error('empty');
  });
  return [`capture: input ${file.length} bytes, ${repeated.length} packets; MB/s = ${mb.toFixed(3)} × ops/s`];
}

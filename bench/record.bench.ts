/**
 * Record layer throughput: RecordDeframer on 16 KiB records and on a mix of small records, the
 * fragmenter + encoder, and HandshakeReassembler. Each task processes 1 MiB, so MB/s = ops/s × 1.048576.
 */
import type { Bench } from 'tinybench';
import { HandshakeReassembler } from '../src/tls/handshake-framing.js';
import { encodeRecords, fragmentContent, RecordDeframer, type TlsRecord } from '../src/tls/record.js';

const MiB = 1 << 20;

function content(n: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 31) & 0xff);
}

/** 1 MiB of application data as 64 records of 2^14 bytes. */
const fullRecords = encodeRecords(fragmentContent(23, content(MiB)));

/** About 1 MiB of records whose sizes cycle through typical small values (alerts, tickets, MTU-sized). */
const mixedRecords = (() => {
  const sizes = [2, 35, 120, 517, 1200, 1400, 60, 4096];
  const records: TlsRecord[] = [];
  let total = 0;
  for (let i = 0; total < MiB; i++) {
    const n = sizes[i % sizes.length]!;
    records.push({ type: 23, version: 0x0303, fragment: content(n) });
    total += n + 5;
  }
  return encodeRecords(records);
})();

/** Deframe `stream` arriving in `chunk`-byte reads; returns the records seen. */
function deframe(stream: Uint8Array, chunk: number): number {
  const d = new RecordDeframer({ protection: 'tls13-protected' });
  let n = 0;
  for (let at = 0; at < stream.length; at += chunk) {
    d.push(stream.subarray(at, at + chunk));
    while (d.next()) n++;
  }
  return n;
}

/** 1 MiB of 4 KiB handshake messages, as the content of 2^14-byte records. */
const handshakeFragments = fragmentContent(
  22,
  (() => {
    const out = new Uint8Array(MiB);
    for (let at = 0; at < MiB; at += 4096) out.set([11, 0, 0x0f, 0xfc], at);
    return out;
  })(),
).map((r) => r.fragment);

export function register(bench: Bench): string[] {
  bench
    .add('record: deframe 1 MiB of 16 KiB records (64 KiB reads)', () => {
      if (deframe(fullRecords, 65536) !== 64) throw new Error('bench: wrong record count');
    })
    .add('record: deframe 1 MiB of mixed small records (16 KiB reads)', () => {
      deframe(mixedRecords, 16384);
    })
    .add('record: fragment + encode 1 MiB into 16 KiB records', () => {
      encodeRecords(fragmentContent(23, fullRecords));
    })
    .add('handshake: reassemble 1 MiB of 4 KiB messages from 16 KiB records', () => {
      const h = new HandshakeReassembler();
      for (const f of handshakeFragments) {
        h.push(f);
        while (h.next());
      }
    });
  const mixedCount = deframe(mixedRecords, 16384);
  return [
    `record/handshake tasks each process 1 MiB: MB/s = ops/s × ${(MiB / 1e6).toFixed(6)}`,
    `mixed stream: ${mixedCount} records, ${mixedRecords.length} bytes`,
  ];
}

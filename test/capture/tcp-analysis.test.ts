/**
 * TCP analysis against tshark: every segment's `tcp.analysis.*` flags, duplicate ACK number and
 * frame, ACKed frame, ACK RTT, initial RTT and stream number equal tshark's, on the captures of
 * vectors/tcp-analysis/ (loss, reordering, duplication, zero window, keep-alive, reused ports,
 * segments the capture missed, zero window probes) and on the earlier real captures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePacket, readCapture } from '../../src/capture/decode.js';
import { analyzeTcp, TCP_ANALYSIS_FLAGS, type TcpSegmentAnalysis } from '../../src/capture/tcp-analysis.js';
import { fieldsArgs, parseTsv, SKIP_TSHARK, tsharkOutput } from '../support/tshark.js';

const ROOT = new URL('../../vectors/', import.meta.url).pathname;

/** Capture, and the flags it must contain (so a re-recording that loses them is noticed). */
const CASES: [file: string, must: string[]][] = [
  ['tcp-analysis/loss.pcap', ['fast_retransmission', 'out_of_order', 'lost_segment', 'duplicate_ack', 'window_update']],
  ['tcp-analysis/reorder.pcap', ['spurious_retransmission', 'out_of_order', 'duplicate_ack']],
  ['tcp-analysis/duplicate.pcap', ['spurious_retransmission', 'retransmission', 'duplicate_ack']],
  ['tcp-analysis/mixed.pcap', ['retransmission', 'fast_retransmission', 'keep_alive', 'keep_alive_ack']],
  ['tcp-analysis/zerowin.pcap', ['zero_window', 'window_full', 'window_update', 'keep_alive']],
  ['tcp-analysis/keepalive.pcap', ['keep_alive', 'keep_alive_ack']],
  ['tcp-analysis/reuse.pcap', ['reused_ports']],
  ['tcp-analysis/unseen.pcap', ['ack_lost_segment', 'lost_segment']],
  ['tcp-analysis/zero-window.pcap', ['zero_window_probe', 'zero_window_probe_ack', 'zero_window', 'window_update']],
  ['tcp/bulk.pcap', []],
  ['tcp/client-close.pcap', []],
  ['decrypt/openssl-tls13-resume.pcap', []],
  ['decrypt/gnutls.pcap', []],
  // Header-only captures: the analysis uses each segment's on-the-wire length, as tshark does.
  ['capture/header-96.pcap', []],
  ['capture/header-54.pcap', []],
];

const FIELDS = [
  'frame.number',
  'tcp.stream',
  ...TCP_ANALYSIS_FLAGS.map((f) => `tcp.analysis.${f}`),
  'tcp.analysis.duplicate_ack_num',
  'tcp.analysis.duplicate_ack_frame',
  'tcp.analysis.acks_frame',
  'tcp.analysis.ack_rtt',
  'tcp.analysis.initial_rtt',
] as const;

/** Nanoseconds as tshark prints a relative time (`0.034465000`). */
function seconds(ns: bigint | undefined): string {
  return ns === undefined ? '' : `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}

/** Our analysis as tshark's row (a flag field present is printed as non-empty). */
function row(a: TcpSegmentAnalysis): Record<string, string> {
  const r: Record<string, string> = { 'frame.number': String(a.frame), 'tcp.stream': String(a.stream) };
  for (const f of TCP_ANALYSIS_FLAGS) r[`tcp.analysis.${f}`] = a.flags.includes(f) ? 'set' : '';
  r['tcp.analysis.duplicate_ack_num'] = a.duplicateAckNumber?.toString() ?? '';
  r['tcp.analysis.duplicate_ack_frame'] = a.duplicateAckFrame?.toString() ?? '';
  r['tcp.analysis.acks_frame'] = a.acksFrame?.toString() ?? '';
  r['tcp.analysis.ack_rtt'] = seconds(a.ackRtt);
  r['tcp.analysis.initial_rtt'] = seconds(a.initialRtt);
  return r;
}

describe.skipIf(SKIP_TSHARK)('TCP analysis equals tshark', () => {
  it.each(CASES)('%s', (file, must) => {
    const path = ROOT + file;
    const theirs = parseTsv(tsharkOutput(['-r', path, '-Y', 'tcp', ...fieldsArgs(FIELDS)])).map((t) => {
      for (const f of TCP_ANALYSIS_FLAGS) if (t[`tcp.analysis.${f}`]) t[`tcp.analysis.${f}`] = 'set';
      return t;
    });
    const ours = analyzeTcp([...readCapture(readFileSync(path))].map(decodePacket)).map(row);
    expect(ours.length).toBe(theirs.length);
    for (let i = 0; i < ours.length; i++) expect(ours[i], `frame ${ours[i]!['frame.number']}`).toEqual(theirs[i]);
    const seen = new Set(ours.flatMap((r) => TCP_ANALYSIS_FLAGS.filter((f) => r[`tcp.analysis.${f}`])));
    for (const f of must) expect(seen, f).toContain(f);
  });
});

describe('TCP analysis rules', () => {
  it('reports nothing but RTTs on a clean exchange, and the handshake RTT from SYN to ACK', () => {
    const path = `${ROOT}tcp-analysis/zero-window.pcap`;
    const a = analyzeTcp([...readCapture(readFileSync(path))].map(decodePacket));
    // Frames 1–3: SYN, SYN-ACK (acks 1 after 10 ms), ACK (acks 2; initial RTT 20 ms).
    expect(a.slice(0, 3)).toEqual([
      { frame: 1, stream: 0, flags: [] },
      { frame: 2, stream: 0, flags: [], acksFrame: 1, ackRtt: 10_000_000n },
      { frame: 3, stream: 0, flags: [], acksFrame: 2, ackRtt: 10_000_000n, initialRtt: 20_000_000n },
    ]);
    expect(a[5]!.flags).toEqual(['zero_window_probe']);
    expect(a[6]!.flags).toEqual(['zero_window', 'zero_window_probe_ack']);
    expect(a[12]).toMatchObject({ flags: ['duplicate_ack'], duplicateAckNumber: 1, duplicateAckFrame: 12 });
  });
});

/**
 * `tlswire pcap` on real kernel TCP captures (vectors/tcp/, see vectors/README.md): every text line
 * and every JSON object must carry tshark's values for the same frame: ports, raw and relative
 * sequence and acknowledgment numbers, flags, raw and calculated window, length, options, checksum
 * status. tshark runs in the test (relative numbers and the calculated window are not in the
 * committed .tsv files); without tshark these tests are skipped, except in CI where they fail.
 */
import { describe, expect, it } from 'vitest';
import { pcapCommand } from '../../src/cli/pcap.js';
import { SKIP_TSHARK } from '../support/tshark.js';
import { capture, tsharkFields, VECTORS } from './helpers.js';

const FILES = ['client-close.pcap', 'rst.pcap', 'ipv6.pcap', 'client-close.pcapng', 'ipv6.nano.pcapng', 'sack.pcap'];

const FIELDS = [
  'frame.number',
  'frame.time_relative',
  'frame.time_epoch',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq',
  'tcp.seq_raw',
  'tcp.ack',
  'tcp.ack_raw',
  'tcp.flags',
  'tcp.flags.ack',
  'tcp.hdr_len',
  'tcp.window_size_value',
  'tcp.window_size',
  'tcp.window_size_scalefactor',
  'tcp.checksum',
  'tcp.checksum.status',
  'tcp.urgent_pointer',
  'tcp.len',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
  'tcp.options.sack_le',
  'tcp.options.sack_re',
  '_ws.col.Info',
];

function expected(file: string) {
  // HTTP off, so that every Info column is TCP's summary; checksums checked, as in the committed .tsv.
  return tsharkFields(`${VECTORS}tcp/${file}`, FIELDS, ['--disable-protocol', 'http', '-o', 'tcp.check_checksum:TRUE']);
}

/** tshark's Info without its analysis labels (`[TCP Retransmission] `) and the `sport → dport ` prefix. */
function tsharkSummary(info: string, sport: string, dport: string): string {
  const bare = info.replace(/^(\[TCP [^\]]*\] )+/, '').replace(' [TCP CHECKSUM INCORRECT]', '');
  const prefix = `${sport} → ${dport} `;
  expect(bare.startsWith(prefix)).toBe(true);
  return bare.slice(prefix.length);
}

const LINE = /^ *(\d+) {2}(\d+\.\d{9}) {2}(\S+):(\d+) → (\S+):(\d+) {2}(.*) {2}\(raw ([^)]*)\)(?: {2}(\[.*\]))?$/;

/** tshark's analysis labels at the start of Info (`[TCP Retransmission] [TCP Dup ACK 5#1]`), as one string. */
function tsharkLabels(info: string): string | undefined {
  return /^((?:\[TCP [^\]]*\] ?)+)/.exec(info)?.[1]?.trim();
}

describe.skipIf(SKIP_TSHARK)('tlswire pcap: segment lines agree with tshark', () => {
  for (const file of FILES) {
    it(file, () => {
      const rows = expected(file);
      const io = capture();
      expect(pcapCommand([`${VECTORS}tcp/${file}`, '--tcp'], io)).toBe(0);
      expect(io.stderr).toEqual([]);
      expect(io.stdout).toHaveLength(rows.length);
      rows.forEach((t, i) => {
        const m = LINE.exec(io.stdout[i]!);
        expect(m, io.stdout[i]).not.toBeNull();
        const [, frame, time, src, sport, dst, dport, summary, raw, labels] = m!;
        expect(labels).toBe(tsharkLabels(t['_ws.col.Info']!));
        expect(frame).toBe(t['frame.number']);
        expect(time).toBe(t['frame.time_relative']);
        const v6 = t['ipv6.src'] !== '';
        expect(src).toBe(v6 ? `[${t['ipv6.src']}]` : t['ip.src']);
        expect(dst).toBe(v6 ? `[${t['ipv6.dst']}]` : t['ip.dst']);
        expect(sport).toBe(t['tcp.srcport']);
        expect(dport).toBe(t['tcp.dstport']);
        expect(summary).toBe(tsharkSummary(t['_ws.col.Info']!, t['tcp.srcport']!, t['tcp.dstport']!));
        const rawParts = [`seq=${t['tcp.seq_raw']}`];
        if (t['tcp.flags.ack'] === '1') rawParts.push(`ack=${t['tcp.ack_raw']}`);
        rawParts.push(`win=${t['tcp.window_size_value']}`);
        expect(raw).toBe(rawParts.join(' '));
      });
    });
  }

  it('marks bad checksums with --checksums exactly where tshark finds them bad', () => {
    const rows = expected('rst.pcap');
    const io = capture();
    expect(pcapCommand([`${VECTORS}tcp/rst.pcap`, '--tcp', '--checksums'], io)).toBe(0);
    rows.forEach((t, i) => {
      const bad = t['tcp.checksum.status'] === '0';
      expect(io.stdout[i]!.includes(`[bad checksum ${t['tcp.checksum']}, should be 0x`)).toBe(bad);
    });
    // The RST/ACK to a closed port is built without offload: the one good checksum of the file.
    expect(rows.map((t) => t['tcp.checksum.status'])).toEqual(['0', '0', '0', '0', '0', '0', '0', '1']);
  });
});

function num(s: string | undefined): number {
  return Number(s);
}

function list(s: string | undefined): number[] {
  return s ? s.split(',').map(Number) : [];
}

describe.skipIf(SKIP_TSHARK)('tlswire pcap --json: one object per segment with tshark values', () => {
  for (const file of FILES) {
    it(file, () => {
      const rows = expected(file);
      const io = capture();
      expect(pcapCommand([`${VECTORS}tcp/${file}`, '--json', '--tcp'], io)).toBe(0);
      const objs = io.stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(objs).toHaveLength(rows.length);
      rows.forEach((t, i) => {
        const o = objs[i]!;
        const v6 = t['ipv6.src'] !== '';
        const ackSet = t['tcp.flags.ack'] === '1';
        const opts = o.options as Record<string, unknown>[];
        const pick = (kind: string) => opts.find((x) => x.kind === kind);
        const sack = pick('sack') as { blocks: { left: number; right: number; leftRelative: number }[] } | undefined;
        const ts = pick('timestamps');
        const factor = t['tcp.window_size_scalefactor'];
        expect({
          type: o.type,
          frame: o.frame,
          timestamp: o.timestamp,
          timeRelative: o.timeRelative,
          ipVersion: o.ipVersion,
          src: o.src,
          dst: o.dst,
          srcPort: o.srcPort,
          dstPort: o.dstPort,
          seq: o.seq,
          seqRelative: o.seqRelative,
          ack: o.ack,
          ackRelative: o.ackRelative,
          flagBits: o.flagBits,
          headerLength: o.headerLength,
          window: o.window,
          windowScaled: o.windowScaled,
          windowScaleFactor: o.windowScaleFactor,
          checksum: o.checksum,
          checksumValid: o.checksumValid,
          urgentPointer: o.urgentPointer,
          payloadLength: o.payloadLength,
          mss: pick('mss')?.mss,
          wscale: pick('wscale')?.shift,
          tsval: ts?.tsval,
          tsecr: ts?.tsecr,
          sackLeftRelative: sack?.blocks.map((b) => b.leftRelative) ?? [],
        }).toEqual({
          type: 'tcp',
          frame: num(t['frame.number']),
          timestamp: t['frame.time_epoch'],
          timeRelative: t['frame.time_relative'],
          ipVersion: v6 ? 6 : 4,
          src: v6 ? t['ipv6.src'] : t['ip.src'],
          dst: v6 ? t['ipv6.dst'] : t['ip.dst'],
          srcPort: num(t['tcp.srcport']),
          dstPort: num(t['tcp.dstport']),
          seq: num(t['tcp.seq_raw']),
          seqRelative: num(t['tcp.seq']),
          ack: num(t['tcp.ack_raw']),
          ackRelative: ackSet ? num(t['tcp.ack']) : null,
          flagBits: t['tcp.flags'],
          headerLength: num(t['tcp.hdr_len']),
          window: num(t['tcp.window_size_value']),
          windowScaled: num(t['tcp.window_size']),
          // tshark: the multiplier; -1 unknown, -2 no scaling; empty on a SYN.
          windowScaleFactor: factor === '' || factor === '-1' ? null : factor === '-2' ? 1 : num(factor),
          checksum: t['tcp.checksum'],
          checksumValid: t['tcp.checksum.status'] === '1',
          urgentPointer: num(t['tcp.urgent_pointer']),
          payloadLength: num(t['tcp.len']),
          mss: t['tcp.options.mss_val'] ? num(t['tcp.options.mss_val']) : undefined,
          wscale: t['tcp.options.wscale.shift'] ? num(t['tcp.options.wscale.shift']) : undefined,
          tsval: t['tcp.options.timestamp.tsval'] ? num(t['tcp.options.timestamp.tsval']) : undefined,
          tsecr: t['tcp.options.timestamp.tsecr'] ? num(t['tcp.options.timestamp.tsecr']) : undefined,
          sackLeftRelative: list(t['tcp.options.sack_le']),
        });
      });
    });
  }
});

describe('IPv4 fragments in the segment list (vectors/capture/fragments.pcap)', () => {
  it('the segment a datagram completes is shown at its last fragment with its whole length, as tshark does', () => {
    const io = capture();
    expect(pcapCommand([`${VECTORS}capture/fragments.pcap`], io)).toBe(0);
    const line = (frame: number) => io.stdout.find((l) => l.startsWith(`${String(frame).padStart(5)} `))!;
    // tshark: frames 12, 13 "Fragmented IP protocol", 14 the reassembled segment (1448 bytes), 15 its ACK.
    expect(line(12)).toContain('no TCP segment (fragment)');
    expect(line(13)).toContain('no TCP segment (fragment)');
    expect(line(14)).toMatch(/10\.94\.0\.1:60662 → 10\.95\.0\.2:44307 {2}\[ACK\] Seq=1 Ack=1 Win=64512 Len=1448 /);
    expect(line(15)).not.toContain('ACKed unseen');
    expect(line(20)).not.toContain('Previous segment not captured');
  });
});

#!/usr/bin/env node
/**
 * Build vectors/tcp/segments.json: real TCP segments from the loopback captures in vectors/tcp/ with
 * tshark's reading of every header field and option, for test/tcp/segment.test.ts.
 *
 * Usage: node scripts/tcp-segment-fixture.mjs [--check]   (needs tshark; reads only committed pcaps;
 *        --check compares with the committed file instead of writing it, exit status 1 if it differs)
 *
 * For each selected frame, tshark (`-T json -x --no-duplicate-keys`, absolute sequence numbers,
 * checksum checking on) gives the frame bytes and the TCP layer's offset; the segment is the
 * `tcp.hdr_len + tcp.len` bytes from there. The IP addresses are tshark's raw `ip.src`/`ipv6.src`
 * bytes. Every value in the fixture is tshark's, converted to numbers; nothing comes from tlswire.
 * Frames injected by scripts/tcp-sack-traffic.py (tshark: "previous segment not captured") are left
 * out: only the kernel's segments are vectors.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'vectors/tcp');

/** [pcap, display filter selecting the frames]. */
const SOURCES = [
  ['client-close.pcap', 'tcp'],
  ['server-close.pcap', 'tcp'],
  ['rst.pcap', 'tcp'],
  ['ipv6.pcap', 'tcp'],
  ['bulk.pcap', 'frame.number <= 8 || tcp.flags.fin == 1'],
  ['sack.pcap', 'tcp && !tcp.analysis.lost_segment'],
];

/** Every leaf of tshark's JSON tree as [key, value] pairs, in document order (arrays flattened). */
function leaves(node, out = []) {
  for (const [key, value] of Object.entries(node)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) leaves(value, out);
    else if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'object' && !Array.isArray(value[0])) {
      for (const v of value) leaves(v, out);
    } else if (key.endsWith('_raw') && Array.isArray(value) && Array.isArray(value[0])) {
      for (const v of value) out.push([key, v]);
    } else if (Array.isArray(value) && !key.endsWith('_raw')) {
      for (const v of value) out.push([key, v]);
    } else out.push([key, value]);
  }
  return out;
}

function one(fields, key) {
  const v = fields.filter(([k]) => k === key).map(([, v]) => v);
  if (v.length > 1) throw new Error(`${key} appears ${v.length} times`);
  return v[0];
}

function all(fields, key) {
  return fields.filter(([k]) => k === key).map(([, v]) => v);
}

const num = (s) => (s === undefined ? undefined : Number(s));

const segments = [];
for (const [file, filter] of SOURCES) {
  const json = execFileSync(
    'tshark',
    [
      '-r',
      join(dir, file),
      '-T',
      'json',
      '-x',
      '--no-duplicate-keys',
      '-o',
      'tcp.relative_sequence_numbers:FALSE',
      '-o',
      'tcp.check_checksum:TRUE',
      '-Y',
      filter,
    ],
    { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] },
  ).toString();
  for (const packet of JSON.parse(json)) {
    const layers = packet._source.layers;
    const frame = layers.frame_raw[0];
    const tcpOffset = layers.tcp_raw[1];
    const tcp = leaves(layers.tcp);
    const v6 = layers.ipv6 !== undefined;
    const ip = leaves(v6 ? layers.ipv6 : layers.ip);
    const hdrLen = num(one(tcp, 'tcp.hdr_len'));
    const len = num(one(tcp, 'tcp.len'));
    const kinds = all(tcp, 'tcp.option_kind_raw')
      .map((raw) => [raw[1], Number.parseInt(raw[0], 16)])
      .sort((a, b) => a[0] - b[0])
      .map(([, kind]) => kind);
    const bit = (name) => num(one(tcp, `tcp.flags.${name}`));
    segments.push({
      file,
      frame: num(one(leaves(layers.frame), 'frame.number')),
      ipVersion: v6 ? 6 : 4,
      src: one(ip, v6 ? 'ipv6.src_raw' : 'ip.src_raw')[0],
      dst: one(ip, v6 ? 'ipv6.dst_raw' : 'ip.dst_raw')[0],
      segment: frame.slice(tcpOffset * 2, (tcpOffset + hdrLen + len) * 2),
      tshark: {
        srcport: num(one(tcp, 'tcp.srcport')),
        dstport: num(one(tcp, 'tcp.dstport')),
        seq_raw: num(one(tcp, 'tcp.seq_raw')),
        ack_raw: num(one(tcp, 'tcp.ack_raw')),
        nxtseq: num(one(tcp, 'tcp.nxtseq')),
        hdr_len: hdrLen,
        flags: Number.parseInt(one(tcp, 'tcp.flags'), 16),
        flag_bits: {
          res: bit('res'),
          ae: bit('ae'),
          cwr: bit('cwr'),
          ece: bit('ece'),
          urg: bit('urg'),
          ack: bit('ack'),
          push: bit('push'),
          reset: bit('reset'),
          syn: bit('syn'),
          fin: bit('fin'),
        },
        window_size_value: num(one(tcp, 'tcp.window_size_value')),
        checksum: Number.parseInt(one(tcp, 'tcp.checksum'), 16),
        checksum_status: num(one(tcp, 'tcp.checksum.status')),
        checksum_calculated: one(tcp, 'tcp.checksum_calculated')
          ? Number.parseInt(one(tcp, 'tcp.checksum_calculated'), 16)
          : Number.parseInt(one(tcp, 'tcp.checksum'), 16),
        urgent_pointer: num(one(tcp, 'tcp.urgent_pointer')),
        len,
        options: (one(tcp, 'tcp.options') ?? '').replaceAll(':', ''),
        option_kinds: kinds,
        mss_val: num(one(tcp, 'tcp.options.mss_val')),
        wscale_shift: num(one(tcp, 'tcp.options.wscale.shift')),
        sack_perm: one(tcp, 'tcp.options.sack_perm') !== undefined,
        tsval: num(one(tcp, 'tcp.options.timestamp.tsval')),
        tsecr: num(one(tcp, 'tcp.options.timestamp.tsecr')),
        sack_le: all(tcp, 'tcp.options.sack_le').map(Number),
        sack_re: all(tcp, 'tcp.options.sack_re').map(Number),
      },
    });
  }
}

const file = join(dir, 'segments.json');
if (process.argv.includes('--check')) {
  // Compare the segments only: the tshark version line may differ between machines.
  const committed = JSON.parse(readFileSync(file, 'utf8')).segments;
  if (JSON.stringify(committed) !== JSON.stringify(segments)) {
    console.error('vectors/tcp/segments.json differs from what tshark says now');
    process.exit(1);
  }
  console.log(`vectors/tcp/segments.json: ${segments.length} segments, as tshark says`);
} else {
  const tsharkVersion = execFileSync('tshark', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .split('\n')[0];
  const out = { generator: 'scripts/tcp-segment-fixture.mjs', tshark: tsharkVersion, segments };
  writeFileSync(file, `${JSON.stringify(out, null, 1)}\n`);
  console.log(`vectors/tcp/segments.json: ${segments.length} segments`);
}

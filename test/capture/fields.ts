/**
 * Our decoding of a packet, printed the way tshark prints the fields of vectors/tcp/*.tsv, so that
 * a test compares our view with tshark's cell by cell.
 */
import { toHex } from '../../src/bytes/hex.js';
import type { DecodedPacket } from '../../src/capture/decode.js';
import { formatIpAddress } from '../../src/capture/ip.js';
import { formatEpoch } from '../../src/capture/packet.js';
import { verifyTcpChecksum } from '../../src/tcp/checksum.js';
import type { TsharkRow } from './helpers.js';

const hex4 = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;

/** The tshark fields of one decoded packet; `stream` is the index of its connection. */
export function ourFields(d: DecodedPacket, stream: number | undefined): TsharkRow {
  const p = d.packet;
  const row: TsharkRow = {
    'frame.number': String(p.frame),
    'frame.time_epoch': formatEpoch(p.timestamp),
    'frame.len': String(p.originalLength),
    'frame.cap_len': String(p.data.length),
  };
  const ip = d.ip;
  const v4 = ip?.version === 4 ? ip : undefined;
  const v6 = ip?.version === 6 ? ip : undefined;
  row['ip.src'] = v4 ? formatIpAddress(v4.src) : '';
  row['ip.dst'] = v4 ? formatIpAddress(v4.dst) : '';
  row['ip.hdr_len'] = v4 ? String(v4.headerLength) : '';
  row['ip.len'] = v4 ? String(v4.totalLength) : '';
  row['ip.id'] = v4 ? hex4(v4.id) : '';
  row['ip.flags.df'] = v4 ? (v4.df ? '1' : '0') : '';
  row['ip.flags.mf'] = v4 ? (v4.mf ? '1' : '0') : '';
  // tshark 4 prints the field's value, in 8-byte units
  row['ip.frag_offset'] = v4 ? String(v4.fragmentOffset / 8) : '';
  row['ip.ttl'] = v4 ? String(v4.ttl) : '';
  row['ip.proto'] = v4 ? String(v4.protocol) : '';
  row['ipv6.src'] = v6 ? formatIpAddress(v6.src) : '';
  row['ipv6.dst'] = v6 ? formatIpAddress(v6.dst) : '';
  row['ipv6.plen'] = v6 ? String(v6.payloadLength) : '';
  row['ipv6.nxt'] = v6 ? String(v6.nextHeader) : '';
  row['ipv6.hlim'] = v6 ? String(v6.hopLimit) : '';
  const t = d.tcp;
  if (!t || !ip) return row;
  const headerLength = t.dataOffset * 4;
  const optionArea = ip.payload.subarray(20, headerLength);
  const cut = d.truncation;
  // tshark: a segment cut short cannot be verified (status 2); its option area shows as <MISSING>
  // when none of it was captured, and tcp.len is the length on the wire.
  const status = cut ? '2' : verifyTcpChecksum(ip.payload, { src: ip.src, dst: ip.dst }) ? '1' : '0';
  const find = <K extends string>(kind: K) => t.options.filter((o) => o.kind === kind);
  const mss = t.options.flatMap((o) => (o.kind === 'mss' ? [String(o.mss)] : []));
  const ws = t.options.flatMap((o) => (o.kind === 'wscale' ? [String(o.shift)] : []));
  const ts = t.options.flatMap((o) => (o.kind === 'timestamps' ? [o] : []));
  const sack = t.options.flatMap((o) => (o.kind === 'sack' ? o.blocks : []));
  Object.assign(row, {
    'tcp.srcport': String(t.srcPort),
    'tcp.dstport': String(t.dstPort),
    'tcp.seq_raw': String(t.seq),
    'tcp.ack_raw': String(t.ack),
    'tcp.hdr_len': String(headerLength),
    'tcp.flags': hex4(t.flags | (t.reserved << 9)),
    'tcp.window_size_value': String(t.window),
    'tcp.checksum': hex4(t.checksum),
    'tcp.checksum.status': status,
    'tcp.urgent_pointer': String(t.urgentPointer),
    'tcp.len': String(cut ? cut.length : t.payload.length),
    'tcp.options': cut?.optionsMissing ? '<MISSING>' : toHex(optionArea),
    'tcp.options.mss_val': mss.join(','),
    'tcp.options.wscale.shift': ws.join(','),
    'tcp.options.sack_perm': find('sackPermitted')
      .map(() => '0402')
      .join(','),
    'tcp.options.timestamp.tsval': ts.map((o) => String(o.tsval)).join(','),
    'tcp.options.timestamp.tsecr': ts.map((o) => String(o.tsecr)).join(','),
    'tcp.options.sack_le': sack.map((b) => String(b.left)).join(','),
    'tcp.options.sack_re': sack.map((b) => String(b.right)).join(','),
    'tcp.stream': stream === undefined ? '' : String(stream),
  });
  return row;
}

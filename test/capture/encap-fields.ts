/**
 * Our decoding of a packet printed as tshark prints the fields of vectors/capture/*.tsv (the list is
 * in vectors/capture/record.sh): every occurrence of a field, outermost first, joined by commas.
 */
import { toHex } from '../../src/bytes/hex.js';
import type { DecodedPacket } from '../../src/capture/decode.js';
import { formatIpAddress, type IpHeader } from '../../src/capture/ip.js';
import type { LinkFrame } from '../../src/capture/link.js';
import type { TsharkRow } from './helpers.js';

const hex = (v: number, digits: number) => `0x${v.toString(16).padStart(digits, '0')}`;
const join = <T>(xs: T[], f: (x: T) => string | undefined) => xs.flatMap((x) => f(x) ?? []).join(',');

/** EtherType after the Ethernet addresses (tshark's eth.type) of a frame decoded by `decodeLink`. */
function ethType(l: LinkFrame, data: Uint8Array): string {
  const at = l.payload.byteOffset - data.byteOffset - l.headerLength + 12;
  return hex((data[at]! << 8) | data[at + 1]!, 4);
}

/** The VLAN tags of an Ethernet frame as they are on the wire: TPID, VLAN ID, the EtherType after each. */
function vlanTags(l: LinkFrame, data: Uint8Array): { tpid: number; id: number; next: number }[] {
  const out = [];
  let at = l.payload.byteOffset - data.byteOffset - l.headerLength + 12;
  const u16 = (i: number) => (data[i]! << 8) | data[i + 1]!;
  for (let i = 0; i < l.vlans.length; i++, at += 4) out.push({ tpid: u16(at), id: l.vlans[i]!, next: u16(at + 4) });
  return out;
}

/** The fields of one decoded packet; `stream` is the index of its connection. */
export function encapFields(d: DecodedPacket, stream: number | undefined): TsharkRow {
  const p = d.packet;
  const links = [d.link, ...(d.tunnels ?? []).flatMap((t) => (t.link ? [t.link] : []))];
  const ips: IpHeader[] = [...(d.tunnels ?? []).map((t) => t.ip), ...(d.ip ? [d.ip] : [])];
  const v4 = ips.flatMap((ip) => (ip.version === 4 ? [ip] : []));
  // tshark's vlan.* are the 802.1Q (0x8100) tags; an 802.1ad (0x88a8) tag is its ieee8021ad layer.
  const tags = vlanTags(d.link, p.data);
  const gre = (d.tunnels ?? []).map((t) => t.gre);
  const ers = (d.tunnels ?? []).flatMap((t) => (t.erspan ? [t.erspan] : []));
  const t = d.tcp;
  const done = d.fragment?.status === 'complete' ? d.fragment : undefined;
  const segment = done ? done.payload : d.ip?.payload;
  const options = t && segment ? toHex(segment.subarray(20, t.dataOffset * 4)) : '';
  return {
    'frame.number': String(p.frame),
    'frame.len': String(p.originalLength),
    'frame.cap_len': String(p.data.length),
    'eth.type': links.map((l) => ethType(l, p.data)).join(','),
    'vlan.etype': join(tags, (x) => (x.tpid === 0x8100 ? hex(x.next, 4) : undefined)),
    'vlan.id': join(tags, (x) => (x.tpid === 0x8100 ? String(x.id) : undefined)),
    'pppoe.session_id': d.link.pppoe ? hex(d.link.pppoe.sessionId, 4) : '',
    'ppp.protocol': d.link.pppoe ? hex(d.link.pppoe.pppProtocol, 4) : '',
    'ip.src': join(v4, (ip) => formatIpAddress(ip.src)),
    'ip.dst': join(v4, (ip) => formatIpAddress(ip.dst)),
    'ip.hdr_len': join(v4, (ip) => String(ip.headerLength)),
    'ip.len': join(v4, (ip) => String(ip.totalLength)),
    'ip.id': join(v4, (ip) => hex(ip.id, 4)),
    'ip.flags.df': join(v4, (ip) => (ip.df ? '1' : '0')),
    'ip.flags.mf': join(v4, (ip) => (ip.mf ? '1' : '0')),
    'ip.frag_offset': join(v4, (ip) => String(ip.fragmentOffset / 8)),
    'ip.ttl': join(v4, (ip) => String(ip.ttl)),
    'ip.proto': join(v4, (ip) => String(ip.protocol)),
    'ip.fragment.count': done ? String(done.frames.length) : '',
    'ip.reassembled_in': '',
    'ip.reassembled.length': done ? String(done.payload.length) : '',
    'gre.flags_and_version': join(gre, (g) => hex(g.flagsAndVersion, 4)),
    'gre.proto': join(gre, (g) => hex(g.protocol, 4)),
    'gre.key': join(gre, (g) => (g.key === undefined ? undefined : hex(g.key, 8))),
    'gre.sequence_number': join(gre, (g) => (g.sequence === undefined ? undefined : String(g.sequence))),
    'erspan.version': join(ers, (e) => String(e.type - 1)),
    'erspan.spanid': join(ers, (e) => String(e.sessionId)),
    'erspan.direction': join(ers, (e) => (e.direction === undefined ? undefined : String(e.direction))),
    'erspan.hw': join(ers, (e) => (e.hardwareId === undefined ? undefined : String(e.hardwareId))),
    'tcp.srcport': t ? String(t.srcPort) : '',
    'tcp.dstport': t ? String(t.dstPort) : '',
    'tcp.seq_raw': t ? String(t.seq) : '',
    'tcp.ack_raw': t ? String(t.ack) : '',
    'tcp.hdr_len': t ? String(t.dataOffset * 4) : '',
    'tcp.flags': t ? hex(t.flags | (t.reserved << 9), 4) : '',
    'tcp.window_size_value': t ? String(t.window) : '',
    'tcp.checksum': t ? hex(t.checksum, 4) : '',
    'tcp.len': t ? String(t.payload.length) : '',
    'tcp.options': options,
    'tcp.stream': stream === undefined ? '' : String(stream),
  };
}

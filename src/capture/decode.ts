/**
 * From capture file to TCP segments: {@link readCapture} picks pcap or pcapng by the magic number,
 * {@link decodePacket} peels link layer, IP, GRE / ERSPAN tunnels (`tunnel.ts`) and TCP (RFC 9293
 * §3.1, via `tcp/segment.ts`); {@link PacketDecoder} also reassembles IPv4 fragments (RFC 791 §3.2,
 * `fragments.ts`).
 *
 * A packet cut short by the capture's snap length (tcpdump `-s 96`, `-s 54`) still yields every
 * header that was captured: the TCP fixed header, its options when the whole option area is there,
 * and the captured part of the payload, with {@link DecodedPacket.truncation} giving both lengths
 * (captured, and on the wire from the IP Total Length or Payload Length).
 * @module
 */
import { DecodeError } from '../bytes/errors.js';
import { Reader } from '../bytes/reader.js';
import { decodeTcpSegment, TCP_HEADER_LENGTH } from '../tcp/segment.js';
import type { TcpSegment } from '../tcp/types.js';
import { type DefragmentOptions, type FragmentOutcome, Ipv4Defragmenter } from './fragments.js';
import { decodeIpv4, decodeIpv6, type IpHeader, IpProtocol } from './ip.js';
import { decodeLink, type LinkFrame } from './link.js';
import type { CapturedPacket } from './packet.js';
import { LinkType } from './packet.js';
import { isPcap, readPcap } from './pcap.js';
import { isPcapng, readPcapng } from './pcapng.js';
import { decodeGre, type ErspanHeader, type GreHeader } from './tunnel.js';

/** IP protocol number of GRE (RFC 2784). */
const IP_PROTOCOL_GRE = 47;
/** Bound on nested tunnels in one packet (GRE in GRE …); real captures have one. */
export const MAX_TUNNELS = 4;

/**
 * Read a pcap or pcapng file (chosen by its first four bytes), lazily.
 * @throws DecodeError `value` when the file is neither; any error of {@link readPcap} / {@link readPcapng}
 */
export function readCapture(bytes: Uint8Array): Generator<CapturedPacket, void, undefined> {
  if (isPcapng(bytes)) return readPcapng(bytes);
  if (isPcap(bytes)) return readPcap(bytes);
  return new Reader(bytes, 'capture').fail('value', 'neither a pcap nor a pcapng file (unknown magic number)');
}

/**
 * Why a decoded packet carries no TCP segment: not IP; IP but not TCP; an IPv4 or IPv6 fragment (held
 * or given up, see {@link DecodedPacket.fragment}); fewer than the 20 bytes of a TCP header captured;
 * a reassembled datagram whose TCP segment is malformed ({@link DecodedPacket.error}).
 */
export type NotTcpReason = 'not-ip' | 'not-tcp' | 'fragment' | 'truncated' | 'malformed';

/** One tunnel crossed on the way to the innermost IP packet: the IP header carrying it and its headers. */
export interface TunnelLayer {
  ip: IpHeader;
  gre: GreHeader;
  /** ERSPAN type II or III header. */
  erspan?: ErspanHeader;
  /** The Ethernet frame carried (GRE-TAP, ERSPAN). */
  link?: LinkFrame;
}

/** A TCP segment whose payload (or option area) the capture cut short. */
export interface PayloadTruncation {
  /** TCP payload bytes captured (`tcp.payload.length`). */
  captured: number;
  /** TCP payload bytes on the wire: the IP layer's upper-layer length less the TCP header length. */
  length: number;
  /** The option area was not all captured: `tcp.options` is empty, `tcp.dataOffset` is the header's. */
  optionsMissing: boolean;
}

/** A captured packet with its layers decoded. */
export interface DecodedPacket {
  packet: CapturedPacket;
  /** The outermost link layer. */
  link: LinkFrame;
  /** The innermost IP header; absent when the link layer does not carry IPv4 or IPv6. */
  ip?: IpHeader;
  /** Tunnels crossed, outermost first; `ip` is the packet inside the last. */
  tunnels?: TunnelLayer[];
  /** Present when the packet carries a TCP segment (a whole one, or one cut short: see `truncation`). */
  tcp?: TcpSegment;
  /** Present when the capture cut the TCP segment short. */
  truncation?: PayloadTruncation;
  /** Why `tcp` is absent. */
  notTcp?: NotTcpReason;
  /** An IPv4 fragment given to a defragmenter: what became of it (`tcp` is the reassembled segment when complete). */
  fragment?: FragmentOutcome;
  /** Why a reassembled datagram's TCP segment did not decode (`notTcp` is `malformed`). */
  error?: DecodeError;
}

/**
 * Decode the link layer, the IP header, any GRE / ERSPAN tunnels and, when the packet carries a TCP
 * segment that is not a fragment, the segment (as much of it as was captured).
 * @throws DecodeError for a malformed link, IP, GRE, ERSPAN or TCP header, or more than {@link MAX_TUNNELS} tunnels
 */
export function decodePacket(packet: CapturedPacket): DecodedPacket {
  const link = decodeLink(packet.linkType, packet.data);
  const base = packet.data.byteOffset;
  let network: LinkFrame['network'] = link.network;
  let bytes = link.payload;
  let tunnels: TunnelLayer[] | undefined;
  for (;;) {
    if (network === 'other')
      return tunnels ? { packet, link, tunnels, notTcp: 'not-ip' } : { packet, link, notTcp: 'not-ip' };
    const ip =
      network === 'ipv4' ? decodeIpv4(bytes, bytes.byteOffset - base) : decodeIpv6(bytes, bytes.byteOffset - base);
    const at = ip.payload.byteOffset - base;
    if (ip.protocol !== IP_PROTOCOL_GRE || ip.fragment) return transport({ packet, link, ip }, ip, at, tunnels);
    tunnels ??= [];
    if (tunnels.length === MAX_TUNNELS)
      throw new DecodeError('value', `more than ${MAX_TUNNELS} nested tunnels`, 'GRE', at);
    const g = decodeGre(ip.payload, at);
    const layer: TunnelLayer = { ip, gre: g.gre };
    if (g.erspan) layer.erspan = g.erspan;
    tunnels.push(layer);
    if (g.inner === 'ethernet') {
      const inner = decodeLink(LinkType.ETHERNET, g.payload);
      layer.link = inner;
      network = inner.network;
      bytes = inner.payload;
    } else {
      network = g.inner === 'other' ? 'other' : g.inner;
      bytes = g.payload;
    }
  }
}

function transport(out: DecodedPacket, ip: IpHeader, at: number, tunnels: TunnelLayer[] | undefined): DecodedPacket {
  if (tunnels) out.tunnels = tunnels;
  if (ip.protocol !== IpProtocol.TCP) out.notTcp = 'not-tcp';
  else if (ip.fragment) out.notTcp = 'fragment';
  else if (!ip.truncated) out.tcp = decodeTcpSegment(new Reader(ip.payload, 'TcpSegment', at));
  else truncatedTcp(out, ip, at);
  return out;
}

/** The headers of a TCP segment the snap length cut short. */
function truncatedTcp(out: DecodedPacket, ip: IpHeader, at: number): void {
  const bytes = ip.payload;
  if (bytes.length < TCP_HEADER_LENGTH) {
    out.notTcp = 'truncated';
    return;
  }
  const dataOffset = bytes[12]! >> 4;
  const headerLength = dataOffset * 4;
  if (dataOffset >= 5 && headerLength > ip.upperLayerLength) {
    const detail = `data offset ${dataOffset} (${headerLength} bytes) exceeds the ${ip.upperLayerLength} byte(s) of the segment`;
    throw new DecodeError('length', detail, 'TcpSegment.dataOffset', at + 12);
  }
  let tcp: TcpSegment;
  const optionsMissing = dataOffset >= 5 && headerLength > bytes.length;
  if (!optionsMissing) tcp = decodeTcpSegment(new Reader(bytes, 'TcpSegment', at));
  else {
    // Decode the fixed header alone (as if it had no options), then put the real data offset back.
    const fixed = bytes.slice(0, TCP_HEADER_LENGTH);
    fixed[12] = (5 << 4) | (fixed[12]! & 0x0f);
    tcp = { ...decodeTcpSegment(new Reader(fixed, 'TcpSegment', at)), dataOffset };
  }
  out.tcp = tcp;
  out.truncation = { captured: tcp.payload.length, length: ip.upperLayerLength - headerLength, optionsMissing };
}

/**
 * Decodes packets one after another and reassembles IPv4 fragments: the fragment that completes a
 * datagram carries the reassembled TCP segment (as tshark shows it in the last fragment's frame).
 * @example const d = new PacketDecoder(); for (const p of readCapture(b)) use(d.decode(p))
 */
export class PacketDecoder {
  readonly fragments: Ipv4Defragmenter;

  constructor(options: DefragmentOptions = {}) {
    this.fragments = new Ipv4Defragmenter(options);
  }

  /**
   * {@link decodePacket}, then {@link reassemble}.
   * @throws DecodeError as {@link decodePacket}
   */
  decode(packet: CapturedPacket): DecodedPacket {
    return this.reassemble(decodePacket(packet));
  }

  /** Give a decoded IPv4 fragment (not yet given to a defragmenter) to this one; other packets are returned as they are. */
  reassemble(d: DecodedPacket): DecodedPacket {
    const ip = d.ip;
    if (d.fragment || ip?.version !== 4 || !ip.fragment) return d;
    const fragment = this.fragments.add(ip, d.packet.frame, d.packet.timestamp);
    if (fragment.status !== 'complete' || ip.protocol !== IpProtocol.TCP) return { ...d, fragment };
    try {
      const tcp = decodeTcpSegment(new Reader(fragment.payload, 'TcpSegment'));
      const { notTcp: _, ...rest } = d;
      return { ...rest, fragment, tcp };
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return { ...d, fragment, notTcp: 'malformed', error: e };
    }
  }
}

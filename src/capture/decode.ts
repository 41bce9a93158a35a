/**
 * From capture file to TCP segments: {@link readCapture} picks pcap or pcapng by the magic number,
 * {@link decodePacket} peels link layer, IP and TCP (RFC 9293 §3.1, via `tcp/segment.ts`).
 * @module
 */
import { Reader } from '../bytes/reader.js';
import { decodeTcpSegment } from '../tcp/segment.js';
import type { TcpSegment } from '../tcp/types.js';
import { decodeIpv4, decodeIpv6, type IpHeader, IpProtocol } from './ip.js';
import { decodeLink, type LinkFrame } from './link.js';
import type { CapturedPacket } from './packet.js';
import { isPcap, readPcap } from './pcap.js';
import { isPcapng, readPcapng } from './pcapng.js';

/**
 * Read a pcap or pcapng file (chosen by its first four bytes), lazily.
 * @throws DecodeError `value` when the file is neither; any error of {@link readPcap} / {@link readPcapng}
 */
export function readCapture(bytes: Uint8Array): Generator<CapturedPacket, void, undefined> {
  if (isPcapng(bytes)) return readPcapng(bytes);
  if (isPcap(bytes)) return readPcap(bytes);
  return new Reader(bytes, 'capture').fail('value', 'neither a pcap nor a pcapng file (unknown magic number)');
}

/** Why a decoded packet carries no TCP segment. */
export type NotTcpReason = 'not-ip' | 'not-tcp' | 'fragment' | 'truncated';

/** A captured packet with its layers decoded. */
export interface DecodedPacket {
  packet: CapturedPacket;
  link: LinkFrame;
  /** Absent when the link layer does not carry IPv4 or IPv6. */
  ip?: IpHeader;
  /** Present when the packet is a complete, unfragmented TCP segment. */
  tcp?: TcpSegment;
  /** Why `tcp` is absent. */
  notTcp?: NotTcpReason;
}

/**
 * Decode the link layer, the IP header and, when the packet carries a whole TCP segment, the segment.
 * A fragment or a packet cut short by the snap length yields no segment (`notTcp` says why).
 * @throws DecodeError for a malformed link, IP or TCP header
 */
export function decodePacket(packet: CapturedPacket): DecodedPacket {
  const link = decodeLink(packet.linkType, packet.data);
  if (link.network === 'other') return { packet, link, notTcp: 'not-ip' };
  const ip =
    link.network === 'ipv4' ? decodeIpv4(link.payload, link.headerLength) : decodeIpv6(link.payload, link.headerLength);
  if (ip.protocol !== IpProtocol.TCP) return { packet, link, ip, notTcp: 'not-tcp' };
  if (ip.fragment) return { packet, link, ip, notTcp: 'fragment' };
  if (ip.truncated) return { packet, link, ip, notTcp: 'truncated' };
  const at = ip.payload.byteOffset - packet.data.byteOffset;
  return { packet, link, ip, tcp: decodeTcpSegment(new Reader(ip.payload, 'TcpSegment', at)) };
}

/**
 * `tlswire/capture`: pcap and pcapng files (read and write), link-layer and IP headers, and TCP
 * connection tracking with stream reassembly.
 * @module
 */

export type { DecodedPacket, NotTcpReason, PayloadTruncation, TunnelLayer } from './decode.js';
export { decodePacket, MAX_TUNNELS, PacketDecoder, readCapture } from './decode.js';
export type {
  ConnectionSegment,
  Endpoint,
  FlowOptions,
  StreamChunk,
  StreamDirection,
  StreamGap,
  TcpConnection,
} from './flow.js';
export { FlowTracker, streamBytes, trackConnections } from './flow.js';
export type { DefragmentOptions, FragmentDrop, FragmentDropReason, FragmentOutcome } from './fragments.js';
export { Ipv4Defragmenter } from './fragments.js';
export type { IpHeader, Ipv4Header, Ipv6Header } from './ip.js';
export { decodeIpv4, decodeIpv6, formatIpAddress, IpProtocol } from './ip.js';
export type { LinkFrame } from './link.js';
export { decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_PPPOE_SESSION } from './link.js';
export type { CapturedPacket, PacketToWrite } from './packet.js';
export { formatEpoch, LinkType } from './packet.js';
export type { PcapHeader, PcapWriteOptions } from './pcap.js';
export {
  decodePcapHeader,
  isPcap,
  PCAP_HEADER_LENGTH,
  PCAP_MAGIC_MICRO,
  PCAP_MAGIC_NANO,
  PCAP_RECORD_HEADER_LENGTH,
  readPcap,
  writePcap,
} from './pcap.js';
export type { PcapngInterface, PcapngWriteOptions } from './pcapng.js';
export { isPcapng, PCAPNG_BYTE_ORDER_MAGIC, PcapngBlockType, readPcapng, writePcapng } from './pcapng.js';
export type { TcpAnalysisFlag, TcpSegmentAnalysis } from './tcp-analysis.js';
export { analyzeTcp, MAX_UNACKED, TCP_ANALYSIS_FLAGS, TcpAnalyzer } from './tcp-analysis.js';
export type { ErspanHeader, GreHeader, GrePacket } from './tunnel.js';
export { decodeGre, GreProtocol } from './tunnel.js';

/**
 * `tlswire/capture`: pcap and pcapng files (read and write), link-layer and IP headers, and TCP
 * connection tracking with stream reassembly.
 * @module
 */
export { type DecodedPacket, decodePacket, type NotTcpReason, readCapture } from './decode.js';
export {
  type ConnectionSegment,
  type Endpoint,
  type FlowOptions,
  FlowTracker,
  type StreamChunk,
  type StreamDirection,
  type StreamGap,
  streamBytes,
  type TcpConnection,
  trackConnections,
} from './flow.js';
export {
  decodeIpv4,
  decodeIpv6,
  formatIpAddress,
  type IpHeader,
  IpProtocol,
  type Ipv4Header,
  type Ipv6Header,
} from './ip.js';
export { decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, type LinkFrame } from './link.js';
export { type CapturedPacket, formatEpoch, LinkType, type PacketToWrite } from './packet.js';
export {
  decodePcapHeader,
  isPcap,
  PCAP_HEADER_LENGTH,
  PCAP_MAGIC_MICRO,
  PCAP_MAGIC_NANO,
  PCAP_RECORD_HEADER_LENGTH,
  type PcapHeader,
  type PcapWriteOptions,
  readPcap,
  writePcap,
} from './pcap.js';
export {
  isPcapng,
  PCAPNG_BYTE_ORDER_MAGIC,
  PcapngBlockType,
  type PcapngInterface,
  type PcapngWriteOptions,
  readPcapng,
  writePcapng,
} from './pcapng.js';

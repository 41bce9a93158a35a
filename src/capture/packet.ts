/**
 * The packet record every capture reader yields and every capture writer takes, and the link-layer
 * type registry (the LINKTYPE_* values of draft-ietf-opsawg-pcaplinktype, shared by pcap and pcapng).
 * @module
 */

/** LINKTYPE_* values tlswire understands (draft-ietf-opsawg-pcaplinktype §2.2). Other values are kept as numbers. */
export const LinkType = {
  /** BSD loopback: a 4-byte address family in the capturing host's byte order. */
  NULL: 0,
  /** IEEE 802.3 Ethernet (DLT_EN10MB). */
  ETHERNET: 1,
  /** Raw IP: the packet starts with an IPv4 or IPv6 header (DLT_RAW on most platforms). */
  RAW: 101,
  /** OpenBSD loopback: a 4-byte address family in network byte order. */
  LOOP: 108,
  /** Linux "cooked" capture, version 1 (16-byte header). */
  LINUX_SLL: 113,
  /** Raw IPv4. */
  IPV4: 228,
  /** Raw IPv6. */
  IPV6: 229,
  /** Linux "cooked" capture, version 2 (20-byte header). */
  LINUX_SLL2: 276,
} as const;

/** One captured packet, as read from a pcap or pcapng file. */
export interface CapturedPacket {
  /** Frame number within the file, counting from 1 (as tshark's `frame.number`). */
  frame: number;
  /** Capture time in nanoseconds since 1970-01-01T00:00:00Z (exact for µs and ns resolutions). */
  timestamp: bigint;
  /** LINKTYPE_* of the interface, see {@link LinkType}. */
  linkType: number;
  /** Length of the packet on the wire; `data` may be shorter (snap length). */
  originalLength: number;
  /** The captured bytes (a view of the file's bytes). */
  data: Uint8Array;
  /** `data.length < originalLength`: the capture cut the packet short. */
  truncated: boolean;
  /** pcapng interface index within its section (0 for pcap). */
  interfaceId: number;
  /** pcapng section index, counting from 0 (0 for pcap). */
  section: number;
}

/** What a writer needs of a packet: the link type, the time, the bytes and (optionally) the original length. */
export type PacketToWrite = Pick<CapturedPacket, 'linkType' | 'timestamp' | 'data'> & { originalLength?: number };

/** Seconds and the fraction below them, in units of `1 / unitsPerSecond`, of a nanosecond timestamp. */
export function splitTimestamp(ns: bigint, unitsPerSecond: bigint): { seconds: bigint; fraction: bigint } {
  const seconds = ns / 1_000_000_000n;
  const fraction = ((ns % 1_000_000_000n) * unitsPerSecond) / 1_000_000_000n;
  return { seconds, fraction };
}

/** A nanosecond timestamp as tshark prints `frame.time_epoch` (`1700000000.123456789`). */
export function formatEpoch(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  const f = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${s}.${f}`;
}

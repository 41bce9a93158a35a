/**
 * IPv4 (RFC 791 §3.1) and IPv6 (RFC 8200 §3, §4) headers, decoded far enough to reach the
 * upper-layer payload: IPv4 options are skipped by IHL and the payload is cut to Total Length (which
 * drops Ethernet padding); IPv6 extension headers (hop-by-hop, routing, fragment, destination options)
 * are walked. Fragments are flagged, not reassembled. Header checksums are not verified.
 * @module
 */
import { Reader } from '../bytes/reader.js';

/** IANA protocol numbers used here. */
export const IpProtocol = {
  HOP_BY_HOP: 0,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  NO_NEXT_HEADER: 59,
  DESTINATION_OPTIONS: 60,
} as const;

/** A decoded IPv4 header (RFC 791 §3.1). */
export interface Ipv4Header {
  version: 4;
  /** Header length in bytes (IHL × 4). */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  /** Don't Fragment. */
  df: boolean;
  /** More Fragments. */
  mf: boolean;
  /** Fragment offset in bytes (the field × 8). */
  fragmentOffset: number;
  ttl: number;
  /** Upper-layer protocol. */
  protocol: number;
  checksum: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** Part of a fragmented datagram (MF set or a non-zero offset). */
  fragment: boolean;
  /** The captured bytes ended before Total Length. */
  truncated: boolean;
  /** Upper-layer bytes on the wire: Total Length − header length (`payload` is shorter when truncated). */
  upperLayerLength: number;
  /** The upper-layer bytes (a view), at most Total Length − header length. */
  payload: Uint8Array;
}

/** A decoded IPv6 header and its extension-header chain (RFC 8200 §3, §4). */
export interface Ipv6Header {
  version: 6;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  /** Next Header of the fixed header. */
  nextHeader: number;
  hopLimit: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** Extension header types walked, in order. */
  extensions: number[];
  /** The upper-layer protocol after the extension headers. */
  protocol: number;
  /** A Fragment header was present (the payload is one fragment, not reassembled). */
  fragment: boolean;
  truncated: boolean;
  /** Upper-layer bytes on the wire: Payload Length less the extension headers walked. */
  upperLayerLength: number;
  /** The upper-layer bytes (a view). */
  payload: Uint8Array;
}

/** Either IP header. */
export type IpHeader = Ipv4Header | Ipv6Header;

/**
 * Decode an IPv4 header and locate its payload (RFC 791 §3.1).
 * @throws DecodeError `value` for a version other than 4 or an IHL under 5; `length` for a Total
 * Length below the header length; `truncated` when the header is cut short
 */
export function decodeIpv4(bytes: Uint8Array, baseOffset = 0): Ipv4Header {
  const r = new Reader(bytes, 'IPv4', baseOffset);
  const b0 = r.u8('version');
  if (b0 >> 4 !== 4) r.fail('value', `version ${b0 >> 4} is not 4`, 'version', r.offset - 1);
  const ihl = b0 & 0x0f;
  if (ihl < 5) r.fail('value', `IHL ${ihl} is below 5`, 'ihl', r.offset - 1);
  const tos = r.u8('tos');
  const totalLength = r.u16('totalLength');
  const id = r.u16('id');
  const frag = r.u16('fragment');
  const ttl = r.u8('ttl');
  const protocol = r.u8('protocol');
  const checksum = r.u16('checksum');
  const src = r.bytes(4, 'src');
  const dst = r.bytes(4, 'dst');
  const headerLength = ihl * 4;
  r.skip(headerLength - 20, 'options');
  if (totalLength < headerLength) {
    r.fail('length', `total length ${totalLength} is below the header length ${headerLength}`, 'totalLength');
  }
  const available = r.remaining;
  const payloadLength = Math.min(totalLength - headerLength, available);
  const mf = (frag & 0x2000) !== 0;
  const fragmentOffset = (frag & 0x1fff) * 8;
  return {
    version: 4,
    headerLength,
    tos,
    totalLength,
    id,
    df: (frag & 0x4000) !== 0,
    mf,
    fragmentOffset,
    ttl,
    protocol,
    checksum,
    src,
    dst,
    fragment: mf || fragmentOffset !== 0,
    truncated: available < totalLength - headerLength,
    upperLayerLength: totalLength - headerLength,
    payload: r.bytes(payloadLength),
  };
}

/**
 * Decode an IPv6 header, walk its extension headers (RFC 8200 §4: hop-by-hop 0, routing 43,
 * fragment 44, destination options 60) and locate the upper-layer payload. A non-first fragment stops
 * the walk (its payload is not the start of an upper-layer header).
 * @throws DecodeError `value` for a version other than 6; `truncated` when a header is cut short;
 * `length` for an extension header longer than the payload
 */
export function decodeIpv6(bytes: Uint8Array, baseOffset = 0): Ipv6Header {
  const r = new Reader(bytes, 'IPv6', baseOffset);
  const w0 = r.u32('version');
  if (w0 >>> 28 !== 6) r.fail('value', `version ${w0 >>> 28} is not 6`, 'version', r.offset - 4);
  const payloadLength = r.u16('payloadLength');
  const nextHeader = r.u8('nextHeader');
  const hopLimit = r.u8('hopLimit');
  const src = r.bytes(16, 'src');
  const dst = r.bytes(16, 'dst');
  const available = r.remaining;
  const truncated = available < payloadLength;
  const p = new Reader(r.bytes(Math.min(payloadLength, available)), 'IPv6.payload', baseOffset + 40);
  const extensions: number[] = [];
  let protocol = nextHeader;
  let fragment = false;
  for (;;) {
    if (
      protocol !== IpProtocol.HOP_BY_HOP &&
      protocol !== IpProtocol.ROUTING &&
      protocol !== IpProtocol.DESTINATION_OPTIONS &&
      protocol !== IpProtocol.FRAGMENT
    ) {
      break;
    }
    const type = protocol;
    extensions.push(type);
    const field = `extension[${extensions.length - 1}]`;
    protocol = p.u8(field);
    if (type === IpProtocol.FRAGMENT) {
      p.skip(1, field);
      const off = p.u16(field);
      p.skip(4, field);
      fragment = true;
      if (off >> 3 !== 0) break;
    } else {
      const length = (p.u8(field) + 1) * 8 - 2;
      if (length > p.remaining && !truncated) {
        p.fail('length', `extension header of ${length + 2} bytes exceeds the payload`, field);
      }
      p.skip(length, field);
    }
  }
  return {
    version: 6,
    trafficClass: (w0 >>> 20) & 0xff,
    flowLabel: w0 & 0xfffff,
    payloadLength,
    nextHeader,
    hopLimit,
    src,
    dst,
    extensions,
    protocol,
    fragment,
    truncated,
    upperLayerLength: payloadLength - p.position,
    payload: p.rest(),
  };
}

/**
 * Format an address as text: dotted quad for 4 bytes, RFC 5952 §4 for 16 bytes (lower case, the
 * longest run of two or more zero groups compressed to `::`, the first on a tie; no leading zeros).
 */
export function formatIpAddress(a: Uint8Array): string {
  if (a.length === 4) return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
  const groups: number[] = [];
  for (let i = 0; i + 1 < a.length; i += 2) groups.push((a[i]! << 8) | a[i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

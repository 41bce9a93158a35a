/**
 * Link-layer headers, decoded just far enough to find the network-layer packet inside
 * (draft-ietf-opsawg-pcaplinktype; the per-type header formats of the tcpdump.org link-layer header
 * types page).
 *
 * - Ethernet (1): destination, source, EtherType; IEEE 802.1Q / 802.1ad tags (TPID 0x8100, 0x88a8,
 *   0x9100), stacked as in QinQ, are skipped. EtherType values below 0x0600 are 802.3 lengths (no IP
 *   inside). A PPPoE session frame (EtherType 0x8864, RFC 2516 §4, §6: VER 1, TYPE 1, CODE 0, session
 *   ID, LENGTH) is followed into its PPP protocol field (RFC 1661 §2, two octets or one when
 *   compressed): 0x0021 is IPv4, 0x0057 IPv6; the payload is cut to LENGTH (dropping padding).
 * - Linux cooked v1 (113): 16 bytes, protocol (EtherType) at offset 14.
 * - Linux cooked v2 (276): 20 bytes, protocol (EtherType) at offset 0.
 * - BSD null (0): a 4-byte address family in the capturing host's byte order (either is accepted);
 *   OpenBSD LOOP (108): the same in network byte order. AF_INET is 2; AF_INET6 is 10 (Linux),
 *   24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (macOS).
 * - Raw IP (101, 228, 229): no header; 101 is IPv4 or IPv6 by the version nibble.
 * @module
 */
import { Reader } from '../bytes/reader.js';
import { LinkType } from './packet.js';

/** EtherType of IPv4. */
export const ETHERTYPE_IPV4 = 0x0800;
/** EtherType of IPv6. */
export const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TPIDS = new Set([0x8100, 0x88a8, 0x9100]);
/** EtherType of a PPPoE session frame (RFC 2516 §4). */
export const ETHERTYPE_PPPOE_SESSION = 0x8864;
/** PPP protocol numbers of IPv4 and IPv6 (RFC 1332, RFC 5072). */
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
/** Bound on stacked VLAN tags; real frames carry one or two. */
const MAX_VLAN_TAGS = 8;

/** The network-layer packet found inside a link-layer frame. */
export interface LinkFrame {
  linkType: number;
  /** `ipv4`, `ipv6`, or `other` (an EtherType or address family tlswire does not follow). */
  network: 'ipv4' | 'ipv6' | 'other';
  /** EtherType (Ethernet, SLL, SLL2), address family (NULL, LOOP) or the IP version (raw IP). */
  protocol: number;
  /** Bytes of link-layer header before the network packet (VLAN tags included). */
  headerLength: number;
  /** The VLAN IDs of 802.1Q tags, outermost first (Ethernet only). */
  vlans: number[];
  /** A PPPoE session header was crossed: its session ID and the PPP protocol number. */
  pppoe?: { sessionId: number; pppProtocol: number };
  /** The network-layer bytes (a view). */
  payload: Uint8Array;
}

function byEtherType(t: number): LinkFrame['network'] {
  return t === ETHERTYPE_IPV4 ? 'ipv4' : t === ETHERTYPE_IPV6 ? 'ipv6' : 'other';
}

function byFamily(af: number): LinkFrame['network'] {
  if (af === 2) return 'ipv4';
  return af === 10 || af === 24 || af === 28 || af === 30 ? 'ipv6' : 'other';
}

type FrameOf = (network: LinkFrame['network'], protocol: number, vlans?: number[]) => LinkFrame;

/**
 * A PPPoE session header and the PPP protocol field after it (RFC 2516 §4, RFC 1661 §2).
 * @throws DecodeError `value` for a VER/TYPE other than 1/1 or a CODE other than 0; `length` for a
 * LENGTH too short for the protocol field; `truncated` when the headers are cut short
 */
function pppoe(r: Reader, frame: FrameOf, vlans: number[]): LinkFrame {
  const at = r.offset;
  const verType = r.u8('pppoe.verType');
  if (verType !== 0x11) r.fail('value', `PPPoE VER/TYPE 0x${verType.toString(16)} is not 0x11`, 'pppoe.verType', at);
  const code = r.u8('pppoe.code');
  if (code !== 0) r.fail('value', `PPPoE session frame with CODE 0x${code.toString(16)} (must be 0)`, 'pppoe.code');
  const sessionId = r.u16('pppoe.sessionId');
  const length = r.u16('pppoe.length');
  const first = r.u8('ppp.protocol');
  const pppProtocol = first & 1 ? first : (first << 8) | r.u8('ppp.protocol');
  const protocolLength = first & 1 ? 1 : 2;
  if (length < protocolLength) r.fail('length', `PPPoE LENGTH ${length} leaves no room for the PPP protocol`);
  const payloadLength = Math.min(length - protocolLength, r.remaining);
  const network = pppProtocol === PPP_IPV4 ? 'ipv4' : pppProtocol === PPP_IPV6 ? 'ipv6' : 'other';
  const out = frame(network, pppProtocol, vlans);
  out.payload = out.payload.subarray(0, payloadLength);
  out.pppoe = { sessionId, pppProtocol };
  return out;
}

/**
 * Strip the link-layer header of `data` captured with link type `linkType`.
 * @throws DecodeError `truncated` when the header is cut short; `value` for a link type tlswire does
 * not decode, a raw IP packet whose version is neither 4 nor 6 (link type 101), more than 8 VLAN
 * tags, or a malformed PPPoE session header (see {@link pppoe})
 */
export function decodeLink(linkType: number, data: Uint8Array): LinkFrame {
  const r = new Reader(data, 'link');
  const frame: FrameOf = (network, protocol, vlans = []) => ({
    linkType,
    network,
    protocol,
    headerLength: r.position,
    vlans,
    payload: r.rest(),
  });
  switch (linkType) {
    case LinkType.ETHERNET: {
      r.skip(12, 'addresses');
      let type = r.u16('etherType');
      const vlans: number[] = [];
      while (VLAN_TPIDS.has(type)) {
        if (vlans.length === MAX_VLAN_TAGS) r.fail('value', `more than ${MAX_VLAN_TAGS} VLAN tags`, 'vlan');
        vlans.push(r.u16('vlan.tci') & 0x0fff);
        type = r.u16('etherType');
      }
      if (type === ETHERTYPE_PPPOE_SESSION) return pppoe(r, frame, vlans);
      return frame(byEtherType(type), type, vlans);
    }
    case LinkType.LINUX_SLL: {
      r.skip(14, 'sll');
      const type = r.u16('protocol');
      return frame(byEtherType(type), type);
    }
    case LinkType.LINUX_SLL2: {
      const type = r.u16('protocol');
      r.skip(18, 'sll2');
      return frame(byEtherType(type), type);
    }
    case LinkType.NULL: {
      let af = r.u32le('family');
      if (af > 0xffff) af = ((af & 0xff) << 24) | ((af & 0xff00) << 8) | ((af >>> 8) & 0xff00) | (af >>> 24);
      return frame(byFamily(af >>> 0), af >>> 0);
    }
    case LinkType.LOOP: {
      const af = r.u32('family');
      return frame(byFamily(af), af);
    }
    case LinkType.RAW: {
      const version = r.peekU8('version') >> 4;
      if (version !== 4 && version !== 6) r.fail('value', `raw IP packet of version ${version}`, 'version');
      return frame(version === 4 ? 'ipv4' : 'ipv6', version);
    }
    case LinkType.IPV4:
      return frame('ipv4', 4);
    case LinkType.IPV6:
      return frame('ipv6', 6);
    default:
      return r.fail('value', `link type ${linkType} is not supported`, 'linkType');
  }
}

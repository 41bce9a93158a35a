/**
 * Tunnels inside captured IP packets: GRE (IP protocol 47; RFC 2784 §2 with the Key and Sequence
 * Number extensions of RFC 2890 §2) and the ERSPAN headers carried in it (draft-foschiano-erspan-03
 * §4.1–4.3: type I with no header, type II, type III with its optional platform-specific subheader).
 *
 * ```text
 *  0                   1                   2                   3
 * |C| |K|S| Reserved0       | Ver |         Protocol Type         |
 * |      Checksum (optional)      |       Reserved1 (Optional)    |
 * |                         Key (optional)                        |
 * |                 Sequence Number (Optional)                    |
 * ```
 *
 * Bits 1 (routing, RFC 1701) and 4–5 must be zero: RFC 2784 §2.1 says a receiver that does not
 * implement RFC 1701 MUST discard such a packet, and so does tlswire (`value` error); bits 6–12 are
 * ignored, as it says. Only version 0 is GRE; version 1 is PPTP's enhanced GRE (RFC 2637), not followed.
 * ERSPAN (protocol 0x88be) is type II when the Sequence Number is present, type I otherwise; 0x22eb
 * is type III. Checksums are not verified.
 * @module
 */
import { Reader } from '../bytes/reader.js';

/** GRE Protocol Type values tlswire follows (EtherTypes). */
export const GreProtocol = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  /** Transparent Ethernet Bridging: an Ethernet frame follows (GRE-TAP). */
  ETHERNET: 0x6558,
  /** ERSPAN type I (no Sequence Number) or type II. */
  ERSPAN: 0x88be,
  ERSPAN_III: 0x22eb,
} as const;

/** A decoded GRE header (RFC 2784 §2, RFC 2890 §2). */
export interface GreHeader {
  /** The first 16 bits: flags, reserved bits and version. */
  flagsAndVersion: number;
  /** EtherType of the payload. */
  protocol: number;
  /** Present when the C bit is set. */
  checksum?: number;
  /** Present when the K bit is set. */
  key?: number;
  /** Present when the S bit is set. */
  sequence?: number;
  /** Bytes of GRE header (4 to 16). */
  headerLength: number;
}

/** A decoded ERSPAN header (draft-foschiano-erspan-03 §4). Type I has none. */
export interface ErspanHeader {
  /** 2 for type II (version field 1), 3 for type III (version field 2). */
  type: 2 | 3;
  vlan: number;
  cos: number;
  /** Session ID (10 bits). */
  sessionId: number;
  /** Type II: the 20-bit index. */
  index?: number;
  /** Type III: the 32-bit timestamp. */
  timestamp?: number;
  /** Type III: the hardware ID (6 bits). */
  hardwareId?: number;
  /** Type III: D, the direction bit (0 ingress, 1 egress). */
  direction?: number;
  /** Bytes of ERSPAN header (8, 12 or 20). */
  headerLength: number;
}

/** What a GRE packet carries, and where. */
export interface GrePacket {
  gre: GreHeader;
  /** Absent for anything but ERSPAN type II and III. */
  erspan?: ErspanHeader;
  /** `ipv4`, `ipv6`, `ethernet` (GRE-TAP and every ERSPAN type), or `other`. */
  inner: 'ipv4' | 'ipv6' | 'ethernet' | 'other';
  /** The payload bytes (a view). */
  payload: Uint8Array;
}

const C = 0x8000;
const R = 0x4000;
const K = 0x2000;
const S = 0x1000;
/** RFC 2784 §2.1 bits 4–5 (RFC 1701's strict source route and the top recursion bit); bits 6–12 are ignored. */
const MUST_BE_ZERO = 0x0c00;

function innerOf(protocol: number): GrePacket['inner'] {
  if (protocol === GreProtocol.IPV4) return 'ipv4';
  if (protocol === GreProtocol.IPV6) return 'ipv6';
  if (protocol === GreProtocol.ETHERNET || protocol === GreProtocol.ERSPAN || protocol === GreProtocol.ERSPAN_III) {
    return 'ethernet';
  }
  return 'other';
}

/**
 * Decode a GRE header and, for ERSPAN type II/III, the ERSPAN header after it.
 * @throws DecodeError `truncated` when a header is cut short; `value` for the routing bit or bits 4–5 set, a version other than 0, or an ERSPAN version that does not match its
 * protocol type
 */
export function decodeGre(bytes: Uint8Array, baseOffset = 0): GrePacket {
  const r = new Reader(bytes, 'GRE', baseOffset);
  const flagsAndVersion = r.u16('flags');
  const protocol = r.u16('protocol');
  if (flagsAndVersion & R)
    r.fail('value', 'routing present (RFC 1701 source routing is not supported)', 'flags', baseOffset);
  if (flagsAndVersion & MUST_BE_ZERO) {
    r.fail('value', 'reserved bits 4–5 set (RFC 2784 §2.1)', 'flags', baseOffset);
  }
  const version = flagsAndVersion & 7;
  if (version !== 0)
    r.fail('value', `version ${version} is not 0 (1 is PPTP's enhanced GRE)`, 'version', baseOffset + 1);
  const gre: GreHeader = { flagsAndVersion, protocol, headerLength: 4 };
  if (flagsAndVersion & C) {
    gre.checksum = r.u16('checksum');
    r.skip(2, 'reserved1');
  }
  if (flagsAndVersion & K) gre.key = r.u32('key');
  if (flagsAndVersion & S) gre.sequence = r.u32('sequence');
  gre.headerLength = r.position;
  let erspan: ErspanHeader | undefined;
  if (protocol === GreProtocol.ERSPAN_III) erspan = erspan3(r);
  else if (protocol === GreProtocol.ERSPAN && gre.sequence !== undefined) erspan = erspan2(r);
  const out: GrePacket = { gre, inner: innerOf(protocol), payload: r.rest() };
  if (erspan) out.erspan = erspan;
  return out;
}

/** The first 32 bits of both ERSPAN types: version, VLAN, COS, 2 bits, T, session ID. */
function erspanCommon(r: Reader, expected: number) {
  const start = r.position;
  const at = r.offset;
  const w = r.u32('erspan');
  const version = w >>> 28;
  if (version !== expected) {
    r.fail('value', `ERSPAN version ${version} where the protocol type needs ${expected}`, 'erspan.version', at);
  }
  return { vlan: (w >>> 16) & 0x0fff, cos: (w >>> 13) & 7, sessionId: w & 0x03ff, start };
}

function erspan2(r: Reader): ErspanHeader {
  const { vlan, cos, sessionId, start } = erspanCommon(r, 1);
  const index = r.u32('erspan.index') & 0x000fffff;
  return { type: 2, vlan, cos, sessionId, index, headerLength: r.position - start };
}

function erspan3(r: Reader): ErspanHeader {
  const { vlan, cos, sessionId, start } = erspanCommon(r, 2);
  const timestamp = r.u32('erspan.timestamp');
  const w = r.u32('erspan.flags');
  if (w & 1) r.skip(8, 'erspan.platformSpecific');
  const header: ErspanHeader = { type: 3, vlan, cos, sessionId, timestamp, headerLength: 0 };
  header.hardwareId = (w >>> 4) & 0x3f;
  header.direction = (w >>> 3) & 1;
  header.headerLength = r.position - start;
  return header;
}

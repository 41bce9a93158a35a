/**
 * TCP segment types shared by the codec, the connection state machine and the capture layer.
 *
 * RFC 9293 §3.1 (header format), RFC 3168 §6.1 (CWR/ECE), RFC 9768/AccECN (AE, formerly NS),
 * RFC 7323 (window scale, timestamps), RFC 2018 (SACK).
 * @module
 */

/** Flag bits of the 9-bit flag field (bit 8 is AE, formerly NS, the lowest reserved bit of byte 12). */
export const TcpFlag = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  AE: 0x100,
} as const;

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const TcpOptionKind = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WINDOW_SCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMPS: 8,
} as const;

/** A SACK block: the left edge and the right edge (first sequence number past the block). */
export interface SackBlock {
  left: number;
  right: number;
}

/** One decoded TCP option. Unknown kinds keep their data byte for byte. */
export type TcpOption =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; mss: number }
  /** `shift` is kept as received; values above 14 are reported by validation (RFC 7323 §2.3). */
  | { kind: 'wscale'; shift: number }
  | { kind: 'sackPermitted' }
  | { kind: 'sack'; blocks: SackBlock[] }
  | { kind: 'timestamps'; tsval: number; tsecr: number }
  | { kind: 'unknown'; type: number; data: Uint8Array };

/** A TCP segment, every header field as on the wire. */
export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  /** Sequence number, u32. */
  seq: number;
  /** Acknowledgment number, u32 (meaningful when ACK is set). */
  ack: number;
  /** Header length in 32-bit words, as on the wire (5..15). The encoder recomputes it unless told not to. */
  dataOffset: number;
  /** The three reserved bits between data offset and AE, as on the wire (normally 0). */
  reserved: number;
  /** Flag bits, see {@link TcpFlag}. */
  flags: number;
  window: number;
  /** Checksum as on the wire. The encoder recomputes it when given a pseudo-header, unless told not to. */
  checksum: number;
  urgentPointer: number;
  options: TcpOption[];
  /**
   * Bytes of the option area after the option list ends (after EOL, or padding bytes), kept so that
   * a decoded segment re-encodes byte for byte. Empty when the options fill the area exactly.
   */
  optionPadding: Uint8Array;
  payload: Uint8Array;
}

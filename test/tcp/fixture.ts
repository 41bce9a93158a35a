/**
 * Loads vectors/tcp/segments.json: real kernel TCP segments recorded on loopback, with tshark's
 * reading of every field (made by scripts/tcp-segment-fixture.mjs; see vectors/README.md).
 */
import { readFileSync } from 'node:fs';
import { fromHex } from '../../src/bytes/index.js';
import type { PseudoHeader } from '../../src/tcp/index.js';

/** tshark's field values for one segment (absolute sequence numbers). */
export interface TsharkTcp {
  srcport: number;
  dstport: number;
  seq_raw: number;
  ack_raw: number;
  nxtseq: number;
  hdr_len: number;
  flags: number;
  flag_bits: Record<'res' | 'ae' | 'cwr' | 'ece' | 'urg' | 'ack' | 'push' | 'reset' | 'syn' | 'fin', number>;
  window_size_value: number;
  checksum: number;
  checksum_status: number;
  checksum_calculated: number;
  urgent_pointer: number;
  len: number;
  options: string;
  option_kinds: number[];
  mss_val?: number;
  wscale_shift?: number;
  sack_perm: boolean;
  tsval?: number;
  tsecr?: number;
  sack_le: number[];
  sack_re: number[];
}

export interface RealSegment {
  /** `file#frame`, for test names. */
  name: string;
  ipVersion: 4 | 6;
  pseudoHeader: PseudoHeader;
  bytes: Uint8Array;
  tshark: TsharkTcp;
}

interface Entry {
  file: string;
  frame: number;
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  segment: string;
  tshark: TsharkTcp;
}

const json = JSON.parse(readFileSync(new URL('../../vectors/tcp/segments.json', import.meta.url), 'utf8')) as {
  segments: Entry[];
};

/** Every segment of the fixture. */
export const realSegments: RealSegment[] = json.segments.map((e) => ({
  name: `${e.file}#${e.frame}`,
  ipVersion: e.ipVersion,
  pseudoHeader: { src: fromHex(e.src), dst: fromHex(e.dst) },
  bytes: fromHex(e.segment),
  tshark: e.tshark,
}));

/**
 * The Internet checksum (RFC 1071) and the TCP checksum over the IPv4 pseudo-header (RFC 9293 §3.1)
 * and the IPv6 pseudo-header (RFC 8200 §8.1).
 *
 * All sums are the 16-bit ones' complement sum of big-endian 16-bit words; an odd trailing byte is
 * padded with a zero byte on the right (RFC 1071 §1, RFC 9293 §3.1 "Checksum").
 * @module
 */
import { TlswireError } from '../bytes/errors.js';

/** IANA protocol number of TCP, the `PTCL` / `Next Header` value of the pseudo-header. */
const PROTOCOL_TCP = 6;

/** Byte offset of the checksum field inside a TCP header (RFC 9293 §3.1). */
const CHECKSUM_OFFSET = 16;

/**
 * The addresses of the IP packet carrying a segment. 4-byte addresses select the IPv4 pseudo-header
 * (RFC 9293 §3.1), 16-byte addresses the IPv6 one (RFC 8200 §8.1); both must have the same length.
 */
export interface PseudoHeader {
  src: Uint8Array;
  dst: Uint8Array;
}

/**
 * Add the 16-bit big-endian words of `data[start..end)` to `sum` without folding. `start` must be
 * even relative to the start of the summed message; an odd last byte counts as its high byte.
 */
function addWords(sum: number, data: Uint8Array, start: number, end: number): number {
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i < even; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (i < end) sum += data[i]! << 8;
  return sum;
}

/** Fold the carries of an unfolded sum into 16 bits (RFC 1071 §2 (C)). */
function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * The 16-bit ones' complement sum of `data` (not complemented), added to `initial` (an earlier
 * partial sum, e.g. of a pseudo-header). RFC 1071 §3's example: `00 01 f2 03 f4 f5 f6 f7` → `0xddf2`.
 */
export function onesComplementSum(data: Uint8Array, initial = 0): number {
  return fold(addWords(initial, data, 0, data.length));
}

/**
 * The Internet checksum of `data`: the ones' complement of the ones' complement sum (RFC 1071),
 * the value a sender writes into a checksum field that was zero while summing.
 */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  return ~onesComplementSum(data, initial) & 0xffff;
}

/**
 * The ones' complement sum of the TCP pseudo-header for a segment of `tcpLength` bytes (header
 * plus data). IPv4 (RFC 9293 §3.1): src, dst, zero, PTCL = 6, TCP length (u16). IPv6 (RFC 8200 §8.1):
 * src, dst, upper-layer packet length (u32), three zero bytes, next header = 6.
 * @throws TlswireError when the addresses are not both 4 or both 16 bytes long
 */
export function pseudoHeaderSum(ph: PseudoHeader, tcpLength: number): number {
  const n = ph.src.length;
  if ((n !== 4 && n !== 16) || ph.dst.length !== n) {
    throw new TlswireError(
      `pseudo-header: addresses must both be 4 (IPv4) or 16 (IPv6) bytes, got ${n} and ${ph.dst.length}`,
    );
  }
  const max = n === 4 ? 0xffff : 0xffffffff;
  if (!Number.isInteger(tcpLength) || tcpLength < 0 || tcpLength > max) {
    throw new TlswireError(`pseudo-header: TCP length ${tcpLength} is not an integer in 0..${max}`);
  }
  let sum = addWords(0, ph.src, 0, n);
  sum = addWords(sum, ph.dst, 0, n);
  // IPv4: zero byte + PTCL form one word, then the u16 length. IPv6: the u32 length as two words,
  // then three zero bytes + next header form the last word. Both add the same words for lengths < 2^16.
  sum += PROTOCOL_TCP + (tcpLength & 0xffff) + Math.floor(tcpLength / 0x10000);
  return fold(sum);
}

/**
 * The checksum a sender puts into `segment` (a whole TCP segment, header and data), computed as if
 * its checksum field were zero, so it also gives the correct value for a received segment.
 * @throws TlswireError for a bad pseudo-header or a segment shorter than 18 bytes
 */
export function tcpChecksum(segment: Uint8Array, ph: PseudoHeader): number {
  if (segment.length < CHECKSUM_OFFSET + 2) {
    throw new TlswireError(`tcpChecksum: ${segment.length} bytes cannot hold a TCP checksum field`);
  }
  let sum = pseudoHeaderSum(ph, segment.length);
  sum = addWords(sum, segment, 0, CHECKSUM_OFFSET);
  sum = addWords(sum, segment, CHECKSUM_OFFSET + 2, segment.length);
  return ~fold(sum) & 0xffff;
}

/**
 * Whether the checksum field of `segment` is correct for the pseudo-header: the ones' complement sum
 * of pseudo-header and segment, checksum included, is all ones (RFC 1071 §1, RFC 9293 §3.1 MUST-3).
 * @throws TlswireError for a bad pseudo-header or a segment shorter than 18 bytes
 */
export function verifyTcpChecksum(segment: Uint8Array, ph: PseudoHeader): boolean {
  if (segment.length < CHECKSUM_OFFSET + 2) {
    throw new TlswireError(`verifyTcpChecksum: ${segment.length} bytes cannot hold a TCP checksum field`);
  }
  return onesComplementSum(segment, pseudoHeaderSum(ph, segment.length)) === 0xffff;
}

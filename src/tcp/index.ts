/**
 * `tlswire/tcp`: the TCP segment codec (RFC 9293 §3.1, RFC 7323, RFC 2018), the TCP checksum
 * (RFC 1071, RFC 9293 §3.1, RFC 8200 §8.1), 32-bit sequence arithmetic (RFC 9293 §3.4)
 * and the sans-IO connection state machine (RFC 9293 §3.3.2, §3.10).
 * @module
 */

export type { PseudoHeader } from './checksum.js';
export { internetChecksum, onesComplementSum, pseudoHeaderSum, tcpChecksum, verifyTcpChecksum } from './checksum.js';
export type {
  TcpAction,
  TcpConfig,
  TcpControlBlock,
  TcpErrorCode,
  TcpEvent,
  TcpInput,
  TcpProvider,
  TcpState,
  TcpTimer,
} from './connection.js';
export { TcpConnection, TcpError } from './connection.js';
export type { DecodedTcpOptions } from './options.js';
export {
  decodeTcpOption,
  decodeTcpOptions,
  encodeTcpOption,
  encodeTcpOptions,
  MAX_TCP_OPTIONS_LENGTH,
} from './options.js';
export type { TcpEncodeOptions, TcpHeader, TcpWarning, TcpWarningCode } from './segment.js';
export {
  decodeTcpHeader,
  decodeTcpSegment,
  encodeTcpSegment,
  formatTcpFlags,
  TCP_HEADER_LENGTH,
  TcpField,
  validateTcpSegment,
} from './segment.js';
export { nextSeq, segmentLength, seqAdd, seqDistance, seqGe, seqGt, seqInWindow, seqLe, seqLt } from './seq.js';
export type { SackBlock, TcpOption, TcpSegment } from './types.js';
export { TcpFlag, TcpOptionKind } from './types.js';

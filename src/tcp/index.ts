/**
 * `tlswire/tcp`: the TCP segment codec (RFC 9293 §3.1, RFC 7323, RFC 2018), the TCP checksum
 * (RFC 1071, RFC 9293 §3.1, RFC 8200 §8.1), 32-bit sequence arithmetic (RFC 9293 §3.4)
 * and the sans-IO connection state machine (RFC 9293 §3.3.2, §3.10).
 * @module
 */
export {
  internetChecksum,
  onesComplementSum,
  type PseudoHeader,
  pseudoHeaderSum,
  tcpChecksum,
  verifyTcpChecksum,
} from './checksum.js';
export {
  type TcpAction,
  type TcpConfig,
  TcpConnection,
  type TcpControlBlock,
  TcpError,
  type TcpErrorCode,
  type TcpEvent,
  type TcpInput,
  type TcpProvider,
  type TcpState,
  type TcpTimer,
} from './connection.js';
export {
  type DecodedTcpOptions,
  decodeTcpOption,
  decodeTcpOptions,
  encodeTcpOption,
  encodeTcpOptions,
  MAX_TCP_OPTIONS_LENGTH,
} from './options.js';
export {
  decodeTcpHeader,
  decodeTcpSegment,
  encodeTcpSegment,
  formatTcpFlags,
  TCP_HEADER_LENGTH,
  type TcpEncodeOptions,
  TcpField,
  type TcpHeader,
  type TcpWarning,
  type TcpWarningCode,
  validateTcpSegment,
} from './segment.js';
export { nextSeq, segmentLength, seqAdd, seqDistance, seqGe, seqGt, seqInWindow, seqLe, seqLt } from './seq.js';
export { type SackBlock, TcpFlag, type TcpOption, TcpOptionKind, type TcpSegment } from './types.js';

/**
 * `tlswire/bytes`: the byte codec core (Reader, Writer, errors, hex helpers).
 * @module
 */

export type { DecodeErrorReason } from './errors.js';
export { DecodeError, EncodeError, TlswireError } from './errors.js';
export { concat, constantTimeEqual, equalBytes, fromHex, toHex, wipe } from './hex.js';
export type { PathElement, VecLimits } from './reader.js';
export { Reader } from './reader.js';
export { Writer } from './writer.js';

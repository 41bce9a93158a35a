/**
 * `tlswire/bytes`: the byte codec core (Reader, Writer, errors, hex helpers).
 * @module
 */
export { DecodeError, type DecodeErrorReason, EncodeError, TlswireError } from './errors.js';
export { concat, constantTimeEqual, equalBytes, fromHex, toHex, wipe } from './hex.js';
export { type PathElement, Reader, type VecLimits } from './reader.js';
export { Writer } from './writer.js';

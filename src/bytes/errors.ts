/**
 * The one error hierarchy of tlswire.
 *
 * Every error the library throws on purpose is a {@link TlswireError}. Decoders throw
 * {@link DecodeError}, which names the field path and byte offset where decoding failed and a
 * {@link DecodeErrorReason}; encoders throw {@link EncodeError}. Higher layers add their own
 * subclasses (the TLS layer maps every error to an alert in exactly one place, `src/tls/errors.ts`).
 * @module
 */

/** Base class of every error tlswire throws deliberately. */
export class TlswireError extends Error {
  override name = 'TlswireError';
}

/**
 * Why a decode failed. The TLS layer turns these into alerts (RFC 8446 §6.2):
 * - `truncated`: the input ended inside a field (decode_error)
 * - `trailing`: bytes were left over after a complete structure (decode_error)
 * - `length`: a length field is impossible: too short, too long, odd, beyond its container (decode_error)
 * - `value`: a field holds a value the protocol forbids (illegal_parameter)
 * - `duplicate`: an item that may appear once appeared twice (illegal_parameter)
 * - `overflow`: a record or message is larger than the protocol allows (record_overflow)
 * - `unexpected`: a message that is well formed but not allowed here (unexpected_message)
 */
export type DecodeErrorReason = 'truncated' | 'trailing' | 'length' | 'value' | 'duplicate' | 'overflow' | 'unexpected';

/** A decoder found malformed input. Carries where (field path, offset) and why (reason). */
export class DecodeError extends TlswireError {
  override name = 'DecodeError';
  /** Dotted path of the field being decoded, e.g. `ClientHello.extensions[2].server_name`. */
  readonly path: string;
  /** Byte offset from the start of the top-level input where the problem was found. */
  readonly offset: number;
  readonly reason: DecodeErrorReason;
  /** Human description without the path/offset prefix. */
  readonly detail: string;

  constructor(reason: DecodeErrorReason, detail: string, path: string, offset: number) {
    super(`${path || '<input>'} @${offset}: ${detail}`);
    this.reason = reason;
    this.detail = detail;
    this.path = path;
    this.offset = offset;
  }
}

/** An encoder was asked to write something that cannot be represented (value out of range, vector too long). */
export class EncodeError extends TlswireError {
  override name = 'EncodeError';
}

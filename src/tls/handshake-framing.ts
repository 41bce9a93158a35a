/**
 * Handshake message framing (RFC 8446 §4, RFC 5246 §7.4): the 4-byte header `msg_type` (u8) +
 * `length` (u24), and a {@link HandshakeReassembler} that rebuilds messages from handshake record
 * fragments (RFC 8446 §5.1): one message may span many records, and one record may hold many
 * messages. Each message keeps its received bytes for the transcript hash.
 * @module
 */
import { DecodeError } from '../bytes/errors.js';
import { Reader } from '../bytes/reader.js';
import type { Writer } from '../bytes/writer.js';
import { Deframer } from './deframer.js';
import { ContentType, HandshakeType, nameOf } from './enums.js';
import { checkContentLength } from './record.js';

/** Bytes in a handshake header: msg_type (1) and length (3). */
export const HANDSHAKE_HEADER_LENGTH = 4;

/**
 * Default largest handshake message body a {@link HandshakeReassembler} accepts: 64 KiB, rustls'
 * choice, enough for ClientHellos with post-quantum key shares and for common certificate chains.
 * Raise it for long chains with `maxMessageLengthByType`.
 */
export const DEFAULT_MAX_HANDSHAKE_MESSAGE_LENGTH = 65536;

/**
 * The largest well-formed ClientHello body (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): legacy_version (2),
 * random (32), legacy_session_id (1 + 32), cipher_suites (2 + 65534), legacy_compression_methods
 * (1 + 255), extensions (2 + 65535). A server must accept any well-formed ClientHello, so this, not
 * {@link DEFAULT_MAX_HANDSHAKE_MESSAGE_LENGTH}, bounds what it buffers for one.
 */
export const MAX_CLIENT_HELLO_LENGTH = 2 + 32 + 1 + 32 + 2 + 65534 + 1 + 255 + 2 + 65535;

/** `struct { HandshakeType msg_type; uint24 length; ... } Handshake;` without the body. */
export interface HandshakeHeader {
  type: HandshakeType;
  /** Length of the body that follows. */
  length: number;
}

/** Decode a handshake header from `r`. */
export function decodeHandshakeHeader(r: Reader): HandshakeHeader {
  const type = r.u8('msg_type');
  const length = r.u24('length');
  return { type, length };
}

/** Encode a handshake header; the length is written as given (to build malformed messages on purpose). */
export function encodeHandshakeHeader(w: Writer, header: HandshakeHeader): void {
  w.u8(header.type).u24(header.length);
}

/**
 * A complete handshake message as framed on the wire: type, body, and the bytes received. The body
 * is decoded by `messages/handshake.ts`.
 */
export interface HandshakeFrame {
  type: HandshakeType;
  /** The body (after the 4-byte header); a view of {@link raw}. */
  body: Uint8Array;
  /** Header and body exactly as received (or encoded): what the transcript hash covers. */
  raw: Uint8Array;
}

/**
 * Encode a whole handshake message: the header, with the length filled in after `body` writes it.
 * @example encodeHandshakeFrame(w, HandshakeType.finished, (w) => w.bytes(verifyData))
 */
export function encodeHandshakeFrame(w: Writer, type: HandshakeType, body: (w: Writer) => void): void {
  w.u8(type);
  w.vec24(body);
}

/** Decode one handshake message from `r`; `body` and `raw` are views of the input. */
export function decodeHandshakeFrame(r: Reader): HandshakeFrame {
  const start = r.position;
  const type = r.u8('msg_type');
  const body = r.opaque24('body');
  return { type, body, raw: r.buf.subarray(start, r.position) };
}

/** Parse bytes holding exactly one handshake message (trailing bytes rejected); views of `bytes`. */
export function parseHandshakeFrame(bytes: Uint8Array): HandshakeFrame {
  return Reader.decode(bytes, 'Handshake', decodeHandshakeFrame);
}

/** Options of a {@link HandshakeReassembler}. */
export interface HandshakeReassemblerOptions {
  /**
   * Largest body accepted for any message type (default {@link DEFAULT_MAX_HANDSHAKE_MESSAGE_LENGTH},
   * and {@link MAX_CLIENT_HELLO_LENGTH} for a ClientHello; a limit given here applies to it too).
   */
  maxMessageLength?: number;
  /** Per-type overrides, e.g. `{ [HandshakeType.certificate]: 1 << 20 }` for long chains. */
  maxMessageLengthByType?: Readonly<Partial<Record<HandshakeType, number>>>;
}

/**
 * Rebuilds handshake messages from the content of handshake records (RFC 8446 §5.1). Push each
 * handshake record's fragment (plaintext, or decrypted content), then call {@link next} until it
 * returns `undefined`.
 *
 * - A message whose header announces a body larger than the configured maximum fails as soon as
 *   the header is read, before buffering: DecodeError `length` (decode_error: the length field is
 *   outside what this endpoint decodes; Go sends internal_error here, rustls decode_error).
 * - A zero-length fragment is a DecodeError `length` (RFC 8446 §5.1; decode_error).
 * - Messages must not span a key change (RFC 8446 §5.1): before installing new read keys the state
 *   machine calls {@link assertBoundary}, which throws `unexpected` (unexpected_message) if part of a
 *   message is held, or a complete one from the same record still waits (the message before a key
 *   change must end its record).
 * - Handshake messages must not be interleaved with other record types (RFC 8446 §5.1): whoever
 *   dispatches records by type (the connection's record dispatcher, not this class, which only sees
 *   handshake content) calls `assertBoundary('… record')` on receiving any non-handshake record.
 * - Messages own their bytes (copies). `push` refuses bytes while messages are pending, so memory is
 *   bounded by one record's messages plus one partial message.
 * - Errors are raised from `next()` after the messages that preceded them; then the reassembler is
 *   dead and every call rethrows the same error.
 */
export class HandshakeReassembler extends Deframer<HandshakeFrame> {
  private readonly maxDefault: number;
  private readonly maxByType: Readonly<Partial<Record<number, number>>>;
  private readonly header = new Uint8Array(HANDSHAKE_HEADER_LENGTH);
  private headerLen = 0;
  /** The message being filled (header + body), once its header is complete. */
  private partial: Uint8Array | undefined;
  private partialLen = 0;
  private offset = 0;

  constructor(options: HandshakeReassemblerOptions = {}) {
    super();
    this.maxDefault = options.maxMessageLength ?? DEFAULT_MAX_HANDSHAKE_MESSAGE_LENGTH;
    // Without a caller's limit, a ClientHello may have any well-formed length (RFC 8446 §4.1.2).
    const clientHello =
      options.maxMessageLength === undefined ? { [HandshakeType.client_hello]: MAX_CLIENT_HELLO_LENGTH } : {};
    this.maxByType = { ...clientHello, ...options.maxMessageLengthByType };
  }

  /** Bytes of an incomplete message held (0 at a message boundary). */
  get partialLength(): number {
    return this.partial ? this.partialLen : this.headerLen;
  }

  /** Complete messages pushed but not yet pulled. */
  get pendingMessages(): number {
    return this.pending;
  }

  /**
   * Add the content of one handshake record.
   * @throws TlswireError if messages from the previous push have not all been pulled
   * @throws DecodeError the stored error, once the reassembler has failed
   */
  push(fragment: Uint8Array): void {
    this.startPush('HandshakeReassembler.push: pull the pending messages with next() before pushing more');
    try {
      checkContentLength(ContentType.handshake, fragment.length, this.offset);
      this.consume(fragment);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.failure = e;
    }
  }

  /**
   * The next complete message, or `undefined` when more records are needed.
   * @throws DecodeError `length` (oversize message or zero-length fragment), `unexpected` (after a
   *   failed {@link assertBoundary})
   */
  next(): HandshakeFrame | undefined {
    const message = this.shift();
    if (message) return message;
    if (this.failure) throw this.failure;
    return undefined;
  }

  /**
   * Require a message boundary: nothing partial may be held (RFC 8446 §5.1). Call before a key
   * change and when a record of another content type arrives.
   * @param why what is happening, for the error message (default `'key change'`)
   * @throws DecodeError `unexpected` (unexpected_message)
   */
  assertBoundary(why = 'key change'): void {
    if (this.failure) throw this.failure;
    const queued = this.pending;
    if (queued > 0) {
      // The message before a key change must end its record (RFC 8446 §5.1): two KeyUpdates, or a
      // KeyUpdate and any other message, in one record.
      this.failure = new DecodeError(
        'unexpected',
        `${queued} more message(s) in the record at a ${why}: the message before it must end its record (RFC 8446 §5.1)`,
        'Handshake',
        this.offset,
      );
      throw this.failure;
    }
    const held = this.partialLength;
    if (held === 0) return;
    const type = this.headerLen > 0 ? nameOf(HandshakeType, this.header[0]!) : 'message';
    this.failure = new DecodeError(
      'unexpected',
      `${held} byte(s) of a partial ${type} held at a ${why}: handshake messages must not span it (RFC 8446 §5.1)`,
      'Handshake',
      this.offset,
    );
    throw this.failure;
  }

  private consume(fragment: Uint8Array): void {
    const n = fragment.length;
    let pos = 0;
    while (pos < n) {
      if (!this.partial) {
        if (this.headerLen === 0 && n - pos >= HANDSHAKE_HEADER_LENGTH) {
          // Fast path: a header in one piece.
          const type = fragment[pos]!;
          const length = (fragment[pos + 1]! << 16) | (fragment[pos + 2]! << 8) | fragment[pos + 3]!;
          this.checkLength(type, length);
          const end = pos + HANDSHAKE_HEADER_LENGTH + length;
          if (end <= n) {
            const raw = fragment.slice(pos, end);
            this.queue.push({ type, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw });
            this.offset += end - pos;
            pos = end;
            continue;
          }
          this.header.set(fragment.subarray(pos, pos + HANDSHAKE_HEADER_LENGTH));
          this.headerLen = HANDSHAKE_HEADER_LENGTH;
          pos += HANDSHAKE_HEADER_LENGTH;
        } else {
          const take = Deframer.fill(this.header, this.headerLen, HANDSHAKE_HEADER_LENGTH, fragment, pos);
          this.headerLen += take;
          pos += take;
          if (this.headerLen < HANDSHAKE_HEADER_LENGTH) return;
        }
        const h = this.header;
        const length = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
        this.checkLength(h[0]!, length);
        this.partial = new Uint8Array(HANDSHAKE_HEADER_LENGTH + length);
        this.partial.set(h);
        this.partialLen = HANDSHAKE_HEADER_LENGTH;
      }
      const buf = this.partial;
      const take = Deframer.fill(buf, this.partialLen, buf.length, fragment, pos);
      this.partialLen += take;
      pos += take;
      if (this.partialLen === buf.length) {
        this.queue.push({ type: buf[0]!, body: buf.subarray(HANDSHAKE_HEADER_LENGTH), raw: buf });
        this.offset += buf.length;
        this.partial = undefined;
        this.partialLen = 0;
        this.headerLen = 0;
      }
    }
  }

  private checkLength(type: number, length: number): void {
    const max = this.maxByType[type] ?? this.maxDefault;
    if (length > max) {
      throw new DecodeError(
        'length',
        `${nameOf(HandshakeType, type)} of ${length} bytes exceeds the ${max}-byte limit`,
        'Handshake.length',
        this.offset + 1,
      );
    }
  }
}

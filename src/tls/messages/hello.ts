/**
 * ClientHello, ServerHello and HelloRetryRequest bodies (RFC 8446 §4.1.2–4.1.4, RFC 5246 §7.4.1.2–7.4.1.3).
 *
 * One shape serves TLS 1.2 and 1.3: the fields TLS 1.3 calls `legacy_*` are named as in TLS 1.2
 * (`version`, `sessionId`, `compressionMethods`). A HelloRetryRequest is a ServerHello whose random is
 * the special value of RFC 8446 §4.1.3; it is decoded as a ServerHello with `isHelloRetryRequest`
 * set, and its extensions are read in the `hello_retry_request` context.
 * @module
 */
import { type Reader, vecLimits } from '../../bytes/reader.js';
import type { Writer } from '../../bytes/writer.js';
import {
  decodeExtensions,
  type Extension,
  encodeExtensions,
  NON_EMPTY,
  readU8List,
  readU16List,
  U16_LIST_MAX_FFFE,
  writeU8List,
  writeU16List,
} from '../extensions.js';

/** `Random`: 32 bytes (RFC 8446 §4.1.2). */
const RANDOM_LENGTH = 32;

/** `legacy_session_id<0..32>`. */
const SESSION_ID_LIMITS = vecLimits({ max: 32 });

/**
 * The ServerHello.random that marks a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
 */
export const HELLO_RETRY_REQUEST_RANDOM: Uint8Array = Uint8Array.of(
  0xcf,
  0x21,
  0xad,
  0x74,
  0xe5,
  0x9a,
  0x61,
  0x11,
  0xbe,
  0x1d,
  0x8c,
  0x02,
  0x1e,
  0x65,
  0xb8,
  0x91,
  0xc2,
  0xa2,
  0x11,
  0x16,
  0x7a,
  0xbb,
  0x8c,
  0x5e,
  0x07,
  0x9e,
  0x09,
  0xe2,
  0xc8,
  0xa8,
  0x33,
  0x9c,
);

/** Whether `random` is {@link HELLO_RETRY_REQUEST_RANDOM}. */
export function isHelloRetryRequestRandom(random: Uint8Array): boolean {
  if (random.length !== RANDOM_LENGTH) return false;
  for (let i = 0; i < RANDOM_LENGTH; i++) if (random[i] !== HELLO_RETRY_REQUEST_RANDOM[i]) return false;
  return true;
}

/** ClientHello (RFC 8446 §4.1.2; RFC 5246 §7.4.1.2). */
export interface ClientHello {
  type: 'client_hello';
  /** `legacy_version` / `client_version` (0x0303 in TLS 1.3). */
  version: number;
  /** 32 bytes. */
  random: Uint8Array;
  /** `legacy_session_id<0..32>`. */
  sessionId: Uint8Array;
  /** `CipherSuite cipher_suites<2..2^16-2>`, GREASE values included, in order. */
  cipherSuites: number[];
  /** `legacy_compression_methods<1..2^8-1>`. */
  compressionMethods: number[];
  /**
   * `Extension extensions<0..2^16-1>`. `undefined` when the message ends after the compression
   * methods (allowed before TLS 1.3, RFC 5246 §7.4.1.2), which differs on the wire from `[]`.
   */
  extensions?: Extension[];
}

/** ServerHello or HelloRetryRequest (RFC 8446 §4.1.3; RFC 5246 §7.4.1.3). */
export interface ServerHello {
  type: 'server_hello';
  /**
   * Set by the decoder: `random` is {@link HELLO_RETRY_REQUEST_RANDOM}. The encoder ignores it: to
   * write a HelloRetryRequest, use that random.
   */
  isHelloRetryRequest: boolean;
  /** `legacy_version` / `server_version`. */
  version: number;
  random: Uint8Array;
  /** `legacy_session_id_echo<0..32>`. */
  sessionId: Uint8Array;
  cipherSuite: number;
  /** `legacy_compression_method`. */
  compressionMethod: number;
  /** `undefined` when the message has no extensions block (TLS 1.2). */
  extensions?: Extension[];
}

/** Decode a ClientHello body. */
export function decodeClientHello(r: Reader): ClientHello {
  const version = r.u16('legacy_version');
  const random = r.bytes(RANDOM_LENGTH, 'random');
  const sessionId = r.opaque8('legacy_session_id', SESSION_ID_LIMITS);
  const cipherSuites = readU16List(r, 'cipher_suites', 2, U16_LIST_MAX_FFFE);
  const compressionMethods = readU8List(r, 'legacy_compression_methods', NON_EMPTY);
  const extensions = r.atEnd ? undefined : decodeExtensions(r, 'client_hello');
  return { type: 'client_hello', version, random, sessionId, cipherSuites, compressionMethods, extensions };
}

/** Encode a ClientHello body. */
export function encodeClientHello(w: Writer, m: ClientHello): void {
  w.u16(m.version);
  w.bytes(m.random);
  w.opaque8(m.sessionId);
  writeU16List(w, 2, m.cipherSuites);
  writeU8List(w, m.compressionMethods);
  if (m.extensions) encodeExtensions(w, m.extensions);
}

/** Decode a ServerHello or HelloRetryRequest body. */
export function decodeServerHello(r: Reader): ServerHello {
  const version = r.u16('legacy_version');
  const random = r.bytes(RANDOM_LENGTH, 'random');
  const isHelloRetryRequest = isHelloRetryRequestRandom(random);
  const sessionId = r.opaque8('legacy_session_id_echo', SESSION_ID_LIMITS);
  const cipherSuite = r.u16('cipher_suite');
  const compressionMethod = r.u8('legacy_compression_method');
  const extensions = r.atEnd
    ? undefined
    : decodeExtensions(r, isHelloRetryRequest ? 'hello_retry_request' : 'server_hello');
  return {
    type: 'server_hello',
    isHelloRetryRequest,
    version,
    random,
    sessionId,
    cipherSuite,
    compressionMethod,
    extensions,
  };
}

/** Encode a ServerHello or HelloRetryRequest body. */
export function encodeServerHello(w: Writer, m: ServerHello): void {
  w.u16(m.version);
  w.bytes(m.random);
  w.opaque8(m.sessionId);
  w.u16(m.cipherSuite);
  w.u8(m.compressionMethod);
  if (m.extensions) encodeExtensions(w, m.extensions);
}

/**
 * Every handshake message as one discriminated union, and the framed codec: `Handshake` =
 * `HandshakeType msg_type; uint24 length; body` (RFC 8446 §4, RFC 5246 §7.4).
 *
 * {@link decodeHandshake} reads one complete framed message (reassembly across records is the job of
 * `handshake-framing.ts`) and keeps its exact bytes in `raw`, since the transcript hash covers the bytes
 * received, not a re-encoding. {@link encodeHandshake} writes a message from its fields.
 * @module
 */
import { EncodeError } from '../../bytes/errors.js';
import { Reader } from '../../bytes/reader.js';
import { Writer } from '../../bytes/writer.js';
import { HandshakeType } from '../enums.js';
import { encodePskBinders } from '../extensions.js';
import {
  type Certificate,
  type CertificateRequest,
  type CertificateStatusMessage,
  type CertificateVerify,
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateStatusMessage,
  decodeCertificateVerify,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateStatusMessage,
  encodeCertificateVerify,
} from './certificate.js';
import {
  type ClientHello,
  decodeClientHello,
  decodeServerHello,
  encodeClientHello,
  encodeServerHello,
  type ServerHello,
} from './hello.js';
import {
  type ClientKeyExchange,
  decodeClientKeyExchange,
  decodeServerKeyExchange,
  encodeClientKeyExchange,
  encodeServerKeyExchange,
  type KeyExchange,
  type ServerHelloDone,
  type ServerKeyExchange,
} from './key-exchange.js';
import {
  decodeEncryptedExtensions,
  decodeFinished,
  decodeKeyUpdate,
  decodeMessageHash,
  decodeNewSessionTicket,
  type EncryptedExtensions,
  type EndOfEarlyData,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeKeyUpdate,
  encodeMessageHash,
  encodeNewSessionTicket,
  type Finished,
  type HelloRequest,
  type KeyUpdate,
  type MessageHash,
  type NewSessionTicket,
} from './session.js';

/** A handshake message of a type tlswire does not model, kept as bytes. */
export interface UnknownHandshake {
  type: 'unknown';
  /** The wire `msg_type`. */
  msgType: number;
  body: Uint8Array;
}

/** Any handshake message. Narrow on `type` (and on `version` / `keyExchange` where the form varies). */
export type HandshakeMessage =
  | ClientHello
  | ServerHello
  | EncryptedExtensions
  | Certificate
  | CertificateRequest
  | CertificateVerify
  | CertificateStatusMessage
  | ServerKeyExchange
  | ServerHelloDone
  | ClientKeyExchange
  | Finished
  | NewSessionTicket
  | HelloRequest
  | KeyUpdate
  | EndOfEarlyData
  | MessageHash
  | UnknownHandshake;

/** A decoded handshake message with `raw`: the exact bytes (4-byte header + body) it came from. */
export type DecodedHandshake = HandshakeMessage & { raw: Uint8Array };

/** What the body format depends on beyond the message itself. */
export interface HandshakeContext {
  /**
   * Negotiated version, for Certificate, CertificateRequest and NewSessionTicket, whose shape changed
   * in TLS 1.3. Default `'tls13'`.
   */
  version?: 'tls12' | 'tls13';
  /** TLS 1.2 key exchange, for ServerKeyExchange and ClientKeyExchange. Default `'ecdhe'`. */
  keyExchange?: KeyExchange;
}

/**
 * Decode one handshake body of type `msgType` from `r` (which must be narrowed to the body). Unknown
 * types become {@link UnknownHandshake}.
 */
export function decodeHandshakeBody(r: Reader, msgType: number, ctx: HandshakeContext = {}): HandshakeMessage {
  const version = ctx.version ?? 'tls13';
  const keyExchange = ctx.keyExchange ?? 'ecdhe';
  switch (msgType) {
    case HandshakeType.client_hello:
      return decodeClientHello(r);
    case HandshakeType.server_hello:
      return decodeServerHello(r);
    case HandshakeType.encrypted_extensions:
      return decodeEncryptedExtensions(r);
    case HandshakeType.certificate:
      return decodeCertificate(r, version);
    case HandshakeType.certificate_request:
      return decodeCertificateRequest(r, version);
    case HandshakeType.certificate_verify:
      return decodeCertificateVerify(r);
    case HandshakeType.certificate_status:
      return decodeCertificateStatusMessage(r);
    case HandshakeType.server_key_exchange:
      return decodeServerKeyExchange(r, keyExchange);
    case HandshakeType.server_hello_done:
      return { type: 'server_hello_done' };
    case HandshakeType.client_key_exchange:
      return decodeClientKeyExchange(r, keyExchange);
    case HandshakeType.finished:
      return decodeFinished(r);
    case HandshakeType.new_session_ticket:
      return decodeNewSessionTicket(r, version);
    case HandshakeType.hello_request:
      return { type: 'hello_request' };
    case HandshakeType.key_update:
      return decodeKeyUpdate(r);
    case HandshakeType.end_of_early_data:
      return { type: 'end_of_early_data' };
    case HandshakeType.message_hash:
      return decodeMessageHash(r);
    default:
      return { type: 'unknown', msgType, body: r.rest() };
  }
}

/** Path element naming a message in error paths (its IANA name), by msg_type (a dense table: a u8 key). */
const MESSAGE_FIELD: (string | undefined)[] = Array.from({ length: 256 });
for (const [name, value] of Object.entries(HandshakeType)) MESSAGE_FIELD[value] = name;

/**
 * Decode exactly one framed handshake message (header + body; trailing bytes are an error).
 * Byte fields of the result, `raw` included, are views into `bytes`: copy them if `bytes` is reused.
 * @throws DecodeError on any malformed input
 * @example decodeHandshake(fromHex('0e000000'), { version: 'tls12' }) // { type: 'server_hello_done', raw }
 */
export function decodeHandshake(bytes: Uint8Array, ctx: HandshakeContext = {}): DecodedHandshake {
  // Reader.decode + vec24, spelled out with enter/leave: no closures on this hot path.
  const r = new Reader(bytes, 'Handshake');
  const msgType = r.u8('msg_type');
  const field = MESSAGE_FIELD[msgType] ?? `msg_type_${msgType}`;
  const saved = r.enter(r.lengthPrefix(3, field), field);
  const msg = decodeHandshakeBody(r, msgType, ctx) as DecodedHandshake;
  r.leave(saved);
  r.end();
  msg.raw = bytes;
  return msg;
}

/** The wire `msg_type` of `m`. */
export function handshakeType(m: HandshakeMessage): number {
  return m.type === 'unknown' ? m.msgType : HandshakeType[m.type];
}

/** Encode the body of `m` (no header). */
export function encodeHandshakeBody(w: Writer, m: HandshakeMessage): void {
  switch (m.type) {
    case 'client_hello':
      encodeClientHello(w, m);
      return;
    case 'server_hello':
      encodeServerHello(w, m);
      return;
    case 'encrypted_extensions':
      encodeEncryptedExtensions(w, m);
      return;
    case 'certificate':
      encodeCertificate(w, m);
      return;
    case 'certificate_request':
      encodeCertificateRequest(w, m);
      return;
    case 'certificate_verify':
      encodeCertificateVerify(w, m);
      return;
    case 'certificate_status':
      encodeCertificateStatusMessage(w, m);
      return;
    case 'server_key_exchange':
      encodeServerKeyExchange(w, m);
      return;
    case 'client_key_exchange':
      encodeClientKeyExchange(w, m);
      return;
    case 'finished':
      encodeFinished(w, m);
      return;
    case 'new_session_ticket':
      encodeNewSessionTicket(w, m);
      return;
    case 'key_update':
      encodeKeyUpdate(w, m);
      return;
    case 'message_hash':
      encodeMessageHash(w, m);
      return;
    case 'unknown':
      w.bytes(m.body);
      return;
    case 'server_hello_done':
    case 'hello_request':
    case 'end_of_early_data':
      return;
  }
}

/** Write `m` with its 4-byte header into `w`. */
export function writeHandshake(w: Writer, m: HandshakeMessage): void {
  w.u8(handshakeType(m));
  w.vec24((w) => encodeHandshakeBody(w, m));
}

/**
 * Encode `m` as a framed handshake message (header + body), from its fields (`raw` is ignored).
 * @throws EncodeError when a field does not fit its wire type
 */
export function encodeHandshake(m: HandshakeMessage): Uint8Array {
  return Writer.encode((w) => writeHandshake(w, m), 512);
}

/**
 * The PSK binder input of RFC 8446 §4.2.11.2: the framed ClientHello up to but excluding the binders
 * list, with the lengths of the full message. Uses `m.raw` when present (a received ClientHello),
 * else encodes `m`. The pre_shared_key extension must be the last one (RFC 8446 §4.2.11).
 * @throws EncodeError when `m` has no ClientHello-form pre_shared_key as its last extension
 */
export function clientHelloWithoutBinders(m: ClientHello & { raw?: Uint8Array }): Uint8Array {
  const last = m.extensions?.[m.extensions.length - 1];
  if (last?.kind !== 'pre_shared_key' || last.form !== 'client_hello') {
    throw new EncodeError('the ClientHello has no pre_shared_key as its last extension (RFC 8446 §4.2.11)');
  }
  const full = m.raw ?? encodeHandshake(m);
  const binders = Writer.encode((w) => encodePskBinders(w, last.binders));
  return full.subarray(0, full.length - binders.length);
}

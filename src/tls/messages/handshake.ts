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

/** Every modelled message, i.e. a {@link HandshakeMessage} that is not {@link UnknownHandshake}. */
type KnownHandshake = Exclude<HandshakeMessage, UnknownHandshake>;

/** How one message type's body is read and written; `decode` is given the {@link HandshakeContext}. */
interface MessageCodec<M extends KnownHandshake> {
  decode(r: Reader, version: 'tls12' | 'tls13', keyExchange: KeyExchange): M;
  encode(w: Writer, m: M): void;
}

/** A message whose body is empty: HelloRequest, ServerHelloDone, EndOfEarlyData. */
function emptyBody<M extends KnownHandshake>(type: M['type']): MessageCodec<M> {
  return { decode: () => ({ type }) as M, encode: () => {} };
}

/** The codec of each modelled message, by its HandshakeType name (= its `type`), in msg_type order. */
const CODECS: { [T in KnownHandshake['type']]: MessageCodec<Extract<KnownHandshake, { type: T }>> } = {
  hello_request: emptyBody('hello_request'),
  client_hello: { decode: decodeClientHello, encode: encodeClientHello },
  server_hello: { decode: decodeServerHello, encode: encodeServerHello },
  new_session_ticket: { decode: decodeNewSessionTicket, encode: encodeNewSessionTicket },
  end_of_early_data: emptyBody('end_of_early_data'),
  encrypted_extensions: { decode: decodeEncryptedExtensions, encode: encodeEncryptedExtensions },
  certificate: { decode: decodeCertificate, encode: encodeCertificate },
  server_key_exchange: { decode: (r, _, kx) => decodeServerKeyExchange(r, kx), encode: encodeServerKeyExchange },
  certificate_request: { decode: decodeCertificateRequest, encode: encodeCertificateRequest },
  server_hello_done: emptyBody('server_hello_done'),
  certificate_verify: { decode: decodeCertificateVerify, encode: encodeCertificateVerify },
  client_key_exchange: { decode: (r, _, kx) => decodeClientKeyExchange(r, kx), encode: encodeClientKeyExchange },
  finished: { decode: decodeFinished, encode: encodeFinished },
  certificate_status: { decode: decodeCertificateStatusMessage, encode: encodeCertificateStatusMessage },
  key_update: { decode: decodeKeyUpdate, encode: encodeKeyUpdate },
  message_hash: { decode: decodeMessageHash, encode: encodeMessageHash },
};

/** {@link CODECS} by msg_type (a dense table: a u8 key); `undefined` for a type not modelled. */
const CODEC_BY_TYPE: (MessageCodec<KnownHandshake> | undefined)[] = Array.from({ length: 256 });
for (const [name, codec] of Object.entries(CODECS)) {
  CODEC_BY_TYPE[HandshakeType[name as KnownHandshake['type']]] = codec as MessageCodec<KnownHandshake>;
}

/**
 * Decode one handshake body of type `msgType` from `r` (which must be narrowed to the body). Unknown
 * types become {@link UnknownHandshake}.
 */
export function decodeHandshakeBody(r: Reader, msgType: number, ctx: HandshakeContext = {}): HandshakeMessage {
  const codec = CODEC_BY_TYPE[msgType];
  if (!codec) return { type: 'unknown', msgType, body: r.rest() };
  return codec.decode(r, ctx.version ?? 'tls13', ctx.keyExchange ?? 'ecdhe');
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
  if (m.type === 'unknown') w.bytes(m.body);
  else (CODECS[m.type] as MessageCodec<KnownHandshake>).encode(w, m);
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

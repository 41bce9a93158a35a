/**
 * The small handshake messages: Finished, NewSessionTicket (TLS 1.2 and 1.3), EncryptedExtensions,
 * KeyUpdate, EndOfEarlyData, HelloRequest and the synthetic message_hash.
 * @module
 */
import type { Reader } from '../../bytes/reader.js';
import type { Writer } from '../../bytes/writer.js';
import { decodeExtensions, type Extension, encodeExtensions, NON_EMPTY } from '../extensions.js';

/**
 * Finished (RFC 8446 §4.4.4; RFC 5246 §7.4.9): `verify_data` fills the body (12 bytes in TLS 1.2,
 * Hash.length in TLS 1.3; the codec does not check the length, which depends on the cipher suite).
 */
export interface Finished {
  type: 'finished';
  verifyData: Uint8Array;
}

/** TLS 1.2 NewSessionTicket (RFC 5077 §3.3). */
export interface Tls12NewSessionTicket {
  type: 'new_session_ticket';
  version: 'tls12';
  /** `uint32 ticket_lifetime_hint`, seconds; 0 means unspecified. */
  lifetimeHint: number;
  /** `opaque ticket<0..2^16-1>`. */
  ticket: Uint8Array;
}

/** TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1). */
export interface Tls13NewSessionTicket {
  type: 'new_session_ticket';
  version: 'tls13';
  /** `uint32 ticket_lifetime`, seconds. */
  lifetime: number;
  /** `uint32 ticket_age_add`. */
  ageAdd: number;
  /** `opaque ticket_nonce<0..255>`. */
  nonce: Uint8Array;
  /** `opaque ticket<1..2^16-1>`. */
  ticket: Uint8Array;
  /** `Extension extensions<0..2^16-2>` (early_data carries max_early_data_size here). */
  extensions: Extension[];
}

/** NewSessionTicket in either version's form. */
export type NewSessionTicket = Tls12NewSessionTicket | Tls13NewSessionTicket;

/** EncryptedExtensions (RFC 8446 §4.3.1). */
export interface EncryptedExtensions {
  type: 'encrypted_extensions';
  extensions: Extension[];
}

/** KeyUpdate (RFC 8446 §4.6.3). */
export interface KeyUpdate {
  type: 'key_update';
  /** KeyUpdateRequest: update_not_requested(0), update_requested(1); other values are kept. */
  requestUpdate: number;
}

/** EndOfEarlyData (RFC 8446 §4.5): an empty body. */
export interface EndOfEarlyData {
  type: 'end_of_early_data';
}

/** HelloRequest (RFC 5246 §7.4.1.1): an empty body. */
export interface HelloRequest {
  type: 'hello_request';
}

/**
 * message_hash (RFC 8446 §4.4.1): replaces ClientHello1 in the transcript after a HelloRetryRequest.
 * Never sent; its body is Hash(ClientHello1).
 */
export interface MessageHash {
  type: 'message_hash';
  hash: Uint8Array;
}

/** Decode a Finished body. */
export function decodeFinished(r: Reader): Finished {
  return { type: 'finished', verifyData: r.rest() };
}

/** Encode a Finished body. */
export function encodeFinished(w: Writer, m: Finished): void {
  w.bytes(m.verifyData);
}

/** Decode a NewSessionTicket body in the form of `version`. */
export function decodeNewSessionTicket(r: Reader, version: 'tls12' | 'tls13'): NewSessionTicket {
  if (version === 'tls12') {
    const lifetimeHint = r.u32('ticket_lifetime_hint');
    return { type: 'new_session_ticket', version, lifetimeHint, ticket: r.opaque16('ticket') };
  }
  const lifetime = r.u32('ticket_lifetime');
  const ageAdd = r.u32('ticket_age_add');
  const nonce = r.opaque8('ticket_nonce');
  const ticket = r.opaque16('ticket', NON_EMPTY);
  const extensions = decodeExtensions(r, 'new_session_ticket');
  return { type: 'new_session_ticket', version, lifetime, ageAdd, nonce, ticket, extensions };
}

/** Encode a NewSessionTicket body (the form follows `m.version`). */
export function encodeNewSessionTicket(w: Writer, m: NewSessionTicket): void {
  if (m.version === 'tls12') {
    w.u32(m.lifetimeHint);
    w.opaque16(m.ticket);
    return;
  }
  w.u32(m.lifetime);
  w.u32(m.ageAdd);
  w.opaque8(m.nonce);
  w.opaque16(m.ticket);
  encodeExtensions(w, m.extensions);
}

/** Decode an EncryptedExtensions body. */
export function decodeEncryptedExtensions(r: Reader): EncryptedExtensions {
  return { type: 'encrypted_extensions', extensions: decodeExtensions(r, 'encrypted_extensions') };
}

/** Encode an EncryptedExtensions body. */
export function encodeEncryptedExtensions(w: Writer, m: EncryptedExtensions): void {
  encodeExtensions(w, m.extensions);
}

/** Decode a KeyUpdate body. */
export function decodeKeyUpdate(r: Reader): KeyUpdate {
  return { type: 'key_update', requestUpdate: r.u8('request_update') };
}

/** Encode a KeyUpdate body. */
export function encodeKeyUpdate(w: Writer, m: KeyUpdate): void {
  w.u8(m.requestUpdate);
}

/** Decode a message_hash body. */
export function decodeMessageHash(r: Reader): MessageHash {
  return { type: 'message_hash', hash: r.rest() };
}

/** Encode a message_hash body. */
export function encodeMessageHash(w: Writer, m: MessageHash): void {
  w.bytes(m.hash);
}

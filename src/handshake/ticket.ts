/**
 * Session tickets for the TLS 1.3 server (RFC 8446 §4.6.1) and 0-RTT anti-replay (RFC 8446 §8).
 *
 * {@link AeadTicketer} makes stateless tickets: the resumption state, encrypted and authenticated
 * with AES-256-GCM under a server ticket key (RFC 8446 §4.6.1 leaves the format to the server;
 * this is `key_name(16) ‖ nonce(12) ‖ AEAD(state)`, as RFC 5077 §4 recommends). The sealing is
 * {@link AeadStateTicketer}, generic over the state's codec; the TLS 1.2 ticketer
 * (`Tls12AeadTicketer`, RFC 5077) is the same sealing over its own state.
 *
 * {@link SingleUseAntiReplay} implements RFC 8446 §8.1 in spirit, per PSK binder instead of per
 * ticket: 0-RTT is accepted at most once for each binder until the ticket expires. Binders are
 * unique per ClientHello, so a replayed ClientHello is refused 0-RTT (it still completes a 1-RTT
 * handshake). Combined with the server's ticket-age freshness check (RFC 8446 §8.3, ±10 s) the
 * window is bounded. It is in memory: one instance per server process (or share a store).
 * @module
 */

import { constantTimeEqual, toHex } from '../bytes/hex.js';
import { Reader } from '../bytes/reader.js';
import { Writer } from '../bytes/writer.js';
import { type AeadContext, aeadContext, type CryptoProvider } from '../crypto/provider.js';
import type { AntiReplay, ServerSessionState, Ticketer } from './types.js';

const TICKET_VERSION = 1;

/** The TLS 1.3 resumption state (RFC 8446 §4.6.1) as a ticket's plaintext. */
function encodeState(s: ServerSessionState): Uint8Array {
  const text = new TextEncoder();
  return Writer.encode((w) => {
    w.u8(TICKET_VERSION);
    w.u16(s.cipherSuite);
    w.opaque8(s.psk);
    w.u32(s.ageAdd);
    w.u64(BigInt(Math.floor(s.issuedAt)));
    w.u32(s.lifetime);
    w.u32(s.maxEarlyDataSize);
    w.opaque8(text.encode(s.alpn ?? ''));
    w.u8(s.alpn === undefined ? 0 : 1);
    w.opaque16(text.encode(s.serverName ?? ''));
    w.u8(s.serverName === undefined ? 0 : 1);
  });
}

/** The inverse of {@link encodeState}. */
function decodeState(bytes: Uint8Array): ServerSessionState {
  const text = new TextDecoder();
  return Reader.decode(bytes, 'TicketState', (r) => {
    if (r.u8('version') !== TICKET_VERSION) r.fail('value', 'unknown ticket version');
    const cipherSuite = r.u16('cipher_suite');
    const psk = r.copy(r.u8('psk_length'), 'psk');
    const ageAdd = r.u32('age_add');
    const issuedAt = Number(r.u64('issued_at'));
    const lifetime = r.u32('lifetime');
    const maxEarlyDataSize = r.u32('max_early_data_size');
    const alpnText = text.decode(r.opaque8('alpn'));
    const alpn = r.u8('alpn_present') ? alpnText : undefined;
    const nameText = text.decode(r.opaque16('server_name'));
    const serverName = r.u8('server_name_present') ? nameText : undefined;
    return { cipherSuite, psk, ageAdd, issuedAt, lifetime, maxEarlyDataSize, alpn, serverName };
  });
}

/** How a ticketer writes a session state into a ticket's plaintext and reads it back. */
export interface StateCodec<S> {
  encode(state: S): Uint8Array;
  /** @throws on plaintext that is not a state of this codec (the ticket then does not open) */
  decode(plain: Uint8Array): S;
}

const KEY_NAME_LENGTH = 16;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;

/**
 * Stateless tickets of any session state: `key_name(16) ‖ nonce(12) ‖ AES-256-GCM(codec.encode(state))`
 * (RFC 5077 §4's recommended layout, the AEAD tag in place of its separate MAC), the key name (the
 * first 16 bytes of SHA-256 of the key) as additional data. A ticket under another key, damaged, or
 * whose plaintext the codec refuses does not open. Expiry is the server's check, against the state.
 */
export class AeadStateTicketer<S> {
  readonly #provider: CryptoProvider;
  /** AES-256-GCM keyed once (key expansion and GHASH tables), not per ticket. */
  readonly #aead: AeadContext;
  readonly #name: Uint8Array;
  readonly #codec: StateCodec<S>;

  /**
   * @param who the class name for the error message
   * @throws RangeError when `key` is not 32 bytes
   */
  constructor(who: string, provider: CryptoProvider, key: Uint8Array, codec: StateCodec<S>) {
    if (key.length !== 32) throw new RangeError(`${who}: key must be 32 bytes`);
    this.#provider = provider;
    this.#aead = aeadContext(provider, 'aes-256-gcm', key);
    this.#name = provider.hash('sha256', key).subarray(0, KEY_NAME_LENGTH);
    this.#codec = codec;
  }

  seal(state: S): Uint8Array {
    const nonce = this.#provider.random(NONCE_LENGTH);
    const plain = this.#codec.encode(state);
    const sealed = this.#aead.seal(nonce, plain, this.#name);
    plain.fill(0);
    return Writer.encode((w) => w.bytes(this.#name).bytes(nonce).bytes(sealed));
  }

  open(ticket: Uint8Array): S | undefined {
    if (ticket.length < KEY_NAME_LENGTH + NONCE_LENGTH + TAG_LENGTH) return undefined;
    const name = ticket.subarray(0, KEY_NAME_LENGTH);
    if (!constantTimeEqual(name, this.#name)) return undefined;
    const nonce = ticket.subarray(KEY_NAME_LENGTH, KEY_NAME_LENGTH + NONCE_LENGTH);
    const plain = this.#aead.open(nonce, ticket.subarray(KEY_NAME_LENGTH + NONCE_LENGTH), name);
    if (!plain) return undefined;
    try {
      return this.#codec.decode(plain);
    } catch {
      return undefined;
    } finally {
      plain.fill(0);
    }
  }
}

/**
 * Stateless tickets sealed with AES-256-GCM under `key` (32 bytes). Keep the key secret and rotate
 * it: a ticket under an older key simply fails to open (full handshake).
 * @example const ticketer = new AeadTicketer(provider, provider.random(32));
 */
export class AeadTicketer extends AeadStateTicketer<ServerSessionState> implements Ticketer {
  /** @throws RangeError when `key` is not 32 bytes */
  constructor(provider: CryptoProvider, key: Uint8Array) {
    super('AeadTicketer', provider, key, { encode: encodeState, decode: decodeState });
  }
}

/** In-memory single-use anti-replay (see the module comment), with expired entries dropped as it goes. */
export class SingleUseAntiReplay implements AntiReplay {
  readonly #seen = new Map<string, number>();

  accept(key: Uint8Array, expiresAt: number, now: number): boolean {
    for (const [k, until] of this.#seen) if (until <= now) this.#seen.delete(k);
    const id = toHex(key);
    if (this.#seen.has(id)) return false;
    this.#seen.set(id, expiresAt);
    return true;
  }
}

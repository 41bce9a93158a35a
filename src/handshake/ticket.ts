/**
 * Session tickets for the TLS 1.3 server (RFC 8446 §4.6.1) and 0-RTT anti-replay (RFC 8446 §8).
 *
 * {@link AeadTicketer} makes stateless tickets: the resumption state, encrypted and authenticated
 * with AES-256-GCM under a server ticket key (RFC 8446 §4.6.1 leaves the format to the server;
 * this is `key_name(16) ‖ nonce(12) ‖ AEAD(state)`, as RFC 5077 §4 recommends).
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

/**
 * Stateless tickets sealed with AES-256-GCM under `key` (32 bytes). Keep the key secret and rotate
 * it: a ticket under an older key simply fails to open (full handshake).
 * @example const ticketer = new AeadTicketer(provider, provider.random(32));
 */
export class AeadTicketer implements Ticketer {
  readonly #provider: CryptoProvider;
  /** AES-256-GCM keyed once (key expansion and GHASH tables), not per ticket. */
  readonly #aead: AeadContext;
  readonly #name: Uint8Array;

  constructor(provider: CryptoProvider, key: Uint8Array) {
    if (key.length !== 32) throw new RangeError('AeadTicketer: key must be 32 bytes');
    this.#provider = provider;
    this.#aead = aeadContext(provider, 'aes-256-gcm', key);
    this.#name = provider.hash('sha256', key).subarray(0, 16);
  }

  seal(state: ServerSessionState): Uint8Array {
    const nonce = this.#provider.random(12);
    const plain = encodeState(state);
    const sealed = this.#aead.seal(nonce, plain, this.#name);
    plain.fill(0);
    return Writer.encode((w) => w.bytes(this.#name).bytes(nonce).bytes(sealed));
  }

  open(ticket: Uint8Array): ServerSessionState | undefined {
    if (ticket.length < 16 + 12 + 16) return undefined;
    const name = ticket.subarray(0, 16);
    if (!constantTimeEqual(name, this.#name)) return undefined;
    const plain = this.#aead.open(ticket.subarray(16, 28), ticket.subarray(28), name);
    if (!plain) return undefined;
    try {
      return decodeState(plain);
    } catch {
      return undefined;
    } finally {
      plain.fill(0);
    }
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

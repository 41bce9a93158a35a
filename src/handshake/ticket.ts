/**
 * Session tickets for the TLS 1.3 server (RFC 8446 §4.6.1) and 0-RTT anti-replay (RFC 8446 §8).
 *
 * {@link AeadTicketer} makes stateless tickets: the resumption state, encrypted and authenticated
 * with AES-256-GCM under a server ticket key (RFC 8446 §4.6.1 leaves the format to the server;
 * this is `key_name(16) ‖ nonce(12) ‖ AEAD(state)`, as RFC 5077 §4 recommends). The sealing is
 * {@link AeadStateTicketer}, generic over the state's codec, each codec a table of the state's
 * fields ({@link fieldCodec}); the TLS 1.2 ticketer (`Tls12AeadTicketer`, RFC 5077) is the same
 * sealing over its own state.
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

/** How a ticketer writes a session state into a ticket's plaintext and reads it back. */
export interface StateCodec<S> {
  encode(state: S): Uint8Array;
  /** @throws on plaintext that is not a state of this codec (the ticket then does not open) */
  decode(plain: Uint8Array): S;
}

/** How one field of a session state is written into a ticket's plaintext and read back. */
export interface FieldCodec<T> {
  write(w: Writer, value: T): void;
  /** `field` names it in a decode error. */
  read(r: Reader, field: string): T;
}

/** Every field of a state with its codec; the order of the properties is the order in the plaintext. */
export type StateFields<S> = { readonly [K in keyof S]-?: FieldCodec<S[K]> };

const u16: FieldCodec<number> = { write: (w, v) => w.u16(v), read: (r, f) => r.u16(f) };
const u32: FieldCodec<number> = { write: (w, v) => w.u32(v), read: (r, f) => r.u32(f) };
const time: FieldCodec<number> = { write: (w, v) => w.u64(BigInt(Math.floor(v))), read: (r, f) => Number(r.u64(f)) };
const opaque8: FieldCodec<Uint8Array> = { write: (w, v) => w.opaque8(v), read: (r, f) => r.opaque8(f).slice() };
const flag: FieldCodec<boolean> = { write: (w, v) => w.u8(v ? 1 : 0), read: (r, f) => r.u8(f) === 1 };

/** Text that may be absent: its UTF-8 bytes (none when absent) and a presence byte `before` or `after` them. */
function optionalText(width: 8 | 16, presence: 'before' | 'after'): FieldCodec<string | undefined> {
  return {
    write(w, value) {
      if (presence === 'before') flag.write(w, value !== undefined);
      const bytes = new TextEncoder().encode(value ?? '');
      if (width === 8) w.opaque8(bytes);
      else w.opaque16(bytes);
      if (presence === 'after') flag.write(w, value !== undefined);
    },
    read(r, f) {
      let present = presence === 'before' && flag.read(r, `${f}_present`);
      const text = new TextDecoder().decode(width === 8 ? r.opaque8(f) : r.opaque16(f));
      if (presence === 'after') present = flag.read(r, `${f}_present`);
      return present ? text : undefined;
    },
  };
}

/**
 * The field codecs of ticket states: u16 and u32; `time`, clock milliseconds as a whole u64;
 * `opaque8`, bytes with an 8-bit length (read as a copy); `flag`, a boolean byte (1 for true);
 * `optionalText`, text with an 8- or 16-bit length and a presence byte.
 */
export const field = { u16, u32, time, opaque8, flag, optionalText } as const;

/** The codec of a state written as `version` (one byte) and then its `fields`; `name` labels decode errors. */
export function fieldCodec<S>(name: string, version: number, fields: StateFields<S>): StateCodec<S> {
  const entries = Object.entries(fields) as [keyof S & string, FieldCodec<unknown>][];
  return {
    encode: (state) =>
      Writer.encode((w) => {
        w.u8(version);
        for (const [key, codec] of entries) codec.write(w, state[key]);
      }),
    decode: (plain) =>
      Reader.decode(plain, name, (r) => {
        if (r.u8('version') !== version) r.fail('value', `not a ${name} of version ${version}`);
        const state: Partial<Record<keyof S, unknown>> = {};
        for (const [key, codec] of entries) state[key] = codec.read(r, key);
        return state as S;
      }),
  };
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

const TICKET_VERSION = 1;

/** The TLS 1.3 resumption state (RFC 8446 §4.6.1) as a ticket's plaintext: these fields in this order. */
const STATE_CODEC = fieldCodec<ServerSessionState>('TicketState', TICKET_VERSION, {
  cipherSuite: field.u16,
  psk: field.opaque8,
  ageAdd: field.u32,
  issuedAt: field.time,
  lifetime: field.u32,
  maxEarlyDataSize: field.u32,
  alpn: field.optionalText(8, 'after'),
  serverName: field.optionalText(16, 'after'),
});

/**
 * Stateless tickets sealed with AES-256-GCM under `key` (32 bytes). Keep the key secret and rotate
 * it: a ticket under an older key simply fails to open (full handshake).
 * @example const ticketer = new AeadTicketer(provider, provider.random(32));
 */
export class AeadTicketer extends AeadStateTicketer<ServerSessionState> implements Ticketer {
  /** @throws RangeError when `key` is not 32 bytes */
  constructor(provider: CryptoProvider, key: Uint8Array) {
    super('AeadTicketer', provider, key, STATE_CODEC);
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

/**
 * Session tickets for the TLS 1.3 server (RFC 8446 §4.6.1) and 0-RTT anti-replay (RFC 8446 §8).
 *
 * {@link AeadTicketer} makes stateless tickets: the resumption state, encrypted and authenticated
 * with AES-256-GCM under a server ticket key (RFC 8446 §4.6.1 leaves the format to the server;
 * this is `key_name(16) ‖ nonce(12) ‖ AEAD(state)`, as RFC 5077 §4 recommends). The sealing is
 * {@link AeadStateTicketer}, generic over the state's codec, each codec a table of the state's
 * fields ({@link fieldCodec}) ending with the {@link SESSION_FIELDS} both versions keep; the TLS 1.2
 * ticketer (`Tls12AeadTicketer`, RFC 5077) is the same sealing over its own state.
 *
 * {@link SingleUseAntiReplay} makes each ticket single-use for 0-RTT (RFC 8446 §8.1) within the
 * freshness window (§8.2, §8.3): the server accepts 0-RTT only for a ClientHello whose ticket age is
 * within {@link TICKET_AGE_TOLERANCE} of the ticket's real age, and asks the store, keyed by the
 * ticket, which remembers each acceptance until that window has closed. A second 0-RTT attempt with
 * the same ticket inside the window — a replayed ClientHello, or a new one — is refused 0-RTT (the
 * handshake goes on in 1-RTT); once the window has closed, no ClientHello of the first attempt can
 * pass the freshness check again. The store is bounded and refuses 0-RTT when full.
 * @module
 */

import { constantTimeEqual } from '../bytes/hex.js';
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

/** Text that may be absent: a presence byte, then its UTF-8 bytes (none when absent) with a `width`-bit length. */
function optionalText(width: 8 | 16): FieldCodec<string | undefined> {
  return {
    write(w, value) {
      flag.write(w, value !== undefined);
      const bytes = new TextEncoder().encode(value ?? '');
      if (width === 8) w.opaque8(bytes);
      else w.opaque16(bytes);
    },
    read(r, f) {
      const present = flag.read(r, `${f}_present`);
      const text = new TextDecoder().decode(width === 8 ? r.opaque8(f) : r.opaque16(f));
      return present ? text : undefined;
    },
  };
}

/**
 * The field codecs of ticket states: u16 and u32; `time`, clock milliseconds as a whole u64;
 * `opaque8`, bytes with an 8-bit length (read as a copy); `flag`, a boolean byte (1 for true);
 * `optionalText`, a presence byte and text with an 8- or 16-bit length.
 */
export const field = { u16, u32, time, opaque8, flag, optionalText } as const;

/** What the resumption states of both versions keep besides their suite and secrets (RFC 8446 §4.6.1, RFC 5077 §4). */
export interface SessionFields {
  /** Clock time (ms) the session or ticket was issued. */
  issuedAt: number;
  /** Seconds. */
  lifetime: number;
  alpn: string | undefined;
  /** The SNI of the connection that made it: resumption under another name is refused (RFC 6066 §3). */
  serverName: string | undefined;
}

/** The shared fields' codecs, in the order they end each ticket's plaintext. */
export const SESSION_FIELDS: StateFields<SessionFields> = {
  issuedAt: field.time,
  lifetime: field.u32,
  alpn: field.optionalText(8),
  serverName: field.optionalText(16),
};

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

/** A class of {@link AeadStateTicketer}s of state `S`, constructed from a provider and a 32-byte key. */
export type AeadTicketerClass<S> = new (provider: CryptoProvider, key: Uint8Array) => AeadStateTicketer<S>;

/**
 * The class of stateless AES-256-GCM tickets of a state written as `version` and `fields`
 * ({@link fieldCodec}); `name` is the class's name in its errors. Both versions' ticketers are such classes.
 */
export function aeadTicketerClass<S>(name: string, version: number, fields: StateFields<S>): AeadTicketerClass<S> {
  const codec = fieldCodec(`${name} state`, version, fields);
  return class extends AeadStateTicketer<S> {
    /** @throws RangeError when `key` is not 32 bytes */
    constructor(provider: CryptoProvider, key: Uint8Array) {
      super(name, provider, key, codec);
    }
  };
}

/** Version 2: the shared fields last, each optional text after its presence byte (version 1 tickets do not open). */
const TICKET_VERSION = 2;

/**
 * Stateless tickets sealed with AES-256-GCM under `key` (32 bytes), the TLS 1.3 resumption state
 * (RFC 8446 §4.6.1) as their plaintext: version 2, then these fields in this order. Keep the key
 * secret and rotate it: a ticket under an older key simply fails to open (full handshake).
 * @example const ticketer = new AeadTicketer(provider, provider.random(32));
 * @throws RangeError (constructor) when `key` is not 32 bytes
 */
export class AeadTicketer
  extends aeadTicketerClass<ServerSessionState>('AeadTicketer', TICKET_VERSION, {
    cipherSuite: field.u16,
    psk: field.opaque8,
    ageAdd: field.u32,
    maxEarlyDataSize: field.u32,
    ...SESSION_FIELDS,
  })
  implements Ticketer {}

/**
 * How far (ms) the client's view of a ticket's age may be from ours before 0-RTT is refused (RFC 8446
 * §8.3 suggests windows "on the order of ten seconds"): a ClientHello passes the freshness check from
 * `expected_arrival_time - TICKET_AGE_TOLERANCE` to `expected_arrival_time + TICKET_AGE_TOLERANCE`.
 */
export const TICKET_AGE_TOLERANCE = 10_000;

/** The default bound of {@link SingleUseAntiReplay}: tickets inside their freshness window at once. */
export const DEFAULT_ANTI_REPLAY_ENTRIES = 100_000;

/** Options of {@link SingleUseAntiReplay}. */
export interface AntiReplayOptions {
  /**
   * Most tickets remembered at once (default {@link DEFAULT_ANTI_REPLAY_ENTRIES}; about 105 bytes
   * each). When that many are inside their window, 0-RTT is refused (fail closed) until some close.
   */
  maxEntries?: number;
  /**
   * Clock time (ms) from which this store has seen every 0-RTT attempt its server accepted. Until one
   * window (2 × {@link TICKET_AGE_TOLERANCE}) has passed since, 0-RTT is refused (RFC 8446 §8.2: a
   * freshly started server might otherwise accept what an earlier instance accepted). Set it when the
   * ticket key outlives this store (a key loaded from disk, shared by restarts); default: no such wait.
   */
  startedAt?: number;
}

/**
 * In-memory single-use anti-replay for 0-RTT (see the module comment), one per server process (share
 * one across the servers that share a ticket key). Keyed by ticket: `accept(key, expiresAt, now)`
 * returns true the first time it sees `key`, then false while `now ≤ expiresAt` (the last moment that
 * attempt's ClientHello passes the freshness check); with `maxEntries` entries held it returns false
 * for any new key. Insert, check and expiry are O(1) (amortised): a map from key to window end for
 * the check, and the same entries in arrival order, dropped from the front once expired. An entry
 * that expires behind a later-expiring one leaves with it: until then it still counts towards
 * `maxEntries` but refuses nothing.
 * @example new TlsServer({ certificate, ticketer, maxEarlyDataSize: 16384, antiReplay: new SingleUseAntiReplay() })
 */
export class SingleUseAntiReplay implements AntiReplay {
  /** Ticket key (a character per byte) → end of its window (the latest, when a key came back after its window). */
  readonly #until = new Map<string, number>();
  /** Every accepted entry in arrival order, from `#head` on (parallel arrays). */
  #ids: string[] = [];
  #ends: number[] = [];
  #head = 0;
  readonly #max: number;
  readonly #openFrom: number;

  /** @throws RangeError when `maxEntries` is not a whole number ≥ 1 */
  constructor(options: AntiReplayOptions = {}) {
    const max = options.maxEntries ?? DEFAULT_ANTI_REPLAY_ENTRIES;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('SingleUseAntiReplay: maxEntries must be ≥ 1');
    this.#max = max;
    this.#openFrom = options.startedAt === undefined ? -Infinity : options.startedAt + 2 * TICKET_AGE_TOLERANCE;
  }

  /** Tickets remembered now (at most `maxEntries`; expired ones go at the next `accept`). */
  get size(): number {
    return this.#until.size;
  }

  accept(key: Uint8Array, expiresAt: number, now: number): boolean {
    this.#dropExpired(now);
    if (now < this.#openFrom) return false;
    // One character per byte: a flat 16-character string for the server's 16-byte keys.
    const id = String.fromCharCode(...key);
    const until = this.#until.get(id);
    if (until !== undefined && until >= now) return false;
    if (this.#ids.length - this.#head >= this.#max) return false;
    this.#until.set(id, expiresAt);
    this.#ids.push(id);
    this.#ends.push(expiresAt);
    return true;
  }

  /** Drop entries from the front while their window has closed; compact the arrays now and then. */
  #dropExpired(now: number): void {
    const ids = this.#ids;
    const ends = this.#ends;
    let head = this.#head;
    while (head < ids.length && ends[head]! < now) {
      const id = ids[head]!;
      if (this.#until.get(id) === ends[head]) this.#until.delete(id);
      head++;
    }
    if (head > 1024 && head * 2 > ids.length) {
      this.#ids = ids.slice(head);
      this.#ends = ends.slice(head);
      head = 0;
    }
    this.#head = head;
  }
}

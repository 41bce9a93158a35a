/**
 * TLS 1.2 session resumption state (RFC 5246 §7.3, §7.4.1.2–3; RFC 5077):
 * - {@link MemorySessionStore}: the server's session-ID cache, bounded in size, entries expiring
 *   after their lifetime, least recently used evicted first;
 * - {@link Tls12AeadTicketer}: stateless RFC 5077 tickets, `key_name(16) ‖ nonce(12) ‖ AES-256-GCM(state)`
 *   as RFC 5077 §4 recommends (the AEAD tag replaces the separate MAC): the sealing of the TLS 1.3
 *   ticketer (src/handshake/ticket.ts) over the TLS 1.2 state, written by its field-table codec;
 * - {@link ClientSessionCache}: a client's sessions per server name and port.
 * @module
 */
import { toHex } from '../../bytes/hex.js';
import { aeadTicketerClass, field, SESSION_FIELDS } from '../ticket.js';
import type { Tls12ClientSession, Tls12SessionState, Tls12SessionStore, Tls12Ticketer } from './types.js';

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept (default 1024); the least recently used goes first. */
  maxEntries?: number;
  /** Milliseconds since the epoch (default Date.now): entries past `issuedAt + lifetime` are dropped. */
  now?: () => number;
}

/**
 * The map under both caches: string keys, at most `maxEntries` values, the oldest first out (by
 * insertion, or by use where `get` is asked to refresh), a value dropped once its expiry time has
 * passed. `drop` sees every value that leaves by eviction, expiry or removal (not one replaced by `put`).
 */
class BoundedMap<V> {
  readonly #entries = new Map<string, V>();
  readonly #max: number;
  readonly #now: () => number;
  readonly #expiresAt: (value: V) => number;
  readonly #drop: (value: V) => void;

  /** @throws RangeError when `maxEntries` is not a whole number ≥ 1 (`who` names the cache) */
  constructor(
    who: string,
    options: MemorySessionStoreOptions,
    defaultMax: number,
    expiresAt: (value: V) => number,
    drop: (value: V) => void = () => {},
  ) {
    const max = options.maxEntries ?? defaultMax;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`${who}: maxEntries must be ≥ 1`);
    this.#max = max;
    this.#now = options.now ?? Date.now;
    this.#expiresAt = expiresAt;
    this.#drop = drop;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Store `value` as the newest under `key` (replacing the one before), evicting the oldest past the bound. */
  put(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  /** The value under `key` unless expired (then dropped); `refresh` makes it the most recently used. */
  get(key: string, refresh: boolean): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    if (this.#now() >= this.#expiresAt(value)) {
      this.remove(key);
      return undefined;
    }
    if (refresh) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  remove(key: string): void {
    const value = this.#entries.get(key);
    if (value !== undefined) this.#drop(value);
    this.#entries.delete(key);
  }
}

/** What both caches are: a {@link BoundedMap} behind keys of their own, and its size. */
abstract class BoundedCache<V> {
  protected constructor(protected readonly entries: BoundedMap<V>) {}

  /** Number of sessions held. */
  get size(): number {
    return this.entries.size;
  }
}

/**
 * An in-memory session-ID cache. Sessions expire after their `lifetime` (RFC 5246 §7.4.1.2 suggests
 * at most 24 hours; the server's `sessionLifetime` sets it).
 * @example const server = new Tls12Server({ certificate, sessionStore: new MemorySessionStore() });
 */
export class MemorySessionStore extends BoundedCache<Tls12SessionState> implements Tls12SessionStore {
  /** Least recently used first; a master secret leaving the cache is wiped. */
  constructor(options: MemorySessionStoreOptions = {}) {
    super(
      new BoundedMap<Tls12SessionState>(
        'MemorySessionStore',
        options,
        1024,
        (state) => state.issuedAt + state.lifetime * 1000,
        (state) => state.masterSecret.fill(0),
      ),
    );
  }

  put(sessionId: Uint8Array, state: Tls12SessionState): void {
    this.entries.put(toHex(sessionId), { ...state, masterSecret: state.masterSecret.slice() });
  }

  get(sessionId: Uint8Array): Tls12SessionState | undefined {
    const state = this.entries.get(toHex(sessionId), true);
    return state && { ...state, masterSecret: state.masterSecret.slice() };
  }

  remove(sessionId: Uint8Array): void {
    this.entries.remove(toHex(sessionId));
  }
}

/**
 * Stateless RFC 5077 tickets sealed with AES-256-GCM under `key` (32 bytes), the TLS 1.2 session
 * state (RFC 5077 §4: master secret, suite, …) as their plaintext: version 0x12, then these fields in
 * this order. Rotate the key to retire tickets: one under another key does not open (the server then
 * does a full handshake). Expiry is checked by the server against the state's `issuedAt` and `lifetime`.
 * @example const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
 * @throws RangeError (constructor) when `key` is not 32 bytes
 */
export class Tls12AeadTicketer
  extends aeadTicketerClass<Tls12SessionState>('Tls12AeadTicketer', 0x12, {
    cipherSuite: field.u16,
    masterSecret: field.opaque8,
    extendedMasterSecret: field.flag,
    ...SESSION_FIELDS,
  })
  implements Tls12Ticketer {}

/** What {@link ClientSessionCache} needs of a session: when it arrived and how long it lives. */
export interface ExpiringSession {
  /** Clock time (ms) the session was received. */
  readonly receivedAt: number;
  /** Seconds. */
  readonly lifetime: number;
}

/**
 * A client's resumable sessions, one per server name and port (the latest wins; the least recently
 * stored goes first past `maxEntries`), dropped once their lifetime has passed. Generic over the
 * session type, so the Node adapter keeps sessions of either version in the same cache.
 * @example
 * cache.put('example.com', 443, session);          // from a `session` event
 * new Tls12Client({ ..., session: cache.get('example.com', 443) });
 */
export class ClientSessionCache<S extends ExpiringSession = Tls12ClientSession> extends BoundedCache<S> {
  /** Least recently stored first; one session per server. */
  constructor(options: MemorySessionStoreOptions = {}) {
    super(new BoundedMap<S>('ClientSessionCache', options, 256, (s) => s.receivedAt + s.lifetime * 1000));
  }

  /** Remember `session` for `serverName:port` (replacing the one before). */
  put(serverName: string, port: number, session: S): void {
    this.entries.put(`${serverName}:${port}`, session);
  }

  /** The session for `serverName:port`, unless expired. */
  get(serverName: string, port: number): S | undefined {
    return this.entries.get(`${serverName}:${port}`, false);
  }

  /** Forget the session of `serverName:port` (after a failed resumption). */
  remove(serverName: string, port: number): void {
    this.entries.remove(`${serverName}:${port}`);
  }
}

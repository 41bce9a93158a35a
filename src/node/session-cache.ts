/**
 * {@link TlsSessionCache}: a client's resumable sessions of either version (a TLS 1.3 ticket, a TLS
 * 1.2 session ID and/or ticket) per server name and port, for `connect({ sessionCache })`: the
 * newest session of a server wins, and sessions are dropped once their lifetime has passed.
 * @module
 */
import type { Tls12ClientSession } from '../handshake/tls12/types.js';
import type { ClientSession } from '../handshake/types.js';
import { ProtocolVersion } from '../tls/enums.js';

/** A resumable session of either version, as the `session` event of a {@link TlsSocket} carries it. */
export type AnyClientSession = ClientSession | Tls12ClientSession;

/** Whether `session` is a TLS 1.2 session (it names its version; a TLS 1.3 session does not). */
export function isTls12Session(session: AnyClientSession): session is Tls12ClientSession {
  return 'version' in session && session.version === ProtocolVersion.TLS1_2;
}

/** Options of {@link TlsSessionCache}. */
export interface TlsSessionCacheOptions {
  /** Most servers remembered (default 256); the least recently stored goes first. */
  maxEntries?: number;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
}

/**
 * Sessions by `serverName:port`.
 * @example
 * const cache = new TlsSessionCache();
 * connect({ host: 'example.com', port: 443, sessionCache: cache }); // stores the session
 * connect({ host: 'example.com', port: 443, sessionCache: cache }); // resumes it
 */
export class TlsSessionCache {
  readonly #sessions = new Map<string, AnyClientSession>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: TlsSessionCacheOptions = {}) {
    const max = options.maxEntries ?? 256;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('TlsSessionCache: maxEntries must be ≥ 1');
    this.#max = max;
    this.#now = options.now ?? Date.now;
  }

  /** Number of servers with a session. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Remember `session` for `serverName:port` (replacing the one before). */
  put(serverName: string, port: number, session: AnyClientSession): void {
    const key = `${serverName}:${port}`;
    this.#sessions.delete(key);
    this.#sessions.set(key, session);
    while (this.#sessions.size > this.#max) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
  }

  /** The session of `serverName:port`, unless its lifetime has passed. */
  get(serverName: string, port: number): AnyClientSession | undefined {
    const key = `${serverName}:${port}`;
    const session = this.#sessions.get(key);
    if (!session) return undefined;
    if (this.#now() >= session.receivedAt + session.lifetime * 1000) {
      this.#sessions.delete(key);
      return undefined;
    }
    return session;
  }

  /** Forget the session of `serverName:port`. */
  remove(serverName: string, port: number): void {
    this.#sessions.delete(`${serverName}:${port}`);
  }
}

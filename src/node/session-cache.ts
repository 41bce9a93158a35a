/**
 * {@link TlsSessionCache}: a client's resumable sessions of either version (a TLS 1.3 ticket, a TLS
 * 1.2 session ID and/or ticket) per server name and port, for `connect({ sessionCache })`: the
 * newest session of a server wins, and sessions are dropped once their lifetime has passed.
 * @module
 */
import { ClientSessionCache, type MemorySessionStoreOptions } from '../handshake/tls12/session-cache.js';
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
export type TlsSessionCacheOptions = MemorySessionStoreOptions;

/**
 * Sessions by `serverName:port` (the handshake layer's {@link ClientSessionCache}, holding either
 * version's sessions).
 * @example
 * const cache = new TlsSessionCache();
 * connect({ host: 'example.com', port: 443, sessionCache: cache }); // stores the session
 * connect({ host: 'example.com', port: 443, sessionCache: cache }); // resumes it
 */
export class TlsSessionCache extends ClientSessionCache<AnyClientSession> {}

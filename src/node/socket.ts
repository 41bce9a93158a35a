/**
 * {@link TlsSocket}: a TLS connection over a `node:net` socket as a Node `Duplex` (the sans-IO
 * machine of TLS 1.3, of TLS 1.2, or the one negotiating between them), like `tls.TLSSocket`: write application data, read application data, `end()` sends
 * close_notify, and backpressure holds both ways (a full readable buffer pauses the TCP socket; a
 * write completes once the TCP socket has taken its records; answers to received records that the
 * TCP socket does not take stop reading). An idle timeout (`setTimeout`) and a handshake deadline
 * (`handshakeTimeout` option) bound how long a connection is held (docs/security.md).
 *
 * Events besides the stream's own:
 * - `secureConnect` (client) / `secure` (both roles) `(negotiated: Negotiated)`: the handshake is done;
 * - `session` `(session: ClientSession | Tls12ClientSession)`: a session to resume with (client): a
 *   TLS 1.3 ticket, or a TLS 1.2 session (session ID and/or ticket);
 * - `keylog` `(line: string)`: an SSLKEYLOGFILE line, without the newline (TLS 1.3 secrets, or TLS
 *   1.2's `CLIENT_RANDOM` master secret);
 * - `OCSPResponse` `(response: Buffer)` (client, as node:tls): the OCSP response the server stapled, when
 *   stapling was asked for (`requestOCSP` / `requestOcsp`), before `secureConnect`; `ocsp` has its status;
 * - `tls` `(event: AnyTlsEvent)`: every event of the state machine except `send` and `data` (for tracing);
 * - `error` `(error: TlsConnectionError)`: the typed error, its alert and the stage that failed.
 *
 * Events are acted on strictly in order through one queue, also when a listener calls back into the
 * socket (a `secure` listener that writes, a `data` listener that echoes): records sealed by that call
 * go out after the records of the events still queued (which were sealed first), never before them.
 * @module
 */
import { X509Certificate } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TlswireError } from '../bytes/errors.js';
import { type KeyLogLabel, keyLogLine } from '../crypto/keylog.js';
import { TlsClient } from '../handshake/client.js';
import type { AnyTlsEvent, NegotiatingClient, NegotiatingServer } from '../handshake/negotiate.js';
import { TlsServer } from '../handshake/server.js';
import type { OcspStapleReport } from '../handshake/stapling.js';
import type { Tls12Client } from '../handshake/tls12/client.js';
import type { Tls12Server } from '../handshake/tls12/server.js';
import type { Tls12Negotiated } from '../handshake/tls12/types.js';
import type { Negotiated } from '../handshake/types.js';
import { NamedGroup, nameOf, ProtocolVersion } from '../tls/enums.js';
import { type Certificate, parseCertificate } from '../x509/certificate.js';
import type { CertificateError } from '../x509/errors.js';
import { PEER_CLOSED_IN_HANDSHAKE, TlsConnectionError } from './errors.js';
import {
  type CipherNameAndProtocol,
  cipherInfo,
  type NodePeerCertificate,
  nodeCodeOf,
  peerCertificateObject,
} from './node-tls.js';
import type { AnyClientSession } from './session-cache.js';

/**
 * Bytes of records answering received ones (KeyUpdate answers, alerts) that may wait for the TCP
 * socket before we stop reading it.
 */
export const MAX_PENDING_REPLY_BYTES = 16384;

/** Options of a {@link TlsSocket}. */
export interface TlsSocketOptions {
  /** Destroy the connection unless its handshake completes within this many milliseconds (0 or absent: no limit). */
  handshakeTimeout?: number;
  /** Client: the server name asked for (`servername`; an IP address sends none). */
  servername?: string;
  /** The trust anchors (DER) that may end the peer's chain, for `getPeerCertificate(true)`. */
  anchors?: () => readonly Uint8Array[];
  /** Server: a client certificate is asked for (`requestCert`), so `authorized` reports on it. */
  requestCert?: boolean;
  /**
   * Client: the `authorizationError` of the connection that made the session offered (null: it was
   * authorized), reported again when the session is resumed, as node:tls reports the result kept in
   * OpenSSL's session. Undefined (a session of unknown origin): authorized.
   */
  resumedAuthorizationError?: string | null;
  /** Client: sets the server name to send (for `setServername()` before the handshake starts). */
  setServername?: (name: string) => void;
}

/** The state machine a {@link TlsSocket} drives. */
export type TlsConnection = TlsClient | TlsServer | Tls12Client | Tls12Server | NegotiatingClient | NegotiatingServer;

/** A TLS connection over a TCP socket, as a Duplex stream of application data. */
export class TlsSocket extends Duplex {
  /** The TCP socket underneath. */
  readonly socket: Socket;
  /** The state machine, or the function that builds it when it is first needed. */
  #connection: TlsConnection | (() => TlsConnection);
  readonly role: 'client' | 'server';
  /** What was agreed, once the ServerHello and EncryptedExtensions are processed. */
  negotiated: Negotiated | Tls12Negotiated | undefined;
  /** The peer's certificate chain (DER, leaf first), once it has proved possession of the leaf key. */
  peerCertificates: Uint8Array[] = [];
  /** Client: what the server stapled (RFC 6066 §8) and its verified status, when stapling was asked for. */
  ocsp: OcspStapleReport | undefined;
  /** True once the handshake is complete. */
  secure = false;
  /** 0-RTT application data bytes received (server) before the handshake completed. */
  earlyDataReceived = 0;
  /** Application data bytes read from the peer and written by us. */
  bytesRead = 0;
  bytesWritten = 0;
  /** Always true (node:tls `encrypted`). */
  readonly encrypted = true;
  /**
   * Whether the peer's certificate verified (chain, then host name), as node:tls: known once the
   * handshake completes, also with `rejectUnauthorized: false`. A server without `requestCert`: false.
   */
  authorized = false;
  /** Why the peer is not authorized: node:tls's code (`CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`, …), else null. */
  authorizationError: string | null = null;
  /** The CertificateError behind {@link authorizationError} (its reason and hint). */
  authorizationFailure: CertificateError | undefined;
  /**
   * The server name sent (client) or received (server) once the handshake is done, false when none was,
   * null before (as node:tls).
   */
  servername: string | false | null = null;

  #queue: AnyTlsEvent[] = [];
  /** The sends in {@link #queue} that answer received records (KeyUpdate answers, alerts, tickets). */
  #replies = new Set<AnyTlsEvent>();
  /** Bytes of such answers not yet handed to the kernel. */
  #replyBytes = 0;
  #draining = false;
  /** end() was called while events were being acted on: end the TCP socket after them. */
  #endQueued = false;
  #pendingWrites: { chunk: Uint8Array; callback: (error?: Error | null) => void }[] = [];
  #pendingFinal: ((error?: Error | null) => void) | undefined;
  #peerClosed = false;
  #failed = false;
  #closeSent = false;
  /** Our readable buffer is full (push() returned false): stop reading the TCP socket until _read. */
  #readBlocked = false;
  /** Over {@link MAX_PENDING_REPLY_BYTES} of answers are unflushed: stop reading until they are. */
  #writeBlocked = false;
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  /** A write the TCP socket refused (EPIPE, ECONNRESET): reported once what the peer sent is read. */
  #writeError: Error | undefined;
  #options: TlsSocketOptions;
  /** A verifier recorded its result (else a server that asked saw no client certificate). */
  #verified = false;
  /** verify_data of our Finished and of the peer's (the last ones of the handshake). */
  #finished: { sent?: Uint8Array; received?: Uint8Array } = {};

  /**
   * Wrap `socket` (connected or connecting) and `connection` (or a function building it when it is
   * first needed: a client's settings may change until its handshake starts, see `setServername`). A
   * client's handshake starts when the socket connects (at once when it already is).
   */
  constructor(
    socket: Socket,
    connection: TlsConnection | (() => TlsConnection),
    role: 'client' | 'server',
    options: TlsSocketOptions = {},
  ) {
    super({ allowHalfOpen: false });
    this.socket = socket;
    this.#connection = connection;
    this.role = role;
    this.#options = options;
    socket.on('data', (chunk: Uint8Array) => this.#run(() => this.connection.handle(chunk, true), true));
    socket.on('end', () => this.#onTransportEnd());
    socket.on('error', (e) => this.#fail(e, true));
    socket.on('close', () => this.#onTransportEnd());
    socket.on('timeout', () => this.emit('timeout'));
    // A socket handed over paused (after readClientHello, say) is read from now on.
    if (socket.readableFlowing === false) socket.resume();
    this.#holdWriteErrors();
    this.#startHandshakeTimer(options.handshakeTimeout ?? 0);
    if (role === 'client') {
      const start = () => this.#run(() => (this.connection as TlsClient | Tls12Client | NegotiatingClient).start());
      if (socket.connecting) socket.once('connect', start);
      else queueMicrotask(start);
    }
  }

  /** The sans-IO connection (for `keyUpdate`, `exportKeyingMaterial`, research). */
  get connection(): TlsConnection {
    if (typeof this.#connection === 'function') this.#connection = this.#connection();
    return this.#connection;
  }

  /** The ALPN protocol agreed; false when none was (as node:tls), null before the handshake. */
  get alpnProtocol(): string | false | null {
    if (!this.negotiated) return null;
    return this.negotiated.alpn ?? false;
  }

  /**
   * Record what certificate verification found (called by the verifier, before `secureConnect`):
   * undefined when the peer is authorized.
   */
  setAuthorization(error: CertificateError | undefined): void {
    this.#verified = true;
    this.authorized = error === undefined;
    this.authorizationFailure = error;
    this.authorizationError = error ? nodeCodeOf(error) : null;
  }

  /** The version agreed, as `tls.TLSSocket.getProtocol()` names it, or null before the ServerHello. */
  getProtocol(): 'TLSv1.2' | 'TLSv1.3' | null {
    const version = this.negotiated?.version;
    if (version === ProtocolVersion.TLS1_3) return 'TLSv1.3';
    if (version === ProtocolVersion.TLS1_2) return 'TLSv1.2';
    return null;
  }

  /** Whether the handshake resumed a session (like `tls.TLSSocket.isSessionReused()`). */
  isSessionReused(): boolean {
    return this.negotiated?.resumed ?? false;
  }

  /**
   * The peer's certificate as node:tls gives it (`subject`, `issuer`, `subjectaltname`, `valid_from`,
   * `valid_to`, `fingerprint256`, `serialNumber`, `raw`, …); with `detailed`, `issuerCertificate` up
   * the chain to the trust anchor. `{}` without a certificate (no certificate, a resumed session).
   */
  getPeerCertificate(detailed = false): NodePeerCertificate | Record<string, never> {
    return peerCertificateObject(this.peerCertificates, detailed ? (this.#options.anchors?.() ?? []) : [], detailed);
  }

  /** The peer's leaf as a `crypto.X509Certificate` (node:tls `getPeerX509Certificate`), or undefined. */
  getPeerX509Certificate(): X509Certificate | undefined {
    const leaf = this.peerCertificates[0];
    return leaf ? new X509Certificate(leaf) : undefined;
  }

  /** The peer's leaf certificate parsed by tlswire (src/x509), or undefined. */
  parsedPeerCertificate(): Certificate | undefined {
    const leaf = this.peerCertificates[0];
    return leaf ? parseCertificate(leaf) : undefined;
  }

  /**
   * The server name (SNI, RFC 6066 §3) to send, as node:tls `setServername`: on a client socket whose
   * ClientHello is not built yet (call it right after `connect()`). The certificate is still checked
   * against the `servername` / `host` given to `connect()`, as node:tls does.
   * @throws TypeError (code `ERR_INVALID_ARG_TYPE`) for a name that is not a string; Error (code
   * `ERR_TLS_SNI_FROM_SERVER`) on a server socket; TlswireError once the ClientHello was built
   * (node:tls ignores the call then)
   */
  setServername(name: string): void {
    if (typeof name !== 'string') {
      throw Object.assign(new TypeError('The "name" argument must be of type string'), {
        code: 'ERR_INVALID_ARG_TYPE',
      });
    }
    if (this.role === 'server') {
      throw Object.assign(new Error('Cannot issue SNI from a TLS server-side socket'), {
        code: 'ERR_TLS_SNI_FROM_SERVER',
      });
    }
    if (typeof this.#connection !== 'function' || !this.#options.setServername) {
      throw new TlswireError(
        `setServername(${JSON.stringify(name)}): the ClientHello is already built (call it right after connect())`,
      );
    }
    this.#options.setServername(name);
    this.#options.servername = name;
  }

  /** The cipher suite agreed (node:tls `getCipher()`: OpenSSL name, IANA name, version), or null before. */
  getCipher(): CipherNameAndProtocol | null {
    return this.negotiated ? cipherInfo(this.negotiated.cipherSuite) : null;
  }

  /** verify_data of our last Finished (node:tls `getFinished()`), or undefined before it is sent. */
  getFinished(): Buffer | undefined {
    return this.#finished.sent && Buffer.from(this.#finished.sent);
  }

  /** verify_data of the peer's last Finished (node:tls `getPeerFinished()`), or undefined. */
  getPeerFinished(): Buffer | undefined {
    return this.#finished.received && Buffer.from(this.#finished.received);
  }

  /**
   * Keying material (RFC 5705, RFC 8446 §7.5), argument order as node:tls `exportKeyingMaterial`.
   * @throws TlswireError before the handshake completes
   */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Buffer {
    if (!this.secure) throw new TlswireError('exportKeyingMaterial: the handshake is not complete');
    return Buffer.from(this.connection.exportKeyingMaterial(label, context, length));
  }

  /**
   * The last session received (client), to pass as `session` to {@link connect}; undefined before a
   * ticket or session arrives. (node:tls gives DER bytes; ours is the session object.)
   */
  getSession(): AnyClientSession | undefined {
    return this.#session;
  }
  #session: AnyClientSession | undefined;

  /** The agreed key exchange group (node:tls `getEphemeralKeyInfo()`: `{ type, name }`), {} on a server or without one. */
  getEphemeralKeyInfo(): { type?: string; name?: string; size?: number } | null {
    if (this.role === 'server') return null;
    const group = this.negotiated && 'group' in this.negotiated ? this.negotiated.group : undefined;
    if (group === undefined) return {};
    const name = nameOf(NamedGroup, group, 2);
    return name === 'x25519' || name === 'x448' ? { type: 'ECDH', name: name.toUpperCase() } : { type: 'ECDH', name };
  }

  /** TCP passthroughs, as `net.Socket` (for HTTP stacks): address, ports, Nagle, keep-alive, ref. */
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.socket.localPort;
  }
  get connecting(): boolean {
    return this.socket.connecting;
  }
  address(): ReturnType<Socket['address']> {
    return this.socket.address();
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.socket.setKeepAlive(enable, initialDelay);
    return this;
  }
  ref(): this {
    this.socket.ref();
    return this;
  }
  unref(): this {
    this.socket.unref();
    return this;
  }

  /**
   * Send a KeyUpdate (RFC 8446 §4.6.3), asking the peer to update too when `requestPeer`.
   * @throws TlswireError unless the socket drives a TLS 1.3-only machine (`TlsClient`, `TlsServer`)
   */
  keyUpdate(requestPeer = false): void {
    const connection = this.connection;
    if (!(connection instanceof TlsClient || connection instanceof TlsServer)) {
      throw new TlswireError('keyUpdate needs a TLS 1.3-only connection (maxVersion and minVersion TLSv1.3)');
    }
    this.#run(() => connection.keyUpdate(requestPeer));
  }

  /**
   * Idle timeout, as `net.Socket.setTimeout`: after `ms` without TCP activity a `timeout` event is
   * emitted (0 turns it off); the connection stays open until the listener ends or destroys it.
   */
  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout(ms);
    if (callback) this.once('timeout', callback);
    return this;
  }

  /** The idle timeout in milliseconds set by {@link setTimeout}, undefined when none. */
  get timeout(): number | undefined {
    return this.socket.timeout;
  }

  /**
   * A deadline for the whole handshake (as `node:tls` servers' `handshakeTimeout`, which activity does
   * not extend): when it passes the socket is destroyed with a transport-stage error, code
   * `ERR_TLS_HANDSHAKE_TIMEOUT`.
   */
  #startHandshakeTimer(ms: number): void {
    if (!(ms > 0)) return;
    this.#handshakeTimer = setTimeout(() => {
      if (this.secure || this.#failed) return;
      const timeout = Object.assign(new TlswireError(`TLS handshake timeout (not done within ${ms} ms)`), {
        code: 'ERR_TLS_HANDSHAKE_TIMEOUT',
      });
      this.socket.destroy();
      this.#fail(timeout, true);
    }, ms);
    this.#handshakeTimer.unref?.();
  }

  /**
   * A peer that sends a fatal alert and closes makes our next write fail (EPIPE, ECONNRESET), and
   * `net.Socket` destroys itself on a write error before its alert, still in the kernel, is read
   * (issue #11 item 13). So the TCP socket's write errors are held: nothing more is written, reading
   * goes on, and the error is reported when the read side ends (or after 2 s) unless the peer's alert
   * was read first.
   */
  #holdWriteErrors(): void {
    const socket = this.socket;
    const held =
      (callback: (error?: Error | null) => void) =>
      (error?: Error | null): void => {
        if (error) this.#onWriteError(error);
        callback();
      };
    const write = socket._write.bind(socket);
    socket._write = (chunk, encoding, callback) => write(chunk, encoding, held(callback));
    const writev = socket._writev?.bind(socket);
    if (writev) socket._writev = (chunks, callback) => writev(chunks, held(callback));
  }

  #onWriteError(error: Error): void {
    if (this.#writeError) return;
    this.#writeError = error;
    this.#writeBlocked = false;
    this.#readBlocked = false;
    this.#updateFlow();
    setTimeout(() => this.#fail(error, true), 2000).unref();
  }

  /** Run a call of the machine and act on its events; `replies`: they answer received bytes. */
  #run(call: () => AnyTlsEvent[], replies = false): void {
    if (this.#failed) return;
    let events: AnyTlsEvent[];
    try {
      events = call();
    } catch (e) {
      this.destroy(e instanceof Error ? e : new TlswireError(String(e)));
      return;
    }
    if (replies) for (const e of events) if (e.kind === 'send') this.#replies.add(e);
    this.#drive(events);
  }

  /** Act on events in order: `send` to the socket, the rest to {@link #onEvent}; re-entrant calls queue behind. */
  #drive(events: AnyTlsEvent[]): void {
    for (const e of events) this.#queue.push(e);
    if (this.#draining) return;
    this.#draining = true;
    // One batch of records (a flight, a KeyUpdate answer and data) leaves in one system call.
    this.socket.cork();
    try {
      for (let i = 0; i < this.#queue.length; i++) {
        const e = this.#queue[i]!;
        if (e.kind === 'send') this.#send(e.bytes, this.#replies.delete(e));
        else this.#onEvent(e);
        if (e.kind === 'error' && this.socket.writable) this.socket.end();
      }
    } finally {
      this.#queue = [];
      this.#replies.clear();
      this.#draining = false;
      this.socket.uncork();
    }
    if (this.#endQueued) this.socket.end();
  }

  /**
   * Write records. Answers to received records (a KeyUpdate answer per KeyUpdate, …) are counted
   * until the kernel takes them: over {@link MAX_PENDING_REPLY_BYTES} unflushed, reading stops, so a
   * peer that sends and never reads cannot make us hold its answers without bound. (Application
   * writes do not stop reading: two peers both writing more than the other reads would deadlock.)
   */
  #send(bytes: Uint8Array, reply: boolean): void {
    if (this.socket.destroyed || !this.socket.writable || this.#writeError) return;
    if (!reply) {
      this.socket.write(bytes);
      return;
    }
    this.#replyBytes += bytes.length;
    this.socket.write(bytes, () => {
      this.#replyBytes -= bytes.length;
      if (this.#writeBlocked && this.#replyBytes <= MAX_PENDING_REPLY_BYTES) {
        this.#writeBlocked = false;
        this.#updateFlow();
      }
    });
    if (this.#replyBytes > MAX_PENDING_REPLY_BYTES && !this.#writeBlocked) {
      this.#writeBlocked = true;
      this.#updateFlow();
    }
  }

  /** Read the TCP socket only while our readable buffer has room and its write buffer is not full. */
  #updateFlow(): void {
    if (this.#readBlocked || this.#writeBlocked) this.socket.pause();
    else if (this.socket.isPaused()) this.socket.resume();
  }

  #onEvent(e: AnyTlsEvent): void {
    switch (e.kind) {
      case 'data':
        this.bytesRead += e.bytes.length;
        if (e.early) this.earlyDataReceived += e.bytes.length;
        // A view, not a copy: record protection hands over a fresh plaintext per record (AeadContext.open).
        if (!this.push(Buffer.from(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength))) {
          this.#readBlocked = true;
          this.#updateFlow();
        }
        return;
      case 'secret':
        this.emit('tls', e);
        if (this.listenerCount('keylog') > 0) {
          // As node:tls: a Buffer of one SSLKEYLOGFILE line, with its newline.
          this.emit(
            'keylog',
            Buffer.from(`${keyLogLine(e.label as KeyLogLabel, e.clientRandom, e.secret)}\n`, 'latin1'),
          );
        }
        return;
      case 'handshake-message':
        if (e.message.type === 'finished') this.#finished[e.direction] = e.raw.subarray(4);
        break;
      case 'negotiated': {
        const { kind: _, ...negotiated } = e;
        this.negotiated = negotiated;
        if (this.role === 'server') this.servername = negotiated.serverName ?? false;
        break;
      }
      case 'peer-certificate':
        this.peerCertificates = e.chain;
        this.ocsp = e.ocsp;
        if (e.ocsp?.response) this.emit('OCSPResponse', Buffer.from(e.ocsp.response));
        break;
      case 'established':
        this.emit('tls', e);
        this.#onEstablished();
        return;
      case 'session':
        this.emit('tls', e);
        this.#session = e.session;
        this.emit('session', e.session);
        return;
      case 'closed':
        this.emit('tls', e);
        this.#peerClosed = true;
        this.push(null);
        return;
      case 'error':
        this.emit('tls', e);
        this.#fail(e.error, false);
        return;
      default:
        break;
    }
    this.emit('tls', e);
  }

  #onEstablished(): void {
    this.secure = true;
    clearTimeout(this.#handshakeTimer);
    const negotiated = this.negotiated!;
    if (!this.#verified) this.#authorizeUnverified(negotiated.resumed);
    if (this.role === 'client') {
      const name = this.#options.servername;
      this.servername = name === undefined || isIP(name) !== 0 ? false : name;
    }
    if (this.role === 'client') this.emit('secureConnect', negotiated);
    this.emit('secure', negotiated);
    const writes = this.#pendingWrites;
    this.#pendingWrites = [];
    for (const w of writes) this._write(w.chunk, 'binary', w.callback);
    const final = this.#pendingFinal;
    this.#pendingFinal = undefined;
    if (final) this._final(final);
  }

  /**
   * No verifier ran: a resumed session (client: authorized as the connection that made the session
   * was, as node:tls; true for a session of unknown origin), or a server that asked and got no certificate
   * (node:tls: `UNABLE_TO_GET_ISSUER_CERT`), or a server that did not ask (false, null).
   */
  #authorizeUnverified(resumed: boolean): void {
    const inherited = this.#options.resumedAuthorizationError;
    if (this.role === 'client' && resumed && inherited) {
      this.authorizationError = inherited;
    } else if (this.role === 'client' || (resumed && this.#options.requestCert)) {
      this.authorized = resumed;
    } else if (this.#options.requestCert) {
      this.authorizationError = 'UNABLE_TO_GET_ISSUER_CERT';
    }
  }

  #onTransportEnd(): void {
    if (this.#writeError) this.#fail(this.#writeError, true);
    if (this.#peerClosed || this.#failed || this.readableEnded) return;
    if (!this.secure) {
      this.#fail(new TlswireError(PEER_CLOSED_IN_HANDSHAKE), true);
      return;
    }
    // A TCP FIN without close_notify: end of data all the same (as node:tls does), reported as truncated.
    this.#peerClosed = true;
    this.emit('truncated');
    this.push(null);
  }

  #fail(error: Error, transport: boolean): void {
    if (this.#failed) return;
    this.#failed = true;
    const err =
      error instanceof TlsConnectionError
        ? error
        : new TlsConnectionError(error, this.connection.state, this.secure, transport);
    for (const w of this.#pendingWrites) w.callback(err);
    this.#pendingWrites = [];
    this.#pendingFinal?.(err);
    this.#pendingFinal = undefined;
    this.destroy(err);
  }

  override _read(): void {
    this.#readBlocked = false;
    this.#updateFlow();
  }

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#failed) {
      callback(new TlswireError('write on a failed TLS connection'));
      return;
    }
    if (!this.secure) {
      this.#pendingWrites.push({ chunk, callback });
      return;
    }
    if (!this.socket.writable || this.#writeError) {
      callback(new TlswireError('write after the TCP connection closed'));
      return;
    }
    this.bytesWritten += chunk.length;
    this.#run(() => this.connection.write(chunk));
    if (this.#failed) return;
    if (this.socket.writableNeedDrain) this.socket.once('drain', () => callback());
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#failed) {
      callback();
      return;
    }
    if (!this.secure) {
      this.#pendingFinal = callback;
      return;
    }
    if (!this.#closeSent && this.socket.writable) {
      this.#closeSent = true;
      this.#run(() => this.connection.close());
      if (this.#draining) this.#endQueued = true;
      else this.socket.end();
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#handshakeTimer);
    // The connection is over: wipe its keys and secrets.
    if (typeof this.#connection !== 'function') this.#connection.dispose();
    // After a TLS failure the alert is queued on the socket: let it drain, then close.
    if (this.#failed && !this.socket.destroyed) this.socket.destroySoon();
    // After this turn's ticks: the callback of a write that completed at once (the last flight,
    // often) is still queued, and node's Writable builds ERR_STREAM_DESTROYED errors, stack traces
    // and all, when it finds its stream destroyed (4–5% of a resumed handshake, profiled; one tick
    // later still let one write in two through).
    else setImmediate(destroySocket, this.socket);
    callback(error);
  }
}

/** Destroys `socket` (a `setImmediate` callback without a closure). */
function destroySocket(socket: Socket): void {
  socket.destroy();
}

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
 * - `tls` `(event: AnyTlsEvent)`: every event of the state machine except `send` and `data` (for tracing);
 * - `error` `(error: TlsConnectionError)`: the typed error, its alert and the stage that failed.
 *
 * Events are acted on strictly in order through one queue, also when a listener calls back into the
 * socket (a `secure` listener that writes, a `data` listener that echoes): records sealed by that call
 * go out after the records of the events still queued (which were sealed first), never before them.
 * @module
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TlswireError } from '../bytes/errors.js';
import { type KeyLogLabel, keyLogLine } from '../crypto/keylog.js';
import { TlsClient } from '../handshake/client.js';
import type { AnyTlsEvent, NegotiatingClient, NegotiatingServer } from '../handshake/negotiate.js';
import { TlsServer } from '../handshake/server.js';
import type { Tls12Client } from '../handshake/tls12/client.js';
import type { Tls12Server } from '../handshake/tls12/server.js';
import type { Tls12Negotiated } from '../handshake/tls12/types.js';
import type { Negotiated } from '../handshake/types.js';
import { ProtocolVersion } from '../tls/enums.js';
import { type Certificate, parseCertificate } from '../x509/certificate.js';
import { TlsConnectionError } from './errors.js';

/**
 * Bytes of records answering received ones (KeyUpdate answers, alerts) that may wait for the TCP
 * socket before we stop reading it.
 */
export const MAX_PENDING_REPLY_BYTES = 16384;

/** Options of a {@link TlsSocket}. */
export interface TlsSocketOptions {
  /** Destroy the connection unless its handshake completes within this many milliseconds (0 or absent: no limit). */
  handshakeTimeout?: number;
}

/** The state machine a {@link TlsSocket} drives. */
export type TlsConnection = TlsClient | TlsServer | Tls12Client | Tls12Server | NegotiatingClient | NegotiatingServer;

/** A TLS connection over a TCP socket, as a Duplex stream of application data. */
export class TlsSocket extends Duplex {
  /** The TCP socket underneath. */
  readonly socket: Socket;
  /** The sans-IO connection (for `keyUpdate`, `exportKeyingMaterial`, research). */
  readonly connection: TlsConnection;
  readonly role: 'client' | 'server';
  /** What was agreed, once the ServerHello and EncryptedExtensions are processed. */
  negotiated: Negotiated | Tls12Negotiated | undefined;
  /** The peer's certificate chain (DER, leaf first), once it has proved possession of the leaf key. */
  peerCertificates: Uint8Array[] = [];
  /** True once the handshake is complete. */
  secure = false;
  /** 0-RTT application data bytes received (server) before the handshake completed. */
  earlyDataReceived = 0;
  /** Application data bytes read from the peer and written by us. */
  bytesRead = 0;
  bytesWritten = 0;

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

  /**
   * Wrap `socket` (connected or connecting) and `connection`. A client's handshake starts when the
   * socket connects (at once when it already is).
   */
  constructor(socket: Socket, connection: TlsConnection, role: 'client' | 'server', options: TlsSocketOptions = {}) {
    super({ allowHalfOpen: false });
    this.socket = socket;
    this.connection = connection;
    this.role = role;
    socket.on('data', (chunk: Uint8Array) => this.#run(() => connection.handle(chunk), true));
    socket.on('end', () => this.#onTransportEnd());
    socket.on('error', (e) => this.#fail(e, true));
    socket.on('close', () => this.#onTransportEnd());
    socket.on('timeout', () => this.emit('timeout'));
    this.#holdWriteErrors();
    this.#startHandshakeTimer(options.handshakeTimeout ?? 0);
    if (role === 'client') {
      const start = () => this.#run(() => (connection as TlsClient | Tls12Client | NegotiatingClient).start());
      if (socket.connecting) socket.once('connect', start);
      else queueMicrotask(start);
    }
  }

  /** The ALPN protocol agreed, if any. */
  get alpnProtocol(): string | undefined {
    return this.negotiated?.alpn;
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

  /** The peer's leaf certificate, parsed, or undefined (no certificate, or a resumed session). */
  getPeerCertificate(): Certificate | undefined {
    const leaf = this.peerCertificates[0];
    return leaf ? parseCertificate(leaf) : undefined;
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
        if (!this.push(Buffer.from(e.bytes))) {
          this.#readBlocked = true;
          this.#updateFlow();
        }
        return;
      case 'secret':
        this.emit('tls', e);
        if (this.listenerCount('keylog') > 0) {
          this.emit('keylog', keyLogLine(e.label as KeyLogLabel, e.clientRandom, e.secret));
        }
        return;
      case 'negotiated': {
        const { kind: _, ...negotiated } = e;
        this.negotiated = negotiated;
        break;
      }
      case 'peer-certificate':
        this.peerCertificates = e.chain;
        break;
      case 'established':
        this.emit('tls', e);
        this.#onEstablished();
        return;
      case 'session':
        this.emit('tls', e);
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
    if (this.role === 'client') this.emit('secureConnect', negotiated);
    this.emit('secure', negotiated);
    const writes = this.#pendingWrites;
    this.#pendingWrites = [];
    for (const w of writes) this._write(w.chunk, 'binary', w.callback);
    const final = this.#pendingFinal;
    this.#pendingFinal = undefined;
    if (final) this._final(final);
  }

  #onTransportEnd(): void {
    if (this.#writeError) this.#fail(this.#writeError, true);
    if (this.#peerClosed || this.#failed || this.readableEnded) return;
    if (!this.secure) {
      this.#fail(new TlswireError('the peer closed the TCP connection during the handshake'), true);
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
    this.connection.dispose();
    // After a TLS failure the alert is queued on the socket: let it drain, then close.
    if (this.#failed && !this.socket.destroyed) this.socket.destroySoon();
    else this.socket.destroy();
    callback(error);
  }
}

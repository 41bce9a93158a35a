/**
 * {@link readClientHello}: read a client's first flight off a `net.Socket` before any TLS handshake —
 * the handshake records (RFC 8446 §5.1) carrying one ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2),
 * which may span records — parse it, and put every byte read back (`socket.unshift`), so the socket can
 * be handed on untouched to `node:tls` (`tlsServer.emit('connection', socket)`) or to a tlswire server
 * (`server.emit('connection', socket)`). The job of npm `read-tls-client-hello`.
 *
 * Bounds: at most {@link ReadClientHelloOptions.maxBytes} bytes are held (default 64 KiB); anything other
 * than handshake records carrying a ClientHello is refused at once (a plaintext HTTP request is named).
 * @module
 */

import type { Socket } from 'node:net';
import { TlswireError } from '../bytes/errors.js';
import { Reader } from '../bytes/reader.js';
import { ja3, ja4 } from '../tls/fingerprint.js';
import { type ClientHello, decodeClientHello } from '../tls/messages/hello.js';
import { RECORD_HEADER_LENGTH } from '../tls/record.js';

/** What {@link readClientHello} found. */
export interface ClientHelloInfo {
  /** The parsed ClientHello (GREASE values kept, in wire order). */
  clientHello: ClientHello;
  /** Every byte read off the socket (records, as received; put back into the socket). */
  bytes: Uint8Array;
  /** The ClientHello handshake message, header included (what a transcript hash covers). */
  message: Uint8Array;
  /** Its JA3 fingerprint (the MD5 hash; `ja3(clientHello).string` has the full string). */
  ja3: string;
  /** Its JA4 fingerprint over TCP (`ja4(clientHello)` has the raw and original-order forms too). */
  ja4: string;
}

/** Options of {@link readClientHello}. */
export interface ReadClientHelloOptions {
  /** The most bytes to read before giving up (default 65536; a ClientHello is at most 2^24 bytes on paper). */
  maxBytes?: number;
}

/** The client did not send a ClientHello: `reason` says what it sent instead. */
export class ClientHelloError extends TlswireError {
  override name = 'ClientHelloError';
}

const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
const HTTP_METHOD = /^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT|PRI) /;

/**
 * The ClientHello message carried by the records in `bytes`, undefined when more bytes are needed.
 * @throws ClientHelloError when the bytes are not handshake records opening with a ClientHello
 */
export function clientHelloMessage(bytes: Uint8Array): Uint8Array | undefined {
  const fragments: Uint8Array[] = [];
  let have = 0;
  for (let at = 0; at + RECORD_HEADER_LENGTH <= bytes.length; ) {
    if (bytes[at] !== HANDSHAKE) throw notTls(bytes, at);
    const length = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    if (length === 0) throw new ClientHelloError('an empty handshake record (RFC 8446 §5.1)');
    if (at + RECORD_HEADER_LENGTH + length > bytes.length) break;
    fragments.push(bytes.subarray(at + RECORD_HEADER_LENGTH, at + RECORD_HEADER_LENGTH + length));
    have += length;
    at += RECORD_HEADER_LENGTH + length;
    if (have >= 4) {
      const joined = join(fragments);
      if (joined[0] !== CLIENT_HELLO)
        throw new ClientHelloError(`handshake message type ${joined[0]}, not ClientHello`);
      const messageLength = 4 + ((joined[1]! << 16) | (joined[2]! << 8) | joined[3]!);
      if (joined.length >= messageLength) return joined.subarray(0, messageLength);
    }
  }
  if (bytes.length > 0 && bytes[0] !== HANDSHAKE) throw notTls(bytes, 0);
  return undefined;
}

function notTls(bytes: Uint8Array, at: number): ClientHelloError {
  const text = new TextDecoder('latin1').decode(bytes.subarray(at, at + 16));
  if (HTTP_METHOD.test(text)) return new ClientHelloError('the client sent plaintext HTTP, not a TLS ClientHello');
  return new ClientHelloError(`record type ${bytes[at]} at byte ${at}, not a handshake record (RFC 8446 §5.1)`);
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Read the ClientHello off `socket` (a fresh server-side `net.Socket`), then put the bytes back and
 * leave the socket paused, ready for `tls.Server`'s or tlswire's `emit('connection', socket)`.
 * @throws ClientHelloError (rejects) for anything but a ClientHello, over `maxBytes`, or an early close;
 * DecodeError for a malformed ClientHello. The bytes are put back unless the client closed.
 * @example
 * net.createServer(async (s) => { const { clientHello } = await readClientHello(s); tlsServer.emit('connection', s); })
 */
export function readClientHello(socket: Socket, options: ReadClientHelloOptions = {}): Promise<ClientHelloInfo> {
  const maxBytes = options.maxBytes ?? 65536;
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const finish = (outcome: () => void): void => {
      socket.pause();
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      // After 'end' a stream takes nothing back (the bytes are still in the rejection's context).
      if (chunks.length > 0 && !socket.readableEnded) socket.unshift(Buffer.concat(chunks));
      outcome();
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      const bytes = join(chunks);
      let message: Uint8Array | undefined;
      try {
        message = clientHelloMessage(bytes);
        if (!message && bytes.length >= maxBytes)
          throw new ClientHelloError(`no complete ClientHello in ${maxBytes} bytes`);
      } catch (e) {
        finish(() => reject(e));
        return;
      }
      if (!message) return;
      const copy = new Uint8Array(message);
      try {
        const clientHello = decodeClientHello(new Reader(copy.subarray(4), 'ClientHello'));
        finish(() =>
          resolve({
            clientHello,
            bytes: new Uint8Array(bytes),
            message: copy,
            ja3: ja3(clientHello).hash,
            ja4: ja4(clientHello).ja4,
          }),
        );
      } catch (e) {
        finish(() => reject(e));
      }
    };
    const onEnd = (): void =>
      finish(() => reject(new ClientHelloError('the client closed before a complete ClientHello')));
    const onError = (e: Error): void => finish(() => reject(e));
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
  });
}

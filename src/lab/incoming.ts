/**
 * What the peer sends, decoded for a scripted conversation: records (RFC 8446 §5.1; RFC 5246 §6.2),
 * opened with the read epoch in force, alerts (§6), handshake messages reassembled across records
 * (§4, each handed to the state so keys follow), application data, ChangeCipherSpec, end of stream,
 * and silence (nothing within the read timeout). Anything else is reported, never thrown.
 *
 * Limits (docs/security.md): a record longer than 2^14 + 2048 bytes, or more than 1 MiB of undecoded
 * handshake bytes, ends the decoding with a `garbage` event and the stream is treated as closed.
 * @module
 */
import { concat } from '../bytes/hex.js';
import { ContentType } from '../tls/enums.js';
import { decodeHandshake } from '../tls/messages/handshake.js';
import type { LabState } from './state.js';
import type { Received } from './steps.js';
import type { LabTransport } from './transport.js';

/** Largest record fragment accepted (RFC 5246 §6.2.3: 2^14 + 2048). */
export const MAX_LAB_FRAGMENT = 16384 + 2048;
/** Most handshake bytes buffered while a message is incomplete. */
export const MAX_LAB_HANDSHAKE_BUFFER = 1 << 20;

/** The name an `expect` uses for a handshake message type. */
export function messageTypeName(m: { type: string; isHelloRetryRequest?: boolean; msgType?: number }): string {
  if (m.type === 'server_hello' && m.isHelloRetryRequest) return 'hello_retry_request';
  if (m.type === 'unknown') return `unknown(${m.msgType})`;
  return m.type;
}

/** The peer's side of a conversation: bytes in, {@link Received} events out, in order. */
export class Incoming {
  readonly events: Received[] = [];
  /** Index of the next event an expectation consumes. */
  cursor = 0;
  private buffer: Uint8Array = new Uint8Array(0);
  private handshake: Uint8Array = new Uint8Array(0);
  private handshakeProtected = false;
  private pending: Promise<Uint8Array | null> | undefined;
  private ended = false;

  constructor(
    private readonly transport: LabTransport,
    private readonly state: LabState,
    private readonly timeoutMs: number,
  ) {}

  /** The next event not yet consumed (reading from the transport as needed). */
  async next(): Promise<Received> {
    while (this.cursor >= this.events.length) await this.pull();
    return this.events[this.cursor++]!;
  }

  /** Read once: bytes, end of stream, or silence. */
  private async pull(): Promise<void> {
    if (this.ended) {
      this.events.push({ kind: 'close' });
      return;
    }
    if (this.transport.idle?.()) {
      this.events.push({ kind: 'silence' });
      return;
    }
    this.pending ??= this.transport.read();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), this.timeoutMs);
    });
    const got = await Promise.race([this.pending, timeout]);
    clearTimeout(timer);
    if (got === 'timeout') {
      this.events.push({ kind: 'silence' });
      return;
    }
    this.pending = undefined;
    if (got === null) {
      this.ended = true;
      this.events.push({ kind: 'close' });
      return;
    }
    this.bytes(got);
  }

  /** Split received bytes into records and decode each in turn. */
  private bytes(chunk: Uint8Array): void {
    this.buffer = this.buffer.length ? concat(this.buffer, chunk) : chunk;
    while (this.buffer.length >= 5 && !this.ended) {
      const length = (this.buffer[3]! << 8) | this.buffer[4]!;
      if (length > MAX_LAB_FRAGMENT) {
        this.garbage(`record of ${length} bytes (over 2^14 + 2048)`);
        return;
      }
      if (this.buffer.length < 5 + length) return;
      const record = this.buffer.slice(0, 5 + length);
      this.buffer = this.buffer.subarray(5 + length);
      this.record(record);
    }
  }

  private garbage(reason: string, bytes = this.buffer): void {
    this.events.push({ kind: 'garbage', reason, bytes });
    this.ended = true;
  }

  /** One complete record: open it if keys are in force, then dispatch on its (real) type. */
  private record(record: Uint8Array): void {
    const type = record[0]!;
    const fragment = record.subarray(5);
    if (type === ContentType.change_cipher_spec) {
      if (this.state.version === 'tls12' && this.state.pendingRead) {
        this.state.read = this.state.pendingRead;
        this.state.pendingRead = undefined;
      }
      this.events.push({ kind: 'ccs' });
      return;
    }
    const epoch = this.state.read;
    const encrypted = epoch !== undefined && (this.state.version === 'tls12' || type === ContentType.application_data);
    if (!encrypted) {
      this.content(type, fragment, false);
      return;
    }
    const opened = epoch.open(record);
    if (opened) {
      this.content(opened.type, opened.content, true);
      return;
    }
    // A plaintext alert where protection was expected (a peer failing before it switched keys).
    if (type === ContentType.alert && fragment.length === 2) {
      this.content(type, fragment, false);
      return;
    }
    this.garbage(`a ${type} record that does not authenticate under the ${epoch.label} keys`, record);
  }

  private content(type: number, content: Uint8Array, isProtected: boolean): void {
    if (type === ContentType.alert) {
      for (let i = 0; i + 1 < content.length; i += 2) {
        this.events.push({ kind: 'alert', level: content[i]!, description: content[i + 1]!, protected: isProtected });
      }
      if (content.length % 2 === 1) this.garbage('an alert record of odd length', content);
    } else if (type === ContentType.handshake) {
      this.handshakeProtected = isProtected;
      this.handshake = concat(this.handshake, content);
      this.messages();
    } else if (type === ContentType.application_data) {
      this.events.push({ kind: 'data', bytes: content.slice() });
    } else {
      this.garbage(`content type ${type}`, content);
    }
  }

  /** Complete handshake messages out of the reassembly buffer, each given to the state. */
  private messages(): void {
    if (this.handshake.length > MAX_LAB_HANDSHAKE_BUFFER) {
      this.garbage('over 1 MiB of handshake bytes');
      return;
    }
    while (this.handshake.length >= 4) {
      const h = this.handshake;
      const length = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
      if (h.length < 4 + length) return;
      const raw = h.slice(0, 4 + length);
      this.handshake = h.subarray(4 + length);
      try {
        const message = decodeHandshake(raw, this.state.decodeContext());
        this.state.received(message);
        const type = messageTypeName(message as { type: string });
        this.events.push({ kind: 'message', type, message, protected: this.handshakeProtected });
      } catch (e) {
        this.events.push({
          kind: 'garbage',
          reason: `undecodable handshake message: ${(e as Error).message}`,
          bytes: raw,
        });
      }
    }
  }
}

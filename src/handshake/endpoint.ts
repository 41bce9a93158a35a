/**
 * The one endpoint base of every TLS machine (TLS 1.3 and TLS 1.2 clients and servers, and the pair
 * that negotiates the version, RFC 8446 §4.2.1): the sans-IO calls `handle` / `write` / `close` /
 * `exportKeyingMaterial`, each returning the events to act on, over one {@link RecordCore}; and
 * {@link Machine}, a role's states bound to their context.
 * @module
 */

import type { CryptoProvider } from '../crypto/provider.js';
import { AlertDescription, ProtocolVersion } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import type { Offered } from './diagnosis.js';
import { type CoreInput, type CoreOptions, RecordCore } from './record-core.js';
import { type AnyTlsEvent, type CommonConfig, DEFAULT_PEER_LIMITS } from './types.js';

/** A handshake state: consumes one input in its context, returns the next state. */
export interface State<C, I extends CoreInput = CoreInput> {
  readonly name: string;
  handle(cx: C, input: I): State<C, I>;
}

/**
 * Every field of `T` present, each possibly undefined: the type of a handshake value built as one
 * literal with all the fields its states ever carry. A role builds each of its values that way (one
 * function copies them), so the values of all its states share one hidden class in the JavaScript
 * engine: `{ ...hs, field }` with a field `hs` lacks makes V8 build a new hidden class on every call,
 * and every state's reads of its value then miss their inline caches (docs/performance.md).
 */
export type Present<T> = { [K in keyof Required<T>]: T[K] | undefined };

/**
 * A role's `advance`, from its copy function (one literal with every field, see {@link Present}):
 * `advance(hs, changes)` is the next handshake value, what `{ ...hs, ...changes }` means, but in the
 * role's one hidden class.
 */
export function stepper<Base, Fields extends object>(copy: (hs: Base) => Fields) {
  return <H extends Base, C extends Partial<Fields>>(hs: H, changes: C): Omit<H, keyof C> & C =>
    Object.assign(copy(hs), changes) as unknown as Omit<H, keyof C> & C;
}

/** A role's states bound to their context: the current state, fed one input at a time. */
export class Machine<C, I extends CoreInput = CoreInput> {
  readonly cx: C;
  current: State<C, I> | undefined;

  constructor(cx: C, current?: State<C, I>) {
    this.cx = cx;
    this.current = current;
  }

  /** Name of the current state ('Start' before the first). */
  get state(): string {
    return this.current?.name ?? 'Start';
  }

  /** Run the current state on `input`. */
  input(input: I): void {
    if (!this.current) throw new TlsAlertError(AlertDescription.unexpected_message, 'handshake message before start()');
    this.current = this.current.handle(this.cx, input);
  }
}

/** What an endpoint gives its core besides the input handler. */
export type EndpointCoreOptions = Omit<CoreOptions, 'onInput' | 'describe'>;

/** The core options every role takes from its configuration. */
export function coreOptions(
  config: CommonConfig,
  provider: CryptoProvider,
  role: 'client' | 'server',
): EndpointCoreOptions {
  return {
    role,
    provider,
    keyLog: config.keyLog ?? false,
    onOutgoingMessage: config.onOutgoingMessage,
    limits: { ...DEFAULT_PEER_LIMITS, ...config.limits },
  };
}

/**
 * The calls every TLS machine shares, over one record core. Subclasses supply the input handler (their
 * states) and the description of their state for failure reports.
 */
export abstract class Endpoint<E extends AnyTlsEvent> {
  protected readonly core: RecordCore;

  /** The subclass installs the rules of the version it speaks first (`this.core.useVersion`). */
  constructor(options: EndpointCoreOptions) {
    // One literal with every field (`{ ...options, onInput }` would give each core's options a new
    // hidden class: docs/performance.md).
    this.core = new RecordCore({
      role: options.role,
      provider: options.provider,
      keyLog: options.keyLog,
      onOutgoingMessage: options.onOutgoingMessage,
      limits: options.limits,
      onInput: (input) => this.onInput(input),
      describe: () => this.describe(),
    });
  }

  /** Handle one received handshake message (or TLS 1.2 ChangeCipherSpec). */
  protected abstract onInput(input: CoreInput): void;
  /** The current state and our offer, for failure reports. */
  protected abstract describe(): { state: string; offered?: Offered };

  /** Name of the current handshake state (for research and debugging). */
  abstract get state(): string;

  /** The version in use once the hellos have chosen (0x0303 or 0x0304). */
  get version(): number | undefined {
    return this.core.records.version === 'TLS 1.3' ? ProtocolVersion.TLS1_3 : ProtocolVersion.TLS1_2;
  }

  /** True once the handshake is complete. */
  get isEstablished(): boolean {
    return this.core.established;
  }

  /** Run `f` as one call: its events, with every record it produced in one `send` event. */
  protected run(f: () => void): E[] {
    return this.core.run(f) as E[];
  }

  /**
   * Bytes received from the peer.
   * @param adopt the caller hands `bytes` over and never changes them again (a socket's fresh read
   *   buffer): records are then views of them instead of a copy
   */
  handle(bytes: Uint8Array, adopt = false): E[] {
    return this.run(() => this.core.receive(bytes, adopt));
  }

  /** Send application data (after `established`; a TLS 1.3 server may send 0.5-RTT data, RFC 8446 §2). */
  write(data: Uint8Array): E[] {
    return this.run(() => this.core.write(data));
  }

  /** Send close_notify. */
  close(): E[] {
    return this.run(() => this.core.close());
  }

  /**
   * Wipe every record key and secret this connection still holds (after close, or to abandon it):
   * nothing can be sent or received afterwards, and the exporter no longer works.
   */
  dispose(): void {
    this.core.dispose();
  }

  /** Keying material exporter (RFC 8446 §7.5 or RFC 5705 §4, by version). */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    return this.core.exportKeyingMaterial(label, context, length);
  }
}

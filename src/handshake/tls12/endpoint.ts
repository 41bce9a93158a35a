/**
 * The endpoint base of the TLS 1.2 client and server (RFC 5246): one record core under TLS 1.2 record
 * rules from the first byte (src/handshake/tls12/records.ts), the role's states in a {@link Machine}
 * that takes every input (handshake messages and ChangeCipherSpec, RFC 5246 §7.1, §7.3), the base of
 * the states that take one kind of input in the order of RFC 5246 §7.3, and failure reports naming
 * the state and what the role offers (src/handshake/diagnosis.ts).
 * @module
 */
import type { CryptoProvider } from '../../crypto/provider.js';
import type { Offered } from '../diagnosis.js';
import { coreOptions, Endpoint, type Machine, type State } from '../endpoint.js';
import { unexpected } from '../policy.js';
import type { CommonConfig } from '../types.js';
import { type Tls12Io, type Tls12Settings, tls12Offered } from './common.js';
import { type Tls12Input, useTls12 } from './records.js';
import type { Tls12Event } from './types.js';

/** What a TLS 1.2 role's states share: the core, its TLS 1.2 keys and the role's settings. */
export interface Tls12Context extends Tls12Io {
  readonly settings: Tls12Settings & { config: Pick<CommonConfig, 'alpn'> };
}

/** A TLS 1.2 client or server: {@link Endpoint} over TLS 1.2 record rules, fed to the role's machine. */
export abstract class Tls12Endpoint<C extends Tls12Context, M extends Machine<C>> extends Endpoint<Tls12Event> {
  /** The role's states. */
  protected readonly machine: M;

  /** `machine` binds the role's states to the new core and its TLS 1.2 keys. */
  constructor(role: 'client' | 'server', config: CommonConfig, provider: CryptoProvider, machine: (io: Tls12Io) => M) {
    super(coreOptions(config, provider, role));
    this.machine = machine(useTls12(this.core));
  }

  protected onInput(input: Tls12Input): void {
    this.machine.input(input);
  }

  protected describe(): { state: string; offered: Offered } {
    return { state: this.state, offered: tls12Offered(this.machine.cx.settings) };
  }

  /** Name of the current handshake state (for research and debugging). */
  get state(): string {
    return this.machine.state;
  }
}

/** A TLS 1.2 input of type `T`, in its TLS 1.2 form (Certificate, CertificateRequest, NewSessionTicket). */
export type Tls12Message<T extends Tls12Input['type']> = Exclude<
  Extract<Tls12Input, { type: T }>,
  { version: 'tls13' }
>;

/**
 * A TLS 1.2 state of context `C` that takes one kind of input, `T`, in the order RFC 5246 §7.3 gives:
 * any other is unexpected_message. It carries the handshake so far, `hs`, and gives the input to
 * {@link step}, which returns the next state (an `S`).
 */
export abstract class Tls12Step<C, S extends State<C, Tls12Input>, H, T extends Tls12Input['type']>
  implements State<C, Tls12Input>
{
  abstract readonly name: string;
  /** The type of the one input this state takes. */
  protected abstract readonly expects: T;
  constructor(protected readonly hs: H) {}

  handle(cx: C, input: Tls12Input): S {
    if (input.type !== this.expects || ('version' in input && input.version === 'tls13')) {
      throw unexpected('RFC 5246 §7.3', this.name, input);
    }
    return this.step(cx, input as Tls12Message<T>, this.hs);
  }

  /** Consume the expected input (with `hs`, this state's handshake value); the next state. */
  protected abstract step(cx: C, input: Tls12Message<T>, hs: H): S;
}

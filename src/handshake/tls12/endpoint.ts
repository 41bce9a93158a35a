/**
 * The endpoint base of the TLS 1.2 client and server (RFC 5246): one record core under TLS 1.2 record
 * rules from the first byte (src/handshake/tls12/records.ts), the role's states in a {@link Machine}
 * that takes every input (handshake messages and ChangeCipherSpec, RFC 5246 §7.1, §7.3), and failure
 * reports naming the state and what the role offers (src/handshake/diagnosis.ts).
 * @module
 */
import type { CryptoProvider } from '../../crypto/provider.js';
import type { Offered } from '../diagnosis.js';
import { coreOptions, Endpoint, type Machine } from '../endpoint.js';
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

/**
 * The steps of a scripted conversation, tlsfuzzer- and TLS-Attacker-style: send a handshake message
 * (RFC 8446 §4: built with defaults from the conversation state, any field overridden, or raw bytes),
 * send records of any content type, version, length and fragmentation (§5.1), coalesced messages,
 * empty records, TLS 1.3 padding (§5.4), alerts (§6) and ChangeCipherSpec anywhere; switch keys,
 * replay records, send KeyUpdate (§4.6.3) and application or 0-RTT data (§2.3); expect a message, an
 * alert, a close, data or silence; and branch: a step may be a function of the results so far.
 * @module
 */
import type { DecodedHandshake, HandshakeMessage } from '../tls/messages/handshake.js';
import type { LabEpoch } from './epoch.js';
import type { StepResult } from './runner.js';
import type { LabState } from './state.js';

/** A value given directly, or computed from the state when the step runs. */
export type Lazy<T> = T | ((state: LabState) => T);

/** How a step's bytes become records. */
export interface RecordOptions {
  /** Content type on the wire (default: the step's own). */
  type?: number;
  /** Record header version (default 0x0303; 0x0301 for a plaintext ClientHello). */
  version?: number;
  /** Split the content into records of at most this many bytes (default 2^14). */
  fragment?: number;
  /** TLS 1.3: zero padding bytes in each protected record (RFC 8446 §5.4). */
  padding?: number;
  /** false: write plaintext records even when keys are in force; true: protect (default: when keys exist). */
  protect?: boolean;
}

/** A handshake message to send: a value, raw bytes (header included), or either computed. */
export type MessageSpec = Lazy<HandshakeMessage | Uint8Array>;

/** One step of a conversation. */
export type Step =
  | { kind: 'send'; label?: string; messages: MessageSpec[]; record?: RecordOptions; transcript?: boolean }
  | { kind: 'records'; label?: string; type: number; content: Lazy<Uint8Array>; record?: RecordOptions }
  | { kind: 'raw'; label?: string; bytes: Lazy<Uint8Array> }
  | { kind: 'replay'; label?: string; record: number }
  | { kind: 'keys'; label?: string; direction: 'write' | 'read'; to: Lazy<LabEpoch | undefined> }
  | { kind: 'key-update'; label?: string; requestUpdate?: number }
  | { kind: 'expect'; label?: string; expect: Expectation }
  | { kind: 'close'; label?: string }
  | { kind: 'check'; label?: string; test: (cx: StepContext) => boolean | string }
  | StepFunction;

/** What the peer sent, as the runner decoded it. */
export type Received =
  | {
      kind: 'message';
      type: string;
      message: DecodedHandshake;
      protected: boolean;
    }
  | { kind: 'alert'; level: number; description: number; protected: boolean }
  | { kind: 'ccs' }
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'close' }
  | { kind: 'silence' }
  | { kind: 'garbage'; reason: string; bytes: Uint8Array };

/** What an `expect` step accepts. */
export type Expectation =
  | { kind: 'message'; type: string | readonly string[] }
  | { kind: 'alert'; description?: number | readonly number[]; level?: number }
  | { kind: 'close' }
  | { kind: 'data' }
  | { kind: 'silence' }
  | { kind: 'ccs' }
  | { kind: 'any'; accept: (r: Received) => boolean; describe: string };

/** What a step function sees: the state, every step result so far, and everything received. */
export interface StepContext {
  readonly state: LabState;
  readonly results: readonly StepResult[];
  readonly received: readonly Received[];
}

/** A step computed when reached (branching): returns the steps to run in its place. */
export type StepFunction = (cx: StepContext) => Step | readonly Step[] | undefined;

/** Send handshake messages, coalesced into one record (or fragmented per `record`). */
export function send(messages: MessageSpec | readonly MessageSpec[], options: SendOptions = {}): Step {
  const list = Array.isArray(messages) ? [...messages] : [messages as MessageSpec];
  return { kind: 'send', messages: list, record: options.record, transcript: options.transcript, label: options.label };
}

/** Options of {@link send}. */
export interface SendOptions {
  record?: RecordOptions;
  /** false: keep the messages out of the transcript (default true). */
  transcript?: boolean;
  label?: string;
}

/** Send `content` as records of `type` (any type, empty content gives one empty record). */
export function records(type: number, content: Lazy<Uint8Array>, record?: RecordOptions, label?: string): Step {
  return { kind: 'records', type, content, record, label };
}

/** Send an alert (RFC 8446 §6), protected when keys are in force unless `record.protect` is false. */
export function alert(level: number, description: number, record?: RecordOptions): Step {
  return { kind: 'records', type: 21, content: Uint8Array.of(level, description), record, label: 'alert' };
}

/** Send ChangeCipherSpec (always plaintext in TLS 1.3, RFC 8446 §5; switches our keys in TLS 1.2). */
export function changeCipherSpec(record?: RecordOptions): Step {
  return {
    kind: 'records',
    type: 20,
    content: Uint8Array.of(1),
    record: { protect: false, ...record },
    label: 'ChangeCipherSpec',
  };
}

/** Send application data (or, before our Finished with 0-RTT keys in force, early data). */
export function appData(data: Lazy<Uint8Array>, record?: RecordOptions): Step {
  return { kind: 'records', type: 23, content: data, record, label: 'application data' };
}

/** Write bytes to the transport exactly as given. */
export function raw(bytes: Lazy<Uint8Array>, label?: string): Step {
  return { kind: 'raw', bytes, label };
}

/** Send again the `record`-th record we sent (0-based, as sent: same bytes, same keys). */
export function replay(record: number): Step {
  return { kind: 'replay', record };
}

/** Replace the epoch of a direction (undefined: plaintext). */
export function switchKeys(direction: 'write' | 'read', to: Lazy<LabEpoch | undefined>): Step {
  return { kind: 'keys', direction, to };
}

/** Send a KeyUpdate and move our write keys to the next generation (RFC 8446 §4.6.3). */
export function keyUpdate(requestUpdate = 0): Step {
  return { kind: 'key-update', requestUpdate };
}

/** Close our side of the transport. */
export function close(): Step {
  return { kind: 'close' };
}

/** Expect the next handshake message to be of `type` (one of the types given). */
export function expectMessage(type: string | readonly string[], label?: string): Step {
  return { kind: 'expect', expect: { kind: 'message', type }, label };
}

/** Expect the next messages, in order (e.g. a server flight). */
export function expectMessages(types: readonly string[]): Step[] {
  return types.map((t) => expectMessage(t));
}

/** Expect an alert (by default fatal, level 2) with one of the descriptions given (any if omitted). */
export function expectAlert(description?: number | readonly number[], level = 2): Step {
  return { kind: 'expect', expect: { kind: 'alert', description, level } };
}

/** Expect the peer to close the connection (end of stream; a close_notify before it is accepted). */
export function expectClose(): Step {
  return { kind: 'expect', expect: { kind: 'close' } };
}

/** Expect application data. */
export function expectData(): Step {
  return { kind: 'expect', expect: { kind: 'data' } };
}

/** Expect nothing to arrive (until the read timeout, or at once from an idle in-memory peer). */
export function expectSilence(): Step {
  return { kind: 'expect', expect: { kind: 'silence' } };
}

/** Branch: run `f` when reached, and the steps it returns. */
export function branch(f: StepFunction): Step {
  return f;
}

/**
 * Check the state or what was received: `test` returns true to pass, false or a reason to fail
 * (e.g. the downgrade sentinel in ServerHello.random).
 */
export function check(label: string, test: (cx: StepContext) => boolean | string): Step {
  return { kind: 'check', label, test };
}

/**
 * Runs a scripted conversation (see steps.ts) over a {@link LabTransport}: each step's records are
 * built from the state (RFC 8446 §5 record layer, with the epoch in force when the step starts), the
 * state follows every message sent and received, and every step gets a {@link StepResult}. The first
 * expectation that fails, or step that throws, ends the run; the result names it.
 * @module
 */
import { concat } from '../bytes/hex.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { CertifiedKey } from '../handshake/types.js';
import { ContentType, nameOf } from '../tls/enums.js';
import { decodeHandshake, encodeHandshake, type HandshakeMessage } from '../tls/messages/handshake.js';
import { type LabEpoch, recordHeader } from './epoch.js';
import { Incoming, messageTypeName } from './incoming.js';
import { describeExpectation, describeReceived, matches, skippable } from './match.js';
import { LabState } from './state.js';
import type { Expectation, Lazy, Received, RecordOptions, Step, StepContext } from './steps.js';
import { onClientKeyExchangeSent } from './tls12.js';
import { updateWriteKeys } from './tls13.js';
import type { LabTransport } from './transport.js';

/** What one step did. */
export interface StepResult {
  /** 1-based position in the run (steps returned by branches are numbered as they run). */
  readonly index: number;
  readonly label: string;
  readonly ok: boolean;
  /** Why the step failed: the expectation and what came instead, or the error it threw. */
  readonly error?: string;
  /** Complete records written by this step. */
  readonly sent: Uint8Array[];
  /** Handshake messages this step sent, by type name. */
  readonly messages: string[];
  /** Events this step consumed (an expectation: what it matched or what failed it). */
  readonly received: Received[];
  /** Milliseconds since the run started, when the step started, and how long it took. */
  readonly at: number;
  readonly ms: number;
}

/** The outcome of a conversation. */
export interface ConversationResult {
  readonly ok: boolean;
  readonly steps: StepResult[];
  /** Everything received, in order (including events no expectation consumed). */
  readonly received: Received[];
  /** The failed step, if any. */
  readonly failure?: StepResult;
  readonly state: LabState;
}

/** Options of {@link runConversation}. */
export interface RunOptions {
  /** The crypto provider (required: the core has no default; tlswire/node gives one). */
  provider: CryptoProvider;
  /** How long an expectation waits for bytes before it sees silence (default 5000 ms). */
  timeoutMs?: number;
  /** Most steps run, branches included (default 10 000). */
  maxSteps?: number;
  /** The side the lab plays (default 'client'); 'server': the peer speaks first (see server13.ts). */
  role?: 'client' | 'server';
  /** Server role: the chain (leaf first) and key that Certificate and CertificateVerify use. */
  certificate?: CertifiedKey;
}

const clock = (): number => globalThis.performance?.now() ?? Date.now();

/** Run `steps` over `transport`. Never throws for anything the peer does. */
export async function runConversation(
  transport: LabTransport,
  steps: readonly Step[],
  options: RunOptions,
): Promise<ConversationResult> {
  const state = new LabState(options.provider);
  state.role = options.role ?? 'client';
  state.certificate = options.certificate;
  const incoming = new Incoming(transport, state, options.timeoutMs ?? 5000);
  const run = new Run(transport, state, incoming);
  const queue = [...steps];
  const max = options.maxSteps ?? 10_000;
  while (queue.length > 0 && run.results.length < max) {
    const step = queue.shift()!;
    if (typeof step === 'function') {
      const cx: StepContext = { state, results: run.results, received: incoming.events };
      let next: Step | readonly Step[] | undefined;
      try {
        next = step(cx);
      } catch (e) {
        // A branch that throws fails as a step of its own.
        next = { kind: 'check', label: 'branch', test: () => `${(e as Error).name}: ${(e as Error).message}` };
      }
      if (next !== undefined) queue.unshift(...(Array.isArray(next) ? next : [next as Step]));
      continue;
    }
    const result = await run.step(step);
    if (!result.ok) break;
  }
  const failure = run.results.find((r) => !r.ok);
  return { ok: failure === undefined, steps: run.results, received: incoming.events, failure, state };
}

/** One run: the state, the records sent so far and the results. */
class Run {
  readonly results: StepResult[] = [];
  readonly sentRecords: Uint8Array[] = [];
  private readonly start = clock();

  constructor(
    private readonly transport: LabTransport,
    private readonly state: LabState,
    private readonly incoming: Incoming,
  ) {}

  /** Run one step and keep its result. */
  async step(step: Exclude<Step, (...a: never[]) => unknown>): Promise<StepResult> {
    const at = clock();
    const out = { sent: [] as Uint8Array[], messages: [] as string[], received: [] as Received[] };
    let error: string | undefined;
    try {
      error = await this.execute(step, out);
    } catch (e) {
      error = `${(e as Error).name}: ${(e as Error).message}`;
    }
    const result: StepResult = {
      index: this.results.length + 1,
      label: step.label ?? (step.kind === 'send' ? `send ${out.messages.join(', ')}` : defaultLabel(step)),
      ok: error === undefined,
      ...(error === undefined ? {} : { error }),
      ...out,
      at: at - this.start,
      ms: clock() - at,
    };
    this.results.push(result);
    return result;
  }

  private async execute(step: Exclude<Step, (...a: never[]) => unknown>, out: Out): Promise<string | undefined> {
    switch (step.kind) {
      case 'send':
        return this.write(this.sendMessages(step.messages, step.record, step.transcript !== false, out), out);
      case 'records': {
        const content = this.resolve(step.content);
        const written = this.seal(step.type, content, step.record, this.state.write);
        if (step.type === ContentType.change_cipher_spec && this.state.pendingWrite) {
          // TLS 1.2: our ChangeCipherSpec switches our writes to the new keys (RFC 5246 §7.1).
          this.state.write = this.state.pendingWrite;
          this.state.pendingWrite = undefined;
        }
        return this.write(written, out);
      }
      case 'raw':
        return this.write([this.resolve(step.bytes)], out);
      case 'replay': {
        const record = this.sentRecords[step.record];
        if (!record) return `no record #${step.record} was sent`;
        return this.write([record], out);
      }
      case 'keys':
        this.state[step.direction] = this.resolve(step.to);
        return undefined;
      case 'key-update':
        return this.keyUpdate(step.requestUpdate ?? 0, out);
      case 'close':
        await this.transport.close();
        return undefined;
      case 'expect':
        return this.expect(step.expect, out);
      case 'check': {
        const verdict = step.test({ state: this.state, results: this.results, received: this.incoming.events });
        return verdict === true ? undefined : verdict === false ? 'check failed' : verdict;
      }
    }
  }

  private resolve<T>(v: Lazy<T>): T {
    return typeof v === 'function' ? (v as (s: LabState) => T)(this.state) : v;
  }

  /** Build each message in turn (each sees the previous in the transcript), records under the step's epoch. */
  private sendMessages(
    specs: Lazy<HandshakeMessage | Uint8Array>[],
    o: RecordOptions = {},
    inTranscript: boolean,
    out: Out,
  ) {
    const epoch = this.state.write;
    const parts: Uint8Array[] = [];
    let first: HandshakeMessage | undefined;
    for (const spec of specs) {
      const value = this.resolve(spec);
      const raw = value instanceof Uint8Array ? value : encodeHandshake(value);
      const message = value instanceof Uint8Array ? decodeLoosely(raw) : value;
      first ??= message;
      this.state.sent(message, raw, inTranscript);
      if (message.type === 'client_key_exchange') onClientKeyExchangeSent(this.state);
      out.messages.push(messageTypeName(message));
      parts.push(raw);
    }
    const hello = first?.type === 'client_hello' && !epoch;
    return this.seal(ContentType.handshake, concat(...parts), { version: hello ? 0x0301 : undefined, ...o }, epoch);
  }

  /** `content` as records of `type`: fragmented, protected under `epoch` unless asked otherwise. */
  private seal(
    type: number,
    content: Uint8Array,
    o: RecordOptions | undefined,
    epoch: LabEpoch | undefined,
  ): Uint8Array[] {
    o ??= {};
    const size = Math.max(1, o.fragment ?? 16384);
    const protect = o.protect ?? (epoch !== undefined && type !== ContentType.change_cipher_spec);
    if (protect && !epoch) throw new Error('no keys to protect the record with');
    const records: Uint8Array[] = [];
    for (let at = 0; at < content.length || records.length === 0; at += size) {
      const part = content.subarray(at, at + size);
      records.push(
        protect
          ? epoch!.seal(type, part, { padding: o.padding, version: o.version, outerType: o.type })
          : concat(recordHeader(o.type ?? type, o.version ?? 0x0303, part.length), part),
      );
    }
    return records;
  }

  private async write(records: Uint8Array[], out: Out): Promise<undefined> {
    out.sent.push(...records);
    this.sentRecords.push(...records);
    await this.transport.write(concat(...records));
    return undefined;
  }

  private async keyUpdate(requestUpdate: number, out: Out): Promise<undefined> {
    const raw = encodeHandshake({ type: 'key_update', requestUpdate });
    out.messages.push('key_update');
    const records = this.seal(ContentType.handshake, raw, {}, this.state.write);
    updateWriteKeys(this.state);
    return this.write(records, out);
  }

  /** Consume events until one decides the expectation (skipping what it allows to pass). */
  private async expect(e: Expectation, out: Out): Promise<string | undefined> {
    for (;;) {
      const got = await this.incoming.next();
      out.received.push(got);
      if (matches(e, got)) return undefined;
      if (skippable(e, got)) continue;
      return `expected ${describeExpectation(e)}, got ${describeReceived(got)}`;
    }
  }
}

type Out = { sent: Uint8Array[]; messages: string[]; received: Received[] };

/** A raw message decoded if it can be, else kept as an unknown message of its type byte. */
function decodeLoosely(raw: Uint8Array): HandshakeMessage {
  try {
    return decodeHandshake(raw);
  } catch {
    return { type: 'unknown', msgType: raw[0] ?? 0, body: raw.subarray(4) };
  }
}

function defaultLabel(step: Exclude<Step, (...a: never[]) => unknown>): string {
  switch (step.kind) {
    case 'expect':
      return `expect ${describeExpectation(step.expect)}`;
    case 'records':
      return `send ${nameOf(ContentType, step.type)} record`;
    case 'keys':
      return `switch ${step.direction} keys`;
    case 'replay':
      return `replay record #${step.record}`;
    default:
      return step.kind;
  }
}

/**
 * Helpers shared by the handshake benches (not a bench itself: bench/run.ts loads only `*.bench.ts`):
 * the test PKI's files, an in-memory pump that runs one of our clients against one of our servers,
 * the crypto floor of an operation (its provider calls recorded and replayed bare), the overhead note,
 * and a null crypto provider that leaves only protocol code to measure.
 */
import { readFileSync } from 'node:fs';
import type { Bench } from 'tinybench';
import { NobleProvider } from '../src/crypto/noble.js';
import {
  type AeadContext,
  type AeadName,
  type CryptoProvider,
  type GroupName,
  HASH_LENGTH,
  type HashContext,
  type HashName,
  type KeyExchange,
} from '../src/crypto/provider.js';
import type { Tls12Event } from '../src/handshake/tls12/types.js';
import type { TlsEvent } from '../src/handshake/types.js';

const PKI = new URL('../test/pki/out/', import.meta.url);

/** A file of the test PKI (test/pki/out/), as text. */
export const readPki = (name: string): string => readFileSync(new URL(name, PKI), 'utf8');

/** One side of a connection in memory: it takes the peer's bytes and answers with events. */
export interface Endpoint<E> {
  handle(bytes: Uint8Array): E[];
}

type SessionOf<E> = E extends { kind: 'session'; session: infer S } ? S : never;

/**
 * Run client and server against each other in memory, from the client's `first` events, until
 * neither has anything to send; returns the sessions the client reported. An error event is thrown.
 */
export function converse<E extends TlsEvent | Tls12Event>(
  client: Endpoint<E>,
  server: Endpoint<E>,
  first: E[],
): SessionOf<E>[] {
  const sessions: SessionOf<E>[] = [];
  let toServer: Uint8Array[] = [];
  let toClient: Uint8Array[] = [];
  const take = (events: (TlsEvent | Tls12Event)[], out: Uint8Array[]) => {
    for (const e of events) {
      if (e.kind === 'send') out.push(e.bytes);
      else if (e.kind === 'session') sessions.push(e.session as SessionOf<E>);
      else if (e.kind === 'error') throw e.error;
    }
  };
  take(first, toServer);
  while (toServer.length > 0 || toClient.length > 0) {
    const s = toServer;
    toServer = [];
    for (const b of s) take(server.handle(b), toClient);
    const c = toClient;
    toClient = [];
    for (const b of c) take(client.handle(b), toServer);
  }
  return sessions;
}

/** One recorded call: `slots[target][method](...args)`, its object result (if any) stored in `slots[result]`. */
interface CryptoCall {
  target: number;
  method: string;
  args: unknown[];
  result: number | undefined;
}

/** A deep copy of the bytes in an argument (plain objects and arrays included); other objects as they are. */
function copyArgument(value: unknown): unknown {
  if (value instanceof Uint8Array) return value.slice();
  if (Array.isArray(value)) return value.map(copyArgument);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyArgument(v)]));
  }
  return value;
}

/** A value is recorded as a result object (and its own calls recorded) unless it is bytes or plain data. */
function isRecordable(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array || Array.isArray(value)) return false;
  return Object.getPrototypeOf(value) !== Object.prototype;
}

/**
 * The crypto floor of an operation, taken from the operation itself: `run` gets a recording view of
 * `provider`; every call made through it (and through the hash, AEAD and key-exchange objects it
 * returns) after `run` calls `begin()` is logged with a copy of its byte arguments. The returned
 * function replays exactly those calls on `provider`, bare: the same primitives, in the same order,
 * on the same sizes, with no protocol code between them. Calls before `begin()` (one-time setup, such
 * as keying a ticketer) are not logged, but the objects they return are, when used later. Calls the
 * provider makes internally are not logged (they replay as part of the call that made them).
 */
export function recordCrypto(
  provider: CryptoProvider,
  run: (recording: CryptoProvider, begin: () => void) => void,
): () => void {
  type Callable = Record<string, (...a: unknown[]) => unknown>;
  const calls: CryptoCall[] = [];
  /** Objects made before `begin()`: replay uses them as they are. */
  const preset: Callable[] = [provider as unknown as Callable];
  let logging = false;
  let slotCount = 1;
  const wrap = (target: object, slot: number): object => {
    const proxy = new Proxy(target, {
      get(obj, key, receiver) {
        const value = Reflect.get(obj, key, receiver === proxy ? obj : receiver);
        if (typeof value !== 'function' || typeof key !== 'string' || key === 'constructor') return value;
        return (...args: unknown[]) => {
          const call: CryptoCall = {
            target: slot,
            method: key,
            args: args.map(copyArgument),
            result: undefined,
          };
          if (logging) calls.push(call);
          const out = (value as (...a: unknown[]) => unknown).apply(obj, args);
          if (!isRecordable(out)) return out;
          call.result = slotCount++;
          if (!logging) preset[call.result] = out as Callable;
          return wrap(out, call.result);
        };
      },
    });
    return proxy;
  };
  run(wrap(provider, 0) as CryptoProvider, () => {
    logging = true;
  });
  logging = false;
  return () => {
    const slots = [...preset];
    for (const c of calls) {
      const out = slots[c.target]![c.method]!(...c.args);
      if (c.result !== undefined) slots[c.result] = out as Callable;
      // A replayed check that failed would make the floor cheaper than the real thing.
      if ((out === null && c.method.toLowerCase().endsWith('open')) || (out === false && c.method === 'verify')) {
        throw new Error(`bench: replayed ${c.method} failed`);
      }
    }
  };
}

/** Mean latency of a finished tinybench task, in ms (NaN if it did not run). */
function meanMs(bench: Bench, name: string): number {
  const r = bench.tasks.find((t) => t.name === name)?.result as { latency?: { mean?: number } } | undefined;
  return r?.latency?.mean ?? Number.NaN;
}

/** An operation, its floor, and how many of each one timed batch runs. */
export interface OverheadPair {
  task: string;
  run: () => void;
  floor: () => void;
  batch: number;
}

/** Median of `values` (not empty). */
function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[sorted.length >> 1]!;
}

/**
 * A note for bench/run.ts, computed after the run: for each pair, the protocol overhead = operation
 * time ÷ floor time − 1, measured twice: from tinybench's means (each task timed alone, for a second,
 * one after the other) and interleaved — `rounds` rounds, each timing a batch of the operation and a
 * batch of its floor (in alternating order, after a full GC when `npm run bench` exposes `gc`), the
 * median of the per-round ratios and the middle half of them — which cancels the drift of a shared
 * machine between the two tinybench tasks and the garbage one side leaves for the other.
 */
export function overheadNote(
  bench: Bench,
  pairs: readonly (OverheadPair & { floorName: string })[],
  rounds = 21,
): () => string {
  const gc = (globalThis as { gc?: () => void }).gc;
  const time = (f: () => void, batch: number): number => {
    gc?.();
    const t = performance.now();
    for (let i = 0; i < batch; i++) f();
    return performance.now() - t;
  };
  return () =>
    pairs
      .map(({ task, run, floor, floorName, batch }) => {
        time(run, batch);
        time(floor, batch);
        const ratios: number[] = [];
        for (let r = 0; r < rounds; r++) {
          if (r % 2 === 0) {
            const ours = time(run, batch);
            ratios.push(ours / time(floor, batch));
          } else {
            const bare = time(floor, batch);
            ratios.push(time(run, batch) / bare);
          }
        }
        ratios.sort((x, y) => x - y);
        const pct = (x: number) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)}%`;
        const q = (f: number) => ratios[Math.floor(f * (ratios.length - 1))]!;
        const byMeans = meanMs(bench, task) / meanMs(bench, floorName);
        return `overhead of "${task}" over its floor: ${pct(median(ratios))} interleaved (median of ${rounds} rounds, middle half ${pct(q(0.25))} … ${pct(q(0.75))}), ${pct(byMeans)} from the tinybench means`;
      })
      .join('\n');
}

/** FNV-1a over every 8th byte of `parts`, stretched to `length` bytes: stands in for a digest, not a hash. */
function fold(length: number, ...parts: Uint8Array[]): Uint8Array {
  let h = 0x811c9dc5;
  for (const p of parts) for (let i = 0; i < p.length; i += 8) h = Math.imul(h ^ p[i]!, 0x01000193);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    h = Math.imul(h ^ i, 0x01000193);
    out[i] = h >>> 24;
  }
  return out;
}

class NullHash implements HashContext {
  #parts: Uint8Array[] = [];
  constructor(readonly hash: HashName) {}
  update(data: Uint8Array): this {
    this.#parts.push(data.slice());
    return this;
  }
  digest(): Uint8Array {
    return fold(HASH_LENGTH[this.hash], ...this.#parts);
  }
  clone(): HashContext {
    const c = new NullHash(this.hash);
    c.#parts = [...this.#parts];
    return c;
  }
}

/** AEAD that appends 16 zero bytes and strips them again (a class: no closures made per call). */
class NullAead implements AeadContext {
  constructor(readonly aead: AeadName) {}
  seal(_nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const out = new Uint8Array(plaintext.length + 16);
    out.set(plaintext);
    return out;
  }
  open(_nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    return ciphertext.slice(0, ciphertext.length - 16);
  }
  dispose(): void {}
}

/**
 * A provider whose primitives cost next to nothing and protect nothing: digests are a cheap fold,
 * AEAD appends 16 zero bytes, key exchange returns one fixed share and secret, every signature
 * verifies. Both ends of an in-memory handshake agree with each other, so a handshake over it runs
 * every line of protocol code and almost no crypto: its time is the protocol's own cost. For
 * benchmarks only, never for traffic.
 */
export class NullCryptoProvider extends NobleProvider {
  readonly #pair = new NobleProvider().keyExchange('x25519').generate();
  readonly #kx: KeyExchange = {
    group: 'x25519',
    clientShareLength: 32,
    serverShareLength: 32,
    generate: () => this.#pair,
    encapsulate: () => ({ group: 'x25519', share: this.#pair.share, sharedSecret: new Uint8Array(32).fill(1) }),
    decapsulate: () => new Uint8Array(32).fill(1),
  };
  override random(n: number): Uint8Array {
    return new Uint8Array(n).fill(7);
  }
  override hash(hash: HashName, data: Uint8Array): Uint8Array {
    return fold(HASH_LENGTH[hash], data);
  }
  override createHash(hash: HashName): HashContext {
    return new NullHash(hash);
  }
  override hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
    return fold(HASH_LENGTH[hash], key, data);
  }
  override hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
    return fold(HASH_LENGTH[hash], salt, ikm);
  }
  override hkdfExpand(_hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    return fold(length, prk, info);
  }
  override aead(aead: AeadName, _key: Uint8Array): AeadContext {
    return new NullAead(aead);
  }
  override aeadSeal(aead: AeadName, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
    return this.aead(aead, key).seal(nonce, plaintext, aad);
  }
  override aeadOpen(aead: AeadName, key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array) {
    return this.aead(aead, key).open(nonce, ciphertext, aad);
  }
  override keyExchange(_group: GroupName): KeyExchange {
    return this.#kx;
  }
  override sign(): Uint8Array {
    return new Uint8Array(72).fill(3);
  }
  override verify(): boolean {
    return true;
  }
}

/**
 * A note for bench/run.ts: for each `[protocol-only task, floor]` pair, the protocol-only time (the
 * operation over {@link NullCryptoProvider}) as a share of the floor — the overhead measured
 * directly, without the interplay (GC, caches) of running both together.
 */
export function protocolShareNote(bench: Bench, pairs: readonly (readonly [string, string])[]): () => string {
  return () =>
    pairs
      .map(([task, floor]) => {
        const ms = meanMs(bench, task);
        return `"${task}": ${(ms * 1000).toFixed(0)} µs = ${((ms / meanMs(bench, floor)) * 100).toFixed(1)}% of "${floor}"`;
      })
      .join('\n');
}

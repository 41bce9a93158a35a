/**
 * Helpers shared by the handshake benches (not a bench itself: bench/run.ts loads only `*.bench.ts`):
 * the test PKI's files, and an in-memory pump that runs one of our clients against one of our servers.
 */
import { readFileSync } from 'node:fs';
import type { Bench } from 'tinybench';
import type { CryptoProvider } from '../src/crypto/provider.js';
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

/** A value is recorded as a result object (and its own calls recorded) unless it is bytes or plain data. */
function isRecordable(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array || Array.isArray(value)) return false;
  return Object.getPrototypeOf(value) !== Object.prototype;
}

/**
 * The crypto floor of an operation, taken from the operation itself: `run` gets a recording view of
 * `provider`; every call made through it (and through the hash, AEAD and key-exchange objects it
 * returns) is logged with a copy of its byte arguments. The returned function replays exactly those
 * calls on `provider`, bare: the same primitives, in the same order, on the same sizes, with no
 * protocol code between them. Calls the provider makes internally are not logged (they replay as
 * part of the call that made them).
 */
export function recordCrypto(provider: CryptoProvider, run: (recording: CryptoProvider) => void): () => void {
  const calls: CryptoCall[] = [];
  const wrap = (target: object, slot: number): object => {
    const proxies = new Proxy(target, {
      get(obj, key, receiver) {
        const value = Reflect.get(obj, key, receiver === proxies ? obj : receiver);
        if (typeof value !== 'function' || typeof key !== 'string' || key === 'constructor') return value;
        return (...args: unknown[]) => {
          const call: CryptoCall = {
            target: slot,
            method: key,
            args: args.map((a) => (a instanceof Uint8Array ? a.slice() : a)),
            result: undefined,
          };
          calls.push(call);
          const out = (value as (...a: unknown[]) => unknown).apply(obj, args);
          if (!isRecordable(out)) return out;
          call.result = slotCount++;
          return wrap(out, call.result);
        };
      },
    });
    return proxies;
  };
  let slotCount = 1;
  run(wrap(provider, 0) as CryptoProvider);
  return () => {
    const slots: Record<string, (...a: unknown[]) => unknown>[] = [
      provider as unknown as Record<string, (...a: unknown[]) => unknown>,
    ];
    for (const c of calls) {
      const out = slots[c.target]![c.method]!(...c.args);
      if (c.result !== undefined) slots[c.result] = out as Record<string, (...a: unknown[]) => unknown>;
    }
  };
}

/** Mean latency of a finished tinybench task, in ms (NaN if it did not run). */
function meanMs(bench: Bench, name: string): number {
  const r = bench.tasks.find((t) => t.name === name)?.result as { latency?: { mean?: number } } | undefined;
  return r?.latency?.mean ?? Number.NaN;
}

/**
 * A note for bench/run.ts, computed after the run: for each `[task, floor]` pair, the protocol
 * overhead = task mean time ÷ floor mean time − 1.
 */
export function overheadNote(bench: Bench, pairs: readonly (readonly [string, string])[]): () => string {
  return () =>
    pairs
      .map(([task, floor]) => {
        const overhead = (meanMs(bench, task) / meanMs(bench, floor) - 1) * 100;
        return `overhead of "${task}" over its floor: ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)}%`;
      })
      .join('\n');
}

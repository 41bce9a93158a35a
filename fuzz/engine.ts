/**
 * The fuzz loop: for each run, a generator seeded from (seed, target, run index) builds an input, the
 * target runs it, and whatever it throws is a finding (deduplicated by signature, then minimized).
 * Each run's wall time is measured against a bound, and the heap is sampled every `heapEvery` runs.
 */
import { Rng } from './prng.js';
import { type Chunks, flatten, mutateCase, type Target } from './target.js';

export interface FuzzOptions {
  seed: number;
  runs: number;
  /** First run index (default 0): `--from I --runs 1` reproduces run I. */
  from?: number;
  /** A run slower than this (ms) is a finding (default 1000). */
  boundMs?: number;
  /** Sample the heap every this many runs (default 1000). */
  heapEvery?: number;
  /** Stop after this much wall time (ms), reporting the runs done. */
  maxMs?: number;
  /** Called as each run starts (the watchdog's hook). */
  onRunStart?: (run: number) => void;
  /** Called after every heap sample. */
  progress?: (done: number, heapMb: number) => void;
}

export interface Finding {
  target: string;
  seed: number;
  run: number;
  /** Error name and where it was thrown (or the invariant broken): the deduplication key. */
  signature: string;
  message: string;
  input: Chunks;
  /** The smallest input found that fails with the same signature. */
  minimized: Chunks;
}

export interface TargetReport {
  target: string;
  seed: number;
  runs: number;
  ms: number;
  findings: Finding[];
  /** Findings beyond the first of each signature. */
  duplicates: number;
  /** Runs skipped because the fuzzer's generator threw (its own bug). */
  generatorErrors: number;
  slowest: { run: number; ms: number };
  heapMb: { first: number; last: number; max: number };
  stoppedEarly: boolean;
}

/** The deduplication key of a thrown value: its name, message shape and first stack frame in our code. */
export function signatureOf(error: unknown): string {
  if (!(error instanceof Error)) return `non-error: ${String(error)}`;
  const frame = (error.stack ?? '')
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .find((l) => /\/(src|fuzz)\//.test(l));
  const where = frame ? frame.replace(/^at /, '').replace(/^.*\/((src|fuzz)\/[^:)]+:\d+).*$/, '$1') : '?';
  const shape = error.message.replace(/\d+/g, '#').slice(0, 80);
  return `${error.name} at ${where}: ${shape}`;
}

/** Run `target` on `input`: undefined, or what it threw. */
export function attempt(target: Target, input: Chunks): unknown {
  try {
    target.run(input);
    return undefined;
  } catch (e) {
    return e ?? new Error('threw a nullish value');
  }
}

/** The input of run `run` of `target` under `seed`. */
export function inputOf(target: Target, corpus: readonly Chunks[], seed: number, run: number): Chunks {
  const rng = Rng.forRun(seed, target.name, run);
  return target.generate ? target.generate(rng, corpus) : mutateCase(rng, flatten(corpus));
}

/** Heap in use, in MB, after a full collection when the process runs with --expose-gc (`npm run fuzz` does). */
const mb = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
};

/** Fuzz one target. */
export function fuzzTarget(target: Target, corpus: readonly Chunks[], options: FuzzOptions): TargetReport {
  const { seed, runs } = options;
  const from = options.from ?? 0;
  const boundMs = options.boundMs ?? 1000;
  const heapEvery = options.heapEvery ?? 1000;
  const bySignature = new Map<string, Finding>();
  let duplicates = 0;
  let generatorErrors = 0;
  const slowest = { run: -1, ms: 0 };
  const heap = { first: mb(), last: 0, max: 0 };
  const start = performance.now();
  let done = 0;
  let stoppedEarly = false;
  for (let run = from; run < from + runs; run++) {
    let input: Chunks;
    try {
      input = inputOf(target, corpus, seed, run);
    } catch (e) {
      // A bug of the fuzzer's own generator, not of the code under test: reported, not a finding.
      generatorErrors++;
      if (generatorErrors === 1) process.stderr.write(`\n${target.name} run ${run}: generator error ${e}\n`);
      continue;
    }
    options.onRunStart?.(run);
    const t0 = performance.now();
    let error = attempt(target, input);
    const ms = performance.now() - t0;
    if (ms > slowest.ms) Object.assign(slowest, { run, ms });
    if (!error && ms > boundMs) error = slowAgain(target, input, ms, boundMs);
    if (error) {
      const signature = signatureOf(error);
      if (bySignature.has(signature)) duplicates++;
      else bySignature.set(signature, finding(target, seed, run, input, error, signature));
    }
    done++;
    if (done % heapEvery === 0) {
      heap.last = mb();
      heap.max = Math.max(heap.max, heap.last);
      options.progress?.(done, heap.last);
      if (options.maxMs !== undefined && performance.now() - start > options.maxMs) {
        stoppedEarly = done < runs;
        break;
      }
    }
  }
  heap.last = mb();
  heap.max = Math.max(heap.max, heap.last);
  return {
    target: target.name,
    seed,
    runs: done,
    ms: performance.now() - start,
    findings: [...bySignature.values()],
    duplicates,
    generatorErrors,
    slowest,
    heapMb: heap,
    stoppedEarly,
  };
}

/** A slow run is a finding only if it is slow again (a garbage collection or a busy machine is not). */
function slowAgain(target: Target, input: Chunks, ms: number, boundMs: number): Error | undefined {
  const t0 = performance.now();
  attempt(target, input);
  const again = performance.now() - t0;
  if (again <= boundMs) return undefined;
  return new Error(`slow: one run took ${ms.toFixed(0)} ms, then ${again.toFixed(0)} ms (bound ${boundMs} ms)`);
}

function finding(target: Target, seed: number, run: number, input: Chunks, error: unknown, signature: string): Finding {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const slow = signature.includes(': slow: one run took');
  const minimized = slow ? input : minimize(target, input, signature);
  return { target: target.name, seed, run, signature, message, input, minimized };
}

/**
 * A smaller input failing with the same signature: drop whole chunks, then delete byte ranges of
 * halving sizes from each chunk (delta debugging), within a budget of attempts.
 */
export function minimize(target: Target, input: Chunks, signature: string, budget = 4000): Chunks {
  const fails = (c: Chunks): boolean => {
    if (budget-- <= 0) return false;
    const e = attempt(target, c);
    return e !== undefined && signatureOf(e) === signature;
  };
  const header = target.header ?? 0;
  let best = input.map((c) => c.slice());
  for (let i = best.length - 1; i >= header && best.length > header + 1; i--) {
    const without = [...best.slice(0, i), ...best.slice(i + 1)];
    if (fails(without)) best = without;
  }
  for (let i = header; i < best.length; i++) {
    for (let size = Math.max(1, best[i]!.length >> 1); size >= 1; size >>= 1) {
      for (let at = 0; at + size <= best[i]!.length; ) {
        const chunk = best[i]!;
        const smaller = new Uint8Array(chunk.length - size);
        smaller.set(chunk.subarray(0, at));
        smaller.set(chunk.subarray(at + size), at);
        const candidate = [...best.slice(0, i), smaller, ...best.slice(i + 1)];
        if (fails(candidate)) best = candidate;
        else at += size;
      }
    }
  }
  return best;
}

/**
 * The watchdog of `npm run fuzz`: a worker thread that watches the run in flight (through shared
 * memory) and, when one run has taken longer than `hardMs`, regenerates that run's input itself (the
 * input is a pure function of target, seed and run index), writes it as a vector, reports it and ends
 * the process: a hang cannot report itself, since the fuzz loop is synchronous.
 */
import { writeSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { inputOf } from './engine.js';
import { targetNamed } from './targets/index.js';
import { writeVector } from './vector.js';

interface WatchdogData {
  /** [run index in flight, or -1; start time of that run in ms since the watchdog's origin]. */
  shared: Int32Array;
  target: string;
  seed: number;
  out: string;
  hardMs: number;
  origin: number;
}

/** Start watching: returns the function the fuzz loop calls as each run starts, and a stop function. */
export function startWatchdog(options: Omit<WatchdogData, 'shared' | 'origin'>): {
  onRunStart: (run: number) => void;
  stop: () => Promise<void>;
} {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const origin = Date.now();
  // The worker loads this file through tsx's loader (a plain `execArgv` loader does not reach workers on Node 20).
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { ...options, shared, origin } satisfies WatchdogData });
  worker.unref();
  return {
    onRunStart: (run) => {
      Atomics.store(shared, 1, Date.now() - origin);
      Atomics.store(shared, 0, run);
    },
    stop: async () => {
      await worker.terminate();
    },
  };
}

function watch(data: WatchdogData): void {
  const target = targetNamed(data.target);
  let corpus: ReturnType<typeof target.corpus> | undefined;
  setInterval(() => {
    const run = Atomics.load(data.shared, 0);
    const started = Atomics.load(data.shared, 1);
    if (run < 0 || Date.now() - data.origin - started < data.hardMs || Atomics.load(data.shared, 0) !== run) return;
    corpus ??= target.corpus();
    const input = inputOf(target, corpus, data.seed, run);
    const path = writeVector(data.out, target.name, `seed-${data.seed}-run-${run}`, input, [
      `fuzz target ${target.name}, seed ${data.seed}, run ${run} (npm run fuzz -- --target ${target.name} --seed ${data.seed} --from ${run} --runs 1)`,
      `found: hang: the run was still going after ${data.hardMs} ms (watchdog; not minimized)`,
    ]);
    // Straight to the file descriptor: the main thread, busy with the hung run, would never flush a stream.
    writeSync(1, `  FINDING hang in ${target.name} run ${run} (> ${data.hardMs} ms)\n    → ${path}\n`);
    process.kill(process.pid, 'SIGKILL');
  }, 200);
}

if (!isMainThread && parentPort && (workerData as WatchdogData | undefined)?.shared) watch(workerData as WatchdogData);

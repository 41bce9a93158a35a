/**
 * `npm run bench`: every benchmark of the project in one tinybench run, printed as a table.
 *
 * Each `bench/*.bench.ts` module exports `register(bench)`, adding its tasks; it may return notes,
 * printed after the table: strings, or functions called after the run (to derive MB/s and the like
 * from the results). Figures are recorded with the machine in docs/performance.md. Benchmarks never
 * run in the test suite.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only || f.includes(only))
  .sort();

const bench = new Bench({ time: 1000, warmupTime: 200 });
type Note = string | (() => string);
const notes: Note[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as {
    register: (b: Bench) => undefined | Note[] | Promise<undefined | Note[]>;
  };
  const extra = await mod.register(bench);
  if (Array.isArray(extra)) notes.push(...extra);
}
await bench.run();
console.log(`node ${process.version} on ${process.platform}/${process.arch}`);
console.table(
  bench.tasks.map((t) => {
    const r = t.result as { throughput?: { mean?: number }; latency?: { mean?: number } } | undefined;
    const hz = r?.throughput?.mean ?? 0;
    return {
      task: t.name,
      'ops/s': Math.round(hz).toLocaleString('en-US'),
      'mean µs': ((r?.latency?.mean ?? 0) * 1000).toFixed(3),
    };
  }),
);
for (const n of notes) console.log(typeof n === 'function' ? n() : n);

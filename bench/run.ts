/**
 * `npm run bench`: every benchmark of the project in one tinybench run, printed as a table.
 *
 * Each `bench/*.bench.ts` module exports `register(bench)`, adding its tasks; it may return notes,
 * printed after the table: strings, or functions called after the run (to derive MB/s and the like
 * from the results). The table and the notes are also written to bench/results.json (not committed).
 * Figures are recorded with the machine in docs/performance.md. Benchmarks never run in the test suite.
 */
import { readdirSync, writeFileSync } from 'node:fs';
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
const rows = bench.tasks.map((t) => {
  const r = t.result as { throughput?: { mean?: number }; latency?: { mean?: number } } | undefined;
  return { task: t.name, opsPerSecond: r?.throughput?.mean ?? 0, meanMicroseconds: (r?.latency?.mean ?? 0) * 1000 };
});
console.table(
  rows.map((r) => ({
    task: r.task,
    'ops/s': Math.round(r.opsPerSecond).toLocaleString('en-US'),
    'mean µs': r.meanMicroseconds.toFixed(3),
  })),
);
const noteLines = notes.map((n) => (typeof n === 'function' ? n() : n));
for (const n of noteLines) console.log(n);
writeFileSync(
  join(here, 'results.json'),
  `${JSON.stringify({ node: process.version, platform: `${process.platform}/${process.arch}`, date: new Date().toISOString(), tasks: rows, notes: noteLines }, null, 2)}\n`,
);

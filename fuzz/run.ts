/**
 * `npm run fuzz -- --runs N [--seed S] [--target NAME[,NAME…]] [--from I] [--out DIR] [--max-seconds T]`
 *
 * Fuzz each target (all by default) for N runs with seed S (default 1). Run I of a target under seed S
 * is always the same input (`--from I --runs 1` reproduces it). Each distinct finding is minimized and
 * written to DIR/<target>/seed-S-run-I.hex (default DIR: vectors/fuzz), to be replayed by
 * test/fuzz/regressions.test.ts. `--max-seconds` stops a target early, reporting the runs done.
 * `--replay FILE` runs one vector and prints what it throws. Exit status 1 when anything was found.
 * A run still going after `--hang-seconds` (default 30) is written as a vector by a watchdog thread,
 * which then ends the process.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { attempt, fuzzTarget, type TargetReport } from './engine.js';
import { TARGETS, targetNamed } from './targets/index.js';
import { parseVector, writeVector } from './vector.js';
import { startWatchdog } from './watchdog.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    target: { type: 'string' },
    from: { type: 'string', default: '0' },
    out: { type: 'string', default: 'vectors/fuzz' },
    'max-seconds': { type: 'string' },
    'hang-seconds': { type: 'string', default: '30' },
    replay: { type: 'string' },
    list: { type: 'boolean', default: false },
  },
});

if (values.list) {
  for (const t of TARGETS) console.log(`${t.name.padEnd(20)} ${t.description}`);
  process.exit(0);
}

if (values.replay) {
  const path = values.replay;
  const target = targetNamed(path.split('/').at(-2) ?? '');
  const error = attempt(target, parseVector(readFileSync(path, 'utf8')));
  console.log(error === undefined ? 'passes' : error);
  process.exit(error === undefined ? 0 : 1);
}

const runs = Number(values.runs);
const seed = Number(values.seed);
const from = Number(values.from);
const maxMs = values['max-seconds'] ? Number(values['max-seconds']) * 1000 : undefined;
const targets = values.target ? values.target.split(',').map(targetNamed) : TARGETS;

let found = 0;
for (const target of targets) {
  const t0 = performance.now();
  const corpus = target.corpus();
  const corpusMs = performance.now() - t0;
  const heapEvery = Math.max(100, Math.min(10_000, Math.floor(runs / 20)));
  const hardMs = Number(values['hang-seconds']) * 1000;
  const watchdog = startWatchdog({ target: target.name, seed, out: values.out, hardMs });
  const report = fuzzTarget(target, corpus, {
    seed,
    runs,
    from,
    heapEvery,
    maxMs,
    onRunStart: watchdog.onRunStart,
    progress: (done, heap) => process.stderr.write(`\r${target.name}: ${done} runs, heap ${heap} MB   `),
  });
  await watchdog.stop();
  process.stderr.write('\n');
  print(report, corpus.length, corpusMs);
  for (const f of report.findings) {
    found++;
    const path = writeVector(values.out, f.target, `seed-${f.seed}-run-${f.run}`, f.minimized, [
      `fuzz target ${f.target}, seed ${f.seed}, run ${f.run} (npm run fuzz -- --target ${f.target} --seed ${f.seed} --from ${f.run} --runs 1)`,
      `found: ${f.message.split('\n')[0]}`,
      `minimized from ${f.input.reduce((n, c) => n + c.length, 0)} bytes in ${f.input.length} chunk(s)`,
    ]);
    console.log(`  FINDING ${f.signature}\n    ${f.message.split('\n')[0]}\n    → ${path}`);
  }
}
process.exit(found > 0 ? 1 : 0);

function print(r: TargetReport, corpusSize: number, corpusMs: number): void {
  const perSecond = Math.round(r.runs / (r.ms / 1000));
  console.log(
    `${r.target}: ${r.runs} runs${r.stoppedEarly ? ' (stopped early)' : ''}, seed ${r.seed}, ${(r.ms / 1000).toFixed(1)} s ` +
      `(${perSecond}/s), corpus ${corpusSize} (${corpusMs.toFixed(0)} ms), findings ${r.findings.length} ` +
      `(+${r.duplicates} duplicates), generator errors ${r.generatorErrors}, slowest run ${r.slowest.run} ${r.slowest.ms.toFixed(1)} ms, ` +
      `heap ${r.heapMb.first} → ${r.heapMb.last} MB (max ${r.heapMb.max})`,
  );
}

/**
 * `npm run bench:instructions`: protocol overhead counted in CPU instructions instead of time, for
 * machines whose timings are too noisy to resolve a few percent (shared VMs). Each handshake task and
 * its floor (the handshake's own crypto calls replayed bare, bench/support.ts `recordCrypto`) runs
 * under `valgrind --tool=cachegrind` twice, N1 and N2 times in a fresh process; the slope
 * (I(N2) − I(N1)) / (N2 − N1) is the instructions of one operation, with start-up, warm-up and JIT
 * compilation cancelled out. Overhead = slope(task) ÷ slope(floor) − 1.
 *
 * Instructions are not time: cache misses and branch mispredictions are not counted, so this bounds
 * the protocol code's own work, not every effect of running it beside the crypto. Needs valgrind; takes
 * several minutes (node runs ≈ 50× slower under valgrind). Not part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tls13 from './handshake.bench.js';
import * as tls12 from './tls12-handshake.bench.js';

const here = dirname(fileURLToPath(import.meta.url));
/**
 * [label, bench file, task, floor task, N1, N2]. The run-to-run noise of one process (JIT and GC
 * threads) is ≈ 10^8 instructions, so N2 − N1 operations should come to several 10^9.
 */
const PAIRS: readonly (readonly [string, string, string, string, number, number])[] = [
  ['TLS 1.3 full handshake', 'handshake.bench.ts', tls13.FULL, tls13.FULL_FLOOR, 20, 60],
  ['TLS 1.3 resumed handshake', 'handshake.bench.ts', tls13.RESUMED, tls13.RESUMED_FLOOR, 20, 100],
  ['TLS 1.3 bulk 1 MiB', 'handshake.bench.ts', tls13.BULK, tls13.BULK_FLOOR, 4, 12],
  ['TLS 1.2 full handshake', 'tls12-handshake.bench.ts', tls12.FULL, tls12.FULL_FLOOR, 20, 60],
  ['TLS 1.2 resumed handshake', 'tls12-handshake.bench.ts', tls12.RESUMED, tls12.RESUMED_FLOOR, 200, 1200],
];

/** Instructions valgrind counts for `task` run `n` times in a fresh node process. */
function instructions(file: string, task: string, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'valgrind',
      [
        '--tool=cachegrind',
        '--cache-sim=no',
        '--cachegrind-out-file=/dev/null',
        process.execPath,
        '--import',
        'tsx',
        join(here, 'instructions-entry.ts'),
        file,
        task,
        String(n),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /I\s+refs:\s+([\d,]+)/.exec(err);
      if (code !== 0 || !m) reject(new Error(`valgrind on "${task}" ×${n} failed (${code}): ${err.slice(-500)}`));
      else resolve(Number(m[1]!.replaceAll(',', '')));
    });
  });
}

/** Instructions of one `task`: the slope between `n1` and `n2` runs. */
async function perOperation(file: string, task: string, n1: number, n2: number): Promise<number> {
  const [a, b] = await Promise.all([instructions(file, task, n1), instructions(file, task, n2)]);
  return (b - a) / (n2 - n1);
}

const only = process.argv[2];
for (const [label, file, task, floor, n1, n2] of PAIRS.filter(([l]) => !only || l.includes(only))) {
  const ours = await perOperation(file, task, n1, n2);
  const bare = await perOperation(file, floor, n1, n2);
  const overhead = (ours / bare - 1) * 100;
  console.log(
    `${label}: ${(ours / 1e6).toFixed(2)} M instructions vs floor ${(bare / 1e6).toFixed(2)} M: overhead ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)}%`,
  );
}

/**
 * Entry point for bench/instructions.ts (not a bench itself): load one `*.bench.ts` module, collect
 * its tasks through a stand-in for tinybench, and run the task named on the command line N times.
 * Usage: `node --import tsx bench/instructions-entry.ts FILE TASK N`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, task, count] = process.argv.slice(2);
const tasks = new Map<string, () => unknown>();
const collector = {
  add(name: string, fn: () => unknown) {
    tasks.set(name, fn);
    return collector;
  },
};
const mod = (await import(pathToFileURL(join(import.meta.dirname, file!)).href)) as {
  register: (b: typeof collector) => unknown;
};
await mod.register(collector);
const fn = tasks.get(task!);
if (!fn) throw new Error(`no task "${task}" in ${file}`);
for (let i = 0; i < Number(count); i++) await fn();
process.exit(0);

#!/usr/bin/env node
/**
 * `npm run check:package`: pack the package once (`npm pack` runs the build through `prepack`), then
 * check the tarball as a consumer gets it:
 * - `@arethetypeswrong/cli`: every entry point's types resolve, in the right module format, under
 *   node10 (through `typesVersions`), node16 from CommonJS and from ESM, and bundler resolution;
 * - `publint --strict`: package.json fields agree with the files shipped;
 * - the size budgets of scripts/size.mjs, measured on the built dist/.
 *
 * Usage: node scripts/check-package.mjs
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tlswire-pack-'));

/** Run a command in the repository, inheriting the terminal; exit with its status on failure. */
function run(command, args) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    console.error(`check-package: ${command} ${args.join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
}

run('npm', ['pack', '--silent', '--pack-destination', dir]);
const tarball = join(
  dir,
  readdirSync(dir).find((f) => f.endsWith('.tgz')),
);
run('npx', ['--no-install', 'attw', tarball, '--format', 'table-flipped']);
run('npx', ['--no-install', 'publint', 'run', tarball, '--strict']);
run(process.execPath, [join(root, 'scripts', 'size.mjs')]);
rmSync(dir, { recursive: true, force: true });

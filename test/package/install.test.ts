/**
 * The package as a user installs it (issue #13): `npm pack` in the repository (the build runs through
 * `prepack`), `npm install` of the tarball into a new project, then `npx tlswire demo` there and every
 * subpath loaded as an ES module and as CommonJS; and `npx tlswire` in the repository itself once
 * built. The dependencies come from npm's cache when it has them (`--prefer-offline`), else from the
 * registry.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBPATHS } from '../support/subpaths.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let dir = '';
let files: string[] = [];

/** Run a command; fail with its output unless it exits 0. */
function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_yes: 'false' } });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${output}`);
  return r.stdout;
}

beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'tlswire-install-')));
  const stdout = run('npm', ['pack', '--json', '--pack-destination', dir], ROOT);
  // The build's own output (prepack) comes first on stdout; the JSON report is the last thing.
  const packed = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[\n') + 1)) as {
    filename: string;
    files: { path: string }[];
  }[];
  files = packed[0]!.files.map((f) => f.path).sort();
  const project = join(dir, 'project');
  run('mkdir', [project], dir);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  run('npm', ['install', join(dir, tarball), '--prefer-offline', '--no-audit', '--no-fund'], project);
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the built entries, the CLI, the demo files, LICENSE and CHANGELOG, and no sourcemaps or sources', () => {
    for (const entry of ['index', ...SUBPATHS.map((s) => `${s}/index`)]) {
      for (const ext of ['js', 'cjs', 'd.ts', 'd.cts']) expect(files).toContain(`dist/${entry}.${ext}`);
    }
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('LICENSE');
    expect(files).toContain('CHANGELOG.md');
    expect(files).toContain('vectors/tls/openssl-tls13.pcap');
    expect(files).toContain('test/pki/out/server-ecdsa-chain.pem');
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.endsWith('.test.ts'))).toEqual([]);
  });
});

describe('the repository after the build', () => {
  it('`npx tlswire` runs the built CLI: the package bin, with no install', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(run('npx', ['--no-install', 'tlswire', '--version'], ROOT).trim()).toBe(version);
  });
});

describe('the installed package', () => {
  it('`npx tlswire demo` runs the whole demo', () => {
    const out = run('npx', ['--no-install', 'tlswire', 'demo'], join(dir, 'project'));
    expect(out).toContain('1. A TCP conversation: vectors/tcp/client-close.pcap');
    expect(out).toContain('2. A TLS 1.3 handshake: vectors/tls/openssl-tls13.pcap');
    expect(out).toContain('hello from tlswire');
  }, 120_000);

  it('every subpath loads as an ES module and as CommonJS, with the same exports', () => {
    const list = JSON.stringify(['', ...SUBPATHS.map((s) => `/${s}`)]);
    const esm = `const out = {}; for (const s of ${list}) out[s] = Object.keys(await import('tlswire' + s)).sort(); console.log(JSON.stringify(out));`;
    const cjs = `const out = {}; for (const s of ${list}) out[s] = Object.keys(require('tlswire' + s)).sort(); console.log(JSON.stringify(out));`;
    const project = join(dir, 'project');
    const fromEsm = JSON.parse(run(process.execPath, ['--input-type=module', '-e', esm], project));
    const fromCjs = JSON.parse(run(process.execPath, ['--input-type=commonjs', '-e', cjs], project));
    expect(Object.keys(fromEsm)).toHaveLength(SUBPATHS.length + 1);
    for (const names of Object.values(fromEsm)) expect((names as string[]).length).toBeGreaterThan(0);
    expect(fromCjs).toEqual(fromEsm);
  }, 60_000);
});

/**
 * Shared helpers of the CLI tests: an in-memory {@link Output}, the vectors directory, and running
 * tshark (required in CI; elsewhere the tests that need it are skipped when it is missing).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Output } from '../../src/cli/format.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VECTORS = `${ROOT}vectors/`;

/** An Output that keeps every line. */
export function capture(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

/** tshark is installed. In CI (CI=true) it must be: tests needing it fail instead of skipping. */
export const HAS_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
export const SKIP_TSHARK = !HAS_TSHARK && process.env.CI !== 'true';

/** Run tshark; its "Running as user root" warning is dropped from stderr. Throws on failure. */
export function tshark(args: string[]): string {
  if (!HAS_TSHARK) throw new Error('tshark is not installed (required when CI=true)');
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  const stderr = r.stderr
    .split('\n')
    .filter((l) => l && !l.startsWith('Running as user "root"'))
    .join('\n');
  if (r.status !== 0 || stderr) throw new Error(`tshark ${args.join(' ')}: status ${r.status}: ${stderr}`);
  return r.stdout;
}

/** Rows of `tshark -T fields` output for `fields`, by field name. */
export function tsharkFields(file: string, fields: string[], extra: string[] = []): Record<string, string>[] {
  const out = tshark([
    '-r',
    file,
    ...extra,
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=,',
    ...fields.flatMap((f) => ['-e', f]),
  ]);
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const cells = line.split('\t');
      return Object.fromEntries(fields.map((f, i) => [f, cells[i] ?? '']));
    });
}

/** One row of a committed `vectors/tls/NAME.tshark.tsv` (see vectors/README.md). */
export interface TlsRow {
  frame: number;
  srcport: number;
  kind: 'record' | 'handshake';
  a: number;
  b: string;
  c: string;
  cipherSuites: string;
  sni: string;
}

export function loadTlsRows(name: string): TlsRow[] {
  const lines = readFileSync(`${VECTORS}tls/${name}.tshark.tsv`, 'utf8').split('\n').filter(Boolean);
  const header = lines[0]!.split('\t');
  const col = (n: string) => header.indexOf(n);
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return {
      frame: Number(c[col('frame')]),
      srcport: Number(c[col('srcport')]),
      kind: c[col('kind')] as 'record' | 'handshake',
      a: Number(c[col('a')]),
      b: c[col('b')] ?? '',
      c: c[col('c')] ?? '',
      cipherSuites: c[col('cipher_suites')] ?? '',
      sni: c[col('sni')] ?? '',
    };
  });
}

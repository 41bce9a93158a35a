/**
 * Running tshark from the tests. It is required in CI (CI=true): there a test that needs it fails
 * when it is missing; elsewhere such tests are skipped ({@link SKIP_TSHARK}).
 */
import { spawnSync } from 'node:child_process';

/** tshark is installed. */
export const HAS_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
/** Skip the tests that need tshark: it is missing and this is not CI. */
export const SKIP_TSHARK = !HAS_TSHARK && process.env.CI !== 'true';

/** What one tshark run returned. */
export interface TsharkResult {
  status: number | null;
  stdout: string;
  /** stderr without the "Running as user root" warning tshark prints on every run as root. */
  stderr: string;
}

/** Run tshark with `args`. */
export function tshark(args: string[]): TsharkResult {
  if (!HAS_TSHARK) throw new Error('tshark is not installed (required when CI=true)');
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  const stderr = r.stderr
    .split('\n')
    .filter((l) => l && !l.startsWith('Running as user "root"'))
    .join('\n');
  return { status: r.status, stdout: r.stdout, stderr };
}

/** Run tshark and return its stdout; throws on a non-zero status or anything on stderr. */
export function tsharkOutput(args: string[]): string {
  const r = tshark(args);
  if (r.status !== 0 || r.stderr) throw new Error(`tshark ${args.join(' ')}: status ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/**
 * The arguments of a `-T fields` run with a header line, one cell per field, every occurrence
 * joined by commas: what {@link parseTsv} reads.
 */
export function fieldsArgs(fields: readonly string[]): string[] {
  const args = ['-T', 'fields', '-E', 'header=y', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of fields) args.push('-e', f);
  return args;
}

/** One row of `tshark -T fields -E header=y` output, by field name. */
export type TsharkRow = Record<string, string>;

/** Parse `tshark -T fields -E header=y` output (also the committed `.tsv` files). */
export function parseTsv(text: string): TsharkRow[] {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = (lines.shift() ?? '').split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    const row: TsharkRow = {};
    header.forEach((h, i) => {
      row[h] = cells[i] ?? '';
    });
    return row;
  });
}

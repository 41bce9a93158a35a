/**
 * Shared helpers of the CLI tests: an in-memory {@link Output}, the vectors directory, tshark's fields
 * of a capture, and the committed TLS dissections.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Output } from '../../src/cli/format.js';
import { fieldsArgs, parseTsv, type TsharkRow, tsharkOutput } from '../support/tshark.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VECTORS = `${ROOT}vectors/`;

/** An Output that keeps every line. */
export function capture(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

/** Rows of `tshark -T fields` output for `fields`, by field name (`extra`: options before them). */
export function tsharkFields(file: string, fields: string[], extra: string[] = []): TsharkRow[] {
  return parseTsv(tsharkOutput(['-r', file, ...extra, ...fieldsArgs(fields)]));
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

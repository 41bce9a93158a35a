/**
 * Regression vectors under `vectors/fuzz/<target>/<name>.hex`: `#` comment lines (provenance: target,
 * seed, run, the error seen), then one line of hex per chunk (one `push()` or `handle()` call each; a
 * one-shot decoder's input is a single line). Blank lines are ignored; an empty chunk is the line `-`.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fromHex, toHex } from '../src/bytes/hex.js';
import type { Chunks } from './target.js';

/** The text of a vector file. */
export function formatVector(chunks: Chunks, comments: readonly string[]): string {
  const head = comments.map((c) => `# ${c}`.trimEnd());
  return `${[...head, ...chunks.map((c) => (c.length === 0 ? '-' : toHex(c)))].join('\n')}\n`;
}

/** The chunks of a vector file's text. */
export function parseVector(text: string): Chunks {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => (l === '-' ? new Uint8Array(0) : fromHex(l)));
}

/** Write `chunks` as `<dir>/<target>/<name>.hex`; returns the path. */
export function writeVector(dir: string, target: string, name: string, chunks: Chunks, comments: string[]): string {
  mkdirSync(`${dir}/${target}`, { recursive: true });
  const path = `${dir}/${target}/${name}.hex`;
  writeFileSync(path, formatVector(chunks, comments));
  return path;
}

/** Every vector under `dir`, as { target, name, chunks }, sorted by path. */
export function readVectors(dir: string): { target: string; name: string; chunks: Chunks }[] {
  const out: { target: string; name: string; chunks: Chunks }[] = [];
  let targets: string[];
  try {
    targets = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return out;
  }
  for (const target of targets) {
    for (const file of readdirSync(`${dir}/${target}`).sort()) {
      if (!file.endsWith('.hex')) continue;
      const chunks = parseVector(readFileSync(`${dir}/${target}/${file}`, 'utf8'));
      out.push({ target, name: file.slice(0, -4), chunks });
    }
  }
  return out;
}

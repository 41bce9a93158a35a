/**
 * The package's subpath entries as package.json's `exports` lists them (`./bytes` → `bytes`): the one
 * list the package tests iterate, as tsup.config.ts builds from it too.
 */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, unknown>;
};

/** `bytes`, `tcp`, … in package.json order, without the root entry and `./package.json`. */
export const SUBPATHS: readonly string[] = Object.keys(pkg.exports)
  .filter((key) => key !== '.' && key !== './package.json')
  .map((key) => key.slice(2));

/**
 * package.json's `exports` (which the build and the package tests read) lists every layer that has an
 * entry point: each `src/<layer>/index.ts`, the CLI excepted (it is the `bin`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUBPATHS } from '../support/subpaths.js';

const SRC = new URL('../../src/', import.meta.url);

describe('package subpaths', () => {
  it('every src/<layer>/index.ts but the CLI is a subpath of package.json, and nothing else is', () => {
    const layers = readdirSync(SRC, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'cli' && existsSync(new URL(`${d.name}/index.ts`, SRC)))
      .map((d) => d.name);
    expect([...SUBPATHS].sort()).toEqual(layers.sort());
  });
});

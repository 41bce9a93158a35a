/**
 * Build: ESM + CJS with declarations for every public entry point; the CLI as one ESM file.
 *
 * The root entry's declarations are not bundled here: `scripts/root-declarations.mjs` (run after tsup by
 * `npm run build`) writes them as re-exports of the subpath declarations, because the bundler turns a
 * namespace re-export into value-only members (see that script).
 */
import { defineConfig } from 'tsup';

const subpaths = ['bytes', 'tcp', 'capture', 'tls', 'crypto', 'x509', 'decrypt', 'handshake', 'node'];
const subpathEntries = Object.fromEntries(subpaths.map((name) => [`${name}/index`, `src/${name}/index.ts`]));

export default defineConfig([
  {
    entry: { index: 'src/index.ts', ...subpathEntries },
    format: ['esm', 'cjs'],
    dts: { entry: subpathEntries },
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    target: 'node20',
  },
  {
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
]);

/**
 * Build: ESM + CJS with declarations for every public entry point, and the CLI.
 *
 * The CLI (`cli/main`) is one more entry of the ESM build, so esbuild's code splitting puts the library
 * modules it uses in the chunks the library entries load: the package carries one copy of the library,
 * not a second one bundled into the CLI. Its `#!/usr/bin/env node` line is written after the build
 * (a tsup banner would go at the top of every chunk). No sourcemaps: they were 3.7 MB of a 1.4 MB
 * tarball and point at sources the package does not ship.
 *
 * The root entry's declarations are not bundled here: `scripts/root-declarations.mjs` (run after tsup by
 * `npm run build`) writes them as re-exports of the subpath declarations, because the bundler turns a
 * namespace re-export into value-only members (see that script).
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

/** The subpath entries, as package.json's `exports` lists them (`./bytes` → `bytes`). */
const packageExports = JSON.parse(readFileSync('package.json', 'utf8')).exports as Record<string, unknown>;
const subpaths = Object.keys(packageExports)
  .filter((key) => key !== '.' && key !== './package.json')
  .map((key) => key.slice(2));
const subpathEntries = Object.fromEntries(subpaths.map((name) => [`${name}/index`, `src/${name}/index.ts`]));
const libraryEntries = { index: 'src/index.ts', ...subpathEntries };

/** Make `<outDir>/cli/main.js` an executable script (npm sets the mode on install; this is for a clone). */
function cliShebang(outDir: string): () => Promise<void> {
  return async () => {
    const file = join(outDir, 'cli', 'main.js');
    const text = readFileSync(file, 'utf8');
    if (!text.startsWith('#!')) writeFileSync(file, `#!/usr/bin/env node\n${text}`);
    chmodSync(file, 0o755);
  };
}

export default defineConfig((flags) => {
  const common: Options = {
    dts: { entry: subpathEntries },
    sourcemap: false,
    splitting: true,
    treeshake: true,
    target: 'node20',
  };
  return [
    {
      ...common,
      entry: { ...libraryEntries, 'cli/main': 'src/cli/main.ts' },
      format: ['esm'],
      clean: true,
      onSuccess: cliShebang(flags.outDir ?? 'dist'),
    },
    { ...common, entry: libraryEntries, format: ['cjs'] },
  ];
});

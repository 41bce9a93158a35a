#!/usr/bin/env node
/**
 * Write the root entry's declaration files (`index.d.ts`, `index.d.cts`) after `tsup`, as re-exports of
 * the subpath declarations.
 *
 * Why: tsup's declaration bundler (rollup-plugin-dts 6.1) renders a namespace re-export
 * (`export * as tls from …` or `import * as tls …; export { tls }`) as `declare namespace tls { … }`
 * whose members are `declare const tls_X: typeof X` for every name declared in another chunk: it
 * cannot tell those names are types, so `tls.ClientHello` is a value there (TS2749 in a consumer,
 * TS2693 under skipLibCheck false) and type-only names go missing (TS2724). src/index.ts holds only
 * imports and re-exports of the subpath entries, so its own text is a correct declaration file once
 * its specifiers name the built subpath files: `./tls/index.js` resolves to `tls/index.d.ts` and, in
 * the CommonJS copy, `./tls/index.cjs` to `tls/index.d.cts`. tsup.config.ts leaves the root out of
 * its declaration build.
 *
 * Usage: node scripts/root-declarations.mjs [outDir]   (default dist)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const source = new URL('../src/index.ts', import.meta.url);
const outDir = resolve(process.argv[2] ?? 'dist');
const text = readFileSync(source, 'utf8');
const file = ts.createSourceFile('index.ts', text, ts.ScriptTarget.ES2022, true);

/** The subpath a statement imports or re-exports (`./tls/index.js` → `tls`); throws on anything else. */
function subpathOf(statement) {
  const isModuleStatement = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement);
  const specifier = isModuleStatement ? statement.moduleSpecifier : undefined;
  const match = specifier && ts.isStringLiteral(specifier) && /^\.\/([a-z0-9-]+)\/index\.js$/.exec(specifier.text);
  if (isModuleStatement && !specifier) return undefined; // `export { tls, … }` of the namespaces imported above
  if (!match) {
    const { line } = file.getLineAndCharacterOfPosition(statement.getStart());
    throw new Error(`src/index.ts:${line + 1}: only imports and re-exports of './<layer>/index.js' may be here`);
  }
  return match[1];
}

for (const statement of file.statements) {
  const subpath = subpathOf(statement);
  if (subpath === undefined) continue;
  for (const ext of ['d.ts', 'd.cts']) {
    const target = join(outDir, subpath, `index.${ext}`);
    if (!existsSync(target)) throw new Error(`${target} is missing: run tsup first`);
  }
}

writeFileSync(join(outDir, 'index.d.ts'), text);
writeFileSync(join(outDir, 'index.d.cts'), text.replace(/(from '\.\/[a-z0-9-]+\/index)\.js'/g, "$1.cjs'"));
console.log(`root-declarations: wrote ${join(outDir, 'index.d.ts')} and index.d.cts`);

#!/usr/bin/env node
/**
 * `npm run size`: size budgets of the built package (run `npm run build` first).
 *
 * Each entry point of dist/ is bundled the way an application bundler would (esbuild, which tsup
 * already brings: no extra dependency), minified, with its runtime dependencies (@noble/*, pkijs …)
 * included, and gzip-compressed; the sizes must stay under the budgets below. One more bundle imports
 * a single function from `tlswire/tcp`: tree shaking must leave out every other layer and every
 * dependency (checked on esbuild's metafile, not only on the size).
 *
 * Usage: node scripts/size.mjs [--json]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const esbuild = createRequire(require.resolve('tsup/package.json'))('esbuild');

/** Budgets in bytes, minified + gzip: each entry's measured size plus about 10 %. */
// Measured + about 10%. x509 carries pkijs (about +70 kB gzip): since issue #15 the certificate parser
// itself is on pkijs, so every entry that parses certificates (decrypt, lab, handshake …) carries it
// too; tls carries the full IANA names and the JA3/JA4 hashes; capture carries link layers, tunnels,
// IPv4 defragmentation and the TCP sequence analysis.
const BUDGETS = {
  index: 235_000,
  bytes: 2_900,
  tcp: 11_000,
  capture: 15_500,
  tls: 21_500,
  crypto: 61_000,
  x509: 163_000,
  decrypt: 187_000,
  handshake: 203_000,
  node: 216_000,
  web: 190_000,
  scan: 201_000,
  lab: 145_000,
  'tcp (decodeTcpSegment only)': 2_700,
};

/** Bundle `source` (an ES module importing from dist/), return gzip size and the input files. */
async function measure(source, platform) {
  const result = await esbuild.build({
    stdin: { contents: source, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const used = Object.entries(Object.values(result.metafile.outputs)[0].inputs).filter(([, v]) => v.bytesInOutput > 0);
  return { minified: code.length, gzip: gzipSync(code).length, inputs: used.map(([file]) => file) };
}

const entries = Object.keys(BUDGETS).filter((name) => !name.includes(' '));
const rows = [];
for (const name of entries) {
  const file = join(root, 'dist', name === 'index' ? 'index.js' : `${name}/index.js`);
  const m = await measure(`export * from ${JSON.stringify(file)};`, name === 'node' ? 'node' : 'browser');
  rows.push({ name, ...m });
}
const tcpOnly = await measure(
  `import { decodeTcpSegment } from ${JSON.stringify(join(root, 'dist/tcp/index.js'))};\nconsole.log(decodeTcpSegment);`,
  'browser',
);
rows.push({ name: 'tcp (decodeTcpSegment only)', ...tcpOnly });

let failed = false;
for (const r of rows) {
  const over = r.gzip > BUDGETS[r.name];
  failed ||= over;
  console.log(
    `${over ? 'OVER' : 'ok  '} ${r.name.padEnd(30)} ${String(r.gzip).padStart(7)} B gzip (budget ${BUDGETS[r.name]}), ${r.minified} B minified`,
  );
}
// The tcp-only bundle: every file that put code in it is a dist/ chunk whose modules (tsup marks each
// with a `// src/<layer>/<file>.ts` line) belong to tlswire/tcp or tlswire/bytes.
const bundled = tcpOnly.inputs.filter((f) => f !== '<stdin>');
const modules = bundled.flatMap((f) =>
  f.startsWith('dist/')
    ? [...readFileSync(join(root, f), 'utf8').matchAll(/^\/\/ (src\/\S+)$/gm)].map((m) => m[1])
    : [f],
);
const foreign = modules.filter((m) => !/^src\/(tcp|bytes)\//.test(m));
if (foreign.length > 0) {
  failed = true;
  console.log(`tree shaking: a tlswire/tcp import pulled in ${foreign.join(', ')}`);
} else {
  console.log(`tree shaking: a tlswire/tcp import bundles only ${modules.join(', ')}`);
}
if (process.argv.includes('--json')) console.log(JSON.stringify(rows.map(({ inputs, ...r }) => r)));
process.exit(failed ? 1 : 0);

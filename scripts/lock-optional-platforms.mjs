#!/usr/bin/env node
/**
 * Complete package-lock.json with the platform-specific optional dependencies npm left out.
 *
 * Why: the npm registry mirror these machines use does not serve some platform packages (for example
 * `@biomejs/cli-android-arm64`, `@rollup/rollup-android-arm-eabi`: 404). `npm install` then writes a
 * lockfile without them, and `npm ci` refuses that lockfile ("Missing: … from lock file"). npm skips
 * optional packages for other platforms at install time, so a lock entry naming the version is all
 * `npm ci` needs. Run after every `npm install` that changes dependencies:
 *   npm install && node scripts/lock-optional-platforms.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const version = String(range).replace(/^[\^~=]/, '');
    const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
    const top = `node_modules/${name}`;
    if (packages[nested] || packages[top]?.version === version) continue;
    const at = packages[top] ? nested : top;
    packages[at] = { version, ...(entry.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-optional-platforms: added ${added} entr${added === 1 ? 'y' : 'ies'}`);

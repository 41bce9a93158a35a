/**
 * src/lab sits above handshake and below node/cli (docs/architecture.md): its files import only from
 * bytes, tls, crypto, x509, handshake (its types and a few shared helpers of handshake/common.ts,
 * such as the CertificateVerify content) and itself, never `node:*`, and use no Buffer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const LAB = fileURLToPath(new URL('../../src/lab/', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

it('src/lab imports point down only and use Web APIs only', () => {
  const bad: string[] = [];
  for (const file of files(LAB)) {
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/from '([^']+)'/g)) {
      const ok =
        /^\.\.?\/(?!.*\/(node|cli|web|scan|capture|decrypt|tcp)\/)/.test(spec!) &&
        !/^\.\.\/(node|cli|web)\//.test(spec!);
      if (!ok) bad.push(`${file.slice(LAB.length)}: ${spec}`);
    }
    if (/\bBuffer\b/.test(text)) bad.push(`${file.slice(LAB.length)}: Buffer`);
  }
  expect(bad).toEqual([]);
});

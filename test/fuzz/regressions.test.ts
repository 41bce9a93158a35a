/**
 * Every regression vector the fuzzer found (vectors/fuzz/<target>/<name>.hex, format in
 * vectors/fuzz/README.md) replays through its target without a finding: the fixed decoder throws only
 * typed errors, the fixed state machine keeps its invariants (one error event, one fatal alert).
 */
import { describe, expect, it } from 'vitest';
import { attempt } from '../../fuzz/engine.js';
import { targetNamed } from '../../fuzz/targets/index.js';
import { readVectors } from '../../fuzz/vector.js';

const DIR = new URL('../../vectors/fuzz', import.meta.url).pathname;
const VECTORS = readVectors(DIR);

describe('fuzz regression vectors', () => {
  it('are there and each names a known target', () => {
    expect(VECTORS.length).toBeGreaterThan(0);
    for (const v of VECTORS) expect(() => targetNamed(v.target)).not.toThrow();
  });

  it.each(VECTORS.map((v) => [`${v.target}/${v.name}`, v] as const))('%s replays cleanly', (_, v) => {
    expect(attempt(targetNamed(v.target), v.chunks)).toBeUndefined();
  });
});

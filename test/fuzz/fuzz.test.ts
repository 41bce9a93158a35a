/**
 * A CI-sized run of the fuzzer (fuzz/, issue #11) with a fixed seed: every target, a few hundred runs
 * each, must find nothing — no untyped error from a decoder (RFC 8446 §6.2: malformed input gets a
 * typed error and its alert), no broken state-machine invariant. The slowest run and the heap of each
 * target are printed, not asserted (no timed tests); the long runs are recorded in docs/security.md.
 */
import { describe, expect, it } from 'vitest';
import { fuzzTarget } from '../../fuzz/engine.js';
import { fromUnits, toUnits } from '../../fuzz/flights.js';
import { MAX_INPUT, mutate, randomSplit } from '../../fuzz/mutate.js';
import { Rng } from '../../fuzz/prng.js';
import { TARGETS } from '../../fuzz/targets/index.js';

const SEED = 0x11f022;
/** Runs per target (default 500): more for the fast decoders, fewer for certificates and keys (asn1js). */
const RUNS: Record<string, number> = {
  'tcp-segment': 2000,
  pcap: 1000,
  pcapng: 1000,
  'capture-packets': 500,
  record: 1000,
  handshake: 1000,
  certificate: 150,
  key: 300,
  'ocsp-staple': 300,
};

describe('fuzzer', () => {
  it('is reproducible: the same seed and run give the same input, another run another', () => {
    const base = Uint8Array.from({ length: 64 }, (_, i) => i);
    const a = mutate(Rng.forRun(7, 'x', 3), base, [base]);
    const b = mutate(Rng.forRun(7, 'x', 3), base, [base]);
    const c = mutate(Rng.forRun(7, 'x', 4), base, [base]);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(mutate(Rng.forRun(1, 'x', 0), new Uint8Array(MAX_INPUT), []).length).toBeLessThanOrEqual(MAX_INPUT);
  });

  it('cuts a stream into pieces that join back into it', () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
    const pieces = randomSplit(Rng.forRun(1, 'split', 0), bytes, 8);
    expect(Uint8Array.from(pieces.flatMap((p) => [...p]))).toEqual(bytes);
  });

  it('takes records apart and puts them back byte for byte', () => {
    const record = Uint8Array.of(22, 3, 3, 0, 4, 14, 0, 0, 0);
    expect(fromUnits(toUnits(record, 'tls12'))).toEqual(record);
    const inner = Uint8Array.of(23, 3, 3, 0, 22, 20, 0, 0, 1, 9, 22, ...new Uint8Array(16));
    expect(fromUnits(toUnits(inner, 'tls13'))).toEqual(inner);
  });
});

describe.each(TARGETS.map((t) => [t.name, t] as const))('fuzz target %s', (name, target) => {
  it(`finds nothing in ${RUNS[name] ?? 500} runs (seed ${SEED})`, () => {
    const corpus = target.corpus();
    expect(corpus.length).toBeGreaterThan(0);
    const report = fuzzTarget(target, corpus, { seed: SEED, runs: RUNS[name] ?? 500, boundMs: Infinity });
    console.log(
      `${name}: ${report.runs} runs in ${report.ms.toFixed(0)} ms, slowest ${report.slowest.ms.toFixed(1)} ms, ` +
        `heap ${report.heapMb.first} → ${report.heapMb.last} MB`,
    );
    expect(report.findings.map((f) => `${f.signature} (run ${f.run})`)).toEqual([]);
  });
});

/**
 * What a fuzz target is: a corpus of cases (each a list of chunks: the pieces handed to `push()` or
 * `handle()` one call at a time, or a single chunk for a one-shot decoder), a generator that turns the
 * corpus into one run's input, and a runner that feeds an input to the code under test and checks the
 * invariants. Anything the runner throws is a finding.
 */

import { TlswireError } from '../src/bytes/errors.js';
import { concat } from '../src/bytes/hex.js';
import { mutate, randomSplit } from './mutate.js';
import type { Rng } from './prng.js';

/** One run's input: the chunks, in order. */
export type Chunks = Uint8Array[];

export interface Target {
  /** Name on the command line and directory under vectors/fuzz/. */
  name: string;
  /** What is fed to what. */
  description: string;
  /** Leading chunks that select a configuration, not data: the minimizer leaves them alone. */
  header?: number;
  /** Build the corpus (called once per process; may be slow). */
  corpus(): Chunks[];
  /** One run's input from the corpus (default {@link mutateCase}). */
  generate?(rng: Rng, corpus: readonly Chunks[]): Chunks;
  /** Feed `input` and check the invariants; throws on a finding. */
  run(input: Chunks): void;
}

/** A broken invariant (as opposed to an error thrown by the code under test). */
export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

/**
 * Run `fn`; an error that is not one of the library's typed errors (a {@link TlswireError}) is
 * rethrown: TypeError, RangeError and plain Error are findings.
 */
export function typedOnly(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TlswireError)) throw e;
  }
}

/** The chunks in one array (src/bytes `concat` over a list). */
const concatAll = (chunks: readonly Uint8Array[]): Uint8Array => concat(...chunks);

export { concatAll };

/**
 * The default generator: a corpus case's bytes (its chunks joined), mutated 1–16 times (splicing from
 * other cases), then cut into up to `maxCuts` + 1 chunks at random points (no cuts: one chunk).
 */
export function mutateCase(rng: Rng, flat: readonly Uint8Array[], maxCuts = 0): Chunks {
  const bytes = mutate(rng, rng.pick(flat), flat);
  return maxCuts > 0 ? randomSplit(rng, bytes, maxCuts) : [bytes];
}

/** Each case of `corpus` joined into one byte string (memoized per corpus array). */
const FLAT = new WeakMap<readonly Chunks[], Uint8Array[]>();
export function flatten(corpus: readonly Chunks[]): Uint8Array[] {
  let flat = FLAT.get(corpus);
  if (!flat) {
    flat = corpus.map(concatAll);
    FLAT.set(corpus, flat);
  }
  return flat;
}

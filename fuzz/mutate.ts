/**
 * Byte mutators: bit flip, interesting byte values, insert / delete / duplicate a range, length-field
 * tweaks (±1, zero, maximum) on 1-, 2- and 3-byte big-endian fields, splice from another corpus entry,
 * truncate. Every choice is drawn from the given {@link Rng}, so a mutation is reproducible.
 */
import type { Rng } from './prng.js';

/** Values that sit on the edges of signed and unsigned byte ranges. */
const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];

/** The largest input a mutation may produce (keeps one run's memory small). */
export const MAX_INPUT = 1 << 18;

type Mutator = (rng: Rng, input: Uint8Array, others: readonly Uint8Array[]) => Uint8Array;

function concat3(a: Uint8Array, b: Uint8Array, c: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length + c.length);
  out.set(a);
  out.set(b, a.length);
  out.set(c, a.length + b.length);
  return out;
}

const flipBit: Mutator = (rng, input) => {
  if (input.length === 0) return input;
  const out = input.slice();
  out[rng.below(out.length)]! ^= 1 << rng.below(8);
  return out;
};

const setInteresting: Mutator = (rng, input) => {
  if (input.length === 0) return input;
  const out = input.slice();
  out[rng.below(out.length)] = rng.pick(INTERESTING);
  return out;
};

const randomByte: Mutator = (rng, input) => {
  if (input.length === 0) return input;
  const out = input.slice();
  out[rng.below(out.length)] = rng.u32() & 0xff;
  return out;
};

const insertBytes: Mutator = (rng, input) => {
  const at = rng.below(input.length + 1);
  const n = rng.smallLength(64);
  const fill = rng.chance(0.5) ? rng.bytes(n) : new Uint8Array(n).fill(rng.pick(INTERESTING));
  return concat3(input.subarray(0, at), fill, input.subarray(at));
};

const deleteRange: Mutator = (rng, input) => {
  if (input.length === 0) return input;
  const at = rng.below(input.length);
  const n = rng.smallLength(input.length - at);
  return concat3(input.subarray(0, at), new Uint8Array(0), input.subarray(at + n));
};

const duplicateRange: Mutator = (rng, input) => {
  if (input.length === 0) return input;
  const from = rng.below(input.length);
  const n = rng.smallLength(Math.min(256, input.length - from));
  const at = rng.below(input.length + 1);
  return concat3(input.subarray(0, at), input.slice(from, from + n), input.subarray(at));
};

/** Add ±1, or set 0 or the maximum, in a 1-, 2- or 3-byte big-endian field at a random offset. */
const tweakLength: Mutator = (rng, input) => {
  const width = rng.pick([1, 2, 2, 3]);
  if (input.length < width) return input;
  const at = rng.below(input.length - width + 1);
  const max = 2 ** (8 * width) - 1;
  let value = 0;
  for (let i = 0; i < width; i++) value = value * 256 + input[at + i]!;
  const choice = rng.below(4);
  value = choice === 0 ? value + 1 : choice === 1 ? value - 1 : choice === 2 ? 0 : max;
  value = ((value % (max + 1)) + max + 1) % (max + 1);
  const out = input.slice();
  for (let i = width - 1; i >= 0; i--) {
    out[at + i] = value & 0xff;
    value = Math.floor(value / 256);
  }
  return out;
};

const splice: Mutator = (rng, input, others) => {
  if (others.length === 0) return input;
  const other = rng.pick(others);
  if (other.length === 0) return input;
  const from = rng.below(other.length);
  const n = rng.smallLength(Math.min(512, other.length - from));
  const at = rng.below(input.length + 1);
  const replace = rng.chance(0.5) ? Math.min(n, input.length - at) : 0;
  return concat3(input.subarray(0, at), other.subarray(from, from + n), input.subarray(at + replace));
};

const truncate: Mutator = (rng, input) => input.subarray(0, rng.below(input.length + 1));

/** The mutators with their weights. */
const MUTATORS: readonly [Mutator, number][] = [
  [flipBit, 6],
  [setInteresting, 4],
  [randomByte, 3],
  [tweakLength, 6],
  [insertBytes, 2],
  [deleteRange, 2],
  [duplicateRange, 2],
  [splice, 2],
  [truncate, 1],
];
const TOTAL_WEIGHT = MUTATORS.reduce((sum, [, w]) => sum + w, 0);

/** One mutation of `input`, chosen by weight. */
export function mutateOnce(rng: Rng, input: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
  let x = rng.below(TOTAL_WEIGHT);
  for (const [mutator, weight] of MUTATORS) {
    if (x < weight) return mutator(rng, input, others);
    x -= weight;
  }
  return input;
}

/** 1–4 stacked mutations (more rarely up to 16), capped at {@link MAX_INPUT} bytes. */
export function mutate(rng: Rng, input: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
  const count = rng.chance(0.9) ? rng.between(1, 4) : rng.between(5, 16);
  let out = input;
  for (let i = 0; i < count; i++) out = mutateOnce(rng, out, others);
  return out.length > MAX_INPUT ? out.subarray(0, MAX_INPUT) : out;
}

/** Cut `bytes` into 1 + up to `maxCuts` pieces at random points (empty pieces are dropped). */
export function randomSplit(rng: Rng, bytes: Uint8Array, maxCuts: number): Uint8Array[] {
  const cuts = new Set<number>();
  const n = rng.below(maxCuts + 1);
  for (let i = 0; i < n; i++) cuts.add(rng.below(bytes.length + 1));
  const points = [...cuts].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const to of [...points, bytes.length]) {
    if (to > from) out.push(bytes.subarray(from, to));
    from = Math.max(from, to);
  }
  return out.length > 0 ? out : [bytes];
}

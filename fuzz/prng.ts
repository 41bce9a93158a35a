/**
 * The fuzzer's only source of randomness: a seeded PRNG (xoshiro128**, seeded through splitmix32), so
 * that a run is a pure function of (seed, target, run index) and every finding reproduces from them.
 * `Math.random` is never used.
 */

/** splitmix32: a good 32-bit mixer, used to spread a seed over the generator's state. */
function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) >>> 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over a string: turns a target name into 32 bits of seed. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A seeded random source (xoshiro128**). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** The generator of run `run` of `target` under `seed`. */
  static forRun(seed: number, target: string, run: number): Rng {
    return new Rng([seed >>> 0, hashString(target), run >>> 0, Math.floor(run / 2 ** 32) >>> 0]);
  }

  constructor(words: readonly number[]) {
    const state = { x: 0 };
    for (const w of words) state.x = (splitmix32(state) ^ w) >>> 0;
    this.a = splitmix32(state);
    this.b = splitmix32(state);
    this.c = splitmix32(state);
    this.d = splitmix32(state) || 1;
  }

  /** 32 random bits, unsigned. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** An integer in [0, n) (n ≥ 1). */
  below(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 2 ** 32) * n);
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** A small length, skewed towards 1–8 and sometimes larger. */
  smallLength(max: number): number {
    const n = this.chance(0.8) ? this.between(1, 8) : this.between(1, Math.max(1, max));
    return Math.min(n, Math.max(1, max));
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

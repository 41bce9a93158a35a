/**
 * Bulk test data for the "1 MiB each way" interop tests: pseudo-random bytes per direction, and
 * byte-exact comparison.
 */

/** 1 MiB. */
export const MIB = 1 << 20;

/**
 * `size` bytes of xorshift32 output seeded by `seed`: no period inside a megabyte, so a record
 * delivered twice, dropped or swapped with another changes the bytes (a short repeating pattern
 * would let identical 16 KiB records trade places unnoticed).
 */
export function payload(seed: number, size = MIB): Uint8Array {
  const out = new Uint8Array(size);
  let x = (0x9e3779b9 ^ seed) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x >>> 24;
  }
  return out;
}

/** What a client sends and what a server sends. */
export const C2S = payload(1);
export const S2C = payload(2);

/** Byte-exact equality. */
export const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

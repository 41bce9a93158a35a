/**
 * Bulk test data for the "1 MiB each way" interop tests: a position-dependent byte pattern per
 * direction (no run of it reads as a peer's log text), and byte-exact comparison.
 */

/** 1 MiB. */
export const MIB = 1 << 20;

/** `size` bytes of the pattern `(i * 31 + seed) & 0xff`. */
export function payload(seed: number, size = MIB): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** What a client sends and what a server sends. */
export const C2S = payload(1);
export const S2C = payload(2);

/** Byte-exact equality. */
export const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

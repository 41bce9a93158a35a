/**
 * NodeCryptoProvider.random: short requests come from a pool that OpenSSL's generator refills 4 KiB at
 * a time, long ones straight from `randomFillSync`. Every request gets its exact length, and no bytes
 * are handed out twice or handed out after being wiped — across refills, interleaved with long
 * requests, and between two providers.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { NodeCryptoProvider } from '../../src/node/crypto-provider.js';

describe('NodeCryptoProvider.random', () => {
  it('returns the length asked, 0 to 300 bytes, and rejects bad lengths', () => {
    const p = new NodeCryptoProvider();
    for (let n = 0; n <= 300; n++) expect(p.random(n).length).toBe(n);
    expect(() => p.random(-1)).toThrow(RangeError);
    expect(() => p.random(1.5)).toThrow(RangeError);
  });

  it('never repeats a value or hands out wiped (zero) bytes, across several pool refills', () => {
    const providers = [new NodeCryptoProvider(), new NodeCryptoProvider()];
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const p = providers[i % 2]!;
      // 16- to 48-byte values (six pools' worth in all), and now and then one too long for the pool.
      const n = i % 97 === 0 ? 300 : 16 + (i % 33);
      const value = p.random(n);
      const hex = toHex(value);
      expect(value.some((b) => b !== 0)).toBe(true);
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
  });

  it('gives each caller its own array: changing one value changes no other', () => {
    const p = new NodeCryptoProvider();
    const a = p.random(32);
    const b = p.random(32);
    const before = toHex(b);
    a.fill(0xff);
    expect(toHex(b)).toBe(before);
    expect(a.buffer).not.toBe(b.buffer);
  });
});

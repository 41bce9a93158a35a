/**
 * NobleProvider's random source injection. Its primitives' known answers (RFC 4231, RFC 5869, RFC 8439,
 * the GCM specification, RFC 7748, RFC 8032) are the provider conformance suite
 * (test/crypto/provider-conformance.ts), run for every provider.
 */
import { describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import { CryptoError } from '../../src/crypto/provider.js';

describe('random source injection', () => {
  it('draws every random byte from the injected source', () => {
    let calls = 0;
    const q = new NobleProvider({
      random: (n) => {
        calls++;
        return new Uint8Array(n).fill(7);
      },
    });
    expect(q.random(3)).toEqual(Uint8Array.of(7, 7, 7));
    const kp = q.keyExchange('x25519').generate();
    expect(kp.privateKey).toEqual(new Uint8Array(32).fill(7));
    expect(calls).toBe(2);
  });

  it('rejects a source returning the wrong number of bytes', () => {
    const q = new NobleProvider({ random: () => new Uint8Array(1) });
    expect(() => q.random(4)).toThrow(CryptoError);
  });
});

/**
 * The one-shot HMAC of src/node/hmac.ts (RFC 2104 §2) and NodeCryptoProvider's buffered hash context at
 * their edges, cross-checked with NobleProvider (@noble/hashes, an independent implementation): texts
 * on both sides of the one-shot limit, keys at and past each hash's block length (a longer key is
 * hashed first), texts in several parts, results that later calls do not overwrite, and incremental
 * hashes and their clones on both sides of the point where the context moves to a node:crypto `Hash`.
 * The RFC 4231 known answers run through the provider in provider-conformance.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import type { HashName } from '../../src/crypto/provider.js';
import { NodeCryptoProvider } from '../../src/node/crypto-provider.js';
import { hmacParts, ONE_SHOT_LIMIT } from '../../src/node/hmac.js';

const noble = new NobleProvider();
const native = new NodeCryptoProvider();
const HASHES: HashName[] = ['sha256', 'sha384', 'sha512'];
const rand = (n: number) => new Uint8Array(randomBytes(n));

describe('hmacParts', () => {
  for (const hash of HASHES) {
    it(`${hash}: keys of 0, 63–65, 127–129 and 200 bytes, texts around the one-shot limit`, () => {
      for (const keyLength of [0, 1, 63, 64, 65, 127, 128, 129, 200]) {
        for (const textLength of [0, 1, ONE_SHOT_LIMIT - 1, ONE_SHOT_LIMIT, ONE_SHOT_LIMIT + 1, 5000]) {
          const key = rand(keyLength);
          const text = rand(textLength);
          const want = toHex(noble.hmac(hash, key, text));
          expect(toHex(hmacParts(hash, key, [text])), `${keyLength}/${textLength}`).toBe(want);
          const cut = textLength >> 1;
          const parts = [text.subarray(0, cut), new Uint8Array(0), text.subarray(cut)];
          expect(toHex(hmacParts(hash, key, parts)), `${keyLength}/${textLength} in parts`).toBe(want);
        }
      }
    });
  }

  it('leaves its inputs alone and returns arrays that later calls do not overwrite', () => {
    const key = rand(32);
    const keyCopy = key.slice();
    const info = rand(40);
    const first = hmacParts('sha256', key, [info]);
    const firstHex = toHex(first);
    hmacParts('sha256', rand(32), [rand(40)]);
    hmacParts('sha512', rand(200), [rand(ONE_SHOT_LIMIT)]);
    expect(toHex(first)).toBe(firstHex);
    expect(toHex(key)).toBe(toHex(keyCopy));
    expect(firstHex).toBe(toHex(noble.hmac('sha256', keyCopy, info)));
  });
});

describe('NodeCryptoProvider.createHash: bytes held, then a node:crypto Hash', () => {
  for (const hash of HASHES) {
    it(`${hash}: digests and clones before, at and after 2048 bytes of input`, () => {
      const chunks = [100, 900, 1000, 47, 1, 1, 1500, 3000].map(rand);
      const ctx = native.createHash(hash);
      const fed: Uint8Array[] = [];
      for (const chunk of chunks) {
        const before = ctx.clone();
        ctx.update(chunk);
        fed.push(chunk);
        expect(toHex(ctx.digest())).toBe(toHex(noble.hash(hash, concat(...fed))));
        // The clone taken before this chunk goes its own way: it has not seen the chunk.
        expect(toHex(before.digest())).toBe(toHex(noble.hash(hash, concat(...fed.slice(0, -1)))));
        before.update(rand(2100));
        expect(toHex(ctx.digest())).toBe(toHex(noble.hash(hash, concat(...fed))));
      }
    });
  }
});

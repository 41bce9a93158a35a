/**
 * src/node/credentials.ts: the trust store of a `ca` option (node:tls's `ca`: PEM text, PEM or DER
 * bytes, or a list) is built once per set of roots and found again by the same PEM string.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trustStore } from '../../src/node/credentials.js';
import { decodePem } from '../../src/x509/pem.js';

const pki = (name: string) => readFileSync(new URL(`../pki/out/${name}`, import.meta.url), 'utf8');

describe('trustStore', () => {
  const rootPem = pki('root-ca.crt');
  const rootDer = decodePem(rootPem)[0]!.der;

  it('gives the same store for the same PEM string, for its bytes and for its DER', () => {
    const store = trustStore(rootPem);
    expect(trustStore(rootPem)).toBe(store);
    expect(trustStore(`${rootPem}`)).toBe(store);
    expect(trustStore(Buffer.from(rootPem))).toBe(store);
    expect(trustStore(rootDer)).toBe(store);
    expect(trustStore([rootPem])).toBe(store);
  });

  it('gives another store for other roots, and the bundled roots without `ca`', () => {
    const store = trustStore(rootPem);
    const other = trustStore(pki('server-ecdsa-chain.pem'));
    expect(other).not.toBe(store);
    expect(trustStore(undefined)).not.toBe(store);
    expect(trustStore(undefined)).toBe(trustStore(undefined));
  });

  it('a store found by its PEM string holds the roots of that string', () => {
    const store = trustStore(rootPem);
    expect(store.certificates().map((c) => Buffer.from(c.der).toString('hex'))).toEqual([
      Buffer.from(rootDer).toString('hex'),
    ]);
  });
});

/**
 * src/x509/cache.ts: a DER certificate is parsed once and kept apart from the caller's bytes; an
 * issuer signature that verified is not checked again, one that failed is checked every time.
 */
import { describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { parseCertificateCached } from '../../src/x509/cache.js';
import { decodePem } from '../../src/x509/pem.js';
import { TrustStore, verifyCertificateChain } from '../../src/x509/verify.js';
import { AT, pki } from './helpers.js';

const ders = (file: string) => decodePem(pki(file), 'CERTIFICATE').map((b) => b.der);

/** NobleProvider counting its verify calls. */
function counting(): { provider: CryptoProvider; calls: () => number } {
  const inner = new NobleProvider();
  let n = 0;
  const provider = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'verify') {
        return (...args: Parameters<CryptoProvider['verify']>) => {
          n++;
          return target.verify(...args);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { provider, calls: () => n };
}

describe('parseCertificateCached', () => {
  it('answers the same DER with the same object, unaffected by later changes to the given bytes', () => {
    const [leaf] = ders('server-ecdsa-chain.pem');
    const given = leaf!.slice();
    const first = parseCertificateCached(given);
    given.fill(0);
    const second = parseCertificateCached(leaf!.slice());
    expect(second).toBe(first);
    expect(first.der).toEqual(leaf);
  });
});

describe('verifyCertificateChain with the signature cache', () => {
  const roots = new TrustStore(ders('root-ca.crt'));

  it('checks each issuer signature of a chain once for a provider', () => {
    const { provider, calls } = counting();
    const chain = ders('server-ecdsa-chain.pem');
    const options = { roots, time: AT, hostname: 'localhost', provider };
    expect(verifyCertificateChain(chain, options).ok).toBe(true);
    const once = calls();
    expect(once).toBe(chain.length);
    expect(verifyCertificateChain(chain, options).ok).toBe(true);
    expect(calls()).toBe(once);
  });

  it('checks a signature that failed again each time', () => {
    const { provider, calls } = counting();
    const chain = ders('bad-badsig-chain.pem');
    const options = { roots, time: AT, hostname: 'localhost', provider };
    const first = verifyCertificateChain(chain, options);
    expect(first.ok).toBe(false);
    const once = calls();
    const again = verifyCertificateChain(chain, options);
    expect(again.ok).toBe(false);
    if (!again.ok && !first.ok) expect(again.error.code).toBe(first.error.code);
    expect(calls()).toBeGreaterThan(once);
  });
});

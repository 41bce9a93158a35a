/**
 * Certificates, keys and trust for the Node adapter: PEM or DER chains and keys into a
 * `CertifiedKey`, `ca` roots into a `TrustStore` (Node's bundled `tls.rootCertificates` when none
 * are given), and the default certificate verifier built on `verifyCertificateChain` (src/x509).
 * @module
 */
import { rootCertificates } from 'node:tls';
import type { CryptoProvider } from '../crypto/provider.js';
import type { CertificateVerifier, CertifiedKey } from '../handshake/types.js';
import { parseCertificate } from '../x509/certificate.js';
import { parsePrivateKey } from '../x509/keys.js';
import { decodePem } from '../x509/pem.js';
import { type CertificatePurpose, TrustStore, verifyCertificateChain } from '../x509/verify.js';

/** PEM text (any number of blocks) or DER bytes (one certificate), or a list of them. */
export type CertificateSource = string | Uint8Array | readonly (string | Uint8Array)[];

/** DER certificates, in order, from PEM text or DER bytes. */
export function certificatesFrom(source: CertificateSource): Uint8Array[] {
  const list: readonly (string | Uint8Array)[] =
    typeof source === 'string' || source instanceof Uint8Array ? [source] : source;
  const out: Uint8Array[] = [];
  for (const item of list) {
    if (typeof item === 'string') {
      for (const block of decodePem(item)) if (block.label === 'CERTIFICATE') out.push(block.der);
    } else {
      out.push(new Uint8Array(item));
    }
  }
  return out;
}

/**
 * A certificate chain (leaf first, then intermediates) and its private key.
 * @throws PemError, KeyError on unreadable input; TypeError when the chain is empty
 */
export function certifiedKey(cert: CertificateSource, key: string | Uint8Array): CertifiedKey {
  const chain = certificatesFrom(cert);
  if (chain.length === 0) throw new TypeError('cert: no CERTIFICATE in the given chain');
  return { chain, key: parsePrivateKey(typeof key === 'string' ? key : new Uint8Array(key)) };
}

let bundled: TrustStore | undefined;

/** Node's bundled Mozilla roots (`tls.rootCertificates`); roots tlswire cannot parse are left out. */
export function bundledRoots(): TrustStore {
  if (!bundled) {
    const store = new TrustStore();
    for (const pem of rootCertificates) {
      try {
        for (const der of certificatesFrom(pem)) store.add(parseCertificate(der));
      } catch {
        // A root in a form tlswire does not parse cannot anchor a path here; skip it.
      }
    }
    bundled = store;
  }
  return bundled;
}

/** A trust store of `ca` (PEM/DER), or the bundled roots when `ca` is undefined. */
export function trustStore(ca: CertificateSource | undefined): TrustStore {
  return ca === undefined ? bundledRoots() : new TrustStore(certificatesFrom(ca));
}

/**
 * The default verifier: `verifyCertificateChain` against `roots` for `purpose`, at the connection's
 * clock time, with the host name the client asked for (client side). A failure throws the
 * `CertificateError`, whose alert the state machine sends. With `rejectUnauthorized: false` every
 * chain is accepted (CertificateVerify is still checked by the state machine).
 */
export function chainVerifier(options: {
  roots: TrustStore;
  purpose: CertificatePurpose;
  rejectUnauthorized: boolean;
  provider?: CryptoProvider;
}): CertificateVerifier {
  if (!options.rejectUnauthorized) return () => undefined;
  return (chain, ctx) => {
    const result = verifyCertificateChain(chain, {
      roots: options.roots,
      time: ctx.now,
      hostname: options.purpose === 'serverAuth' ? ctx.serverName : undefined,
      purpose: options.purpose,
      provider: options.provider,
    });
    if (!result.ok) throw result.error;
  };
}

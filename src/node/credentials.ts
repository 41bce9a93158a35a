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

/**
 * PEM text (any number of blocks) or DER bytes (one certificate), or a list of them, as `node:tls`
 * takes `cert` and `ca`: a string, a `Buffer`/`Uint8Array` holding PEM text (what `fs.readFileSync`
 * returns) or DER.
 */
export type CertificateSource = string | Uint8Array | readonly (string | Uint8Array)[];

/** A private key as `node:tls` takes `key`: PEM text or DER, as a string or bytes, or a list (the first is used). */
export type KeySource = string | Uint8Array | readonly (string | Uint8Array)[];

const PEM_START = '-----BEGIN ';

/** Bytes holding PEM text (after optional whitespace or a UTF-8 BOM), as text; DER bytes as they are. */
export function pemOrDer(item: string | Uint8Array): string | Uint8Array {
  if (typeof item === 'string') return item;
  // DER starts with a SEQUENCE tag (0x30); PEM text with '-----BEGIN' after whitespace or comments.
  if (item[0] === 0x30) return new Uint8Array(item);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(item);
  return text.includes(PEM_START) ? text : new Uint8Array(item);
}

/** DER certificates, in order, from PEM text or DER bytes (a Buffer of PEM text is read as PEM). */
export function certificatesFrom(source: CertificateSource): Uint8Array[] {
  const list: readonly (string | Uint8Array)[] =
    typeof source === 'string' || source instanceof Uint8Array ? [source] : source;
  const out: Uint8Array[] = [];
  for (const given of list) {
    const item = pemOrDer(given);
    if (typeof item === 'string') {
      for (const block of decodePem(item)) if (block.label === 'CERTIFICATE') out.push(block.der);
    } else {
      out.push(item);
    }
  }
  return out;
}

/** The private key of `key`: the first of a list; PEM text in a string or in bytes, or DER bytes. */
function keyFrom(key: KeySource): string | Uint8Array {
  const first = typeof key === 'string' || key instanceof Uint8Array ? key : key[0];
  if (first === undefined) throw new TypeError('key: an empty list');
  return pemOrDer(first);
}

/**
 * A certificate chain (leaf first, then intermediates) and its private key.
 * @throws PemError, KeyError on unreadable input; TypeError when the chain is empty
 */
export function certifiedKey(cert: CertificateSource, key: KeySource): CertifiedKey {
  const chain = certificatesFrom(cert);
  if (chain.length === 0) throw new TypeError('cert: no CERTIFICATE in the given chain');
  return { chain, key: parsePrivateKey(keyFrom(key)) };
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

let bundledDers: Uint8Array[] | undefined;

/** Node's bundled roots as DER (for the trust anchor of `getPeerCertificate(true)`). */
export function bundledRootDers(): Uint8Array[] {
  bundledDers ??= rootCertificates.flatMap((pem) => certificatesFrom(pem));
  return bundledDers;
}

/** Trust stores built from `ca` options, by the DER of their certificates (at most {@link STORES_LIMIT}). */
const stores = new Map<string, TrustStore>();
/** The same stores by the PEM text of a `ca` given as a string (at most {@link STORES_LIMIT}). */
const storesByPem = new Map<string, TrustStore>();
const STORES_LIMIT = 32;

/**
 * A trust store of `ca` (PEM/DER), or the bundled roots when `ca` is undefined. The store of the same
 * certificates is built once (a client passing the same `ca` to every `connect` does not parse its roots
 * per connection, nor decode them again when `ca` is the same string); the adapter never adds to a store
 * it did not build itself.
 */
export function trustStore(ca: CertificateSource | undefined): TrustStore {
  if (ca === undefined) return bundledRoots();
  const known = typeof ca === 'string' ? storesByPem.get(ca) : undefined;
  if (known !== undefined) return known;
  const ders = certificatesFrom(ca);
  const id = ders.map((der) => Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64')).join(',');
  const store = stores.get(id) ?? new TrustStore(ders);
  remember(stores, id, store);
  if (typeof ca === 'string') remember(storesByPem, ca, store);
  return store;
}

/** Keeps `store` in `map` under `key`, the oldest dropped beyond {@link STORES_LIMIT}. */
function remember(map: Map<string, TrustStore>, key: string, store: TrustStore): void {
  map.set(key, store);
  if (map.size > STORES_LIMIT) map.delete(map.keys().next().value as string);
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

/**
 * {@link createSecureContext}: node:tls `tls.createSecureContext(options)` for tlswire — a credential
 * set (certificate chain and key, trusted `ca`, and the suite, group, signature and version settings)
 * made once and given to `connect({ secureContext })`, `createServer({ secureContext })`,
 * `server.addContext(hostname, context)` and an `SNICallback`'s answer (RFC 6066 §3: the server
 * certificate chosen by server_name). Node's own `tls.SecureContext` objects wrap OpenSSL's `SSL_CTX`,
 * whose private key cannot be read back, so they are refused with a TypeError that says so.
 * @module
 */
import type { CertifiedKey } from '../handshake/types.js';
import { type CertificateSource, certificatesFrom, certifiedKey, type KeySource } from './credentials.js';

/** A protocol version by its `node:tls` name. */
type VersionName = 'TLSv1.2' | 'TLSv1.3';

/** Options of {@link createSecureContext}: those of `tls.createSecureContext` that tlswire reads. */
export interface SecureContextOptions {
  /** Our chain (leaf first, then intermediates), PEM or DER, strings or Buffers, with `key`. */
  cert?: CertificateSource;
  key?: KeySource;
  /** Trusted roots (client: for the server; server: for client certificates). */
  ca?: CertificateSource;
  /** OpenSSL cipher list (see docs/node.md). */
  ciphers?: string;
  /** Groups, `'X25519:P-256'`. */
  ecdhCurve?: string;
  /** Signature algorithms, `'ecdsa_secp256r1_sha256:RSA-PSS+SHA256'`. */
  sigalgs?: string;
  minVersion?: VersionName;
  maxVersion?: VersionName;
}

/** A credential set made by {@link createSecureContext}. */
export class SecureContext {
  /** The chain and parsed key, when `cert` and `key` were given. */
  readonly certifiedKey: CertifiedKey | undefined;
  /** The trusted roots as DER, when `ca` was given. */
  readonly ca: readonly Uint8Array[] | undefined;
  /** The options it was made of (the settings a connection using it takes). */
  readonly options: Readonly<SecureContextOptions>;

  constructor(options: SecureContextOptions) {
    const { cert, key } = options;
    if ((cert === undefined) !== (key === undefined)) {
      throw new TypeError('createSecureContext: cert and key go together');
    }
    this.certifiedKey = cert !== undefined && key !== undefined ? certifiedKey(cert, key) : undefined;
    this.ca = options.ca === undefined ? undefined : certificatesFrom(options.ca);
    this.options = { ...options };
  }
}

/**
 * A credential set, as `tls.createSecureContext(options)`; the certificate and key are parsed now, so
 * bad input throws here rather than at the first connection.
 * @throws PemError, KeyError for unreadable `cert`, `key` or `ca`; TypeError for `cert` without `key`
 * @example
 * server.addContext('*.example.com', createSecureContext({ cert: readFileSync('wild.pem'), key }));
 */
export function createSecureContext(options: SecureContextOptions = {}): SecureContext {
  return new SecureContext(options);
}

/**
 * A context given as a node:tls option or callback answer: ours, or options to make one (as
 * `server.addContext` takes either).
 * @throws TypeError for node:tls's own `SecureContext` (its key cannot be read) or anything else
 */
export function secureContextOf(given: unknown, where: string): SecureContext {
  if (given instanceof SecureContext) return given;
  if (given !== null && typeof given === 'object') {
    if ('context' in given && !('cert' in given) && !('key' in given)) {
      throw new TypeError(
        `${where}: a node:tls SecureContext holds its key inside OpenSSL, where tlswire cannot read it; ` +
          'use createSecureContext() from tlswire/node with the same options',
      );
    }
    return new SecureContext(given as SecureContextOptions);
  }
  throw new TypeError(`${where}: expected a SecureContext of tlswire/node's createSecureContext()`);
}

/** node:tls's pattern for an `addContext` host name: `*` matches one label, case-insensitively. */
export function hostnamePattern(hostname: string): RegExp {
  const escaped = hostname.replace(/([.^$+?\-\\[\]{}])/g, '\\$1').replace(/\*/g, '[^.]*');
  return new RegExp(`^${escaped}$`, 'i');
}

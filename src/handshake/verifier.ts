/**
 * The default certificate verifiers of the TLS 1.3 and TLS 1.2 state machines: a chain is trusted when src/x509
 * `verifyCertificateChain` finds a path to one of the configured trust anchors at the connection's
 * clock time (RFC 8446 §4.4.2.2, RFC 5246 §7.4.2, RFC 5280 §6.1), for the purpose of the peer's role
 * (RFC 5280 §4.2.1.12: serverAuth, clientAuth), and, for a server, covering the name the client asked
 * for (RFC 9525 §6). A rejected chain throws its `CertificateError`, which names the alert
 * (RFC 8446 §6.2), the reason and a hint.
 * @module
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { type Certificate, parseCertificate } from '../x509/certificate.js';
import type { RevocationSource } from '../x509/crl.js';
import { type CertificatePurpose, TrustStore, verifyCertificateChain } from '../x509/verify.js';
import type { CertificateVerifier } from './types.js';

/** Trust anchors: a {@link TrustStore} or DER certificates. */
export type TrustAnchors = TrustStore | readonly Uint8Array[];

/**
 * A verifier over `roots` (and extra `intermediates` the peer may leave out) for `purpose`. A server
 * chain must cover `VerifyContext.serverName` (the client's configured name); a client chain is
 * checked without a name. The time is `VerifyContext.now` (the injected clock). With `revocation` (a
 * `CrlSet` of caller-supplied CRLs, RFC 5280 §6.3), a certificate it lists as revoked is refused with
 * certificate_revoked; one it knows nothing about passes.
 * @throws CertificateError when a root or intermediate does not parse (a configuration error)
 */
export function trustAnchorVerifier(
  roots: TrustAnchors,
  intermediates: readonly Uint8Array[] | undefined,
  purpose: CertificatePurpose,
  provider?: CryptoProvider,
  revocation?: RevocationSource,
): CertificateVerifier {
  const store = roots instanceof TrustStore ? roots : new TrustStore(roots);
  const extra: Certificate[] = (intermediates ?? []).map((der) => parseCertificate(der));
  return (chain, ctx) => {
    const result = verifyCertificateChain(chain, {
      roots: store,
      intermediates: extra,
      time: ctx.now,
      hostname: purpose === 'serverAuth' ? ctx.serverName : undefined,
      purpose,
      provider,
      ...(revocation ? { revocation } : {}),
    });
    if (!result.ok) throw result.error;
  };
}

/** What a client's configuration says about trusting the server: a verifier, or trust anchors. */
export interface ServerTrust {
  verifyServer?: CertificateVerifier;
  roots?: TrustAnchors;
  intermediates?: readonly Uint8Array[];
  serverName?: string;
  revocation?: RevocationSource;
}

/**
 * The verifier of a client's server chain: `config.verifyServer` when given, else
 * {@link trustAnchorVerifier} over `config.roots` for serverAuth and `config.serverName`.
 * @param who the class being configured, for the error messages
 * @throws TypeError when neither is given (a client never trusts a server silently), or `roots`
 *   come without a `serverName` to check
 * @throws CertificateError when a root or intermediate does not parse
 */
export function serverVerifier(who: string, config: ServerTrust, provider?: CryptoProvider): CertificateVerifier {
  if (config.verifyServer !== undefined) {
    if (typeof config.verifyServer !== 'function') throw new TypeError(`${who}: verifyServer must be a function`);
    return config.verifyServer;
  }
  if (config.roots === undefined) {
    throw new TypeError(
      `${who}: nothing to trust the server with: give roots (trust anchors for the default verifier) or verifyServer`,
    );
  }
  if (!config.serverName) {
    throw new TypeError(
      `${who}: roots need a serverName to check the server's certificate against (or give verifyServer)`,
    );
  }
  return trustAnchorVerifier(config.roots, config.intermediates, 'serverAuth', provider, config.revocation);
}

/** What a server's configuration says about client certificates. */
export interface ClientTrust {
  clientAuth?: 'none' | 'optional' | 'require';
  verifyClient?: CertificateVerifier;
  clientRoots?: TrustAnchors;
  clientIntermediates?: readonly Uint8Array[];
}

/**
 * The verifier a server asks about a client's chain: `verifyClient`, or the default verifier over
 * `clientRoots` (purpose clientAuth), or none.
 * @throws TypeError when client authentication is asked for without either
 */
export function clientVerifier(
  who: string,
  config: ClientTrust,
  provider?: CryptoProvider,
): CertificateVerifier | undefined {
  const verify =
    config.verifyClient ??
    (config.clientRoots
      ? trustAnchorVerifier(config.clientRoots, config.clientIntermediates, 'clientAuth', provider)
      : undefined);
  if ((config.clientAuth ?? 'none') !== 'none' && !verify) {
    throw new TypeError(`${who}: clientAuth needs verifyClient or clientRoots`);
  }
  return verify;
}

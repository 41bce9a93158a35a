/**
 * Role policy both TLS versions share: the server's certificate choice by SNI (RFC 6066 §3), ALPN
 * selection and checking (RFC 7301 §3.2), the unexpected_message error (RFC 8446 §A, RFC 5246 §7.3),
 * peer-chain verification (RFC 8446 §4.4.2.4, RFC 5246 §7.4.2), and IP-literal detection for SNI
 * (RFC 6066 §3: literal addresses are not sent).
 * @module
 */

import type { PublicKey } from '../crypto/provider.js';
import { AlertDescription, CipherSuite, NameType, ProtocolVersion, SignatureScheme } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import { findExtension } from '../tls/extensions.js';
import type { ClientHello } from '../tls/messages/hello.js';
import { parseCertificate } from '../x509/certificate.js';
import { OID } from '../x509/keys.js';
import { leafPublicKey, runVerifier } from './common.js';
import { HandshakeAlertError } from './diagnosis.js';
import type { CoreInput } from './record-core.js';
import type { AlpnSelector, CertificateVerifier, CertifiedKey, ServerConfig, VerifyContext } from './types.js';

/** Where each role's message order is given. */
export type MessageOrder = 'RFC 8446 §A.1' | 'RFC 8446 §A.2' | 'RFC 5246 §7.3';

/** The unexpected_message error for `input` in `state`; `order` names the RFC section that gives the order. */
export function unexpected(order: MessageOrder, state: string, input: CoreInput): TlsAlertError {
  const what = input.type === 'unknown' ? `handshake message ${input.msgType}` : input.type;
  return new TlsAlertError(AlertDescription.unexpected_message, `${what} in state ${state} (${order})`);
}

/**
 * RFC 8446 Appendix D.5: a ClientHello or ServerHello whose legacy_version is 0x0300 (SSL 3.0) or less
 * ends the handshake with protocol_version, whatever else it offers.
 */
export function checkLegacyVersion(version: number, hello: 'ClientHello' | 'ServerHello'): void {
  if (version > 0x0300) return;
  throw new HandshakeAlertError(
    AlertDescription.protocol_version,
    `${hello}.legacy_version 0x${version.toString(16).padStart(4, '0')}: SSL 3.0 and older are refused (RFC 8446 Appendix D.5)`,
    hello === 'ClientHello' ? 'the client must offer TLS 1.2 or later' : 'the server must speak TLS 1.2 or later',
  );
}

/**
 * RFC 7507 §3: a ClientHello that carries TLS_FALLBACK_SCSV and whose highest version is below the
 * server's highest is a client's downgraded retry: fatal inappropriate_fallback. The client's highest
 * is the largest TLS version in supported_versions (GREASE values ignored), else legacy_version.
 */
export function checkFallbackScsv(hello: ClientHello, serverHighest: number): void {
  if (!hello.cipherSuites.includes(CipherSuite.TLS_FALLBACK_SCSV)) return;
  const listed = findExtension(hello.extensions, 'supported_versions');
  const known =
    listed?.form === 'client_hello' ? listed.versions.filter((v) => v >= 0x0300 && v <= ProtocolVersion.TLS1_3) : [];
  const clientHighest = known.length > 0 ? Math.max(...known) : hello.version;
  if (clientHighest >= serverHighest) return;
  throw new HandshakeAlertError(
    AlertDescription.inappropriate_fallback,
    `TLS_FALLBACK_SCSV with the client at 0x${clientHighest.toString(16).padStart(4, '0')} while this server speaks 0x${serverHighest.toString(16).padStart(4, '0')} (RFC 7507 §3)`,
    'the client retried with a lower version after a failed attempt: something on the path broke the first handshake (a middlebox or a downgrade attack)',
  );
}

/**
 * The length check of a received Finished (RFC 8446 §4.4.4: verify_data is Hash.length bytes; RFC 5246
 * §7.4.9: 12 bytes): another length is a malformed message, decode_error, not a failed check.
 */
export function checkFinishedLength(verifyData: Uint8Array, expected: number): void {
  if (verifyData.length === expected) return;
  throw new TlsAlertError(
    AlertDescription.decode_error,
    `Finished.verify_data of ${verifyData.length} bytes, not ${expected} (RFC 8446 §4.4.4, RFC 5246 §7.4.9)`,
  );
}

/** Whether a server name is an IP literal, which SNI never carries (RFC 6066 §3). */
export function isIpLiteral(name: string): boolean {
  return /^[0-9.]+$/.test(name) || name.includes(':');
}

/** The host_name a ClientHello asks for in server_name (RFC 6066 §3), if any. */
export function requestedServerName(hello: ClientHello): string | undefined {
  return findExtension(hello.extensions, 'server_name')?.names.find((n) => n.type === NameType.host_name)?.name;
}

/** What a certificate selector is told of the ClientHello (RFC 8446 §4.2.3, RFC 6066 §3). */
export interface CertificateRequestInfo {
  /** The host_name of server_name, if any. */
  serverName: string | undefined;
  /** signature_algorithms: what the client accepts in CertificateVerify / ServerKeyExchange. */
  signatureSchemes: readonly number[];
  /** signature_algorithms_cert, or signature_algorithms when absent: what it accepts in certificates. */
  certificateSchemes: readonly number[];
}

/** The six RSASSA-PSS schemes (RFC 8446 §4.2.3): rsae (rsaEncryption keys), then pss (RSASSA-PSS keys). */
export const RSA_PSS_SCHEMES: readonly number[] = [
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.rsa_pss_pss_sha256,
  SignatureScheme.rsa_pss_pss_sha384,
  SignatureScheme.rsa_pss_pss_sha512,
];

/** The SignatureSchemes a certificate's own signature (its signatureAlgorithm, RFC 5280 §4.1.1.2) can be named by. */
const CERTIFICATE_SIGNATURES: Readonly<Record<string, readonly number[]>> = {
  [OID.ecdsaWithSHA256]: [SignatureScheme.ecdsa_secp256r1_sha256],
  [OID.ecdsaWithSHA384]: [SignatureScheme.ecdsa_secp384r1_sha384],
  [OID.ecdsaWithSHA512]: [SignatureScheme.ecdsa_secp521r1_sha512],
  [OID.sha256WithRSAEncryption]: [SignatureScheme.rsa_pkcs1_sha256],
  [OID.sha384WithRSAEncryption]: [SignatureScheme.rsa_pkcs1_sha384],
  [OID.sha512WithRSAEncryption]: [SignatureScheme.rsa_pkcs1_sha512],
  [OID.rsassaPss]: RSA_PSS_SCHEMES,
  [OID.ed25519]: [SignatureScheme.ed25519],
  [OID.ed448]: [SignatureScheme.ed448],
};

/** The signatureAlgorithm OIDs of a configured chain, parsed once per chain (configured chains live long). */
const chainOids = new WeakMap<readonly Uint8Array[], readonly string[]>();

/** Whether every certificate of `chain` is signed with a scheme the client accepts (RFC 8446 §4.4.2.2). */
function chainSignedWith(chain: readonly Uint8Array[], accepted: readonly number[]): boolean {
  let oids = chainOids.get(chain);
  if (!oids) {
    oids = chain.map((der) => parseCertificate(der).signatureAlgorithm.oid);
    chainOids.set(chain, oids);
  }
  return oids.every((oid) => (CERTIFICATE_SIGNATURES[oid] ?? []).some((scheme) => accepted.includes(scheme)));
}

/** What the server's certificate selector is told of `hello`. */
export function certificateRequestInfo(hello: ClientHello): CertificateRequestInfo {
  const signatureSchemes = findExtension(hello.extensions, 'signature_algorithms')?.schemes ?? [];
  const certificateSchemes = findExtension(hello.extensions, 'signature_algorithms_cert')?.schemes ?? signatureSchemes;
  return { serverName: requestedServerName(hello), signatureSchemes, certificateSchemes };
}

/**
 * The server's certificate for this ClientHello: what the selector returns, or among configured
 * certificates the first whose key `fits` (can sign with a scheme the client accepts, for this
 * version) and whose chain is signed with schemes it accepts in certificates (signature_algorithms_cert,
 * RFC 8446 §4.2.3); failing that the first that fits, and failing that the first (RFC 8446 §4.4.2.2:
 * send a chain of our choice rather than abort).
 * @throws HandshakeAlertError handshake_failure when there is none
 */
export function selectCertificate(
  certificate: ServerConfig['certificate'],
  info: CertificateRequestInfo,
  fits: (key: CertifiedKey['key']) => boolean,
): CertifiedKey {
  const { serverName: sni } = info;
  let certified: CertifiedKey | undefined;
  if (typeof certificate === 'function') certified = certificate(sni, info);
  else if (!isCertificateList(certificate)) certified = certificate;
  else {
    const usable = certificate.filter((c) => c.chain.length > 0 && fits(c.key));
    certified = usable.find((c) => chainSignedWith(c.chain, info.certificateSchemes)) ?? usable[0] ?? certificate[0];
  }
  if (!certified || certified.chain.length === 0) {
    throw new HandshakeAlertError(
      AlertDescription.handshake_failure,
      `no certificate for ${sni === undefined ? 'a client without SNI' : `server name ${sni}`}`,
      'the certificate selector returned none: add a certificate for this name, or a default',
    );
  }
  return certified;
}

function isCertificateList(c: CertifiedKey | readonly CertifiedKey[]): c is readonly CertifiedKey[] {
  return Array.isArray(c);
}

/**
 * The server's ALPN choice (RFC 7301 §3.2): our first protocol the client offers, or what `selector`
 * (given the client's list and its server_name) picks among them.
 * @throws HandshakeAlertError no_application_protocol when there is none in common or the selector
 * refuses every one; internal_error when the selector picks one the client did not offer
 */
export function selectAlpn(
  ours: readonly string[] | undefined,
  hello: ClientHello,
  selector?: AlpnSelector,
  serverName?: string,
): string | undefined {
  const offered = findExtension(hello.extensions, 'application_layer_protocol_negotiation')?.protocols;
  if (offered && selector) return selectedBy(selector, offered, serverName);
  if (!offered || !ours?.length) return undefined;
  const chosen = ours.find((p) => offered.includes(p));
  if (chosen === undefined) {
    throw new HandshakeAlertError(
      AlertDescription.no_application_protocol,
      `no ALPN protocol in common: we accept ${ours.join(', ')}; the client offered ${offered.join(', ')} (RFC 7301 §3.2)`,
    );
  }
  return chosen;
}

function selectedBy(selector: AlpnSelector, offered: readonly string[], serverName: string | undefined): string {
  const chosen = selector(offered, serverName);
  if (chosen === undefined) {
    throw new HandshakeAlertError(
      AlertDescription.no_application_protocol,
      `the ALPN selector accepted none of the protocols the client offered: ${offered.join(', ')} (RFC 7301 §3.2)`,
    );
  }
  if (!offered.includes(chosen)) {
    throw new HandshakeAlertError(
      AlertDescription.internal_error,
      `the ALPN selector chose ${JSON.stringify(chosen)}, which the client did not offer (${offered.join(', ')})`,
    );
  }
  return chosen;
}

/**
 * The client's check of the server's ALPN answer (RFC 7301 §3.2): exactly one protocol, one we offered.
 * @throws TlsAlertError illegal_parameter otherwise
 */
export function checkSelectedAlpn(ours: readonly string[] | undefined, selected: readonly string[]): string {
  const protocol = selected.length === 1 ? selected[0]! : undefined;
  if (protocol === undefined || !ours?.includes(protocol)) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      'the server selected an ALPN protocol we did not offer',
    );
  }
  return protocol;
}

/**
 * Read the leaf's key and ask `verify` about the peer's chain; anything but an alert error becomes
 * bad_certificate. Returns the leaf's public key, for CertificateVerify or the key exchange.
 */
export function verifyPeerChain(verify: CertificateVerifier, chain: Uint8Array[], cx: VerifyContext): PublicKey {
  const key = leafPublicKey(chain[0]!);
  runVerifier(() => verify(chain, cx));
  return key;
}

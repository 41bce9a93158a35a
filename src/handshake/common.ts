/**
 * Pieces both TLS 1.3 roles use: default parameters, the NamedGroup and SignatureScheme tables,
 * the CertificateVerify signed content (RFC 8446 §4.4.3), which schemes fit which keys (§4.2.3),
 * the leaf certificate's public key, and the extension checks of §4.2.
 * @module
 */
import { concat, wipe } from '../bytes/hex.js';
import type { EarlySecret, HandshakeSecret, MasterSecret } from '../crypto/key-schedule.js';
import { KeyLogLabel } from '../crypto/keylog.js';
import {
  CryptoError,
  type CryptoProvider,
  GROUPS,
  type GroupName,
  type PrivateKey,
  type PublicKey,
  SIGNATURE_SCHEMES,
  type SignatureSchemeName,
} from '../crypto/provider.js';
import { AlertDescription, CipherSuite, NamedGroup, SignatureScheme } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import type { Extension } from '../tls/extensions.js';
import { decodeDer, isContext, rawOf, sequence } from '../x509/der.js';
import { publicKeyInfoFromNode } from '../x509/keys.js';
import type { RecordCore } from './record-core.js';

/** Default cipher suites, in preference order. */
export const DEFAULT_CIPHER_SUITES: readonly number[] = [
  CipherSuite.TLS_AES_128_GCM_SHA256,
  CipherSuite.TLS_AES_256_GCM_SHA384,
  CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
];

/**
 * Default groups, in preference order: OpenSSL 3.0's default set (x25519, secp256r1, x448, secp521r1,
 * secp384r1). The RFC 7919 FFDHE groups cost tens of milliseconds each in pure TypeScript: they are
 * used only when listed by name.
 */
export const DEFAULT_GROUPS: readonly number[] = [
  NamedGroup.x25519,
  NamedGroup.secp256r1,
  NamedGroup.x448,
  NamedGroup.secp521r1,
  NamedGroup.secp384r1,
];

/** RSASSA-PKCS1-v1_5: TLS 1.2 signs with it (RFC 5246 §7.4.1.4.1), TLS 1.3 never does (RFC 8446 §4.2.3). */
function isPkcs1(name: SignatureSchemeName): boolean {
  return name.startsWith('rsa_pkcs1_');
}

/**
 * The one signature-scheme table: the provider's schemes ({@link SIGNATURE_SCHEMES}) that TLS 1.3
 * allows in CertificateVerify (RFC 8446 §4.2.3: never RSASSA-PKCS1-v1_5 or SHA-1), in our preference
 * order: Ed25519 first, then the provider's order.
 */
const TLS13_SCHEME_NAMES: readonly SignatureSchemeName[] = [
  'ed25519',
  ...SIGNATURE_SCHEMES.filter((name) => name !== 'ed25519' && !isPkcs1(name)),
];

/** The RSASSA-PKCS1-v1_5 schemes of the table, in the provider's order (SHA-256, SHA-384, SHA-512). */
const PKCS1_SCHEME_NAMES: readonly SignatureSchemeName[] = SIGNATURE_SCHEMES.filter(isPkcs1);

/** Default signature schemes (all TLS 1.3 schemes the provider implements), in preference order. */
export const DEFAULT_SIGNATURE_SCHEMES: readonly number[] = TLS13_SCHEME_NAMES.map((name) => SignatureScheme[name]);

/**
 * The RSASSA-PKCS1-v1_5 schemes (rsa_pkcs1_sha256, _sha384, _sha512), in preference order: offered
 * for TLS 1.2 only (RFC 5246 §7.4.1.4.1; RFC 8446 §4.2.3 allows them in signature_algorithms for
 * certificates and TLS 1.2, never in a TLS 1.3 CertificateVerify).
 */
export const PKCS1_SIGNATURE_SCHEMES: readonly number[] = PKCS1_SCHEME_NAMES.map((name) => SignatureScheme[name]);

/** Code point → provider name, for `names`. */
function schemeTable(names: readonly SignatureSchemeName[]): ReadonlyMap<number, SignatureSchemeName> {
  return new Map(names.map((name) => [SignatureScheme[name], name]));
}

const GROUP_NAMES: ReadonlyMap<number, GroupName> = new Map<number, GroupName>(
  GROUPS.map((name) => [NamedGroup[name]!, name]),
);

/** The provider's name for a NamedGroup, or undefined when no provider implements it. */
export function groupName(group: number): GroupName | undefined {
  return GROUP_NAMES.get(group);
}

const TLS13_SCHEMES = schemeTable(TLS13_SCHEME_NAMES);
const PKCS1_SCHEMES = schemeTable(PKCS1_SCHEME_NAMES);

/** The provider's name of a scheme allowed in TLS 1.3 CertificateVerify, or undefined. */
export function tls13SchemeName(scheme: number): SignatureSchemeName | undefined {
  return TLS13_SCHEMES.get(scheme);
}

/** The provider's name of an RSASSA-PKCS1-v1_5 scheme of {@link PKCS1_SIGNATURE_SCHEMES}, or undefined. */
export function pkcs1SchemeName(scheme: number): SignatureSchemeName | undefined {
  return PKCS1_SCHEMES.get(scheme);
}

/** Whether `scheme` can be used with `key` (RFC 8446 §4.2.3: ECDSA schemes name their curve). */
export function schemeFitsKey(scheme: SignatureSchemeName, key: PublicKey | PrivateKey): boolean {
  switch (key.type) {
    case 'ed25519':
      return scheme === 'ed25519';
    case 'ec':
      return scheme.startsWith('ecdsa_') && scheme.includes(key.curve);
    case 'rsa':
      return key.pss ? scheme.startsWith('rsa_pss_pss_') : scheme.startsWith('rsa_pss_rsae_');
  }
}

/** What one TLS version allows of the signature-scheme table: a code point's name, and the keys a scheme fits. */
export interface SchemeRules {
  /** The provider's name of a scheme this version signs with, or undefined. */
  name(scheme: number): SignatureSchemeName | undefined;
  fits(name: SignatureSchemeName, key: PublicKey | PrivateKey): boolean;
}

/** TLS 1.3's rules (RFC 8446 §4.2.3). */
export const TLS13_RULES: SchemeRules = { name: tls13SchemeName, fits: schemeFitsKey };

/** The first of `ours` (our preference) that the peer offered and that `rules` allow with `key`, or undefined. */
export function firstFittingScheme(
  rules: SchemeRules,
  ours: readonly number[],
  offered: readonly number[],
  key: PublicKey | PrivateKey,
): number | undefined {
  for (const s of ours) {
    const name = rules.name(s);
    if (name && offered.includes(s) && rules.fits(name, key)) return s;
  }
  return undefined;
}

/**
 * The first of `ours` (our preference) that the peer offered and that fits `key`.
 * @throws TlsAlertError handshake_failure when there is none
 */
export function chooseScheme(ours: readonly number[], offered: readonly number[], key: PrivateKey): number {
  const chosen = firstFittingScheme(TLS13_RULES, ours, offered, key);
  if (chosen !== undefined) return chosen;
  const names = (list: readonly number[]) =>
    list.map((v) => tls13SchemeName(v) ?? `0x${v.toString(16).padStart(4, '0')}`).join(', ') || 'none';
  throw new TlsAlertError(
    AlertDescription.handshake_failure,
    `no signature scheme in common fits our ${key.type} key: we use ${names(ours)}; the peer accepts ${names(offered)}`,
  );
}

const SPACES = new Uint8Array(64).fill(0x20);
const encoder = new TextEncoder();
const CONTEXT = {
  server: encoder.encode('TLS 1.3, server CertificateVerify'),
  client: encoder.encode('TLS 1.3, client CertificateVerify'),
};

/**
 * The content covered by a CertificateVerify signature (RFC 8446 §4.4.3): 64 spaces, the context
 * string of the signer's role, a zero byte, and the transcript hash.
 */
export function certificateVerifyContent(signer: 'client' | 'server', transcriptHash: Uint8Array): Uint8Array {
  return concat(SPACES, CONTEXT[signer], Uint8Array.of(0), transcriptHash);
}

/**
 * The public key of a DER certificate (RFC 5280 §4.1.2.7), through the x509 layer's key parser. This
 * is the one place the handshake reads certificates; it switches to the x509 certificate parser
 * once that exists.
 * @throws TlsAlertError bad_certificate when the certificate cannot be read or its key is unsupported
 */
export function leafPublicKey(der: Uint8Array): PublicKey {
  for (let i = 0; i < leafKeyCache.length; i++) {
    const entry = leafKeyCache[i]!;
    if (bytesEqual(entry.der, der)) return entry.key;
  }
  // Parse a private copy: the key may refer into the DER, and the caller's buffer is theirs to reuse.
  const own = der.slice();
  const key = parseLeafPublicKey(own);
  if (leafKeyCache.length >= LEAF_KEY_CACHE_SIZE) leafKeyCache.pop();
  leafKeyCache.unshift({ der: own, key });
  return key;
}

/**
 * Recently parsed leaf keys by their certificate's DER (compared byte for byte), newest first: the
 * same few certificates come back handshake after handshake, and parsing one costs more than the
 * protocol work around it. Only successes are kept; small, so a miss costs a few comparisons.
 */
const LEAF_KEY_CACHE_SIZE = 8;
const leafKeyCache: { der: Uint8Array; key: PublicKey }[] = [];

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function parseLeafPublicKey(der: Uint8Array): PublicKey {
  try {
    const cert = sequence(decodeDer(der, 'Certificate'), 'Certificate', 3, 3);
    const tbs = sequence(cert[0], 'Certificate.tbsCertificate', 6);
    const first = isContext(tbs[0], 0) ? 1 : 0;
    const spki = tbs[first + 5];
    if (!spki) throw new Error('no subjectPublicKeyInfo');
    const info = publicKeyInfoFromNode(spki, rawOf(spki), 'Certificate.tbsCertificate.subjectPublicKeyInfo');
    if (!info.key) throw new Error(`unsupported key algorithm ${info.description}`);
    return info.key;
  } catch (cause) {
    if (cause instanceof TlsAlertError) throw cause;
    throw new TlsAlertError(AlertDescription.bad_certificate, 'cannot read the leaf certificate key', { cause });
  }
}

/**
 * RFC 8446 §4.2: every extension in a response must have been offered (unsupported_extension) and
 * must be allowed in that message (illegal_parameter). Unknown types are checked the same way.
 * `unsolicited` kinds may appear without an offer (the cookie of a HelloRetryRequest, §4.2.2).
 */
export function checkResponseExtensions(
  received: readonly Extension[] | undefined,
  offered: readonly Extension[] | undefined,
  allowed: readonly Extension['kind'][],
  message: string,
  unsolicited: readonly Extension['kind'][] = [],
): void {
  for (const ext of received ?? []) {
    if (unsolicited.includes(ext.kind)) continue;
    if (!extensionOffered(ext, offered)) {
      throw new TlsAlertError(
        AlertDescription.unsupported_extension,
        `${message} carries ${ext.kind === 'unknown' ? `extension ${ext.type}` : ext.kind}, which was not offered (RFC 8446 §4.2)`,
      );
    }
    if (ext.kind === 'unknown' || !allowed.includes(ext.kind)) {
      throw new TlsAlertError(
        AlertDescription.illegal_parameter,
        `${ext.kind === 'unknown' ? `extension ${ext.type}` : ext.kind} is not allowed in ${message} (RFC 8446 §4.2)`,
      );
    }
  }
}

/**
 * Whether `ext` answers one of `offered`: the same kind, or for an unknown extension the same type
 * (RFC 8446 §4.2, RFC 5246 §7.4.1.4: a response carries only extensions that were offered).
 */
export function extensionOffered(ext: Extension, offered: readonly Extension[] | undefined): boolean {
  const type = ext.kind === 'unknown' ? ext.type : undefined;
  return (offered ?? []).some((o) =>
    type === undefined ? o.kind === ext.kind : o.kind === 'unknown' && o.type === type,
  );
}

/** The last 8 bytes of a TLS 1.3 server's random when it negotiates TLS 1.2 / 1.1 or below (RFC 8446 §4.1.3). */
export const DOWNGRADE_TLS12 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01);
/** See {@link DOWNGRADE_TLS12}. */
export const DOWNGRADE_TLS11 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00);

/** Whether a ServerHello random ends with a downgrade sentinel (RFC 8446 §4.1.3). */
export function hasDowngradeSentinel(random: Uint8Array): boolean {
  const tail = random.subarray(random.length - 8);
  return [DOWNGRADE_TLS12, DOWNGRADE_TLS11].some((s) => s.every((b, i) => tail[i] === b));
}

/** The handshake-stage secrets (RFC 8446 §7.1), reported to the key log as they are derived. */
export interface HandshakeSecrets {
  hs: HandshakeSecret;
  clientHandshake: Uint8Array;
  serverHandshake: Uint8Array;
}

/** Handshake Secret and both handshake traffic secrets, from ClientHello…ServerHello; consumes `early`. */
export function deriveHandshakeSecrets(
  core: RecordCore,
  early: EarlySecret,
  sharedSecret: Uint8Array | undefined,
  transcriptHash: Uint8Array,
): HandshakeSecrets {
  const hs = early.handshake(sharedSecret);
  const clientHandshake = hs.clientHandshakeTrafficSecret(transcriptHash);
  const serverHandshake = hs.serverHandshakeTrafficSecret(transcriptHash);
  core.secret(KeyLogLabel.CLIENT_HANDSHAKE_TRAFFIC_SECRET, clientHandshake);
  core.secret(KeyLogLabel.SERVER_HANDSHAKE_TRAFFIC_SECRET, serverHandshake);
  return { hs, clientHandshake, serverHandshake };
}

/** The application-stage secrets (RFC 8446 §7.1). */
export interface ApplicationSecrets {
  master: MasterSecret;
  clientApplication: Uint8Array;
  serverApplication: Uint8Array;
  exporter: Uint8Array;
}

/** Master Secret, application traffic secrets and exporter secret, from ClientHello…server Finished; consumes `hs`. */
export function deriveApplicationSecrets(
  core: RecordCore,
  hs: HandshakeSecret,
  transcriptHash: Uint8Array,
): ApplicationSecrets {
  const master = hs.master();
  const clientApplication = master.clientApplicationTrafficSecret(transcriptHash);
  const serverApplication = master.serverApplicationTrafficSecret(transcriptHash);
  const exporter = master.exporterMasterSecret(transcriptHash);
  core.secret(KeyLogLabel.CLIENT_TRAFFIC_SECRET_0, clientApplication);
  core.secret(KeyLogLabel.SERVER_TRAFFIC_SECRET_0, serverApplication);
  core.secret(KeyLogLabel.EXPORTER_SECRET, exporter);
  return { master, clientApplication, serverApplication, exporter };
}

/** The 0-RTT secrets (RFC 8446 §7.1), from the ClientHello; `early` is not consumed. */
export function deriveEarlySecrets(core: RecordCore, early: EarlySecret, clientHelloHash: Uint8Array): Uint8Array {
  const clientEarly = early.clientEarlyTrafficSecret(clientHelloHash);
  core.secret(KeyLogLabel.CLIENT_EARLY_TRAFFIC_SECRET, clientEarly);
  const earlyExporter = early.earlyExporterMasterSecret(clientHelloHash);
  core.secret(KeyLogLabel.EARLY_EXPORTER_SECRET, earlyExporter);
  wipe(earlyExporter);
  return clientEarly;
}

/** Run a key exchange step; a malformed peer share is illegal_parameter (RFC 8446 §4.2.8). */
export function keyExchangeStep<T>(f: () => T): T {
  try {
    return f();
  } catch (cause) {
    if (cause instanceof CryptoError && cause.reason === 'invalid-share') {
      throw new TlsAlertError(AlertDescription.illegal_parameter, cause.message, { cause });
    }
    throw cause;
  }
}

/** Verify a peer's CertificateVerify (RFC 8446 §4.4.3): scheme offered and fitting the key, signature valid. */
export function verifyCertificateVerify(
  provider: CryptoProvider,
  signer: 'client' | 'server',
  offered: readonly number[],
  key: PublicKey,
  algorithm: number,
  signature: Uint8Array,
  transcriptHash: Uint8Array,
): void {
  const content = certificateVerifyContent(signer, transcriptHash);
  checkPeerSignature(
    provider,
    TLS13_RULES,
    offered,
    { key, algorithm, signature, content },
    {
      refused: 'CertificateVerify with signature scheme',
      invalid: `${signer} CertificateVerify signature does not verify`,
    },
  );
}

/**
 * Check a peer's signature (RFC 8446 §4.4.3; RFC 5246 §7.4.3, §7.4.8): its scheme must be one `rules`
 * allow, that we offered and that fits the key, else illegal_parameter (`refused`, then the code
 * point); the signature must verify over `content`, else decrypt_error (`invalid`).
 */
export function checkPeerSignature(
  provider: CryptoProvider,
  rules: SchemeRules,
  offered: readonly number[],
  signed: { key: PublicKey; algorithm: number; signature: Uint8Array; content: Uint8Array },
  messages: { refused: string; invalid: string },
): void {
  const { key, algorithm } = signed;
  const name = rules.name(algorithm);
  if (!name || !offered.includes(algorithm) || !rules.fits(name, key)) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      `${messages.refused} 0x${algorithm.toString(16).padStart(4, '0')}, not offered or not fitting the key`,
    );
  }
  if (!provider.verify(name, key, signed.content, signed.signature)) {
    throw new TlsAlertError(AlertDescription.decrypt_error, messages.invalid);
  }
}

/** Ask a certificate verifier; anything but an alert error becomes bad_certificate. */
export function runVerifier(verify: () => void): void {
  try {
    verify();
  } catch (cause) {
    if (cause instanceof TlsAlertError) throw cause;
    throw new TlsAlertError(
      AlertDescription.bad_certificate,
      cause instanceof Error ? cause.message : 'certificate rejected',
      { cause },
    );
  }
}

/**
 * Pieces both TLS 1.2 roles use: default suites and signature algorithms, which suites and
 * SignatureAndHashAlgorithms fit which keys (RFC 5246 §7.4.1.4.1, RFC 8422 §5.1.3, RFC 8446 §4.2.3
 * for the RSA-PSS and Ed25519 code points), the content a ServerKeyExchange signs (RFC 8422 §5.4,
 * RFC 5246 §7.4.3), signature checks, the handshake transcript (RFC 5246 §7.4.9, RFC 7627 §3), and
 * the record protection of both directions from one key block (RFC 5246 §6.3).
 * @module
 */
import { concat, wipe } from '../../bytes/hex.js';
import type { CryptoProvider, HashName, PrivateKey, PublicKey, SignatureSchemeName } from '../../crypto/provider.js';
import { type Tls12CipherSuite, type Tls12MasterSecret, tls12CipherSuite } from '../../crypto/tls12-key-schedule.js';
import { Tls12RecordOpener, Tls12RecordSealer } from '../../crypto/tls12-record-protection.js';
import { AlertDescription, CipherSuite } from '../../tls/enums.js';
import { TlsAlertError } from '../../tls/errors.js';
import {
  DEFAULT_SIGNATURE_SCHEMES,
  PKCS1_SIGNATURE_SCHEMES,
  pkcs1SchemeName,
  schemeFitsKey,
  tls13SchemeName,
} from '../common.js';
import type { Offered } from '../diagnosis.js';

/** Default TLS 1.2 cipher suites, in preference order: ECDHE before RSA key transport. */
export const DEFAULT_TLS12_CIPHER_SUITES: readonly number[] = [
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384,
];

/**
 * Default TLS 1.2 signature algorithms (RFC 5246 §7.4.1.4.1 code points), in preference order: the
 * TLS 1.3 defaults, then RSASSA-PKCS1-v1_5.
 */
export const DEFAULT_TLS12_SIGNATURE_SCHEMES: readonly number[] = [
  ...DEFAULT_SIGNATURE_SCHEMES,
  ...PKCS1_SIGNATURE_SCHEMES,
];

/** The TLS 1.2 suites of `suites`, in order (TLS 1.3 and unknown suites dropped). */
export function tls12Suites(suites: readonly number[]): Tls12CipherSuite[] {
  return suites.flatMap((s) => tls12CipherSuite(s) ?? []);
}

/** The provider's name of a SignatureAndHashAlgorithm usable in TLS 1.2, or undefined (SHA-1, DSA, …). */
export function tls12SchemeName(scheme: number): SignatureSchemeName | undefined {
  return tls13SchemeName(scheme) ?? pkcs1SchemeName(scheme);
}

/**
 * Whether `scheme` can sign with `key`: as in TLS 1.3 (ECDSA schemes with their own curve, as every
 * current peer does; Ed25519 with ed25519, RFC 8422 §5.1.3; RSA-PSS pss keys only with pss schemes),
 * and RSA rsaEncryption keys also with PKCS#1 v1.5.
 */
export function tls12SchemeFitsKey(scheme: SignatureSchemeName, key: PublicKey | PrivateKey): boolean {
  if (schemeFitsKey(scheme, key)) return true;
  return key.type === 'rsa' && !key.pss && scheme.startsWith('rsa_pkcs1_');
}

/** Whether a suite's authentication fits a certificate key (RFC 8422 §2, RFC 5246 §7.4.2). */
export function suiteFitsKey(suite: Tls12CipherSuite, key: PublicKey | PrivateKey): boolean {
  switch (suite.keyExchange) {
    case 'ecdhe_ecdsa':
      return key.type === 'ec' || key.type === 'ed25519';
    case 'ecdhe_rsa':
      return key.type === 'rsa';
    case 'rsa':
      return key.type === 'rsa' && !key.pss;
  }
}

/** The first of `ours` the peer offered that fits `key`, or undefined. */
export function chooseTls12Scheme(
  ours: readonly number[],
  offered: readonly number[],
  key: PrivateKey,
): number | undefined {
  for (const s of ours) {
    const name = tls12SchemeName(s);
    if (name && offered.includes(s) && tls12SchemeFitsKey(name, key)) return s;
  }
  return undefined;
}

/** The content a ServerKeyExchange signs: client_random ‖ server_random ‖ params (RFC 8422 §5.4). */
export function serverKeyExchangeContent(
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  params: Uint8Array,
): Uint8Array {
  return concat(clientRandom, serverRandom, params);
}

/**
 * Check a TLS 1.2 `digitally-signed` value: the algorithm must be one we offered and fit the key
 * (illegal_parameter), the signature must verify (decrypt_error, RFC 5246 §7.4.3, §7.4.8).
 */
export function verifyTls12Signature(
  provider: CryptoProvider,
  what: string,
  offered: readonly number[],
  key: PublicKey,
  algorithm: number,
  signature: Uint8Array,
  content: Uint8Array,
): void {
  const name = tls12SchemeName(algorithm);
  if (!name || !offered.includes(algorithm) || !tls12SchemeFitsKey(name, key)) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      `${what} signed with 0x${algorithm.toString(16).padStart(4, '0')}, not offered or not fitting the key`,
    );
  }
  if (!provider.verify(name, key, content, signature)) {
    throw new TlsAlertError(AlertDescription.decrypt_error, `${what} signature does not verify`);
  }
}

/**
 * The handshake messages so far (RFC 5246 §7.4.9: every handshake message, HelloRequest excluded).
 * Kept as bytes: a CertificateVerify signs the messages themselves, Finished and the session hash
 * (RFC 7627 §3) hash them with the suite's PRF hash.
 */
export class Tls12Transcript {
  readonly #parts: Uint8Array[] = [];

  /** Add the exact bytes of one handshake message (header included). */
  add(raw: Uint8Array): this {
    this.#parts.push(raw.slice());
    return this;
  }

  /** handshake_messages: everything added so far. */
  messages(): Uint8Array {
    return concat(...this.#parts);
  }

  /** Hash of everything added so far. */
  hash(provider: CryptoProvider, hash: HashName): Uint8Array {
    return provider.hash(hash, this.messages());
  }
}

/**
 * The pending record protection of one side (RFC 5246 §6.3, §7.1): our sealer and the peer's opener,
 * both from one key block derived when the first of them is needed (our ChangeCipherSpec or the
 * peer's, whichever comes first), which is then wiped.
 */
export class Tls12Protection {
  readonly #master: Tls12MasterSecret;
  readonly #side: 'client' | 'server';
  #epochs: { sealer: Tls12RecordSealer; opener: Tls12RecordOpener } | undefined;

  /** The protection of `side` (the role writing with its own write key) under `master`. */
  constructor(master: Tls12MasterSecret, side: 'client' | 'server') {
    this.#master = master;
    this.#side = side;
  }

  /** Our records' sealer, for our ChangeCipherSpec. */
  sealer(): Tls12RecordSealer {
    return this.#derive().sealer;
  }

  /** The peer's records' opener, for its ChangeCipherSpec. */
  opener(): Tls12RecordOpener {
    return this.#derive().opener;
  }

  #derive(): { sealer: Tls12RecordSealer; opener: Tls12RecordOpener } {
    if (this.#epochs) return this.#epochs;
    const { provider, suite } = this.#master;
    const block = this.#master.keyBlock();
    const peer = this.#side === 'client' ? 'server' : 'client';
    this.#epochs = {
      sealer: Tls12RecordSealer.fromKeyBlock(provider, suite, block, this.#side),
      opener: Tls12RecordOpener.fromKeyBlock(provider, suite, block, peer),
    };
    wipe(block.client.key, block.client.iv, block.server.key, block.server.iv);
    return this.#epochs;
  }
}

/** Whether the u16 list `list` contains `value`. */
export function offers(list: readonly number[] | undefined, value: number): boolean {
  return list?.includes(value) ?? false;
}

/** What a TLS 1.2 endpoint offers, as failure diagnosis reports it (src/handshake/diagnosis.ts). */
export function tls12Offered(
  suites: readonly Tls12CipherSuite[],
  groups: readonly number[],
  alpn: readonly string[] | undefined,
): Offered {
  return { cipherSuites: suites.map((s) => s.value), groups, alpn, version: 'TLS 1.2' };
}

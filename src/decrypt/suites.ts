/**
 * The TLS 1.2 cipher suites a capture can be decrypted with: every AEAD suite of
 * `crypto/tls12-key-schedule.ts` (RFC 5288, RFC 5289, RFC 7905) plus their DHE forms, and the
 * AES-CBC suites real captures contain (RFC 5246 §A.5, RFC 5289 §3.1: AES-128/256-CBC with
 * HMAC-SHA1, HMAC-SHA256 or HMAC-SHA384, RSA, DHE and ECDHE key exchange). CBC is here for reading
 * captures only: the TLS machines never negotiate it.
 *
 * The PRF hash is SHA-256 except for the `_SHA384` suites (RFC 5246 §5, RFC 5289 §3.2).
 * @module
 */
import type { AeadName, HashName } from '../crypto/provider.js';
import { TLS12_CIPHER_SUITES } from '../crypto/tls12-key-schedule.js';
import { CipherSuite, nameOf } from '../tls/enums.js';

/** A TLS 1.2 AEAD suite: key block `client_key, server_key, client_iv, server_iv` (RFC 5246 §6.3). */
export interface Tls12AeadDecryptSuite {
  readonly kind: 'aead';
  readonly value: number;
  readonly aead: AeadName;
  readonly prfHash: HashName;
  readonly keyLength: number;
  /** 4 for AES-GCM (the salt), 12 for ChaCha20-Poly1305. */
  readonly fixedIvLength: number;
}

/** The MAC of a CBC suite. */
export type CbcMac = 'sha1' | 'sha256' | 'sha384';

/** A TLS 1.2 AES-CBC suite: key block `client_mac, server_mac, client_key, server_key` (RFC 5246 §6.3). */
export interface Tls12CbcDecryptSuite {
  readonly kind: 'cbc';
  readonly value: number;
  /** AES key length: 16 or 32. */
  readonly keyLength: 16 | 32;
  readonly mac: CbcMac;
  /** mac_length = mac_key_length. */
  readonly macLength: number;
  readonly prfHash: HashName;
}

export type Tls12DecryptSuite = Tls12AeadDecryptSuite | Tls12CbcDecryptSuite;

const MAC_LENGTH: Record<CbcMac, number> = { sha1: 20, sha256: 32, sha384: 48 };

function aead(value: number, name: AeadName, prfHash: HashName): Tls12AeadDecryptSuite {
  const chacha = name === 'chacha20-poly1305';
  return {
    kind: 'aead',
    value,
    aead: name,
    prfHash,
    keyLength: name === 'aes-128-gcm' ? 16 : 32,
    fixedIvLength: chacha ? 12 : 4,
  };
}

function cbc(value: number, keyLength: 16 | 32, mac: CbcMac): Tls12CbcDecryptSuite {
  return {
    kind: 'cbc',
    value,
    keyLength,
    mac,
    macLength: MAC_LENGTH[mac],
    prfHash: mac === 'sha384' ? 'sha384' : 'sha256',
  };
}

const CS = CipherSuite as Record<string, number>;

/** Every TLS 1.2 suite {@link tls12DecryptSuite} knows. */
export const TLS12_DECRYPT_SUITES: readonly Tls12DecryptSuite[] = Object.freeze([
  ...TLS12_CIPHER_SUITES.map((s) => aead(s.value, s.aead, s.hash)),
  aead(0x009e, 'aes-128-gcm', 'sha256'), // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
  aead(0x009f, 'aes-256-gcm', 'sha384'), // TLS_DHE_RSA_WITH_AES_256_GCM_SHA384
  aead(0xccaa, 'chacha20-poly1305', 'sha256'), // TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256
  cbc(0x002f, 16, 'sha1'), // TLS_RSA_WITH_AES_128_CBC_SHA
  cbc(0x0035, 32, 'sha1'), // TLS_RSA_WITH_AES_256_CBC_SHA
  cbc(0x003c, 16, 'sha256'), // TLS_RSA_WITH_AES_128_CBC_SHA256
  cbc(0x003d, 32, 'sha256'), // TLS_RSA_WITH_AES_256_CBC_SHA256
  cbc(0x0033, 16, 'sha1'), // TLS_DHE_RSA_WITH_AES_128_CBC_SHA
  cbc(0x0039, 32, 'sha1'), // TLS_DHE_RSA_WITH_AES_256_CBC_SHA
  cbc(0x0067, 16, 'sha256'), // TLS_DHE_RSA_WITH_AES_128_CBC_SHA256
  cbc(0x006b, 32, 'sha256'), // TLS_DHE_RSA_WITH_AES_256_CBC_SHA256
  cbc(0xc009, 16, 'sha1'), // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
  cbc(0xc00a, 32, 'sha1'), // TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
  cbc(0xc013, 16, 'sha1'), // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
  cbc(0xc014, 32, 'sha1'), // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
  cbc(0xc023, 16, 'sha256'), // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
  cbc(0xc024, 32, 'sha384'), // TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384
  cbc(0xc027, 16, 'sha256'), // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
  cbc(0xc028, 32, 'sha384'), // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384
]);

/** The decryption parameters of TLS 1.2 suite `value`, or undefined when it cannot be decrypted here. */
export function tls12DecryptSuite(value: number): Tls12DecryptSuite | undefined {
  return TLS12_DECRYPT_SUITES.find((s) => s.value === value);
}

/** The IANA name of a suite (for messages). */
export function suiteName(value: number): string {
  return nameOf(CS, value, 2);
}

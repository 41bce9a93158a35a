/**
 * Crafted RSA-encrypted premaster secrets for the RFC 5246 §7.4.7.1 tests: the test PKI's 2048-bit
 * server key, a well-formed 48-byte premaster, the fallback a server continues with, and `encrypt`,
 * which builds EM = 00 ‖ 02 ‖ PS ‖ 00 ‖ M by hand (so a test can break any byte of it) and applies the
 * raw RSA operation with node:crypto — independent of the code under test.
 */
import { constants, createPrivateKey, publicEncrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The PEM of test/pki/out/server-rsa.key. */
export const RSA_KEY_PEM = readFileSync(new URL('../pki/out/server-rsa.key', import.meta.url), 'utf8');
const nodeKey = createPrivateKey(RSA_KEY_PEM);
/** The modulus length in bytes. */
export const K = 256;
/** Where the separator of a 48-byte premaster stands: EM = 00 02 PS(205) 00 M(48). */
export const SEP = K - 49;
/** ClientHello.client_version 3,3 (TLS 1.2) and 46 bytes. */
export const premaster = Uint8Array.from({ length: 48 }, (_, i) => (i < 2 ? 3 : 0xa0 ^ i));
/** What the server continues with on failure: client_version ‖ 46 "random" bytes. */
export const fallback = Uint8Array.from({ length: 48 }, (_, i) => (i < 2 ? 3 : 0xe0 ^ i));

/** EM = 0x00 ‖ 0x02 ‖ PS ‖ 0x00 ‖ M, PS nonzero, then `edit` applied; encrypted with the raw RSA operation. */
export function encrypt(m: Uint8Array, edit: (em: Uint8Array) => void = () => {}): Uint8Array {
  const em = new Uint8Array(K);
  em[1] = 0x02;
  for (let i = 2; i < K - m.length - 1; i++) em[i] = 0x40 + (i % 0x3f);
  em.set(m, K - m.length);
  edit(em);
  return new Uint8Array(publicEncrypt({ key: nodeKey, padding: constants.RSA_NO_PADDING }, em));
}

/**
 * What a cipher suite's IANA name says about it (RFC 5246 Appendix A.5, RFC 8446 §B.4, RFC 9325 §4.1):
 * key exchange, authentication, bulk cipher and mode, and the lists the scanner offers for each
 * version. Every suite of the IANA registry (src/tls/enums.ts) is offered, legacy, export,
 * anonymous, NULL, RC4 and 3DES ones included, but never the signalling values
 * (TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV) and not TLS_NULL_WITH_NULL_NULL.
 * @module
 */
import { CipherSuite, nameOf } from '../tls/enums.js';

/** The properties of a suite the findings are about. */
export interface SuiteTraits {
  name: string;
  /** `TLS13`, `RSA`, `DHE`, `ECDHE`, `DH`, `ECDH`, `PSK`, `SRP`, `KRB5`, `GOST`, … (IANA name segment). */
  keyExchange: string;
  /** Anonymous (DH_anon, ECDH_anon): no server authentication. */
  anonymous: boolean;
  /** Ephemeral key exchange: forward secrecy. */
  forwardSecret: boolean;
  export: boolean;
  nullCipher: boolean;
  rc4: boolean;
  /** 3DES or single DES (less than 128 bits, RFC 9325 §4.1). */
  des: boolean;
  cbc: boolean;
  aead: boolean;
  /** Usable with TLS 1.2 only (AEAD or SHA-256/384 MAC). */
  tls12Only: boolean;
}

const TLS13 = new Set([0x1301, 0x1302, 0x1303, 0x1304, 0x1305]);
const NOT_OFFERED = new Set<number>([
  CipherSuite.TLS_NULL_WITH_NULL_NULL,
  CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  CipherSuite.TLS_FALLBACK_SCSV,
]);

/** The traits of `suite` from its IANA name. */
export function suiteTraits(suite: number): SuiteTraits {
  const name = nameOf(CipherSuite, suite);
  if (TLS13.has(suite)) {
    return {
      name,
      keyExchange: 'TLS13',
      anonymous: false,
      forwardSecret: true,
      export: false,
      nullCipher: false,
      rc4: false,
      des: false,
      cbc: false,
      aead: true,
      tls12Only: false,
    };
  }
  const m = /^TLS_(.*?)_WITH_(.*)$/.exec(name);
  const kx = m?.[1] ?? name.replace(/^TLS_/, '');
  const cipher = m?.[2] ?? '';
  const kxFamily = kx.split('_')[0] ?? kx;
  const aead = /GCM|CCM|CHACHA20_POLY1305|MGM/.test(cipher);
  return {
    name,
    keyExchange: kxFamily,
    anonymous: /_anon/.test(kx),
    forwardSecret: /^(DHE|ECDHE)/.test(kx) || /_anon/.test(kx),
    export: /EXPORT/.test(kx) || /EXPORT|_40_|DES40/.test(cipher),
    nullCipher: /^NULL/.test(cipher),
    rc4: /RC4/.test(cipher),
    des: /(^|_)DES|3DES/.test(cipher),
    cbc: /CBC/.test(cipher),
    aead,
    tls12Only: aead || /SHA(256|384)$/.test(cipher),
  };
}

/** The TLS 1.3 suites (RFC 8446 §B.4), in registry order. */
export function tls13Suites(): number[] {
  return [...TLS13];
}

/** Every TLS ≤ 1.2 suite of the registry, in registry order; `version` < TLS 1.2 leaves out the TLS 1.2-only ones. */
export function legacySuites(version: number): number[] {
  const out: number[] = [];
  for (const value of new Set(Object.values(CipherSuite))) {
    if (TLS13.has(value) || NOT_OFFERED.has(value)) continue;
    if (version < 0x0303 && suiteTraits(value).tls12Only) continue;
    out.push(value);
  }
  return out.sort((a, b) => a - b);
}

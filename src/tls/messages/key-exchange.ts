/**
 * TLS 1.2 key exchange messages: ServerKeyExchange, ServerHelloDone and ClientKeyExchange.
 *
 * Their bodies depend on the negotiated key exchange, which the decoder takes as a {@link KeyExchange}:
 * - `ecdhe` (RFC 8422 §5.4 and §5.7): ServerECDHParams with a named curve, ClientECDiffieHellmanPublic;
 * - `dhe` (RFC 5246 §7.4.3 and §7.4.7.2): ServerDHParams, ClientDiffieHellmanPublic (explicit);
 * - `rsa` (RFC 5246 §7.4.7.1): no ServerKeyExchange; ClientKeyExchange is an EncryptedPreMasterSecret.
 * The ServerKeyExchange signature is the TLS 1.2 `digitally-signed` form (SignatureAndHashAlgorithm +
 * signature); it covers client_random + server_random + params, so decoded messages keep `params`.
 * @module
 */
import type { Reader } from '../../bytes/reader.js';
import type { Writer } from '../../bytes/writer.js';
import { ECCurveType } from '../enums.js';
import { NON_EMPTY } from '../extensions.js';

/** The TLS 1.2 key exchange algorithm that shapes ServerKeyExchange and ClientKeyExchange. */
export type KeyExchange = 'ecdhe' | 'dhe' | 'rsa';

/** ServerKeyExchange for ECDHE (RFC 8422 §5.4), curve_type named_curve(3). */
export interface EcdheServerKeyExchange {
  type: 'server_key_exchange';
  keyExchange: 'ecdhe';
  /** NamedCurve (a NamedGroup value). */
  namedGroup: number;
  /** `ECPoint public<1..2^8-1>`. */
  publicKey: Uint8Array;
  /** SignatureAndHashAlgorithm of `signed_params`. */
  signatureAlgorithm: number;
  /** `opaque signature<0..2^16-1>`. */
  signature: Uint8Array;
  /**
   * Set by the decoder: the exact ServerECDHParams bytes the signature covers. The encoder ignores
   * it; {@link encodeServerKeyExchangeParams} produces it from the fields.
   */
  params?: Uint8Array;
}

/** ServerKeyExchange for DHE (RFC 5246 §7.4.3): ServerDHParams + signature. */
export interface DheServerKeyExchange {
  type: 'server_key_exchange';
  keyExchange: 'dhe';
  /** `dh_p<1..2^16-1>`. */
  p: Uint8Array;
  /** `dh_g<1..2^16-1>`. */
  g: Uint8Array;
  /** `dh_Ys<1..2^16-1>`. */
  publicKey: Uint8Array;
  signatureAlgorithm: number;
  signature: Uint8Array;
  /** Set by the decoder: the exact ServerDHParams bytes; ignored by the encoder. */
  params?: Uint8Array;
}

/** ServerKeyExchange (TLS 1.2). */
export type ServerKeyExchange = EcdheServerKeyExchange | DheServerKeyExchange;

/** ServerHelloDone (RFC 5246 §7.4.5): an empty body. */
export interface ServerHelloDone {
  type: 'server_hello_done';
}

/** ClientKeyExchange (RFC 5246 §7.4.7, RFC 8422 §5.7). */
export type ClientKeyExchange =
  | {
      type: 'client_key_exchange';
      keyExchange: 'ecdhe';
      /** `ECPoint ecdh_Yc<1..2^8-1>`. */
      publicKey: Uint8Array;
    }
  | {
      type: 'client_key_exchange';
      keyExchange: 'dhe';
      /** `opaque dh_Yc<1..2^16-1>`. */
      publicKey: Uint8Array;
    }
  | {
      type: 'client_key_exchange';
      keyExchange: 'rsa';
      /** `EncryptedPreMasterSecret`: `opaque encrypted_pre_master_secret<0..2^16-1>`. */
      encryptedPreMasterSecret: Uint8Array;
    };

/**
 * Decode a ServerKeyExchange body. Only curve_type named_curve(3) has a defined body today (RFC 8422
 * §5.4 deprecates the explicit curves): any other is DecodeError `value`. With `rsa` there is no
 * ServerKeyExchange (RFC 5246 §7.4.3): DecodeError `unexpected`.
 */
export function decodeServerKeyExchange(r: Reader, keyExchange: KeyExchange): ServerKeyExchange {
  const start = r.position;
  if (keyExchange === 'rsa') {
    r.fail('unexpected', 'the RSA key exchange has no ServerKeyExchange (RFC 5246 §7.4.3)');
  }
  if (keyExchange === 'dhe') {
    const p = r.opaque16('dh_p', NON_EMPTY);
    const g = r.opaque16('dh_g', NON_EMPTY);
    const publicKey = r.opaque16('dh_Ys', NON_EMPTY);
    const params = r.buf.subarray(start, r.position);
    const signatureAlgorithm = r.u16('algorithm');
    const signature = r.opaque16('signature');
    return { type: 'server_key_exchange', keyExchange, p, g, publicKey, signatureAlgorithm, signature, params };
  }
  const curveType = r.u8('curve_type');
  if (curveType !== ECCurveType.named_curve) {
    r.fail('value', `curve_type ${curveType} is not named_curve(3)`, 'curve_type', r.offset - 1);
  }
  const namedGroup = r.u16('namedcurve');
  const publicKey = r.opaque8('public', NON_EMPTY);
  const params = r.buf.subarray(start, r.position);
  const signatureAlgorithm = r.u16('algorithm');
  const signature = r.opaque16('signature');
  return { type: 'server_key_exchange', keyExchange, namedGroup, publicKey, signatureAlgorithm, signature, params };
}

/** Encode the signed params of a ServerKeyExchange (ServerECDHParams or ServerDHParams). */
export function encodeServerKeyExchangeParams(w: Writer, m: ServerKeyExchange): void {
  if (m.keyExchange === 'dhe') {
    w.opaque16(m.p);
    w.opaque16(m.g);
    w.opaque16(m.publicKey);
    return;
  }
  w.u8(ECCurveType.named_curve);
  w.u16(m.namedGroup);
  w.opaque8(m.publicKey);
}

/** Encode a ServerKeyExchange body: params from the fields, then the signature. */
export function encodeServerKeyExchange(w: Writer, m: ServerKeyExchange): void {
  encodeServerKeyExchangeParams(w, m);
  w.u16(m.signatureAlgorithm);
  w.opaque16(m.signature);
}

/** Decode a ClientKeyExchange body for `keyExchange`. */
export function decodeClientKeyExchange(r: Reader, keyExchange: KeyExchange): ClientKeyExchange {
  switch (keyExchange) {
    case 'ecdhe':
      return { type: 'client_key_exchange', keyExchange, publicKey: r.opaque8('ecdh_Yc', NON_EMPTY) };
    case 'dhe':
      return { type: 'client_key_exchange', keyExchange, publicKey: r.opaque16('dh_Yc', NON_EMPTY) };
    case 'rsa':
      return {
        type: 'client_key_exchange',
        keyExchange,
        encryptedPreMasterSecret: r.opaque16('encrypted_pre_master_secret'),
      };
  }
}

/** Encode a ClientKeyExchange body. */
export function encodeClientKeyExchange(w: Writer, m: ClientKeyExchange): void {
  if (m.keyExchange === 'ecdhe') w.opaque8(m.publicKey);
  else if (m.keyExchange === 'dhe') w.opaque16(m.publicKey);
  else w.opaque16(m.encryptedPreMasterSecret);
}

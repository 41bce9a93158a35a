/**
 * Key exchange on node:crypto (OpenSSL): X25519 and X448 (RFC 7748, shares as in RFC 8446 §4.2.8.2),
 * ECDHE on P-256/P-384/P-521 with uncompressed points and the x-coordinate as the secret (RFC 8446
 * §4.2.8.2, §7.4.2), and X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem): NobleProvider's hybrid, with
 * noble's ML-KEM-768 (Node 20 has no ML-KEM) and the native X25519 below as its X25519 half.
 *
 * Each is NobleProvider's exchange class with only the curve arithmetic moved to OpenSSL: private keys
 * are drawn from the provider's random source and derived by the same code (X25519/X448: the raw bytes;
 * NIST: noble's `randomSecretKey` of the same seed), injected secrets give the same shares, so RFC 8448
 * traces replay through either provider, and the share checks and errors are the same code too.
 * @module
 */
import { createECDH, diffieHellman, type KeyObject } from 'node:crypto';
import { MontgomeryExchange, NistExchange, X25519MlKem768Exchange } from '../crypto/noble.js';
import type { GroupName, KeyExchange, RandomSource } from '../crypto/provider.js';
import { ECDH_CURVE, montgomeryPrivateKey, montgomeryPublicKey, okpRawPublic, plain } from './crypto-keys.js';

/** The JWK `crv` of each Montgomery curve. */
const OKP_CURVE = { x25519: 'X25519', x448: 'X448' } as const;

/**
 * X25519 or X448 with OpenSSL's arithmetic; the checks are NobleProvider's. OpenSSL refuses the
 * all-zero result (a small-order share) itself (RFC 8446 §7.4.2, RFC 7748 §6).
 */
class NodeMontgomeryExchange extends MontgomeryExchange {
  /** The KeyObject of each private key generated here, imported once for its share and its agreement. */
  readonly #keys = new WeakMap<Uint8Array, KeyObject>();

  #key(privateKey: Uint8Array): KeyObject {
    let key = this.#keys.get(privateKey);
    if (key === undefined) {
      key = montgomeryPrivateKey(OKP_CURVE[this.group], privateKey);
      this.#keys.set(privateKey, key);
    }
    return key;
  }
  protected override publicKey(privateKey: Uint8Array): Uint8Array {
    return okpRawPublic(this.#key(privateKey));
  }
  protected override rawAgree(privateKey: Uint8Array, peer: Uint8Array): Uint8Array {
    const publicKey = montgomeryPublicKey(OKP_CURVE[this.group], peer);
    return plain(diffieHellman({ privateKey: this.#key(privateKey), publicKey }));
  }
}

/**
 * ECDHE over a NIST curve with OpenSSL's ECDH (`createECDH`, which checks that the peer's point is on
 * the curve); private keys and checks are NobleProvider's.
 */
class NodeNistExchange extends NistExchange {
  protected override publicKey(privateKey: Uint8Array): Uint8Array {
    const ecdh = createECDH(ECDH_CURVE[this.group]);
    ecdh.setPrivateKey(privateKey);
    return plain(ecdh.getPublicKey());
  }
  protected override sharedX(privateKey: Uint8Array, peer: Uint8Array): Uint8Array {
    const ecdh = createECDH(ECDH_CURVE[this.group]);
    ecdh.setPrivateKey(privateKey);
    return plain(ecdh.computeSecret(peer));
  }
}

/**
 * The native key exchange of `group`, or undefined for a group done only by NobleProvider (the RFC
 * 7919 FFDHE groups).
 */
export function nodeKeyExchange(group: GroupName, random: RandomSource): KeyExchange | undefined {
  if (group === 'x25519' || group === 'x448') return new NodeMontgomeryExchange(group, random);
  if (group === 'secp256r1' || group === 'secp384r1' || group === 'secp521r1')
    return new NodeNistExchange(group, random);
  if (group === 'X25519MLKEM768') {
    return new X25519MlKem768Exchange(random, new NodeMontgomeryExchange('x25519', random, 'X25519MLKEM768'));
  }
  return undefined;
}

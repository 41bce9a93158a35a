/**
 * Key exchange on node:crypto (OpenSSL): X25519 and X448 (RFC 7748, shares as in RFC 8446 §4.2.8.2),
 * ECDHE on P-256/P-384/P-521 with uncompressed points and the x-coordinate as the secret (RFC 8446
 * §4.2.8.2, §7.4.2), and X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem): NobleProvider's hybrid, with
 * noble's ML-KEM-768 (Node 20 has no ML-KEM) and the native X25519 below as its X25519 half.
 *
 * Private keys are drawn from the provider's random source and derived exactly as NobleProvider does
 * (X25519/X448: the raw bytes; NIST: noble's `randomSecretKey` of the same seed), and injected secrets
 * give the same shares, so RFC 8448 traces replay through either provider. Errors match NobleProvider's:
 * a malformed share or an all-zero X25519/X448 result throws CryptoError `invalid-share`.
 * @module
 */
import { createECDH, diffieHellman } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { X25519MlKem768Exchange } from '../crypto/noble.js';
import {
  CryptoError,
  type EcCurveName,
  type GroupName,
  type KeyExchange,
  type KeyShareKeyPair,
  type KeyShareResponse,
  type RandomSource,
} from '../crypto/provider.js';
import { ECDH_CURVE, montgomeryPrivateKey, montgomeryPublicKey, okpRawPublic, plain } from './crypto-keys.js';

function invalidShare(group: GroupName, detail: string): CryptoError {
  return new CryptoError('invalid-share', `${group}: ${detail}`);
}

/** The two Montgomery curves: JWK name, key length, label in messages. */
const MONTGOMERY = {
  x25519: { crv: 'X25519', length: 32, label: 'X25519' },
  x448: { crv: 'X448', length: 56, label: 'X448' },
} as const;
type MontgomeryName = keyof typeof MONTGOMERY;

/** The public key (u-coordinate) of a raw X25519/X448 private key. */
function montgomeryPublic(kind: MontgomeryName, privateKey: Uint8Array): Uint8Array {
  return okpRawPublic(montgomeryPrivateKey(MONTGOMERY[kind].crv, privateKey));
}

/**
 * X25519/X448 (RFC 7748 §5) of a raw private key and a peer's share; the all-zero result (a small-order
 * share) is refused (RFC 8446 §7.4.2, RFC 7748 §6): OpenSSL refuses it itself, and the check below
 * covers any other zero result.
 */
function montgomeryAgree(kind: MontgomeryName, privateKey: Uint8Array, peer: Uint8Array, group: GroupName) {
  const { crv, length, label } = MONTGOMERY[kind];
  if (peer.length !== length) throw invalidShare(group, `${label} share must be ${length} bytes, got ${peer.length}`);
  let shared: Uint8Array;
  try {
    shared = plain(
      diffieHellman({ privateKey: montgomeryPrivateKey(crv, privateKey), publicKey: montgomeryPublicKey(crv, peer) }),
    );
  } catch {
    throw invalidShare(group, `${label} shared secret is all zero`);
  }
  let acc = 0;
  for (let i = 0; i < shared.length; i++) acc |= shared[i]!;
  if (acc === 0) throw invalidShare(group, `${label} shared secret is all zero`);
  return shared;
}

/**
 * X25519 or X448 key exchange: the raw RFC 7748 public keys as shares. Errors name `reportAs`: the
 * group itself, or the hybrid it is the half of.
 */
class NodeMontgomeryExchange implements KeyExchange {
  readonly clientShareLength: number;
  readonly serverShareLength: number;
  constructor(
    readonly group: MontgomeryName & GroupName,
    private readonly random: RandomSource,
    private readonly reportAs: GroupName = group,
  ) {
    this.clientShareLength = MONTGOMERY[group].length;
    this.serverShareLength = this.clientShareLength;
  }
  generate(secret?: Uint8Array): KeyShareKeyPair {
    const { length } = MONTGOMERY[this.group];
    const privateKey = secret ? secret.slice() : this.random(length);
    if (privateKey.length !== length) throw new RangeError(`${this.group}: private key must be ${length} bytes`);
    return { group: this.group, privateKey, share: montgomeryPublic(this.group, privateKey) };
  }
  encapsulate(clientShare: Uint8Array, secret?: Uint8Array): KeyShareResponse {
    const kp = this.generate(secret);
    try {
      return { group: this.group, share: kp.share, sharedSecret: this.decapsulate(kp.privateKey, clientShare) };
    } finally {
      kp.privateKey.fill(0);
    }
  }
  decapsulate(privateKey: Uint8Array, serverShare: Uint8Array): Uint8Array {
    return montgomeryAgree(this.group, privateKey, serverShare, this.reportAs);
  }
}

/** noble's curves, only for the private scalar (validity check, and seed → scalar as NobleProvider). */
const NOBLE_CURVES = { secp256r1: p256, secp384r1: p384, secp521r1: p521 } as const;
const COORD_LENGTH: Readonly<Record<EcCurveName, number>> = { secp256r1: 32, secp384r1: 48, secp521r1: 66 };

/** ECDHE over a NIST curve with OpenSSL's ECDH (`createECDH`), which checks that the peer's point is on the curve. */
class NodeNistExchange implements KeyExchange {
  readonly clientShareLength: number;
  readonly serverShareLength: number;
  constructor(
    readonly group: EcCurveName,
    private readonly random: RandomSource,
  ) {
    this.clientShareLength = 1 + 2 * COORD_LENGTH[group];
    this.serverShareLength = this.clientShareLength;
  }
  generate(secret?: Uint8Array): KeyShareKeyPair {
    const curve = NOBLE_CURVES[this.group];
    let privateKey: Uint8Array;
    if (secret) {
      privateKey = secret.slice();
      if (!curve.utils.isValidSecretKey(privateKey)) throw new RangeError(`${this.group}: invalid private key`);
    } else {
      const seed = this.random(curve.lengths.seed ?? COORD_LENGTH[this.group] + 16);
      privateKey = curve.utils.randomSecretKey(seed);
      seed.fill(0);
    }
    const ecdh = createECDH(ECDH_CURVE[this.group]);
    ecdh.setPrivateKey(privateKey);
    return { group: this.group, privateKey, share: plain(ecdh.getPublicKey()) };
  }
  encapsulate(clientShare: Uint8Array, secret?: Uint8Array): KeyShareResponse {
    const kp = this.generate(secret);
    const sharedSecret = this.decapsulate(kp.privateKey, clientShare);
    kp.privateKey.fill(0);
    return { group: this.group, share: kp.share, sharedSecret };
  }
  decapsulate(privateKey: Uint8Array, peer: Uint8Array): Uint8Array {
    if (peer.length !== this.clientShareLength || peer[0] !== 0x04) {
      throw invalidShare(this.group, 'share must be an uncompressed point (04 ‖ X ‖ Y)');
    }
    const ecdh = createECDH(ECDH_CURVE[this.group]);
    ecdh.setPrivateKey(privateKey);
    try {
      return plain(ecdh.computeSecret(peer));
    } catch {
      throw invalidShare(this.group, 'share is not a point on the curve');
    }
  }
}

/**
 * The native key exchange of `group`, or undefined for a group done only by NobleProvider (the RFC
 * 7919 FFDHE groups).
 */
export function nodeKeyExchange(group: GroupName, random: RandomSource): KeyExchange | undefined {
  const name: string = group;
  if (name === 'x25519' || name === 'x448')
    return new NodeMontgomeryExchange(group as MontgomeryName & GroupName, random);
  if (group === 'secp256r1' || group === 'secp384r1' || group === 'secp521r1')
    return new NodeNistExchange(group, random);
  if (group === 'X25519MLKEM768') {
    return new X25519MlKem768Exchange(random, new NodeMontgomeryExchange('x25519', random, 'X25519MLKEM768'));
  }
  return undefined;
}

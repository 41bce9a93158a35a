/**
 * NobleProvider against a real peer (node:crypto / OpenSSL): every signature scheme both ways,
 * ECDHE on the NIST curves, X25519MLKEM768 (round trip, sizes, component order), and RSAES-PKCS1-v1_5
 * encryption including the RFC 5246 §7.4.7.1 premaster handling.
 */
import {
  constants,
  createECDH,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import type {
  EcCurveName,
  GroupName,
  PrivateKey,
  PublicKey,
  RsaPrivateKey,
  SignatureSchemeName,
} from '../../src/crypto/provider.js';
import { CryptoError, groupName, signatureSchemeName } from '../../src/crypto/provider.js';

const p = new NobleProvider();
const b64 = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? '', 'base64url'));
const big = (s: string | undefined) => BigInt(`0x${Buffer.from(s ?? '', 'base64url').toString('hex') || '0'}`);

const NODE_CURVE: Record<EcCurveName, string> = { secp256r1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const OPENSSL_CURVE: Record<EcCurveName, string> = {
  secp256r1: 'prime256v1',
  secp384r1: 'secp384r1',
  secp521r1: 'secp521r1',
};

interface KeyPair {
  priv: PrivateKey;
  pub: PublicKey;
  nodePriv: KeyObject;
  nodePub: KeyObject;
}

function ecKeys(curve: EcCurveName): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: NODE_CURVE[curve] });
  const jwk = privateKey.export({ format: 'jwk' });
  const point = new Uint8Array([4, ...b64(jwk.x), ...b64(jwk.y)]);
  return {
    priv: { type: 'ec', curve, d: b64(jwk.d) },
    pub: { type: 'ec', curve, point },
    nodePriv: privateKey,
    nodePub: publicKey,
  };
}

let rsaCache: { privateKey: KeyObject; publicKey: KeyObject } | undefined;
function rsaKeys(pss: boolean): KeyPair {
  rsaCache ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  const j = rsaCache.privateKey.export({ format: 'jwk' });
  const priv: RsaPrivateKey = {
    type: 'rsa',
    n: big(j.n),
    e: big(j.e),
    d: big(j.d),
    p: big(j.p),
    q: big(j.q),
    dp: big(j.dp),
    dq: big(j.dq),
    qi: big(j.qi),
    pss,
  };
  return {
    priv,
    pub: { type: 'rsa', n: priv.n, e: priv.e, pss },
    nodePriv: rsaCache.privateKey,
    nodePub: rsaCache.publicKey,
  };
}

function ed25519Keys(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const j = privateKey.export({ format: 'jwk' });
  return {
    priv: { type: 'ed25519', seed: b64(j.d) },
    pub: { type: 'ed25519', key: b64(j.x) },
    nodePriv: privateKey,
    nodePub: publicKey,
  };
}

/** How node:crypto signs and verifies each scheme. */
const SCHEMES: Record<SignatureSchemeName, { keys: () => KeyPair; hash: string | null; pss?: boolean }> = {
  ecdsa_secp256r1_sha256: { keys: () => ecKeys('secp256r1'), hash: 'sha256' },
  ecdsa_secp384r1_sha384: { keys: () => ecKeys('secp384r1'), hash: 'sha384' },
  ecdsa_secp521r1_sha512: { keys: () => ecKeys('secp521r1'), hash: 'sha512' },
  rsa_pss_rsae_sha256: { keys: () => rsaKeys(false), hash: 'sha256', pss: true },
  rsa_pss_rsae_sha384: { keys: () => rsaKeys(false), hash: 'sha384', pss: true },
  rsa_pss_rsae_sha512: { keys: () => rsaKeys(false), hash: 'sha512', pss: true },
  rsa_pss_pss_sha256: { keys: () => rsaKeys(true), hash: 'sha256', pss: true },
  rsa_pss_pss_sha384: { keys: () => rsaKeys(true), hash: 'sha384', pss: true },
  rsa_pss_pss_sha512: { keys: () => rsaKeys(true), hash: 'sha512', pss: true },
  ed25519: { keys: ed25519Keys, hash: null },
  rsa_pkcs1_sha256: { keys: () => rsaKeys(false), hash: 'sha256' },
  rsa_pkcs1_sha384: { keys: () => rsaKeys(false), hash: 'sha384' },
  rsa_pkcs1_sha512: { keys: () => rsaKeys(false), hash: 'sha512' },
};

const message = new TextEncoder().encode(`${' '.repeat(64)}TLS 1.3, server CertificateVerify\0${'x'.repeat(32)}`);

describe('signatures, cross-checked with node:crypto', () => {
  for (const [scheme, spec] of Object.entries(SCHEMES) as [
    SignatureSchemeName,
    (typeof SCHEMES)[SignatureSchemeName],
  ][]) {
    it(`${scheme}: ours verifies in node, node's verifies in ours`, () => {
      const k = spec.keys();
      const opts = spec.pss
        ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
        : {};
      const ours = p.sign(scheme, k.priv, message);
      expect(nodeVerify(spec.hash, message, { key: k.nodePub, ...opts }, ours)).toBe(true);
      const theirs = nodeSign(spec.hash, message, { key: k.nodePriv, ...opts });
      expect(p.verify(scheme, k.pub, message, new Uint8Array(theirs))).toBe(true);
      const tampered = new Uint8Array(theirs);
      tampered[tampered.length - 1]! ^= 1;
      expect(p.verify(scheme, k.pub, message, tampered)).toBe(false);
      expect(p.verify(scheme, k.pub, message.subarray(1), new Uint8Array(theirs))).toBe(false);
    });
  }

  it('ECDSA signatures are DER (SEQUENCE of two INTEGERs) and replay with injected entropy', () => {
    const k = ecKeys('secp256r1');
    const entropy = new Uint8Array(32).fill(9);
    const a = p.sign('ecdsa_secp256r1_sha256', k.priv, message, { entropy });
    const b = p.sign('ecdsa_secp256r1_sha256', k.priv, message, { entropy });
    expect(toHex(a)).toBe(toHex(b));
    expect(a[0]).toBe(0x30);
    expect(a[1]).toBe(a.length - 2);
    // A different entropy gives a different (valid) signature.
    const c = p.sign('ecdsa_secp256r1_sha256', k.priv, message, { entropy: new Uint8Array(32) });
    expect(toHex(c)).not.toBe(toHex(a));
    expect(nodeVerify('sha256', message, k.nodePub, c)).toBe(true);
  });

  it('RSA-PSS with an injected salt is deterministic; a salt of the wrong length is refused', () => {
    const k = rsaKeys(false);
    const salt = new Uint8Array(32).fill(0x5a);
    expect(toHex(p.sign('rsa_pss_rsae_sha256', k.priv, message, { salt }))).toBe(
      toHex(p.sign('rsa_pss_rsae_sha256', k.priv, message, { salt })),
    );
    expect(() => p.sign('rsa_pss_rsae_sha256', k.priv, message, { salt: new Uint8Array(20) })).toThrow(RangeError);
  });

  it('refuses keys that do not fit the scheme', () => {
    const ec = ecKeys('secp384r1');
    const bad = (f: () => unknown) =>
      expect(f).toThrow(expect.objectContaining({ name: 'CryptoError', reason: 'invalid-key' }));
    bad(() => p.sign('ecdsa_secp256r1_sha256', ec.priv, message));
    bad(() => p.sign('rsa_pss_pss_sha256', rsaKeys(false).priv, message));
    bad(() => p.sign('rsa_pss_rsae_sha256', rsaKeys(true).priv, message));
    bad(() => p.sign('ed25519', ec.priv, message));
    expect(p.verify('ecdsa_secp256r1_sha256', ec.pub, message, new Uint8Array(8))).toBe(false);
  });
});

describe('ECDHE on the NIST curves, cross-checked with node:crypto', () => {
  for (const curve of ['secp256r1', 'secp384r1', 'secp521r1'] as const) {
    it(`${curve}: uncompressed shares, x-coordinate shared secret (RFC 8446 §4.2.8.2, §7.4.2)`, () => {
      const kx = p.keyExchange(curve);
      const client = kx.generate();
      expect(client.share.length).toBe(kx.clientShareLength);
      expect(client.share[0]).toBe(4);
      const node = createECDH(OPENSSL_CURVE[curve]);
      node.setPrivateKey(Buffer.from(client.privateKey));
      expect(toHex(node.getPublicKey())).toBe(toHex(client.share));
      const peer = createECDH(OPENSSL_CURVE[curve]);
      peer.generateKeys();
      const ours = kx.decapsulate(client.privateKey, new Uint8Array(peer.getPublicKey()));
      expect(toHex(ours)).toBe(peer.computeSecret(Buffer.from(client.share)).toString('hex'));
      const server = kx.encapsulate(new Uint8Array(peer.getPublicKey()));
      expect(toHex(server.sharedSecret)).toBe(peer.computeSecret(Buffer.from(server.share)).toString('hex'));
    });

    it(`${curve}: rejects compressed points, wrong lengths and points off the curve`, () => {
      const kx = p.keyExchange(curve);
      const { privateKey, share } = kx.generate();
      const compressed = new Uint8Array([
        2 + (share[share.length - 1]! & 1),
        ...share.subarray(1, 1 + (share.length - 1) / 2),
      ]);
      const offCurve = share.slice();
      offCurve[offCurve.length - 1]! ^= 1;
      for (const bad of [compressed, share.subarray(0, share.length - 1), offCurve]) {
        expect(() => kx.decapsulate(privateKey, bad)).toThrow(
          expect.objectContaining({ name: 'CryptoError', reason: 'invalid-share' }),
        );
      }
    });
  }
});

describe('X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem)', () => {
  const kx = p.keyExchange('X25519MLKEM768');
  const secret = Uint8Array.from({ length: 96 }, (_, i) => i);
  const serverSecret = Uint8Array.from({ length: 64 }, (_, i) => 200 - i);

  it('round trip between client and server with exact sizes', () => {
    const client = kx.generate();
    expect(client.share.length).toBe(1184 + 32);
    expect(client.privateKey.length).toBe(2400 + 32);
    const server = kx.encapsulate(client.share);
    expect(server.share.length).toBe(1088 + 32);
    expect(server.sharedSecret.length).toBe(64);
    expect(toHex(kx.decapsulate(client.privateKey, server.share))).toBe(toHex(server.sharedSecret));
  });

  it('puts ML-KEM first and X25519 second in shares and secret (X25519 part checked with node:crypto)', () => {
    const client = kx.generate(secret);
    const server = kx.encapsulate(client.share, serverSecret);
    // ML-KEM-768 part: the encapsulation key of the seed, and its decapsulation.
    const mlkem = ml_kem768.keygen(secret.subarray(0, 64));
    expect(toHex(client.share.subarray(0, 1184))).toBe(toHex(mlkem.publicKey));
    expect(toHex(server.sharedSecret.subarray(0, 32))).toBe(
      toHex(ml_kem768.decapsulate(server.share.subarray(0, 1088), mlkem.secretKey)),
    );
    // X25519 part, computed by node:crypto from the injected private keys.
    const x25519Key = (d: Uint8Array) =>
      createPrivateKey({
        key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(d).toString('base64url'), x: '' },
        format: 'jwk',
      });
    const clientX = x25519Key(secret.subarray(64));
    const serverX = x25519Key(serverSecret.subarray(32));
    const rawPub = (k: KeyObject) => b64(createPublicKey(k).export({ format: 'jwk' }).x);
    expect(toHex(client.share.subarray(1184))).toBe(toHex(rawPub(clientX)));
    expect(toHex(server.share.subarray(1088))).toBe(toHex(rawPub(serverX)));
    const xShared = diffieHellman({ privateKey: clientX, publicKey: createPublicKey(serverX) });
    expect(toHex(server.sharedSecret.subarray(32))).toBe(xShared.toString('hex'));
  });

  it('replays exactly with injected randomness', () => {
    const a = kx.encapsulate(kx.generate(secret).share, serverSecret);
    const b = kx.encapsulate(kx.generate(secret).share, serverSecret);
    expect(toHex(a.share)).toBe(toHex(b.share));
    expect(toHex(a.sharedSecret)).toBe(toHex(b.sharedSecret));
  });

  it('rejects shares of the wrong size', () => {
    const client = kx.generate(secret);
    expect(() => kx.encapsulate(client.share.subarray(1))).toThrow(CryptoError);
    expect(() => kx.decapsulate(client.privateKey, new Uint8Array(1088 + 31))).toThrow(CryptoError);
  });
});

describe('key exchange API', () => {
  it('knows exactly the eleven groups', () => {
    const groups: GroupName[] = [
      'x25519',
      'secp256r1',
      'secp384r1',
      'secp521r1',
      'x448',
      'ffdhe2048',
      'ffdhe3072',
      'ffdhe4096',
      'ffdhe6144',
      'ffdhe8192',
      'X25519MLKEM768',
    ];
    for (const g of groups) expect(p.keyExchange(g).group).toBe(g);
    expect(() => p.keyExchange('brainpoolP256r1' as GroupName)).toThrow(CryptoError);
  });

  it('maps IANA code points to supported names (RFC 8446 §4.2.7, §4.2.3; 0x11EC)', () => {
    expect(groupName(29)).toBe('x25519');
    expect(groupName(23)).toBe('secp256r1');
    expect(groupName(0x11ec)).toBe('X25519MLKEM768');
    expect(groupName(30)).toBe('x448');
    expect(groupName(0x0100)).toBe('ffdhe2048');
    expect(groupName(0x0104)).toBe('ffdhe8192');
    expect(groupName(0x0105)).toBeUndefined(); // unassigned FFDHE code point
    expect(groupName(26)).toBeUndefined(); // brainpoolP256r1
    expect(signatureSchemeName(0x0804)).toBe('rsa_pss_rsae_sha256');
    expect(signatureSchemeName(0x0809)).toBe('rsa_pss_pss_sha256');
    expect(signatureSchemeName(0x0807)).toBe('ed25519');
    expect(signatureSchemeName(0x0603)).toBe('ecdsa_secp521r1_sha512');
    expect(signatureSchemeName(0x0201)).toBeUndefined(); // rsa_pkcs1_sha1
  });
});

describe('RSAES-PKCS1-v1_5 (TLS 1.2 RSA key exchange)', () => {
  const k = rsaKeys(false);
  const priv = k.priv as RsaPrivateKey;
  const premaster = Uint8Array.from({ length: 48 }, (_, i) => (i === 0 ? 3 : i === 1 ? 3 : i));
  const fallback = new Uint8Array(48).fill(0xee);

  it('decrypts what node:crypto encrypts', () => {
    const ct = publicEncrypt({ key: k.nodePub, padding: constants.RSA_PKCS1_PADDING }, premaster);
    const out = p.rsaDecryptPremaster(priv, new Uint8Array(ct), 48, fallback);
    expect(out.ok).toBe(true);
    expect(toHex(out.message)).toBe(toHex(premaster));
  });

  it('encrypts to a valid EM = 00 02 PS 00 M (opened raw by node:crypto)', () => {
    const ct = p.rsaEncrypt({ type: 'rsa', n: priv.n, e: priv.e }, premaster);
    const em = privateDecrypt({ key: k.nodePriv, padding: constants.RSA_NO_PADDING }, ct);
    expect(em.length).toBe(256);
    expect(em[0]).toBe(0);
    expect(em[1]).toBe(2);
    expect(em.subarray(2, 256 - 49).includes(0)).toBe(false);
    expect(em[256 - 49]).toBe(0);
    expect(toHex(em.subarray(256 - 48))).toBe(toHex(premaster));
  });

  it('returns the fallback without throwing for bad padding, wrong length and garbage', () => {
    const raw = (em: Uint8Array) =>
      new Uint8Array(publicEncrypt({ key: k.nodePub, padding: constants.RSA_NO_PADDING }, em));
    const em = new Uint8Array(256).fill(0x11);
    em[0] = 0;
    em[1] = 1; // block type 1 is for signatures
    em[256 - 49] = 0;
    const cases = [
      raw(em),
      new Uint8Array(publicEncrypt({ key: k.nodePub, padding: constants.RSA_PKCS1_PADDING }, premaster.subarray(1))),
      new Uint8Array(255),
      new Uint8Array(256).fill(0xff), // ≥ n
    ];
    const noSeparator = em.slice();
    noSeparator[1] = 2;
    noSeparator[256 - 49] = 0x11;
    cases.push(raw(noSeparator));
    for (const ct of cases) {
      const out = p.rsaDecryptPremaster(priv, ct, 48, fallback);
      expect(out.ok).toBe(false);
      expect(toHex(out.message)).toBe(toHex(fallback));
    }
  });
});

/**
 * Key import against keys and certificates made by OpenSSL (test/pki) and node:crypto: every format
 * parses to the components node:crypto reports (JWK), and a key read from PEM signs what node:crypto
 * verifies with the certificate.
 */
import { generateKeyPairSync, type KeyObject, verify as nodeVerify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import type { PrivateKey, PublicKey, SignatureSchemeName } from '../../src/crypto/provider.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { parsePrivateKey, parsePublicKeyInfo } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';

const p = new NobleProvider();
const pki = (f: string) => readFileSync(new URL(`../pki/out/${f}`, import.meta.url), 'utf8');
const b64 = (s: string | undefined) => toHex(new Uint8Array(Buffer.from(s ?? '', 'base64url')));
const big = (s: string | undefined) => BigInt(`0x${b64(s) || '0'}`);

/** A public key from a PEM certificate, a PEM SubjectPublicKeyInfo, or SPKI DER. */
function parsePublicKey(input: string | Uint8Array): PublicKey {
  const info = (der: Uint8Array) => parsePublicKeyInfo(der).key;
  const key =
    typeof input !== 'string'
      ? info(input)
      : ((block) => (block.label === 'CERTIFICATE' ? parseCertificate(block.der).publicKey.key : info(block.der)))(
          decodePem(input)[0]!,
        );
  if (!key) throw new Error('unsupported key algorithm');
  return key;
}

/** The public key as node:crypto sees it, in our representation's terms. */
function expectPublic(ours: PublicKey, node: KeyObject): void {
  const j = node.export({ format: 'jwk' });
  if (ours.type === 'rsa') {
    expect([ours.n, ours.e]).toEqual([big(j.n), big(j.e)]);
  } else if (ours.type === 'ec') {
    expect(toHex(ours.point)).toBe(`04${b64(j.x)}${b64(j.y)}`);
    expect(ours.curve).toBe({ 'P-256': 'secp256r1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' }[j.crv ?? '']);
  } else {
    expect(toHex(ours.key)).toBe(b64(j.x));
  }
}

function expectPrivate(ours: PrivateKey, node: KeyObject): void {
  const j = node.export({ format: 'jwk' });
  if (ours.type === 'rsa') {
    expect([ours.n, ours.e, ours.d, ours.p, ours.q, ours.dp, ours.dq, ours.qi]).toEqual(
      [j.n, j.e, j.d, j.p, j.q, j.dp, j.dq, j.qi].map(big),
    );
  } else if (ours.type === 'ec') {
    expect(toHex(ours.d)).toBe(b64(j.d));
  } else {
    expect(toHex(ours.seed)).toBe(b64(j.d));
  }
}

describe('test PKI certificates and keys (OpenSSL)', () => {
  const cases: [string, SignatureSchemeName][] = [
    ['server-rsa', 'rsa_pss_rsae_sha256'],
    ['server-ecdsa', 'ecdsa_secp256r1_sha256'],
    ['server-ed25519', 'ed25519'],
  ];
  for (const [name, scheme] of cases) {
    it(`${name}: certificate public key and PEM private key; a signature verifies with the certificate`, () => {
      const certPem = pki(`${name}.crt`);
      const x509 = new X509Certificate(certPem);
      const pub = parsePublicKey(certPem);
      expectPublic(pub, x509.publicKey);
      expect(toHex(p.hash('sha256', decodePem(certPem)[0]!.der))).toBe(
        x509.fingerprint256.replace(/:/g, '').toLowerCase(),
      );
      const priv = parsePrivateKey(pki(`${name}.key`));
      const msg = new TextEncoder().encode('tlswire keys');
      const sig = p.sign(scheme, priv, msg);
      expect(p.verify(scheme, pub, msg, sig)).toBe(true);
      const hash = scheme === 'ed25519' ? null : 'sha256';
      const pss = scheme.startsWith('rsa_pss') ? { padding: 6, saltLength: 32 } : {};
      expect(nodeVerify(hash, msg, { key: x509.publicKey, ...pss }, sig)).toBe(true);
    });
  }
});

describe('formats produced by node:crypto', () => {
  it('RSA: SPKI, PKCS#8, PKCS#1 private, PEM and DER', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expectPublic(parsePublicKey(publicKey.export({ format: 'pem', type: 'spki' }) as string), publicKey);
    expectPublic(parsePublicKey(new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }))), publicKey);
    for (const type of ['pkcs8', 'pkcs1'] as const) {
      expectPrivate(parsePrivateKey(privateKey.export({ format: 'pem', type }) as string), privateKey);
      expectPrivate(parsePrivateKey(new Uint8Array(privateKey.export({ format: 'der', type }))), privateKey);
    }
  });

  it('RSA-PSS keys are marked pss (id-RSASSA-PSS)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa-pss', { modulusLength: 1024 });
    const pub = parsePublicKey(publicKey.export({ format: 'pem', type: 'spki' }) as string);
    const priv = parsePrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    expect(pub).toMatchObject({ type: 'rsa', pss: true });
    expect(priv).toMatchObject({ type: 'rsa', pss: true });
    const msg = Uint8Array.of(1, 2, 3);
    const sig = p.sign('rsa_pss_pss_sha256', priv, msg);
    expect(nodeVerify('sha256', msg, { key: publicKey, padding: 6, saltLength: 32 }, sig)).toBe(true);
  });

  for (const curve of ['P-256', 'P-384', 'P-521']) {
    it(`EC ${curve}: SPKI (uncompressed and compressed points), PKCS#8, SEC 1`, () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
      expectPublic(parsePublicKey(publicKey.export({ format: 'pem', type: 'spki' }) as string), publicKey);
      for (const type of ['pkcs8', 'sec1'] as const) {
        expectPrivate(parsePrivateKey(privateKey.export({ format: 'pem', type }) as string), privateKey);
        expectPrivate(parsePrivateKey(new Uint8Array(privateKey.export({ format: 'der', type }))), privateKey);
      }
      // The same key with a compressed point (SEC 1 §2.3.3) comes out uncompressed.
      const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
      const jwk = publicKey.export({ format: 'jwk' });
      const x = Buffer.from(jwk.x ?? '', 'base64url');
      const y = Buffer.from(jwk.y ?? '', 'base64url');
      const compressedPoint = Buffer.concat([Buffer.of(2 + (y[y.length - 1]! & 1)), x]);
      const der = rebuildSpki(spki, compressedPoint);
      expectPublic(parsePublicKey(der), publicKey);
    });
  }

  it('Ed25519: SPKI and PKCS#8', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    expectPublic(parsePublicKey(publicKey.export({ format: 'pem', type: 'spki' }) as string), publicKey);
    expectPrivate(parsePrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }) as string), privateKey);
  });

  it('refuses garbage, mismatched PEM labels and unsupported algorithms', () => {
    const bad = (f: () => unknown, name: string) => expect(f).toThrow(expect.objectContaining({ name }));
    bad(() => parsePrivateKey('no pem here'), 'KeyError');
    bad(() => parsePrivateKey(Uint8Array.of(0x30, 0x03, 0x02, 0x01)), 'KeyError');
    bad(() => decodePem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----'), 'PemError');
    const { publicKey } = generateKeyPairSync('x448');
    // An algorithm tlswire cannot use (X448) is described, with no key.
    const x448 = parsePublicKeyInfo(decodePem(publicKey.export({ format: 'pem', type: 'spki' }) as string)[0]!.der);
    expect(x448.key).toBeUndefined();
    expect(x448.algorithm).toBe('1.3.101.111');
  });
});

/** Re-encode an EC SubjectPublicKeyInfo with another point (the compressed forms fit short-form DER lengths). */
function rebuildSpki(spki: Uint8Array, point: Uint8Array): Uint8Array {
  // SEQUENCE { AlgorithmIdentifier, BIT STRING }: take the AlgorithmIdentifier TLV as is.
  const outerHeader = spki[1]! & 0x80 ? 2 + (spki[1]! & 0x7f) : 2;
  const algLen = 2 + spki[outerHeader + 1]!;
  const alg = spki.subarray(outerHeader, outerHeader + algLen);
  const bitString = Uint8Array.of(0x03, point.length + 1, 0x00, ...point);
  const body = Uint8Array.of(...alg, ...bitString);
  return Uint8Array.of(0x30, body.length, ...body);
}

/**
 * Crypto benchmarks: TLS 1.3 record sealing of full 16 KiB records per cipher suite (MB/s = ops/s ×
 * 16384 / 1e6, printed as a note), key exchange (keygen + derive), and signatures (ECDSA P-256, Ed25519, RSA-2048 PSS).
 * RSA keys come from node:crypto (benchmarks may use Node); everything measured is NobleProvider.
 */
import { generateKeyPairSync } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Bench } from 'tinybench';
import { TLS13_CIPHER_SUITES } from '../src/crypto/key-schedule.js';
import { NobleProvider } from '../src/crypto/noble.js';
import { HASH_LENGTH, type RsaPrivateKey } from '../src/crypto/provider.js';
import { RecordSealer } from '../src/crypto/record-protection.js';
import { ContentType } from '../src/tls/enums.js';

const RECORD = 16384;

export function register(bench: Bench): string[] {
  const p = new NobleProvider();
  const notes: string[] = [];
  const sealTasks: string[] = [];

  const record = new Uint8Array(RECORD).fill(0x61);
  for (const suite of TLS13_CIPHER_SUITES) {
    const sealer = RecordSealer.fromSecret(p, suite, new Uint8Array(HASH_LENGTH[suite.hash]).fill(1));
    const name = `seal 16 KiB record ${suite.name}`;
    sealTasks.push(name);
    bench.add(name, () => {
      sealer.seal(ContentType.application_data, record);
    });
  }

  const x = p.keyExchange('x25519');
  const xPeer = x.generate().share;
  bench.add('x25519 keygen + derive', () => {
    const kp = x.generate();
    x.decapsulate(kp.privateKey, xPeer);
  });
  const p256 = p.keyExchange('secp256r1');
  const pPeer = p256.generate().share;
  bench.add('secp256r1 keygen + derive', () => {
    const kp = p256.generate();
    p256.decapsulate(kp.privateKey, pPeer);
  });
  const hybrid = p.keyExchange('X25519MLKEM768');
  const hybridClient = hybrid.generate();
  bench.add('X25519MLKEM768 server encapsulate', () => {
    hybrid.encapsulate(hybridClient.share);
  });

  const msg = new Uint8Array(130).fill(0x20);
  const ecKey = p256.generate();
  const ecPriv = { type: 'ec', curve: 'secp256r1', d: ecKey.privateKey } as const;
  const ecPub = { type: 'ec', curve: 'secp256r1', point: ecKey.share } as const;
  const ecSig = p.sign('ecdsa_secp256r1_sha256', ecPriv, msg);
  bench.add('ecdsa_secp256r1_sha256 sign', () => {
    p.sign('ecdsa_secp256r1_sha256', ecPriv, msg);
  });
  bench.add('ecdsa_secp256r1_sha256 verify', () => {
    p.verify('ecdsa_secp256r1_sha256', ecPub, msg, ecSig);
  });

  const edPriv = { type: 'ed25519', seed: new Uint8Array(32).fill(3) } as const;
  const edSig = p.sign('ed25519', edPriv, msg);
  const edPub = { type: 'ed25519', key: ed25519.getPublicKey(edPriv.seed) } as const;
  bench.add('ed25519 sign', () => {
    p.sign('ed25519', edPriv, msg);
  });
  bench.add('ed25519 verify', () => {
    p.verify('ed25519', edPub, msg, edSig);
  });

  const rsa = rsaKey();
  const rsaSig = p.sign('rsa_pss_rsae_sha256', rsa, msg);
  bench.add('rsa_pss_rsae_sha256 2048 sign', () => {
    p.sign('rsa_pss_rsae_sha256', rsa, msg);
  });
  bench.add('rsa_pss_rsae_sha256 2048 verify', () => {
    p.verify('rsa_pss_rsae_sha256', { type: 'rsa', n: rsa.n, e: rsa.e }, msg, rsaSig);
  });

  notes.push(`crypto: ${sealTasks.length} seal tasks process ${RECORD} bytes per op: MB/s = ops/s × ${RECORD} / 1e6`);
  return notes;
}

function rsaKey(): RsaPrivateKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const j = privateKey.export({ format: 'jwk' });
  const big = (s: string | undefined) => BigInt(`0x${Buffer.from(s ?? '', 'base64url').toString('hex')}`);
  return {
    type: 'rsa',
    n: big(j.n),
    e: big(j.e),
    d: big(j.d),
    p: big(j.p),
    q: big(j.q),
    dp: big(j.dp),
    dq: big(j.dq),
    qi: big(j.qi),
  };
}

/**
 * TLS 1.3 handshakes and bulk data through tlswire's connections, each beside its floor: the same
 * cryptographic operations done bare through the provider, so the difference is protocol overhead
 * (message encoding and decoding, transcript, state machine, record layer). The target:
 * overhead ≤ 10% over the floor.
 *
 * - full handshake, client and server in one process, in memory: x25519, ECDSA P-256 certificate
 *   (test/pki/out/server-ecdsa), TLS_AES_128_GCM_SHA256; the client checks CertificateVerify but not
 *   the chain (a chain check adds two ECDSA verifies, measured separately as "+ chain").
 *   Floor: x25519 generate + encapsulate + decapsulate, one ECDSA P-256 sign and verify, and the
 *   key schedule of both sides (HKDF-Extract ×3, HKDF-Expand-Label for every secret, key, IV and
 *   Finished key, HMAC for both Finished, SHA-256 transcript hashes) and the AEAD seal + open of the
 *   handshake's protected records and of the ticket, done bare.
 * - resumed handshake (psk_dhe_ke with our ticket): the same without signatures, plus the binder.
 * - node:tls full handshakes per second over loopback (OpenSSL, native), for scale.
 * - bulk: 1 MiB as 16 KiB records, sealed by our client and opened by our server, beside bare
 *   AES-128-GCM seal + open of the same 64 records.
 */
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { Bench } from 'tinybench';
import { NobleProvider } from '../src/crypto/noble.js';
import { TlsClient } from '../src/handshake/client.js';
import { leafPublicKey } from '../src/handshake/common.js';
import { TlsServer } from '../src/handshake/server.js';
import { AeadTicketer } from '../src/handshake/ticket.js';
import type { ClientSession } from '../src/handshake/types.js';
import { certificatesFrom, certifiedKey, chainVerifier } from '../src/node/credentials.js';
import { TrustStore } from '../src/x509/verify.js';
import { converse, readPki as read } from './support.js';

const provider = new NobleProvider();
const certificate = certifiedKey(read('server-ecdsa-chain.pem'), read('server-ecdsa.key'));
const roots = new TrustStore(certificatesFrom(read('root-ca.crt')));
const ticketer = new AeadTicketer(provider, provider.random(32));

function handshake(options: { session?: ClientSession; chain?: boolean } = {}): {
  client: TlsClient;
  server: TlsServer;
  sessions: ClientSession[];
} {
  const client = new TlsClient({
    provider,
    serverName: 'localhost',
    session: options.session,
    verifyServer: options.chain
      ? chainVerifier({ roots, purpose: 'serverAuth', rejectUnauthorized: true, provider })
      : () => undefined,
  });
  const server = new TlsServer({ provider, certificate, ticketer, ticketCount: options.session ? 0 : 1 });
  const sessions = converse(client, server, client.start());
  if (!client.isEstablished || !server.isEstablished) throw new Error('bench: handshake did not complete');
  return { client, server, sessions };
}

const session = handshake().sessions[0]!;
const x25519 = provider.keyExchange('x25519');
const content = new Uint8Array(130).fill(0x20);
/** The leaf's public key, as the client reads it from the Certificate message. */
const leafKey = leafPublicKey(certificate.chain[0]!);

const transcript = new Uint8Array(2048).map((_, i) => i & 0xff);
const label = new Uint8Array(40).fill(7);

/** One side's TLS 1.3 key schedule, bare: what each role derives in a full handshake. */
function keySchedule(shared: Uint8Array | undefined): void {
  const zeros = new Uint8Array(32);
  const early = provider.hkdfExtract('sha256', new Uint8Array(0), zeros);
  const derived1 = provider.hkdfExpand('sha256', early, label, 32);
  const hs = provider.hkdfExtract('sha256', derived1, shared ?? zeros);
  // Transcript hashes: ClientHello..ServerHello, ..CertificateVerify, ..server Finished, ..client Finished,
  // plus the hash of the empty string for "derived" (2 of them).
  for (let i = 0; i < 6; i++) provider.hash('sha256', transcript.subarray(0, 300 + i * 300));
  // c/s hs traffic, derived, c/s ap traffic, exporter, resumption: 7 Derive-Secret.
  for (let i = 0; i < 7; i++) provider.hkdfExpand('sha256', hs, label, 32);
  const master = provider.hkdfExtract('sha256', derived1, zeros);
  // Keys and IVs for handshake and application, both directions (8), Finished keys (2).
  for (let i = 0; i < 10; i++) provider.hkdfExpand('sha256', master, label, i % 2 ? 12 : 16);
  provider.hmac('sha256', master, transcript.subarray(0, 32));
  provider.hmac('sha256', master, transcript.subarray(0, 32));
}

const RECORD = 16384;
const plaintext = new Uint8Array(RECORD).map((_, i) => (i * 31) & 0xff);
const aeadKey = provider.random(16);
const aad = new Uint8Array(5);

/** Seal and open one record of `size` bytes, as the handshake's protected records are. */
function recordAead(size: number, aead: 'aes-128-gcm' | 'aes-256-gcm' = 'aes-128-gcm'): void {
  const key = aead === 'aes-128-gcm' ? aeadKey : ticketKey;
  const sealed = provider.aeadSeal(aead, key, nonce12, plaintext.subarray(0, size), aad);
  if (!provider.aeadOpen(aead, key, nonce12, sealed, aad)) throw new Error('bench: open failed');
}
const nonce12 = new Uint8Array(12);
const ticketKey = provider.random(32);

const MiB = 1 << 20;

export async function register(bench: Bench): Promise<string[]> {
  // node:tls: server and client in this process, over 127.0.0.1.
  const server = tls.createServer(
    { cert: read('server-ecdsa-chain.pem'), key: read('server-ecdsa.key'), minVersion: 'TLSv1.3' },
    (s) => s.end(),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  server.unref();
  const ca = read('root-ca.crt');

  const bulk = handshake();
  bench
    .add('handshake: full TLS 1.3, our client + our server in memory (x25519, ECDSA P-256)', () => {
      handshake();
    })
    .add('handshake: full + chain validation (2 more ECDSA verifies, certificate parsing)', () => {
      handshake({ chain: true });
    })
    .add('handshake floor: x25519 ×3 ops, ECDSA sign + verify, both key schedules, record AEADs (bare)', () => {
      const pair = x25519.generate();
      const answer = x25519.encapsulate(pair.share);
      x25519.decapsulate(pair.privateKey, answer.share);
      provider.verify(
        'ecdsa_secp256r1_sha256',
        leafKey,
        content,
        provider.sign('ecdsa_secp256r1_sha256', certificate.key, content),
      );
      keySchedule(answer.sharedSecret);
      keySchedule(answer.sharedSecret);
      // Protected records: EncryptedExtensions…Finished, the client Finished, a NewSessionTicket (its
      // ticket sealed with AES-256-GCM by the server).
      recordAead(1100);
      recordAead(53);
      recordAead(160);
      recordAead(100, 'aes-256-gcm');
    })
    .add('handshake: resumed TLS 1.3 (psk_dhe_ke, our ticket), in memory', () => {
      handshake({ session });
    })
    .add('handshake floor: resumed (x25519 ×3 ops, binder, key schedules, record + ticket AEADs, bare)', () => {
      const pair = x25519.generate();
      const answer = x25519.encapsulate(pair.share);
      x25519.decapsulate(pair.privateKey, answer.share);
      // The binder: binder_key derivation, finished key, HMAC (computed by the client, checked by the server).
      for (let i = 0; i < 2; i++) {
        const early = provider.hkdfExtract('sha256', new Uint8Array(0), session.psk);
        provider.hmac('sha256', provider.hkdfExpand('sha256', early, label, 32), transcript.subarray(0, 32));
      }
      keySchedule(answer.sharedSecret);
      keySchedule(answer.sharedSecret);
      // Protected records: EncryptedExtensions + Finished, the client Finished; the ticket opened.
      recordAead(60);
      recordAead(53);
      recordAead(100, 'aes-256-gcm');
    })
    .add('handshake: node:tls client + server over loopback (OpenSSL)', async () => {
      await new Promise<void>((resolve, reject) => {
        const c = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: 'TLSv1.3' });
        c.once('secureConnect', () => {
          c.destroy();
          resolve();
        });
        c.once('error', reject);
      });
    })
    .add('bulk: 1 MiB in 16 KiB records, our client seals + our server opens', () => {
      let got = 0;
      for (let at = 0; at < MiB; at += RECORD) {
        for (const e of bulk.client.write(plaintext)) {
          if (e.kind !== 'send') continue;
          for (const d of bulk.server.handle(e.bytes)) if (d.kind === 'data') got += d.bytes.length;
        }
      }
      if (got !== MiB) throw new Error(`bench: ${got} bytes arrived`);
    })
    .add('bulk floor: 1 MiB as 64 bare AES-128-GCM seal + open of 16 KiB', () => {
      const nonce = new Uint8Array(12);
      for (let i = 0; i < MiB / RECORD; i++) {
        nonce[11] = i;
        const sealed = provider.aeadSeal('aes-128-gcm', aeadKey, nonce, plaintext, aad);
        if (!provider.aeadOpen('aes-128-gcm', aeadKey, nonce, sealed, aad)) throw new Error('bench: open failed');
      }
    });
  return [
    'handshake: overhead = floor time / handshake time − 1 (compare the mean µs columns); bulk: MB/s = ops/s × 1.048576',
  ];
}

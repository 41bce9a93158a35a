/**
 * TLS 1.3 handshakes and bulk data through tlswire's connections, each beside its floor: the same
 * cryptographic operations done bare through the provider, so the difference is protocol overhead
 * (message encoding and decoding, transcript, state machine, record layer). The target:
 * overhead ≤ 10% over the floor.
 *
 * - full handshake, client and server in one process, in memory: x25519, ECDSA P-256 certificate
 *   (test/pki/out/server-ecdsa), TLS_AES_128_GCM_SHA256; the client checks CertificateVerify but not
 *   the chain (a chain check adds two ECDSA verifies, measured separately as "+ chain").
 * - resumed handshake (psk_dhe_ke with our ticket): the same without signatures, plus the binder.
 * - The floor of each is not a model of the handshake's crypto but the handshake's own: every call one
 *   handshake makes to the provider and to the hash, AEAD and key-exchange objects it hands out (x25519
 *   generate/encapsulate/decapsulate, ECDSA sign and verify, HKDF, HMAC, transcript hashes, AEAD key
 *   setup, seal and open, random), recorded once with copies of their inputs and replayed bare
 *   (`recordCrypto` in bench/support.ts).
 * - The same two handshakes and the bulk transfer over NullCryptoProvider (bench/support.ts:
 *   primitives that cost next to nothing): the protocol code's own time, as a share of the floor.
 * - node:tls full handshakes per second over loopback (OpenSSL, native), for scale.
 * - bulk: 1 MiB as 16 KiB records, sealed by our client and opened by our server, beside bare
 *   AES-128-GCM seal + open of the same 64 records through one keyed context (raw AEAD speed).
 */
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { Bench } from 'tinybench';
import { NobleProvider } from '../src/crypto/noble.js';
import { aeadContext, type CryptoProvider } from '../src/crypto/provider.js';
import { TlsClient } from '../src/handshake/client.js';
import { TlsServer } from '../src/handshake/server.js';
import { AeadTicketer } from '../src/handshake/ticket.js';
import type { ClientSession } from '../src/handshake/types.js';
import { certificatesFrom, certifiedKey, chainVerifier } from '../src/node/credentials.js';
import { TrustStore } from '../src/x509/verify.js';
import {
  converse,
  NullCryptoProvider,
  overheadNote,
  protocolShareNote,
  readPki as read,
  recordCrypto,
} from './support.js';

const provider = new NobleProvider();
const certificate = certifiedKey(read('server-ecdsa-chain.pem'), read('server-ecdsa.key'));
const roots = new TrustStore(certificatesFrom(read('root-ca.crt')));
const ticketKey = provider.random(32);
const ticketer = new AeadTicketer(provider, ticketKey);

function handshake(
  options: { session?: ClientSession; chain?: boolean; provider?: CryptoProvider; ticketer?: AeadTicketer } = {},
): {
  client: TlsClient;
  server: TlsServer;
  sessions: ClientSession[];
} {
  const p = options.provider ?? provider;
  const client = new TlsClient({
    provider: p,
    serverName: 'localhost',
    session: options.session,
    verifyServer: options.chain
      ? chainVerifier({ roots, purpose: 'serverAuth', rejectUnauthorized: true, provider })
      : () => undefined,
  });
  const server = new TlsServer({
    provider: p,
    certificate,
    ticketer: options.ticketer ?? ticketer,
    ticketCount: options.session ? 0 : 1,
  });
  const sessions = converse(client, server, client.start());
  if (!client.isEstablished || !server.isEstablished) throw new Error('bench: handshake did not complete');
  return { client, server, sessions };
}

const session = handshake().sessions[0]!;
const nullProvider = new NullCryptoProvider();
const nullTicketer = new AeadTicketer(nullProvider, ticketKey);
const nullSession = handshake({ provider: nullProvider, ticketer: nullTicketer }).sessions[0]!;

/**
 * The floor of a handshake: the crypto calls one such handshake makes (recorded through the
 * provider, after a warm-up run), replayed bare.
 */
function floorOf(options: { session?: ClientSession }): () => void {
  handshake(options);
  return recordCrypto(provider, (recording, begin) => {
    const recordingTicketer = new AeadTicketer(recording, ticketKey);
    begin();
    handshake({ ...options, provider: recording, ticketer: recordingTicketer });
  });
}

const RECORD = 16384;
const plaintext = new Uint8Array(RECORD).map((_, i) => (i * 31) & 0xff);
const aeadKey = provider.random(16);
const aad = new Uint8Array(5);

const MiB = 1 << 20;

export const FULL = 'handshake: full TLS 1.3, our client + our server in memory (x25519, ECDSA P-256)';
export const FULL_FLOOR = 'handshake floor: the crypto calls of one full handshake, replayed bare';
export const RESUMED = 'handshake: resumed TLS 1.3 (psk_dhe_ke, our ticket), in memory';
export const RESUMED_FLOOR = 'handshake floor: the crypto calls of one resumed handshake, replayed bare';
const FULL_PROTOCOL = 'handshake protocol only: full TLS 1.3 over NullCryptoProvider (no crypto cost)';
const RESUMED_PROTOCOL = 'handshake protocol only: resumed TLS 1.3 over NullCryptoProvider (no crypto cost)';
export const BULK = 'bulk: 1 MiB in 16 KiB records, our client seals + our server opens';
const BULK_PROTOCOL = 'bulk protocol only: 1 MiB in 16 KiB records over NullCryptoProvider';
export const BULK_FLOOR = 'bulk floor: 1 MiB as 64 AES-128-GCM seal + open of 16 KiB, one keyed context (bare)';

export async function register(bench: Bench): Promise<(string | (() => string))[]> {
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
  const full = () => {
    handshake();
  };
  const fullFloor = floorOf({});
  const resumed = () => {
    handshake({ session });
  };
  const resumedFloor = floorOf({ session });
  const nullBulk = handshake({ provider: nullProvider, ticketer: nullTicketer });
  /** 1 MiB from `pair.client` to `pair.server` in 16 KiB writes. */
  const transfer = (pair: { client: TlsClient; server: TlsServer }) => {
    let got = 0;
    for (let at = 0; at < MiB; at += RECORD) {
      for (const e of pair.client.write(plaintext)) {
        if (e.kind !== 'send') continue;
        for (const d of pair.server.handle(e.bytes)) if (d.kind === 'data') got += d.bytes.length;
      }
    }
    if (got !== MiB) throw new Error(`bench: ${got} bytes arrived`);
  };
  const bulkRun = () => transfer(bulk);
  const bulkAead = aeadContext(provider, 'aes-128-gcm', aeadKey);
  const bulkFloor = () => {
    const nonce = new Uint8Array(12);
    for (let i = 0; i < MiB / RECORD; i++) {
      nonce[11] = i;
      const sealed = bulkAead.seal(nonce, plaintext, aad);
      if (!bulkAead.open(nonce, sealed, aad)) throw new Error('bench: open failed');
    }
  };
  bench
    .add(FULL, full)
    .add('handshake: full + chain validation (2 more ECDSA verifies, certificate parsing)', () => {
      handshake({ chain: true });
    })
    .add(FULL_FLOOR, fullFloor)
    .add(FULL_PROTOCOL, () => {
      handshake({ provider: nullProvider, ticketer: nullTicketer });
    })
    .add(RESUMED, resumed)
    .add(RESUMED_FLOOR, resumedFloor)
    .add(RESUMED_PROTOCOL, () => {
      handshake({ provider: nullProvider, ticketer: nullTicketer, session: nullSession });
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
    .add(BULK, bulkRun)
    .add(BULK_FLOOR, bulkFloor)
    .add(BULK_PROTOCOL, () => transfer(nullBulk));
  return [
    overheadNote(bench, [
      { task: FULL, run: full, floorName: FULL_FLOOR, floor: fullFloor, batch: 5 },
      { task: RESUMED, run: resumed, floorName: RESUMED_FLOOR, floor: resumedFloor, batch: 8 },
      { task: BULK, run: bulkRun, floorName: BULK_FLOOR, floor: bulkFloor, batch: 2 },
    ]),
    protocolShareNote(bench, [
      [FULL_PROTOCOL, FULL_FLOOR],
      [RESUMED_PROTOCOL, RESUMED_FLOOR],
      [BULK_PROTOCOL, BULK_FLOOR],
    ]),
    'bulk: MB/s = ops/s × 1.048576',
  ];
}

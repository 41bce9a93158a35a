/**
 * TLS 1.2 handshakes through tlswire's client and server, in one process, in memory, each beside its
 * floor: the same cryptographic operations done bare through the provider, so the difference is
 * protocol overhead (message encoding and decoding, transcript, state machine, record layer).
 *
 * - full handshake: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 over x25519, ECDSA P-256 certificate
 *   (test/pki/out/server-ecdsa), extended master secret, a session ID stored in the server's cache,
 *   no ticket; the client checks the ServerKeyExchange signature but not the chain.
 *   Floor: x25519 generate + encapsulate + decapsulate, one ECDSA P-256 sign and verify, the
 *   extended master secret and key block on both sides (RFC 7627 §4, RFC 5246 §6.3), four Finished
 *   verify_data (each side computes both), the session hashes, and the AEAD seal + open of both
 *   Finished records, done bare.
 * - resumed handshake by session ID (RFC 5246 §7.3 abbreviated handshake): the crypto it cannot do
 *   without, at its real sizes: both randoms, one key block per side (RFC 5246 §6.3), the transcript
 *   hashes of each side (ClientHello ‖ ServerHello, then ‖ the server's Finished, RFC 5246 §7.4.9),
 *   four Finished verify_data (each side computes both), an AEAD context per direction and side, and
 *   both Finished records sealed and opened.
 */
import type { Bench } from 'tinybench';
import { concat } from '../src/bytes/hex.js';
import { NobleProvider } from '../src/crypto/noble.js';
import {
  tls12CipherSuite,
  tls12ExtendedMasterSecret,
  tls12FinishedVerifyData,
  tls12KeyBlock,
} from '../src/crypto/tls12-key-schedule.js';
import { leafPublicKey } from '../src/handshake/common.js';
import { Tls12Client } from '../src/handshake/tls12/client.js';
import { Tls12Server } from '../src/handshake/tls12/server.js';
import { MemorySessionStore } from '../src/handshake/tls12/session-cache.js';
import type { Tls12ClientSession, Tls12Event } from '../src/handshake/tls12/types.js';
import { certifiedKey } from '../src/node/credentials.js';
import { CipherSuite, NamedGroup } from '../src/tls/enums.js';
import { converse, readPki as read } from './support.js';

const provider = new NobleProvider();
const certificate = certifiedKey(read('server-ecdsa-chain.pem'), read('server-ecdsa.key'));
const SUITE = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
const store = new MemorySessionStore({ maxEntries: 1 << 16 });

/** Our client (resuming `session` when given, no tickets, no chain check) and our server, unstarted. */
function endpoints(session?: Tls12ClientSession): { client: Tls12Client; server: Tls12Server } {
  const client = new Tls12Client({
    provider,
    serverName: 'localhost',
    cipherSuites: [SUITE],
    groups: [NamedGroup.x25519],
    sessionTickets: false,
    session,
    verifyServer: () => undefined,
  });
  const server = new Tls12Server({ provider, certificate, cipherSuites: [SUITE], sessionStore: store });
  return { client, server };
}

/** One TLS 1.2 handshake (resuming `session` when given); returns the client's sessions. */
function handshake(session?: Tls12ClientSession): Tls12ClientSession[] {
  const { client, server } = endpoints(session);
  const sessions = converse(client, server, client.start());
  if (!client.isEstablished || !server.isEstablished) throw new Error('bench: TLS 1.2 handshake did not complete');
  return sessions;
}

const session = handshake()[0]!;
if (session.sessionId.length === 0) throw new Error('bench: no session ID');
/** The transcript of a resumption as it is hashed: ClientHello ‖ ServerHello, then the server's Finished. */
const resumedTranscript = (() => {
  const { client, server } = endpoints(session);
  const hello = client.start();
  const flight = server.handle(concat(...hello.flatMap((e) => (e.kind === 'send' ? [e.bytes] : []))));
  const raw = (events: Tls12Event[], type: string) =>
    events.flatMap((e) => (e.kind === 'handshake-message' && e.message.type === type ? [e.raw] : []))[0]!;
  const hellos = concat(raw(hello, 'client_hello'), raw(flight, 'server_hello'));
  return { hellos, withServerFinished: concat(hellos, raw(flight, 'finished')) };
})();
if (handshake(session).length !== 0) throw new Error('bench: a resumption by session ID issues no new session');

const suite = tls12CipherSuite(SUITE)!;
const x25519 = provider.keyExchange('x25519');
const leafKey = leafPublicKey(certificate.chain[0]!);
/** What the server signs: client_random ‖ server_random ‖ ServerECDHParams (RFC 8422 §5.4). */
const signed = new Uint8Array(32 + 32 + 4 + 32).fill(0x20);
const transcript = new Uint8Array(2048).map((_, i) => i & 0xff);
const clientRandom = provider.random(32);
const serverRandom = provider.random(32);
const aad = new Uint8Array(13);
const nonce = new Uint8Array(12);
const finishedRecord = new Uint8Array(16).fill(0x14);

/** Seal and open one Finished record with AES-128-GCM. */
function finishedAead(key: Uint8Array): void {
  const sealed = provider.aeadSeal('aes-128-gcm', key, nonce, finishedRecord, aad);
  if (!provider.aeadOpen('aes-128-gcm', key, nonce, sealed, aad)) throw new Error('bench: open failed');
}

/** One side's PRF work: key block, both Finished, the transcript hashes it takes. */
function sideSchedule(master: Uint8Array, hashes: number): Uint8Array {
  const keyBlock = tls12KeyBlock(provider, suite, master, clientRandom, serverRandom);
  for (let i = 0; i < hashes; i++) provider.hash('sha256', transcript.subarray(0, 400 + i * 400));
  const th = provider.hash('sha256', transcript);
  tls12FinishedVerifyData(provider, 'sha256', master, 'client', th);
  tls12FinishedVerifyData(provider, 'sha256', master, 'server', th);
  return keyBlock.client.key;
}

/** One side of a resumption: key block, the two transcript hashes and both Finished. */
function resumedSide(master: Uint8Array): Uint8Array {
  const keyBlock = tls12KeyBlock(provider, suite, master, clientRandom, serverRandom);
  tls12FinishedVerifyData(provider, 'sha256', master, 'server', provider.hash('sha256', resumedTranscript.hellos));
  const th = provider.hash('sha256', resumedTranscript.withServerFinished);
  tls12FinishedVerifyData(provider, 'sha256', master, 'client', th);
  return keyBlock.client.key;
}

export function register(bench: Bench): string[] {
  bench
    .add('tls12 handshake: full ECDHE-ECDSA x25519 AES-128-GCM, our client + our server in memory', () => {
      handshake();
    })
    .add(
      'tls12 handshake floor: x25519 ×3 ops, ECDSA sign + verify, EMS + key blocks, 4 Finished, 2 record AEADs',
      () => {
        const pair = x25519.generate();
        const answer = x25519.encapsulate(pair.share);
        x25519.decapsulate(pair.privateKey, answer.share);
        provider.verify(
          'ecdsa_secp256r1_sha256',
          leafKey,
          signed,
          provider.sign('ecdsa_secp256r1_sha256', certificate.key, signed),
        );
        // The session hash (ClientHello…ClientKeyExchange) for the extended master secret, each side.
        const sessionHash = provider.hash('sha256', transcript.subarray(0, 1200));
        const master = tls12ExtendedMasterSecret(provider, 'sha256', answer.sharedSecret, sessionHash);
        tls12ExtendedMasterSecret(
          provider,
          'sha256',
          answer.sharedSecret,
          provider.hash('sha256', transcript.subarray(0, 1200)),
        );
        const key = sideSchedule(master, 1);
        sideSchedule(master, 1);
        finishedAead(key);
        finishedAead(key);
      },
    )
    .add('tls12 handshake: resumed by session ID, in memory', () => {
      handshake(session);
    })
    .add(
      'tls12 handshake floor: resumed (2 randoms, key blocks, transcript hashes, 4 Finished, 2 record AEADs, bare)',
      () => {
        provider.random(32);
        provider.random(32);
        const key = resumedSide(session.masterSecret);
        resumedSide(session.masterSecret);
        finishedAead(key);
        finishedAead(key);
      },
    );
  return [
    'tls12 handshakes: protocol overhead = 1 − (handshake ops/s ÷ its floor ops/s); the floors are the bare crypto of the same handshake',
  ];
}

/**
 * TLS 1.2 handshakes through tlswire's client and server, in one process, in memory, each beside its
 * floor: the same cryptographic operations done bare through the provider, so the difference is
 * protocol overhead (message encoding and decoding, transcript, state machine, record layer).
 *
 * - full handshake: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 over x25519, ECDSA P-256 certificate
 *   (test/pki/out/server-ecdsa), extended master secret, a session ID stored in the server's cache,
 *   no ticket; the client checks the ServerKeyExchange signature but not the chain.
 * - resumed handshake by session ID (RFC 5246 §7.3 abbreviated handshake).
 * - The floor of each is the handshake's own crypto: every call one such handshake makes to the
 *   provider and to the hash, AEAD and key-exchange objects it hands out (x25519, ECDSA sign and
 *   verify, the PRF's HMACs for the extended master secret, key blocks and four verify_data, transcript
 *   hashes, AEAD key setup, seal and open, random), recorded once with copies of their inputs and
 *   replayed bare (`recordCrypto` in bench/support.ts).
 * - The same two handshakes over NullCryptoProvider (bench/support.ts): the protocol code's own time,
 *   reported as a share of the floor.
 */
import type { Bench } from 'tinybench';
import { NobleProvider } from '../src/crypto/noble.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { Tls12Client } from '../src/handshake/tls12/client.js';
import { Tls12Server } from '../src/handshake/tls12/server.js';
import { MemorySessionStore } from '../src/handshake/tls12/session-cache.js';
import type { Tls12ClientSession } from '../src/handshake/tls12/types.js';
import { certifiedKey } from '../src/node/credentials.js';
import { CipherSuite, NamedGroup } from '../src/tls/enums.js';
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
const SUITE = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
const store = new MemorySessionStore({ maxEntries: 1 << 16 });

/** Our client (resuming `session` when given, no tickets, no chain check) and our server, unstarted. */
function endpoints(
  session?: Tls12ClientSession,
  p: CryptoProvider = provider,
): { client: Tls12Client; server: Tls12Server } {
  const client = new Tls12Client({
    provider: p,
    serverName: 'localhost',
    cipherSuites: [SUITE],
    groups: [NamedGroup.x25519],
    sessionTickets: false,
    session,
    verifyServer: () => undefined,
  });
  const server = new Tls12Server({ provider: p, certificate, cipherSuites: [SUITE], sessionStore: store });
  return { client, server };
}

/** One TLS 1.2 handshake (resuming `session` when given); returns the client's sessions. */
function handshake(session?: Tls12ClientSession, p: CryptoProvider = provider): Tls12ClientSession[] {
  const { client, server } = endpoints(session, p);
  const sessions = converse(client, server, client.start());
  if (!client.isEstablished || !server.isEstablished) throw new Error('bench: TLS 1.2 handshake did not complete');
  return sessions;
}

const session = handshake()[0]!;
if (session.sessionId.length === 0) throw new Error('bench: no session ID');
if (handshake(session).length !== 0) throw new Error('bench: a resumption by session ID issues no new session');

/** The floor of a handshake: its crypto calls (recorded after a warm-up run), replayed bare. */
function floorOf(resume?: Tls12ClientSession): () => void {
  handshake(resume);
  return recordCrypto(provider, (recording, begin) => {
    begin();
    handshake(resume, recording);
  });
}

export const FULL = 'tls12 handshake: full ECDHE-ECDSA x25519 AES-128-GCM, our client + our server in memory';
export const FULL_FLOOR = 'tls12 handshake floor: the crypto calls of one full handshake, replayed bare';
export const RESUMED = 'tls12 handshake: resumed by session ID, in memory';
export const RESUMED_FLOOR = 'tls12 handshake floor: the crypto calls of one resumed handshake, replayed bare';
const FULL_PROTOCOL = 'tls12 handshake protocol only: full over NullCryptoProvider (no crypto cost)';
const RESUMED_PROTOCOL = 'tls12 handshake protocol only: resumed by session ID over NullCryptoProvider';
const nullProvider = new NullCryptoProvider();
const nullSession = handshake(undefined, nullProvider)[0]!;

export function register(bench: Bench): (() => string)[] {
  const full = () => {
    handshake();
  };
  const fullFloor = floorOf();
  const resumed = () => {
    handshake(session);
  };
  const resumedFloor = floorOf(session);
  bench
    .add(FULL, full)
    .add(FULL_FLOOR, fullFloor)
    .add(FULL_PROTOCOL, () => {
      handshake(undefined, nullProvider);
    })
    .add(RESUMED, resumed)
    .add(RESUMED_FLOOR, resumedFloor)
    .add(RESUMED_PROTOCOL, () => {
      handshake(nullSession, nullProvider);
    });
  return [
    overheadNote(bench, [
      { task: FULL, run: full, floorName: FULL_FLOOR, floor: fullFloor, batch: 5 },
      { task: RESUMED, run: resumed, floorName: RESUMED_FLOOR, floor: resumedFloor, batch: 100 },
    ]),
    protocolShareNote(bench, [
      [FULL_PROTOCOL, FULL_FLOOR],
      [RESUMED_PROTOCOL, RESUMED_FLOOR],
    ]),
  ];
}

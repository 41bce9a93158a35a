/**
 * The two crypto providers side by side (issue #12): NobleProvider (pure TypeScript) and
 * NodeCryptoProvider (node:crypto, OpenSSL), each driving our client and our server in one process, in
 * memory:
 * - TLS 1.3 full handshake (x25519, ECDSA P-256 certificate test/pki/out/server-ecdsa,
 *   TLS_AES_128_GCM_SHA256, one ticket) and resumed (psk_dhe_ke with that ticket);
 * - TLS 1.2 full handshake (ECDHE-ECDSA x25519 AES-128-GCM, extended master secret, session ID) and
 *   resumed by session ID;
 * - bulk: 1 MiB in 16 KiB records sealed by our client and opened by our server (TLS 1.3), and bare
 *   AES-128-GCM seal + open of the same 64 records through one keyed context;
 * - the floor of the native full handshakes: their own crypto calls replayed bare (`recordCrypto`), so
 *   the protocol's share beside OpenSSL's primitives shows.
 * No chain validation (the client checks CertificateVerify / ServerKeyExchange only). The note after the
 * table gives each node:crypto ÷ noble speed-up measured interleaved (alternating batches of the two
 * sides in the same run, after a GC), beside the ratio of the tinybench means.
 */
import type { Bench } from 'tinybench';
import { NobleProvider } from '../src/crypto/noble.js';
import { aeadContext, type CryptoProvider } from '../src/crypto/provider.js';
import { TlsClient } from '../src/handshake/client.js';
import { TlsServer } from '../src/handshake/server.js';
import { AeadTicketer } from '../src/handshake/ticket.js';
import { Tls12Client } from '../src/handshake/tls12/client.js';
import { Tls12Server } from '../src/handshake/tls12/server.js';
import { MemorySessionStore } from '../src/handshake/tls12/session-cache.js';
import type { Tls12ClientSession } from '../src/handshake/tls12/types.js';
import type { ClientSession } from '../src/handshake/types.js';
import { certifiedKey } from '../src/node/credentials.js';
import { NodeCryptoProvider } from '../src/node/crypto-provider.js';
import { CipherSuite, NamedGroup } from '../src/tls/enums.js';
import { converse, readPki as read, recordCrypto } from './support.js';

const certificate = certifiedKey(read('server-ecdsa-chain.pem'), read('server-ecdsa.key'));
const SUITE12 = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
const RECORD = 16384;
const MiB = 1 << 20;
const plaintext = new Uint8Array(RECORD).map((_, i) => (i * 31) & 0xff);

/** Everything one provider's runs need: its ticketer, session store, and a session of each version. */
interface Side {
  name: string;
  provider: CryptoProvider;
  ticketer: AeadTicketer;
  store: MemorySessionStore;
}

function tls13(side: Side, provider: CryptoProvider, session?: ClientSession, ticketer = side.ticketer) {
  const client = new TlsClient({ provider, serverName: 'localhost', session, verifyServer: () => undefined });
  const server = new TlsServer({ provider, certificate, ticketer, ticketCount: session ? 0 : 1 });
  const sessions = converse(client, server, client.start());
  if (!client.isEstablished || !server.isEstablished) throw new Error('bench: TLS 1.3 handshake did not complete');
  return { client, server, sessions };
}

function tls12(side: Side, provider: CryptoProvider, session?: Tls12ClientSession): Tls12ClientSession[] {
  const client = new Tls12Client({
    provider,
    serverName: 'localhost',
    cipherSuites: [SUITE12],
    groups: [NamedGroup.x25519],
    sessionTickets: false,
    session,
    verifyServer: () => undefined,
  });
  const server = new Tls12Server({ provider, certificate, cipherSuites: [SUITE12], sessionStore: side.store });
  const sessions = converse(client, server, client.start());
  if (!client.isEstablished || !server.isEstablished) throw new Error('bench: TLS 1.2 handshake did not complete');
  return sessions;
}

/** The runs of one side, by short name. */
function runs(side: Side): Record<string, () => void> {
  const p = side.provider;
  const session13 = tls13(side, p).sessions[0]!;
  const session12 = tls12(side, p)[0]!;
  const pair = tls13(side, p);
  const aead = aeadContext(p, 'aes-128-gcm', p.random(16));
  const aad = new Uint8Array(5);
  return {
    'TLS 1.3 full handshake': () => void tls13(side, p),
    'TLS 1.3 resumed handshake': () => void tls13(side, p, session13),
    'TLS 1.2 full handshake': () => void tls12(side, p),
    'TLS 1.2 resumed handshake (session ID)': () => void tls12(side, p, session12),
    'bulk 1 MiB, client seals + server opens (TLS 1.3 records)': () => {
      let got = 0;
      for (let at = 0; at < MiB; at += RECORD) {
        for (const e of pair.client.write(plaintext)) {
          if (e.kind !== 'send') continue;
          for (const d of pair.server.handle(e.bytes)) if (d.kind === 'data') got += d.bytes.length;
        }
      }
      if (got !== MiB) throw new Error(`bench: ${got} bytes arrived`);
    },
    'bulk 1 MiB, bare AES-128-GCM seal + open (one keyed context)': () => {
      const nonce = new Uint8Array(12);
      for (let i = 0; i < MiB / RECORD; i++) {
        nonce[11] = i;
        if (!aead.open(nonce, aead.seal(nonce, plaintext, aad), aad)) throw new Error('bench: open failed');
      }
    },
  };
}

/** Batch sizes of the interleaved comparison (about 20–50 ms of the slower side each). */
const BATCH: Record<string, number> = {
  'TLS 1.3 full handshake': 4,
  'TLS 1.3 resumed handshake': 6,
  'TLS 1.2 full handshake': 4,
  'TLS 1.2 resumed handshake (session ID)': 50,
  'bulk 1 MiB, client seals + server opens (TLS 1.3 records)': 1,
  'bulk 1 MiB, bare AES-128-GCM seal + open (one keyed context)': 1,
};

const taskName = (side: string, run: string) => `providers: ${run} [${side}]`;

function meanMs(bench: Bench, name: string): number {
  const r = bench.tasks.find((t) => t.name === name)?.result as { latency?: { mean?: number } } | undefined;
  return r?.latency?.mean ?? Number.NaN;
}

/**
 * node ÷ noble speed-ups: `rounds` rounds, each timing a batch of both sides in alternating order
 * (after a full GC when `gc` is exposed); the median and middle half of the per-round ratios.
 */
function speedupNote(bench: Bench, noble: Record<string, () => void>, node: Record<string, () => void>, rounds = 11) {
  const gc = (globalThis as { gc?: () => void }).gc;
  const time = (f: () => void, batch: number): number => {
    gc?.();
    const t = performance.now();
    for (let i = 0; i < batch; i++) f();
    return performance.now() - t;
  };
  return () =>
    Object.keys(noble)
      .map((run) => {
        const batch = BATCH[run] ?? 1;
        const ratios: number[] = [];
        for (let r = 0; r < rounds; r++) {
          const first = r % 2 === 0 ? noble[run]! : node[run]!;
          const second = r % 2 === 0 ? node[run]! : noble[run]!;
          const a = time(first, batch);
          const b = time(second, batch);
          ratios.push(r % 2 === 0 ? a / b : b / a);
        }
        ratios.sort((x, y) => x - y);
        const q = (f: number) => ratios[Math.floor(f * (ratios.length - 1))]!.toFixed(2);
        const means = meanMs(bench, taskName('noble', run)) / meanMs(bench, taskName('node', run));
        return `providers: node:crypto ÷ noble speed-up, ${run}: ${q(0.5)}× interleaved (median of ${rounds} rounds, middle half ${q(0.25)}–${q(0.75)}×), ${means.toFixed(2)}× from the tinybench means`;
      })
      .join('\n');
}

/** The floor of a native full handshake: its crypto calls, recorded after a warm-up, replayed bare. */
function nativeFloor(side: Side, handshake: (p: CryptoProvider, ticketer?: AeadTicketer) => void): () => void {
  handshake(side.provider);
  return recordCrypto(side.provider, (recording, begin) => {
    const ticketer = new AeadTicketer(recording, new Uint8Array(32).fill(9));
    begin();
    handshake(recording, ticketer);
  });
}

export function register(bench: Bench): (string | (() => string))[] {
  const sides: Side[] = [new NobleProvider(), new NodeCryptoProvider()].map((provider, i) => ({
    name: i === 0 ? 'noble' : 'node',
    provider,
    ticketer: new AeadTicketer(provider, provider.random(32)),
    store: new MemorySessionStore({ maxEntries: 1 << 16 }),
  }));
  const [nobleRuns, nodeRuns] = sides.map(runs) as [Record<string, () => void>, Record<string, () => void>];
  for (const run of Object.keys(nobleRuns)) {
    bench.add(taskName('noble', run), nobleRuns[run]!);
    bench.add(taskName('node', run), nodeRuns[run]!);
  }
  const native = sides[1]!;
  const floor13 = nativeFloor(native, (p, t) => void tls13(native, p, undefined, t));
  const floor12 = nativeFloor(native, (p) => void tls12(native, p));
  const FLOOR13 = 'providers: TLS 1.3 full handshake floor [node]: its crypto calls replayed bare';
  const FLOOR12 = 'providers: TLS 1.2 full handshake floor [node]: its crypto calls replayed bare';
  bench.add(FLOOR13, floor13).add(FLOOR12, floor12);
  const floorNote = () =>
    [
      [taskName('node', 'TLS 1.3 full handshake'), FLOOR13],
      [taskName('node', 'TLS 1.2 full handshake'), FLOOR12],
    ]
      .map(([task, floor]) => {
        const share = meanMs(bench, task!) / meanMs(bench, floor!) - 1;
        return `providers: "${task}" is ${(share * 100).toFixed(1)}% over its node:crypto floor (tinybench means)`;
      })
      .join('\n');
  return [
    speedupNote(bench, nobleRuns, nodeRuns),
    floorNote,
    'providers: bulk MB/s = ops/s × 1.048576; handshakes/s = ops/s',
  ];
}

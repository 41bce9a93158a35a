/**
 * The lab in the server role (src/lab/server13.ts, RFC 8446; src/lab/server12.ts, RFC 5246): the
 * server-side recipes of docs/recipes.md run against our own TlsClient or Tls12Client in memory and
 * against `openssl s_client` (spawned, connecting to a 127.0.0.1 listener the test opens), asserting
 * exactly what each client answers.
 * A missing openssl skips its half, except under CI=true where it fails (test/node/peers.ts).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { socketTransport } from '../../src/cli/probe.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { TlsClient } from '../../src/handshake/client.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import type { Tls12ClientConfig } from '../../src/handshake/tls12/types.js';
import type { TlsClientConfig } from '../../src/handshake/types.js';
import { alertName } from '../../src/lab/match.js';
import * as R from '../../src/lab/recipes/index.js';
import { type ConversationResult, runConversation } from '../../src/lab/runner.js';
import type { Step } from '../../src/lab/steps.js';
import { summary } from '../../src/lab/trace.js';
import { memoryTransport } from '../../src/lab/transport.js';
import { CipherSuite, NamedGroup } from '../../src/tls/enums.js';
import { findExtension } from '../../src/tls/extensions.js';
import { certified } from '../handshake/memory.js';
import { killAll, type Peer, pki, SKIP_OPENSSL, startPeer } from '../node/peers.js';

afterEach(() => killAll());
const provider = new NobleProvider();
const certificate = certified('server-ecdsa');
const run = { provider, role: 'server' as const, certificate };

function alerts(r: ConversationResult): string[] {
  return r.received.flatMap((e) => (e.kind === 'alert' ? [alertName(e.level, e.description)] : []));
}

/** Run `steps` as the server against our TlsClient (or Tls12Client) in memory; the client's events are returned too. */
async function ours(steps: Step[], tls12 = false) {
  const config = { serverName: 'localhost', verifyServer: () => undefined };
  const client = tls12 ? new Tls12Client(config as Tls12ClientConfig) : new TlsClient(config as TlsClientConfig);
  const transport = memoryTransport(client, client.start());
  const result = await runConversation(transport, steps, run);
  return { result, events: transport.events };
}

/** Run `steps` as the server for one `openssl s_client` connection to a 127.0.0.1 listener. */
async function openssl(steps: Step[], version: '-tls1_3' | '-tls1_2' = '-tls1_3') {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client: Peer = startPeer(
    'openssl',
    [
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-servername',
      'localhost',
      version,
      '-ign_eof',
      '-CAfile',
      pki('root-ca.crt'),
    ],
    undefined,
    true,
  );
  const gone = client.exited(15_000).then(() => {
    throw new Error(`openssl s_client exited before connecting: ${client.output()}`);
  });
  gone.catch(() => undefined);
  let socket: net.Socket | undefined;
  try {
    socket = await Promise.race([accepted, gone]);
    const result = await runConversation(socketTransport(socket), steps, { ...run, timeoutMs: 2000 });
    return { result, client };
  } finally {
    socket?.destroy();
    listener.close();
  }
}

const REPLY = 'hello from the lab\n';

/**
 * What each client must answer, and whether each client's alert comes protected (under its handshake
 * keys) or in plaintext. OpenSSL 3.0 installs its handshake write keys only once it has processed the
 * server's Finished, so its decrypt_error for a wrong one comes in plaintext; our client's is protected.
 */
interface Case {
  name: string;
  steps: () => Step[];
  alerts: string[];
  protected?: { ours: boolean; openssl: boolean };
  /** TLS 1.2: the client is a Tls12Client and `openssl s_client -tls1_2` (default TLS 1.3). */
  tls12?: boolean;
  /** More to assert on the result, per peer. */
  more?: (r: ConversationResult, peer: 'ours' | 'openssl') => void;
}

/** TLS 1.2: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 over x25519, extended master secret agreed. */
function ecdheEcdsaWithEms(r: ConversationResult): void {
  expect(r.state.serverHello?.cipherSuite).toBe(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
  expect([...r.state.keyPairs.keys()]).toEqual([NamedGroup.x25519]);
  expect(r.state.extendedMasterSecret).toBe(true);
}

/** The HelloRetryRequest asked for secp256r1, and a middlebox CCS came (OpenSSL) or not (ours). */
function askedSecp256r1(r: ConversationResult, peer: 'ours' | 'openssl'): void {
  const ks = findExtension(r.state.helloRetryRequest?.extensions, 'key_share');
  expect(ks?.form === 'hello_retry_request' ? ks.selectedGroup : undefined).toBe(NamedGroup.secp256r1);
  expect(r.received.some((e) => e.kind === 'ccs')).toBe(peer === 'openssl');
}
const CASES: Case[] = [
  {
    name: 'valid handshake, then application data',
    steps: () => R.serveHandshake13(new TextEncoder().encode(REPLY)),
    alerts: [],
  },
  {
    name: 'HelloRetryRequest, then a valid handshake',
    steps: () => R.retryThenHandshake13(new TextEncoder().encode(REPLY)),
    alerts: [],
    more: askedSecp256r1,
  },
  {
    name: 'valid handshake, KeyUpdate, then application data under the next keys',
    steps: () => R.serverKeyUpdate(new TextEncoder().encode(REPLY)),
    alerts: [],
  },
  {
    name: 'ServerHello selecting a suite not offered',
    steps: R.unofferedSuiteServerHello,
    alerts: ['fatal illegal_parameter'],
    protected: { ours: false, openssl: false },
  },
  {
    name: 'Finished with wrong verify_data',
    steps: R.wrongServerFinished,
    alerts: ['fatal decrypt_error'],
    protected: { ours: true, openssl: false },
  },
  {
    name: 'TLS 1.2: valid ECDHE handshake, then application data',
    steps: () => R.serveHandshake12(new TextEncoder().encode(REPLY)),
    alerts: [],
    tls12: true,
    more: ecdheEcdsaWithEms,
  },
  {
    name: 'TLS 1.2: Finished with wrong verify_data',
    steps: R.wrongServerFinished12,
    alerts: ['fatal decrypt_error'],
    protected: { ours: true, openssl: true },
    tls12: true,
  },
  {
    name: 'HelloRetryRequest for a group already shared',
    steps: R.retryForSharedGroup,
    alerts: ['fatal illegal_parameter'],
    protected: { ours: false, openssl: false },
  },
];

function alertProtection(r: ConversationResult): boolean | undefined {
  const a = r.received.find((e) => e.kind === 'alert');
  return a?.kind === 'alert' ? a.protected : undefined;
}

describe('server role against our TlsClient (memory)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { result, events } = await ours(c.steps(), c.tls12);
      expect(result.ok, summary(result)).toBe(true);
      expect(alerts(result)).toEqual(c.alerts);
      expect(alertProtection(result)).toBe(c.protected?.ours);
      const data = events.flatMap((e) => (e.kind === 'data' ? [new TextDecoder().decode(e.bytes)] : []));
      expect(data).toEqual(c.alerts.length === 0 ? [REPLY] : []);
      expect(events.some((e) => e.kind === 'established')).toBe(c.alerts.length === 0);
      if (c.alerts.length === 0) expect(result.state.clientFinishedValid).toBe(true);
      c.more?.(result, 'ours');
    });
  }
});

describe.skipIf(SKIP_OPENSSL)('server role against openssl s_client', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { result, client } = await openssl(c.steps(), c.tls12 ? '-tls1_2' : '-tls1_3');
      expect(result.ok, summary(result)).toBe(true);
      expect(alerts(result)).toEqual(c.alerts);
      expect(alertProtection(result)).toBe(c.protected?.openssl);
      if (c.alerts.length === 0) {
        await client.waitFor(/hello from the lab/);
        expect(client.output()).toMatch(/Verify return code: 0 \(ok\)/);
        expect(result.state.clientFinishedValid).toBe(true);
      }
      c.more?.(result, 'openssl');
    });
  }
});

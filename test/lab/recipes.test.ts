/**
 * Every recipe of docs/recipes.md run against our own servers (in memory, `memoryTransport`) and
 * against `openssl s_server` (OpenSSL 3.0, on 127.0.0.1 over node:net), asserting exactly what each
 * answers: whether the recipe's RFC expectation held and every alert received. Where OpenSSL answers
 * differently from the RFC, its actual answer is asserted (and explained in docs/recipes.md).
 * A missing openssl skips its half, except under CI=true where it fails (test/node/peers.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectSocket, socketTransport } from '../../src/cli/probe.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { NegotiatingServer } from '../../src/handshake/negotiate.js';
import { TlsServer } from '../../src/handshake/server.js';
import { AeadTicketer, SingleUseAntiReplay } from '../../src/handshake/ticket.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { alertName, describeReceived } from '../../src/lab/match.js';
import * as R from '../../src/lab/recipes/index.js';
import { type ConversationResult, runConversation } from '../../src/lab/runner.js';
import type { Step } from '../../src/lab/steps.js';
import { summary } from '../../src/lab/trace.js';
import { memoryTransport, type SansIoPeer } from '../../src/lab/transport.js';
import { CipherSuite } from '../../src/tls/enums.js';
import { certified } from '../handshake/memory.js';
import { killAll, opensslServer, SKIP_OPENSSL } from '../node/peers.js';

afterEach(() => killAll());
const provider = new NobleProvider();
const ECDSA = certified('server-ecdsa');
const RSA = certified('server-rsa');
const o = { serverName: 'localhost' };

/** Whether the recipe's expectations held, and every alert received, by name. */
function outcome(r: ConversationResult): { ok: boolean; alerts: string[] } {
  const alerts = r.received.flatMap((e) => (e.kind === 'alert' ? [alertName(e.level, e.description)] : []));
  return { ok: r.ok, alerts };
}

const ours = (peer: SansIoPeer, steps: Step[]) => runConversation(memoryTransport(peer), steps, { provider });

/** Run `steps` against a fresh `openssl s_server` with the chain of `leaf`. */
async function openssl(steps: Step[], leaf: string, args: string[], version: '-tls1_3' | '-tls1_2' | '') {
  const server = await opensslServer(leaf, args, version);
  const socket = await connectSocket('127.0.0.1', server.port);
  try {
    // Silence is what a server that accepted everything answers: one second of it is enough here.
    return await runConversation(socketTransport(socket), steps, { provider, timeoutMs: 1000 });
  } finally {
    socket.destroy();
  }
}

const tls13 = () => new TlsServer({ certificate: ECDSA });
const tls12 = () => new Tls12Server({ certificate: ECDSA });
const both = () => new NegotiatingServer({ tls13: { certificate: ECDSA }, tls12: { certificate: ECDSA } });
const rsaOnly = () =>
  new Tls12Server({ certificate: RSA, cipherSuites: [CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256] });

const OK = (...alerts: string[]) => ({ ok: true, alerts });
const FAILED = (...alerts: string[]) => ({ ok: false, alerts });

interface Case {
  name: string;
  steps: () => Step[];
  ours: () => SansIoPeer;
  openssl: { leaf?: string; args?: string[]; version: '-tls1_3' | '-tls1_2' | '' };
  want: { ours: ReturnType<typeof OK>; openssl: ReturnType<typeof OK> };
}

const CASES: Case[] = [
  {
    name: 'downgrade sentinel (TLS 1.2-only hello to a TLS 1.3 server)',
    steps: () => R.downgradeSentinel(o),
    ours: both,
    openssl: { version: '' },
    want: { ours: OK(), openssl: OK() },
  },
  ...(['no-share', 'other-group'] as const).map(
    (v): Case => ({
      name: `HelloRetryRequest twice (${v})`,
      steps: () => R.helloRetryTwice(o, v),
      ours: tls13,
      openssl: { version: '-tls1_3' },
      want: { ours: OK('fatal illegal_parameter'), openssl: OK('fatal illegal_parameter') },
    }),
  ),
  ...(['truncated', 'padded', 'wrong'] as const).map(
    (v): Case => ({
      name: `Finished ${v}`,
      steps: () => R.spoiledFinished(o, v),
      ours: tls13,
      openssl: { version: '-tls1_3' },
      want: {
        ours: OK(v === 'wrong' ? 'fatal decrypt_error' : 'fatal decode_error'),
        openssl: OK(v === 'wrong' ? 'fatal decrypt_error' : 'fatal decode_error'),
      },
    }),
  ),
  {
    name: 'TLS 1.3 CCS 01 in the middle of the handshake: dropped',
    steps: () => R.ccsInHandshake13(o),
    ours: tls13,
    openssl: { version: '-tls1_3' },
    want: { ours: OK(), openssl: OK() },
  },
  {
    name: 'TLS 1.3 CCS 02',
    steps: () => R.badCcs13(o),
    ours: tls13,
    openssl: { version: '-tls1_3' },
    // OpenSSL 3.0 answers illegal_parameter where RFC 8446 §5 names unexpected_message.
    want: { ours: OK('fatal unexpected_message'), openssl: FAILED('fatal illegal_parameter') },
  },
  {
    name: 'TLS 1.2 early CCS (before ClientKeyExchange)',
    steps: () => R.earlyCcs12(o),
    ours: tls12,
    openssl: { version: '-tls1_2' },
    want: { ours: OK('fatal unexpected_message'), openssl: OK('fatal unexpected_message') },
  },
  {
    name: 'supported_versions in its ServerHello form inside the ClientHello',
    steps: () => R.serverFormExtension(o),
    ours: tls13,
    openssl: { version: '' },
    // OpenSSL 3.0 reports the version negotiation failure, not the malformed extension.
    want: { ours: OK('fatal decode_error'), openssl: FAILED('fatal protocol_version') },
  },
  {
    name: 'unknown extension in the ClientHello: ignored, not echoed',
    steps: () => R.unknownExtension(o),
    ours: tls13,
    openssl: { version: '-tls1_3' },
    want: { ours: OK(), openssl: OK() },
  },
  {
    name: 'key share for a group not offered',
    steps: () => R.keyShareNotOffered(o),
    ours: tls13,
    openssl: { version: '-tls1_3' },
    want: { ours: OK('fatal illegal_parameter'), openssl: OK('fatal illegal_parameter') },
  },
  {
    name: 'record one byte over 2^14 + 1 (no record_size_limit from the server)',
    steps: () => R.oversizedRecord(o),
    ours: tls13,
    openssl: { version: '-tls1_3' },
    want: { ours: OK('fatal record_overflow'), openssl: OK('fatal record_overflow') },
  },
  {
    name: 'TLS 1.2 secure renegotiation attempt',
    steps: () => R.renegotiation12(o),
    ours: tls12,
    openssl: { version: '-tls1_2' },
    // OpenSSL 3.0 refuses client-initiated renegotiation unless -client_renegotiation (below).
    want: { ours: OK('warning no_renegotiation_RESERVED'), openssl: OK('warning no_renegotiation_RESERVED') },
  },
  {
    name: 'TLS 1.2 renegotiation with a wrong renegotiation_info',
    steps: () => R.renegotiation12(o, true),
    ours: tls12,
    openssl: { version: '-tls1_2', args: ['-client_renegotiation'] },
    want: { ours: OK('warning no_renegotiation_RESERVED'), openssl: OK('fatal handshake_failure') },
  },
  {
    name: 'TLS 1.3 ClientHello after the handshake',
    steps: () => R.clientHelloAfterHandshake13(o),
    ours: tls13,
    openssl: { version: '-tls1_3' },
    want: { ours: OK('fatal unexpected_message'), openssl: OK('fatal unexpected_message') },
  },
];

describe('recipes against our servers (in memory)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(outcome(await ours(c.ours(), c.steps()))).toEqual(c.want.ours);
  });

  it('record over a record_size_limit of 1024 the server announced (RFC 8449 §4)', async () => {
    const r = await ours(new TlsServer({ certificate: ECDSA, recordSizeLimit: 1024 }), R.oversizedRecord(o));
    expect(outcome(r)).toEqual(OK('fatal record_overflow'));
    expect(r.steps.at(-2)?.sent[0]?.length).toBe(5 + 1025 + 16);
  });

  it('RSA premaster failures are indistinguishable: bad_record_mac for each', async () => {
    for (const v of R.RSA_VARIANTS) {
      expect([v, outcome(await ours(rsaOnly(), R.rsaPremasterProbe(o, v)))]).toEqual([v, OK('fatal bad_record_mac')]);
    }
  });

  it('0-RTT replay: accepted once, then the PSK resumes but early_data is refused', async () => {
    const ticketer = new AeadTicketer(provider, new Uint8Array(32).fill(7));
    const antiReplay = new SingleUseAntiReplay();
    const server = () => new TlsServer({ certificate: ECDSA, ticketer, maxEarlyDataSize: 1024, antiReplay });
    const first = await ours(server(), R.getTicket(o));
    expect(first.ok).toBe(true);
    const ticket = first.state.tickets[0]!;
    expect(ticket.maxEarlyDataSize).toBe(1024);
    const early = await ours(server(), R.sendEarlyData(o, ticket, new TextEncoder().encode('GET /')));
    expect(summary(early)).toBe('ok: 5 steps');
    const replayed = await ours(server(), R.replayEarlyData(early));
    expect(summary(replayed)).toBe('ok: 4 steps');
    // Resumed (no Certificate), early data declined.
    expect(replayed.received.map(describeReceived)).toEqual([
      'server_hello',
      'ChangeCipherSpec',
      'encrypted_extensions',
      'finished',
    ]);
  });
});

describe.skipIf(SKIP_OPENSSL)('recipes against openssl s_server', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { leaf = 'server-ecdsa', args = [], version } = c.openssl;
    expect(outcome(await openssl(c.steps(), leaf, args, version))).toEqual(c.want.openssl);
  });

  it('TLS 1.2 secure renegotiation with -client_renegotiation: a new ServerHello', async () => {
    const r = await openssl(R.renegotiation12(o), 'server-ecdsa', ['-client_renegotiation'], '-tls1_2');
    expect(outcome(r)).toEqual(OK());
    expect(r.steps.at(-1)?.received.map(describeReceived)).toEqual(['server_hello']);
  });

  it('RSA premaster failures are indistinguishable: bad_record_mac for each', async () => {
    const server = await opensslServer('server-rsa', ['-cipher', 'AES128-GCM-SHA256'], '-tls1_2');
    for (const v of R.RSA_VARIANTS) {
      const socket = await connectSocket('127.0.0.1', server.port);
      const r = await runConversation(socketTransport(socket), R.rsaPremasterProbe(o, v), { provider });
      socket.destroy();
      expect([v, outcome(r)]).toEqual([v, OK('fatal bad_record_mac')]);
    }
  });

  it('0-RTT replay (-early_data): accepted once, then the PSK is refused (full handshake)', async () => {
    const server = await opensslServer('server-ecdsa', ['-early_data'], '-tls1_3');
    const run = async (steps: Step[]) => {
      const socket = await connectSocket('127.0.0.1', server.port);
      try {
        return await runConversation(socketTransport(socket), steps, { provider, timeoutMs: 1000 });
      } finally {
        socket.destroy();
      }
    };
    const first = await run(R.getTicket(o));
    const early = await run(R.sendEarlyData(o, first.state.tickets[0]!, new TextEncoder().encode('GET /')));
    expect(summary(early)).toBe('ok: 5 steps');
    await server.waitFor(/GET \//);
    const replayed = await run(R.replayEarlyData(early));
    expect(summary(replayed)).toBe('ok: 4 steps');
    expect(replayed.received.map(describeReceived)).toEqual([
      'server_hello',
      'ChangeCipherSpec',
      'encrypted_extensions',
      'certificate',
      'certificate_verify',
      'finished',
    ]);
  });
});

/**
 * The conversation runner against our own servers in memory: records as the steps ask (fragmented,
 * coalesced, empty, padded, replayed), keys that follow the conversation in both versions (both
 * Finished verify, KeyUpdate both ways), branches and checks, the trace, the JSON and the summary
 * naming the failed step; and a peer that sends garbage gets a report, not a crash.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { TlsServer } from '../../src/handshake/server.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { clientHello, finished } from '../../src/lab/messages.js';
import { downgradeSentinel, handshake12, handshake13 } from '../../src/lab/recipes/index.js';
import { runConversation } from '../../src/lab/runner.js';
import {
  alert,
  appData,
  branch,
  expectAlert,
  expectData,
  expectMessage,
  expectSilence,
  keyUpdate,
  raw,
  records,
  replay,
  type Step,
  send,
} from '../../src/lab/steps.js';
import { formatTrace, resultJson, summary } from '../../src/lab/trace.js';
import { memoryTransport, type SansIoPeer } from '../../src/lab/transport.js';
import { AlertDescription, ContentType } from '../../src/tls/enums.js';
import { certified } from '../handshake/memory.js';

const provider = new NobleProvider();
const ECDSA = certified('server-ecdsa');
const o = { serverName: 'localhost' };
const tls13 = () => new TlsServer({ certificate: ECDSA });
const run = (peer: SansIoPeer, steps: Step[]) => runConversation(memoryTransport(peer), steps, { provider });
const ping = new TextEncoder().encode('ping');

describe('keys follow the conversation', () => {
  it('TLS 1.3: both Finished verify, data flows, KeyUpdate both ways', async () => {
    const server = tls13();
    const r = await run(server, [
      ...handshake13(o),
      appData(ping),
      keyUpdate(1),
      expectMessage('key_update'),
      appData(ping),
      expectSilence(),
    ]);
    expect(summary(r)).toBe('ok: 12 steps');
    expect(r.state.serverFinishedValid).toBe(true);
    expect(server.isEstablished).toBe(true);
    expect(r.state.read?.label).toBe('application+1');
    expect(r.state.write?.label).toBe('application+1');
  });

  it('TLS 1.3 server answers data once established (write → data event)', async () => {
    const server = tls13();
    const t = memoryTransport(server);
    const r = await runConversation(
      t,
      [
        ...handshake13(o),
        appData(ping),
        branch(() => {
          t.write(new Uint8Array(0));
          return undefined;
        }),
      ],
      { provider },
    );
    expect(r.ok).toBe(true);
    expect(t.events.filter((e) => e.kind === 'data').map((e) => (e.kind === 'data' ? toHex(e.bytes) : ''))).toEqual([
      toHex(ping),
    ]);
  });

  it('TLS 1.2 ECDHE: the server Finished verifies and application data is accepted', async () => {
    const server = new Tls12Server({ certificate: ECDSA });
    const r = await run(server, [...handshake12(o), appData(ping), expectSilence()]);
    expect(summary(r)).toBe('ok: 11 steps');
    expect(r.state.serverFinishedValid).toBe(true);
    expect(r.state.extendedMasterSecret).toBe(true);
    expect(server.isEstablished).toBe(true);
  });
});

describe('records as the steps ask', () => {
  it('a ClientHello fragmented into records of 100 bytes: plaintext, version 0x0301, 100-byte fragments', async () => {
    const r = await run(tls13(), [send(clientHello(o), { record: { fragment: 100 } }), expectMessage('server_hello')]);
    expect(r.ok).toBe(true);
    const sent = r.steps[0]!.sent;
    expect(sent.length).toBeGreaterThan(2);
    for (const rec of sent.slice(0, -1)) expect(toHex(rec.subarray(0, 5))).toBe('1603010064');
  });

  it('TLS 1.3 padding: the record carries content + type + padding + tag', async () => {
    const r = await run(tls13(), [...handshake13(o), appData(ping, { padding: 100 }), expectSilence()]);
    expect(r.ok).toBe(true);
    const rec = r.steps.at(-2)!.sent[0]!;
    expect(toHex(rec.subarray(0, 5))).toBe(`170303${(4 + 1 + 100 + 16).toString(16).padStart(4, '0')}`);
  });

  it('an empty plaintext handshake record is a 5-byte header (RFC 8446 §5.1 forbids it: our server says decode_error)', async () => {
    const r = await run(tls13(), [
      records(ContentType.handshake, new Uint8Array(0)),
      expectAlert(AlertDescription.decode_error),
    ]);
    expect(formatTrace(r, { timing: false }).split('\n')).toEqual([
      '#1  send handshake record',
      '    C>S  handshake v0x0303 length 0',
      '#2  expect fatal alert decode_error',
      '    S>C  Alert fatal decode_error',
      'ok: 2 steps',
    ]);
    expect(toHex(r.steps[0]!.sent[0]!)).toBe('1603030000');
  });

  it('replaying a protected record: the sequence number no longer matches → bad_record_mac', async () => {
    const r = await run(tls13(), [
      ...handshake13(o),
      appData(ping),
      replay(2),
      expectAlert(AlertDescription.bad_record_mac),
    ]);
    expect(summary(r)).toBe('ok: 10 steps');
    expect(r.steps.at(-2)!.sent[0]).toEqual(r.steps.at(-3)!.sent[0]);
  });

  it('raw bytes and an alert anywhere: a fatal alert before the ClientHello ends it', async () => {
    const r = await run(tls13(), [alert(2, AlertDescription.internal_error), expectSilence()]);
    expect(toHex(r.steps[0]!.sent[0]!)).toBe('15030300020250');
    expect(r.received.map((e) => e.kind)).toEqual(['close']);
    expect(summary(r)).toBe('FAILED at step #2 (expect silence): expected silence, got close');
  });
});

describe('branches, checks, traces', () => {
  it('a check that fails names the step and why (no sentinel from a TLS 1.2-only server)', async () => {
    const r = await run(new Tls12Server({ certificate: ECDSA }), downgradeSentinel(o));
    expect(summary(r)).toBe(
      'FAILED at step #3 (ServerHello.random ends with the TLS 1.2 downgrade sentinel): sentinel absent',
    );
  });

  it('a branch chooses the next steps from what came back', async () => {
    const r = await run(tls13(), [
      send(clientHello(o)),
      expectMessage(['server_hello', 'hello_retry_request']),
      branch(({ received }) =>
        received.some((e) => e.kind === 'message' && e.type === 'server_hello')
          ? [
              expectMessage('encrypted_extensions'),
              expectMessage('certificate'),
              expectMessage('certificate_verify'),
              expectMessage('finished'),
              send(finished({ flip: 0x80 })),
              expectAlert(AlertDescription.decrypt_error),
            ]
          : [],
      ),
    ]);
    expect(summary(r)).toBe('ok: 8 steps');
  });

  it('trace (ssldump-style, without timing) and JSON of a failed run', async () => {
    const r = await run(tls13(), [raw(Uint8Array.of(0x16, 3, 1, 0, 4, 1, 0, 0, 0)), expectMessage('server_hello')]);
    expect(formatTrace(r, { timing: false }).split('\n')).toEqual([
      '#1  raw',
      '    C>S  handshake v0x0301 length 4',
      '#2  expect server_hello  ✗ FAILED',
      '    S>C  Alert fatal decode_error',
      '    expected server_hello, got alert fatal decode_error',
      'FAILED at step #2 (expect server_hello): expected server_hello, got alert fatal decode_error',
    ]);
    const json = resultJson(r) as { ok: boolean; steps: { sent: string[] }[]; received: unknown[] };
    expect(json.ok).toBe(false);
    expect(json.steps[0]!.sent).toEqual(['160301000401000000']);
    expect(json.received).toEqual([{ kind: 'alert', level: 2, description: 50, protected: false }]);
  });

  it('a peer that sends garbage: reported as such, the run ends', async () => {
    const peer: SansIoPeer = { handle: () => [{ kind: 'send', bytes: Uint8Array.of(0x16, 3, 3, 0xff, 0xff, 1) }] };
    const r = await run(peer, [send(clientHello(o)), expectMessage('server_hello')]);
    expect(summary(r)).toBe(
      'FAILED at step #2 (expect server_hello): expected server_hello, got record of 65535 bytes (over 2^14 + 2048) (160303ffff01)',
    );
  });

  it('expectData sees what the server writes', async () => {
    const server = tls13();
    const t = memoryTransport({
      handle: (b) => {
        const events = server.handle(b);
        return server.isEstablished ? [...events, ...server.write(ping)] : events;
      },
    });
    const r = await runConversation(t, [...handshake13(o), appData(ping), expectData()], { provider });
    expect(summary(r)).toBe('ok: 9 steps');
    expect(r.received.at(-1)).toEqual({ kind: 'data', bytes: ping });
  });
});

describe('a branch that throws', () => {
  it('fails as a step of its own, with the error', async () => {
    const r = await run(tls13(), [
      branch(() => {
        throw new RangeError('no such group');
      }),
    ]);
    expect(summary(r)).toBe('FAILED at step #1 (branch): RangeError: no such group');
  });
});

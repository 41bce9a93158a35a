/**
 * TLS_FALLBACK_SCSV (RFC 7507 §3): a ClientHello carrying the 0x5600 signalling value whose highest
 * version is below the server's highest is a downgraded retry, answered with a fatal
 * inappropriate_fallback (86). A server whose highest version is the client's goes on. In memory with
 * our own TLS 1.2 client (the suite added by `editClientHello`), and against `openssl s_client -tls1_2
 * -fallback_scsv`, which reports the alert in its own words ("tlsv1 alert inappropriate fallback").
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { concat } from '../../src/bytes/hex.js';
import { ConnectionFailure } from '../../src/handshake/diagnosis.js';
import { type AnyTlsEvent, NegotiatingServer } from '../../src/handshake/negotiate.js';
import { TlsServer } from '../../src/handshake/server.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { AlertDescription, CipherSuite } from '../../src/tls/enums.js';
import { killAll, SKIP_OPENSSL, startPeer } from '../node/peers.js';
import { identity } from './tls12-support.js';

const ECDSA = identity('server-ecdsa');
const sent = (events: AnyTlsEvent[]) => concat(...events.flatMap((e) => (e.kind === 'send' ? [e.bytes] : [])));

interface Machine {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}

/** A TLS 1.2 client whose hello appends TLS_FALLBACK_SCSV (as a client retrying after a failure does). */
const fallbackClient = () =>
  new Tls12Client({
    serverName: 'localhost',
    verifyServer: () => undefined,
    editClientHello: (h) => ({ ...h, cipherSuites: [...h.cipherSuites, CipherSuite.TLS_FALLBACK_SCSV] }),
  });

/** The server's answer to the client's first flight: alerts sent, and whether it sent a ServerHello. */
function answer(server: Machine) {
  const events = server.handle(sent(fallbackClient().start()));
  return {
    alerts: events.flatMap((e) => (e.kind === 'alert-sent' ? [[e.level, e.description]] : [])),
    serverHello: events.some((e) => e.kind === 'handshake-message' && e.message.type === 'server_hello'),
    stage: events.flatMap((e) => (e.kind === 'error' && e.error instanceof ConnectionFailure ? [e.error.stage] : [])),
  };
}

describe('TLS_FALLBACK_SCSV in memory (RFC 7507 §3)', () => {
  it('a server that speaks TLS 1.3 and 1.2 answers a TLS 1.2 hello with the SCSV: fatal inappropriate_fallback', () => {
    const server = new NegotiatingServer({
      tls13: { certificate: ECDSA.certified },
      tls12: { certificate: ECDSA.certified },
    });
    expect(answer(server)).toEqual({
      alerts: [[2, AlertDescription.inappropriate_fallback]],
      serverHello: false,
      stage: ['negotiation'],
    });
  });

  it('a TLS 1.3-only server: inappropriate_fallback rather than protocol_version', () => {
    expect(answer(new TlsServer({ certificate: ECDSA.certified })).alerts).toEqual([
      [2, AlertDescription.inappropriate_fallback],
    ]);
  });

  it('a TLS 1.2-only server: its highest version is the client’s, so the handshake goes on', () => {
    expect(answer(new Tls12Server({ certificate: ECDSA.certified }))).toEqual({
      alerts: [],
      serverHello: true,
      stage: [],
    });
  });
});

const listeners = new Set<net.Server>();
afterEach(() => {
  killAll();
  for (const l of listeners) l.close();
  listeners.clear();
});

describe.skipIf(SKIP_OPENSSL)('TLS_FALLBACK_SCSV against openssl s_client -fallback_scsv', () => {
  it('our dual-version server sends inappropriate_fallback (86); s_client reports it', async () => {
    const server = new NegotiatingServer({
      tls13: { certificate: ECDSA.certified },
      tls12: { certificate: ECDSA.certified },
    });
    const events: AnyTlsEvent[] = [];
    const listener = net.createServer((socket) => {
      listener.close();
      socket.on('data', (chunk: Uint8Array) => {
        for (const e of server.handle(chunk)) {
          if (e.kind === 'send') socket.write(e.bytes);
          else events.push(e);
          if (e.kind === 'error') socket.end();
        }
      });
      socket.on('error', () => undefined);
    });
    listeners.add(listener);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as net.AddressInfo;
    const client = startPeer(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-fallback_scsv', '-servername', 'localhost'],
      '',
    );
    expect(await client.exited(), client.output()).toBe(1);
    expect(client.output()).toMatch(/tlsv1 alert inappropriate fallback/);
    expect(client.output()).toMatch(/SSL alert number 86\b/);
    expect(events.flatMap((e) => (e.kind === 'alert-sent' ? [e.description] : []))).toEqual([
      AlertDescription.inappropriate_fallback,
    ]);
  });
});

/**
 * PSK-only resumption, psk_ke (RFC 8446 §4.2.9, §2.2): no key_share in the ServerHello, no group
 * in the negotiated parameters, the handshake keys from the PSK alone, in both roles: our client and
 * server in memory, our client against node:tls and our server against a node:tls client, both with
 * OpenSSL's SSL_OP_ALLOW_NO_DHE_KEX (the only way to make OpenSSL use psk_ke).
 */
import { constants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import { TlsClient } from '../../src/handshake/client.js';
import { TlsServer } from '../../src/handshake/server.js';
import { AeadTicketer } from '../../src/handshake/ticket.js';
import type { ClientSession, ServerConfig, TlsEvent } from '../../src/handshake/types.js';
import { pipeSocket } from '../../src/node/pipe.js';
import { AlertDescription, PskKeyExchangeMode } from '../../src/tls/enums.js';
import { pki } from '../node/peers.js';
import { certified, Pair } from './memory.js';
import { ofKind } from './support.js';

const { psk_ke, psk_dhe_ke } = PskKeyExchangeMode;
const provider = new NobleProvider();
const ticketer = new AeadTicketer(provider, new Uint8Array(32).fill(7));
const text = (s: string) => new TextEncoder().encode(s);
const decode = (events: TlsEvent[]) => ofKind(events, 'data').map((e) => new TextDecoder().decode(e.bytes));

/** A session from a full handshake with our server. */
function session(server: Partial<ServerConfig> = {}): ClientSession {
  const first = new Pair({}, { ticketer, ...server });
  const s = ofKind(first.clientEvents, 'session')[0];
  if (!s) throw new Error('no ticket');
  return s.session;
}

const serverHelloExtensions = (events: TlsEvent[]) =>
  ofKind(events, 'handshake-message').flatMap((e) =>
    e.message.type === 'server_hello' ? [(e.message.extensions ?? []).map((x) => x.kind)] : [],
  );

describe('psk_ke in memory', () => {
  it('a client offering only psk_ke resumes without a key share; data flows on the PSK-only keys', () => {
    const pair = new Pair({ session: session(), pskModes: [psk_ke] }, { ticketer });
    expect(ofKind(pair.clientEvents, 'negotiated')[0]).toMatchObject({ resumed: true, group: undefined });
    expect(ofKind(pair.serverEvents, 'negotiated')[0]).toMatchObject({ resumed: true, group: undefined });
    expect(serverHelloExtensions(pair.clientEvents)).toEqual([['pre_shared_key', 'supported_versions']]);
    // No certificate in a resumption (RFC 8446 §2.2).
    expect(ofKind(pair.clientEvents, 'peer-certificate')).toEqual([]);
    pair.fromClient(pair.client.write(text('ping')));
    pair.fromServer(pair.server.write(text('pong')));
    expect(decode(pair.serverEvents)).toEqual(['ping']);
    expect(decode(pair.clientEvents)).toEqual(['pong']);
  });

  it('a server accepting only psk_ke picks it when the client offers both', () => {
    const pair = new Pair({ session: session(), pskModes: [psk_dhe_ke, psk_ke] }, { ticketer, pskModes: [psk_ke] });
    expect(ofKind(pair.serverEvents, 'negotiated')[0]).toMatchObject({ resumed: true, group: undefined });
  });

  it('psk_dhe_ke when both allow it', () => {
    const pair = new Pair({ session: session(), pskModes: [psk_ke, psk_dhe_ke] }, { ticketer });
    expect(ofKind(pair.serverEvents, 'negotiated')[0]).toMatchObject({ resumed: true, group: 0x1d });
  });

  it('no mode in common (client psk_dhe_ke, server psk_ke): a full handshake', () => {
    const pair = new Pair({ session: session(), pskModes: [psk_dhe_ke] }, { ticketer, pskModes: [psk_ke] });
    expect(ofKind(pair.serverEvents, 'negotiated')[0]).toMatchObject({ resumed: false, group: 0x1d });
    expect(ofKind(pair.clientEvents, 'peer-certificate')).toHaveLength(1);
  });

  it('a ServerHello with a key share to a client that offered only psk_ke → illegal_parameter', () => {
    // The ClientHello claims psk_dhe_ke too (edited in); the client's own setting stays psk_ke.
    const pair = new Pair(
      {
        session: session(),
        pskModes: [psk_ke],
        editClientHello: (hello) => ({
          ...hello,
          extensions: (hello.extensions ?? []).map((e) =>
            e.kind === 'psk_key_exchange_modes' ? { ...e, modes: [psk_ke, psk_dhe_ke] } : e,
          ),
        }),
      },
      { ticketer },
    );
    expect(ofKind(pair.clientEvents, 'alert-sent').map((e) => e.description)).toEqual([
      AlertDescription.illegal_parameter,
    ]);
  });
});

const ROOT = readFileSync(pki('root-ca.crt'), 'utf8');
const SERVER_PEM = {
  cert: readFileSync(pki('server-ecdsa-chain.pem'), 'utf8'),
  key: readFileSync(pki('server-ecdsa.key'), 'utf8'),
};
const WAIT_MS = 15_000;

/** Our client to a node:tls server: sends "ping", resolves when the server's "pong" and close arrive. */
function ourClient(port: number, session: ClientSession | undefined, pskModes: number[]): Promise<TlsEvent[]> {
  return new Promise((resolve, reject) => {
    const events: TlsEvent[] = [];
    const timer = setTimeout(() => reject(new Error('no answer from node:tls')), WAIT_MS);
    const client = new TlsClient({ serverName: 'localhost', verifyServer: () => undefined, session, pskModes });
    const socket = net.connect(port, '127.0.0.1');
    const piped = pipeSocket(socket, client, (e) => {
      events.push(e);
      if (e.kind === 'error') reject(e.error);
      if (e.kind === 'established') piped.run(client.write(text('ping')));
      if (e.kind === 'closed') {
        clearTimeout(timer);
        piped.run(client.close());
        socket.end();
        resolve(events);
      }
    });
    socket.on('connect', () => piped.run(client.start()));
    socket.on('error', reject);
  });
}

describe('psk_ke with node:tls (SSL_OP_ALLOW_NO_DHE_KEX)', () => {
  it('our client (psk_ke only) resumes with a node:tls ticket; OpenSSL uses no key share', async () => {
    const server = tls.createServer(
      { ...SERVER_PEM, minVersion: 'TLSv1.3', secureOptions: constants.SSL_OP_ALLOW_NO_DHE_KEX },
      (s) => {
        s.on('data', () => s.end('pong'));
        s.on('error', () => undefined);
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const first = await ourClient(port, undefined, [psk_ke]);
      expect(ofKind(first, 'negotiated')[0]).toMatchObject({ resumed: false, group: 0x1d });
      const ticket = ofKind(first, 'session')[0]!.session;
      const second = await ourClient(port, ticket, [psk_ke]);
      expect(ofKind(second, 'negotiated')[0]).toMatchObject({ resumed: true, group: undefined });
      expect(serverHelloExtensions(second)).toEqual([['supported_versions', 'pre_shared_key']]);
      expect(decode(second)).toEqual(['pong']);
    } finally {
      server.close();
    }
  });

  it('a node:tls client resumes with our psk_ke-only server: it accepts a ServerHello without a key share', async () => {
    const serverEvents: TlsEvent[][] = [];
    const listener = net.createServer((socket) => {
      const events: TlsEvent[] = [];
      serverEvents.push(events);
      const server = new TlsServer({ certificate: certified('server-ecdsa'), ticketer, pskModes: [psk_ke] });
      const piped = pipeSocket(socket, server, (e) => {
        events.push(e);
        if (e.kind === 'data') {
          piped.run(server.write(text('pong')));
          piped.run(server.close());
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const port = (listener.address() as net.AddressInfo).port;
    const connect = (session?: Buffer) =>
      new Promise<{ session: Buffer | undefined; reused: boolean; text: string }>((resolve, reject) => {
        let ticket: Buffer | undefined;
        let got = '';
        const timer = setTimeout(() => reject(new Error('node:tls client got no answer')), WAIT_MS);
        const c = tls.connect(
          {
            port,
            host: '127.0.0.1',
            servername: 'localhost',
            ca: ROOT,
            minVersion: 'TLSv1.3',
            secureOptions: constants.SSL_OP_ALLOW_NO_DHE_KEX,
            session,
          },
          () => c.write('ping'),
        );
        c.on('session', (s: Buffer) => {
          ticket = s;
        });
        c.on('data', (d: Buffer) => {
          got += d.toString();
        });
        c.on('end', () => {
          clearTimeout(timer);
          c.end();
          resolve({ session: ticket, reused: c.isSessionReused(), text: got });
        });
        c.on('error', reject);
      });
    try {
      const first = await connect();
      expect(first.session).toBeDefined();
      const second = await connect(first.session);
      expect(second).toMatchObject({ reused: true, text: 'pong' });
      expect(ofKind(serverEvents[1]!, 'negotiated')[0]).toMatchObject({ resumed: true, group: undefined });
      expect(serverHelloExtensions(serverEvents[1]!)).toEqual([['pre_shared_key', 'supported_versions']]);
    } finally {
      listener.close();
    }
  });
});

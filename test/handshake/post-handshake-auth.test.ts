/**
 * Post-handshake client authentication (RFC 8446 §4.6.2, §4.2.6, §4.3.2, §4.4): our server's
 * `requestClientAuth()` against our client in memory (a certificate, an empty answer, after KeyUpdates
 * both ways, errors as alerts), and against OpenSSL: `openssl s_client -enable_pha -cert …` answering
 * our server, and our client answering `openssl s_server`'s post-handshake request (its interactive
 * `c` command), whose verdict is its own verify callback's output.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TlswireError } from '../../src/bytes/errors.js';
import { TlsClient } from '../../src/handshake/client.js';
import { TlsServer } from '../../src/handshake/server.js';
import type { ClientConfig, ServerConfig, TlsEvent } from '../../src/handshake/types.js';
import { pipeSocket } from '../../src/node/pipe.js';
import { AlertDescription } from '../../src/tls/enums.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';
import { killAll, opensslServer, pki, SKIP_OPENSSL, startPeer } from '../node/peers.js';
import { ofKind } from './support.js';

afterEach(() => killAll());

const certified = (name: string) => ({
  chain: decodePem(readFileSync(pki(`${name}-chain.pem`), 'utf8')).map((b) => b.der),
  key: parsePrivateKey(readFileSync(pki(`${name}.key`), 'utf8')),
});
const SERVER = certified('server-ecdsa');
const CLIENT = certified('client');
const text = (s: string) => new TextEncoder().encode(s);

/** A client and a server wired in memory: each call's events are kept, and `send`s delivered. */
class Pair {
  readonly client: TlsClient;
  readonly server: TlsServer;
  readonly clientEvents: TlsEvent[] = [];
  readonly serverEvents: TlsEvent[] = [];
  readonly verified: Uint8Array[][] = [];

  constructor(client: Partial<ClientConfig>, server: Partial<ServerConfig> = {}) {
    this.client = new TlsClient({ serverName: 'localhost', verifyServer: () => undefined, ...client });
    this.server = new TlsServer({
      certificate: SERVER,
      verifyClient: (chain) => {
        this.verified.push([...chain]);
      },
      ...server,
    });
    this.fromClient(this.client.start());
  }

  /** Deliver a client call's events (and everything that follows) until both are quiet. */
  fromClient(events: TlsEvent[]): TlsEvent[] {
    this.clientEvents.push(...events);
    const answers: TlsEvent[] = [];
    for (const e of events) if (e.kind === 'send') answers.push(...this.server.handle(e.bytes));
    if (answers.length > 0) this.fromServer(answers);
    return events;
  }

  /** Deliver a server call's events (and everything that follows) until both are quiet. */
  fromServer(events: TlsEvent[]): TlsEvent[] {
    this.serverEvents.push(...events);
    const answers: TlsEvent[] = [];
    for (const e of events) if (e.kind === 'send') answers.push(...this.client.handle(e.bytes));
    if (answers.length > 0) this.fromClient(answers);
    return events;
  }
}

const messages = (events: TlsEvent[], direction: 'sent' | 'received') =>
  ofKind(events, 'handshake-message')
    .filter((e) => e.direction === direction)
    .map((e) => e.message.type);

describe('post-handshake client authentication in memory (RFC 8446 §4.6.2)', () => {
  it('a client with a certificate answers Certificate, CertificateVerify, Finished; the server verifies it', () => {
    const pair = new Pair({ postHandshakeAuth: true, certificate: CLIENT });
    expect(pair.server.isEstablished).toBe(true);
    const before = pair.serverEvents.length;
    pair.fromServer(pair.server.requestClientAuth());
    const after = pair.serverEvents.slice(before);
    const request = ofKind(after, 'handshake-message').find((e) => e.message.type === 'certificate_request')!;
    expect(request.direction).toBe('sent');
    const m = request.message;
    const context = m.type === 'certificate_request' && m.version === 'tls13' ? m.context : undefined;
    expect(context).toHaveLength(16);
    expect(messages(after, 'received')).toEqual(['certificate', 'certificate_verify', 'finished']);
    expect(pair.verified).toEqual([CLIENT.chain]);
    expect(ofKind(after, 'peer-certificate').map((e) => e.chain)).toEqual([CLIENT.chain]);
    const done = ofKind(after, 'post-handshake-auth');
    expect(done).toHaveLength(1);
    expect(done[0]!.chain).toEqual(CLIENT.chain);
    expect(done[0]!.context).toEqual(context);
    // peer-certificate (CertificateVerify checked) comes before post-handshake-auth (Finished checked).
    expect(after.findIndex((e) => e.kind === 'peer-certificate')).toBeLessThan(
      after.findIndex((e) => e.kind === 'post-handshake-auth'),
    );
    // The connection goes on.
    const data = ofKind(pair.fromClient(pair.client.write(text('after'))), 'send');
    expect(data).toHaveLength(1);
    expect(ofKind(pair.serverEvents, 'data').map((e) => new TextDecoder().decode(e.bytes))).toEqual(['after']);
  });

  it('each request has its own context; two requests are answered in turn', () => {
    const pair = new Pair({ postHandshakeAuth: true, certificate: CLIENT });
    pair.fromServer(pair.server.requestClientAuth());
    pair.fromServer(pair.server.requestClientAuth());
    const done = ofKind(pair.serverEvents, 'post-handshake-auth');
    expect(done).toHaveLength(2);
    expect(done[0]!.context).not.toEqual(done[1]!.context);
  });

  it('after KeyUpdates both ways the Finished is keyed with the current traffic secret (RFC 8446 §4.4)', () => {
    const pair = new Pair({ postHandshakeAuth: true, certificate: CLIENT });
    pair.fromClient(pair.client.keyUpdate(true));
    pair.fromServer(pair.server.keyUpdate(false));
    expect(ofKind(pair.clientEvents, 'key-update').map((e) => e.direction)).toEqual(['sent', 'received', 'received']);
    pair.fromServer(pair.server.requestClientAuth());
    expect(ofKind(pair.serverEvents, 'post-handshake-auth')).toHaveLength(1);
    expect(ofKind(pair.serverEvents, 'error')).toEqual([]);
  });

  it('a client without a certificate answers an empty Certificate and Finished', () => {
    const pair = new Pair({ postHandshakeAuth: true });
    const before = pair.serverEvents.length;
    pair.fromServer(pair.server.requestClientAuth());
    const after = pair.serverEvents.slice(before);
    expect(messages(after, 'received')).toEqual(['certificate', 'finished']);
    expect(ofKind(after, 'peer-certificate')).toEqual([]);
    expect(ofKind(after, 'post-handshake-auth').map((e) => e.chain)).toEqual([[]]);
    expect(pair.verified).toEqual([]);
  });

  it('an empty answer to a required request → certificate_required', () => {
    const pair = new Pair({ postHandshakeAuth: true });
    pair.fromServer(pair.server.requestClientAuth({ required: true }));
    expect(ofKind(pair.serverEvents, 'alert-sent').map((e) => e.description)).toEqual([
      AlertDescription.certificate_required,
    ]);
    expect(ofKind(pair.clientEvents, 'alert-received').map((e) => e.description)).toEqual([
      AlertDescription.certificate_required,
    ]);
  });

  it('a chain the verifier rejects → its alert (bad_certificate for a plain Error)', () => {
    const pair = new Pair(
      { postHandshakeAuth: true, certificate: CLIENT },
      {
        verifyClient: () => {
          throw new Error('not this client');
        },
      },
    );
    pair.fromServer(pair.server.requestClientAuth());
    expect(ofKind(pair.serverEvents, 'alert-sent').map((e) => e.description)).toEqual([
      AlertDescription.bad_certificate,
    ]);
    expect(ofKind(pair.serverEvents, 'peer-certificate')).toEqual([]);
  });

  it('the server refuses to ask a client that did not offer post_handshake_auth (RFC 8446 §4.2.6)', () => {
    const pair = new Pair({ certificate: CLIENT });
    expect(() => pair.server.requestClientAuth()).toThrow(TlswireError);
    expect(() => pair.server.requestClientAuth()).toThrow(/post_handshake_auth/);
    // The connection is unaffected.
    pair.fromClient(pair.client.write(text('still here')));
    expect(ofKind(pair.serverEvents, 'data')).toHaveLength(1);
  });

  it('requestClientAuth before the handshake completes is a usage error', () => {
    const server = new TlsServer({ certificate: SERVER, verifyClient: () => undefined });
    expect(() => server.requestClientAuth()).toThrow(/before the handshake/);
  });

  it('a client that did not offer post_handshake_auth answers a CertificateRequest with unexpected_message', () => {
    // The ClientHello carries the extension (edited in), but the client's own setting is off.
    const pair = new Pair({
      certificate: CLIENT,
      editClientHello: (hello) => ({
        ...hello,
        extensions: [...(hello.extensions ?? []), { kind: 'post_handshake_auth' }],
      }),
    });
    pair.fromServer(pair.server.requestClientAuth());
    expect(ofKind(pair.clientEvents, 'alert-sent').map((e) => e.description)).toEqual([
      AlertDescription.unexpected_message,
    ]);
  });
});

const WAIT_MS = 15_000;

describe.skipIf(SKIP_OPENSSL)('post-handshake client authentication with OpenSSL', () => {
  /** Our server on 127.0.0.1: asks for a certificate once established, then writes a line. */
  async function ourServer(): Promise<{
    port: number;
    events: TlsEvent[];
    done: Promise<void>;
    close: () => void;
  }> {
    const events: TlsEvent[] = [];
    let finish: () => void = () => undefined;
    let fail: (e: Error) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const sockets: net.Socket[] = [];
    const srv = net.createServer((socket) => {
      sockets.push(socket);
      const server = new TlsServer({ certificate: SERVER, verifyClient: () => undefined });
      const piped = pipeSocket(socket, server, (e) => {
        events.push(e);
        if (e.kind === 'error') fail(e.error);
        if (e.kind === 'established') piped.run(server.requestClientAuth());
        if (e.kind === 'post-handshake-auth') {
          piped.run(server.write(text('authenticated\n')));
          finish();
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    const timer = setTimeout(() => fail(new Error('no post-handshake authentication')), WAIT_MS);
    return {
      port,
      events,
      done: done.finally(() => clearTimeout(timer)),
      close: () => {
        for (const s of sockets) s.destroy();
        srv.close();
      },
    };
  }

  const sClient = (port: number, cert: string[]) =>
    startPeer(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-enable_pha', '-servername', 'localhost', ...cert],
      undefined,
      true,
    );

  it('openssl s_client -enable_pha -cert answers our CertificateRequest; the server sees its chain', async () => {
    const server = await ourServer();
    try {
      const peer = sClient(server.port, [
        '-cert',
        pki('client.crt'),
        '-key',
        pki('client.key'),
        '-cert_chain',
        pki('intermediate-ca.crt'),
      ]);
      await server.done;
      // s_client keeps going after answering: it prints what we wrote afterwards.
      await peer.waitFor(/^authenticated$/m, WAIT_MS);
      expect(messages(server.events, 'received')).toEqual([
        'client_hello',
        'finished',
        'certificate',
        'certificate_verify',
        'finished',
      ]);
      expect(ofKind(server.events, 'peer-certificate').map((e) => e.chain)).toEqual([CLIENT.chain]);
      expect(ofKind(server.events, 'post-handshake-auth').map((e) => e.chain)).toEqual([CLIENT.chain]);
    } finally {
      server.close();
    }
  });

  it('openssl s_client -enable_pha without a certificate answers an empty Certificate', async () => {
    const server = await ourServer();
    try {
      const peer = sClient(server.port, []);
      await server.done;
      await peer.waitFor(/^authenticated$/m, WAIT_MS);
      expect(messages(server.events, 'received')).toEqual(['client_hello', 'finished', 'certificate', 'finished']);
      expect(ofKind(server.events, 'post-handshake-auth').map((e) => e.chain)).toEqual([[]]);
    } finally {
      server.close();
    }
  });

  it("our client answers openssl s_server's post-handshake request ('c'); s_server verifies the chain", async () => {
    const peer = await opensslServer('server-ecdsa', ['-verifyCAfile', pki('root-ca.crt')]);
    const client = new TlsClient({
      serverName: 'localhost',
      verifyServer: () => undefined,
      certificate: CLIENT,
      postHandshakeAuth: true,
    });
    const events: TlsEvent[] = [];
    let requested = false;
    const socket = net.connect(peer.port, '127.0.0.1');
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no CertificateRequest from s_server')), WAIT_MS);
        const piped = pipeSocket(socket, client, (e) => {
          events.push(e);
          if (e.kind === 'error') reject(e.error);
          // s_server sends its tickets once it has our Finished: only then can it start the request.
          if (e.kind === 'session' && !requested) {
            requested = true;
            peer.proc.stdin!.write('c\n');
          }
          if (e.kind === 'handshake-message' && e.direction === 'sent' && e.message.type === 'finished') {
            if (client.isEstablished && messages(events, 'received').includes('certificate_request')) {
              clearTimeout(timer);
              resolve();
            }
          }
        });
        socket.on('connect', () => piped.run(client.start()));
        socket.on('error', reject);
      });
      // s_server's verify callback reports the client chain once it has read our answer (its
      // "SSL_do_handshake -> 1" line can come before that: it is printed when the request is sent).
      const out = await peer.waitFor(/depth=0 O = Test PKI, CN = test-client\nverify return:1/, WAIT_MS);
      // (PEM blocks left out: their base64 could spell anything.)
      expect(out.replace(/-----BEGIN [\s\S]*?-----END [^-]+-----/g, '')).not.toMatch(/error|alert|Failed/i);
      expect(messages(events, 'sent')).toEqual([
        'client_hello',
        'finished',
        'certificate',
        'certificate_verify',
        'finished',
      ]);
      // Data still flows afterwards: s_server prints what we write.
      for (const e of client.write(text('after pha\n'))) if (e.kind === 'send') socket.write(e.bytes);
      await peer.waitFor(/^after pha$/m, WAIT_MS);
    } finally {
      socket.destroy();
    }
  });
});

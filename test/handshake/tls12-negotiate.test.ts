/**
 * Version negotiation (RFC 8446 §4.1.3, §4.2.1, Appendix D): one client offering TLS 1.2 and 1.3
 * continues with whatever the server selects, one server serves each client its best version, and
 * the TLS 1.2 downgrade sentinel is written by a 1.3-capable server negotiating TLS 1.2 and refused
 * by a 1.3-capable client. Judged by node:tls (OpenSSL 3): its negotiated protocol, and its own
 * refusal of our sentinel.
 */
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { concat } from '../../src/bytes/hex.js';
import { TlsClient } from '../../src/handshake/client.js';
import { type AnyTlsEvent, NegotiatingClient, NegotiatingServer } from '../../src/handshake/negotiate.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { identity, pki } from './tls12-support.js';

const ECDSA = identity('server-ecdsa');
const ROOT = pki('root-ca.crt');
const accept = () => undefined;
const WAIT_MS = 20_000;

interface Machine {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}
const sent = (events: AnyTlsEvent[]) => concat(...events.flatMap((e) => (e.kind === 'send' ? [e.bytes] : [])));
const kinds = <K extends AnyTlsEvent['kind']>(events: AnyTlsEvent[], kind: K) =>
  events.filter((e): e is Extract<AnyTlsEvent, { kind: K }> => e.kind === kind);

/** Pass bytes back and forth until both sides are quiet; every event of each side. */
function pump(client: Machine, server: Machine, first: AnyTlsEvent[]) {
  const log = { client: [...first], server: [] as AnyTlsEvent[] };
  let toServer: Uint8Array = sent(first);
  for (let round = 0; round < 20 && toServer.length > 0; round++) {
    const s = server.handle(toServer);
    log.server.push(...s);
    const c = client.handle(sent(s));
    log.client.push(...c);
    toServer = sent(c);
  }
  return log;
}

const bothServer = () =>
  new NegotiatingServer({ tls13: { certificate: ECDSA.certified }, tls12: { certificate: ECDSA.certified } });
const bothClient = () => new NegotiatingClient({ serverName: 'localhost', verifyServer: accept });
const serverRandom = (events: AnyTlsEvent[]) =>
  (kinds(events, 'handshake-message').find((e) => e.message.type === 'server_hello')!.message as { random: Uint8Array })
    .random;
const DOWNGRD_12 = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01];

describe('version negotiation in memory', () => {
  it('both sides offer 1.2 and 1.3: TLS 1.3, no sentinel', () => {
    const client = bothClient();
    const server = bothServer();
    const log = pump(client, server, client.start());
    expect(kinds(log.client, 'error')).toEqual([]);
    expect(kinds(log.client, 'negotiated')[0]!.version).toBe(0x0304);
    expect(client.version).toBe(0x0304);
    expect(server.version).toBe(0x0304);
    expect([...serverRandom(log.client).subarray(24)]).not.toEqual(DOWNGRD_12);
  });

  it('a TLS 1.2-only server: the dual client continues in TLS 1.2 from the same ClientHello', () => {
    const client = bothClient();
    const server = new Tls12Server({ certificate: ECDSA.certified });
    const log = pump(client, server, client.start());
    expect(kinds(log.client, 'error')).toEqual([]);
    expect(kinds(log.client, 'negotiated')[0]).toMatchObject({ version: 0x0303, extendedMasterSecret: true });
    expect(client.isEstablished && server.isEstablished).toBe(true);
    const data = kinds(server.handle(sent(client.write(Uint8Array.of(1, 2, 3)))), 'data');
    expect(data[0]!.bytes).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('a TLS 1.2-only client gets TLS 1.2 from the dual server, with DOWNGRD\\x01 ending its random', () => {
    const client = new Tls12Client({ serverName: 'localhost', verifyServer: accept });
    const server = bothServer();
    const log = pump(client, server, client.start());
    expect(kinds(log.client, 'error')).toEqual([]);
    expect(server.version).toBe(0x0303);
    expect([...serverRandom(log.client).subarray(24)]).toEqual(DOWNGRD_12);
  });

  it('a TLS 1.3-only client gets TLS 1.3 from the dual server', () => {
    const client = new TlsClient({ serverName: 'localhost', verifyServer: accept });
    const server = bothServer();
    const log = pump(client, server, client.start());
    expect(kinds(log.client, 'negotiated')[0]!.version).toBe(0x0304);
  });

  it('the dual client refuses TLS 1.2 from a server that signals it supports 1.3 → illegal_parameter (47)', () => {
    const client = bothClient();
    const server = new Tls12Server({ certificate: ECDSA.certified, tls13Supported: true });
    const log = pump(client, server, client.start());
    expect(kinds(log.client, 'alert-sent')).toEqual([{ kind: 'alert-sent', level: 2, description: 47 }]);
  });
});

/** Drive a machine over a socket until the peer closes; resolves with every event. */
function drive(socket: net.Socket, machine: Machine & { write(d: Uint8Array): AnyTlsEvent[]; close(): AnyTlsEvent[] }) {
  return new Promise<AnyTlsEvent[]>((resolve, reject) => {
    const events: AnyTlsEvent[] = [];
    const timer = setTimeout(() => reject(new Error('no close within the wait')), WAIT_MS);
    const act = (batch: AnyTlsEvent[]) => {
      for (const e of batch) {
        if (e.kind === 'send') socket.write(e.bytes);
        else events.push(e);
        if (e.kind === 'error' || e.kind === 'closed') {
          clearTimeout(timer);
          if (e.kind === 'closed') act(machine.close());
          socket.end();
          resolve(events);
        }
      }
    };
    socket.on('data', (d: Uint8Array) => act(machine.handle(d)));
    socket.on('error', reject);
  });
}

describe('version negotiation with node:tls', () => {
  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`our dual client against a node:tls server with maxVersion ${maxVersion}`, async () => {
      const server = tls.createServer({ key: ECDSA.keyPem, cert: ECDSA.pem, maxVersion }, (s) => {
        s.on('data', (d: Buffer) => s.end(d));
        s.on('error', () => undefined);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const client = bothClient();
        const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
        const done = drive(socket, {
          handle: (b) => {
            const ev = client.handle(b);
            if (ev.some((e) => e.kind === 'established')) return [...ev, ...client.write(Uint8Array.of(42))];
            return ev;
          },
          write: (d) => client.write(d),
          close: () => client.close(),
        });
        socket.on('connect', () => {
          for (const e of client.start()) if (e.kind === 'send') socket.write(e.bytes);
        });
        const events = await done;
        expect(kinds(events, 'negotiated')[0]!.version).toBe(maxVersion === 'TLSv1.2' ? 0x0303 : 0x0304);
        expect(kinds(events, 'data')[0]!.bytes).toEqual(Uint8Array.of(42));
      } finally {
        server.close();
      }
    });

    it(`our dual server against a node:tls client with maxVersion ${maxVersion}`, async () => {
      let version: number | undefined;
      const listener = net.createServer((socket) => {
        const server = bothServer();
        void drive(socket, {
          handle: (b) => {
            const ev = server.handle(b);
            version = server.version;
            return [...ev, ...kinds(ev, 'data').flatMap((d) => server.write(d.bytes))];
          },
          write: (d) => server.write(d),
          close: () => server.close(),
        }).catch(() => undefined);
      });
      await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
      try {
        const port = (listener.address() as net.AddressInfo).port;
        const protocol = await new Promise<string | null>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no echo within the wait')), WAIT_MS);
          const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: ROOT, maxVersion }, () =>
            c.write('ping'),
          );
          c.on('data', () => {
            clearTimeout(timer);
            const p = c.getProtocol();
            c.end();
            resolve(p);
          });
          c.on('error', reject);
        });
        expect(protocol).toBe(maxVersion);
        expect(version).toBe(maxVersion === 'TLSv1.2' ? 0x0303 : 0x0304);
      } finally {
        listener.close();
      }
    });
  }

  it('a 1.3-capable node:tls client refuses our TLS 1.2 ServerHello carrying the sentinel (illegal_parameter)', async () => {
    let serverDone: (events: Promise<AnyTlsEvent[]>) => void = () => undefined;
    const served = new Promise<Promise<AnyTlsEvent[]>>((r) => {
      serverDone = r;
    });
    const listener = net.createServer((socket) => {
      serverDone(drive(socket, new Tls12Server({ certificate: ECDSA.certified, tls13Supported: true })));
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    try {
      const port = (listener.address() as net.AddressInfo).port;
      const error = await new Promise<Error>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('node:tls did not fail within the wait')), WAIT_MS);
        const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: ROOT }, () =>
          reject(new Error('node:tls accepted a downgrade')),
        );
        c.on('error', (e) => {
          clearTimeout(timer);
          resolve(e);
        });
      });
      expect(error.message).toMatch(/inappropriate fallback/i);
      const events = await await served;
      expect(kinds(events, 'alert-received')).toEqual([{ kind: 'alert-received', level: 2, description: 47 }]);
    } finally {
      listener.close();
    }
  });
});

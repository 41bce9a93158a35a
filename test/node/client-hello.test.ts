/**
 * `readClientHello` (issue #13): a `net.Server` reads the ClientHello of openssl s_client and of a
 * node:tls client before any handshake, then hands the socket to a node:tls server or to a tlswire
 * server (`emit('connection', socket)`), and the handshake completes as if nothing had been read:
 * the bytes given back are exactly the bytes the client sent.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientHelloError, clientHelloMessage, createServer, readClientHello } from '../../src/node/index.js';
import { killAll, readPki, SKIP_OPENSSL, startPeer } from './peers.js';

const ROOT = readPki('root-ca.crt');
const CERT = { cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key') };
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
  killAll();
});

type Backend = 'node:tls' | 'tlswire';

/** A net.Server that reads each ClientHello, then hands the socket to `backend`, which answers "hi". */
async function frontDoor(backend: Backend) {
  const tlsServer: net.Server =
    backend === 'node:tls' ? tls.createServer(CERT, (s) => s.end('hi\n')) : createServer(CERT, (s) => s.end('hi\n'));
  const hellos: Awaited<ReturnType<typeof readClientHello>>[] = [];
  const front = net.createServer(async (socket) => {
    socket.on('error', () => undefined);
    try {
      hellos.push(await readClientHello(socket));
    } catch {
      socket.destroy();
      return;
    }
    tlsServer.emit('connection', socket);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  closers.push(() => front.close());
  return { port: (front.address() as net.AddressInfo).port, hellos };
}

function sniOf(hello: Awaited<ReturnType<typeof readClientHello>>): string | undefined {
  const ext = hello.clientHello.extensions?.find((e) => e.kind === 'server_name');
  return ext?.kind === 'server_name' ? ext.names[0]?.name : undefined;
}

describe('readClientHello hands the socket on untouched', () => {
  for (const backend of ['node:tls', 'tlswire'] as const) {
    it(`a node:tls client through the reader to ${backend}`, async () => {
      const { port, hellos } = await frontDoor(backend);
      const got = await new Promise<string>((resolve, reject) => {
        const c = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ROOT, ALPNProtocols: ['h2'] });
        let text = '';
        c.on('data', (d: Buffer) => {
          text += d.toString();
        });
        c.on('end', () => resolve(text));
        c.on('error', reject);
      });
      expect(got).toBe('hi\n');
      expect(hellos).toHaveLength(1);
      const hello = hellos[0]!;
      expect(sniOf(hello)).toBe('localhost');
      expect(hello.bytes[0]).toBe(22);
      expect(hello.message[0]).toBe(1);
      expect(clientHelloMessage(hello.bytes)).toEqual(hello.message);
    });

    it.skipIf(SKIP_OPENSSL)(`openssl s_client through the reader to ${backend}`, async () => {
      const { port, hellos } = await frontDoor(backend);
      const peer = startPeer(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${port}`,
          '-servername',
          'example.test',
          '-CAfile',
          readPkiPath(),
          '-ign_eof',
        ],
        '',
      );
      await peer.waitFor(/hi\n/);
      await peer.exited();
      expect(peer.output()).toMatch(/Verify return code: 0 \(ok\)/);
      expect(sniOf(hellos[0]!)).toBe('example.test');
    });
  }

  it('a ClientHello split over several TCP writes and two records', async () => {
    const { port, hellos } = await frontDoor('tlswire');
    // Capture a real ClientHello from node:tls, then resend it re-framed as two records, byte by byte.
    const raw = await new Promise<Buffer>((resolve) => {
      const capture = net.createServer((s) => s.once('data', (d: Buffer) => resolve(d)).on('error', () => undefined));
      capture.listen(0, '127.0.0.1', () => {
        const c = tls.connect({
          host: '127.0.0.1',
          port: (capture.address() as net.AddressInfo).port,
          servername: 'a.test',
        });
        c.on('error', () => undefined);
        closers.push(() => {
          c.destroy();
          capture.close();
        });
      });
    });
    const message = clientHelloMessage(raw)!;
    const half = 40;
    const record = (body: Uint8Array) =>
      Buffer.concat([Buffer.from([22, 3, 1, body.length >> 8, body.length & 0xff]), body]);
    const reframed = Buffer.concat([record(message.subarray(0, half)), record(message.subarray(half))]);
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    closers.push(() => socket.destroy());
    for (let i = 0; i < reframed.length; i += 97) {
      socket.write(reframed.subarray(i, i + 97));
      await new Promise((r) => setImmediate(r));
    }
    await expect.poll(() => hellos.length).toBe(1);
    expect(Buffer.from(hellos[0]!.message)).toEqual(Buffer.from(message));
    expect(Buffer.from(hellos[0]!.bytes)).toEqual(reframed);
    expect(sniOf(hellos[0]!)).toBe('a.test');
  });

  it('plaintext HTTP and other records are refused with a reason', () => {
    expect(() => clientHelloMessage(new TextEncoder().encode('GET / HTTP/1.1\r\n'))).toThrow(
      new ClientHelloError('the client sent plaintext HTTP, not a TLS ClientHello'),
    );
    expect(() => clientHelloMessage(Uint8Array.of(21, 3, 3, 0, 2, 2, 40))).toThrow(/record type 21/);
    expect(() => clientHelloMessage(Uint8Array.of(22, 3, 3, 0, 4, 2, 0, 0, 0))).toThrow(/type 2, not ClientHello/);
    expect(clientHelloMessage(Uint8Array.of(22, 3, 1, 0))).toBeUndefined();
  });
});

function readPkiPath(): string {
  return new URL('../pki/out/root-ca.crt', import.meta.url).pathname;
}

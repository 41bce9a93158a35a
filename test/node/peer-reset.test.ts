/**
 * A peer that sends a fatal alert and closes while we are still writing (issue #11 item 13): the client
 * reports the peer's alert, never `write EPIPE` / `ECONNRESET` in stage "transport". The race of the
 * issue is made deterministic: node:tls (OpenSSL) runs in a worker thread and refuses the missing
 * client certificate (TLS 1.3: certificate_required, RFC 8446 §4.4.2.4) after our Finished; our
 * client writes two records of data at once, and its TCP socket holds the second until the server
 * has closed, so it always meets the reset (EPIPE) before the alert, still in the kernel, is read.
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, TlsConnectionError } from '../../src/node/index.js';
import { pki, readPki } from './peers.js';

const ROOT = readPki('root-ca.crt');

/** node:tls requiring a client certificate; sets `closed[0]` once a refused socket has closed. */
const SERVER = `
const { parentPort, workerData } = require('node:worker_threads');
const tls = require('node:tls');
const fs = require('node:fs');
const closed = new Int32Array(workerData.closed);
const server = tls.createServer({
  cert: fs.readFileSync(workerData.cert), key: fs.readFileSync(workerData.key), ca: fs.readFileSync(workerData.ca),
  requestCert: true, rejectUnauthorized: true,
}, (s) => s.destroy());
server.on('tlsClientError', (e, s) => {
  s.on('close', () => { Atomics.store(closed, 0, 1); Atomics.notify(closed, 0); });
  s.destroy();
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

/** A TCP socket whose fourth and later writes wait (up to 2 s) until the server has closed. */
class HeldWrites extends net.Socket {
  writes = 0;
  constructor(readonly serverClosed: Int32Array) {
    super();
  }
  override _write(chunk: unknown, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // ClientHello, the client's Finished flight, the first record of data, then the held ones.
    if (++this.writes > 3) Atomics.wait(this.serverClosed, 0, 0, 2000);
    super._write(chunk, encoding, callback);
  }
}

let worker: Worker;
let port: number;
const closed = new Int32Array(new SharedArrayBuffer(4));

beforeAll(async () => {
  worker = new Worker(SERVER, {
    eval: true,
    workerData: {
      closed: closed.buffer,
      cert: pki('server-ecdsa-chain.pem'),
      key: pki('server-ecdsa.key'),
      ca: pki('root-ca.crt'),
    },
  });
  port = await new Promise<number>((resolve) => worker.once('message', resolve));
});
afterAll(() => worker.terminate());

/** One connection without a client certificate: the error our client reports. */
function refused(): Promise<TlsConnectionError> {
  Atomics.store(closed, 0, 0);
  const tcp = new HeldWrites(closed);
  tcp.connect(port, '127.0.0.1');
  const socket = connect({ socket: tcp, servername: 'localhost', ca: ROOT });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no error within 10 s')), 10_000);
    socket.on('secureConnect', () => {
      socket.write('GET / HTTP/1.0\r\n');
      socket.write('\r\n');
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      resolve(e as TlsConnectionError);
    });
  });
}

describe('a fatal alert and a close while we write', () => {
  it('20 times in a row the client reports the peer certificate_required, not write EPIPE', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      const e = await refused();
      expect(e).toBeInstanceOf(TlsConnectionError);
      seen.push(`${e.stage} ${e.alertName} ${e.alertOrigin}`);
    }
    expect(seen).toEqual(Array(20).fill('authentication certificate_required peer'));
  });
});

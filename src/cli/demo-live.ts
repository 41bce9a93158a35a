/**
 * The live part of `tlswire demo`: two TLS 1.3 handshakes with the test PKI (test/pki/out/).
 *
 * 3. tlswire's client and tlswire's server in memory: the records one side sends are handed to the
 *    other, and every handshake message, secret (by label) and the negotiated parameters are printed.
 * 4. tlswire's client against a node:tls (OpenSSL) server on 127.0.0.1. The demo command is
 *    synchronous, so the node:tls server and a plain TCP socket to it run in a worker thread; this
 *    thread drives the sans-IO client and exchanges the socket's bytes with the worker, waiting on a
 *    shared counter (`Atomics.wait`) whenever it needs the server's next bytes.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { NobleProvider } from '../crypto/noble.js';
import { TlsClient } from '../handshake/client.js';
import { TlsServer } from '../handshake/server.js';
import { AeadTicketer } from '../handshake/ticket.js';
import type { TlsEvent } from '../handshake/types.js';
import { certificatesFrom, certifiedKey, chainVerifier } from '../node/credentials.js';
import { TrustStore } from '../x509/verify.js';
import { describeError, type Output } from './format.js';
import { traceLine } from './live.js';

const LEAF = 'server-ecdsa';
const MESSAGE = 'hello from tlswire';

/** Events worth a line in the demo; the server's secrets and received messages repeat the client's. */
function shown(side: 'client' | 'server', e: TlsEvent): boolean {
  if (e.kind === 'handshake-message') return e.direction === 'sent';
  if (side === 'server') return e.kind === 'established';
  return e.kind !== 'send' && e.kind !== 'data' && e.kind !== 'alert-sent' && e.kind !== 'alert-received';
}

function clientFor(rootPem: string, provider: NobleProvider): TlsClient {
  return new TlsClient({
    provider,
    keyLog: true, // the demo shows the secrets by label
    serverName: 'localhost',
    alpn: ['http/1.1'],
    verifyServer: chainVerifier({
      roots: new TrustStore(certificatesFrom(rootPem)),
      purpose: 'serverAuth',
      rejectUnauthorized: true,
      provider,
    }),
  });
}

/** Section 3: client and server in memory. Returns the exit code. */
function inMemory(dir: string, io: Output): number {
  const provider = new NobleProvider();
  const client = clientFor(readFileSync(`${dir}root-ca.crt`, 'utf8'), provider);
  const server = new TlsServer({
    provider,
    certificate: certifiedKey(
      readFileSync(`${dir}${LEAF}-chain.pem`, 'utf8'),
      readFileSync(`${dir}${LEAF}.key`, 'utf8'),
    ),
    alpn: ['http/1.1'],
    ticketer: new AeadTicketer(provider, provider.random(32)),
  });
  const inFlight: { to: 'client' | 'server'; bytes: Uint8Array }[] = [];
  const received: string[] = [];
  let failed = false;
  const act = (side: 'client' | 'server', events: TlsEvent[]): void => {
    for (const e of events) {
      if (e.kind === 'send') inFlight.push({ to: side === 'client' ? 'server' : 'client', bytes: e.bytes });
      if (e.kind === 'data') received.push(`   ${side} received: ${JSON.stringify(new TextDecoder().decode(e.bytes))}`);
      if (e.kind === 'error') failed = true;
      const line = shown(side, e) ? traceLine(e) : undefined;
      if (line !== undefined) io.out(`   ${side.padEnd(6)} ${line}`);
    }
  };
  const deliver = (): void => {
    for (let next = inFlight.shift(); next; next = inFlight.shift()) {
      act(next.to, (next.to === 'server' ? server : client).handle(next.bytes));
    }
  };
  act('client', client.start());
  deliver();
  if (client.isEstablished) {
    act('client', client.write(new TextEncoder().encode(MESSAGE)));
    deliver();
    act('server', server.write(new TextEncoder().encode(`echo: ${MESSAGE}`)));
    deliver();
  }
  for (const line of received) io.out(line);
  return failed || !client.isEstablished ? 1 : 0;
}

/** The worker: a node:tls echo server and a plain TCP socket to it, bytes relayed over `port`. */
const WORKER = `
const { workerData } = require('node:worker_threads');
const net = require('node:net');
const tls = require('node:tls');
const { port, signal, cert, key } = workerData;
const counter = new Int32Array(signal);
const post = (m) => { port.postMessage(m); Atomics.add(counter, 0, 1); Atomics.notify(counter, 0); };
const server = tls.createServer({ cert, key, minVersion: 'TLSv1.3', ALPNProtocols: ['http/1.1'] }, (s) => {
  s.on('data', (d) => s.write('echo: ' + d.toString()));
  s.on('end', () => s.end());
  s.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => {
  const { port: tcpPort } = server.address();
  const socket = net.connect(tcpPort, '127.0.0.1', () => post({ kind: 'connected', port: tcpPort }));
  socket.on('data', (d) => post({ kind: 'bytes', bytes: new Uint8Array(d) }));
  socket.on('error', (e) => post({ kind: 'error', message: e.message }));
  socket.on('close', () => { post({ kind: 'closed' }); server.close(); port.close(); });
  port.on('message', (m) => { if (m.kind === 'bytes') socket.write(m.bytes); else socket.end(); });
});
`;

type WorkerMessage =
  | { kind: 'connected'; port: number }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'error'; message: string }
  | { kind: 'closed' };

/** Section 4: our client against node:tls on 127.0.0.1. Returns the exit code. */
function againstNode(dir: string, io: Output): number {
  const signal = new SharedArrayBuffer(4);
  const counter = new Int32Array(signal);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      port: port2,
      signal,
      cert: readFileSync(`${dir}${LEAF}-chain.pem`, 'utf8'),
      key: readFileSync(`${dir}${LEAF}.key`, 'utf8'),
    },
    transferList: [port2],
  });
  const deadline = Date.now() + 10_000;
  const next = (): WorkerMessage => {
    for (;;) {
      const seen = Atomics.load(counter, 0);
      const m = receiveMessageOnPort(port1);
      if (m) return m.message as WorkerMessage;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('node:tls did not answer within 10 s');
      Atomics.wait(counter, 0, seen, Math.min(left, 250));
    }
  };
  try {
    const hello = next();
    if (hello.kind !== 'connected') throw new Error(`node:tls worker: ${JSON.stringify(hello)}`);
    io.out(`   node:tls listens on 127.0.0.1:${hello.port}; tlswire's client connects`);
    const provider = new NobleProvider();
    const client = clientFor(readFileSync(`${dir}root-ca.crt`, 'utf8'), provider);
    let echoed: string | undefined;
    let closed = false;
    const act = (events: TlsEvent[]): void => {
      for (const e of events) {
        if (e.kind === 'send') port1.postMessage({ kind: 'bytes', bytes: e.bytes });
        if (e.kind === 'negotiated') io.out(`   ${traceLine(e)!.trim()}`);
        if (e.kind === 'peer-certificate') io.out(`   ${traceLine(e)!.trim()}`);
        if (e.kind === 'data') echoed = (echoed ?? '') + new TextDecoder().decode(e.bytes);
        if (e.kind === 'closed') closed = true;
        if (e.kind === 'error') throw e.error;
      }
    };
    const pump = (until: () => boolean): void => {
      while (!until()) {
        const m = next();
        if (m.kind === 'bytes') act(client.handle(m.bytes));
        else if (m.kind === 'error') throw new Error(`node:tls socket: ${m.message}`);
        else if (m.kind === 'closed') return;
      }
    };
    act(client.start());
    pump(() => client.isEstablished);
    act(client.write(new TextEncoder().encode(MESSAGE)));
    pump(() => echoed !== undefined && echoed.length >= `echo: ${MESSAGE}`.length);
    io.out(`   client sent: ${JSON.stringify(MESSAGE)}`);
    io.out(`   node:tls answered: ${JSON.stringify(echoed)}`);
    act(client.close());
    port1.postMessage({ kind: 'end' });
    pump(() => closed);
    return echoed === `echo: ${MESSAGE}` ? 0 : 1;
  } finally {
    port1.close();
    void worker.terminate();
  }
}

/**
 * Print sections 3 and 4 of the demo, using the test PKI in `pkiDir` (test/pki/out/ of the repository).
 * Returns the exit code.
 */
export function liveDemo(pkiDir: string, io: Output): number {
  const dir = pkiDir.endsWith('/') ? pkiDir : `${pkiDir}/`;
  const missing = ['root-ca.crt', `${LEAF}-chain.pem`, `${LEAF}.key`].find((f) => !existsSync(`${dir}${f}`));
  if (missing) {
    io.err(`tlswire demo: ${dir}${missing} not found; run the demo from a clone of the tlswire repository`);
    return 1;
  }
  io.out('3. A live TLS 1.3 handshake in memory: tlswire client ↔ tlswire server');
  io.out(`   ECDSA P-256 certificate (test/pki/out/${LEAF}-chain.pem), ALPN http/1.1. Each line is a handshake`);
  io.out('   message as sent (key fields), a secret as derived (by its SSLKEYLOGFILE label), or an outcome.');
  io.out('');
  let code: number;
  try {
    code = inMemory(dir, io);
  } catch (e) {
    io.err(`tlswire demo: in-memory handshake: ${describeError(e)}`);
    code = 1;
  }
  io.out('');
  io.out('4. tlswire client ↔ node:tls server (OpenSSL) over TCP on 127.0.0.1');
  io.out('');
  try {
    code = Math.max(code, againstNode(dir, io));
  } catch (e) {
    io.err(`tlswire demo: node:tls handshake: ${describeError(e)}`);
    code = 1;
  }
  return code;
}

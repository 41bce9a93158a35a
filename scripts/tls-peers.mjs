/**
 * tls-peers.mjs — one node:tls client ↔ server exchange on 127.0.0.1, for recording capture vectors
 * (run by scripts/record-tls-vectors.sh while tcpdump listens).
 *
 * Usage: node scripts/tls-peers.mjs PORT TLSVERSION KEYLOG      e.g. 44330 TLSv1.3 vectors/tls/x.keylog
 * The server (test/pki/out/server-ecdsa chain, ALPN http/1.1) echoes one line; the client (SNI localhost,
 * ALPN h2,http/1.1, trusting test/pki/out/root-ca.crt) sends "hello\n", waits for the echo and closes.
 * Both sides' key log lines (NSS format) are written to KEYLOG, without duplicates.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import tls from 'node:tls';

const [port, version, keylogPath] = process.argv.slice(2);
if (!port || !version || !keylogPath) throw new Error('usage: tls-peers.mjs PORT TLSVERSION KEYLOG');
const pki = new URL('../test/pki/out/', import.meta.url);
const read = (name) => readFileSync(new URL(name, pki));
const lines = new Set();

const server = tls.createServer(
  {
    cert: read('server-ecdsa-chain.pem'),
    key: read('server-ecdsa.key'),
    minVersion: version,
    maxVersion: version,
    ALPNProtocols: ['http/1.1'],
  },
  (socket) => {
    socket.on('data', (d) => socket.write(d));
    socket.on('end', () => socket.end());
  },
);
server.on('keylog', (line) => lines.add(line.toString()));
server.listen(Number(port), '127.0.0.1', () => {
  const client = tls.connect({
    host: '127.0.0.1',
    port: Number(port),
    servername: 'localhost',
    ca: read('root-ca.crt'),
    minVersion: version,
    maxVersion: version,
    ALPNProtocols: ['h2', 'http/1.1'],
  });
  client.on('keylog', (line) => lines.add(line.toString()));
  client.on('secureConnect', () => client.write('hello\n'));
  client.on('data', () => client.end());
  client.on('close', () => {
    writeFileSync(keylogPath, [...lines].join(''));
    server.close();
  });
  client.on('error', (e) => {
    console.error(e);
    process.exitCode = 1;
    server.close();
  });
});
setTimeout(() => {
  console.error('tls-peers: timed out');
  process.exit(1);
}, 10_000).unref();

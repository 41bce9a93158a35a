// Reads `tcp.stream, tcp.srcport, tcp.dstport, tcp.payload` lines (tshark -T fields) on stdin and prints
// `stream<TAB>ja4` for the first ClientHello of each connection's client-to-server bytes, computed by
// the read-tls-client-hello package at the path in argv[2]. Used by record-fingerprint-vectors.sh.
const { Readable } = require('node:stream');
const { readTlsClientHello, calculateJa4 } = require(process.argv[2]);

const lines = require('node:fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
const streams = new Map();
for (const line of lines) {
  const [stream, src, , payload] = line.split('\t');
  let s = streams.get(stream);
  if (!s) {
    s = { client: src, chunks: [] }; // the first payload is the client's
    streams.set(stream, s);
  }
  if (src === s.client) s.chunks.push(Buffer.from(payload, 'hex'));
}
(async () => {
  console.log('stream\tja4');
  for (const [stream, s] of streams) {
    const hello = await readTlsClientHello(Readable.from(Buffer.concat(s.chunks), { objectMode: false }));
    console.log(`${stream}\t${calculateJa4(hello)}`);
  }
})();

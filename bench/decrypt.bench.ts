/**
 * Decryption benchmark: read + decode + reassemble + decrypt a ~20 MB TLS 1.3 capture
 * (AES-128-GCM). The file is the real openssl session of vectors/decrypt/openssl-tls13.pcap up to the
 * server's first application data, then 20 MiB more application data from the server, sealed here
 * with that session's SERVER_TRAFFIC_SECRET_0 (sequence numbers continuing) and carried in copies of
 * its last server packet (TCP sequence numbers and IPv4 lengths adjusted), three 16 KiB records per
 * segment. MB/s = file size × ops/s. The baseline task runs the same file without the key log; the
 * two decrypting tasks run with each provider: NobleProvider (pure TypeScript, as in a browser) and
 * NodeCryptoProvider (node:crypto, what `tlswire pcap` uses on Node). The anchor: tshark decrypting
 * the same file with the same key log, timed once per run (start-up included), when it is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench } from 'tinybench';
import { fromHex } from '../src/bytes/hex.js';
import { decodePacket, readCapture } from '../src/capture/decode.js';
import { trackConnections } from '../src/capture/flow.js';
import type { PacketToWrite } from '../src/capture/packet.js';
import { writePcap } from '../src/capture/pcap.js';
import { tls13CipherSuite } from '../src/crypto/key-schedule.js';
import { NobleProvider } from '../src/crypto/noble.js';
import { RecordSealer } from '../src/crypto/record-protection.js';
import { analyzeTls } from '../src/decrypt/analyze.js';
import { decryptCapture, plaintextStreams } from '../src/decrypt/capture.js';
import { KeyLog } from '../src/decrypt/keylog.js';
import { NodeCryptoProvider } from '../src/node/crypto-provider.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, '../vectors/decrypt/');
const keyLog = KeyLog.fromText(readFileSync(join(dir, 'openssl-tls13.keylog'), 'utf8'));
const original = new Uint8Array(readFileSync(join(dir, 'openssl-tls13.pcap')));

/** The frame of the server's first application data record ("olleh"), the last one kept. */
const LAST_KEPT = 13;
const RECORD = 16384;
const PER_SEGMENT = 3;
const TOTAL = 20 * 1024 * 1024;

function buildCapture(): Uint8Array {
  const packets = [...readCapture(original)].filter((p) => p.frame <= LAST_KEPT);
  const last = packets[packets.length - 1]!;
  const d = decodePacket(last);
  const tcpAt = d.ip!.payload.byteOffset - last.data.byteOffset;
  const headerLength = tcpAt + d.tcp!.dataOffset * 4;
  const ipAt = d.link.headerLength;
  const provider = new NobleProvider();
  const [r] = decryptCapture(original, { keyLog });
  const random = r!.keys!.clientRandom!;
  const secret = keyLog.secret(fromHex(random), 'SERVER_TRAFFIC_SECRET_0')!;
  const sealer = RecordSealer.fromSecret(provider, tls13CipherSuite(0x1301)!, secret);
  sealer.setSequence(3n);
  const out: PacketToWrite[] = packets.map((p) => ({ linkType: p.linkType, timestamp: p.timestamp, data: p.data }));
  let seq = (d.tcp!.seq + d.tcp!.payload.length) >>> 0;
  const plain = new Uint8Array(RECORD).fill(0x61);
  for (let sent = 0, t = last.timestamp; sent < TOTAL; t += 1000n) {
    const records = Array.from({ length: PER_SEGMENT }, () => sealer.seal(23, plain));
    sent += PER_SEGMENT * RECORD;
    const payload = records.reduce((n, x) => n + x.length, 0);
    const data = new Uint8Array(headerLength + payload);
    data.set(last.data.subarray(0, headerLength));
    new DataView(data.buffer).setUint16(ipAt + 2, headerLength - ipAt + payload);
    new DataView(data.buffer).setUint32(tcpAt + 4, seq);
    let at = headerLength;
    for (const x of records) {
      data.set(x, at);
      at += x.length;
    }
    seq = (seq + payload) >>> 0;
    out.push({ linkType: last.linkType, timestamp: t, data });
  }
  return writePcap(out);
}

const file = buildCapture();
const mb = file.length / 1e6;

export function register(bench: Bench): string[] {
  const provider = new NobleProvider();
  // Check once that the synthetic capture decrypts to the 20 MiB sent.
  const [check] = decryptCapture(file, { keyLog, provider });
  const server = plaintextStreams(check!).server.length;
  if (server < TOTAL) throw new Error(`decrypt bench: ${server} bytes decrypted, expected ${TOTAL} at least`);
  bench.add(`decrypt: read + decode + reassemble + TLS view, no keys (${mb.toFixed(1)} MB)`, () => {
    const conns = trackConnections([...readCapture(file)].map(decodePacket));
    if (analyzeTls(conns[0]!).events.length === 0) throw new Error('empty');
  });
  bench.add(`decrypt: read + decode + reassemble + decrypt, TLS 1.3 AES-128-GCM, noble (${mb.toFixed(1)} MB)`, () => {
    const [r] = decryptCapture(file, { keyLog, provider });
    if (r!.events.length === 0) throw new Error('empty');
  });
  const native = new NodeCryptoProvider();
  bench.add(
    `decrypt: read + decode + reassemble + decrypt, TLS 1.3 AES-128-GCM, node:crypto (${mb.toFixed(1)} MB)`,
    () => {
      const [r] = decryptCapture(file, { keyLog, provider: native });
      if (r!.events.length === 0) throw new Error('empty');
    },
  );
  return [`decrypt: input ${file.length} bytes; MB/s = ${mb.toFixed(3)} × ops/s`, tsharkAnchor()];
}

/** One run of tshark over the same capture and key log, printing every decrypted record's frame. */
function tsharkAnchor(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tlswire-decrypt-bench-'));
  try {
    writeFileSync(join(dir, 'c.pcap'), file);
    writeFileSync(join(dir, 'k.log'), readFileSync(join(here, '../vectors/decrypt/openssl-tls13.keylog')));
    const args = ['-r', join(dir, 'c.pcap'), '-o', `tls.keylog_file:${join(dir, 'k.log')}`, '-Y', 'tls.app_data'];
    const start = performance.now();
    const run = spawnSync('tshark', [...args, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
    const seconds = (performance.now() - start) / 1000;
    if (run.error || run.status !== 0) return 'decrypt: tshark not run (not installed or failed)';
    const frames = run.stdout.trim().split('\n').length;
    return `decrypt: tshark, same file and key log, one run: ${seconds.toFixed(2)} s = ${(mb / seconds).toFixed(1)} MB/s (${frames} frames with decrypted application data)`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

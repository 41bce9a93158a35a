/**
 * Decryption against TShark on real captures (vectors/decrypt/, made by vectors/decrypt/capture.sh):
 * with the same key log, every handshake message (its exact bytes, cleartext and decrypted) and
 * every application data byte of each direction equal TShark's decryption (`tls.handshake_raw` of
 * `-T json -x`, and `-z follow,tls,raw,N`). Every protected record decrypts and every Finished
 * matches its transcript.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { decryptCapture, plaintextStreams } from '../../src/decrypt/capture.js';
import { KeyLog } from '../../src/decrypt/keylog.js';
import { SKIP_TSHARK, tshark } from '../support/tshark.js';

const DIR = new URL('../../vectors/decrypt/', import.meta.url).pathname;

/** Capture, and what it covers. */
const CASES: [name: string, what: string][] = [
  ['openssl-tls13', 'TLS 1.3 AES-128-GCM'],
  ['openssl-tls13-hrr', 'TLS 1.3 HelloRetryRequest, AES-256-GCM'],
  ['openssl-tls13-keyupdate', 'TLS 1.3 KeyUpdate both ways, ChaCha20-Poly1305'],
  ['openssl-tls13-resume', 'TLS 1.3 resumption'],
  ['openssl-tls13-0rtt', 'TLS 1.3 0-RTT accepted'],
  ['openssl-tls13-0rtt-rejected', 'TLS 1.3 0-RTT rejected'],
  ['openssl-tls12-gcm', 'TLS 1.2 ECDHE-RSA AES-128-GCM'],
  ['openssl-tls12-chacha', 'TLS 1.2 ECDHE-ECDSA ChaCha20-Poly1305'],
  ['openssl-tls12-cbc-rsa-etm', 'TLS 1.2 RSA AES-128-CBC-SHA, encrypt_then_mac'],
  ['openssl-tls12-cbc-rsa-mte', 'TLS 1.2 RSA AES-128-CBC-SHA, MAC-then-encrypt'],
  ['openssl-tls12-cbc-sha384', 'TLS 1.2 ECDHE-RSA AES-256-CBC-SHA384'],
  ['openssl-tls12-resume', 'TLS 1.2 resumption by session ID and by ticket (GCM, CBC-SHA256)'],
  ['gnutls', 'gnutls TLS 1.3 ChaCha20 and TLS 1.2 AES-256-CBC-SHA1 (EtM)'],
  ['tlswire', 'tlswire serve/connect, TLS 1.3 and TLS 1.2 AES-256-GCM'],
];

/** Every `tls.handshake_raw` of TShark's JSON, in order. */
function tsharkHandshakes(pcap: string, keylog: string): string[] {
  const r = tshark(['-r', pcap, '-o', `tls.keylog_file:${keylog}`, '-Y', 'tls', '-T', 'json', '-x']);
  expect(r.status).toBe(0);
  return [...r.stdout.matchAll(/"tls\.handshake_raw": \[\s*"([0-9a-f]+)"/g)].map((m) => m[1]!);
}

/**
 * TShark's `follow,tls,raw` of stream `n`: the bytes of each side. Node 0 is the first side whose
 * decrypted record TShark saw (in TLS 1.3 often the server's NewSessionTicket), lines of node 1 start
 * with a tab.
 */
function tsharkFollow(pcap: string, keylog: string, n: number, clientPort: number): { client: string; server: string } {
  const r = tshark(['-r', pcap, '-o', `tls.keylog_file:${keylog}`, '-q', '-z', `follow,tls,raw,${n}`]);
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Node 1:')) + 1;
  const node0IsClient = lines[start - 2]!.endsWith(`:${clientPort}`);
  let node0 = '';
  let node1 = '';
  for (const l of lines.slice(start)) {
    if (l.startsWith('====')) break;
    if (l.startsWith('\t')) node1 += l.trim();
    else node0 += l.trim();
  }
  return node0IsClient ? { client: node0, server: node1 } : { client: node1, server: node0 };
}

describe.skipIf(SKIP_TSHARK)('decryption equals TShark with the same key log', () => {
  for (const [name, what] of CASES) {
    it(`${name}: ${what}`, () => {
      const pcap = `${DIR}${name}.pcap`;
      const keylog = `${DIR}${name}.keylog`;
      const reports = decryptCapture(new Uint8Array(readFileSync(pcap)), {
        keyLog: KeyLog.fromText(readFileSync(keylog, 'utf8')),
      });
      const records = reports.flatMap((r) => r.events.filter((e) => e.kind === 'record'));
      const ours = records.flatMap((ev) => ev.messages.map((m) => toHex(m.message!.raw)));
      expect(ours).toEqual(tsharkHandshakes(pcap, keylog));
      expect(records.filter((ev) => ev.encrypted && !ev.decrypted)).toEqual([]);
      const finished = records.flatMap((ev) => ev.messages.filter((m) => m.msgType === 20).map((m) => m.finished));
      expect(finished.length).toBeGreaterThanOrEqual(2 * reports.length);
      expect(finished.every((f) => f === 'ok')).toBe(true);
      for (const report of reports) {
        const s = plaintextStreams(report);
        expect(s.client.length + s.server.length).toBeGreaterThan(0);
        expect({ client: toHex(s.client), server: toHex(s.server) }).toEqual(
          tsharkFollow(pcap, keylog, report.index, report.client.port),
        );
      }
    });
  }
});

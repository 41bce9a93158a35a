/**
 * Shared helpers of the capture tests: the recorded vectors of vectors/tcp/ (see vectors/README.md),
 * tshark's field files next to them, the traffic script's byte pattern, and running tshark on them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fieldsArgs, parseTsv, type TsharkRow, tshark } from '../support/tshark.js';

export type { TsharkRow } from '../support/tshark.js';

export const VECTORS = join(dirname(fileURLToPath(import.meta.url)), '../../vectors/tcp');

/** Scenarios recorded in every variant, and the variants (file suffixes). */
export const SCENARIOS = ['client-close', 'server-close', 'rst', 'ipv6'] as const;
export const VARIANTS = ['pcap', 'nano.pcap', 'sll.pcap', 'sll2.pcap', 'pcapng', 'nano.pcapng'] as const;

/** Every recorded capture file name. */
export const CAPTURE_FILES: string[] = [...SCENARIOS.flatMap((s) => VARIANTS.map((v) => `${s}.${v}`)), 'bulk.pcap'];

export function loadVector(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(VECTORS, name)));
}

export function loadTsv(name: string): TsharkRow[] {
  return parseTsv(readFileSync(join(VECTORS, `${name}.tsv`), 'utf8'));
}

/** scripts/tcp-traffic.py `pattern(seed, n)`: xorshift32 (13, 17, 5), the low byte of each state. */
export function pattern(seed: number, n: number): Uint8Array {
  let s = seed >>> 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    out[i] = s & 0xff;
  }
  return out;
}

/** The fixed messages of scripts/tcp-traffic.py. */
export const REQUEST = 'GET /hello HTTP/1.0\r\nHost: localhost\r\n\r\n';
export const RESPONSE = 'HTTP/1.0 200 OK\r\nContent-Length: 13\r\n\r\nhello, world\n';
export const SECOND = 'second message from the client\n';

/** The tshark field list of scripts/record-tcp-vectors.sh (the header of every committed `.tsv`). */
export const TSHARK_FIELDS = (readFileSync(join(VECTORS, 'client-close.pcap.tsv'), 'utf8').split('\n')[0] ?? '').split(
  '\t',
);

/** tshark's fields of `file` as scripts/record-tcp-vectors.sh reads them; with exit status and stderr. */
export function tsharkFields(file: string): { status: number | null; rows: TsharkRow[]; stderr: string } {
  const options = ['-o', 'tcp.relative_sequence_numbers:FALSE', '-o', 'tcp.check_checksum:TRUE'];
  const r = tshark(['-r', file, ...options, ...fieldsArgs(TSHARK_FIELDS)]);
  return { status: r.status, rows: parseTsv(r.stdout), stderr: r.stderr };
}

/** Parse `tshark -q -z follow,tcp,raw,N` output: the bytes of node 0 and node 1, concatenated. */
export function parseFollow(text: string): { node0: string; node1: string }[] {
  const out: { node0: string; node1: string }[] = [];
  for (const block of text.split(/={10,}\n/)) {
    if (!block.includes('Follow: tcp,raw')) continue;
    let node0 = '';
    let node1 = '';
    for (const line of block.split('\n')) {
      if (/^\t[0-9a-f]+$/.test(line)) node1 += line.slice(1);
      else if (/^[0-9a-f]+$/.test(line)) node0 += line;
    }
    out.push({ node0, node1 });
  }
  return out;
}

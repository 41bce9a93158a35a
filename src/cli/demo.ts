/**
 * `tlswire demo`: decode two real captures shipped in `vectors/` (see vectors/README.md) and print
 * a kernel TCP conversation, segment by segment, and the handshake of a real TLS 1.3 session; then
 * run two live TLS 1.3 handshakes (./demo-live.ts): tlswire's client and server in memory, and
 * tlswire's client against a node:tls server on 127.0.0.1.
 *
 * The vectors directory is found relative to this module: two levels below the repository root both
 * as `src/cli/demo.ts` (run with tsx) and as `dist/cli/main.js` (built), so the demo works from a
 * clone of the repository; the published package does not ship the vectors.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseCommandArgs } from './args.js';
import { liveDemo } from './demo-live.js';
import { describeError, type Output } from './format.js';
import { pcapReport } from './pcap.js';

/** Usage text of the command. */
export const DEMO_USAGE = `Usage: tlswire demo [--vectors DIR]

Decode two real captures from the repository's vectors/ directory: a Linux kernel TCP
conversation and an OpenSSL TLS 1.3 session. Then run two live TLS 1.3 handshakes with the
test certificates of test/pki/out/: tlswire's client and server in memory, and tlswire's client
against a node:tls server on 127.0.0.1.

Options:
  --vectors DIR   the vectors directory (default: vectors/ of the repository holding tlswire)
  -h, --help      show this help`;

/** The repository's `vectors/` directory, relative to this module. */
export function defaultVectorsDir(): string {
  return fileURLToPath(new URL('../../vectors/', import.meta.url));
}

const TCP_CAPTURE = 'tcp/client-close.pcap';
const TLS_CAPTURE = 'tls/openssl-tls13.pcap';

/** Print the demo, reading the captures under `vectorsDir`. Returns the exit code. */
export function demo(vectorsDir: string, io: Output): number {
  const dir = vectorsDir.endsWith('/') ? vectorsDir : `${vectorsDir}/`;
  const files = [TCP_CAPTURE, TLS_CAPTURE].map((f) => `${dir}${f}`);
  const missing = files.find((f) => !existsSync(f));
  if (missing) {
    io.err(`tlswire demo: ${missing} not found; run the demo from a clone of the tlswire repository`);
    return 1;
  }
  let bytes: Uint8Array[];
  try {
    bytes = files.map((f) => new Uint8Array(readFileSync(f)));
  } catch (e) {
    io.err(`tlswire demo: ${describeError(e)}`);
    return 1;
  }
  io.out('tlswire demo: two real captures decoded and two live TLS 1.3 handshakes, by tlswire (pure TypeScript)');
  io.out('');
  io.out(`1. A TCP conversation: vectors/${TCP_CAPTURE}`);
  io.out('   Linux kernel TCP on loopback, recorded with tcpdump (vectors/README.md): the three-way handshake');
  io.out('   with MSS, SACK-permitted, timestamps and window scale, a request, a response, a second client');
  io.out('   message, then the client closes first. One line per segment, like tshark: relative Seq/Ack per');
  io.out('   direction, the scaled window, then the raw values.');
  io.out('');
  let code = pcapReport(bytes[0]!, { segments: true, tls: false }, io);
  io.out('');
  io.out(`2. A TLS 1.3 handshake: vectors/${TLS_CAPTURE}`);
  io.out('   OpenSSL 3.0 s_client and s_server on loopback (ECDSA P-256 certificate, ALPN), recorded with');
  io.out('   tcpdump. The TCP streams are reassembled, cut into records and handshake messages and decoded');
  io.out('   without keys, like ssldump: everything after the ServerHello is encrypted, so it shows as');
  io.out('   application_data records with their lengths.');
  io.out('');
  code = Math.max(code, pcapReport(bytes[1]!, { segments: false, tls: true }, io));
  io.out('');
  code = Math.max(code, liveDemo(fileURLToPath(new URL('../../test/pki/out/', import.meta.url)), io));
  return code;
}

/** `tlswire demo` with its arguments (after the command name). */
export function demoCommand(argv: string[], io: Output): number {
  const parsed = parseCommandArgs('demo', DEMO_USAGE, io, () => parse(argv));
  if (typeof parsed === 'number') return parsed;
  return demo(parsed.values.vectors ?? defaultVectorsDir(), io);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: { vectors: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
}

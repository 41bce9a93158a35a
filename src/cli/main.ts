/**
 * The `tlswire` command: argument dispatch, `--help`, `--version` and exit codes (0 success,
 * 1 failure, 2 usage error). Each command is a function of its arguments and an {@link Output}, so
 * tests run it in-process; this file only adds the process around it when run as a program.
 * @module
 */
import { readFileSync, realpathSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { usageLines } from './args.js';
import { certCommand } from './cert.js';
import { connectCommand } from './connect.js';
import { decodeCommand } from './decode.js';
import { demoCommand } from './demo.js';
import type { Output } from './format.js';
import { pcapCommand } from './pcap.js';
import { probeCommand } from './probe.js';
import { scanCommand } from './scan.js';
import { serveCommand } from './serve.js';

/** Top-level usage text. */
export const USAGE = `Usage: tlswire <command> [options]

Commands:
  pcap FILE [--json]       every TCP segment of a pcap/pcapng file, then its TLS records
                           and handshake messages; --keylog KEYS (or SSLKEYLOGFILE) decrypts
  decode HEX [--json]      decode TLS records or handshake messages (also --file F)
  demo                     decode two real captures shipped with tlswire, then run live
                           TLS 1.3 handshakes
  connect HOST:PORT        a TLS 1.2 and 1.3 client, like openssl s_client
  serve                    a TLS 1.2 and 1.3 server, like openssl s_server
  cert FILE|HOST:PORT      inspect certificates and verify their chain, like
                           openssl x509 -text plus openssl verify
  scan HOST:PORT [--json]  what a TLS server supports (versions, suites, groups,
                           certificates, extensions, resumption) rated against RFC 9325
  probe HOST:PORT SCRIPT   run a scripted TLS conversation (tlswire/lab) against a
                           server and print what it answered

Options:
  -h, --help               show this help (tlswire <command> --help for a command's)
  -V, --version            print the version

Exit codes: 0 success, 1 failure (unreadable or malformed input), 2 usage error.`;

const COMMANDS: Readonly<Record<string, (argv: string[], io: Output) => number | Promise<number>>> = {
  pcap: pcapCommand,
  decode: decodeCommand,
  demo: demoCommand,
  connect: connectCommand,
  serve: serveCommand,
  cert: certCommand,
  scan: scanCommand,
  probe: probeCommand,
};

/** tlswire's version, from the package.json two levels above this module (src/cli/ or dist/cli/). */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Run `tlswire` with `argv` (the arguments after the program name). Returns the exit code, or a
 * promise of it for the commands that do network I/O (connect, serve, demo, scan).
 */
export function main(argv: string[], io: Output): number | Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(USAGE);
    return 2;
  }
  if (first === '-h' || first === '--help' || first === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (first === '-V' || first === '--version') {
    io.out(version());
    return 0;
  }
  const command = COMMANDS[first];
  if (!command) {
    io.err(`tlswire: unknown command ${JSON.stringify(first)}`);
    io.err(usageLines(USAGE));
    return 2;
  }
  // Commands report bad input themselves; anything reaching here is a bug, still no stack trace.
  const internal = (e: unknown): number => {
    io.err(`tlswire ${first}: internal error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  };
  try {
    const code = command(rest, io);
    return typeof code === 'number' ? code : code.catch(internal);
  } catch (e) {
    return internal(e);
  }
}

/** Standard output and standard error of the process. */
export const processOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    // `tlswire pcap big.pcap | head`: a closed pipe ends the program quietly.
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const code = main(process.argv.slice(2), processOutput);
  if (typeof code === 'number') process.exitCode = code;
  else void code.then((c) => process.exit(c));
}

/**
 * `tlswire scan HOST:PORT [--json]`: the server scanner of src/scan over Node TCP sockets (issue #16):
 * versions, suites and order, groups, signature schemes, certificates with the verifier's verdict,
 * extensions, resumption, downgrade protection, and the findings rated against RFC 9325. Progress goes
 * to standard error; the report (text, or JSON with --json) to standard output.
 * @module
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { bundledRoots } from '../node/credentials.js';
import { formatScanReport } from '../scan/report.js';
import { scan } from '../scan/scanner.js';
import {
  type Connect,
  DEFAULT_CONCURRENCY,
  DEFAULT_CONNECTION_TIMEOUT,
  DEFAULT_TIME_BUDGET,
  type ScanConnection,
} from '../scan/types.js';
import { TrustStore } from '../x509/verify.js';
import { parseCommandArgs } from './args.js';
import { parseTarget } from './connect.js';
import { describeError, type Output } from './format.js';

/** Usage text of the command. */
export const SCAN_USAGE = `Usage: tlswire scan HOST:PORT [options]

Scan a TLS server: protocol versions (SSL 3.0 to TLS 1.3), cipher suites per version and the
server's order, groups and HelloRetryRequest behaviour, signature schemes, certificate chains per
signature type with the verifier's verdict, OCSP stapling, resumption and 0-RTT, ALPN, extended
master secret, secure renegotiation, downgrade protection, compression, record_size_limit; then the
weaknesses these imply, rated against RFC 9325. Progress goes to standard error.

Options:
  --json                the report as JSON on stdout
  --servername NAME     server_name to send and check certificates against (default: HOST unless
                        it is an IP address)
  --ca FILE             trusted roots (PEM; default: Node's bundled roots)
  --concurrency N       connections open at once (default ${DEFAULT_CONCURRENCY})
  --timeout SECONDS     per connection (default ${DEFAULT_CONNECTION_TIMEOUT / 1000})
  --budget SECONDS      the whole scan; probes not started by then are skipped (default ${DEFAULT_TIME_BUDGET / 1000})
  --quiet               no progress on stderr
  -h, --help            show this help

Exit codes: 0 scan done, 1 the server could not be reached, 2 usage error.`;

const OPTIONS = {
  json: { type: 'boolean' },
  servername: { type: 'string' },
  ca: { type: 'string' },
  concurrency: { type: 'string' },
  timeout: { type: 'string' },
  budget: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positive(text: string | undefined, name: string, fallback: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** A {@link Connect} over node:net to `host:port`, each connection failing after `timeout` ms of connecting. */
export function tcpConnect(host: string, port: number, timeout: number): Connect {
  return () =>
    new Promise<ScanConnection>((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new Error(`connect to ${host}:${port} timed out`)), timeout);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socketConnection(socket));
      });
    });
}

/** A connected socket as a {@link ScanConnection}: chunks queued until read, `undefined` after the end. */
function socketConnection(socket: net.Socket): ScanConnection {
  const chunks: Uint8Array[] = [];
  const readers: ((c: Uint8Array | undefined) => void)[] = [];
  let ended = false;
  const end = () => {
    ended = true;
    for (const r of readers.splice(0)) r(undefined);
  };
  socket.on('data', (d: Buffer) => {
    const chunk = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    const reader = readers.shift();
    if (reader) reader(chunk);
    else chunks.push(chunk);
  });
  socket.on('end', end);
  socket.on('close', end);
  socket.on('error', end);
  return {
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (socket.destroyed) return reject(new Error('connection closed'));
        socket.write(bytes, (e) => (e ? reject(e) : resolve()));
      }),
    read: () => {
      const c = chunks.shift();
      if (c || ended) return Promise.resolve(c);
      return new Promise((resolve) => readers.push(resolve));
    },
    close: () => {
      socket.destroy();
      end();
    },
  };
}

/** `tlswire scan`. */
export async function scanCommand(argv: string[], io: Output): Promise<number> {
  const parsed = parseCommandArgs(
    'scan',
    SCAN_USAGE,
    io,
    () => parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }),
    ({ values, positionals }) => {
      if (positionals.length !== 1) throw new Error('expected one HOST:PORT');
      const { host, port } = parseTarget(positionals[0]!);
      return {
        host,
        port,
        values,
        concurrency: positive(values.concurrency, 'concurrency', DEFAULT_CONCURRENCY, true),
        timeout: positive(values.timeout, 'timeout', DEFAULT_CONNECTION_TIMEOUT / 1000, false) * 1000,
        budget: positive(values.budget, 'budget', DEFAULT_TIME_BUDGET / 1000, false) * 1000,
      };
    },
  );
  if (typeof parsed === 'number') return parsed;
  const { host, port, values } = parsed;
  let roots: TrustStore;
  try {
    roots = values.ca === undefined ? bundledRoots() : TrustStore.fromPem(readFileSync(values.ca, 'utf8'));
  } catch (e) {
    io.err(`tlswire scan: --ca: ${describeError(e)}`);
    return 1;
  }
  const connect = tcpConnect(host, port, parsed.timeout);
  try {
    (await connect()).close();
  } catch (e) {
    io.err(`tlswire scan: cannot connect to ${host}:${port}: ${describeError(e)}`);
    return 1;
  }
  const report = await scan(`${host}:${port}`, {
    connect,
    serverName: values.servername ?? (net.isIP(host) ? undefined : host),
    roots,
    concurrency: parsed.concurrency,
    connectionTimeout: parsed.timeout,
    timeBudget: parsed.budget,
    onProgress: values.quiet ? undefined : (done, total, what) => io.err(`scan: ${done}/${total} ${what}`),
  });
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else for (const line of formatScanReport(report)) io.out(line);
  return 0;
}

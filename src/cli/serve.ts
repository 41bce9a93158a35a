/**
 * `tlswire serve`: a TLS 1.2 and 1.3 server like `openssl s_server`. Each connection is reported when
 * it ends by one line on standard error (`connection N: …`: its parameters, or its diagnosis: stage,
 * alert, reason, hint), and with `--json` also as one JSON object on standard output; `--echo` sends application data back,
 * `--www` answers an HTTP/1.0 request (also one that arrived as accepted 0-RTT data) with a small
 * page about the connection; otherwise received data goes to standard output.
 *
 * Resource bounds (issue #11 item 9; docs/security.md): a handshake deadline, an idle timeout, at most
 * `--max-connections` open at once (more are closed on accept), an HTTP request head of at most
 * {@link MAX_REQUEST_HEAD} bytes for `--www` (scanned once: only new bytes are searched for the
 * blank line), and backpressure both ways: `--echo` and the standard output sink stop reading while
 * what they write is not taken.
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createServer } from '../node/connect.js';
import { TlsConnectionError } from '../node/errors.js';
import type { TlsSocket } from '../node/socket.js';
import { parseCertificatesPem } from '../x509/certificate.js';
import { parseCommandArgs } from './args.js';
import { describeError } from './format.js';
import type { HintContext } from './hints.js';
import {
  type ConnectionSummary,
  failureLine,
  firstBytesOf,
  keylogTo,
  type StreamOutput,
  summarize,
  traceSocket,
} from './live.js';
import { TLS_OPTIONS, tlsSettings } from './tls-options.js';

/** Usage text of the command. */
export const SERVE_USAGE = `Usage: tlswire serve --cert CHAIN.pem --key KEY.pem [options]

A TLS 1.2 and 1.3 server, like openssl s_server. Prints "listening on HOST:PORT" on stderr, then
one line per connection when it ends: "connection N: " and the version, cipher suite, group (and
resumed, early-data, the client certificate) with the bytes received and sent, or how it failed
(stage, state, alert, reason, hint). Serves until stopped (or --naccept).

Options:
  --host HOST           address to listen on (default 127.0.0.1)
  --port PORT           port (default 4433; 0 picks a free one)
  --cert FILE           certificate chain, PEM, leaf first then intermediates
  --key FILE            its private key
  --tls1.2              serve TLS 1.2 (alone unless --tls1.3 is given too)
  --tls1.3              serve TLS 1.3 (alone unless --tls1.2 is given too)
                        (neither: both, each client gets the best version it offers)
  --no-tickets          TLS 1.2: no session tickets (resumption by session ID only)
  --allow-resumption-without-ems
                        TLS 1.2, legacy clients: also resume sessions without the extended master
                        secret (RFC 7627 §5.3; off: such sessions get no session ID or ticket)
  --ciphers LIST        cipher suites, IANA names, in preference order
  --groups LIST         key exchange groups, in preference order (default x25519, secp256r1, x448,
                        secp521r1, secp384r1; ffdhe2048..ffdhe8192 by name only)
  --alpn LIST           ALPN protocols we accept, in preference order
  --provider NAME       crypto: node (node:crypto, OpenSSL; the default) or noble (pure TypeScript)
  --ca FILE             roots for client certificates (PEM)
  --verify-client       require a client certificate valid under --ca
  --ocsp FILE           staple this DER OCSP response (openssl ocsp -respout) to clients that ask
                        (status_request); read again whenever the file changes, so a cron job can refresh it
  --early-data          accept 0-RTT data (single-use tickets)
  --echo                send received application data back
  --www                 answer an HTTP request with "HTTP/1.0 200 ok" and a page about the connection
  --keylog FILE         append SSLKEYLOGFILE lines
  --trace               every handshake message, secret label and the negotiated parameters to stderr
  --json                also one JSON summary per connection on stdout, success or failure
  --handshake-timeout S close a connection whose handshake is not done after S seconds (default 10)
  --idle-timeout S      close a connection after S seconds without traffic (default 300; 0: never)
  --max-connections N   at most N connections open at once; more are closed at once (default 256)
  --naccept N           exit after N connections
  -h, --help            show this help

An HTTP request head (--www) over 16 KiB is answered with 431 and the connection closed; --echo and
standard output stop reading while what they write is not taken.

Exit codes: 0 stopped normally, 1 cannot listen or a connection failed with --naccept, 2 usage error.`;

const OPTIONS = {
  ...TLS_OPTIONS,
  host: { type: 'string' },
  port: { type: 'string' },
  'verify-client': { type: 'boolean' },
  ocsp: { type: 'string' },
  'early-data': { type: 'boolean' },
  'allow-resumption-without-ems': { type: 'boolean' },
  echo: { type: 'boolean' },
  www: { type: 'boolean' },
  'handshake-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
  'max-connections': { type: 'string' },
  naccept: { type: 'string' },
} as const;

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true });
}

interface ServeSettings {
  values: ReturnType<typeof parse>['values'];
  /** The files of `--cert` and `--key`, both required. */
  cert: string;
  key: string;
  port: number;
  /** Exit after this many connections (`--naccept`). */
  naccept: number | undefined;
  /** At most this many open at once. */
  maxConnections: number;
  handshakeTimeoutMs: number;
  /** 0: none. */
  idleTimeoutMs: number;
  /** Rewording of library hints (our chain's length: the certificates of `--cert`). */
  hints: HintContext;
}

/** `--handshake-timeout` default, seconds: a handshake is a few round trips; 10 s leaves room for slow links. */
const HANDSHAKE_TIMEOUT = 10;
/** `--idle-timeout` default, seconds: long enough for a person typing into `openssl s_client`. */
const IDLE_TIMEOUT = 300;
/** `--max-connections` default: well under the usual 1024 open files of a process. */
const MAX_CONNECTIONS = 256;

/** A positive integer option, or undefined when absent. */
function count(values: Record<string, unknown>, name: string): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bad --${name} ${String(text)}`);
  return n;
}

/** A number of seconds (fractions allowed; 0 only when `zero`) in milliseconds, or the default. */
function seconds(values: Record<string, unknown>, name: string, fallback: number, zero: boolean): number {
  const text = values[name];
  const n = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zero)) throw new Error(`bad --${name} ${String(text)}`);
  return Math.round(n * 1000);
}

/** Check the options that depend on each other and read the numbers. */
function settingsFrom({ values }: ReturnType<typeof parse>): ServeSettings {
  const { cert, key } = values;
  if (!cert || !key) throw new Error('--cert and --key are required');
  if (values['verify-client'] && !values.ca) throw new Error('--verify-client needs --ca');
  if (values.echo && values.www) throw new Error('--echo and --www exclude each other');
  const port = values.port === undefined ? 4433 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${values.port}`);
  return {
    values,
    cert,
    key,
    port,
    naccept: count(values, 'naccept'),
    maxConnections: count(values, 'max-connections') ?? MAX_CONNECTIONS,
    handshakeTimeoutMs: seconds(values, 'handshake-timeout', HANDSHAKE_TIMEOUT, false),
    idleTimeoutMs: seconds(values, 'idle-timeout', IDLE_TIMEOUT, true),
    hints: { command: 'serve', ourChain: 0 },
  };
}

/** Largest OCSP response `--ocsp` staples (RFC 6066 §8 allows 2^24−1 bytes; real ones are a few KiB). */
export const MAX_OCSP_RESPONSE = 64 * 1024;

/** `--ocsp FILE`'s bytes, checked: DER (a SEQUENCE), not PEM, at most {@link MAX_OCSP_RESPONSE}. */
function readOcspFile(file: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(file));
  if (bytes.length === 0 || bytes[0] !== 0x30) {
    throw new Error(`--ocsp ${file}: not a DER OCSP response (openssl ocsp -respout writes one)`);
  }
  if (bytes.length > MAX_OCSP_RESPONSE) throw new Error(`--ocsp ${file}: over ${MAX_OCSP_RESPONSE} bytes`);
  return bytes;
}

/**
 * The staple of `--ocsp FILE`: read now (errors are startup errors), then, per handshake that asks, read
 * again when the file's modification time changed. A file that has become unreadable or invalid keeps the
 * last good response (its nextUpdate tells clients how stale it is).
 */
function ocspFile(file: string): () => Uint8Array {
  let bytes = readOcspFile(file);
  let mtime = statSync(file).mtimeMs;
  return () => {
    try {
      const now = statSync(file).mtimeMs;
      if (now !== mtime) {
        bytes = readOcspFile(file);
        mtime = now;
      }
    } catch {
      // Keep the last good response.
    }
    return bytes;
  };
}

/** Largest 0-RTT payload accepted per connection with `--early-data`. */
const MAX_EARLY_DATA = 16384;

/** The `--www` page: the request line and the connection's parameters. */
function wwwPage(socket: TlsSocket, request: string): string {
  const s = summarize(0, socket, undefined);
  const body = [
    'tlswire serve',
    `request: ${request.split(/\r?\n/)[0] ?? ''}`,
    `protocol: ${s.protocol}`,
    `cipher: ${s.cipher}`,
    `group: ${s.group ?? 'none'}`,
    `alpn: ${s.alpn ?? 'none'}`,
    `resumed: ${s.resumed ? 'yes' : 'no'}`,
    `early data: ${socket.earlyDataReceived} bytes${s.earlyDataAccepted ? ' (accepted)' : ''}`,
    `client certificate: ${s.peerCertificate?.subject ?? 'none'}`,
    '',
  ].join('\n');
  return `HTTP/1.0 200 ok\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** The largest HTTP request head `--www` reads (request line and headers, up to the blank line). */
export const MAX_REQUEST_HEAD = 16384;

const TOO_LARGE =
  'HTTP/1.0 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\nContent-Length: 24\r\n\r\nrequest head over 16 KiB';

/**
 * `--www`: read the request head up to its blank line, searching only the bytes not searched yet;
 * answer once (431 past {@link MAX_REQUEST_HEAD} bytes) and close. Data after the answer is dropped;
 * a peer that sends another {@link MAX_REQUEST_HEAD} bytes of it is disconnected.
 */
function serveWww(socket: TlsSocket): void {
  let head = '';
  let answered = false;
  let dropped = 0;
  const blankLine = /\r?\n\r?\n/g;
  const answer = (page: string) => {
    answered = true;
    head = '';
    socket.end(page);
  };
  const scan = () => {
    if (answered || !socket.secure) return;
    if (blankLine.test(head)) answer(wwwPage(socket, head));
    else if (head.length > MAX_REQUEST_HEAD) answer(TOO_LARGE);
    // Next time, search from just before the new bytes (a blank line may straddle two chunks).
    else blankLine.lastIndex = Math.max(0, head.length - 3);
  };
  socket.on('data', (bytes: Buffer) => {
    if (answered) {
      dropped += bytes.length;
      if (dropped > MAX_REQUEST_HEAD && !socket.isPaused()) {
        // Read no more; close once the answer and close_notify are out.
        socket.pause();
        if (socket.writableFinished) socket.destroy();
        else socket.once('finish', () => socket.destroy());
      }
      return;
    }
    head += bytes.toString('latin1', 0, Math.min(bytes.length, MAX_REQUEST_HEAD + 1 - head.length));
    scan();
  });
  // A request that came whole as 0-RTT data is answered once the handshake completes.
  socket.on('secure', scan);
}

/** `--echo` (and the standard output sink): stop reading while what was written is not taken. */
function pipeBack(socket: TlsSocket, write: (bytes: Buffer, done: () => void) => boolean): void {
  socket.on('data', (bytes: Buffer) => {
    if (!write(bytes, () => socket.resume())) socket.pause();
  });
}

/** The data sink of the standard output mode, with its backpressure. */
function sinkTo(io: StreamOutput): (bytes: Buffer, done: () => void) => boolean {
  if (io.data) {
    const data = io.data;
    return (bytes) => {
      data(bytes);
      return true;
    };
  }
  return (bytes, done) => writeOrWait(process.stdout, bytes, done);
}

/** Write; when the stream's buffer is full, call `done` on 'drain' and return false. */
function writeOrWait(stream: NodeJS.WritableStream, bytes: Buffer, done: () => void): boolean {
  if (stream.write(bytes)) return true;
  stream.once('drain', done);
  return false;
}

/** The key exchange group for the connection line: none in a TLS 1.2 resumption, psk_ke in TLS 1.3 without one. */
function groupText(s: ConnectionSummary): string {
  if (s.group) return ` ${s.group}`;
  return s.protocol === 'TLSv1.3' ? ' psk_ke' : '';
}

/**
 * The one line of a finished connection: `connection N: ` then what the handshake agreed (version,
 * suite, group, resumed, early data, client certificate) and the application data each way, or the
 * failure (after the parameters when it came after the handshake), or the idle timeout that closed it.
 */
export function connectionLine(s: ConnectionSummary, secure: boolean, idle: number | undefined): string {
  const parts: string[] = [];
  if (secure) {
    parts.push(
      `${s.protocol} ${s.cipher}${groupText(s)}${s.resumed ? ' resumed' : ''}${s.earlyDataAccepted ? ' early-data' : ''}${
        s.peerCertificate ? ` client ${s.peerCertificate.subject}` : ''
      }, received ${s.bytesReceived} bytes, sent ${s.bytesSent} bytes`,
    );
  }
  if (s.error) parts.push(failureLine(s.error));
  else if (idle !== undefined) parts.push(`closed after ${idle / 1000} s idle`);
  return `connection ${s.connection}: ${parts.join('; ')}`;
}

/**
 * Set up one accepted connection: idle timeout, tracing, its mode, and its report when it closes (one
 * line on stderr; with `--json` also the summary on stdout). Resolves `closed` with whether it failed.
 */
function serveConnection(
  socket: TlsSocket,
  n: number,
  settings: ServeSettings,
  io: StreamOutput,
  closed: (failed: boolean) => void,
): void {
  const { values, idleTimeoutMs } = settings;
  let idle: number | undefined;
  if (idleTimeoutMs > 0) {
    socket.setTimeout(idleTimeoutMs, () => {
      idle = idleTimeoutMs;
      // close_notify first; a peer that does not take it is cut at the next timeout.
      if (socket.secure && !socket.writableEnded) socket.end();
      else socket.destroy();
    });
  }
  if (values.trace) traceSocket(socket, io, `[${n}] `);
  if (values.keylog) keylogTo(socket, values.keylog);
  const firstBytes = firstBytesOf(socket);
  let secure = false;
  socket.once('secure', () => {
    secure = true;
  });
  let error: TlsConnectionError | undefined;
  socket.on('error', (e: Error) => {
    error = e instanceof TlsConnectionError ? e : new TlsConnectionError(e, socket.connection.state, false, true);
  });
  if (values.www) serveWww(socket);
  else if (values.echo) pipeBack(socket, (bytes, done) => writeOrWait(socket, bytes, done));
  else pipeBack(socket, sinkTo(io));
  socket.on('end', () => socket.end());
  socket.on('close', () => {
    const summary = summarize(n, socket, error, { hints: settings.hints, firstBytes: firstBytes() });
    io.err(connectionLine(summary, secure, idle));
    if (values.json) io.out(JSON.stringify(summary));
    closed(error !== undefined);
  });
}

/** `tlswire serve` with its arguments (after the command name). Resolves to the exit code when it stops. */
export async function serveCommand(argv: string[], io: StreamOutput): Promise<number> {
  const settings = parseCommandArgs('serve', SERVE_USAGE, io, () => parse(argv), settingsFrom);
  if (typeof settings === 'number') return settings;
  const { values, cert, key, port, naccept, maxConnections, handshakeTimeoutMs } = settings;
  let server: ReturnType<typeof createServer>;
  try {
    const chain = readFileSync(cert, 'utf8');
    settings.hints.ourChain = parseCertificatesPem(chain).length;
    server = createServer({
      cert: chain,
      key: readFileSync(key, 'utf8'),
      ...tlsSettings(values),
      requestCert: values['verify-client'] ?? false,
      ca: values.ca === undefined ? undefined : readFileSync(values.ca, 'utf8'),
      maxEarlyDataSize: values['early-data'] ? MAX_EARLY_DATA : 0,
      handshakeTimeout: handshakeTimeoutMs,
      maxConnections,
      allowResumptionWithoutEms: values['allow-resumption-without-ems'] ?? false,
      ...(values.ocsp === undefined ? {} : { ocspResponse: ocspFile(values.ocsp) }),
    });
  } catch (e) {
    io.err(`tlswire serve: ${describeError(e)}`);
    return 1;
  }
  const host = values.host ?? '127.0.0.1';
  const open = new Set<TlsSocket>();
  let accepted = 0;
  let finished = 0;
  let failures = 0;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      server.close();
      for (const s of open) s.destroy();
    };
    const done = () => {
      if (stopping && open.size === 0) resolve(naccept !== undefined && failures > 0 ? 1 : 0);
    };
    io.signal?.addEventListener('abort', () => {
      stop();
      done();
    });
    server.on('accept', (socket: TlsSocket) => {
      const n = ++accepted;
      open.add(socket);
      if (naccept !== undefined && accepted >= naccept) server.close();
      serveConnection(socket, n, settings, io, (failed) => {
        open.delete(socket);
        finished++;
        if (failed) failures++;
        if (naccept !== undefined && finished >= naccept) stop();
        done();
      });
    });
    server.on('drop', (d?: { remoteAddress?: string; remotePort?: number }) =>
      io.err(
        `closed a connection from ${d?.remoteAddress}:${d?.remotePort}: ${maxConnections} open (--max-connections)`,
      ),
    );
    server.on('error', (e: Error) => {
      io.err(`tlswire serve: ${describeError(e)}`);
      failures++;
      stop();
      resolve(1);
    });
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      io.err(`listening on ${host}:${address.port}`);
    });
  });
}

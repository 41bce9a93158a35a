/**
 * `tlswire serve`: a TLS 1.2 and 1.3 server like `openssl s_server`. Each connection is reported on
 * standard error (`connection N: …` once secure; a failed one with its diagnosis: stage, alert,
 * reason, hint), or with `--json` as one JSON object on standard output, success or failure; `--echo` sends application data back,
 * `--www` answers an HTTP/1.0 request (also one that arrived as accepted 0-RTT data) with a small
 * page about the connection; otherwise received data goes to standard output.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createServer } from '../node/connect.js';
import { TlsConnectionError } from '../node/errors.js';
import type { TlsSocket } from '../node/socket.js';
import { parseCommandArgs } from './args.js';
import { describeError } from './format.js';
import {
  type ConnectionSummary,
  dataSink,
  keylogTo,
  reportSummary,
  type StreamOutput,
  summarize,
  traceSocket,
} from './live.js';
import { TLS_OPTIONS, tlsSettings } from './tls-options.js';

/** Usage text of the command. */
export const SERVE_USAGE = `Usage: tlswire serve --cert CHAIN.pem --key KEY.pem [options]

A TLS 1.2 and 1.3 server, like openssl s_server. Prints "listening on HOST:PORT" on stderr, then
one report per connection (a failed one with its diagnosis: stage, alert, reason, hint). Serves until stopped (or --max-connections).

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
  --ca FILE             roots for client certificates (PEM)
  --verify-client       require a client certificate valid under --ca
  --early-data          accept 0-RTT data (single-use tickets)
  --echo                send received application data back
  --www                 answer an HTTP request with "HTTP/1.0 200 ok" and a page about the connection
  --keylog FILE         append SSLKEYLOGFILE lines
  --trace               every handshake message, secret label and the negotiated parameters to stderr
  --json                one JSON summary per connection on stdout, success or failure
  --max-connections N   exit after N connections
  -h, --help            show this help

Exit codes: 0 stopped normally, 1 cannot listen or a connection failed with --max-connections, 2 usage error.`;

const OPTIONS = {
  ...TLS_OPTIONS,
  host: { type: 'string' },
  port: { type: 'string' },
  'verify-client': { type: 'boolean' },
  'early-data': { type: 'boolean' },
  'allow-resumption-without-ems': { type: 'boolean' },
  echo: { type: 'boolean' },
  www: { type: 'boolean' },
  'max-connections': { type: 'string' },
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
  maxConnections: number | undefined;
}

/** Check the options that depend on each other and read the numbers. */
function settingsFrom({ values }: ReturnType<typeof parse>): ServeSettings {
  const { cert, key } = values;
  if (!cert || !key) throw new Error('--cert and --key are required');
  if (values['verify-client'] && !values.ca) throw new Error('--verify-client needs --ca');
  if (values.echo && values.www) throw new Error('--echo and --www exclude each other');
  const port = values.port === undefined ? 4433 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${values.port}`);
  let maxConnections: number | undefined;
  if (values['max-connections'] !== undefined) {
    maxConnections = Number(values['max-connections']);
    if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new Error('bad --max-connections');
  }
  return { values, cert, key, port, maxConnections };
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

function serveWww(socket: TlsSocket): void {
  let text = '';
  let answered = false;
  const answer = () => {
    if (answered || !socket.secure || !/\r?\n\r?\n/.test(text)) return;
    answered = true;
    socket.end(wwwPage(socket, text));
  };
  socket.on('data', (bytes: Buffer) => {
    text += bytes.toString('latin1');
    answer();
  });
  // A request that came whole as 0-RTT data is answered once the handshake completes.
  socket.on('secure', answer);
}

/** The key exchange group for the connection line: none in a TLS 1.2 resumption, psk_ke in TLS 1.3 without one. */
function groupText(s: ConnectionSummary): string {
  if (s.group) return ` ${s.group}`;
  return s.protocol === 'TLSv1.3' ? ' psk_ke' : '';
}

/** `tlswire serve` with its arguments (after the command name). Resolves to the exit code when it stops. */
export async function serveCommand(argv: string[], io: StreamOutput): Promise<number> {
  const settings = parseCommandArgs('serve', SERVE_USAGE, io, () => parse(argv), settingsFrom);
  if (typeof settings === 'number') return settings;
  const { values, cert, key, port, maxConnections } = settings;
  let server: ReturnType<typeof createServer>;
  try {
    server = createServer({
      cert: readFileSync(cert, 'utf8'),
      key: readFileSync(key, 'utf8'),
      ...tlsSettings(values),
      requestCert: values['verify-client'] ?? false,
      ca: values.ca === undefined ? undefined : readFileSync(values.ca, 'utf8'),
      maxEarlyDataSize: values['early-data'] ? MAX_EARLY_DATA : 0,
      allowResumptionWithoutEms: values['allow-resumption-without-ems'] ?? false,
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
      if (stopping && open.size === 0) resolve(maxConnections !== undefined && failures > 0 ? 1 : 0);
    };
    io.signal?.addEventListener('abort', () => {
      stop();
      done();
    });
    server.on('accept', (socket: TlsSocket) => {
      const n = ++accepted;
      open.add(socket);
      if (maxConnections !== undefined && accepted >= maxConnections) server.close();
      if (values.trace) traceSocket(socket, io, `[${n}] `);
      if (values.keylog) keylogTo(socket, values.keylog);
      let error: TlsConnectionError | undefined;
      socket.on('error', (e: Error) => {
        error = e instanceof TlsConnectionError ? e : new TlsConnectionError(e, socket.connection.state, false, true);
      });
      socket.on('secure', () => {
        const s = summarize(n, socket, undefined);
        io.err(
          `connection ${n}: ${s.protocol} ${s.cipher}${groupText(s)}${s.resumed ? ' resumed' : ''}${
            s.earlyDataAccepted ? ' early-data' : ''
          }${s.peerCertificate ? ` client ${s.peerCertificate.subject}` : ''}`,
        );
      });
      if (values.www) serveWww(socket);
      else if (values.echo) socket.on('data', (bytes: Buffer) => socket.write(bytes));
      else socket.on('data', dataSink(io));
      socket.on('end', () => socket.end());
      socket.on('close', () => {
        open.delete(socket);
        finished++;
        if (error) failures++;
        if (values.json || error)
          reportSummary(io, summarize(n, socket, error), values.json ?? false, `connection ${n}: `);
        if (maxConnections !== undefined && finished >= maxConnections) stop();
        done();
      });
    });
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

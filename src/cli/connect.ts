/**
 * `tlswire connect HOST:PORT`: a TLS 1.2 and 1.3 client like `openssl s_client`. Standard input (when it is
 * not a terminal) is read to its end and sent as application data once the handshake completes,
 * then close_notify; what the server sends goes to standard output until it closes. `--reconnect`
 * connects a second time resuming the first connection's session (with `--early-data`, as 0-RTT),
 * speaking that session's version.
 * @module
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { connect } from '../node/connect.js';
import { TlsConnectionError } from '../node/errors.js';
import { type AnyClientSession, isTls12Session } from '../node/session-cache.js';
import type { TlsSocket } from '../node/socket.js';
import { parseCommandArgs } from './args.js';
import { describeError } from './format.js';
import {
  type ConnectionSummary,
  dataSink,
  keylogTo,
  parseNameList,
  reportSummary,
  type StreamOutput,
  summarize,
  traceSocket,
} from './live.js';
import { TLS_OPTIONS, type TlsSettings, tlsSettings } from './tls-options.js';

/** Usage text of the command. */
export const CONNECT_USAGE = `Usage: tlswire connect HOST:PORT [options]

A TLS 1.2 and 1.3 client, like openssl s_client. Standard input (unless a terminal) is sent once the
handshake completes, then close_notify; received application data goes to standard output.

Options:
  --tls1.2              offer TLS 1.2 (alone unless --tls1.3 is given too)
  --tls1.3              offer TLS 1.3 (alone unless --tls1.2 is given too)
                        (neither: offer both, and the server picks)
  --no-tickets          TLS 1.2: no session_ticket extension (resume by session ID only)
  --ciphers LIST        cipher suites, IANA names, comma-separated, in preference order
  --groups LIST         key exchange groups, in preference order (default x25519, secp256r1, x448,
                        secp521r1, secp384r1; ffdhe2048..ffdhe8192 by name only)
  --key-shares LIST     groups to send key shares for (default: the first of --groups)
  --servername NAME     server_name to send and to check the certificate against (default: HOST)
  --alpn LIST           ALPN protocols, comma-separated
  --provider NAME       crypto: node (node:crypto, OpenSSL; the default) or noble (pure TypeScript)
  --cert FILE           our certificate chain (PEM, leaf first) for client authentication
  --key FILE            the private key of --cert
  --ca FILE             trusted roots (PEM; default: Node's bundled roots)
  --insecure            accept any certificate chain (CertificateVerify is still checked)
  --keylog FILE         append SSLKEYLOGFILE lines
  --reconnect           connect again resuming the first connection's session (same version)
  --early-data FILE     send FILE as 0-RTT data on the resumed connection (implies --reconnect)
  --trace               every handshake message, secret label and the negotiated parameters to stderr
  --json                one JSON summary per connection on stdout
  --timeout SECONDS     give up on a connection after this long (default 10)
  -h, --help            show this help

Exit codes: 0 success, 1 a connection failed, 2 usage error.`;

const OPTIONS = {
  ...TLS_OPTIONS,
  'key-shares': { type: 'string' },
  servername: { type: 'string' },
  insecure: { type: 'boolean' },
  reconnect: { type: 'boolean' },
  'early-data': { type: 'string' },
  timeout: { type: 'string' },
} as const;

/** `HOST:PORT` or `[IPv6]:PORT`. */
export function parseTarget(text: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`expected HOST:PORT, got ${JSON.stringify(text)}`);
  }
  return { host: m[1]!, port };
}

interface ConnectSettings {
  host: string;
  port: number;
  servername: string | undefined;
  /** Versions, tickets, cipher suites, groups, ALPN. */
  tls: TlsSettings;
  keyShareGroups: number[] | undefined;
  cert: string | undefined;
  key: string | undefined;
  ca: string | undefined;
  insecure: boolean;
  keylog: string | undefined;
  connections: number;
  earlyData: Uint8Array | undefined;
  trace: boolean;
  json: boolean;
  timeoutMs: number;
}

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

function settingsFrom({ values, positionals }: ReturnType<typeof parse>): ConnectSettings {
  if (positionals.length !== 1) throw new Error('expected one HOST:PORT');
  const { host, port } = parseTarget(positionals[0]!);
  if ((values.cert === undefined) !== (values.key === undefined)) throw new Error('--cert and --key go together');
  const timeout = values.timeout === undefined ? 10 : Number(values.timeout);
  if (!(timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
  const earlyData = values['early-data'] === undefined ? undefined : new Uint8Array(readFileSync(values['early-data']));
  return {
    host,
    port,
    servername: values.servername,
    tls: tlsSettings(values),
    keyShareGroups: values['key-shares'] === undefined ? undefined : parseNameList(values['key-shares'], 'group'),
    cert: values.cert === undefined ? undefined : readFileSync(values.cert, 'utf8'),
    key: values.key === undefined ? undefined : readFileSync(values.key, 'utf8'),
    ca: values.ca === undefined ? undefined : readFileSync(values.ca, 'utf8'),
    insecure: values.insecure ?? false,
    keylog: values.keylog,
    connections: values.reconnect || earlyData ? 2 : 1,
    earlyData,
    trace: values.trace ?? false,
    json: values.json ?? false,
    timeoutMs: timeout * 1000,
  };
}

async function readStdin(): Promise<Uint8Array> {
  if (process.stdin.isTTY) return new Uint8Array(0);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** One connection: handshake, send `input`, read until the server closes. */
function runConnection(
  n: number,
  s: ConnectSettings,
  input: Uint8Array,
  session: AnyClientSession | undefined,
  io: StreamOutput,
): Promise<{ summary: ConnectionSummary; sessions: AnyClientSession[] }> {
  return new Promise((resolve) => {
    const sessions: AnyClientSession[] = [];
    // A resumption speaks the session's version (a hello offering TLS 1.3 carries no TLS 1.2 session).
    const pinned = session ? (isTls12Session(session) ? 'TLSv1.2' : 'TLSv1.3') : undefined;
    let socket: TlsSocket;
    try {
      socket = connect({
        host: s.host,
        port: s.port,
        servername: s.servername,
        ...s.tls,
        minVersion: pinned ?? s.tls.minVersion,
        maxVersion: pinned ?? s.tls.maxVersion,
        keyShareGroups: s.keyShareGroups,
        cert: s.cert,
        key: s.key,
        ca: s.ca,
        rejectUnauthorized: !s.insecure,
        session,
        earlyData: session && s.earlyData ? s.earlyData : undefined,
      });
    } catch (e) {
      io.err(`tlswire connect: ${describeError(e)}`);
      const failed = new TlsConnectionError(e instanceof Error ? e : new Error(String(e)), 'Start', false, true);
      resolve({
        summary: {
          connection: n,
          protocol: undefined,
          cipher: undefined,
          group: undefined,
          alpn: undefined,
          resumed: false,
          earlyDataAccepted: false,
          helloRetry: false,
          serverName: undefined,
          peerCertificate: undefined,
          bytesSent: 0,
          bytesReceived: 0,
          error: {
            stage: failed.stage,
            alert: undefined,
            alertDirection: undefined,
            reason: failed.reason,
            hint: undefined,
            state: 'Start',
          },
        },
        sessions,
      });
      return;
    }
    let error: TlsConnectionError | undefined;
    const timer = setTimeout(() => {
      socket.destroy(
        new TlsConnectionError(
          new Error(`no end of the connection within ${s.timeoutMs / 1000} s`),
          socket.connection.state,
          socket.secure,
          true,
        ),
      );
    }, s.timeoutMs);
    if (s.trace) traceSocket(socket, io, s.connections > 1 ? `[${n}] ` : '');
    if (s.keylog) keylogTo(socket, s.keylog);
    socket.on('session', (session: AnyClientSession) => sessions.push(session));
    socket.on('data', dataSink(io));
    socket.on('secureConnect', () => {
      if (input.length > 0) socket.write(input);
      socket.end();
    });
    socket.on('error', (e: Error) => {
      error =
        e instanceof TlsConnectionError ? e : new TlsConnectionError(e, socket.connection.state, socket.secure, true);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ summary: summarize(n, socket, error), sessions });
    });
  });
}

/** `tlswire connect` with its arguments (after the command name). Resolves to the exit code. */
export async function connectCommand(argv: string[], io: StreamOutput): Promise<number> {
  const s = parseCommandArgs('connect', CONNECT_USAGE, io, () => parse(argv), settingsFrom);
  if (typeof s === 'number') return s;
  const input = io.input ?? (await readStdin());
  let session: AnyClientSession | undefined;
  let code = 0;
  for (let n = 1; n <= s.connections; n++) {
    const { summary, sessions } = await runConnection(n, s, input, session, io);
    reportSummary(io, summary, s.json, s.connections > 1 ? `[${n}] ` : '');
    if (summary.error) code = 1;
    // The newest ticket: servers send several, any of them resumes.
    session = sessions.at(-1) ?? session;
    if (summary.error && n < s.connections && !session) break;
  }
  return code;
}

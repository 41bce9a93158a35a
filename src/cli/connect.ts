/**
 * `tlswire connect HOST:PORT`: a TLS 1.2 and 1.3 client like `openssl s_client`. Standard input is
 * sent as it arrives once the handshake completes (its end sends close_notify); what the server sends
 * goes to standard output until it closes. The server's chain is verified against `--ca` (or Node's
 * bundled roots) with `--intermediates` as extra path material (s_client's `-untrusted`), and the
 * result printed as s_client does ("Verification: OK" / "Verification error: …"), also with
 * `--insecure`, which goes on regardless. `--reconnect` connects a second time resuming the first
 * connection's session (with `--early-data`, as 0-RTT), speaking that session's version.
 * @module
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { parseArgs } from 'node:util';
import type { OcspPolicy, OcspStapleReport } from '../handshake/stapling.js';
import type { CertificateVerifier } from '../handshake/types.js';
import { connect } from '../node/connect.js';
import { bundledRoots } from '../node/credentials.js';
import { TlsConnectionError } from '../node/errors.js';
import { type AnyClientSession, isTls12Session } from '../node/session-cache.js';
import type { TlsSocket } from '../node/socket.js';
import { type Certificate, parseCertificatesPem } from '../x509/certificate.js';
import { CrlSet } from '../x509/crl.js';
import { TrustStore, verifyCertificateChain } from '../x509/verify.js';
import { parseCommandArgs } from './args.js';
import { describeError } from './format.js';
import { cliHint, type HintContext } from './hints.js';
import {
  type ConnectionSummary,
  dataSink,
  failureLine,
  firstBytesOf,
  handshakeLines,
  keylogTo,
  parseNameList,
  reportSummary,
  type StreamOutput,
  summarize,
  traceSocket,
  type VerificationSummary,
} from './live.js';
import { TLS_OPTIONS, type TlsSettings, tlsSettings } from './tls-options.js';

/** Usage text of the command. */
export const CONNECT_USAGE = `Usage: tlswire connect HOST:PORT [options]

A TLS 1.2 and 1.3 client, like openssl s_client. Standard input is sent as it arrives once the
handshake completes, and its end sends close_notify; received application data goes to standard
output. The handshake's parameters and the verification of the server's chain ("Verification: OK" or
"Verification error: REASON") go to standard error once it completes.

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
  --intermediates FILE  intermediate certificates (PEM) the verifier may use to build the path when
                        the server leaves them out (openssl s_client -untrusted); never trusted as roots
  --insecure            go on whatever the verification finds (CertificateVerify is still checked)
  --crl FILE            a CRL (PEM or DER, openssl ca -gencrl) to check the chain's revocation with;
                        repeatable (a listed certificate: certificate_revoked)
  --status              ask for a stapled OCSP response (status_request, as s_client -status); its
                        verified status is shown (OCSP: good / revoked / unknown / none)
  --ocsp-policy P       soft-fail (default: a stapled response must verify; revoked fails; none is
                        accepted unless the certificate says must-staple), must-staple (a good
                        stapled response is required; implies --status), or ignore (shown, not checked)
  --keylog FILE         append SSLKEYLOGFILE lines
  --reconnect           connect again resuming the first connection's session (same version);
                        standard input is then read to its end first and sent on each connection
  --early-data FILE     send FILE as 0-RTT data on the resumed connection (implies --reconnect)
  --trace               every handshake message, secret label and the negotiated parameters to stderr
  --json                one JSON summary per connection on stdout
  --timeout SECONDS     give up when the handshake is not done, or the server has not closed after
                        our input ended, within this long (default 10)
  -h, --help            show this help

Exit codes: 0 success, 1 a connection failed, 2 usage error.`;

const OPTIONS = {
  ...TLS_OPTIONS,
  'key-shares': { type: 'string' },
  intermediates: { type: 'string' },
  servername: { type: 'string' },
  insecure: { type: 'boolean' },
  status: { type: 'boolean' },
  crl: { type: 'string', multiple: true },
  'ocsp-policy': { type: 'string' },
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
  /** `--ca` (default: Node's bundled roots). */
  roots: TrustStore;
  /** `--intermediates`: extra path material, never anchors. */
  intermediates: Certificate[];
  insecure: boolean;
  /** `--crl` files. */
  revocation: CrlSet | undefined;
  /** `--status`, `--ocsp-policy`. */
  ocsp: { requestOcsp: boolean; ocspPolicy: OcspPolicy };
  /** Rewording of library hints. */
  hints: HintContext;
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
  const cert = values.cert === undefined ? undefined : readFileSync(values.cert, 'utf8');
  return {
    host,
    port,
    servername: values.servername,
    tls: tlsSettings(values),
    keyShareGroups: values['key-shares'] === undefined ? undefined : parseNameList(values['key-shares'], 'group'),
    cert,
    key: values.key === undefined ? undefined : readFileSync(values.key, 'utf8'),
    roots: values.ca === undefined ? bundledRoots() : TrustStore.fromPem(readFileSync(values.ca, 'utf8')),
    intermediates: values.intermediates === undefined ? [] : pemFile(values.intermediates, '--intermediates'),
    insecure: values.insecure ?? false,
    revocation: values.crl?.length ? new CrlSet(values.crl.map(crlFile)) : undefined,
    ocsp: { requestOcsp: values.status ?? false, ocspPolicy: ocspPolicyNamed(values['ocsp-policy']) },
    hints: { command: 'connect', ourChain: cert === undefined ? 0 : parseCertificatesPem(cert).length },
    keylog: values.keylog,
    connections: values.reconnect || earlyData ? 2 : 1,
    earlyData,
    trace: values.trace ?? false,
    json: values.json ?? false,
    timeoutMs: timeout * 1000,
  };
}

/**
 * The certificates of a PEM file.
 * @throws Error naming the option when it holds none
 */
function pemFile(file: string, option: string): Certificate[] {
  const certs = parseCertificatesPem(readFileSync(file, 'utf8'));
  if (certs.length === 0) throw new Error(`${option} ${file}: no CERTIFICATE block`);
  return certs;
}

/** A stream read to its end (for --reconnect, which sends the same input on each connection). */
async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * The server verifier: `verifyCertificateChain` against `--ca` with `--intermediates`, for the name
 * asked for, at the connection's clock time; `record` gets the result, which rejects the chain
 * unless `--insecure`.
 */
function recordingVerifier(s: ConnectSettings, record: (v: VerificationSummary) => void): CertificateVerifier {
  return (chain, ctx) => {
    const result = verifyCertificateChain(chain, {
      roots: s.roots,
      intermediates: s.intermediates,
      time: ctx.now,
      hostname: ctx.serverName,
      purpose: 'serverAuth',
      provider: s.tls.provider,
      ...(s.revocation ? { revocation: s.revocation } : {}),
    });
    if (result.ok) record({ ok: true });
    else {
      const { code, reason, hint } = result.error;
      record({ ok: false, code, reason, hint: cliHint(hint, s.hints) });
      if (!s.insecure) throw result.error;
    }
  };
}

/**
 * Send `source` as it arrives (pausing it while the socket's buffer is full), then close_notify at
 * its end. Returns the function that stops reading it (the connection closed first).
 */
function pump(source: NodeJS.ReadableStream, socket: TlsSocket, ended: () => void): () => void {
  const onData = (chunk: Uint8Array) => {
    if (socket.write(chunk)) return;
    source.pause();
    socket.once('drain', () => source.resume());
  };
  const onEnd = () => {
    stop();
    if (!socket.writableEnded) socket.end();
    ended();
  };
  const stop = () => {
    source.off('data', onData);
    source.off('end', onEnd);
    source.pause();
  };
  source.on('data', onData);
  source.once('end', onEnd);
  source.resume();
  return stop;
}

/** A `--crl` file: PEM text, or DER bytes. */
function crlFile(file: string): string | Uint8Array {
  const b = readFileSync(file);
  return b.toString('latin1').includes('-----BEGIN') ? b.toString('latin1') : new Uint8Array(b);
}

/** `--ocsp-policy` (default soft-fail). */
function ocspPolicyNamed(name: string | undefined): OcspPolicy {
  if (name === undefined) return 'soft-fail';
  if (name === 'soft-fail' || name === 'must-staple' || name === 'ignore') return name;
  throw new Error(`--ocsp-policy: expected soft-fail, must-staple or ignore, got ${JSON.stringify(name)}`);
}

/** The stapled OCSP response as the summary shows it (times as ISO 8601). */
interface OcspSummary {
  status: OcspStapleReport['status'];
  mustStaple: boolean;
  bytes: number;
  signer?: 'issuer' | 'delegated responder';
  thisUpdate?: string;
  nextUpdate?: string;
}

/** A connection's summary with `ocsp` when stapling was asked for (and the handshake got that far). */
function withOcsp(summary: ConnectionSummary, socket: TlsSocket): ConnectionSummary & { ocsp?: OcspSummary } {
  const r = socket.ocsp;
  if (!r) return summary;
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  const ocsp: OcspSummary = { status: r.status, mustStaple: r.mustStaple, bytes: r.response?.length ?? 0 };
  if (r.delegated !== undefined) ocsp.signer = r.delegated ? 'delegated responder' : 'issuer';
  if (r.thisUpdate !== undefined) ocsp.thisUpdate = iso(r.thisUpdate);
  if (r.nextUpdate !== undefined) ocsp.nextUpdate = iso(r.nextUpdate);
  return { ...summary, ocsp };
}

/** The handshake lines, then the OCSP line when there is one. */
function connectLines(s: ConnectionSummary & { ocsp?: OcspSummary }): string[] {
  const lines = handshakeLines(s);
  const o = s.ocsp;
  if (!o) return lines;
  const feature = o.mustStaple ? ' (certificate: must-staple)' : '';
  if (o.status === 'none') lines.push(`OCSP: no response stapled${feature}`);
  else if (o.status === 'unchecked') lines.push(`OCSP: ${o.bytes} bytes stapled, not checked (--ocsp-policy ignore)`);
  else {
    const next = o.nextUpdate ? `, next update ${o.nextUpdate}` : ', no next update';
    lines.push(`OCSP: ${o.status} (stapled, signed by the ${o.signer}, this update ${o.thisUpdate}${next})${feature}`);
  }
  return lines;
}

/** What one connection reports. */
interface ConnectionResult {
  summary: ConnectionSummary;
  sessions: AnyClientSession[];
}

/** The summary of a connection that could not even start (bad options the client refused). */
function startFailure(n: number, e: unknown, io: StreamOutput): ConnectionResult {
  io.err(`tlswire connect: ${describeError(e)}`);
  const failed = new TlsConnectionError(e instanceof Error ? e : new Error(String(e)), 'Start', false, true);
  const error = { stage: failed.stage, alert: undefined, alertDirection: undefined, reason: failed.reason };
  return {
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
      error: { ...error, hint: undefined, state: 'Start' },
    },
    sessions: [],
  };
}

/** The client socket of connection `n` (a resumption speaks the session's version). */
function openSocket(
  s: ConnectSettings,
  session: AnyClientSession | undefined,
  record: (v: VerificationSummary) => void,
): TlsSocket {
  // A hello offering TLS 1.3 carries no TLS 1.2 session.
  const pinned = session ? (isTls12Session(session) ? 'TLSv1.2' : 'TLSv1.3') : undefined;
  return connect({
    host: s.host,
    port: s.port,
    servername: s.servername,
    ...s.tls,
    minVersion: pinned ?? s.tls.minVersion,
    maxVersion: pinned ?? s.tls.maxVersion,
    keyShareGroups: s.keyShareGroups,
    cert: s.cert,
    key: s.key,
    verifyServer: recordingVerifier(s, record),
    ...s.ocsp,
    session,
    earlyData: session && s.earlyData ? s.earlyData : undefined,
  });
}

/**
 * One connection: handshake, send `input` (bytes at once, a stream as it arrives), read until the
 * server closes. Without `--json` the handshake lines go out once it completes, a failure when it ends.
 * @param inherited the verification of the connection whose session a resumption resumes
 */
function runConnection(
  n: number,
  s: ConnectSettings,
  input: Uint8Array | NodeJS.ReadableStream,
  session: AnyClientSession | undefined,
  inherited: VerificationSummary | undefined,
  io: StreamOutput,
): Promise<ConnectionResult> {
  return new Promise((resolve) => {
    const sessions: AnyClientSession[] = [];
    let verification: VerificationSummary | undefined;
    let socket: TlsSocket;
    try {
      socket = openSocket(s, session, (v) => {
        verification = v;
      });
    } catch (e) {
      resolve(startFailure(n, e, io));
      return;
    }
    const prefix = s.connections > 1 ? `[${n}] ` : '';
    const firstBytes = firstBytesOf(socket);
    let error: TlsConnectionError | undefined;
    let shown = false;
    const summary = () =>
      withOcsp(
        summarize(n, socket, error, {
          hints: s.hints,
          firstBytes: firstBytes(),
          verification: verification ?? (socket.isSessionReused() ? inherited : undefined),
        }),
        socket,
      );
    const timer = deadline(socket, s.timeoutMs);
    if (s.trace) traceSocket(socket, io, prefix);
    if (s.keylog) keylogTo(socket, s.keylog);
    socket.on('session', (session: AnyClientSession) => sessions.push(session));
    socket.on('data', dataSink(io));
    let stopInput: () => void = () => undefined;
    socket.on('secureConnect', () => {
      timer.stop();
      if (!s.json) for (const line of connectLines(summary())) io.err(`${prefix}${line}`);
      shown = !s.json;
      if (input instanceof Uint8Array) {
        if (input.length > 0) socket.write(input);
        socket.end();
        timer.start();
      } else stopInput = pump(input, socket, timer.start);
    });
    // The server closed (close_notify): so do we, as s_client does.
    socket.on('end', () => socket.end());
    socket.on('error', (e: Error) => {
      error =
        e instanceof TlsConnectionError ? e : new TlsConnectionError(e, socket.connection.state, socket.secure, true);
    });
    socket.on('close', () => {
      timer.stop();
      stopInput();
      const result = summary();
      if (shown) {
        if (result.error) io.err(`${prefix}${failureLine(result.error)}`);
      } else reportSummary(io, result, s.json, prefix);
      resolve({ summary: result, sessions });
    });
  });
}

/** `--timeout`: destroy `socket` when it runs out; stopped while standard input is open. */
function deadline(socket: TlsSocket, ms: number): { start: () => void; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const stop = () => clearTimeout(timer);
  const start = () => {
    stop();
    timer = setTimeout(() => {
      const what = socket.secure ? 'end of the connection' : 'completed handshake';
      socket.destroy(
        new TlsConnectionError(
          new Error(`no ${what} within ${ms / 1000} s`),
          socket.connection.state,
          socket.secure,
          true,
        ),
      );
    }, ms);
  };
  start();
  return { start, stop };
}

/** `tlswire connect` with its arguments (after the command name). Resolves to the exit code. */
export async function connectCommand(argv: string[], io: StreamOutput): Promise<number> {
  const s = parseCommandArgs('connect', CONNECT_USAGE, io, () => parse(argv), settingsFrom);
  if (typeof s === 'number') return s;
  const stdin = io.input ?? process.stdin;
  // The same input on each connection: read it to its end first.
  const input = s.connections > 1 && !(stdin instanceof Uint8Array) ? await readAll(stdin) : stdin;
  let session: AnyClientSession | undefined;
  let verification: VerificationSummary | undefined;
  let code = 0;
  for (let n = 1; n <= s.connections; n++) {
    const { summary, sessions } = await runConnection(n, s, input, session, verification, io);
    if (summary.error) code = 1;
    verification = summary.verification ?? verification;
    // The newest ticket: servers send several, any of them resumes.
    session = sessions.at(-1) ?? session;
    if (summary.error && n < s.connections && !session) break;
  }
  return code;
}

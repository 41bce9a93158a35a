/**
 * What `tlswire connect`, `tlswire serve` and the demo share about live connections: IANA name
 * lists from the command line, the `--trace` lines of a connection's events, the summary of a
 * connection (text and JSON: its verification result, its failure with the hint in the command's
 * words and a plaintext HTTP peer recognised) and its report, key log files, where received data
 * goes, and the I/O a streaming command needs beyond {@link Output}.
 * @module
 */
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import type { AnyTlsEvent } from '../handshake/negotiate.js';
import type { TlsConnectionError } from '../node/errors.js';
import { lookupGroup, lookupName } from '../node/names.js';
import type { TlsSocket } from '../node/socket.js';
import { AlertDescription, CipherSuite, NamedGroup, nameOf } from '../tls/enums.js';
import { keyFields, keyFieldText, messageName, type Output, versionName } from './format.js';
import { cliHint, type HintContext, plaintextHttp } from './hints.js';

/** The I/O of a command that streams application data (tests pass all of it; the process uses stdio). */
export interface StreamOutput extends Output {
  /**
   * Application data to send (connect; default standard input): bytes sent at once, or a stream sent
   * as it arrives.
   */
  input?: Uint8Array | NodeJS.ReadableStream;
  /** Received application data (default: process standard output). */
  data?(bytes: Uint8Array): void;
  /** Stops a long-running command (serve). */
  signal?: AbortSignal;
}

/**
 * A comma-separated list of IANA names (case-insensitive; hex `0x1301` allowed) as values.
 * @throws Error naming the first unknown entry
 */
export function parseNameList(text: string, kind: 'cipher suite' | 'group'): number[] {
  return parseList(text).map((name) => {
    const value = (kind === 'group' ? lookupGroup(name) : lookupName(CipherSuite, name)) ?? hexValue(name);
    if (value === undefined) throw new Error(`unknown ${kind} ${JSON.stringify(name)}`);
    return value;
  });
}

function hexValue(text: string): number | undefined {
  return /^0x[0-9a-f]{1,4}$/i.test(text) ? Number.parseInt(text, 16) : undefined;
}

/** A comma-separated list of strings (ALPN protocols). */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * One `--trace` line per event, or undefined for events not traced: handshake messages with their key
 * fields (`>` sent, `<` received), secrets by label, negotiated parameters, alerts, key updates.
 */
export function traceLine(e: AnyTlsEvent): string | undefined {
  switch (e.kind) {
    case 'handshake-message': {
      const name = messageName(e.message, e.raw[0] ?? 0);
      const fields = keyFields(e.message)
        .map((f) => `${f.label}: ${keyFieldText(f.value)}`)
        .join('; ');
      return `${e.direction === 'sent' ? '>' : '<'} ${name} (${e.raw.length} bytes)${fields ? `  ${fields}` : ''}`;
    }
    case 'secret':
      return `  secret ${e.label}`;
    case 'negotiated':
      return `  negotiated ${versionName(e.version)} ${nameOf(CipherSuite, e.cipherSuite, 2)}, group ${
        e.group === undefined ? 'none (psk_ke)' : nameOf(NamedGroup, e.group, 2)
      }, ALPN ${e.alpn ?? 'none'}, resumed ${e.resumed ? 'yes' : 'no'}, early data ${
        e.earlyDataAccepted ? 'accepted' : 'no'
      }, HelloRetryRequest ${e.helloRetry ? 'yes' : 'no'}`;
    case 'peer-certificate':
      return `  peer certificate chain: ${e.chain.length} certificate${e.chain.length === 1 ? '' : 's'}`;
    case 'established':
      return '  established';
    case 'session': {
      const s = e.session;
      if ('maxEarlyDataSize' in s) {
        return `  session ticket (${s.ticket.length} bytes, lifetime ${s.lifetime} s, max early data ${s.maxEarlyDataSize})`;
      }
      const id = s.sessionId.length > 0 ? `session ID (${s.sessionId.length} bytes)` : undefined;
      const ticket = s.ticket ? `ticket (${s.ticket.length} bytes)` : undefined;
      return `  session ${[id, ticket].filter(Boolean).join(' and ')}, lifetime ${s.lifetime} s`;
    }
    case 'key-update':
      return `  key update ${e.direction}`;
    case 'alert-sent':
      return `> alert ${nameOf(AlertDescription, e.description)}`;
    case 'alert-received':
      return `< alert ${nameOf(AlertDescription, e.description)}`;
    case 'closed':
      return '  peer sent close_notify';
    case 'error':
      return `  error: ${e.error.message}`;
    default:
      return undefined;
  }
}

/** Print every traced event of `socket` to `io.err`, each line after `prefix`. */
export function traceSocket(socket: TlsSocket, io: Output, prefix = ''): void {
  socket.on('tls', (e: AnyTlsEvent) => {
    const line = traceLine(e);
    if (line !== undefined) io.err(`${prefix}${line}`);
  });
}

/** Where a socket's received application data goes: `io.data`, else standard output. */
export function dataSink(io: StreamOutput): (bytes: Buffer) => void {
  return (bytes) => (io.data ? io.data(bytes) : process.stdout.write(bytes));
}

/** Append every key log line of `socket` to `file` (SSLKEYLOGFILE format). */
export function keylogTo(socket: TlsSocket, file: string): void {
  socket.on('keylog', (line: Buffer) => appendFileSync(file, line));
}

/** How a failed connection is reported. */
export interface ErrorSummary {
  stage: string;
  /** The alert's name (`unknown_ca`), or undefined for a transport failure. */
  alert: string | undefined;
  /** `sent` by us or `received` from the peer. */
  alertDirection: 'sent' | 'received' | undefined;
  reason: string;
  hint: string | undefined;
  /** The handshake state it failed in. */
  state: string;
}

/** What the verification of the peer's chain found (also with `--insecure`, which goes on regardless). */
export type VerificationSummary =
  | { ok: true }
  | {
      ok: false;
      /** `CertificateError.code`: `hostname-mismatch`, `expired`, `unknown-issuer` … */
      code: string;
      reason: string;
      hint: string | undefined;
    };

/** The summary of one connection (`--json` prints it as one line). */
export interface ConnectionSummary {
  connection: number;
  protocol: string | undefined;
  cipher: string | undefined;
  group: string | undefined;
  alpn: string | undefined;
  resumed: boolean;
  earlyDataAccepted: boolean;
  helloRetry: boolean;
  serverName: string | undefined;
  peerCertificate: { subject: string; issuer: string; notBefore: string; notAfter: string } | undefined;
  bytesSent: number;
  bytesReceived: number;
  /** The peer's chain as verified; absent when none was (no certificate, or no check asked for). */
  verification?: VerificationSummary;
  error?: ErrorSummary;
}

/** What a command adds to a connection's summary. */
export interface SummaryExtras {
  /** Rewords library hints with the command's options. */
  hints?: HintContext;
  verification?: VerificationSummary | undefined;
  /** The first bytes received (a plaintext HTTP peer is recognised from them). */
  firstBytes?: Uint8Array | undefined;
}

/** Keep the first bytes `socket`'s transport receives (up to 200), for {@link SummaryExtras}. */
export function firstBytesOf(socket: TlsSocket): () => Uint8Array | undefined {
  let first: Uint8Array | undefined;
  socket.socket.once('data', (chunk: Uint8Array) => {
    first = chunk.slice(0, 200);
  });
  return () => first;
}

/** The summary of `socket` (after it closed), with `error` when it failed. */
export function summarize(
  n: number,
  socket: TlsSocket,
  error: TlsConnectionError | undefined,
  extras: SummaryExtras = {},
): ConnectionSummary {
  const neg = socket.negotiated;
  let peerCertificate: ConnectionSummary['peerCertificate'];
  try {
    const cert = socket.parsedPeerCertificate();
    if (cert) {
      peerCertificate = {
        subject: cert.subject.text,
        issuer: cert.issuer.text,
        notBefore: new Date(cert.notBefore).toISOString(),
        notAfter: new Date(cert.notAfter).toISOString(),
      };
    }
  } catch {
    peerCertificate = undefined;
  }
  const summary: ConnectionSummary = {
    connection: n,
    protocol: neg ? versionName(neg.version).replace('TLS', 'TLSv') : undefined,
    cipher: neg ? nameOf(CipherSuite, neg.cipherSuite, 2) : undefined,
    group: neg?.group === undefined ? undefined : nameOf(NamedGroup, neg.group, 2),
    alpn: neg?.alpn,
    resumed: neg?.resumed ?? false,
    earlyDataAccepted: neg?.earlyDataAccepted ?? false,
    helloRetry: neg?.helloRetry ?? false,
    serverName: neg?.serverName,
    peerCertificate,
    bytesSent: socket.bytesWritten,
    bytesReceived: socket.bytesRead,
  };
  if (extras.verification) summary.verification = extras.verification;
  if (error) summary.error = errorSummary(error, socket.role, extras);
  return summary;
}

/** A failure as reported: the hint in the command's words, a plaintext HTTP peer recognised. */
function errorSummary(error: TlsConnectionError, role: 'client' | 'server', extras: SummaryExtras): ErrorSummary {
  const http = error.stage === 'negotiation' ? plaintextHttp(extras.firstBytes, role) : undefined;
  return {
    stage: error.stage,
    alert: error.alertName,
    alertDirection: error.alertOrigin === undefined ? undefined : error.alertOrigin === 'peer' ? 'received' : 'sent',
    reason: http?.reason ?? error.reason,
    hint: http?.hint ?? (extras.hints ? cliHint(error.hint, extras.hints) : error.hint),
    state: error.state,
  };
}

/** s_client's verification line: `Verification: OK` or `Verification error: REASON`. */
export function verificationLine(v: VerificationSummary): string {
  return v.ok ? 'Verification: OK' : `Verification error: ${v.reason}`;
}

/** The failure line of a connection: `Failed in STAGE (state S, alert A sent): REASON — HINT`. */
export function failureLine(e: ErrorSummary): string {
  const alert = e.alert ? `, alert ${e.alert} ${e.alertDirection}` : '';
  return `Failed in ${e.stage} (state ${e.state}${alert}): ${e.reason}${e.hint ? ` — ${e.hint}` : ''}`;
}

/** The handshake part of the summary as `key: value` lines for people (with the verification result). */
export function handshakeLines(s: ConnectionSummary): string[] {
  const lines: string[] = [];
  if (s.protocol) {
    lines.push(`Protocol: ${s.protocol}, Cipher: ${s.cipher}, Group: ${s.group ?? 'none'}, ALPN: ${s.alpn ?? 'none'}`);
    lines.push(
      `Resumed: ${s.resumed ? 'yes' : 'no'}, Early data: ${s.earlyDataAccepted ? 'accepted' : 'no'}, HelloRetryRequest: ${s.helloRetry ? 'yes' : 'no'}`,
    );
  }
  if (s.peerCertificate) {
    const c = s.peerCertificate;
    lines.push(`Peer certificate: ${c.subject}, issuer ${c.issuer}, valid ${c.notBefore} to ${c.notAfter}`);
  }
  if (s.verification) lines.push(verificationLine(s.verification));
  return lines;
}

/** The summary as `key: value` lines for people: the handshake's, then the failure. */
export function summaryLines(s: ConnectionSummary): string[] {
  return [...handshakeLines(s), ...(s.error ? [failureLine(s.error)] : [])];
}

/**
 * Report a connection: with `json` its summary as one JSON line on `io.out`, else its
 * {@link summaryLines} on `io.err`, each after `prefix`.
 */
export function reportSummary(io: Output, summary: ConnectionSummary, json: boolean, prefix = ''): void {
  if (json) io.out(JSON.stringify(summary));
  else for (const line of summaryLines(summary)) io.err(`${prefix}${line}`);
}

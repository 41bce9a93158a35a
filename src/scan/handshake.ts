/**
 * Full handshakes for what a crafted hello cannot show: a TLS 1.3 server's certificate chain, OCSP
 * status and record_size_limit travel encrypted (RFC 8446 §4.3.1, §4.4.2), and resumption (RFC 8446
 * §2.2, RFC 5246 §7.3, RFC 5077) needs a completed first connection. tlswire's own clients do these
 * handshakes over the injected transport; a capturing verifier accepts every chain (the scanner
 * judges it afterwards), and the connection ends with close_notify (RFC 8446 §6.1) once the server
 * has had the chance to send its tickets.
 * @module
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { TlsClient } from '../handshake/client.js';
import { Tls12Client } from '../handshake/tls12/client.js';
import type { Tls12ClientSession } from '../handshake/tls12/types.js';
import type { AnyTlsEvent, ClientSession, TlsEvent } from '../handshake/types.js';
import type { Extension } from '../tls/extensions.js';
import type { HandshakeMessage } from '../tls/messages/handshake.js';
import { readBefore } from './probe.js';
import type { Connect, ScanConnection } from './types.js';

/** What one full handshake showed. */
export interface HandshakeOutcome {
  established: boolean;
  /** The chain the server presented (leaf first), if any. */
  chain: Uint8Array[] | undefined;
  /** Handshake messages received, in order. */
  received: HandshakeMessage[];
  /** `negotiated.resumed`. */
  resumed: boolean;
  /** `negotiated.alpn`. */
  alpn: string | undefined;
  tls13Sessions: ClientSession[];
  tls12Session: Tls12ClientSession | undefined;
  /** Why it failed. */
  error: string | undefined;
}

/** Settings shared by both versions' full handshakes. */
export interface FullHandshakeSettings {
  provider: CryptoProvider;
  serverName: string | undefined;
  now: () => number;
  /** Milliseconds for the whole connection. */
  timeout: number;
}

interface Driven {
  handle(bytes: Uint8Array): AnyTlsEvent[];
  close(): AnyTlsEvent[];
  dispose(): void;
}

/** A TLS 1.3 handshake (TlsClient) offering `signatureSchemes`, with status_request and record_size_limit. */
export async function tls13Handshake(
  connect: Connect,
  s: FullHandshakeSettings,
  offer: { signatureSchemes?: readonly number[]; session?: ClientSession; alpn?: readonly string[] } = {},
): Promise<HandshakeOutcome> {
  let chain: Uint8Array[] | undefined;
  const client = new TlsClient({
    provider: s.provider,
    serverName: s.serverName,
    now: s.now,
    ...(offer.signatureSchemes ? { signatureSchemes: offer.signatureSchemes } : {}),
    ...(offer.alpn ? { alpn: offer.alpn } : {}),
    recordSizeLimit: 16385,
    session: offer.session,
    verifyServer: (c) => {
      chain = c.map((d) => d.slice());
    },
    editClientHello: (hello) => ({ ...hello, extensions: [...(hello.extensions ?? []), STATUS_REQUEST] }),
  });
  const outcome = await drive(connect, client, () => client.start(), s);
  return { ...outcome, chain };
}

/** A TLS 1.2 handshake (Tls12Client, its default suites), with tickets or without, resuming `session`. */
export async function tls12Handshake(
  connect: Connect,
  s: FullHandshakeSettings,
  tickets: boolean,
  session?: Tls12ClientSession,
): Promise<HandshakeOutcome> {
  let chain: Uint8Array[] | undefined;
  const client = new Tls12Client({
    provider: s.provider,
    serverName: s.serverName,
    now: s.now,
    sessionTickets: tickets,
    session,
    allowResumptionWithoutEms: true,
    verifyServer: (c) => {
      chain = c.map((d) => d.slice());
    },
  });
  const outcome = await drive(connect, client, () => client.start(), s);
  return { ...outcome, chain };
}

const STATUS_REQUEST: Extension = {
  kind: 'status_request',
  form: 'request',
  statusType: 1,
  responderIds: [],
  requestExtensions: new Uint8Array(0),
};

/** Run `client` over a new connection until the server closes after our close_notify, or the timeout. */
async function drive(
  connect: Connect,
  client: Driven,
  start: () => AnyTlsEvent[],
  s: FullHandshakeSettings,
): Promise<Omit<HandshakeOutcome, 'chain'>> {
  const out: Omit<HandshakeOutcome, 'chain'> = {
    established: false,
    received: [],
    resumed: false,
    alpn: undefined,
    tls13Sessions: [],
    tls12Session: undefined,
    error: undefined,
  };
  const deadline = s.now() + s.timeout;
  let conn: ScanConnection | undefined;
  let closing = false;
  try {
    conn = await connect();
    let done = await act(conn, start(), out);
    while (!done) {
      const chunk = await readBefore(conn, deadline, s.now);
      if (chunk === 'timeout') {
        if (!out.established) out.error = 'no answer within the connection timeout';
        break;
      }
      if (chunk === undefined) break;
      done = await act(conn, client.handle(chunk), out);
      if (out.established && !closing) {
        closing = true;
        done = (await act(conn, client.close(), out)) || done;
      }
    }
  } catch (e) {
    out.error ??= e instanceof Error ? e.message : String(e);
  } finally {
    conn?.close();
    client.dispose();
  }
  return out;
}

/** Act on events: send what is to be sent, record the rest. Returns true once the connection is over. */
async function act(
  conn: ScanConnection,
  events: readonly AnyTlsEvent[],
  out: Omit<HandshakeOutcome, 'chain'>,
): Promise<boolean> {
  let over = false;
  for (const e of events as (TlsEvent | AnyTlsEvent)[]) {
    if (e.kind === 'send') await conn.write(e.bytes);
    else if (e.kind === 'handshake-message' && e.direction === 'received') out.received.push(e.message);
    else if (e.kind === 'negotiated') {
      out.resumed = e.resumed;
      out.alpn = e.alpn;
    } else if (e.kind === 'established') out.established = true;
    else if (e.kind === 'session') {
      if ('masterSecret' in e.session) out.tls12Session = e.session;
      else out.tls13Sessions.push(e.session);
    } else if (e.kind === 'closed') over = true;
    else if (e.kind === 'error') {
      out.error = e.error.message;
      over = true;
    }
  }
  return over;
}

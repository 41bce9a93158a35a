/**
 * One probe: a crafted ClientHello (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2; SSL 3.0 and TLS 1.0/1.1 too,
 * versions tlswire does not otherwise speak) written with the tls wire codecs, and the server's
 * plaintext answer read back: its ServerHello (or HelloRetryRequest, RFC 8446 §4.1.4), the rest of
 * a TLS ≤ 1.2 first flight up to ServerHelloDone (Certificate, CertificateStatus, ServerKeyExchange),
 * an alert (RFC 8446 §6), a close, or nothing within the deadline. Nothing is ever answered: the
 * scanner closes the connection after reading.
 * @module
 */

import { Reader } from '../bytes/reader.js';
import { DOWNGRADE_TLS12 } from '../handshake/common.js';
import { RSA_PSS_SCHEMES } from '../handshake/policy.js';
import {
  AlertDescription,
  ContentType,
  ECPointFormat,
  HandshakeType,
  NamedGroup,
  ProtocolVersion,
  SignatureScheme,
} from '../tls/enums.js';
import type { Extension, KeyShareEntry } from '../tls/extensions.js';
import { HandshakeReassembler } from '../tls/handshake-framing.js';
import { encodeHandshake } from '../tls/messages/handshake.js';
import { type ClientHello, decodeServerHello, type ServerHello } from '../tls/messages/hello.js';
import { encodeRecords, fragmentContent, RecordDeframer } from '../tls/record.js';
import type { ScanConnection } from './types.js';

/** What to offer in one ClientHello. */
export interface HelloSpec {
  /** The highest version offered (0x0300 … 0x0304); TLS 1.3 goes in supported_versions. */
  version: number;
  cipherSuites: readonly number[];
  /** supported_groups (default: every group {@link ALL_GROUPS}). */
  groups?: readonly number[];
  /** TLS 1.3 key shares (default none: the server must ask with a HelloRetryRequest). */
  keyShares?: readonly KeyShareEntry[];
  /** signature_algorithms (default {@link ALL_SIGNATURE_SCHEMES}). */
  signatureSchemes?: readonly number[];
  serverName?: string;
  alpn?: readonly string[];
  /** Ask for OCSP stapling (status_request, RFC 6066 §8). */
  statusRequest?: boolean;
  /** Compression methods (default [null]). */
  compression?: readonly number[];
  /** TLS 1.3: also offer TLS 1.2 in supported_versions (the downgrade checks leave TLS 1.3 out). */
  alsoTls12?: boolean;
  /** record_size_limit to offer (RFC 8449). */
  recordSizeLimit?: number;
}

/** The ECDHE curves of RFC 8422 §5.1.1 and RFC 7748, in the order probed one by one over TLS 1.2. */
export const ECDHE_CURVES: readonly number[] = [
  NamedGroup.x25519,
  NamedGroup.secp256r1,
  NamedGroup.x448,
  NamedGroup.secp384r1,
  NamedGroup.secp521r1,
  NamedGroup.brainpoolP256r1,
  NamedGroup.brainpoolP384r1,
  NamedGroup.brainpoolP512r1,
  NamedGroup.secp256k1,
  NamedGroup.secp224r1,
  NamedGroup.secp192r1,
];

/** Every group offered by default: the TLS 1.3 ones and the legacy ECDHE curves. */
export const ALL_GROUPS: readonly number[] = [
  ...ECDHE_CURVES,
  NamedGroup.sect571r1,
  NamedGroup.sect409r1,
  NamedGroup.sect283r1,
  NamedGroup.sect233r1,
  NamedGroup.sect163r2,
  NamedGroup.ffdhe2048,
  NamedGroup.ffdhe3072,
  NamedGroup.ffdhe4096,
  NamedGroup.ffdhe6144,
  NamedGroup.ffdhe8192,
  NamedGroup.X25519MLKEM768,
  NamedGroup.SecP256r1MLKEM768,
  NamedGroup.SecP384r1MLKEM1024,
];

/** Every signature scheme of the registry with a defined TLS 1.2 or 1.3 meaning, SHA-1 ones included. */
export const ALL_SIGNATURE_SCHEMES: readonly number[] = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.ecdsa_secp521r1_sha512,
  SignatureScheme.ed25519,
  SignatureScheme.ed448,
  ...RSA_PSS_SCHEMES,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
  0x0303, // (sha224, ecdsa), RFC 5246 §7.4.1.4.1
  0x0301, // (sha224, rsa)
  0x0302, // (sha224, dsa)
  0x0402, // (sha256, dsa)
  0x0502, // (sha384, dsa)
  0x0602, // (sha512, dsa)
  SignatureScheme.ecdsa_sha1,
  SignatureScheme.rsa_pkcs1_sha1,
  SignatureScheme.dsa_sha1_RESERVED,
];

/** Build the ClientHello of `spec` with `random` (32 bytes) and `sessionId`. */
export function buildClientHello(spec: HelloSpec, random: Uint8Array, sessionId: Uint8Array): ClientHello {
  const tls13 = spec.version >= ProtocolVersion.TLS1_3;
  return {
    type: 'client_hello',
    version: tls13 ? ProtocolVersion.TLS1_2 : spec.version,
    random,
    sessionId: tls13 ? sessionId : new Uint8Array(0),
    cipherSuites: [...spec.cipherSuites],
    compressionMethods: [...(spec.compression ?? [0])],
    // SSL 3.0 servers need not understand extensions (RFC 6101 has none): send none.
    extensions: spec.version === ProtocolVersion.SSL3_0 ? undefined : helloExtensions(spec, tls13),
  };
}

function helloExtensions(spec: HelloSpec, tls13: boolean): Extension[] {
  const exts: Extension[] = [];
  if (spec.serverName) exts.push({ kind: 'server_name', names: [{ type: 0, name: spec.serverName }] });
  exts.push({ kind: 'supported_groups', groups: [...(spec.groups ?? ALL_GROUPS)] });
  exts.push({ kind: 'ec_point_formats', formats: [ECPointFormat.uncompressed] });
  if (spec.version >= ProtocolVersion.TLS1_2) {
    exts.push({ kind: 'signature_algorithms', schemes: [...(spec.signatureSchemes ?? ALL_SIGNATURE_SCHEMES)] });
  }
  if (spec.statusRequest) {
    exts.push({
      kind: 'status_request',
      form: 'request',
      statusType: 1,
      responderIds: [],
      requestExtensions: new Uint8Array(0),
    });
  }
  if (spec.alpn?.length) exts.push({ kind: 'application_layer_protocol_negotiation', protocols: [...spec.alpn] });
  if (spec.recordSizeLimit !== undefined) exts.push({ kind: 'record_size_limit', limit: spec.recordSizeLimit });
  exts.push({ kind: 'extended_master_secret' });
  exts.push({ kind: 'encrypt_then_mac' });
  exts.push({ kind: 'session_ticket', ticket: new Uint8Array(0) });
  exts.push({ kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) });
  if (tls13) {
    const versions = spec.alsoTls12 ? [ProtocolVersion.TLS1_3, ProtocolVersion.TLS1_2] : [ProtocolVersion.TLS1_3];
    exts.push({ kind: 'supported_versions', form: 'client_hello', versions });
    exts.push({ kind: 'psk_key_exchange_modes', modes: [1] });
    exts.push({ kind: 'key_share', form: 'client_hello', shares: [...(spec.keyShares ?? [])] });
  }
  return exts;
}

/** The records carrying `hello` (legacy_record_version 0x0301, or 0x0300 for SSL 3.0; RFC 8446 §5.1). */
export function helloRecords(hello: ClientHello): Uint8Array {
  const version = hello.version === ProtocolVersion.SSL3_0 ? ProtocolVersion.SSL3_0 : ProtocolVersion.TLS1_0;
  return encodeRecords(fragmentContent(ContentType.handshake, encodeHandshake(hello), { version }));
}

/** A TLS ≤ 1.2 handshake message after the ServerHello, as framed. */
export interface FlightMessage {
  type: number;
  body: Uint8Array;
}

/** What the server answered to one ClientHello. */
export type ServerAnswer =
  | { kind: 'hello'; serverHello: ServerHello; flight: FlightMessage[] }
  | { kind: 'alert'; description: number }
  | { kind: 'closed' }
  | { kind: 'timeout' }
  | { kind: 'malformed'; error: string };

/** Handshake messages accepted after the ServerHello before the flight is cut short (a bound). */
const MAX_FLIGHT_MESSAGES = 16;

/**
 * Send `hello` on `conn` and read the answer until `deadline` (ms since the epoch, `now()` clock):
 * for a TLS ≤ 1.2 ServerHello, the flight up to ServerHelloDone when `wantFlight`; otherwise the
 * ServerHello alone. Never throws for what the server does.
 */
export async function exchange(
  conn: ScanConnection,
  hello: ClientHello,
  deadline: number,
  wantFlight: boolean,
  now: () => number = Date.now,
): Promise<ServerAnswer> {
  try {
    await conn.write(helloRecords(hello));
  } catch {
    return { kind: 'closed' };
  }
  const records = new RecordDeframer();
  const messages = new HandshakeReassembler({ maxMessageLength: 1 << 17 });
  let serverHello: ServerHello | undefined;
  const flight: FlightMessage[] = [];
  for (;;) {
    const chunk = await readBefore(conn, deadline, now);
    if (chunk === 'timeout') return serverHello ? { kind: 'hello', serverHello, flight } : { kind: 'timeout' };
    if (chunk === undefined) return serverHello ? { kind: 'hello', serverHello, flight } : { kind: 'closed' };
    try {
      records.push(chunk);
      for (let rec = records.next(); rec; rec = records.next()) {
        if (rec.type === ContentType.alert) {
          if (serverHello) return { kind: 'hello', serverHello, flight };
          return { kind: 'alert', description: rec.fragment[1] ?? AlertDescription.decode_error };
        }
        if (rec.type !== ContentType.handshake) {
          if (serverHello) return { kind: 'hello', serverHello, flight };
          return { kind: 'malformed', error: `record of content type ${rec.type} before ServerHello` };
        }
        messages.push(rec.fragment);
        for (let m = messages.next(); m; m = messages.next()) {
          if (!serverHello) {
            if (m.type !== HandshakeType.server_hello) {
              return { kind: 'malformed', error: `handshake message ${m.type} before ServerHello` };
            }
            serverHello = Reader.decode(m.body, 'ServerHello', decodeServerHello);
            if (!wantFlight || isTls13(serverHello)) return { kind: 'hello', serverHello, flight };
            continue;
          }
          flight.push({ type: m.type, body: m.body });
          if (m.type === HandshakeType.server_hello_done || flight.length >= MAX_FLIGHT_MESSAGES) {
            return { kind: 'hello', serverHello, flight };
          }
        }
      }
    } catch (e) {
      if (serverHello) return { kind: 'hello', serverHello, flight };
      return { kind: 'malformed', error: e instanceof Error ? e.message : String(e) };
    }
  }
}

/** Whether a ServerHello (or HelloRetryRequest) selects TLS 1.3 (RFC 8446 §4.2.1). */
export function isTls13(sh: ServerHello): boolean {
  return selectedVersion(sh) === ProtocolVersion.TLS1_3;
}

/** The version a ServerHello selects: supported_versions when present, else server_version. */
export function selectedVersion(sh: ServerHello): number {
  const sv = sh.extensions?.find((e) => e.kind === 'supported_versions');
  return sv?.kind === 'supported_versions' && sv.form === 'server_hello' ? sv.selectedVersion : sh.version;
}

/** The next chunk of `conn`, `undefined` at its end, or `'timeout'` at `deadline`. */
export function readBefore(
  conn: ScanConnection,
  deadline: number,
  now: () => number = Date.now,
): Promise<Uint8Array | undefined | 'timeout'> {
  const left = deadline - now();
  if (left <= 0) return Promise.resolve('timeout');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), left);
  });
  return Promise.race([conn.read().catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

/** Whether `answer` is a ServerHello (or, for TLS 1.3, a HelloRetryRequest) selecting `version`. */
export function accepts(answer: ServerAnswer, version: number): answer is Extract<ServerAnswer, { kind: 'hello' }> {
  if (answer.kind !== 'hello') return false;
  if (answer.serverHello.isHelloRetryRequest && version !== ProtocolVersion.TLS1_3) return false;
  return selectedVersion(answer.serverHello) === version;
}

/** Whether the ServerHello random carries the TLS 1.2 downgrade sentinel (RFC 8446 §4.1.3). */
export function hasTls12Sentinel(answer: ServerAnswer): boolean {
  if (answer.kind !== 'hello') return false;
  const tail = answer.serverHello.random.subarray(24);
  return DOWNGRADE_TLS12.every((b, i) => tail[i] === b);
}

/**
 * Why a captured connection failed, read from its flights: the stage (TCP connect, then the stages of
 * src/handshake/diagnosis.ts, chosen by its `failureStage` from the alert and the state the receiving
 * side was in), which side sent which alert (RFC 8446 §6, RFC 5246 §7.2) and one sentence of reason
 * in the state machines' words, naming what the ClientHello offered where that explains a refusal.
 * TCP: a SYN answered by RST or not at all (RFC 9293 §3.5, §3.10.7.1); a reset or close in place of
 * the server's hello; a server whose first bytes are no TLS record (plaintext HTTP).
 * @module
 */
import { type FailureStage, failureStage, groupNames, suiteNames } from '../handshake/diagnosis.js';
import { AlertDescription, AlertLevel, CipherSuite, nameOf, ProtocolVersion } from '../tls/enums.js';
import { PeerAlertError } from '../tls/errors.js';
import { findExtension } from '../tls/extensions.js';
import type { ClientHello, ServerHello } from '../tls/messages/hello.js';
import { looksLikeTls, type RecordEvent, type TlsEvent } from './analyze.js';
import type { CertificateSummary } from './certificates.js';

/** Where a captured connection failed: TCP's handshake, or a stage of {@link FailureStage}. */
export type CaptureStage = 'TCP connect' | FailureStage;

/** The diagnosis of a failed captured connection. */
export interface CaptureDiagnosis {
  stage: CaptureStage;
  /** The alert that ended it (AlertDescription), when one was seen. */
  alert?: number;
  alertName?: string;
  alertLevel?: 'fatal' | 'warning';
  /** Who sent the alert (or the RST / FIN that ended it). */
  from?: 'client' | 'server';
  /** Frame of the alert, RST or first bytes the diagnosis rests on. */
  frame?: number;
  /** One sentence: what went wrong. */
  reason: string;
  /** What to check. */
  hint?: string;
}

/** What the story collected about a connection, for the diagnosis. */
export interface FlightFacts {
  start: bigint;
  serverPort: number;
  /** Times of the client's SYNs (retransmissions included). */
  synTimes: bigint[];
  synAck?: bigint;
  /** The client's ACK that completed the TCP handshake. */
  established?: bigint;
  /** The first FIN or RST. */
  close?: { by: 'client' | 'server'; how: 'FIN' | 'RST'; time: bigint; frame: number };
  rstClient?: number;
  rstServer?: number;
  events: TlsEvent[];
  hasTls: boolean;
  serverFirstBytes?: Uint8Array;
  serverFirstFrame?: number;
  clientSentData: boolean;
  clientHello?: ClientHello;
  serverHello?: ServerHello;
  /** The server's certificates (cleartext TLS 1.2, or decrypted). */
  certificates: CertificateSummary[];
  tlsEstablished?: bigint;
  firstApplicationData?: bigint;
}

/** Signalling cipher suite values, not suites (RFC 5746 §3.3, RFC 7507 §2). */
const SCSV: ReadonlySet<number> = new Set([0x00ff, 0x5600]);

/** The diagnosis of a connection that failed, undefined when nothing went wrong. */
export function diagnoseFlights(f: FlightFacts, tlsEstablished: boolean): CaptureDiagnosis | undefined {
  if (f.synTimes.length > 0 && f.synAck === undefined) return tcpConnect(f);
  const alert = firstAlert(f.events);
  if (alert) return alertDiagnosis(f, alert.ev, alert.level, alert.description, tlsEstablished);
  if (f.clientHello && f.serverFirstBytes && !looksLikeTls(f.serverFirstBytes)) return notTls(f);
  const hidden = encryptedAlert(f);
  if (hidden) return hidden;
  if (!f.close) return undefined;
  const { by, how, frame } = f.close;
  if (!tlsEstablished && f.clientHello && !f.serverFirstBytes) {
    if (by === 'server' && how === 'RST') {
      return {
        stage: 'negotiation',
        from: 'server',
        frame,
        reason: 'server sent RST right after the ClientHello: a middlebox or a non-TLS service',
        hint: 'check for a firewall or proxy that rejects TLS, and that a TLS server listens on this port',
      };
    }
    const who = by === 'server' ? 'server closed the connection (FIN)' : `client gave up (${how})`;
    return { stage: 'negotiation', from: by, frame, reason: `${who} without answering the ClientHello` };
  }
  if (!tlsEstablished && f.hasTls) {
    const stage = failureStage(new Error('closed'), receiverState(f, by === 'client' ? 'C>S' : 'S>C'), false);
    return {
      stage,
      from: by,
      frame,
      reason: `${by} closed the connection (${how}) during the handshake, without an alert`,
    };
  }
  if (tlsEstablished && how === 'RST') {
    return {
      stage: 'application data',
      from: by,
      frame,
      reason: `${by} reset the connection (RST) after the handshake`,
    };
  }
  return undefined;
}

/**
 * TLS 1.3 without keys: a protected record of an alert's size (19 bytes: 2, the content type, a
 * 16-byte tag) before any application data, as the last record of its side, is most likely an
 * encrypted alert ending the handshake (certificate rejected or required being the usual reasons).
 * After application data such a record is taken for close_notify.
 */
function encryptedAlert(f: FlightFacts): CaptureDiagnosis | undefined {
  if (serverVersion(f.serverHello) !== ProtocolVersion.TLS1_3) return undefined;
  const records = f.events.filter((e): e is RecordEvent => e.kind === 'record');
  for (const [i, ev] of records.entries()) {
    if (!ev.encrypted || ev.decrypted || ev.length !== 19) continue;
    if (f.firstApplicationData !== undefined && ev.timestamp >= f.firstApplicationData) return undefined;
    if (records.slice(i + 1).some((r) => r.direction === ev.direction)) continue;
    const from = ev.direction === 'C>S' ? 'client' : 'server';
    return {
      stage: 'authentication',
      from,
      frame: ev.frame,
      reason: `${from} ended the handshake with a protected record of an alert's size (19 bytes): most likely an encrypted alert, about a certificate`,
      hint: 'decrypt with a key log (--keylog) to read the alert',
    };
  }
  return undefined;
}

function tcpConnect(f: FlightFacts): CaptureDiagnosis {
  const n = f.synTimes.length;
  if (f.rstServer) {
    return {
      stage: 'TCP connect',
      from: 'server',
      reason: `connection refused: the server answered the SYN with RST (nothing listens on port ${f.serverPort}, or a firewall rejects it)`,
      hint: 'check the address and port, and that the server is running',
    };
  }
  return {
    stage: 'TCP connect',
    reason: `the SYN was never answered (${n} SYN${n === 1 ? '' : 's'} sent): the server is down or unreachable, a firewall drops the SYN, or the capture misses the server's side`,
  };
}

function firstAlert(events: TlsEvent[]): { ev: RecordEvent; level: number; description: number } | undefined {
  for (const ev of events) {
    if (ev.kind !== 'record' || !ev.alert) continue;
    const { level, description } = ev.alert;
    if (description === AlertDescription.close_notify || description === AlertDescription.user_canceled) continue;
    return { ev, level, description };
  }
  return undefined;
}

/**
 * The handshake state the side receiving an alert from `dir` was in, in the state machines' names,
 * so that `failureStage` picks the stage as it would for a live connection.
 */
function receiverState(f: FlightFacts, dir: 'C>S' | 'S>C'): string {
  const tls13 = serverVersion(f.serverHello) === ProtocolVersion.TLS1_3;
  if (dir === 'S>C') {
    if (!f.serverHello) return 'ExpectServerHello';
    return tls13 ? 'ExpectFinished' : 'ExpectChangeCipherSpec';
  }
  if (!f.serverHello) return 'ExpectClientHello';
  return tls13 ? 'ExpectClientFinished' : 'ExpectClientKeyExchange';
}

function serverVersion(sh: ServerHello | undefined): number | undefined {
  if (!sh) return undefined;
  const sv = findExtension(sh.extensions, 'supported_versions');
  return sv?.form === 'server_hello' ? sv.selectedVersion : sh.version;
}

function alertDiagnosis(f: FlightFacts, ev: RecordEvent, level: number, alert: number, est: boolean): CaptureDiagnosis {
  const from = ev.direction === 'C>S' ? 'client' : 'server';
  const state = est ? (from === 'client' ? 'ServerEstablished' : 'ClientEstablished') : receiverState(f, ev.direction);
  const stage = failureStage(new PeerAlertError(level, alert), state, est);
  const levelName = level === AlertLevel.warning ? 'warning' : 'fatal';
  const name = nameOf(AlertDescription, alert);
  const said = `${from === 'server' && !f.serverHello ? 'server answered the ClientHello with' : `${from} sent`} ${levelName} ${name}`;
  const { reason, hint } = explain(f, from, alert, est);
  return {
    stage,
    alert,
    alertName: name,
    alertLevel: levelName,
    from,
    frame: ev.frame,
    reason: reason ? `${said}: ${reason}` : `${said}${est ? ' after the handshake' : ''}`,
    hint,
  };
}

function explain(
  f: FlightFacts,
  from: 'client' | 'server',
  alert: number,
  est: boolean,
): { reason?: string; hint?: string } {
  const ch = f.clientHello;
  if (from === 'server' && !f.serverHello && ch) return refusal(ch, alert);
  if (from === 'server' && alert === AlertDescription.certificate_required) {
    return {
      reason: 'it requires a client certificate and the client sent none',
      hint: 'configure a certificate (and key) for the client',
    };
  }
  if (from === 'client' && !est) return certificateRefusal(f, alert);
  return {};
}

/** Why a server refused a ClientHello, from what the ClientHello offered. */
function refusal(ch: ClientHello, alert: number): { reason?: string; hint?: string } {
  const suites = ch.cipherSuites.filter((s) => !SCSV.has(s) && (s & 0x0f0f) !== 0x0a0a);
  switch (alert) {
    case AlertDescription.handshake_failure:
    case AlertDescription.insufficient_security: {
      if (suites.length > 0 && suites.every((s) => /_NULL_|_anon_/.test(nameOf(CipherSuite, s, 2)))) {
        return {
          reason: `the client offered only NULL and anonymous suites (${suiteNames(suites)})`,
          hint: 'they give no encryption or no authentication; offer authenticated, encrypting suites',
        };
      }
      const groups = findExtension(ch.extensions, 'supported_groups')?.groups ?? [];
      return {
        reason: `it supports none of the client's cipher suites (offered ${suiteNames(suites)}) or groups (${groupNames(groups)})`,
        hint: "compare the server's cipher suites and groups with the client's",
      };
    }
    case AlertDescription.protocol_version: {
      const max = clientMax(ch);
      const old = max < ProtocolVersion.TLS1_2;
      return {
        reason: `no common version: client offered ${versionShort(max)} at most`,
        hint: old ? 'TLS 1.0 and 1.1 are deprecated (RFC 8996); enable TLS 1.2 or 1.3 on the client' : undefined,
      };
    }
    case AlertDescription.unrecognized_name:
      return { reason: `it does not serve the name the client asked for (SNI ${sniOf(ch) ?? 'absent'})` };
    case AlertDescription.no_application_protocol: {
      const alpn = findExtension(ch.extensions, 'application_layer_protocol_negotiation')?.protocols ?? [];
      return { reason: `it supports none of the client's ALPN protocols (${alpn.join(', ')})` };
    }
    default:
      return { reason: 'it refused the ClientHello itself' };
  }
}

/** Why a client rejected the server's certificate. */
function certificateRefusal(f: FlightFacts, alert: number): { reason?: string; hint?: string } {
  const leaf = f.certificates[0];
  const chain = f.certificates.map((c) => c.subject ?? '?').join(' ← ');
  const sni = f.clientHello && sniOf(f.clientHello);
  switch (alert) {
    case AlertDescription.unknown_ca:
      return {
        reason: `the client does not trust the issuer of the server's chain (${chain || 'encrypted: TLS 1.3, no key log'})`,
        hint: 'the client lacks the root of this chain, or the server does not send the intermediates',
      };
    case AlertDescription.bad_certificate:
    case AlertDescription.certificate_unknown:
      return {
        reason: `the client rejected the server's certificate (${leaf?.subject ?? 'encrypted or not seen'})`,
        hint: `check the name the client asked for (${sni ? `SNI ${sni}` : 'no SNI'}) against the certificate's names (${leaf?.subjectAltNames?.join(', ') ?? 'unknown'}), and the chain`,
      };
    case AlertDescription.certificate_expired:
      return { reason: "the server's certificate has expired, or is not yet valid, by the client's clock" };
    default:
      return {};
  }
}

function clientMax(ch: ClientHello): number {
  const sv = findExtension(ch.extensions, 'supported_versions');
  const versions = sv?.form === 'client_hello' ? sv.versions.filter((v) => (v & 0x0f0f) !== 0x0a0a) : [ch.version];
  return Math.max(...versions);
}

function sniOf(ch: ClientHello): string | undefined {
  return findExtension(ch.extensions, 'server_name')?.names.find((n) => n.type === 0)?.name;
}

function versionShort(v: number): string {
  const names: Record<number, string> = {
    768: 'SSL 3.0',
    769: 'TLS 1.0',
    770: 'TLS 1.1',
    771: 'TLS 1.2',
    772: 'TLS 1.3',
  };
  return names[v] ?? `0x${v.toString(16).padStart(4, '0')}`;
}

function notTls(f: FlightFacts): CaptureDiagnosis {
  const bytes = f.serverFirstBytes!;
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 80));
  if (text.startsWith('HTTP/')) {
    const status = text.split(/\r?\n/)[0];
    return {
      stage: 'negotiation',
      from: 'server',
      frame: f.serverFirstFrame,
      reason: `the server answered the ClientHello in plaintext HTTP ("${status}"): it does not speak TLS on port ${f.serverPort}`,
      hint: 'is this the TLS port?',
    };
  }
  const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return {
    stage: 'negotiation',
    from: 'server',
    frame: f.serverFirstFrame,
    reason: `the server does not speak TLS: its first bytes are no TLS record (${hex})`,
    hint: 'is this the TLS port?',
  };
}

/** Short name of a protocol version (`TLS 1.2`). */
/** The highest version a ClientHello offers (supported_versions, else legacy_version), GREASE ignored. */
export { clientMax, versionShort };

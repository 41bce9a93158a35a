/**
 * The story of one captured connection: what TCP did (RFC 9293 §3.5 handshake, §3.6 close, §3.10.7
 * reset), what TLS negotiated (RFC 8446 §4.1, RFC 5246 §7.3: version, suite, group, SNI, ALPN,
 * resumption, 0-RTT, certificates), a timeline in milliseconds and in round trips, and — when the
 * connection failed — a diagnosis in the words the state machines use (src/handshake/diagnosis.ts):
 * the stage, which side sent which alert (RFC 8446 §6, RFC 5246 §7.2), and the reason read from the
 * flights. Built from the reassembled connection ({@link TcpConnection}), its TLS events
 * ({@link analyzeTls}) and the TCP analysis of its segments ({@link TcpAnalyzer}).
 * @module
 */
import type { TcpConnection } from '../capture/flow.js';
import type { TcpSegmentAnalysis } from '../capture/tcp-analysis.js';
import { suiteNames } from '../handshake/diagnosis.js';
import { TcpFlag } from '../tcp/types.js';
import { ContentType, HandshakeType, NamedGroup, nameOf, ProtocolVersion } from '../tls/enums.js';
import { findExtension } from '../tls/extensions.js';
import type { ClientHello, ServerHello } from '../tls/messages/hello.js';
import type { Direction, RecordEvent, TlsConnectionReport } from './analyze.js';
import { type CertificateSummary, certificateSummaries } from './certificates.js';
import {
  type CaptureDiagnosis,
  clientMax,
  diagnoseFlights,
  type FlightFacts,
  versionShort,
} from './story-diagnosis.js';

/** What TCP did. */
export interface TcpStory {
  /** The client's SYN was captured. */
  synSeen: boolean;
  /** How the SYN was answered; `none`: no answer captured; undefined when no SYN was captured. */
  synAnswer?: 'syn-ack' | 'rst' | 'none';
  /** SYNs the client sent (more than one: retransmitted). */
  synCount: number;
  /** Time from the SYN to the ACK completing the handshake, ms (Wireshark's iRTT). */
  handshakeRttMs?: number;
  /** Who ended the connection first, and how. */
  closedBy?: 'client' | 'server';
  closeHow?: 'FIN' | 'RST';
  /** RST segments, by sender. */
  resets: { client: number; server: number };
  /** Segments flagged by the TCP analysis, by flag (camelCase): `retransmission`, `outOfOrder`, … */
  analysis: Record<string, number>;
}

/** What TLS negotiated (as far as the capture shows; TLS 1.3 hides the rest without a key log). */
export interface TlsStory {
  /** `TLS 1.3`, `TLS 1.2`, … from the ServerHello. */
  version?: string;
  /** Highest version the client offered. */
  clientMaxVersion?: string;
  cipherSuite?: string;
  /** Key exchange group (TLS 1.3 key_share, TLS 1.2 ServerKeyExchange). */
  group?: string;
  sni?: string;
  alpnOffered: string[];
  /** The protocol the server chose (TLS 1.2 ServerHello; TLS 1.3 EncryptedExtensions, decrypted). */
  alpn?: string;
  /** `session-id`, `ticket` (TLS 1.2 abbreviated handshakes) or `psk` (TLS 1.3); `no`. */
  resumed: 'no' | 'session-id' | 'ticket' | 'psk';
  /** 0-RTT: `accepted` / `rejected` need a key log. */
  earlyData: 'not offered' | 'offered' | 'accepted' | 'rejected';
  helloRetryRequest: boolean;
  /** Subjects of the server's certificate chain, leaf first (cleartext TLS 1.2 or decrypted). */
  certificates: string[];
  /** Both Finished flights were seen (TLS 1.3: the client's first protected flight). */
  established: boolean;
}

/** When things happened, from the client's SYN (or the first segment). */
export interface Timeline {
  tcpEstablishedMs?: number;
  tlsEstablishedMs?: number;
  firstApplicationDataMs?: number;
  /** The same, in handshake round trips. */
  tcpEstablishedRtt?: number;
  tlsEstablishedRtt?: number;
  firstApplicationDataRtt?: number;
}

/** The story of one connection. */
export interface ConnectionStory {
  index: number;
  client: string;
  server: string;
  tcp: TcpStory;
  /** Absent when no TLS record was seen. */
  tls?: TlsStory;
  timeline: Timeline;
  /** Present when the connection failed. */
  failure?: CaptureDiagnosis;
}

const ms = (ns: bigint) => Math.round(Number(ns) / 1000) / 1000;
const camel = (s: string) => s.replace(/_(.)/g, (_, c: string) => c.toUpperCase());

/** Build the story of `conn` from its TLS report and the TCP analysis of its frames. */
export function connectionStory(
  conn: TcpConnection,
  report: TlsConnectionReport,
  analysis: ReadonlyMap<number, TcpSegmentAnalysis>,
): ConnectionStory {
  const facts = collect(conn, report);
  const tcp = tcpStory(conn, analysis, facts);
  const tls = facts.hasTls ? tlsStory(report, facts) : undefined;
  const story: ConnectionStory = {
    index: conn.index,
    client: `${conn.client.address}:${conn.client.port}`,
    server: `${conn.server.address}:${conn.server.port}`,
    tcp,
    tls,
    timeline: timeline(facts, tcp),
  };
  const failure = diagnoseFlights(facts, tls?.established ?? false);
  if (failure) story.failure = failure;
  return story;
}

function collect(conn: TcpConnection, report: TlsConnectionReport): FlightFacts {
  const segs = conn.segments;
  const start = segs[0]?.timestamp ?? 0n;
  const f: FlightFacts = {
    start,
    serverPort: conn.server.port,
    synTimes: [],
    events: report.events,
    hasTls: report.events.some((e) => e.kind === 'record'),
    serverFirstBytes: conn.toClient.chunks[0]?.data,
    serverFirstFrame: conn.toClient.chunks[0]?.frame,
    clientSentData: conn.toServer.chunks.length > 0,
    certificates: serverCertificates(report),
  };
  for (const s of segs) {
    const fl = s.tcp.flags;
    if ((fl & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN && s.fromClient) f.synTimes.push(s.timestamp);
    else if ((fl & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK) && !s.fromClient)
      f.synAck ??= s.timestamp;
    else if (fl & TcpFlag.ACK && s.fromClient && f.synAck !== undefined && f.established === undefined)
      f.established = s.timestamp;
    if (fl & (TcpFlag.FIN | TcpFlag.RST) && f.close === undefined) {
      const how = fl & TcpFlag.RST ? 'RST' : 'FIN';
      f.close = { by: s.fromClient ? 'client' : 'server', how, time: s.timestamp, frame: s.frame };
    }
    if (fl & TcpFlag.RST && s.fromClient) f.rstClient = (f.rstClient ?? 0) + 1;
    else if (fl & TcpFlag.RST) f.rstServer = (f.rstServer ?? 0) + 1;
  }
  const ch = findMessage(report, 'C>S', 'client_hello');
  if (ch) f.clientHello = ch as ClientHello;
  const sh = findMessage(report, 'S>C', 'server_hello', (m) => !(m as ServerHello).isHelloRetryRequest);
  if (sh) f.serverHello = sh as ServerHello;
  return f;
}

function findMessage(
  report: TlsConnectionReport,
  dir: 'C>S' | 'S>C',
  type: string,
  ok: (m: object) => boolean = () => true,
) {
  for (const ev of report.events) {
    if (ev.kind !== 'record' || ev.direction !== dir) continue;
    for (const m of ev.messages) if (m.message?.type === type && ok(m.message)) return m.message;
  }
  return undefined;
}

function tcpStory(conn: TcpConnection, analysis: ReadonlyMap<number, TcpSegmentAnalysis>, f: FlightFacts): TcpStory {
  const counts: Record<string, number> = {};
  for (const s of conn.segments) {
    for (const flag of analysis.get(s.frame)?.flags ?? []) counts[camel(flag)] = (counts[camel(flag)] ?? 0) + 1;
  }
  const syn = f.synTimes.at(-1);
  const story: TcpStory = {
    synSeen: f.synTimes.length > 0,
    synCount: f.synTimes.length,
    resets: { client: f.rstClient ?? 0, server: f.rstServer ?? 0 },
    analysis: counts,
  };
  if (story.synSeen) story.synAnswer = f.synAck !== undefined ? 'syn-ack' : f.rstServer ? 'rst' : 'none';
  if (syn !== undefined && f.established !== undefined) story.handshakeRttMs = ms(f.established - syn);
  if (f.close) {
    story.closedBy = f.close.by;
    story.closeHow = f.close.how;
  }
  return story;
}

function tlsStory(report: TlsConnectionReport, f: FlightFacts): TlsStory {
  const ch = f.clientHello;
  const sh = f.serverHello;
  const story: TlsStory = {
    alpnOffered: [],
    resumed: 'no',
    earlyData: 'not offered',
    helloRetryRequest: !!findMessage(report, 'S>C', 'server_hello', (m) => (m as ServerHello).isHelloRetryRequest),
    certificates: f.certificates.map((c) => c.subject ?? `(${c.error})`),
    established: false,
  };
  if (ch) clientHelloFacts(ch, story);
  if (sh) serverHelloFacts(sh, report, story);
  const ske = findMessage(report, 'S>C', 'server_key_exchange');
  if (ske && 'namedGroup' in ske) story.group = nameOf(NamedGroup, ske.namedGroup as number, 2);
  if (report.earlyData) story.earlyData = report.earlyData;
  const done = finishedTimes(report);
  f.tlsEstablished = done.established;
  f.firstApplicationData = done.firstData;
  story.established = done.established !== undefined;
  if (story.established && sh) story.resumed = resumption(ch, sh, story.certificates.length > 0);
  return story;
}

function clientHelloFacts(ch: ClientHello, story: TlsStory): void {
  const sni = findExtension(ch.extensions, 'server_name');
  const name = sni?.names.find((n) => n.type === 0)?.name;
  if (name !== undefined) story.sni = name;
  story.alpnOffered = findExtension(ch.extensions, 'application_layer_protocol_negotiation')?.protocols ?? [];
  if (findExtension(ch.extensions, 'early_data')) story.earlyData = 'offered';
  story.clientMaxVersion = versionShort(clientMax(ch));
}

function serverHelloFacts(sh: ServerHello, report: TlsConnectionReport, story: TlsStory): void {
  const sv = findExtension(sh.extensions, 'supported_versions');
  const version = sv?.form === 'server_hello' ? sv.selectedVersion : sh.version;
  story.version = versionShort(version);
  story.cipherSuite = suiteNames([sh.cipherSuite]);
  const ks = findExtension(sh.extensions, 'key_share');
  if (ks?.form === 'server_hello') story.group = nameOf(NamedGroup, ks.share.group, 2);
  const alpn = findExtension(sh.extensions, 'application_layer_protocol_negotiation')?.protocols[0];
  const ee = findMessage(report, 'S>C', 'encrypted_extensions') as
    | { extensions?: ServerHello['extensions'] }
    | undefined;
  const eeAlpn = findExtension(ee?.extensions, 'application_layer_protocol_negotiation')?.protocols[0];
  if (alpn ?? eeAlpn) story.alpn = alpn ?? eeAlpn;
  if (version === ProtocolVersion.TLS1_3 && findExtension(sh.extensions, 'pre_shared_key')) story.resumed = 'psk';
}

function resumption(ch: ClientHello | undefined, sh: ServerHello, certificates: boolean): TlsStory['resumed'] {
  if (findExtension(sh.extensions, 'pre_shared_key')) return 'psk';
  if (certificates || !ch) return 'no';
  const sv = findExtension(sh.extensions, 'supported_versions');
  if (sv?.form === 'server_hello' && sv.selectedVersion === ProtocolVersion.TLS1_3) return 'no';
  const ticket = findExtension(ch.extensions, 'session_ticket');
  if (ticket && ticket.ticket.length > 0) return 'ticket';
  const same = ch.sessionId.length > 0 && ch.sessionId.every((b, i) => sh.sessionId[i] === b);
  return same ? 'session-id' : 'no';
}

function serverCertificates(report: TlsConnectionReport): CertificateSummary[] {
  const out: CertificateSummary[] = [];
  for (const ev of report.events) {
    if (ev.kind !== 'record' || ev.direction !== 'S>C') continue;
    for (const m of ev.messages) {
      if (m.message?.type !== 'certificate') continue;
      out.push(...(m.certificates ?? certificateSummaries(m.message)));
    }
  }
  return out;
}

/**
 * When both sides had sent their Finished, and when the first application data went. Before TLS 1.3
 * a side's Finished is its first record after its ChangeCipherSpec, and TLS is established when both
 * were sent. In TLS 1.3 the client's Finished ends the handshake: without keys it is the client's
 * first protected record after the ServerHello (its first application data the next one); with keys
 * the decrypted content types say.
 */
function finishedTimes(report: TlsConnectionReport): { established?: bigint; firstData?: bigint } {
  const tls13 = report.version === ProtocolVersion.TLS1_3;
  const fin: Partial<Record<Direction, bigint>> = {};
  const ccs: Partial<Record<Direction, boolean>> = {};
  let serverHello = false;
  let established: bigint | undefined;
  let establishedFrame = 0;
  for (const ev of report.events) {
    if (ev.kind !== 'record') continue;
    if (established !== undefined) {
      const later = ev.decrypted !== undefined || ev.frame !== establishedFrame;
      if (later && isApplicationData(ev, tls13)) return { established, firstData: ev.timestamp };
      continue;
    }
    if (ev.messages.some((m) => m.message?.type === 'server_hello' && !m.message.isHelloRetryRequest))
      serverHello = true;
    if (ev.contentType === ContentType.change_cipher_spec) ccs[ev.direction] = true;
    if (serverHello && isFinished(ev, tls13, ccs[ev.direction] === true)) fin[ev.direction] ??= ev.timestamp;
    if (fin['C>S'] !== undefined && (tls13 || fin['S>C'] !== undefined)) {
      established = ev.timestamp;
      establishedFrame = ev.frame;
    }
  }
  return { established };
}

function isFinished(ev: RecordEvent, tls13: boolean, ccs: boolean): boolean {
  if (ev.decrypted) return ev.messages.some((m) => m.msgType === HandshakeType.finished);
  if (tls13) return ev.direction === 'C>S' && ev.contentType === ContentType.application_data && !alertSized(ev);
  return ccs && ev.encrypted;
}

/** A protected TLS 1.3 record the size of an alert: 2 bytes, the content type and a 16-byte AEAD tag (RFC 8446 §5.2). */
export function alertSized(ev: RecordEvent): boolean {
  return ev.encrypted && !ev.decrypted && ev.length === 2 + 1 + 16;
}

function isApplicationData(ev: RecordEvent, tls13: boolean): boolean {
  if (ev.decrypted) return ev.decrypted.type === ContentType.application_data;
  if (tls13) return ev.direction === 'C>S' && ev.contentType === ContentType.application_data;
  return ev.contentType === ContentType.application_data;
}

function timeline(f: FlightFacts, tcp: TcpStory): Timeline {
  const t0 = f.synTimes[0] ?? f.start;
  const rtt = tcp.handshakeRttMs;
  const out: Timeline = {};
  const put = (key: 'tcpEstablished' | 'tlsEstablished' | 'firstApplicationData', at: bigint | undefined) => {
    if (at === undefined) return;
    const v = ms(at - t0);
    out[`${key}Ms`] = v;
    if (rtt) out[`${key}Rtt`] = Math.round((v / rtt) * 10) / 10;
  };
  put('tcpEstablished', f.established);
  put('tlsEstablished', f.tlsEstablished);
  put('firstApplicationData', f.firstApplicationData);
  return out;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function tcpLine(t: TcpStory): string {
  const parts: string[] = [];
  if (!t.synSeen) parts.push('SYN not captured');
  else if (t.synAnswer === 'syn-ack') parts.push('SYN answered by SYN-ACK');
  else if (t.synAnswer === 'rst') parts.push('SYN answered by RST (refused)');
  else parts.push(`SYN not answered (${plural(t.synCount, 'SYN')})`);
  if (t.handshakeRttMs !== undefined) parts.push(`handshake RTT ${t.handshakeRttMs} ms`);
  if (t.closedBy) parts.push(`closed first by the ${t.closedBy} (${t.closeHow})`);
  const resets = t.resets.client + t.resets.server;
  parts.push(`${plural(t.analysis.retransmission ?? 0, 'retransmission')}, ${plural(resets, 'reset')}`);
  const other = Object.entries(t.analysis).filter(([k]) => k !== 'retransmission');
  if (other.length) parts.push(other.map(([k, n]) => `${k} ${n}`).join(', '));
  return `  TCP       ${parts.join('; ')}`;
}

function tlsLines(t: TlsStory): string[] {
  const head = [t.version ?? 'no ServerHello', t.cipherSuite, t.group].filter(Boolean).join(', ');
  const parts = [head, `client offered up to ${t.clientMaxVersion ?? '?'}`];
  parts.push(`SNI ${t.sni ?? '(none)'}`);
  if (t.alpnOffered.length || t.alpn) {
    const chosen = t.alpn ?? (t.version === 'TLS 1.3' ? '(chosen in EncryptedExtensions)' : '(none chosen)');
    parts.push(`ALPN ${chosen} (offered ${t.alpnOffered.join(', ') || 'none'})`);
  }
  parts.push(t.resumed === 'no' ? 'not resumed' : `resumed (${t.resumed})`);
  parts.push(`0-RTT ${t.earlyData}`);
  if (t.helloRetryRequest) parts.push('HelloRetryRequest');
  parts.push(t.established ? 'established' : 'not established');
  const out = [`  TLS       ${parts.join('; ')}`];
  if (t.certificates.length) out.push(`  chain     ${t.certificates.join(' ← ')}`);
  return out;
}

function timelineLine(t: Timeline): string | undefined {
  const item = (label: string, v?: number, r?: number) =>
    v === undefined ? undefined : `${label} ${v} ms${r === undefined ? '' : ` (${r} RTT)`}`;
  const parts = [
    item('TCP established', t.tcpEstablishedMs, t.tcpEstablishedRtt),
    item('TLS established', t.tlsEstablishedMs, t.tlsEstablishedRtt),
    item('first application data', t.firstApplicationDataMs, t.firstApplicationDataRtt),
  ].filter((x): x is string => x !== undefined);
  return parts.length ? `  timeline  ${parts.join(', ')}` : undefined;
}

/** The story as text: one block per connection, for the end of `tlswire pcap`. */
export function storyLines(s: ConnectionStory): string[] {
  const out = [`connection ${s.index}: ${s.client} -> ${s.server}`, tcpLine(s.tcp)];
  if (s.tls) out.push(...tlsLines(s.tls));
  const tl = timelineLine(s.timeline);
  if (tl) out.push(tl);
  const f = s.failure;
  if (f) {
    out.push(`  FAILED    ${f.stage}: ${f.reason}${f.frame === undefined ? '' : ` (frame ${f.frame})`}`);
    if (f.hint) out.push(`  hint      ${f.hint}`);
  } else out.push('  result    no failure seen');
  return out;
}

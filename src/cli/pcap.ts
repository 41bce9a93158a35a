/**
 * `tlswire pcap FILE [--json] [--checksums]`: every TCP segment of a capture on one line in the
 * style of tshark's summary (with its TCP analysis labels, `[TCP Retransmission]`, src/capture/tcp-analysis.ts),
 * then the TLS records and handshake messages of every connection in the style of ssldump, then a
 * summary of every connection — TCP, TLS, timeline and, for a failed one, the diagnosis
 * (src/decrypt/story.ts), as tshark's statistics come after its packet list.
 *
 * Sequence and acknowledgment numbers are relative per direction, as tshark computes them
 * (`tcp.seq`): to the ISN when the SYN was captured, otherwise so that the first segment seen has
 * Seq=1; a direction whose first segment was not seen takes its base from the first ACK of the other
 * direction. The window is scaled (tshark's "calculated window") once both SYNs carried a window scale
 * option (RFC 7323 §2.2), never on a SYN. Raw values follow each line.
 *
 * Checksums: loopback captures carry the partial sums of checksum offload, so nearly every segment
 * would be "bad". The text lines therefore mark bad checksums only with `--checksums`; the JSON
 * objects always carry the checksum, whether it verifies and the correct value.
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type DecodedPacket, PacketDecoder, type PayloadTruncation, readCapture } from '../capture/decode.js';
import { FlowTracker, type TcpConnection } from '../capture/flow.js';
import { formatIpAddress, type IpHeader } from '../capture/ip.js';
import { formatEpoch } from '../capture/packet.js';
import { type TcpAnalysisFlag, TcpAnalyzer, type TcpSegmentAnalysis } from '../capture/tcp-analysis.js';
import { analyzeTls, type MessageEvent, type RecordEvent, type TlsConnectionReport } from '../decrypt/analyze.js';
import { plaintextStreams } from '../decrypt/capture.js';
import { KeyLog } from '../decrypt/keylog.js';
import { embeddedKeyLogs } from '../decrypt/secrets-block.js';
import { connectionStory, storyLines } from '../decrypt/story.js';
import { defaultNodeProvider } from '../node/crypto-provider.js';
import { tcpChecksum, verifyTcpChecksum } from '../tcp/checksum.js';
import { TcpFlag, type TcpOption, type TcpSegment } from '../tcp/types.js';
import { AlertDescription, AlertLevel, CipherSuite, HandshakeType, nameOf } from '../tls/enums.js';
import { parseCommandArgs, usageLines } from './args.js';
import {
  contentTypeName,
  describeError,
  hexNumber,
  jsonKey,
  keyFields,
  keyFieldText,
  messageName,
  type Output,
  toJson,
  versionName,
} from './format.js';

/** Usage text of the command. */
export const PCAP_USAGE = `Usage: tlswire pcap FILE [--json] [--checksums] [--tcp | --tls | --summary] [--keylog KEYS]... [--follow]

Print every TCP segment of a pcap or pcapng file (one line each, like tshark's summary, with
tshark's TCP analysis labels), then the TLS records and handshake messages of every TCP connection
(like ssldump), then a summary of each connection: TCP (SYN answered, handshake RTT, close, resets,
retransmissions), TLS (version, suite, group, SNI, ALPN, resumption, 0-RTT, certificate chain), a
timeline in ms and round trips and, when it failed, the stage, the alert and the reason.
With a key log (--keylog, SSLKEYLOGFILE, or a pcapng Decryption Secrets Block in FILE), protected
records are decrypted: handshake messages, alerts and application data (hex and text).

Options:
  --json        one JSON object per line: each TCP segment, then each TLS record and message
  --checksums   mark segments whose TCP checksum does not verify (text output; loopback
                captures use checksum offload, so almost all of theirs are partial sums)
  --tcp         only the TCP segments
  --tls         only the TLS view of the connections (and their summaries)
  --summary     only the summaries of the connections
  --keylog KEYS decrypt with this NSS key log (SSLKEYLOGFILE format); may be repeated.
                SSLKEYLOGFILE, when set, is read too; key logs inside a pcapng file are used
  --follow      only each connection's decrypted application data, in order, like tshark's
                "follow TLS stream" (implies the TLS view)
  -h, --help    show this help`;

/** Per-direction state for relative numbers and window scaling, as tshark keeps it. */
interface DirTrack {
  base?: number;
  /** Window scale shift from this side's SYN; -2: its SYN had none; undefined: SYN not seen. */
  shift?: number;
}

interface ConnTrack {
  client: DirTrack;
  server: DirTrack;
}

/** Flag names in tshark's order (lowest bit first). */
const FLAG_ORDER = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'] as const;

/** Names of the flags set, lowest bit first (tshark's order). */
export function flagNames(flags: number): string[] {
  return FLAG_ORDER.filter((n) => flags & TcpFlag[n]);
}

/** A segment's numbers as tshark computes them. */
export interface SegmentView {
  frame: number;
  timestamp: bigint;
  ip: IpHeader;
  tcp: TcpSegment;
  connection: number;
  seqRelative: number;
  /** Present when ACK is set. */
  ackRelative?: number;
  /** The other direction's base, for relative ACK and SACK edges (undefined until known). */
  ackBase?: number;
  /** Window after scaling (the raw window when scaling is unknown, not in use, or on a SYN). */
  windowScaled: number;
  /** The multiplier applied; `null` when unknown or not applicable (SYN); 1 when scaling is not in use. */
  windowScaleFactor: number | null;
  checksumValid: boolean;
  checksumCalculated: number;
  /** The capture cut the segment short (its checksum cannot be verified). */
  truncation?: PayloadTruncation;
  /** tshark's TCP analysis of the segment. */
  analysis?: TcpSegmentAnalysis;
}

function rel(value: number, base: number): number {
  return (value - base) >>> 0;
}

/** Compute the relative numbers and window of `tcp`, updating the connection's state. */
function viewOf(p: DecodedPacket, conn: TcpConnection, track: ConnTrack): SegmentView {
  const ip = p.ip!;
  const tcp = p.tcp!;
  const fromClient = conn.segments[conn.segments.length - 1]!.fromClient;
  const fwd = fromClient ? track.client : track.server;
  const rev = fromClient ? track.server : track.client;
  const syn = (tcp.flags & TcpFlag.SYN) !== 0;
  const ackSet = (tcp.flags & TcpFlag.ACK) !== 0;
  if (fwd.base === undefined) fwd.base = syn ? tcp.seq : (tcp.seq - 1) >>> 0;
  if (rev.base === undefined && ackSet) rev.base = (tcp.ack - 1) >>> 0;
  if (syn) {
    const ws = tcp.options.find((o) => o.kind === 'wscale');
    // A SYN whose options were not captured leaves the scaling unknown.
    fwd.shift = ws ? Math.min(ws.shift, 14) : p.truncation?.optionsMissing ? undefined : -2;
    if (ackSet && rev.shift !== undefined && (rev.shift === -2 || fwd.shift === -2)) {
      rev.shift = -2;
      fwd.shift = -2;
    }
  }
  let windowScaleFactor: number | null = null;
  if (!syn && fwd.shift !== undefined && rev.shift !== undefined) {
    windowScaleFactor = fwd.shift < 0 || rev.shift < 0 ? 1 : 2 ** fwd.shift;
  }
  const ph = { src: ip.src, dst: ip.dst };
  return {
    frame: p.packet.frame,
    timestamp: p.packet.timestamp,
    ip,
    tcp,
    connection: conn.index,
    seqRelative: rel(tcp.seq, fwd.base),
    ackRelative: ackSet ? rel(tcp.ack, rev.base!) : undefined,
    windowScaled: tcp.window * (windowScaleFactor ?? 1),
    windowScaleFactor,
    checksumValid: verifyTcpChecksum(ip.payload, ph),
    checksumCalculated: tcpChecksum(ip.payload, ph),
    ackBase: rev.base,
    ...(p.truncation ? { truncation: p.truncation } : {}),
  };
}

/** Seconds since `base` with 9 decimals (tshark's `frame.time_relative`). */
export function relativeTime(ns: bigint, base: bigint): string {
  const d = ns - base;
  const sign = d < 0n ? '-' : '';
  const a = d < 0n ? -d : d;
  return `${sign}${a / 1_000_000_000n}.${(a % 1_000_000_000n).toString().padStart(9, '0')}`;
}

function endpoint(ip: IpHeader, addr: Uint8Array, port: number): string {
  const a = formatIpAddress(addr);
  return ip.version === 6 ? `[${a}]:${port}` : `${a}:${port}`;
}

/** tshark's summary of the options: `MSS=65495 SACK_PERM TSval=1 TSecr=0 WS=128 SLE=1 SRE=2`. */
function optionsText(options: TcpOption[], ackBase: number | undefined): string[] {
  const out: string[] = [];
  for (const o of options) {
    switch (o.kind) {
      case 'mss':
        out.push(`MSS=${o.mss}`);
        break;
      case 'sackPermitted':
        out.push('SACK_PERM');
        break;
      case 'timestamps':
        out.push(`TSval=${o.tsval} TSecr=${o.tsecr}`);
        break;
      case 'wscale':
        out.push(`WS=${2 ** Math.min(o.shift, 14)}`);
        break;
      case 'sack':
        for (const b of o.blocks) {
          const base = ackBase ?? 0;
          out.push(`SLE=${rel(b.left, base)} SRE=${rel(b.right, base)}`);
        }
        break;
      default:
        break;
    }
  }
  return out;
}

/** `[snap length: 30 of 243 payload bytes captured]`, `; options not captured` when they were not. */
function truncationText(cut: PayloadTruncation): string {
  const options = cut.optionsMissing ? '; options not captured' : '';
  return `[snap length: ${cut.captured} of ${cut.length} payload bytes captured${options}]`;
}

/** The text line of one segment. */
export function segmentLine(v: SegmentView, base: bigint, checksums: boolean): string {
  const t = v.tcp;
  const ackSet = (t.flags & TcpFlag.ACK) !== 0;
  const flags = flagNames(t.flags);
  const parts = [`[${flags.length ? flags.join(', ') : '<None>'}]`, `Seq=${v.seqRelative}`];
  if (v.ackRelative !== undefined) parts.push(`Ack=${v.ackRelative}`);
  parts.push(`Win=${v.windowScaled}`);
  if (t.flags & TcpFlag.URG) parts.push(`Urg=${t.urgentPointer}`);
  const cut = v.truncation;
  parts.push(`Len=${cut ? cut.length : t.payload.length}`);
  parts.push(...optionsText(t.options, v.ackBase));
  if (cut) parts.push(truncationText(cut));
  const raw = [`seq=${t.seq}`];
  if (ackSet) raw.push(`ack=${t.ack}`);
  raw.push(`win=${t.window}`);
  let line =
    `${String(v.frame).padStart(5)}  ${relativeTime(v.timestamp, base)}  ` +
    `${endpoint(v.ip, v.ip.src, t.srcPort)} → ${endpoint(v.ip, v.ip.dst, t.dstPort)}  ${parts.join(' ')}  ` +
    `(raw ${raw.join(' ')})`;
  if (checksums && !cut && !v.checksumValid) {
    line += `  [bad checksum ${hexNumber(t.checksum, 4)}, should be ${hexNumber(v.checksumCalculated, 4)}]`;
  }
  const labels = v.analysis ? analysisLabels(v.analysis) : [];
  if (labels.length) line += `  ${labels.map((l) => `[${l}]`).join(' ')}`;
  return line;
}

/** tshark's Info labels of the TCP analysis flags. */
const ANALYSIS_LABELS: Record<TcpAnalysisFlag, string> = {
  retransmission: 'TCP Retransmission',
  fast_retransmission: 'TCP Fast Retransmission',
  spurious_retransmission: 'TCP Spurious Retransmission',
  out_of_order: 'TCP Out-Of-Order',
  lost_segment: 'TCP Previous segment not captured',
  ack_lost_segment: 'TCP ACKed unseen segment',
  duplicate_ack: 'TCP Dup ACK',
  zero_window: 'TCP ZeroWindow',
  zero_window_probe: 'TCP ZeroWindowProbe',
  zero_window_probe_ack: 'TCP ZeroWindowProbeAck',
  window_full: 'TCP Window Full',
  window_update: 'TCP Window Update',
  keep_alive: 'TCP Keep-Alive',
  keep_alive_ack: 'TCP Keep-Alive ACK',
  reused_ports: 'TCP Port numbers reused',
};

/** The labels tshark puts in Info (`TCP Dup ACK 230#1`; a fast or spurious retransmission is not also a plain one). */
export function analysisLabels(a: TcpSegmentAnalysis): string[] {
  const special = a.flags.includes('fast_retransmission') || a.flags.includes('spurious_retransmission');
  return a.flags
    .filter((f) => !(f === 'retransmission' && special))
    .map((f) =>
      f === 'duplicate_ack' ? `TCP Dup ACK ${a.duplicateAckFrame}#${a.duplicateAckNumber}` : ANALYSIS_LABELS[f],
    );
}

const nsToMs = (ns: bigint | undefined) => (ns === undefined ? undefined : Number(ns) / 1e6);

/** The JSON of a segment's analysis (times in ms). */
function analysisJson(a: TcpSegmentAnalysis): Record<string, unknown> {
  return {
    stream: a.stream,
    flags: a.flags,
    duplicateAckNumber: a.duplicateAckNumber,
    duplicateAckFrame: a.duplicateAckFrame,
    acksFrame: a.acksFrame,
    ackRttMs: nsToMs(a.ackRtt),
    initialRttMs: nsToMs(a.initialRtt),
  };
}

function optionJson(o: TcpOption, ackBase: number | undefined): unknown {
  if (o.kind === 'sack') {
    const base = ackBase ?? 0;
    return {
      kind: 'sack',
      blocks: o.blocks.map((b) => ({
        left: b.left,
        right: b.right,
        leftRelative: rel(b.left, base),
        rightRelative: rel(b.right, base),
      })),
    };
  }
  if (o.kind === 'wscale') return { kind: 'wscale', shift: o.shift, multiplier: 2 ** Math.min(o.shift, 14) };
  return toJson(o);
}

/** The JSON object of one segment. */
export function segmentJson(v: SegmentView, base: bigint): Record<string, unknown> {
  const t = v.tcp;
  const ackBase = v.ackBase;
  return {
    type: 'tcp',
    frame: v.frame,
    timestamp: formatEpoch(v.timestamp),
    timeRelative: relativeTime(v.timestamp, base),
    connection: v.connection,
    ipVersion: v.ip.version,
    src: formatIpAddress(v.ip.src),
    dst: formatIpAddress(v.ip.dst),
    srcPort: t.srcPort,
    dstPort: t.dstPort,
    seq: t.seq,
    seqRelative: v.seqRelative,
    ack: t.ack,
    ackRelative: v.ackRelative ?? null,
    flags: flagNames(t.flags),
    flagBits: hexNumber(t.flags, 4),
    headerLength: t.dataOffset * 4,
    window: t.window,
    windowScaled: v.windowScaled,
    windowScaleFactor: v.windowScaleFactor,
    checksum: hexNumber(t.checksum, 4),
    checksumValid: v.checksumValid,
    checksumCalculated: hexNumber(v.checksumCalculated, 4),
    urgentPointer: t.urgentPointer,
    options: t.options.map((o) => optionJson(o, ackBase)),
    payloadLength: v.truncation ? v.truncation.length : t.payload.length,
    ...(v.truncation ? { truncated: { ...v.truncation } } : {}),
    ...(v.analysis ? { analysis: analysisJson(v.analysis) } : {}),
  };
}

function connectionTitle(r: TlsConnectionReport): string {
  const ep = (e: { address: string; port: number }) =>
    e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
  return `connection ${r.index}: ${ep(r.client)} <-> ${ep(r.server)}`;
}

function recordTypeText(ev: RecordEvent): string {
  const name = contentTypeName(ev.contentType);
  if (!ev.encrypted) return name;
  return ev.contentType === 23 ? 'application_data (encrypted)' : `${name} (encrypted)`;
}

/** The ssldump-style lines of one connection. */
export function tlsLines(r: TlsConnectionReport, base: bigint): string[] {
  const lines = [connectionTitle(r)];
  if (r.notTls) {
    lines.push(`  ${r.notTls}; skipped`);
    return lines;
  }
  if (r.version !== undefined) {
    const suite = r.cipherSuite === undefined ? '' : `, ${nameOf(CipherSuite, r.cipherSuite, 2)}`;
    lines[0] += `  (${versionName(r.version)}${suite})`;
  }
  if (r.keys) lines.push(`  ${keysText(r)}`);
  if (r.earlyData) lines.push(`  0-RTT: ${r.earlyData}`);
  for (const ev of r.events) {
    if (ev.kind === 'note') {
      lines.push(`${r.index} -  ${ev.direction}  ${ev.text}${ev.frame === undefined ? '' : `  [frame ${ev.frame}]`}`);
      continue;
    }
    lines.push(
      `${r.index} ${String(ev.record).padStart(3)}  ${relativeTime(ev.timestamp, base)}  ${ev.direction}  ` +
        `${versionName(ev.version)}  ${String(ev.length).padStart(5)}  ${recordTypeText(ev)}  [frame ${ev.frame}]`,
    );
    const dec = decryptedLine(ev);
    if (dec) lines.push(dec);
    if (ev.alert) {
      lines.push(
        `        alert: ${nameOf(AlertLevel, ev.alert.level, 1)} ${nameOf(AlertDescription, ev.alert.description, 1)}`,
      );
    }
    if (ev.error) lines.push(`        error: ${ev.error}`);
    for (const m of ev.messages) {
      const name = m.message ? messageName(m.message, m.msgType) : nameOf(HandshakeType, m.msgType, 1);
      lines.push(`        ${name}  ${m.length} bytes`);
      if (m.error) lines.push(`          error: ${m.error}`);
      if (m.message) for (const f of keyFields(m.message)) lines.push(`          ${f.label}: ${keyFieldText(f.value)}`);
      lines.push(...decryptedMessageLines(m));
    }
    if (ev.data) lines.push(...hexDump(ev.data, '          '));
  }
  return lines;
}

/** The connection's line about its keys. */
function keysText(r: TlsConnectionReport): string {
  const k = r.keys!;
  if (k.clientRandom === undefined) return 'keys: no ClientHello seen, so no client random to look up';
  if (k.labels.length === 0) return `keys: none (no key for client random ${k.clientRandom} in the key log)`;
  return `keys: ${k.labels.join(', ')} (client random ${k.clientRandom})`;
}

const EPOCH_TEXT = {
  early: 'early data keys',
  handshake: 'handshake keys',
  application: 'application keys',
  tls12: 'key block',
} as const;

/** The line under a protected record: what it decrypted to, or why it did not. */
function decryptedLine(ev: RecordEvent): string | undefined {
  if (ev.decryptError) return `        not decrypted: ${ev.decryptError.detail}`;
  const d = ev.decrypted;
  if (!d) return undefined;
  const gen = d.generation === undefined ? '' : ` ${d.generation}`;
  const rejected = d.rejectedEarlyData ? '; rejected 0-RTT, skipped by the server' : '';
  return `        decrypted: ${contentTypeName(d.type)}  ${d.content.length} bytes  (${EPOCH_TEXT[d.epoch]}${gen}, seq ${d.sequence}${rejected})`;
}

const FINISHED_TEXT = {
  ok: 'verify_data matches the transcript',
  mismatch: 'verify_data does NOT match the transcript',
  'no-key': 'verify_data not checked (no key)',
} as const;

/** Finished check and certificate summaries of a message (with a key log). */
function decryptedMessageLines(m: MessageEvent): string[] {
  const out: string[] = [];
  if (m.finished) out.push(`          ${FINISHED_TEXT[m.finished]}`);
  m.certificates?.forEach((c, i) => {
    if (c.error) {
      out.push(`          [${i}] unreadable certificate: ${c.error}`);
      return;
    }
    out.push(`          [${i}] subject: ${c.subject}`);
    out.push(`              issuer: ${c.issuer}`);
    if (c.subjectAltNames?.length) out.push(`              SANs: ${c.subjectAltNames.join(', ')}`);
    out.push(`              valid: ${c.notBefore} to ${c.notAfter}`);
  });
  return out;
}

/** At most this many bytes of a record's application data are dumped in the text view. */
const MAX_DUMP = 1024;

/** `offset  hex bytes  printable` lines, 16 bytes each (printable ASCII as is, the rest as '.'). */
export function hexDump(data: Uint8Array, indent: string): string[] {
  const out: string[] = [];
  const n = Math.min(data.length, MAX_DUMP);
  for (let at = 0; at < n; at += 16) {
    const row = data.subarray(at, Math.min(at + 16, n));
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    out.push(`${indent}${at.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  ${printable(row, false)}`);
  }
  if (data.length > n) out.push(`${indent}… ${data.length - n} more bytes (see --follow)`);
  return out;
}

/** Bytes as text: printable ASCII as is, newlines kept when `keepNewlines`, the rest as '.'. */
function printable(data: Uint8Array, keepNewlines: boolean): string {
  let s = '';
  for (const b of data) s += (b >= 0x20 && b < 0x7f) || (keepNewlines && b === 0x0a) ? String.fromCharCode(b) : '.';
  return s;
}

/** `--follow`: each connection's decrypted application data in capture order. */
export function followLines(r: TlsConnectionReport): string[] {
  const s = plaintextStreams(r);
  const lines = [
    `${connectionTitle(r)}  (follow TLS stream: C>S ${s.client.length} bytes, S>C ${s.server.length} bytes)`,
  ];
  for (const c of s.chunks) {
    lines.push(`=== ${c.direction}  ${c.data.length} bytes  [frame ${c.frame}]`);
    lines.push(...printable(c.data, true).replace(/\n$/, '').split('\n'));
  }
  return lines;
}

/** `--follow --json`: one object per chunk of application data. */
export function followJson(r: TlsConnectionReport): Record<string, unknown>[] {
  return plaintextStreams(r).chunks.map((c) => ({
    type: 'follow',
    connection: r.index,
    direction: c.direction,
    frame: c.frame,
    length: c.data.length,
    data: toHexString(c.data),
  }));
}

function toHexString(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The JSON objects of one connection's TLS view. */
export function tlsJson(r: TlsConnectionReport, base: bigint): Record<string, unknown>[] {
  const head = { type: 'tls', connection: r.index };
  if (r.notTls) return [{ ...head, kind: 'connection', client: r.client, server: r.server, notTls: r.notTls }];
  const out: Record<string, unknown>[] = [
    {
      ...head,
      kind: 'connection',
      client: r.client,
      server: r.server,
      version: r.version === undefined ? null : versionName(r.version),
      cipherSuite: r.cipherSuite === undefined ? null : nameOf(CipherSuite, r.cipherSuite, 2),
      ...(r.keys ? { keys: { clientRandom: r.keys.clientRandom ?? null, labels: r.keys.labels } } : {}),
      ...(r.earlyData ? { earlyData: r.earlyData } : {}),
    },
  ];
  for (const ev of r.events) {
    if (ev.kind === 'note') {
      out.push({ ...head, kind: 'note', direction: ev.direction, frame: ev.frame ?? null, text: ev.text });
      continue;
    }
    const rec = {
      ...head,
      direction: ev.direction,
      record: ev.record,
      frame: ev.frame,
      timeRelative: relativeTime(ev.timestamp, base),
    };
    out.push({
      ...rec,
      kind: 'record',
      contentType: contentTypeName(ev.contentType),
      contentTypeValue: ev.contentType,
      version: hexNumber(ev.version, 4),
      length: ev.length,
      encrypted: ev.encrypted,
      ...(ev.alert
        ? {
            alert: {
              level: nameOf(AlertLevel, ev.alert.level, 1),
              description: nameOf(AlertDescription, ev.alert.description, 1),
            },
          }
        : {}),
      ...(ev.error ? { error: ev.error } : {}),
      ...decryptedJson(ev),
    });
    for (const m of ev.messages) out.push(messageJson(rec, m));
  }
  return out;
}

/** The JSON object of one handshake message, after the fields `rec` of its record. */
function messageJson(rec: Record<string, unknown>, m: MessageEvent): Record<string, unknown> {
  return {
    ...rec,
    kind: 'handshake',
    msgType: m.msgType,
    name: m.message ? messageName(m.message, m.msgType) : null,
    length: m.length,
    ...(m.message
      ? {
          summary: Object.fromEntries(keyFields(m.message).map((f) => [jsonKey(f.label), f.value])),
          message: toJson(m.message),
        }
      : {}),
    ...(m.error ? { error: m.error } : {}),
    ...(m.finished ? { finished: m.finished } : {}),
    ...(m.certificates ? { certificates: m.certificates } : {}),
  };
}

/** The decryption fields of a record's JSON object (none without a key log). */
function decryptedJson(ev: RecordEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (ev.decryptError) out.decryptError = ev.decryptError;
  const d = ev.decrypted;
  if (d) {
    out.decrypted = {
      contentType: contentTypeName(d.type),
      contentTypeValue: d.type,
      length: d.content.length,
      epoch: d.epoch,
      ...(d.generation === undefined ? {} : { generation: d.generation }),
      sequence: d.sequence.toString(),
      ...(d.rejectedEarlyData ? { rejectedEarlyData: true } : {}),
    };
  }
  if (ev.data) out.data = toHexString(ev.data);
  return out;
}

/** Options of {@link pcapReport}. */
export interface PcapOptions {
  json?: boolean;
  checksums?: boolean;
  /** Report the TCP segments (default true). */
  segments?: boolean;
  /** Report the TLS view of the connections (default true). */
  tls?: boolean;
  /** Decrypt with these secrets (the file's Decryption Secrets Blocks are added to it). */
  keyLog?: KeyLog;
  /** Only each connection's decrypted application data. */
  follow?: boolean;
  /** Summarize each connection at the end (default: when the TLS view is shown and not `follow`). */
  summary?: boolean;
  /** Only the summaries (no TLS records). */
  summaryOnly?: boolean;
}

/**
 * Write the report of a capture held in `bytes` to `io`. Returns 0, or 1 when the capture could not
 * be read to its end (what was read is still reported, then the error).
 */
export function pcapReport(bytes: Uint8Array, options: PcapOptions, io: Output): number {
  const tracker = new FlowTracker();
  // IPv4 fragments are reassembled here, so the segment a datagram completes is shown (and analysed)
  // at its last fragment, as tshark does; the tracker sees it already reassembled.
  const decoder = new PacketDecoder();
  const analyzer = new TcpAnalyzer();
  const analysis = new Map<number, TcpSegmentAnalysis>();
  const tracks = new Map<TcpConnection, ConnTrack>();
  let base: bigint | undefined;
  let failure: string | undefined;
  const emit = (o: Record<string, unknown>) => io.out(JSON.stringify(o));
  try {
    for (const packet of readCapture(bytes)) {
      base ??= packet.timestamp;
      let p: DecodedPacket;
      try {
        p = decoder.decode(packet);
      } catch (e) {
        if (options.segments === false) continue;
        if (options.json) emit({ type: 'error', frame: packet.frame, error: describeError(e) });
        else
          io.out(
            `${String(packet.frame).padStart(5)}  ${relativeTime(packet.timestamp, base)}  decode error: ${describeError(e)}`,
          );
        continue;
      }
      const conn = tracker.add(p);
      const a = analyzer.add(p);
      if (a) analysis.set(a.frame, a);
      if (!conn || !p.tcp) {
        if (options.segments === false) continue;
        const why = p.notTcp ?? 'not-tcp';
        if (options.json) emit({ type: 'other', frame: packet.frame, reason: why });
        else
          io.out(
            `${String(packet.frame).padStart(5)}  ${relativeTime(packet.timestamp, base)}  no TCP segment (${why})`,
          );
        continue;
      }
      let track = tracks.get(conn);
      if (!track) {
        track = { client: {}, server: {} };
        tracks.set(conn, track);
      }
      if (options.segments === false) continue;
      const v = viewOf(p, conn, track);
      v.analysis = a;
      if (options.json) emit(segmentJson(v, base));
      else io.out(segmentLine(v, base, options.checksums ?? false));
    }
  } catch (e) {
    failure = describeError(e);
  }
  reportTls(options.tls === false ? [] : tracker.finish(), options, base ?? 0n, io, analysis);
  if (failure !== undefined) {
    io.err(`tlswire pcap: capture read stopped: ${failure}`);
    return 1;
  }
  return 0;
}

/** The TLS view (or, with `follow`, the plaintext) of every connection, decrypted when keys are known. */
function reportTls(
  conns: TcpConnection[],
  options: PcapOptions,
  base: bigint,
  io: Output,
  analysis: ReadonlyMap<number, TcpSegmentAnalysis>,
): void {
  const emit = (o: Record<string, unknown>) => io.out(JSON.stringify(o));
  const decrypt =
    options.keyLog && options.keyLog.size > 0 ? { keyLog: options.keyLog, provider: defaultNodeProvider() } : {};
  const summaries: string[][] = [];
  for (const c of conns) {
    const report = analyzeTls(c, decrypt);
    if (options.summary ?? !options.follow) {
      const story = connectionStory(c, report, analysis);
      if (options.json) summaries.push([JSON.stringify({ type: 'connection', ...story })]);
      else summaries.push(storyLines(story));
    }
    if (options.summaryOnly) continue;
    if (options.follow) {
      if (options.json) for (const o of followJson(report)) emit(o);
      else {
        if (c.index > 0) io.out('');
        for (const l of followLines(report)) io.out(l);
      }
    } else if (options.json) for (const o of tlsJson(report, base)) emit(o);
    else {
      if (options.segments !== false || c.index > 0) io.out('');
      for (const l of tlsLines(report, base)) io.out(l);
    }
  }
  if (summaries.length && !options.json && (options.segments !== false || !options.summaryOnly)) io.out('');
  if (summaries.length && !options.json)
    io.out(`summary of ${summaries.length} connection${summaries.length === 1 ? '' : 's'}:`);
  summaries.forEach((lines, i) => {
    if (i > 0 && !options.json) io.out('');
    for (const l of lines) io.out(l);
  });
}

/** `tlswire pcap` with its arguments (after the command name). Exit code 0, 1 (failure) or 2 (usage). */
export function pcapCommand(argv: string[], io: Output, env: NodeJS.ProcessEnv = process.env): number {
  const parsed = parseCommandArgs('pcap', PCAP_USAGE, io, () => parse(argv));
  if (typeof parsed === 'number') return parsed;
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) {
    io.err(file === undefined ? 'tlswire pcap: a capture FILE is required' : 'tlswire pcap: exactly one FILE');
    io.err(usageLines(PCAP_USAGE));
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    io.err(`tlswire pcap: cannot read ${file}: ${describeError(e)}`);
    return 1;
  }
  const { json, checksums, tcp, tls, follow, summary } = parsed.values;
  const keyLog = loadKeyLogs(bytes, parsed.values.keylog ?? [], env.SSLKEYLOGFILE, io);
  if (!keyLog) return 1;
  if (follow && keyLog.size === 0) io.err('tlswire pcap: --follow without any key log: nothing can be decrypted');
  const segments = !follow && !summary && (!tls || tcp);
  const withTls = follow || summary || !tcp || tls;
  const options = { json, checksums, segments, tls: withTls, keyLog, follow, summaryOnly: summary && !tls && !tcp };
  return pcapReport(bytes, { ...options, summary: summary || (!follow && withTls) }, io);
}

/**
 * The key log of `--keylog` files, SSLKEYLOGFILE and the capture's Decryption Secrets Blocks;
 * undefined (after an error message) when a named file cannot be read. Skipped lines are reported.
 */
function loadKeyLogs(bytes: Uint8Array, files: string[], env: string | undefined, io: Output): KeyLog | undefined {
  const keyLog = new KeyLog();
  const sources = env ? [...files, env] : files;
  for (const file of sources) {
    try {
      keyLog.addText(readFileSync(file, 'utf8'), file);
    } catch (e) {
      if (file === env && !files.includes(file)) {
        io.err(`tlswire pcap: SSLKEYLOGFILE ${file} cannot be read (${describeError(e)}); ignored`);
        continue;
      }
      io.err(`tlswire pcap: cannot read key log ${file}: ${describeError(e)}`);
      return undefined;
    }
  }
  for (const [i, text] of embeddedKeyLogs(bytes).entries()) {
    keyLog.addText(text, `pcapng Decryption Secrets Block ${i + 1}`);
  }
  for (const p of keyLog.problems) io.err(`tlswire pcap: ${p.source} line ${p.line} skipped: ${p.reason}`);
  return keyLog;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      checksums: { type: 'boolean', default: false },
      tcp: { type: 'boolean', default: false },
      tls: { type: 'boolean', default: false },
      keylog: { type: 'string', multiple: true },
      follow: { type: 'boolean', default: false },
      summary: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

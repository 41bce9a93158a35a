/**
 * The TLS view of one reassembled TCP connection: both directions' byte streams are replayed in
 * capture order through a {@link RecordDeframer} and a {@link HandshakeReassembler} each, and every
 * record and handshake message becomes an event. Given a key log, protected records are decrypted
 * ({@link TlsDecryptor}) and their content is read like cleartext: handshake messages, alerts and
 * application data.
 *
 * What is cleartext: TLS 1.3 protects everything after the ServerHello inside application_data
 * records (RFC 8446 §5.2), so a record of that type is protected and any other is decoded (the
 * middlebox ChangeCipherSpec of RFC 8446 §D.4 included). Before TLS 1.3 a direction is protected
 * from its ChangeCipherSpec on (RFC 5246 §7.1). Decode failures become events with the DecodeError's
 * path and offset; a direction stops at the first framing error or missing byte range, the other
 * goes on.
 * @module
 */
import { DecodeError } from '../bytes/errors.js';
import type { Endpoint, StreamDirection, StreamGap, TcpConnection } from '../capture/flow.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { type Alert, parseAlert } from '../tls/alert.js';
import { CipherSuite, ContentType, nameOf, ProtocolVersion } from '../tls/enums.js';
import { findExtension } from '../tls/extensions.js';
import { HandshakeReassembler } from '../tls/handshake-framing.js';
import { type DecodedHandshake, decodeHandshake } from '../tls/messages/handshake.js';
import type { KeyExchange } from '../tls/messages/key-exchange.js';
import { parseChangeCipherSpec, RecordDeframer, type TlsRecord } from '../tls/record.js';
import { type CertificateSummary, certificateSummaries } from './certificates.js';
import { type DecryptedRecord, type DecryptFailure, type FinishedCheck, type Side, TlsDecryptor } from './decryptor.js';
import type { KeyLog } from './keylog.js';

/** `C>S`: client to server (the SYN sender); `S>C`: server to client. */
export type Direction = 'C>S' | 'S>C';

/** A handshake message completed inside a record. */
export interface MessageEvent {
  /** The wire msg_type. */
  msgType: number;
  /** Body length (the u24 of the handshake header). */
  length: number;
  /** The decoded message; absent when decoding failed. */
  message?: DecodedHandshake;
  /** Why decoding failed (DecodeError path and offset). */
  error?: string;
  /** Finished: verify_data checked against the transcript (with a key log). */
  finished?: FinishedCheck;
  /** Certificate: each certificate's names and validity (with a key log). */
  certificates?: CertificateSummary[];
}

/** One record of a connection. */
export interface RecordEvent {
  kind: 'record';
  /** Counts from 1 within the connection, in capture order. */
  record: number;
  direction: Direction;
  /** Frame holding the record's last byte. */
  frame: number;
  timestamp: bigint;
  contentType: number;
  /** legacy_record_version. */
  version: number;
  length: number;
  /** Protected content. */
  encrypted: boolean;
  /** The decrypted content (with a key log). Its `type` is the real content type. */
  decrypted?: DecryptedRecord;
  /** Why a protected record was not decrypted (with a key log). */
  decryptError?: DecryptFailure;
  alert?: Alert;
  /** Application data (decrypted). */
  data?: Uint8Array;
  /** Handshake messages completed by this record. */
  messages: MessageEvent[];
  /** A problem with this record's content (bad ChangeCipherSpec or alert, handshake framing). */
  error?: string;
}

/** Something about the stream rather than a record: a gap, a framing error, leftover bytes. */
export interface NoteEvent {
  kind: 'note';
  direction: Direction;
  frame?: number;
  text: string;
}

export type TlsEvent = RecordEvent | NoteEvent;

/** What the key log held for a connection. */
export interface KeyStatus {
  /** The ClientHello random (hex), when a ClientHello was seen. */
  clientRandom?: string;
  /** Labels the key log has for it (empty: no key for this connection). */
  labels: string[];
}

/** The TLS view of a connection. */
export interface TlsConnectionReport {
  index: number;
  client: Endpoint;
  server: Endpoint;
  /** Why the connection is not shown as TLS (no payload, or a first byte that is no record header). */
  notTls?: string;
  /** Negotiated version (from the ServerHello's supported_versions, else its legacy version). */
  version?: number;
  cipherSuite?: number;
  /** With a key log: the keys found for this connection. */
  keys?: KeyStatus;
  /** With a key log, when the ClientHello offered 0-RTT: what became of it. */
  earlyData?: 'offered' | 'accepted' | 'rejected';
  events: TlsEvent[];
}

/** Options of {@link analyzeTls}. */
export interface AnalyzeOptions {
  /** Decrypt with the secrets of this key log. */
  keyLog?: KeyLog;
  /** Crypto for decryption (required with `keyLog`). */
  provider?: CryptoProvider;
}

interface DirState {
  name: Direction;
  side: Side;
  deframer: RecordDeframer;
  reassembler: HandshakeReassembler;
  /** Before TLS 1.3: the direction's ChangeCipherSpec has been seen. */
  protected: boolean;
  /** Stream offset expected next. */
  offset: number;
  /** Stopped after a framing error or a gap. */
  stopped: boolean;
}

/** Whether the first bytes look like a TLS record header: content type 20–24, major version 3. */
export function looksLikeTls(bytes: Uint8Array): boolean {
  const type = bytes[0];
  return type !== undefined && type >= 20 && type <= 24 && (bytes.length < 2 || bytes[1] === 3);
}

/** The TLS 1.2 key exchange of a cipher suite, from its IANA name. */
export function keyExchangeOf(suite: number): KeyExchange {
  const name = nameOf(CipherSuite, suite, 2);
  if (name.includes('ECDHE')) return 'ecdhe';
  if (name.includes('DHE')) return 'dhe';
  return 'rsa';
}

/** An error as one line (DecodeError with its path and offset). */
export function errorText(e: unknown): string {
  if (e instanceof DecodeError) return `${e.reason} at ${e.path || '<input>'} @${e.offset}: ${e.detail}`;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The state of one connection's replay. */
class Replay {
  readonly dirs: Record<Direction, DirState> = { 'C>S': newDir('C>S', 'client'), 'S>C': newDir('S>C', 'server') };
  tls13: boolean | undefined;
  keyExchange: KeyExchange = 'ecdhe';
  recordNo = 0;
  readonly times = new Map<number, bigint>();
  readonly decryptor?: TlsDecryptor;

  constructor(
    readonly report: TlsConnectionReport,
    options: AnalyzeOptions,
  ) {
    if (options.keyLog) {
      if (!options.provider) throw new TypeError('analyzeTls: a keyLog needs a provider');
      this.decryptor = new TlsDecryptor(options.keyLog, options.provider);
    }
  }

  note(d: DirState, text: string, frame?: number): void {
    this.report.events.push({ kind: 'note', direction: d.name, frame, text });
  }

  record(d: DirState, rec: TlsRecord, frame: number): void {
    const ev: RecordEvent = {
      kind: 'record',
      record: ++this.recordNo,
      direction: d.name,
      frame,
      timestamp: this.times.get(frame) ?? 0n,
      contentType: rec.type,
      version: rec.version,
      length: rec.fragment.length,
      encrypted: d.protected || rec.type === ContentType.application_data,
      messages: [],
    };
    this.report.events.push(ev);
    let type = rec.type;
    let content = rec.fragment;
    if (ev.encrypted) {
      if (!this.decryptor) return;
      const opened = this.decryptor.open(d.side, rec);
      if (!opened.ok) {
        ev.decryptError = opened.failure;
        return;
      }
      ev.decrypted = opened.record;
      type = opened.record.type;
      content = opened.record.content;
    }
    try {
      this.content(d, ev, type, content);
    } catch (e) {
      ev.error = errorText(e);
    }
  }

  content(d: DirState, ev: RecordEvent, type: number, content: Uint8Array): void {
    if (type !== ContentType.handshake) d.reassembler.assertBoundary(`${nameOf(ContentType, type)} record`);
    if (type === ContentType.change_cipher_spec) {
      parseChangeCipherSpec(content);
      if (this.tls13 !== true) {
        d.protected = true;
        d.deframer.setLimits({ protection: 'tls12-protected' });
        this.decryptor?.changeCipherSpec(d.side);
      }
    } else if (type === ContentType.alert) {
      ev.alert = parseAlert(content);
    } else if (type === ContentType.application_data) {
      if (ev.decrypted) ev.data = content;
    } else if (type === ContentType.handshake) {
      d.reassembler.push(content);
      for (let m = d.reassembler.next(); m; m = d.reassembler.next()) this.message(d, ev, m.type, m.raw);
    }
  }

  message(d: DirState, ev: RecordEvent, msgType: number, raw: Uint8Array): void {
    const me: MessageEvent = { msgType, length: raw.length - 4 };
    ev.messages.push(me);
    try {
      me.message = decodeHandshake(raw, {
        version: this.tls13 === false ? 'tls12' : 'tls13',
        keyExchange: this.keyExchange,
      });
    } catch (e) {
      me.error = errorText(e);
      return;
    }
    const msg = me.message;
    if (msg.type === 'server_hello') {
      const sv = findExtension(msg.extensions, 'supported_versions');
      const version = sv?.form === 'server_hello' ? sv.selectedVersion : msg.version;
      this.tls13 = version === ProtocolVersion.TLS1_3;
      this.keyExchange = keyExchangeOf(msg.cipherSuite);
      this.report.version = version;
      this.report.cipherSuite = msg.cipherSuite;
      if (this.tls13 && !msg.isHelloRetryRequest) {
        for (const x of Object.values(this.dirs)) x.deframer.setLimits({ protection: 'tls13-protected' });
      }
    }
    if (!this.decryptor) return;
    const check = this.decryptor.handshake(d.side, msg);
    if (check) me.finished = check;
    if (msg.type === 'certificate') me.certificates = certificateSummaries(msg);
    if (msg.type === 'client_hello' && this.report.keys && this.report.keys.clientRandom === undefined) {
      const random = this.decryptor.clientRandom;
      this.report.keys = { clientRandom: random && hex(random), labels: this.decryptor.keyLabels };
    }
  }
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * Replay `conn`'s streams through the record layer and the handshake decoder; with
 * `options.keyLog`, decrypt what the key log has keys for.
 */
export function analyzeTls(conn: TcpConnection, options: AnalyzeOptions = {}): TlsConnectionReport {
  const report: TlsConnectionReport = { index: conn.index, client: conn.client, server: conn.server, events: [] };
  const chunks = [...chunksOf(conn.toServer, 'C>S'), ...chunksOf(conn.toClient, 'S>C')].sort(
    (a, b) => a.chunk.frame - b.chunk.frame,
  );
  const first = chunks[0];
  if (!first) {
    const cut = [...conn.toServer.gaps, ...conn.toClient.gaps].find((g) => g.reason === 'snaplen');
    report.notTls = cut ? `no payload captured (${gapWhy(cut)})` : 'no payload';
    return report;
  }
  if (!looksLikeTls(first.chunk.data)) {
    report.notTls = `not TLS: the first payload byte is 0x${first.chunk.data[0]!.toString(16).padStart(2, '0')}`;
    return report;
  }
  const r = new Replay(report, options);
  if (options.keyLog) report.keys = { labels: [] };
  for (const s of conn.segments) r.times.set(s.frame, s.timestamp);
  for (const { dir, chunk } of chunks) {
    const d = r.dirs[dir];
    if (d.stopped) continue;
    if (chunk.offset !== d.offset) {
      const gap = gapAt(dir === 'C>S' ? conn.toServer : conn.toClient, d.offset);
      r.note(
        d,
        `${chunk.offset - d.offset} stream bytes missing at offset ${d.offset} (${gapWhy(gap)}): TLS decoding stops`,
        gap?.frame ?? chunk.frame,
      );
      d.stopped = true;
      continue;
    }
    d.offset += chunk.data.length;
    try {
      d.deframer.push(chunk.data);
      for (let rec = d.deframer.next(); rec; rec = d.deframer.next()) r.record(d, rec, chunk.frame);
    } catch (e) {
      r.note(d, `record layer: ${errorText(e)}: TLS decoding stops`, chunk.frame);
      d.stopped = true;
    }
  }
  finalNotes(r, conn);
  markEarlyData(r);
  return report;
}

/** Once the server has rejected 0-RTT, every record decrypted with the early keys was skipped by it. */
function markEarlyData(r: Replay): void {
  const early = r.decryptor?.earlyData;
  if (!early) return;
  r.report.earlyData = early;
  if (early !== 'rejected') return;
  for (const ev of r.report.events) {
    if (ev.kind === 'record' && ev.decrypted?.epoch === 'early') ev.decrypted.rejectedEarlyData = true;
  }
}

/** The gap of `stream` that starts at `offset`, if the reassembly recorded one. */
function gapAt(stream: StreamDirection, offset: number): StreamGap | undefined {
  return stream.gaps.find((g) => g.offset === offset);
}

/** Why stream bytes are missing, in the words of the reassembly's reason. */
function gapWhy(gap: StreamGap | undefined): string {
  if (gap?.reason === 'snaplen') return `cut off by the capture's snap length in frame ${gap.frame}`;
  if (gap?.reason === 'cap') return 'given up: more out-of-order bytes held than the reassembly limit';
  return 'never captured';
}

function finalNotes(r: Replay, conn: TcpConnection): void {
  for (const [d, stream] of [
    [r.dirs['C>S'], conn.toServer],
    [r.dirs['S>C'], conn.toClient],
  ] as const) {
    if (d.stopped) continue;
    const gap = stream.gaps.find((g) => g.offset >= d.offset);
    if (gap) r.note(d, `${gap.length} stream bytes missing at offset ${gap.offset} (${gapWhy(gap)})`, gap.frame);
    if (d.deframer.partialLength > 0) r.note(d, `${d.deframer.partialLength} bytes of an incomplete record at the end`);
    if (d.reassembler.partialLength > 0) {
      r.note(d, `${d.reassembler.partialLength} bytes of an incomplete handshake message at the end`);
    }
  }
}

function newDir(name: Direction, side: Side): DirState {
  return {
    name,
    side,
    deframer: new RecordDeframer(),
    reassembler: new HandshakeReassembler({ maxMessageLength: 1 << 24 }),
    protected: false,
    offset: 0,
    stopped: false,
  };
}

function chunksOf(d: StreamDirection, dir: Direction) {
  return d.chunks.map((chunk) => ({ dir, chunk }));
}

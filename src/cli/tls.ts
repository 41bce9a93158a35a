/**
 * The TLS view of one reassembled TCP connection, for `tlswire pcap`: both directions' byte streams
 * are replayed in capture order through a {@link RecordDeframer} and a {@link HandshakeReassembler}
 * each, and every record and cleartext handshake message becomes an event.
 *
 * What is cleartext: TLS 1.3 protects everything after the ServerHello inside application_data
 * records (RFC 8446 §5.2), so a record of that type is shown as encrypted and any other is decoded
 * (the middlebox ChangeCipherSpec of RFC 8446 §D.4 included). Before TLS 1.3 a direction is protected
 * from its ChangeCipherSpec on (RFC 5246 §7.1): every later record is shown by type and length only.
 * Decode failures become events with the DecodeError's path and offset; a direction stops at the
 * first framing error or missing byte range, the other goes on.
 * @module
 */
import type { Endpoint, StreamDirection, TcpConnection } from '../capture/flow.js';
import { type Alert, parseAlert } from '../tls/alert.js';
import { CipherSuite, ContentType, nameOf, ProtocolVersion } from '../tls/enums.js';
import { findExtension } from '../tls/extensions.js';
import { HandshakeReassembler } from '../tls/handshake-framing.js';
import { type DecodedHandshake, decodeHandshake } from '../tls/messages/handshake.js';
import type { KeyExchange } from '../tls/messages/key-exchange.js';
import { parseChangeCipherSpec, RecordDeframer, type TlsRecord } from '../tls/record.js';
import { describeError } from './format.js';

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
  /** Protected content, shown by type and length only. */
  encrypted: boolean;
  alert?: Alert;
  /** Handshake messages completed by this record (cleartext only). */
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
  events: TlsEvent[];
}

interface DirState {
  name: Direction;
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

/** Replay `conn`'s streams through the record layer and the handshake decoder. */
export function analyzeTls(conn: TcpConnection): TlsConnectionReport {
  const report: TlsConnectionReport = { index: conn.index, client: conn.client, server: conn.server, events: [] };
  const times = new Map<number, bigint>();
  for (const s of conn.segments) times.set(s.frame, s.timestamp);
  const chunks = [...chunksOf(conn.toServer, 'C>S'), ...chunksOf(conn.toClient, 'S>C')].sort(
    (a, b) => a.chunk.frame - b.chunk.frame,
  );
  const first = chunks[0];
  if (!first) {
    report.notTls = 'no payload';
    return report;
  }
  if (!looksLikeTls(first.chunk.data)) {
    report.notTls = `not TLS: the first payload byte is 0x${first.chunk.data[0]!.toString(16).padStart(2, '0')}`;
    return report;
  }
  const dirs: Record<Direction, DirState> = { 'C>S': newDir('C>S'), 'S>C': newDir('S>C') };
  let tls13: boolean | undefined;
  let keyExchange: KeyExchange = 'ecdhe';
  let recordNo = 0;
  const note = (d: DirState, text: string, frame?: number): void => {
    report.events.push({ kind: 'note', direction: d.name, frame, text });
  };

  const handleRecord = (d: DirState, rec: TlsRecord, frame: number): void => {
    const ev: RecordEvent = {
      kind: 'record',
      record: ++recordNo,
      direction: d.name,
      frame,
      timestamp: times.get(frame) ?? 0n,
      contentType: rec.type,
      version: rec.version,
      length: rec.fragment.length,
      encrypted: d.protected || rec.type === ContentType.application_data,
      messages: [],
    };
    report.events.push(ev);
    if (ev.encrypted) return;
    try {
      if (rec.type !== ContentType.handshake) d.reassembler.assertBoundary(`${nameOf(ContentType, rec.type)} record`);
      if (rec.type === ContentType.change_cipher_spec) {
        parseChangeCipherSpec(rec.fragment);
        if (tls13 !== true) {
          d.protected = true;
          d.deframer.setLimits({ protection: 'tls12-protected' });
        }
      } else if (rec.type === ContentType.alert) {
        ev.alert = parseAlert(rec.fragment);
      } else if (rec.type === ContentType.handshake) {
        d.reassembler.push(rec.fragment);
        for (let m = d.reassembler.next(); m; m = d.reassembler.next()) {
          const me: MessageEvent = { msgType: m.type, length: m.body.length };
          ev.messages.push(me);
          try {
            me.message = decodeHandshake(m.raw, { version: tls13 === false ? 'tls12' : 'tls13', keyExchange });
          } catch (e) {
            me.error = describeError(e);
            continue;
          }
          const msg = me.message;
          if (msg.type === 'server_hello') {
            const sv = findExtension(msg.extensions, 'supported_versions');
            const version = sv?.form === 'server_hello' ? sv.selectedVersion : msg.version;
            tls13 = version === ProtocolVersion.TLS1_3;
            keyExchange = keyExchangeOf(msg.cipherSuite);
            report.version = version;
            report.cipherSuite = msg.cipherSuite;
            if (tls13 && !msg.isHelloRetryRequest) {
              for (const x of Object.values(dirs)) x.deframer.setLimits({ protection: 'tls13-protected' });
            }
          }
        }
      }
    } catch (e) {
      ev.error = describeError(e);
    }
  };

  for (const { dir, chunk } of chunks) {
    const d = dirs[dir];
    if (d.stopped) continue;
    if (chunk.offset !== d.offset) {
      note(d, `${chunk.offset - d.offset} stream bytes missing at offset ${d.offset}: TLS decoding stops`, chunk.frame);
      d.stopped = true;
      continue;
    }
    d.offset += chunk.data.length;
    try {
      d.deframer.push(chunk.data);
      for (let rec = d.deframer.next(); rec; rec = d.deframer.next()) handleRecord(d, rec, chunk.frame);
    } catch (e) {
      note(d, `record layer: ${describeError(e)}: TLS decoding stops`, chunk.frame);
      d.stopped = true;
    }
  }
  for (const [d, stream] of [
    [dirs['C>S'], conn.toServer],
    [dirs['S>C'], conn.toClient],
  ] as const) {
    if (d.stopped) continue;
    const gap = stream.gaps.find((g) => g.offset >= d.offset);
    if (gap) note(d, `${gap.length} stream bytes missing at offset ${gap.offset} (never captured)`);
    if (d.deframer.partialLength > 0) note(d, `${d.deframer.partialLength} bytes of an incomplete record at the end`);
    if (d.reassembler.partialLength > 0) {
      note(d, `${d.reassembler.partialLength} bytes of an incomplete handshake message at the end`);
    }
  }
  return report;
}

function newDir(name: Direction): DirState {
  return {
    name,
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

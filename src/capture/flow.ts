/**
 * TCP connection tracking and stream reassembly over captured segments (RFC 9293 §3.4, §3.10.7).
 *
 * Segments are grouped by 4-tuple into connections (both directions); a SYN without ACK on a tuple
 * whose connection has closed (FIN both ways) or been reset starts a new connection, as a reused port
 * does. Each direction's data is put back into sequence order:
 * - SYN and FIN each occupy one sequence number; data starts at ISN + 1.
 * - Retransmitted and overlapping bytes are delivered once (the first copy seen wins).
 * - Segments ahead of the next expected sequence number are held until the gap fills, as distinct
 *   bytes in sorted, non-overlapping pieces (a {@link ReassemblyQueue}). Held bytes are capped
 *   (`maxHeldBytes`); past the cap, the missing range is given up as a {@link StreamGap} and
 *   delivery resumes at the earliest held byte. At {@link FlowTracker.finish}, still-missing
 *   ranges are reported the same way.
 * - A segment the capture's snap length cut short (see `decode.ts`) advances the stream by its length
 *   on the wire: its captured bytes are delivered and the rest is a gap (`snaplen`) naming the frame,
 *   so the stream never joins bytes that were not adjacent.
 * - IPv4 fragments are reassembled (a {@link PacketDecoder} per tracker) unless the caller's
 *   {@link PacketDecoder} already did.
 * - All sequence arithmetic is modulo 2^32 (wrap-around is ordinary).
 * Payload views are kept, not copied: keep the capture's bytes alive while the result is used.
 * @module
 */
import { ReassemblyQueue } from '../tcp/reassembly.js';
import { TcpFlag, type TcpSegment } from '../tcp/types.js';
import { type DecodedPacket, PacketDecoder } from './decode.js';
import type { DefragmentOptions } from './fragments.js';
import { formatIpAddress, type IpHeader } from './ip.js';

/** One end of a connection. */
export interface Endpoint {
  /** Text form of the address (`127.0.0.1`, `::1`). */
  address: string;
  port: number;
}

/** A run of in-order stream bytes and the frame it came from. */
export interface StreamChunk {
  /** Offset of `data[0]` in the direction's byte stream (0 = the first byte after the SYN). */
  offset: number;
  data: Uint8Array;
  frame: number;
}

/** Stream bytes that never appeared in the capture. */
export interface StreamGap {
  offset: number;
  length: number;
  /**
   * `cap`: given up because held bytes exceeded `maxHeldBytes`; `end`: still missing at the end;
   * `snaplen`: sent, but cut off by the capture's snap length (in {@link frame}).
   */
  reason: 'cap' | 'end' | 'snaplen';
  /** The frame whose payload was cut short (`snaplen` only). */
  frame?: number;
}

/** One direction of a connection, reassembled. */
export interface StreamDirection {
  from: Endpoint;
  to: Endpoint;
  /** Initial sequence number, when the SYN was captured. */
  isn?: number;
  /** In-order chunks, contiguous except across {@link gaps}. */
  chunks: StreamChunk[];
  gaps: StreamGap[];
  /** A FIN was reached in sequence order. */
  finished: boolean;
}

/** A segment of a connection, in capture order. */
export interface ConnectionSegment {
  frame: number;
  timestamp: bigint;
  /** Sent by the client (the SYN sender, or the first sender when no SYN was captured). */
  fromClient: boolean;
  ip: IpHeader;
  tcp: TcpSegment;
}

/** A TCP connection found in a capture. */
export interface TcpConnection {
  /** Index in order of first segment, from 0 (tshark's `tcp.stream`). */
  index: number;
  client: Endpoint;
  server: Endpoint;
  /** The client's SYN (or the server's SYN-ACK) was captured, so the roles are known. */
  handshakeSeen: boolean;
  /** A RST was captured. */
  reset: boolean;
  segments: ConnectionSegment[];
  toServer: StreamDirection;
  toClient: StreamDirection;
}

/** Options of {@link FlowTracker}. */
export interface FlowOptions {
  /** Out-of-order bytes held per direction (overlaps count once) before a gap is given up (default 4 MiB). */
  maxHeldBytes?: number;
  /** Limits of IPv4 fragment reassembly (see `fragments.ts`). */
  fragments?: DefragmentOptions;
}

/** A held piece's origin: its frame, and whether it stands for bytes the snap length cut off. */
interface Tag {
  frame: number;
  cut: boolean;
}

/** Signed distance from `a` to `b` modulo 2^32, in -2^31 .. 2^31 - 1. */
function dist(a: number, b: number): number {
  return (b - a) | 0;
}

/** The reassembly state of one direction. */
class Reassembler {
  next: number | undefined;
  offset = 0;
  finSeq: number | undefined;
  /** Out-of-order bytes (views of the capture, or zeros standing for cut-off bytes), tagged. */
  private readonly held = new ReassemblyQueue<Tag>(false);

  constructor(
    readonly out: StreamDirection,
    private readonly maxHeld: number,
  ) {}

  /** Add `seg`; `wireLength` is its payload length on the wire when the capture cut it short. */
  push(seg: TcpSegment, frame: number, wireLength = seg.payload.length): void {
    const syn = (seg.flags & TcpFlag.SYN) !== 0;
    if (syn && this.out.isn === undefined) {
      this.out.isn = seg.seq;
      if (this.next === undefined) this.next = (seg.seq + 1) >>> 0;
    }
    const dataSeq = syn ? (seg.seq + 1) >>> 0 : seg.seq;
    if (this.next === undefined) this.next = dataSeq;
    if (seg.flags & TcpFlag.FIN && this.finSeq === undefined) this.finSeq = (dataSeq + wireLength) >>> 0;
    if (wireLength > 0 && !this.out.finished) this.insert(dataSeq, seg.payload, frame, wireLength);
    this.checkFin();
  }

  private insert(seq: number, data: Uint8Array, frame: number, wireLength: number): void {
    const cutAt = (seq + data.length) >>> 0;
    const cut = wireLength - data.length;
    if (dist(this.next!, seq) <= 0) {
      this.deliver(seq, data, frame, false);
      if (cut > 0) this.deliver(cutAt, data, frame, true, cut);
      this.drain();
      return;
    }
    this.held.insert(this.next!, seq, data, { frame, cut: false });
    if (cut > 0) this.held.insert(this.next!, cutAt, new Uint8Array(cut), { frame, cut: true });
    while (this.held.bytes > this.maxHeld && this.held.size > 0) this.skipToHeld('cap');
  }

  /** Deliver what is new of `length` bytes at `seq`: `data`, or (`cut`) a `snaplen` gap. */
  private deliver(seq: number, data: Uint8Array, frame: number, cut: boolean, length = data.length): void {
    const skip = -dist(this.next!, seq);
    if (skip >= length) return;
    const n = length - Math.max(skip, 0);
    if (cut) this.out.gaps.push({ offset: this.offset, length: n, reason: 'snaplen', frame });
    else this.out.chunks.push({ offset: this.offset, data: skip > 0 ? data.subarray(skip) : data, frame });
    this.offset += n;
    this.next = (this.next! + n) >>> 0;
  }

  private drain(): void {
    for (let h = this.held.shift(this.next!); h; h = this.held.shift(this.next!))
      this.deliver(h.seq, h.data, h.tag.frame, h.tag.cut);
  }

  /** Give up the bytes before the earliest held byte, then deliver what follows. */
  private skipToHeld(reason: StreamGap['reason']): void {
    const h = this.held.first()!;
    const length = dist(this.next!, h.seq);
    if (length > 0) {
      this.out.gaps.push({ offset: this.offset, length, reason });
      this.offset += length;
      this.next = h.seq;
    }
    this.drain();
  }

  checkFin(): void {
    if (this.finSeq !== undefined && !this.out.finished && this.next === this.finSeq) {
      this.out.finished = true;
      this.next = (this.next + 1) >>> 0;
    }
  }

  finish(): void {
    while (this.held.size > 0) this.skipToHeld('end');
    this.checkFin();
  }
}

interface Tracked {
  conn: TcpConnection;
  client: string;
  toServer: Reassembler;
  toClient: Reassembler;
}

function key(a: Endpoint): string {
  return `${a.address}/${a.port}`;
}

/**
 * Feed decoded packets in capture order with {@link add}; {@link finish} flushes what is still held
 * and returns every connection.
 * @example const conns = new FlowTracker(); for (const p of readCapture(b)) conns.add(decodePacket(p)); conns.finish()
 */
export class FlowTracker {
  private readonly maxHeld: number;
  private readonly decoder: PacketDecoder;
  private readonly byTuple = new Map<string, Tracked>();
  private readonly all: Tracked[] = [];

  constructor(options: FlowOptions = {}) {
    this.maxHeld = options.maxHeldBytes ?? 4 * 1024 * 1024;
    this.decoder = new PacketDecoder(options.fragments);
  }

  /**
   * Add one packet; packets without a TCP segment are ignored. Returns the segment's connection (for
   * an IPv4 fragment: the connection of the datagram it completed).
   */
  add(packet: DecodedPacket): TcpConnection | undefined {
    const p = this.decoder.reassemble(packet);
    const { ip, tcp } = p;
    if (!ip || !tcp) return undefined;
    const src: Endpoint = { address: formatIpAddress(ip.src), port: tcp.srcPort };
    const dst: Endpoint = { address: formatIpAddress(ip.dst), port: tcp.dstPort };
    const ks = key(src);
    const kd = key(dst);
    const tuple = ks < kd ? `${ks}|${kd}` : `${kd}|${ks}`;
    const synOnly = (tcp.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
    let t = this.byTuple.get(tuple);
    if (t && synOnly && (t.conn.reset || (t.conn.toServer.finished && t.conn.toClient.finished))) t = undefined;
    if (!t) {
      const synAck = (tcp.flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK);
      const [client, server] = synAck ? [dst, src] : [src, dst];
      const conn: TcpConnection = {
        index: this.all.length,
        client,
        server,
        handshakeSeen: synOnly || synAck,
        reset: false,
        segments: [],
        toServer: { from: client, to: server, chunks: [], gaps: [], finished: false },
        toClient: { from: server, to: client, chunks: [], gaps: [], finished: false },
      };
      t = {
        conn,
        client: key(client),
        toServer: new Reassembler(conn.toServer, this.maxHeld),
        toClient: new Reassembler(conn.toClient, this.maxHeld),
      };
      this.byTuple.set(tuple, t);
      this.all.push(t);
    }
    const fromClient = ks === t.client;
    const frame = p.packet.frame;
    t.conn.segments.push({ frame, timestamp: p.packet.timestamp, fromClient, ip, tcp });
    if (tcp.flags & TcpFlag.RST) {
      t.conn.reset = true;
      return t.conn;
    }
    (fromClient ? t.toServer : t.toClient).push(tcp, frame, p.truncation?.length);
    return t.conn;
  }

  /** Report the still-missing ranges of every direction as gaps and return all connections. */
  finish(): TcpConnection[] {
    for (const t of this.all) {
      t.toServer.finish();
      t.toClient.finish();
    }
    return this.all.map((t) => t.conn);
  }
}

/** Track and reassemble every TCP connection of `packets`. */
export function trackConnections(packets: Iterable<DecodedPacket>, options: FlowOptions = {}): TcpConnection[] {
  const tracker = new FlowTracker(options);
  for (const p of packets) tracker.add(p);
  return tracker.finish();
}

/** The bytes of a direction's chunks, concatenated (gaps are left out; see {@link StreamDirection.gaps}). */
export function streamBytes(d: StreamDirection): Uint8Array {
  let n = 0;
  for (const c of d.chunks) n += c.data.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of d.chunks) {
    out.set(c.data, at);
    at += c.data.length;
  }
  return out;
}

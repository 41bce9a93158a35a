/**
 * TCP sequence analysis of captured segments, as Wireshark's TCP dissector does it ("SEQ/ACK analysis",
 * the `tcp.analysis.*` fields): retransmissions (fast, spurious), out-of-order segments, segments not
 * captured, duplicate ACKs, zero windows and their probes (RFC 9293 §3.8.6.1), full windows, window
 * updates, keep-alives (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6), reused ports, the RTT of each ACK and
 * the initial RTT of the handshake (RFC 9293 §3.5). Fast retransmit is RFC 5681 §3.2; windows are
 * scaled per RFC 7323 §2.
 *
 * Every rule is a test on the segment and on per-direction state, in capture order:
 * - next expected sequence number (`nextSeq`): the highest seq + length (+1 for SYN/FIN) seen so far;
 * - last ACK and window of each direction, and whether its last segment was a keep-alive or a probe;
 * - the segments not yet acknowledged (for `acks_frame` / `ack_rtt`).
 * A SYN (without ACK) whose sequence number differs from the ISN of the connection on its 4-tuple
 * starts a new stream (`reused_ports`), so stream numbers are tshark's `tcp.stream`.
 * Limits: at most {@link MAX_UNACKED} unacknowledged segments are remembered per direction (the
 * oldest are forgotten: their ACK then carries no RTT); all other state is a few numbers per stream.
 * @module
 */
import { TcpFlag, type TcpSegment } from '../tcp/types.js';
import type { DecodedPacket } from './decode.js';
import { formatIpAddress } from './ip.js';

/** Unacknowledged segments remembered per direction, for `acks_frame` and `ack_rtt`. */
export const MAX_UNACKED = 4096;

/** Analysis flags, named as tshark names the fields (`tcp.analysis.<name>`), in the order they are reported. */
export const TCP_ANALYSIS_FLAGS = [
  'retransmission',
  'fast_retransmission',
  'spurious_retransmission',
  'out_of_order',
  'lost_segment',
  'ack_lost_segment',
  'duplicate_ack',
  'zero_window',
  'zero_window_probe',
  'zero_window_probe_ack',
  'window_full',
  'window_update',
  'keep_alive',
  'keep_alive_ack',
  'reused_ports',
] as const;

/** One analysis flag (`tcp.analysis.<flag>`). */
export type TcpAnalysisFlag = (typeof TCP_ANALYSIS_FLAGS)[number];

/** The analysis of one captured segment. */
export interface TcpSegmentAnalysis {
  frame: number;
  /** tshark's `tcp.stream`. */
  stream: number;
  /** The flags set, in {@link TCP_ANALYSIS_FLAGS} order. */
  flags: TcpAnalysisFlag[];
  /** `duplicate_ack`: how many duplicates of this ACK so far (`tcp.analysis.duplicate_ack_num`). */
  duplicateAckNumber?: number;
  /** `duplicate_ack`: the frame of the original ACK (`tcp.analysis.duplicate_ack_frame`). */
  duplicateAckFrame?: number;
  /** The frame whose data (or SYN/FIN) this ACK acknowledges in full (`tcp.analysis.acks_frame`). */
  acksFrame?: number;
  /** Time from {@link acksFrame} to this segment, in nanoseconds (`tcp.analysis.ack_rtt`). */
  ackRtt?: bigint;
  /** Time from the client's SYN to the ACK that completed the handshake, ns (`tcp.analysis.initial_rtt`). */
  initialRtt?: bigint;
  /** `retransmission`: the frame that first carried the highest sequence number seen (`tcp.analysis.rto_frame`). */
  rtoFrame?: number;
}

interface Unacked {
  frame: number;
  seq: number;
  nextSeq: number;
  time: bigint;
}

/** The state of one direction (Wireshark's `tcp_flow_t` with its analysis data). */
interface Flow {
  baseSeq: number | undefined;
  nextSeq: number | undefined;
  nextSeqTime: bigint;
  nextSeqFrame: number;
  maxSeqToBeAcked: number | undefined;
  window: number;
  lastAck: number;
  lastAckTime: bigint;
  lastFlags: ReadonlySet<TcpAnalysisFlag>;
  dupAckNum: number;
  lastNonDupAck: number;
  /** Window scale shift; -1: unknown (no SYN seen); -2: not in use. */
  winScale: number;
  /** Bytes in flight are counted (tshark's `valid_bif`): an ACK came from the other side since the last segment not captured. */
  validBif: boolean;
  unacked: Unacked[];
}

interface Stream {
  index: number;
  flows: Map<string, Flow>;
  /** Time of the latest SYN (without ACK). */
  synTime: bigint | undefined;
  initialRtt: bigint | undefined;
}

/** The per-segment view the rules need. */
interface Seg {
  frame: number;
  time: bigint;
  seq: number;
  ack: number;
  len: number;
  flags: number;
  /** Window after scaling (raw when scaling is unknown, and on SYNs). */
  window: number;
}

/** `a - b` modulo 2^32, as a signed 32-bit distance. */
function diff(a: number, b: number): number {
  return (a - b) | 0;
}

const gt = (a: number, b: number) => diff(a, b) > 0;
const lt = (a: number, b: number) => diff(a, b) < 0;
const le = (a: number, b: number) => diff(a, b) <= 0;
const add = (a: number, b: number) => (a + b) >>> 0;

const SFR = TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST;
/** Out-of-order threshold without an initial RTT: 3 ms. */
const DEFAULT_OOO_NS = 3_000_000n;
/** Fast retransmission: within 20 ms of the last duplicate ACK. */
const FAST_RETRANSMISSION_NS = 20_000_000n;

function newFlow(): Flow {
  return {
    baseSeq: undefined,
    nextSeq: undefined,
    nextSeqTime: 0n,
    nextSeqFrame: 0,
    maxSeqToBeAcked: undefined,
    window: 0,
    lastAck: 0,
    lastAckTime: 0n,
    lastFlags: new Set(),
    dupAckNum: 0,
    lastNonDupAck: 0,
    winScale: -1,
    validBif: false,
    unacked: [],
  };
}

/** The result being built for one segment. */
class Result {
  readonly set = new Set<TcpAnalysisFlag>();
  readonly out: TcpSegmentAnalysis;
  /** Data sent while bytes in flight are counted (tshark then shows the analysis, with the initial RTT). */
  inFlight = false;

  constructor(frame: number, stream: number) {
    this.out = { frame, stream, flags: [] };
  }

  has(f: TcpAnalysisFlag): boolean {
    return this.set.has(f);
  }

  flag(f: TcpAnalysisFlag): void {
    this.set.add(f);
  }

  /**
   * The flags in report order. tshark reports `retransmission` with `fast_retransmission` and
   * `spurious_retransmission` too. Like tshark, a segment with nothing to say (no flag, no ACK of
   * a frame, no data counted in flight) carries no initial RTT either.
   */
  finish(): TcpSegmentAnalysis {
    if (this.set.has('fast_retransmission') || this.set.has('spurious_retransmission')) this.set.add('retransmission');
    this.out.flags = TCP_ANALYSIS_FLAGS.filter((f) => this.set.has(f));
    const o = this.out;
    if (o.flags.length === 0 && o.acksFrame === undefined && !this.inFlight) delete o.initialRtt;
    return o;
  }
}

/**
 * Feed decoded packets in capture order; each TCP segment gets its {@link TcpSegmentAnalysis}.
 * @example const a = new TcpAnalyzer(); for (const p of packets) { const r = a.add(p); if (r?.flags.length) … }
 */
export class TcpAnalyzer {
  private readonly streams = new Map<string, Stream>();
  private count = 0;

  /** Analyze one packet; undefined when it carries no TCP segment. */
  add(p: DecodedPacket): TcpSegmentAnalysis | undefined {
    const { ip, tcp } = p;
    if (!ip || !tcp) return undefined;
    const src = `${formatIpAddress(ip.src)}/${tcp.srcPort}`;
    const dst = `${formatIpAddress(ip.dst)}/${tcp.dstPort}`;
    const tuple = src < dst ? `${src}|${dst}` : `${dst}|${src}`;
    let stream = this.streams.get(tuple);
    let reused = false;
    if (stream && (tcp.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) {
      const base = stream.flows.get(src)?.baseSeq;
      if (base !== undefined && base !== tcp.seq) {
        stream = undefined;
        reused = true;
      }
    }
    if (!stream) {
      stream = {
        index: this.count++,
        flows: new Map([
          [src, newFlow()],
          [dst, newFlow()],
        ]),
        synTime: undefined,
        initialRtt: undefined,
      };
      this.streams.set(tuple, stream);
    }
    const r = new Result(p.packet.frame, stream.index);
    // A snap length that cut into the TCP options stops tshark's dissection before its analysis: the
    // segment belongs to its stream but neither gets nor changes sequence analysis.
    if (p.truncation?.optionsMissing) return r.finish();
    if (reused) r.flag('reused_ports');
    const fwd = stream.flows.get(src)!;
    const rev = stream.flows.get(dst)!;
    windowScale(tcp, fwd, rev);
    analyze(stream, fwd, rev, segOf(p, tcp, fwd), r);
    return r.finish();
  }
}

/** The rules' view of `tcp`: its window scaled by its sender's shift (never on a SYN). */
function segOf(p: DecodedPacket, tcp: TcpSegment, fwd: Flow): Seg {
  const syn = (tcp.flags & TcpFlag.SYN) !== 0;
  let window = tcp.window;
  if (!syn && fwd.winScale >= 0) window = tcp.window * 2 ** fwd.winScale;
  return {
    frame: p.packet.frame,
    time: p.packet.timestamp,
    seq: tcp.seq,
    ack: tcp.ack,
    len: p.truncation ? p.truncation.length : tcp.payload.length, // a snap length cut the payload, not the segment
    flags: tcp.flags,
    window,
  };
}

/** A SYN sets its sender's window scale; a SYN-ACK turns scaling off unless both SYNs carried the option. */
function windowScale(tcp: TcpSegment, fwd: Flow, rev: Flow): void {
  if (!(tcp.flags & TcpFlag.SYN)) return;
  const ws = tcp.options.find((o) => o.kind === 'wscale');
  fwd.winScale = ws ? Math.min(ws.shift, 14) : -2;
  if (tcp.flags & TcpFlag.ACK && (rev.winScale === -2 || fwd.winScale === -2)) {
    rev.winScale = -2;
    fwd.winScale = -2;
  }
}

/** Analyze one segment of `stream` sent on the direction `fwd` (the other is `rev`). */
function analyze(stream: Stream, fwd: Flow, rev: Flow, s: Seg, r: Result): void {
  if (stream.initialRtt !== undefined) r.out.initialRtt = stream.initialRtt;
  if (fwd.baseSeq === undefined) fwd.baseSeq = s.flags & TcpFlag.SYN ? s.seq : (s.seq - 1) >>> 0;
  if (rev.baseSeq === undefined && s.flags & TcpFlag.ACK)
    rev.baseSeq = s.flags & TcpFlag.SYN ? s.ack : (s.ack - 1) >>> 0;
  if (s.flags & TcpFlag.ACK) rev.validBif = true;
  if (!forwardChecks(fwd, rev, s, r)) duplicateAck(fwd, s, r);
  if (s.ack !== fwd.lastAck) {
    fwd.lastNonDupAck = s.frame;
    fwd.dupAckNum = 0;
  }
  if (rev.maxSeqToBeAcked !== undefined && gt(s.ack, rev.maxSeqToBeAcked) && s.flags & TcpFlag.ACK) {
    r.flag('ack_lost_segment');
    rev.maxSeqToBeAcked = rev.nextSeq;
  }
  retransmission(stream, fwd, rev, s, r);
  advance(fwd, s, r);
  acknowledge(rev, s, r);
  if (s.len > 0 && fwd.validBif) r.inFlight = true;
  const synAck = s.flags & (TcpFlag.SYN | TcpFlag.ACK);
  if (synAck === TcpFlag.SYN) stream.synTime = s.time;
  if (synAck === TcpFlag.ACK && stream.synTime !== undefined && stream.initialRtt === undefined) {
    stream.initialRtt = s.time - stream.synTime;
    r.out.initialRtt = stream.initialRtt;
  }
}

/**
 * Zero window probe, zero window, lost segment, keep-alive, window update, window full, keep-alive
 * ACK, zero window probe ACK. Returns true when the duplicate ACK test is to be skipped.
 */
function forwardChecks(fwd: Flow, rev: Flow, s: Seg, r: Result): boolean {
  const plain = (s.flags & SFR) === 0;
  if (s.len === 1 && s.seq === fwd.nextSeq && rev.window === 0) {
    r.flag('zero_window_probe');
    return true;
  }
  if (s.window === 0 && plain) r.flag('zero_window');
  if (fwd.nextSeq !== undefined && gt(s.seq, fwd.nextSeq) && !(s.flags & TcpFlag.RST)) {
    r.flag('lost_segment');
    fwd.validBif = false;
  }
  if ((s.len === 0 || s.len === 1) && fwd.nextSeq !== undefined && s.seq === add(fwd.nextSeq, -1) && plain) {
    r.flag('keep_alive');
  }
  const repeat = s.len === 0 && s.seq === fwd.nextSeq && s.ack === fwd.lastAck && plain;
  if (repeat && s.window !== 0 && s.window !== fwd.window) r.flag('window_update');
  if (s.len > 0 && rev.winScale !== -1 && plain && add(s.seq, s.len) === add(rev.lastAck, rev.window)) {
    r.flag('window_full');
  }
  if (repeat && s.window !== 0 && s.window === fwd.window && rev.lastFlags.has('keep_alive')) {
    r.flag('keep_alive_ack');
    return true;
  }
  if (repeat && s.window === 0 && fwd.window === 0 && rev.lastFlags.has('zero_window_probe')) {
    r.flag('zero_window_probe_ack');
    return true;
  }
  return false;
}

/** Same seq, ACK and non-zero window as this direction's previous segment, no data: a duplicate ACK. */
function duplicateAck(fwd: Flow, s: Seg, r: Result): void {
  if (s.len !== 0 || s.window === 0 || s.window !== fwd.window || (s.flags & SFR) !== 0) return;
  if (s.seq !== fwd.nextSeq || s.ack !== fwd.lastAck) return;
  fwd.dupAckNum++;
  r.flag('duplicate_ack');
  r.out.duplicateAckNumber = fwd.dupAckNum;
  r.out.duplicateAckFrame = fwd.lastNonDupAck;
}

/** A segment that does not advance the sequence number: fast, spurious or plain retransmission, or out of order. */
function retransmission(stream: Stream, fwd: Flow, rev: Flow, s: Seg, r: Result): void {
  if (!(s.len > 0 || s.flags & (TcpFlag.SYN | TcpFlag.FIN))) return;
  if (fwd.nextSeq === undefined || !lt(s.seq, fwd.nextSeq) || r.has('keep_alive')) return;
  if (s.len > 0 && rev.dupAckNum >= 2 && rev.lastAck === s.seq && s.time - rev.lastAckTime < FAST_RETRANSMISSION_NS) {
    r.flag('fast_retransmission');
    return;
  }
  if (s.len > 0 && rev.lastAck !== 0 && le(add(s.seq, s.len), rev.lastAck)) {
    r.flag('spurious_retransmission');
    return;
  }
  const threshold = stream.initialRtt ?? DEFAULT_OOO_NS;
  if (s.len > 0 && s.time - fwd.nextSeqTime < threshold && fwd.nextSeq !== add(s.seq, s.len)) {
    r.flag('out_of_order');
    return;
  }
  r.flag('retransmission');
  r.out.rtoFrame = fwd.nextSeqFrame;
}

/** Remember the segment as unacknowledged and move the next expected sequence number, the last ACK and window. */
function advance(fwd: Flow, s: Seg, r: Result): void {
  let next = add(s.seq, s.len);
  if (s.len > 0 || s.flags & (TcpFlag.SYN | TcpFlag.FIN)) {
    if (s.flags & (TcpFlag.SYN | TcpFlag.FIN)) next = add(next, 1);
    fwd.unacked.unshift({ frame: s.frame, seq: s.seq, nextSeq: next, time: s.time });
    if (fwd.unacked.length > MAX_UNACKED) fwd.unacked.pop();
  }
  const probe = r.has('zero_window_probe');
  if ((fwd.nextSeq === undefined || gt(next, fwd.nextSeq)) && !probe) {
    fwd.nextSeq = next;
    fwd.nextSeqFrame = s.frame;
    fwd.nextSeqTime = s.time;
  }
  if ((fwd.maxSeqToBeAcked === undefined || s.seq === fwd.maxSeqToBeAcked) && !probe) {
    fwd.maxSeqToBeAcked = fwd.nextSeq;
  }
  fwd.window = s.window;
  fwd.lastAck = s.ack;
  fwd.lastAckTime = s.time;
  fwd.lastFlags = new Set(r.set);
}

/** Drop the reverse direction's segments this ACK covers; one that ends exactly at the ACK gives `acks_frame`. */
function acknowledge(rev: Flow, s: Seg, r: Result): void {
  const kept: Unacked[] = [];
  for (const u of rev.unacked) {
    if (s.ack === u.nextSeq) {
      r.out.acksFrame = u.frame;
      r.out.ackRtt = s.time - u.time;
      continue;
    }
    if (gt(s.ack, u.seq) && le(s.ack, u.nextSeq)) u.seq = s.ack;
    if (gt(u.nextSeq, s.ack)) kept.push(u);
  }
  rev.unacked = kept;
}

/** Analyze every TCP segment of `packets` (in capture order). */
export function analyzeTcp(packets: Iterable<DecodedPacket>): TcpSegmentAnalysis[] {
  const analyzer = new TcpAnalyzer();
  const out: TcpSegmentAnalysis[] = [];
  for (const p of packets) {
    const r = analyzer.add(p);
    if (r) out.push(r);
  }
  return out;
}

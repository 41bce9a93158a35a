/**
 * The sans-IO TCP connection state machine: one endpoint of one connection (RFC 9293 §3.3.2, §3.10),
 * with window scaling and timestamps (RFC 7323 §2–§5), SACK-permitted negotiation (RFC 2018 §2) and
 * the blind-attack mitigations of RFC 5961 (§3 RST, §4 SYN, §5 ACK).
 *
 * Feed a {@link TcpConnection} user calls (open, send, close, abort), received segments and timer
 * expiry; every call returns the {@link TcpAction}s it caused: segments to send (plain
 * {@link TcpSegment} values for the codec, checksum left 0), state changes, data for the user, events
 * and timer requests. The ISS and the timestamp clock come from an injected {@link TcpProvider}, so a
 * recorded connection replays exactly. Nothing here does I/O, reads a clock or draws randomness.
 *
 * Scope: retransmission (RTO, the retransmission queue), congestion control, delayed ACKs, Nagle,
 * zero-window probing, keep-alives, urgent data (the urgent pointer is ignored), PAWS' 24-day idle rule,
 * sending SACK blocks and RFC 5961 §7 ACK throttling are out of scope: the machine never retransmits.
 * Received data is delivered at once (the receive window stays at its configured size); out-of-order
 * data inside the window is queued and delivered when the gap is filled (RFC 9293 SHLD-31), held as
 * distinct bytes (overlaps are stored once) up to `maxOutOfOrderBytes`. Data on a
 * SYN is not accepted (not acknowledged, so the peer sends it again). The caller demultiplexes:
 * ports of received segments are not checked.
 * @module
 */
import { TlswireError } from '../bytes/errors.js';
import { ReassemblyQueue } from './reassembly.js';
import { segmentLength, seqAdd, seqDistance, seqGe, seqGt, seqInWindow, seqLe, seqLt } from './seq.js';
import { TcpFlag, type TcpOption, type TcpSegment } from './types.js';

/** The eleven connection states of RFC 9293 §3.3.2 (Figure 5). */
export type TcpState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN-SENT'
  | 'SYN-RECEIVED'
  | 'ESTABLISHED'
  | 'FIN-WAIT-1'
  | 'FIN-WAIT-2'
  | 'CLOSE-WAIT'
  | 'CLOSING'
  | 'LAST-ACK'
  | 'TIME-WAIT';

/**
 * Why a user call was refused, with the RFC 9293 §3.10 error string as the message:
 * - `connection-does-not-exist`: "connection does not exist" (SEND, CLOSE, ABORT in CLOSED)
 * - `connection-already-exists`: "connection already exists" (OPEN on an open connection)
 * - `connection-closing`: "connection closing" (SEND after CLOSE, CLOSE twice)
 * - `remote-socket-unspecified`: "remote socket unspecified" (active OPEN without a remote port)
 * - `invalid-argument`: a configuration value or argument out of range
 */
export type TcpErrorCode =
  | 'connection-does-not-exist'
  | 'connection-already-exists'
  | 'connection-closing'
  | 'remote-socket-unspecified'
  | 'invalid-argument';

const MESSAGES: Record<TcpErrorCode, string> = {
  'connection-does-not-exist': 'error: connection does not exist',
  'connection-already-exists': 'error: connection already exists',
  'connection-closing': 'error: connection closing',
  'remote-socket-unspecified': 'error: remote socket unspecified',
  'invalid-argument': 'error: invalid argument',
};

/** A user call the connection refuses (RFC 9293 §3.10.1–§3.10.5). The state is left unchanged. */
export class TcpError extends TlswireError {
  override name = 'TcpError';
  readonly code: TcpErrorCode;
  constructor(code: TcpErrorCode, detail?: string) {
    super(detail ? `${MESSAGES[code]}: ${detail}` : MESSAGES[code]);
    this.code = code;
  }
}

/** Where the connection gets its initial sequence numbers and timestamps. */
export interface TcpProvider {
  /** ISS for a new connection, a u32 (RFC 9293 §3.4.1: a clock plus a keyed PRF of the 4-tuple). */
  initialSequenceNumber(): number;
  /** The timestamp clock, a u32 that ticks every 1 ms to 1 s (RFC 7323 §5.4); read for every TSval sent. */
  timestamp(): number;
}

/** Configuration of one endpoint. */
export interface TcpConfig {
  provider: TcpProvider;
  localPort: number;
  /** Needed for an active open; a passive open takes it from the SYN when left out. */
  remotePort?: number;
  /** MSS option value put on our SYN (RFC 9293 §3.7.1). Left out: no MSS option. */
  mss?: number;
  /** Window scale shift offered on our SYN, 0..14 (RFC 7323 §2). Left out: not offered. */
  windowScale?: number;
  /** Offer SACK-permitted (RFC 2018 §2). SACK blocks are never sent. */
  sackPermitted?: boolean;
  /** Offer timestamps (RFC 7323 §3). */
  timestamps?: boolean;
  /** RCV.WND in bytes (default 65535), rounded down to what the window field can say. */
  receiveWindow?: number;
  /** Send MSS assumed when the peer's SYN has no MSS option (default 536, RFC 9293 §3.7.1 MUST-15; 1220 for IPv6). */
  defaultPeerMss?: number;
  /** Maximum segment lifetime in milliseconds (default 120000, RFC 9293 §3.4.2); TIME-WAIT lasts 2*MSL. */
  msl?: number;
  /**
   * Out-of-order bytes held at most while a gap before them fills (default RCV.WND, within which the
   * window check already keeps them; overlapping bytes count once). Past the cap the bytes with the
   * highest sequence numbers are discarded, new or held, so what is kept is what RCV.NXT reaches first,
   * as Linux prunes its out-of-order queue from the top. Holding is a SHOULD (RFC 9293 §3.10.7.4,
   * SHLD-31) and nothing discarded was acknowledged (no SACK blocks are sent; RFC 2018 §8 would allow
   * it even then), so the peer sends it again. 0 holds nothing.
   */
  maxOutOfOrderBytes?: number;
}

/** Unsolicited signals to the user. */
export type TcpEvent =
  /** The three-way handshake completed (entered ESTABLISHED). */
  | 'established'
  /** The peer sent FIN: no more data will arrive ("connection closing", RFC 9293 §3.10.7.4 eighth step). */
  | 'peer-fin'
  /** An acceptable RST aborted a synchronized connection ("connection reset"). */
  | 'reset'
  /** A RST answered our SYN ("connection refused"). */
  | 'refused'
  /** The connection closed normally (LAST-ACK acknowledged, or TIME-WAIT expired). */
  | 'closed';

/** The only timer this machine asks for (retransmission is out of scope). */
export type TcpTimer = 'time-wait';

/** What a call produced, in order. */
export type TcpAction =
  | { kind: 'segment'; segment: TcpSegment }
  | { kind: 'state'; from: TcpState; to: TcpState }
  | { kind: 'data'; data: Uint8Array }
  | { kind: 'event'; event: TcpEvent }
  /** Start (or restart) the timer; call `timeout(timer)` when `ms` milliseconds have passed. */
  | { kind: 'timer'; timer: TcpTimer; action: 'start'; ms: number }
  | { kind: 'timer'; timer: TcpTimer; action: 'cancel' };

/** Every input as a value, for {@link TcpConnection.handle} (recorded traces are lists of these). */
export type TcpInput =
  | { kind: 'open'; mode: 'active' | 'passive' }
  | { kind: 'send'; data: Uint8Array; close?: boolean }
  | { kind: 'close' }
  | { kind: 'abort' }
  | { kind: 'segment'; segment: TcpSegment }
  | { kind: 'timeout'; timer: TcpTimer };

/** The transmission control block (RFC 9293 §3.3.1), read-only view for callers. */
export interface TcpControlBlock {
  readonly remotePort: number;
  readonly iss: number;
  readonly irs: number;
  readonly sndUna: number;
  readonly sndNxt: number;
  /** SND.WND in bytes, scaled. */
  readonly sndWnd: number;
  readonly sndWl1: number;
  readonly sndWl2: number;
  /** MAX.SND.WND of RFC 5961 §5.2: the largest SND.WND seen. */
  readonly maxSndWnd: number;
  readonly rcvNxt: number;
  /** RCV.WND in bytes. */
  readonly rcvWnd: number;
  /** Snd.Wind.Shift: applied to window fields received (0 without scaling). */
  readonly sndShift: number;
  /** Rcv.Wind.Shift: applied to window fields sent (0 without scaling). */
  readonly rcvShift: number;
  /** The peer's MSS (its option, or the default). */
  readonly peerMss: number;
  readonly timestamps: boolean;
  readonly sackPermitted: boolean;
  /** TS.Recent of RFC 7323 §4.3. */
  readonly tsRecent: number;
  /** True when the SYN-RECEIVED state was entered from LISTEN (RFC 9293 MUST-11). */
  readonly passive: boolean;
}

interface Tcb {
  remotePort: number;
  iss: number;
  irs: number;
  sndUna: number;
  sndNxt: number;
  sndWnd: number;
  sndWl1: number;
  sndWl2: number;
  maxSndWnd: number;
  rcvNxt: number;
  rcvWnd: number;
  sndShift: number;
  rcvShift: number;
  peerMss: number;
  timestamps: boolean;
  sackPermitted: boolean;
  tsRecent: number;
  lastAckSent: number;
  passive: boolean;
  /** Data accepted by send() and not yet segmentized, one entry per call. */
  sendQueue: Uint8Array[];
  /** CLOSE was called: send FIN once the queue is empty. */
  closeRequested: boolean;
  /** Sequence number of our FIN once sent. */
  finSeq: number | undefined;
  /** Out-of-order text inside the window: distinct bytes, sorted by sequence number. */
  reassembly: ReassemblyQueue<undefined>;
  /** Sequence number of the peer's FIN once seen, in order or not (the earliest, if several). */
  finAt: number | undefined;
}

const EMPTY = new Uint8Array(0);
/** RFC 7323 §2.3: shifts above 14 are treated as 14. */
const MAX_WSCALE = 14;
/** RFC 7323 §3.2, Appendix A: NOP, NOP, TSopt. */
const TS_OPTION_BYTES = 12;

function u16(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new TcpError('invalid-argument', `${name} = ${v}`);
}

interface PeerSynOptions {
  mss: number | undefined;
  wscale: number | undefined;
  sackPermitted: boolean;
  tsval: number | undefined;
}

function synOptions(options: readonly TcpOption[]): PeerSynOptions {
  const out: PeerSynOptions = { mss: undefined, wscale: undefined, sackPermitted: false, tsval: undefined };
  for (const o of options) {
    if (o.kind === 'mss') out.mss = o.mss;
    else if (o.kind === 'wscale') out.wscale = o.shift;
    else if (o.kind === 'sackPermitted') out.sackPermitted = true;
    else if (o.kind === 'timestamps') out.tsval = o.tsval;
  }
  return out;
}

function tsOption(options: readonly TcpOption[]): { tsval: number; tsecr: number } | undefined {
  for (const o of options) if (o.kind === 'timestamps') return o;
  return undefined;
}

/**
 * One TCP endpoint. Each method applies one event of RFC 9293 §3.10 and returns the actions it
 * caused; a refused user call throws {@link TcpError} and changes nothing.
 * @example
 * const a = new TcpConnection({ provider, localPort: 40000, remotePort: 80, mss: 1460 });
 * const [syn] = a.open('active'); // { kind: 'segment', segment: <SEQ=ISS><CTL=SYN> }
 */
export class TcpConnection {
  private readonly config: TcpConfig;
  private current: TcpState = 'CLOSED';
  private tcb: Tcb | undefined;
  private out: TcpAction[] = [];
  private ackNeeded = false;

  /** @throws TcpError `invalid-argument` for a port, MSS, shift, window or MSL out of range */
  constructor(config: TcpConfig) {
    u16(config.localPort, 'localPort');
    if (config.remotePort !== undefined) u16(config.remotePort, 'remotePort');
    if (config.mss !== undefined) u16(config.mss, 'mss');
    const ws = config.windowScale;
    if (ws !== undefined && (!Number.isInteger(ws) || ws < 0 || ws > MAX_WSCALE)) {
      throw new TcpError('invalid-argument', `windowScale = ${ws}`);
    }
    const rw = config.receiveWindow;
    if (rw !== undefined && (!Number.isInteger(rw) || rw < 0 || rw > 0xffff * 2 ** (ws ?? 0))) {
      throw new TcpError('invalid-argument', `receiveWindow = ${rw}`);
    }
    const dm = config.defaultPeerMss;
    if (dm !== undefined && (!Number.isInteger(dm) || dm < 1 || dm > 0xffff)) {
      throw new TcpError('invalid-argument', `defaultPeerMss = ${dm}`);
    }
    if (config.msl !== undefined && !(config.msl >= 0)) throw new TcpError('invalid-argument', `msl = ${config.msl}`);
    const held = config.maxOutOfOrderBytes;
    if (held !== undefined && !(Number.isInteger(held) && held >= 0)) {
      throw new TcpError('invalid-argument', `maxOutOfOrderBytes = ${held}`);
    }
    this.config = config;
  }

  /** The current state. */
  get state(): TcpState {
    return this.current;
  }

  /** The transmission control block, or undefined in CLOSED and LISTEN. */
  get controlBlock(): TcpControlBlock | undefined {
    return this.tcb;
  }

  /** Distinct out-of-order bytes held, waiting for the gap before them to fill. */
  get outOfOrderBytes(): number {
    return this.tcb?.reassembly.bytes ?? 0;
  }

  /** Apply any input; the methods below are shorthands. */
  handle(input: TcpInput): TcpAction[] {
    switch (input.kind) {
      case 'open':
        return this.open(input.mode);
      case 'send':
        return this.send(input.data, { close: input.close ?? false });
      case 'close':
        return this.close();
      case 'abort':
        return this.abort();
      case 'segment':
        return this.receive(input.segment);
      case 'timeout':
        return this.timeout(input.timer);
    }
  }

  /**
   * OPEN (RFC 9293 §3.10.1). Passive: CLOSED → LISTEN. Active: send <SEQ=ISS><CTL=SYN> and enter
   * SYN-SENT (from CLOSED or LISTEN).
   * @throws TcpError `connection-already-exists`, `remote-socket-unspecified`
   */
  open(mode: 'active' | 'passive'): TcpAction[] {
    const s = this.current;
    if (mode === 'passive') {
      if (s !== 'CLOSED') throw new TcpError('connection-already-exists');
      return this.run(() => this.setState('LISTEN'));
    }
    if (s !== 'CLOSED' && s !== 'LISTEN') throw new TcpError('connection-already-exists');
    const remotePort = this.config.remotePort;
    if (remotePort === undefined) throw new TcpError('remote-socket-unspecified');
    return this.run(() => this.activeOpen(remotePort));
  }

  /**
   * SEND (RFC 9293 §3.10.2): queue `data` and send what the peer's window allows, one segment per
   * Eff.snd.MSS (a segment never mixes bytes of two calls; PSH marks the end of each call).
   * `close: true` then CLOSEs, putting the FIN on the last data segment when it fits.
   * @throws TcpError `connection-does-not-exist` (CLOSED), `connection-closing` (after CLOSE),
   * `remote-socket-unspecified` (LISTEN without a remote port)
   */
  send(data: Uint8Array, opts: { close?: boolean } = {}): TcpAction[] {
    const s = this.current;
    if (s === 'CLOSED') throw new TcpError('connection-does-not-exist');
    if (s === 'LISTEN' && this.config.remotePort === undefined) throw new TcpError('remote-socket-unspecified');
    const sending = s === 'LISTEN' || s === 'SYN-SENT' || s === 'SYN-RECEIVED' || s === 'ESTABLISHED';
    if (!(sending || s === 'CLOSE-WAIT') || this.tcb?.closeRequested) throw new TcpError('connection-closing');
    return this.run(() => {
      if (this.current === 'LISTEN') this.activeOpen(this.config.remotePort!);
      const tcb = this.tcb!;
      if (data.length > 0) tcb.sendQueue.push(data.slice());
      if (opts.close) this.closeCall();
    });
  }

  /**
   * CLOSE (RFC 9293 §3.10.4): "no more data to send". The FIN follows the queued data.
   * @throws TcpError `connection-does-not-exist` (CLOSED), `connection-closing` (CLOSE already called)
   */
  close(): TcpAction[] {
    const s = this.current;
    if (s === 'CLOSED') throw new TcpError('connection-does-not-exist');
    if (!['LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT'].includes(s) || this.tcb?.closeRequested) {
      throw new TcpError('connection-closing');
    }
    return this.run(() => this.closeCall());
  }

  /**
   * ABORT (RFC 9293 §3.10.5). In SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2 and CLOSE-WAIT a reset is
   * sent: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> (the RFC's <SEQ=SND.NXT><CTL=RST> with the ACK
   * that Linux and the BSDs add). Always ends in CLOSED.
   * @throws TcpError `connection-does-not-exist` (CLOSED)
   */
  abort(): TcpAction[] {
    const s = this.current;
    if (s === 'CLOSED') throw new TcpError('connection-does-not-exist');
    return this.run(() => {
      const tcb = this.tcb;
      if (tcb && ['SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT'].includes(s)) {
        this.emit(TcpFlag.RST | TcpFlag.ACK, tcb.sndNxt, tcb.rcvNxt);
      }
      if (s === 'TIME-WAIT') this.out.push({ kind: 'timer', timer: 'time-wait', action: 'cancel' });
      this.enterClosed();
    });
  }

  /** Timer expiry. TIME-WAIT TIMEOUT (RFC 9293 §3.10.8) enters CLOSED; a stale timer does nothing. */
  timeout(timer: TcpTimer): TcpAction[] {
    return this.run(() => {
      if (timer === 'time-wait' && this.current === 'TIME-WAIT') {
        this.enterClosed();
        this.out.push({ kind: 'event', event: 'closed' });
      }
    });
  }

  /** SEGMENT ARRIVES (RFC 9293 §3.10.7). Never throws for any segment. */
  receive(seg: TcpSegment): TcpAction[] {
    return this.run(() => {
      switch (this.current) {
        case 'CLOSED': {
          this.replyReset(seg);
          return;
        }
        case 'LISTEN':
          return this.segmentInListen(seg);
        case 'SYN-SENT':
          return this.segmentInSynSent(seg);
        default:
          return this.segmentInOtherStates(seg, this.tcb!);
      }
    });
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  /** Run one event: collect its actions, then send queued data and any ACK still owed (MUST-58). */
  private run(fn: () => void): TcpAction[] {
    this.out = [];
    this.ackNeeded = false;
    fn();
    const tcb = this.tcb;
    if (tcb) {
      this.flush(tcb);
      if (this.ackNeeded && !this.acked(tcb.rcvNxt)) this.emit(TcpFlag.ACK, tcb.sndNxt, tcb.rcvNxt);
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Did this event already send a segment acknowledging `rcvNxt`? */
  private acked(rcvNxt: number): boolean {
    for (let i = this.out.length - 1; i >= 0; i--) {
      const a = this.out[i]!;
      if (a.kind === 'segment') return (a.segment.flags & TcpFlag.ACK) !== 0 && a.segment.ack === rcvNxt;
    }
    return false;
  }

  private setState(to: TcpState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.out.push({ kind: 'state', from, to });
  }

  private enterClosed(): void {
    this.tcb = undefined;
    this.setState('CLOSED');
  }

  private enterTimeWait(): void {
    this.setState('TIME-WAIT');
    this.startTimeWait();
  }

  private startTimeWait(): void {
    this.out.push({ kind: 'timer', timer: 'time-wait', action: 'start', ms: 2 * (this.config.msl ?? 120_000) });
  }

  /** Queue a segment from this endpoint; options follow RFC 7323 (TSopt on every non-RST segment). */
  private emit(flags: number, seq: number, ack: number, payload: Uint8Array = EMPTY, options?: TcpOption[]): void {
    const tcb = this.tcb!;
    let opts = options;
    if (!opts) {
      opts =
        tcb.timestamps && !(flags & TcpFlag.RST)
          ? [
              { kind: 'nop' },
              { kind: 'nop' },
              { kind: 'timestamps', tsval: this.config.provider.timestamp() >>> 0, tsecr: tcb.tsRecent },
            ]
          : [];
    }
    if (flags & TcpFlag.ACK) tcb.lastAckSent = ack;
    const syn = (flags & TcpFlag.SYN) !== 0;
    // RFC 7323 §2.2: the window field of a SYN is never scaled.
    const window = Math.min(0xffff, syn ? tcb.rcvWnd : Math.floor(tcb.rcvWnd / 2 ** tcb.rcvShift));
    this.out.push({
      kind: 'segment',
      segment: segment(
        this.config.localPort,
        tcb.remotePort,
        seq,
        flags & TcpFlag.ACK ? ack : 0,
        flags,
        window,
        opts,
        payload,
      ),
    });
  }

  /** RFC 9293 §3.5.2: a reset for a segment that does not belong here, ports taken from the segment. */
  private replyReset(seg: TcpSegment): void {
    if (seg.flags & TcpFlag.RST) return;
    const reset =
      seg.flags & TcpFlag.ACK
        ? segment(seg.dstPort, seg.srcPort, seg.ack, 0, TcpFlag.RST, 0, [], EMPTY)
        : segment(
            seg.dstPort,
            seg.srcPort,
            0,
            seqAdd(seg.seq, segmentLength(seg)),
            TcpFlag.RST | TcpFlag.ACK,
            0,
            [],
            EMPTY,
          );
    this.out.push({ kind: 'segment', segment: reset });
  }

  private newTcb(remotePort: number, passive: boolean): Tcb {
    const iss = this.config.provider.initialSequenceNumber() >>> 0;
    return {
      remotePort,
      iss,
      irs: 0,
      sndUna: iss,
      sndNxt: seqAdd(iss, 1),
      sndWnd: 0,
      sndWl1: 0,
      sndWl2: 0,
      maxSndWnd: 0,
      rcvNxt: 0,
      rcvWnd: Math.min(this.config.receiveWindow ?? 0xffff, 0xffff),
      sndShift: 0,
      rcvShift: 0,
      peerMss: this.config.defaultPeerMss ?? 536,
      timestamps: false,
      sackPermitted: false,
      tsRecent: 0,
      lastAckSent: 0,
      passive,
      sendQueue: [],
      closeRequested: false,
      finSeq: undefined,
      reassembly: new ReassemblyQueue<undefined>(true),
      finAt: undefined,
    };
  }

  /**
   * The options of a SYN (offer) or SYN,ACK (answer), laid out as Linux does: MSS, SACK-permitted and
   * TSopt, then NOP + window scale, NOP-padded to 4-byte boundaries.
   */
  private synOptionList(tcb: Tcb, wscale: boolean, tsecr: number): TcpOption[] {
    const c = this.config;
    const opts: TcpOption[] = [];
    if (c.mss !== undefined) opts.push({ kind: 'mss', mss: c.mss });
    const ts = tcb.timestamps;
    if (tcb.sackPermitted && ts) opts.push({ kind: 'sackPermitted' });
    else if (tcb.sackPermitted) opts.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'sackPermitted' });
    else if (ts) opts.push({ kind: 'nop' }, { kind: 'nop' });
    if (ts) opts.push({ kind: 'timestamps', tsval: c.provider.timestamp() >>> 0, tsecr });
    if (wscale) opts.push({ kind: 'nop' }, { kind: 'wscale', shift: c.windowScale ?? 0 });
    return opts;
  }

  private activeOpen(remotePort: number): void {
    const tcb = this.newTcb(remotePort, false);
    this.tcb = tcb;
    // What we offer; negotiation settles when the peer's SYN arrives.
    tcb.sackPermitted = this.config.sackPermitted ?? false;
    tcb.timestamps = this.config.timestamps ?? false;
    this.emit(TcpFlag.SYN, tcb.iss, 0, EMPTY, this.synOptionList(tcb, this.config.windowScale !== undefined, 0));
    this.setState('SYN-SENT');
  }

  /** Settle the options from the peer's SYN (RFC 7323 §2.2, §3.2; RFC 2018 §2; RFC 9293 §3.7.1). */
  private negotiate(tcb: Tcb, peer: PeerSynOptions, offeredTs: boolean, offeredSack: boolean): void {
    const c = this.config;
    if (peer.mss !== undefined) tcb.peerMss = peer.mss;
    const scaling = c.windowScale !== undefined && peer.wscale !== undefined;
    tcb.sndShift = scaling ? Math.min(peer.wscale!, MAX_WSCALE) : 0;
    tcb.rcvShift = scaling ? c.windowScale! : 0;
    const unit = 2 ** tcb.rcvShift;
    const wanted = c.receiveWindow ?? 0xffff;
    tcb.rcvWnd = Math.floor(Math.min(wanted, 0xffff * unit) / unit) * unit;
    if (!scaling) tcb.rcvWnd = Math.min(wanted, 0xffff);
    tcb.timestamps = offeredTs && peer.tsval !== undefined;
    if (tcb.timestamps) tcb.tsRecent = peer.tsval!;
    tcb.sackPermitted = offeredSack && peer.sackPermitted;
  }

  private closeCall(): void {
    const s = this.current;
    if (s === 'LISTEN' || s === 'SYN-SENT') {
      this.enterClosed();
      return;
    }
    const tcb = this.tcb!;
    tcb.closeRequested = true;
    if (s === 'ESTABLISHED') this.setState('FIN-WAIT-1');
    else if (s === 'CLOSE-WAIT') this.setState('LAST-ACK');
    else if (s === 'SYN-RECEIVED' && tcb.sendQueue.length === 0) this.setState('FIN-WAIT-1');
    // SYN-RECEIVED with queued data: FIN-WAIT-1 once ESTABLISHED (RFC 9293 §3.10.4).
  }

  /** Segmentize queued data within the send window, then the FIN (RFC 9293 §3.10.2, §3.10.4). */
  private flush(tcb: Tcb): void {
    const s = this.current;
    if (!(s === 'ESTABLISHED' || s === 'CLOSE-WAIT' || s === 'FIN-WAIT-1' || s === 'LAST-ACK')) return;
    if (tcb.finSeq !== undefined) return;
    const effMss = Math.max(1, tcb.peerMss - (tcb.timestamps ? TS_OPTION_BYTES : 0));
    let last: TcpSegment | undefined;
    while (tcb.sendQueue.length > 0) {
      const usable = tcb.sndWnd - seqDistance(tcb.sndUna, tcb.sndNxt);
      if (usable <= 0) break;
      const head = tcb.sendQueue[0]!;
      const n = Math.min(usable, effMss, head.length);
      const whole = n === head.length;
      if (whole) tcb.sendQueue.shift();
      else tcb.sendQueue[0] = head.subarray(n);
      this.emit(TcpFlag.ACK | (whole ? TcpFlag.PSH : 0), tcb.sndNxt, tcb.rcvNxt, head.subarray(0, n));
      tcb.sndNxt = seqAdd(tcb.sndNxt, n);
      const a = this.out[this.out.length - 1]!;
      last = a.kind === 'segment' ? a.segment : undefined;
    }
    if (!tcb.closeRequested || tcb.sendQueue.length > 0) return;
    tcb.finSeq = tcb.sndNxt;
    tcb.sndNxt = seqAdd(tcb.sndNxt, 1);
    if (last && last.ack === tcb.rcvNxt) last.flags |= TcpFlag.FIN;
    else this.emit(TcpFlag.FIN | TcpFlag.ACK, tcb.finSeq, tcb.rcvNxt);
  }

  // ---- SEGMENT ARRIVES --------------------------------------------------------------------------

  /** RFC 9293 §3.10.7.2. */
  private segmentInListen(seg: TcpSegment): void {
    if (seg.flags & TcpFlag.RST) return;
    if (seg.flags & TcpFlag.ACK) {
      this.replyReset(seg);
      return;
    }
    if (!(seg.flags & TcpFlag.SYN)) return;
    const tcb = this.newTcb(this.config.remotePort ?? seg.srcPort, true);
    this.tcb = tcb;
    tcb.irs = seg.seq;
    tcb.rcvNxt = seqAdd(seg.seq, 1);
    const peer = synOptions(seg.options);
    this.negotiate(tcb, peer, this.config.timestamps ?? false, this.config.sackPermitted ?? false);
    tcb.sndWnd = seg.window;
    tcb.maxSndWnd = seg.window;
    tcb.sndWl1 = seg.seq;
    tcb.sndWl2 = 0;
    const options = this.synOptionList(tcb, this.scalingOn(peer), peer.tsval ?? 0);
    this.emit(TcpFlag.SYN | TcpFlag.ACK, tcb.iss, tcb.rcvNxt, EMPTY, options);
    this.setState('SYN-RECEIVED');
  }

  private scalingOn(peer: PeerSynOptions): boolean {
    return this.config.windowScale !== undefined && peer.wscale !== undefined;
  }

  /** RFC 9293 §3.10.7.3. */
  private segmentInSynSent(seg: TcpSegment): void {
    const tcb = this.tcb!;
    const f = seg.flags;
    if (f & TcpFlag.ACK) {
      if (seqLe(seg.ack, tcb.iss) || seqGt(seg.ack, tcb.sndNxt)) {
        this.replyReset(seg);
        return;
      }
    }
    if (f & TcpFlag.RST) {
      if (f & TcpFlag.ACK) {
        this.enterClosed();
        this.out.push({ kind: 'event', event: 'refused' });
      }
      return;
    }
    if (!(f & TcpFlag.SYN)) return;
    tcb.irs = seg.seq;
    tcb.rcvNxt = seqAdd(seg.seq, 1);
    const peer = synOptions(seg.options);
    this.negotiate(tcb, peer, tcb.timestamps, tcb.sackPermitted);
    tcb.sndWnd = seg.window; // RFC 7323 §2.2: never scaled on a SYN
    tcb.maxSndWnd = seg.window;
    tcb.sndWl1 = seg.seq;
    tcb.sndWl2 = f & TcpFlag.ACK ? seg.ack : 0;
    if (f & TcpFlag.ACK) tcb.sndUna = seg.ack;
    if (seqGt(tcb.sndUna, tcb.iss)) {
      this.setState('ESTABLISHED');
      this.out.push({ kind: 'event', event: 'established' });
      this.ackNeeded = true;
      // Data or FIN on the SYN,ACK: RFC 9293 says to continue at the sixth step; this machine does
      // not accept data on SYNs (see the module comment), so the peer sends it again.
      return;
    }
    // Simultaneous open (RFC 9293 §3.5 Figure 7): answer with <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
    tcb.passive = false;
    this.emit(
      TcpFlag.SYN | TcpFlag.ACK,
      tcb.iss,
      tcb.rcvNxt,
      EMPTY,
      this.synOptionList(tcb, this.scalingOn(peer), peer.tsval ?? 0),
    );
    this.setState('SYN-RECEIVED');
  }

  /** The acceptability test of RFC 9293 §3.10.7.4 (Table 6). */
  private acceptable(tcb: Tcb, seq: number, len: number): boolean {
    const wnd = tcb.rcvWnd;
    if (len === 0) return wnd === 0 ? seq === tcb.rcvNxt : seqInWindow(seq, tcb.rcvNxt, wnd);
    if (wnd === 0) return false;
    return seqInWindow(seq, tcb.rcvNxt, wnd) || seqInWindow(seqAdd(seq, len - 1), tcb.rcvNxt, wnd);
  }

  /** RFC 9293 §3.10.7.4 with RFC 5961 §3–§5 and RFC 7323 §4.3/§5.3. */
  private segmentInOtherStates(seg: TcpSegment, tcb: Tcb): void {
    let flags = seg.flags;
    let seq = seg.seq;
    const sendAck = () => this.emit(TcpFlag.ACK, tcb.sndNxt, tcb.rcvNxt);

    // Simultaneous open, Figure 7 line 6: in an actively opened SYN-RECEIVED the peer's SYN,ACK
    // repeats its SYN (already counted in RCV.NXT) and acknowledges ours. Its SYN is old: trim it and
    // process the rest, as RFC 9293 §3.10.7.4 says for segments straddling old and new (Linux does
    // the same); otherwise the RFC 5961 §4 challenge ACK would never let the handshake finish.
    if (
      this.current === 'SYN-RECEIVED' &&
      !tcb.passive &&
      (flags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST)) === (TcpFlag.SYN | TcpFlag.ACK) &&
      seqAdd(seq, 1) === tcb.rcvNxt &&
      seg.ack === tcb.sndNxt
    ) {
      flags &= ~TcpFlag.SYN;
      seq = tcb.rcvNxt;
    }

    // PAWS, RFC 7323 §5.3 R1: an older TSval makes a non-RST segment unacceptable.
    const ts = tcb.timestamps ? tsOption(seg.options) : undefined;
    if (ts && !(flags & TcpFlag.RST) && seqLt(ts.tsval, tcb.tsRecent)) {
      sendAck();
      return;
    }

    // First, check the sequence number.
    const payloadLen = seg.payload.length;
    const len = payloadLen + (flags & TcpFlag.SYN ? 1 : 0) + (flags & TcpFlag.FIN ? 1 : 0);
    if (!this.acceptable(tcb, seq, len)) {
      if (flags & TcpFlag.RST) return; // RFC 5961 §3.2: outside the window, drop silently
      // A retransmitted FIN in TIME-WAIT: acknowledge it and restart the 2 MSL timer (§3.10.7.4).
      if (this.current === 'TIME-WAIT' && flags & TcpFlag.FIN && seqAdd(seq, len) === tcb.rcvNxt) this.startTimeWait();
      sendAck();
      return;
    }
    // RFC 7323 §4.3: TS.Recent <- SEG.TSval when SEG.SEQ =< Last.ACK.sent.
    if (ts && seqLe(seq, tcb.lastAckSent) && seqGe(ts.tsval, tcb.tsRecent)) tcb.tsRecent = ts.tsval;

    // Second, check the RST bit (RFC 5961 §3.2).
    if (flags & TcpFlag.RST) {
      if (seq !== tcb.rcvNxt) {
        sendAck();
        return;
      } // challenge ACK
      const s = this.current;
      if (s === 'SYN-RECEIVED') {
        if (tcb.passive) {
          this.tcb = undefined;
          this.setState('LISTEN');
        } else {
          this.enterClosed();
          this.out.push({ kind: 'event', event: 'refused' });
        }
        return;
      }
      if (s === 'TIME-WAIT') this.out.push({ kind: 'timer', timer: 'time-wait', action: 'cancel' });
      this.enterClosed();
      this.out.push({ kind: 'event', event: 'reset' });
      return;
    }

    // Third, security/compartment: not part of this implementation (RFC 9293 Appendix A.1).

    // Fourth, check the SYN bit.
    if (flags & TcpFlag.SYN) {
      if (this.current === 'SYN-RECEIVED' && tcb.passive) {
        this.tcb = undefined;
        this.setState('LISTEN');
        return;
      }
      sendAck();
      return;
    }

    // Fifth, check the ACK field.
    if (!(flags & TcpFlag.ACK)) return;
    const ack = seg.ack;
    if (this.current === 'SYN-RECEIVED') {
      if (!(seqLt(tcb.sndUna, ack) && seqLe(ack, tcb.sndNxt))) {
        this.replyReset(seg);
        return;
      }
      tcb.sndWnd = seg.window * 2 ** tcb.sndShift;
      tcb.maxSndWnd = Math.max(tcb.maxSndWnd, tcb.sndWnd);
      tcb.sndWl1 = seq;
      tcb.sndWl2 = ack;
      this.setState('ESTABLISHED');
      this.out.push({ kind: 'event', event: 'established' });
      if (tcb.closeRequested) this.setState('FIN-WAIT-1');
    }
    // RFC 5961 §5.2 (synchronized states): acceptable only if SND.UNA - MAX.SND.WND =< SEG.ACK =< SND.NXT.
    if (!(seqLe(seqAdd(tcb.sndUna, -tcb.maxSndWnd), ack) && seqLe(ack, tcb.sndNxt))) {
      sendAck();
      return;
    }
    if (seqLe(tcb.sndUna, ack)) {
      if (seqLt(tcb.sndUna, ack)) tcb.sndUna = ack;
      if (seqLt(tcb.sndWl1, seq) || (tcb.sndWl1 === seq && seqLe(tcb.sndWl2, ack))) {
        tcb.sndWnd = seg.window * 2 ** tcb.sndShift;
        tcb.maxSndWnd = Math.max(tcb.maxSndWnd, tcb.sndWnd);
        tcb.sndWl1 = seq;
        tcb.sndWl2 = ack;
      }
    }
    const finAcked = tcb.finSeq !== undefined && seqGt(tcb.sndUna, tcb.finSeq);
    switch (this.current) {
      case 'FIN-WAIT-1':
        if (finAcked) this.setState('FIN-WAIT-2');
        break;
      case 'CLOSING':
        if (finAcked) this.enterTimeWait();
        return;
      case 'LAST-ACK':
        if (finAcked) {
          this.enterClosed();
          this.out.push({ kind: 'event', event: 'closed' });
          return;
        }
        break;
      default:
        break;
    }

    // Sixth, the URG bit: ignored (see the module comment).
    // Seventh, process the segment text; eighth, the FIN bit.
    this.text(tcb, seq, seg.payload, (flags & TcpFlag.FIN) !== 0);
  }

  /** Seventh and eighth steps: accept text and FIN in order, hold what lies beyond RCV.NXT. */
  private text(tcb: Tcb, seq: number, payload: Uint8Array, fin: boolean): void {
    if (payload.length === 0 && !fin) return;
    const s = this.current;
    const receiving = s === 'ESTABLISHED' || s === 'FIN-WAIT-1' || s === 'FIN-WAIT-2';
    // Trim to the window: bytes before RCV.NXT are old; bytes past the right edge are dropped, and
    // with them the FIN.
    let data = payload;
    let start = seq;
    if (seqLt(start, tcb.rcvNxt)) {
      const old = Math.min(seqDistance(start, tcb.rcvNxt), data.length);
      data = data.subarray(old);
      start = seqAdd(start, old);
    }
    const room = seqDistance(tcb.rcvNxt, start) <= tcb.rcvWnd ? tcb.rcvWnd - seqDistance(tcb.rcvNxt, start) : 0;
    let finHere = fin;
    if (data.length > room) {
      data = data.subarray(0, room);
      finHere = false;
    }
    if (!receiving) {
      // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer's FIN is in; ignore text. A repeated FIN is
      // acknowledged (and in TIME-WAIT restarts the 2 MSL timer).
      if (data.length > 0 || finHere) this.ackNeeded = true;
      if (finHere && s === 'TIME-WAIT') this.startTimeWait();
      return;
    }
    this.ackNeeded = true;
    const finSeq = seqAdd(start, data.length);
    if (finHere && (tcb.finAt === undefined || seqLt(finSeq, tcb.finAt))) tcb.finAt = finSeq;
    if (start === tcb.rcvNxt) this.deliver(tcb, data);
    else if (data.length > 0) this.hold(tcb, start, data);
    this.drain(tcb);
  }

  /** Queue out-of-order text; past the cap the highest sequence numbers go (see `maxOutOfOrderBytes`). */
  private hold(tcb: Tcb, seq: number, data: Uint8Array): void {
    tcb.reassembly.insert(tcb.rcvNxt, seq, data, undefined);
    tcb.reassembly.limit(this.config.maxOutOfOrderBytes ?? tcb.rcvWnd);
  }

  /** Deliver what is queued at RCV.NXT, then the peer's FIN if it stands there. */
  private drain(tcb: Tcb): void {
    const q = tcb.reassembly;
    for (let p = q.shift(tcb.rcvNxt); p; p = q.shift(tcb.rcvNxt)) this.deliver(tcb, p.data);
    if (tcb.finAt === tcb.rcvNxt) this.acceptFin(tcb);
  }

  /** Deliver text at RCV.NXT, up to the peer's FIN when it is known (nothing follows a FIN). */
  private deliver(tcb: Tcb, data: Uint8Array): void {
    const fin = tcb.finAt;
    const n = fin === undefined ? data.length : Math.min(data.length, seqDistance(tcb.rcvNxt, fin));
    if (n === 0) return;
    tcb.rcvNxt = seqAdd(tcb.rcvNxt, n);
    this.out.push({ kind: 'data', data: data.slice(0, n) });
  }

  /** The peer's FIN at RCV.NXT (RFC 9293 §3.10.7.4, eighth step). */
  private acceptFin(tcb: Tcb): void {
    tcb.rcvNxt = seqAdd(tcb.rcvNxt, 1);
    tcb.reassembly.clear();
    this.out.push({ kind: 'event', event: 'peer-fin' });
    const finAcked = tcb.finSeq !== undefined && seqGt(tcb.sndUna, tcb.finSeq);
    switch (this.current) {
      case 'ESTABLISHED':
        this.setState('CLOSE-WAIT');
        break;
      case 'FIN-WAIT-1':
        if (finAcked) this.enterTimeWait();
        else this.setState('CLOSING');
        break;
      case 'FIN-WAIT-2':
        this.enterTimeWait();
        break;
      default:
        break;
    }
  }
}

/** A segment as the codec wants it: data offset computed from the options, checksum 0. */
function segment(
  srcPort: number,
  dstPort: number,
  seq: number,
  ack: number,
  flags: number,
  window: number,
  options: TcpOption[],
  payload: Uint8Array,
): TcpSegment {
  let optionBytes = 0;
  for (const o of options) optionBytes += optionLength(o);
  return {
    srcPort,
    dstPort,
    seq: seq >>> 0,
    ack: ack >>> 0,
    dataOffset: 5 + Math.ceil(optionBytes / 4),
    reserved: 0,
    flags,
    window,
    checksum: 0,
    urgentPointer: 0,
    options,
    optionPadding: EMPTY,
    payload,
  };
}

function optionLength(o: TcpOption): number {
  switch (o.kind) {
    case 'eol':
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'wscale':
      return 3;
    case 'sackPermitted':
      return 2;
    case 'sack':
      return 2 + 8 * o.blocks.length;
    case 'timestamps':
      return 10;
    case 'unknown':
      return 2 + o.data.length;
  }
}

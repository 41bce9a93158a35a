/**
 * Replays real Linux kernel TCP connections (vectors/tcp/*.pcap, recorded on loopback with tcpdump,
 * see vectors/README.md) through two {@link TcpConnection}s, one per endpoint.
 *
 * Set-up, from the recording only: the ISS of each side is the SEQ of its SYN (SYN,ACK); MSS, window
 * scale, SACK-permitted and timestamps are configured as the recorded SYNs offer them; RCV.WND is the
 * largest the window field can say (the kernel's receive buffer is not visible in a capture). The
 * server opens passively when the recording holds its SYN,ACK, and stays CLOSED (a closed port)
 * otherwise. Inputs are the recorded segments in capture order, each handed to the endpoint it was
 * sent to. User calls are inferred from what an endpoint sent: the first SYN → open('active'), data →
 * send(data) (with `close` when the same segment carries FIN), a lone FIN → close(), a RST the machine
 * did not produce itself → abort().
 *
 * Matching rule, for every recorded segment sent by endpoint X:
 * - a segment carrying SYN, FIN, RST or data must equal the next such segment X's machine produced
 *   (SYN, ACK, FIN and RST bits, SEQ, ACK, payload bytes, and TSecr when both carry timestamps). The
 *   machine may not produce any such segment the kernel did not send.
 * - a pure ACK must be <SEQ=SND.NXT><ACK=RCV.NXT> of X's machine at that moment. The machine ACKs every
 *   segment that occupies sequence space at once; the kernel delays and merges ACKs (and sends window
 *   updates the machine has no reason to send), so the machine's pure ACKs that the kernel folded into
 *   a later ACK, or into a data or FIN segment, are dropped, but only if they acknowledge no more than
 *   the kernel's segment does.
 * - Loopback lag: tcpdump captures a segment when it is sent, but the receiving kernel may process it
 *   after it has sent its own next segment. So a kernel ACK may acknowledge less than the machine's
 *   RCV.NXT and a TSecr may echo an older TSval; both are accepted only when the value is one the
 *   machine itself held at an earlier frame (an earlier RCV.NXT, a TSval received before) and not
 *   ahead of it, and the tests count these cases: none in the small captures.
 * - PSH and the window field are not compared (the kernel sets them from its buffers).
 * Both machines must reach ESTABLISHED, and TIME-WAIT or CLOSED, at the frames where the RFC 9293
 * state diagram puts the kernel given the recorded segments; the bytes delivered to each user must be
 * the bytes the other side sent.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePacket, readCapture } from '../../src/capture/index.js';
import { type TcpAction, type TcpConfig, TcpConnection, type TcpState } from '../../src/tcp/connection.js';
import { seqAdd, seqGe, seqLe } from '../../src/tcp/seq.js';
import { TcpFlag, type TcpSegment } from '../../src/tcp/types.js';

const { SYN, ACK, FIN, RST } = TcpFlag;
const CONTROL = SYN | ACK | FIN | RST;

interface Frame {
  frame: number;
  seg: TcpSegment;
}

/** The TCP segments of a capture, grouped into connections by their port pair. */
function connections(file: string): Frame[][] {
  const bytes = new Uint8Array(readFileSync(new URL(`../../vectors/tcp/${file}`, import.meta.url)));
  const byPorts = new Map<string, Frame[]>();
  for (const packet of readCapture(bytes)) {
    const d = decodePacket(packet);
    if (!d.tcp) throw new Error(`frame ${packet.frame}: no TCP segment (${d.notTcp})`);
    const key = [d.tcp.srcPort, d.tcp.dstPort].sort((a, b) => a - b).join('-');
    let list = byPorts.get(key);
    if (!list) {
      list = [];
      byPorts.set(key, list);
    }
    list.push({ frame: packet.frame, seg: d.tcp });
  }
  return [...byPorts.values()];
}

function tsecr(seg: TcpSegment): number | undefined {
  for (const o of seg.options) if (o.kind === 'timestamps') return o.tsecr;
  return undefined;
}

function isPureAck(seg: TcpSegment): boolean {
  return (seg.flags & CONTROL) === ACK && seg.payload.length === 0;
}

function show(seg: TcpSegment): string {
  const names = (['SYN', 'RST', 'FIN', 'ACK'] as const).filter((n) => seg.flags & TcpFlag[n]);
  return `<SEQ=${seg.seq}><ACK=${seg.ack}><CTL=${names.join(',')}><LEN=${seg.payload.length}>`;
}

/** Configuration offered by a recorded SYN (or SYN,ACK). */
function configFrom(syn: TcpSegment, clock: { now: number }): TcpConfig {
  const c: TcpConfig = {
    provider: { initialSequenceNumber: () => syn.seq, timestamp: () => clock.now },
    localPort: syn.srcPort,
    remotePort: syn.dstPort,
  };
  for (const o of syn.options) {
    if (o.kind === 'mss') c.mss = o.mss;
    else if (o.kind === 'wscale') c.windowScale = o.shift;
    else if (o.kind === 'sackPermitted') c.sackPermitted = true;
    else if (o.kind === 'timestamps') c.timestamps = true;
  }
  c.receiveWindow = 0xffff * 2 ** (c.windowScale ?? 0);
  return c;
}

class Side {
  readonly pending: TcpSegment[] = [];
  readonly entered = new Map<TcpState, number>();
  readonly events: string[] = [];
  readonly delivered: number[] = [];
  /** RCV.NXT after each segment received. */
  readonly rcvHistory: number[] = [];
  readonly clock = { now: 0 };
  machine: TcpConnection;
  constructor(machine: TcpConnection) {
    this.machine = machine;
  }
  take(actions: TcpAction[], frame: number): void {
    for (const a of actions) {
      if (a.kind === 'segment') this.pending.push(a.segment);
      else if (a.kind === 'state') this.entered.set(a.to, frame);
      else if (a.kind === 'event') this.events.push(a.event);
      else if (a.kind === 'data') this.delivered.push(...a.data);
    }
  }
}

interface Expected {
  clientEstablished?: number;
  serverEstablished?: number;
  clientEnd: [TcpState, number] | undefined;
  serverEnd: [TcpState, number] | undefined;
}

/** Where the RFC 9293 state diagram puts each kernel endpoint, from the recorded segments alone. */
function expectedStates(frames: Frame[], client: number): Expected {
  const from = (f: Frame) => (f.seg.srcPort === client ? 'client' : 'server');
  const synAck = frames.find((f) => from(f) === 'server' && (f.seg.flags & (SYN | ACK)) === (SYN | ACK));
  const out: Expected = { clientEnd: undefined, serverEnd: undefined };
  if (synAck) {
    out.clientEstablished = synAck.frame;
    const serverIss = synAck.seg.seq;
    out.serverEstablished = frames.find(
      (f) =>
        f.frame > synAck.frame &&
        from(f) === 'client' &&
        f.seg.flags & ACK &&
        !(f.seg.flags & RST) &&
        f.seg.ack === seqAdd(serverIss, 1),
    )?.frame;
  }
  const rst = frames.find((f) => f.seg.flags & RST);
  if (rst) {
    const sender = from(rst);
    const end: [TcpState, number] = ['CLOSED', rst.frame];
    if (sender === 'client') {
      out.clientEnd = end;
      out.serverEnd = end;
    } else {
      out.clientEnd = end;
      out.serverEnd = synAck ? end : undefined; // a closed port never leaves CLOSED
    }
    return out;
  }
  const fin = (who: string) => frames.find((f) => from(f) === who && f.seg.flags & FIN);
  const cf = fin('client');
  const sf = fin('server');
  if (!cf || !sf) return out;
  const ackOf = (finFrame: Frame, by: string) =>
    frames.find(
      (f) =>
        f.frame > finFrame.frame &&
        from(f) === by &&
        f.seg.flags & ACK &&
        seqGe(f.seg.ack, seqAdd(finFrame.seg.seq, finFrame.seg.payload.length + 1)),
    )!.frame;
  const [first, second] = cf.frame < sf.frame ? (['client', 'server'] as const) : (['server', 'client'] as const);
  const firstFin = first === 'client' ? cf : sf;
  const secondFin = first === 'client' ? sf : cf;
  const firstEnd: [TcpState, number] = ['TIME-WAIT', Math.max(ackOf(firstFin, second), secondFin.frame)];
  const secondEnd: [TcpState, number] = ['CLOSED', ackOf(secondFin, first)];
  out.clientEnd = first === 'client' ? firstEnd : secondEnd;
  out.serverEnd = first === 'client' ? secondEnd : firstEnd;
  return out;
}

interface ReplayResult {
  client: Side;
  server: Side;
  expected: Expected;
  frames: Frame[];
  foldedAcks: number;
  /** Segments whose TSecr lags the machine's TS.Recent (see the matching rule). */
  tsecrLag: number;
  /** Pure ACKs acknowledging less than the machine's RCV.NXT (see the matching rule). */
  ackLag: number;
}

function replay(frames: Frame[]): ReplayResult {
  const first = frames[0]!;
  expect(first.seg.flags & CONTROL).toBe(SYN);
  const clientPort = first.seg.srcPort;
  const synAck = frames.find((f) => f.seg.srcPort !== clientPort && (f.seg.flags & (SYN | ACK)) === (SYN | ACK));
  const clientClock = { now: 0 };
  const serverClock = { now: 0 };
  const client = new Side(new TcpConnection(configFrom(first.seg, clientClock)));
  const serverConfig: TcpConfig = synAck
    ? configFrom(synAck.seg, serverClock)
    : { provider: { initialSequenceNumber: () => 0, timestamp: () => 0 }, localPort: first.seg.dstPort };
  const server = new Side(new TcpConnection(serverConfig));
  if (synAck) server.take(server.machine.open('passive'), 0);
  let foldedAcks = 0;
  let tsecrLag = 0;
  let ackLag = 0;
  const tsvals = new Map<Side, number[]>([
    [client, []],
    [server, []],
  ]);
  const seenTsvals = (side: Side) => tsvals.get(side)!;

  for (const { frame, seg } of frames) {
    const [x, y] = seg.srcPort === clientPort ? [client, server] : [server, client];
    const where = `frame ${frame} ${show(seg)}`;
    const ts = seg.options.find((o) => o.kind === 'timestamps');
    if (ts?.kind === 'timestamps') {
      (x === client ? clientClock : serverClock).now = ts.tsval;
      tsvals.get(x)!.push(ts.tsval);
    }
    const m = x.machine;

    if (isPureAck(seg)) {
      const tcb = m.controlBlock;
      expect(tcb, where).toBeDefined();
      expect(seg.seq, `${where}: a pure ACK has SEQ=SND.NXT`).toBe(tcb!.sndNxt);
      if (seg.ack !== tcb!.rcvNxt) {
        // Loopback lag: an RCV.NXT the machine had after an earlier frame, never ahead of it.
        expect(x.rcvHistory.includes(seg.ack) && seqLe(seg.ack, tcb!.rcvNxt), `${where}: RCV.NXT ${tcb!.rcvNxt}`).toBe(
          true,
        );
        ackLag++;
      }
      // Drop the machine's pure ACKs that this one covers.
      while (x.pending.length > 0 && isPureAck(x.pending[0]!) && seqLe(x.pending[0]!.ack, seg.ack)) {
        x.pending.shift();
        foldedAcks++;
      }
    } else {
      // A segment with SYN, FIN, RST or data: the machine must have produced it, or a user call must.
      const nextReal = () => x.pending.findIndex((p) => !isPureAck(p));
      if (nextReal() < 0) {
        if ((seg.flags & SYN) !== 0 && x === client && m.state === 'CLOSED') x.take(m.open('active'), frame);
        else if (seg.flags & RST) x.take(m.abort(), frame);
        else if (seg.payload.length > 0) x.take(m.send(seg.payload, { close: (seg.flags & FIN) !== 0 }), frame);
        else if (seg.flags & FIN) x.take(m.close(), frame);
      }
      const i = nextReal();
      expect(i, `${where}: the machine sends nothing like it`).toBeGreaterThanOrEqual(0);
      const mine = x.pending[i]!;
      for (const p of x.pending.slice(0, i))
        expect(seqLe(p.ack, seg.ack), `${where}: folded ACK ${show(p)}`).toBe(true);
      foldedAcks += i;
      x.pending.splice(0, i + 1);
      expect(show(mine), where).toBe(show(seg));
      expect(mine.payload, where).toEqual(seg.payload);
      const a = tsecr(mine);
      const b = tsecr(seg);
      if (a !== undefined && b !== undefined && seg.flags & ACK && a !== b) {
        // Loopback lag: the kernel built this segment before it processed an earlier-captured one.
        expect(seenTsvals(y).includes(b) && seqLe(b, a), `${where}: TSecr ${b}, machine ${a}`).toBe(true);
        tsecrLag++;
      }
    }
    y.take(y.machine.receive(seg), frame);
    const rcvNxt = y.machine.controlBlock?.rcvNxt;
    if (rcvNxt !== undefined) y.rcvHistory.push(rcvNxt);
  }
  for (const side of [client, server]) {
    expect(side.pending.filter((p) => !isPureAck(p)).map(show), 'segments the kernel never sent').toEqual([]);
  }
  return { client, server, expected: expectedStates(frames, clientPort), frames, foldedAcks, tsecrLag, ackLag };
}

function payloadFrom(frames: Frame[], port: number): number[] {
  return frames.flatMap((f) => (f.seg.srcPort === port ? [...f.seg.payload] : []));
}

function checkStates(r: ReplayResult): void {
  const { client, server, expected } = r;
  expect(client.entered.get('ESTABLISHED')).toBe(expected.clientEstablished);
  expect(server.entered.get('ESTABLISHED')).toBe(expected.serverEstablished);
  for (const [side, end] of [
    [client, expected.clientEnd],
    [server, expected.serverEnd],
  ] as const) {
    expect(end).toBeDefined();
    expect(side.machine.state).toBe(end![0]);
    expect(side.entered.get(end![0])).toBe(end![1]);
  }
  const clientPort = r.frames[0]!.seg.srcPort;
  const serverPort = r.frames[0]!.seg.dstPort;
  expect(client.delivered).toEqual(payloadFrom(r.frames, serverPort));
  expect(server.delivered).toEqual(payloadFrom(r.frames, clientPort));
}

describe('replay of Linux loopback connections (vectors/tcp)', () => {
  for (const file of ['client-close.pcap', 'ipv6.pcap', 'client-close.sll2.pcap']) {
    it(`${file}: the client closes first`, () => {
      const [frames] = connections(file);
      const r = replay(frames!);
      checkStates(r);
      expect(r.expected).toEqual({
        clientEstablished: 2,
        serverEstablished: 3,
        clientEnd: ['TIME-WAIT', 10],
        serverEnd: ['CLOSED', 11],
      });
      expect([r.tsecrLag, r.ackLag]).toEqual([0, 0]);
      expect(r.client.events).toEqual(['established', 'peer-fin']);
      expect(r.server.events).toEqual(['established', 'peer-fin', 'closed']);
    });
  }

  it('server-close.pcap: the server closes first', () => {
    const [frames] = connections('server-close.pcap');
    const r = replay(frames!);
    checkStates(r);
    expect(r.expected).toEqual({
      clientEstablished: 2,
      serverEstablished: 3,
      clientEnd: ['CLOSED', 11],
      serverEnd: ['TIME-WAIT', 10],
    });
    expect([r.tsecrLag, r.ackLag]).toEqual([0, 0]);
  });

  it('rst.pcap: an abortive close (SO_LINGER 0) and a SYN to a closed port', () => {
    const streams = connections('rst.pcap');
    expect(streams).toHaveLength(2);
    const abort = replay(streams[0]!);
    checkStates(abort);
    expect(abort.expected).toMatchObject({ clientEnd: ['CLOSED', 6], serverEnd: ['CLOSED', 6] });
    expect(abort.server.events).toEqual(['established', 'reset']);
    expect([abort.tsecrLag, abort.ackLag]).toEqual([0, 0]);
    const refused = replay(streams[1]!);
    expect(refused.client.machine.state).toBe('CLOSED');
    expect(refused.client.entered.get('CLOSED')).toBe(8);
    expect(refused.client.events).toEqual(['refused']);
    expect(refused.server.machine.state).toBe('CLOSED');
    expect(refused.server.entered.size).toBe(0);
  });

  it('bulk.pcap: 200000 bytes one way, 20000 back, MSS 1400, through the send window', () => {
    const [frames] = connections('bulk.pcap');
    const r = replay(frames!);
    checkStates(r);
    expect(r.server.delivered).toHaveLength(200000);
    expect(r.client.delivered).toHaveLength(20000);
    // 163 of the machine's immediate ACKs were folded into the kernel's delayed ones; 18 TSecr values
    // and 7 pure ACKs show the loopback lag described at the top.
    expect([r.foldedAcks, r.tsecrLag, r.ackLag]).toEqual([163, 18, 7]);
  });
});

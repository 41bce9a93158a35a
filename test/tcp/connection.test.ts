/**
 * Unit tests of the TCP connection state machine. The vectors are the segment exchanges of RFC 9293
 * §3.5 (Figures 6–11) and §3.6 (Figures 12–13), the challenge-ACK rules of RFC 5961 §3–§5 and the
 * negotiation rules of RFC 7323 §2–§5: exact SEQ, ACK and flags of every segment sent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TlswireError } from '../../src/bytes/errors.js';
import {
  type TcpAction,
  type TcpConfig,
  TcpConnection,
  TcpError,
  type TcpProvider,
  type TcpState,
} from '../../src/tcp/connection.js';
import { TcpFlag, type TcpOption, type TcpSegment } from '../../src/tcp/types.js';

const { SYN, ACK, FIN, RST } = TcpFlag;

/** A provider handing out the given ISS values in turn, and a fixed timestamp clock. */
function provider(isses: number[], clock = 1000): TcpProvider {
  const queue = [...isses];
  return {
    initialSequenceNumber: () => {
      const v = queue.shift();
      if (v === undefined) throw new Error('test provider: no ISS left');
      return v;
    },
    timestamp: () => clock,
  };
}

function conn(isses: number[], extra: Partial<TcpConfig> = {}, local = 1000, remote = 2000): TcpConnection {
  return new TcpConnection({ provider: provider(isses), localPort: local, remotePort: remote, ...extra });
}

/** A segment from the peer (ports 2000 → 1000). */
function seg(
  seq: number,
  ack: number,
  flags: number,
  opts: { data?: string; window?: number; options?: TcpOption[] } = {},
): TcpSegment {
  return {
    srcPort: 2000,
    dstPort: 1000,
    seq,
    ack,
    dataOffset: 5,
    reserved: 0,
    flags,
    window: opts.window ?? 65535,
    checksum: 0,
    urgentPointer: 0,
    options: opts.options ?? [],
    optionPadding: new Uint8Array(0),
    payload: new TextEncoder().encode(opts.data ?? ''),
  };
}

function segments(actions: TcpAction[]): TcpSegment[] {
  return actions.flatMap((a) => (a.kind === 'segment' ? [a.segment] : []));
}

/** `<SEQ=..><ACK=..><CTL=..>` as RFC 9293 writes it (ACK shown only when the ACK bit is set). */
function show(s: TcpSegment): string {
  const names = (['SYN', 'RST', 'FIN', 'ACK', 'PSH'] as const).filter((n) => s.flags & TcpFlag[n]);
  const ack = s.flags & ACK ? `<ACK=${s.ack}>` : '';
  const data = s.payload.length > 0 ? `<DATA=${s.payload.length}>` : '';
  return `<SEQ=${s.seq}>${ack}<CTL=${names.join(',')}>${data}`;
}

function sent(actions: TcpAction[]): string[] {
  return segments(actions).map(show);
}

function events(actions: TcpAction[]): string[] {
  return actions.flatMap((a) => (a.kind === 'event' ? [a.event] : []));
}

function delivered(actions: TcpAction[]): string {
  return actions.map((a) => (a.kind === 'data' ? new TextDecoder().decode(a.data) : '')).join('');
}

/** Mirror a segment sent by the other test endpoint (ports swapped so it arrives at 1000). */
function arrive(s: TcpSegment): TcpSegment {
  return { ...s, srcPort: 2000, dstPort: 1000 };
}

/** Two endpoints A (active, ISS `a`) and B (passive, ISS `b`) through the basic 3WHS. */
function established(a: number, b: number, extra: Partial<TcpConfig> = {}): { A: TcpConnection; B: TcpConnection } {
  const A = conn([a], extra);
  const B = conn([b], extra);
  B.open('passive');
  const [syn] = segments(A.open('active'));
  const [synAck] = segments(B.receive(arrive(syn!)));
  const [ack] = segments(A.receive(arrive(synAck!)));
  B.receive(arrive(ack!));
  expect([A.state, B.state]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  return { A, B };
}

describe('RFC 9293 §3.5 connection establishment', () => {
  it('Figure 6: basic three-way handshake (SEQ 100/300)', () => {
    const A = conn([100]);
    const B = conn([300]);
    expect(A.state).toBe('CLOSED');
    B.open('passive');
    expect(B.state).toBe('LISTEN');
    // 2. SYN-SENT --> <SEQ=100><CTL=SYN> --> SYN-RECEIVED
    const l2 = A.open('active');
    expect(sent(l2)).toEqual(['<SEQ=100><CTL=SYN>']);
    expect(A.state).toBe('SYN-SENT');
    const l2b = B.receive(arrive(segments(l2)[0]!));
    // 3. ESTABLISHED <-- <SEQ=300><ACK=101><CTL=SYN,ACK> <-- SYN-RECEIVED
    expect(sent(l2b)).toEqual(['<SEQ=300><ACK=101><CTL=SYN,ACK>']);
    expect(B.state).toBe('SYN-RECEIVED');
    const l3 = A.receive(arrive(segments(l2b)[0]!));
    // 4. ESTABLISHED --> <SEQ=101><ACK=301><CTL=ACK> --> ESTABLISHED
    expect(sent(l3)).toEqual(['<SEQ=101><ACK=301><CTL=ACK>']);
    expect(A.state).toBe('ESTABLISHED');
    expect(events(l3)).toEqual(['established']);
    const l4 = B.receive(arrive(segments(l3)[0]!));
    expect(sent(l4)).toEqual([]);
    expect(B.state).toBe('ESTABLISHED');
    expect(events(l4)).toEqual(['established']);
    // 5. ESTABLISHED --> <SEQ=101><ACK=301><CTL=ACK><DATA> --> ESTABLISHED (PSH ends the send call)
    const l5 = A.send(new TextEncoder().encode('hello'));
    expect(sent(l5)).toEqual(['<SEQ=101><ACK=301><CTL=ACK,PSH><DATA=5>']);
    const l5b = B.receive(arrive(segments(l5)[0]!));
    expect(delivered(l5b)).toBe('hello');
    expect(sent(l5b)).toEqual(['<SEQ=301><ACK=106><CTL=ACK>']);
    expect(A.controlBlock).toMatchObject({ iss: 100, irs: 300, sndUna: 101, sndNxt: 106, rcvNxt: 301 });
    expect(B.controlBlock).toMatchObject({ iss: 300, irs: 100, sndUna: 301, sndNxt: 301, rcvNxt: 106 });
  });

  it('Figure 7: simultaneous open, both sides CLOSED → SYN-SENT → SYN-RECEIVED → ESTABLISHED', () => {
    const A = conn([100]);
    const B = conn([300]);
    const [aSyn] = segments(A.open('active')); // 2. <SEQ=100><CTL=SYN> ... (delayed)
    const [bSyn] = segments(B.open('active'));
    expect(show(aSyn!)).toBe('<SEQ=100><CTL=SYN>');
    expect(show(bSyn!)).toBe('<SEQ=300><CTL=SYN>');
    // 3. SYN-RECEIVED <-- <SEQ=300><CTL=SYN> <-- SYN-SENT
    const l3 = A.receive(arrive(bSyn!));
    expect(A.state).toBe('SYN-RECEIVED');
    // 5. SYN-RECEIVED --> <SEQ=100><ACK=301><CTL=SYN,ACK> ...
    expect(sent(l3)).toEqual(['<SEQ=100><ACK=301><CTL=SYN,ACK>']);
    // 4. ... <SEQ=100><CTL=SYN> --> SYN-RECEIVED
    const l4 = B.receive(arrive(aSyn!));
    expect(B.state).toBe('SYN-RECEIVED');
    expect(sent(l4)).toEqual(['<SEQ=300><ACK=101><CTL=SYN,ACK>']);
    // 6. ESTABLISHED <-- <SEQ=300><ACK=101><CTL=SYN,ACK> <-- SYN-RECEIVED
    const l6 = A.receive(arrive(segments(l4)[0]!));
    expect(A.state).toBe('ESTABLISHED');
    expect(sent(l6)).toEqual([]);
    // 7. ... <SEQ=100><ACK=301><CTL=SYN,ACK> --> ESTABLISHED
    const l7 = B.receive(arrive(segments(l3)[0]!));
    expect(B.state).toBe('ESTABLISHED');
    expect(sent(l7)).toEqual([]);
    expect(events(l6)).toEqual(['established']);
    expect(events(l7)).toEqual(['established']);
  });

  it('Figure 8: recovery from an old duplicate SYN', () => {
    const A = conn([100]);
    const B = conn([300, 400]);
    B.open('passive');
    const [aSyn] = segments(A.open('active')); // 2. SYN-SENT --> <SEQ=100><CTL=SYN> ...
    // 3. (duplicate) ... <SEQ=90><CTL=SYN> --> SYN-RECEIVED
    const l3 = B.receive(seg(90, 0, SYN));
    expect(B.state).toBe('SYN-RECEIVED');
    // 4. SYN-SENT <-- <SEQ=300><ACK=91><CTL=SYN,ACK> <-- SYN-RECEIVED
    expect(sent(l3)).toEqual(['<SEQ=300><ACK=91><CTL=SYN,ACK>']);
    // 5. SYN-SENT --> <SEQ=91><CTL=RST> --> LISTEN
    const l5 = A.receive(arrive(segments(l3)[0]!));
    expect(A.state).toBe('SYN-SENT');
    expect(sent(l5)).toEqual(['<SEQ=91><CTL=RST>']);
    const l5b = B.receive(arrive(segments(l5)[0]!));
    expect(B.state).toBe('LISTEN');
    expect(l5b).toEqual([{ kind: 'state', from: 'SYN-RECEIVED', to: 'LISTEN' }]); // the user is not told
    // 6. ... <SEQ=100><CTL=SYN> --> SYN-RECEIVED
    const l6 = B.receive(arrive(aSyn!));
    // 7. ESTABLISHED <-- <SEQ=400><ACK=101><CTL=SYN,ACK> <-- SYN-RECEIVED
    expect(sent(l6)).toEqual(['<SEQ=400><ACK=101><CTL=SYN,ACK>']);
    const l7 = A.receive(arrive(segments(l6)[0]!));
    expect(A.state).toBe('ESTABLISHED');
    // 8. ESTABLISHED --> <SEQ=101><ACK=401><CTL=ACK> --> ESTABLISHED
    expect(sent(l7)).toEqual(['<SEQ=101><ACK=401><CTL=ACK>']);
    B.receive(arrive(segments(l7)[0]!));
    expect(B.state).toBe('ESTABLISHED');
  });

  it('Figure 9: half-open connection discovery', () => {
    // B: ESTABLISHED, "send 300, receive 100".
    const B = conn([299]);
    B.open('passive');
    B.receive(seg(99, 0, SYN));
    B.receive(seg(100, 300, ACK));
    expect(B.controlBlock).toMatchObject({ sndNxt: 300, rcvNxt: 100 });
    // A: rebooted, 3. SYN-SENT --> <SEQ=400><CTL=SYN> --> (??)
    const A = conn([400]);
    const [syn] = segments(A.open('active'));
    expect(show(syn!)).toBe('<SEQ=400><CTL=SYN>');
    // 4. (!!) <-- <SEQ=300><ACK=100><CTL=ACK> <-- ESTABLISHED (RFC 5961 §4.2 challenge ACK)
    const l4 = B.receive(arrive(syn!));
    expect(sent(l4)).toEqual(['<SEQ=300><ACK=100><CTL=ACK>']);
    expect(B.state).toBe('ESTABLISHED');
    // 5. SYN-SENT --> <SEQ=100><CTL=RST> --> (Abort!!)
    const l5 = A.receive(arrive(segments(l4)[0]!));
    expect(sent(l5)).toEqual(['<SEQ=100><CTL=RST>']);
    expect(A.state).toBe('SYN-SENT');
    // 6. SYN-SENT  CLOSED
    const l6 = B.receive(arrive(segments(l5)[0]!));
    expect(B.state).toBe('CLOSED');
    expect(events(l6)).toEqual(['reset']);
    expect(B.controlBlock).toBeUndefined();
  });

  it('Figure 10: active side causes half-open connection discovery', () => {
    const B = conn([299]);
    B.open('passive');
    B.receive(seg(99, 0, SYN));
    B.receive(seg(100, 300, ACK));
    const A = conn([]); // rebooted: no connection (CLOSED)
    // 2. (??) <-- <SEQ=300><ACK=100><DATA=10><CTL=ACK> <-- ESTABLISHED
    const l2 = B.send(new TextEncoder().encode('0123456789'));
    expect(sent(l2)).toEqual(['<SEQ=300><ACK=100><CTL=ACK,PSH><DATA=10>']);
    // 3. --> <SEQ=100><CTL=RST> --> (ABORT!!)
    const l3 = A.receive(arrive(segments(l2)[0]!));
    expect(sent(l3)).toEqual(['<SEQ=100><CTL=RST>']);
    expect(A.state).toBe('CLOSED');
    const l3b = B.receive(arrive(segments(l3)[0]!));
    expect(B.state).toBe('CLOSED');
    expect(events(l3b)).toEqual(['reset']);
  });

  it('Figure 11: old duplicate SYN initiates a reset on two passive sockets', () => {
    const Z = 5000;
    const X = 7000;
    const A = conn([1]);
    const B = conn([X]);
    A.open('passive');
    B.open('passive');
    // 2. ... <SEQ=Z><CTL=SYN> --> SYN-RECEIVED
    const l2 = B.receive(seg(Z, 0, SYN));
    expect(B.state).toBe('SYN-RECEIVED');
    // 3. (??) <-- <SEQ=X><ACK=Z+1><CTL=SYN,ACK> <-- SYN-RECEIVED
    expect(sent(l2)).toEqual([`<SEQ=${X}><ACK=${Z + 1}><CTL=SYN,ACK>`]);
    // 4. --> <SEQ=Z+1><CTL=RST> --> (return to LISTEN!)
    const l3 = A.receive(arrive(segments(l2)[0]!));
    expect(sent(l3)).toEqual([`<SEQ=${Z + 1}><CTL=RST>`]);
    B.receive(arrive(segments(l3)[0]!));
    // 5. LISTEN LISTEN
    expect([A.state, B.state]).toEqual(['LISTEN', 'LISTEN']);
  });
});

describe('RFC 9293 §3.6 closing a connection', () => {
  it('Figure 12: normal close sequence', () => {
    const { A, B } = established(99, 299);
    // 2. (Close) FIN-WAIT-1 --> <SEQ=100><ACK=300><CTL=FIN,ACK> --> CLOSE-WAIT
    const l2 = A.close();
    expect(sent(l2)).toEqual(['<SEQ=100><ACK=300><CTL=FIN,ACK>']);
    expect(A.state).toBe('FIN-WAIT-1');
    const l2b = B.receive(arrive(segments(l2)[0]!));
    expect(B.state).toBe('CLOSE-WAIT');
    expect(events(l2b)).toEqual(['peer-fin']);
    // 3. FIN-WAIT-2 <-- <SEQ=300><ACK=101><CTL=ACK> <-- CLOSE-WAIT
    expect(sent(l2b)).toEqual(['<SEQ=300><ACK=101><CTL=ACK>']);
    A.receive(arrive(segments(l2b)[0]!));
    expect(A.state).toBe('FIN-WAIT-2');
    // 4. (Close) TIME-WAIT <-- <SEQ=300><ACK=101><CTL=FIN,ACK> <-- LAST-ACK
    const l4 = B.close();
    expect(sent(l4)).toEqual(['<SEQ=300><ACK=101><CTL=FIN,ACK>']);
    expect(B.state).toBe('LAST-ACK');
    const l4b = A.receive(arrive(segments(l4)[0]!));
    expect(A.state).toBe('TIME-WAIT');
    // 5. TIME-WAIT --> <SEQ=101><ACK=301><CTL=ACK> --> CLOSED
    expect(sent(l4b)).toEqual(['<SEQ=101><ACK=301><CTL=ACK>']);
    expect(l4b).toContainEqual({ kind: 'timer', timer: 'time-wait', action: 'start', ms: 240_000 });
    const l5 = B.receive(arrive(segments(l4b)[0]!));
    expect(B.state).toBe('CLOSED');
    expect(events(l5)).toEqual(['closed']);
    // 6. (2 MSL) CLOSED
    const l6 = A.timeout('time-wait');
    expect(A.state).toBe('CLOSED');
    expect(l6).toEqual([
      { kind: 'state', from: 'TIME-WAIT', to: 'CLOSED' },
      { kind: 'event', event: 'closed' },
    ]);
  });

  it('Figure 13: simultaneous close sequence', () => {
    const { A, B } = established(99, 299);
    // 2. (Close) (Close): both FIN-WAIT-1, FINs cross
    const aFin = A.close();
    const bFin = B.close();
    expect(sent(aFin)).toEqual(['<SEQ=100><ACK=300><CTL=FIN,ACK>']);
    expect(sent(bFin)).toEqual(['<SEQ=300><ACK=100><CTL=FIN,ACK>']);
    // 3. CLOSING --> <SEQ=101><ACK=301><CTL=ACK> and <-- <SEQ=301><ACK=101><CTL=ACK>
    const a3 = A.receive(arrive(segments(bFin)[0]!));
    const b3 = B.receive(arrive(segments(aFin)[0]!));
    expect([A.state, B.state]).toEqual(['CLOSING', 'CLOSING']);
    expect(sent(a3)).toEqual(['<SEQ=101><ACK=301><CTL=ACK>']);
    expect(sent(b3)).toEqual(['<SEQ=301><ACK=101><CTL=ACK>']);
    // 4. TIME-WAIT TIME-WAIT
    const a4 = A.receive(arrive(segments(b3)[0]!));
    const b4 = B.receive(arrive(segments(a3)[0]!));
    expect([A.state, B.state]).toEqual(['TIME-WAIT', 'TIME-WAIT']);
    expect(sent(a4)).toEqual([]);
    expect(sent(b4)).toEqual([]);
    A.timeout('time-wait');
    B.timeout('time-wait');
    expect([A.state, B.state]).toEqual(['CLOSED', 'CLOSED']);
  });

  it('merged FIN,ACK (three-way close): FIN-WAIT-1 → TIME-WAIT directly', () => {
    const { A, B } = established(99, 299);
    const l1 = A.close();
    B.receive(arrive(segments(l1)[0]!));
    // B closes before its ACK left: its FIN carries the ACK of A's FIN.
    const l2 = B.close();
    expect(sent(l2)).toEqual(['<SEQ=300><ACK=101><CTL=FIN,ACK>']);
    const l3 = A.receive(arrive(segments(l2)[0]!));
    expect(A.state).toBe('TIME-WAIT');
    expect(l3.filter((a) => a.kind === 'state')).toEqual([
      { kind: 'state', from: 'FIN-WAIT-1', to: 'FIN-WAIT-2' },
      { kind: 'state', from: 'FIN-WAIT-2', to: 'TIME-WAIT' },
    ]);
    expect(sent(l3)).toEqual(['<SEQ=101><ACK=301><CTL=ACK>']);
  });

  it('TIME-WAIT acknowledges a retransmitted FIN and restarts the 2 MSL timer', () => {
    const { A } = established(99, 299, { msl: 1000 });
    A.close();
    A.receive(seg(300, 101, FIN | ACK));
    expect(A.state).toBe('TIME-WAIT');
    const again = A.receive(seg(300, 101, FIN | ACK));
    expect(sent(again)).toEqual(['<SEQ=101><ACK=301><CTL=ACK>']);
    expect(again).toContainEqual({ kind: 'timer', timer: 'time-wait', action: 'start', ms: 2000 });
    expect(A.state).toBe('TIME-WAIT');
  });

  it('send with close: the FIN rides on the last data segment', () => {
    const { A } = established(99, 299);
    const out = A.send(new TextEncoder().encode('bye'), { close: true });
    expect(sent(out)).toEqual(['<SEQ=100><ACK=300><CTL=FIN,ACK,PSH><DATA=3>']);
    expect(A.state).toBe('FIN-WAIT-1');
  });

  it('LAST-ACK → CLOSED on the ACK of the FIN; RST in LAST-ACK closes too', () => {
    const { B } = established(99, 299);
    B.receive(seg(100, 300, FIN | ACK));
    B.close();
    expect(B.state).toBe('LAST-ACK');
    expect(sent(B.receive(seg(101, 300, ACK)))).toEqual([]); // does not ack the FIN (SND.NXT = 301)
    expect(B.state).toBe('LAST-ACK');
    expect(events(B.receive(seg(101, 0, RST)))).toEqual(['reset']);
    expect(B.state).toBe('CLOSED');
  });
});

describe('RST processing (RFC 9293 §3.10.7, RFC 5961 §3)', () => {
  it('RST exactly at RCV.NXT resets; in the window elsewhere draws a challenge ACK; outside is ignored', () => {
    const { A } = established(99, 299);
    // In the window but not RCV.NXT: challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
    const challenge = A.receive(seg(300 + 1000, 0, RST));
    expect(sent(challenge)).toEqual(['<SEQ=100><ACK=300><CTL=ACK>']);
    expect(A.state).toBe('ESTABLISHED');
    // Outside the window: dropped silently.
    expect(A.receive(seg(300 + 70000, 0, RST))).toEqual([]);
    expect(A.receive(seg(299, 0, RST))).toEqual([]);
    expect(A.state).toBe('ESTABLISHED');
    // Exactly RCV.NXT: the connection is reset.
    const reset = A.receive(seg(300, 0, RST));
    expect(reset).toEqual([
      { kind: 'state', from: 'ESTABLISHED', to: 'CLOSED' },
      { kind: 'event', event: 'reset' },
    ]);
  });

  it('SYN-SENT: a RST acknowledging our SYN means connection refused; without ACK it is dropped', () => {
    const A = conn([100]);
    A.open('active');
    expect(A.receive(seg(0, 0, RST))).toEqual([]);
    expect(A.state).toBe('SYN-SENT');
    expect(A.receive(seg(0, 100, RST | ACK))).toEqual([]); // ACK =< ISS: unacceptable, RST: drop
    const refused = A.receive(seg(0, 101, RST | ACK));
    expect(A.state).toBe('CLOSED');
    expect(events(refused)).toEqual(['refused']);
  });

  it('SYN-RECEIVED from an active open: an acceptable RST is "connection refused"', () => {
    const A = conn([100]);
    A.open('active');
    A.receive(seg(300, 0, SYN));
    expect(A.state).toBe('SYN-RECEIVED');
    const out = A.receive(seg(301, 0, RST));
    expect(A.state).toBe('CLOSED');
    expect(events(out)).toEqual(['refused']);
  });

  it('TIME-WAIT: an acceptable RST closes and cancels the timer', () => {
    const { A } = established(99, 299);
    A.close();
    A.receive(seg(300, 101, FIN | ACK));
    const out = A.receive(seg(301, 0, RST));
    expect(out).toEqual([
      { kind: 'timer', timer: 'time-wait', action: 'cancel' },
      { kind: 'state', from: 'TIME-WAIT', to: 'CLOSED' },
      { kind: 'event', event: 'reset' },
    ]);
  });
});

describe('SYN and ACK checks in synchronized states (RFC 5961 §4, §5)', () => {
  it('a SYN in the window draws a challenge ACK instead of a reset (§4.2)', () => {
    const { A } = established(99, 299);
    const out = A.receive(seg(305, 0, SYN));
    expect(sent(out)).toEqual(['<SEQ=100><ACK=300><CTL=ACK>']);
    expect(A.state).toBe('ESTABLISHED');
  });

  it('a SYN outside the window gets the same ACK (sequence check first)', () => {
    const { A } = established(99, 299);
    expect(sent(A.receive(seg(9, 0, SYN)))).toEqual(['<SEQ=100><ACK=300><CTL=ACK>']);
  });

  it('an ACK beyond SND.NXT is answered with an ACK and the data is dropped', () => {
    const { A } = established(99, 299);
    const out = A.receive(seg(300, 500, ACK, { data: 'evil' }));
    expect(sent(out)).toEqual(['<SEQ=100><ACK=300><CTL=ACK>']);
    expect(delivered(out)).toBe('');
    expect(A.controlBlock?.rcvNxt).toBe(300);
  });

  it('an ACK older than SND.UNA - MAX.SND.WND is answered with an ACK and the data is dropped (§5.2)', () => {
    const { A } = established(99, 299);
    // MAX.SND.WND is 65535; SND.UNA is 100.
    const tooOld = (100 - 65535 - 1) >>> 0;
    const out = A.receive(seg(300, tooOld, ACK, { data: 'evil' }));
    expect(sent(out)).toEqual(['<SEQ=100><ACK=300><CTL=ACK>']);
    expect(delivered(out)).toBe('');
    // Within MAX.SND.WND below SND.UNA: a duplicate ACK, the data is accepted.
    const ok = A.receive(seg(300, (100 - 65535) >>> 0, ACK, { data: 'fine' }));
    expect(delivered(ok)).toBe('fine');
    expect(sent(ok)).toEqual(['<SEQ=100><ACK=304><CTL=ACK>']);
  });

  it('SYN-RECEIVED: an unacceptable ACK is answered with <SEQ=SEG.ACK><CTL=RST>', () => {
    const B = conn([300]);
    B.open('passive');
    B.receive(seg(100, 0, SYN));
    expect(sent(B.receive(seg(101, 999, ACK)))).toEqual(['<SEQ=999><CTL=RST>']);
    expect(B.state).toBe('SYN-RECEIVED');
  });

  it('a segment without ACK in a synchronized state is dropped', () => {
    const { A } = established(99, 299);
    expect(A.receive(seg(300, 0, 0, { data: 'x' }))).toEqual([]);
  });
});

describe('segment acceptability (RFC 9293 §3.10.7.4, Table 6)', () => {
  function withWindow(rcvWnd: number): TcpConnection {
    const B = conn([299], { receiveWindow: rcvWnd });
    B.open('passive');
    B.receive(seg(99, 0, SYN));
    B.receive(seg(100, 300, ACK));
    expect(B.controlBlock?.rcvWnd).toBe(rcvWnd);
    return B;
  }
  const dupAck = ['<SEQ=300><ACK=100><CTL=ACK>'];

  it('length 0, window 0: acceptable only at SEG.SEQ = RCV.NXT', () => {
    const B = withWindow(0);
    expect(sent(B.receive(seg(100, 300, ACK)))).toEqual([]);
    expect(sent(B.receive(seg(101, 300, ACK)))).toEqual(dupAck);
  });

  it('length 0, window > 0: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND', () => {
    const B = withWindow(10);
    expect(sent(B.receive(seg(109, 300, ACK)))).toEqual([]);
    expect(sent(B.receive(seg(110, 300, ACK)))).toEqual(dupAck);
    expect(sent(B.receive(seg(99, 300, ACK)))).toEqual(dupAck);
  });

  it('length > 0, window 0: never acceptable', () => {
    const B = withWindow(0);
    const out = B.receive(seg(100, 300, ACK, { data: 'a' }));
    expect(sent(out)).toEqual(dupAck);
    expect(delivered(out)).toBe('');
  });

  it('length > 0, window > 0: the first or the last byte in the window; only the new part is kept', () => {
    const B = withWindow(10);
    // Starts before RCV.NXT, ends inside: "abc" at 98 → "c" is new.
    const straddle = B.receive(seg(98, 300, ACK, { data: 'abc' }));
    expect(delivered(straddle)).toBe('c');
    expect(sent(straddle)).toEqual(['<SEQ=300><ACK=101><CTL=ACK>']);
    // Entirely old: unacceptable, ACK.
    expect(sent(B.receive(seg(90, 300, ACK, { data: 'old' })))).toEqual(['<SEQ=300><ACK=101><CTL=ACK>']);
    // Entirely beyond the right edge (101 + 10): unacceptable.
    expect(sent(B.receive(seg(111, 300, ACK, { data: 'far' })))).toEqual(['<SEQ=300><ACK=101><CTL=ACK>']);
    // Past the right edge only in part: cut at the edge.
    const cut = B.receive(seg(101, 300, ACK, { data: '0123456789abc' }));
    expect(delivered(cut)).toBe('0123456789');
    expect(sent(cut)).toEqual(['<SEQ=300><ACK=111><CTL=ACK>']);
  });
});

describe('data transfer', () => {
  it('queues out-of-order data and delivers it in order once the gap is filled', () => {
    const { A } = established(99, 299);
    const second = A.receive(seg(303, 100, ACK, { data: 'def' }));
    expect(delivered(second)).toBe('');
    expect(sent(second)).toEqual(['<SEQ=100><ACK=300><CTL=ACK>']); // duplicate ACK
    const fin = A.receive(seg(306, 100, FIN | ACK));
    expect(sent(fin)).toEqual(['<SEQ=100><ACK=300><CTL=ACK>']);
    expect(A.state).toBe('ESTABLISHED');
    const first = A.receive(seg(300, 100, ACK, { data: 'abc' }));
    expect(delivered(first)).toBe('abcdef');
    expect(events(first)).toEqual(['peer-fin']);
    expect(A.state).toBe('CLOSE-WAIT');
    expect(sent(first)).toEqual(['<SEQ=100><ACK=307><CTL=ACK>']);
  });

  it('respects the send window and sends the rest when an ACK opens it', () => {
    const A = conn([99]);
    A.open('active');
    A.receive(seg(299, 100, SYN | ACK, { window: 4 }));
    expect(A.controlBlock?.sndWnd).toBe(4);
    const out = A.send(new TextEncoder().encode('abcdefgh'));
    expect(sent(out)).toEqual(['<SEQ=100><ACK=300><CTL=ACK><DATA=4>']);
    const more = A.receive(seg(300, 104, ACK, { window: 10 }));
    expect(sent(more)).toEqual(['<SEQ=104><ACK=300><CTL=ACK,PSH><DATA=4>']);
    expect(A.controlBlock).toMatchObject({ sndUna: 104, sndNxt: 108, sndWnd: 10, sndWl1: 300, sndWl2: 104 });
  });

  it('segments by the peer MSS', () => {
    const A = conn([99]);
    A.open('active');
    A.receive(seg(299, 100, SYN | ACK, { options: [{ kind: 'mss', mss: 3 }] }));
    const out = A.send(new TextEncoder().encode('abcdefg'));
    expect(sent(out)).toEqual([
      '<SEQ=100><ACK=300><CTL=ACK><DATA=3>',
      '<SEQ=103><ACK=300><CTL=ACK><DATA=3>',
      '<SEQ=106><ACK=300><CTL=ACK,PSH><DATA=1>',
    ]);
  });

  it('ignores an old window update (SND.WL1/SND.WL2 check)', () => {
    const { A } = established(99, 299);
    A.receive(seg(300, 100, ACK, { window: 500, data: 'x' }));
    expect(A.controlBlock).toMatchObject({ sndWnd: 500, sndWl1: 300 });
    // Older SEG.SEQ: the window is not taken.
    A.receive(seg(300, 100, ACK, { window: 9 }));
    expect(A.controlBlock?.sndWnd).toBe(500);
  });

  /** `n` letters that do not repeat with a short period. */
  const letters = (n: number) =>
    Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7 + (i >> 5)) % 26))).join('');

  it('holds overlapping out-of-order segments once and delivers exactly the stream when the gap fills', () => {
    const { A } = established(99, 299);
    const text = letters(400);
    // 300 segments of 100 bytes starting at 301, 302, ..., 600: their union is 399 bytes (30000 in all).
    for (let k = 1; k <= 300; k++) {
      expect(delivered(A.receive(seg(300 + k, 100, ACK, { data: text.slice(k, k + 100) })))).toBe('');
    }
    expect(A.outOfOrderBytes).toBe(399);
    const fill = A.receive(seg(300, 100, ACK, { data: text.slice(0, 1) }));
    expect(delivered(fill)).toBe(text);
    expect(sent(fill)).toEqual(['<SEQ=100><ACK=700><CTL=ACK>']);
    expect(A.outOfOrderBytes).toBe(0);
  });

  it('caps the out-of-order bytes, dropping the highest sequence numbers first', () => {
    const { A } = established(99, 299, { maxOutOfOrderBytes: 100 });
    const text = letters(200);
    A.receive(seg(310, 100, ACK, { data: text.slice(10, 60) }));
    A.receive(seg(400, 100, ACK, { data: text.slice(100, 180) })); // 130 bytes: 100..149 kept
    expect(A.outOfOrderBytes).toBe(100);
    A.receive(seg(360, 100, ACK, { data: text.slice(60, 80) })); // 120 bytes: 100..129 kept
    expect(A.outOfOrderBytes).toBe(100);
    const first = A.receive(seg(300, 100, ACK, { data: text.slice(0, 10) }));
    expect(delivered(first)).toBe(text.slice(0, 80));
    expect(sent(first)).toEqual(['<SEQ=100><ACK=380><CTL=ACK>']);
    expect(A.outOfOrderBytes).toBe(30);
    const rest = A.receive(seg(380, 100, ACK, { data: text.slice(80, 200) }));
    expect([delivered(rest), A.outOfOrderBytes]).toEqual([text.slice(80, 200), 0]);
    // A cap of 0 holds nothing: the segment is acknowledged as a duplicate and dropped.
    const { A: none } = established(99, 299, { maxOutOfOrderBytes: 0 });
    expect(sent(none.receive(seg(301, 100, ACK, { data: 'b' })))).toEqual(['<SEQ=100><ACK=300><CTL=ACK>']);
    expect([none.outOfOrderBytes, delivered(none.receive(seg(300, 100, ACK, { data: 'a' })))]).toEqual([0, 'a']);
  });

  it('delivers nothing past a FIN seen out of order', () => {
    const { A } = established(99, 299);
    expect(sent(A.receive(seg(306, 100, FIN | ACK)))).toEqual(['<SEQ=100><ACK=300><CTL=ACK>']);
    const out = A.receive(seg(300, 100, ACK, { data: 'abcdefghij' }));
    expect([delivered(out), events(out), sent(out), A.state]).toEqual([
      'abcdef',
      ['peer-fin'],
      ['<SEQ=100><ACK=307><CTL=ACK>'],
      'CLOSE-WAIT',
    ]);
  });

  it('any order and overlap of the segments of a stream delivers exactly the stream, then the FIN', () => {
    const N = 1500;
    const text = letters(N);
    const piece = fc.tuple(fc.nat(N - 1), fc.integer({ min: 1, max: 200 }));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60, size: 'max' }), fc.nat({ max: 0xffffffff }), (pieces, isn) => {
        const { A } = established(99, isn);
        const base = (isn + 1) >>> 0;
        const got: string[] = [];
        const finEvents: string[] = [];
        const arriveAt = (start: number, len: number) => {
          const end = Math.min(N, start + len);
          const flags = end === N ? FIN | ACK : ACK;
          const out = A.receive(seg((base + start) >>> 0, 100, flags, { data: text.slice(start, end) }));
          got.push(delivered(out));
          finEvents.push(...events(out));
        };
        for (const [start, len] of pieces) arriveAt(start, len);
        for (let s = 0; s < N; s += 500) arriveAt(s, 500);
        expect(got.join('')).toBe(text);
        expect([finEvents, A.state, A.outOfOrderBytes]).toEqual([['peer-fin'], 'CLOSE-WAIT', 0]);
      }),
      { numRuns: 200 },
    );
  });

  it('sequence numbers wrap modulo 2^32', () => {
    const { A, B } = established(0xfffffffe, 0xffffffff);
    const out = A.send(new TextEncoder().encode('wrap'));
    expect(sent(out)).toEqual(['<SEQ=4294967295><ACK=0><CTL=ACK,PSH><DATA=4>']);
    const got = B.receive(arrive(segments(out)[0]!));
    expect(delivered(got)).toBe('wrap');
    expect(sent(got)).toEqual(['<SEQ=0><ACK=3><CTL=ACK>']);
  });
});

describe('options on SYNs (RFC 7323, RFC 2018, RFC 9293 §3.7.1)', () => {
  const full: Partial<TcpConfig> = {
    mss: 1460,
    windowScale: 7,
    sackPermitted: true,
    timestamps: true,
    receiveWindow: 1 << 20,
  };

  it('offers MSS, SACK-permitted, timestamps and window scale in the SYN, unscaled window', () => {
    const A = conn([100], full);
    const [syn] = segments(A.open('active'));
    expect(syn!.options).toEqual([
      { kind: 'mss', mss: 1460 },
      { kind: 'sackPermitted' },
      { kind: 'timestamps', tsval: 1000, tsecr: 0 },
      { kind: 'nop' },
      { kind: 'wscale', shift: 7 },
    ]);
    expect(syn!.window).toBe(65535);
    expect(syn!.dataOffset).toBe(10);
  });

  it('answers only what the SYN offered, scales windows only when both SYNs carried the option', () => {
    const B = conn([300], full);
    B.open('passive');
    const [synAck] = segments(B.receive(seg(100, 0, SYN, { options: [{ kind: 'mss', mss: 500 }] })));
    expect(synAck!.options).toEqual([{ kind: 'mss', mss: 1460 }]);
    expect(synAck!.window).toBe(65535);
    B.receive(seg(101, 301, ACK, { window: 1000 }));
    expect(B.controlBlock).toMatchObject({ sndShift: 0, rcvShift: 0, sndWnd: 1000, rcvWnd: 65535, peerMss: 500 });
    expect(B.controlBlock?.timestamps).toBe(false);
  });

  it('with both SYNs carrying window scale: SYN window unscaled, later windows shifted', () => {
    const A = conn([100], full);
    A.open('active');
    const out = A.receive(
      seg(300, 101, SYN | ACK, {
        window: 1000,
        options: [
          { kind: 'mss', mss: 1460 },
          { kind: 'wscale', shift: 3 },
          { kind: 'timestamps', tsval: 777, tsecr: 1000 },
        ],
      }),
    );
    expect(A.controlBlock).toMatchObject({ sndShift: 3, rcvShift: 7, sndWnd: 1000, rcvWnd: 1 << 20 });
    const [ack] = segments(out);
    expect(ack!.window).toBe((1 << 20) >> 7);
    // TSecr echoes the last TSval received (RFC 7323 §4.3); SACK was not answered, so not negotiated.
    expect(ack!.options).toEqual([{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', tsval: 1000, tsecr: 777 }]);
    expect(A.controlBlock?.sackPermitted).toBe(false);
    A.receive(seg(301, 101, ACK, { window: 1000, options: [{ kind: 'timestamps', tsval: 778, tsecr: 1000 }] }));
    expect(A.controlBlock?.sndWnd).toBe(8000);
    expect(A.controlBlock?.tsRecent).toBe(778);
  });

  it('a shift above 14 is used as 14 (RFC 7323 §2.3)', () => {
    const A = conn([100], full);
    A.open('active');
    A.receive(seg(300, 101, SYN | ACK, { options: [{ kind: 'wscale', shift: 15 }] }));
    expect(A.controlBlock?.sndShift).toBe(14);
  });

  it('PAWS: a segment with an older TSval is unacceptable (RFC 7323 §5.3 R1)', () => {
    const A = conn([100], full);
    A.open('active');
    A.receive(seg(300, 101, SYN | ACK, { options: [{ kind: 'timestamps', tsval: 500, tsecr: 1000 }] }));
    const out = A.receive(
      seg(301, 101, ACK, { data: 'old', options: [{ kind: 'timestamps', tsval: 499, tsecr: 1000 }] }),
    );
    expect(delivered(out)).toBe('');
    expect(sent(out)).toEqual(['<SEQ=101><ACK=301><CTL=ACK>']);
    expect(segments(out)[0]!.options).toEqual([
      { kind: 'nop' },
      { kind: 'nop' },
      { kind: 'timestamps', tsval: 1000, tsecr: 500 },
    ]);
  });
});

describe('CLOSED and LISTEN answer strays with resets (RFC 9293 §3.10.7.1, §3.10.7.2)', () => {
  it('CLOSED: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> without ACK, <SEQ=SEG.ACK><CTL=RST> with', () => {
    const C = conn([]);
    const noAck = segments(C.receive(seg(1000, 0, SYN)));
    expect(noAck.map(show)).toEqual(['<SEQ=0><ACK=1001><CTL=RST,ACK>']);
    expect([noAck[0]!.srcPort, noAck[0]!.dstPort]).toEqual([1000, 2000]);
    expect(sent(C.receive(seg(1000, 4242, ACK, { data: 'xy' })))).toEqual(['<SEQ=4242><CTL=RST>']);
    expect(C.receive(seg(1000, 0, RST))).toEqual([]);
  });

  it('LISTEN: ignores RST, resets ACKs, drops anything else without SYN', () => {
    const L = conn([]);
    L.open('passive');
    expect(L.receive(seg(5, 0, RST))).toEqual([]);
    expect(sent(L.receive(seg(5, 77, ACK)))).toEqual(['<SEQ=77><CTL=RST>']);
    expect(L.receive(seg(5, 0, FIN))).toEqual([]);
    expect(L.state).toBe('LISTEN');
  });

  it('LISTEN without a remote port takes it from the SYN', () => {
    const L = new TcpConnection({ provider: provider([300]), localPort: 80 });
    L.open('passive');
    const [synAck] = segments(L.receive({ ...seg(1, 0, SYN), srcPort: 5555, dstPort: 80 }));
    expect([synAck!.srcPort, synAck!.dstPort]).toEqual([80, 5555]);
    expect(L.controlBlock?.remotePort).toBe(5555);
  });
});

describe('user calls (RFC 9293 §3.10.1–§3.10.5)', () => {
  function code(fn: () => unknown): string {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(TcpError);
      expect(e).toBeInstanceOf(TlswireError);
      return `${(e as TcpError).code}: ${(e as TcpError).message}`;
    }
    return 'no error';
  }
  const bytes = new Uint8Array([1]);

  it('refuses calls on a connection that does not exist', () => {
    const C = conn([]);
    expect(code(() => C.send(bytes))).toBe('connection-does-not-exist: error: connection does not exist');
    expect(code(() => C.close())).toBe('connection-does-not-exist: error: connection does not exist');
    expect(code(() => C.abort())).toBe('connection-does-not-exist: error: connection does not exist');
  });

  it('refuses a second OPEN and an active OPEN without a remote port', () => {
    const A = conn([1]);
    A.open('active');
    expect(code(() => A.open('active'))).toBe('connection-already-exists: error: connection already exists');
    expect(code(() => A.open('passive'))).toBe('connection-already-exists: error: connection already exists');
    const L = new TcpConnection({ provider: provider([]), localPort: 80 });
    expect(code(() => L.open('active'))).toBe('remote-socket-unspecified: error: remote socket unspecified');
    L.open('passive');
    expect(code(() => L.send(bytes))).toBe('remote-socket-unspecified: error: remote socket unspecified');
    expect(L.state).toBe('LISTEN');
  });

  it('refuses SEND after CLOSE and CLOSE twice ("connection closing")', () => {
    const { A } = established(99, 299);
    A.close();
    expect(code(() => A.send(bytes))).toBe('connection-closing: error: connection closing');
    expect(code(() => A.close())).toBe('connection-closing: error: connection closing');
    expect(A.state).toBe('FIN-WAIT-1');
  });

  it('rejects bad configuration with a typed error', () => {
    const bad = (c: Partial<TcpConfig>) =>
      code(() => new TcpConnection({ provider: provider([]), localPort: 1, ...c } as TcpConfig));
    expect(bad({ localPort: 70000 })).toBe('invalid-argument: error: invalid argument: localPort = 70000');
    expect(bad({ windowScale: 15 })).toBe('invalid-argument: error: invalid argument: windowScale = 15');
    expect(bad({ receiveWindow: 70000 })).toBe('invalid-argument: error: invalid argument: receiveWindow = 70000');
    expect(bad({ maxOutOfOrderBytes: -1 })).toBe('invalid-argument: error: invalid argument: maxOutOfOrderBytes = -1');
  });

  it('ABORT sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> in synchronized states', () => {
    const { A } = established(99, 299);
    const out = A.abort();
    expect(sent(out)).toEqual(['<SEQ=100><ACK=300><CTL=RST,ACK>']);
    expect(A.state).toBe('CLOSED');
  });

  it('ABORT in LISTEN and SYN-SENT sends nothing; CLOSE in SYN-SENT deletes the TCB', () => {
    const L = conn([]);
    L.open('passive');
    expect(L.abort()).toEqual([{ kind: 'state', from: 'LISTEN', to: 'CLOSED' }]);
    const A = conn([5]);
    A.open('active');
    expect(A.close()).toEqual([{ kind: 'state', from: 'SYN-SENT', to: 'CLOSED' }]);
  });

  it('SEND in SYN-SENT queues the data until ESTABLISHED; CLOSE in SYN-RECEIVED sends a FIN', () => {
    const A = conn([99]);
    A.open('active');
    expect(A.send(new TextEncoder().encode('early'))).toEqual([]);
    const out = A.receive(seg(299, 100, SYN | ACK));
    expect(sent(out)).toEqual(['<SEQ=100><ACK=300><CTL=ACK,PSH><DATA=5>']);
    const B = conn([300]);
    B.open('passive');
    B.receive(seg(100, 0, SYN));
    expect(sent(B.close())).toEqual(['<SEQ=301><ACK=101><CTL=FIN,ACK>']);
    expect(B.state).toBe('FIN-WAIT-1');
  });

  it('handle() takes every input as a value', () => {
    const A = conn([7]);
    const states: TcpState[] = [];
    for (const a of A.handle({ kind: 'open', mode: 'active' })) if (a.kind === 'state') states.push(a.to);
    A.handle({ kind: 'segment', segment: seg(50, 8, SYN | ACK) });
    A.handle({ kind: 'send', data: new Uint8Array([1, 2]), close: true });
    A.handle({ kind: 'segment', segment: seg(51, 11, FIN | ACK) });
    expect(A.state).toBe('TIME-WAIT');
    A.handle({ kind: 'timeout', timer: 'time-wait' });
    expect(states).toEqual(['SYN-SENT']);
    expect(A.state).toBe('CLOSED');
    expect(A.handle({ kind: 'timeout', timer: 'time-wait' })).toEqual([]);
    expect(() => A.handle({ kind: 'abort' })).toThrow(TcpError);
    expect(() => A.handle({ kind: 'close' })).toThrow(TcpError);
  });
});

describe('two endpoints on an in-memory wire (fast-check)', () => {
  type Op =
    | { op: 'send'; side: 0 | 1; data: Uint8Array }
    | { op: 'close'; side: 0 | 1 }
    | { op: 'abort'; side: 0 | 1 }
    | { op: 'deliver'; dir: 0 | 1; second: boolean };
  const side = fc.constantFrom<0 | 1>(0, 1);
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ op: fc.constant('send' as const), side, data: fc.uint8Array({ maxLength: 3000 }) }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('close' as const), side }) },
    { weight: 6, arbitrary: fc.record({ op: fc.constant('deliver' as const), dir: side, second: fc.boolean() }) },
  );
  const withAbort: fc.Arbitrary<Op> = fc.oneof(
    { weight: 20, arbitrary: op },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('abort' as const), side }) },
  );

  function run(ops: Op[], isses: [number, number], options: Partial<TcpConfig>) {
    // Endless ISS sources: a side that returns to LISTEN draws a new one for the next SYN.
    const endless = (iss: number): TcpProvider => {
      let n = 0;
      return { initialSequenceNumber: () => (iss + 100_000 * n++) >>> 0, timestamp: () => 1 };
    };
    const ends = [
      new TcpConnection({ provider: endless(isses[0]), localPort: 1000, remotePort: 2000, ...options }),
      new TcpConnection({ provider: endless(isses[1]), localPort: 2000, remotePort: 1000, ...options }),
    ] as const;
    const wire: [TcpSegment[], TcpSegment[]] = [[], []]; // wire[i]: segments from endpoint i, in flight
    const sentBytes: [number[], number[]] = [[], []];
    const got: [number[], number[]] = [[], []];
    let clean = true;
    const closed: [boolean, boolean] = [false, false];
    const take = (i: 0 | 1, actions: TcpAction[]) => {
      for (const a of actions) {
        if (a.kind === 'segment') wire[i].push(a.segment);
        if (a.kind === 'data') got[i].push(...a.data);
      }
    };
    const call = (i: 0 | 1, fn: () => TcpAction[]): boolean => {
      try {
        take(i, fn());
        return true;
      } catch (e) {
        if (!(e instanceof TcpError)) throw e;
        return false;
      }
    };
    const deliver = (dir: 0 | 1, index: number) => {
      const [s] = wire[dir].splice(index, 1);
      const to = (1 - dir) as 0 | 1;
      take(to, ends[to].receive({ ...s!, srcPort: s!.dstPort, dstPort: s!.srcPort }));
    };
    take(1, ends[1].open('passive'));
    take(0, ends[0].open('active'));
    for (const o of ops) {
      if (o.op === 'send') {
        if (call(o.side, () => ends[o.side].send(o.data))) sentBytes[o.side].push(...o.data);
      } else if (o.op === 'close') {
        const before = ends[o.side].state;
        if (call(o.side, () => ends[o.side].close())) {
          closed[o.side] = true;
          if (before === 'LISTEN' || before === 'SYN-SENT') clean = false;
        }
      } else if (o.op === 'abort') {
        if (call(o.side, () => ends[o.side].abort())) clean = false;
      } else if (wire[o.dir].length > 0) {
        // Reordering only into synchronized states: without retransmission, a segment a handshaking
        // endpoint drops (RFC 9293 §3.10.7.3, fifth step) is lost for good.
        const to = ends[1 - o.dir]!.state;
        const reorder = o.second && wire[o.dir].length > 1 && to !== 'SYN-SENT' && to !== 'SYN-RECEIVED';
        deliver(o.dir, reorder ? 1 : 0);
      }
    }
    const drain = () => {
      for (let n = 0; n < 100_000 && (wire[0].length > 0 || wire[1].length > 0); n++)
        deliver(wire[0].length > 0 ? 0 : 1, 0);
    };
    drain();
    for (const i of [0, 1] as const) {
      const before = ends[i].state;
      if (!closed[i] && call(i, () => ends[i].close())) {
        closed[i] = true;
        if (before === 'LISTEN' || before === 'SYN-SENT') clean = false;
      }
    }
    drain();
    return { ends, sentBytes, got, clean: clean && closed[0] && closed[1] };
  }

  const config = fc.record({
    windowScale: fc.option(fc.integer({ min: 0, max: 14 }), { nil: undefined }),
    timestamps: fc.boolean(),
    sackPermitted: fc.boolean(),
    mss: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined }),
  });

  it('clean closes end in CLOSED or TIME-WAIT with every byte delivered in order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.tuple(fc.nat(), fc.nat()), config, (ops, isses, options) => {
        const isn: [number, number] = [isses[0] >>> 0, isses[1] >>> 0];
        const r = run(ops, isn, options);
        // A CLOSE in SYN-SENT or LISTEN deletes the connection (RFC 9293 §3.10.4): not a clean close.
        fc.pre(r.clean);
        for (const i of [0, 1] as const) {
          expect(['CLOSED', 'TIME-WAIT']).toContain(r.ends[i].state);
          expect(r.got[1 - i]).toEqual(r.sentBytes[i]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('any interleaving, aborts included, throws nothing but TcpError', () => {
    fc.assert(
      fc.property(
        fc.array(withAbort, { maxLength: 80 }),
        fc.tuple(fc.nat(), fc.nat()),
        config,
        (ops, isses, options) => {
          const r = run(ops, [isses[0] >>> 0, isses[1] >>> 0], options);
          if (r.clean) {
            for (const i of [0, 1] as const) expect(r.got[1 - i]).toEqual(r.sentBytes[i]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

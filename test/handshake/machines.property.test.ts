/**
 * Properties of all six handshake machines under hostile input (issue #10), with fast-check under a
 * fixed seed: the TLS 1.3 `TlsClient` and `TlsServer` (RFC 8446), the TLS 1.2 `Tls12Client` and
 * `Tls12Server` (RFC 5246), and `NegotiatingClient` and `NegotiatingServer` (RFC 8446 §4.2.1,
 * Appendix D). The tests use only the public API (`tlswire/handshake`: the constructors, `start()`,
 * `handle(bytes)` and the events). Every machine draws its randomness from a seeded provider and reads
 * a fixed clock, so a handshake recorded once replays byte for byte.
 *
 * Inputs, for each machine (clients after `start()`):
 * 1. random bytes, bare or behind a record header (RFC 8446 §5.1, RFC 5246 §6.2.1) and a handshake
 *    message header (RFC 8446 §4, RFC 5246 §7.4), cut into random pieces;
 * 2. records built from real handshake messages, recorded from in-memory handshakes between our own
 *    clients and servers: a valid prefix of the real peer's records, then messages picked at random
 *    (so reordered and duplicated) and mutated (bits flipped, truncated, length or type changed, bytes
 *    inserted), re-framed into handshake records of random sizes, mixed with ChangeCipherSpec, alert
 *    and other records, the stream cut at random points;
 * 3. the real peer's flights with their plaintext handshake records re-framed into records of random
 *    sizes and the stream cut at random points: the handshake must still complete, since record and
 *    transport boundaries carry no meaning for handshake messages (RFC 8446 §5.1, RFC 5246 §6.2.1).
 *
 * Invariants: `start()` and `handle()` never throw. A failed connection (RFC 8446 §6.2, RFC 5246
 * §7.2.2: a fatal alert ends it at once) reports exactly one `error` event, carrying a
 * `ConnectionFailure`, as its last event; it sent exactly one fatal alert (`alert-sent`, level 2,
 * the failure's alert, origin 'sent'), or none when a received alert ended it (the failure's alert is
 * that `alert-received`, origin 'received'); after it, `handle()` returns no events at all. No fatal
 * alert is sent without an `error` event.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/index.js';
import {
  type AnyTlsEvent,
  ConnectionFailure,
  NegotiatingClient,
  NegotiatingServer,
  Tls12Client,
  Tls12Server,
  TlsClient,
  TlsServer,
} from '../../src/handshake/index.js';
import { certified } from './memory.js';
import { split } from './support.js';

/** fast-check seed: every run of this file draws the same cases. */
const SEED = 0x1057;
/** Cases per machine (1, 2) and per recorded handshake (3): the whole file stays within seconds. */
const RUNS = { random: 300, messages: 250, flights: 20 };

const NOW = Date.UTC(2026, 0, 1);
const now = () => NOW;
const CERTIFICATE = certified('server-ecdsa');
const accept = () => undefined;

/** A NobleProvider whose random source is xorshift32 from `seed`: the same bytes on every run. */
function seeded(seed: number): NobleProvider {
  let x = (0x9e3779b9 ^ seed) >>> 0 || 1;
  return new NobleProvider({
    random: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out[i] = x >>> 24;
      }
      return out;
    },
  });
}

/** The public surface every machine shares. */
interface Machine {
  handle(bytes: Uint8Array): AnyTlsEvent[];
  readonly isEstablished: boolean;
}

/** A fresh machine and the events of its `start()` (none for a server). */
interface Opened {
  machine: Machine;
  first: AnyTlsEvent[];
}

const client = (machine: Machine & { start(): AnyTlsEvent[] }): Opened => ({ machine, first: machine.start() });
const server = (machine: Machine): Opened => ({ machine, first: [] });

const CLIENT = { serverName: 'localhost', verifyServer: accept, now };
const tls13Client = (seed: number) => client(new TlsClient({ ...CLIENT, provider: seeded(seed) }));
const tls13Server = (seed: number) => server(new TlsServer({ certificate: CERTIFICATE, now, provider: seeded(seed) }));
const tls12Client = (seed: number) => client(new Tls12Client({ ...CLIENT, provider: seeded(seed) }));
const tls12Server = (seed: number) =>
  server(new Tls12Server({ certificate: CERTIFICATE, now, provider: seeded(seed) }));
const negotiatingClient = (seed: number) => client(new NegotiatingClient({ ...CLIENT, provider: seeded(seed) }));
const negotiatingServer = (seed: number) => {
  const provider = seeded(seed);
  return server(
    new NegotiatingServer({
      tls13: { certificate: CERTIFICATE, now, provider },
      tls12: { certificate: CERTIFICATE, now, provider },
    }),
  );
};

/** A machine under test and the real peers whose handshakes with it are recorded. */
interface Subject {
  name: string;
  open(): Opened;
  peers: { name: string; open(): Opened }[];
}

const SUBJECTS: Subject[] = [
  { name: 'TlsClient', open: () => tls13Client(1), peers: [{ name: 'TlsServer', open: () => tls13Server(2) }] },
  { name: 'TlsServer', open: () => tls13Server(1), peers: [{ name: 'TlsClient', open: () => tls13Client(2) }] },
  { name: 'Tls12Client', open: () => tls12Client(1), peers: [{ name: 'Tls12Server', open: () => tls12Server(2) }] },
  { name: 'Tls12Server', open: () => tls12Server(1), peers: [{ name: 'Tls12Client', open: () => tls12Client(2) }] },
  {
    name: 'NegotiatingClient',
    open: () => negotiatingClient(1),
    peers: [
      { name: 'NegotiatingServer (TLS 1.3)', open: () => negotiatingServer(2) },
      { name: 'Tls12Server (TLS 1.2)', open: () => tls12Server(2) },
    ],
  },
  {
    name: 'NegotiatingServer',
    open: () => negotiatingServer(1),
    peers: [
      { name: 'NegotiatingClient (TLS 1.3)', open: () => negotiatingClient(2) },
      { name: 'Tls12Client (TLS 1.2)', open: () => tls12Client(2) },
    ],
  },
];

/** Bytes of every `send` event, concatenated. */
const sent = (events: AnyTlsEvent[]): Uint8Array =>
  concat(...events.flatMap((e) => (e.kind === 'send' ? [e.bytes] : [])));

/** A handshake between a subject and a real peer of ours. */
interface Recording {
  peer: string;
  /** The peer's flights to the subject, in order (each the bytes of one of the peer's calls). */
  flights: Uint8Array[];
  /** Every handshake message of the handshake, either direction (header included). */
  messages: Uint8Array[];
}

/** Run `subject` against `peer` in memory until both are quiet; both must be established. */
function record(subject: Subject, peer: Subject['peers'][number]): Recording {
  const me = subject.open();
  const other = peer.open();
  const flights: Uint8Array[] = [];
  const messages: Uint8Array[] = [];
  const errors: unknown[] = [];
  const note = (events: AnyTlsEvent[]) => {
    for (const e of events) {
      if (e.kind === 'handshake-message') messages.push(e.raw.slice());
      if (e.kind === 'error') errors.push(e.error);
    }
    return events;
  };
  let toPeer = sent(note(me.first));
  let toMe = sent(note(other.first));
  if (toMe.length > 0) flights.push(toMe);
  for (let round = 0; round < 10 && (toPeer.length > 0 || toMe.length > 0); round++) {
    if (toMe.length > 0) {
      toPeer = concat(toPeer, sent(note(me.machine.handle(toMe))));
      toMe = new Uint8Array(0);
    }
    if (toPeer.length > 0) {
      toMe = sent(note(other.machine.handle(toPeer)));
      toPeer = new Uint8Array(0);
      if (toMe.length > 0) flights.push(toMe);
    }
  }
  if (errors.length > 0 || !me.machine.isEstablished || !other.machine.isEstablished) {
    throw new Error(`${subject.name} with ${peer.name}: the recorded handshake failed: ${errors.join('; ')}`);
  }
  return { peer: peer.name, flights, messages };
}

const RECORDINGS = new Map(SUBJECTS.map((s) => [s.name, s.peers.map((p) => record(s, p))]));
const recordingsOf = (subject: Subject): Recording[] => RECORDINGS.get(subject.name)!;

/** Every distinct handshake message of every recording: the pool property 2 picks from. */
const MESSAGES: Uint8Array[] = (() => {
  const seen = new Map<string, Uint8Array>();
  for (const recordings of RECORDINGS.values()) {
    for (const r of recordings) for (const m of r.messages) seen.set(Buffer.from(m).toString('hex'), m);
  }
  return [...seen.values()];
})();

/** A TLS record (RFC 8446 §5.1, RFC 5246 §6.2.1). */
function tlsRecord(type: number, fragment: Uint8Array, version = 0x0303): Uint8Array {
  return concat(
    Uint8Array.of(type, version >> 8, version & 0xff, fragment.length >> 8, fragment.length & 0xff),
    fragment,
  );
}

/** The records of a well-formed stream, each with its header. */
function records(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at + 5 <= stream.length; ) {
    const end = at + 5 + ((stream[at + 3]! << 8) | stream[at + 4]!);
    out.push(stream.subarray(at, end));
    at = end;
  }
  return out;
}

/** `bytes` as handshake records (content type 22) with fragments of the given sizes, in turn. */
function frame(bytes: Uint8Array, sizes: readonly number[], version = 0x0303): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes.length > 0 ? sizes[i % sizes.length]! : 16384;
    out.push(tlsRecord(22, bytes.subarray(at, at + size), version));
    at += size;
  }
  return out;
}

/**
 * A flight with its plaintext handshake records (content type 22 before any ChangeCipherSpec or
 * protected record) re-framed into fragments of `sizes` (RFC 8446 §5.1, RFC 5246 §6.2.1: handshake
 * messages may be split across and coalesced into records); the protected records after them as they were.
 */
function reframe(flight: Uint8Array, sizes: readonly number[]): Uint8Array {
  const all = records(flight);
  const plain = all.findIndex((r) => r[0] !== 22);
  const head = plain < 0 ? all : all.slice(0, plain);
  if (head.length === 0) return flight;
  const version = (head[0]![1]! << 8) | head[0]![2]!;
  const fragments = concat(...head.map((r) => r.subarray(5)));
  return concat(...frame(fragments, sizes, version), ...all.slice(head.length));
}

/** Open a subject and feed it `chunks`; returns the machine and all its events (start() included). */
function feed(subject: Subject, chunks: readonly Uint8Array[]): { machine: Machine; events: AnyTlsEvent[] } {
  const { machine, first } = subject.open();
  const events = [...first];
  for (const chunk of chunks) events.push(...machine.handle(chunk));
  return { machine, events };
}

/** A record that would come next on a live connection, fed after the input to see that nothing more happens. */
const AFTER = tlsRecord(21, Uint8Array.of(2, 10));

/**
 * The invariants of a machine's events (see the module comment). `machine` is fed {@link AFTER}
 * when it failed, which must return no events.
 */
function expectWellBehaved(machine: Machine, events: AnyTlsEvent[]): void {
  const errors = events.filter((e) => e.kind === 'error');
  const fatalSent = events.filter((e) => e.kind === 'alert-sent' && e.level === 2);
  if (errors.length === 0) {
    expect(fatalSent, 'a fatal alert was sent without an error event').toEqual([]);
    return;
  }
  expect(errors, 'exactly one error event').toHaveLength(1);
  expect(events.at(-1), 'the error event is the last event').toBe(errors[0]);
  const failure = errors[0]!.error;
  expect(failure, 'the error is a ConnectionFailure').toBeInstanceOf(ConnectionFailure);
  const { alert, alertOrigin } = failure as ConnectionFailure;
  const received = events.filter((e) => e.kind === 'alert-received');
  if (alertOrigin === 'received') {
    expect(fatalSent, 'no alert sent after a received alert ended the connection').toEqual([]);
    expect(received.at(-1)?.description, 'the received alert is the failure’s').toBe(alert);
  } else {
    expect(
      fatalSent.map((e) => e.kind === 'alert-sent' && e.description),
      'exactly one fatal alert sent: the failure’s',
    ).toEqual([alert]);
    expect(alertOrigin).toBe('sent');
  }
  expect(machine.handle(AFTER), 'handle() after the failure returns no events').toEqual([]);
}

/** Run `property` once per case; a throw from start() or handle() fails the case like a broken invariant. */
function check<T>(arbitrary: fc.Arbitrary<T>, property: (value: T) => void, numRuns: number): void {
  fc.assert(fc.property(arbitrary, property), { seed: SEED, numRuns });
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

/** Property 1: random bytes, optionally behind a record header and a handshake message header. */
const randomInput = fc.record({
  bytes: fc.uint8Array({ maxLength: 300 }),
  record: fc.option(
    fc.record({
      type: fc.constantFrom(20, 21, 22, 23, 24, 0, 255),
      version: fc.constantFrom(0x0301, 0x0303, 0x0304, 0x0300, 0x0203),
      lengthDelta: fc.integer({ min: -2, max: 2 }),
    }),
  ),
  handshakeType: fc.option(fc.constantFrom(0, 1, 2, 4, 8, 11, 12, 13, 14, 15, 16, 20, 24, 254)),
  cuts,
});

function randomBytes(input: typeof randomInput extends fc.Arbitrary<infer T> ? T : never): Uint8Array {
  let bytes: Uint8Array = input.bytes;
  if (input.handshakeType !== null) {
    const n = bytes.length;
    bytes = concat(Uint8Array.of(input.handshakeType, n >> 16, (n >> 8) & 0xff, n & 0xff), bytes);
  }
  if (input.record !== null) {
    const { type, version, lengthDelta } = input.record;
    const n = Math.max(0, bytes.length + lengthDelta);
    bytes = concat(Uint8Array.of(type, version >> 8, version & 0xff, n >> 8, n & 0xff), bytes);
  }
  return bytes;
}

/** A change to one handshake message (header included). */
const mutation = fc.oneof(
  { arbitrary: fc.constant({ op: 'none' as const }), weight: 3 },
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ op: fc.constant('shorten' as const), keep: fc.nat() }),
  fc.record({ op: fc.constant('type' as const), type: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('length' as const), length: fc.integer({ min: 0, max: 0xffffff }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(raw: Uint8Array, m: Mutation): Uint8Array {
  const out: Uint8Array = raw.slice();
  switch (m.op) {
    case 'none':
      return out;
    case 'flip':
      out[m.at % out.length]! ^= 1 << m.bit;
      return out;
    case 'truncate':
      // The header still claims the full length: the next message's bytes complete it.
      return out.subarray(0, m.keep % (out.length + 1));
    case 'shorten': {
      // A shorter body under a header that says so: framed right, cut inside the message.
      const body = m.keep % Math.max(1, out.length - 4);
      out.set([body >> 16, (body >> 8) & 0xff, body & 0xff], 1);
      return out.subarray(0, 4 + body);
    }
    case 'type':
      out[0] = m.type;
      return out;
    case 'length':
      out.set([m.length >> 16, (m.length >> 8) & 0xff, m.length & 0xff], 1);
      return out;
    case 'insert': {
      const at = m.at % (out.length + 1);
      return concat(out.subarray(0, at), m.bytes, out.subarray(at));
    }
  }
}

/** Property 2: a real prefix, then recorded messages (any order, repeated, mutated) and other records. */
const messageInput = fc.record({
  recording: fc.nat(),
  prefix: fc.nat(),
  items: fc.array(
    fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('message' as const), pick: fc.nat(), mutation }), weight: 6 },
      fc.record({ kind: fc.constant('ccs' as const) }),
      fc.record({
        kind: fc.constant('alert' as const),
        level: fc.constantFrom(1, 2),
        description: fc.constantFrom(0, 10, 20, 40, 47, 50, 70, 80, 90, 109, 255),
      }),
      fc.record({
        kind: fc.constant('record' as const),
        type: fc.constantFrom(23, 24, 25),
        body: fc.uint8Array({ maxLength: 64 }),
      }),
    ),
    { minLength: 1, maxLength: 8 },
  ),
  sizes: fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 4 }),
  cuts,
});

function messageStream(subject: Subject, input: typeof messageInput extends fc.Arbitrary<infer T> ? T : never) {
  const recordings = recordingsOf(subject);
  const real = records(concat(...recordings[input.recording % recordings.length]!.flights));
  const out: Uint8Array[] = real.slice(0, input.prefix % (real.length + 1));
  let handshake: Uint8Array[] = [];
  const flush = () => {
    out.push(...frame(concat(...handshake), input.sizes));
    handshake = [];
  };
  for (const item of input.items) {
    if (item.kind === 'message') {
      handshake.push(mutate(MESSAGES[item.pick % MESSAGES.length]!, item.mutation));
      continue;
    }
    flush();
    if (item.kind === 'ccs') out.push(tlsRecord(20, Uint8Array.of(1)));
    else if (item.kind === 'alert') out.push(tlsRecord(21, Uint8Array.of(item.level, item.description)));
    else out.push(tlsRecord(item.type, item.body));
  }
  flush();
  return concat(...out);
}

/** Property 3: which recording, the plaintext record sizes and the cuts of each flight. */
const flightInput = fc.record({
  sizes: fc.array(fc.integer({ min: 1, max: 600 }), { maxLength: 4 }),
  cuts: fc.array(cuts, { minLength: 4, maxLength: 4 }),
});

for (const subject of SUBJECTS) {
  describe(subject.name, () => {
    it('1. random bytes, in random splits: never a throw; a failure is one fatal alert, then one error, then silence', () => {
      check(
        randomInput,
        (input) => {
          const { machine, events } = feed(subject, split(randomBytes(input), input.cuts));
          expectWellBehaved(machine, events);
        },
        RUNS.random,
      );
    });

    it('2. recorded handshake messages reordered, repeated, mutated and re-framed: the same invariants', () => {
      check(
        messageInput,
        (input) => {
          const { machine, events } = feed(subject, split(messageStream(subject, input), input.cuts));
          expectWellBehaved(machine, events);
        },
        RUNS.messages,
      );
    });

    for (const recording of recordingsOf(subject)) {
      it(`3. the flights of ${recording.peer}, re-framed and split at random: the handshake completes`, () => {
        // The recording replays as it was (the harness is deterministic), then under any framing.
        const plain = feed(subject, recording.flights);
        expect(plain.events.filter((e) => e.kind === 'error')).toEqual([]);
        expect(plain.machine.isEstablished).toBe(true);
        check(
          flightInput,
          (input) => {
            const chunks = recording.flights.flatMap((f, i) => split(reframe(f, input.sizes), input.cuts[i % 4]!));
            const { machine, events } = feed(subject, chunks);
            expect(events.filter((e) => e.kind === 'error')).toEqual([]);
            expect(machine.isEstablished).toBe(true);
          },
          RUNS.flights,
        );
      });
    }
  });
}

/**
 * State-machine targets: the six handshake machines (TLS 1.3 `TlsClient` / `TlsServer`, RFC 8446;
 * TLS 1.2 `Tls12Client` / `Tls12Server`, RFC 5246; `NegotiatingClient` / `NegotiatingServer`), each fed
 * the flights its real peer (one of our own machines) sent in a recorded in-memory handshake, changed:
 * records and the handshake messages inside them mutated, dropped, duplicated, reordered or taken from
 * another handshake, re-framed into records of random sizes (RFC 8446 §5.1), the stream cut into
 * `handle()` calls at random points.
 *
 * Invariants (RFC 8446 §6.2, RFC 5246 §7.2.2): `start()` and `handle()` never throw; a failure is
 * exactly one `error` event (a ConnectionFailure whose cause is a typed error), the last event, with
 * exactly one fatal alert sent (the failure's) or none when a received alert ended it; afterwards
 * `handle()` returns no events.
 */
import { TlswireError } from '../../src/bytes/errors.js';
import { TlsClient } from '../../src/handshake/client.js';
import { ConnectionFailure } from '../../src/handshake/diagnosis.js';
import type { AnyTlsEvent } from '../../src/handshake/negotiate.js';
import { NegotiatingClient, NegotiatingServer } from '../../src/handshake/negotiate.js';
import { TlsServer } from '../../src/handshake/server.js';
import { AeadTicketer } from '../../src/handshake/ticket.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import type { CertifiedKey } from '../../src/handshake/types.js';
import { NamedGroup } from '../../src/tls/enums.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';
import { readRepoFile } from '../corpus.js';
import { generate, type Version } from '../flights.js';
import { FuzzProvider } from '../provider.js';
import { type Chunks, concatAll, InvariantViolation, type Target } from '../target.js';

const text = (path: string) => new TextDecoder().decode(readRepoFile(path));
const certified = (name: string): CertifiedKey => ({
  chain: decodePem(text(`test/pki/out/${name}-chain.pem`)).map((b) => b.der),
  key: parsePrivateKey(text(`test/pki/out/${name}.key`)),
});
const CERTIFICATE = certified('server-ecdsa');
const CLIENT_CERTIFICATE = certified('client');
const NOW = Date.UTC(2027, 0, 1);
const now = () => NOW;
const accept = () => undefined;
const provider = new FuzzProvider();
const TICKET_KEY = new Uint8Array(32).fill(9);

interface Machine {
  handle(bytes: Uint8Array): AnyTlsEvent[];
  write(data: Uint8Array): AnyTlsEvent[];
  close(): AnyTlsEvent[];
  readonly isEstablished: boolean;
}
type Open = () => { machine: Machine; first: AnyTlsEvent[] };

/** One configuration of a subject machine and of the real peer whose flights it is fed. */
interface Variant {
  subject: Open;
  peer: Open;
  version: Version;
}

const asClient = (m: Machine & { start(): AnyTlsEvent[] }) => ({ machine: m, first: m.start() });
const asServer = (m: Machine) => ({ machine: m, first: [] as AnyTlsEvent[] });

const CLIENT = { serverName: 'localhost', verifyServer: accept, now, provider };
const AUTH = { clientAuth: 'require', verifyClient: accept } as const;
const SERVER = { certificate: CERTIFICATE, now, provider };
type ClientOptions = { session?: unknown; certificate?: CertifiedKey; earlyData?: Uint8Array };
type ServerOptions = {
  groups?: readonly number[];
  groupSelection?: 'server-order';
  clientAuth?: 'require';
  verifyClient?: () => undefined;
  maxEarlyDataSize?: number;
  antiReplay?: { accept(): boolean };
};
/** The server prefers secp256r1, the client sends an x25519 share: a HelloRetryRequest (RFC 8446 §4.1.4). */
const RETRY = { groups: [NamedGroup.secp256r1, NamedGroup.x25519], groupSelection: 'server-order' } as const;
/** 0-RTT accepted (every replay check passes: each run is a fresh server). */
const ZERO_RTT = { maxEarlyDataSize: 1024, antiReplay: { accept: () => true } };

const tls13Client =
  (o: ClientOptions = {}) =>
  () =>
    asClient(new TlsClient({ ...CLIENT, ...o } as never));
const tls13Server =
  (o: ServerOptions = {}) =>
  () =>
    asServer(new TlsServer({ ...SERVER, ticketer: new AeadTicketer(provider, TICKET_KEY), ...o }));
const tls12Client =
  (o: ClientOptions = {}) =>
  () =>
    asClient(new Tls12Client({ ...CLIENT, ...o } as never));
const tls12Server =
  (o: ServerOptions = {}) =>
  () =>
    asServer(new Tls12Server({ ...SERVER, ticketer: new Tls12AeadTicketer(provider, TICKET_KEY), ...o }));
const negotiatingClient = () => () => asClient(new NegotiatingClient(CLIENT));
const negotiatingServer =
  (o: ServerOptions = {}) =>
  () =>
    asServer(
      new NegotiatingServer({
        tls13: { ...SERVER, ticketer: new AeadTicketer(provider, TICKET_KEY), ...o },
        tls12: SERVER,
      }),
    );

/** The session a client reports after a full handshake with `server` (TLS 1.3: from its first ticket). */
function sessionOf(client: Open, server: Open): unknown {
  let session: unknown;
  converse(client(), server(), (e) => {
    if (e.kind === 'session') session ??= e.session;
  });
  if (!session) throw new Error('fuzz: no session to resume');
  return session;
}

const EARLY = new TextEncoder().encode('early data');

/**
 * The configurations of each machine: full handshake, resumed, client authentication, HelloRetryRequest
 * (and 0-RTT for the TLS 1.3 server).
 */
const VARIANTS: Record<string, () => Variant[]> = {
  'tls13-client': () => {
    const session = sessionOf(tls13Client(), tls13Server());
    return [
      { subject: tls13Client(), peer: tls13Server(), version: 'tls13' },
      { subject: tls13Client({ session }), peer: tls13Server(), version: 'tls13' },
      { subject: tls13Client({ certificate: CLIENT_CERTIFICATE }), peer: tls13Server(AUTH), version: 'tls13' },
      { subject: tls13Client(), peer: tls13Server(RETRY), version: 'tls13' },
    ];
  },
  'tls13-server': () => {
    const session = sessionOf(tls13Client(), tls13Server(ZERO_RTT));
    return [
      { subject: tls13Server(), peer: tls13Client(), version: 'tls13' },
      { subject: tls13Server(), peer: tls13Client({ session }), version: 'tls13' },
      { subject: tls13Server(AUTH), peer: tls13Client({ certificate: CLIENT_CERTIFICATE }), version: 'tls13' },
      { subject: tls13Server(RETRY), peer: tls13Client(), version: 'tls13' },
      {
        subject: tls13Server(ZERO_RTT),
        peer: tls13Client({ session, earlyData: EARLY }),
        version: 'tls13',
      },
    ];
  },
  'tls12-client': () => {
    const session = sessionOf(tls12Client(), tls12Server());
    return [
      { subject: tls12Client(), peer: tls12Server(), version: 'tls12' },
      { subject: tls12Client({ session }), peer: tls12Server(), version: 'tls12' },
      { subject: tls12Client({ certificate: CLIENT_CERTIFICATE }), peer: tls12Server(AUTH), version: 'tls12' },
    ];
  },
  'tls12-server': () => {
    const session = sessionOf(tls12Client(), tls12Server());
    return [
      { subject: tls12Server(), peer: tls12Client(), version: 'tls12' },
      { subject: tls12Server(), peer: tls12Client({ session }), version: 'tls12' },
      { subject: tls12Server(AUTH), peer: tls12Client({ certificate: CLIENT_CERTIFICATE }), version: 'tls12' },
    ];
  },
  'negotiating-client': () => [
    { subject: negotiatingClient(), peer: negotiatingServer(), version: 'tls13' },
    { subject: negotiatingClient(), peer: negotiatingServer(RETRY), version: 'tls13' },
    { subject: negotiatingClient(), peer: tls12Server(), version: 'tls12' },
  ],
  'negotiating-server': () => [
    { subject: negotiatingServer(), peer: negotiatingClient(), version: 'tls13' },
    { subject: negotiatingServer(RETRY), peer: negotiatingClient(), version: 'tls13' },
    { subject: negotiatingServer(), peer: tls12Client(), version: 'tls12' },
  ],
};

const sent = (events: AnyTlsEvent[]): Uint8Array =>
  concatAll(events.flatMap((e) => (e.kind === 'send' ? [e.bytes] : [])));

/**
 * Run `a` (started) against `b` until both are quiet; every event goes to `see`, every flight `b`
 * sends to `a` to `flights`. An error event is thrown.
 */
function converse(
  a: ReturnType<Open>,
  b: ReturnType<Open>,
  see: (e: AnyTlsEvent) => void = () => undefined,
  flights: Uint8Array[] = [],
): void {
  const take = (events: AnyTlsEvent[]) => {
    for (const e of events) {
      if (e.kind === 'error') throw new Error(`fuzz: the recorded handshake failed: ${e.error}`);
      see(e);
    }
    return sent(events);
  };
  let toB = take(a.first);
  let toA = take(b.first);
  for (let round = 0; round < 10 && (toA.length > 0 || toB.length > 0); round++) {
    if (toA.length > 0) {
      flights.push(toA);
      toB = concatAll([toB, take(a.machine.handle(toA))]);
      toA = new Uint8Array(0);
    }
    if (toB.length > 0) {
      toA = take(b.machine.handle(toB));
      toB = new Uint8Array(0);
    }
  }
  if (!a.machine.isEstablished || !b.machine.isEstablished) throw new Error('fuzz: recorded handshake incomplete');
}

/** The peer's flights to the subject: the handshake, then data and close_notify. */
function record(v: Variant): Uint8Array {
  const me = v.subject();
  const other = v.peer();
  const flights: Uint8Array[] = [];
  converse(me, other, undefined, flights);
  flights.push(sent(other.machine.write(new TextEncoder().encode('hello, fuzzer'))));
  flights.push(sent(other.machine.close()));
  return concatAll(flights);
}

/** A record that would come next on a live connection, fed after a failure: must get no events. */
const AFTER = Uint8Array.of(21, 3, 3, 0, 2, 2, 10);

function check(ok: boolean, what: string): void {
  if (!ok) throw new InvariantViolation(what);
}

/**
 * How runs ended, by `state: alert` of the failure (or `established` / `waiting`), when a caller
 * sets it: to see how deep the mutated flights get.
 */
export const outcomes: { tally: Map<string, number> | undefined } = { tally: undefined };

function note(machine: Machine, events: AnyTlsEvent[]): void {
  const tally = outcomes.tally;
  if (!tally) return;
  const error = events.find((e) => e.kind === 'error');
  const f = error?.kind === 'error' && error.error instanceof ConnectionFailure ? error.error : undefined;
  const key = f ? `${f.state}: ${f.alertName} ${f.alertOrigin}` : machine.isEstablished ? 'established' : 'waiting';
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

/** Feed `chunks` to a fresh machine and check the invariants of its events. */
function feed(open: Open, chunks: Chunks): void {
  const { machine, first } = open();
  const events = [...first];
  for (const chunk of chunks) events.push(...machine.handle(chunk));
  note(machine, events);
  const errors = events.filter((e) => e.kind === 'error');
  const fatalSent = events.filter((e) => e.kind === 'alert-sent' && e.level === 2);
  if (errors.length === 0) {
    check(fatalSent.length === 0, 'a fatal alert was sent without an error event');
    return;
  }
  check(errors.length === 1, `${errors.length} error events`);
  check(events.at(-1) === errors[0], 'the error event is not the last event');
  const failure = (errors[0] as { error: Error }).error;
  check(failure instanceof ConnectionFailure, `the error is a ${failure.name}, not a ConnectionFailure`);
  const { alert, alertOrigin, cause } = failure as ConnectionFailure;
  if (!(cause instanceof TlswireError)) throw cause;
  if (alertOrigin === 'received') {
    check(fatalSent.length === 0, 'an alert was sent after a received alert ended the connection');
  } else {
    const sentAlerts = fatalSent.map((e) => (e.kind === 'alert-sent' ? e.description : -1));
    check(sentAlerts.length === 1 && sentAlerts[0] === alert, `fatal alerts sent [${sentAlerts}], failure's ${alert}`);
  }
  check(machine.handle(AFTER).length === 0, 'handle() after the failure returned events');
}

function machineTarget(name: string): Target {
  let variants: Variant[] | undefined;
  const all = () => {
    variants ??= VARIANTS[name]!();
    return variants;
  };
  return {
    name,
    description: `${name} fed its peer's recorded flights (full, resumed, client auth…), records and messages mutated, reordered, re-framed and cut`,
    header: 1,
    corpus: () => all().map((v, i) => [Uint8Array.of(i, v.version === 'tls12' ? 3 : 4), record(v)]),
    generate,
    run: ([variant, ...chunks]) => {
      const list = all();
      feed(list[(variant?.[0] ?? 0) % list.length]!.subject, chunks);
    },
  };
}

export const MACHINE_TARGETS: readonly Target[] = Object.keys(VARIANTS).map(machineTarget);

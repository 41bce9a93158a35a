/**
 * Flights taken apart and changed, for the state-machine targets: records as units with their
 * protection undone (FuzzProvider's null AEAD: TLS 1.3 content + type byte + 16 zero bytes, RFC 8446
 * §5.2; TLS 1.2 explicit nonce + content + 16 zero bytes, RFC 5246 §6.2.3.3), the handshake messages
 * inside them (RFC 8446 §4), and the changes one run makes: records mutated, dropped, duplicated,
 * swapped or inserted; messages reordered, dropped, duplicated, mutated or taken from another
 * recording, then re-framed into records of random sizes (RFC 8446 §5.1); the stream cut into calls.
 */
import { mutate, randomSplit } from './mutate.js';
import type { Rng } from './prng.js';
import { type Chunks, concatAll } from './target.js';

export type Version = 'tls12' | 'tls13';

/** A record, its protection undone (the null AEAD: content + type byte + 16 zero bytes in TLS 1.3). */
export interface Unit {
  type: number;
  version: number;
  prot: 'plain' | 'tls13' | 'tls12';
  /** TLS 1.2 explicit nonce. */
  prefix: Uint8Array;
  content: Uint8Array;
}

const TAG = 16;
const NONCE = 8;

/** The records of a stream as units (a TLS 1.2 stream is protected after its ChangeCipherSpec). */
export function toUnits(stream: Uint8Array, version: Version): Unit[] {
  const units: Unit[] = [];
  let tls12Protected = false;
  for (let at = 0; at + 5 <= stream.length; ) {
    const type = stream[at]!;
    const v = (stream[at + 1]! << 8) | stream[at + 2]!;
    const body = stream.subarray(at + 5, at + 5 + ((stream[at + 3]! << 8) | stream[at + 4]!));
    at += 5 + body.length;
    if (version === 'tls13' && type === 23 && body.length > TAG) {
      const inner = body.subarray(0, body.length - TAG);
      units.push({
        type: inner.at(-1)!,
        version: v,
        prot: 'tls13',
        prefix: new Uint8Array(0),
        content: inner.slice(0, -1),
      });
    } else if (tls12Protected && body.length >= NONCE + TAG) {
      const content = body.slice(NONCE, body.length - TAG);
      units.push({ type, version: v, prot: 'tls12', prefix: body.slice(0, NONCE), content });
    } else {
      units.push({ type, version: v, prot: 'plain', prefix: new Uint8Array(0), content: body.slice() });
    }
    if (version === 'tls12' && type === 20) tls12Protected = true;
  }
  return units;
}

/** The wire bytes of `units`. */
export function fromUnits(units: readonly Unit[]): Uint8Array {
  const records = units.map((u) => {
    const body =
      u.prot === 'tls13'
        ? concatAll([u.content, Uint8Array.of(u.type), new Uint8Array(TAG)])
        : u.prot === 'tls12'
          ? concatAll([u.prefix, u.content, new Uint8Array(TAG)])
          : u.content;
    const n = Math.min(body.length, 0xffff);
    const outer = u.prot === 'tls13' ? 23 : u.type;
    return concatAll([Uint8Array.of(outer, u.version >> 8, u.version & 0xff, n >> 8, n & 0xff), body.subarray(0, n)]);
  });
  return concatAll(records);
}

/** The handshake messages in `bytes` (the last one may be a fragment). */
function messagesOf(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = at + 4 <= bytes.length ? (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]! : 0;
    const end = Math.min(bytes.length, at + 4 + n);
    out.push(bytes.subarray(at, end));
    at = end;
  }
  return out;
}

/** A corpus case is [variant index and version (3: TLS 1.2, 4: TLS 1.3), the peer's stream]. */
const versionOf = (c: Chunks): Version => (c[0]![1] === 3 ? 'tls12' : 'tls13');

/** Pools to splice from: every record and every handshake message of every recording. */
interface Pool {
  units: Unit[];
  messages: Uint8Array[];
}

function poolOf(corpus: readonly Chunks[]): Pool {
  let pool = POOLS.get(corpus);
  if (!pool) {
    const units = corpus.flatMap((c) => toUnits(c[1]!, versionOf(c)));
    const messages = units.filter((u) => u.type === 22).flatMap((u) => messagesOf(u.content));
    pool = { units, messages };
    POOLS.set(corpus, pool);
  }
  return pool;
}
const POOLS = new WeakMap<readonly Chunks[], Pool>();

/** Apply one structural change to `units`. */
function change(rng: Rng, units: Unit[], pool: Pool): void {
  const i = rng.below(units.length);
  const op = rng.below(10);
  if (op <= 2 && units.length > 0) {
    const u = units[i]!;
    units[i] = { ...u, content: mutate(rng, u.content, pool.messages) };
  } else if (op === 3 && units.length > 1) units.splice(i, 1);
  else if (op === 4 && units.length > 0) units.splice(rng.below(units.length + 1), 0, units[i]!);
  else if (op === 5 && units.length > 1) {
    const j = rng.below(units.length);
    [units[i], units[j]] = [units[j]!, units[i]!];
  } else if (op === 6) units.splice(rng.below(units.length + 1), 0, foreign(rng, pool));
  else changeMessages(rng, units, pool);
}

/** A record that does not belong: ChangeCipherSpec, an alert, a random record, or another handshake's. */
function foreign(rng: Rng, pool: Pool): Unit {
  const plain = (type: number, content: Uint8Array): Unit => ({
    type,
    version: 0x0303,
    prot: 'plain',
    prefix: new Uint8Array(0),
    content,
  });
  switch (rng.below(4)) {
    case 0:
      return plain(20, Uint8Array.of(1));
    case 1:
      return plain(21, Uint8Array.of(rng.pick([1, 2]), rng.pick([0, 10, 20, 40, 47, 50, 70, 80, 90, 109, 255])));
    case 2:
      return plain(rng.pick([0, 22, 23, 24, 25, 255]), rng.bytes(rng.below(64)));
    default:
      return rng.pick(pool.units);
  }
}

/**
 * Change the handshake messages of a run of handshake records with the same protection (reorder, drop,
 * duplicate, mutate one, insert one from another handshake), then re-frame them into records of random sizes.
 */
function changeMessages(rng: Rng, units: Unit[], pool: Pool): void {
  const starts = units.flatMap((u, k) => (u.type === 22 ? [k] : []));
  if (starts.length === 0) return;
  const start = rng.pick(starts);
  const first = units[start]!;
  let end = start + 1;
  while (end < units.length && units[end]!.type === 22 && units[end]!.prot === first.prot) end++;
  const messages = messagesOf(concatAll(units.slice(start, end).map((u) => u.content)));
  if (messages.length === 0) messages.push(rng.pick(pool.messages));
  const op = rng.below(6);
  const k = rng.below(messages.length);
  if (op === 0) for (let a = messages.length - 1; a > 0; a--) swap(messages, a, rng.below(a + 1));
  else if (op === 1 && messages.length > 1) messages.splice(k, 1);
  else if (op === 2) messages.splice(rng.below(messages.length + 1), 0, messages[k]!);
  else if (op === 3) messages[k] = mutate(rng, messages[k]!, pool.messages);
  else if (op === 4) messages.splice(rng.below(messages.length + 1), 0, rng.pick(pool.messages));
  const bytes = concatAll(messages);
  const size = rng.chance(0.5) ? rng.between(1, 16) : rng.between(1, 2048);
  const framed: Unit[] = [];
  for (let at = 0; at < bytes.length; at += size) framed.push({ ...first, content: bytes.slice(at, at + size) });
  units.splice(start, end - start, ...framed);
}

function swap<T>(list: T[], a: number, b: number): void {
  [list[a], list[b]] = [list[b]!, list[a]!];
}

/**
 * One run's input: the variant (one byte, a chunk of its own), then a recording's stream, changed 1–3
 * times, maybe byte-mutated, cut into `handle()` calls.
 */
export function generate(rng: Rng, corpus: readonly Chunks[]): Chunks {
  const pool = poolOf(corpus);
  const c = rng.pick(corpus);
  const units = toUnits(c[1]!, versionOf(c));
  const changes = rng.between(rng.chance(0.1) ? 0 : 1, 3);
  for (let n = 0; n < changes; n++) change(rng, units, pool);
  let stream = fromUnits(units);
  if (rng.chance(0.25)) stream = mutate(rng, stream, pool.messages);
  return [c[0]!.subarray(0, 1), ...randomSplit(rng, stream, rng.chance(0.5) ? 2 : 12)];
}

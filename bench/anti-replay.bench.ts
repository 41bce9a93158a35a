/**
 * 0-RTT anti-replay (RFC 8446 §8.1, src/handshake/ticket.ts `SingleUseAntiReplay`): one check with
 * 40,000 tickets inside their window (the figure of issue #11 item 10, where the earlier store scanned
 * every entry on each check: 0.27 ms). Three cases: a ticket already seen (refused); a new ticket in a
 * steady state where one entry expires as each arrives (accepted, oldest dropped); and the server's
 * whole step, the key (SHA-256 of a 200-byte ticket identity) included.
 */
import type { Bench } from 'tinybench';
import { NobleProvider } from '../src/crypto/noble.js';
import { SingleUseAntiReplay } from '../src/handshake/ticket.js';

const ENTRIES = 40_000;

/** A 16-byte key numbered `n`. */
function keyOf(n: number, into = new Uint8Array(16)): Uint8Array {
  new DataView(into.buffer, into.byteOffset).setUint32(0, n);
  return into;
}

/** A store holding ENTRIES keys (0 … ENTRIES-1) that expire one per millisecond from `now` + 1. */
function filled(now: number): SingleUseAntiReplay {
  const store = new SingleUseAntiReplay({ maxEntries: ENTRIES + 1 });
  for (let i = 0; i < ENTRIES; i++) store.accept(keyOf(i), now + 1 + i, now);
  return store;
}

export function register(bench: Bench): string[] {
  const seen = filled(0);
  let n = 0;
  bench.add('anti-replay check at 40,000 entries: ticket already seen (refused)', () => {
    if (seen.accept(keyOf(n++ % ENTRIES), 1e15, 0)) throw new Error('a seen ticket was accepted');
  });

  // Steady state: at each call the clock moves 1 ms, one entry expires and a new ticket arrives.
  const steady = filled(0);
  const key = new Uint8Array(16);
  let now = 0;
  let next = ENTRIES;
  bench.add('anti-replay check at 40,000 entries: new ticket (accepted, oldest expires)', () => {
    now += 1;
    if (!steady.accept(keyOf(next++, key), now + ENTRIES, now)) throw new Error('a new ticket was refused');
  });

  const provider = new NobleProvider();
  const identity = new Uint8Array(200).fill(0x5a);
  const server = filled(0);
  let m = 0;
  let t = 0;
  bench.add('anti-replay server step at 40,000 entries: SHA-256 key of a 200-byte ticket + check', () => {
    t += 1;
    new DataView(identity.buffer).setUint32(0, m++);
    server.accept(provider.hash('sha256', identity).subarray(0, 16), t + ENTRIES, t);
  });
  return [
    `anti-replay: sizes after the run: ${seen.size}, ${steady.size}, ${server.size} entries (each bounded by maxEntries)`,
  ];
}

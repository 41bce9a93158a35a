/**
 * IPv4 fragment reassembly for captures (RFC 791 §3.2, "An Example Reassembly Procedure").
 *
 * Fragments are grouped by source, destination, protocol and identification (RFC 791's BUFID) and
 * put back together when every byte from offset 0 to the end given by the last fragment (MF clear)
 * is there. Differences from RFC 791's example procedure, all in the reader's favour:
 * - Overlaps: a fragment repeating bytes already held with the same values is accepted (a
 *   retransmission or a duplicate capture); one whose overlapping bytes differ discards the whole
 *   datagram (`overlap`). RFC 791 lets the later copy win, but conflicting overlaps are the classic
 *   way to make a monitor and the receiver see different data (Linux discards them too).
 * - A fragment reaching past 65535 bytes of data, or past the end set by the last fragment, or a
 *   second, different end, discards the datagram (`length`).
 * - Bounded memory, measured in capture time rather than wall time (docs/security.md, "Capture
 *   decoding"): at most `maxDatagrams` datagrams in progress and `maxBytes` bytes held over all of
 *   them (the oldest datagram is given up first, `limit`), at most 8192 fragments per datagram, and a datagram not completed within
 *   `timeoutNs` of its first fragment is given up (`timeout`; RFC 791 suggests 15 s as the initial timer).
 * @module
 */
import type { Ipv4Header } from './ip.js';

/** Limits of an {@link Ipv4Defragmenter}. */
export interface DefragmentOptions {
  /** Datagrams in progress at once (default 256). */
  maxDatagrams?: number;
  /** Fragment data held over all datagrams in progress (default 4 MiB). */
  maxBytes?: number;
  /** Capture-time nanoseconds from a datagram's first fragment to its completion (default 30 s). */
  timeoutNs?: bigint;
}

/** Why a datagram in progress was given up. */
export type FragmentDropReason = 'overlap' | 'length' | 'limit' | 'timeout';

/** A datagram given up, with the frames of its fragments seen so far. */
export interface FragmentDrop {
  reason: FragmentDropReason;
  frames: number[];
}

/** What became of one fragment. */
export type FragmentOutcome =
  /** Held until the rest arrives. */
  | { status: 'held' }
  /** It completed the datagram: the reassembled data (after the IP header) and every fragment's frame. */
  | { status: 'complete'; payload: Uint8Array; frames: number[] }
  /** It made the datagram be given up. */
  | { status: 'dropped'; reason: FragmentDropReason; frames: number[] };

interface Piece {
  offset: number;
  data: Uint8Array;
}

interface Datagram {
  key: string;
  first: bigint;
  /** Sorted by offset, non-overlapping. */
  pieces: Piece[];
  bytes: number;
  /** Data length, once the last fragment is seen. */
  end: number | undefined;
  frames: number[];
}

/** Fragments of one datagram: 8-byte pieces of the largest datagram (more are given up, `limit`). */
const MAX_FRAGMENTS = 8192;

/** Largest IPv4 datagram data: Total Length is 16 bits, less a 20-byte header. */
const MAX_DATA = 65535 - 20;

/** Reassembles the IPv4 fragments of a capture, fed in capture order. */
export class Ipv4Defragmenter {
  private readonly maxDatagrams: number;
  private readonly maxBytes: number;
  private readonly timeoutNs: bigint;
  /** In insertion order, so the first entry is the oldest. */
  private readonly pending = new Map<string, Datagram>();
  private held = 0;
  /** How many datagrams were given up because of the limits or the timeout (not for a fragment of theirs). */
  readonly evicted = { limit: 0, timeout: 0 };

  constructor(options: DefragmentOptions = {}) {
    this.maxDatagrams = options.maxDatagrams ?? 256;
    this.maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
    this.timeoutNs = options.timeoutNs ?? 30_000_000_000n;
  }

  /** Bytes of fragment data held now. */
  get heldBytes(): number {
    return this.held;
  }

  /** Datagrams in progress now. */
  get size(): number {
    return this.pending.size;
  }

  /** Add the fragment `ip` (captured in `frame` at `timestamp`). A fragment cut short by the snap length is dropped. */
  add(ip: Ipv4Header, frame: number, timestamp: bigint): FragmentOutcome {
    this.expire(timestamp);
    const key = `${ip.src.join('.')}>${ip.dst.join('.')}/${ip.protocol}/${ip.id}`;
    let d = this.pending.get(key);
    if (!d) {
      d = { key, first: timestamp, pieces: [], bytes: 0, end: undefined, frames: [] };
      this.pending.set(key, d);
    }
    d.frames.push(frame);
    const problem = d.frames.length > MAX_FRAGMENTS ? 'limit' : this.place(d, ip);
    if (problem) return this.drop(d, problem);
    if (d.end !== undefined && d.bytes === d.end) {
      this.forget(d);
      return { status: 'complete', payload: join(d), frames: d.frames };
    }
    this.enforce();
    return this.pending.has(key) ? { status: 'held' } : { status: 'dropped', reason: 'limit', frames: d.frames };
  }

  /** Give up every datagram still in progress (the end of the capture); returns them. */
  finish(): FragmentDrop[] {
    const out = [...this.pending.values()].map((d) => ({ reason: 'timeout' as const, frames: d.frames }));
    this.pending.clear();
    this.held = 0;
    return out;
  }

  /** Put the fragment's bytes in place; returns why the datagram must be given up, if it must. */
  private place(d: Datagram, ip: Ipv4Header): FragmentDropReason | undefined {
    const start = ip.fragmentOffset;
    const data = ip.payload;
    const stop = start + data.length;
    if (ip.truncated || stop > MAX_DATA) return 'length';
    if (!ip.mf) {
      if (d.end !== undefined && d.end !== stop) return 'length';
      d.end = stop;
    }
    if (d.end !== undefined && (stop > d.end || d.pieces.some((p) => p.offset + p.data.length > d.end!))) {
      return 'length';
    }
    let at = start;
    let i = 0;
    const fresh: Piece[] = [];
    for (; i < d.pieces.length && at < stop; i++) {
      const p = d.pieces[i]!;
      const pEnd = p.offset + p.data.length;
      if (pEnd <= at) continue;
      if (p.offset > at) fresh.push({ offset: at, data: data.subarray(at - start, Math.min(p.offset, stop) - start) });
      const from = Math.max(at, p.offset);
      const to = Math.min(stop, pEnd);
      if (!same(data.subarray(from - start, to - start), p.data.subarray(from - p.offset, to - p.offset))) {
        return 'overlap';
      }
      at = to;
    }
    if (at < stop) fresh.push({ offset: at, data: data.subarray(at - start) });
    for (const f of fresh) {
      if (f.data.length === 0) continue;
      d.pieces.push(f);
      d.bytes += f.data.length;
      this.held += f.data.length;
    }
    d.pieces.sort((a, b) => a.offset - b.offset);
    return undefined;
  }

  private drop(d: Datagram, reason: FragmentDropReason): FragmentOutcome {
    this.forget(d);
    return { status: 'dropped', reason, frames: d.frames };
  }

  private forget(d: Datagram): void {
    this.pending.delete(d.key);
    this.held -= d.bytes;
  }

  private expire(now: bigint): void {
    for (const d of this.pending.values()) {
      if (now - d.first <= this.timeoutNs) break;
      this.forget(d);
      this.evicted.timeout++;
    }
  }

  private enforce(): void {
    for (const d of this.pending.values()) {
      if (this.pending.size <= this.maxDatagrams && this.held <= this.maxBytes) break;
      this.forget(d);
      this.evicted.limit++;
    }
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function join(d: Datagram): Uint8Array {
  const out = new Uint8Array(d.end!);
  for (const p of d.pieces) out.set(p.data, p.offset);
  return out;
}

/**
 * What the record deframer and the handshake reassembler share (RFC 8446 §5.1): input is pushed, the
 * complete items it made (records, handshake messages) are pulled one at a time, and a push is refused
 * while any are pending, so memory stays bounded by one push's items plus one partial item. The first
 * DecodeError ends the stream: every later call rethrows it.
 * @module
 */
import { type DecodeError, TlswireError } from '../bytes/errors.js';

/** The pending-item queue and stored failure of a sans-IO deframer of `T`s. */
export abstract class Deframer<T> {
  /** The items of the last push; a pulled slot is cleared, so the item does not outlive its use. */
  protected queue: (T | undefined)[] = [];
  /** Index in {@link queue} of the next item to pull. */
  protected head = 0;
  /** The error that ended the stream. */
  protected failure: DecodeError | undefined;

  /** Items pushed but not yet pulled. */
  protected get pending(): number {
    return this.queue.length - this.head;
  }

  /**
   * Begin a push: rethrow the stored failure, refuse while items are pending, empty the queue.
   * @param refusal the message of the TlswireError thrown while items are pending
   */
  protected startPush(refusal: string): void {
    if (this.failure) throw this.failure;
    if (this.head < this.queue.length) throw new TlswireError(refusal);
    this.queue = [];
    this.head = 0;
  }

  /**
   * Copy the bytes of `chunk` from `pos` into `buf` after its `filled` bytes, until `buf` holds `need`
   * bytes or the chunk ends: how a partial item is completed across pushes. Returns the count copied.
   */
  protected static fill(buf: Uint8Array, filled: number, need: number, chunk: Uint8Array, pos: number): number {
    const take = Math.min(need - filled, chunk.length - pos);
    buf.set(chunk.subarray(pos, pos + take), filled);
    return take;
  }

  /** Take the next pending item, or `undefined` when none is left. */
  protected shift(): T | undefined {
    if (this.head === this.queue.length) return undefined;
    const item = this.queue[this.head]!;
    this.queue[this.head++] = undefined;
    return item;
  }
}

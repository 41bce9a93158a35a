/**
 * The TLS record layer's framing (RFC 8446 §5.1, §5.2; RFC 5246 §6.2): the 5-byte record header,
 * the size limits per epoch (with RFC 8449 record_size_limit), a {@link RecordDeframer} that cuts a
 * byte stream into records, a fragmenter that cuts content into records, and the ChangeCipherSpec
 * message (RFC 8446 §5, RFC 5246 §7.1).
 *
 * Record protection (encryption) is not done here: a protected record leaves the deframer as an
 * opaque fragment, and the crypto layer's opener checks the decrypted size against the limit it is
 * given ({@link maxInnerPlaintextLength} computes it).
 * @module
 */
import { DecodeError, TlswireError } from '../bytes/errors.js';
import { Reader } from '../bytes/reader.js';
import { Writer } from '../bytes/writer.js';
import { Deframer } from './deframer.js';
import { AlertDescription, ContentType, ProtocolVersion } from './enums.js';
import { TlsAlertError } from './errors.js';

/** Bytes in a record header: type (1), legacy_record_version (2), length (2). */
export const RECORD_HEADER_LENGTH = 5;
/** Largest TLSPlaintext.fragment: 2^14 (RFC 8446 §5.1, RFC 5246 §6.2.1). */
export const MAX_PLAINTEXT_LENGTH = 16384;
/** Largest TLSInnerPlaintext (content, type byte, padding): 2^14 + 1 (RFC 8446 §5.4, RFC 8449 §4). */
export const MAX_TLS13_INNER_PLAINTEXT_LENGTH = 16385;
/** Largest TLS 1.3 TLSCiphertext.encrypted_record: 2^14 + 256 (RFC 8446 §5.2). */
export const MAX_TLS13_CIPHERTEXT_LENGTH = 16384 + 256;
/** Largest TLS 1.2 TLSCiphertext.fragment: 2^14 + 2048 (RFC 5246 §6.2.3). */
export const MAX_TLS12_CIPHERTEXT_LENGTH = 16384 + 2048;
/** Smallest RecordSizeLimit an endpoint may advertise (RFC 8449 §4). */
export const MIN_RECORD_SIZE_LIMIT = 64;

/**
 * A record as on the wire: `struct { ContentType type; ProtocolVersion legacy_record_version;
 * uint16 length; opaque fragment[length]; } TLSPlaintext;` (RFC 8446 §5.1). For a protected record
 * the fragment is the ciphertext (TLSCiphertext has the same layout).
 */
export interface TlsRecord {
  type: ContentType;
  /** legacy_record_version. */
  version: ProtocolVersion;
  fragment: Uint8Array;
}

/** The 5-byte record header alone. */
export interface RecordHeader {
  type: ContentType;
  version: ProtocolVersion;
  /** Length of the fragment that follows. */
  length: number;
}

/** Decode a record header from `r` (no limits checked: see {@link checkRecordHeader}). */
export function decodeRecordHeader(r: Reader): RecordHeader {
  const type = r.u8('type');
  const version = r.u16('legacy_record_version');
  const length = r.u16('length');
  return { type, version, length };
}

/** Encode a record header. The length is written as given (for building malformed records on purpose). */
export function encodeRecordHeader(w: Writer, header: RecordHeader): void {
  w.u8(header.type).u16(header.version).u16(header.length);
}

/** Decode one record from `r`: its header, then the fragment, a view of the input (no limits checked). */
export function decodeRecord(r: Reader): TlsRecord {
  const header = decodeRecordHeader(r);
  return { type: header.type, version: header.version, fragment: r.bytes(header.length, 'fragment') };
}

/** Encode one record: the header with the fragment's length, then the fragment. */
export function encodeRecord(w: Writer, record: TlsRecord): void {
  const { fragment } = record;
  encodeRecordHeader(w, { type: record.type, version: record.version, length: fragment.length });
  w.bytes(fragment);
}

/** Parse bytes holding exactly one record (trailing bytes rejected). The fragment is a view of `bytes`. */
export function parseRecord(bytes: Uint8Array): TlsRecord {
  return Reader.decode(bytes, 'TLSPlaintext', decodeRecord);
}

/**
 * Which size limit applies to the records being read, set per epoch by the state machine:
 * - `plaintext`: TLSPlaintext before keys are installed, fragment ≤ 2^14 (RFC 8446 §5.1)
 * - `tls13-protected`: TLSCiphertext, encrypted_record ≤ 2^14 + 256 (RFC 8446 §5.2)
 * - `tls12-protected`: Generic{Stream,Block,AEAD}Cipher fragment ≤ 2^14 + 2048 (RFC 5246 §6.2.3)
 */
export type RecordProtection = 'plaintext' | 'tls13-protected' | 'tls12-protected';

/** The limits a reader enforces. */
export interface RecordLimits {
  protection: RecordProtection;
  /**
   * The RecordSizeLimit this endpoint advertised and the peer accepted (RFC 8449 §4): the largest
   * plaintext of a protected record, TLSInnerPlaintext in TLS 1.3 (content + type byte + padding).
   * Applies to protected records only; values above the protocol maximum are clamped to it.
   */
  recordSizeLimit?: number;
}

function effectiveSizeLimit(limits: RecordLimits, protocolMax: number): number {
  const limit = limits.recordSizeLimit;
  if (limit === undefined) return protocolMax;
  if (!Number.isInteger(limit) || limit < MIN_RECORD_SIZE_LIMIT) {
    throw new TlswireError(`recordSizeLimit ${limit} is not an integer ≥ ${MIN_RECORD_SIZE_LIMIT} (RFC 8449 §4)`);
  }
  return Math.min(limit, protocolMax);
}

/**
 * The largest plaintext a protected record may decrypt to: TLSInnerPlaintext in TLS 1.3, the
 * compressed/plain fragment in TLS 1.2 (RFC 8449 §4). Given to the crypto layer's sealers and
 * openers (`maxInnerPlaintext`, `maxPlaintext`), which reject larger plaintext with record_overflow.
 */
export function maxInnerPlaintextLength(limits: RecordLimits): number {
  switch (limits.protection) {
    case 'plaintext':
      return MAX_PLAINTEXT_LENGTH;
    case 'tls13-protected':
      return effectiveSizeLimit(limits, MAX_TLS13_INNER_PLAINTEXT_LENGTH);
    case 'tls12-protected':
      return effectiveSizeLimit(limits, MAX_PLAINTEXT_LENGTH);
  }
}

/**
 * The largest record fragment accepted on the wire under `limits`: 2^14 in plaintext; in TLS 1.3
 * the inner plaintext limit + 255 bytes of AEAD expansion (2^14 + 256 by default, RFC 8446 §5.2); in
 * TLS 1.2 the plaintext limit + 2048 (RFC 5246 §6.2.3).
 */
export function maxRecordFragmentLength(limits: RecordLimits): number {
  switch (limits.protection) {
    case 'plaintext':
      return MAX_PLAINTEXT_LENGTH;
    case 'tls13-protected':
      return maxInnerPlaintextLength(limits) + 255;
    case 'tls12-protected':
      return maxInnerPlaintextLength(limits) + 2048;
  }
}

/**
 * How many content bytes fit in one record sent to a peer that advertised `recordSizeLimit`
 * (RFC 8449 §4): in TLS 1.3 one byte of TLSInnerPlaintext is the content type, so
 * `min(limit, 2^14 + 1) - 1`; before TLS 1.3, `min(limit, 2^14)`. Subtract any padding you add.
 * @throws TlsAlertError illegal_parameter when the peer's limit is below 64 (RFC 8449 §4)
 */
export function maxFragmentLengthFor(recordSizeLimit: number, version: ProtocolVersion): number {
  if (!Number.isInteger(recordSizeLimit) || recordSizeLimit < MIN_RECORD_SIZE_LIMIT) {
    throw new TlsAlertError(
      AlertDescription.illegal_parameter,
      `record_size_limit ${recordSizeLimit} is below ${MIN_RECORD_SIZE_LIMIT} (RFC 8449 §4)`,
    );
  }
  if (version === ProtocolVersion.TLS1_3) return Math.min(recordSizeLimit, MAX_TLS13_INNER_PLAINTEXT_LENGTH) - 1;
  return Math.min(recordSizeLimit, MAX_PLAINTEXT_LENGTH);
}

/** Content types a record may carry: 20–23, and heartbeat (24) only when `acceptHeartbeat`. */
function knownType(type: number, acceptHeartbeat: boolean): boolean {
  return (
    (type >= ContentType.change_cipher_spec && type <= ContentType.application_data) ||
    (acceptHeartbeat && type === ContentType.heartbeat)
  );
}

/**
 * Check a record header against `limits` (RFC 8446 §5.1, §5.2; RFC 5246 §6.2.1):
 * - a content type not defined (20–23; 24 if `acceptHeartbeat`) → `unexpected` (unexpected_message)
 * - a fragment longer than {@link maxRecordFragmentLength} → `overflow` (record_overflow)
 * - in plaintext, a zero-length handshake or alert fragment → `length` (decode_error); zero-length
 *   application data is allowed. Protected records are checked after decryption with
 *   {@link checkContentLength}.
 * @param offset byte offset of the header in the stream, for the error
 * @throws DecodeError
 */
export function checkRecordHeader(
  type: ContentType,
  length: number | undefined,
  limits: RecordLimits,
  acceptHeartbeat = false,
  offset = 0,
): void {
  if (!knownType(type, acceptHeartbeat)) {
    throw new DecodeError('unexpected', `unknown record content type ${type}`, 'TLSPlaintext.type', offset);
  }
  if (length === undefined) return;
  const max = maxRecordFragmentLength(limits);
  if (length > max) {
    throw new DecodeError(
      'overflow',
      `${limits.protection} record of ${length} bytes exceeds ${max}`,
      'TLSPlaintext.length',
      offset + 3,
    );
  }
  if (limits.protection === 'plaintext') checkContentLength(type, length, offset + 3);
}

/**
 * Handshake and alert fragments are never zero-length; application data may be (RFC 8446 §5.1,
 * RFC 5246 §6.2.1). Used on plaintext records ({@link checkRecordHeader}), by the handshake
 * reassembler, and by TLS 1.2 record protection on decrypted fragments. Not by TLS 1.3 record
 * protection: empty handshake or alert content inside TLSInnerPlaintext is unexpected_message there
 * (RFC 8446 §5.4), which `RecordOpener.open` in the crypto layer throws itself.
 * @throws DecodeError `length` (decode_error)
 */
export function checkContentLength(type: ContentType, length: number, offset = 0): void {
  if (length === 0 && (type === ContentType.handshake || type === ContentType.alert)) {
    const what = type === ContentType.handshake ? 'handshake' : 'alert';
    throw new DecodeError('length', `zero-length ${what} fragment (RFC 8446 §5.1)`, 'TLSPlaintext.fragment', offset);
  }
}

/** Options of a {@link RecordDeframer}. */
export interface RecordDeframerOptions extends Partial<RecordLimits> {
  /** Accept heartbeat (24) records (RFC 6520); off by default, so they are unexpected_message. */
  acceptHeartbeat?: boolean;
}

const MAX_WIRE_RECORD = RECORD_HEADER_LENGTH + 0xffff;

/** The deframer's tail before any partial record (never written: `reserve` replaces it first). */
const EMPTY = new Uint8Array(0);

/**
 * Cuts a received byte stream into records (RFC 8446 §5.1). Sans-IO: {@link push} bytes as they
 * arrive, split anywhere, then call {@link next} until it returns `undefined`.
 *
 * ```ts
 * deframer.push(chunk);
 * for (let rec = deframer.next(); rec; rec = deframer.next()) handle(rec);
 * ```
 *
 * - Records own their bytes: they are copies, never views of the pushed chunk, so the caller may
 *   reuse a chunk as soon as `push` returns. The records completed by one push share one copied
 *   buffer (one allocation per push, not per record); nothing else ever writes to it.
 * - Limits are checked when a record is pulled, against the limits in force at that moment, so a
 *   state machine that changes epoch ({@link setLimits}) after one record gets the new limits for
 *   the next one even if both arrived in the same chunk. A partial record's header is checked as
 *   soon as it is known, so an oversize or unknown record fails before its body is buffered.
 * - Memory is bounded: `push` refuses new bytes while pulled-out records are pending, so the
 *   deframer holds at most one chunk's complete records plus one partial record (≤ 5 + 65535 bytes).
 * - Errors are {@link DecodeError}s whose reason maps to the right alert through `alertFor`; after
 *   one, the deframer is dead and every call rethrows it.
 * - legacy_record_version is reported, not checked: RFC 8446 §5.1 says it MUST be ignored for all
 *   purposes (an initial ClientHello may carry 0x0301). A TLS 1.2 state machine that wants to
 *   compare it with the negotiated version does so itself.
 */
export class RecordDeframer extends Deframer<TlsRecord> {
  private limits: RecordLimits;
  private readonly acceptHeartbeat: boolean;
  private tail: Uint8Array = EMPTY;
  private tailLen = 0;
  /** Stream offset of the first byte of the tail (for error offsets). */
  private streamOffset = 0;
  /** Stream offset of each queued record, for the errors of its checks. */
  private queueOffsets: number[] = [];

  constructor(options: RecordDeframerOptions = {}) {
    super();
    this.limits = { protection: options.protection ?? 'plaintext', recordSizeLimit: options.recordSizeLimit };
    maxRecordFragmentLength(this.limits);
    this.acceptHeartbeat = options.acceptHeartbeat ?? false;
  }

  /** Change the limits for the records pulled from now on (on an epoch change, or after RFC 8449 negotiation). */
  setLimits(limits: RecordLimits): void {
    maxRecordFragmentLength(limits);
    this.limits = { protection: limits.protection, recordSizeLimit: limits.recordSizeLimit };
  }

  /** The limits in force. */
  get currentLimits(): Readonly<RecordLimits> {
    return this.limits;
  }

  /** Bytes of an incomplete record held (0 at a record boundary). */
  get partialLength(): number {
    return this.tailLen;
  }

  /** Complete records pushed but not yet pulled. */
  get pendingRecords(): number {
    return this.pending;
  }

  /**
   * Add received bytes. The chunk is not retained, unless `adopt` says the caller hands it over
   * and will not change it: complete records are then views of it rather than of a copy.
   * @throws TlswireError if records from the previous push have not all been pulled (bounded memory)
   * @throws DecodeError the stored error, once the deframer has failed
   */
  push(chunk: Uint8Array, adopt = false): void {
    this.startPush('RecordDeframer.push: pull the pending records with next() before pushing more bytes');
    this.queueOffsets = [];
    const n = chunk.length;
    let pos = 0;
    if (this.tailLen > 0) {
      if (this.tailLen < RECORD_HEADER_LENGTH) {
        pos = this.fillTail(chunk, pos, RECORD_HEADER_LENGTH);
        if (this.tailLen < RECORD_HEADER_LENGTH) return;
      }
      const t = this.tail;
      const need = RECORD_HEADER_LENGTH + ((t[3]! << 8) | t[4]!);
      this.reserve(need);
      pos = this.fillTail(chunk, pos, need);
      if (this.tailLen < need) return;
      // The completed record keeps the tail buffer (no copy); the next partial record gets a new one.
      const full = this.tail;
      this.enqueue(
        { type: full[0]!, version: (full[1]! << 8) | full[2]!, fragment: full.subarray(RECORD_HEADER_LENGTH, need) },
        this.streamOffset,
      );
      this.tail = EMPTY;
      this.streamOffset += need;
      this.tailLen = 0;
    }
    // Find the run of complete records in the chunk, copy it once, and hand out views of the copy.
    let end = pos;
    while (n - end >= RECORD_HEADER_LENGTH) {
      const next = end + RECORD_HEADER_LENGTH + ((chunk[end + 3]! << 8) | chunk[end + 4]!);
      if (next > n) break;
      end = next;
    }
    if (end > pos) {
      const block = adopt ? chunk.subarray(pos, end) : chunk.slice(pos, end);
      for (let at = 0; at < block.length; ) {
        const next = at + RECORD_HEADER_LENGTH + ((block[at + 3]! << 8) | block[at + 4]!);
        this.enqueue(
          {
            type: block[at]!,
            version: (block[at + 1]! << 8) | block[at + 2]!,
            fragment: block.subarray(at + RECORD_HEADER_LENGTH, next),
          },
          this.streamOffset + at,
        );
        at = next;
      }
      this.streamOffset += end - pos;
      pos = end;
    }
    if (pos < n) {
      const rest = n - pos;
      const need = rest >= RECORD_HEADER_LENGTH ? RECORD_HEADER_LENGTH + ((chunk[pos + 3]! << 8) | chunk[pos + 4]!) : 0;
      this.reserve(Math.max(need, RECORD_HEADER_LENGTH));
      this.tail.set(chunk.subarray(pos), 0);
      this.tailLen = rest;
    }
  }

  /**
   * The next complete record, checked against the current limits, or `undefined` when more bytes
   * are needed.
   * @throws DecodeError `unexpected` (unknown content type), `overflow` (too long), `length`
   *   (zero-length handshake/alert in plaintext)
   */
  next(): TlsRecord | undefined {
    if (this.failure) throw this.failure;
    try {
      if (this.pending > 0) {
        const offset = this.queueOffsets[this.head]!;
        const record = this.shift()!;
        checkRecordHeader(record.type, record.fragment.length, this.limits, this.acceptHeartbeat, offset);
        return record;
      }
      if (this.tailLen > 0) {
        const t = this.tail;
        const length = this.tailLen >= RECORD_HEADER_LENGTH ? (t[3]! << 8) | t[4]! : undefined;
        checkRecordHeader(t[0]!, length, this.limits, this.acceptHeartbeat, this.streamOffset);
      }
      return undefined;
    } catch (e) {
      if (e instanceof DecodeError) this.failure = e;
      throw e;
    }
  }

  private enqueue(record: TlsRecord, offset: number): void {
    this.queue.push(record);
    this.queueOffsets.push(offset);
  }

  /** Copy bytes of `chunk` from `pos` into the tail until it holds `need`; returns the new position. */
  private fillTail(chunk: Uint8Array, pos: number, need: number): number {
    const take = Deframer.fill(this.tail, this.tailLen, need, chunk, pos);
    this.tailLen += take;
    return pos + take;
  }

  private reserve(n: number): void {
    if (this.tail.length >= n) return;
    const next = new Uint8Array(Math.min(MAX_WIRE_RECORD, Math.max(n, this.tail.length * 2)));
    next.set(this.tail.subarray(0, this.tailLen));
    this.tail = next;
  }
}

/** Options of {@link fragmentContent}. */
export interface FragmentOptions {
  /**
   * Largest fragment per record: 2^14 by default (RFC 8446 §5.1). For a peer's RFC 8449 limit use
   * {@link maxFragmentLengthFor}, which leaves room for TLS 1.3's inner content type byte.
   */
  maxFragmentLength?: number;
  /** legacy_record_version to write: 0x0303 by default (RFC 8446 §5.1; 0x0301 for an initial ClientHello). */
  version?: ProtocolVersion;
}

/**
 * Split `content` of one content type into records of at most `maxFragmentLength` bytes (RFC 8446
 * §5.1). Fragments are views of `content`. Empty application data gives one zero-length record;
 * empty handshake or alert content cannot be sent (RFC 8446 §5.1), and an alert must be exactly one
 * 2-byte alert, never fragmented or coalesced.
 * @throws TlswireError on empty handshake/alert content, an alert that is not 2 bytes, or a bad limit
 */
export function fragmentContent(type: ContentType, content: Uint8Array, options: FragmentOptions = {}): TlsRecord[] {
  const max = options.maxFragmentLength ?? MAX_PLAINTEXT_LENGTH;
  const version = options.version ?? ProtocolVersion.TLS1_2;
  if (!Number.isInteger(max) || max < 1 || max > 0xffff) {
    throw new TlswireError(`fragmentContent: maxFragmentLength ${max} is not in 1..65535`);
  }
  if (type === ContentType.alert && content.length !== 2) {
    throw new TlswireError(`fragmentContent: alert content must be exactly 2 bytes, got ${content.length}`);
  }
  if (content.length === 0) {
    if (type === ContentType.handshake) throw new TlswireError('fragmentContent: empty handshake content');
    return [{ type, version, fragment: content }];
  }
  const records: TlsRecord[] = [];
  for (let at = 0; at < content.length; at += max) {
    records.push({ type, version, fragment: content.subarray(at, Math.min(at + max, content.length)) });
  }
  return records;
}

/** The wire bytes of `records`, back to back. */
export function encodeRecords(records: readonly TlsRecord[]): Uint8Array {
  let size = 0;
  for (const r of records) size += RECORD_HEADER_LENGTH + r.fragment.length;
  return Writer.encode((w) => {
    for (const r of records) encodeRecord(w, r);
  }, size);
}

/** The one valid ChangeCipherSpec value (RFC 5246 §7.1: `enum { change_cipher_spec(1), (255) } type;`). */
export const CHANGE_CIPHER_SPEC = 1;

/**
 * Decode a ChangeCipherSpec message from `r`. RFC 8446 §5: any value other than 0x01 is an
 * `unexpected` DecodeError (unexpected_message).
 */
export function decodeChangeCipherSpec(r: Reader): void {
  const at = r.offset;
  const value = r.u8('type');
  if (value !== CHANGE_CIPHER_SPEC) {
    r.fail('unexpected', `change_cipher_spec value 0x${value.toString(16).padStart(2, '0')} is not 0x01`, 'type', at);
  }
}

/** Encode the ChangeCipherSpec message (the single byte 0x01). */
export function encodeChangeCipherSpec(w: Writer): void {
  w.u8(CHANGE_CIPHER_SPEC);
}

/**
 * Check the fragment of a change_cipher_spec record: exactly the single byte 0x01 (RFC 8446 §5).
 * Anything else, an empty or longer fragment included, is "any other change_cipher_spec value":
 * an `unexpected` DecodeError (unexpected_message), not a decode_error.
 */
export function parseChangeCipherSpec(fragment: Uint8Array): void {
  if (fragment.length !== 1) {
    new Reader(fragment, 'ChangeCipherSpec').fail(
      'unexpected',
      `change_cipher_spec fragment of ${fragment.length} bytes; exactly one byte (0x01) is allowed`,
    );
  }
  Reader.decode(fragment, 'ChangeCipherSpec', decodeChangeCipherSpec);
}

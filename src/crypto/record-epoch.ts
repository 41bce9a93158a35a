/**
 * What TLS 1.3 and TLS 1.2 record protection keep for one direction of one epoch: the AEAD keyed
 * once with the write key (an {@link AeadContext}), a copy of the IV (both wiped by
 * {@link RecordEpoch.dispose}) and the 64-bit sequence number,
 * which must never wrap (RFC 8446 §5.3, RFC 5246 §6.1). The sealers and openers of
 * `./record-protection.ts` and `./tls12-record-protection.ts` extend it, and it holds what both
 * versions do alike: check the plaintext limit option, split a protected record into its fields,
 * and seal or open with the sequence number advanced (bad_record_mac when authentication fails).
 * @module
 */
import { Reader } from '../bytes/reader.js';
import { AlertDescription } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import type { TlsRecord } from '../tls/record.js';
import type { TrafficKeys } from './key-schedule.js';
import {
  AEAD_KEY_LENGTH,
  type AeadContext,
  type AeadName,
  aeadContext,
  type CryptoProvider,
  type SealIntoInput,
  sealInto,
} from './provider.js';

/** Largest 64-bit sequence number: a record may use it; after it the keys must change or the connection close. */
const MAX_SEQUENCE = (1n << 64n) - 1n;

/** Throws a RangeError unless `sequence` fits in 64 unsigned bits. */
export function checkSequence(sequence: bigint): void {
  if (sequence < 0n || sequence > MAX_SEQUENCE) throw new RangeError('sequence number out of the 64-bit range');
}

/** A sealer or opener class, as the static factories of the subclasses construct it. */
export type EpochClass<T extends RecordEpoch, Options> = new (
  provider: CryptoProvider,
  aead: AeadName,
  keys: TrafficKeys,
  options?: Options,
) => T;

/** What a version's specification calls the three fields of a protected record, for error paths. */
export type RecordFieldNames = readonly [type: string, version: string, fragment: string];

/** The keyed AEAD, IV and sequence number of one direction of one epoch. */
export abstract class RecordEpoch {
  readonly provider: CryptoProvider;
  readonly aead: AeadName;
  readonly #cipher: AeadContext;
  #iv: Uint8Array;
  /** Next sequence number; `MAX_SEQUENCE + 1` once exhausted or disposed. */
  #sequence = 0n;
  /** The rule cited when the sequence number would wrap. */
  readonly #wrapRule: string;

  /**
   * Checks the key length against the AEAD, keys the AEAD and copies the IV (the caller may wipe
   * its own key and IV).
   * Subclasses check the IV length, which differs between TLS 1.3 and TLS 1.2.
   * @param wrapRule the RFC section that forbids wrapping, for the error message
   */
  protected constructor(provider: CryptoProvider, aead: AeadName, keys: TrafficKeys, wrapRule: string) {
    if (keys.key.length !== AEAD_KEY_LENGTH[aead]) {
      throw new RangeError(`${aead}: key must be ${AEAD_KEY_LENGTH[aead]} bytes`);
    }
    this.provider = provider;
    this.aead = aead;
    this.#cipher = aeadContext(provider, aead, keys.key);
    this.#iv = new Uint8Array(keys.iv);
    this.#wrapRule = wrapRule;
  }

  /**
   * The plaintext limit of an epoch: `value` (by default `max`) if it is an integer in 1..max.
   * @throws RangeError naming `option` otherwise
   */
  protected static plaintextLimit(option: string, value: number | undefined, max: number): number {
    const limit = value ?? max;
    if (!Number.isInteger(limit) || limit < 1 || limit > max) {
      throw new RangeError(`${option} must be an integer in 1..${max}`);
    }
    return limit;
  }

  /**
   * The type, version and fragment of a protected record: `record` itself when the record layer has
   * split it already, else decoded from bytes that must hold exactly one record.
   * @throws DecodeError on anything else (decode_error)
   */
  protected static recordFields(
    record: Uint8Array | TlsRecord,
    [type, version, fragment]: RecordFieldNames,
  ): TlsRecord {
    if (!(record instanceof Uint8Array)) return record;
    return Reader.decode(record, 'TLSCiphertext', (r) => ({
      type: r.u8(type),
      version: r.u16(version),
      fragment: r.opaque16(fragment),
    }));
  }

  /** The sequence number the next record will use. */
  get sequence(): bigint {
    return this.#sequence;
  }

  /**
   * Start at sequence number `sequence` instead of 0: for replaying a trace from the middle or
   * testing the wrap limit. Not for normal use.
   */
  setSequence(sequence: bigint): void {
    if (sequence < 0n || sequence > MAX_SEQUENCE + 1n) throw new RangeError('sequence number out of range');
    this.#sequence = sequence;
  }

  /**
   * The sequence number of the record being processed (not yet advanced).
   * @throws TlsAlertError internal_error once 2^64 records have been processed, or after dispose
   */
  protected current(): bigint {
    const sequence = this.#sequence;
    if (sequence > MAX_SEQUENCE) {
      // Sequence numbers MUST NOT wrap: rekey, renegotiate or close before this.
      throw new TlsAlertError(AlertDescription.internal_error, `record sequence number would wrap (${this.#wrapRule})`);
    }
    return sequence;
  }

  /**
   * Encrypt the concatenation of `parts` into `out` at `offset` (see {@link sealInto}) and move to
   * the next sequence number. Returns the bytes written.
   */
  protected encryptInto(...input: SealIntoInput): number {
    const written = sealInto(this.#cipher, ...input);
    this.#sequence++;
    return written;
  }

  /**
   * Decrypt one record's ciphertext with this epoch's AEAD and move to the next sequence number.
   * @param rule the RFC section that defines the record's protection, for the error message
   * @throws TlsAlertError bad_record_mac when authentication fails (the sequence number stays)
   */
  protected decrypt(nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array, rule: string): Uint8Array {
    const plaintext = this.#cipher.open(nonce, ciphertext, aad);
    if (!plaintext) throw new TlsAlertError(AlertDescription.bad_record_mac, `record authentication failed (${rule})`);
    this.#sequence++;
    return plaintext;
  }

  protected get iv(): Uint8Array {
    return this.#iv;
  }

  /** Wipe the keyed AEAD and the IV; the object is unusable afterwards. */
  dispose(): void {
    this.#cipher.dispose();
    this.#iv.fill(0);
    this.#sequence = MAX_SEQUENCE + 1n;
  }
}

/** What {@link sealFragments} needs of a TLS 1.3 or TLS 1.2 sealer. */
export interface FragmentSealer {
  /** The record length for `contentLength` bytes of content. */
  sealedLength(contentLength: number): number;
  /** Seal one record of `content` into `out` at `offset`; returns the bytes written. */
  sealInto(type: number, content: Uint8Array, out: Uint8Array, offset: number): number;
}

/**
 * Protect `content` in records of at most `max` content bytes each (one empty record for empty
 * content), sealed one after the other into one buffer: the bytes of one socket write.
 */
export function sealFragments(sealer: FragmentSealer, type: number, content: Uint8Array, max: number): Uint8Array {
  const count = Math.max(1, Math.ceil(content.length / max));
  let total = 0;
  for (let i = 0; i < count; i++) {
    total += sealer.sealedLength(Math.min(max, content.length - i * max));
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    offset += sealer.sealInto(type, content.subarray(i * max, (i + 1) * max), out, offset);
  }
  return out;
}

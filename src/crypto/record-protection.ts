/**
 * TLS 1.3 record protection (RFC 8446 §5.2–5.5): one {@link RecordSealer} per direction for writing
 * and one {@link RecordOpener} for reading, each bound to one traffic key/IV (one epoch). A new
 * epoch (handshake → application, KeyUpdate) is a new object, starting at sequence number 0.
 *
 * - TLSInnerPlaintext = content ‖ ContentType ‖ zeros (§5.2, §5.4)
 * - nonce = iv XOR the 64-bit sequence number, left-padded to the IV length (§5.3)
 * - additional_data = the record header: 23 ‖ 0x0303 ‖ length (§5.2)
 *
 * Failures throw {@link TlsAlertError} with the alert RFC 8446 prescribes: bad_record_mac (AEAD
 * failure), record_overflow (ciphertext > 2^14 + 256, inner plaintext > 2^14 + 1), unexpected_message
 * (no content type, forbidden inner type, empty handshake/alert content, outer type not
 * application_data), decode_error (header length ≠ fragment length).
 * @module
 */
import { AlertDescription, ContentType, ProtocolVersion } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import {
  MAX_TLS13_CIPHERTEXT_LENGTH,
  MAX_TLS13_INNER_PLAINTEXT_LENGTH,
  RECORD_HEADER_LENGTH,
  type TlsRecord,
} from '../tls/record.js';
import { type Tls13CipherSuite, type TrafficKeys, trafficKeys } from './key-schedule.js';
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, type AeadName, type CryptoProvider } from './provider.js';
import { checkSequence, type EpochClass, RecordEpoch } from './record-epoch.js';

/**
 * The per-record nonce (RFC 8446 §5.3): the 64-bit sequence number in network byte order, left-padded
 * with zeros to the IV length, XORed with the IV.
 */
export function recordNonce(iv: Uint8Array, sequence: bigint): Uint8Array {
  checkSequence(sequence);
  const nonce = iv.slice();
  let s = sequence;
  for (let i = nonce.length - 1; i >= nonce.length - 8; i--) {
    nonce[i]! ^= Number(s & 0xffn);
    s >>= 8n;
  }
  return nonce;
}

/** A decrypted record. */
export interface OpenedRecord {
  /** The real content type found at the end of TLSInnerPlaintext. */
  readonly type: ContentType;
  /** TLSInnerPlaintext.content (a view of a fresh buffer). */
  readonly content: Uint8Array;
  /** Number of zero padding bytes that followed the content type. */
  readonly paddingLength: number;
  /** The sequence number the record was opened with. */
  readonly sequence: bigint;
}

/** Options of a sealer or opener. */
export interface RecordProtectionOptions {
  /**
   * The largest TLSInnerPlaintext accepted/produced: the record_size_limit in force (RFC 8449 §4),
   * at most (and by default) 2^14 + 1.
   */
  maxInnerPlaintext?: number;
}

/** The limit and IV length TLS 1.3 adds to the state of one direction of one epoch. */
abstract class Tls13Epoch extends RecordEpoch {
  readonly maxInnerPlaintext: number;

  /** A sealer or opener for `keys` (both are copied; the caller may wipe its own). */
  constructor(provider: CryptoProvider, aead: AeadName, keys: TrafficKeys, options: RecordProtectionOptions = {}) {
    super(provider, aead, keys, 'RFC 8446 §5.3');
    if (keys.iv.length !== AEAD_NONCE_LENGTH) throw new RangeError(`iv must be ${AEAD_NONCE_LENGTH} bytes`);
    this.maxInnerPlaintext = RecordEpoch.plaintextLimit(
      'maxInnerPlaintext',
      options.maxInnerPlaintext,
      MAX_TLS13_INNER_PLAINTEXT_LENGTH,
    );
  }

  /**
   * A sealer (or opener) for the traffic key and IV derived from `secret` (RFC 8446 §7.3), which are
   * wiped once it holds its copies.
   */
  static fromSecret<T extends Tls13Epoch>(
    this: EpochClass<T, RecordProtectionOptions>,
    provider: CryptoProvider,
    suite: Tls13CipherSuite,
    secret: Uint8Array,
    options?: RecordProtectionOptions,
  ): T {
    const keys = trafficKeys(provider, suite, secret);
    try {
      return new this(provider, suite.aead, keys, options);
    } finally {
      keys.key.fill(0);
      keys.iv.fill(0);
    }
  }
}

/** additional_data = opaque_type ‖ legacy_record_version ‖ length (RFC 8446 §5.2). */
function additionalData(type: number, version: number, length: number): Uint8Array {
  return Uint8Array.of(type, version >>> 8, version & 0xff, length >>> 8, length & 0xff);
}

/** The names RFC 8446 §5.2 gives the fields of TLSCiphertext. */
const TLS13_FIELDS = ['opaque_type', 'legacy_record_version', 'encrypted_record'] as const;

/**
 * Encrypts records of one direction and epoch.
 * @example
 * const sealer = RecordSealer.fromSecret(provider, suite, serverHandshakeTrafficSecret);
 * const record = sealer.seal(ContentType.handshake, encryptedExtensions); // 17 03 03 … bytes
 */
export class RecordSealer extends Tls13Epoch {
  /**
   * Protect one record: returns the complete TLSCiphertext (5-byte header ‖ encrypted_record).
   * @param type the real content type (handshake, alert, application_data)
   * @param content at most `maxInnerPlaintext - 1 - paddingLength` bytes
   * @param paddingLength zero bytes appended after the content type (RFC 8446 §5.4)
   * @throws RangeError when the inner plaintext would exceed the limit
   * @throws TlsAlertError internal_error when the sequence number would wrap
   */
  seal(type: ContentType, content: Uint8Array, paddingLength = 0): Uint8Array {
    const record = new Uint8Array(this.sealedLength(content.length, paddingLength));
    this.sealInto(type, content, record, 0, paddingLength);
    return record;
  }

  /**
   * The length of the TLSCiphertext {@link seal} makes of `contentLength` bytes: header, content,
   * content type, padding and tag.
   * @throws RangeError when the inner plaintext would exceed the limit
   */
  sealedLength(contentLength: number, paddingLength = 0): number {
    if (!Number.isInteger(paddingLength) || paddingLength < 0) throw new RangeError('paddingLength must be ≥ 0');
    const innerLength = contentLength + 1 + paddingLength;
    if (innerLength > this.maxInnerPlaintext) {
      throw new RangeError(
        `TLSInnerPlaintext of ${innerLength} bytes exceeds ${this.maxInnerPlaintext} (RFC 8446 §5.2)`,
      );
    }
    return RECORD_HEADER_LENGTH + innerLength + AEAD_TAG_LENGTH;
  }

  /**
   * {@link seal} into `out` at `offset` (which must have {@link sealedLength} bytes of room): the
   * AEAD reads the content and the type-and-padding trailer in place, without building
   * TLSInnerPlaintext first. Returns the bytes written.
   */
  sealInto(type: ContentType, content: Uint8Array, out: Uint8Array, offset: number, paddingLength = 0): number {
    if (!Number.isInteger(type) || type < 0 || type > 255) throw new RangeError(`content type ${type} is not a u8`);
    const recordLength = this.sealedLength(content.length, paddingLength);
    if (offset + recordLength > out.length) throw new RangeError('sealInto: not enough room in out');
    const nonce = recordNonce(this.iv, this.current());
    const header = additionalData(
      ContentType.application_data,
      ProtocolVersion.TLS1_2,
      recordLength - RECORD_HEADER_LENGTH,
    );
    const trailer = new Uint8Array(1 + paddingLength);
    trailer[0] = type;
    out.set(header, offset);
    this.encryptInto(nonce, [content, trailer], header, out, offset + RECORD_HEADER_LENGTH);
    return recordLength;
  }
}

/**
 * Decrypts records of one direction and epoch.
 * @example
 * const opener = RecordOpener.fromSecret(provider, suite, serverHandshakeTrafficSecret);
 * const { type, content } = opener.open(recordBytes);
 */
export class RecordOpener extends Tls13Epoch {
  /**
   * Remove protection from one record: either the complete record bytes (header ‖ encrypted_record)
   * or a record already split by the record layer. The AAD is the header as received.
   * @throws TlsAlertError bad_record_mac, record_overflow, unexpected_message (see the module doc)
   * @throws DecodeError when the bytes are not exactly one record (decode_error)
   */
  open(record: Uint8Array | TlsRecord): OpenedRecord {
    const { type, version, fragment } = RecordEpoch.recordFields(record, TLS13_FIELDS);
    if (type !== ContentType.application_data) {
      throw new TlsAlertError(
        AlertDescription.unexpected_message,
        `protected record with opaque_type ${type}, expected application_data (RFC 8446 §5.2)`,
      );
    }
    if (fragment.length > MAX_TLS13_CIPHERTEXT_LENGTH) {
      throw new TlsAlertError(
        AlertDescription.record_overflow,
        `encrypted_record of ${fragment.length} bytes exceeds 2^14 + 256 (RFC 8446 §5.2)`,
      );
    }
    const sequence = this.current();
    const nonce = recordNonce(this.iv, sequence);
    const aad = additionalData(type, version, fragment.length);
    const inner = this.decrypt(nonce, fragment, aad, 'RFC 8446 §5.2');
    if (inner.length > this.maxInnerPlaintext) {
      throw new TlsAlertError(
        AlertDescription.record_overflow,
        `TLSInnerPlaintext of ${inner.length} bytes exceeds ${this.maxInnerPlaintext} (RFC 8446 §5.2, RFC 8449 §4)`,
      );
    }
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end--;
    if (end < 0) {
      throw new TlsAlertError(
        AlertDescription.unexpected_message,
        'TLSInnerPlaintext has no content type (RFC 8446 §5.4)',
      );
    }
    const innerType = inner[end]!;
    if (
      innerType !== ContentType.handshake &&
      innerType !== ContentType.alert &&
      innerType !== ContentType.application_data
    ) {
      throw new TlsAlertError(
        AlertDescription.unexpected_message,
        `content type ${innerType} is not allowed in a protected record (RFC 8446 §5)`,
      );
    }
    if (end === 0 && innerType !== ContentType.application_data) {
      throw new TlsAlertError(
        AlertDescription.unexpected_message,
        'zero-length handshake or alert content in TLSInnerPlaintext (RFC 8446 §5.4)',
      );
    }
    return { type: innerType, content: inner.subarray(0, end), paddingLength: inner.length - end - 1, sequence };
  }
}

/**
 * TLS 1.2 record protection for AEAD cipher suites (RFC 5246 §6.2.3.3): one {@link Tls12RecordSealer}
 * per direction for writing and one {@link Tls12RecordOpener} for reading, each bound to one write
 * key and IV from the key block (one epoch: a renegotiation's ChangeCipherSpec starts a new object
 * at sequence number 0).
 *
 * - AES-GCM (RFC 5288 §3): nonce = salt (client/server_write_IV, 4 bytes) ‖ nonce_explicit (8 bytes);
 *   nonce_explicit is carried at the start of the record fragment. The sealer uses the 64-bit sequence
 *   number (RFC 5288 §3: it MAY), as GnuTLS does; OpenSSL starts from a value of its own and counts up
 *   (both are in vectors/tls/). The opener accepts any value; a repeat is the sender's fault.
 * - ChaCha20-Poly1305 (RFC 7905 §2): nonce = IV (12 bytes) XOR the sequence number left-padded with
 *   zeros; no explicit nonce.
 * - additional_data = seq_num (8) ‖ type (1) ‖ version (2) ‖ TLSCompressed.length (2) (RFC 5246 §6.2.3.3),
 *   the length being that of the plaintext.
 *
 * Failures received from the peer throw {@link TlsAlertError}: bad_record_mac (authentication fails, or
 * the fragment is too short to hold the explicit nonce and tag), record_overflow (fragment over
 * 2^14 + 2048, plaintext over 2^14 or the record_size_limit; RFC 5246 §6.2.3, RFC 8449 §4),
 * internal_error (sequence number would wrap, RFC 5246 §6.1); a zero-length handshake or alert record
 * is a {@link DecodeError} (decode_error; RFC 5246 §6.2.1). `alertFor()` maps them all.
 * @module
 */
import { AlertDescription, ProtocolVersion } from '../tls/enums.js';
import { TlsAlertError } from '../tls/errors.js';
import { checkContentLength, MAX_PLAINTEXT_LENGTH, RECORD_HEADER_LENGTH, type TlsRecord } from '../tls/record.js';
import type { TrafficKeys } from './key-schedule.js';
import { AEAD_TAG_LENGTH, type AeadName, type CryptoProvider } from './provider.js';
import { checkSequence, type EpochClass, RecordEpoch } from './record-epoch.js';
import { recordNonce } from './record-protection.js';
import type { Tls12CipherSuite, Tls12KeyBlock } from './tls12-key-schedule.js';

/** Length of the AES-GCM explicit nonce (record_iv_length, RFC 5288 §3). */
export const GCM_EXPLICIT_NONCE_LENGTH = 8;
/** Length of the AES-GCM salt (fixed_iv_length, RFC 5288 §3). */
export const GCM_SALT_LENGTH = 4;
/** The fragment expansion TLS 1.2 allows a protected record: 2048 bytes (RFC 5246 §6.2.3). */
const MAX_EXPANSION = 2048;

/** fixed_iv_length of an AEAD: the salt for AES-GCM, the whole IV for ChaCha20-Poly1305. */
function fixedIvLength(aead: AeadName): number {
  return aead === 'chacha20-poly1305' ? 12 : GCM_SALT_LENGTH;
}

/** record_iv_length of an AEAD: the explicit nonce carried in each record. */
function recordIvLength(aead: AeadName): number {
  return aead === 'chacha20-poly1305' ? 0 : GCM_EXPLICIT_NONCE_LENGTH;
}

/** The 64-bit sequence number in network byte order. */
export function sequenceBytes(sequence: bigint): Uint8Array {
  checkSequence(sequence);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, sequence);
  return out;
}

/**
 * The AEAD nonce of one record: `salt ‖ explicitNonce` for AES-GCM (RFC 5288 §3), `iv XOR
 * pad(sequence)` for ChaCha20-Poly1305 (RFC 7905 §2).
 * @param explicitNonce AES-GCM only: the record's nonce_explicit (8 bytes)
 */
export function tls12RecordNonce(
  aead: AeadName,
  iv: Uint8Array,
  sequence: bigint,
  explicitNonce?: Uint8Array,
): Uint8Array {
  if (iv.length !== fixedIvLength(aead)) throw new RangeError(`${aead}: IV must be ${fixedIvLength(aead)} bytes`);
  if (aead === 'chacha20-poly1305') {
    if (explicitNonce) throw new RangeError('chacha20-poly1305 records have no explicit nonce (RFC 7905 §2)');
    return recordNonce(iv, sequence);
  }
  if (!explicitNonce || explicitNonce.length !== GCM_EXPLICIT_NONCE_LENGTH) {
    throw new RangeError(`${aead}: the explicit nonce must be ${GCM_EXPLICIT_NONCE_LENGTH} bytes (RFC 5288 §3)`);
  }
  const nonce = new Uint8Array(GCM_SALT_LENGTH + GCM_EXPLICIT_NONCE_LENGTH);
  nonce.set(iv);
  nonce.set(explicitNonce, GCM_SALT_LENGTH);
  return nonce;
}

/**
 * `additional_data = seq_num + TLSCompressed.type + TLSCompressed.version + TLSCompressed.length`
 * (RFC 5246 §6.2.3.3): 13 bytes; `length` is the plaintext length.
 */
export function tls12AdditionalData(sequence: bigint, type: number, version: number, length: number): Uint8Array {
  checkSequence(sequence);
  const aad = new Uint8Array(13);
  const view = new DataView(aad.buffer);
  view.setBigUint64(0, sequence);
  aad[8] = type;
  view.setUint16(9, version);
  view.setUint16(11, length);
  return aad;
}

/** A decrypted TLS 1.2 record. */
export interface Tls12OpenedRecord {
  /** The record's content type (TLS 1.2 does not hide it). */
  readonly type: number;
  /** The record's version field, as received. */
  readonly version: number;
  /** The plaintext fragment (a fresh buffer). */
  readonly content: Uint8Array;
  /** The sequence number the record was opened with. */
  readonly sequence: bigint;
  /** AES-GCM: the record's nonce_explicit (a view of the input); undefined for ChaCha20-Poly1305. */
  readonly explicitNonce?: Uint8Array;
}

/** Options of a TLS 1.2 sealer or opener. */
export interface Tls12RecordProtectionOptions {
  /**
   * The largest plaintext fragment produced or accepted: the record_size_limit in force (RFC 8449 §4),
   * at most (and by default) 2^14. Received fragments may then be at most this + 2048 bytes.
   */
  maxPlaintext?: number;
}

/** Options of {@link Tls12RecordSealer.seal}. */
export interface Tls12SealOptions {
  /** The record header's version (default 0x0303, TLS 1.2); it is authenticated. */
  version?: number;
  /**
   * AES-GCM: the 8-byte nonce_explicit to use instead of the sequence number (for replaying a
   * peer's records). It must never repeat under one key (RFC 5288 §3). Not allowed for ChaCha20.
   */
  explicitNonce?: Uint8Array;
}

/** The key block half a side writes with. */
function writeKeys(keyBlock: Tls12KeyBlock, side: 'client' | 'server'): TrafficKeys {
  return side === 'client' ? keyBlock.client : keyBlock.server;
}

/** The limit, IV length and explicit nonce TLS 1.2 adds to the state of one direction of one epoch. */
abstract class Tls12Epoch extends RecordEpoch {
  readonly maxPlaintext: number;
  /** record_iv_length: 8 for AES-GCM, 0 for ChaCha20-Poly1305. */
  readonly explicitNonceLength: number;

  /** A sealer or opener for `keys` (the key is copied; the caller may wipe its own). */
  constructor(provider: CryptoProvider, aead: AeadName, keys: TrafficKeys, options: Tls12RecordProtectionOptions = {}) {
    super(provider, aead, keys, 'RFC 5246 §6.1');
    if (keys.iv.length !== fixedIvLength(aead)) {
      throw new RangeError(`${aead}: write IV must be ${fixedIvLength(aead)} bytes in TLS 1.2`);
    }
    this.maxPlaintext = RecordEpoch.plaintextLimit('maxPlaintext', options.maxPlaintext, MAX_PLAINTEXT_LENGTH);
    this.explicitNonceLength = recordIvLength(aead);
  }

  /**
   * From a key block, the sealer of the records `side` writes, or the opener of the records `side`
   * sent: `'client'` uses client_write_key/IV, `'server'` server_write_key/IV (RFC 5246 §6.3).
   */
  static fromKeyBlock<T extends Tls12Epoch>(
    this: EpochClass<T, Tls12RecordProtectionOptions>,
    provider: CryptoProvider,
    suite: Tls12CipherSuite,
    keyBlock: Tls12KeyBlock,
    side: 'client' | 'server',
    options?: Tls12RecordProtectionOptions,
  ): T {
    return new this(provider, suite.aead, writeKeys(keyBlock, side), options);
  }

  protected nonce(sequence: bigint, explicitNonce: Uint8Array | undefined): Uint8Array {
    return tls12RecordNonce(this.aead, this.iv, sequence, explicitNonce);
  }
}

/** The names RFC 5246 §6.2 gives the fields of TLSCiphertext. */
const TLS12_FIELDS = ['type', 'version', 'fragment'] as const;

/**
 * Encrypts the records one side sends in one epoch.
 * @example
 * const sealer = Tls12RecordSealer.fromKeyBlock(provider, suite, masterSecret.keyBlock(), 'client');
 * const record = sealer.seal(ContentType.handshake, clientFinished); // 16 03 03 00 28 …
 */
export class Tls12RecordSealer extends Tls12Epoch {
  /**
   * Protect one record: returns the complete TLSCiphertext (5-byte header ‖ nonce_explicit ‖
   * ciphertext ‖ tag) and advances the sequence number.
   * @param type the content type (handshake, alert, application_data, or change_cipher_spec during a
   *   renegotiation)
   * @param content the plaintext fragment, at most `maxPlaintext` bytes
   * @throws RangeError when the fragment is too long, or on a bad type, version or explicit nonce
   * @throws TlsAlertError internal_error when the sequence number would wrap
   */
  seal(type: number, content: Uint8Array, options: Tls12SealOptions = {}): Uint8Array {
    const record = new Uint8Array(this.sealedLength(content.length));
    this.sealInto(type, content, record, 0, options);
    return record;
  }

  /**
   * The length of the TLSCiphertext {@link seal} makes of `contentLength` bytes: header, explicit
   * nonce, ciphertext and tag.
   * @throws RangeError when the fragment is too long
   */
  sealedLength(contentLength: number): number {
    if (contentLength > this.maxPlaintext) {
      throw new RangeError(
        `plaintext of ${contentLength} bytes exceeds ${this.maxPlaintext} (RFC 5246 §6.2.1, RFC 8449 §4)`,
      );
    }
    return RECORD_HEADER_LENGTH + this.explicitNonceLength + contentLength + AEAD_TAG_LENGTH;
  }

  /**
   * {@link seal} into `out` at `offset` (which must have {@link sealedLength} bytes of room), the
   * AEAD writing in place. Returns the bytes written.
   */
  sealInto(type: number, content: Uint8Array, out: Uint8Array, offset: number, options: Tls12SealOptions = {}): number {
    if (!Number.isInteger(type) || type < 0 || type > 255) throw new RangeError(`content type ${type} is not a u8`);
    const version = options.version ?? ProtocolVersion.TLS1_2;
    if (!Number.isInteger(version) || version < 0 || version > 0xffff) {
      throw new RangeError(`record version ${version} is not a u16`);
    }
    const recordLength = this.sealedLength(content.length);
    if (offset + recordLength > out.length) throw new RangeError('sealInto: not enough room in out');
    const sequence = this.current();
    let explicitNonce: Uint8Array | undefined;
    if (this.explicitNonceLength > 0) explicitNonce = options.explicitNonce ?? sequenceBytes(sequence);
    else if (options.explicitNonce) throw new RangeError(`${this.aead} records have no explicit nonce (RFC 7905 §2)`);
    const nonce = this.nonce(sequence, explicitNonce);
    const aad = tls12AdditionalData(sequence, type, version, content.length);
    const fragmentLength = recordLength - RECORD_HEADER_LENGTH;
    out[offset] = type;
    out[offset + 1] = version >>> 8;
    out[offset + 2] = version & 0xff;
    out[offset + 3] = fragmentLength >>> 8;
    out[offset + 4] = fragmentLength & 0xff;
    if (explicitNonce) out.set(explicitNonce, offset + RECORD_HEADER_LENGTH);
    const at = offset + RECORD_HEADER_LENGTH + this.explicitNonceLength;
    this.encryptInto(nonce, [content], aad, out, at);
    return recordLength;
  }
}

/**
 * Decrypts the records one side receives in one epoch.
 * @example
 * const opener = Tls12RecordOpener.fromKeyBlock(provider, suite, masterSecret.keyBlock(), 'server');
 * const { type, content } = opener.open(record); // the server's records, e.g. its Finished
 */
export class Tls12RecordOpener extends Tls12Epoch {
  /**
   * Remove protection from one record: the complete record bytes (header ‖ fragment) or a record
   * already split by the record layer. Advances the sequence number only on success.
   * @throws TlsAlertError bad_record_mac, record_overflow, internal_error (see the module doc)
   * @throws DecodeError when the bytes are not exactly one record, or a handshake/alert record is empty
   *   (decode_error)
   */
  open(record: Uint8Array | TlsRecord): Tls12OpenedRecord {
    const { type, version, fragment } = RecordEpoch.recordFields(record, TLS12_FIELDS);
    if (fragment.length > this.maxPlaintext + MAX_EXPANSION) {
      throw new TlsAlertError(
        AlertDescription.record_overflow,
        `TLSCiphertext.fragment of ${fragment.length} bytes exceeds ${this.maxPlaintext} + 2048 (RFC 5246 §6.2.3)`,
      );
    }
    const overhead = this.explicitNonceLength + AEAD_TAG_LENGTH;
    if (fragment.length < overhead) {
      throw new TlsAlertError(
        AlertDescription.bad_record_mac,
        `protected fragment of ${fragment.length} bytes is shorter than its nonce and tag (${overhead}; RFC 5246 §6.2.3.3)`,
      );
    }
    const sequence = this.current();
    const explicitNonce = this.explicitNonceLength > 0 ? fragment.subarray(0, this.explicitNonceLength) : undefined;
    const nonce = this.nonce(sequence, explicitNonce);
    const aad = tls12AdditionalData(sequence, type, version, fragment.length - overhead);
    const content = this.decrypt(nonce, fragment.subarray(this.explicitNonceLength), aad, 'RFC 5246 §6.2.3.3');
    if (content.length > this.maxPlaintext) {
      throw new TlsAlertError(
        AlertDescription.record_overflow,
        `plaintext of ${content.length} bytes exceeds ${this.maxPlaintext} (RFC 5246 §6.2.3, RFC 8449 §4)`,
      );
    }
    checkContentLength(type, content.length);
    return explicitNonce ? { type, version, content, sequence, explicitNonce } : { type, version, content, sequence };
  }
}

/**
 * Decryption of TLS 1.2 AES-CBC records, for reading captures (the TLS machines have no CBC):
 * - MAC-then-encrypt (RFC 5246 §6.2.3.2): fragment = IV ‖ AES-CBC(content ‖ MAC ‖ padding ‖
 *   padding_length), every padding byte equal to padding_length; MAC = HMAC(MAC_write_key, seq_num ‖
 *   type ‖ version ‖ length ‖ content) (RFC 5246 §6.2.3.1).
 * - encrypt_then_mac (RFC 7366 §3): fragment = IV ‖ AES-CBC(content ‖ padding ‖ padding_length) ‖ MAC,
 *   MAC = HMAC(MAC_write_key, seq_num ‖ type ‖ version ‖ length ‖ IV ‖ ciphertext) over the
 *   encrypted part, checked before decrypting.
 * The explicit IV is the first block of the fragment (RFC 5246 §6.2.3.2, TLS 1.1 and later).
 *
 * This reads recorded traffic; it is not a network peer, so the padding and MAC checks need not be
 * constant-time (no padding oracle: nobody sees the outcome but the analyst).
 * @module
 */
import { cbc } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../bytes/hex.js';
import type { TlsRecord } from '../tls/record.js';
import type { CbcMac, Tls12CbcDecryptSuite } from './suites.js';

const HASHES = { sha1, sha256, sha384 } as const;
const BLOCK = 16;

/** Why a CBC record did not open. */
export class CbcRecordError extends Error {
  constructor(
    readonly reason: 'bad-record-mac' | 'bad-padding' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'CbcRecordError';
  }
}

function macInput(sequence: bigint, type: number, version: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(13 + body.length);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, sequence);
  out[8] = type;
  v.setUint16(9, version);
  v.setUint16(11, body.length);
  out.set(body, 13);
  return out;
}

/** Opens the AES-CBC records one side sent in one epoch (sequence number from 0). */
export class CbcRecordOpener {
  #sequence = 0n;
  readonly #macKey: Uint8Array;
  readonly #key: Uint8Array;
  readonly #mac: CbcMac;
  readonly #macLength: number;

  /**
   * @param encryptThenMac RFC 7366 was negotiated (both hellos carried encrypt_then_mac)
   */
  constructor(
    suite: Tls12CbcDecryptSuite,
    macKey: Uint8Array,
    key: Uint8Array,
    readonly encryptThenMac: boolean,
  ) {
    this.#macKey = macKey.slice();
    this.#key = key.slice();
    this.#mac = suite.mac;
    this.#macLength = suite.macLength;
  }

  /** The sequence number the next record will use. */
  get sequence(): bigint {
    return this.#sequence;
  }

  #hmac(data: Uint8Array): Uint8Array {
    return hmac(HASHES[this.#mac], this.#macKey, data);
  }

  /**
   * Decrypt and authenticate one record; advances the sequence number on success.
   * @throws CbcRecordError bad-record-mac, bad-padding or malformed (fragment length)
   */
  open(record: TlsRecord): { type: number; content: Uint8Array; sequence: bigint } {
    const { type, version, fragment } = record;
    const sequence = this.#sequence;
    const m = this.#macLength;
    let content: Uint8Array;
    if (this.encryptThenMac) {
      const body = fragment.subarray(0, fragment.length - m);
      if (fragment.length < m + 2 * BLOCK || body.length % BLOCK !== 0) {
        throw new CbcRecordError(
          'malformed',
          `fragment of ${fragment.length} bytes is not IV ‖ blocks ‖ MAC (RFC 7366 §3)`,
        );
      }
      if (!equalBytes(this.#hmac(macInput(sequence, type, version, body)), fragment.subarray(body.length))) {
        throw new CbcRecordError('bad-record-mac', 'MAC mismatch (RFC 7366 §3): wrong key or corrupted record');
      }
      content = this.#unpad(this.#decrypt(body));
    } else {
      if (fragment.length < 2 * BLOCK || fragment.length % BLOCK !== 0) {
        throw new CbcRecordError(
          'malformed',
          `fragment of ${fragment.length} bytes is not IV ‖ blocks (RFC 5246 §6.2.3.2)`,
        );
      }
      const plain = this.#unpad(this.#decrypt(fragment));
      if (plain.length < m) throw new CbcRecordError('bad-record-mac', 'plaintext shorter than its MAC: wrong key?');
      content = plain.subarray(0, plain.length - m);
      if (!equalBytes(this.#hmac(macInput(sequence, type, version, content)), plain.subarray(plain.length - m))) {
        throw new CbcRecordError('bad-record-mac', 'MAC mismatch (RFC 5246 §6.2.3.1): wrong key or corrupted record');
      }
    }
    this.#sequence++;
    return { type, content, sequence };
  }

  /** IV ‖ ciphertext → plaintext with its padding. */
  #decrypt(body: Uint8Array): Uint8Array {
    return cbc(this.#key, body.subarray(0, BLOCK), { disablePadding: true }).decrypt(body.subarray(BLOCK));
  }

  /** Remove and check the padding (RFC 5246 §6.2.3.2: every padding byte equals padding_length). */
  #unpad(plain: Uint8Array): Uint8Array {
    const p = plain[plain.length - 1]!;
    if (p + 1 > plain.length)
      throw new CbcRecordError('bad-padding', `padding_length ${p} exceeds the plaintext: wrong key?`);
    for (let i = plain.length - 1 - p; i < plain.length; i++) {
      if (plain[i] !== p)
        throw new CbcRecordError(
          'bad-padding',
          'padding bytes differ from padding_length (RFC 5246 §6.2.3.2): wrong key?',
        );
    }
    return plain.subarray(0, plain.length - 1 - p);
  }
}

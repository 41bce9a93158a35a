/**
 * Record protection for scripted conversations: one direction of one epoch, TLS 1.3 (RFC 8446 §5.2–5.4)
 * or TLS 1.2 AEAD (RFC 5246 §6.2.3.3, RFC 5288). Unlike the library's sealers, a lab epoch writes
 * whatever it is asked to (records over any limit, any padding, any header version) and never throws
 * on what it reads: a record it cannot open gives `undefined`.
 * @module
 */
import { concat } from '../bytes/hex.js';
import type { Tls13CipherSuite } from '../crypto/key-schedule.js';
import { trafficKeys } from '../crypto/key-schedule.js';
import { AEAD_TAG_LENGTH, type CryptoProvider } from '../crypto/provider.js';
import { recordNonce } from '../crypto/record-protection.js';
import type { Tls12CipherSuite, Tls12KeyBlock } from '../crypto/tls12-key-schedule.js';
import { Tls12RecordOpener, Tls12RecordSealer } from '../crypto/tls12-record-protection.js';
import { ContentType } from '../tls/enums.js';

/** A record header: type, version, length (RFC 8446 §5.1). */
export function recordHeader(type: number, version: number, length: number): Uint8Array {
  return Uint8Array.of(type, version >>> 8, version & 0xff, length >>> 8, length & 0xff);
}

/** How one protected record is written. */
export interface SealOptions {
  /** TLS 1.3: zero bytes after the content type (RFC 8446 §5.4). */
  padding?: number;
  /** The record header's version (default 0x0303). */
  version?: number;
  /** TLS 1.3: the outer opaque_type (default application_data, 23). */
  outerType?: number;
}

/** One direction of one epoch. */
export interface LabEpoch {
  /** What the keys are, for traces: 'handshake', 'application', 'early', 'application+1' … */
  readonly label: string;
  /** Records written or read so far under this epoch (the next sequence number). */
  readonly sequence: bigint;
  seal(type: number, content: Uint8Array, options?: SealOptions): Uint8Array;
  /** The real type and content, or undefined when the record does not authenticate. */
  open(record: Uint8Array): { type: number; content: Uint8Array; padding: number } | undefined;
}

/** A TLS 1.3 epoch from a traffic secret (RFC 8446 §7.3). */
export function tls13Epoch(
  provider: CryptoProvider,
  suite: Tls13CipherSuite,
  secret: Uint8Array,
  label: string,
): LabEpoch {
  const { key, iv } = trafficKeys(provider, suite, secret);
  let seq = 0n;
  return {
    label,
    get sequence() {
      return seq;
    },
    seal(type, content, options = {}) {
      const inner = concat(content, Uint8Array.of(type), new Uint8Array(options.padding ?? 0));
      const outer = options.outerType ?? ContentType.application_data;
      const header = recordHeader(outer, options.version ?? 0x0303, inner.length + AEAD_TAG_LENGTH);
      const sealed = provider.aeadSeal(suite.aead, key, recordNonce(iv, seq++), inner, header);
      return concat(header, sealed);
    },
    open(record) {
      const plain = provider.aeadOpen(suite.aead, key, recordNonce(iv, seq), record.subarray(5), record.subarray(0, 5));
      if (!plain) return undefined;
      seq++;
      let end = plain.length - 1;
      while (end >= 0 && plain[end] === 0) end--;
      if (end < 0) return { type: 0, content: new Uint8Array(0), padding: plain.length };
      return { type: plain[end]!, content: plain.subarray(0, end), padding: plain.length - end - 1 };
    },
  };
}

/** A TLS 1.2 AEAD epoch from a key block (RFC 5246 §6.3): the side's write keys. */
export function tls12Epoch(
  provider: CryptoProvider,
  suite: Tls12CipherSuite,
  keyBlock: Tls12KeyBlock,
  side: 'client' | 'server',
  direction: 'seal' | 'open',
): LabEpoch {
  const limit = { maxPlaintext: 16384 };
  const sealer = direction === 'seal' ? Tls12RecordSealer.fromKeyBlock(provider, suite, keyBlock, side, limit) : null;
  const opener = direction === 'open' ? Tls12RecordOpener.fromKeyBlock(provider, suite, keyBlock, side, limit) : null;
  let seq = 0n;
  return {
    label: 'tls12',
    get sequence() {
      return seq;
    },
    seal(type, content, options = {}) {
      if (!sealer) throw new Error('a read epoch cannot seal');
      seq++;
      return sealer.seal(type, content, { version: options.version ?? 0x0303 });
    },
    open(record) {
      if (!opener) throw new Error('a write epoch cannot open');
      try {
        const r = opener.open(record);
        seq++;
        return { type: r.type, content: r.content, padding: 0 };
      } catch {
        return undefined;
      }
    },
  };
}

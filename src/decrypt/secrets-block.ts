/**
 * Decryption Secrets Blocks of pcapng files (draft-ietf-opsawg-pcapng §4.7): block type 0x0000000A,
 * body `Secrets Type (u32) | Secrets Length (u32) | Secrets Data | padding | options`. Type
 * 0x544c534b ("TLSK") holds an NSS key log (what `editcap --inject-secrets tls,FILE` writes);
 * Wireshark decrypts with it without being given a key log, and so does tlswire.
 *
 * The packet reader (`capture/pcapng.ts`) skips these blocks; this walker reads only the block
 * framing and the byte order of each section, and leaves every check of the packets to that reader.
 * @module
 */
import { isPcapng, PCAPNG_BYTE_ORDER_MAGIC } from '../capture/pcapng.js';

/** Block type of a Decryption Secrets Block. */
export const DECRYPTION_SECRETS_BLOCK = 0x0000000a;
/** Secrets type of a TLS key log ("TLSK"). */
export const SECRETS_TYPE_TLS_KEY_LOG = 0x544c534b;

/** One Decryption Secrets Block. */
export interface DecryptionSecrets {
  /** Secrets Type, e.g. {@link SECRETS_TYPE_TLS_KEY_LOG}. */
  type: number;
  /** Secrets Data (a view of the file). */
  data: Uint8Array;
}

function u32(bytes: Uint8Array, at: number, le: boolean): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, 4);
  return v.getUint32(0, le);
}

/**
 * Every Decryption Secrets Block of a pcapng file, in file order; nothing for a pcap file. Walking
 * stops at the first block whose framing is broken (the packet reader reports it).
 */
export function readDecryptionSecrets(bytes: Uint8Array): DecryptionSecrets[] {
  const out: DecryptionSecrets[] = [];
  if (!isPcapng(bytes)) return out;
  let le = true;
  let at = 0;
  while (at + 12 <= bytes.length) {
    if (isPcapng(bytes.subarray(at, at + 4))) {
      if (u32(bytes, at + 8, true) === PCAPNG_BYTE_ORDER_MAGIC) le = true;
      else if (u32(bytes, at + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
      else break;
    }
    const type = u32(bytes, at, le);
    const total = u32(bytes, at + 4, le);
    if (total < 12 || total % 4 !== 0 || at + total > bytes.length) break;
    if (type === DECRYPTION_SECRETS_BLOCK && total >= 20) {
      const length = u32(bytes, at + 12, le);
      if (16 + length <= total - 4) {
        out.push({ type: u32(bytes, at + 8, le), data: bytes.subarray(at + 16, at + 16 + length) });
      }
    }
    at += total;
  }
  return out;
}

/** The TLS key logs (as text) of a pcapng file's Decryption Secrets Blocks. */
export function embeddedKeyLogs(bytes: Uint8Array): string[] {
  const decoder = new TextDecoder();
  return readDecryptionSecrets(bytes)
    .filter((s) => s.type === SECRETS_TYPE_TLS_KEY_LOG)
    .map((s) => decoder.decode(s.data));
}

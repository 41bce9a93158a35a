/**
 * Key logs for decryption: NSS key log lines (draft-ietf-tls-keylogfile §2; the format of
 * SSLKEYLOGFILE and of pcapng Decryption Secrets Blocks) gathered from any number of sources and
 * indexed by the ClientHello random that names a connection.
 *
 * Lines labelled `RSA` (Wireshark's premaster secrets keyed by encrypted premaster) are ignored:
 * CLIENT_RANDOM gives the same connections' master secrets.
 * Reading is lenient where {@link parseKeyLog} is strict: a malformed or truncated line is recorded in
 * {@link KeyLog.problems} (source and line number) and skipped, and so is a secret whose length cannot
 * be right for its label (48 bytes for CLIENT_RANDOM's master secret, RFC 5246 §8.1; a hash length of
 * 32 or 48 bytes for the TLS 1.3 secrets, RFC 8446 §7.1). The first line for a label and random wins.
 * @module
 */
import { fromHex, toHex } from '../bytes/hex.js';
import { type KeyLogEntry, parseKeyLog } from '../crypto/keylog.js';

/** A key log line that was skipped. */
export interface KeyLogProblem {
  /** Where the line came from (a file name, `SSLKEYLOGFILE`, `pcapng DSB 1`). */
  source: string;
  /** 1-based line number in that source. */
  line: number;
  /** Why it was skipped. */
  reason: string;
}

/** Labels whose secret is a TLS 1.3 traffic or exporter secret (a hash output). */
const TLS13_SECRET =
  /^(CLIENT|SERVER)_(EARLY|HANDSHAKE)_TRAFFIC_SECRET$|^(CLIENT|SERVER)_TRAFFIC_SECRET_\d+$|EXPORTER_SECRET$/;

/** Why `entry` cannot be used, or undefined when it can. */
function entryProblem(entry: KeyLogEntry): string | undefined {
  const n = entry.secret.length;
  if (entry.label === 'CLIENT_RANDOM' && n !== 48)
    return `CLIENT_RANDOM secret of ${n} bytes, expected 48 (truncated?)`;
  if (TLS13_SECRET.test(entry.label) && n !== 32 && n !== 48) {
    return `${entry.label} secret of ${n} bytes, expected 32 or 48 (truncated?)`;
  }
  return undefined;
}

/** The secrets of every connection of one or more key logs, by client random. */
export class KeyLog {
  readonly #byRandom = new Map<string, Map<string, Uint8Array>>();
  /** Lines that were skipped, in the order they were read. */
  readonly problems: KeyLogProblem[] = [];

  /** A key log holding the lines of `text` (see {@link addText}). */
  static fromText(text: string, source = 'key log'): KeyLog {
    return new KeyLog().addText(text, source);
  }

  /**
   * Add the lines of a key log file's text. Blank lines and `#` comments are skipped; a line that is
   * not `LABEL <64 hex digits> <hex>`, or whose secret has an impossible length, is recorded in
   * {@link problems} and skipped.
   */
  addText(text: string, source = 'key log'): this {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      // Wireshark's `RSA <encrypted premaster prefix> <premaster>` lines: not keyed by client random.
      if (line.startsWith('RSA ')) continue;
      let entry: KeyLogEntry;
      try {
        entry = parseKeyLog(line)[0]!;
      } catch {
        this.problems.push({ source, line: i + 1, reason: 'not "LABEL <client_random> <secret>" (truncated?)' });
        continue;
      }
      const reason = entryProblem(entry);
      if (reason) this.problems.push({ source, line: i + 1, reason });
      else this.add(entry);
    }
    return this;
  }

  /** Add one entry (the first secret of a label and client random is kept). */
  add(entry: KeyLogEntry): this {
    const key = toHex(entry.clientRandom);
    let labels = this.#byRandom.get(key);
    if (!labels) {
      labels = new Map();
      this.#byRandom.set(key, labels);
    }
    if (!labels.has(entry.label)) labels.set(entry.label, entry.secret);
    return this;
  }

  /** Add every connection of `other`, and its problems. */
  merge(other: KeyLog): this {
    for (const [random, labels] of other.#byRandom) {
      for (const [label, secret] of labels) this.add({ label, clientRandom: fromHex(random), secret });
    }
    this.problems.push(...other.problems);
    return this;
  }

  /** Number of connections (client randoms) with at least one secret. */
  get size(): number {
    return this.#byRandom.size;
  }

  /** The secret logged under `label` for the connection of `clientRandom`. */
  secret(clientRandom: Uint8Array, label: string): Uint8Array | undefined {
    return this.#byRandom.get(toHex(clientRandom))?.get(label);
  }

  /** The labels logged for the connection of `clientRandom` (empty when it is not in the log). */
  labels(clientRandom: Uint8Array): string[] {
    return [...(this.#byRandom.get(toHex(clientRandom))?.keys() ?? [])];
  }
}

/**
 * Decrypting whole captures: read a pcap or pcapng file (its Decryption Secrets Blocks included,
 * draft-ietf-opsawg-pcapng §4.7), reassemble every TCP connection and replay each through
 * {@link analyzeTls} with the key log; or feed decoded packets one by one to a
 * {@link CaptureDecryptor}. {@link plaintextStreams} gives each direction's application data as one
 * stream (tshark's "follow TLS stream").
 * @module
 */
import { type DecodedPacket, decodePacket, readCapture } from '../capture/decode.js';
import { type FlowOptions, FlowTracker } from '../capture/flow.js';
import { NobleProvider } from '../crypto/noble.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { analyzeTls, type Direction, type TlsConnectionReport } from './analyze.js';
import { KeyLog } from './keylog.js';
import { embeddedKeyLogs } from './secrets-block.js';

/** Options of {@link decryptCapture} and {@link CaptureDecryptor}. */
export interface DecryptOptions extends FlowOptions {
  /** Secrets to decrypt with (merged with the capture's own, see `embeddedSecrets`). */
  keyLog?: KeyLog;
  /** Default: a {@link NobleProvider}. */
  provider?: CryptoProvider;
  /** Use the key logs of the file's Decryption Secrets Blocks (default true). */
  embeddedSecrets?: boolean;
}

/** Collects decoded packets, then decrypts every TCP connection. */
export class CaptureDecryptor {
  readonly keyLog: KeyLog;
  readonly #provider: CryptoProvider;
  readonly #tracker: FlowTracker;

  constructor(options: DecryptOptions = {}) {
    this.keyLog = new KeyLog();
    if (options.keyLog) this.keyLog.merge(options.keyLog);
    this.#provider = options.provider ?? new NobleProvider();
    this.#tracker = new FlowTracker(options);
  }

  /** Add one decoded packet (packets without a TCP segment are ignored). */
  add(packet: DecodedPacket): void {
    this.#tracker.add(packet);
  }

  /** The TLS view, decrypted where the key log allows, of every connection. */
  finish(): TlsConnectionReport[] {
    return this.#tracker.finish().map((c) => analyzeTls(c, { keyLog: this.keyLog, provider: this.#provider }));
  }
}

/**
 * Decrypt every TLS connection of a pcap or pcapng file. Packets that do not decode are skipped.
 * @throws DecodeError when the file itself is malformed (see `readCapture`)
 */
export function decryptCapture(bytes: Uint8Array, options: DecryptOptions = {}): TlsConnectionReport[] {
  const d = new CaptureDecryptor(options);
  if (options.embeddedSecrets !== false) {
    for (const [i, text] of embeddedKeyLogs(bytes).entries()) {
      d.keyLog.addText(text, `pcapng Decryption Secrets Block ${i + 1}`);
    }
  }
  for (const packet of readCapture(bytes)) {
    let p: DecodedPacket;
    try {
      p = decodePacket(packet);
    } catch {
      continue;
    }
    d.add(p);
  }
  return d.finish();
}

/** One direction's decrypted application data, record by record. */
export interface PlaintextChunk {
  direction: Direction;
  frame: number;
  data: Uint8Array;
}

/** The decrypted application data of a connection: in capture order, and per direction as one stream. */
export interface PlaintextStreams {
  chunks: PlaintextChunk[];
  /** Client to server. */
  client: Uint8Array;
  /** Server to client. */
  server: Uint8Array;
}

/** The application data of `report`, as tshark's "follow TLS stream" shows it. */
export function plaintextStreams(report: TlsConnectionReport): PlaintextStreams {
  const chunks: PlaintextChunk[] = [];
  for (const ev of report.events) {
    if (ev.kind === 'record' && ev.data && ev.data.length > 0) {
      chunks.push({ direction: ev.direction, frame: ev.frame, data: ev.data });
    }
  }
  const join = (dir: Direction) => {
    const parts = chunks.filter((c) => c.direction === dir);
    const out = new Uint8Array(parts.reduce((n, c) => n + c.data.length, 0));
    let at = 0;
    for (const c of parts) {
      out.set(c.data, at);
      at += c.data.length;
    }
    return out;
  };
  return { chunks, client: join('C>S'), server: join('S>C') };
}

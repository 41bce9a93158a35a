/**
 * The TLS view of one reassembled TCP connection, for `tlswire pcap` and `tlswire decode`: the replay
 * of both byte streams through the record layer and the handshake decoder, decrypting with a key
 * log when one is given, lives in the library (`src/decrypt/analyze.ts`, `tlswire/decrypt`); this
 * module keeps the names the CLI imports.
 * @module
 */
export type {
  AnalyzeOptions,
  Direction,
  KeyStatus,
  MessageEvent,
  NoteEvent,
  RecordEvent,
  TlsConnectionReport,
  TlsEvent,
} from '../decrypt/analyze.js';
export { analyzeTls, keyExchangeOf, looksLikeTls } from '../decrypt/analyze.js';

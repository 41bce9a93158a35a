/**
 * In-memory wiring for the TLS 1.3 tests: a client and a server that deliver each other's records
 * (RFC 8446 §5) as they are sent, with every event kept per side, and the test PKI's credentials.
 */
import { readFileSync } from 'node:fs';
import { TlsClient } from '../../src/handshake/client.js';
import { TlsServer } from '../../src/handshake/server.js';
import type { CertifiedKey, ServerConfig, TlsClientConfig, TlsEvent } from '../../src/handshake/types.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';
import { pki } from '../node/peers.js';
import { sentRecords } from './support.js';

/** A test PKI chain (leaf first) and key, e.g. `certified('server-ecdsa')`. */
export function certified(name: string): CertifiedKey {
  return {
    chain: decodePem(readFileSync(pki(`${name}-chain.pem`), 'utf8')).map((b) => b.der),
    key: parsePrivateKey(readFileSync(pki(`${name}.key`), 'utf8')),
  };
}

/** A client and a server wired in memory; `records` keeps every record each side sent, in order. */
export class Pair {
  readonly client: TlsClient;
  readonly server: TlsServer;
  readonly clientEvents: TlsEvent[] = [];
  readonly serverEvents: TlsEvent[] = [];
  readonly records: { from: 'client' | 'server'; bytes: Uint8Array }[] = [];

  /** Build both and run the handshake (the client's start() and everything that follows). */
  constructor(client: Partial<TlsClientConfig>, server: Partial<ServerConfig> = {}) {
    this.client = new TlsClient({
      serverName: 'localhost',
      verifyServer: () => undefined,
      ...client,
    } as TlsClientConfig);
    this.server = new TlsServer({ certificate: certified('server-ecdsa'), ...server });
    this.fromClient(this.client.start());
  }

  /** Deliver a client call's events (and all that follows) until both sides are quiet. */
  fromClient(events: TlsEvent[]): TlsEvent[] {
    this.clientEvents.push(...events);
    const answers: TlsEvent[] = [];
    for (const e of events) {
      if (e.kind !== 'send') continue;
      for (const bytes of sentRecords([e])) this.records.push({ from: 'client', bytes });
      answers.push(...this.server.handle(e.bytes));
    }
    if (answers.length > 0) this.fromServer(answers);
    return events;
  }

  /** Deliver a server call's events (and all that follows) until both sides are quiet. */
  fromServer(events: TlsEvent[]): TlsEvent[] {
    this.serverEvents.push(...events);
    const answers: TlsEvent[] = [];
    for (const e of events) {
      if (e.kind !== 'send') continue;
      for (const bytes of sentRecords([e])) this.records.push({ from: 'server', bytes });
      answers.push(...this.client.handle(e.bytes));
    }
    if (answers.length > 0) this.fromClient(answers);
    return events;
  }
}

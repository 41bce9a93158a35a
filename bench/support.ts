/**
 * Helpers shared by the handshake benches (not a bench itself: bench/run.ts loads only `*.bench.ts`):
 * the test PKI's files, and an in-memory pump that runs one of our clients against one of our servers.
 */
import { readFileSync } from 'node:fs';
import type { Tls12Event } from '../src/handshake/tls12/types.js';
import type { TlsEvent } from '../src/handshake/types.js';

const PKI = new URL('../test/pki/out/', import.meta.url);

/** A file of the test PKI (test/pki/out/), as text. */
export const readPki = (name: string): string => readFileSync(new URL(name, PKI), 'utf8');

/** One side of a connection in memory: it takes the peer's bytes and answers with events. */
export interface Endpoint<E> {
  handle(bytes: Uint8Array): E[];
}

type SessionOf<E> = E extends { kind: 'session'; session: infer S } ? S : never;

/**
 * Run client and server against each other in memory, from the client's `first` events, until
 * neither has anything to send; returns the sessions the client reported. An error event is thrown.
 */
export function converse<E extends TlsEvent | Tls12Event>(
  client: Endpoint<E>,
  server: Endpoint<E>,
  first: E[],
): SessionOf<E>[] {
  const sessions: SessionOf<E>[] = [];
  let toServer: Uint8Array[] = [];
  let toClient: Uint8Array[] = [];
  const take = (events: (TlsEvent | Tls12Event)[], out: Uint8Array[]) => {
    for (const e of events) {
      if (e.kind === 'send') out.push(e.bytes);
      else if (e.kind === 'session') sessions.push(e.session as SessionOf<E>);
      else if (e.kind === 'error') throw e.error;
    }
  };
  take(first, toServer);
  while (toServer.length > 0 || toClient.length > 0) {
    const s = toServer;
    toServer = [];
    for (const b of s) take(server.handle(b), toClient);
    const c = toClient;
    toClient = [];
    for (const b of c) take(client.handle(b), toServer);
  }
  return sessions;
}

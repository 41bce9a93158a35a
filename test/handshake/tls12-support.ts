/**
 * Helpers for the TLS 1.2 handshake tests: the test PKI (test/pki/out) as certified keys, an
 * in-memory pump between two sans-IO machines, and event filters.
 */
import { readFileSync } from 'node:fs';
import { concat } from '../../src/bytes/hex.js';
import type { Tls12Event } from '../../src/handshake/tls12/types.js';
import type { CertifiedKey } from '../../src/handshake/types.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';

const PKI = new URL('../pki/out/', import.meta.url);

/** A file of the test PKI as text. */
export function pki(name: string): string {
  return readFileSync(new URL(name, PKI), 'utf8');
}

/** A PKI identity (`server-ecdsa`, `server-rsa`, `server-ed25519`, `client`, `client-rsa`): PEM and parsed. */
export function identity(name: string): { pem: string; keyPem: string; certified: CertifiedKey } {
  const pem = pki(`${name}-chain.pem`);
  const keyPem = pki(`${name}.key`);
  return { pem, keyPem, certified: { chain: decodePem(pem).map((b) => b.der), key: parsePrivateKey(keyPem) } };
}

/** What a sans-IO TLS 1.2 machine offers the pump. */
export interface Machine {
  handle(bytes: Uint8Array): Tls12Event[];
}

/** Bytes of every `send` event, concatenated. */
export function sent(events: Tls12Event[]): Uint8Array {
  return concat(...events.flatMap((e) => (e.kind === 'send' ? [e.bytes] : [])));
}

/** Events of one kind. */
export function ofKind<K extends Tls12Event['kind']>(
  events: Tls12Event[],
  kind: K,
): Extract<Tls12Event, { kind: K }>[] {
  return events.filter((e): e is Extract<Tls12Event, { kind: K }> => e.kind === kind);
}

/**
 * Deliver `first` (events of a client call) to `server`, then pass bytes back and forth until
 * neither side sends anything. Returns every event of each side (the first batch included).
 */
export function pump(
  client: Machine,
  server: Machine,
  first: Tls12Event[],
): { client: Tls12Event[]; server: Tls12Event[] } {
  const log = { client: [...first], server: [] as Tls12Event[] };
  let toServer: Uint8Array = sent(first);
  let toClient: Uint8Array = new Uint8Array(0);
  for (let round = 0; round < 20 && (toServer.length > 0 || toClient.length > 0); round++) {
    if (toServer.length > 0) {
      const ev = server.handle(toServer);
      log.server.push(...ev);
      toServer = new Uint8Array(0);
      toClient = concat(toClient, sent(ev));
    }
    if (toClient.length > 0) {
      const ev = client.handle(toClient);
      log.client.push(...ev);
      toClient = new Uint8Array(0);
      toServer = sent(ev);
    }
  }
  return log;
}

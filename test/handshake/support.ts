/**
 * Helpers for the handshake tests: a random source that replays given bytes, the RFC 8448 §2 RSA
 * key, RFC 8448 §3 parameters, the salt of an RSA-PSS signature, and event filters.
 */
import { readFileSync } from 'node:fs';
import { concat, fromHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import type { CryptoProvider, RsaPrivateKey } from '../../src/crypto/provider.js';
import { i2osp, mgf1, modPow, os2ip } from '../../src/crypto/rsa.js';
import type { TlsEvent } from '../../src/handshake/types.js';
import { NodeCryptoProvider } from '../../src/node/crypto-provider.js';
import type { Extension } from '../../src/tls/extensions.js';
import type { ClientHello } from '../../src/tls/messages/hello.js';
import { field, findEntries, findEntry, type Trace } from '../support/rfc8448.js';

/** The providers the replays run through: the pure one and the node:crypto one. */
export type ProviderKind = 'noble' | 'node';
export const PROVIDER_KINDS: readonly ProviderKind[] = ['noble', 'node'];

/**
 * A provider (of `kind`) whose random source hands out `chunks` in order, each exactly as long as
 * asked. Both kinds derive keys from random bytes the same way, so one script replays through either.
 */
export function replayProvider(
  chunks: Uint8Array[],
  kind: ProviderKind = 'noble',
): CryptoProvider & { remaining: () => number } {
  const queue = [...chunks];
  const random = (n: number) => {
    const next = queue.shift();
    if (!next) throw new Error(`unexpected random(${n}): the replay queue is empty`);
    if (next.length !== n) throw new Error(`random(${n}) but the next replay chunk has ${next.length} bytes`);
    return next.slice();
  };
  const provider = kind === 'node' ? new NodeCryptoProvider({ random }) : new NobleProvider({ random });
  return Object.assign(provider, { remaining: () => queue.length });
}

/** The RSA key of RFC 8448 §2 (labelled hex runs of its verbatim copy). */
export function rfc8448RsaKey(): RsaPrivateKey {
  const text = readFileSync(new URL('../../vectors/rfc8448/2-private-keys.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('#') && !/^(Thomson|RFC 8448)\s/.test(l))
    .join('\n');
  const labels = [
    'modulus (public)',
    'public exponent',
    'private exponent',
    'prime1',
    'prime2',
    'exponent1',
    'exponent2',
    'coefficient',
  ];
  const values = labels.map((label, i) => {
    const start = text.indexOf(`${label}:`) + label.length + 1;
    const next = labels[i + 1];
    const end = next ? text.indexOf(`${next}:`) : text.length;
    const hexText = text
      .slice(start, end)
      .split('\n\n\n')[0]!
      .replace(/[^0-9a-f ]/g, ' ');
    return os2ip(fromHex(hexText.trim()));
  });
  const [n, e, d, p, q, dp, dq, qi] = values as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  return { type: 'rsa', n, e, d, p, q, dp, dq, qi };
}

/** The salt an RSA-PSS (SHA-256, 1024-bit key) signature was made with (RFC 8017 §9.1.2 steps 7–11). */
export function pssSalt(key: RsaPrivateKey, signature: Uint8Array): Uint8Array {
  const em = i2osp(modPow(os2ip(signature), key.e, key.n), 128);
  const maskedDb = em.subarray(0, 128 - 33);
  const db = mgf1('sha256', em.subarray(128 - 33, 127), maskedDb.length).map((b, i) => b ^ maskedDb[i]!);
  return db.slice(db.length - 32);
}

/** The groups, suites and signature schemes the RFC 8448 client (NSS) offers. */
export const RFC_GROUPS = [0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104];
export const RFC_SUITES = [0x1301, 0x1303, 0x1302];
export const RFC_SCHEMES = [
  0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602,
  0x0202,
];

/**
 * NSS's ClientHello carries two TLS 1.2 extensions where it puts them: renegotiation_info after
 * server_name, and (when asked) an empty session_ticket after supported_groups.
 */
export function nssExtensions(sessionTicket: boolean): (hello: ClientHello) => ClientHello {
  return (hello) => {
    const out: Extension[] = [];
    for (const e of hello.extensions ?? []) {
      out.push(e);
      if (e.kind === 'server_name') out.push({ kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) });
      if (e.kind === 'supported_groups' && sessionTicket)
        out.push({ kind: 'session_ticket', ticket: new Uint8Array(0) });
    }
    return { ...hello, extensions: out };
  };
}

/** The complete records `actor` sends in `trace`, in order, with their content type. */
export function traceRecords(
  trace: Trace,
  actor: 'client' | 'server',
): { type: string; record: Uint8Array; payload: Uint8Array }[] {
  return trace.entries
    .filter((e) => e.actor === actor && /^send \w+ record$/.test(e.action))
    .map((e) => ({
      type: /^send (\w+) record$/.exec(e.action)![1]!,
      record: field(e, 'complete record'),
      payload: field(e, 'payload'),
    }));
}

/** Bytes of every `send` event, concatenated. */
export function sent(events: TlsEvent[]): Uint8Array {
  return concat(...events.flatMap((e) => (e.kind === 'send' ? [e.bytes] : [])));
}

/**
 * The records of every `send` event, each a complete record's bytes: a call's records go out in one
 * `send` event (one write), and the tests compare them record by record.
 */
export function sentRecords(events: readonly { kind: string; bytes?: Uint8Array }[]): Uint8Array[] {
  const records: Uint8Array[] = [];
  for (const e of events) {
    if (e.kind !== 'send' || !e.bytes) continue;
    for (let at = 0; at < e.bytes.length; ) {
      const end = at + 5 + ((e.bytes[at + 3]! << 8) | e.bytes[at + 4]!);
      records.push(e.bytes.subarray(at, end));
      at = end;
    }
  }
  return records;
}

/** Cut `bytes` at the given fractions of its length (random record or chunk splits). */
export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    if (to > from) out.push(bytes.subarray(from, to));
    from = Math.max(from, to);
  }
  return out;
}

/** Events of one kind. */
export function ofKind<K extends TlsEvent['kind']>(events: TlsEvent[], kind: K): Extract<TlsEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<TlsEvent, { kind: K }> => e.kind === kind);
}

/** Throw if any event is an error (with its message). */
export function noErrors(events: TlsEvent[]): TlsEvent[] {
  for (const e of events) if (e.kind === 'error') throw e.error;
  return events;
}

/** An `expanded` value of a `derive secret "<label>"` entry (the first actor that lists it). */
export function traceSecret(trace: Trace, label: string): Uint8Array {
  for (const actor of ['client', 'server'] as const) {
    for (const e of findEntries(trace, actor, `derive secret "${label}"`)) {
      if (e.fields.length > 0) return field(e, 'expanded');
    }
  }
  throw new Error(`no derive secret "${label}" in §${trace.section}`);
}

/** The private key of the `nth` ephemeral key pair `actor` creates. */
export function ephemeral(trace: Trace, actor: 'client' | 'server', nth = 0): Uint8Array {
  return field(findEntry(trace, actor, 'create an ephemeral', nth), 'private key');
}

/** The handshake message bytes of a "construct a … handshake message" entry. */
export function traceMessage(trace: Trace, actor: 'client' | 'server', name: string, nth = 0): Uint8Array {
  return field(
    findEntry(trace, actor, `construct a${/^[AEIOU]/.test(name) ? 'n' : ''} ${name} handshake message`, nth),
    name,
  );
}

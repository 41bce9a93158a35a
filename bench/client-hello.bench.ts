/**
 * ClientHello decode and encode, side by side with the `read-tls-client-hello` npm package parsing the
 * same bytes.
 *
 * Input: the TLS 1.3 ClientHello OpenSSL 3.0.19 sent in vectors/tls12-messages (scenario
 * `tls13-ecdsa`), made browser-shaped the way Chrome/BoringSSL shapes its own (RFC 8701): a GREASE
 * cipher suite first, a GREASE extension first (empty) and last (one zero byte), a GREASE group first in
 * supported_groups and key_share (a one-byte share), a GREASE version first in supported_versions, ALPN
 * h2 + http/1.1, and padding (RFC 7685) to 512 bytes. read-tls-client-hello reads from a Node stream,
 * so it gets the same handshake message inside a TLS record.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { readTlsClientHello } from 'read-tls-client-hello';
import type { Bench } from 'tinybench';
import { fromHex } from '../src/bytes/hex.js';
import { type Extension, extensionType } from '../src/tls/extensions.js';
import { decodeHandshake, encodeHandshake } from '../src/tls/messages/handshake.js';
import type { ClientHello } from '../src/tls/messages/hello.js';

const TARGET_LENGTH = 512;

/** The benchmark input: a browser-shaped 512-byte ClientHello (see the module comment). */
export function browserShapedClientHello(): Uint8Array {
  const vectors = JSON.parse(
    readFileSync(new URL('../vectors/tls12-messages/messages.json', import.meta.url), 'utf8'),
  ) as Record<string, { name: string; hex: string }[]>;
  const captured = vectors['tls13-ecdsa']!.find((m) => m.name === 'ClientHello')!;
  const ch = decodeHandshake(fromHex(captured.hex)) as ClientHello;
  const extensions: Extension[] = [{ kind: 'unknown', type: 0x7a7a, data: new Uint8Array(0) }];
  for (const e of ch.extensions ?? []) {
    if (e.kind === 'supported_groups') extensions.push({ ...e, groups: [0x3a3a, ...e.groups] });
    else if (e.kind === 'key_share' && e.form === 'client_hello') {
      extensions.push({ ...e, shares: [{ group: 0x3a3a, keyExchange: Uint8Array.of(0) }, ...e.shares] });
    } else if (e.kind === 'supported_versions' && e.form === 'client_hello') {
      extensions.push({ ...e, versions: [0xdada, ...e.versions] });
    } else extensions.push(e);
  }
  extensions.push({ kind: 'application_layer_protocol_negotiation', protocols: ['h2', 'http/1.1'] });
  extensions.push({ kind: 'unknown', type: 0x4a4a, data: Uint8Array.of(0) });
  const shaped: ClientHello = { ...ch, cipherSuites: [0x2a2a, ...ch.cipherSuites], extensions };
  const unpadded = encodeHandshake({
    ...shaped,
    extensions: [...extensions, { kind: 'padding', padding: new Uint8Array(0) }],
  });
  const padding = new Uint8Array(Math.max(0, TARGET_LENGTH - unpadded.length));
  return encodeHandshake({ ...shaped, extensions: [...extensions, { kind: 'padding', padding }] });
}

/** Register the ClientHello tasks. */
export async function register(bench: Bench): Promise<string[]> {
  const bytes = browserShapedClientHello();
  const record = new Uint8Array(5 + bytes.length);
  record.set([0x16, 0x03, 0x01, bytes.length >>> 8, bytes.length & 0xff]);
  record.set(bytes, 5);
  const recordBuffer = Buffer.from(record);
  const decoded = decodeHandshake(bytes);
  const ours = decoded as ClientHello;
  const theirs = await readTlsClientHello(Readable.from([recordBuffer], { objectMode: false }));
  const agree =
    theirs.cipherSuites.join() === ours.cipherSuites.join() &&
    theirs.extensions.map((e) => e.id).join() === (ours.extensions ?? []).map(extensionType).join();
  if (!agree) throw new Error('read-tls-client-hello and tlswire disagree on the benchmark ClientHello');
  let sink = 0;
  bench
    .add(`tlswire decodeHandshake (ClientHello, ${bytes.length} B, GREASE)`, () => {
      const m = decodeHandshake(bytes);
      sink ^= m.raw.length;
    })
    .add(`tlswire encodeHandshake (ClientHello, ${bytes.length} B)`, () => {
      sink ^= encodeHandshake(decoded).length;
    })
    .add(`read-tls-client-hello readTlsClientHello (same bytes in a record)`, async () => {
      const m = await readTlsClientHello(Readable.from([recordBuffer], { objectMode: false }));
      sink ^= m.cipherSuites.length;
    });
  return [
    `client-hello: ${bytes.length}-byte ClientHello, ${ours.cipherSuites.length} cipher suites, ` +
      `${ours.extensions?.length} extensions (both parsers agree); checksum ${sink}`,
  ];
}

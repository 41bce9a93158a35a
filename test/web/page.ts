/**
 * Code that runs inside headless Chromium (bundled by ./chromium.ts with esbuild): tlswire's TLS 1.3
 * client replaying RFC 8448 §3 over the Web adapter, and a client and server talking to each other
 * through in-memory WHATWG streams. Inputs come from the Node side as hex and text, results go back as
 * plain JSON; the assertions are in ./browser.test.ts.
 */
import { concat, fromHex, toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { TlsClient } from '../../src/handshake/client.js';
import { trustAnchorVerifier } from '../../src/handshake/verifier.js';
import type { Extension } from '../../src/tls/extensions.js';
import type { ClientHello } from '../../src/tls/messages/hello.js';
import { acceptTls, type ByteStreams, connectTls, openTls } from '../../src/web/connection.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';

/** What the Node side hands in for the RFC 8448 §3 replay. */
export interface ReplayInput {
  clientRandom: string;
  clientEphemeral: string;
  serverRecords: string[];
  clientPayload: string;
  groups: number[];
  suites: number[];
  schemes: number[];
}

/** A transport whose readable yields `incoming` and whose writable collects what is written. */
function scriptedTransport(incoming: Uint8Array[]): ByteStreams & { written: Uint8Array[] } {
  const written: Uint8Array[] = [];
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of incoming) controller.enqueue(chunk);
      controller.close();
    },
  });
  const writable = new WritableStream<Uint8Array>({ write: (chunk) => void written.push(chunk.slice()) });
  return { readable, writable, written };
}

/** NSS's extension order in RFC 8448 (test/handshake/support.ts `nssExtensions(true)`). */
function nssExtensions(hello: ClientHello): ClientHello {
  const out: Extension[] = [];
  for (const e of hello.extensions ?? []) {
    out.push(e);
    if (e.kind === 'server_name') out.push({ kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) });
    if (e.kind === 'supported_groups') out.push({ kind: 'session_ticket', ticket: new Uint8Array(0) });
  }
  return { ...hello, extensions: out };
}

/** Read a plaintext stream to its end, as text. */
async function readAll(readable: ReadableStream<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  const reader = readable.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
  return new TextDecoder().decode(concat(...chunks));
}

/** RFC 8448 §3 through the Web adapter: the client's bytes, the data it received, what was agreed. */
async function rfc8448(input: ReplayInput) {
  const chunks = [fromHex(input.clientRandom), fromHex(input.clientEphemeral)];
  const client = new TlsClient({
    provider: new NobleProvider({ random: (n) => chunks.shift()!.slice(0, n) }),
    serverName: 'server',
    cipherSuites: input.suites,
    groups: input.groups,
    signatureSchemes: input.schemes,
    recordSizeLimit: 16385,
    editClientHello: nssExtensions,
    verifyServer: () => undefined,
    now: () => 1000,
  });
  const transport = scriptedTransport(input.serverRecords.map(fromHex));
  const tls = openTls(transport, client, client.start());
  const negotiated = await tls.opened;
  const writer = tls.writable.getWriter();
  await writer.write(fromHex(input.clientPayload));
  const reader = tls.readable.getReader();
  const data = await reader.read();
  await writer.close();
  return {
    userAgent: (globalThis as { navigator?: { userAgent: string } }).navigator?.userAgent ?? '',
    hasProcess: typeof (globalThis as { process?: unknown }).process !== 'undefined',
    clientBytes: toHex(concat(...transport.written)),
    received: data.value ? toHex(data.value) : '',
    cipherSuite: negotiated?.cipherSuite,
    group: negotiated?.group,
  };
}

/** Two crossed in-memory pipes: what one side writes, the other reads. */
function crossedPipes(): [ByteStreams, ByteStreams] {
  const a = new TransformStream<Uint8Array, Uint8Array>();
  const b = new TransformStream<Uint8Array, Uint8Array>();
  return [
    { readable: a.readable, writable: b.writable },
    { readable: b.readable, writable: a.writable },
  ];
}

/** What the Node side hands in for the in-memory handshake: the test PKI as PEM. */
export interface PkiInput {
  rootPem: string;
  chainPem: string;
  keyPem: string;
}

/** tlswire's client and server over in-memory streams: a request, an answer, close_notify both ways. */
async function inMemory(pki: PkiInput) {
  const provider = new NobleProvider();
  const [clientSide, serverSide] = crossedPipes();
  const roots = decodePem(pki.rootPem).map((b) => b.der);
  const client = connectTls(clientSide, {
    provider,
    serverName: 'localhost',
    alpn: ['http/1.1'],
    verifyServer: trustAnchorVerifier(roots, undefined, 'serverAuth', provider),
  });
  const certificate = { chain: decodePem(pki.chainPem).map((b) => b.der), key: parsePrivateKey(pki.keyPem) };
  const server = acceptTls(serverSide, { provider, certificate, alpn: ['http/1.1'] });
  const serverWork = (async () => {
    const request = await readAll(server.readable);
    const writer = server.writable.getWriter();
    await writer.write(new TextEncoder().encode(`echo: ${request}`));
    await writer.close();
    return request;
  })();
  const negotiated = await client.opened;
  const writer = client.writable.getWriter();
  await writer.write(new TextEncoder().encode('hello from Chromium'));
  await writer.close();
  const answer = await readAll(client.readable);
  return {
    request: await serverWork,
    answer,
    version: negotiated?.version,
    alpn: negotiated?.alpn,
    clientClosed: await client.closed,
    serverClosed: await server.closed,
  };
}

/** What the page puts on `globalThis.tlswireTest`. */
export interface PageApi {
  rfc8448: typeof rfc8448;
  inMemory: typeof inMemory;
}

(globalThis as { tlswireTest?: PageApi }).tlswireTest = { rfc8448, inMemory };

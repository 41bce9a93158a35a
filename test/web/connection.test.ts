/**
 * The Web adapter (src/web/connection.ts) under Node's WHATWG streams: how a connection ends and
 * fails. A transport that ends before the handshake rejects `opened`; one that ends after it without
 * close_notify resolves `closed` as truncated (RFC 8446 §6.1); a server whose certificate the client
 * rejects makes both sides fail with the alert the client sent (bad_certificate, RFC 8446 §6.2).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import { TlsClient } from '../../src/handshake/client.js';
import { TlsServer } from '../../src/handshake/server.js';
import { trustAnchorVerifier } from '../../src/handshake/verifier.js';
import { acceptTls, type ByteStreams, connectTls, openTls } from '../../src/web/connection.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';

const PKI = new URL('../pki/out/', import.meta.url);
const pem = (name: string) => readFileSync(new URL(name, PKI), 'utf8');
const provider = new NobleProvider();
const certificate = {
  chain: decodePem(pem('server-ecdsa-chain.pem')).map((b) => b.der),
  key: parsePrivateKey(pem('server-ecdsa.key')),
};
const roots = decodePem(pem('root-ca.crt')).map((b) => b.der);

/** Crossed in-memory pipes. */
function pipes(): { client: ByteStreams; server: ByteStreams } {
  const up = new TransformStream<Uint8Array, Uint8Array>();
  const down = new TransformStream<Uint8Array, Uint8Array>();
  return {
    client: { readable: down.readable, writable: up.writable },
    server: { readable: up.readable, writable: down.writable },
  };
}

const clientConfig = (serverName = 'localhost') => ({
  provider,
  serverName,
  verifyServer: trustAnchorVerifier(roots, undefined, 'serverAuth', provider),
});

describe('tlswire/web connection ends and failures', () => {
  it('a transport that ends before the handshake rejects opened', async () => {
    const empty = new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    const client = new TlsClient(clientConfig());
    const tls = openTls({ readable: empty, writable: new WritableStream() }, client, client.start());
    await expect(tls.opened).rejects.toThrow('the transport ended before the TLS handshake completed');
    await expect(tls.closed).resolves.toEqual({ truncated: true });
  });

  it('a certificate the client rejects fails both sides with bad_certificate', async () => {
    const p = pipes();
    const client = connectTls(p.client, clientConfig('wrong.example'));
    const server = acceptTls(p.server, { provider, certificate });
    await expect(client.opened).rejects.toThrow();
    const error = await server.opened.catch((e: unknown) => e);
    expect(String(error)).toMatch(/bad_certificate/);
    await expect(client.readable.getReader().read()).rejects.toThrow();
  });

  it('data after the handshake, then the transport ends without close_notify: truncated', async () => {
    const up = new TransformStream<Uint8Array, Uint8Array>();
    const down = new TransformStream<Uint8Array, Uint8Array>();
    const server = new TlsServer({ provider, certificate });
    const serverTls = openTls({ readable: up.readable, writable: down.writable }, server);
    // The client's transport readable is the server's output through a tap we can end at will.
    let cut: TransformStreamDefaultController<Uint8Array> | undefined;
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      start: (c) => {
        cut = c;
      },
    });
    const client = connectTls({ readable: down.readable.pipeThrough(tap), writable: up.writable }, clientConfig());
    await Promise.all([client.opened, serverTls.opened]);
    await serverTls.writable.getWriter().write(new TextEncoder().encode('last words'));
    const reader = client.readable.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('last words');
    cut!.terminate(); // the TCP connection ends with no close_notify
    expect((await reader.read()).done).toBe(true);
    await expect(client.closed).resolves.toEqual({ truncated: true });
  });
});

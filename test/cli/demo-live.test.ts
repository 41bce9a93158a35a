/**
 * The live sections of `tlswire demo`: the in-memory handshake prints every message of a TLS 1.3
 * full handshake in RFC 8446 order with the key log labels, and node:tls (OpenSSL) on 127.0.0.1
 * completes a handshake with our client and echoes the line we send.
 */
import { describe, expect, it } from 'vitest';
import { liveDemo } from '../../src/cli/demo-live.js';
import { PKI } from '../node/peers.js';
import { capture } from './helpers.js';

describe('tlswire demo: live handshakes', () => {
  it('in memory: the messages of a full handshake in order, secrets by label; node:tls echoes our line', () => {
    const io = capture();
    expect(liveDemo(PKI, io)).toBe(0);
    expect(io.stderr).toEqual([]);
    const messages = io.stdout
      .map((l) => /^ {3}(client|server) > (\w+) \(/.exec(l))
      .filter((m) => m !== null)
      .map((m) => `${m[1]} ${m[2]}`);
    expect(messages).toEqual([
      'client client_hello',
      'server server_hello',
      'server encrypted_extensions',
      'server certificate',
      'server certificate_verify',
      'server finished',
      'client finished',
      'server new_session_ticket',
      'server new_session_ticket',
    ]);
    const secrets = io.stdout.filter((l) => /^ {3}client +secret /.test(l)).map((l) => l.trim().split(' ').at(-1));
    expect(secrets).toEqual([
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
      'SERVER_HANDSHAKE_TRAFFIC_SECRET',
      'CLIENT_TRAFFIC_SECRET_0',
      'SERVER_TRAFFIC_SECRET_0',
      'EXPORTER_SECRET',
    ]);
    expect(io.stdout).toContain('   server received: "hello from tlswire"');
    // Section 4: node:tls's own answer, through our client.
    expect(io.stdout).toContain('   node:tls answered: "echo: hello from tlswire"');
    const negotiated = io.stdout.filter((l) => l.includes('negotiated TLS1.3'));
    expect(negotiated).toHaveLength(2);
    for (const l of negotiated) expect(l).toContain('ALPN http/1.1');
  });
});

/**
 * TLS 1.2 key schedule and record protection against every TLS 1.2 session recorded from real peers
 * (OpenSSL 3.0, GnuTLS 3.7, node:tls; vectors/tls/*tls12*, see vectors/README.md and
 * scripts/record-tls-vectors.sh). For each connection (./tls12-session.ts does the checks):
 *
 * - the master secret comes from the peers' key log, matched by the ClientHello random; our
 *   `CLIENT_RANDOM` line for it equals the logged line;
 * - the key block (RFC 5246 §6.3) opens EVERY protected record of both directions: the first one after
 *   ChangeCipherSpec is a Finished whose verify_data equals our PRF over the hash of the cleartext
 *   handshake messages (RFC 5246 §7.4.9), which checks PRF, transcript and record protection at once;
 *   the application data is what the recording script sent (`hello\n` and the server's answer), and
 *   every alert is a close_notify;
 * - sealing each plaintext again with the record's sequence number and explicit nonce gives the
 *   captured record byte for byte (RFC 5288 §3 nonce, RFC 5246 §6.2.3.3 additional data);
 * - with the RSA key exchange, the premaster secret decrypted from ClientKeyExchange with the test
 *   PKI's server key gives, through the extended master secret (RFC 7627 §4), the logged master secret.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { decodePacket, readCapture } from '../../src/capture/decode.js';
import { streamBytes, trackConnections } from '../../src/capture/flow.js';
import { parseKeyLog } from '../../src/crypto/keylog.js';
import type { Tls12CipherSuite } from '../../src/crypto/tls12-key-schedule.js';
import { pkiRsaKey, replaySession } from './tls12-session.js';

const VECTORS = new URL('../../vectors/tls/', import.meta.url);

/** Every TLS 1.2 capture with a key log in vectors/tls/. */
const CAPTURES = readdirSync(VECTORS)
  .filter((f) => /tls12.*\.keylog$/.test(f))
  .map((f) => f.slice(0, -'.keylog'.length))
  .sort();

/** What each recording's server answers to the client's `hello\n` (scripts/record-tls-vectors.sh). */
function expectedReply(name: string): string {
  if (name.startsWith('openssl-')) return 'olleh\n'; // s_server -rev reverses the line
  return 'hello\n'; // gnutls-serv --echo, and scripts/tls-peers.mjs's server, echo it
}

/** The cipher suite each recording asked for, where the script forces one (vectors/README.md). */
const FORCED_SUITE: Record<string, Tls12CipherSuite['name']> = {
  'openssl-tls12-ecdhe-ecdsa': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'openssl-tls12-ecdhe-rsa': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'openssl-tls12-rsa': 'TLS_RSA_WITH_AES_128_GCM_SHA256',
};

describe('TLS 1.2 captures from real peers, decrypted with their key logs', () => {
  it('finds the committed TLS 1.2 captures', () => {
    for (const name of [
      'gnutls-tls12',
      'node-tls12',
      'openssl-tls12-client-auth',
      'openssl-tls12-ecdhe-ecdsa',
      'openssl-tls12-ecdhe-rsa',
      'openssl-tls12-resume-sessionid',
      'openssl-tls12-resume-ticket',
      'openssl-tls12-rsa',
    ]) {
      expect(CAPTURES).toContain(name);
    }
  });

  describe.each(CAPTURES)('%s', (name) => {
    const pcap = new URL(`${name}.pcap`, VECTORS);
    const file = existsSync(pcap) ? pcap : new URL(`${name}.pcapng`, VECTORS);
    const connections = trackConnections(Array.from(readCapture(new Uint8Array(readFileSync(file))), decodePacket));
    const keylogText = readFileSync(new URL(`${name}.keylog`, VECTORS), 'utf8');
    const keylog = new Map(
      parseKeyLog(keylogText)
        .filter((e) => e.label === 'CLIENT_RANDOM')
        .map((e) => [toHex(e.clientRandom), e.secret]),
    );
    const rsa = name === 'openssl-tls12-rsa';

    it.each(connections.map((c) => [c.index, c] as const))('connection %i', (_, conn) => {
      expect(conn.toServer.gaps).toEqual([]);
      expect(conn.toClient.gaps).toEqual([]);
      const r = replaySession({
        toServer: streamBytes(conn.toServer),
        toClient: streamBytes(conn.toClient),
        keylog,
        rsaKey: rsa ? pkiRsaKey('server-rsa') : undefined,
        explicitNonceIsSequence: name.startsWith('gnutls-'),
      });
      if (FORCED_SUITE[name]) expect(r.suite.name).toBe(FORCED_SUITE[name]);
      // OpenSSL negotiates RFC 7627 by default, so the RSA capture checks the extended master secret.
      if (rsa) expect(r.ems && r.premaster !== undefined).toBe(true);
      // The second connection of a resumption capture is abbreviated.
      expect(r.full).toBe(!(name.includes('resume') && conn.index === 1));
      expect(keylogText.split('\n')).toContain(r.masterSecret.keyLogLine());
      expect(new TextDecoder().decode(r.clientData)).toBe('hello\n');
      expect(new TextDecoder().decode(r.serverData)).toBe(expectedReply(name));
      r.masterSecret.dispose();
    });
  });
});

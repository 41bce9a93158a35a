/**
 * Our TLS 1.2 client against our TLS 1.2 server in memory (RFC 5246 §7.3): every suite, resumption
 * by session ID and by ticket (RFC 5077), client authentication, renegotiation refused (RFC 5746),
 * and the exporter agreeing on both sides (RFC 5705). Interop with real peers is in the other
 * tls12-*.test.ts files; here both ends are ours, so these tests check agreement and state flow.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import { Tls12MasterSecret, tls12CipherSuite } from '../../src/crypto/tls12-key-schedule.js';
import { Tls12RecordSealer } from '../../src/crypto/tls12-record-protection.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import type { Tls12ClientConfig, Tls12ServerConfig } from '../../src/handshake/tls12/types.js';
import { CipherSuite, ContentType } from '../../src/tls/enums.js';
import { identity, ofKind, pump, sent } from './tls12-support.js';

const ECDSA = identity('server-ecdsa');
const RSA = identity('server-rsa');
const ED25519 = identity('server-ed25519');
const provider = new NobleProvider();
const accept = () => undefined;

function connect(clientConfig: Partial<Tls12ClientConfig>, serverConfig: Partial<Tls12ServerConfig>) {
  const client = new Tls12Client({ keyLog: true, serverName: 'localhost', verifyServer: accept, ...clientConfig });
  const server = new Tls12Server({ keyLog: true, certificate: ECDSA.certified, ...serverConfig });
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

  it('resumes by session ID: same ID echoed, no Certificate, server CCS and Finished first (RFC 5246 §7.3)', () => {
    const store = new MemorySessionStore();
    const first = connect({ sessionTickets: false }, { sessionStore: store });
    const session = ofKind(first.log.client, 'session')[0]!.session;
    expect(session.sessionId).toHaveLength(32);
    expect(session.ticket).toBeUndefined();
    expect(store.size).toBe(1);
    const second = connect({ sessionTickets: false, session }, { sessionStore: store });
    expect(ofKind(second.log.client, 'error')).toEqual([]);
    expect(ofKind(second.log.client, 'negotiated')[0]!.resumed).toBe(true);
    expect(ofKind(second.log.server, 'negotiated')[0]!.resumed).toBe(true);
    const serverSent = ofKind(second.log.server, 'handshake-message').filter((e) => e.direction === 'sent');
    expect(serverSent.map((e) => e.message.type)).toEqual(['server_hello', 'finished']);
    expect(ofKind(second.log.client, 'session')).toEqual([]);
    expect(second.client.isEstablished && second.server.isEstablished).toBe(true);
  });

  it('a fatal alert after the handshake removes the session from the cache (RFC 5246 §7.2.2)', () => {
    const store = new MemorySessionStore();
    const { server, log } = connect({ sessionTickets: false }, { sessionStore: store });
    const session = ofKind(log.client, 'session')[0]!.session;
    expect(store.get(session.sessionId)).toBeDefined();
    const forged = Uint8Array.of(23, 3, 3, 0, 40, ...new Uint8Array(40));
    expect(ofKind(server.handle(forged), 'alert-sent')).toEqual([{ kind: 'alert-sent', level: 2, description: 20 }]);
    expect(store.get(session.sessionId)).toBeUndefined();
  });

  it('an unknown session ID gets a full handshake with a new ID', () => {
    const store = new MemorySessionStore();
    const first = connect({ sessionTickets: false }, { sessionStore: store });
    const session = ofKind(first.log.client, 'session')[0]!.session;
    const second = connect({ sessionTickets: false, session }, { sessionStore: new MemorySessionStore() });
    expect(ofKind(second.log.server, 'negotiated')[0]!.resumed).toBe(false);
    const fresh = ofKind(second.log.client, 'session')[0]!.session;
    expect(toHex(fresh.sessionId)).not.toBe(toHex(session.sessionId));
  });

  it('resumes by ticket (RFC 5077 §3.1) and renews the ticket', () => {
    const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
    const first = connect({}, { ticketer });
    const session = ofKind(first.log.client, 'session')[0]!.session;
    expect(session.ticket!.length).toBeGreaterThan(0);
    expect(session.lifetime).toBe(7200);
    const second = connect({ session }, { ticketer });
    expect(ofKind(second.log.client, 'error')).toEqual([]);
    expect(ofKind(second.log.server, 'negotiated')[0]!.resumed).toBe(true);
    const serverSent = ofKind(second.log.server, 'handshake-message').filter((e) => e.direction === 'sent');
    expect(serverSent.map((e) => e.message.type)).toEqual(['server_hello', 'new_session_ticket', 'finished']);
    expect(ofKind(second.log.client, 'session')).toHaveLength(1);
    // A ticket under another key does not open: full handshake.
    const third = connect({ session }, { ticketer: new Tls12AeadTicketer(provider, provider.random(32)) });
    expect(ofKind(third.log.server, 'negotiated')[0]!.resumed).toBe(false);
    expect(third.client.isEstablished).toBe(true);
  });

  it('authenticates the client (RFC 5246 §7.4.4, §7.4.6, §7.4.8) with ECDSA and RSA keys', () => {
    for (const name of ['client', 'client-rsa']) {
      const mine = identity(name);
      let seen: readonly Uint8Array[] = [];
      const { log } = connect(
        { certificate: mine.certified },
        {
          clientAuth: 'require',
          verifyClient: (chain) => {
            seen = chain;
          },
        },
      );
      expect(ofKind(log.server, 'error')).toEqual([]);
      expect(seen).toHaveLength(mine.certified.chain.length);
      expect(ofKind(log.server, 'peer-certificate')[0]!.chain[0]).toEqual(mine.certified.chain[0]);
      const types = ofKind(log.client, 'handshake-message')
        .filter((e) => e.direction === 'sent')
        .map((e) => e.message.type);
      expect(types).toEqual(['client_hello', 'certificate', 'client_key_exchange', 'certificate_verify', 'finished']);
    }
  });

  it('a required client certificate that is missing ends in handshake_failure (40)', () => {
    const { log } = connect({}, { clientAuth: 'require', verifyClient: accept });
    expect(ofKind(log.server, 'alert-sent')).toEqual([{ kind: 'alert-sent', level: 2, description: 40 }]);
    expect(ofKind(log.client, 'alert-received')[0]!.description).toBe(40);
  });

  it('refuses renegotiation: a HelloRequest or a new ClientHello gets a no_renegotiation warning and the connection goes on (RFC 5746 §4.2, §4.4; RFC 5246 §7.2.2)', () => {
    const suite = tls12CipherSuite(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)!;
    // Seal a handshake record as the peer would, with the logged master secret (both sides' Finished
    // were record 0 of their epoch, so the next record is 1).
    const establish = () => {
      const c = connect({ cipherSuites: [suite.value] }, {});
      const [secret] = ofKind(c.log.client, 'secret');
      const serverHello = ofKind(c.log.client, 'handshake-message').find((e) => e.message.type === 'server_hello')!;
      const serverRandom = (serverHello.message as { random: Uint8Array }).random;
      const master = new Tls12MasterSecret(provider, suite, secret!.secret, secret!.clientRandom, serverRandom);
      const forge = (side: 'client' | 'server', content: Uint8Array) => {
        const sealer = Tls12RecordSealer.fromKeyBlock(provider, suite, master.keyBlock(), side);
        sealer.setSequence(1n);
        return sealer.seal(ContentType.handshake, content);
      };
      return { ...c, forge };
    };
    const warning = [{ kind: 'alert-sent', level: 1, description: 100 }];

    const a = establish();
    const atClient = a.client.handle(a.forge('server', Uint8Array.of(0, 0, 0, 0)));
    expect(ofKind(atClient, 'alert-sent')).toEqual(warning);
    expect(ofKind(atClient, 'error')).toEqual([]);
    const atServer = a.server.handle(sent(atClient));
    expect(ofKind(atServer, 'alert-received')).toEqual([{ kind: 'alert-received', level: 1, description: 100 }]);
    expect(ofKind(a.server.handle(sent(a.client.write(Uint8Array.of(7)))), 'data')[0]!.bytes).toEqual(Uint8Array.of(7));

    const b = establish();
    const newHello = ofKind(new Tls12Client({ keyLog: true, verifyServer: accept }).start(), 'handshake-message')[0]!
      .raw;
    const refused = b.server.handle(b.forge('client', newHello));
    expect(ofKind(refused, 'alert-sent')).toEqual(warning);
    expect(ofKind(refused, 'error')).toEqual([]);
    const heard = b.client.handle(sent(refused));
    expect(ofKind(heard, 'alert-received')).toEqual([{ kind: 'alert-received', level: 1, description: 100 }]);
    expect(ofKind(heard, 'error')).toEqual([]);
    // Both directions still carry data (the forged record took the client's sequence number 1, so
    // the server's own records go on; the client's next record is 1 on its side too: write from the server).
    expect(ofKind(b.client.handle(sent(b.server.write(Uint8Array.of(9)))), 'data')[0]!.bytes).toEqual(Uint8Array.of(9));
  });
});

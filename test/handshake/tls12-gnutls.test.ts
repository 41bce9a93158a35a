/**
 * TLS 1.2 against gnutls-serv / gnutls-cli `--priority NORMAL:-VERS-ALL:+VERS-TLS1.2` (RFC 5246 §7.3),
 * both roles, and resumption by session ID and by ticket (RFC 5077). The verdicts are the peer's own:
 * gnutls-serv's echo, gnutls-cli's "This is a resumed session". A missing gnutls skips these tests,
 * except under CI=true where they fail (test/node/peers.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import { CipherSuite } from '../../src/tls/enums.js';
import { freePort, killAll, pki, SKIP_GNUTLS, startPeer } from '../node/peers.js';
import { negotiated, ourClient, ourServer, SUITES, sessionOf, GNUTLS_TLS12 as TLS12 } from './tls12-peers.js';
import { identity } from './tls12-support.js';

afterEach(() => killAll());

const ROOT = pki('root-ca.crt');

describe.skipIf(SKIP_GNUTLS)('TLS 1.2: our client against gnutls-serv --echo', () => {
  for (const [suite, , gnutls, leaf] of SUITES) {
    it(`${suite}: echo, then resumption by session ID`, async () => {
      const port = await freePort();
      const peer = startPeer(
        'gnutls-serv',
        [
          '--port',
          String(port),
          '--x509certfile',
          pki(`${leaf}-chain.pem`),
          '--x509keyfile',
          pki(`${leaf}.key`),
          '--priority',
          `${TLS12}:-CIPHER-ALL:-KX-ALL:${gnutls}`,
          '--echo',
          '--noticket',
        ],
        undefined,
        true,
      );
      await peer.waitFor(/listening on IPv4 .*done/);
      const first = await ourClient(port, {}, 'ping over gnutls\n', (run) => run.text().includes('\n'));
      expect(first.text()).toBe('ping over gnutls\n');
      expect(negotiated(first.events)).toMatchObject({ cipherSuite: CipherSuite[suite], extendedMasterSecret: true });
      const session = sessionOf(first.events);
      const second = await ourClient(port, { session }, 'again\n', (run) => run.text().includes('\n'));
      expect(second.text()).toBe('again\n');
      expect(negotiated(second.events)).toMatchObject({ resumed: true });
    });
  }
});

describe.skipIf(SKIP_GNUTLS)('TLS 1.2: our server against gnutls-cli --resume', () => {
  const provider = new NobleProvider();
  for (const [suite, , , leaf] of SUITES) {
    for (const resumption of ['session ID', 'ticket'] as const) {
      it(`${suite}: echo, and gnutls-cli reports the resumed session (${resumption})`, async () => {
        const id = identity(leaf);
        const store = new MemorySessionStore();
        const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
        const server = await ourServer(
          () =>
            new Tls12Server({
              certificate: id.certified,
              cipherSuites: [CipherSuite[suite]],
              ...(resumption === 'ticket' ? { ticketer } : { sessionStore: store }),
            }),
          'echo',
        );
        try {
          const client = startPeer(
            'gnutls-cli',
            [
              '--port',
              String(server.port),
              '--x509cafile',
              ROOT,
              '--resume',
              '--priority',
              TLS12,
              ...(resumption === 'session ID' ? ['--noticket'] : []),
              '--sni-hostname',
              'localhost',
              '--verify-hostname',
              'localhost',
              '127.0.0.1',
            ],
            'ping over gnutls\n',
          );
          await client.exited();
          expect(client.output()).toMatch(/This is a resumed session/);
          expect(client.output()).toContain('ping over gnutls');
          expect(server.log.map((c) => negotiated(c.events)?.resumed)).toEqual([false, true]);
        } finally {
          server.close();
        }
      });
    }
  }
});

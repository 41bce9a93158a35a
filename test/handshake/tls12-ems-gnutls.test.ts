/**
 * RFC 7627 §5.3 with a real legacy client: gnutls-cli without the extended master secret
 * (`%NO_SESSION_HASH`) against our TLS 1.2 server (Node adapter), `-r` connecting twice and offering
 * the first session again. By default our server issues such a session neither a session ID nor a
 * ticket, so the second connection is a new session; with `allowResumptionWithoutEms` it is resumed.
 * A client with the extension resumes in both cases. The verdicts are gnutls-cli's own line ("*** This
 * is a resumed session", printed only then) and our `resumed` and extended master secret flags. A missing gnutls
 * skips, except under CI=true (test/node/peers.ts).
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from '../../src/node/connect.js';
import type { TlsSocket } from '../../src/node/socket.js';
import { killAll, readPki, SKIP_GNUTLS, startPeer } from '../node/peers.js';

afterEach(() => killAll());

const TLS12 = 'NORMAL:-VERS-ALL:+VERS-TLS1.2';

async function run(priority: string, allowResumptionWithoutEms: boolean | undefined, tickets: boolean) {
  const resumed: boolean[] = [];
  const ems: boolean[] = [];
  const server = createServer(
    {
      cert: readPki('server-rsa-chain.pem'),
      key: readPki('server-rsa.key'),
      maxVersion: 'TLSv1.2',
      sessionTickets: tickets,
      allowResumptionWithoutEms,
    },
    (s: TlsSocket) => {
      resumed.push(s.isSessionReused());
      ems.push((s.negotiated as { extendedMasterSecret?: boolean }).extendedMasterSecret ?? false);
      s.end();
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const peer = startPeer('gnutls-cli', [
      '--port',
      String(port),
      '--insecure',
      '--resume',
      '--priority',
      `${priority}${tickets ? '' : ':%NO_TICKETS'}`,
      'localhost',
    ]);
    await peer.exited();
    const out = peer.output();
    return { resumed, ems, gnutlsResumed: /\*\*\* This is a resumed session/.test(out) };
  } finally {
    server.close();
  }
}

describe.skipIf(SKIP_GNUTLS)('gnutls-cli --resume, TLS 1.2', () => {
  for (const tickets of [false, true]) {
    const by = tickets ? 'ticket' : 'session ID';
    it(`without EMS, default server (${by}): not resumed`, async () => {
      expect(await run(`${TLS12}:%NO_SESSION_HASH`, undefined, tickets)).toEqual({
        resumed: [false, false],
        ems: [false, false],
        gnutlsResumed: false,
      });
    });
    it(`without EMS, allowResumptionWithoutEms (${by}): resumed`, async () => {
      expect(await run(`${TLS12}:%NO_SESSION_HASH`, true, tickets)).toEqual({
        resumed: [false, true],
        ems: [false, false],
        gnutlsResumed: true,
      });
    });
    it(`with EMS, default server (${by}): resumed`, async () => {
      expect(await run(TLS12, undefined, tickets)).toEqual({
        resumed: [false, true],
        ems: [true, true],
        gnutlsResumed: true,
      });
    });
  }
});

/**
 * 0-RTT anti-replay (RFC 8446 §8.1) over 127.0.0.1 with a real client: `openssl s_client` against the
 * Node adapter's `createServer({ maxEarlyDataSize })` (its default `SingleUseAntiReplay`). A full
 * handshake saves the session (`-sess_out`); the first resumption sends a request as 0-RTT, which is
 * accepted; a second resumption with the same saved ticket and a new ClientHello gets "Early data was
 * rejected" and still resumes ("Reused"), its request then sent in 1-RTT and answered. The verdicts are
 * s_client's output and what our server reports per connection. A missing openssl skips this test,
 * except under CI=true where it fails (test/node/peers.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createServer, type TlsSocket } from '../../src/node/index.js';
import { killAll, pki, readPki, SKIP_OPENSSL, startPeer } from './peers.js';

const GET = 'GET / HTTP/1.0\r\n\r\n';
const dir = mkdtempSync(join(tmpdir(), 'tlswire-anti-replay-'));
const closers: (() => void)[] = [];
afterEach(() => {
  killAll();
  for (const c of closers.splice(0)) c();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function listening(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

describe.skipIf(SKIP_OPENSSL)('0-RTT with the same ticket twice: openssl s_client against createServer', () => {
  it('the first resumption has its 0-RTT accepted, the second (new ClientHello, same ticket) rejected and resumed', async () => {
    const seen: { resumed: boolean; earlyDataAccepted: boolean; earlyBytes: number }[] = [];
    const server = createServer(
      { cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key'), maxEarlyDataSize: 16384 },
      (s: TlsSocket) => {
        s.once('data', () => {
          seen.push({
            resumed: s.negotiated!.resumed,
            earlyDataAccepted: s.negotiated!.earlyDataAccepted,
            earlyBytes: s.earlyDataReceived,
          });
          s.end('HTTP/1.0 200 ok\r\n\r\ntlswire\r\n');
        });
        s.on('error', () => undefined);
      },
    );
    const port = await listening(server);
    const sess = join(dir, 'sess.pem');
    const request = join(dir, 'request.txt');
    writeFileSync(request, GET);
    const common = ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-servername', 'localhost', '-ign_eof'];

    const full = startPeer('openssl', [...common, '-CAfile', pki('root-ca.crt'), '-sess_out', sess], GET);
    expect(await full.exited()).toBe(0);
    expect(full.output()).toMatch(/^New, TLSv1\.3/m);
    expect(full.output()).toMatch(/Max Early Data: 16384/);

    const accepted = startPeer('openssl', [...common, '-sess_in', sess, '-early_data', request]);
    expect(await accepted.exited()).toBe(0);
    expect(accepted.output()).toMatch(/^Reused, TLSv1\.3/m);
    expect(accepted.output()).toContain('Early data was accepted');
    expect(accepted.output()).toContain('HTTP/1.0 200 ok');

    // The same ticket again, in a new ClientHello: 0-RTT refused, the handshake resumes in 1-RTT.
    const again = startPeer('openssl', [...common, '-sess_in', sess, '-early_data', request], GET);
    expect(await again.exited()).toBe(0);
    expect(again.output()).toMatch(/^Reused, TLSv1\.3/m);
    expect(again.output()).toContain('Early data was rejected');
    expect(again.output()).toContain('HTTP/1.0 200 ok');

    expect(seen).toEqual([
      { resumed: false, earlyDataAccepted: false, earlyBytes: 0 },
      { resumed: true, earlyDataAccepted: true, earlyBytes: GET.length },
      { resumed: true, earlyDataAccepted: false, earlyBytes: 0 },
    ]);
  });
});

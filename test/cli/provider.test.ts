/**
 * `--provider` of `tlswire connect` and `tlswire serve` (issue #12): node (node:crypto, the default)
 * and noble (pure TypeScript) interoperate in every pairing, TLS 1.3 and TLS 1.2, with resumption;
 * the echoed bytes and the negotiated parameters are what the peer reports. An unknown name is a usage
 * error (exit 2).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectArgs, runConnect, serveCertificate, startServe, stopServes } from './run.js';

afterEach(() => stopServes());

describe('--provider node|noble', () => {
  for (const server of ['node', 'noble']) {
    for (const client of ['node', 'noble']) {
      for (const version of ['--tls1.3', '--tls1.2']) {
        it(`serve --provider ${server}, connect --provider ${client} ${version}, then resumed`, async () => {
          const serve = await startServe([...serveCertificate('server-ecdsa'), '--echo', '--provider', server]);
          const r = await runConnect(
            connectArgs(serve.port, version, '--provider', client, '--reconnect', '--json'),
            'ping\n',
          );
          expect(r.code).toBe(0);
          expect(r.json.map((s) => [s.protocol, s.resumed])).toEqual([
            [version === '--tls1.3' ? 'TLSv1.3' : 'TLSv1.2', false],
            [version === '--tls1.3' ? 'TLSv1.3' : 'TLSv1.2', true],
          ]);
          expect(r.data).toBe('ping\nping\n');
        });
      }
    }
  }

  it('an unknown provider is a usage error (exit 2)', async () => {
    const r = await runConnect(['127.0.0.1:1', '--provider', 'openssl']);
    expect(r.code).toBe(2);
    expect(r.stderr.join('\n')).toContain('--provider: expected node or noble, got "openssl"');
  });
});

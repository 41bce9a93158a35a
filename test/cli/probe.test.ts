/**
 * `tlswire probe HOST:PORT SCRIPT` in-process: the ssldump-style trace and exit 0 when every
 * expectation holds, exit 1 with the summary naming the failed step when one does not, --json, and the
 * usage errors. The servers: tlswire's own (Node adapter, createServer) and `openssl s_server`.
 */
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { createServer } from '../../src/node/connect.js';
import { killAll, opensslServer, readPki, SKIP_OPENSSL } from '../node/peers.js';

afterEach(() => killAll());
const SCRIPT = fileURLToPath(new URL('../lab/fixtures/truncated-finished.ts', import.meta.url));
const NO_STEPS = fileURLToPath(new URL('../lab/fixtures/no-steps.ts', import.meta.url));

async function probe(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['probe', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('tlswire probe', () => {
  it('against our own server: the trace, the summary, exit 0', async () => {
    const server = createServer({ cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key') });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const { code, out } = await probe([`127.0.0.1:${port}`, SCRIPT, '--servername', 'localhost']);
      expect(code).toBe(0);
      expect(out.at(-1)).toBe('ok: 8 steps');
      expect(out.filter((l) => /^#\d/.test(l)).map((l) => l.replace(/^#(\d+) [\d.]+ \([\d.]+\)/, '#$1'))).toEqual([
        '#1  send client_hello',
        '#2  expect server_hello',
        '#3  expect encrypted_extensions',
        '#4  expect certificate',
        '#5  expect certificate_verify',
        '#6  expect finished',
        '#7  send finished',
        '#8  expect fatal alert decode_error',
      ]);
      expect(out).toContain('    S>C  Alert (protected) fatal decode_error');
    } finally {
      server.close();
    }
  });

  it.skipIf(SKIP_OPENSSL)('against openssl s_server, --json', async () => {
    const server = await opensslServer('server-ecdsa', []);
    const { code, out } = await probe([`127.0.0.1:${server.port}`, SCRIPT, '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out[0]!) as { ok: boolean; summary: string; steps: { label: string }[] };
    expect(json.ok).toBe(true);
    expect(json.summary).toBe('ok: 8 steps');
    expect(json.steps.at(-1)!.label).toBe('expect fatal alert decode_error');
  });

  it('a failed expectation: exit 1 and the summary names it', async () => {
    // Nothing answers TLS here: an HTTP-ish server that closes at once.
    const net = await import('node:net');
    const server = net.createServer((s) => s.end('HTTP/1.0 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const { code, out } = await probe([`127.0.0.1:${port}`, SCRIPT]);
      expect(code).toBe(1);
      // "HTTP" read as a record header: type 0x48, version 0x5454, length 0x502f.
      expect(out.at(-1)).toBe(
        'FAILED at step #2 (expect server_hello): expected server_hello, got record of 20527 bytes (over 2^14 + 2048) (485454502f312e302034303020426164…)',
      );
    } finally {
      server.close();
    }
  });

  it('usage errors: exit 2; a script without steps or a refused connection: exit 1', async () => {
    expect((await probe([])).code).toBe(2);
    expect((await probe(['nohost', SCRIPT])).err[0]).toBe('tlswire probe: expected HOST:PORT, got "nohost"');
    expect((await probe(['127.0.0.1:1', SCRIPT, '--timeout', 'x'])).code).toBe(2);
    const noSteps = await probe(['127.0.0.1:1', NO_STEPS]);
    expect(noSteps).toEqual({
      code: 1,
      out: [],
      err: [`tlswire probe: ${NO_STEPS} exports no \`steps\` (nor a default export)`],
    });
    const refused = await probe(['127.0.0.1:1', SCRIPT]);
    expect(refused.code).toBe(1);
    expect(refused.err[0]).toMatch(/^tlswire probe: .*ECONNREFUSED/);
  });

  it('--help', async () => {
    const { code, out } = await probe(['--help']);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^Usage: tlswire probe HOST:PORT SCRIPT/);
  });
});

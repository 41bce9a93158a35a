/**
 * Groups against openssl (OpenSSL 3.0) over 127.0.0.1, both roles, through the Node adapter
 * (createServer / connect with their defaults unless a test says otherwise):
 * - `s_client -groups x448` and `-curves P-521` against a default server (TLS 1.3 and 1.2); a default
 *   client against `s_server -groups x448` / `-groups P-521` (HelloRetryRequest from our x25519 share);
 * - FFDHE in TLS 1.3: `-groups ffdhe2048` fails against defaults (handshake_failure, FFDHE by name
 *   only) and succeeds with ffdhe2048 or ffdhe3072 configured, both roles;
 * - TLS 1.2 DHE-RSA-AES128-GCM-SHA256 (off by default, enabled by name) both roles: s_client gets
 *   ffdhe2048 from our server (RFC 7919 §4); our client accepts `s_server -dhparam` with ffdhe2048 or
 *   ffdhe3072, and refuses the RFC 3526 2048-bit MODP group, given with -dhparam or chosen by OpenSSL
 *   3.0 itself without one, with insufficient_security (RFC 7919 §3: only RFC 7919 groups are
 *   accepted);
 * - gnutls-cli with X448 against a default server.
 * The verdicts are openssl's own summary lines ("Server Temp Key: …", "Cipher is …") and our
 * `negotiated` group. A missing peer skips, except under CI=true (test/node/peers.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connect, createServer, type ServerOptions } from '../../src/node/connect.js';
import type { TlsConnectionError } from '../../src/node/errors.js';
import type { TlsSocket } from '../../src/node/socket.js';
import { AlertDescription, CipherSuite, NamedGroup } from '../../src/tls/enums.js';
import { killAll, opensslServer, pki, readPki, SKIP_GNUTLS, SKIP_OPENSSL, startPeer } from '../node/peers.js';

afterEach(() => killAll());
const dir = mkdtempSync(join(tmpdir(), 'tlswire-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DHE_AES128 = CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256;

/** Our server (Node adapter, RSA certificate) on a free port; what each connection negotiated or why it failed. */
async function ourServer(options: Partial<ServerOptions> = {}) {
  const results: { group?: number; cipherSuite?: number; error?: TlsConnectionError }[] = [];
  const server = createServer({ cert: readPki('server-rsa-chain.pem'), key: readPki('server-rsa.key'), ...options });
  server.on('secureConnection', (s: TlsSocket) => {
    results.push({ group: s.negotiated?.group, cipherSuite: s.negotiated?.cipherSuite });
    s.end();
  });
  server.on('tlsClientError', (error: TlsConnectionError) => results.push({ error }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { port, results, close: () => server.close() };
}

/** `openssl s_client` to our server; resolves with its output once it exits (stdin closed: it leaves after the handshake). */
async function sClient(port: number, args: string[]): Promise<string> {
  const peer = startPeer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args]);
  await peer.exited();
  return peer.output();
}

/** Our client (Node adapter, any chain accepted) to 127.0.0.1:`port`: the negotiated group and suite, or the error. */
function ourClient(port: number, options: Parameters<typeof connect>[0] = {}) {
  return new Promise<{ group?: number; cipherSuite?: number; helloRetry?: boolean; error?: TlsConnectionError }>(
    (resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        rejectUnauthorized: false,
        ...options,
      });
      socket.on('secureConnect', () => {
        const n = socket.negotiated!;
        resolve({ group: n.group, cipherSuite: n.cipherSuite, helloRetry: n.helloRetry });
        socket.end();
      });
      socket.on('error', (error: TlsConnectionError) => resolve({ error }));
    },
  );
}

describe.skipIf(SKIP_OPENSSL)('openssl s_client against a default server', () => {
  it.each([
    ['-tls1_3', '-groups', 'x448', NamedGroup.x448, 'Server Temp Key: X448, 448 bits'],
    ['-tls1_3', '-curves', 'P-521', NamedGroup.secp521r1, 'Server Temp Key: ECDH, secp521r1, 521 bits'],
    ['-tls1_2', '-groups', 'x448', NamedGroup.x448, 'Server Temp Key: X448, 448 bits'],
    ['-tls1_2', '-curves', 'P-521', NamedGroup.secp521r1, 'Server Temp Key: ECDH, secp521r1, 521 bits'],
  ])('%s %s %s', async (version, flag, group, value, line) => {
    const server = await ourServer();
    try {
      const out = await sClient(server.port, [version, flag, group]);
      expect(out).toContain(line);
      expect(out).toMatch(version === '-tls1_3' ? /New, TLSv1\.3, Cipher is/ : /New, TLSv1\.2, Cipher is/);
      expect(server.results).toEqual([{ group: value, cipherSuite: expect.any(Number) }]);
    } finally {
      server.close();
    }
  });

  it('-tls1_3 -groups ffdhe2048: no group in common with the defaults → our handshake_failure', async () => {
    const server = await ourServer();
    try {
      const out = await sClient(server.port, ['-tls1_3', '-groups', 'ffdhe2048']);
      expect(out).toMatch(/alert handshake failure/);
      expect(server.results[0]?.error?.alert).toBe(AlertDescription.handshake_failure);
    } finally {
      server.close();
    }
  });

  it.each([
    ['ffdhe2048', NamedGroup.ffdhe2048, 'Server Temp Key: DH, 2048 bits'],
    ['ffdhe3072', NamedGroup.ffdhe3072, 'Server Temp Key: DH, 3072 bits'],
  ])('-tls1_3 -groups %s against a server configured with it', async (name, value, line) => {
    const server = await ourServer({ groups: [value] });
    try {
      const out = await sClient(server.port, ['-tls1_3', '-groups', name]);
      expect(out).toContain(line);
      expect(server.results).toEqual([{ group: value, cipherSuite: CipherSuite.TLS_AES_128_GCM_SHA256 }]);
    } finally {
      server.close();
    }
  });

  it('-tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256 against a server with the suite enabled: ffdhe2048 (RFC 7919 §4)', async () => {
    const server = await ourServer({ cipherSuites: [DHE_AES128] });
    try {
      const out = await sClient(server.port, ['-tls1_2', '-cipher', 'DHE-RSA-AES128-GCM-SHA256']);
      expect(out).toContain('Server Temp Key: DH, 2048 bits');
      expect(out).toMatch(/New, TLSv1\.2, Cipher is DHE-RSA-AES128-GCM-SHA256/);
      expect(server.results).toEqual([{ group: NamedGroup.ffdhe2048, cipherSuite: DHE_AES128 }]);
    } finally {
      server.close();
    }
  });

  it('-tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256 against a default server: no suite in common', async () => {
    const server = await ourServer();
    try {
      const out = await sClient(server.port, ['-tls1_2', '-cipher', 'DHE-RSA-AES128-GCM-SHA256']);
      expect(out).toMatch(/alert handshake failure/);
      expect(server.results[0]?.error?.alert).toBe(AlertDescription.handshake_failure);
    } finally {
      server.close();
    }
  });
});

describe.skipIf(SKIP_OPENSSL)('a default client against openssl s_server', () => {
  it.each([
    ['x448', NamedGroup.x448],
    ['P-521', NamedGroup.secp521r1],
  ])('s_server -tls1_3 -groups %s: HelloRetryRequest from our x25519 share', async (name, value) => {
    const server = await opensslServer('server-rsa', ['-groups', name, '-naccept', '1']);
    expect(await ourClient(server.port)).toEqual({
      group: value,
      cipherSuite: CipherSuite.TLS_AES_128_GCM_SHA256,
      helloRetry: true,
    });
  });

  it.each([
    ['x448', NamedGroup.x448],
    ['P-521', NamedGroup.secp521r1],
  ])('s_server -tls1_2 -groups %s', async (name, value) => {
    const server = await opensslServer('server-rsa', ['-groups', name, '-naccept', '1'], '-tls1_2');
    expect((await ourClient(server.port)).group).toBe(value);
  });

  it('s_server -tls1_3 -groups ffdhe2048: no group in common with the defaults → handshake_failure from openssl', async () => {
    const server = await opensslServer('server-rsa', ['-groups', 'ffdhe2048', '-naccept', '1']);
    const { error } = await ourClient(server.port);
    expect([error?.alert, error?.alertOrigin]).toEqual([AlertDescription.handshake_failure, 'peer']);
  });

  it.each([
    ['ffdhe2048', NamedGroup.ffdhe2048],
    ['ffdhe3072', NamedGroup.ffdhe3072],
  ])('s_server -tls1_3 -groups %s, our client configured with it', async (name, value) => {
    const server = await opensslServer('server-rsa', ['-groups', name, '-naccept', '1']);
    expect(await ourClient(server.port, { groups: [value] })).toEqual({
      group: value,
      cipherSuite: CipherSuite.TLS_AES_128_GCM_SHA256,
      helloRetry: false,
    });
  });

  /** s_server -tls1_2 with only DHE-RSA-AES128-GCM-SHA256 and `dhparam` (a file), or openssl's automatic DH group. */
  async function dheServer(dhparam: string | undefined) {
    const args = ['-cipher', 'DHE-RSA-AES128-GCM-SHA256', '-naccept', '1', ...(dhparam ? ['-dhparam', dhparam] : [])];
    return opensslServer('server-rsa', args, '-tls1_2');
  }
  /** An OpenSSL DH parameter file of a built-in group (`ffdhe2048`, `modp_2048`, …). */
  async function dhParams(group: string): Promise<string> {
    const file = join(dir, `${group}.pem`);
    const gen = startPeer('openssl', [
      'genpkey',
      '-genparam',
      '-algorithm',
      'DH',
      '-pkeyopt',
      `group:${group}`,
      '-out',
      file,
    ]);
    expect(await gen.exited()).toBe(0);
    return file;
  }
  const dheClient = { cipherSuites: [DHE_AES128], maxVersion: 'TLSv1.2' } as const;

  it.each([
    ['ffdhe2048', NamedGroup.ffdhe2048],
    ['ffdhe3072', NamedGroup.ffdhe3072],
  ])(
    's_server -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256 -dhparam %s, the suite enabled by name',
    async (name, value) => {
      const server = await dheServer(await dhParams(name));
      expect(await ourClient(server.port, dheClient)).toEqual({
        group: value,
        cipherSuite: DHE_AES128,
        helloRetry: false,
      });
    },
  );

  it.each(['modp_2048', undefined])(
    's_server -tls1_2 -dhparam %s (RFC 3526; undefined: OpenSSL 3.0 picks RFC 3526 group 14 itself) → our insufficient_security',
    async (group) => {
      const server = await dheServer(group ? await dhParams(group) : undefined);
      const { error } = await ourClient(server.port, dheClient);
      expect([error?.alert, error?.alertOrigin, error?.reason]).toEqual([
        AlertDescription.insufficient_security,
        'local',
        "the server's DH group (2048-bit p) is not an RFC 7919 group (RFC 7919 §3)",
      ]);
    },
  );
});

describe.skipIf(SKIP_GNUTLS)('gnutls-cli against a default server', () => {
  it.each([
    ['NORMAL:-GROUP-ALL:+GROUP-X448', NamedGroup.x448, /- Description: \(TLS1\.3-X\.509\)-\(ECDHE-X448\)/],
    [
      'NORMAL:-VERS-ALL:+VERS-TLS1.2:-GROUP-ALL:+GROUP-X448',
      NamedGroup.x448,
      /- Description: \(TLS1\.2-X\.509\)-\(ECDHE-X448\)/,
    ],
  ])('--priority %s', async (priority, value, line) => {
    const server = await ourServer();
    try {
      const peer = startPeer('gnutls-cli', [
        '--port',
        String(server.port),
        '--x509cafile',
        pki('root-ca.crt'),
        '--priority',
        priority,
        'localhost',
      ]);
      await peer.exited();
      expect(peer.output()).toMatch(line);
      expect(server.results[0]?.group).toBe(value);
    } finally {
      server.close();
    }
  });
});

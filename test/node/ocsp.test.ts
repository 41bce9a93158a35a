/**
 * OCSP stapling in `tlswire/node`, against node:tls (RFC 6066 §8, RFC 8446 §4.4.2.1): our client's
 * `requestOCSP` and `'OCSPResponse'` event (a Buffer, as node:tls) with a node:tls server answering its
 * `'OCSPRequest'`, our server's `ocspResponse` option seen by a node:tls client's `'OCSPResponse'`, both
 * versions. The responses are the ones `openssl ocsp` made for the test PKI (test/pki/make-revocation.sh);
 * the clocks are an hour after their thisUpdate as openssl reads it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { connect, createServer } from '../../src/node/index.js';
import type { TlsSocket } from '../../src/node/socket.js';
import { opensslOk } from '../x509/helpers.js';
import { cleanupAfterEach } from './cleanup.js';
import { pki, readPki } from './peers.js';

const ROOT = readPki('root-ca.crt');
const GOOD = readFileSync(pki('ocsp/resp-good-issuer.der'));
const REVOKED = readFileSync(pki('ocsp/resp-revoked.der'));

function thisUpdate(bytes: Uint8Array): number {
  const file = join(mkdtempSync(join(tmpdir(), 'node-ocsp-')), 'r.der');
  writeFileSync(file, bytes);
  const text = opensslOk(['ocsp', '-respin', file, '-resp_text', '-noverify']);
  return Date.parse(/This Update: (.+)/.exec(text)![1]!.trim());
}
const NOW = thisUpdate(GOOD) + 3600e3;
const now = () => NOW;

const { listening } = cleanupAfterEach();

const VERSIONS = ['TLSv1.3', 'TLSv1.2'] as const;

describe('our client: requestOCSP and the OCSPResponse event', () => {
  for (const version of VERSIONS) {
    it(`${version}: a node:tls server answering OCSPRequest`, async () => {
      const asked: [Buffer, Buffer][] = [];
      const server = tls.createServer({
        cert: readFileSync(pki('server-ecdsa-chain.pem')),
        key: readFileSync(pki('server-ecdsa.key')),
        minVersion: version,
        maxVersion: version,
      });
      server.on('OCSPRequest', (cert: Buffer, issuer: Buffer, cb: (e: Error | null, r?: Buffer) => void) => {
        asked.push([cert, issuer]);
        cb(null, GOOD);
      });
      server.on('secureConnection', (s) => s.end('ok'));
      server.on('tlsClientError', () => undefined);
      const port = await listening(server);
      const socket = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: ROOT, requestOCSP: true, now });
      const responses: Buffer[] = [];
      socket.on('OCSPResponse', (r: Buffer) => responses.push(r));
      await new Promise<void>((resolve, reject) => {
        socket.on('secureConnect', () => {
          expect(responses).toHaveLength(1);
          resolve();
        });
        socket.on('error', reject);
      });
      socket.destroy();
      expect(Buffer.isBuffer(responses[0])).toBe(true);
      expect(responses[0]).toEqual(GOOD);
      expect((socket as TlsSocket).ocsp).toMatchObject({ status: 'good' });
      expect(socket.getProtocol()).toBe(version);
      expect(asked).toHaveLength(1);
    });
  }

  it('a revoked staple fails the connection with certificate_revoked', async () => {
    const server = tls.createServer({
      cert: Buffer.concat([readFileSync(pki('ocsp/revoked.crt')), readFileSync(pki('intermediate-ca.crt'))]),
      key: readFileSync(pki('ocsp/revoked.key')),
    });
    server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (e: Error | null, r?: Buffer) => void) => cb(null, REVOKED));
    server.on('tlsClientError', () => undefined);
    const port = await listening(server);
    const socket = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: ROOT, requestOCSP: true, now });
    const error = await new Promise<Error & { alert?: number }>((resolve) => socket.on('error', resolve));
    expect(error.alert).toBe(44);
  });
});

describe('our server: ocspResponse seen by a node:tls client', () => {
  for (const version of VERSIONS) {
    it(`${version}: OCSPResponse carries the staple; none unless requested`, async () => {
      const server = createServer(
        { cert: readPki('server-ecdsa-chain.pem'), key: readPki('server-ecdsa.key'), ocspResponse: GOOD, now },
        (s) => s.end('ok'),
      );
      const port = await listening(server);
      const run = (requestOCSP: boolean) =>
        new Promise<Buffer[]>((resolve, reject) => {
          const got: Buffer[] = [];
          const options = { port, host: '127.0.0.1', servername: 'localhost', ca: ROOT, requestOCSP };
          const s = tls.connect({ ...options, minVersion: version, maxVersion: version });
          s.on('OCSPResponse', (r: Buffer) => got.push(r));
          s.on('secureConnect', () => {
            s.destroy();
            resolve(got);
          });
          s.on('error', reject);
        });
      expect(await run(true)).toEqual([GOOD]);
      expect(await run(false)).toEqual([]);
    });
  }
});

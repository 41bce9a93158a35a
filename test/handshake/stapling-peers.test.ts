/**
 * OCSP stapling with real components, both versions (RFC 6066 §8, RFC 8446 §4.4.2.1):
 * - `openssl ocsp -index … -port` runs as the responder of the test PKI; the good, revoked and unknown
 *   responses are fetched from it here with `openssl ocsp -url` (OpenSSL 3.0's `-port` takes only a number and
 *   listens on every interface; the requests go to 127.0.0.1);
 * - `openssl s_server -status_file` staples them to our client, which reports good, refuses revoked with
 *   certificate_revoked and an expired or wrongly signed response with bad_certificate_status_response;
 * - our server staples them to `openssl s_client -status` and `gnutls-cli --ocsp`, whose own reports are
 *   asserted (status lines, and gnutls-cli's --save-ocsp bytes).
 * A missing openssl or gnutls skips its tests, except with CI=true where they fail.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NegotiatingClient, NegotiatingServer } from '../../src/handshake/negotiate.js';
import type { OcspPolicy } from '../../src/handshake/stapling.js';
import type { AnyTlsEvent, CertifiedKey } from '../../src/handshake/types.js';
import { AlertDescription } from '../../src/tls/enums.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';
import {
  killAll,
  listeningOn,
  onFreePort,
  opensslServer,
  type Peer,
  pki,
  readPki,
  SKIP_GNUTLS,
  SKIP_OPENSSL,
  startPeer,
} from '../node/peers.js';

const ROOTS = decodePem(readPki('root-ca.crt')).map((b) => b.der);
const INTERMEDIATE = decodePem(readPki('intermediate-ca.crt'))[0]!.der;
const identity = (crt: string, key: string): CertifiedKey => ({
  chain: [decodePem(readPki(crt))[0]!.der, INTERMEDIATE],
  key: parsePrivateKey(readPki(key)),
});
const LEAVES = {
  good: { crt: 'server-ecdsa.crt', key: 'server-ecdsa.key' },
  revoked: { crt: 'ocsp/revoked.crt', key: 'ocsp/revoked.key' },
  unknown: { crt: 'bad-wrongeku.crt', key: 'bad-wrongeku.key' },
} as const;
type Status = keyof typeof LEAVES;
const VERSIONS = [
  ['TLS 1.3', '-tls1_3', 'NORMAL:-VERS-ALL:+VERS-TLS1.3'],
  ['TLS 1.2', '-tls1_2', 'NORMAL:-VERS-ALL:+VERS-TLS1.2'],
] as const;

const dir = mkdtempSync(join(tmpdir(), 'staple-peers-'));
const respFile = (s: Status) => join(dir, `${s}.der`);
const response = (s: Status) => new Uint8Array(readFileSync(respFile(s)));

afterEach(() => killAll());

describe.skipIf(SKIP_OPENSSL)('stapling with openssl and gnutls', () => {
  let responder: Peer | undefined;

  beforeAll(async () => {
    responder = await onFreePort(async (port) => {
      const args = ['ocsp', '-index', pki('ocsp/index.txt'), '-port', `${port}`, '-CA', pki('intermediate-ca.crt')];
      args.push('-rsigner', pki('ocsp/responder.crt'), '-rkey', pki('ocsp/responder.key'), '-nmin', '10');
      const peer = startPeer('openssl', args, undefined, true);
      await listeningOn(peer, port);
      return Object.assign(peer, { port });
    });
    const url = `http://127.0.0.1:${(responder as Peer & { port: number }).port}`;
    for (const status of Object.keys(LEAVES) as Status[]) {
      const ask = ['ocsp', '-issuer', pki('intermediate-ca.crt'), '-cert', pki(LEAVES[status].crt), '-url', url];
      const client = startPeer('openssl', [...ask, '-no_nonce', '-noverify', '-respout', respFile(status)]);
      expect(await client.exited()).toBe(0);
      // openssl's own reading of what its responder said.
      expect(client.output()).toContain(`${LEAVES[status].crt}: ${status}`);
    }
  }, 30_000);
  afterAll(() => {
    responder?.proc.kill();
  });

  describe('openssl s_server -status_file staples to our client', () => {
    for (const [version, flag] of VERSIONS) {
      it(`${version}: good is reported with the exact bytes`, async () => {
        const server = await opensslServer('server-ecdsa', ['-status_file', respFile('good')], flag);
        const events = await ourClient(server.port, {});
        expect(events.some((e) => e.kind === 'established')).toBe(true);
        const ocsp = peerOcsp(events);
        expect(ocsp).toMatchObject({ status: 'good', delegated: true, response: response('good') });
        const negotiated = events.find((e) => e.kind === 'negotiated');
        expect(negotiated?.kind === 'negotiated' && negotiated.version).toBe(flag === '-tls1_3' ? 0x0304 : 0x0303);
      });

      it(`${version}: revoked → certificate_revoked`, async () => {
        const args = ['-cert_chain', pki('intermediate-ca.crt'), '-status_file', respFile('revoked')];
        const server = await opensslServer('ocsp/revoked', args, flag);
        const events = await ourClient(server.port, {});
        expect(alerts(events)).toEqual([AlertDescription.certificate_revoked]);
      });

      it(`${version}: expired (clock past nextUpdate) and wrongly signed → bad_certificate_status_response`, async () => {
        const server = await opensslServer('server-ecdsa', ['-status_file', respFile('good')], flag);
        const late = await ourClient(server.port, { now: () => Date.now() + 3600e3 });
        expect(alerts(late)).toEqual([AlertDescription.bad_certificate_status_response]);
        const forged = pki('ocsp/resp-wrongsigner.der');
        const other = await opensslServer('server-ecdsa', ['-status_file', forged], flag);
        const wrong = await ourClient(other.port, {});
        expect(alerts(wrong)).toEqual([AlertDescription.bad_certificate_status_response]);
      });

      it(`${version}: no staple under must-staple → bad_certificate_status_response; soft-fail goes on`, async () => {
        const server = await opensslServer('server-ecdsa', [], flag);
        expect(alerts(await ourClient(server.port, { policy: 'must-staple' }))).toEqual([
          AlertDescription.bad_certificate_status_response,
        ]);
        const again = await opensslServer('server-ecdsa', [], flag);
        expect(peerOcsp(await ourClient(again.port, {}))).toMatchObject({ status: 'none' });
      });
    }
  });

  describe('our server staples to openssl s_client -status', () => {
    for (const [version, flag] of VERSIONS) {
      for (const status of ['good', 'revoked', 'unknown'] as const) {
        it(`${version}: ${status}`, async () => {
          const server = await ourServer(status);
          try {
            const args = ['s_client', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', flag];
            const client = startPeer('openssl', [...args, '-status']);
            await client.exited();
            const out = client.output();
            expect(out).toContain('OCSP Response Status: successful (0x0)');
            expect(out).toContain('Responder Id: O = Test PKI, CN = Test OCSP Responder');
            expect(out).toContain(`Cert Status: ${status}`);
            expect(out).toContain(`New, ${version.replace('TLS ', 'TLSv')}`);
          } finally {
            server.close();
          }
        });
      }
      it(`${version}: no staple when s_client does not ask`, async () => {
        const server = await ourServer('good');
        try {
          const args = ['s_client', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', flag];
          const client = startPeer('openssl', args);
          await client.exited();
          expect(client.output()).not.toContain('OCSP response');
          expect(server.asked).toBe(0);
        } finally {
          server.close();
        }
      });
    }
  });

  describe.skipIf(SKIP_GNUTLS)('our server staples to gnutls-cli --ocsp', () => {
    for (const [version, , priority] of VERSIONS) {
      it(`${version}: good (trusted, status request checked, the bytes saved as stapled)`, async () => {
        const server = await ourServer('good');
        try {
          const saved = join(dir, `gnutls-${priority.length}.der`);
          const client = startPeer('gnutls-cli', gnutlsArgs(server.port, priority, saved));
          await client.exited();
          const out = client.output();
          expect(out).toContain('- Status: The certificate is trusted.');
          expect(out).toMatch(/- Options: .*OCSP status request/);
          expect(new Uint8Array(readFileSync(saved))).toEqual(response('good'));
        } finally {
          server.close();
        }
      });

      it(`${version}: revoked (gnutls-cli refuses the chain as revoked)`, async () => {
        const server = await ourServer('revoked');
        try {
          const client = startPeer('gnutls-cli', gnutlsArgs(server.port, priority, join(dir, 'r.der')));
          await client.exited();
          expect(client.output()).toContain('The certificate is NOT trusted. The certificate chain is revoked.');
        } finally {
          server.close();
        }
      });
    }
  });
});

function gnutlsArgs(port: number, priority: string, saved: string): string[] {
  return ['--x509cafile', pki('root-ca.crt'), '--ocsp', '--save-ocsp', saved, '--priority', priority].concat([
    '-p',
    `${port}`,
    'localhost',
  ]);
}

const alerts = (events: AnyTlsEvent[]) => events.flatMap((e) => (e.kind === 'alert-sent' ? [e.description] : []));
const peerOcsp = (events: AnyTlsEvent[]) => {
  const e = events.find((x) => x.kind === 'peer-certificate');
  return e?.kind === 'peer-certificate' ? e.ocsp : undefined;
};

/** Our negotiating client to 127.0.0.1:`port` asking for a staple; resolves with its events once done. */
function ourClient(port: number, o: { policy?: OcspPolicy; now?: () => number }): Promise<AnyTlsEvent[]> {
  const client = new NegotiatingClient({
    serverName: 'localhost',
    roots: ROOTS,
    requestOcsp: true,
    ...(o.policy ? { ocspPolicy: o.policy } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  const events: AnyTlsEvent[] = [];
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => reject(new Error('no outcome within 15 s')), 15_000);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(events);
    };
    const act = (batch: AnyTlsEvent[]) => {
      for (const e of batch) {
        events.push(e);
        if (e.kind === 'send') socket.write(e.bytes);
      }
      if (batch.some((e) => e.kind === 'error')) setImmediate(done);
      else if (batch.some((e) => e.kind === 'established')) {
        act(client.close());
        setImmediate(done);
      }
    };
    socket.on('connect', () => act(client.start()));
    socket.on('data', (b: Uint8Array) => act(client.handle(b)));
    socket.on('error', reject);
    socket.on('close', () => setImmediate(done));
  });
}

/** Our negotiating server on 127.0.0.1 stapling the fetched response for the leaf of `status`. */
async function ourServer(status: Status) {
  const certificate = identity(LEAVES[status].crt, LEAVES[status].key);
  const state = { asked: 0 };
  const ocspResponse = () => {
    state.asked++;
    return response(status);
  };
  const listener = net.createServer((socket) => {
    const config = { certificate, ocspResponse };
    const server = new NegotiatingServer({ tls13: config, tls12: config });
    const act = (batch: AnyTlsEvent[]) => {
      for (const e of batch) if (e.kind === 'send') socket.write(e.bytes);
      if (batch.some((e) => e.kind === 'closed')) {
        for (const e of server.close()) if (e.kind === 'send') socket.write(e.bytes);
        socket.end();
      }
      if (batch.some((e) => e.kind === 'error')) socket.end();
    };
    socket.on('data', (b: Uint8Array) => act(server.handle(b)));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as net.AddressInfo).port;
  return {
    port,
    get asked() {
      return state.asked;
    },
    close: () => listener.close(),
  };
}

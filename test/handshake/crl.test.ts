/**
 * Caller-supplied CRLs in the handshake (RFC 5280 §6.3, `revocation` of the clients' default verifier): a
 * CRL made here by `openssl ca -gencrl` from the test PKI's `openssl ca` database (test/pki/out/ocsp/
 * index.txt: `ocsp/revoked.crt` revoked, keyCompromise) refuses a server presenting the revoked leaf with
 * certificate_revoked and lets the others through, in both versions, against our server and against
 * `openssl s_server`; a CRL signed by a stranger (test/pki/out/crl/wrongsigner.crl.pem) or out of date
 * revokes nothing; `tlswire connect --crl` reports it.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TlsClient } from '../../src/handshake/client.js';
import { NegotiatingClient } from '../../src/handshake/negotiate.js';
import { TlsServer } from '../../src/handshake/server.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import type { AnyTlsEvent, CertifiedKey } from '../../src/handshake/types.js';
import { AlertDescription } from '../../src/tls/enums.js';
import { CrlSet } from '../../src/x509/crl.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';
import { connectArgs, runConnect } from '../cli/run.js';
import { killAll, opensslServer, pki, readPki, SKIP_OPENSSL } from '../node/peers.js';
import { opensslOk } from '../x509/helpers.js';

afterEach(() => killAll());

const ROOTS = decodePem(readPki('root-ca.crt')).map((b) => b.der);
const INTERMEDIATE = decodePem(readPki('intermediate-ca.crt'))[0]!.der;
const identity = (crt: string, key: string): CertifiedKey => ({
  chain: [decodePem(readPki(crt))[0]!.der, INTERMEDIATE],
  key: parsePrivateKey(readPki(key)),
});
const GOOD = identity('server-ecdsa.crt', 'server-ecdsa.key');
const REVOKED = identity('ocsp/revoked.crt', 'ocsp/revoked.key');
const VERSIONS = [
  ['TLS 1.3', TlsClient, TlsServer, '-tls1_3'],
  ['TLS 1.2', Tls12Client, Tls12Server, '-tls1_2'],
] as const;

const dir = mkdtempSync(join(tmpdir(), 'crl-'));
const CRL = join(dir, 'crl.pem');

/** `openssl ca -gencrl` over a copy of the committed database, valid one day from now. */
function makeCrl(): void {
  copyFileSync(pki('ocsp/index.txt'), join(dir, 'index.txt'));
  writeFileSync(join(dir, 'crlnumber'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    `[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = ${dir}/index.txt\ncrlnumber = ${dir}/crlnumber\ndefault_md = sha256\n`,
  );
  opensslOk(
    ['ca', '-gencrl', '-config', join(dir, 'ca.cnf'), '-keyfile', pki('intermediate-ca.key')].concat([
      '-cert',
      pki('intermediate-ca.crt'),
      '-crldays',
      '1',
      '-out',
      CRL,
    ]),
  );
}

interface Side {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}

function pump(client: Side & { start(): AnyTlsEvent[] }, server: Side): AnyTlsEvent[] {
  const log: AnyTlsEvent[] = [];
  const c: Side = {
    handle: (b) => {
      const e = client.handle(b);
      log.push(...e);
      return e;
    },
  };
  const deliver = (events: AnyTlsEvent[], to: Side, back: Side): void => {
    for (const e of events) if (e.kind === 'send') deliver(to.handle(e.bytes), back, to);
  };
  const first = client.start();
  log.push(...first);
  deliver(first, server, c);
  return log;
}

const alerts = (events: AnyTlsEvent[]) => events.flatMap((e) => (e.kind === 'alert-sent' ? [e.description] : []));
const established = (events: AnyTlsEvent[]) => events.some((e) => e.kind === 'established');

describe.skipIf(SKIP_OPENSSL)('CRLs of openssl ca -gencrl in the handshake', () => {
  beforeAll(() => makeCrl());

  for (const [version, Client, Server, flag] of VERSIONS) {
    it(`${version}: the revoked leaf → certificate_revoked; the good one passes`, () => {
      const revocation = new CrlSet([readFileSync(CRL, 'utf8')]);
      const config = { serverName: 'localhost', roots: ROOTS, revocation };
      const revoked = pump(new Client(config), new Server({ certificate: REVOKED }));
      expect(alerts(revoked)).toEqual([AlertDescription.certificate_revoked]);
      expect(established(pump(new Client(config), new Server({ certificate: GOOD })))).toBe(true);
    });

    it(`${version}: a CRL signed by a stranger, or out of date, revokes nothing`, () => {
      const forged = new CrlSet([readPki('crl/wrongsigner.crl.pem')]);
      const a = pump(
        new Client({ serverName: 'localhost', roots: ROOTS, revocation: forged }),
        new Server({ certificate: REVOKED }),
      );
      expect(established(a)).toBe(true);
      const late = () => Date.now() + 3 * 86400e3;
      const revocation = new CrlSet([readFileSync(CRL, 'utf8')]);
      const b = pump(
        new Client({ serverName: 'localhost', roots: ROOTS, revocation, now: late }),
        new Server({ certificate: REVOKED, now: late }),
      );
      expect(established(b)).toBe(true);
    });

    it(`${version}: against openssl s_server presenting the revoked leaf`, async () => {
      const server = await opensslServer('ocsp/revoked', ['-cert_chain', pki('intermediate-ca.crt')], flag);
      const client = new NegotiatingClient({
        serverName: 'localhost',
        roots: ROOTS,
        revocation: new CrlSet([readFileSync(CRL, 'utf8')]),
      });
      const events = await overTcp(client, server.port);
      expect(alerts(events)).toEqual([AlertDescription.certificate_revoked]);
      await server.waitFor(/alert certificate revoked|certificate revoked/i);
    });

    it(`${version}: tlswire connect --crl`, async () => {
      const server = await opensslServer('ocsp/revoked', ['-cert_chain', pki('intermediate-ca.crt'), '-www'], flag);
      const r = await runConnect(connectArgs(server.port, '--crl', CRL, '--json'));
      expect(r.code).toBe(1);
      expect(r.json[0]!.error).toMatchObject({ alert: 'certificate_revoked', alertDirection: 'sent' });
      expect(r.json[0]!.verification).toMatchObject({ ok: false, code: 'revoked' });
    });
  }
});

/** Run `client` over TCP to 127.0.0.1:`port` until it is established or fails. */
function overTcp(client: NegotiatingClient, port: number): Promise<AnyTlsEvent[]> {
  const events: AnyTlsEvent[] = [];
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const act = (batch: AnyTlsEvent[]) => {
      for (const e of batch) {
        events.push(e);
        if (e.kind === 'send') socket.write(e.bytes);
      }
      if (batch.some((e) => e.kind === 'error' || e.kind === 'established')) {
        socket.end();
        resolve(events);
      }
    };
    socket.on('connect', () => act(client.start()));
    socket.on('data', (b: Uint8Array) => act(client.handle(b)));
    socket.on('error', reject);
    setTimeout(() => reject(new Error('no outcome within 15 s')), 15_000).unref();
  });
}

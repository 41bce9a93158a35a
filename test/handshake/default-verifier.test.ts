/**
 * The state machines' default certificate verifiers (RFC 8446 §4.4.2.2, RFC 5280 §6.1, RFC 9525):
 * `TlsClient` with `roots` instead of `verifyServer`, `TlsServer` with `clientRoots` instead of
 * `verifyClient`, over the test PKI (test/pki/out, made by openssl): the alert each rejected chain
 * ends in, the injected clock as verification time, intermediates given by configuration, and the
 * configuration errors that keep a client from trusting anything silently.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TlsClient } from '../../src/handshake/client.js';
import { TlsServer } from '../../src/handshake/server.js';
import type { CertifiedKey, ServerConfig, TlsClientConfig, TlsEvent } from '../../src/handshake/types.js';
import { AlertDescription } from '../../src/tls/enums.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { CertificateError } from '../../src/x509/errors.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';
import { TrustStore } from '../../src/x509/verify.js';
import { pki } from '../node/peers.js';
import { ofKind } from './support.js';

const ders = (file: string) => decodePem(readFileSync(pki(file), 'utf8')).map((b) => b.der);
const certified = (name: string): CertifiedKey => ({
  chain: ders(`${name}-chain.pem`),
  key: parsePrivateKey(readFileSync(pki(`${name}.key`), 'utf8')),
});
const ROOT = ders('root-ca.crt');
const INTERMEDIATE = ders('intermediate-ca.crt');
/** A day after the server leaf's notBefore: inside every good test certificate's validity. */
const NOW = parseCertificate(certified('server-ecdsa').chain[0]!).notBefore + 86_400_000;
/** A day after the server leaf's notAfter. */
const LATER = parseCertificate(certified('server-ecdsa').chain[0]!).notAfter + 86_400_000;

/** Run a handshake in memory; return both sides' events. */
function handshake(
  client: TlsClientConfig,
  server: Partial<ServerConfig> & Pick<ServerConfig, 'certificate'>,
): { client: TlsEvent[]; server: TlsEvent[] } {
  const c = new TlsClient({ now: () => NOW, ...client });
  const s = new TlsServer({ now: () => NOW, ...server });
  const out = { client: [] as TlsEvent[], server: [] as TlsEvent[] };
  let toServer = c.start();
  out.client.push(...toServer);
  for (let round = 0; round < 4; round++) {
    const toClient = toServer.flatMap((e) => (e.kind === 'send' ? s.handle(e.bytes) : []));
    out.server.push(...toClient);
    toServer = toClient.flatMap((e) => (e.kind === 'send' ? c.handle(e.bytes) : []));
    out.client.push(...toServer);
  }
  return out;
}

/** The CertificateError behind an error event (through its causes). */
function certificateError(events: TlsEvent[]): CertificateError | undefined {
  const error = ofKind(events, 'error')[0]?.error;
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e instanceof CertificateError) return e;
  return undefined;
}

const sentAlerts = (events: TlsEvent[]) => ofKind(events, 'alert-sent').map((e) => e.description);

describe('TlsClient with roots (default server verifier)', () => {
  it('a chain to a configured root, covering serverName → established', () => {
    const r = handshake({ serverName: 'localhost', roots: ROOT }, { certificate: certified('server-ecdsa') });
    expect(ofKind(r.client, 'established')).toHaveLength(1);
    expect(ofKind(r.client, 'peer-certificate').map((e) => e.chain)).toEqual([certified('server-ecdsa').chain]);
  });

  it('a TrustStore works as roots', () => {
    const r = handshake(
      { serverName: 'localhost', roots: new TrustStore(ROOT) },
      { certificate: certified('server-rsa') },
    );
    expect(ofKind(r.client, 'established')).toHaveLength(1);
  });

  it('a certificate for another name → bad_certificate (hostname-mismatch)', () => {
    const r = handshake({ serverName: 'localhost', roots: ROOT }, { certificate: certified('bad-wronghost') });
    expect(sentAlerts(r.client)).toEqual([AlertDescription.bad_certificate]);
    expect(certificateError(r.client)?.code).toBe('hostname-mismatch');
  });

  it('the name checked is serverName: the same chain fails for another name', () => {
    const r = handshake({ serverName: 'example.com', roots: ROOT }, { certificate: certified('server-ecdsa') });
    expect(certificateError(r.client)?.code).toBe('hostname-mismatch');
  });

  it('a chain to another root → unknown_ca', () => {
    const r = handshake({ serverName: 'localhost', roots: ROOT }, { certificate: certified('bad-unknownca') });
    expect(sentAlerts(r.client)).toEqual([AlertDescription.unknown_ca]);
    expect(certificateError(r.client)?.code).toBe('unknown-issuer');
  });

  it('the injected clock is the verification time: after notAfter the chain has expired → certificate_expired', () => {
    const r = handshake(
      { serverName: 'localhost', roots: ROOT, now: () => LATER },
      { certificate: certified('server-ecdsa') },
    );
    expect(sentAlerts(r.client)).toEqual([AlertDescription.certificate_expired]);
    expect(certificateError(r.client)?.code).toBe('expired');
  });

  it('a server that sends only its leaf: unknown_ca, unless intermediates are configured', () => {
    const leafOnly = { ...certified('server-ecdsa'), chain: certified('server-ecdsa').chain.slice(0, 1) };
    const without = handshake({ serverName: 'localhost', roots: ROOT }, { certificate: leafOnly });
    expect(sentAlerts(without.client)).toEqual([AlertDescription.unknown_ca]);
    const withIntermediates = handshake(
      { serverName: 'localhost', roots: ROOT, intermediates: INTERMEDIATE },
      { certificate: leafOnly },
    );
    expect(ofKind(withIntermediates.client, 'established')).toHaveLength(1);
  });

  it('an explicit verifyServer takes precedence over roots', () => {
    const r = handshake(
      { serverName: 'localhost', roots: ROOT, verifyServer: () => undefined },
      { certificate: certified('bad-unknownca') },
    );
    expect(ofKind(r.client, 'established')).toHaveLength(1);
  });

  it('neither verifyServer nor roots: the client refuses to be built', () => {
    expect(() => new TlsClient({ serverName: 'localhost' } as TlsClientConfig)).toThrow(TypeError);
    expect(() => new TlsClient({ serverName: 'localhost' } as TlsClientConfig)).toThrow(/roots .*verifyServer/);
  });

  it('roots without a serverName: the client refuses to be built (no name to check)', () => {
    expect(() => new TlsClient({ roots: ROOT })).toThrow(/serverName/);
  });
});

describe('TlsServer with clientRoots (default client verifier)', () => {
  const client = { serverName: 'localhost', roots: ROOT };

  it('a client chain to a configured root → established, peer-certificate', () => {
    const r = handshake(
      { ...client, certificate: certified('client') },
      { certificate: certified('server-ecdsa'), clientAuth: 'require', clientRoots: ROOT },
    );
    expect(ofKind(r.server, 'established')).toHaveLength(1);
    expect(ofKind(r.server, 'peer-certificate').map((e) => e.chain)).toEqual([certified('client').chain]);
  });

  it('a self-signed client certificate → unknown_ca', () => {
    const r = handshake(
      { ...client, certificate: certified('bad-selfsigned') },
      { certificate: certified('server-ecdsa'), clientAuth: 'require', clientRoots: ROOT },
    );
    expect(sentAlerts(r.server)).toEqual([AlertDescription.unknown_ca]);
  });

  it('a server certificate (extendedKeyUsage serverAuth only) as client certificate → unsupported_certificate', () => {
    const r = handshake(
      { ...client, certificate: certified('server-ecdsa') },
      { certificate: certified('server-ecdsa'), clientAuth: 'require', clientRoots: ROOT },
    );
    expect(sentAlerts(r.server)).toEqual([AlertDescription.unsupported_certificate]);
    expect(certificateError(r.server)?.code).toBe('bad-eku');
  });

  it('clientAuth without verifyClient or clientRoots: the server refuses to be built', () => {
    expect(() => new TlsServer({ certificate: certified('server-ecdsa'), clientAuth: 'optional' })).toThrow(
      /verifyClient or clientRoots/,
    );
  });
});

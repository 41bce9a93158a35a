/**
 * The TLS 1.2 machines' default certificate verifiers (RFC 5246 §7.4.2, §7.4.6; RFC 5280 §6.1;
 * RFC 9525): `Tls12Client` and `NegotiatingClient` with `roots` instead of `verifyServer`,
 * `Tls12Server` with `clientRoots` instead of `verifyClient`, over the test PKI (test/pki/out, made by
 * openssl): the alert each rejected chain ends in, the injected clock as verification time, and the
 * configuration errors that keep a client from trusting anything silently.
 */
import { describe, expect, it } from 'vitest';
import { concat } from '../../src/bytes/hex.js';
import { type AnyTlsEvent, NegotiatingClient, type NegotiatingClientConfig } from '../../src/handshake/negotiate.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import type { Tls12ClientConfig, Tls12ServerConfig } from '../../src/handshake/tls12/types.js';
import { AlertDescription, ProtocolVersion } from '../../src/tls/enums.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { CertificateError } from '../../src/x509/errors.js';
import { decodePem } from '../../src/x509/pem.js';
import { TrustStore } from '../../src/x509/verify.js';
import { identity, pki } from './tls12-support.js';

const ROOT = decodePem(pki('root-ca.crt')).map((b) => b.der);
const INTERMEDIATE = decodePem(pki('intermediate-ca.crt')).map((b) => b.der);
const SERVER = identity('server-ecdsa').certified;
/** A day after the server leaf's notBefore: inside every good test certificate's validity. */
const NOW = parseCertificate(SERVER.chain[0]!).notBefore + 86_400_000;
/** A day after the server leaf's notAfter. */
const LATER = parseCertificate(SERVER.chain[0]!).notAfter + 86_400_000;

interface Machine {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}

/** Pass bytes back and forth until neither side sends; every event of each side. */
function pump(
  client: Machine,
  server: Machine,
  first: AnyTlsEvent[],
): { client: AnyTlsEvent[]; server: AnyTlsEvent[] } {
  const sent = (events: AnyTlsEvent[]) => concat(...events.flatMap((e) => (e.kind === 'send' ? [e.bytes] : [])));
  const log = { client: [...first], server: [] as AnyTlsEvent[] };
  let toServer = sent(first);
  for (let round = 0; round < 10 && toServer.length > 0; round++) {
    const fromServer = server.handle(toServer);
    log.server.push(...fromServer);
    const toClient = sent(fromServer);
    if (toClient.length === 0) break;
    const fromClient = client.handle(toClient);
    log.client.push(...fromClient);
    toServer = sent(fromClient);
  }
  return log;
}

function handshake(
  client: Tls12ClientConfig,
  server: Partial<Tls12ServerConfig> = {},
): { client: AnyTlsEvent[]; server: AnyTlsEvent[] } {
  const c = new Tls12Client({ now: () => NOW, ...client });
  const s = new Tls12Server({ certificate: SERVER, now: () => NOW, ...server });
  return pump(c, s, c.start());
}

const kinds = <K extends AnyTlsEvent['kind']>(events: AnyTlsEvent[], kind: K) =>
  events.filter((e): e is Extract<AnyTlsEvent, { kind: K }> => e.kind === kind);
const sentAlerts = (events: AnyTlsEvent[]) => kinds(events, 'alert-sent').map((e) => e.description);

/** The CertificateError behind the error event (through its causes). */
function certificateError(events: AnyTlsEvent[]): CertificateError | undefined {
  const errors = kinds(events, 'error');
  expect(errors).toHaveLength(1);
  for (let e: unknown = errors[0]!.error; e instanceof Error; e = e.cause) if (e instanceof CertificateError) return e;
  return undefined;
}

describe('Tls12Client with roots (default server verifier)', () => {
  it('a chain to a configured root, covering serverName → established, peer-certificate', () => {
    const r = handshake({ serverName: 'localhost', roots: ROOT });
    expect(kinds(r.client, 'established')).toHaveLength(1);
    expect(kinds(r.client, 'peer-certificate').map((e) => e.chain)).toEqual([SERVER.chain]);
    expect(kinds(r.server, 'established')).toHaveLength(1);
  });

  it('a TrustStore works as roots (RSA key exchange chain too)', () => {
    const r = handshake(
      { serverName: 'localhost', roots: new TrustStore(ROOT) },
      { certificate: identity('server-rsa').certified },
    );
    expect(kinds(r.client, 'established')).toHaveLength(1);
  });

  it('a certificate for another name → bad_certificate (hostname-mismatch)', () => {
    const r = handshake({ serverName: 'localhost', roots: ROOT }, { certificate: identity('bad-wronghost').certified });
    expect(sentAlerts(r.client)).toEqual([AlertDescription.bad_certificate]);
    expect(certificateError(r.client)?.code).toBe('hostname-mismatch');
    expect(kinds(r.server, 'alert-received').map((e) => e.description)).toEqual([AlertDescription.bad_certificate]);
  });

  it('the name checked is serverName: the same chain fails for another name', () => {
    const r = handshake({ serverName: 'example.com', roots: ROOT });
    expect(sentAlerts(r.client)).toEqual([AlertDescription.bad_certificate]);
    expect(certificateError(r.client)?.code).toBe('hostname-mismatch');
  });

  it('a chain to another root → unknown_ca (unknown-issuer)', () => {
    const r = handshake({ serverName: 'localhost', roots: ROOT }, { certificate: identity('bad-unknownca').certified });
    expect(sentAlerts(r.client)).toEqual([AlertDescription.unknown_ca]);
    expect(certificateError(r.client)?.code).toBe('unknown-issuer');
  });

  it('the injected clock is the verification time: after notAfter → certificate_expired', () => {
    const r = handshake({ serverName: 'localhost', roots: ROOT, now: () => LATER });
    expect(sentAlerts(r.client)).toEqual([AlertDescription.certificate_expired]);
    expect(certificateError(r.client)?.code).toBe('expired');
  });

  it('a server that sends only its leaf: unknown_ca, unless intermediates are configured', () => {
    const leafOnly = { ...SERVER, chain: SERVER.chain.slice(0, 1) };
    const without = handshake({ serverName: 'localhost', roots: ROOT }, { certificate: leafOnly });
    expect(sentAlerts(without.client)).toEqual([AlertDescription.unknown_ca]);
    const withIntermediates = handshake(
      { serverName: 'localhost', roots: ROOT, intermediates: INTERMEDIATE },
      { certificate: leafOnly },
    );
    expect(kinds(withIntermediates.client, 'established')).toHaveLength(1);
  });

  it('an explicit verifyServer takes precedence over roots', () => {
    const r = handshake(
      { serverName: 'localhost', roots: ROOT, verifyServer: () => undefined },
      { certificate: identity('bad-unknownca').certified },
    );
    expect(kinds(r.client, 'established')).toHaveLength(1);
  });

  it('neither verifyServer nor roots: the client refuses to be built', () => {
    const neither = { serverName: 'localhost' } as Tls12ClientConfig;
    expect(() => new Tls12Client(neither)).toThrow(TypeError);
    expect(() => new Tls12Client(neither)).toThrow(
      'Tls12Client: nothing to trust the server with: give roots (trust anchors for the default verifier) or verifyServer',
    );
  });

  it('roots without a serverName: the client refuses to be built (no name to check)', () => {
    expect(() => new Tls12Client({ roots: ROOT })).toThrow(
      "Tls12Client: roots need a serverName to check the server's certificate against (or give verifyServer)",
    );
  });
});

describe('NegotiatingClient with roots, answered in TLS 1.2', () => {
  function negotiate(config: NegotiatingClientConfig, server: Partial<Tls12ServerConfig> = {}) {
    const c = new NegotiatingClient({ now: () => NOW, ...config });
    const s = new Tls12Server({ certificate: SERVER, now: () => NOW, ...server });
    return { client: c, log: pump(c, s, c.start()) };
  }

  it('verifyServer is not required: roots verify the TLS 1.2 server', () => {
    const { client, log } = negotiate({ serverName: 'localhost', roots: ROOT });
    expect(client.version).toBe(ProtocolVersion.TLS1_2);
    expect(kinds(log.client, 'established')).toHaveLength(1);
    expect(kinds(log.client, 'peer-certificate').map((e) => e.chain)).toEqual([SERVER.chain]);
  });

  it('a chain to another root → unknown_ca from the TLS 1.2 client', () => {
    const { client, log } = negotiate(
      { serverName: 'localhost', roots: ROOT },
      { certificate: identity('bad-unknownca').certified },
    );
    expect(client.version).toBe(ProtocolVersion.TLS1_2);
    expect(sentAlerts(log.client)).toEqual([AlertDescription.unknown_ca]);
    expect(certificateError(log.client)?.code).toBe('unknown-issuer');
  });

  it('neither verifyServer nor roots: refused, naming NegotiatingClient', () => {
    expect(() => new NegotiatingClient({ serverName: 'localhost' } as NegotiatingClientConfig)).toThrow(
      'NegotiatingClient: nothing to trust the server with: give roots (trust anchors for the default verifier) or verifyServer',
    );
  });
});

describe('Tls12Server with clientRoots (default client verifier)', () => {
  const client = { serverName: 'localhost', roots: ROOT };

  it('a client chain to a configured root → established, peer-certificate', () => {
    const r = handshake(
      { ...client, certificate: identity('client').certified },
      { clientAuth: 'require', clientRoots: ROOT },
    );
    expect(kinds(r.server, 'established')).toHaveLength(1);
    expect(kinds(r.server, 'peer-certificate').map((e) => e.chain)).toEqual([identity('client').certified.chain]);
  });

  it('a self-signed client certificate → unknown_ca', () => {
    const r = handshake(
      { ...client, certificate: identity('bad-selfsigned').certified },
      { clientAuth: 'require', clientRoots: ROOT },
    );
    expect(sentAlerts(r.server)).toEqual([AlertDescription.unknown_ca]);
    expect(certificateError(r.server)?.code).toBe('self-signed');
  });

  it('a server certificate (extendedKeyUsage serverAuth only) as client certificate → unsupported_certificate', () => {
    const r = handshake(
      { ...client, certificate: identity('server-ecdsa').certified },
      { clientAuth: 'require', clientRoots: ROOT },
    );
    expect(sentAlerts(r.server)).toEqual([AlertDescription.unsupported_certificate]);
    expect(certificateError(r.server)?.code).toBe('bad-eku');
  });

  it('clientAuth without verifyClient or clientRoots: the server refuses to be built', () => {
    expect(() => new Tls12Server({ certificate: SERVER, clientAuth: 'optional' })).toThrow(
      'Tls12Server: clientAuth needs verifyClient or clientRoots',
    );
  });
});

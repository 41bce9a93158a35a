/**
 * Calls into a connection from its own callbacks (a certificate verifier writing data, or making a
 * call that fails) keep every event in order (RFC 8446 §4.4.2, §4.4.3: the Certificate is reported
 * before the CertificateVerify that follows it). The reported bug: a server whose verifyClient wrote
 * data emitted the received certificate_verify without the certificate before it (the inner call's
 * events took the outer call's).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TlsClient } from '../../src/handshake/client.js';
import { ConnectionFailure } from '../../src/handshake/diagnosis.js';
import { TlsServer } from '../../src/handshake/server.js';
import type { CertificateVerifier, TlsEvent } from '../../src/handshake/types.js';
import { AlertDescription } from '../../src/tls/enums.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';
import { pki } from '../node/peers.js';
import { ofKind } from './support.js';

const certified = (name: string) => ({
  chain: decodePem(readFileSync(pki(`${name}-chain.pem`), 'utf8')).map((b) => b.der),
  key: parsePrivateKey(readFileSync(pki(`${name}.key`), 'utf8')),
});

/** A client-auth handshake whose server verifier is `verify(server)`; both sides' events. */
function clientAuth(verify: (server: TlsServer) => CertificateVerifier): {
  client: TlsEvent[];
  server: TlsEvent[][];
} {
  const client = new TlsClient({
    keyLog: true,
    serverName: 'localhost',
    verifyServer: () => undefined,
    certificate: certified('client'),
  });
  const holder: { server?: TlsServer } = {};
  const server = new TlsServer({
    keyLog: true,
    certificate: certified('server-ecdsa'),
    clientAuth: 'require',
    verifyClient: (chain, ctx) => verify(holder.server!)(chain, ctx),
  });
  holder.server = server;
  const out = { client: [] as TlsEvent[], server: [] as TlsEvent[][] };
  let toServer = client.start();
  for (let round = 0; round < 3; round++) {
    const batches = toServer.flatMap((e) => (e.kind === 'send' ? [server.handle(e.bytes)] : []));
    out.server.push(...batches);
    toServer = batches.flat().flatMap((e) => (e.kind === 'send' ? client.handle(e.bytes) : []));
    out.client.push(...toServer);
  }
  return out;
}

const label = (e: TlsEvent) =>
  e.kind === 'handshake-message' ? `${e.direction} ${e.message.type}` : e.kind === 'send' ? 'send' : e.kind;

describe('a verifier that calls the connection', () => {
  it('writing data from verifyClient: the Certificate event comes first, the data record after it', () => {
    const nested: TlsEvent[][] = [];
    const r = clientAuth((server) => () => {
      nested.push(server.write(new TextEncoder().encode('welcome')));
    });
    // The inner call returns nothing: its events are in the outer call's list, in place.
    expect(nested).toEqual([[]]);
    const flight = r.server.find((batch) => batch.some((e) => label(e) === 'received certificate'))!;
    expect(flight.map(label).filter((l) => l !== 'secret')).toEqual([
      'received certificate',
      'send',
      'received certificate_verify',
      'peer-certificate',
      'received finished',
      'established',
    ]);
    expect(ofKind(r.client, 'data').map((e) => new TextDecoder().decode(e.bytes))).toEqual(['welcome']);
  });

  it('a call from verifyClient that throws reaches the verifier: bad_certificate with its reason', () => {
    const r = clientAuth((server) => () => {
      server.keyUpdate();
    });
    const events = r.server.flat();
    expect(ofKind(events, 'alert-sent').map((e) => e.description)).toEqual([AlertDescription.bad_certificate]);
    const error = ofKind(events, 'error')[0]!.error as ConnectionFailure;
    expect(error).toBeInstanceOf(ConnectionFailure);
    expect(error.reason).toBe('keyUpdate before the handshake is complete');
    expect(error.stage).toBe('authentication');
  });
});

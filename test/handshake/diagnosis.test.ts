/**
 * The diagnosis in the TLS 1.3 machines' `error` events (src/handshake/diagnosis.ts): the stage,
 * the alert sent or received (RFC 8446 §6.2), and a reason naming what each side knows (both cipher
 * suite lists on the server, our offer on the client after the peer's handshake_failure, the version
 * a ServerHello chose) with src/x509's reason and hint for certificates.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TlsClient } from '../../src/handshake/client.js';
import { ConnectionFailure } from '../../src/handshake/diagnosis.js';
import { TlsServer } from '../../src/handshake/server.js';
import type { ServerConfig, TlsClientConfig, TlsEvent } from '../../src/handshake/types.js';
import { AlertDescription, CipherSuite, NamedGroup } from '../../src/tls/enums.js';
import { TlsAlertError } from '../../src/tls/errors.js';
import { encodeHandshake } from '../../src/tls/messages/handshake.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { CertificateError } from '../../src/x509/errors.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';
import { pki } from '../node/peers.js';
import { ofKind } from './support.js';

const SERVER = {
  chain: decodePem(readFileSync(pki('server-ecdsa-chain.pem'), 'utf8')).map((b) => b.der),
  key: parsePrivateKey(readFileSync(pki('server-ecdsa.key'), 'utf8')),
};
const ROOT = decodePem(readFileSync(pki('root-ca.crt'), 'utf8')).map((b) => b.der);
const NOW = parseCertificate(SERVER.chain[0]!).notBefore + 86_400_000;

interface Run {
  client: TlsClient;
  server: TlsServer;
  clientEvents: TlsEvent[];
  serverEvents: TlsEvent[];
}

function run(client: Partial<TlsClientConfig>, server: Partial<ServerConfig> = {}): Run {
  const c = new TlsClient({
    serverName: 'localhost',
    verifyServer: () => undefined,
    now: () => NOW,
    ...client,
  } as TlsClientConfig);
  const s = new TlsServer({ certificate: SERVER, now: () => NOW, ...server });
  const r: Run = { client: c, server: s, clientEvents: [], serverEvents: [] };
  let toServer = c.start();
  r.clientEvents.push(...toServer);
  for (let round = 0; round < 4; round++) {
    const toClient = toServer.flatMap((e) => (e.kind === 'send' ? s.handle(e.bytes) : []));
    r.serverEvents.push(...toClient);
    toServer = toClient.flatMap((e) => (e.kind === 'send' ? c.handle(e.bytes) : []));
    r.clientEvents.push(...toServer);
  }
  return r;
}

function failure(events: TlsEvent[]): ConnectionFailure {
  const errors = ofKind(events, 'error');
  expect(errors).toHaveLength(1);
  const error = errors[0]!.error;
  expect(error).toBeInstanceOf(ConnectionFailure);
  return error as ConnectionFailure;
}

const summary = (f: ConnectionFailure) => ({
  stage: f.stage,
  state: f.state,
  alertName: f.alertName,
  alertOrigin: f.alertOrigin,
  reason: f.reason,
  hint: f.hint,
});

describe('negotiation failures name both sides', () => {
  it('no cipher suite in common: the server lists both; the client says what it offered', () => {
    const r = run(
      { cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] },
      { cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384] },
    );
    expect(summary(failure(r.serverEvents))).toEqual({
      stage: 'negotiation',
      state: 'ExpectClientHello',
      alertName: 'handshake_failure',
      alertOrigin: 'sent',
      reason:
        'no cipher suite in common: we offered TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384; the client offered TLS_CHACHA20_POLY1305_SHA256',
      hint: "enable one of the client's cipher suites (cipherSuites)",
    });
    const client = failure(r.clientEvents);
    expect(summary(client)).toEqual({
      stage: 'negotiation',
      state: 'ExpectServerHello',
      alertName: 'handshake_failure',
      alertOrigin: 'received',
      reason:
        'peer sent handshake_failure after our ClientHello (TLS 1.3 only): it supports none of our cipher suites (we offered TLS_CHACHA20_POLY1305_SHA256) or groups (x25519, secp256r1, x448, secp521r1, secp384r1)',
      hint: "compare the server's TLS 1.3 cipher suites and key-exchange groups with ours; a server that speaks only TLS 1.2 refuses them all: use NegotiatingClient to offer both",
    });
    // The typed error stays reachable as the cause.
    expect(client.cause).toHaveProperty('description', AlertDescription.handshake_failure);
  });

  it('no key-exchange group in common', () => {
    const r = run({ groups: [NamedGroup.secp384r1] }, { groups: [NamedGroup.x25519, NamedGroup.secp256r1] });
    const f = failure(r.serverEvents);
    expect(f.reason).toBe(
      'no key-exchange group in common: we accept x25519, secp256r1; the client supports secp384r1',
    );
    expect(f.stage).toBe('negotiation');
    expect(f.alert).toBe(AlertDescription.handshake_failure);
    expect(f.cause).toBeInstanceOf(TlsAlertError);
  });

  it('no ALPN protocol in common → no_application_protocol, both lists named', () => {
    const r = run({ alpn: ['http/1.1'] }, { alpn: ['h2'] });
    expect(summary(failure(r.serverEvents))).toMatchObject({
      stage: 'negotiation',
      alertName: 'no_application_protocol',
      alertOrigin: 'sent',
      reason: 'no ALPN protocol in common: we accept h2; the client offered http/1.1 (RFC 7301 §3.2)',
    });
    expect(failure(r.clientEvents).reason).toBe(
      'peer sent no_application_protocol after our ClientHello: it supports none of our ALPN protocols (we offered http/1.1)',
    );
  });

  it('an ALPN selector (RFC 7301 §3.2): told the offered list and the SNI; its choice agreed', () => {
    const asked: unknown[] = [];
    const r = run(
      { alpn: ['h2', 'http/1.1'] },
      {
        alpnSelector: (offered, name) => {
          asked.push(offered, name);
          return 'http/1.1';
        },
      },
    );
    expect(asked).toEqual([['h2', 'http/1.1'], 'localhost']);
    expect(ofKind(r.clientEvents, 'negotiated')[0]).toHaveProperty('alpn', 'http/1.1');
    expect(ofKind(r.clientEvents, 'error')).toEqual([]);
  });

  it('an ALPN selector refusing every protocol → no_application_protocol; choosing one not offered → internal_error', () => {
    const refused = run({ alpn: ['h2'] }, { alpnSelector: () => undefined });
    expect(summary(failure(refused.serverEvents))).toMatchObject({
      alertName: 'no_application_protocol',
      alertOrigin: 'sent',
      reason: 'the ALPN selector accepted none of the protocols the client offered: h2 (RFC 7301 §3.2)',
    });
    const wrong = run({ alpn: ['h2'] }, { alpnSelector: () => 'spdy/3' });
    expect(summary(failure(wrong.serverEvents))).toMatchObject({
      alertName: 'internal_error',
      reason: 'the ALPN selector chose "spdy/3", which the client did not offer (h2)',
    });
  });

  it('a ServerHello choosing a version we did not offer → illegal_parameter, the version named', () => {
    const r = run(
      {},
      {
        onOutgoingMessage: (message) => {
          if (message.type !== 'server_hello') return undefined;
          const extensions = (message.extensions ?? []).map((e) =>
            e.kind === 'supported_versions' ? { ...e, selectedVersion: 0x0305 } : e,
          );
          return encodeHandshake({ ...message, extensions } as never);
        },
      },
    );
    expect(summary(failure(r.clientEvents))).toMatchObject({
      stage: 'negotiation',
      state: 'ExpectServerHello',
      alertName: 'illegal_parameter',
      alertOrigin: 'sent',
      reason:
        'peer chose a version we did not offer: supported_versions selects 0x0305; we offered only TLS 1.3 (0x0304)',
    });
  });
});

describe('stages', () => {
  it('authentication: the x509 reason and hint; the server hears the alert about its chain', () => {
    const r = run({ serverName: 'example.com', roots: ROOT, verifyServer: undefined });
    const client = failure(r.clientEvents);
    expect(client.cause).toBeInstanceOf(CertificateError);
    const cert = client.cause as CertificateError;
    expect(summary(client)).toEqual({
      stage: 'authentication',
      state: 'ExpectCertificateOrRequest',
      alertName: 'bad_certificate',
      alertOrigin: 'sent',
      reason: cert.reason,
      hint: cert.hint,
    });
    expect(cert.code).toBe('hostname-mismatch');
    expect(summary(failure(r.serverEvents))).toEqual({
      stage: 'authentication',
      state: 'ExpectClientFinished',
      alertName: 'bad_certificate',
      alertOrigin: 'received',
      reason: 'peer sent bad_certificate: the client rejected our certificate chain',
      hint: 'check the name the peer asked for against our certificate, and that the chain is in order',
    });
  });

  it('finished: a server Finished that does not verify → decrypt_error', () => {
    const r = run(
      {},
      {
        onOutgoingMessage: (message, raw) => {
          if (message.type !== 'finished') return undefined;
          const out = raw.slice();
          out[out.length - 1]! ^= 1;
          return out;
        },
      },
    );
    expect(summary(failure(r.clientEvents))).toMatchObject({
      stage: 'finished',
      state: 'ExpectFinished',
      alertName: 'decrypt_error',
      alertOrigin: 'sent',
      reason: 'server Finished does not verify',
    });
    expect(failure(r.serverEvents)).toMatchObject({ stage: 'finished', alertOrigin: 'received' });
  });

  it("finished: the server rejects the client's Finished; the client, established by it, hears decrypt_error", () => {
    const r = run({
      onOutgoingMessage: (message, raw) => {
        if (message.type !== 'finished') return undefined;
        const out = raw.slice();
        out[out.length - 1]! ^= 1;
        return out;
      },
    });
    expect(summary(failure(r.serverEvents))).toMatchObject({
      stage: 'finished',
      state: 'ExpectClientFinished',
      alertName: 'decrypt_error',
      alertOrigin: 'sent',
    });
    expect(summary(failure(r.clientEvents))).toEqual({
      stage: 'finished',
      state: 'ClientEstablished',
      alertName: 'decrypt_error',
      alertOrigin: 'received',
      reason: 'peer sent decrypt_error: it could not verify our signature, binder or Finished',
      hint: undefined,
    });
  });

  it('record: a tampered record after the handshake → bad_record_mac', () => {
    const r = run({});
    const sends = ofKind(r.server.write(new Uint8Array([1, 2, 3])), 'send');
    const record = sends[0]!.bytes.slice();
    record[record.length - 1]! ^= 1;
    expect(summary(failure(r.client.handle(record)))).toMatchObject({
      stage: 'record',
      state: 'ClientEstablished',
      alertName: 'bad_record_mac',
      alertOrigin: 'sent',
    });
  });

  it('application data: a post-handshake CertificateRequest to a client that did not offer it', () => {
    const r = run(
      {
        editClientHello: (hello) => ({
          ...hello,
          extensions: [...(hello.extensions ?? []), { kind: 'post_handshake_auth' }],
        }),
      },
      { verifyClient: () => undefined },
    );
    const events = r.server.requestClientAuth();
    const got = events.flatMap((e) => (e.kind === 'send' ? r.client.handle(e.bytes) : []));
    expect(summary(failure(got))).toMatchObject({
      stage: 'application data',
      state: 'ClientEstablished',
      alertName: 'unexpected_message',
      alertOrigin: 'sent',
      reason: 'certificate_request in state ClientEstablished (RFC 8446 §A.1)',
    });
  });

  it('the error message reads: stage, state, alert, reason', () => {
    const r = run({ alpn: ['http/1.1'] }, { alpn: ['h2'] });
    expect(failure(r.serverEvents).message).toBe(
      'negotiation failed (TLS 1.3 ExpectClientHello; no_application_protocol sent): no ALPN protocol in common: we accept h2; the client offered http/1.1 (RFC 7301 §3.2)',
    );
  });
});

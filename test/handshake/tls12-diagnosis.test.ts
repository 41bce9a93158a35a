/**
 * The diagnosis in the TLS 1.2 machines' `error` events (src/handshake/diagnosis.ts, the rules of
 * TLS 1.3): the stage, the alert sent or received (RFC 5246 §7.2), and a reason naming what each side
 * knows: both sides' cipher suites or groups on the server (RFC 5246 §7.4.1.3, RFC 8422 §5.1), our
 * offer on the client after the server's handshake_failure, src/x509's reason and hint for a
 * certificate (RFC 5246 §7.4.2), and a Finished that does not verify (RFC 5246 §7.4.9).
 */
import { describe, expect, it } from 'vitest';
import { ConnectionFailure } from '../../src/handshake/diagnosis.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import type { Tls12ClientConfig, Tls12Event, Tls12ServerConfig } from '../../src/handshake/tls12/types.js';
import { AlertDescription, CipherSuite, NamedGroup } from '../../src/tls/enums.js';
import { PeerAlertError, TlsAlertError } from '../../src/tls/errors.js';
import type { HandshakeMessage } from '../../src/tls/messages/handshake.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { CertificateError } from '../../src/x509/errors.js';
import { decodePem } from '../../src/x509/pem.js';
import { identity, ofKind, pki, pump } from './tls12-support.js';

const SERVER = identity('server-ecdsa').certified;
const ROOT = decodePem(pki('root-ca.crt')).map((b) => b.der);
const NOW = parseCertificate(SERVER.chain[0]!).notBefore + 86_400_000;

function run(client: Partial<Tls12ClientConfig>, server: Partial<Tls12ServerConfig> = {}) {
  const c = new Tls12Client({
    serverName: 'localhost',
    verifyServer: () => undefined,
    now: () => NOW,
    ...client,
  } as Tls12ClientConfig);
  const s = new Tls12Server({ certificate: SERVER, now: () => NOW, ...server });
  return pump(c, s, c.start());
}

function failure(events: Tls12Event[]): ConnectionFailure {
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

/** Flip the last byte of the outgoing handshake message of `type`. */
function corruptLast(type: HandshakeMessage['type']) {
  return (message: HandshakeMessage, raw: Uint8Array) => {
    if (message.type !== type) return undefined;
    const out = raw.slice();
    out[out.length - 1]! ^= 0x01;
    return out;
  };
}

describe('TLS 1.2 negotiation failures name both sides', () => {
  it('no cipher suite in common: the server lists both; the client says what it offered', () => {
    const r = run(
      { cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256] },
      { cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] },
    );
    const server = failure(r.server);
    expect(summary(server)).toEqual({
      stage: 'negotiation',
      state: 'ExpectClientHello',
      alertName: 'handshake_failure',
      alertOrigin: 'sent',
      reason:
        'no cipher suite in common: we offered TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256; the client offered TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (RFC 5246 §7.4.1.3)',
      hint: "enable one of the client's cipher suites (cipherSuites)",
    });
    expect(server.cause).toBeInstanceOf(TlsAlertError);
    expect(server.message).toBe(
      'negotiation failed (TLS 1.2 ExpectClientHello; handshake_failure sent): no cipher suite in common: we offered TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256; the client offered TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (RFC 5246 §7.4.1.3)',
    );
    const client = failure(r.client);
    expect(summary(client)).toEqual({
      stage: 'negotiation',
      state: 'ExpectServerHello',
      alertName: 'handshake_failure',
      alertOrigin: 'received',
      reason:
        'peer sent handshake_failure after our ClientHello (TLS 1.2 only): it supports none of our cipher suites (we offered TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256) or groups (x25519, secp256r1, x448, secp521r1, secp384r1)',
      hint: "compare the server's TLS 1.2 cipher suites and key-exchange groups with ours; a server that speaks only TLS 1.3 refuses them all: use NegotiatingClient to offer both",
    });
    expect(client.cause).toBeInstanceOf(PeerAlertError);
  });

  it('no key-exchange group in common for ECDHE: both group lists', () => {
    const r = run({ groups: [NamedGroup.secp384r1] }, { groups: [NamedGroup.x25519, NamedGroup.secp256r1] });
    expect(summary(failure(r.server))).toEqual({
      stage: 'negotiation',
      state: 'ExpectClientHello',
      alertName: 'handshake_failure',
      alertOrigin: 'sent',
      reason:
        'no key-exchange group in common for ECDHE: we accept x25519, secp256r1; the client supports secp384r1 (RFC 5246 §7.4.1.3)',
      hint: "enable one of the client's groups (groups)",
    });
  });

  it('common suites that do not fit our key: the key type and the shared suites', () => {
    const r = run(
      { cipherSuites: [CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256] },
      {
        cipherSuites: [
          CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
          CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ],
      },
    );
    expect(failure(r.server).reason).toBe(
      'no cipher suite in common fits our ECDSA certificate: we share TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 with the client (RFC 5246 §7.4.1.3)',
    );
  });

  it('no ALPN protocol in common → no_application_protocol, both lists named', () => {
    const r = run({ alpn: ['http/1.1'] }, { alpn: ['h2'] });
    expect(summary(failure(r.server))).toMatchObject({
      stage: 'negotiation',
      alertName: 'no_application_protocol',
      alertOrigin: 'sent',
      reason: 'no ALPN protocol in common: we accept h2; the client offered http/1.1 (RFC 7301 §3.2)',
    });
    expect(failure(r.client).reason).toBe(
      'peer sent no_application_protocol after our ClientHello: it supports none of our ALPN protocols (we offered http/1.1)',
    );
  });
});

describe('TLS 1.2 stages', () => {
  it('authentication: a certificate for another name → the x509 reason and hint; the server hears it', () => {
    const r = run({ serverName: 'example.com', roots: ROOT, verifyServer: undefined });
    const client = failure(r.client);
    expect(client.cause).toBeInstanceOf(CertificateError);
    const cert = client.cause as CertificateError;
    expect(cert.code).toBe('hostname-mismatch');
    expect(summary(client)).toEqual({
      stage: 'authentication',
      state: 'ExpectCertificate',
      alertName: 'bad_certificate',
      alertOrigin: 'sent',
      reason: cert.reason,
      hint: cert.hint,
    });
    expect(summary(failure(r.server))).toEqual({
      stage: 'authentication',
      state: 'ExpectClientKeyExchange',
      alertName: 'bad_certificate',
      alertOrigin: 'received',
      reason: 'peer sent bad_certificate: the client rejected our certificate chain',
      hint: 'check the name the peer asked for against our certificate, and that the chain is in order',
    });
  });

  it('finished: a client Finished that does not verify → decrypt_error from the server', () => {
    const r = run({ onOutgoingMessage: corruptLast('finished') });
    expect(summary(failure(r.server))).toEqual({
      stage: 'finished',
      state: 'ExpectFinished',
      alertName: 'decrypt_error',
      alertOrigin: 'sent',
      reason: 'client Finished does not verify (RFC 5246 §7.4.9)',
      hint: undefined,
    });
    expect(summary(failure(r.client))).toEqual({
      stage: 'finished',
      state: 'ExpectChangeCipherSpec',
      alertName: 'decrypt_error',
      alertOrigin: 'received',
      reason: 'peer sent decrypt_error: it could not verify our signature, binder or Finished',
      hint: undefined,
    });
  });

  it('finished: a server Finished that does not verify → decrypt_error from the client', () => {
    const r = run({}, { onOutgoingMessage: corruptLast('finished') });
    expect(summary(failure(r.client))).toMatchObject({
      stage: 'finished',
      state: 'ExpectFinished',
      alertName: 'decrypt_error',
      alertOrigin: 'sent',
      reason: 'server Finished does not verify (RFC 5246 §7.4.9)',
    });
    expect(failure(r.server)).toMatchObject({ stage: 'finished', alertOrigin: 'received' });
  });

  it('record: a tampered record after the handshake → bad_record_mac', () => {
    const c = new Tls12Client({ serverName: 'localhost', verifyServer: () => undefined, now: () => NOW });
    const s = new Tls12Server({ certificate: SERVER, now: () => NOW });
    pump(c, s, c.start());
    const record = ofKind(s.write(new Uint8Array([1, 2, 3])), 'send')[0]!.bytes.slice();
    record[record.length - 1]! ^= 1;
    expect(summary(failure(c.handle(record)))).toMatchObject({
      stage: 'record',
      state: 'ClientEstablished',
      alertName: 'bad_record_mac',
      alertOrigin: 'sent',
    });
    expect(AlertDescription.bad_record_mac).toBe(20);
  });
});

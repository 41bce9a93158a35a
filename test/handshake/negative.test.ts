/**
 * Failures, each asserting the exact alert sent (RFC 8446 §6.2) and the error reported: messages
 * out of order, a corrupted Finished, a wrong PSK binder, a second HelloRetryRequest, HRR and
 * ServerHello groups we did not ask for, the downgrade sentinel, a tampered record, a client whose
 * signature_algorithms the server cannot sign with (refused before any ServerHello, RFC 8446 §4.1.1).
 * Inputs are the RFC 8448 records, altered.
 */
import { describe, expect, it } from 'vitest';
import { concat } from '../../src/bytes/hex.js';
import { TlsClient } from '../../src/handshake/client.js';
import { DOWNGRADE_TLS12 } from '../../src/handshake/common.js';
import { TlsServer } from '../../src/handshake/server.js';
import type { TlsEvent } from '../../src/handshake/types.js';
import { AlertDescription, ContentType, SignatureScheme } from '../../src/tls/enums.js';
import { encodeHandshake } from '../../src/tls/messages/handshake.js';
import type { ClientHello } from '../../src/tls/messages/hello.js';
import { encodeRecords } from '../../src/tls/record.js';
import { loadTrace } from '../support/rfc8448.js';
import {
  ephemeral,
  nssExtensions,
  pssSalt,
  RFC_GROUPS,
  RFC_SCHEMES,
  RFC_SUITES,
  replayProvider,
  rfc8448RsaKey,
  sentRecords,
  traceMessage,
  traceRecords,
} from './support.js';

const t3 = loadTrace(3);
const c3 = traceRecords(t3, 'client');
const s3 = traceRecords(t3, 'server');
const rsaKey = rfc8448RsaKey();

function client3(groups = RFC_GROUPS): TlsClient {
  const client = new TlsClient({
    provider: replayProvider([traceMessage(t3, 'client', 'ClientHello').slice(6, 38), ephemeral(t3, 'client')]),
    serverName: 'server',
    cipherSuites: RFC_SUITES,
    groups,
    signatureSchemes: RFC_SCHEMES,
    recordSizeLimit: 16385,
    editClientHello: nssExtensions(true),
    verifyServer: () => undefined,
  });
  client.start();
  return client;
}

function server3(onOutgoingMessage?: ConstructorParameters<typeof TlsServer>[0]['onOutgoingMessage']): TlsServer {
  const cert = traceMessage(t3, 'server', 'Certificate');
  return new TlsServer({
    provider: replayProvider([
      traceMessage(t3, 'server', 'ServerHello').slice(6, 38),
      ephemeral(t3, 'server'),
      pssSalt(rsaKey, traceMessage(t3, 'server', 'CertificateVerify').slice(8)),
    ]),
    certificate: { chain: [cert.slice(11, cert.length - 2)], key: rsaKey },
    cipherSuites: RFC_SUITES,
    groups: RFC_GROUPS,
    recordSizeLimit: 16385,
    onOutgoingMessage,
  });
}

/** The one alert sent, and the error reported, of a failed call. */
function failure(events: TlsEvent[]): { alert: number; error: Error; record: Uint8Array } {
  const alerts = events.filter((e) => e.kind === 'alert-sent');
  const errors = events.filter((e) => e.kind === 'error');
  expect(alerts).toHaveLength(1);
  expect(errors).toHaveLength(1);
  const sends = events.filter((e) => e.kind === 'send');
  const last = sends.at(-1);
  if (alerts[0]?.kind !== 'alert-sent' || errors[0]?.kind !== 'error' || last?.kind !== 'send')
    throw new Error('no alert');
  return { alert: alerts[0].description, error: errors[0].error, record: last.bytes };
}

const plaintextHandshake = (message: Uint8Array) =>
  encodeRecords([{ type: ContentType.handshake, version: 0x0303, fragment: message }]);

/** The §3 ServerHello with its fields replaced. */
function serverHello(edit: (sh: Record<string, unknown>) => Record<string, unknown>): Uint8Array {
  const base = {
    type: 'server_hello',
    isHelloRetryRequest: false,
    version: 0x0303,
    random: traceMessage(t3, 'server', 'ServerHello').slice(6, 38),
    sessionId: new Uint8Array(0),
    cipherSuite: 0x1301,
    compressionMethod: 0,
    extensions: [
      { kind: 'key_share', form: 'server_hello', share: { group: 0x1d, keyExchange: new Uint8Array(32).fill(9) } },
      { kind: 'supported_versions', form: 'server_hello', selectedVersion: 0x0304 },
    ],
  };
  return plaintextHandshake(encodeHandshake(edit(base) as never));
}

describe('client failures', () => {
  it('a tampered record → bad_record_mac, sent under the client handshake keys', () => {
    const client = client3();
    client.handle(s3[0]!.record);
    const tampered = s3[1]!.record.slice();
    tampered[100]! ^= 1;
    const f = failure(client.handle(tampered));
    expect(f.alert).toBe(AlertDescription.bad_record_mac);
    expect(f.record[0]).toBe(ContentType.application_data);
  });

  it('a corrupted server Finished → decrypt_error', () => {
    const server = server3((m, raw) => {
      if (m.type !== 'finished') return undefined;
      const bad = raw.slice();
      bad[10]! ^= 0x80;
      return bad;
    });
    const flight = sentRecords(server.handle(c3[0]!.record));
    const client = client3();
    client.handle(flight[0]!);
    const f = failure(client.handle(flight[1]!));
    expect(f.alert).toBe(AlertDescription.decrypt_error);
    expect(f.error.message).toMatch(/Finished/);
  });

  it('a second ServerHello (plaintext after keys) → unexpected_message', () => {
    const client = client3();
    client.handle(s3[0]!.record);
    expect(failure(client.handle(s3[0]!.record)).alert).toBe(AlertDescription.unexpected_message);
  });

  it('a Finished before the ServerHello → unexpected_message', () => {
    const client = client3();
    const f = failure(client.handle(plaintextHandshake(traceMessage(t3, 'server', 'Finished'))));
    expect(f.alert).toBe(AlertDescription.unexpected_message);
    expect(f.record).toEqual(Uint8Array.of(21, 3, 3, 0, 2, 2, 10));
  });

  it('a ServerHello key share for a group not offered → illegal_parameter', () => {
    const client = client3();
    const sh = serverHello((b) => ({
      ...b,
      extensions: [
        { kind: 'key_share', form: 'server_hello', share: { group: 0x17, keyExchange: new Uint8Array(65).fill(4) } },
        { kind: 'supported_versions', form: 'server_hello', selectedVersion: 0x0304 },
      ],
    }));
    expect(failure(client.handle(sh)).alert).toBe(AlertDescription.illegal_parameter);
  });

  it('a TLS 1.2 ServerHello with the downgrade sentinel → illegal_parameter', () => {
    const client = client3();
    const random = concat(new Uint8Array(24).fill(1), DOWNGRADE_TLS12);
    const sh = serverHello((b) => ({ ...b, random, cipherSuite: 0xc02f, extensions: undefined }));
    const f = failure(client.handle(sh));
    expect(f.alert).toBe(AlertDescription.illegal_parameter);
    expect(f.error.message).toMatch(/downgrade/);
  });

  it('a TLS 1.2 ServerHello without the sentinel → protocol_version', () => {
    const client = client3();
    const sh = serverHello((b) => ({ ...b, cipherSuite: 0xc02f, extensions: undefined }));
    expect(failure(client.handle(sh)).alert).toBe(AlertDescription.protocol_version);
  });

  describe('HelloRetryRequest (RFC 8448 §5 HRR)', () => {
    const t5 = loadTrace(5);
    const s5 = traceRecords(t5, 'server');
    const c5 = traceRecords(t5, 'client');
    const hrr = traceMessage(t5, 'server', 'ServerHello', 0);
    const client5 = (groups = [0x1d, 0x17, 0x18], keyShareGroups = [0x1d]) => {
      const client = new TlsClient({
        provider: replayProvider([
          traceMessage(t5, 'client', 'ClientHello').slice(6, 38),
          ephemeral(t5, 'client'),
          new Uint8Array(48).fill(1),
        ]),
        serverName: 'server',
        cipherSuites: RFC_SUITES,
        groups,
        keyShareGroups,
        verifyServer: () => undefined,
      });
      client.start();
      return client;
    };
    /** The HRR with its selected group replaced: header 4, version 2, random 32, session id 1, suite 2,
     * compression 1, extensions length 2, then key_share: type 2, length 2, selected_group at 48. */
    const hrrSelecting = (group: number) => {
      const m = hrr.slice();
      expect([m[44], m[45]]).toEqual([0x00, 0x33]);
      m[48] = group >> 8;
      m[49] = group & 0xff;
      return plaintextHandshake(m);
    };

    it('a second HelloRetryRequest → unexpected_message', () => {
      const client = client5();
      expect(client.handle(s5[0]!.record).some((e) => e.kind === 'error')).toBe(false);
      expect(failure(client.handle(s5[0]!.record)).alert).toBe(AlertDescription.unexpected_message);
    });

    it('an HRR selecting a group we already sent a share for → illegal_parameter', () => {
      expect(failure(client5().handle(hrrSelecting(0x1d))).alert).toBe(AlertDescription.illegal_parameter);
    });

    it('an HRR selecting a group we did not offer → illegal_parameter', () => {
      expect(failure(client5().handle(hrrSelecting(0x19))).alert).toBe(AlertDescription.illegal_parameter);
    });

    it('the server refuses a second ClientHello that drops the cookie → illegal_parameter', () => {
      const cookie = traceMessage(t5, 'server', 'ServerHello', 0);
      const server = new TlsServer({
        provider: replayProvider([]),
        certificate: { chain: [new Uint8Array(1)], key: rsaKey },
        groups: [0x17, 0x18, 0x1d],
        groupSelection: 'server-order',
        hrrCookie: () => cookie.slice(0, 16),
      });
      server.handle(c5[0]!.record);
      expect(failure(server.handle(c5[1]!.record)).alert).toBe(AlertDescription.illegal_parameter);
    });
  });
});

describe('server failures', () => {
  it('a wrong PSK binder → decrypt_error (RFC 8448 §4 ClientHello, last binder byte flipped)', () => {
    const t4 = loadTrace(4);
    const c4 = traceRecords(t4, 'client');
    const psk = traceMessage(t3, 'server', 'NewSessionTicket');
    const server = new TlsServer({
      provider: replayProvider([]),
      certificate: { chain: [new Uint8Array(1)], key: rsaKey },
      ticketer: {
        seal: () => new Uint8Array(1),
        open: () => ({
          cipherSuite: 0x1301,
          psk: new Uint8Array(32).fill(1),
          ageAdd: 0,
          issuedAt: 0,
          lifetime: 30,
          maxEarlyDataSize: 0,
          alpn: undefined,
          serverName: 'server', // the RFC 8448 ClientHello's server_name: a ticket of another name is skipped
        }),
      },
      now: () => 0,
    });
    expect(psk.length).toBeGreaterThan(0);
    const record = c4[0]!.record.slice();
    record[record.length - 1]! ^= 1;
    const f = failure(server.handle(record));
    expect(f.alert).toBe(AlertDescription.decrypt_error);
    expect(f.error.message).toMatch(/binder/);
  });

  it('a Finished instead of a ClientHello → unexpected_message', () => {
    const server = server3();
    expect(failure(server.handle(plaintextHandshake(traceMessage(t3, 'client', 'Finished')))).alert).toBe(
      AlertDescription.unexpected_message,
    );
  });

  it('a client Finished corrupted in the record → bad_record_mac; a corrupted verify_data → decrypt_error', () => {
    const server = server3();
    server.handle(c3[0]!.record);
    const tampered = c3[1]!.record.slice();
    tampered[10]! ^= 1;
    expect(failure(server.handle(tampered)).alert).toBe(AlertDescription.bad_record_mac);

    // The client's Finished with a wrong verify_data, made by our client with the research hook.
    const client = new TlsClient({
      provider: replayProvider([traceMessage(t3, 'client', 'ClientHello').slice(6, 38), ephemeral(t3, 'client')]),
      serverName: 'server',
      cipherSuites: RFC_SUITES,
      groups: RFC_GROUPS,
      signatureSchemes: RFC_SCHEMES,
      recordSizeLimit: 16385,
      editClientHello: nssExtensions(true),
      verifyServer: () => undefined,
      onOutgoingMessage: (m, raw) => (m.type === 'finished' ? raw.map((b, i) => (i === 4 ? b ^ 1 : b)) : undefined),
    });
    client.start();
    client.handle(s3[0]!.record);
    const fin = sentRecords(client.handle(s3[1]!.record));
    const fresh = server3();
    fresh.handle(c3[0]!.record);
    expect(failure(fresh.handle(fin[0]!)).alert).toBe(AlertDescription.decrypt_error);
  });

  describe('parameters are chosen before ServerHello (RFC 8446 §4.1.1): a refusal is one plaintext alert', () => {
    /** The server's answer to a §3 ClientHello made with `edit`: the one alert, and no ServerHello sent. */
    function refusal(edit: (hello: ClientHello) => ClientHello): { events: TlsEvent[]; alert: number; error: Error } {
      const client = new TlsClient({
        provider: replayProvider([traceMessage(t3, 'client', 'ClientHello').slice(6, 38), ephemeral(t3, 'client')]),
        serverName: 'server',
        cipherSuites: RFC_SUITES,
        groups: RFC_GROUPS,
        recordSizeLimit: 16385,
        editClientHello: (hello) => edit(nssExtensions(true)(hello)),
        verifyServer: () => undefined,
      });
      const events = server3().handle(sentRecords(client.start())[0]!);
      const f = failure(events);
      const sentTypes = events.flatMap((e) =>
        e.kind === 'handshake-message' && e.direction === 'sent' ? [e.message.type] : [],
      );
      expect(sentTypes).toEqual([]);
      return { events, alert: f.alert, error: f.error };
    }
    const sends = (events: TlsEvent[]) => events.flatMap((e) => (e.kind === 'send' ? [e.bytes] : []));
    const schemes = (list: number[]) => (hello: ClientHello) => ({
      ...hello,
      extensions: (hello.extensions ?? []).map((e) =>
        e.kind === 'signature_algorithms' ? { ...e, schemes: list } : e,
      ),
    });

    it('signature_algorithms sharing nothing with our RSA key → handshake_failure, no ServerHello', () => {
      const r = refusal(schemes([SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.ed25519]));
      expect(r.alert).toBe(AlertDescription.handshake_failure);
      expect(r.error.message).toMatch(/no signature scheme in common fits our rsa key/);
      expect(sends(r.events)).toEqual([Uint8Array.of(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28)]);
    });

    it('no signature_algorithms → missing_extension, no ServerHello', () => {
      const r = refusal((hello) => ({
        ...hello,
        extensions: (hello.extensions ?? []).filter((e) => e.kind !== 'signature_algorithms'),
      }));
      expect(r.alert).toBe(AlertDescription.missing_extension);
      expect(sends(r.events)).toEqual([Uint8Array.of(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x6d)]);
    });
  });

  it('application data before the handshake → unexpected_message', () => {
    const server = server3();
    const f = failure(server.handle(Uint8Array.of(23, 3, 3, 0, 1, 0)));
    expect(f.alert).toBe(AlertDescription.unexpected_message);
  });
});

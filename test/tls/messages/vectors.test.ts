/**
 * Known bytes: every handshake message of the RFC 8448 traces and of real OpenSSL 3.0 handshakes
 * (vectors/tls12-messages/) decodes to the expected fields, re-encodes to identical bytes, and every
 * strict prefix and every extension by one byte is rejected.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/bytes/errors.js';
import { fromHex } from '../../../src/bytes/hex.js';
import { findExtension } from '../../../src/tls/extensions.js';
import {
  clientHelloWithoutBinders,
  type DecodedHandshake,
  decodeHandshake,
  encodeHandshake,
  type HandshakeContext,
} from '../../../src/tls/messages/handshake.js';
import { field, findEntry, loadTrace, type Rfc8448Section } from '../../support/rfc8448.js';

function expectStrict(bytes: Uint8Array, ctx: HandshakeContext): void {
  for (let n = 0; n < bytes.length; n++) {
    expect(() => decodeHandshake(bytes.subarray(0, n), ctx), `prefix of ${n} bytes`).toThrow(DecodeError);
  }
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  expect(() => decodeHandshake(longer, ctx)).toThrow(expect.objectContaining({ reason: 'trailing' }));
}

function roundTrip(bytes: Uint8Array, ctx: HandshakeContext = {}): DecodedHandshake {
  const msg = decodeHandshake(bytes, ctx);
  expect(msg.raw).toBe(bytes);
  expect(encodeHandshake(msg)).toEqual(bytes);
  return msg;
}

/**
 * Every handshake message RFC 8448 constructs: [section, actor, action, label, nth entry with that action].
 * §4 prints only the binder prefix under "construct a ClientHello"; its full ClientHello is tested below
 * from the record that carries it.
 */
const RFC8448: [Rfc8448Section, 'client' | 'server', string, string, number][] = [];
for (const s of [3, 4, 5, 6, 7] as const) {
  for (const entry of loadTrace(s).entries) {
    const m = /^construct an? (\w+) handshake message/.exec(entry.action);
    if (!m || (s === 4 && m[1] === 'ClientHello')) continue;
    const nth = RFC8448.filter((r) => r[0] === s && r[1] === entry.actor && r[2] === entry.action).length;
    RFC8448.push([s, entry.actor, entry.action, m[1]!, nth]);
  }
}

function rfc(section: Rfc8448Section, actor: 'client' | 'server', action: string, label: string, nth = 0): Uint8Array {
  return field(findEntry(loadTrace(section), actor, action, nth), label);
}

describe('RFC 8448 handshake messages', () => {
  it('finds the messages of every trace', () => {
    expect(RFC8448.length).toBe(39); // §3: 8, §4: 5 (+ the PSK ClientHello), §5: 9, §6: 10, §7: 7
    expect(new Set(RFC8448.map((r) => r[3]))).toEqual(
      new Set([
        'ClientHello',
        'ServerHello',
        'EncryptedExtensions',
        'Certificate',
        'CertificateRequest',
        'CertificateVerify',
        'Finished',
        'NewSessionTicket',
        'EndOfEarlyData',
      ]),
    );
  });

  it.each(RFC8448.map((r, i) => [i, ...r] as const))('#%i §%i {%s} %s', (_i, section, actor, action, label, nth) => {
    const bytes = field(findEntry(loadTrace(section), actor, action, nth), label);
    roundTrip(bytes);
    expectStrict(bytes, {});
  });

  it('§3 ClientHello', () => {
    const m = roundTrip(rfc(3, 'client', 'construct a ClientHello', 'ClientHello'));
    if (m.type !== 'client_hello') throw new Error(m.type);
    expect(m.version).toBe(0x0303);
    expect(m.random).toEqual(fromHex('cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7'));
    expect(m.sessionId).toEqual(new Uint8Array(0));
    expect(m.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(m.compressionMethods).toEqual([0]);
    expect(m.extensions?.map((e) => e.kind)).toEqual([
      'server_name',
      'renegotiation_info',
      'supported_groups',
      'session_ticket',
      'key_share',
      'supported_versions',
      'signature_algorithms',
      'psk_key_exchange_modes',
      'record_size_limit',
    ]);
    expect(findExtension(m.extensions, 'server_name')?.names).toEqual([{ type: 0, name: 'server' }]);
    expect(findExtension(m.extensions, 'supported_groups')?.groups).toEqual([
      0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104,
    ]);
    expect(findExtension(m.extensions, 'key_share')).toMatchObject({
      form: 'client_hello',
      shares: [
        { group: 0x1d, keyExchange: fromHex('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c') },
      ],
    });
    expect(findExtension(m.extensions, 'supported_versions')).toMatchObject({
      form: 'client_hello',
      versions: [0x0304],
    });
    expect(findExtension(m.extensions, 'signature_algorithms')?.schemes).toEqual([
      0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602,
      0x0202,
    ]);
    expect(findExtension(m.extensions, 'psk_key_exchange_modes')?.modes).toEqual([1]);
    expect(findExtension(m.extensions, 'record_size_limit')?.limit).toBe(0x4001);
    expect(findExtension(m.extensions, 'key_share')?.data).toEqual(
      fromHex('0024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c'),
    );
  });

  it('§3 ServerHello, EncryptedExtensions, CertificateVerify, Finished, NewSessionTicket', () => {
    const sh = roundTrip(rfc(3, 'server', 'construct a ServerHello', 'ServerHello'));
    expect(sh).toMatchObject({
      type: 'server_hello',
      isHelloRetryRequest: false,
      cipherSuite: 0x1301,
      compressionMethod: 0,
    });
    if (sh.type !== 'server_hello') throw new Error(sh.type);
    expect(sh.extensions).toMatchObject([
      {
        kind: 'key_share',
        form: 'server_hello',
        share: {
          group: 0x1d,
          keyExchange: fromHex('c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f'),
        },
      },
      { kind: 'supported_versions', form: 'server_hello', selectedVersion: 0x0304 },
    ]);
    const ee = roundTrip(rfc(3, 'server', 'construct an EncryptedExtensions', 'EncryptedExtensions'));
    expect(ee).toMatchObject({
      type: 'encrypted_extensions',
      extensions: [
        { kind: 'supported_groups', groups: [0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104] },
        { kind: 'record_size_limit', limit: 0x4001 },
        { kind: 'server_name', names: [] },
      ],
    });
    const cv = roundTrip(rfc(3, 'server', 'construct a CertificateVerify', 'CertificateVerify'));
    expect(cv).toMatchObject({ type: 'certificate_verify', algorithm: 0x0804 });
    if (cv.type === 'certificate_verify') expect(cv.signature.length).toBe(128);
    const fin = roundTrip(rfc(3, 'server', 'construct a Finished', 'Finished'));
    expect(fin).toMatchObject({
      type: 'finished',
      verifyData: fromHex('9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718'),
    });
    const nst = roundTrip(rfc(3, 'server', 'construct a NewSessionTicket', 'NewSessionTicket'));
    expect(nst).toMatchObject({
      type: 'new_session_ticket',
      version: 'tls13',
      lifetime: 30,
      ageAdd: 0xfad6aac5,
      nonce: fromHex('0000'),
      extensions: [{ kind: 'early_data', maxEarlyDataSize: 1024 }],
    });
    if (nst.type === 'new_session_ticket' && nst.version === 'tls13') expect(nst.ticket.length).toBe(178);
    const cert = roundTrip(rfc(3, 'server', 'construct a Certificate', 'Certificate'));
    expect(cert).toMatchObject({ type: 'certificate', version: 'tls13', context: new Uint8Array(0) });
    if (cert.type === 'certificate' && cert.version === 'tls13') {
      expect(cert.entries.length).toBe(1);
      expect(cert.entries[0]!.data.length).toBe(432);
      expect(cert.entries[0]!.extensions).toEqual([]);
    }
  });

  it('§5 HelloRetryRequest is a ServerHello with the special random', () => {
    const hrr = roundTrip(rfc(5, 'server', 'construct a ServerHello', 'ServerHello'));
    expect(hrr).toMatchObject({ type: 'server_hello', isHelloRetryRequest: true, cipherSuite: 0x1301 });
    if (hrr.type !== 'server_hello') throw new Error(hrr.type);
    expect(hrr.extensions?.map((e) => e.kind)).toEqual(['key_share', 'cookie', 'supported_versions']);
    expect(findExtension(hrr.extensions, 'key_share')).toMatchObject({
      form: 'hello_retry_request',
      selectedGroup: 0x17,
    });
    expect(findExtension(hrr.extensions, 'cookie')?.cookie.length).toBe(0x72);
    expect(findExtension(hrr.extensions, 'supported_versions')).toMatchObject({ selectedVersion: 0x0304 });
    const sh2 = roundTrip(rfc(5, 'server', 'construct a ServerHello', 'ServerHello', 1));
    expect(sh2).toMatchObject({ isHelloRetryRequest: false });
  });

  it('§6 CertificateRequest (TLS 1.3 form)', () => {
    const cr = roundTrip(rfc(6, 'server', 'construct a CertificateRequest', 'CertificateRequest'));
    expect(cr).toMatchObject({
      type: 'certificate_request',
      version: 'tls13',
      context: new Uint8Array(0),
      extensions: [
        {
          kind: 'signature_algorithms',
          schemes: [
            0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502,
            0x0602, 0x0202,
          ],
        },
      ],
    });
  });

  it('§4 PSK ClientHello: the binder input is the "ClientHello prefix" of the trace', () => {
    const record = field(findEntry(loadTrace(4), 'client', 'send handshake record'), 'complete record');
    const bytes = record.subarray(5);
    const ch = roundTrip(bytes);
    if (ch.type !== 'client_hello') throw new Error(ch.type);
    const psk = findExtension(ch.extensions, 'pre_shared_key');
    if (psk?.form !== 'client_hello') throw new Error('no pre_shared_key');
    expect(psk.identities.length).toBe(1);
    expect(psk.identities[0]!.identity.length).toBe(178);
    expect(psk.identities[0]!.obfuscatedTicketAge).toBe(0xfad6aacb);
    expect(psk.binders.length).toBe(1);
    expect(findExtension(ch.extensions, 'early_data')).toMatchObject({ kind: 'early_data' });
    const prefix = rfc(4, 'client', 'calculate PSK binder', 'ClientHello prefix');
    expect(clientHelloWithoutBinders(ch)).toEqual(prefix);
    const { raw: _raw, ...fields } = ch;
    expect(clientHelloWithoutBinders(fields)).toEqual(prefix);
    expect(rfc(4, 'client', 'construct a ClientHello', 'ClientHello')).toEqual(prefix);
    expect(psk.binders[0]).toEqual(bytes.subarray(bytes.length - 32));
  });

  it('§4 EndOfEarlyData', () => {
    expect(roundTrip(rfc(4, 'client', 'construct an EndOfEarlyData', 'EndOfEarlyData'))).toMatchObject({
      type: 'end_of_early_data',
    });
  });
});

interface Captured {
  from: 'client' | 'server';
  name: string;
  hex: string;
}
const captured = JSON.parse(
  readFileSync(new URL('../../../vectors/tls12-messages/messages.json', import.meta.url), 'utf8'),
) as Record<string, Captured[]>;

function contextOf(scenario: string): HandshakeContext {
  if (scenario.startsWith('tls13')) return { version: 'tls13' };
  return { version: 'tls12', keyExchange: scenario === 'rsa' ? 'rsa' : scenario.startsWith('dhe') ? 'dhe' : 'ecdhe' };
}

function message(scenario: string, name: string, from?: 'client' | 'server'): DecodedHandshake {
  const m = captured[scenario]?.find((c) => c.name === name && (!from || c.from === from));
  if (!m) throw new Error(`${scenario}: no ${name}`);
  return roundTrip(fromHex(m.hex), contextOf(scenario));
}

const TYPES: Record<string, string> = {
  ClientHello: 'client_hello',
  ServerHello: 'server_hello',
  Certificate: 'certificate',
  CertificateStatus: 'certificate_status',
  ServerKeyExchange: 'server_key_exchange',
  CertificateRequest: 'certificate_request',
  ServerHelloDone: 'server_hello_done',
  ClientKeyExchange: 'client_key_exchange',
  CertificateVerify: 'certificate_verify',
  Finished: 'finished',
  NewSessionTicket: 'new_session_ticket',
  EncryptedExtensions: 'encrypted_extensions',
};

describe('OpenSSL 3.0 handshakes (vectors/tls12-messages)', () => {
  const all = Object.entries(captured).flatMap(([s, msgs]) => msgs.map((m, i) => [s, i, m.from, m.name] as const));

  it('holds the scenarios of the README', () => {
    expect(Object.keys(captured).sort()).toEqual(['dhe-rsa', 'ecdhe-ecdsa', 'ecdhe-rsa', 'rsa', 'tls13-ecdsa']);
    expect(all.length).toBe(51);
  });

  it.each(all)('%s #%i {%s} %s', (scenario, i, _from, name) => {
    const bytes = fromHex(captured[scenario]![i]!.hex);
    const m = roundTrip(bytes, contextOf(scenario));
    expect(m.type).toBe(TYPES[name]);
    expectStrict(bytes, contextOf(scenario));
  });

  it('ECDHE-ECDSA: ServerHello, CertificateStatus (OCSP), ServerKeyExchange, ClientKeyExchange, ticket', () => {
    const ch = message('ecdhe-ecdsa', 'ClientHello');
    if (ch.type !== 'client_hello') throw new Error(ch.type);
    expect(findExtension(ch.extensions, 'status_request')).toMatchObject({
      form: 'request',
      statusType: 1,
      responderIds: [],
      requestExtensions: new Uint8Array(0),
    });
    expect(findExtension(ch.extensions, 'server_name')?.names).toEqual([{ type: 0, name: 'localhost' }]);
    expect(findExtension(ch.extensions, 'ec_point_formats')?.formats).toEqual([0, 1, 2]);
    expect(ch.cipherSuites.at(-1)).toBe(0x00ff); // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
    const sh = message('ecdhe-ecdsa', 'ServerHello');
    expect(sh).toMatchObject({ cipherSuite: 0xc02b, version: 0x0303, isHelloRetryRequest: false });
    if (sh.type !== 'server_hello') throw new Error(sh.type);
    expect(sh.extensions?.map((e) => e.kind)).toEqual([
      'renegotiation_info',
      'ec_point_formats',
      'session_ticket',
      'status_request',
      'extended_master_secret',
    ]);
    expect(findExtension(sh.extensions, 'status_request')).toMatchObject({ form: 'empty' });
    const status = message('ecdhe-ecdsa', 'CertificateStatus');
    expect(status).toMatchObject({ type: 'certificate_status', statusType: 1 });
    if (status.type === 'certificate_status') {
      expect(status.response.length).toBe(733);
      expect(status.response.subarray(0, 4)).toEqual(fromHex('308202d9'));
    }
    const ske = message('ecdhe-ecdsa', 'ServerKeyExchange');
    if (ske.type !== 'server_key_exchange' || ske.keyExchange !== 'ecdhe') throw new Error(ske.type);
    expect(ske.namedGroup).toBe(0x001d);
    expect(ske.publicKey.length).toBe(32);
    expect(ske.signatureAlgorithm).toBe(0x0403);
    expect(ske.params).toEqual(ske.raw.subarray(4, 4 + 4 + 32));
    expect(ske.params?.subarray(0, 4)).toEqual(fromHex('03001d20'));
    const cke = message('ecdhe-ecdsa', 'ClientKeyExchange');
    expect(cke).toMatchObject({ keyExchange: 'ecdhe' });
    if (cke.type === 'client_key_exchange' && cke.keyExchange === 'ecdhe') expect(cke.publicKey.length).toBe(32);
    expect(message('ecdhe-ecdsa', 'NewSessionTicket')).toMatchObject({ version: 'tls12', lifetimeHint: 7200 });
    expect(message('ecdhe-ecdsa', 'Finished', 'client')).toMatchObject({ type: 'finished' });
    const fin = message('ecdhe-ecdsa', 'Finished', 'client');
    if (fin.type === 'finished') expect(fin.verifyData.length).toBe(12);
  });

  it('ECDHE-RSA with client authentication: CertificateRequest (TLS 1.2 form), Certificate chain, CertificateVerify', () => {
    const cr = message('ecdhe-rsa', 'CertificateRequest');
    if (cr.type !== 'certificate_request' || cr.version !== 'tls12') throw new Error(cr.type);
    expect(cr.certificateTypes).toEqual([1, 2, 64]); // rsa_sign, dss_sign, ecdsa_sign
    expect(cr.signatureAlgorithms.slice(0, 3)).toEqual([0x0403, 0x0503, 0x0603]);
    expect(cr.certificateAuthorities.length).toBe(1);
    expect(new TextDecoder().decode(cr.certificateAuthorities[0])).toContain('tlswire test CA');
    const cert = message('ecdhe-rsa', 'Certificate', 'server');
    if (cert.type !== 'certificate' || cert.version !== 'tls12') throw new Error(cert.type);
    expect(cert.certificates.map((c) => c.length)).toEqual([511, 396]);
    expect(cert.certificates[0]!.subarray(0, 2)).toEqual(fromHex('3082'));
    const cv = message('ecdhe-rsa', 'CertificateVerify');
    expect(cv).toMatchObject({ type: 'certificate_verify', algorithm: 0x0804 });
    if (cv.type === 'certificate_verify') expect(cv.signature.length).toBe(256);
    expect(message('ecdhe-rsa', 'ServerHello')).toMatchObject({ cipherSuite: 0xc02f });
  });

  it('RSA key exchange: ClientKeyExchange carries the EncryptedPreMasterSecret', () => {
    expect(message('rsa', 'ServerHello')).toMatchObject({ cipherSuite: 0x009c });
    const cke = message('rsa', 'ClientKeyExchange');
    if (cke.type !== 'client_key_exchange' || cke.keyExchange !== 'rsa') throw new Error(cke.type);
    expect(cke.encryptedPreMasterSecret.length).toBe(256);
    expect(cke.raw.subarray(0, 6)).toEqual(fromHex('100001020100'));
  });

  it('DHE-RSA: ServerDHParams (p, g, Ys) and ClientDiffieHellmanPublic', () => {
    const ske = message('dhe-rsa', 'ServerKeyExchange');
    if (ske.type !== 'server_key_exchange' || ske.keyExchange !== 'dhe') throw new Error(ske.type);
    expect(ske.p.length).toBe(256);
    expect(ske.g).toEqual(fromHex('02'));
    expect(ske.publicKey.length).toBe(256);
    expect(ske.params?.length).toBe(2 + 256 + 2 + 1 + 2 + 256);
    expect(ske.signatureAlgorithm).toBe(0x0804);
    expect(message('dhe-rsa', 'ClientKeyExchange')).toMatchObject({ keyExchange: 'dhe' });
  });

  it('TLS 1.3 from OpenSSL: stapled OCSP in a CertificateEntry, CertificateRequest with certificate_authorities', () => {
    const cert = message('tls13-ecdsa', 'Certificate', 'server');
    if (cert.type !== 'certificate' || cert.version !== 'tls13') throw new Error(cert.type);
    expect(cert.entries.length).toBe(2);
    const status = findExtension(cert.entries[0]!.extensions, 'status_request');
    if (status?.form !== 'response') throw new Error('no stapled status');
    expect(status.status.statusType).toBe(1);
    expect(status.status.response.length).toBe(733);
    const cr = message('tls13-ecdsa', 'CertificateRequest');
    if (cr.type !== 'certificate_request' || cr.version !== 'tls13') throw new Error(cr.type);
    expect(cr.extensions.map((e) => e.kind)).toEqual(['signature_algorithms', 'certificate_authorities']);
    const nst = message('tls13-ecdsa', 'NewSessionTicket');
    expect(nst).toMatchObject({ version: 'tls13', lifetime: 7200, nonce: fromHex('0000000000000000'), extensions: [] });
    expect(message('tls13-ecdsa', 'EncryptedExtensions')).toMatchObject({ extensions: [] });
  });

  it('a ServerKeyExchange under the RSA key exchange is unexpected; an explicit curve is an illegal value', () => {
    const bytes = fromHex(captured['ecdhe-ecdsa']!.find((m) => m.name === 'ServerKeyExchange')!.hex);
    expect(() => decodeHandshake(bytes, { version: 'tls12', keyExchange: 'rsa' })).toThrow(
      expect.objectContaining({ reason: 'unexpected' }),
    );
    const explicit = bytes.slice();
    explicit[4] = 1;
    expect(() => decodeHandshake(explicit, { version: 'tls12' })).toThrow(
      expect.objectContaining({ reason: 'value', path: 'Handshake.server_key_exchange.curve_type' }),
    );
  });
});

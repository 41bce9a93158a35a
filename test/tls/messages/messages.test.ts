/**
 * Per-message edge cases: wrong inner lengths, bodies on empty messages, version- and key-exchange-
 * dependent forms, unknown types, the optional TLS 1.2 extensions block, and the PSK binder prefix.
 * Byte strings are written out by hand from the RFC structures (RFC 8446 §4, RFC 5246 §7.4).
 */
import { describe, expect, it } from 'vitest';
import { EncodeError } from '../../../src/bytes/errors.js';
import { fromHex, toHex } from '../../../src/bytes/hex.js';
import {
  clientHelloWithoutBinders,
  decodeHandshake,
  encodeHandshake,
  type HandshakeContext,
  handshakeType,
} from '../../../src/tls/messages/handshake.js';
import { HELLO_RETRY_REQUEST_RANDOM, isHelloRetryRequestRandom } from '../../../src/tls/messages/hello.js';

const RANDOM = '00'.repeat(32);
/** A framed message: type, u24 length, body (hex, spaces allowed). */
function msg(type: number, body: string): Uint8Array {
  const b = fromHex(body);
  return fromHex(type.toString(16).padStart(2, '0') + b.length.toString(16).padStart(6, '0') + toHex(b));
}

describe('ClientHello and ServerHello', () => {
  it('a ClientHello without an extensions block (RFC 5246 §7.4.1.2) differs from one with an empty block', () => {
    const none = msg(1, `0303 ${RANDOM} 00 0002 002f 01 00`);
    const empty = msg(1, `0303 ${RANDOM} 00 0002 002f 01 00 0000`);
    const a = decodeHandshake(none);
    const b = decodeHandshake(empty);
    expect(a).toMatchObject({ type: 'client_hello', cipherSuites: [0x002f], compressionMethods: [0] });
    expect(a.type === 'client_hello' && a.extensions).toBeUndefined();
    expect(b.type === 'client_hello' && b.extensions).toEqual([]);
    expect(encodeHandshake(a)).toEqual(none);
    expect(encodeHandshake(b)).toEqual(empty);
  });

  const bad: [string, Uint8Array, string, string][] = [
    [
      'session id of 33 bytes',
      msg(1, `0303 ${RANDOM} 21 ${'00'.repeat(33)} 0002 002f 01 00`),
      'length',
      'legacy_session_id',
    ],
    ['odd cipher_suites', msg(1, `0303 ${RANDOM} 00 0003 002f00 01 00`), 'length', 'cipher_suites'],
    ['empty cipher_suites', msg(1, `0303 ${RANDOM} 00 0000 01 00`), 'length', 'cipher_suites'],
    ['empty compression methods', msg(1, `0303 ${RANDOM} 00 0002 002f 00`), 'length', 'legacy_compression_methods'],
    [
      'one byte after the compression methods',
      msg(1, `0303 ${RANDOM} 00 0002 002f 01 00 00`),
      'truncated',
      'extensions',
    ],
    ['random cut short', msg(1, `0303 ${'00'.repeat(31)}`), 'truncated', 'random'],
    [
      'ServerHello session id of 33 bytes',
      msg(2, `0303 ${RANDOM} 21 ${'00'.repeat(33)} 1301 00`),
      'length',
      'legacy_session_id_echo',
    ],
    [
      'HelloRetryRequest with a ServerHello key_share',
      msg(2, `0303 ${toHex(HELLO_RETRY_REQUEST_RANDOM)} 00 1301 00 0008 0033 0004 001d 0001`),
      'trailing',
      'key_share',
    ],
  ];
  it.each(bad)('%s', (_what, bytes, reason, path) => {
    expect(() => decodeHandshake(bytes)).toThrow(
      expect.objectContaining({ reason, path: expect.stringContaining(path) }),
    );
  });

  it('recognises the HelloRetryRequest random only exactly', () => {
    expect(isHelloRetryRequestRandom(HELLO_RETRY_REQUEST_RANDOM)).toBe(true);
    const other = HELLO_RETRY_REQUEST_RANDOM.slice();
    other[31] = other[31]! ^ 1;
    expect(isHelloRetryRequestRandom(other)).toBe(false);
    expect(isHelloRetryRequestRandom(HELLO_RETRY_REQUEST_RANDOM.subarray(0, 31))).toBe(false);
    // SHA-256("HelloRetryRequest"), RFC 8446 §4.1.3
    expect(toHex(HELLO_RETRY_REQUEST_RANDOM)).toBe('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c');
  });

  it('clientHelloWithoutBinders needs pre_shared_key as the last extension', () => {
    const base = {
      type: 'client_hello' as const,
      version: 0x0303,
      random: new Uint8Array(32),
      sessionId: new Uint8Array(0),
      cipherSuites: [0x1301],
      compressionMethods: [0],
    };
    const psk = {
      kind: 'pre_shared_key' as const,
      form: 'client_hello' as const,
      identities: [{ identity: fromHex('01020304'), obfuscatedTicketAge: 7 }],
      binders: [new Uint8Array(32).fill(0xbb)],
    };
    expect(() => clientHelloWithoutBinders({ ...base, extensions: [psk, { kind: 'extended_master_secret' }] })).toThrow(
      EncodeError,
    );
    expect(() => clientHelloWithoutBinders(base)).toThrow(EncodeError);
    const full = encodeHandshake({ ...base, extensions: [psk] });
    const prefix = clientHelloWithoutBinders({ ...base, extensions: [psk] });
    // binders<33..2^16-1> = 0021 20 bb×32: the last 35 bytes; the header keeps the full length.
    expect(toHex(full.subarray(prefix.length))).toBe(`002120${'bb'.repeat(32)}`);
    expect(prefix.subarray(0, 4)).toEqual(full.subarray(0, 4));
  });
});

describe('the other messages', () => {
  const tls12: HandshakeContext = { version: 'tls12' };
  const bad: [string, Uint8Array, HandshakeContext, string, string][] = [
    ['ServerHelloDone with a body', msg(14, '00'), tls12, 'trailing', 'server_hello_done'],
    ['HelloRequest with a body', msg(0, '00'), tls12, 'trailing', 'hello_request'],
    ['EndOfEarlyData with a body', msg(5, '00'), {}, 'trailing', 'end_of_early_data'],
    ['KeyUpdate of two bytes', msg(24, '0100'), {}, 'trailing', 'key_update'],
    ['empty KeyUpdate', msg(24, ''), {}, 'truncated', 'key_update.request_update'],
    ['TLS 1.3 Certificate entry without data', msg(11, '00 000005 000000 0000'), {}, 'length', 'cert_data'],
    ['TLS 1.3 Certificate entry without extensions', msg(11, '00 000004 000001 30'), {}, 'truncated', 'extensions'],
    [
      'TLS 1.3 CertificateEntry with a duplicate extension',
      msg(11, '00 00000e 000001 30 0008 1234 0000 1234 0000'),
      {},
      'duplicate',
      'extensions[1]',
    ],
    [
      'TLS 1.2 Certificate list longer than the message',
      msg(11, '000009 000001 30'),
      tls12,
      'length',
      'certificate_list',
    ],
    ['TLS 1.2 empty ASN.1Cert', msg(11, '000003 000000'), tls12, 'length', 'ASN.1Cert'],
    ['TLS 1.2 CertificateRequest without types', msg(13, '00 0002 0403 0000'), tls12, 'length', 'certificate_types'],
    [
      'TLS 1.2 CertificateRequest with an odd algorithm list',
      msg(13, '01 40 0003 040300 0000'),
      tls12,
      'length',
      'supported_signature_algorithms',
    ],
    [
      'TLS 1.2 CertificateRequest with an empty DN',
      msg(13, '01 40 0002 0403 0002 0000'),
      tls12,
      'length',
      'DistinguishedName',
    ],
    ['TLS 1.3 NewSessionTicket with an empty ticket', msg(4, '0000001e 00000001 00 0000 0000'), {}, 'length', 'ticket'],
    [
      'TLS 1.2 NewSessionTicket with a trailing byte',
      msg(4, '00001c20 0001 aa bb'),
      tls12,
      'trailing',
      'new_session_ticket',
    ],
    ['CertificateStatus of type 2', msg(22, '02 000001 30'), tls12, 'value', 'status_type'],
    ['CertificateStatus with an empty response', msg(22, '01 000000'), tls12, 'length', 'ocsp_response'],
    ['CertificateVerify signature longer than the message', msg(15, '0804 0010 00'), {}, 'length', 'signature'],
    ['ECDHE ClientKeyExchange with an empty point', msg(16, '00'), tls12, 'length', 'ecdh_Yc'],
    [
      'DHE ServerKeyExchange with an empty p',
      msg(12, '0000'),
      { version: 'tls12', keyExchange: 'dhe' },
      'length',
      'dh_p',
    ],
    ['a length past the end of the message', msg(20, ''), {}, 'trailing', ''],
  ];
  it.each(bad)('%s', (_what, bytes, ctx, reason, path) => {
    const input = path === '' ? fromHex(`${toHex(bytes)}00`) : bytes;
    expect(() => decodeHandshake(input, ctx)).toThrow(
      expect.objectContaining({ reason, path: expect.stringContaining(path) }),
    );
  });

  it('keeps unknown handshake types raw and writes them back', () => {
    const bytes = msg(0x63, 'deadbeef');
    const m = decodeHandshake(bytes);
    expect(m).toEqual({ type: 'unknown', msgType: 0x63, body: fromHex('deadbeef'), raw: bytes });
    expect(handshakeType(m)).toBe(0x63);
    expect(encodeHandshake(m)).toEqual(bytes);
  });

  it('decodes message_hash (RFC 8446 §4.4.1), KeyUpdate and empty Finished bodies as given', () => {
    const hash = 'ab'.repeat(32);
    expect(decodeHandshake(msg(254, hash))).toMatchObject({ type: 'message_hash', hash: fromHex(hash) });
    expect(decodeHandshake(msg(24, '01'))).toMatchObject({ type: 'key_update', requestUpdate: 1 });
    expect(decodeHandshake(msg(24, '07'))).toMatchObject({ type: 'key_update', requestUpdate: 7 });
    expect(decodeHandshake(msg(20, ''))).toMatchObject({ type: 'finished', verifyData: new Uint8Array(0) });
  });

  it('the context picks the form: the same bytes as a TLS 1.2 and a TLS 1.3 NewSessionTicket', () => {
    // TLS 1.3: lifetime 30, age_add 1, nonce <00>, ticket <aa>, no extensions.
    const bytes = msg(4, '0000001e 00000001 01 00 0001 aa 0000');
    expect(decodeHandshake(bytes)).toMatchObject({ version: 'tls13', lifetime: 30, ageAdd: 1, ticket: fromHex('aa') });
    // TLS 1.2: lifetime hint 30, an empty ticket, then 8 bytes too many.
    expect(() => decodeHandshake(bytes, { version: 'tls12' })).toThrow(expect.objectContaining({ reason: 'trailing' }));
  });

  it('ClientKeyExchange follows the key exchange of the context', () => {
    const bytes = msg(16, '0002 abcd');
    expect(decodeHandshake(bytes, { version: 'tls12', keyExchange: 'rsa' })).toMatchObject({
      keyExchange: 'rsa',
      encryptedPreMasterSecret: fromHex('abcd'),
    });
    expect(decodeHandshake(bytes, { version: 'tls12', keyExchange: 'dhe' })).toMatchObject({
      keyExchange: 'dhe',
      publicKey: fromHex('abcd'),
    });
    expect(() => decodeHandshake(bytes, { version: 'tls12' })).toThrow(expect.objectContaining({ reason: 'length' }));
  });
});

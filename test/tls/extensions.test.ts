/**
 * Extensions: exact bytes from RFC 8448 and OpenSSL 3.0 decode to the expected fields and re-encode
 * identically; bodies follow the message context; duplicates, bad lengths and bad bodies are rejected
 * with a path naming the extension; GREASE and unknown types survive unchanged, in order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError } from '../../src/bytes/errors.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { Reader } from '../../src/bytes/reader.js';
import { Writer } from '../../src/bytes/writer.js';
import {
  decodeExtensions,
  type Extension,
  type ExtensionContext,
  encodeExtensions,
  extensionType,
  findExtension,
} from '../../src/tls/extensions.js';
import { decodeHandshake, encodeHandshake } from '../../src/tls/messages/handshake.js';
import { field, findEntry, loadTrace } from '../support/rfc8448.js';
import { extensions as extensionsArb, GREASE } from './messages/arbitraries.js';

/** Decode an extension block (with its u16 length) in `context`. */
function decode(hex: string, context: ExtensionContext): Extension[] {
  return Reader.decode(fromHex(hex), 'Extensions', (r) => decodeExtensions(r, context));
}
function encode(exts: Extension[]): string {
  return toHex(Writer.encode((w) => encodeExtensions(w, exts)));
}
/** A block holding the given extensions (each type + length + data, as hex). */
function block(...exts: string[]): string {
  const body = exts.join('').replace(/\s/g, '');
  return (body.length / 2).toString(16).padStart(4, '0') + body;
}

/**
 * One extension each, as [what, source, context, hex of the extension (type, length, data), fields].
 * Sources: RFC 8448 §3 (ClientHello, ServerHello, EncryptedExtensions, NewSessionTicket), §5
 * (HelloRetryRequest), §6 (CertificateRequest), and the OpenSSL 3.0 captures in vectors/tls12-messages.
 */
const KNOWN: [string, ExtensionContext, string, Extension][] = [
  [
    'server_name (RFC 8448 §3 ClientHello)',
    'client_hello',
    '0000 000b 0009 00 0006 736572766572',
    { kind: 'server_name', names: [{ type: 0, name: 'server' }] },
  ],
  [
    'server_name (RFC 8448 §3 EncryptedExtensions)',
    'encrypted_extensions',
    '0000 0000',
    { kind: 'server_name', names: [] },
  ],
  [
    'renegotiation_info (RFC 8448 §3 ClientHello)',
    'client_hello',
    'ff01 0001 00',
    { kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) },
  ],
  [
    'supported_groups (RFC 8448 §3 ClientHello)',
    'client_hello',
    '000a 0014 0012 001d 0017 0018 0019 0100 0101 0102 0103 0104',
    { kind: 'supported_groups', groups: [0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104] },
  ],
  [
    'session_ticket (RFC 8448 §3 ClientHello)',
    'client_hello',
    '0023 0000',
    { kind: 'session_ticket', ticket: new Uint8Array(0) },
  ],
  [
    'key_share (RFC 8448 §3 ClientHello)',
    'client_hello',
    '0033 0026 0024 001d 0020 99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c',
    {
      kind: 'key_share',
      form: 'client_hello',
      shares: [
        { group: 0x1d, keyExchange: fromHex('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c') },
      ],
    },
  ],
  [
    'key_share (RFC 8448 §3 ServerHello)',
    'server_hello',
    '0033 0024 001d 0020 c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f',
    {
      kind: 'key_share',
      form: 'server_hello',
      share: { group: 0x1d, keyExchange: fromHex('c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f') },
    },
  ],
  [
    'key_share (RFC 8448 §5 HelloRetryRequest)',
    'hello_retry_request',
    '0033 0002 0017',
    { kind: 'key_share', form: 'hello_retry_request', selectedGroup: 0x17 },
  ],
  [
    'supported_versions (RFC 8448 §3 ClientHello)',
    'client_hello',
    '002b 0003 02 0304',
    { kind: 'supported_versions', form: 'client_hello', versions: [0x0304] },
  ],
  [
    'supported_versions (RFC 8448 §3 ServerHello)',
    'server_hello',
    '002b 0002 0304',
    { kind: 'supported_versions', form: 'server_hello', selectedVersion: 0x0304 },
  ],
  [
    'signature_algorithms (RFC 8448 §6 CertificateRequest)',
    'certificate_request',
    '000d 0020 001e 0403 0503 0603 0203 0804 0805 0806 0401 0501 0601 0201 0402 0502 0602 0202',
    {
      kind: 'signature_algorithms',
      schemes: [
        0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602,
        0x0202,
      ],
    },
  ],
  [
    'psk_key_exchange_modes (RFC 8448 §3 ClientHello)',
    'client_hello',
    '002d 0002 01 01',
    { kind: 'psk_key_exchange_modes', modes: [1] },
  ],
  [
    'record_size_limit (RFC 8448 §3 ClientHello)',
    'client_hello',
    '001c 0002 4001',
    { kind: 'record_size_limit', limit: 0x4001 },
  ],
  ['early_data (RFC 8448 §4 ClientHello)', 'client_hello', '002a 0000', { kind: 'early_data' }],
  [
    'early_data (RFC 8448 §3 NewSessionTicket)',
    'new_session_ticket',
    '002a 0004 00000400',
    { kind: 'early_data', maxEarlyDataSize: 1024 },
  ],
  [
    'pre_shared_key (RFC 8448 §4 ServerHello)',
    'server_hello',
    '0029 0002 0000',
    { kind: 'pre_shared_key', form: 'server_hello', selectedIdentity: 0 },
  ],
  [
    'ec_point_formats (OpenSSL ClientHello)',
    'client_hello',
    '000b 0004 03 000102',
    { kind: 'ec_point_formats', formats: [0, 1, 2] },
  ],
  [
    'status_request (OpenSSL ClientHello)',
    'client_hello',
    '0005 0005 01 0000 0000',
    { kind: 'status_request', form: 'request', statusType: 1, responderIds: [], requestExtensions: new Uint8Array(0) },
  ],
  [
    'status_request (OpenSSL TLS 1.2 ServerHello)',
    'server_hello',
    '0005 0000',
    { kind: 'status_request', form: 'empty' },
  ],
  [
    'status_request (RFC 6066 §8 CertificateStatus in a TLS 1.3 CertificateEntry, 3-byte response)',
    'certificate',
    '0005 0007 01 000003 300102',
    { kind: 'status_request', form: 'response', status: { statusType: 1, response: fromHex('300102') } },
  ],
  ['encrypt_then_mac (OpenSSL ClientHello)', 'client_hello', '0016 0000', { kind: 'encrypt_then_mac' }],
  ['extended_master_secret (OpenSSL ClientHello)', 'client_hello', '0017 0000', { kind: 'extended_master_secret' }],
  ['post_handshake_auth (RFC 8446 §4.2.6)', 'client_hello', '0031 0000', { kind: 'post_handshake_auth' }],
  [
    'application_layer_protocol_negotiation (RFC 7301 §3.1: h2, http/1.1)',
    'client_hello',
    '0010 000e 000c 02 6832 08 687474702f312e31',
    { kind: 'application_layer_protocol_negotiation', protocols: ['h2', 'http/1.1'] },
  ],
  ['cookie (RFC 8446 §4.2.2)', 'hello_retry_request', '002c 0003 0001 ab', { kind: 'cookie', cookie: fromHex('ab') }],
  [
    'certificate_authorities (RFC 8446 §4.2.4)',
    'certificate_request',
    '002f 0006 0004 0002 3000',
    { kind: 'certificate_authorities', authorities: [fromHex('3000')] },
  ],
  ['padding (RFC 7685 §3)', 'client_hello', '0015 0003 000000', { kind: 'padding', padding: new Uint8Array(3) }],
  [
    'signature_algorithms_cert (RFC 8446 §4.2.3)',
    'client_hello',
    '0032 0004 0002 0804',
    { kind: 'signature_algorithms_cert', schemes: [0x0804] },
  ],
  ['unknown type 0x1234', 'client_hello', '1234 0002 abcd', { kind: 'unknown', type: 0x1234, data: fromHex('abcd') }],
  [
    'GREASE type 0x0a0a, empty',
    'client_hello',
    '0a0a 0000',
    { kind: 'unknown', type: 0x0a0a, data: new Uint8Array(0) },
  ],
  [
    'GREASE type 0xfafa, one zero byte',
    'client_hello',
    'fafa 0001 00',
    { kind: 'unknown', type: 0xfafa, data: fromHex('00') },
  ],
];

describe('extensions: known bytes', () => {
  it.each(KNOWN)('%s', (_what, context, hex, expected) => {
    const ext = hex.replace(/\s/g, '');
    const [decoded] = decode(block(ext), context);
    expect(decoded).toEqual({ ...expected, data: fromHex(ext.slice(8)) });
    expect(extensionType(decoded!)).toBe(Number.parseInt(ext.slice(0, 4), 16));
    expect(encode([expected])).toBe(block(ext));
    const bytes = fromHex(block(ext));
    for (let n = 0; n < bytes.length; n++) {
      expect(() => Reader.decode(bytes.subarray(0, n), 'Extensions', (r) => decodeExtensions(r, context))).toThrow(
        DecodeError,
      );
    }
  });

  it('covers every modelled kind', () => {
    const kinds = new Set(KNOWN.map(([, , , e]) => e.kind));
    expect([...kinds].sort()).toEqual(
      [
        'application_layer_protocol_negotiation',
        'certificate_authorities',
        'cookie',
        'early_data',
        'ec_point_formats',
        'encrypt_then_mac',
        'extended_master_secret',
        'key_share',
        'padding',
        'post_handshake_auth',
        'pre_shared_key',
        'psk_key_exchange_modes',
        'record_size_limit',
        'renegotiation_info',
        'server_name',
        'session_ticket',
        'signature_algorithms',
        'signature_algorithms_cert',
        'status_request',
        'supported_groups',
        'supported_versions',
        'unknown',
      ].sort(),
    );
  });

  it('context selects the body: the same supported_versions bytes', () => {
    expect(decode(block('002b 0002 0304'), 'hello_retry_request')).toMatchObject([
      { form: 'server_hello', selectedVersion: 0x0304 },
    ]);
    expect(() => decode(block('002b 0002 0304'), 'client_hello')).toThrow(
      expect.objectContaining({ reason: 'length', path: 'Extensions.extensions[0].supported_versions.versions' }),
    );
  });
});

describe('extensions: rejected input', () => {
  const cases: [string, ExtensionContext, string, string, string][] = [
    [
      'duplicate type',
      'client_hello',
      block('0017 0000', '0016 0000', '0017 0000'),
      'duplicate',
      'Extensions.extensions[2].extension_type',
    ],
    [
      'duplicate GREASE type',
      'client_hello',
      block('0a0a 0000', '0a0a 0000'),
      'duplicate',
      'Extensions.extensions[1].extension_type',
    ],
    [
      'extension longer than the block',
      'client_hello',
      '0004 0017 0001',
      'length',
      'Extensions.extensions[0].extended_master_secret',
    ],
    [
      'empty extension with a body',
      'client_hello',
      block('0017 0001 00'),
      'trailing',
      'Extensions.extensions[0].extended_master_secret',
    ],
    [
      'odd supported_groups',
      'client_hello',
      block('000a 0003 0001 1d'),
      'length',
      'Extensions.extensions[0].supported_groups.named_group_list',
    ],
    [
      'empty supported_groups list',
      'client_hello',
      block('000a 0002 0000'),
      'length',
      'Extensions.extensions[0].supported_groups.named_group_list',
    ],
    [
      'inner list shorter than the extension',
      'client_hello',
      block('000a 0005 0002 001d 00'),
      'trailing',
      'Extensions.extensions[0].supported_groups',
    ],
    [
      'inner list longer than the extension',
      'client_hello',
      block('000a 0004 0004 001d'),
      'length',
      'Extensions.extensions[0].supported_groups.named_group_list',
    ],
    [
      'empty key_exchange',
      'client_hello',
      block('0033 0006 0004 001d 0000'),
      'length',
      'Extensions.extensions[0].key_share.client_shares[0].key_exchange',
    ],
    [
      'empty host name',
      'client_hello',
      block('0000 0005 0003 00 0000'),
      'length',
      'Extensions.extensions[0].server_name.server_name_list[0].HostName',
    ],
    [
      'server_name with a body outside the ClientHello',
      'encrypted_extensions',
      block('0000 0001 00'),
      'trailing',
      'Extensions.extensions[0].server_name',
    ],
    [
      'empty ALPN name',
      'client_hello',
      block('0010 0003 0001 00'),
      'length',
      'Extensions.extensions[0].application_layer_protocol_negotiation.protocol_name_list',
    ],
    [
      'status_type other than ocsp',
      'client_hello',
      block('0005 0005 02 0000 0000'),
      'value',
      'Extensions.extensions[0].status_request.status_type',
    ],
    [
      'short PSK binder',
      'client_hello',
      block('0029 0011 0007 0001 61 00000000', '0000 ff'),
      'length',
      'Extensions.extensions[0].pre_shared_key',
    ],
    [
      'supported_versions list of one byte',
      'client_hello',
      block('002b 0002 01 03'),
      'length',
      'Extensions.extensions[0].supported_versions.versions',
    ],
    [
      'empty cookie',
      'hello_retry_request',
      block('002c 0002 0000'),
      'length',
      'Extensions.extensions[0].cookie.cookie',
    ],
    [
      'empty psk_key_exchange_modes',
      'client_hello',
      block('002d 0001 00'),
      'length',
      'Extensions.extensions[0].psk_key_exchange_modes.ke_modes',
    ],
    [
      'early_data without max_early_data_size in a ticket',
      'new_session_ticket',
      block('002a 0000'),
      'truncated',
      'Extensions.extensions[0].early_data.max_early_data_size',
    ],
    [
      'record_size_limit of one byte',
      'encrypted_extensions',
      block('001c 0001 40'),
      'truncated',
      'Extensions.extensions[0].record_size_limit.RecordSizeLimit',
    ],
    [
      'block length cuts an extension header',
      'client_hello',
      '0003 001700',
      'truncated',
      'Extensions.extensions[0].extension_data',
    ],
  ];

  it.each(cases)('%s', (_what, context, hex, reason, path) => {
    expect(() => decode(hex, context)).toThrow(
      expect.objectContaining({ reason, path: expect.stringContaining(path) }),
    );
  });

  it('a ClientHello with a duplicated extension is rejected with reason duplicate', () => {
    // RFC 8448 §3 ClientHello with psk_key_exchange_modes appended a second time.
    const ch = decodeHandshake(field(findEntry(loadTrace(3), 'client', 'construct a ClientHello'), 'ClientHello'));
    if (ch.type !== 'client_hello' || !ch.extensions) throw new Error(ch.type);
    const twice = encodeHandshake({
      ...ch,
      extensions: [...ch.extensions, { kind: 'psk_key_exchange_modes', modes: [1] }],
    });
    expect(() => decodeHandshake(twice)).toThrow(
      expect.objectContaining({ reason: 'duplicate', path: 'Handshake.client_hello.extensions[9].extension_type' }),
    );
  });

  it('16,000 distinct unknown types decode; the last repeated is a duplicate at its index', () => {
    // The repeated-type check over types ≥ 64 is a Set (a list was quadratic: found fuzzing, issue #11).
    const ch = decodeHandshake(field(findEntry(loadTrace(3), 'client', 'construct a ClientHello'), 'ClientHello'));
    if (ch.type !== 'client_hello' || !ch.extensions) throw new Error(ch.type);
    const many = Array.from({ length: 16_000 }, (_, i) => ({
      kind: 'unknown' as const,
      type: 0x1000 + i,
      data: new Uint8Array(0),
    }));
    const decoded = decodeHandshake(encodeHandshake({ ...ch, extensions: [...ch.extensions, ...many] }));
    expect(decoded.type === 'client_hello' && decoded.extensions?.length).toBe(9 + 16_000);
    const repeated = encodeHandshake({ ...ch, extensions: [...ch.extensions, ...many, many[7_000]!] });
    expect(() => decodeHandshake(repeated)).toThrow(
      expect.objectContaining({ reason: 'duplicate', path: 'Handshake.client_hello.extensions[16009].extension_type' }),
    );
  });
});

describe('extensions: the encoder writes what it is given', () => {
  it('keeps duplicates, unknown types and GREASE in the caller order', () => {
    const exts: Extension[] = [
      { kind: 'unknown', type: 0x2a2a, data: new Uint8Array(0) },
      { kind: 'extended_master_secret' },
      { kind: 'extended_master_secret' },
      { kind: 'supported_groups', groups: [0x3a3a, 0x001d] },
      { kind: 'key_share', form: 'client_hello', shares: [{ group: 0x3a3a, keyExchange: fromHex('00') }] },
      { kind: 'supported_versions', form: 'client_hello', versions: [0x4a4a, 0x0304] },
      { kind: 'signature_algorithms', schemes: [0x5a5a, 0x0403] },
      { kind: 'unknown', type: 0xbeef, data: fromHex('0102') },
    ];
    expect(encode(exts)).toBe(
      block(
        '2a2a 0000',
        '0017 0000',
        '0017 0000',
        '000a 0006 0004 3a3a 001d',
        '0033 0007 0005 3a3a 0001 00',
        '002b 0005 04 4a4a 0304',
        '000d 0006 0004 5a5a 0403',
        'beef 0002 0102',
      ),
    );
  });

  it('writes a wrong-typed known kind as unknown to send arbitrary bytes under a known type', () => {
    expect(encode([{ kind: 'unknown', type: 0x0033, data: fromHex('ff') }])).toBe(block('0033 0001 ff'));
  });

  it('refuses a name character that is not one byte', () => {
    expect(() => encode([{ kind: 'server_name', names: [{ type: 0, name: 'ü€' }] }])).toThrow(EncodeError);
    expect(encode([{ kind: 'server_name', names: [{ type: 0, name: 'ü' }] }])).toBe(block('0000 0006 0004 00 0001 fc'));
  });

  it('findExtension narrows by kind', () => {
    const exts = decode(block('000d 0004 0002 0403', '0032 0004 0002 0804'), 'client_hello');
    expect(findExtension(exts, 'signature_algorithms_cert')?.schemes).toEqual([0x0804]);
    expect(findExtension(exts, 'signature_algorithms')?.schemes).toEqual([0x0403]);
    expect(findExtension(exts, 'key_share')).toBeUndefined();
    expect(findExtension(undefined, 'key_share')).toBeUndefined();
  });
});

describe('extensions: GREASE (RFC 8701) survives a ClientHello round trip', () => {
  it('in cipher suites, extension types, groups, key shares, versions and signature algorithms', () => {
    const ch = {
      type: 'client_hello' as const,
      version: 0x0303,
      random: new Uint8Array(32).fill(7),
      sessionId: new Uint8Array(0),
      cipherSuites: [0x0a0a, 0x1301],
      compressionMethods: [0],
      extensions: [
        { kind: 'unknown' as const, type: 0x1a1a, data: new Uint8Array(0) },
        { kind: 'supported_groups' as const, groups: [0x2a2a, 0x001d] },
        {
          kind: 'key_share' as const,
          form: 'client_hello' as const,
          shares: [{ group: 0x2a2a, keyExchange: fromHex('00') }],
        },
        { kind: 'supported_versions' as const, form: 'client_hello' as const, versions: [0x3a3a, 0x0304] },
        { kind: 'signature_algorithms' as const, schemes: [0x4a4a, 0x0804] },
        { kind: 'unknown' as const, type: 0x5a5a, data: fromHex('00') },
      ],
    };
    const bytes = encodeHandshake(ch);
    const decoded = decodeHandshake(bytes);
    expect(encodeHandshake(decoded)).toEqual(bytes);
    if (decoded.type !== 'client_hello') throw new Error(decoded.type);
    expect(decoded.cipherSuites).toEqual([0x0a0a, 0x1301]);
    expect(decoded.extensions?.map(extensionType)).toEqual([0x1a1a, 10, 51, 43, 13, 0x5a5a]);
  });

  it('generated blocks of every context round-trip, GREASE and unknown types included', () => {
    const contexts: ExtensionContext[] = [
      'client_hello',
      'server_hello',
      'hello_retry_request',
      'encrypted_extensions',
      'certificate',
      'certificate_request',
      'new_session_ticket',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...contexts).chain((c) => fc.tuple(fc.constant(c), extensionsArb(c, 12))),
        ([context, exts]) => {
          const hex = encode(exts);
          const decoded = decode(hex, context);
          expect(decoded.map(extensionType)).toEqual(exts.map(extensionType));
          expect(encode(decoded)).toBe(hex);
          for (const e of decoded) if (e.kind !== 'unknown') expect(e.data).toBeInstanceOf(Uint8Array);
        },
      ),
      { numRuns: 1500 },
    );
    expect(GREASE).toContain(0xdada);
  });
});

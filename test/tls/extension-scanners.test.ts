/**
 * The ClientHello scanners of extensions.ts (server_name_list, ALPN, client_shares read straight from the
 * buffer) hand anything unusual to the checked Reader helpers. Each case below breaks one of their checks;
 * the expected reason, path and offset are what the decoder reported before the scanners existed
 * (commit 3e62958), so a fallback that changed an error would show here.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bytes/errors.js';
import { fromHex } from '../../src/bytes/hex.js';
import { Reader } from '../../src/bytes/reader.js';
import { decodeExtensions } from '../../src/tls/extensions.js';

/** [what, extension block (hex, with its length), reason, path, offset] in a ClientHello. */
const CASES: [string, string, string, string, number][] = [
  [
    'server_name: list length shorter than the body',
    '00120000000e000b0000096c6f63616c686f7374',
    'length',
    'Extensions.extensions[0].server_name.server_name_list[0].HostName',
    11,
  ],
  [
    'server_name: list length longer than the body',
    '00120000000e000d0000096c6f63616c686f7374',
    'length',
    'Extensions.extensions[0].server_name.server_name_list',
    8,
  ],
  [
    'server_name: body of 2 bytes, empty list',
    '0006000000020000',
    'length',
    'Extensions.extensions[0].server_name.server_name_list',
    6,
  ],
  [
    'server_name: entry header cut (2 bytes)',
    '00080000000400020000',
    'truncated',
    'Extensions.extensions[0].server_name.server_name_list[0].HostName',
    9,
  ],
  [
    'server_name: host name overruns the list',
    '000c0000000800060000096c6f63',
    'length',
    'Extensions.extensions[0].server_name.server_name_list[0].HostName',
    11,
  ],
  [
    'server_name: second entry empty host name',
    '000d00000009000700000161000000',
    'length',
    'Extensions.extensions[0].server_name.server_name_list[1].HostName',
    13,
  ],
  [
    'ALPN: list length shorter than the body',
    '000a00100006000302683200',
    'trailing',
    'Extensions.extensions[0].application_layer_protocol_negotiation',
    11,
  ],
  [
    'ALPN: list length longer than the body',
    '0009001000050004026832',
    'length',
    'Extensions.extensions[0].application_layer_protocol_negotiation.protocol_name_list',
    8,
  ],
  [
    'ALPN: list of one byte',
    '000700100003000100',
    'length',
    'Extensions.extensions[0].application_layer_protocol_negotiation.protocol_name_list',
    6,
  ],
  [
    'ALPN: name overruns the list',
    '0009001000050003056832',
    'length',
    'Extensions.extensions[0].application_layer_protocol_negotiation.protocol_name_list[0].ProtocolName',
    9,
  ],
  [
    'ALPN: second name empty',
    '000a00100006000402683200',
    'length',
    'Extensions.extensions[0].application_layer_protocol_negotiation.protocol_name_list[1].ProtocolName',
    11,
  ],
  ['key_share: body of 1 byte', '00050033000100', 'truncated', 'Extensions.extensions[0].key_share.client_shares', 6],
  [
    'key_share: list longer than the body',
    '000b003300060006001d0001aa',
    'length',
    'Extensions.extensions[0].key_share.client_shares',
    8,
  ],
  [
    'key_share: list shorter than the body',
    '000c003300080005001d0001aa00',
    'trailing',
    'Extensions.extensions[0].key_share',
    13,
  ],
  [
    'key_share: entry header cut',
    '0009003300050003001d00',
    'truncated',
    'Extensions.extensions[0].key_share.client_shares[0].key_exchange',
    10,
  ],
  [
    'key_share: key_exchange overruns',
    '000b003300070005001d0002aa',
    'length',
    'Extensions.extensions[0].key_share.client_shares[0].key_exchange',
    12,
  ],
  [
    'key_share: second entry empty key_exchange',
    '000f0033000b0009001d0001aa00170000',
    'length',
    'Extensions.extensions[0].key_share.client_shares[1].key_exchange',
    15,
  ],
];

describe('extension scanners: malformed bodies report what the checked decoder reports', () => {
  it.each(CASES)('%s', (_what, hex, reason, path, offset) => {
    let error: unknown;
    try {
      Reader.decode(fromHex(hex), 'Extensions', (r) => decodeExtensions(r, 'client_hello'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({ reason, path, offset });
  });

  it('well-formed lists of several items decode fully (the scanned path)', () => {
    const body = [
      '0000 000f 000d 00 0001 61 00 0001 62 07 0002 6363', // server_name: a, b, and type 7 "cc"
      '0010 0009 0007 02 6832 03 683263', // ALPN: h2, h2c
      '0033 000e 000c 3a3a 0001 00 001d 0003 aabbcc', // key_share: GREASE (1 byte), x25519 (3 bytes)
    ]
      .join('')
      .replace(/ /g, '');
    const hex = (body.length / 2).toString(16).padStart(4, '0') + body;
    const bytes = fromHex(hex.replace(/ /g, ''));
    const exts = Reader.decode(bytes, 'Extensions', (r) => decodeExtensions(r, 'client_hello'));
    expect(exts[0]).toMatchObject({
      kind: 'server_name',
      names: [
        { type: 0, name: 'a' },
        { type: 0, name: 'b' },
        { type: 7, name: 'cc' },
      ],
    });
    expect(exts[1]).toMatchObject({ kind: 'application_layer_protocol_negotiation', protocols: ['h2', 'h2c'] });
    expect(exts[2]).toMatchObject({
      kind: 'key_share',
      form: 'client_hello',
      shares: [
        { group: 0x3a3a, keyExchange: fromHex('00') },
        { group: 0x1d, keyExchange: fromHex('aabbcc') },
      ],
    });
  });
});

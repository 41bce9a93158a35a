/**
 * status_request in each message that carries it (RFC 6066 §8, RFC 8446 §4.4.2.1): a request body in
 * the ClientHello, a CertificateStatus in a CertificateEntry, and an empty body in a TLS 1.2
 * ServerHello and a TLS 1.3 CertificateRequest, such as the one gnutls-serv sends
 * (vectors/gnutls-certificate-request, decrypted by TShark from a real handshake).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/bytes/errors.js';
import { fromHex, toHex } from '../../../src/bytes/hex.js';
import { Reader } from '../../../src/bytes/reader.js';
import { Writer } from '../../../src/bytes/writer.js';
import {
  decodeExtensions,
  type Extension,
  type ExtensionContext,
  encodeExtensions,
} from '../../../src/tls/extensions.js';
import { decodeHandshake, encodeHandshake } from '../../../src/tls/messages/handshake.js';
import { SKIP_TSHARK, tsharkOutput } from '../../support/tshark.js';

const VECTOR = new URL('../../../vectors/gnutls-certificate-request/', import.meta.url);
const CERTIFICATE_REQUEST_HEX = readFileSync(new URL('certificate-request.hex', VECTOR), 'utf8').trim();

/** Decode `hex` (one extension: type, length, data) as a block in `context`. */
function decodeOne(hex: string, context: ExtensionContext): Extension {
  const ext = fromHex(hex.replace(/\s/g, ''));
  const block = Writer.encode((w) => {
    w.u16(ext.length);
    w.bytes(ext);
  });
  return Reader.decode(block, 'Extensions', (r) => decodeExtensions(r, context))[0]!;
}

function encodeOne(ext: Extension): string {
  return toHex(Writer.encode((w) => encodeExtensions(w, [ext]))).slice(4);
}

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('no DecodeError');
}

describe('status_request: gnutls-serv TLS 1.3 CertificateRequest (vectors/gnutls-certificate-request)', () => {
  it('decodes: empty context, signature_algorithms, empty status_request; re-encodes byte-exact', () => {
    const bytes = fromHex(CERTIFICATE_REQUEST_HEX);
    expect(bytes.length).toBe(49);
    const m = decodeHandshake(bytes);
    if (m.type !== 'certificate_request' || m.version !== 'tls13') throw new Error(m.type);
    expect(m.context).toEqual(new Uint8Array(0));
    expect(m.extensions).toEqual([
      {
        kind: 'signature_algorithms',
        schemes: [
          0x0401, 0x0809, 0x0804, 0x0403, 0x0807, 0x0501, 0x080a, 0x0805, 0x0503, 0x0808, 0x0601, 0x080b, 0x0806,
          0x0603, 0x0201, 0x0203,
        ],
        data: bytes.subarray(11, 45),
      },
      { kind: 'status_request', form: 'empty', data: new Uint8Array(0) },
    ]);
    expect(toHex(encodeHandshake(m))).toBe(CERTIFICATE_REQUEST_HEX);
  });

  it.skipIf(SKIP_TSHARK)('the .hex file is what TShark decrypts from the committed capture and key log', () => {
    const json = tsharkOutput([
      '-n',
      '-r',
      new URL('certificate-request.pcap', VECTOR).pathname,
      '-d',
      'tcp.port==45871,tls',
      '-o',
      `tls.keylog_file:${new URL('certificate-request.keylog', VECTOR).pathname}`,
      '-Y',
      'tls.handshake.type == 13',
      '-T',
      'json',
      '-x',
    ]);
    const raws = [...json.matchAll(/"tls\.handshake_raw": \[\s*"([0-9a-f]+)"/g)].map((m) => m[1]!);
    expect(raws.filter((h) => h.startsWith('0d'))).toEqual([CERTIFICATE_REQUEST_HEX]);
  });
});

describe('status_request: each form, by context', () => {
  it('ClientHello: a CertificateStatusRequest (ocsp, one responder ID, request extensions)', () => {
    const hex = '0005 000c 01 0005 0003 300100 0002 3000';
    const ext = decodeOne(hex, 'client_hello');
    expect(ext).toEqual({
      kind: 'status_request',
      form: 'request',
      statusType: 1,
      responderIds: [fromHex('300100')],
      requestExtensions: fromHex('3000'),
      data: fromHex('01 0005 0003 300100 0002 3000'.replace(/\s/g, '')),
    });
    expect(encodeOne(ext)).toBe(hex.replace(/\s/g, ''));
  });

  it('ClientHello: an empty body is truncated (the request is not optional there)', () => {
    const e = decodeError(() => decodeOne('0005 0000', 'client_hello'));
    expect(e.reason).toBe('truncated');
    expect(e.path).toBe('Extensions.extensions[0].status_request.status_type');
  });

  it('TLS 1.3 CertificateEntry: a CertificateStatus', () => {
    const hex = '0005 0007 01 000003 300102';
    const ext = decodeOne(hex, 'certificate');
    expect(ext).toEqual({
      kind: 'status_request',
      form: 'response',
      status: { statusType: 1, response: fromHex('300102') },
      data: fromHex('01000003300102'),
    });
    expect(encodeOne(ext)).toBe(hex.replace(/\s/g, ''));
  });

  it.each<ExtensionContext>(['certificate_request', 'server_hello', 'encrypted_extensions'])(
    '%s: empty, and a body is trailing bytes',
    (context) => {
      const ext = decodeOne('0005 0000', context);
      expect(ext).toEqual({ kind: 'status_request', form: 'empty', data: new Uint8Array(0) });
      expect(encodeOne(ext)).toBe('00050000');
      // A ClientHello-style request body is not accepted outside the ClientHello.
      const e = decodeError(() => decodeOne('0005 0005 01 0000 0000', context));
      expect(e.reason).toBe('trailing');
      expect(e.path).toBe('Extensions.extensions[0].status_request');
      expect(e.offset).toBe(6);
    },
  );
});

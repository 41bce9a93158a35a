/**
 * Generated round trips of every handshake message type (with unknown extensions and GREASE values),
 * and random input that must fail only with DecodeError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/bytes/errors.js';
import { decodeHandshake, encodeHandshake } from '../../../src/tls/messages/handshake.js';
import { handshakeMessage, stripDecoded } from './arbitraries.js';

describe('handshake messages: generated round trips', () => {
  it('decode(encode(m)) gives m back, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(handshakeMessage, ({ msg, ctx }) => {
        const bytes = encodeHandshake(msg);
        const decoded = decodeHandshake(bytes, ctx);
        expect(decoded.raw).toBe(bytes);
        expect(stripDecoded(decoded)).toEqual(stripDecoded(msg));
        expect(encodeHandshake(decoded)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('every strict prefix of a generated message is rejected with DecodeError', () => {
    fc.assert(
      fc.property(handshakeMessage, ({ msg, ctx }) => {
        const bytes = encodeHandshake(msg);
        for (let n = 0; n < bytes.length; n++) {
          expect(() => decodeHandshake(bytes.subarray(0, n), ctx)).toThrow(DecodeError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a generated message followed by a byte is rejected as trailing', () => {
    fc.assert(
      fc.property(handshakeMessage, fc.integer({ min: 0, max: 255 }), ({ msg, ctx }, extra) => {
        const bytes = encodeHandshake(msg);
        const longer = new Uint8Array(bytes.length + 1);
        longer.set(bytes);
        longer[bytes.length] = extra;
        expect(() => decodeHandshake(longer, ctx)).toThrow(expect.objectContaining({ reason: 'trailing' }));
      }),
      { numRuns: 300 },
    );
  });
});

describe('handshake messages: hostile input', () => {
  const contexts = [
    { version: 'tls13' as const, keyExchange: 'ecdhe' as const },
    { version: 'tls12' as const, keyExchange: 'ecdhe' as const },
    { version: 'tls12' as const, keyExchange: 'dhe' as const },
    { version: 'tls12' as const, keyExchange: 'rsa' as const },
  ];

  function onlyDecodeErrors(bytes: Uint8Array): void {
    for (const ctx of contexts) {
      try {
        const d = decodeHandshake(bytes, ctx);
        expect(encodeHandshake(d)).toEqual(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
      }
    }
  }

  it('random bytes either decode (and re-encode identically) or throw DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        onlyDecodeErrors(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('random bodies under every message type and a consistent header', () => {
    const types = [0, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 22, 24, 254];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 200 }), (type, body) => {
        const bytes = new Uint8Array(4 + body.length);
        bytes[0] = type;
        bytes[1] = body.length >>> 16;
        bytes[2] = body.length >>> 8;
        bytes[3] = body.length;
        bytes.set(body, 4);
        onlyDecodeErrors(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('single-byte corruptions of generated messages never throw anything but DecodeError', () => {
    fc.assert(
      fc.property(handshakeMessage, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ msg }, at, xor) => {
        const bytes = encodeHandshake(msg).slice();
        const i = at % bytes.length;
        bytes[i] = bytes[i]! ^ xor;
        onlyDecodeErrors(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});

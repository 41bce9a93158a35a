/**
 * Tests of the Internet checksum (RFC 1071 §3's example) and the TCP checksum over the IPv4 and
 * IPv6 pseudo-headers, against real kernel segments and tshark's calculated checksums.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, TlswireError } from '../../src/bytes/index.js';
import {
  internetChecksum,
  onesComplementSum,
  pseudoHeaderSum,
  tcpChecksum,
  verifyTcpChecksum,
} from '../../src/tcp/index.js';
import { realSegments } from './fixture.js';

/** Write `checksum` into a copy of `segment`. */
function withChecksum(segment: Uint8Array, checksum: number): Uint8Array {
  const out = segment.slice();
  out[16] = checksum >> 8;
  out[17] = checksum & 0xff;
  return out;
}

describe('RFC 1071 §3 numerical example', () => {
  const bytes = fromHex('00 01 f2 03 f4 f5 f6 f7');

  it('sums 00 01 f2 03 f4 f5 f6 f7 to ddf2', () => {
    expect(onesComplementSum(bytes)).toBe(0xddf2);
    expect(internetChecksum(bytes)).toBe(0x220d);
  });

  it('gives the same sum in any grouping (continuing from a partial sum)', () => {
    expect(onesComplementSum(bytes.subarray(4), onesComplementSum(bytes.subarray(0, 4)))).toBe(0xddf2);
  });

  it('pads an odd last byte with zero on the right', () => {
    expect(onesComplementSum(fromHex('00 01 f2 03 f4 f5 f6'))).toBe(
      onesComplementSum(fromHex('00 01 f2 03 f4 f5 f6 00')),
    );
  });
});

describe('TCP checksum of real segments (IPv4 and IPv6)', () => {
  it('has segments of both versions, odd lengths, and one with a final checksum', () => {
    expect(realSegments.some((s) => s.ipVersion === 4)).toBe(true);
    expect(realSegments.some((s) => s.ipVersion === 6)).toBe(true);
    expect(realSegments.some((s) => s.bytes.length % 2 === 1)).toBe(true);
    expect(realSegments.filter((s) => s.tshark.checksum_status === 1).length).toBeGreaterThanOrEqual(1);
  });

  for (const s of realSegments) {
    it(`${s.name}: computes tshark's checksum and agrees with its verdict`, () => {
      const t = s.tshark;
      expect(tcpChecksum(s.bytes, s.pseudoHeader)).toBe(t.checksum_calculated);
      expect(verifyTcpChecksum(s.bytes, s.pseudoHeader)).toBe(t.checksum_status === 1);
      expect(verifyTcpChecksum(withChecksum(s.bytes, t.checksum_calculated), s.pseudoHeader)).toBe(true);
      if (t.checksum_status !== 1) {
        // Loopback offload: Linux leaves the pseudo-header sum in the field for the NIC to finish.
        expect(t.checksum).toBe(pseudoHeaderSum(s.pseudoHeader, s.bytes.length));
      }
    });
  }
});

describe('pseudo-headers laid out as the RFCs draw them', () => {
  const v4 = { src: fromHex('c0a80001'), dst: fromHex('0a000102') };
  const v6 = { src: fromHex('20010db8000000000000000000000001'), dst: fromHex('fe800000000000000211223344556677') };

  it('IPv4 (RFC 9293 §3.1): src, dst, zero, PTCL, TCP length', () => {
    const drawn = concat(v4.src, v4.dst, fromHex('00 06 05dc'));
    expect(pseudoHeaderSum(v4, 1500)).toBe(onesComplementSum(drawn));
  });

  it('IPv6 (RFC 8200 §8.1): src, dst, u32 length, three zero bytes, next header', () => {
    for (const [len, hex] of [
      [1500, '000005dc'],
      [0x12345, '00012345'],
      [0xffffffff, 'ffffffff'],
    ] as const) {
      const drawn = concat(v6.src, v6.dst, fromHex(hex), fromHex('000000 06'));
      expect(pseudoHeaderSum(v6, len)).toBe(onesComplementSum(drawn));
    }
  });

  it('rejects bad addresses and lengths with TlswireError', () => {
    expect(() => pseudoHeaderSum({ src: new Uint8Array(4), dst: new Uint8Array(16) }, 20)).toThrow(TlswireError);
    expect(() => pseudoHeaderSum({ src: new Uint8Array(6), dst: new Uint8Array(6) }, 20)).toThrow(TlswireError);
    expect(() => pseudoHeaderSum(v4, 0x10000)).toThrow(TlswireError);
    expect(() => pseudoHeaderSum(v6, -1)).toThrow(TlswireError);
    expect(() => tcpChecksum(new Uint8Array(17), v4)).toThrow(TlswireError);
    expect(() => verifyTcpChecksum(new Uint8Array(17), v4)).toThrow(TlswireError);
  });
});

describe('checksum properties', () => {
  const address = (n: 4 | 16) => fc.uint8Array({ minLength: n, maxLength: n });
  const pseudo = fc.oneof(
    fc.record({ src: address(4), dst: address(4) }),
    fc.record({ src: address(16), dst: address(16) }),
  );

  it('a computed checksum verifies, and any single flipped bit breaks it', () => {
    fc.assert(
      fc.property(pseudo, fc.uint8Array({ minLength: 20, maxLength: 200 }), fc.nat(), (ph, seg, at) => {
        const good = withChecksum(seg, tcpChecksum(seg, ph));
        expect(verifyTcpChecksum(good, ph)).toBe(true);
        const bit = at % (good.length * 8);
        const bad = good.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(verifyTcpChecksum(bad, ph)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * IPv4 options and Ethernet padding (RFC 791 §3.1), IPv6 extension-header chains (RFC 8200 §4),
 * fragments, and RFC 5952 address text, on headers built field by field from the RFCs' layouts.
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/bytes/hex.js';
import { decodePacket } from '../../src/capture/decode.js';
import { decodeIpv4, decodeIpv6, formatIpAddress } from '../../src/capture/ip.js';

describe('IPv4', () => {
  it('skips options by IHL and trims the payload to Total Length', () => {
    // IHL 6 (one NOP-padded option word), total length 26: 2 payload bytes, then 4 bytes of padding.
    const h = decodeIpv4(fromHex('46000018 1234 4000 4006 0000 0a000001 0a000002 01010100 abcd 00000000'));
    expect([h.headerLength, h.totalLength, h.id, h.df, h.mf, h.fragment, h.truncated]).toEqual([
      24,
      24,
      0x1234,
      true,
      false,
      false,
      false,
    ]);
    expect(h.payload.length).toBe(0);
    const g = decodeIpv4(fromHex('45000016 0001 0000 4006 0000 0a000001 0a000002 abcd 00000000'));
    expect([...g.payload]).toEqual([0xab, 0xcd]);
  });

  it('flags fragments (MF, or a non-zero offset), which carry no TCP segment', () => {
    const mf = decodeIpv4(fromHex('45000014 0001 2000 4006 0000 0a000001 0a000002'));
    const later = decodeIpv4(fromHex('45000014 0001 0003 4006 0000 0a000001 0a000002'));
    expect([mf.mf, mf.fragment, later.fragmentOffset, later.fragment]).toEqual([true, true, 24, true]);
    const data = fromHex('45000028 0001 2000 4006 0000 0a000001 0a000002 0000000000000000000000005002ffff00000000');
    const pkt = {
      frame: 1,
      timestamp: 0n,
      linkType: 228,
      originalLength: 40,
      data,
      truncated: false,
      interfaceId: 0,
      section: 0,
    };
    expect(decodePacket(pkt).notTcp).toBe('fragment');
  });
});

describe('IPv6', () => {
  const fixed = (plen: number, next: number) =>
    `60000000 ${plen.toString(16).padStart(4, '0')} ${next.toString(16).padStart(2, '0')} 40 ${'00'.repeat(15)}01 ${'00'.repeat(15)}01`;

  it('walks hop-by-hop, destination options, routing and a first fragment to TCP', () => {
    const ext =
      '3c00 010400000000' + // hop-by-hop → destination options, PadN
      '2b01 0000000000000000000000000000' + // destination options (16 bytes) → routing
      '2c00 0000 00000000' + // routing type 0, segments left 0 → fragment
      '0600 0001 00000007'; // fragment, offset 0, M set → TCP
    const tcp = '0001000200000000000000005002ffff00000000';
    const h = decodeIpv6(fromHex(fixed(8 + 16 + 8 + 8 + 20, 0) + ext + tcp));
    expect([h.extensions, h.protocol, h.fragment, h.payload.length]).toEqual([[0, 60, 43, 44], 6, true, 20]);
  });

  it('stops at a non-first fragment; an extension header longer than the payload is an error', () => {
    const later = decodeIpv6(fromHex(`${fixed(10, 44)}0600 0008 00000007 abcd`));
    expect([later.protocol, later.fragment, later.payload.length]).toEqual([6, true, 2]);
    expect(() => decodeIpv6(fromHex(`${fixed(8, 0)}0605 000000000000`))).toThrow(/exceeds the payload/);
  });

  it('formats addresses as RFC 5952 §4 text', () => {
    expect(formatIpAddress(fromHex('20010db8000000000001000000000001'))).toBe('2001:db8::1:0:0:1');
    expect(formatIpAddress(fromHex('20010db8000100000000000000000000'))).toBe('2001:db8:1::');
    expect(formatIpAddress(fromHex('00000000000000000000000000000000'))).toBe('::');
    expect(formatIpAddress(fromHex('20010db8000000010001000100010001'))).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpAddress(fromHex('c0a80001'))).toBe('192.168.0.1');
  });
});

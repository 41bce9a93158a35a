/**
 * GRE (RFC 2784 §2, RFC 2890 §2), ERSPAN (draft-foschiano-erspan-03 §4), PPPoE (RFC 2516 §4) and
 * stacked VLAN tags on constructed headers: every optional field, and each malformed header a typed
 * DecodeError with the expected reason (the recorded captures are in encapsulation.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bytes/errors.js';
import { fromHex } from '../../src/bytes/hex.js';
import { decodePacket, MAX_TUNNELS } from '../../src/capture/decode.js';
import { decodeLink } from '../../src/capture/link.js';
import { LinkType } from '../../src/capture/packet.js';
import { decodeGre } from '../../src/capture/tunnel.js';

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return `${e.reason}: ${e.detail}`;
    throw e;
  }
  return 'ok';
}

const MACS = '020000000002 020000000001';
/** An IPv4 header (no options, checksum left 0) of `protocol` around `payloadHex`. */
function ipv4(protocol: number, payloadHex: string): string {
  const n = 20 + payloadHex.replace(/\s/g, '').length / 2;
  const h = (v: number, w: number) => v.toString(16).padStart(w, '0');
  return `45 00 ${h(n, 4)} 0001 4000 40 ${h(protocol, 2)} 0000 0a000001 0a000002 ${payloadHex}`;
}
const TCP_SYN = '04d2 01bb 00000001 00000000 5002 ffff 0000 0000';
const packet = (hex: string) => ({
  frame: 1,
  timestamp: 0n,
  linkType: LinkType.ETHERNET,
  originalLength: fromHex(hex).length,
  data: fromHex(hex),
  truncated: false,
  interfaceId: 0,
  section: 0,
});

describe('GRE', () => {
  it('checksum, key and sequence number, in that order (RFC 2890 §2)', () => {
    const g = decodeGre(fromHex('b000 0800 abcd 0000 0000002a 00000007 45'));
    expect(g.gre).toEqual({
      flagsAndVersion: 0xb000,
      protocol: 0x0800,
      checksum: 0xabcd,
      key: 42,
      sequence: 7,
      headerLength: 16,
    });
    expect(g.inner).toBe('ipv4');
    expect(g.payload).toEqual(Uint8Array.of(0x45));
  });
  it('bits 6–12 are ignored (RFC 2784 §2.1); an unknown protocol type is `other`', () => {
    const g = decodeGre(fromHex('03f8 1234 ff'));
    expect(g.inner).toBe('other');
    expect(g.gre.headerLength).toBe(4);
  });
  it('routing, bits 4–5 and versions other than 0 are refused', () => {
    expect(reasonOf(() => decodeGre(fromHex('4000 0800')))).toMatch(/^value: routing present/);
    expect(reasonOf(() => decodeGre(fromHex('0800 0800')))).toMatch(/^value: reserved bits 4–5/);
    expect(reasonOf(() => decodeGre(fromHex('0400 0800')))).toMatch(/^value: reserved bits 4–5/);
    expect(reasonOf(() => decodeGre(fromHex('0001 880b')))).toMatch(/^value: version 1 is not 0/);
  });
  it('every truncation of the optional fields is `truncated`', () => {
    const full = fromHex('b000 0800 abcd 0000 0000002a 00000007');
    for (let n = 0; n < full.length; n++) expect(reasonOf(() => decodeGre(full.subarray(0, n)))).toMatch(/^truncated/);
  });
});

describe('ERSPAN', () => {
  it('type I (0x88be without a sequence number) has no header: Ethernet follows', () => {
    const g = decodeGre(fromHex('0000 88be 0200'));
    expect(g.erspan).toBeUndefined();
    expect(g.inner).toBe('ethernet');
    expect(g.payload.length).toBe(2);
  });
  it('type II: version 1, VLAN, COS, session ID and index', () => {
    const g = decodeGre(fromHex('1000 88be 00000005 1064 a07b 000abcde 02'));
    expect(g.erspan).toEqual({ type: 2, vlan: 0x064, cos: 5, sessionId: 123, index: 0xabcde, headerLength: 8 });
    expect(g.payload).toEqual(Uint8Array.of(2));
  });
  it('type III: timestamp, hardware ID, direction, and the optional platform-specific subheader', () => {
    const g = decodeGre(fromHex('1000 22eb 00000001 2000 0141 000003e8 00000119 0800000000000000 02'));
    expect(g.erspan).toEqual({
      type: 3,
      vlan: 0,
      cos: 0,
      sessionId: 321,
      timestamp: 1000,
      hardwareId: 17,
      direction: 1,
      headerLength: 20,
    });
    expect(g.payload).toEqual(Uint8Array.of(2));
  });
  it('a version that does not match the protocol type, or a cut header, is refused', () => {
    expect(reasonOf(() => decodeGre(fromHex('1000 88be 00000005 2000 007b 00000000')))).toMatch(
      /^value: ERSPAN version 2/,
    );
    expect(reasonOf(() => decodeGre(fromHex('1000 22eb 00000001 1000 0141 000003e8 00000118')))).toMatch(
      /^value: ERSPAN version 1/,
    );
    expect(reasonOf(() => decodeGre(fromHex('1000 22eb 00000001 2000 0141 000003e8 00000119 08')))).toMatch(
      /^truncated/,
    );
  });
});

describe('tunnels in packets', () => {
  it('IPv4 in GRE in IPv4: the inner TCP segment, the outer header kept as a tunnel layer', () => {
    const d = decodePacket(packet(`${MACS} 0800 ${ipv4(47, `0000 0800 ${ipv4(6, TCP_SYN)}`)}`));
    expect(d.tunnels?.map((t) => [t.ip.protocol, t.gre.protocol])).toEqual([[47, 0x0800]]);
    expect(d.ip?.protocol).toBe(6);
    expect(d.tcp?.srcPort).toBe(1234);
  });
  it(`more than ${MAX_TUNNELS} nested tunnels are refused`, () => {
    let inner = ipv4(6, TCP_SYN);
    for (let i = 0; i <= MAX_TUNNELS; i++) inner = ipv4(47, `0000 0800 ${inner}`);
    expect(reasonOf(() => decodePacket(packet(`${MACS} 0800 ${inner}`)))).toMatch(/^value: more than 4 nested/);
  });
  it('a GRE payload of an unknown type is not IP', () => {
    expect(decodePacket(packet(`${MACS} 0800 ${ipv4(47, '0000 1234 00')}`)).notTcp).toBe('not-ip');
  });
});

describe('PPPoE and VLAN tags', () => {
  const eth = (hex: string) => decodeLink(LinkType.ETHERNET, fromHex(`${MACS} ${hex}`));
  it('a session frame: LENGTH cuts the padding; a compressed (one-octet) protocol field is read', () => {
    const f = eth('8864 11 00 1234 0004 0021 4500 ffff');
    expect([f.network, f.protocol, f.pppoe, f.payload]).toEqual([
      'ipv4',
      0x21,
      { sessionId: 0x1234, pppProtocol: 0x21 },
      Uint8Array.of(0x45, 0),
    ]);
    expect(eth('8864 11 00 0001 0002 57 60').network).toBe('ipv6');
    expect(eth('8864 11 00 0001 0002 c021').network).toBe('other');
  });
  it('bad VER/TYPE, a discovery CODE, a LENGTH without room for the protocol, a cut header', () => {
    expect(reasonOf(() => eth('8864 21 00 1234 0004 0021'))).toMatch(/^value: PPPoE VER\/TYPE 0x21/);
    expect(reasonOf(() => eth('8864 11 09 1234 0004 0021'))).toMatch(/^value: PPPoE session frame with CODE 0x9/);
    expect(reasonOf(() => eth('8864 11 00 1234 0001 0021'))).toMatch(/^length: PPPoE LENGTH 1/);
    expect(reasonOf(() => eth('8864 11 00 1234 00'))).toMatch(/^truncated/);
  });
  it('stacked tags (802.1ad then 802.1Q) are skipped; a cut tag is `truncated`; the bound is 8 tags', () => {
    expect(eth('88a8 0064 8100 00c8 0800 45').vlans).toEqual([100, 200]);
    expect(reasonOf(() => eth('88a8 0064 8100 00'))).toMatch(/^truncated/);
    expect(reasonOf(() => eth('88a8 0064 81'))).toMatch(/^truncated/);
    expect(reasonOf(() => eth(`${'8100 0001 '.repeat(9)}0800`))).toMatch(/^value: more than 8 VLAN tags/);
  });
});

/**
 * Malformed capture files: every truncation, bad magic numbers, impossible lengths. Each is a
 * DecodeError with the expected reason, never another error or a large allocation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bytes/errors.js';
import { decodePacket, readCapture } from '../../src/capture/decode.js';
import { decodeIpv4, decodeIpv6 } from '../../src/capture/ip.js';
import { decodeLink } from '../../src/capture/link.js';
import { LinkType } from '../../src/capture/packet.js';
import { loadVector } from './helpers.js';

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e.reason;
    throw e;
  }
  return 'ok';
}

const readAll = (b: Uint8Array) => () => [...readCapture(b)].map(decodePacket);

describe('truncated files', () => {
  for (const name of ['rst.pcap', 'rst.nano.pcapng', 'rst.sll2.pcap']) {
    it(`${name}: every strict prefix fails, except at a record boundary`, () => {
      const full = loadVector(name);
      const boundaries = new Set<number>();
      // Record boundaries: where the data of each packet ends (pcap), or each block ends (pcapng).
      if (name.endsWith('.pcap')) {
        for (const p of readCapture(full)) boundaries.add(p.data.byteOffset - full.byteOffset + p.data.length);
        boundaries.add(24);
      } else {
        for (let at = 0; at < full.length; ) {
          const len = full[at + 4]! | (full[at + 5]! << 8) | (full[at + 6]! << 16) | (full[at + 7]! << 24);
          at += len;
          boundaries.add(at);
        }
      }
      for (let n = 0; n < full.length; n++) {
        const reason = reasonOf(readAll(full.subarray(0, n)));
        if (boundaries.has(n)) expect(reason, `prefix ${n}`).toBe('ok');
        else expect(reason, `prefix ${n}`).toMatch(/^(truncated|value)$/);
      }
    });
  }
});

describe('bad headers and lengths', () => {
  it('an unknown magic number', () => {
    expect(reasonOf(readAll(new Uint8Array(24)))).toBe('value');
    expect(reasonOf(readAll(Uint8Array.of(0xa1, 0xb2, 0xc3)))).toBe('value');
  });

  it('a pcap record claiming 4 GiB is truncated, not allocated', () => {
    const b = loadVector('rst.pcap').slice(0, 24 + 16 + 10);
    b.set([0xff, 0xff, 0xff, 0xff], 24 + 8);
    expect(reasonOf(readAll(b))).toBe('truncated');
  });

  it('a pcap timestamp fraction of a whole second', () => {
    const b = loadVector('rst.pcap').slice();
    b.set([0x40, 0x42, 0x0f, 0x00], 24 + 4); // 1000000 µs
    expect(reasonOf(readAll(b))).toBe('value');
  });

  it('pcapng block lengths: huge, under 12, not a multiple of 4, trailer mismatch', () => {
    const base = loadVector('rst.pcapng');
    const shbLen = base[4]!;
    const at = shbLen + 4; // total length of the block after the SHB
    const patch = (v: number[], where = at) => {
      const b = base.slice();
      b.set(v, where);
      return b;
    };
    expect(reasonOf(readAll(patch([0xfc, 0xff, 0xff, 0xff])))).toBe('truncated');
    expect(reasonOf(readAll(patch([8, 0, 0, 0])))).toBe('length');
    expect(reasonOf(readAll(patch([0x1e, 0, 0, 0])))).toBe('length');
    const trailer = at + (base[at]! | (base[at + 1]! << 8)) - 8;
    expect(reasonOf(readAll(patch([0x10, 0, 0, 0], trailer)))).toBe('length');
  });

  it('pcapng: no SHB first, bad byte-order magic, packet on an undeclared interface', () => {
    const base = loadVector('rst.pcapng');
    const shbLen = base[4]!;
    expect(reasonOf(readAll(base.subarray(shbLen)))).toBe('value');
    const badMagic = base.slice();
    badMagic.set([1, 2, 3, 4], 8);
    expect(reasonOf(readAll(badMagic))).toBe('value');
    const idbLen = base[shbLen + 4]!;
    const epb = shbLen + idbLen;
    const badIface = base.slice();
    badIface.set([7, 0, 0, 0], epb + 8);
    expect(reasonOf(readAll(badIface))).toBe('value');
  });

  it('pcapng: unknown blocks are skipped, several sections restart interface numbering', () => {
    const base = loadVector('rst.pcapng');
    const unknown = Uint8Array.of(0x99, 0x99, 0, 0, 16, 0, 0, 0, 1, 2, 3, 4, 16, 0, 0, 0);
    const two = new Uint8Array(base.length * 2 + unknown.length);
    two.set(base);
    two.set(unknown, base.length);
    two.set(base, base.length + unknown.length);
    const packets = [...readCapture(two)];
    expect(packets.map((p) => [p.frame, p.section, p.interfaceId])).toEqual(
      Array.from({ length: 16 }, (_, i) => [i + 1, i < 8 ? 0 : 1, 0]),
    );
  });

  it('link and IP headers: short, bad version, bad IHL, total length below the header', () => {
    expect(reasonOf(() => decodeLink(LinkType.ETHERNET, new Uint8Array(13)))).toBe('truncated');
    expect(reasonOf(() => decodeLink(LinkType.RAW, Uint8Array.of(0x50)))).toBe('value');
    expect(reasonOf(() => decodeLink(999, new Uint8Array(40)))).toBe('value');
    const v4 = Uint8Array.of(0x45, 0, 0, 10, 0, 0, 0, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1);
    expect(reasonOf(() => decodeIpv4(v4))).toBe('length');
    expect(reasonOf(() => decodeIpv4(Uint8Array.of(0x44, ...v4.subarray(1))))).toBe('value');
    expect(reasonOf(() => decodeIpv4(v4.subarray(0, 19)))).toBe('truncated');
    expect(reasonOf(() => decodeIpv6(new Uint8Array(40)))).toBe('value');
  });

  it('random bytes never throw anything but DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 3 }), (tail, kind) => {
        const heads = [
          loadVector('rst.pcap'),
          loadVector('rst.pcapng'),
          loadVector('ipv6.sll2.pcap'),
          new Uint8Array(),
        ];
        const head = heads[kind]!.subarray(0, 24 + (tail.length % 120));
        const b = new Uint8Array(head.length + tail.length);
        b.set(head);
        b.set(tail, head.length);
        expect(reasonOf(readAll(b))).toMatch(/^(ok|truncated|trailing|length|value)$/);
      }),
    );
  });
});

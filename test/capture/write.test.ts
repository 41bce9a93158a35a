/**
 * pcap and pcapng files written by tlswire, from the recorded packets rewritten into every supported
 * link type, read back by tshark without warnings and with the original fields; and by our readers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePacket, readCapture } from '../../src/capture/decode.js';
import { FlowTracker } from '../../src/capture/flow.js';
import { type CapturedPacket, LinkType, type PacketToWrite } from '../../src/capture/packet.js';
import { readPcap, writePcap } from '../../src/capture/pcap.js';
import { readPcapng, writePcapng } from '../../src/capture/pcapng.js';
import { SKIP_TSHARK } from '../support/tshark.js';
import { ourFields } from './fields.js';
import { loadTsv, loadVector, type TsharkRow, tsharkFields } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tlswire-capture-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Rewrite an Ethernet frame's link header for `linkType`. */
function relink(p: CapturedPacket, linkType: number): PacketToWrite {
  const ip = p.data.subarray(14);
  const v6 = ip[0]! >> 4 === 6;
  const withHeader = (h: number[]) => {
    const data = new Uint8Array(h.length + ip.length);
    data.set(h);
    data.set(ip, h.length);
    return { linkType, timestamp: p.timestamp, data, originalLength: p.originalLength - 14 + h.length };
  };
  switch (linkType) {
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return withHeader([]);
    case LinkType.NULL:
      return withHeader(v6 ? [24, 0, 0, 0] : [2, 0, 0, 0]);
    case LinkType.LOOP:
      return withHeader(v6 ? [0, 0, 0, 24] : [0, 0, 0, 2]);
    default:
      // Ethernet with an 802.1Q tag (VLAN 100) inserted after the addresses.
      return withHeader([...p.data.subarray(0, 12), 0x81, 0x00, 0x00, 0x64, p.data[12]!, p.data[13]!]);
  }
}

const FRAME_FIELDS = ['frame.len', 'frame.cap_len'];
const withoutFrameLengths = (r: TsharkRow) =>
  Object.fromEntries(Object.entries(r).filter(([k]) => !FRAME_FIELDS.includes(k)));

const cases: { scenario: string; linkType: number }[] = [
  { scenario: 'client-close', linkType: LinkType.RAW },
  { scenario: 'ipv6', linkType: LinkType.RAW },
  { scenario: 'client-close', linkType: LinkType.IPV4 },
  { scenario: 'ipv6', linkType: LinkType.IPV6 },
  { scenario: 'server-close', linkType: LinkType.NULL },
  { scenario: 'ipv6', linkType: LinkType.NULL },
  { scenario: 'rst', linkType: LinkType.LOOP },
  { scenario: 'ipv6', linkType: LinkType.LOOP },
  { scenario: 'rst', linkType: LinkType.ETHERNET },
];
const formats = [
  { ext: 'pcap', write: (p: PacketToWrite[]) => writePcap(p) },
  { ext: 'be-nano.pcap', write: (p: PacketToWrite[]) => writePcap(p, { byteOrder: 'big', precision: 'nano' }) },
  { ext: 'pcapng', write: (p: PacketToWrite[]) => writePcapng(p) },
  { ext: 'be-micro.pcapng', write: (p: PacketToWrite[]) => writePcapng(p, { byteOrder: 'big', precision: 'micro' }) },
];

function ours(bytes: Uint8Array): TsharkRow[] {
  const tracker = new FlowTracker();
  return [...readCapture(bytes)].map((p) => {
    const d = decodePacket(p);
    return ourFields(d, tracker.add(d)?.index);
  });
}

describe('written captures', () => {
  for (const { scenario, linkType } of cases) {
    for (const f of formats) {
      const name = `${scenario}.link${linkType}.${f.ext}`;
      const original = loadTsv(`${scenario}.pcap`).map(withoutFrameLengths);
      const packets = [...readPcap(loadVector(`${scenario}.pcap`))].map((p) => relink(p, linkType));
      const bytes = f.write(packets);

      it(`${name}: our reader gets the original fields back`, () => {
        expect(ours(bytes).map(withoutFrameLengths)).toEqual(original);
        const back = [...readCapture(bytes)];
        expect(back.map((p) => [p.linkType, p.originalLength, p.data])).toEqual(
          packets.map((p) => [linkType, p.originalLength, p.data]),
        );
      });

      it.skipIf(SKIP_TSHARK)(`${name}: tshark reads it without warnings, same fields`, () => {
        const file = join(dir, name);
        writeFileSync(file, bytes);
        const r = tsharkFields(file);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(r.rows.map(withoutFrameLengths)).toEqual(original);
        expect(r.rows.map((row) => row['frame.len'])).toEqual(packets.map((p) => String(p.originalLength)));
      });
    }
  }

  it.skipIf(SKIP_TSHARK)('SLL and SLL2 recordings re-written as pcapng (both byte orders) read back by tshark', () => {
    for (const link of ['sll', 'sll2']) {
      const packets = [...readPcap(loadVector(`ipv6.${link}.pcap`))];
      for (const byteOrder of ['little', 'big'] as const) {
        const file = join(dir, `ipv6.${link}.${byteOrder}.pcapng`);
        writeFileSync(file, writePcapng(packets, { byteOrder }));
        const r = tsharkFields(file);
        expect([r.status, r.stderr]).toEqual([0, '']);
        expect(r.rows).toEqual(loadTsv(`ipv6.${link}.pcap`));
      }
    }
  });

  it('a pcapng with two link types gets two interfaces; the packets keep their order', () => {
    const eth = [...readPcap(loadVector('client-close.pcap'))];
    const mixed = eth.map((p, i) => (i % 2 ? relink(p, LinkType.RAW) : p));
    const back = [...readPcapng(writePcapng(mixed))];
    expect(back.map((p) => [p.frame, p.interfaceId, p.linkType, p.timestamp])).toEqual(
      mixed.map((p, i) => [i + 1, i % 2, p.linkType, p.timestamp]),
    );
  });

  it('the snap length cuts packets and keeps their original length', () => {
    const eth = [...readPcap(loadVector('client-close.pcap'))];
    for (const bytes of [writePcap(eth, { snaplen: 60 }), writePcapng(eth, { snaplen: 60 })]) {
      const back = [...readCapture(bytes)];
      expect(back.map((p) => [p.data.length, p.originalLength, p.truncated])).toEqual(
        eth.map((p) => [Math.min(60, p.data.length), p.originalLength, p.data.length > 60]),
      );
      // 60 bytes hold Ethernet, IPv4 and the fixed TCP header, not the whole option area
      const cut = back.filter((p) => p.truncated).map((p) => decodePacket(p));
      expect(cut.length).toBeGreaterThan(0);
      expect(new Set(cut.map((d) => [d.notTcp, d.truncation?.optionsMissing, d.tcp?.payload.length].join()))).toEqual(
        new Set([',true,0']),
      );
    }
  });
});

/**
 * Every recorded kernel TCP session (vectors/tcp/, see vectors/README.md), in every file format and
 * link type recorded, decodes to exactly tshark's fields: frame, IPv4/IPv6 and TCP header fields,
 * checksum verification status, every option value and the stream index.
 */
import { describe, expect, it } from 'vitest';
import { decodePacket, readCapture } from '../../src/capture/decode.js';
import { FlowTracker } from '../../src/capture/flow.js';
import { LinkType } from '../../src/capture/packet.js';
import { readPcap } from '../../src/capture/pcap.js';
import { ourFields } from './fields.js';
import { CAPTURE_FILES, loadTsv, loadVector } from './helpers.js';

describe('recorded TCP vectors decode to tshark fields', () => {
  for (const name of CAPTURE_FILES) {
    it(name, () => {
      const expected = loadTsv(name);
      const tracker = new FlowTracker();
      const rows = [...readCapture(loadVector(name))].map((p) => {
        const d = decodePacket(p);
        const conn = tracker.add(d);
        return ourFields(d, conn?.index);
      });
      expect(rows.length).toBe(expected.length);
      rows.forEach((row, i) => {
        expect(row).toEqual(expected[i]);
      });
    });
  }
});

describe('recorded file headers', () => {
  it('link types and timestamp precision are those tcpdump wrote', () => {
    const linkOf = (n: string) => [...readCapture(loadVector(n))][0]?.linkType;
    expect(linkOf('client-close.pcap')).toBe(LinkType.ETHERNET);
    expect(linkOf('client-close.sll.pcap')).toBe(LinkType.LINUX_SLL);
    expect(linkOf('client-close.sll2.pcap')).toBe(LinkType.LINUX_SLL2);
    expect(linkOf('client-close.nano.pcapng')).toBe(LinkType.ETHERNET);
    const micro = [...readPcap(loadVector('client-close.pcap'))];
    expect(micro.every((p) => p.timestamp % 1000n === 0n)).toBe(true);
    expect(micro.every((p) => !p.truncated && p.interfaceId === 0 && p.section === 0)).toBe(true);
  });
});

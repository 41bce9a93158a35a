/**
 * `tlswire pcap` on header-only captures (vectors/capture/header-96.pcap, header-54.pcap: tcpdump
 * -s 96 / -s 54): every segment line carries tshark's summary, plus our mark of what the snap length
 * cut off; the JSON carries both lengths. tshark runs in the test; without it these tests are
 * skipped, except in CI where they fail.
 */
import { describe, expect, it } from 'vitest';
import { pcapCommand } from '../../src/cli/pcap.js';
import { SKIP_TSHARK } from '../support/tshark.js';
import { capture, tsharkFields, VECTORS } from './helpers.js';

const FIELDS = ['frame.len', 'frame.cap_len', 'tcp.srcport', 'tcp.dstport', 'tcp.len', 'tcp.hdr_len', '_ws.col.Info'];
const MARK = / \[snap length: (\d+) of (\d+) payload bytes captured(; options not captured)?\]/;
const LINE = /^ *(\d+) {2}(\d+\.\d{9}) {2}(\S+):(\d+) → (\S+):(\d+) {2}(.*) {2}\(raw (.*)\)$/;

describe.skipIf(SKIP_TSHARK)('tlswire pcap on header-only captures', () => {
  for (const [name, snap] of [
    ['header-96', 96],
    ['header-54', 54],
  ] as const) {
    const file = `${VECTORS}capture/${name}.pcap`;
    it(`${name}: tshark's summary, and the cut marked with both lengths`, () => {
      const rows = tsharkFields(file, FIELDS, ['--disable-protocol', 'tls']);
      const io = capture();
      expect(pcapCommand([file, '--tcp'], io)).toBe(0);
      expect(io.stdout).toHaveLength(rows.length);
      rows.forEach((t, i) => {
        const m = LINE.exec(io.stdout[i]!)!;
        const summary = m[7]!;
        const info = t['_ws.col.Info']!.replace('[Packet size limited during capture]', '');
        expect(summary.replace(MARK, '')).toBe(info.slice(`${t['tcp.srcport']} → ${t['tcp.dstport']} `.length));
        const headers = 14 + 20 + Number(t['tcp.hdr_len']);
        const payloadCut = Number(t['frame.len']) > Number(t['frame.cap_len']) && Number(t['tcp.len']) > 0;
        const cut = MARK.exec(summary);
        expect(cut !== null, io.stdout[i]).toBe(payloadCut || headers > snap);
        if (cut) {
          expect(Number(cut[1])).toBe(Math.max(0, snap - headers));
          expect(cut[2]).toBe(t['tcp.len']);
          expect(cut[3] !== undefined).toBe(headers > snap);
        }
      });
    });
  }
  it('--json: payloadLength is the length on the wire; truncated gives both lengths', () => {
    const io = capture();
    expect(pcapCommand([`${VECTORS}capture/header-96.pcap`, '--json', '--tcp'], io)).toBe(0);
    const hello = JSON.parse(io.stdout[3]!) as Record<string, unknown>;
    expect([hello.payloadLength, hello.truncated]).toEqual([243, { captured: 30, length: 243, optionsMissing: false }]);
    const syn = JSON.parse(io.stdout[0]!) as Record<string, unknown>;
    expect(syn.truncated).toBeUndefined();
  });
  it('-s 54: window scaling stays unknown when the SYN options were not captured', () => {
    const io = capture();
    expect(pcapCommand([`${VECTORS}capture/header-54.pcap`, '--json', '--tcp'], io)).toBe(0);
    const ack = JSON.parse(io.stdout[2]!) as Record<string, unknown>;
    expect([ack.windowScaleFactor, ack.windowScaled]).toEqual([null, 64]);
  });
});

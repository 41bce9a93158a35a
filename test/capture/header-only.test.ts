/**
 * Header-only captures (vectors/capture/header-96.pcap, header-54.pcap: tcpdump -s 96 / -s 54 of one
 * TLS 1.3 connection, recorded with header-full.pcap at the same time): every header captured decodes
 * to exactly tshark's fields, the payload is marked truncated with both lengths, and reassembly
 * reports the cut-off bytes as `snaplen` gaps at the offsets the full capture has them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DecodedPacket, decodePacket, readCapture } from '../../src/capture/decode.js';
import { FlowTracker, type StreamDirection, type TcpConnection } from '../../src/capture/flow.js';
import { analyzeTls } from '../../src/decrypt/analyze.js';
import { parseTsv } from '../support/tshark.js';
import { ourFields } from './fields.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../vectors/capture');
const NAMES = ['header-96', 'header-54', 'header-full'] as const;

function decodeAll(name: string): {
  packets: DecodedPacket[];
  conns: TcpConnection[];
  streams: (number | undefined)[];
} {
  const tracker = new FlowTracker();
  const packets: DecodedPacket[] = [];
  const streams: (number | undefined)[] = [];
  for (const p of readCapture(new Uint8Array(readFileSync(join(DIR, `${name}.pcap`))))) {
    const d = decodePacket(p);
    packets.push(d);
    streams.push(tracker.add(d)?.index);
  }
  return { packets, conns: tracker.finish(), streams };
}

describe('header-only captures decode to tshark fields', () => {
  for (const name of NAMES) {
    it(name, () => {
      const expected = parseTsv(readFileSync(join(DIR, `${name}.pcap.tsv`), 'utf8'));
      const { packets, streams } = decodeAll(name);
      expect(packets.length).toBe(expected.length);
      packets.forEach((d, i) => {
        expect(ourFields(d, streams[i])).toEqual(expected[i]);
      });
    });
  }
});

describe('truncation', () => {
  it('-s 96: options whole, payload cut, both lengths given', () => {
    const { packets } = decodeAll('header-96');
    const hello = packets[3]!; // the ClientHello: 243 bytes on the wire, 96 − 14 − 20 − 32 = 30 captured
    expect(hello.truncation).toEqual({ captured: 30, length: 243, optionsMissing: false });
    expect(hello.tcp!.payload.length).toBe(30);
    expect(hello.tcp!.options.some((o) => o.kind === 'timestamps')).toBe(true);
    expect(packets[0]!.truncation).toBeUndefined(); // the SYN fits in 96 bytes
  });
  it('-s 54: the fixed TCP header only, options missing', () => {
    const { packets } = decodeAll('header-54');
    expect(packets[0]!.truncation).toEqual({ captured: 0, length: 0, optionsMissing: true });
    expect(packets[0]!.tcp!.dataOffset).toBe(10);
    expect(packets[0]!.tcp!.options).toEqual([]);
    expect(packets[3]!.truncation).toEqual({ captured: 0, length: 243, optionsMissing: true });
  });
});

/** Each direction laid out as runs: [offset, length, 'data' | reason]. */
function layout(d: StreamDirection): [number, number, string][] {
  const runs: [number, number, string][] = [
    ...d.chunks.map((c) => [c.offset, c.data.length, 'data'] as [number, number, string]),
    ...d.gaps.map((g) => [g.offset, g.length, g.reason] as [number, number, string]),
  ];
  return runs.sort((a, b) => a[0] - b[0]);
}

describe('reassembly of header-only captures', () => {
  const full = decodeAll('header-full').conns[0]!;
  for (const name of ['header-96', 'header-54']) {
    it(`${name}: streams as long as the full capture's, captured bytes equal, the rest snaplen gaps`, () => {
      const conn = decodeAll(name).conns[0]!;
      for (const dir of ['toServer', 'toClient'] as const) {
        const ours = conn[dir];
        const runs = layout(ours);
        let at = 0;
        for (const [offset, length] of runs) {
          expect(offset).toBe(at);
          at += length;
        }
        const fullLength = full[dir].chunks.reduce((n, c) => n + c.data.length, 0);
        expect(at).toBe(fullLength);
        expect(ours.gaps.length).toBeGreaterThan(0);
        expect(ours.gaps.every((g) => g.reason === 'snaplen' && g.frame !== undefined)).toBe(true);
        const whole = new Uint8Array(fullLength);
        for (const c of full[dir].chunks) whole.set(c.data, c.offset);
        for (const c of ours.chunks) expect(c.data).toEqual(whole.subarray(c.offset, c.offset + c.data.length));
        expect(ours.finished).toBe(full[dir].finished);
      }
    });
  }
  it('header-96: the TLS analysis stops each direction at the first missing range and says so', () => {
    const conn = decodeAll('header-96').conns[0]!;
    const report = analyzeTls(conn);
    const notes = report.events.flatMap((e) => (e.kind === 'note' ? [e.text] : []));
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.every((t) => /stream bytes missing at offset \d+/.test(t))).toBe(true);
  });

  // The frames tshark lists for `frame.cap_len < frame.len && tcp.len > 0`: 4 (client, 243 bytes sent,
  // 30 captured at -s 96) and 6 (server, 1472 sent).
  it('header-96: each stop names the snap length and the frame that was cut', () => {
    const report = analyzeTls(decodeAll('header-96').conns[0]!);
    expect(report.events.flatMap((e) => (e.kind === 'note' ? [[e.direction, e.frame, e.text]] : []))).toEqual([
      [
        'C>S',
        4,
        "213 stream bytes missing at offset 30 (cut off by the capture's snap length in frame 4): TLS decoding stops",
      ],
      [
        'S>C',
        6,
        "1442 stream bytes missing at offset 30 (cut off by the capture's snap length in frame 6): TLS decoding stops",
      ],
    ]);
  });

  it('header-54: no payload byte captured, and the report says the snap length is why', () => {
    expect(analyzeTls(decodeAll('header-54').conns[0]!).notTls).toBe(
      "no payload captured (cut off by the capture's snap length in frame 4)",
    );
  });
});

/**
 * The encapsulated and fragmented captures of vectors/capture/ (see its README) decode to exactly
 * tshark's fields: QinQ (802.1ad and 802.1Q outer tags), PPPoE, GRE, GRE-TAP, ERSPAN II / III, and
 * real IPv4 fragments reassembled (tshark shows the reassembled TCP segment in the last fragment).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PacketDecoder, readCapture } from '../../src/capture/decode.js';
import { FlowTracker, streamBytes } from '../../src/capture/flow.js';
import { parseTsv } from '../support/tshark.js';
import { encapFields } from './encap-fields.js';
import { pattern } from './helpers.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../vectors/capture');
const load = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));

/** Keep the first `n` occurrences of each comma-joined cell (tshark also decodes the IP header an ICMP error quotes). */
function firstOccurrences(row: Record<string, string>, ours: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(row)) {
    const n = ours[k] === '' ? 0 : ours[k]!.split(',').length;
    out[k] = n === 0 ? v : v.split(',').slice(0, n).join(',');
  }
  return out;
}

function decodeAll(name: string) {
  const decoder = new PacketDecoder();
  const tracker = new FlowTracker();
  const rows = [...readCapture(load(name))].map((p) => {
    const d = decoder.decode(p);
    return { d, row: encapFields(d, tracker.add(d)?.index) };
  });
  return { rows, conns: tracker.finish() };
}

const FILES = ['session', 'qinq', 'qinq-8100', 'pppoe', 'gre', 'gretap', 'erspan2', 'erspan3', 'fragments'];

describe('encapsulated captures decode to tshark fields', () => {
  for (const name of FILES) {
    it(name, () => {
      const expected = parseTsv(readFileSync(join(DIR, `${name}.pcap.tsv`), 'utf8'));
      const { rows } = decodeAll(`${name}.pcap`);
      expect(rows.length).toBe(expected.length);
      rows.forEach(({ row }, i) => {
        const want = name === 'fragments' ? firstOccurrences(expected[i]!, row) : expected[i]!;
        expect(row).toEqual(want);
      });
    });
  }
});

describe('streams inside the encapsulations', () => {
  const request = new TextEncoder().encode('GET /hello HTTP/1.0\r\nHost: localhost\r\n\r\n');
  for (const name of FILES.filter((n) => n !== 'fragments')) {
    it(`${name}: the IPv4 session's request and pattern arrive whole`, () => {
      const { conns } = decodeAll(`${name}.pcap`);
      expect(conns.length).toBe(name === 'session' ? 1 : 2);
      const up = streamBytes(conns[0]!.toServer);
      expect(up.subarray(0, request.length)).toEqual(request);
      expect(up.subarray(request.length)).toEqual(pattern(0x1234, 3000));
      expect(conns[0]!.toServer.gaps).toEqual([]);
    });
  }
  it('fragments: the TCP stream sent in fragments is reassembled in both directions', () => {
    const { conns } = decodeAll('fragments.pcap');
    expect(conns.length).toBe(1);
    const up = streamBytes(conns[0]!.toServer);
    expect(up.subarray(request.length)).toEqual(pattern(0x1234, 3000));
    expect(streamBytes(conns[0]!.toClient).subarray(-3000)).toEqual(pattern(0x5678, 3000));
    expect(conns[0]!.toServer.gaps).toEqual([]);
    expect(conns[0]!.toClient.gaps).toEqual([]);
  });
  it('fragments: the UDP datagram, fragmented twice, is reassembled to its 3000 bytes', () => {
    const { rows } = decodeAll('fragments.pcap');
    const done = rows.flatMap(({ d }) => (d.fragment?.status === 'complete' && d.ip?.protocol === 17 ? [d] : []));
    expect(done.length).toBe(1);
    const f = done[0]!.fragment as { payload: Uint8Array; frames: number[] };
    expect(f.frames).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(f.payload.subarray(8)).toEqual(pattern(0x9abc, 3000));
  });
});

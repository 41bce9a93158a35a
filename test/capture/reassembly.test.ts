/**
 * Reassembled streams of the recorded sessions equal the bytes scripts/tcp-traffic.py sent and
 * tshark's `follow,tcp,raw` output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { decodePacket, readCapture } from '../../src/capture/decode.js';
import { streamBytes, type TcpConnection, trackConnections } from '../../src/capture/flow.js';
import { SKIP_TSHARK, tshark } from '../support/tshark.js';
import { loadVector, parseFollow, pattern, REQUEST, RESPONSE, SCENARIOS, SECOND, VECTORS } from './helpers.js';

const text = (s: string) => new TextEncoder().encode(s);
const connections = (name: string): TcpConnection[] =>
  trackConnections([...readCapture(loadVector(name))].map(decodePacket));

describe('reassembled streams', () => {
  for (const scenario of ['client-close', 'server-close', 'ipv6'] as const) {
    for (const variant of ['pcap', 'sll2.pcap', 'nano.pcapng']) {
      it(`${scenario}.${variant}: the script's messages, both directions, both FINs`, () => {
        const [c, ...rest] = connections(`${scenario}.${variant}`);
        expect(rest).toEqual([]);
        expect(toHex(streamBytes(c!.toServer))).toBe(toHex(text(REQUEST + SECOND)));
        expect(toHex(streamBytes(c!.toClient))).toBe(toHex(text(RESPONSE)));
        expect(c!.toServer.chunks.map((k) => k.offset)).toEqual([0, REQUEST.length]);
        expect([c!.toServer.finished, c!.toClient.finished, c!.reset, c!.handshakeSeen]).toEqual([
          true,
          true,
          false,
          true,
        ]);
        expect(c!.client.port).not.toBe(c!.server.port);
        expect(c!.server).toEqual({
          address: scenario === 'ipv6' ? '::1' : '127.0.0.1',
          port: { 'client-close': 40001, 'server-close': 40002, ipv6: 40004 }[scenario],
        });
        expect(c!.segments.length).toBe(11);
        expect(c!.toServer.gaps).toEqual([]);
      });
    }
  }

  it('server-close: the server FIN comes first', () => {
    const [c] = connections('server-close.pcap');
    const fins = c!.segments.filter((s) => s.tcp.flags & 1).map((s) => s.fromClient);
    expect(fins).toEqual([false, true]);
  });

  it('rst: an aborted connection and a refused SYN are two connections, both reset', () => {
    const conns = connections('rst.pcap');
    expect(conns.map((c) => [c.index, c.reset, streamBytes(c.toServer).length, c.segments.length])).toEqual([
      [0, true, REQUEST.length, 6],
      [1, true, 0, 2],
    ]);
  });

  it('bulk: 200000 pattern bytes up, 20000 down, frame numbers in order', () => {
    const [c, ...rest] = connections('bulk.pcap');
    expect(rest).toEqual([]);
    expect(streamBytes(c!.toServer)).toEqual(pattern(0x1234, 200000));
    expect(streamBytes(c!.toClient)).toEqual(pattern(0x5678, 20000));
    const frames = c!.toServer.chunks.map((k) => k.frame);
    expect(frames).toEqual([...frames].sort((a, b) => a - b));
    expect(
      c!.toServer.chunks.every((k, i, all) => i === 0 || k.offset === all[i - 1]!.offset + all[i - 1]!.data.length),
    ).toBe(true);
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario}: equal to the committed tshark follow,tcp,raw`, () => {
      const follow = parseFollow(readFileSync(join(VECTORS, `${scenario}.follow.txt`), 'utf8'));
      const conns = connections(`${scenario}.pcap`);
      expect(
        conns.map((c) => ({ node0: toHex(streamBytes(c.toServer)), node1: toHex(streamBytes(c.toClient)) })),
      ).toEqual(follow);
    });
  }

  it.skipIf(SKIP_TSHARK)('bulk: equal to tshark follow,tcp,raw run now', () => {
    const r = tshark(['-r', join(VECTORS, 'bulk.pcap'), '-q', '-z', 'follow,tcp,raw,0']);
    expect(r.status).toBe(0);
    const [f] = parseFollow(r.stdout);
    expect(fromHex(f!.node0)).toEqual(pattern(0x1234, 200000));
    expect(fromHex(f!.node1)).toEqual(pattern(0x5678, 20000));
  });
});

/**
 * `tlswire pcap` connection summaries: printed after the TLS view by default, alone with --summary,
 * as `type: 'connection'` objects with --json; and tshark's analysis labels on the segment lines of an
 * impaired-path capture (vectors/tcp-analysis/loss.pcap).
 */
import { describe, expect, it } from 'vitest';
import { pcapCommand } from '../../src/cli/pcap.js';
import { capture } from './helpers.js';

const VECTORS = new URL('../../vectors/', import.meta.url).pathname;

describe('tlswire pcap summaries', () => {
  it('--summary: only the summary, with the diagnosis', () => {
    const io = capture();
    expect(pcapCommand([`${VECTORS}diagnosis/no-common-version.pcap`, '--summary'], io)).toBe(0);
    expect(io.stderr).toEqual([]);
    expect(io.stdout[0]).toBe('summary of 1 connection:');
    expect(io.stdout[1]).toMatch(/^connection 0: 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:47302$/);
    expect(io.stdout.slice(2)).toEqual([
      '  TCP       SYN answered by SYN-ACK; handshake RTT 0.025 ms; closed first by the server (FIN); 0 retransmissions, 0 resets',
      '  TLS       no ServerHello; client offered up to TLS 1.0; SNI localhost; not resumed; 0-RTT not offered; not established',
      '  timeline  TCP established 0.025 ms (1 RTT)',
      '  FAILED    negotiation: server answered the ClientHello with fatal protocol_version: no common version: client offered TLS 1.0 at most (frame 6)',
      '  hint      TLS 1.0 and 1.1 are deprecated (RFC 8996); enable TLS 1.2 or 1.3 on the client',
    ]);
  });

  it('default output ends with the summary; --json carries it as a connection object', () => {
    const text = capture();
    expect(pcapCommand([`${VECTORS}diagnosis/refused.pcap`], text)).toBe(0);
    expect(text.stdout.slice(-6)).toEqual([
      '',
      'summary of 1 connection:',
      'connection 0: 127.0.0.1:40660 -> 127.0.0.1:47308',
      '  TCP       SYN answered by RST (refused); closed first by the server (RST); 0 retransmissions, 1 reset',
      '  FAILED    TCP connect: connection refused: the server answered the SYN with RST (nothing listens on port 47308, or a firewall rejects it)',
      '  hint      check the address and port, and that the server is running',
    ]);
    const json = capture();
    expect(pcapCommand([`${VECTORS}diagnosis/refused.pcap`, '--json'], json)).toBe(0);
    const last = JSON.parse(json.stdout.at(-1)!);
    expect(last).toMatchObject({ type: 'connection', index: 0, failure: { stage: 'TCP connect', from: 'server' } });
  });

  it('--tcp has no summary; segment lines carry the analysis labels', () => {
    const io = capture();
    expect(pcapCommand([`${VECTORS}tcp-analysis/loss.pcap`, '--tcp'], io)).toBe(0);
    expect(io.stdout.some((l) => l.startsWith('summary'))).toBe(false);
    const labels = io.stdout.flatMap((l) =>
      [...l.matchAll(/\[(TCP [^\]]*)\]/g)].map((m) => m[1]!.replace(/ \d+#\d+$/, '')),
    );
    const count = (x: string) => labels.filter((l) => l === x).length;
    expect([count('TCP Fast Retransmission'), count('TCP Retransmission'), count('TCP Dup ACK')]).toEqual([3, 1, 29]);
  });
});

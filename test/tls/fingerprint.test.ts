/**
 * JA3, JA3S and JA4 (src/tls/fingerprint.ts) against the specifications' own worked examples
 * (shared/specs/ja3/README.md, shared/specs/ja4/JA4.md) and against independent implementations on
 * real peers' hellos: TShark 4.0's `tls.handshake.ja3_full/ja3/ja3s_full/ja3s` for every ClientHello and
 * ServerHello, and the read-tls-client-hello npm package's JA4 for each connection's first ClientHello
 * (vectors/fingerprint/*.ja3.tsv, *.ja4.tsv, made by scripts/record-fingerprint-vectors.sh; TShark 4.0
 * has no JA4 field). Where tshark is installed (always in CI) the committed JA3 rows are also checked
 * against what tshark reads from the captures today.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePacket, readCapture } from '../../src/capture/decode.js';
import { streamBytes, trackConnections } from '../../src/capture/flow.js';
import { ContentType } from '../../src/tls/enums.js';
import type { Extension } from '../../src/tls/extensions.js';
import { ja3, ja3s, ja4 } from '../../src/tls/fingerprint.js';
import { HandshakeReassembler } from '../../src/tls/handshake-framing.js';
import { decodeHandshake } from '../../src/tls/messages/handshake.js';
import type { ClientHello, ServerHello } from '../../src/tls/messages/hello.js';
import { RecordDeframer } from '../../src/tls/record.js';
import { fieldsArgs, parseTsv, SKIP_TSHARK, tsharkOutput } from '../support/tshark.js';

const EMPTY = new Uint8Array(0);

function unknown(type: number): Extension {
  return { kind: 'unknown', type, data: EMPTY };
}

/** A ClientHello with the given lists; extension types become opaque extensions unless given decoded. */
function clientHello(version: number, cipherSuites: number[], extensions: (number | Extension)[]): ClientHello {
  return {
    type: 'client_hello',
    version,
    random: new Uint8Array(32),
    sessionId: EMPTY,
    cipherSuites,
    compressionMethods: [0],
    extensions: extensions.map((e) => (typeof e === 'number' ? unknown(e) : e)),
  };
}

describe('the specifications’ examples', () => {
  it('JA3 README: both example strings and their MD5', () => {
    const a = clientHello(
      769,
      [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
      [
        0,
        { kind: 'supported_groups', groups: [23, 24, 25], data: EMPTY },
        { kind: 'ec_point_formats', formats: [0], data: EMPTY },
      ],
    );
    expect(ja3(a)).toEqual({
      string: '769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0',
      hash: 'ada70206e40642a3e4461f35503241d5',
    });
    const b = clientHello(769, [4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99], []);
    expect(ja3(b)).toEqual({ string: '769,4-5-10-9-100-98-3-6-19-18-99,,,', hash: 'de350869b8c85de67a350c8d186f11e6' });
    expect(ja3({ ...b, extensions: undefined }).string).toBe('769,4-5-10-9-100-98-3-6-19-18-99,,,');
  });

  it('JA3 and JA3S leave GREASE out of every list', () => {
    const hello = clientHello(
      771,
      [0x0a0a, 0x1301],
      [0x1a1a, { kind: 'supported_groups', groups: [0x2a2a, 29], data: EMPTY }],
    );
    expect(ja3(hello).string).toBe('771,4865,10,29,');
    const server: ServerHello = {
      type: 'server_hello',
      version: 0x0303,
      random: new Uint8Array(32),
      sessionId: EMPTY,
      cipherSuite: 0x1301,
      compressionMethod: 0,
      extensions: [unknown(0x3a3a), unknown(43), unknown(51)],
      isHelloRetryRequest: false,
    } as ServerHello;
    expect(ja3s(server).string).toBe('771,4865,43-51');
  });

  // JA4.md "Example" and "Raw Output": 15 suites, 16 extensions, ALPN h2, eight signature algorithms.
  const ciphers = [
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
    0x0035,
  ];
  const sigalgs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
  const decoded: Record<number, Extension> = {
    0: { kind: 'server_name', names: [{ type: 0, name: 'example.com' }], data: EMPTY },
    16: { kind: 'application_layer_protocol_negotiation', protocols: ['h2', 'http/1.1'], data: EMPTY },
    13: { kind: 'signature_algorithms', schemes: [0x0a0a, ...sigalgs], data: EMPTY },
    43: { kind: 'supported_versions', form: 'client_hello', versions: [0x5a5a, 0x0304, 0x0303], data: EMPTY },
  } as Record<number, Extension>;
  const extensions = [
    0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b,
    0x000a, 0x0015,
  ].map((t) => decoded[t] ?? t);
  const example = clientHello(0x0303, [0x0a0a, ...ciphers], [0x2a2a, ...extensions]);

  it('JA4.md: JA4, JA4_r, JA4_o and JA4_ro of its example (the text, not the diagram)', () => {
    expect(ja4(example)).toEqual({
      // The diagram shows t13d1516h2_acb858a92679_e5627efa2ab1, mixing JA4_o's cipher hash in; the text wins.
      ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1',
      ja4_r:
        't13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601',
      ja4_o: 't13d1516h2_acb858a92679_18f69afefd3d',
      ja4_ro:
        't13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_0403,0804,0401,0503,0805,0501,0806,0601',
    });
    expect(ja4(example, { transport: 'quic' }).ja4).toBe('q13d1516h2_8daaf6152771_e5627efa2ab1');
  });

  it('JA4.md: no signature algorithms → no underscore (6d807ffa2a79); no ciphers/extensions → zeros', () => {
    // The text's value is for the list with 000d still present: rebuild it with an opaque 000d.
    const opaqueSig = {
      ...example,
      extensions: example.extensions!.map((e) => (e.kind === 'signature_algorithms' ? unknown(0x000d) : e)),
    };
    expect(ja4(opaqueSig).ja4).toBe('t13d1516h2_8daaf6152771_6d807ffa2a79');
    const bare = clientHello(0x0301, [], []);
    expect(ja4(bare).ja4).toBe('t10i000000_000000000000_000000000000');
    expect(ja4({ ...bare, version: 0x1234 }).ja4.slice(0, 3)).toBe('t00');
  });

  it('JA4.md: the ALPN rules, with every hex example of the text', () => {
    const alpn = (bytes: number[] | null): string => {
      const exts: Extension[] = bytes
        ? [
            {
              kind: 'application_layer_protocol_negotiation',
              protocols: [String.fromCharCode(...bytes)],
              data: EMPTY,
            },
          ]
        : [];
      return ja4(clientHello(0x0303, [0x1301], exts)).ja4.slice(8, 10);
    };
    expect(alpn(null)).toBe('00');
    expect(alpn([])).toBe('00');
    expect(alpn([0x68, 0x32])).toBe('h2');
    expect(alpn([...'http/1.1'].map((c) => c.charCodeAt(0)))).toBe('h1');
    expect(alpn([0x68])).toBe('hh');
    expect(alpn([0xab])).toBe('ab');
    expect(alpn([0x20])).toBe('20');
    expect(alpn([0xab, 0xcd])).toBe('ad');
    expect(alpn([0x20, 0x61])).toBe('21');
    expect(alpn([0x30, 0xab])).toBe('3b');
    expect(alpn([0x61, 0x20])).toBe('60');
    expect(alpn([0x30, 0x31, 0xab, 0xcd])).toBe('3d');
    expect(alpn([0x30, 0xab, 0xcd, 0x31])).toBe('01');
  });

  it('JA4: counts stop at 99; SCSVs count; the version is the highest supported_versions value', () => {
    const many = Array.from({ length: 120 }, (_, i) => i + 1);
    const hello = clientHello(0x0303, [...many, 0x00ff, 0x5600], [
      { kind: 'supported_versions', form: 'client_hello', versions: [0x0303, 0x0304, 0xfafa], data: EMPTY },
    ] as Extension[]);
    expect(ja4(hello).ja4.slice(0, 10)).toBe('t13i990100');
    expect(ja4(hello).ja4_r).toContain(',00ff,');
  });
});

// ---------------------------------------------------------------------------------------------------
// Real peers

interface Capture {
  file: string;
  /** The fingerprint files' base name. */
  name: string;
  version: 'tls12' | 'tls13';
}

const TLS = new URL('../../vectors/tls/', import.meta.url);
const FP = new URL('../../vectors/fingerprint/', import.meta.url);

const CAPTURES: Capture[] = [
  ...[
    'openssl-tls13',
    'openssl-tls13-hrr',
    'openssl-tls13-ipv6',
    'gnutls-tls13',
    'node-tls13.pcapng',
    'openssl-tls12-ecdhe-ecdsa',
    'openssl-tls12-ecdhe-rsa',
    'openssl-tls12-rsa',
    'openssl-tls12-resume-sessionid',
    'openssl-tls12-resume-ticket',
    'openssl-tls12-client-auth',
    'openssl-tls12-fragmented',
    'gnutls-tls12',
    'node-tls12.pcapng',
  ].map((f) => {
    const name = f.replace(/\.pcapng$/, '');
    return {
      file: new URL(f.endsWith('.pcapng') ? f : `${f}.pcap`, TLS).pathname,
      name,
      version: name.includes('tls13') ? ('tls13' as const) : ('tls12' as const),
    };
  }),
  ...['openssl-default', 'openssl-legacy', 'gnutls', 'curl', 'curl-ip'].map((name) => ({
    file: new URL(`${name}.pcap`, FP).pathname,
    name,
    version: name === 'openssl-legacy' ? ('tls12' as const) : ('tls13' as const),
  })),
];

interface Hello {
  stream: number;
  hello: ClientHello | ServerHello;
}

/** Every ClientHello and ServerHello in the capture, per connection, client's first. */
function hellosOf(c: Capture): Hello[] {
  const bytes = new Uint8Array(readFileSync(c.file));
  const out: Hello[] = [];
  for (const conn of trackConnections(Array.from(readCapture(bytes), decodePacket))) {
    for (const d of [conn.toServer, conn.toClient]) {
      const deframer = new RecordDeframer();
      deframer.push(streamBytes(d));
      const reassembler = new HandshakeReassembler();
      let protectedHandshake = false;
      for (let r = deframer.next(); r; r = deframer.next()) {
        if (r.type === ContentType.change_cipher_spec) {
          deframer.setLimits({ protection: c.version === 'tls13' ? 'tls13-protected' : 'tls12-protected' });
          protectedHandshake = c.version === 'tls12';
        }
        if (r.type !== ContentType.handshake || protectedHandshake) continue;
        reassembler.push(r.fragment);
        for (let m = reassembler.next(); m; m = reassembler.next()) {
          if (m.raw[0] !== 1 && m.raw[0] !== 2) continue;
          const hello = decodeHandshake(m.raw, { version: c.version }) as ClientHello | ServerHello;
          out.push({ stream: conn.index, hello });
        }
      }
    }
  }
  return out;
}

function ja3Rows(name: string): string[][] {
  const rows = parseTsv(readFileSync(new URL(`${name}.ja3.tsv`, FP), 'utf8'));
  return rows.map((r) => [
    r['tcp.stream']!,
    // A frame can carry several handshake messages (`2;11;12;14`): the hello is the one with a JA3(S).
    r['tls.handshake.ja3_full'] ? '1' : '2',
    r['tls.handshake.ja3_full'] || r['tls.handshake.ja3s_full']!,
    r['tls.handshake.ja3'] || r['tls.handshake.ja3s']!,
  ]);
}

describe.each(CAPTURES)('$name', (c) => {
  const hellos = hellosOf(c);

  it('JA3 of every ClientHello and JA3S of every ServerHello equal TShark’s', () => {
    const ours = hellos.map(({ stream, hello }) => {
      const f = hello.type === 'client_hello' ? ja3(hello) : ja3s(hello);
      return [String(stream), hello.type === 'client_hello' ? '1' : '2', f.string, f.hash];
    });
    const theirs = ja3Rows(c.name);
    expect(theirs.length).toBeGreaterThanOrEqual(2);
    // TShark lists rows in frame order; sort both by stream, then type, stably.
    const order = (rows: string[][]) =>
      [...rows].sort((x, y) => Number(x[0]) - Number(y[0]) || x[1]!.localeCompare(y[1]!));
    expect(order(ours)).toEqual(order(theirs));
  });

  it('JA4 of each connection’s first ClientHello equals read-tls-client-hello’s', () => {
    const theirs = parseTsv(readFileSync(new URL(`${c.name}.ja4.tsv`, FP), 'utf8'));
    expect(theirs.length).toBeGreaterThan(0);
    for (const row of theirs) {
      const first = hellos.find((h) => h.stream === Number(row.stream) && h.hello.type === 'client_hello');
      expect(ja4(first!.hello as ClientHello).ja4).toBe(row.ja4);
    }
  });

  it.skipIf(SKIP_TSHARK)('the committed JA3 rows are what tshark reads today', () => {
    const out = tsharkOutput([
      '-r',
      c.file,
      '-Y',
      'tls.handshake.type == 1 || tls.handshake.type == 2',
      ...fieldsArgs([
        'frame.number',
        'tcp.stream',
        'tls.handshake.type',
        'tls.handshake.ja3_full',
        'tls.handshake.ja3',
        'tls.handshake.ja3s_full',
        'tls.handshake.ja3s',
      ]).map((a) => (a === 'aggregator=,' ? 'aggregator=;' : a)),
    ]);
    expect(out).toBe(readFileSync(new URL(`${c.name}.ja3.tsv`, FP), 'utf8'));
  });
});

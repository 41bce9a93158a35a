/**
 * Decoder targets: TCP segments (RFC 9293 §3.1), pcap and pcapng files, the TLS record deframer
 * (RFC 8446 §5.1, RFC 5246 §6.2), every handshake message decoder behind the handshake reassembler
 * (RFC 8446 §4, RFC 5246 §7.4), X.509 certificate chains (RFC 5280) and private / public keys
 * (RFC 5958, RFC 5915, RFC 8017, RFC 5480). Invariant: only the library's typed errors, plus the
 * memory bounds each streaming decoder documents.
 */
import { decodePacket, PacketDecoder, readCapture } from '../../src/capture/decode.js';
import { FlowTracker, type StreamDirection, streamBytes, trackConnections } from '../../src/capture/flow.js';
import { LinkType } from '../../src/capture/packet.js';
import { decodeTcpSegment, validateTcpSegment } from '../../src/tcp/segment.js';
import { parseAlert } from '../../src/tls/alert.js';
import { HandshakeReassembler } from '../../src/tls/handshake-framing.js';
import { decodeHandshake, encodeHandshake, type HandshakeContext } from '../../src/tls/messages/handshake.js';
import type { RecordProtection } from '../../src/tls/record.js';
import { parseChangeCipherSpec, parseRecord, RECORD_HEADER_LENGTH, RecordDeframer } from '../../src/tls/record.js';
import { dnsNames, ipAddresses, parseCertificate } from '../../src/x509/certificate.js';
import { hostnameMatch } from '../../src/x509/hostname.js';
import { parsePrivateKey, parsePublicKeyInfo, publicKeyOf } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';
import { TrustStore, verifyCertificateChain } from '../../src/x509/verify.js';
import {
  captureFiles,
  pkiCertificates,
  pkiKeys,
  readRepoFile,
  rfc8448Messages,
  rfc8448Records,
  tcpSegments,
  tls12Messages,
  tlsStreams,
} from '../corpus.js';
import { mutate, mutateOnce, randomSplit } from '../mutate.js';
import type { Rng } from '../prng.js';
import { FuzzProvider } from '../provider.js';
import { type Chunks, concatAll, flatten, InvariantViolation, mutateCase, type Target, typedOnly } from '../target.js';

const one = (cases: Uint8Array[]) => cases.map((c) => [c]);

function check(ok: boolean, what: string): void {
  if (!ok) throw new InvariantViolation(what);
}

const tcpSegment: Target = {
  name: 'tcp-segment',
  description: 'decodeTcpSegment + validateTcpSegment on mutated segments of vectors/tcp/segments.json',
  corpus: () => one(tcpSegments()),
  run: ([bytes]) =>
    typedOnly(() => {
      validateTcpSegment(decodeTcpSegment(bytes!));
    }),
};

/** Read a capture, decode every packet, track and reassemble its connections. */
function readWhole(bytes: Uint8Array): void {
  typedOnly(() => {
    const packets = [];
    for (const p of readCapture(bytes)) packets.push(decodePacket(p));
    for (const c of trackConnections(packets, { maxHeldBytes: 1 << 16 })) {
      streamBytes(c.toServer);
      streamBytes(c.toClient);
      checkTiling(c.toServer);
      checkTiling(c.toClient);
    }
  });
}

const pcap: Target = {
  name: 'pcap',
  description: 'readCapture → decodePacket → trackConnections → streamBytes on mutated .pcap files',
  corpus: () => one(captureFiles('pcap')),
  run: ([bytes]) => readWhole(bytes!),
};

const pcapng: Target = {
  name: 'pcapng',
  description: 'readCapture → decodePacket → trackConnections → streamBytes on mutated .pcapng files',
  corpus: () => one(captureFiles('pcapng')),
  run: ([bytes]) => readWhole(bytes!),
};

/** A direction's chunks and gaps tile its stream from offset 0 without holes or overlaps. */
function checkTiling(d: StreamDirection): void {
  const runs = [...d.chunks.map((c) => [c.offset, c.data.length]), ...d.gaps.map((g) => [g.offset, g.length])];
  runs.sort((a, b) => a[0]! - b[0]!);
  let at = 0;
  for (const [offset, length] of runs) {
    check(offset === at && length! > 0, `stream runs not contiguous at ${at}: [${offset}, +${length}]`);
    at += length!;
  }
}

const FRAGMENT_LIMITS = { maxDatagrams: 4, maxBytes: 4096, timeoutNs: 5n };

/** One packet of a `capture-packets` input: 2 bytes (bytes cut off by the snap length), then the frame. */
function packetsOf(input: Chunks) {
  return input.map((c, i) => {
    const cut = c.length >= 2 ? (c[0]! << 8) | c[1]! : 0;
    const data = c.subarray(2);
    const at = BigInt(i);
    return {
      frame: i + 1,
      timestamp: at,
      linkType: LinkType.ETHERNET,
      originalLength: data.length + cut,
      data,
      truncated: cut > 0,
      interfaceId: 0,
      section: 0,
    };
  });
}

/** Reorder, repeat, drop, cut short (snap length) or mutate some packets of a capture. */
function shufflePackets(rng: Rng, corpus: readonly Chunks[]): Chunks {
  const packets = [...rng.pick(corpus)];
  const flat = corpus.flat();
  const ops = rng.between(1, 8);
  for (let k = 0; k < ops && packets.length > 0; k++) {
    const i = rng.below(packets.length);
    const p = packets[i]!;
    switch (rng.below(5)) {
      case 0:
        packets.splice(rng.below(packets.length), 0, packets.splice(i, 1)[0]!);
        break;
      case 1:
        packets.splice(rng.below(packets.length), 0, p);
        break;
      case 2:
        packets.splice(i, 1);
        break;
      case 3: {
        const keep = rng.below(Math.max(1, p.length - 2));
        const cut = p.length - 2 - keep;
        packets[i] = Uint8Array.of(cut >> 8, cut & 0xff, ...p.subarray(2, 2 + keep));
        break;
      }
      default:
        packets[i] = mutateOnce(rng, p, flat);
    }
  }
  return packets;
}

/** The Ethernet captures of vectors/capture/ (tunnels, fragments, header-only), each as its packets. */
function capturePackets(): Chunks[] {
  return captureFiles('pcap')
    .map((bytes) => [...readCapture(bytes)])
    .filter((ps) => ps.length > 0 && ps.every((p) => p.linkType === LinkType.ETHERNET))
    .map((ps) =>
      ps.map((p) => {
        const cut = Math.min(0xffff, p.originalLength - p.data.length);
        return Uint8Array.of(cut >> 8, cut & 0xff, ...p.data);
      }),
    );
}

const capturePacketsTarget: Target = {
  name: 'capture-packets',
  description:
    'PacketDecoder (IPv4 fragments, small limits) → FlowTracker on reordered, repeated, dropped, snap-length-cut and mutated packets of Ethernet captures; fragment memory within its limits, stream chunks and gaps contiguous',
  corpus: capturePackets,
  generate: shufflePackets,
  run: (input) => {
    const decoder = new PacketDecoder(FRAGMENT_LIMITS);
    const tracker = new FlowTracker({ maxHeldBytes: 1 << 14, fragments: FRAGMENT_LIMITS });
    for (const p of packetsOf(input)) {
      typedOnly(() => {
        tracker.add(decoder.decode(p));
      });
      const f = decoder.fragments;
      check(f.heldBytes <= FRAGMENT_LIMITS.maxBytes && f.size <= FRAGMENT_LIMITS.maxDatagrams, 'fragment limits');
    }
    for (const c of tracker.finish()) {
      checkTiling(c.toServer);
      checkTiling(c.toClient);
    }
  },
};

const PROTECTIONS: readonly RecordProtection[] = ['plaintext', 'tls13-protected', 'tls12-protected'];

/** Push `chunks` through a deframer; every record and held byte accounted for, memory bounded. */
function deframe(chunks: readonly Uint8Array[], protection: RecordProtection): void {
  const d = new RecordDeframer({ protection });
  let pushed = 0;
  let pulled = 0;
  typedOnly(() => {
    for (const chunk of chunks) {
      d.push(chunk);
      pushed += chunk.length;
      for (let r = d.next(); r; r = d.next()) {
        pulled += RECORD_HEADER_LENGTH + r.fragment.length;
        if (r.type === 21) typedOnly(() => parseAlert(r.fragment));
        if (r.type === 20) typedOnly(() => parseChangeCipherSpec(r.fragment));
      }
      check(d.partialLength <= RECORD_HEADER_LENGTH + 0xffff, `deframer holds ${d.partialLength} bytes`);
      check(
        pulled + d.partialLength === pushed,
        `deframer lost bytes: ${pushed} pushed, ${pulled} + ${d.partialLength}`,
      );
    }
  });
}

const record: Target = {
  name: 'record',
  description: 'RecordDeframer (each protection) over mutated TLS streams cut into random chunks; parseRecord',
  corpus: () => [...tlsStreams(), ...rfc8448Records()].map((s) => [s]),
  generate: (rng, corpus) => mutateCase(rng, flatten(corpus), 8),
  run: (chunks) => {
    for (const p of PROTECTIONS) deframe(chunks, p);
    typedOnly(() => parseRecord(concatAll(chunks)));
  },
};

const CONTEXTS: readonly HandshakeContext[] = [
  { version: 'tls13' },
  { version: 'tls12', keyExchange: 'ecdhe' },
  { version: 'tls12', keyExchange: 'dhe' },
  { version: 'tls12', keyExchange: 'rsa' },
];

/** Decode a framed message under every context; re-encode what decodes. */
function decodeEvery(raw: Uint8Array): void {
  for (const ctx of CONTEXTS) {
    typedOnly(() => {
      const m = decodeHandshake(raw, ctx);
      typedOnly(() => encodeHandshake(m));
    });
  }
}

const handshake: Target = {
  name: 'handshake',
  description:
    'HandshakeReassembler over mutated messages cut into random fragments; every message decoded (TLS 1.3, TLS 1.2 ECDHE/DHE/RSA) and re-encoded',
  corpus: () => one([...rfc8448Messages(), ...tls12Messages()]),
  generate: (rng, corpus) => {
    const flat = flatten(corpus);
    const parts = [mutate(rng, rng.pick(flat), flat)];
    while (rng.chance(0.3)) parts.push(rng.chance(0.5) ? rng.pick(flat) : mutate(rng, rng.pick(flat), flat));
    return randomSplit(rng, concatAll(parts), 6);
  },
  run: (chunks) => {
    const reassembler = new HandshakeReassembler();
    typedOnly(() => {
      for (const chunk of chunks) {
        reassembler.push(chunk);
        for (let f = reassembler.next(); f; f = reassembler.next()) decodeEvery(f.raw);
        check(reassembler.partialLength <= 4 + 131_396, `reassembler holds ${reassembler.partialLength} bytes`);
      }
    });
    decodeEvery(concatAll(chunks));
  },
};

const ROOT = decodePem(new TextDecoder().decode(readRepoFile('test/pki/out/root-ca.crt')))[0]!.der;
const ROOTS = new TrustStore([ROOT]);
const PROVIDER = new FuzzProvider();
const TIME = Date.UTC(2027, 0, 1);

const pem = (name: string) =>
  decodePem(new TextDecoder().decode(readRepoFile(`test/pki/out/${name}`))).map((b) => b.der);

/** The chains (leaf first) of the test PKI's `*-chain.pem` files, one with an untrusted root, and each certificate alone. */
function chains(): Uint8Array[][] {
  const names = [
    'server-ecdsa',
    'server-rsa',
    'server-ed25519',
    'client',
    'client-rsa',
    'bad-wronghost',
    'bad-cafalse',
  ];
  const out = names.map((n) => pem(`${n}-chain.pem`));
  out.push([...pem('bad-unknownca-chain.pem'), ...pem('unknown-ca.crt')]);
  return [...out, ...pkiCertificates().map((c) => [c])];
}

/**
 * A chain with one certificate mutated (sometimes a stray certificate added, or the order reversed), or
 * with 2–12 copies of one of its certificates that differ only in their signature's last bytes: same
 * names and key, so each could issue the others.
 */
function generateChain(rng: Rng, corpus: readonly Chunks[]): Chunks {
  const chain = [...rng.pick(corpus)];
  const flat = flatten(corpus);
  if (rng.chance(0.05)) {
    const original = rng.pick(chain);
    for (let k = rng.between(2, 12); k > 0; k--) {
      const copy = original.slice();
      copy[copy.length - 1 - rng.below(Math.min(16, copy.length))]! ^= rng.between(1, 255);
      chain.push(copy);
    }
    return chain;
  }
  const i = rng.below(chain.length);
  chain[i] = mutate(rng, chain[i]!, flat);
  if (rng.chance(0.2)) chain.push(rng.pick(flat));
  if (rng.chance(0.1)) chain.reverse();
  return chain;
}

const certificate: Target = {
  name: 'certificate',
  description:
    'parseCertificate on each mutated certificate of a chain; verifyCertificateChain (signatures accepted, so the path checks are reached)',
  corpus: chains,
  generate: generateChain,
  run: (chain) => {
    for (const der of chain) {
      typedOnly(() => {
        const cert = parseCertificate(der);
        dnsNames(cert);
        ipAddresses(cert);
        hostnameMatch(cert, 'localhost');
      });
    }
    const result = verifyCertificateChain(chain, {
      roots: ROOTS,
      time: TIME,
      hostname: 'localhost',
      provider: PROVIDER,
    });
    check(result.ok || result.error instanceof Error, 'verifyCertificateChain returned neither a path nor an error');
  },
};

const latin1 = new TextDecoder('latin1');

const key: Target = {
  name: 'key',
  description: 'parsePrivateKey (DER and PEM text), publicKeyOf, parsePublicKeyInfo on mutated test PKI keys',
  corpus: () => one([...pkiKeys(), ...pkiCertificates()]),
  run: ([bytes]) => {
    typedOnly(() => publicKeyOf(parsePrivateKey(bytes!)));
    typedOnly(() => publicKeyOf(parsePrivateKey(latin1.decode(bytes!))));
    typedOnly(() => parsePublicKeyInfo(bytes!));
  },
};

export const DECODER_TARGETS: readonly Target[] = [
  tcpSegment,
  pcap,
  pcapng,
  capturePacketsTarget,
  record,
  handshake,
  certificate,
  key,
];

/**
 * The fuzzer's corpus, read from committed files only: the TCP segments of `vectors/tcp/segments.json`,
 * the pcap and pcapng captures under `vectors/`, the TLS byte streams reassembled from the TLS captures,
 * the RFC 8448 records and handshake messages (`vectors/rfc8448/`, parsed by test/support/rfc8448.ts),
 * the TLS 1.2 messages of `vectors/tls12-messages/` and `vectors/gnutls-certificate-request/`, and the
 * certificates and keys of the test PKI (`test/pki/out/`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fromHex } from '../src/bytes/hex.js';
import { decodePacket, readCapture } from '../src/capture/decode.js';
import { streamBytes, trackConnections } from '../src/capture/flow.js';
import { decodePem } from '../src/x509/pem.js';
import { loadTrace, TRACE_SECTIONS } from '../test/support/rfc8448.js';

const ROOT = new URL('../', import.meta.url);

/** A repository file's bytes. */
export const readRepoFile = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(path, ROOT)));

/** Files under `dir` (recursively) whose name passes `keep`, as repository paths, sorted. */
function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(new URL(dir, ROOT))) {
    const path = `${dir}/${name}`;
    if (statSync(new URL(path, ROOT)).isDirectory()) out.push(...filesUnder(path, keep));
    else if (keep(name)) out.push(path);
  }
  return out.sort();
}

/** Captures above this size are left out of the corpus (each run copies and reparses its input). */
const MAX_CAPTURE = 16 * 1024;

/** The pcap (`.pcap`) or pcapng (`.pcapng`) files under `vectors/` of at most 16 KiB. */
export function captureFiles(ext: 'pcap' | 'pcapng'): Uint8Array[] {
  return filesUnder('vectors', (n) => n.endsWith(`.${ext}`))
    .map(readRepoFile)
    .filter((b) => b.length <= MAX_CAPTURE);
}

/** The TCP segments (header and payload) of `vectors/tcp/segments.json`. */
export function tcpSegments(): Uint8Array[] {
  const json = JSON.parse(new TextDecoder().decode(readRepoFile('vectors/tcp/segments.json'))) as {
    segments: { segment: string }[];
  };
  return json.segments.map((s) => fromHex(s.segment));
}

/** Both directions of every TCP connection in the TLS captures, each the reassembled byte stream. */
export function tlsStreams(): Uint8Array[] {
  const files = [
    ...filesUnder('vectors/tls', (n) => /\.pcap(ng)?$/.test(n)),
    'vectors/gnutls-certificate-request/certificate-request.pcap',
  ];
  const out: Uint8Array[] = [];
  for (const file of files) {
    const packets = [...readCapture(readRepoFile(file))].map(decodePacket);
    for (const c of trackConnections(packets)) {
      for (const d of [c.toServer, c.toClient]) {
        const bytes = streamBytes(d);
        if (bytes.length > 0) out.push(bytes);
      }
    }
  }
  return out;
}

/** The complete records (`send … record`) of every RFC 8448 trace. */
export function rfc8448Records(): Uint8Array[] {
  return rfc8448Fields((action) => /^send \w+ record$/.test(action), 'complete record');
}

/** The handshake messages (`construct a … handshake message`) of every RFC 8448 trace. */
export function rfc8448Messages(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const section of TRACE_SECTIONS) {
    for (const e of loadTrace(section).entries) {
      const m = /^construct an? (\w+) handshake message$/.exec(e.action);
      const f = m ? e.fields.find((x) => x.label === m[1]) : undefined;
      if (f) out.push(f.bytes);
    }
  }
  return out;
}

function rfc8448Fields(action: (a: string) => boolean, label: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const section of TRACE_SECTIONS) {
    for (const e of loadTrace(section).entries) {
      if (!action(e.action)) continue;
      for (const f of e.fields) if (f.label === label) out.push(f.bytes);
    }
  }
  return out;
}

/** The TLS 1.2 handshake messages recorded from OpenSSL and GnuTLS (header included). */
export function tls12Messages(): Uint8Array[] {
  const json = JSON.parse(new TextDecoder().decode(readRepoFile('vectors/tls12-messages/messages.json'))) as Record<
    string,
    { hex: string }[]
  >;
  const out = Object.values(json).flatMap((list) => list.map((m) => fromHex(m.hex)));
  const gnutls = new TextDecoder().decode(readRepoFile('vectors/gnutls-certificate-request/certificate-request.hex'));
  out.push(fromHex(gnutls.trim()));
  return out;
}

const pkiFiles = (suffix: string): string[] => filesUnder('test/pki/out', (n) => n.endsWith(suffix));

/** The DER of every certificate of the test PKI. */
export function pkiCertificates(): Uint8Array[] {
  return pkiFiles('.crt').map((path) => decodePem(new TextDecoder().decode(readRepoFile(path)))[0]!.der);
}

/** The private keys of the test PKI, each as DER and as PEM text (bytes). */
export function pkiKeys(): Uint8Array[] {
  return pkiFiles('.key').flatMap((path) => {
    const pem = readRepoFile(path);
    return [decodePem(new TextDecoder().decode(pem))[0]!.der, pem];
  });
}

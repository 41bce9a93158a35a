/**
 * `tlswire pcap` on real TLS sessions (vectors/tls/, see vectors/README.md): the TLS part lists the
 * same records (direction, frame, content type, record version, length) and the same cleartext
 * handshake messages (type, length, cipher suites, SNI) as TShark's dissection made without the key
 * log (the committed NAME.tshark.tsv), in the same order. Encrypted records are shown by length only.
 */
import { describe, expect, it } from 'vitest';
import { pcapCommand } from '../../src/cli/pcap.js';
import { CipherSuite, ContentType, HandshakeType, nameOf } from '../../src/tls/enums.js';
import { capture, loadTlsRows, VECTORS } from './helpers.js';

const CAPTURES = ['openssl-tls13', 'openssl-tls12-ecdhe-rsa', 'openssl-tls13-hrr'];

function hex4(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

describe('tlswire pcap --json: TLS records and handshake messages as tshark dissects them', () => {
  for (const name of CAPTURES) {
    it(name, () => {
      const rows = loadTlsRows(name);
      const io = capture();
      expect(pcapCommand([`${VECTORS}tls/${name}.pcap`, '--json', '--tls'], io)).toBe(0);
      const objs = io.stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
      const conn = objs.find((o) => o.kind === 'connection')!;
      const client = conn.client as { port: number };
      const server = conn.server as { port: number };
      const ours = objs
        .filter((o) => o.kind === 'record' || o.kind === 'handshake')
        .map((o) => {
          const srcport = o.direction === 'C>S' ? client.port : server.port;
          if (o.kind === 'record') {
            return {
              frame: o.frame,
              srcport,
              kind: 'record',
              a: o.contentTypeValue,
              b: o.version,
              c: String(o.length),
            };
          }
          const m = o.message as { cipherSuites?: number[]; cipherSuite?: number; extensions?: unknown[] };
          const suites = m.cipherSuites ?? (m.cipherSuite === undefined ? [] : [m.cipherSuite]);
          const sni = (o.summary as Record<string, unknown>).serverName as string[] | undefined;
          return {
            frame: o.frame,
            srcport,
            kind: 'handshake',
            a: o.msgType,
            length: o.length,
            cipherSuites: suites.map(hex4).join(','),
            sni: sni?.join(',') ?? '',
          };
        });
      const expected = rows.map((r) =>
        r.kind === 'record'
          ? { frame: r.frame, srcport: r.srcport, kind: 'record', a: r.a, b: r.b, c: r.c }
          : {
              frame: r.frame,
              srcport: r.srcport,
              kind: 'handshake',
              a: r.a,
              length: Number(r.b),
              cipherSuites: r.cipherSuites,
              sni: r.sni,
            },
      );
      expect(ours).toEqual(expected);
      // Every record tshark could not read in the clear is application data, or follows a TLS 1.2 CCS.
      const records = objs.filter((o) => o.kind === 'record');
      expect(records.every((o) => o.error === undefined)).toBe(true);
    });
  }
});

const RECORD_LINE =
  /^0 +(\d+) {2}\d+\.\d{9} {2}(C>S|S>C) {2}\S+ +(\d+) {2}(\S+)(?: \(encrypted\))? {2}\[frame (\d+)\]$/;

describe('tlswire pcap: ssldump-style text', () => {
  for (const name of CAPTURES) {
    it(name, () => {
      const rows = loadTlsRows(name);
      const io = capture();
      expect(pcapCommand([`${VECTORS}tls/${name}.pcap`, '--tls'], io)).toBe(0);
      const records = io.stdout.filter((l) => RECORD_LINE.test(l)).map((l) => RECORD_LINE.exec(l)!);
      const tsharkRecords = rows.filter((r) => r.kind === 'record');
      expect(records.map((m) => [Number(m[5]), m[4], Number(m[3])])).toEqual(
        tsharkRecords.map((r) => [r.frame, nameOf(ContentType, r.a), Number(r.c)]),
      );
      // The chosen suite (tshark's last ServerHello) is in the connection's title line.
      const hellos = rows.filter((r) => r.kind === 'handshake' && r.a === HandshakeType.server_hello);
      const chosen = nameOf(CipherSuite, Number(hellos.at(-1)!.cipherSuites), 2);
      expect(io.stdout[0]).toMatch(
        new RegExp(`^connection 0: 127\\.0\\.0\\.1:\\d+ <-> 127\\.0\\.0\\.1:\\d+ {2}\\(TLS1\\.[23], ${chosen}\\)$`),
      );
      // Each cleartext handshake message appears under its record, with its length.
      const messages = io.stdout.filter((l) => /^ {8}[a-z_]+ {2}\d+ bytes$/.test(l)).map((l) => l.trim().split(/ +/));
      const tsharkMessages = rows.filter((r) => r.kind === 'handshake');
      expect(messages.map((m) => Number(m[1]))).toEqual(tsharkMessages.map((r) => Number(r.b)));
      if (name === 'openssl-tls13-hrr') expect(messages.map((m) => m[0])).toContain('hello_retry_request');
      expect(io.stdout.some((l) => l.includes('server name: localhost'))).toBe(true);
    });
  }
});

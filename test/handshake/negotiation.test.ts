/**
 * Negotiated extensions checked on the wire: record_size_limit below 16385 (RFC 8449 §4) honoured
 * both ways, each record's length read from its header (TLSInnerPlaintext ≤ the limit, so protected
 * records ≤ limit + 16); a record over our limit is record_overflow; ALPN (RFC 7301 §3.2: the server's
 * preference wins, no protocol in common is no_application_protocol); the certificate chosen by SNI
 * (RFC 6066 §3) through a selector.
 */
import { describe, expect, it } from 'vitest';
import { AlertDescription, ContentType } from '../../src/tls/enums.js';
import { certified, Pair } from './memory.js';
import { ofKind } from './support.js';

/** The length field of a record (RFC 8446 §5.1). */
const recordLength = (record: Uint8Array) => (record[3]! << 8) | record[4]!;
const TAG = 16;

describe('record_size_limit (RFC 8449)', () => {
  it('client limit 256, server limit 512: every protected record each way fits the receiver’s limit', () => {
    const pair = new Pair({ recordSizeLimit: 256 }, { recordSizeLimit: 512 });
    expect(ofKind(pair.clientEvents, 'established')).toHaveLength(1);
    const sent = pair.records.length;
    pair.fromServer(pair.server.write(new Uint8Array(5000).fill(1)));
    pair.fromClient(pair.client.write(new Uint8Array(5000).fill(2)));
    const protectedFrom = (from: 'client' | 'server', records = pair.records) =>
      records
        .filter((r) => r.from === from && r.bytes[0] === ContentType.application_data)
        .map((r) => recordLength(r.bytes));
    // The server's handshake records after the ServerHello (EncryptedExtensions … Finished) too.
    expect(Math.max(...protectedFrom('server'))).toBeLessThanOrEqual(256 + TAG);
    expect(Math.max(...protectedFrom('client'))).toBeLessThanOrEqual(512 + TAG);
    // 5000 bytes of data: 255 content bytes per record toward the client, 511 toward the server.
    const data = pair.records.slice(sent);
    expect(protectedFrom('server', data)).toEqual([...Array(19).fill(256 + TAG), 5000 - 19 * 255 + 1 + TAG]);
    expect(protectedFrom('client', data)).toEqual([...Array(9).fill(512 + TAG), 5000 - 9 * 511 + 1 + TAG]);
    const received = (events: typeof pair.clientEvents) =>
      ofKind(events, 'data').reduce((n, e) => n + e.bytes.length, 0);
    expect(received(pair.clientEvents)).toBe(5000);
    expect(received(pair.serverEvents)).toBe(5000);
  });

  it('the limit in force is the receiver’s: a server without its own limit still honours the client’s', () => {
    const pair = new Pair({ recordSizeLimit: 64 });
    pair.fromServer(pair.server.write(new Uint8Array(200)));
    const lengths = pair.records
      .filter((r) => r.from === 'server' && r.bytes[0] === ContentType.application_data)
      .map((r) => recordLength(r.bytes));
    expect(Math.max(...lengths)).toBe(64 + TAG);
  });

  it('a record larger than our limit → record_overflow', () => {
    // The ClientHello advertises 16385 (edited), but the client reads with its own 256, which the server accepted.
    const pair = new Pair(
      {
        recordSizeLimit: 256,
        editClientHello: (hello) => ({
          ...hello,
          extensions: (hello.extensions ?? []).map((e) =>
            e.kind === 'record_size_limit' ? { ...e, limit: 16385 } : e,
          ),
        }),
      },
      { recordSizeLimit: 16385 },
    );
    pair.fromServer(pair.server.write(new Uint8Array(1000)));
    expect(ofKind(pair.clientEvents, 'alert-sent').map((e) => e.description)).toEqual([
      AlertDescription.record_overflow,
    ]);
  });
});

describe('ALPN (RFC 7301 §3.2)', () => {
  it("the server's preference wins", () => {
    const pair = new Pair({ alpn: ['http/1.1', 'h2'] }, { alpn: ['h2', 'http/1.1'] });
    expect(ofKind(pair.clientEvents, 'negotiated')[0]!.alpn).toBe('h2');
    expect(ofKind(pair.serverEvents, 'negotiated')[0]!.alpn).toBe('h2');
  });

  it('a protocol only one side lists is not chosen', () => {
    const pair = new Pair({ alpn: ['h3', 'http/1.1'] }, { alpn: ['h2', 'http/1.1'] });
    expect(ofKind(pair.clientEvents, 'negotiated')[0]!.alpn).toBe('http/1.1');
  });

  it('no protocol in common → no_application_protocol', () => {
    const pair = new Pair({ alpn: ['h3'] }, { alpn: ['h2'] });
    expect(ofKind(pair.serverEvents, 'alert-sent').map((e) => e.description)).toEqual([
      AlertDescription.no_application_protocol,
    ]);
    expect(ofKind(pair.clientEvents, 'alert-received').map((e) => e.description)).toEqual([
      AlertDescription.no_application_protocol,
    ]);
  });

  it('a client without ALPN to a server with ALPN: none negotiated, no alert', () => {
    const pair = new Pair({}, { alpn: ['h2'] });
    expect(ofKind(pair.clientEvents, 'negotiated')[0]!.alpn).toBeUndefined();
    expect(ofKind(pair.clientEvents, 'established')).toHaveLength(1);
  });
});

describe('certificate selection by SNI (RFC 6066 §3)', () => {
  const ecdsa = certified('server-ecdsa');
  const rsa = certified('server-rsa');
  const seen: (string | undefined)[] = [];
  const selector = (name: string | undefined) => {
    seen.push(name);
    if (name === 'localhost') return ecdsa;
    if (name === 'rsa.test') return rsa;
    return undefined;
  };

  it('each name gets its certificate; the selector sees the name sent', () => {
    const a = new Pair({ serverName: 'localhost' }, { certificate: selector });
    const b = new Pair({ serverName: 'rsa.test' }, { certificate: selector });
    expect(ofKind(a.clientEvents, 'peer-certificate')[0]!.chain).toEqual(ecdsa.chain);
    expect(ofKind(b.clientEvents, 'peer-certificate')[0]!.chain).toEqual(rsa.chain);
    expect(seen.slice(-2)).toEqual(['localhost', 'rsa.test']);
    expect(ofKind(b.serverEvents, 'negotiated')[0]!.serverName).toBe('rsa.test');
  });

  it('a name the selector has no certificate for → handshake_failure naming it', () => {
    const pair = new Pair({ serverName: 'unknown.test' }, { certificate: selector });
    expect(ofKind(pair.serverEvents, 'alert-sent').map((e) => e.description)).toEqual([
      AlertDescription.handshake_failure,
    ]);
    expect(ofKind(pair.serverEvents, 'error')[0]!.error.message).toMatch(
      /no certificate for server name unknown\.test/,
    );
  });

  it('no SNI (an IP literal is not sent, RFC 6066 §3): the selector gets undefined', () => {
    const pair = new Pair({ serverName: '127.0.0.1' }, { certificate: selector });
    expect(seen.at(-1)).toBeUndefined();
    expect(ofKind(pair.serverEvents, 'error')[0]!.error.message).toMatch(/no certificate for a client without SNI/);
  });
});

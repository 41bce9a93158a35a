/**
 * Rejected 0-RTT (RFC 8446 §4.2.10): a server that accepts the PSK but not the early data skips the
 * records it cannot deprotect, and one that sends a HelloRetryRequest skips every application_data
 * record, each up to max_early_data_size of application data (the inner content type byte and the
 * 16-byte tag not counted, §4.2.10, §5.2); one byte more is unexpected_message. The handshake then
 * completes as 1-RTT and no early data reaches the application.
 */
import { describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import { AeadTicketer, SingleUseAntiReplay } from '../../src/handshake/ticket.js';
import type { ClientSession, ServerConfig } from '../../src/handshake/types.js';
import { AlertDescription, ContentType, NamedGroup } from '../../src/tls/enums.js';
import { Pair } from './memory.js';
import { ofKind } from './support.js';

const provider = new NobleProvider();
const ticketer = new AeadTicketer(provider, new Uint8Array(32).fill(3));
const MAX = 20_000;

/** A session whose ticket allows MAX bytes of 0-RTT data. */
function session(): ClientSession {
  const first = new Pair({}, { ticketer, maxEarlyDataSize: MAX, antiReplay: new SingleUseAntiReplay() });
  return ofKind(first.clientEvents, 'session')[0]!.session;
}

const early = (n: number) => new Uint8Array(n).fill(0x61);

/** Application-data records the client sent before the server's first answer. */
function earlyRecords(pair: Pair): Uint8Array[] {
  const firstServer = pair.records.findIndex((r) => r.from === 'server');
  return pair.records
    .slice(0, firstServer)
    .filter((r) => r.from === 'client' && r.bytes[0] === ContentType.application_data)
    .map((r) => r.bytes);
}

describe('0-RTT rejected by a server that accepts the PSK', () => {
  // No anti-replay: the server never accepts 0-RTT (src/handshake/types.ts), but resumes.
  const rejecting: Partial<ServerConfig> = { ticketer, maxEarlyDataSize: MAX };

  it('max_early_data_size bytes (two records) are skipped; 1-RTT handshake, nothing delivered', () => {
    const pair = new Pair({ session: session(), earlyData: early(MAX) }, rejecting);
    expect(earlyRecords(pair).map((r) => r.length - 5)).toEqual([16384 + 17, MAX - 16384 + 17]);
    expect(ofKind(pair.serverEvents, 'negotiated')[0]).toMatchObject({ resumed: true, earlyDataAccepted: false });
    expect(ofKind(pair.clientEvents, 'negotiated')[0]).toMatchObject({ earlyDataAccepted: false });
    expect(ofKind(pair.serverEvents, 'established')).toHaveLength(1);
    expect(ofKind(pair.serverEvents, 'data')).toEqual([]);
    expect(ofKind(pair.serverEvents, 'error')).toEqual([]);
    // The connection works on the 1-RTT keys.
    pair.fromClient(pair.client.write(Uint8Array.of(1, 2, 3)));
    expect(ofKind(pair.serverEvents, 'data').map((e) => [...e.bytes])).toEqual([[1, 2, 3]]);
  });

  it('one byte more than max_early_data_size → unexpected_message', () => {
    const s = { ...session(), maxEarlyDataSize: MAX + 1 };
    const pair = new Pair({ session: s, earlyData: early(MAX + 1) }, rejecting);
    expect(ofKind(pair.serverEvents, 'alert-sent').map((e) => e.description)).toEqual([
      AlertDescription.unexpected_message,
    ]);
    expect(ofKind(pair.serverEvents, 'established')).toEqual([]);
  });

  it('a server whose own max_early_data_size is 0 skips up to 16384 bytes (a full record)', () => {
    const pair = new Pair({ session: session(), earlyData: early(16384) }, { ticketer });
    expect(ofKind(pair.serverEvents, 'established')).toHaveLength(1);
    const over = new Pair({ session: session(), earlyData: early(16385) }, { ticketer });
    expect(ofKind(over.serverEvents, 'alert-sent').map((e) => e.description)).toEqual([
      AlertDescription.unexpected_message,
    ]);
  });
});

describe('0-RTT skipped after a HelloRetryRequest', () => {
  // The client shares x25519 only; the server accepts secp256r1 only: a HelloRetryRequest.
  const retrying: Partial<ServerConfig> = {
    ticketer,
    maxEarlyDataSize: MAX,
    antiReplay: new SingleUseAntiReplay(),
    groups: [NamedGroup.secp256r1],
  };

  it('max_early_data_size bytes are skipped; the second ClientHello completes the handshake', () => {
    const pair = new Pair(
      { session: session(), earlyData: early(MAX), groups: [NamedGroup.x25519, NamedGroup.secp256r1] },
      retrying,
    );
    expect(earlyRecords(pair)).toHaveLength(2);
    const clientHellos = ofKind(pair.serverEvents, 'handshake-message').filter(
      (e) => e.direction === 'received' && e.message.type === 'client_hello',
    );
    expect(clientHellos).toHaveLength(2);
    expect(ofKind(pair.serverEvents, 'negotiated')[0]).toMatchObject({
      helloRetry: true,
      resumed: true,
      earlyDataAccepted: false,
      group: NamedGroup.secp256r1,
    });
    expect(ofKind(pair.serverEvents, 'established')).toHaveLength(1);
    expect(ofKind(pair.serverEvents, 'data')).toEqual([]);
  });

  it('one byte more → unexpected_message', () => {
    const s = { ...session(), maxEarlyDataSize: MAX + 1 };
    const pair = new Pair(
      { session: s, earlyData: early(MAX + 1), groups: [NamedGroup.x25519, NamedGroup.secp256r1] },
      retrying,
    );
    expect(ofKind(pair.serverEvents, 'alert-sent').map((e) => e.description)).toEqual([
      AlertDescription.unexpected_message,
    ]);
  });
});

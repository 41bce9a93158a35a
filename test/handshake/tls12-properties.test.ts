/**
 * Properties of the TLS 1.2 machines under arbitrary input (fast-check): the peer's bytes may arrive
 * in any split (RFC 5246 §6.2.1: record and handshake boundaries are independent of the transport),
 * and any bytes at all end in an `error` event with an alert, never in an exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat } from '../../src/bytes/hex.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import type { Tls12Event } from '../../src/handshake/tls12/types.js';
import { split } from './support.js';
import { identity, ofKind, sent } from './tls12-support.js';

const ECDSA = identity('server-ecdsa');
const accept = () => undefined;

function feed(machine: { handle(b: Uint8Array): Tls12Event[] }, chunks: Uint8Array[]): Tls12Event[] {
  return chunks.flatMap((c) => machine.handle(c));
}

describe('TLS 1.2 properties', () => {
  it('a full handshake completes whatever the chunking of each flight', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        (cutsServer, cutsClient) => {
          const client = new Tls12Client({ serverName: 'localhost', verifyServer: accept });
          const server = new Tls12Server({ certificate: ECDSA.certified });
          const flight1 = feed(server, split(sent(client.start()), cutsServer));
          const flight2 = feed(client, split(sent(flight1), cutsClient));
          const flight3 = feed(server, split(sent(flight2), cutsServer));
          const done = feed(client, split(sent(flight3), cutsClient));
          expect([...flight1, ...flight2, ...flight3, ...done].filter((e) => e.kind === 'error')).toEqual([]);
          expect(client.isEstablished && server.isEstablished).toBe(true);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('random bytes never throw: they end in one error event after one fatal alert', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.boolean(), (bytes, asRecord) => {
        const input = asRecord ? concat(Uint8Array.of(22, 3, 3, bytes.length >> 8, bytes.length & 0xff), bytes) : bytes;
        for (const machine of [
          new Tls12Server({ certificate: ECDSA.certified }),
          (() => {
            const c = new Tls12Client({ serverName: 'localhost', verifyServer: accept });
            c.start();
            return c;
          })(),
        ]) {
          const events = machine.handle(input);
          const errors = ofKind(events, 'error');
          if (errors.length > 0) {
            expect(errors).toHaveLength(1);
            expect(ofKind(events, 'alert-sent').filter((a) => a.level === 2)).toHaveLength(1);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * Recipe: 0-RTT replay (RFC 8446 §8). Three connections: the first gets a ticket; the second resumes
 * with it and sends 0-RTT data (early_data offered, data under client_early_traffic_secret, §4.2.10,
 * §7.1); the third replays the second's first flight byte for byte. A server with single-use tickets
 * or a ClientHello recording (§8.1, §8.2) must not accept the replayed early data: its
 * EncryptedExtensions carries no early_data extension (it may also refuse the PSK altogether and
 * do a full handshake, which the replay's key share still allows).
 * @module
 */

import { concat } from '../../bytes/hex.js';
import { findExtension } from '../../tls/extensions.js';
import { clientHello } from '../messages.js';
import type { ConversationResult } from '../runner.js';
import type { LabTicket } from '../state.js';
import { appData, branch, check, expectMessage, type Received, raw, type Step, send } from '../steps.js';
import { handshake13, type RecipeOptions } from './common.js';

/** Connection 1: a full handshake, then wait for a NewSessionTicket. */
export function getTicket(o: RecipeOptions = {}): Step[] {
  return [...handshake13(o), expectMessage('new_session_ticket')];
}

/** Whether the EncryptedExtensions received accepted 0-RTT (an early_data extension). */
export function earlyDataAccepted(received: readonly Received[]): boolean | undefined {
  for (const r of received) {
    if (r.kind === 'message' && r.message.type === 'encrypted_extensions') {
      return findExtension(r.message.extensions, 'early_data') !== undefined;
    }
  }
  return undefined;
}

/** Connection 2: resume with `ticket`, send `data` as 0-RTT; check that the server accepted it. */
export function sendEarlyData(o: RecipeOptions, ticket: LabTicket, data: Uint8Array): Step[] {
  return [
    send(clientHello({ serverName: o.serverName, resume: ticket, earlyData: true })),
    appData(data),
    expectMessage('server_hello'),
    expectMessage('encrypted_extensions'),
    check('0-RTT accepted (early_data in EncryptedExtensions)', ({ received }) => earlyDataAccepted(received) === true),
  ];
}

/**
 * Connection 3: the first flight of `earlier` (its ClientHello and 0-RTT records) again, byte for byte,
 * with the state it had (our key share, the PSK) so the server's answer can be read; check that the
 * early data was not accepted.
 */
export function replayEarlyData(earlier: ConversationResult): Step[] {
  const before = earlier.state;
  const firstExpect = earlier.steps.findIndex((s) => s.label.startsWith('expect'));
  const flight = concat(...earlier.steps.slice(0, firstExpect).flatMap((s) => s.sent));
  return [
    branch(({ state }) => {
      state.clientHello = before.firstClientHello;
      state.firstClientHello = before.firstClientHello;
      state.transcript = before.firstClientHello ? [before.firstClientHello.raw] : [];
      state.keyPairs = before.keyPairs;
      state.psk = before.offeredPsk;
      state.offeredPsk = before.offeredPsk;
      state.pskSuite = before.pskSuite;
      return undefined;
    }),
    raw(flight, 'replay of the ClientHello and 0-RTT data'),
    expectMessage('server_hello'),
    expectMessage('encrypted_extensions'),
    check(
      'replayed 0-RTT refused (no early_data in EncryptedExtensions)',
      ({ received }) => earlyDataAccepted(received) === false,
    ),
  ];
}

/**
 * Recipe: the downgrade sentinel (RFC 8446 §4.1.3). A server that supports TLS 1.3 and is offered
 * only TLS 1.2 must end ServerHello.random with `44 4F 57 4E 47 52 44 01` ("DOWNGRD" 01), so that a
 * TLS 1.3 client can detect an attacker who stripped its supported_versions.
 * @module
 */
import { clientHello, sentinelOf } from '../messages.js';
import { check, expectMessage, type Step, send } from '../steps.js';
import type { RecipeOptions } from './common.js';

/** Offer TLS 1.2 only (no supported_versions); check the sentinel in the ServerHello. */
export function downgradeSentinel(o: RecipeOptions = {}): Step[] {
  return [
    send(clientHello({ serverName: o.serverName, versions: [] })),
    expectMessage('server_hello'),
    check('ServerHello.random ends with the TLS 1.2 downgrade sentinel', ({ state }) => {
      const found = sentinelOf(state);
      return found === 'tls12' || `sentinel ${found ?? 'absent'}`;
    }),
  ];
}

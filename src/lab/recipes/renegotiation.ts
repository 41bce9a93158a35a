/**
 * Recipe: renegotiation attempts.
 * - TLS 1.2 (RFC 5746 §3.5): after a full handshake, a new ClientHello under the current keys whose
 *   renegotiation_info carries our last Finished verify_data. A server may refuse renegotiation (a
 *   no_renegotiation warning, RFC 5246 §7.2.2, or a fatal alert) or go on with a ServerHello.
 * - TLS 1.2 with the wrong verify_data in renegotiation_info: the server must abort with
 *   handshake_failure (RFC 5746 §3.7) — unless it refuses renegotiation first.
 * - TLS 1.3 forbids renegotiation: a ClientHello after the handshake must be answered with
 *   unexpected_message (RFC 8446 §4.1.2).
 * @module
 */
import { AlertDescription } from '../../tls/enums.js';
import { clientHello, renegotiationHello } from '../messages.js';
import { type Expectation, expectAlert, type Received, type Step, send } from '../steps.js';
import { handshake12, handshake13, type RecipeOptions } from './common.js';

/** A refusal of renegotiation: the no_renegotiation warning (RFC 5246 §7.2.2). */
const refused = (r: Received): boolean => r.kind === 'alert' && r.level === 1 && r.description === 100;

/** What RFC 5746 allows as the answer: renegotiation refused, or (right verify_data) a ServerHello / (wrong) handshake_failure. */
export function renegotiationAnswer(wrongVerifyData: boolean): Expectation {
  return wrongVerifyData
    ? {
        kind: 'any',
        describe: 'warning no_renegotiation or fatal handshake_failure',
        accept: (r) =>
          refused(r) || (r.kind === 'alert' && r.level === 2 && r.description === AlertDescription.handshake_failure),
      }
    : {
        kind: 'any',
        describe: 'warning no_renegotiation or server_hello',
        accept: (r) => refused(r) || (r.kind === 'message' && r.type === 'server_hello'),
      };
}

/** A TLS 1.2 handshake, then a renegotiation ClientHello (secure, or with wrong verify_data). */
export function renegotiation12(o: RecipeOptions = {}, wrongVerifyData = false): Step[] {
  const bad = wrongVerifyData ? { clientVerifyData: new Uint8Array(12).fill(0xee) } : {};
  return [
    ...handshake12(o),
    send(renegotiationHello({ serverName: o.serverName, ...bad })),
    { kind: 'expect', expect: renegotiationAnswer(wrongVerifyData), label: 'expect the renegotiation answer' },
  ];
}

/** A TLS 1.3 handshake, then another ClientHello → unexpected_message. */
export function clientHelloAfterHandshake13(o: RecipeOptions = {}): Step[] {
  return [
    ...handshake13(o),
    send(clientHello({ serverName: o.serverName }), { transcript: false }),
    expectAlert(AlertDescription.unexpected_message),
  ];
}

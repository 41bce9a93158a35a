/**
 * Recipe: a spoiled Finished (RFC 8446 §4.4.4). The key schedule follows the conversation, so the
 * client's Finished is correctly encrypted under the client handshake traffic key and only its
 * verify_data is wrong: truncated or padded (a length other than Hash.length: decode_error, since the
 * message does not parse, RFC 8446 §6), or of the right length with a wrong value (decrypt_error).
 * @module
 */
import { AlertDescription } from '../../tls/enums.js';
import { clientHello, finished } from '../messages.js';
import { expectAlert, type Step, send } from '../steps.js';
import { type RecipeOptions, serverFlight13 } from './common.js';

/** How the Finished is spoiled. */
export type FinishedVariant = 'truncated' | 'padded' | 'wrong';

/** The alert RFC 8446 names for each variant. */
export const FINISHED_ALERT: Readonly<Record<FinishedVariant, number>> = {
  truncated: AlertDescription.decode_error,
  padded: AlertDescription.decode_error,
  wrong: AlertDescription.decrypt_error,
};

/** A TLS 1.3 handshake whose client Finished is spoiled as `variant` says. */
export function spoiledFinished(o: RecipeOptions = {}, variant: FinishedVariant = 'truncated'): Step[] {
  const spoil =
    variant === 'truncated' ? { length: 31 } : variant === 'padded' ? { append: Uint8Array.of(0) } : { flip: 0x01 };
  return [
    send(clientHello({ serverName: o.serverName })),
    ...serverFlight13(),
    send(finished(spoil)),
    expectAlert(FINISHED_ALERT[variant]),
  ];
}

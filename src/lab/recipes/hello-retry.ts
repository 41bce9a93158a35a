/**
 * Recipe: HelloRetryRequest twice (RFC 8446 §4.1.4). A ClientHello with no key share gets a
 * HelloRetryRequest naming a group; a second ClientHello that again carries no share for that group
 * (or a share for another group) cannot be answered with a second HelloRetryRequest: the server must
 * abort with illegal_parameter (RFC 8446 §4.2.8: the retried share must be for the selected group).
 * @module
 */

import { AlertDescription, NamedGroup } from '../../tls/enums.js';
import { clientHello, retryHello } from '../messages.js';
import { expectAlert, expectMessage, type Step, send } from '../steps.js';
import type { RecipeOptions } from './common.js';

/** What the second ClientHello carries instead of the share asked for. */
export type RetryVariant = 'no-share' | 'other-group';

/** ClientHello without shares → HelloRetryRequest → a ClientHello still without the right share. */
export function helloRetryTwice(o: RecipeOptions = {}, variant: RetryVariant = 'no-share'): Step[] {
  const other = NamedGroup.secp384r1;
  return [
    send(clientHello({ serverName: o.serverName, keyShares: [] })),
    expectMessage('hello_retry_request'),
    send(
      retryHello(undefined, (h) => ({
        ...h,
        extensions: (h.extensions ?? []).map((e) =>
          e.kind === 'key_share' && e.form === 'client_hello'
            ? {
                ...e,
                shares: variant === 'no-share' ? [] : [{ group: other, keyExchange: new Uint8Array(97).fill(4) }],
              }
            : e,
        ),
      })),
    ),
    expectAlert(AlertDescription.illegal_parameter),
  ];
}

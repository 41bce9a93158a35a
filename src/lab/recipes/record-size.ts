/**
 * Recipe: a record over the negotiated limit. The largest TLSInnerPlaintext a TLS 1.3 peer accepts is
 * 2^14 + 1 bytes (RFC 8446 §5.2), or the record_size_limit it announced in EncryptedExtensions
 * (RFC 8449 §4: the limit counts the content type and padding). One byte more must be answered
 * with record_overflow.
 * @module
 */
import { AlertDescription } from '../../tls/enums.js';
import { findExtension } from '../../tls/extensions.js';
import { clientHello, finished } from '../messages.js';
import { appData, branch, expectAlert, type Step, send } from '../steps.js';
import { type RecipeOptions, serverFlight13 } from './common.js';

/** Offer record_size_limit (2^14 + 1) and send application data one byte over the server's limit. */
export function oversizedRecord(o: RecipeOptions = {}): Step[] {
  return [
    send(
      clientHello({
        serverName: o.serverName,
        extraExtensions: [{ kind: 'record_size_limit', limit: 16385 }],
      }),
    ),
    ...serverFlight13(),
    send(finished()),
    branch(({ received }) => {
      let limit = 16385;
      for (const r of received) {
        if (r.kind !== 'message' || r.message.type !== 'encrypted_extensions') continue;
        limit = findExtension(r.message.extensions, 'record_size_limit')?.limit ?? limit;
      }
      // content + 1 content-type byte = limit + 1.
      return [
        appData(new Uint8Array(limit).fill(0x61), { fragment: limit }),
        expectAlert(AlertDescription.record_overflow),
      ];
    }),
  ];
}

/**
 * Recipe: ChangeCipherSpec in the middle of the handshake.
 * - TLS 1.3 (RFC 8446 §5): a plaintext CCS of the single byte 01 between the first ClientHello and the
 *   client's Finished must be dropped, and the handshake completes; a CCS of any other value must be
 *   answered with unexpected_message.
 * - TLS 1.2 (RFC 5246 §7.1, the "early CCS" of CVE-2014-0224): a CCS before the ClientKeyExchange,
 *   when there are no keys to switch to, must be answered with unexpected_message.
 * @module
 */
import { AlertDescription, ContentType } from '../../tls/enums.js';
import { clientHello, finished } from '../messages.js';
import { appData, changeCipherSpec, expectAlert, expectSilence, records, type Step, send } from '../steps.js';
import { type RecipeOptions, serverFlight12, serverFlight13 } from './common.js';

/** TLS 1.3: CCS 01 after the server's flight, then Finished and data: all accepted (no answer). */
export function ccsInHandshake13(o: RecipeOptions = {}): Step[] {
  return [
    send(clientHello({ serverName: o.serverName })),
    ...serverFlight13(),
    changeCipherSpec(),
    send(finished()),
    appData(new TextEncoder().encode('ping')),
    expectSilence(),
  ];
}

/** TLS 1.3: a CCS whose byte is 02 → unexpected_message. */
export function badCcs13(o: RecipeOptions = {}): Step[] {
  return [
    send(clientHello({ serverName: o.serverName })),
    ...serverFlight13(),
    records(ContentType.change_cipher_spec, Uint8Array.of(2), { protect: false }, 'ChangeCipherSpec 02'),
    expectAlert(AlertDescription.unexpected_message),
  ];
}

/** TLS 1.2: CCS right after ServerHelloDone, before any ClientKeyExchange → unexpected_message. */
export function earlyCcs12(o: RecipeOptions = {}): Step[] {
  return [...serverFlight12(o), changeCipherSpec(), expectAlert(AlertDescription.unexpected_message)];
}

/**
 * Pieces the recipes share: the options every recipe takes, and the usual flights — a TLS 1.3 server
 * flight (RFC 8446 §2: ServerHello … Finished) and a full TLS 1.2 ECDHE handshake (RFC 5246 §7.3).
 * @module
 */
import { clientHello, clientKeyExchange, finished } from '../messages.js';
import { changeCipherSpec, expectMessage, expectMessages, type Step, send } from '../steps.js';
import type { HelloOptions } from '../tls13.js';

/** What every recipe takes. */
export interface RecipeOptions {
  /** SNI to send (none when undefined). */
  serverName?: string;
}

/** The server's TLS 1.3 answer to a ClientHello: ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished. */
export function serverFlight13(): Step[] {
  return expectMessages(['server_hello', 'encrypted_extensions', 'certificate', 'certificate_verify', 'finished']);
}

/** A complete TLS 1.3 handshake (a default ClientHello with `hello` applied, our Finished sent). */
export function handshake13(o: RecipeOptions, hello: HelloOptions = {}): Step[] {
  return [send(clientHello({ serverName: o.serverName, ...hello })), ...serverFlight13(), send(finished())];
}

/** A TLS 1.2 ClientHello and the server's ECDHE flight up to ServerHelloDone. */
export function serverFlight12(o: RecipeOptions, hello: HelloOptions = {}): Step[] {
  return [
    send(clientHello({ serverName: o.serverName, versions: [], ...hello })),
    ...expectMessages(['server_hello', 'certificate', 'server_key_exchange', 'server_hello_done']),
  ];
}

/** A complete TLS 1.2 ECDHE handshake, both Finished messages exchanged. */
export function handshake12(o: RecipeOptions, hello: HelloOptions = {}): Step[] {
  return [
    ...serverFlight12(o, hello),
    send(clientKeyExchange()),
    changeCipherSpec(),
    send(finished()),
    expectMessage('finished'),
  ];
}

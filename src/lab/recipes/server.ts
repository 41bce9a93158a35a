/**
 * Server-side recipes (the lab plays a server against a real client). TLS 1.3 (RFC 8446): a full
 * handshake then application data (§4, §2), with a HelloRetryRequest first (§4.1.4) or a KeyUpdate
 * after (§4.6.3); a ServerHello selecting a cipher suite the client did not offer (§4.1.3:
 * illegal_parameter); a Finished with wrong verify_data (§4.4.4: decrypt_error); a HelloRetryRequest
 * naming a group the client already sent a share for (§4.2.8: illegal_parameter). TLS 1.2 (RFC 5246,
 * ECDHE per RFC 8422): a full handshake then data, and a wrong server Finished (§7.4.9: decrypt_error).
 * Run them with `runConversation(transport, steps, { role: 'server', certificate, provider })`.
 * @module
 */
import { AlertDescription, CipherSuite } from '../../tls/enums.js';
import { findExtension } from '../../tls/extensions.js';
import {
  certificateVerify,
  encryptedExtensions,
  type FinishedOptions,
  finished,
  helloRetryRequest,
  serverCertificate,
  serverHello,
  serverHello12,
  serverHelloDone,
  serverKeyExchange,
} from '../messages.js';
import { appData, changeCipherSpec, check, expectAlert, expectMessage, keyUpdate, type Step, send } from '../steps.js';

/** Our flight after the ServerHello: EncryptedExtensions … Finished, under the handshake keys. */
export function serverAuthFlight13(spoil?: FinishedOptions): Step[] {
  return [send([encryptedExtensions(), serverCertificate(), certificateVerify(), finished(spoil)])];
}

const LAB_REPLY = new TextEncoder().encode('hello from the lab\n');

/** After the ServerHello: our flight, the client's Finished expected and checked, then `reply` as data. */
function completeHandshake13(reply: Uint8Array): Step[] {
  return [
    ...serverAuthFlight13(),
    expectMessage('finished'),
    check('client Finished verifies', (cx) => cx.state.clientFinishedValid === true || 'wrong client Finished'),
    appData(reply),
  ];
}

/** A valid TLS 1.3 handshake as the server, the client's Finished checked, then `reply` sent as data. */
export function serveHandshake13(reply: Uint8Array = LAB_REPLY): Step[] {
  return [expectMessage('client_hello'), send(serverHello()), ...completeHandshake13(reply)];
}

/** A suite the client did not offer (TLS_AES_256_GCM_SHA384 unless it did, then TLS_AES_128_GCM_SHA256). */
export function unofferedSuite(offered: readonly number[]): number {
  const candidates = [
    CipherSuite.TLS_AES_256_GCM_SHA384,
    CipherSuite.TLS_AES_128_GCM_SHA256,
    CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
    CipherSuite.TLS_AES_128_CCM_SHA256,
  ];
  return candidates.find((s) => !offered.includes(s)) ?? 0x1305;
}

/** ServerHello selecting a cipher suite the client did not offer: illegal_parameter (RFC 8446 §4.1.3). */
export function unofferedSuiteServerHello(): Step[] {
  return [
    expectMessage('client_hello'),
    send((s) => serverHello({ cipherSuite: unofferedSuite(s.clientHello?.cipherSuites ?? []) })(s)),
    expectAlert(AlertDescription.illegal_parameter),
  ];
}

/** Our Finished with wrong verify_data: the client answers decrypt_error (RFC 8446 §4.4.4, §6.2). */
export function wrongServerFinished(): Step[] {
  return [
    expectMessage('client_hello'),
    send(serverHello()),
    ...serverAuthFlight13({ flip: 0x01 }),
    expectAlert(AlertDescription.decrypt_error),
  ];
}

/**
 * HelloRetryRequest naming the group of a key share the client already sent: illegal_parameter
 * (RFC 8446 §4.1.4: the selected_group must not correspond to a group with a share in ClientHello1).
 */
export function retryForSharedGroup(): Step[] {
  return [
    expectMessage('client_hello'),
    send((s) => {
      const ks = findExtension(s.clientHello?.extensions, 'key_share');
      const group = ks?.form === 'client_hello' ? ks.shares[0]?.group : undefined;
      return helloRetryRequest({ group })(s);
    }),
    expectAlert(AlertDescription.illegal_parameter),
  ];
}

/**
 * A HelloRetryRequest done right (RFC 8446 §4.1.4): ask for `group` (default: one the client supports
 * but sent no share for), expect a second ClientHello with exactly one share, for that group (§4.2.8),
 * then a full handshake whose transcript starts with message_hash(ClientHello1) (§4.4.1), the
 * client's Finished checked, and `reply` sent as data.
 */
export function retryThenHandshake13(reply: Uint8Array = LAB_REPLY, group?: number): Step[] {
  return [
    expectMessage('client_hello'),
    send(helloRetryRequest({ group })),
    expectMessage('client_hello'),
    check('ClientHello2 has one share, for the group asked', (cx) => {
      const hrr = findExtension(cx.state.helloRetryRequest?.extensions, 'key_share');
      const ks = findExtension(cx.state.clientHello?.extensions, 'key_share');
      const asked = hrr?.form === 'hello_retry_request' ? hrr.selectedGroup : undefined;
      const got = ks?.form === 'client_hello' ? ks.shares.map((x) => x.group) : [];
      return (got.length === 1 && got[0] === asked) || `asked for ${asked}, got shares for ${got.join(', ')}`;
    }),
    send(serverHello()),
    ...completeHandshake13(reply),
  ];
}

/**
 * After a valid handshake, a KeyUpdate (RFC 8446 §4.6.3) with `requestUpdate`, then `reply` as data
 * under our next application traffic secret (§7.2): a client that did not follow the update cannot
 * read it.
 */
export function serverKeyUpdate(reply: Uint8Array = LAB_REPLY, requestUpdate = 0): Step[] {
  return [
    expectMessage('client_hello'),
    send(serverHello()),
    ...completeHandshake13(reply).slice(0, -1),
    keyUpdate(requestUpdate),
    appData(reply),
  ];
}

/** TLS 1.2 (RFC 5246 §7.3, ECDHE per RFC 8422): our flight up to ServerHelloDone, the client's flight expected. */
function serverFlight12(): Step[] {
  return [
    expectMessage('client_hello'),
    send(serverHello12()),
    send([serverCertificate(), serverKeyExchange(), serverHelloDone()]),
    expectMessage('client_key_exchange'),
    expectMessage('finished'),
  ];
}

/** A valid TLS 1.2 ECDHE handshake as the server (client Finished checked), then `reply` as data. */
export function serveHandshake12(reply: Uint8Array = LAB_REPLY): Step[] {
  return [
    ...serverFlight12(),
    check('client Finished verifies', (cx) => cx.state.clientFinishedValid === true || 'wrong client Finished'),
    changeCipherSpec(),
    send(finished()),
    appData(reply),
  ];
}

/** TLS 1.2: our Finished with wrong verify_data: decrypt_error (RFC 5246 §7.4.9, §7.2.2). */
export function wrongServerFinished12(): Step[] {
  return [
    ...serverFlight12(),
    changeCipherSpec(),
    send(finished({ flip: 0x01 })),
    expectAlert(AlertDescription.decrypt_error),
  ];
}

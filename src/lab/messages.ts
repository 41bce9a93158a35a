/**
 * Handshake messages built from the conversation state, each a {@link Lazy} value for `send`:
 * ClientHello (RFC 8446 §4.1.2) and its retry after a HelloRetryRequest, Finished in either version
 * (RFC 8446 §4.4.4, RFC 5246 §7.4.9) right, wrong, truncated or padded, ClientKeyExchange
 * (RFC 5246 §7.4.7, RFC 8422 §5.7), TLS 1.2 renegotiation's ClientHello (RFC 5746 §3.5), and in the
 * server role ServerHello, HelloRetryRequest, EncryptedExtensions, Certificate and CertificateVerify
 * (RFC 8446 §4.1.3, §4.1.4, §4.3.1, §4.4.2, §4.4.3).
 * @module
 */
import { concat } from '../bytes/hex.js';
import type { Extension } from '../tls/extensions.js';
import { findExtension } from '../tls/extensions.js';
import type { CertificateVerify, Tls12Certificate, Tls13Certificate } from '../tls/messages/certificate.js';
import type { ClientHello, ServerHello } from '../tls/messages/hello.js';
import type { ClientKeyExchange, EcdheServerKeyExchange, ServerHelloDone } from '../tls/messages/key-exchange.js';
import type { EncryptedExtensions, Finished } from '../tls/messages/session.js';
import {
  defaultServerHello12,
  type ServerHello12Options,
  type ServerKeyExchangeOptions,
  serverCertificate12,
  serverFinished12,
  serverKeyExchange12,
} from './server12.js';
import {
  type CertificateVerifyOptions,
  defaultEncryptedExtensions,
  defaultHelloRetryRequest,
  defaultServerHello,
  type ServerHelloOptions,
  serverCertificateMessage,
  serverCertificateVerify,
  serverFinished13,
} from './server13.js';
import type { LabState } from './state.js';
import { clientKeyExchange as buildCke, clientFinished12, type RsaPremasterOptions } from './tls12.js';
import { clientFinished13, defaultClientHello, type HelloOptions, retryClientHello } from './tls13.js';

/** The default ClientHello with `options` applied (a fresh key share each time it is built). */
export function clientHello(options: HelloOptions = {}): (s: LabState) => ClientHello {
  return (s) => defaultClientHello(s, options);
}

/** The ClientHello that answers the HelloRetryRequest received (a share for `group`, default the one asked). */
export function retryHello(group?: number, edit?: (h: ClientHello) => ClientHello): (s: LabState) => ClientHello {
  return (s) => {
    const hello = retryClientHello(s, group);
    return edit ? edit(hello) : hello;
  };
}

/** How a Finished is spoiled. */
export interface FinishedOptions {
  /** XOR this into the first byte of verify_data (a wrong MAC of the right length). */
  flip?: number;
  /** Keep only this many bytes of verify_data (truncated). */
  length?: number;
  /** Append these bytes (padded). */
  append?: Uint8Array;
  /** Send this verify_data instead. */
  verifyData?: Uint8Array;
}

/** Our Finished (the client's, or in the server role the server's) for the version in use, over the transcript so far, optionally spoiled. */
export function finished(o: FinishedOptions = {}): (s: LabState) => Finished {
  return (s) => {
    let verifyData = o.verifyData ?? defaultVerifyData(s);
    if (o.flip !== undefined) {
      verifyData = verifyData.slice();
      verifyData[0]! ^= o.flip;
    }
    if (o.length !== undefined) verifyData = verifyData.slice(0, o.length);
    if (o.append) verifyData = concat(verifyData, o.append);
    return { type: 'finished', verifyData };
  };
}

function defaultVerifyData(s: LabState): Uint8Array {
  if (s.role === 'server') return s.version === 'tls12' ? serverFinished12(s) : serverFinished13(s);
  return s.version === 'tls12' ? clientFinished12(s) : clientFinished13(s);
}

/** A TLS 1.2 ClientKeyExchange for the negotiated key exchange (RSA: any premaster or ciphertext). */
export function clientKeyExchange(o: RsaPremasterOptions = {}): (s: LabState) => ClientKeyExchange {
  return (s) => buildCke(s, o);
}

/**
 * TLS 1.2 renegotiation: a new ClientHello (sent under the current keys) whose renegotiation_info
 * carries our last Finished verify_data (RFC 5746 §3.5), or is left as `edit` makes it.
 */
export function renegotiationHello(
  options: HelloOptions & { clientVerifyData?: Uint8Array } = {},
): (s: LabState) => ClientHello {
  return (s) => {
    const hello = defaultClientHello(s, { versions: [], ...options });
    const verify = options.clientVerifyData ?? s.lastClientVerifyData ?? new Uint8Array(0);
    const extensions = (hello.extensions ?? []).map((e) =>
      e.kind === 'renegotiation_info' ? { ...e, renegotiatedConnection: verify } : e,
    );
    return options.edit ? options.edit({ ...hello, extensions }) : { ...hello, extensions };
  };
}

/** Whether the ServerHello received carries the TLS 1.2 or 1.1 downgrade sentinel (RFC 8446 §4.1.3). */
export function sentinelOf(s: LabState): 'tls12' | 'tls11' | undefined {
  const random = s.serverHello?.random;
  if (!random) return undefined;
  const tail = Array.from(random.subarray(24), (b) => b.toString(16).padStart(2, '0')).join('');
  if (tail === '444f574e47524401') return 'tls12';
  if (tail === '444f574e47524400') return 'tls11';
  return undefined;
}

/** The extension types of the ServerHello received, for scripts that branch on them. */
export function serverHelloHas(s: LabState, kind: Parameters<typeof findExtension>[1]): boolean {
  return findExtension(s.serverHello?.extensions, kind) !== undefined;
}

/** Server role: the default ServerHello answering the ClientHello received (RFC 8446 §4.1.3), overridden by `options`. */
export function serverHello(options: ServerHelloOptions = {}): (s: LabState) => ServerHello {
  return (s) => defaultServerHello(s, options);
}

/** Server role: a HelloRetryRequest (RFC 8446 §4.1.4) asking for `options.group` (default: a group with no share). */
export function helloRetryRequest(
  options: ServerHelloOptions & { cookie?: Uint8Array } = {},
): (s: LabState) => ServerHello {
  return (s) => defaultHelloRetryRequest(s, options);
}

/** Server role: EncryptedExtensions (RFC 8446 §4.3.1) with `extensions` (default none). */
export function encryptedExtensions(extensions: Extension[] = []): EncryptedExtensions {
  return defaultEncryptedExtensions(extensions);
}

/**
 * Server role: Certificate (RFC 8446 §4.4.2; RFC 5246 §7.4.2 once a TLS 1.2 ServerHello went out)
 * with the run's chain (RunOptions.certificate) or `chain`.
 */
export function serverCertificate(chain?: Uint8Array[]): (s: LabState) => Tls13Certificate | Tls12Certificate {
  return (s) => (s.version === 'tls12' ? serverCertificate12(s, chain) : serverCertificateMessage(s, chain));
}

/** Server role: a TLS 1.2 ServerHello (RFC 5246 §7.4.1.3) answering the ClientHello received. */
export function serverHello12(options: ServerHello12Options = {}): (s: LabState) => ServerHello {
  return (s) => defaultServerHello12(s, options);
}

/** Server role: an ECDHE ServerKeyExchange (RFC 8422 §5.4), really signed (or spoiled). */
export function serverKeyExchange(options: ServerKeyExchangeOptions = {}): (s: LabState) => EcdheServerKeyExchange {
  return (s) => serverKeyExchange12(s, options);
}

/** Server role: ServerHelloDone (RFC 5246 §7.4.5). */
export function serverHelloDone(): ServerHelloDone {
  return { type: 'server_hello_done' };
}

/** Server role: CertificateVerify (RFC 8446 §4.4.3) over the transcript so far, really signed (or spoiled). */
export function certificateVerify(options: CertificateVerifyOptions = {}): (s: LabState) => CertificateVerify {
  return (s) => serverCertificateVerify(s, options);
}

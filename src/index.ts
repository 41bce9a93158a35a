/**
 * tlswire: wire codecs and sans-IO state machines for TCP and TLS.
 *
 * The root entry re-exports the byte core and each layer as a namespace (`tcp`, `capture`, `tls`,
 * `crypto`, `x509`, `decrypt`, `handshake`) that carries the layer's types as well as its values (`tls.ClientHello`,
 * `tls.decodeHandshake`); import a layer's subpath (`tlswire/tcp`, `tlswire/tls`, …) to get its names
 * directly.
 *
 * This file holds only imports and re-exports: the build (`scripts/root-declarations.mjs`) copies it as
 * the root's declaration files, so that each namespace is the subpath's own declarations.
 * @module
 */
import * as capture from './capture/index.js';
import * as crypto from './crypto/index.js';
import * as decrypt from './decrypt/index.js';
import * as handshake from './handshake/index.js';
import * as tcp from './tcp/index.js';
import * as tls from './tls/index.js';
import * as x509 from './x509/index.js';

export {
  concat,
  constantTimeEqual,
  DecodeError,
  type DecodeErrorReason,
  EncodeError,
  equalBytes,
  fromHex,
  type PathElement,
  Reader,
  TlswireError,
  toHex,
  type VecLimits,
  Writer,
  wipe,
} from './bytes/index.js';
export { capture, crypto, decrypt, handshake, tcp, tls, x509 };

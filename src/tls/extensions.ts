/**
 * Every TLS 1.2 and 1.3 hello and handshake extension as a typed value, with decode and encode.
 *
 * An extension (RFC 8446 §4.2, RFC 5246 §7.4.1.4) is `extension_type` u16 + `extension_data<0..2^16-1>`.
 * {@link Extension} is a discriminated union on `kind` (the IANA name): each member exposes every field of
 * its body, and a decoded one also keeps `data`, the exact `extension_data` bytes it came from. Types
 * tlswire does not model (and GREASE types, RFC 8701) decode to `{ kind: 'unknown', type, data }` and are
 * written back unchanged, in the order given.
 *
 * Some bodies depend on the message they are carried in (key_share, supported_versions, pre_shared_key,
 * early_data, server_name, status_request): the decoder takes that message as an
 * {@link ExtensionContext}. The encoder needs no context: the member's `form` says which body to write.
 * It writes exactly what it is given, duplicates and unknown values included; only the decoder rejects a
 * repeated type (RFC 8446 §4.2: reason `duplicate`).
 *
 * Strings (host names, ALPN protocol names) are decoded one character per byte (Latin-1), so any bytes
 * survive a round trip; ASCII names read naturally.
 * @module
 */

import { EncodeError } from '../bytes/errors.js';
import { type PathElement, type Reader, type VecLimits, vecLimits } from '../bytes/reader.js';
import type { Writer } from '../bytes/writer.js';
import { CertificateStatusType, ExtensionType } from './enums.js';

/** The message an extension block belongs to; it selects the body format of context-dependent extensions. */
export type ExtensionContext =
  | 'client_hello'
  | 'server_hello'
  | 'hello_retry_request'
  | 'encrypted_extensions'
  | 'certificate'
  | 'certificate_request'
  | 'new_session_ticket';

/** Fields shared by every extension. */
interface ExtensionBase {
  /** The exact `extension_data` bytes, set by the decoder. The encoder ignores it and writes the fields. */
  data?: Uint8Array;
}

/** `ServerName` (RFC 6066 §3). `name` holds the bytes one character per byte (Latin-1). */
export interface ServerName {
  /** NameType; 0 is host_name. */
  type: number;
  name: string;
}

/**
 * server_name (RFC 6066 §3). In a ClientHello: `server_name_list<1..2^16-1>`. In a ServerHello or
 * EncryptedExtensions the body is empty: `names` is `[]`, and an empty `names` encodes an empty body.
 */
export interface ServerNameExtension extends ExtensionBase {
  kind: 'server_name';
  names: ServerName[];
}

/** `CertificateStatus` (RFC 6066 §8): status_type ocsp(1) + `OCSPResponse ocsp_response<1..2^24-1>`. */
export interface CertificateStatus {
  statusType: number;
  response: Uint8Array;
}

/**
 * status_request (RFC 6066 §8, RFC 8446 §4.4.2.1). The decoder picks the form from the context:
 * - `request` (ClientHello): `CertificateStatusRequest` with an `OCSPStatusRequest` (responder_id_list,
 *   request_extensions as the raw DER `Extensions`).
 * - `response` (TLS 1.3 CertificateEntry extensions): a `CertificateStatus`.
 * - `empty` (every other message): no body. In a TLS 1.2 ServerHello the server will send
 *   CertificateStatus; in a TLS 1.3 CertificateRequest the server accepts an OCSP response with the
 *   client's certificate (RFC 8446 §4.4.2.1; gnutls-serv sends it). A body there is DecodeError `trailing`.
 * Only status_type ocsp(1) has a defined body; any other decodes as DecodeError `value`.
 */
export type StatusRequestExtension =
  | (ExtensionBase & {
      kind: 'status_request';
      form: 'request';
      statusType: number;
      /** `ResponderID responder_id_list<0..2^16-1>`, each `opaque ResponderID<1..2^16-1>` (DER). */
      responderIds: Uint8Array[];
      /** `opaque Extensions<0..2^16-1>` (DER). */
      requestExtensions: Uint8Array;
    })
  | (ExtensionBase & { kind: 'status_request'; form: 'empty' })
  | (ExtensionBase & { kind: 'status_request'; form: 'response'; status: CertificateStatus });

/** supported_groups (RFC 8446 §4.2.7, RFC 8422 §5.1.1): `NamedGroup named_group_list<2..2^16-1>`. */
export interface SupportedGroupsExtension extends ExtensionBase {
  kind: 'supported_groups';
  groups: number[];
}

/** ec_point_formats (RFC 8422 §5.1.2): `ECPointFormat ec_point_format_list<1..2^8-1>`. */
export interface EcPointFormatsExtension extends ExtensionBase {
  kind: 'ec_point_formats';
  formats: number[];
}

/**
 * signature_algorithms and signature_algorithms_cert (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1):
 * `SignatureScheme supported_signature_algorithms<2..2^16-2>`.
 */
export interface SignatureAlgorithmsExtension extends ExtensionBase {
  kind: 'signature_algorithms' | 'signature_algorithms_cert';
  schemes: number[];
}

/**
 * application_layer_protocol_negotiation (RFC 7301 §3.1): `ProtocolName protocol_name_list<2..2^16-1>`,
 * each `opaque ProtocolName<1..2^8-1>` (Latin-1 strings here). The server sends exactly one.
 */
export interface AlpnExtension extends ExtensionBase {
  kind: 'application_layer_protocol_negotiation';
  protocols: string[];
}

/** padding (RFC 7685 §3): the bytes as received (the RFC requires zeros; they are kept, not checked). */
export interface PaddingExtension extends ExtensionBase {
  kind: 'padding';
  padding: Uint8Array;
}

/**
 * Extensions whose body is always empty: encrypt_then_mac (RFC 7366), extended_master_secret
 * (RFC 7627 §5.1), post_handshake_auth (RFC 8446 §4.2.6).
 */
export interface EmptyExtension extends ExtensionBase {
  kind: 'encrypt_then_mac' | 'extended_master_secret' | 'post_handshake_auth';
}

/** record_size_limit (RFC 8449 §4): `uint16 RecordSizeLimit`. */
export interface RecordSizeLimitExtension extends ExtensionBase {
  kind: 'record_size_limit';
  limit: number;
}

/**
 * session_ticket (RFC 5077 §3.2): the whole body is the ticket (no length prefix); empty to ask for
 * a ticket, and empty in the ServerHello.
 */
export interface SessionTicketExtension extends ExtensionBase {
  kind: 'session_ticket';
  ticket: Uint8Array;
}

/** `PskIdentity` (RFC 8446 §4.2.11). */
export interface PskIdentity {
  /** `opaque identity<1..2^16-1>` */
  identity: Uint8Array;
  obfuscatedTicketAge: number;
}

/**
 * pre_shared_key (RFC 8446 §4.2.11). ClientHello: `OfferedPsks` (identities<7..2^16-1>,
 * binders<33..2^16-1> of `opaque PskBinderEntry<32..255>`); ServerHello: `uint16 selected_identity`.
 */
export type PreSharedKeyExtension =
  | (ExtensionBase & { kind: 'pre_shared_key'; form: 'client_hello'; identities: PskIdentity[]; binders: Uint8Array[] })
  | (ExtensionBase & { kind: 'pre_shared_key'; form: 'server_hello'; selectedIdentity: number });

/**
 * early_data (RFC 8446 §4.2.10): empty in ClientHello and EncryptedExtensions; `uint32
 * max_early_data_size` in NewSessionTicket (present exactly when `maxEarlyDataSize` is set).
 */
export interface EarlyDataExtension extends ExtensionBase {
  kind: 'early_data';
  maxEarlyDataSize?: number;
}

/**
 * supported_versions (RFC 8446 §4.2.1). ClientHello: `ProtocolVersion versions<2..254>`; ServerHello
 * and HelloRetryRequest: `ProtocolVersion selected_version`.
 */
export type SupportedVersionsExtension =
  | (ExtensionBase & { kind: 'supported_versions'; form: 'client_hello'; versions: number[] })
  | (ExtensionBase & { kind: 'supported_versions'; form: 'server_hello'; selectedVersion: number });

/** cookie (RFC 8446 §4.2.2): `opaque cookie<1..2^16-1>`. */
export interface CookieExtension extends ExtensionBase {
  kind: 'cookie';
  cookie: Uint8Array;
}

/** psk_key_exchange_modes (RFC 8446 §4.2.9): `PskKeyExchangeMode ke_modes<1..255>`. */
export interface PskKeyExchangeModesExtension extends ExtensionBase {
  kind: 'psk_key_exchange_modes';
  modes: number[];
}

/**
 * certificate_authorities (RFC 8446 §4.2.4): `DistinguishedName authorities<3..2^16-1>`, each
 * `opaque DistinguishedName<1..2^16-1>` (DER).
 */
export interface CertificateAuthoritiesExtension extends ExtensionBase {
  kind: 'certificate_authorities';
  authorities: Uint8Array[];
}

/** `KeyShareEntry` (RFC 8446 §4.2.8): `NamedGroup group; opaque key_exchange<1..2^16-1>`. */
export interface KeyShareEntry {
  group: number;
  keyExchange: Uint8Array;
}

/**
 * key_share (RFC 8446 §4.2.8). ClientHello: `KeyShareEntry client_shares<0..2^16-1>`; ServerHello:
 * one `KeyShareEntry server_share`; HelloRetryRequest: `NamedGroup selected_group`.
 */
export type KeyShareExtension =
  | (ExtensionBase & { kind: 'key_share'; form: 'client_hello'; shares: KeyShareEntry[] })
  | (ExtensionBase & { kind: 'key_share'; form: 'server_hello'; share: KeyShareEntry })
  | (ExtensionBase & { kind: 'key_share'; form: 'hello_retry_request'; selectedGroup: number });

/** renegotiation_info (RFC 5746 §3.2): `opaque renegotiated_connection<0..255>`. */
export interface RenegotiationInfoExtension extends ExtensionBase {
  kind: 'renegotiation_info';
  renegotiatedConnection: Uint8Array;
}

/** Any other extension type (including GREASE, RFC 8701): the type and its body, untouched. */
export interface UnknownExtension {
  kind: 'unknown';
  type: number;
  data: Uint8Array;
}

/** One extension. Narrow on `kind` (and on `form` for context-dependent bodies). */
export type Extension =
  | ServerNameExtension
  | StatusRequestExtension
  | SupportedGroupsExtension
  | EcPointFormatsExtension
  | SignatureAlgorithmsExtension
  | AlpnExtension
  | PaddingExtension
  | EmptyExtension
  | RecordSizeLimitExtension
  | SessionTicketExtension
  | PreSharedKeyExtension
  | EarlyDataExtension
  | SupportedVersionsExtension
  | CookieExtension
  | PskKeyExchangeModesExtension
  | CertificateAuthoritiesExtension
  | KeyShareExtension
  | RenegotiationInfoExtension
  | UnknownExtension;

/** The `kind` of every modelled extension. */
export type KnownExtensionKind = Exclude<Extension['kind'], 'unknown'>;

/** The wire `extension_type` of `ext`. */
export function extensionType(ext: Extension): number {
  return ext.kind === 'unknown' ? ext.type : ExtensionType[ext.kind];
}

// ---------------------------------------------------------------------------------------------------
// Small helpers

/** `opaque field<1..2^(8·width)-1>` as a string of one character per byte (straight from the input, no byte view). */
function readLatin1(r: Reader, width: 1 | 2, field: string): string {
  const start = r.span(width, field, NON_EMPTY);
  return latin1(r.buf, start, r.position);
}

/** `b[start, end)` as a string of one character per byte. */
function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let p = start; p < end; p++) s += String.fromCharCode(b[p]!);
  return s;
}

function writeLatin1(w: Writer, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new EncodeError(`character U+${c.toString(16)} in ${JSON.stringify(s)} is not one byte`);
    w.u8(c);
  }
}

/**
 * `uint16 list<…>` inside a vector with a `width`-byte prefix, read without per-item error paths.
 * `limits` must say `multipleOf: 2`, so that an item can never be cut.
 */
export function readU16List(r: Reader, field: string, width: 1 | 2, limits: VecLimits & { multipleOf: 2 }): number[] {
  const start = r.span(width, field, limits);
  const end = r.position;
  const b = r.buf;
  const out = new Array<number>((end - start) >> 1); // exact size: one allocation, no growth
  for (let p = start, i = 0; p < end; p += 2, i++) out[i] = (b[p]! << 8) | b[p + 1]!;
  return out;
}

/** `uint8 list<…>` inside a vector with a 1-byte prefix. */
export function readU8List(r: Reader, field: string, limits: VecLimits): number[] {
  const start = r.span(1, field, limits);
  const end = r.position;
  const b = r.buf;
  const out = new Array<number>(end - start);
  for (let p = start; p < end; p++) out[p - start] = b[p]!;
  return out;
}

/** Write a `uint16 list<…>` inside a vector with a `width`-byte prefix (what {@link readU16List} reads). */
export function writeU16List(w: Writer, width: 1 | 2, values: readonly number[]): void {
  // A body closure per prefix width: one closure shared by vec8 and vec16 made ClientHello encoding
  // about half as fast.
  if (width === 1) {
    w.vec8((w) => {
      for (const v of values) w.u16(v);
    });
  } else {
    w.vec16((w) => {
      for (const v of values) w.u16(v);
    });
  }
}

/** Write a `uint8 list<…>` inside a vector with a 1-byte prefix (what {@link readU8List} reads). */
export function writeU8List(w: Writer, values: readonly number[]): void {
  w.vec8((w) => {
    for (const v of values) w.u8(v);
  });
}

/**
 * `SignatureScheme supported_signature_algorithms<2..2^16-2>` (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1):
 * the body of signature_algorithms(_cert) and a field of the TLS 1.2 CertificateRequest (§7.4.4).
 */
export function readSignatureAlgorithms(r: Reader): number[] {
  return readU16List(r, 'supported_signature_algorithms', 2, U16_LIST_MAX_FFFE);
}

/** Limits of the u16 lists of RFC 8446 (`<2..2^16-1>`, `<2..2^16-2>`, `<2..254>`). */
export const U16_LIST = vecLimits({ min: 2, multipleOf: 2 });
export const U16_LIST_MAX_FFFE = vecLimits({ min: 2, max: 0xfffe, multipleOf: 2 });
const VERSIONS_LIMITS = vecLimits({ min: 2, max: 254, multipleOf: 2 });
/** `<1..…>`, the commonest limits. */
export const NON_EMPTY = vecLimits({ min: 1 });
const BINDER_LIMITS = vecLimits({ min: 32 });
const ALPN_LIMITS = vecLimits({ min: 2 });
const IDENTITIES_LIMITS = vecLimits({ min: 7 });
const BINDERS_LIMITS = vecLimits({ min: 33 });
const AUTHORITIES_LIMITS = vecLimits({ min: 3 });

// Readers of list items, made once (not a closure per list).
const readResponderId = (r: Reader): Uint8Array => r.opaque16('ResponderID', NON_EMPTY);
const readServerName = (r: Reader): ServerName => ({
  type: r.u8('name_type'),
  name: readLatin1(r, 2, 'HostName'),
});
const readProtocolName = (r: Reader): string => readLatin1(r, 1, 'ProtocolName');
const readPskIdentity = (r: Reader): PskIdentity => ({
  identity: r.opaque16('identity', NON_EMPTY),
  obfuscatedTicketAge: r.u32('obfuscated_ticket_age'),
});
const readPskBinder = (r: Reader): Uint8Array => r.opaque8('PskBinderEntry', BINDER_LIMITS);
const readDistinguishedName = (r: Reader): Uint8Array => r.opaque16('DistinguishedName', NON_EMPTY);

function readCertificateStatusRequest(r: Reader, data: Uint8Array): Extension {
  const statusType = r.u8('status_type');
  if (statusType !== CertificateStatusType.ocsp) {
    r.fail('value', `status_type ${statusType} has no defined body (RFC 6066 §8)`, 'status_type', r.offset - 1);
  }
  const responderIds = r.list16('responder_id_list', readResponderId);
  const requestExtensions = r.opaque16('request_extensions');
  return { kind: 'status_request', form: 'request', statusType, responderIds, requestExtensions, data };
}

/**
 * Decode a `CertificateStatus` body (RFC 6066 §8): the CertificateStatus handshake message and the
 * status_request extension of a TLS 1.3 CertificateEntry.
 */
export function decodeCertificateStatus(r: Reader): CertificateStatus {
  const statusType = r.u8('status_type');
  if (statusType !== CertificateStatusType.ocsp) {
    r.fail('value', `status_type ${statusType} has no defined body (RFC 6066 §8)`, 'status_type', r.offset - 1);
  }
  return { statusType, response: r.opaque24('ocsp_response', NON_EMPTY) };
}

/** Encode a `CertificateStatus` body (RFC 6066 §8). */
export function encodeCertificateStatus(w: Writer, s: CertificateStatus): void {
  w.u8(s.statusType);
  w.opaque24(s.response);
}

function readKeyShareEntry(r: Reader): KeyShareEntry {
  const group = r.u16('group');
  return { group, keyExchange: r.opaque16('key_exchange', NON_EMPTY) };
}

function writeKeyShareEntry(w: Writer, e: KeyShareEntry): void {
  w.u16(e.group);
  w.opaque16(e.keyExchange);
}

// Scanners for the lists of a typical ClientHello. A scanner reads an extension body straight from the
// buffer, without per-item path elements or closures, and consumes it only if it is well formed; on
// anything unusual it returns `undefined` having consumed nothing, and the caller decodes the body again
// with the checked Reader helpers, which report the error (reason, path, offset) exactly. `r` is
// narrowed to the extension_data.

/**
 * Scan a `list<min..2^16-1>` that fills `r` exactly, whose items are a `head`-byte header ending in the
 * 1- or 2-byte (`width`) length of non-empty data: `make(r, p, n)` builds the item at `p` whose data
 * is `n` bytes.
 */
function scanList16<T>(
  r: Reader,
  min: number,
  head: number,
  width: 1 | 2,
  make: (r: Reader, p: number, n: number) => T,
): T[] | undefined {
  const b = r.buf;
  const start = r.position;
  const end = start + r.remaining;
  if (end - start < min || ((b[start]! << 8) | b[start + 1]!) !== end - start - 2) return undefined;
  const out: T[] = [];
  for (let p = start + 2; p < end; ) {
    if (end - p < head) return undefined;
    const n = width === 1 ? b[p + head - 1]! : (b[p + head - 2]! << 8) | b[p + head - 1]!;
    if (n === 0 || n > end - p - head) return undefined;
    out.push(make(r, p, n));
    p += head + n;
  }
  r.skip(end - start);
  return out;
}

/** An item of `ServerName server_name_list<1..2^16-1>`: name_type, `opaque HostName<1..2^16-1>` (RFC 6066 §3). */
const serverNameAt = (r: Reader, p: number, n: number): ServerName => ({
  type: r.buf[p]!,
  name: latin1(r.buf, p + 3, p + 3 + n),
});

/** An item of `ProtocolName protocol_name_list<2..2^16-1>`: `opaque ProtocolName<1..2^8-1>` (RFC 7301 §3.1). */
const protocolNameAt = (r: Reader, p: number, n: number): string => latin1(r.buf, p + 1, p + 1 + n);

/** An item of `KeyShareEntry client_shares<0..2^16-1>`: group, `opaque key_exchange<1..2^16-1>` (RFC 8446 §4.2.8). */
const clientShareAt = (r: Reader, p: number, n: number): KeyShareEntry => ({
  group: (r.buf[p]! << 8) | r.buf[p + 1]!,
  keyExchange: r.view(p + 4, n),
});

// ---------------------------------------------------------------------------------------------------
// Decoding

/** Decode the body of a known extension; `r` is narrowed to exactly the extension_data. */
function decodeBody(r: Reader, kind: KnownExtensionKind, context: ExtensionContext, data: Uint8Array): Extension {
  switch (kind) {
    case 'server_name': {
      if (context !== 'client_hello') return { kind: 'server_name', names: [], data };
      const names = scanList16(r, 3, 3, 2, serverNameAt) ?? r.list16('server_name_list', readServerName, NON_EMPTY);
      return { kind: 'server_name', names, data };
    }
    case 'status_request':
      if (context === 'client_hello') return readCertificateStatusRequest(r, data);
      if (context === 'certificate')
        return { kind: 'status_request', form: 'response', status: decodeCertificateStatus(r), data };
      // ServerHello, CertificateRequest (RFC 8446 §4.4.2.1), …: empty; a body is left for `trailing`.
      return { kind: 'status_request', form: 'empty', data };
    case 'supported_groups':
      return { kind: 'supported_groups', groups: readU16List(r, 'named_group_list', 2, U16_LIST), data };
    case 'ec_point_formats':
      return { kind: 'ec_point_formats', formats: readU8List(r, 'ec_point_format_list', NON_EMPTY), data };
    case 'signature_algorithms':
    case 'signature_algorithms_cert':
      return { kind, schemes: readSignatureAlgorithms(r), data };
    case 'application_layer_protocol_negotiation': {
      const protocols =
        scanList16(r, 4, 1, 1, protocolNameAt) ?? r.list16('protocol_name_list', readProtocolName, ALPN_LIMITS);
      return { kind: 'application_layer_protocol_negotiation', protocols, data };
    }
    case 'padding':
      r.skip(data.length); // the body is all padding: `data` is already its view
      return { kind: 'padding', padding: data, data };
    case 'encrypt_then_mac':
      return { kind: 'encrypt_then_mac', data };
    case 'extended_master_secret':
      return { kind: 'extended_master_secret', data };
    case 'post_handshake_auth':
      return { kind: 'post_handshake_auth', data };
    case 'record_size_limit':
      return { kind: 'record_size_limit', limit: r.u16('RecordSizeLimit'), data };
    case 'session_ticket':
      r.skip(data.length); // the body is all ticket: `data` is already its view
      return { kind: 'session_ticket', ticket: data, data };
    case 'pre_shared_key': {
      if (context !== 'client_hello') {
        return { kind: 'pre_shared_key', form: 'server_hello', selectedIdentity: r.u16('selected_identity'), data };
      }
      const identities = r.list16('identities', readPskIdentity, IDENTITIES_LIMITS);
      const binders = r.list16('binders', readPskBinder, BINDERS_LIMITS);
      return { kind: 'pre_shared_key', form: 'client_hello', identities, binders, data };
    }
    case 'early_data':
      if (context === 'new_session_ticket')
        return { kind: 'early_data', maxEarlyDataSize: r.u32('max_early_data_size'), data };
      return { kind: 'early_data', data };
    case 'supported_versions':
      if (context === 'client_hello') {
        const versions = readU16List(r, 'versions', 1, VERSIONS_LIMITS);
        return { kind: 'supported_versions', form: 'client_hello', versions, data };
      }
      return { kind: 'supported_versions', form: 'server_hello', selectedVersion: r.u16('selected_version'), data };
    case 'cookie':
      return { kind: 'cookie', cookie: r.opaque16('cookie', NON_EMPTY), data };
    case 'psk_key_exchange_modes':
      return { kind: 'psk_key_exchange_modes', modes: readU8List(r, 'ke_modes', NON_EMPTY), data };
    case 'certificate_authorities': {
      const authorities = r.list16('authorities', readDistinguishedName, AUTHORITIES_LIMITS);
      return { kind: 'certificate_authorities', authorities, data };
    }
    case 'key_share':
      if (context === 'server_hello')
        return { kind: 'key_share', form: 'server_hello', share: readKeyShareEntry(r), data };
      if (context === 'hello_retry_request') {
        return { kind: 'key_share', form: 'hello_retry_request', selectedGroup: r.u16('selected_group'), data };
      }
      return {
        kind: 'key_share',
        form: 'client_hello',
        shares: scanList16(r, 2, 4, 2, clientShareAt) ?? r.list16('client_shares', readKeyShareEntry),
        data,
      };
    case 'renegotiation_info':
      return { kind: 'renegotiation_info', renegotiatedConnection: r.opaque8('renegotiated_connection'), data };
  }
}

/** The kind of each modelled extension type. */
const EXTENSION_KIND = new Map<number, KnownExtensionKind>(
  (
    [
      'server_name',
      'status_request',
      'supported_groups',
      'ec_point_formats',
      'signature_algorithms',
      'signature_algorithms_cert',
      'application_layer_protocol_negotiation',
      'padding',
      'encrypt_then_mac',
      'extended_master_secret',
      'post_handshake_auth',
      'record_size_limit',
      'session_ticket',
      'pre_shared_key',
      'early_data',
      'supported_versions',
      'cookie',
      'psk_key_exchange_modes',
      'certificate_authorities',
      'key_share',
      'renegotiation_info',
    ] as const satisfies readonly KnownExtensionKind[]
  ).map((kind) => [ExtensionType[kind], kind]),
);

/** {@link EXTENSION_KIND} as a dense table for the small type codes (all but renegotiation_info). */
const SMALL_KIND: (KnownExtensionKind | undefined)[] = Array.from({ length: 64 }, (_, t) => EXTENSION_KIND.get(t));

function kindOf(type: number): KnownExtensionKind | undefined {
  return type < 64 ? SMALL_KIND[type] : type === ExtensionType.renegotiation_info ? 'renegotiation_info' : undefined;
}

/** Error-path element of the extension of `type` at `index` of its block (`[3].key_share`), -1 for a lone one. */
function extensionField(type: number, index: number): string {
  const name = kindOf(type) ?? `extension_0x${type.toString(16).padStart(4, '0')}`;
  return index < 0 ? name : `[${index}].${name}`;
}

function indexed(index: number, field: string): string {
  return index < 0 ? field : `[${index}].${field}`;
}

/**
 * The error-path element of the extension being decoded: one per block, updated per extension, named
 * only if an error needs it (a string per extension cost ~4% of a ClientHello decode).
 */
class ExtensionPath implements PathElement {
  type = 0;
  index = -1;
  toString(): string {
    return extensionField(this.type, this.index);
  }
}

/**
 * The extension types met so far in one block, to reject a repeated one (RFC 8446 §4.2): a bit per type
 * below 64 (every common one), a list for the others (GREASE, renegotiation_info, unknown types).
 */
class TypeSet {
  private low = 0;
  private high = 0;
  /** A Set, not a list: a block may hold 16,383 distinct unknown types (quadratic with `includes`). */
  private others: Set<number> | undefined;

  /** Add `type`; `false` when it was already there. */
  add(type: number): boolean {
    if (type < 32) {
      const bit = 1 << type;
      if (this.low & bit) return false;
      this.low |= bit;
    } else if (type < 64) {
      const bit = 1 << (type - 32);
      if (this.high & bit) return false;
      this.high |= bit;
    } else if (this.others === undefined) {
      this.others = new Set([type]);
    } else {
      if (this.others.has(type)) return false;
      this.others.add(type);
    }
    return true;
  }
}

/** Decode one extension at `path.index` of its block (-1: a lone one); `seen` rejects repeated types. */
function readExtension(
  r: Reader,
  context: ExtensionContext,
  path: ExtensionPath,
  seen: TypeSet | undefined,
): Extension {
  const index = path.index;
  if (r.remaining < 4) {
    const field = r.remaining < 2 ? 'extension_type' : 'extension_data';
    r.fail('truncated', `need 4 byte(s) of extension header, ${r.remaining} left`, indexed(index, field));
  }
  // The 4-byte header straight from the buffer (its length was checked just above).
  const b = r.buf;
  const p = r.position;
  const type = (b[p]! << 8) | b[p + 1]!;
  const length = (b[p + 2]! << 8) | b[p + 3]!;
  if (seen && !seen.add(type)) {
    r.fail('duplicate', `extension type ${type} appears twice`, indexed(index, 'extension_type'));
  }
  r.skip(4);
  const kind = kindOf(type);
  if (kind === undefined) {
    if (length > r.remaining) {
      r.fail('length', `length ${length} exceeds the ${r.remaining} byte(s) available`, extensionField(type, index));
    }
    return { kind: 'unknown', type, data: r.bytes(length) };
  }
  path.type = type;
  const saved = r.enter(length, path);
  const ext = decodeBody(r, kind, context, r.view(p + 4, length));
  r.leave(saved);
  return ext;
}

/**
 * Decode one `Extension` (type + data) in `context`. A known type whose body is malformed fails with a
 * DecodeError whose path ends in the extension's name (e.g. `key_share.client_shares`).
 */
export function decodeExtension(r: Reader, context: ExtensionContext): Extension {
  return readExtension(r, context, new ExtensionPath(), undefined);
}

/**
 * Decode an extension block `Extension extensions<0..2^16-1>` (RFC 8446 §4.2). A type that appears
 * twice is DecodeError `duplicate`. Error paths name the extension: `extensions[3].key_share.client_shares`.
 */
export function decodeExtensions(r: Reader, context: ExtensionContext): Extension[] {
  const saved = r.enter(r.lengthPrefix(2, 'extensions'), 'extensions');
  const out: Extension[] = [];
  const seen = new TypeSet();
  const path = new ExtensionPath();
  while (!r.atEnd) {
    path.index = out.length;
    out.push(readExtension(r, context, path, seen));
  }
  r.leave(saved);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Encoding

/** Encode the body of a modelled extension (unknown ones are written as their `data`). */
function encodeBody(w: Writer, ext: Exclude<Extension, UnknownExtension>): void {
  switch (ext.kind) {
    case 'server_name':
      if (ext.names.length === 0) return;
      w.vec16((w) => {
        for (const n of ext.names) {
          w.u8(n.type);
          w.vec16((w) => writeLatin1(w, n.name));
        }
      });
      return;
    case 'status_request':
      if (ext.form === 'response') {
        encodeCertificateStatus(w, ext.status);
        return;
      }
      if (ext.form === 'empty') return;
      w.u8(ext.statusType);
      w.vec16((w) => {
        for (const id of ext.responderIds) w.opaque16(id);
      });
      w.opaque16(ext.requestExtensions);
      return;
    case 'supported_groups':
      writeU16List(w, 2, ext.groups);
      return;
    case 'ec_point_formats':
      writeU8List(w, ext.formats);
      return;
    case 'signature_algorithms':
    case 'signature_algorithms_cert':
      writeU16List(w, 2, ext.schemes);
      return;
    case 'application_layer_protocol_negotiation':
      w.vec16((w) => {
        for (const p of ext.protocols) w.vec8((w) => writeLatin1(w, p));
      });
      return;
    case 'padding':
      w.bytes(ext.padding);
      return;
    case 'encrypt_then_mac':
    case 'extended_master_secret':
    case 'post_handshake_auth':
      return;
    case 'record_size_limit':
      w.u16(ext.limit);
      return;
    case 'session_ticket':
      w.bytes(ext.ticket);
      return;
    case 'pre_shared_key':
      if (ext.form === 'server_hello') {
        w.u16(ext.selectedIdentity);
        return;
      }
      w.vec16((w) => {
        for (const id of ext.identities) {
          w.opaque16(id.identity);
          w.u32(id.obfuscatedTicketAge);
        }
      });
      encodePskBinders(w, ext.binders);
      return;
    case 'early_data':
      if (ext.maxEarlyDataSize !== undefined) w.u32(ext.maxEarlyDataSize);
      return;
    case 'supported_versions':
      if (ext.form === 'server_hello') {
        w.u16(ext.selectedVersion);
        return;
      }
      writeU16List(w, 1, ext.versions);
      return;
    case 'cookie':
      w.opaque16(ext.cookie);
      return;
    case 'psk_key_exchange_modes':
      writeU8List(w, ext.modes);
      return;
    case 'certificate_authorities':
      w.vec16((w) => {
        for (const dn of ext.authorities) w.opaque16(dn);
      });
      return;
    case 'key_share':
      if (ext.form === 'server_hello') {
        writeKeyShareEntry(w, ext.share);
        return;
      }
      if (ext.form === 'hello_retry_request') {
        w.u16(ext.selectedGroup);
        return;
      }
      w.vec16((w) => {
        for (const e of ext.shares) writeKeyShareEntry(w, e);
      });
      return;
    case 'renegotiation_info':
      w.opaque8(ext.renegotiatedConnection);
      return;
  }
}

/** Encode `PskBinderEntry binders<33..2^16-1>` (RFC 8446 §4.2.11): the tail of a PSK ClientHello. */
export function encodePskBinders(w: Writer, binders: readonly Uint8Array[]): void {
  w.vec16((w) => {
    for (const b of binders) w.opaque8(b);
  });
}

/** Encode one extension: type, then the body from its fields inside a 2-byte length prefix. */
export function encodeExtension(w: Writer, ext: Extension): void {
  w.u16(extensionType(ext));
  if (ext.kind === 'unknown') w.opaque16(ext.data);
  else w.vec16((w) => encodeBody(w, ext));
}

/** Encode an extension block `extensions<0..2^16-1>`, in the given order, exactly as given. */
export function encodeExtensions(w: Writer, exts: readonly Extension[]): void {
  w.vec16((w) => {
    for (const e of exts) encodeExtension(w, e);
  });
}

/** The member(s) of {@link Extension} whose `kind` can be `K`, narrowed to that kind. */
export type ExtensionOf<K extends Extension['kind']> = Extension extends infer E
  ? E extends { kind: infer EK }
    ? K extends EK
      ? E & { kind: K }
      : never
    : never
  : never;

/** The first extension of `kind` in `exts`, narrowed. */
export function findExtension<K extends Extension['kind']>(
  exts: readonly Extension[] | undefined,
  kind: K,
): ExtensionOf<K> | undefined {
  if (!exts) return undefined;
  for (const e of exts) if (e.kind === kind) return e as ExtensionOf<K>;
  return undefined;
}

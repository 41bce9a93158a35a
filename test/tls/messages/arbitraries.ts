/**
 * fast-check arbitraries for every handshake message and extension, valid in the context they are
 * generated for (so that decode(encode(m)) must give `m` back). Unknown extension types and RFC 8701
 * GREASE values are mixed in everywhere the wire allows them.
 */
import fc from 'fast-check';
import { ExtensionType } from '../../../src/tls/enums.js';
import type { Extension, ExtensionContext } from '../../../src/tls/extensions.js';
import type { HandshakeMessage } from '../../../src/tls/messages/handshake.js';
import { HELLO_RETRY_REQUEST_RANDOM } from '../../../src/tls/messages/hello.js';

const KNOWN = new Set<number>([
  ExtensionType.server_name,
  ExtensionType.status_request,
  ExtensionType.supported_groups,
  ExtensionType.ec_point_formats,
  ExtensionType.signature_algorithms,
  ExtensionType.signature_algorithms_cert,
  ExtensionType.application_layer_protocol_negotiation,
  ExtensionType.padding,
  ExtensionType.encrypt_then_mac,
  ExtensionType.extended_master_secret,
  ExtensionType.post_handshake_auth,
  ExtensionType.record_size_limit,
  ExtensionType.session_ticket,
  ExtensionType.pre_shared_key,
  ExtensionType.early_data,
  ExtensionType.supported_versions,
  ExtensionType.cookie,
  ExtensionType.psk_key_exchange_modes,
  ExtensionType.certificate_authorities,
  ExtensionType.key_share,
  ExtensionType.renegotiation_info,
]);

/** RFC 8701 §2 GREASE values: 0x0a0a, 0x1a1a, …, 0xfafa. */
export const GREASE = Array.from({ length: 16 }, (_, i) => ((i << 4) | 0x0a) * 0x101);

const grease = fc.constantFrom(...GREASE);
/** A u16 registry value: anything, often GREASE. */
export const u16 = fc.oneof(fc.integer({ min: 0, max: 0xffff }), grease);
export const u8 = fc.integer({ min: 0, max: 0xff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const bytes = (minLength = 0, maxLength = 40) => fc.uint8Array({ minLength, maxLength });
const latin1 = (minLength: number, maxLength: number) =>
  fc.string({ unit: u8.map((c) => String.fromCharCode(c)), minLength, maxLength });

const unknownExt: fc.Arbitrary<Extension> = fc.record({
  kind: fc.constant('unknown' as const),
  type: fc.oneof(
    grease,
    fc.integer({ min: 0, max: 0xffff }).filter((t) => !KNOWN.has(t)),
  ),
  data: bytes(0, 24),
});

const keyShareEntry = fc.record({ group: u16, keyExchange: bytes(1, 40) });
const emptyKinds = fc.constantFrom('encrypt_then_mac', 'extended_master_secret', 'post_handshake_auth' as const);

const common = {
  supportedGroups: fc.record({
    kind: fc.constant('supported_groups' as const),
    groups: fc.array(u16, { minLength: 1 }),
  }),
  pointFormats: fc.record({ kind: fc.constant('ec_point_formats' as const), formats: fc.array(u8, { minLength: 1 }) }),
  sigAlgs: fc.record({
    kind: fc.constantFrom('signature_algorithms' as const, 'signature_algorithms_cert' as const),
    schemes: fc.array(u16, { minLength: 1 }),
  }),
  alpn: fc.record({
    kind: fc.constant('application_layer_protocol_negotiation' as const),
    protocols: fc.array(latin1(1, 12), { minLength: 1, maxLength: 4 }),
  }),
  padding: fc.record({
    kind: fc.constant('padding' as const),
    padding: fc.integer({ min: 0, max: 40 }).map((n) => new Uint8Array(n)),
  }),
  empty: emptyKinds.map((kind) => ({ kind })),
  recordSizeLimit: fc.record({
    kind: fc.constant('record_size_limit' as const),
    limit: fc.integer({ min: 0, max: 0xffff }),
  }),
  sessionTicket: fc.record({ kind: fc.constant('session_ticket' as const), ticket: bytes(0, 40) }),
  cookie: fc.record({ kind: fc.constant('cookie' as const), cookie: bytes(1, 40) }),
  renegotiationInfo: fc.record({
    kind: fc.constant('renegotiation_info' as const),
    renegotiatedConnection: bytes(0, 24),
  }),
  certificateAuthorities: fc.record({
    kind: fc.constant('certificate_authorities' as const),
    authorities: fc.array(bytes(1, 20), { minLength: 1, maxLength: 3 }),
  }),
  statusRequest: fc.record({
    kind: fc.constant('status_request' as const),
    form: fc.constant('request' as const),
    statusType: fc.constant(1),
    responderIds: fc.array(bytes(1, 12), { maxLength: 3 }),
    requestExtensions: bytes(0, 12),
  }),
  statusEmpty: fc.constant({ kind: 'status_request' as const, form: 'empty' as const }),
  serverNameEmpty: fc.constant<Extension>({ kind: 'server_name', names: [] }),
};

const byContext: Record<ExtensionContext, fc.Arbitrary<Extension>[]> = {
  client_hello: [
    fc.record({
      kind: fc.constant('server_name' as const),
      names: fc.array(fc.record({ type: u8, name: latin1(1, 20) }), { minLength: 1, maxLength: 3 }),
    }),
    common.statusRequest,
    common.supportedGroups,
    common.pointFormats,
    common.sigAlgs,
    common.alpn,
    common.padding,
    common.empty,
    common.recordSizeLimit,
    common.sessionTicket,
    fc.constant({ kind: 'early_data' as const }),
    fc.record({
      kind: fc.constant('supported_versions' as const),
      form: fc.constant('client_hello' as const),
      versions: fc.array(u16, { minLength: 1, maxLength: 8 }),
    }),
    common.cookie,
    fc.record({
      kind: fc.constant('psk_key_exchange_modes' as const),
      modes: fc.array(u8, { minLength: 1, maxLength: 4 }),
    }),
    common.certificateAuthorities,
    fc.record({
      kind: fc.constant('key_share' as const),
      form: fc.constant('client_hello' as const),
      shares: fc.array(keyShareEntry, { maxLength: 3 }),
    }),
    common.renegotiationInfo,
    fc.record({
      kind: fc.constant('pre_shared_key' as const),
      form: fc.constant('client_hello' as const),
      identities: fc.array(fc.record({ identity: bytes(1, 20), obfuscatedTicketAge: u32 }), {
        minLength: 1,
        maxLength: 3,
      }),
      binders: fc.array(bytes(32, 48), { minLength: 1, maxLength: 3 }),
    }),
    unknownExt,
  ],
  server_hello: [
    fc.record({
      kind: fc.constant('key_share' as const),
      form: fc.constant('server_hello' as const),
      share: keyShareEntry,
    }),
    fc.record({
      kind: fc.constant('supported_versions' as const),
      form: fc.constant('server_hello' as const),
      selectedVersion: u16,
    }),
    fc.record({
      kind: fc.constant('pre_shared_key' as const),
      form: fc.constant('server_hello' as const),
      selectedIdentity: fc.integer({ min: 0, max: 0xffff }),
    }),
    common.serverNameEmpty,
    common.statusEmpty,
    common.pointFormats,
    common.alpn,
    common.empty,
    common.sessionTicket,
    common.renegotiationInfo,
    common.recordSizeLimit,
    unknownExt,
  ],
  hello_retry_request: [
    fc.record({
      kind: fc.constant('key_share' as const),
      form: fc.constant('hello_retry_request' as const),
      selectedGroup: u16,
    }),
    fc.record({
      kind: fc.constant('supported_versions' as const),
      form: fc.constant('server_hello' as const),
      selectedVersion: u16,
    }),
    common.cookie,
    unknownExt,
  ],
  encrypted_extensions: [
    common.supportedGroups,
    common.serverNameEmpty,
    common.alpn,
    common.recordSizeLimit,
    fc.constant({ kind: 'early_data' as const }),
    common.statusEmpty,
    unknownExt,
  ],
  certificate: [
    fc.record({
      kind: fc.constant('status_request' as const),
      form: fc.constant('response' as const),
      status: fc.record({ statusType: fc.constant(1), response: bytes(1, 40) }),
    }),
    unknownExt,
  ],
  certificate_request: [common.sigAlgs, common.certificateAuthorities, common.statusEmpty, unknownExt],
  new_session_ticket: [fc.record({ kind: fc.constant('early_data' as const), maxEarlyDataSize: u32 }), unknownExt],
};

const typeOf = (e: Extension): number => (e.kind === 'unknown' ? e.type : ExtensionType[e.kind]);

/** A valid extension block for `context`: distinct types, any order. */
export function extensions(context: ExtensionContext, maxLength = 8): fc.Arbitrary<Extension[]> {
  return fc.uniqueArray(fc.oneof(...byContext[context]), { selector: typeOf, maxLength });
}

const random = bytes(32, 32);
const sessionId = bytes(0, 32);

/** Every handshake message kind, each in its valid form, paired with the decode context it needs. */
export const handshakeMessage: fc.Arbitrary<{
  msg: HandshakeMessage;
  ctx: { version: 'tls12' | 'tls13'; keyExchange: 'ecdhe' | 'dhe' | 'rsa' };
}> = fc.oneof(
  fc
    .record({
      type: fc.constant('client_hello' as const),
      version: u16,
      random,
      sessionId,
      cipherSuites: fc.array(u16, { minLength: 1, maxLength: 12 }),
      compressionMethods: fc.array(u8, { minLength: 1, maxLength: 3 }),
      extensions: fc.option(extensions('client_hello', 12), { nil: undefined }),
    })
    .map((msg) => ({ msg, ctx: { version: 'tls13' as const, keyExchange: 'ecdhe' as const } })),
  fc
    .record({
      type: fc.constant('server_hello' as const),
      isHelloRetryRequest: fc.constant(false),
      version: u16,
      random,
      sessionId,
      cipherSuite: u16,
      compressionMethod: u8,
      extensions: fc.option(extensions('server_hello'), { nil: undefined }),
    })
    .map((msg) => ({ msg, ctx: { version: 'tls13' as const, keyExchange: 'ecdhe' as const } })),
  fc
    .record({
      type: fc.constant('server_hello' as const),
      isHelloRetryRequest: fc.constant(true),
      version: u16,
      random: fc.constant(HELLO_RETRY_REQUEST_RANDOM),
      sessionId,
      cipherSuite: u16,
      compressionMethod: u8,
      extensions: extensions('hello_retry_request'),
    })
    .map((msg) => ({ msg, ctx: { version: 'tls13' as const, keyExchange: 'ecdhe' as const } })),
  ...(
    [
      fc.record({ type: fc.constant('encrypted_extensions' as const), extensions: extensions('encrypted_extensions') }),
      fc.record({ type: fc.constant('certificate_verify' as const), algorithm: u16, signature: bytes(0, 80) }),
      fc.record({
        type: fc.constant('certificate_status' as const),
        statusType: fc.constant(1),
        response: bytes(1, 80),
      }),
      fc.record({ type: fc.constant('finished' as const), verifyData: bytes(0, 48) }),
      fc.record({ type: fc.constant('key_update' as const), requestUpdate: u8 }),
      fc.record({ type: fc.constant('message_hash' as const), hash: bytes(0, 48) }),
      fc.constant({ type: 'server_hello_done' as const }),
      fc.constant({ type: 'hello_request' as const }),
      fc.constant({ type: 'end_of_early_data' as const }),
      fc.record({
        type: fc.constant('unknown' as const),
        msgType: fc.constantFrom(3, 6, 9, 10, 17, 21, 23, 25, 26, 99, 200, 255),
        body: bytes(0, 40),
      }),
    ] as fc.Arbitrary<HandshakeMessage>[]
  ).map((a) => a.map((msg) => ({ msg, ctx: { version: 'tls13' as const, keyExchange: 'ecdhe' as const } }))),
  fc
    .record({
      type: fc.constant('certificate' as const),
      version: fc.constant('tls12' as const),
      certificates: fc.array(bytes(1, 60), { maxLength: 3 }),
    })
    .map((msg) => ({ msg, ctx: { version: 'tls12' as const, keyExchange: 'ecdhe' as const } })),
  fc
    .record({
      type: fc.constant('certificate' as const),
      version: fc.constant('tls13' as const),
      context: bytes(0, 8),
      entries: fc.array(fc.record({ data: bytes(1, 60), extensions: extensions('certificate') }), { maxLength: 3 }),
    })
    .map((msg) => ({ msg, ctx: { version: 'tls13' as const, keyExchange: 'ecdhe' as const } })),
  fc
    .record({
      type: fc.constant('certificate_request' as const),
      version: fc.constant('tls12' as const),
      certificateTypes: fc.array(u8, { minLength: 1, maxLength: 4 }),
      signatureAlgorithms: fc.array(u16, { minLength: 1, maxLength: 8 }),
      certificateAuthorities: fc.array(bytes(1, 30), { maxLength: 3 }),
    })
    .map((msg) => ({ msg, ctx: { version: 'tls12' as const, keyExchange: 'ecdhe' as const } })),
  fc
    .record({
      type: fc.constant('certificate_request' as const),
      version: fc.constant('tls13' as const),
      context: bytes(0, 8),
      extensions: extensions('certificate_request'),
    })
    .map((msg) => ({ msg, ctx: { version: 'tls13' as const, keyExchange: 'ecdhe' as const } })),
  fc
    .record({
      type: fc.constant('new_session_ticket' as const),
      version: fc.constant('tls12' as const),
      lifetimeHint: u32,
      ticket: bytes(0, 60),
    })
    .map((msg) => ({ msg, ctx: { version: 'tls12' as const, keyExchange: 'ecdhe' as const } })),
  fc
    .record({
      type: fc.constant('new_session_ticket' as const),
      version: fc.constant('tls13' as const),
      lifetime: u32,
      ageAdd: u32,
      nonce: bytes(0, 8),
      ticket: bytes(1, 60),
      extensions: extensions('new_session_ticket'),
    })
    .map((msg) => ({ msg, ctx: { version: 'tls13' as const, keyExchange: 'ecdhe' as const } })),
  fc
    .record({
      type: fc.constant('server_key_exchange' as const),
      keyExchange: fc.constant('ecdhe' as const),
      namedGroup: u16,
      publicKey: bytes(1, 65),
      signatureAlgorithm: u16,
      signature: bytes(0, 72),
    })
    .map((msg) => ({ msg, ctx: { version: 'tls12' as const, keyExchange: 'ecdhe' as const } })),
  fc
    .record({
      type: fc.constant('server_key_exchange' as const),
      keyExchange: fc.constant('dhe' as const),
      p: bytes(1, 64),
      g: bytes(1, 2),
      publicKey: bytes(1, 64),
      signatureAlgorithm: u16,
      signature: bytes(0, 72),
    })
    .map((msg) => ({ msg, ctx: { version: 'tls12' as const, keyExchange: 'dhe' as const } })),
  fc
    .oneof(
      fc.record({
        type: fc.constant('client_key_exchange' as const),
        keyExchange: fc.constant('ecdhe' as const),
        publicKey: bytes(1, 65),
      }),
      fc.record({
        type: fc.constant('client_key_exchange' as const),
        keyExchange: fc.constant('dhe' as const),
        publicKey: bytes(1, 65),
      }),
      fc.record({
        type: fc.constant('client_key_exchange' as const),
        keyExchange: fc.constant('rsa' as const),
        encryptedPreMasterSecret: bytes(0, 64),
      }),
    )
    .map((msg) => ({ msg, ctx: { version: 'tls12' as const, keyExchange: msg.keyExchange } })),
);

/** Strip what the decoder adds (`raw`, extension `data`, ServerKeyExchange `params`) for comparison. */
export function stripDecoded(value: unknown): unknown {
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(stripDecoded);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (
        k === 'raw' ||
        k === 'params' ||
        (k === 'data' && (value as { kind?: string }).kind !== 'unknown' && 'kind' in value)
      )
        continue;
      out[k] = stripDecoded(v);
    }
    return out;
  }
  return value;
}

/**
 * TLS protocol registries: every enumerated field of TLS 1.2 and 1.3 as an open enum.
 *
 * Each registry is a frozen const object mapping the IANA name to its value (`CipherSuite.TLS_AES_128_GCM_SHA256`
 * is `0x1301`), plus a same-named type alias `number`: the wire carries any value, and values we do not
 * know survive a decode/encode round trip unchanged. {@link nameOf} prints a value with its IANA name (or
 * `GREASE(0x0a0a)`, or hex), {@link valueOf} goes back; both use maps precomputed once per registry.
 *
 * Names are those of the IANA "Transport Layer Security (TLS) Parameters" and "TLS Extensions"
 * registries. Where IANA's name is not a usable identifier or only a historical label, the name the
 * defining RFC uses is kept and the difference is noted next to the entry.
 * @module
 */

/** A registry: IANA name → value. */
export type Registry = Readonly<Record<string, number>>;

interface RegistryInfo {
  /** Wire width in bytes, used to pad hex for unknown values. */
  width: 1 | 2;
  /** RFC 8701 GREASE values are reserved in this registry. */
  grease: boolean;
  /** value → name, and name → value, built on first use. */
  names?: Map<number, string>;
  values?: Map<string, number>;
}

const INFO = new WeakMap<Registry, RegistryInfo>();

function registry<const T extends Record<string, number>>(values: T, width: 1 | 2, grease = false): Readonly<T> {
  const frozen = Object.freeze(values);
  INFO.set(frozen, { width, grease });
  return frozen;
}

function info(reg: Registry): RegistryInfo {
  let i = INFO.get(reg);
  if (!i) {
    // A caller-made registry: infer the width from its largest value.
    let max = 0;
    for (const v of Object.values(reg)) if (v > max) max = v;
    i = { width: max > 0xff ? 2 : 1, grease: false };
    INFO.set(reg, i);
  }
  if (!i.names || !i.values) {
    const names = new Map<number, string>();
    const values = new Map<string, number>();
    for (const [name, value] of Object.entries(reg)) {
      if (!names.has(value)) names.set(value, name);
      values.set(name, value);
    }
    i.names = names;
    i.values = values;
  }
  return i;
}

function hex(value: number, width: 1 | 2): string {
  return `0x${value.toString(16).padStart(width * 2, '0')}`;
}

/**
 * Whether `value` is an RFC 8701 §2 GREASE value of a 16-bit registry: `0x0a0a, 0x1a1a, …, 0xfafa`
 * (cipher suites, extensions, named groups, signature algorithms, versions).
 */
export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >>> 8 === (value & 0xff);
}

/** Whether `value` is an RFC 8701 §2 GREASE PskKeyExchangeMode: `0x0b, 0x2a, 0x49, …, 0xe4` (0x0b + 0x1f·n). */
export function isGreasePskKeyExchangeMode(value: number): boolean {
  return value >= 0x0b && value <= 0xe4 && (value - 0x0b) % 0x1f === 0;
}

/**
 * The IANA name of `value` in `registry`; `GREASE(0x0a0a)` for an RFC 8701 value in a registry where
 * GREASE applies; otherwise lower-case hex padded to the field's width (`0x1234`, `0x07`).
 * @param width overrides the registry's wire width for hex output
 * @example nameOf(CipherSuite, 0x1301) // 'TLS_AES_128_GCM_SHA256'
 * @example nameOf(NamedGroup, 0x2a2a) // 'GREASE(0x2a2a)'
 */
export function nameOf(registry: Registry, value: number, width?: 1 | 2): string {
  const i = info(registry);
  const name = i.names!.get(value);
  if (name !== undefined) return name;
  const w = width ?? (value > 0xff ? 2 : i.width);
  if (i.grease && (i.width === 2 ? isGrease(value) : isGreasePskKeyExchangeMode(value))) {
    return `GREASE(${hex(value, w)})`;
  }
  return hex(value, w);
}

/**
 * The value of `name` in `registry`: an exact IANA name, a hex literal (`0x1301`), or a
 * `GREASE(0x…)` label as printed by {@link nameOf}. `undefined` when unknown or out of the field's range.
 * @example valueOf(SignatureScheme, 'rsa_pss_rsae_sha256') // 0x0804
 */
// biome-ignore lint/suspicious/noShadowRestrictedNames: the project's name for the lookup; an export shadows nothing.
export function valueOf(registry: Registry, name: string): number | undefined {
  const i = info(registry);
  const known = i.values!.get(name);
  if (known !== undefined) return known;
  const m = /^(?:GREASE\()?0x([0-9a-fA-F]{1,4})\)?$/.exec(name);
  if (!m || name.startsWith('GREASE(') !== name.endsWith(')')) return undefined;
  const value = Number.parseInt(m[1]!, 16);
  if (value > (i.width === 2 ? 0xffff : 0xff)) return undefined;
  return value;
}

/** ContentType of a TLSPlaintext record (RFC 8446 §5.1; heartbeat: RFC 6520). */
export const ContentType = registry(
  { change_cipher_spec: 20, alert: 21, handshake: 22, application_data: 23, heartbeat: 24 },
  1,
);
export type ContentType = number;

/**
 * ProtocolVersion (RFC 8446 §4.1.2, §4.2.1; RFC 5246 §6.2.1). No IANA registry exists; keys are
 * `SSL3_0`, `TLS1_0` … `TLS1_3`, `DTLS1_0` … `DTLS1_3` (a dot is not an identifier character).
 */
export const ProtocolVersion = registry(
  {
    SSL3_0: 0x0300,
    TLS1_0: 0x0301,
    TLS1_1: 0x0302,
    TLS1_2: 0x0303,
    TLS1_3: 0x0304,
    DTLS1_0: 0xfeff,
    DTLS1_2: 0xfefd,
    DTLS1_3: 0xfefc,
  },
  2,
  true,
);
export type ProtocolVersion = number;

/**
 * HandshakeType (IANA "TLS HandshakeType"; RFC 8446 §4, RFC 5246 §7.4). RFC 8446 marks the
 * TLS 1.2-only types `_RESERVED`; here they keep their TLS 1.2 names since both versions are decoded.
 */
export const HandshakeType = registry(
  {
    hello_request: 0,
    client_hello: 1,
    server_hello: 2,
    hello_verify_request: 3,
    new_session_ticket: 4,
    end_of_early_data: 5,
    hello_retry_request: 6,
    encrypted_extensions: 8,
    request_connection_id: 9,
    new_connection_id: 10,
    certificate: 11,
    server_key_exchange: 12,
    certificate_request: 13,
    server_hello_done: 14,
    certificate_verify: 15,
    client_key_exchange: 16,
    client_certificate_request: 17,
    finished: 20,
    certificate_url: 21,
    certificate_status: 22,
    supplemental_data: 23,
    key_update: 24,
    compressed_certificate: 25,
    ekt_key: 26,
    message_hash: 254,
  },
  1,
);
export type HandshakeType = number;

/** ExtensionType (IANA "TLS ExtensionType Values"). GREASE values (RFC 8701) print as `GREASE(0x…)`. */
export const ExtensionType = registry(
  {
    server_name: 0,
    max_fragment_length: 1,
    client_certificate_url: 2,
    trusted_ca_keys: 3,
    truncated_hmac: 4,
    status_request: 5,
    user_mapping: 6,
    client_authz: 7,
    server_authz: 8,
    cert_type: 9,
    supported_groups: 10,
    ec_point_formats: 11,
    srp: 12,
    signature_algorithms: 13,
    use_srtp: 14,
    heartbeat: 15,
    application_layer_protocol_negotiation: 16,
    status_request_v2: 17,
    signed_certificate_timestamp: 18,
    client_certificate_type: 19,
    server_certificate_type: 20,
    padding: 21,
    encrypt_then_mac: 22,
    extended_master_secret: 23,
    token_binding: 24,
    cached_info: 25,
    tls_lts: 26,
    compress_certificate: 27,
    record_size_limit: 28,
    pwd_protect: 29,
    pwd_clear: 30,
    password_salt: 31,
    ticket_pinning: 32,
    tls_cert_with_extern_psk: 33,
    delegated_credential: 34,
    session_ticket: 35,
    TLMSP: 36,
    TLMSP_proxying: 37,
    TLMSP_delegate: 38,
    supported_ekt_ciphers: 39,
    pre_shared_key: 41,
    early_data: 42,
    supported_versions: 43,
    cookie: 44,
    psk_key_exchange_modes: 45,
    certificate_authorities: 47,
    oid_filters: 48,
    post_handshake_auth: 49,
    signature_algorithms_cert: 50,
    key_share: 51,
    transparency_info: 52,
    /** IANA: "connection_id (deprecated)". */
    connection_id_deprecated: 53,
    connection_id: 54,
    external_id_hash: 55,
    external_session_id: 56,
    quic_transport_parameters: 57,
    ticket_request: 58,
    dnssec_chain: 59,
    sequence_number_encryption_algorithms: 60,
    rrc: 61,
    tls_flags: 62,
    ech_outer_extensions: 0xfd00,
    encrypted_client_hello: 0xfe0d,
    renegotiation_info: 0xff01,
  },
  2,
  true,
);
export type ExtensionType = number;

/** CipherSuite (IANA "TLS Cipher Suites"): every suite IANA assigns (checked by test/tls/iana.test.ts). */
export const CipherSuite = registry(
  {
    TLS_NULL_WITH_NULL_NULL: 0x0000,
    TLS_RSA_WITH_NULL_MD5: 0x0001,
    TLS_RSA_WITH_NULL_SHA: 0x0002,
    TLS_RSA_WITH_RC4_128_MD5: 0x0004,
    TLS_RSA_WITH_RC4_128_SHA: 0x0005,
    TLS_RSA_WITH_3DES_EDE_CBC_SHA: 0x000a,
    TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA: 0x0013,
    TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA: 0x0016,
    TLS_RSA_WITH_AES_128_CBC_SHA: 0x002f,
    TLS_DHE_DSS_WITH_AES_128_CBC_SHA: 0x0032,
    TLS_DHE_RSA_WITH_AES_128_CBC_SHA: 0x0033,
    TLS_DH_anon_WITH_AES_128_CBC_SHA: 0x0034,
    TLS_RSA_WITH_AES_256_CBC_SHA: 0x0035,
    TLS_DHE_DSS_WITH_AES_256_CBC_SHA: 0x0038,
    TLS_DHE_RSA_WITH_AES_256_CBC_SHA: 0x0039,
    TLS_DH_anon_WITH_AES_256_CBC_SHA: 0x003a,
    TLS_RSA_WITH_NULL_SHA256: 0x003b,
    TLS_RSA_WITH_AES_128_CBC_SHA256: 0x003c,
    TLS_RSA_WITH_AES_256_CBC_SHA256: 0x003d,
    TLS_DHE_DSS_WITH_AES_128_CBC_SHA256: 0x0040,
    TLS_RSA_WITH_CAMELLIA_128_CBC_SHA: 0x0041,
    TLS_DHE_RSA_WITH_AES_128_CBC_SHA256: 0x0067,
    TLS_DHE_DSS_WITH_AES_256_CBC_SHA256: 0x006a,
    TLS_DHE_RSA_WITH_AES_256_CBC_SHA256: 0x006b,
    TLS_RSA_WITH_CAMELLIA_256_CBC_SHA: 0x0084,
    TLS_PSK_WITH_AES_128_CBC_SHA: 0x008c,
    TLS_PSK_WITH_AES_256_CBC_SHA: 0x008d,
    TLS_RSA_WITH_AES_128_GCM_SHA256: 0x009c,
    TLS_RSA_WITH_AES_256_GCM_SHA384: 0x009d,
    TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 0x009e,
    TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 0x009f,
    TLS_DHE_DSS_WITH_AES_128_GCM_SHA256: 0x00a2,
    TLS_DHE_DSS_WITH_AES_256_GCM_SHA384: 0x00a3,
    TLS_PSK_WITH_AES_128_GCM_SHA256: 0x00a8,
    TLS_PSK_WITH_AES_256_GCM_SHA384: 0x00a9,
    TLS_DHE_PSK_WITH_AES_128_GCM_SHA256: 0x00aa,
    TLS_DHE_PSK_WITH_AES_256_GCM_SHA384: 0x00ab,
    TLS_PSK_WITH_AES_128_CBC_SHA256: 0x00ae,
    TLS_PSK_WITH_AES_256_CBC_SHA384: 0x00af,
    TLS_EMPTY_RENEGOTIATION_INFO_SCSV: 0x00ff,
    TLS_AES_128_GCM_SHA256: 0x1301,
    TLS_AES_256_GCM_SHA384: 0x1302,
    TLS_CHACHA20_POLY1305_SHA256: 0x1303,
    TLS_AES_128_CCM_SHA256: 0x1304,
    TLS_AES_128_CCM_8_SHA256: 0x1305,
    TLS_FALLBACK_SCSV: 0x5600,
    TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA: 0xc004,
    TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA: 0xc005,
    TLS_ECDHE_ECDSA_WITH_NULL_SHA: 0xc006,
    TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: 0xc007,
    TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA: 0xc008,
    TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 0xc009,
    TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 0xc00a,
    TLS_ECDH_RSA_WITH_AES_128_CBC_SHA: 0xc00e,
    TLS_ECDH_RSA_WITH_AES_256_CBC_SHA: 0xc00f,
    TLS_ECDHE_RSA_WITH_NULL_SHA: 0xc010,
    TLS_ECDHE_RSA_WITH_RC4_128_SHA: 0xc011,
    TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 0xc012,
    TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 0xc013,
    TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 0xc014,
    TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 0xc023,
    TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: 0xc024,
    TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256: 0xc025,
    TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384: 0xc026,
    TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 0xc027,
    TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: 0xc028,
    TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256: 0xc029,
    TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384: 0xc02a,
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 0xc02b,
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 0xc02c,
    TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256: 0xc02d,
    TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384: 0xc02e,
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 0xc02f,
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 0xc030,
    TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256: 0xc031,
    TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384: 0xc032,
    TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA: 0xc035,
    TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA: 0xc036,
    TLS_RSA_WITH_AES_128_CCM: 0xc09c,
    TLS_RSA_WITH_AES_256_CCM: 0xc09d,
    TLS_DHE_RSA_WITH_AES_128_CCM: 0xc09e,
    TLS_DHE_RSA_WITH_AES_256_CCM: 0xc09f,
    TLS_RSA_WITH_AES_128_CCM_8: 0xc0a0,
    TLS_RSA_WITH_AES_256_CCM_8: 0xc0a1,
    TLS_DHE_RSA_WITH_AES_128_CCM_8: 0xc0a2,
    TLS_DHE_RSA_WITH_AES_256_CCM_8: 0xc0a3,
    TLS_PSK_WITH_AES_128_CCM: 0xc0a4,
    TLS_PSK_WITH_AES_256_CCM: 0xc0a5,
    TLS_PSK_WITH_AES_128_CCM_8: 0xc0a8,
    TLS_PSK_WITH_AES_256_CCM_8: 0xc0a9,
    TLS_ECDHE_ECDSA_WITH_AES_128_CCM: 0xc0ac,
    TLS_ECDHE_ECDSA_WITH_AES_256_CCM: 0xc0ad,
    TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8: 0xc0ae,
    TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8: 0xc0af,
    TLS_SHA256_SHA256: 0xc0b4,
    TLS_SHA384_SHA384: 0xc0b5,
    TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC: 0xc100,
    TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC: 0xc101,
    TLS_GOSTR341112_256_WITH_28147_CNT_IMIT: 0xc102,
    TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L: 0xc103,
    TLS_GOSTR341112_256_WITH_MAGMA_MGM_L: 0xc104,
    TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S: 0xc105,
    TLS_GOSTR341112_256_WITH_MAGMA_MGM_S: 0xc106,
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca8,
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca9,
    TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xccaa,
    TLS_PSK_WITH_CHACHA20_POLY1305_SHA256: 0xccab,
    TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256: 0xccac,
    TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256: 0xccad,
    TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256: 0xccae,
    TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256: 0xd001,
    TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384: 0xd002,
    TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256: 0xd003,
    TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256: 0xd005,
    // Every other suite IANA assigns, by value (legacy, export, anonymous, Kerberos, SRP, ARIA, Camellia, SEED…):
    // names only, none of them is implemented.
    TLS_RSA_EXPORT_WITH_RC4_40_MD5: 0x0003,
    TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5: 0x0006,
    TLS_RSA_WITH_IDEA_CBC_SHA: 0x0007,
    TLS_RSA_EXPORT_WITH_DES40_CBC_SHA: 0x0008,
    TLS_RSA_WITH_DES_CBC_SHA: 0x0009,
    TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA: 0x000b,
    TLS_DH_DSS_WITH_DES_CBC_SHA: 0x000c,
    TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA: 0x000d,
    TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA: 0x000e,
    TLS_DH_RSA_WITH_DES_CBC_SHA: 0x000f,
    TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA: 0x0010,
    TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA: 0x0011,
    TLS_DHE_DSS_WITH_DES_CBC_SHA: 0x0012,
    TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA: 0x0014,
    TLS_DHE_RSA_WITH_DES_CBC_SHA: 0x0015,
    TLS_DH_anon_EXPORT_WITH_RC4_40_MD5: 0x0017,
    TLS_DH_anon_WITH_RC4_128_MD5: 0x0018,
    TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA: 0x0019,
    TLS_DH_anon_WITH_DES_CBC_SHA: 0x001a,
    TLS_DH_anon_WITH_3DES_EDE_CBC_SHA: 0x001b,
    TLS_KRB5_WITH_DES_CBC_SHA: 0x001e,
    TLS_KRB5_WITH_3DES_EDE_CBC_SHA: 0x001f,
    TLS_KRB5_WITH_RC4_128_SHA: 0x0020,
    TLS_KRB5_WITH_IDEA_CBC_SHA: 0x0021,
    TLS_KRB5_WITH_DES_CBC_MD5: 0x0022,
    TLS_KRB5_WITH_3DES_EDE_CBC_MD5: 0x0023,
    TLS_KRB5_WITH_RC4_128_MD5: 0x0024,
    TLS_KRB5_WITH_IDEA_CBC_MD5: 0x0025,
    TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA: 0x0026,
    TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA: 0x0027,
    TLS_KRB5_EXPORT_WITH_RC4_40_SHA: 0x0028,
    TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5: 0x0029,
    TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5: 0x002a,
    TLS_KRB5_EXPORT_WITH_RC4_40_MD5: 0x002b,
    TLS_PSK_WITH_NULL_SHA: 0x002c,
    TLS_DHE_PSK_WITH_NULL_SHA: 0x002d,
    TLS_RSA_PSK_WITH_NULL_SHA: 0x002e,
    TLS_DH_DSS_WITH_AES_128_CBC_SHA: 0x0030,
    TLS_DH_RSA_WITH_AES_128_CBC_SHA: 0x0031,
    TLS_DH_DSS_WITH_AES_256_CBC_SHA: 0x0036,
    TLS_DH_RSA_WITH_AES_256_CBC_SHA: 0x0037,
    TLS_DH_DSS_WITH_AES_128_CBC_SHA256: 0x003e,
    TLS_DH_RSA_WITH_AES_128_CBC_SHA256: 0x003f,
    TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA: 0x0042,
    TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA: 0x0043,
    TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA: 0x0044,
    TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA: 0x0045,
    TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA: 0x0046,
    TLS_DH_DSS_WITH_AES_256_CBC_SHA256: 0x0068,
    TLS_DH_RSA_WITH_AES_256_CBC_SHA256: 0x0069,
    TLS_DH_anon_WITH_AES_128_CBC_SHA256: 0x006c,
    TLS_DH_anon_WITH_AES_256_CBC_SHA256: 0x006d,
    TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA: 0x0085,
    TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA: 0x0086,
    TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA: 0x0087,
    TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA: 0x0088,
    TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA: 0x0089,
    TLS_PSK_WITH_RC4_128_SHA: 0x008a,
    TLS_PSK_WITH_3DES_EDE_CBC_SHA: 0x008b,
    TLS_DHE_PSK_WITH_RC4_128_SHA: 0x008e,
    TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA: 0x008f,
    TLS_DHE_PSK_WITH_AES_128_CBC_SHA: 0x0090,
    TLS_DHE_PSK_WITH_AES_256_CBC_SHA: 0x0091,
    TLS_RSA_PSK_WITH_RC4_128_SHA: 0x0092,
    TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA: 0x0093,
    TLS_RSA_PSK_WITH_AES_128_CBC_SHA: 0x0094,
    TLS_RSA_PSK_WITH_AES_256_CBC_SHA: 0x0095,
    TLS_RSA_WITH_SEED_CBC_SHA: 0x0096,
    TLS_DH_DSS_WITH_SEED_CBC_SHA: 0x0097,
    TLS_DH_RSA_WITH_SEED_CBC_SHA: 0x0098,
    TLS_DHE_DSS_WITH_SEED_CBC_SHA: 0x0099,
    TLS_DHE_RSA_WITH_SEED_CBC_SHA: 0x009a,
    TLS_DH_anon_WITH_SEED_CBC_SHA: 0x009b,
    TLS_DH_RSA_WITH_AES_128_GCM_SHA256: 0x00a0,
    TLS_DH_RSA_WITH_AES_256_GCM_SHA384: 0x00a1,
    TLS_DH_DSS_WITH_AES_128_GCM_SHA256: 0x00a4,
    TLS_DH_DSS_WITH_AES_256_GCM_SHA384: 0x00a5,
    TLS_DH_anon_WITH_AES_128_GCM_SHA256: 0x00a6,
    TLS_DH_anon_WITH_AES_256_GCM_SHA384: 0x00a7,
    TLS_RSA_PSK_WITH_AES_128_GCM_SHA256: 0x00ac,
    TLS_RSA_PSK_WITH_AES_256_GCM_SHA384: 0x00ad,
    TLS_PSK_WITH_NULL_SHA256: 0x00b0,
    TLS_PSK_WITH_NULL_SHA384: 0x00b1,
    TLS_DHE_PSK_WITH_AES_128_CBC_SHA256: 0x00b2,
    TLS_DHE_PSK_WITH_AES_256_CBC_SHA384: 0x00b3,
    TLS_DHE_PSK_WITH_NULL_SHA256: 0x00b4,
    TLS_DHE_PSK_WITH_NULL_SHA384: 0x00b5,
    TLS_RSA_PSK_WITH_AES_128_CBC_SHA256: 0x00b6,
    TLS_RSA_PSK_WITH_AES_256_CBC_SHA384: 0x00b7,
    TLS_RSA_PSK_WITH_NULL_SHA256: 0x00b8,
    TLS_RSA_PSK_WITH_NULL_SHA384: 0x00b9,
    TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256: 0x00ba,
    TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256: 0x00bb,
    TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256: 0x00bc,
    TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256: 0x00bd,
    TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256: 0x00be,
    TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256: 0x00bf,
    TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256: 0x00c0,
    TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256: 0x00c1,
    TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256: 0x00c2,
    TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256: 0x00c3,
    TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256: 0x00c4,
    TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256: 0x00c5,
    TLS_SM4_GCM_SM3: 0x00c6,
    TLS_SM4_CCM_SM3: 0x00c7,
    TLS_ECDH_ECDSA_WITH_NULL_SHA: 0xc001,
    TLS_ECDH_ECDSA_WITH_RC4_128_SHA: 0xc002,
    TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA: 0xc003,
    TLS_ECDH_RSA_WITH_NULL_SHA: 0xc00b,
    TLS_ECDH_RSA_WITH_RC4_128_SHA: 0xc00c,
    TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA: 0xc00d,
    TLS_ECDH_anon_WITH_NULL_SHA: 0xc015,
    TLS_ECDH_anon_WITH_RC4_128_SHA: 0xc016,
    TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA: 0xc017,
    TLS_ECDH_anon_WITH_AES_128_CBC_SHA: 0xc018,
    TLS_ECDH_anon_WITH_AES_256_CBC_SHA: 0xc019,
    TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA: 0xc01a,
    TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA: 0xc01b,
    TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA: 0xc01c,
    TLS_SRP_SHA_WITH_AES_128_CBC_SHA: 0xc01d,
    TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA: 0xc01e,
    TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA: 0xc01f,
    TLS_SRP_SHA_WITH_AES_256_CBC_SHA: 0xc020,
    TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA: 0xc021,
    TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA: 0xc022,
    TLS_ECDHE_PSK_WITH_RC4_128_SHA: 0xc033,
    TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA: 0xc034,
    TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256: 0xc037,
    TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384: 0xc038,
    TLS_ECDHE_PSK_WITH_NULL_SHA: 0xc039,
    TLS_ECDHE_PSK_WITH_NULL_SHA256: 0xc03a,
    TLS_ECDHE_PSK_WITH_NULL_SHA384: 0xc03b,
    TLS_RSA_WITH_ARIA_128_CBC_SHA256: 0xc03c,
    TLS_RSA_WITH_ARIA_256_CBC_SHA384: 0xc03d,
    TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256: 0xc03e,
    TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384: 0xc03f,
    TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256: 0xc040,
    TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384: 0xc041,
    TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256: 0xc042,
    TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384: 0xc043,
    TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256: 0xc044,
    TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384: 0xc045,
    TLS_DH_anon_WITH_ARIA_128_CBC_SHA256: 0xc046,
    TLS_DH_anon_WITH_ARIA_256_CBC_SHA384: 0xc047,
    TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256: 0xc048,
    TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384: 0xc049,
    TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256: 0xc04a,
    TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384: 0xc04b,
    TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256: 0xc04c,
    TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384: 0xc04d,
    TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256: 0xc04e,
    TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384: 0xc04f,
    TLS_RSA_WITH_ARIA_128_GCM_SHA256: 0xc050,
    TLS_RSA_WITH_ARIA_256_GCM_SHA384: 0xc051,
    TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256: 0xc052,
    TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384: 0xc053,
    TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256: 0xc054,
    TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384: 0xc055,
    TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256: 0xc056,
    TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384: 0xc057,
    TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256: 0xc058,
    TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384: 0xc059,
    TLS_DH_anon_WITH_ARIA_128_GCM_SHA256: 0xc05a,
    TLS_DH_anon_WITH_ARIA_256_GCM_SHA384: 0xc05b,
    TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256: 0xc05c,
    TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384: 0xc05d,
    TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256: 0xc05e,
    TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384: 0xc05f,
    TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256: 0xc060,
    TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384: 0xc061,
    TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256: 0xc062,
    TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384: 0xc063,
    TLS_PSK_WITH_ARIA_128_CBC_SHA256: 0xc064,
    TLS_PSK_WITH_ARIA_256_CBC_SHA384: 0xc065,
    TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256: 0xc066,
    TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384: 0xc067,
    TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256: 0xc068,
    TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384: 0xc069,
    TLS_PSK_WITH_ARIA_128_GCM_SHA256: 0xc06a,
    TLS_PSK_WITH_ARIA_256_GCM_SHA384: 0xc06b,
    TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256: 0xc06c,
    TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384: 0xc06d,
    TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256: 0xc06e,
    TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384: 0xc06f,
    TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256: 0xc070,
    TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384: 0xc071,
    TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256: 0xc072,
    TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384: 0xc073,
    TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256: 0xc074,
    TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384: 0xc075,
    TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256: 0xc076,
    TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384: 0xc077,
    TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256: 0xc078,
    TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384: 0xc079,
    TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256: 0xc07a,
    TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384: 0xc07b,
    TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256: 0xc07c,
    TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384: 0xc07d,
    TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256: 0xc07e,
    TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384: 0xc07f,
    TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256: 0xc080,
    TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384: 0xc081,
    TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256: 0xc082,
    TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384: 0xc083,
    TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256: 0xc084,
    TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384: 0xc085,
    TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256: 0xc086,
    TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384: 0xc087,
    TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256: 0xc088,
    TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384: 0xc089,
    TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256: 0xc08a,
    TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384: 0xc08b,
    TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256: 0xc08c,
    TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384: 0xc08d,
    TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256: 0xc08e,
    TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384: 0xc08f,
    TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256: 0xc090,
    TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384: 0xc091,
    TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256: 0xc092,
    TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384: 0xc093,
    TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256: 0xc094,
    TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384: 0xc095,
    TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256: 0xc096,
    TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384: 0xc097,
    TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256: 0xc098,
    TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384: 0xc099,
    TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256: 0xc09a,
    TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384: 0xc09b,
    TLS_DHE_PSK_WITH_AES_128_CCM: 0xc0a6,
    TLS_DHE_PSK_WITH_AES_256_CCM: 0xc0a7,
    TLS_PSK_DHE_WITH_AES_128_CCM_8: 0xc0aa,
    TLS_PSK_DHE_WITH_AES_256_CCM_8: 0xc0ab,
    TLS_ECCPWD_WITH_AES_128_GCM_SHA256: 0xc0b0,
    TLS_ECCPWD_WITH_AES_256_GCM_SHA384: 0xc0b1,
    TLS_ECCPWD_WITH_AES_128_CCM_SHA256: 0xc0b2,
    TLS_ECCPWD_WITH_AES_256_CCM_SHA384: 0xc0b3,
  },
  2,
  true,
);
export type CipherSuite = number;

/** NamedGroup (IANA "TLS Supported Groups"; RFC 8446 §4.2.7, RFC 8422 §5.1.1, RFC 7919). */
export const NamedGroup = registry(
  {
    sect163k1: 1,
    sect163r1: 2,
    sect163r2: 3,
    sect193r1: 4,
    sect193r2: 5,
    sect233k1: 6,
    sect233r1: 7,
    sect239k1: 8,
    sect283k1: 9,
    sect283r1: 10,
    sect409k1: 11,
    sect409r1: 12,
    sect571k1: 13,
    sect571r1: 14,
    secp160k1: 15,
    secp160r1: 16,
    secp160r2: 17,
    secp192k1: 18,
    secp192r1: 19,
    secp224k1: 20,
    secp224r1: 21,
    secp256k1: 22,
    secp256r1: 23,
    secp384r1: 24,
    secp521r1: 25,
    brainpoolP256r1: 26,
    brainpoolP384r1: 27,
    brainpoolP512r1: 28,
    x25519: 29,
    x448: 30,
    brainpoolP256r1tls13: 31,
    brainpoolP384r1tls13: 32,
    brainpoolP512r1tls13: 33,
    GC256A: 34,
    GC256B: 35,
    GC256C: 36,
    GC256D: 37,
    GC512A: 38,
    GC512B: 39,
    GC512C: 40,
    curveSM2: 41,
    ffdhe2048: 256,
    ffdhe3072: 257,
    ffdhe4096: 258,
    ffdhe6144: 259,
    ffdhe8192: 260,
    MLKEM512: 0x0200,
    MLKEM768: 0x0201,
    MLKEM1024: 0x0202,
    SecP256r1MLKEM768: 0x11eb,
    X25519MLKEM768: 0x11ec,
    SecP384r1MLKEM1024: 0x11ed,
    X25519Kyber768Draft00: 0x6399,
    SecP256r1Kyber768Draft00: 0x639a,
    arbitrary_explicit_prime_curves: 0xff01,
    arbitrary_explicit_char2_curves: 0xff02,
  },
  2,
  true,
);
export type NamedGroup = number;

/** SignatureScheme (IANA "TLS SignatureScheme"; RFC 8446 §4.2.3). */
export const SignatureScheme = registry(
  {
    rsa_pkcs1_sha1: 0x0201,
    /** RFC 8446 §B.3.1.3 (IANA: "Reserved for backward compatibility"); TLS 1.2's (sha1, dsa). */
    dsa_sha1_RESERVED: 0x0202,
    ecdsa_sha1: 0x0203,
    /** Not named by RFC 8446 or IANA: TLS 1.2's (sha224, rsa|dsa|ecdsa) pairs (RFC 5246 §7.4.1.4.1). */
    rsa_sha224: 0x0301,
    dsa_sha224: 0x0302,
    ecdsa_sha224: 0x0303,
    rsa_pkcs1_sha256: 0x0401,
    /** RFC 8446 §B.3.1.3 (IANA: "Reserved for backward compatibility"). */
    dsa_sha256_RESERVED: 0x0402,
    ecdsa_secp256r1_sha256: 0x0403,
    rsa_pkcs1_sha256_legacy: 0x0420,
    rsa_pkcs1_sha384: 0x0501,
    /** RFC 8446 §B.3.1.3 (IANA: "Reserved for backward compatibility"). */
    dsa_sha384_RESERVED: 0x0502,
    ecdsa_secp384r1_sha384: 0x0503,
    rsa_pkcs1_sha384_legacy: 0x0520,
    rsa_pkcs1_sha512: 0x0601,
    /** RFC 8446 §B.3.1.3 (IANA: "Reserved for backward compatibility"). */
    dsa_sha512_RESERVED: 0x0602,
    ecdsa_secp521r1_sha512: 0x0603,
    rsa_pkcs1_sha512_legacy: 0x0620,
    eccsi_sha256: 0x0704,
    iso_ibs1: 0x0705,
    iso_ibs2: 0x0706,
    iso_chinese_ibs: 0x0707,
    sm2sig_sm3: 0x0708,
    gostr34102012_256a: 0x0709,
    gostr34102012_256b: 0x070a,
    gostr34102012_256c: 0x070b,
    gostr34102012_256d: 0x070c,
    gostr34102012_512a: 0x070d,
    gostr34102012_512b: 0x070e,
    gostr34102012_512c: 0x070f,
    rsa_pss_rsae_sha256: 0x0804,
    rsa_pss_rsae_sha384: 0x0805,
    rsa_pss_rsae_sha512: 0x0806,
    ed25519: 0x0807,
    ed448: 0x0808,
    rsa_pss_pss_sha256: 0x0809,
    rsa_pss_pss_sha384: 0x080a,
    rsa_pss_pss_sha512: 0x080b,
    ecdsa_brainpoolP256r1tls13_sha256: 0x081a,
    ecdsa_brainpoolP384r1tls13_sha384: 0x081b,
    ecdsa_brainpoolP512r1tls13_sha512: 0x081c,
    mldsa44: 0x0904,
    mldsa65: 0x0905,
    mldsa87: 0x0906,
  },
  2,
  true,
);
export type SignatureScheme = number;

/** AlertLevel (RFC 8446 §6, RFC 5246 §7.2). In TLS 1.3 the level is not what makes an alert fatal. */
export const AlertLevel = registry({ warning: 1, fatal: 2 }, 1);
export type AlertLevel = number;

/** AlertDescription (IANA "TLS Alerts"; RFC 8446 §6, RFC 5246 §7.2). */
export const AlertDescription = registry(
  {
    close_notify: 0,
    unexpected_message: 10,
    bad_record_mac: 20,
    decryption_failed_RESERVED: 21,
    record_overflow: 22,
    decompression_failure_RESERVED: 30,
    handshake_failure: 40,
    no_certificate_RESERVED: 41,
    bad_certificate: 42,
    unsupported_certificate: 43,
    certificate_revoked: 44,
    certificate_expired: 45,
    certificate_unknown: 46,
    illegal_parameter: 47,
    unknown_ca: 48,
    access_denied: 49,
    decode_error: 50,
    decrypt_error: 51,
    too_many_cids_requested: 52,
    export_restriction_RESERVED: 60,
    protocol_version: 70,
    insufficient_security: 71,
    internal_error: 80,
    inappropriate_fallback: 86,
    user_canceled: 90,
    no_renegotiation_RESERVED: 100,
    missing_extension: 109,
    unsupported_extension: 110,
    certificate_unobtainable_RESERVED: 111,
    unrecognized_name: 112,
    bad_certificate_status_response: 113,
    bad_certificate_hash_value_RESERVED: 114,
    unknown_psk_identity: 115,
    certificate_required: 116,
    no_application_protocol: 120,
    ech_required: 121,
  },
  1,
);
export type AlertDescription = number;

/** PskKeyExchangeMode (RFC 8446 §4.2.9). GREASE values (RFC 8701 §2: 0x0b + 0x1f·n) print as `GREASE(0x…)`. */
export const PskKeyExchangeMode = registry({ psk_ke: 0, psk_dhe_ke: 1 }, 1, true);
export type PskKeyExchangeMode = number;

/** CertificateType (IANA "TLS Certificate Types"; RFC 7250 §3, RFC 8446 §4.4.2). */
export const CertificateType = registry({ X509: 0, OpenPGP_RESERVED: 1, RawPublicKey: 2, '1609Dot2': 3 }, 1);
export type CertificateType = number;

/** ClientCertificateType of a TLS 1.2 CertificateRequest (IANA; RFC 5246 §7.4.4, RFC 8422 §5.5). */
export const ClientCertificateType = registry(
  {
    rsa_sign: 1,
    dss_sign: 2,
    rsa_fixed_dh: 3,
    dss_fixed_dh: 4,
    rsa_ephemeral_dh_RESERVED: 5,
    dss_ephemeral_dh_RESERVED: 6,
    fortezza_dms_RESERVED: 20,
    ecdsa_sign: 64,
    rsa_fixed_ecdh: 65,
    ecdsa_fixed_ecdh: 66,
    gost_sign256: 67,
    gost_sign512: 68,
  },
  1,
);
export type ClientCertificateType = number;

/** ECPointFormat (RFC 8422 §5.1.2). */
export const ECPointFormat = registry(
  { uncompressed: 0, ansiX962_compressed_prime: 1, ansiX962_compressed_char2: 2 },
  1,
);
export type ECPointFormat = number;

/** ECCurveType of a TLS 1.2 ServerKeyExchange (RFC 8422 §5.4). */
export const ECCurveType = registry({ explicit_prime: 1, explicit_char2: 2, named_curve: 3 }, 1);
export type ECCurveType = number;

/** CertificateStatusType (RFC 6066 §8, RFC 6961). */
export const CertificateStatusType = registry({ ocsp: 1, ocsp_multi: 2 }, 1);
export type CertificateStatusType = number;

/** NameType of a server_name entry (RFC 6066 §3). */
export const NameType = registry({ host_name: 0 }, 1);
export type NameType = number;

/** KeyUpdateRequest (RFC 8446 §4.6.3). */
export const KeyUpdateRequest = registry({ update_not_requested: 0, update_requested: 1 }, 1);
export type KeyUpdateRequest = number;

/** HashAlgorithm of a TLS 1.2 SignatureAndHashAlgorithm pair (RFC 5246 §7.4.1.4.1; Intrinsic: RFC 8422). */
export const HashAlgorithm = registry(
  { none: 0, md5: 1, sha1: 2, sha224: 3, sha256: 4, sha384: 5, sha512: 6, Intrinsic: 8 },
  1,
);
export type HashAlgorithm = number;

/** SignatureAlgorithm of a TLS 1.2 SignatureAndHashAlgorithm pair (RFC 5246 §7.4.1.4.1; RFC 8422). */
export const SignatureAlgorithm = registry(
  { anonymous: 0, rsa: 1, dsa: 2, ecdsa: 3, ed25519: 7, ed448: 8, gostr34102012_256: 64, gostr34102012_512: 65 },
  1,
);
export type SignatureAlgorithm = number;

/** CertificateCompressionAlgorithm (RFC 8879 §7.3), a 16-bit registry. */
export const CertificateCompressionAlgorithm = registry({ zlib: 1, brotli: 2, zstd: 3 }, 2);
export type CertificateCompressionAlgorithm = number;

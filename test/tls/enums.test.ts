/** Tests for the TLS registries: IANA names, name → value → name round trips, GREASE, hex for unknowns. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as enums from '../../src/tls/enums.js';
import {
  AlertDescription,
  CipherSuite,
  ContentType,
  ExtensionType,
  HandshakeType,
  isGrease,
  isGreasePskKeyExchangeMode,
  NamedGroup,
  nameOf,
  ProtocolVersion,
  PskKeyExchangeMode,
  type Registry,
  SignatureScheme,
  valueOf as valueOfName,
} from '../../src/tls/enums.js';

const registries = Object.entries(enums as Record<string, unknown>).filter(
  (e): e is [string, Registry] => typeof e[1] === 'object' && e[1] !== null,
);

describe('registries', () => {
  it('hold the IANA values for well-known names', () => {
    expect(ContentType).toEqual({
      change_cipher_spec: 20,
      alert: 21,
      handshake: 22,
      application_data: 23,
      heartbeat: 24,
    });
    expect(CipherSuite.TLS_AES_128_GCM_SHA256).toBe(0x1301);
    expect(CipherSuite.TLS_CHACHA20_POLY1305_SHA256).toBe(0x1303);
    expect(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256).toBe(0xc02b);
    expect(CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256).toBe(0xcca8);
    expect(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV).toBe(0x00ff);
    expect(CipherSuite.TLS_FALLBACK_SCSV).toBe(0x5600);
    expect(NamedGroup.x25519).toBe(29);
    expect(NamedGroup.secp256r1).toBe(23);
    expect(NamedGroup.ffdhe8192).toBe(260);
    expect(NamedGroup.X25519MLKEM768).toBe(0x11ec);
    expect(NamedGroup.SecP256r1MLKEM768).toBe(0x11eb);
    expect(NamedGroup.SecP384r1MLKEM1024).toBe(0x11ed);
    expect(SignatureScheme.ecdsa_secp256r1_sha256).toBe(0x0403);
    expect(SignatureScheme.rsa_pss_rsae_sha256).toBe(0x0804);
    expect(SignatureScheme.ed25519).toBe(0x0807);
    expect(ExtensionType.server_name).toBe(0);
    expect(ExtensionType.application_layer_protocol_negotiation).toBe(16);
    expect(ExtensionType.record_size_limit).toBe(28);
    expect(ExtensionType.key_share).toBe(51);
    expect(ExtensionType.renegotiation_info).toBe(0xff01);
    expect(HandshakeType.hello_request).toBe(0);
    expect(HandshakeType.end_of_early_data).toBe(5);
    expect(HandshakeType.certificate_status).toBe(22);
    expect(HandshakeType.key_update).toBe(24);
    expect(HandshakeType.message_hash).toBe(254);
    expect(AlertDescription.close_notify).toBe(0);
    expect(AlertDescription.bad_record_mac).toBe(20);
    expect(AlertDescription.no_application_protocol).toBe(120);
    expect(ProtocolVersion.TLS1_3).toBe(0x0304);
    expect(ProtocolVersion.SSL3_0).toBe(0x0300);
  });

  it('are frozen', () => {
    for (const [, reg] of registries) expect(Object.isFrozen(reg)).toBe(true);
  });

  it('round-trip every name → value → name, and every value → name → value', () => {
    expect(registries.length).toBeGreaterThanOrEqual(19);
    for (const [, reg] of registries) {
      const seen = new Set<number>();
      for (const [name, value] of Object.entries(reg)) {
        expect(seen.has(value)).toBe(false);
        seen.add(value);
        expect(valueOfName(reg, name)).toBe(value);
        expect(nameOf(reg, value)).toBe(name);
      }
    }
  });
});

describe('nameOf', () => {
  it('prints unknown values as hex padded to the field width', () => {
    expect(nameOf(CipherSuite, 0x1234)).toBe('0x1234');
    expect(nameOf(CipherSuite, 0x005d)).toBe('0x005d'); // unassigned (IANA)
    expect(nameOf(HandshakeType, 7)).toBe('0x07');
    expect(nameOf(AlertDescription, 255)).toBe('0xff');
    expect(nameOf(HandshakeType, 7, 2)).toBe('0x0007');
  });

  it('prints RFC 8701 GREASE values in 16-bit registries as GREASE(…)', () => {
    expect(nameOf(CipherSuite, 0x0a0a)).toBe('GREASE(0x0a0a)');
    expect(nameOf(ExtensionType, 0xfafa)).toBe('GREASE(0xfafa)');
    expect(nameOf(NamedGroup, 0x2a2a)).toBe('GREASE(0x2a2a)');
    expect(nameOf(SignatureScheme, 0x9a9a)).toBe('GREASE(0x9a9a)');
    expect(nameOf(ProtocolVersion, 0x7a7a)).toBe('GREASE(0x7a7a)');
    expect(nameOf(PskKeyExchangeMode, 0x2a)).toBe('GREASE(0x2a)');
    expect(nameOf(PskKeyExchangeMode, 0x0b)).toBe('GREASE(0x0b)');
  });

  it('does not print GREASE in registries where it does not apply', () => {
    expect(nameOf(HandshakeType, 0x2a)).toBe('0x2a');
    expect(nameOf(AlertDescription, 0x0b)).toBe('0x0b');
  });
});

describe('valueOf', () => {
  it('accepts exact IANA names, hex, and GREASE labels', () => {
    expect(valueOfName(CipherSuite, 'TLS_AES_256_GCM_SHA384')).toBe(0x1302);
    expect(valueOfName(CipherSuite, '0x1234')).toBe(0x1234);
    expect(valueOfName(NamedGroup, 'GREASE(0x2a2a)')).toBe(0x2a2a);
    expect(valueOfName(AlertDescription, 'decode_error')).toBe(50);
  });

  it('rejects unknown names, case variants and out-of-range hex', () => {
    expect(valueOfName(CipherSuite, 'tls_aes_256_gcm_sha384')).toBeUndefined();
    expect(valueOfName(NamedGroup, 'X25519')).toBeUndefined();
    expect(valueOfName(HandshakeType, '0x100')).toBeUndefined();
    expect(valueOfName(CipherSuite, '0x')).toBeUndefined();
    expect(valueOfName(CipherSuite, 'GREASE(0x0a0a')).toBeUndefined();
    expect(valueOfName(CipherSuite, 'toString')).toBeUndefined();
  });

  it('inverts nameOf for every 16-bit value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (v) => {
        for (const reg of [CipherSuite, ExtensionType, NamedGroup, SignatureScheme]) {
          expect(valueOfName(reg, nameOf(reg, v))).toBe(v);
        }
      }),
    );
  });
});

describe('isGrease', () => {
  it('matches exactly the 16 RFC 8701 §2 values', () => {
    const all: number[] = [];
    for (let v = 0; v <= 0xffff; v++) if (isGrease(v)) all.push(v);
    expect(all).toEqual([
      0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada,
      0xeaea, 0xfafa,
    ]);
  });

  it('PskKeyExchangeMode GREASE values are 0x0b + 0x1f·n (RFC 8701 §2)', () => {
    const all: number[] = [];
    for (let v = 0; v <= 0xff; v++) if (isGreasePskKeyExchangeMode(v)) all.push(v);
    expect(all).toEqual([0x0b, 0x2a, 0x49, 0x68, 0x87, 0xa6, 0xc5, 0xe4]);
  });
});

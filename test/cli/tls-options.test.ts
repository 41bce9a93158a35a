/**
 * `--groups` and `--ciphers` of `tlswire connect` and `serve` (src/cli/tls-options.ts): the new group
 * names (x448, the RFC 7919 FFDHE groups), OpenSSL's and NIST's curve names, and the DHE suites by
 * their IANA names; an unknown name is an error naming it.
 */
import { describe, expect, it } from 'vitest';
import { tlsSettings } from '../../src/cli/tls-options.js';

describe('--groups and --ciphers', () => {
  it('take x448, ffdhe2048..ffdhe8192 and the curve aliases, in the order given', () => {
    const { groups } = tlsSettings({ groups: 'x448,ffdhe2048,ffdhe3072,FFDHE4096,ffdhe6144,ffdhe8192,P-521,x25519' });
    expect(groups).toEqual([0x1e, 0x100, 0x101, 0x102, 0x103, 0x104, 0x19, 0x1d]);
  });

  it('take the DHE_RSA suites by name', () => {
    const { cipherSuites } = tlsSettings({
      ciphers:
        'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    });
    expect(cipherSuites).toEqual([0x009e, 0x009f, 0xccaa]);
  });

  it('leave the defaults alone when not given, and name an unknown group', () => {
    expect(tlsSettings({}).groups).toBeUndefined();
    expect(() => tlsSettings({ groups: 'x448,ffdhe1024' })).toThrow('unknown group "ffdhe1024"');
  });
});

/**
 * The TLS 1.2 key schedule (src/crypto/tls12-key-schedule.ts) on published vectors and independent
 * computations: the TLS 1.2 PRF test vectors of the IETF TLS mailing list (RFC 5246 §5), P_hash
 * recomputed with node:crypto's HMAC, the key block split (RFC 5246 §6.3), the suite table (RFC 5288,
 * RFC 5289, RFC 7905), the RFC 5705 exporter's seed rules and every input check. The derivations are
 * checked end to end against real peers in tls12-captures.test.ts and tls12-loopback.test.ts.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import type { HashName } from '../../src/crypto/provider.js';
import {
  MASTER_SECRET_LENGTH,
  pHash,
  TLS12_CIPHER_SUITES,
  Tls12KeyScheduleError,
  Tls12MasterSecret,
  tls12CipherSuite,
  tls12ExportKeyingMaterial,
  tls12ExtendedMasterSecret,
  tls12FinishedVerifyData,
  tls12KeyBlock,
  tls12MasterSecret,
  tls12Prf,
} from '../../src/crypto/tls12-key-schedule.js';
import { CipherSuite } from '../../src/tls/enums.js';

const p = new NobleProvider();
const enc = (s: string) => new TextEncoder().encode(s);

/** P_hash written out from RFC 5246 §5 with node:crypto's HMAC, as an independent oracle. */
function nodePHash(hash: HashName, secret: Uint8Array, seed: Uint8Array, length: number): string {
  const hmac = (data: Uint8Array) => createHmac(hash, secret).update(data).digest();
  let out = Buffer.alloc(0);
  let a: Buffer = hmac(seed);
  while (out.length < length) {
    out = Buffer.concat([out, hmac(Buffer.concat([a, seed]))]);
    a = hmac(a);
  }
  return out.subarray(0, length).toString('hex');
}

describe('PRF (RFC 5246 §5)', () => {
  // The TLS 1.2 PRF test vectors posted to the IETF TLS list
  // (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html) and used by many TLS stacks'
  // tests, e.g. tompetersen/bachelor-thesis Source/jProtocol/src/test/tls/PseudoRandomFunction.java,
  // which cites that post. `openssl kdf … TLS1-PRF` (OpenSSL 3.0) gives the same bytes.
  it('P_SHA256: secret 9bbe436b…, label "test label", 100 bytes', () => {
    const out = tls12Prf(
      p,
      'sha256',
      fromHex('9bbe436ba940f017b17652849a71db35'),
      'test label',
      fromHex('a0ba9f936cda311827a6f796ffd5198c'),
      100,
    );
    expect(toHex(out)).toBe(
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af' +
        '0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701' +
        '87347b66',
    );
  });

  it('P_SHA384: secret b80b733d…, label "test label", 148 bytes', () => {
    const out = tls12Prf(
      p,
      'sha384',
      fromHex('b80b733d6ceefcdc71566ea48e5567df'),
      'test label',
      fromHex('cd665cf6a8447dd6ff8b27555edb7465'),
      148,
    );
    expect(toHex(out)).toBe(
      '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0' +
        'e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425' +
        '9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d' +
        '73e56f',
    );
  });

  it('P_hash equals an independent node:crypto HMAC chain for any secret, seed and length', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<HashName>('sha256', 'sha384'),
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.integer({ min: 0, max: 200 }),
        (hash, secret, seed, length) => {
          expect(toHex(pHash(p, hash, secret, seed, length))).toBe(nodePHash(hash, secret, seed, length));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is a stream: a shorter output is a prefix of a longer one; the label is prepended to the seed', () => {
    const secret = enc('secret');
    const long = tls12Prf(p, 'sha256', secret, 'label', enc('seed'), 97);
    for (const n of [0, 1, 12, 31, 32, 33, 64, 96]) {
      expect(toHex(tls12Prf(p, 'sha256', secret, 'label', enc('seed'), n))).toBe(toHex(long.subarray(0, n)));
    }
    expect(toHex(pHash(p, 'sha256', secret, enc('labelseed'), 97))).toBe(toHex(long));
  });

  it('rejects a negative or fractional length', () => {
    expect(() => pHash(p, 'sha256', enc('k'), enc('s'), -1)).toThrow(RangeError);
    expect(() => pHash(p, 'sha256', enc('k'), enc('s'), 1.5)).toThrow(RangeError);
  });
});

const clientRandom = fromHex(`${'00'.repeat(31)}01`);
const serverRandom = fromHex(`${'ff'.repeat(31)}fe`);

describe('master secret (RFC 5246 §8.1, RFC 7627 §4)', () => {
  it('is the PRF with "master secret" over client_random + server_random, 48 bytes', () => {
    const pms = fromHex('0303'.padEnd(96, 'ab'));
    const ms = tls12MasterSecret(p, 'sha256', pms, clientRandom, serverRandom);
    expect(ms).toHaveLength(MASTER_SECRET_LENGTH);
    expect(toHex(ms)).toBe(
      nodePHash('sha256', pms, new Uint8Array([...enc('master secret'), ...clientRandom, ...serverRandom]), 48),
    );
  });

  it('the extended master secret is the PRF with "extended master secret" over the session hash', () => {
    const pms = fromHex('11'.repeat(32));
    const sessionHash = p.hash('sha384', enc('ClientHello … ClientKeyExchange'));
    const ms = tls12ExtendedMasterSecret(p, 'sha384', pms, sessionHash);
    expect(toHex(ms)).toBe(
      nodePHash('sha384', pms, new Uint8Array([...enc('extended master secret'), ...sessionHash]), 48),
    );
    expect(() => tls12ExtendedMasterSecret(p, 'sha384', pms, sessionHash.subarray(0, 32))).toThrow(RangeError);
  });

  it('rejects randoms that are not 32 bytes', () => {
    expect(() => tls12MasterSecret(p, 'sha256', new Uint8Array(48), clientRandom.subarray(1), serverRandom)).toThrow(
      RangeError,
    );
    expect(() => tls12MasterSecret(p, 'sha256', new Uint8Array(48), clientRandom, new Uint8Array(33))).toThrow(
      RangeError,
    );
  });
});

describe('cipher suites (RFC 5288 §3, RFC 5289 §3.2, RFC 7905 §2)', () => {
  it('lists the eleven AEAD suites with their code points, key, IV and PRF hash', () => {
    expect(
      TLS12_CIPHER_SUITES.map((s) => [
        s.value.toString(16),
        s.name,
        s.keyExchange,
        s.aead,
        s.hash,
        s.keyLength,
        s.fixedIvLength,
        s.recordIvLength,
      ]),
    ).toEqual([
      ['c02b', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ecdhe_ecdsa', 'aes-128-gcm', 'sha256', 16, 4, 8],
      ['c02c', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ecdhe_ecdsa', 'aes-256-gcm', 'sha384', 32, 4, 8],
      [
        'cca9',
        'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
        'ecdhe_ecdsa',
        'chacha20-poly1305',
        'sha256',
        32,
        12,
        0,
      ],
      ['c02f', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ecdhe_rsa', 'aes-128-gcm', 'sha256', 16, 4, 8],
      ['c030', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ecdhe_rsa', 'aes-256-gcm', 'sha384', 32, 4, 8],
      ['cca8', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ecdhe_rsa', 'chacha20-poly1305', 'sha256', 32, 12, 0],
      ['9e', 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'dhe_rsa', 'aes-128-gcm', 'sha256', 16, 4, 8],
      ['9f', 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'dhe_rsa', 'aes-256-gcm', 'sha384', 32, 4, 8],
      ['ccaa', 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'dhe_rsa', 'chacha20-poly1305', 'sha256', 32, 12, 0],
      ['9c', 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'rsa', 'aes-128-gcm', 'sha256', 16, 4, 8],
      ['9d', 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'rsa', 'aes-256-gcm', 'sha384', 32, 4, 8],
    ]);
    for (const s of TLS12_CIPHER_SUITES) expect(CipherSuite[s.name]).toBe(s.value);
  });

  it('finds a suite by code point; unknown, CBC and TLS 1.3 suites are undefined', () => {
    expect(tls12CipherSuite(0xcca8)?.name).toBe('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256');
    expect(tls12CipherSuite(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA)).toBeUndefined();
    expect(tls12CipherSuite(CipherSuite.TLS_AES_128_GCM_SHA256)).toBeUndefined();
    expect(tls12CipherSuite(0xffff)).toBeUndefined();
  });
});

describe('key block (RFC 5246 §6.3)', () => {
  const master = fromHex('5a'.repeat(48));
  it.each(TLS12_CIPHER_SUITES.map((s) => [s.name, s] as const))('%s: keys then IVs, client before server', (_, s) => {
    const kb = tls12KeyBlock(p, s, master, clientRandom, serverRandom);
    const k = s.keyLength;
    const iv = s.fixedIvLength;
    // key_block = PRF(master_secret, "key expansion", server_random + client_random): server first.
    const block = fromHex(
      nodePHash(
        s.hash,
        master,
        new Uint8Array([...enc('key expansion'), ...serverRandom, ...clientRandom]),
        2 * k + 2 * iv,
      ),
    );
    expect(toHex(kb.client.key)).toBe(toHex(block.subarray(0, k)));
    expect(toHex(kb.server.key)).toBe(toHex(block.subarray(k, 2 * k)));
    expect(toHex(kb.client.iv)).toBe(toHex(block.subarray(2 * k, 2 * k + iv)));
    expect(toHex(kb.server.iv)).toBe(toHex(block.subarray(2 * k + iv)));
  });

  it('rejects a master secret that is not 48 bytes', () => {
    expect(() => tls12KeyBlock(p, TLS12_CIPHER_SUITES[0]!, new Uint8Array(32), clientRandom, serverRandom)).toThrow(
      RangeError,
    );
  });
});

describe('Finished (RFC 5246 §7.4.9)', () => {
  it('is 12 bytes of the PRF with "client finished" / "server finished" over the transcript hash', () => {
    const master = fromHex('07'.repeat(48));
    const th = p.hash('sha256', enc('handshake messages'));
    for (const sender of ['client', 'server'] as const) {
      const vd = tls12FinishedVerifyData(p, 'sha256', master, sender, th);
      expect(toHex(vd)).toBe(nodePHash('sha256', master, new Uint8Array([...enc(`${sender} finished`), ...th]), 12));
    }
    expect(() => tls12FinishedVerifyData(p, 'sha384', master, 'client', th)).toThrow(RangeError);
  });
});

describe('exporter (RFC 5705 §4)', () => {
  const master = fromHex('42'.repeat(48));
  const label = 'EXPERIMENTAL tlswire';
  const randoms = new Uint8Array([...clientRandom, ...serverRandom]);

  it('seeds with the randoms, then a 2-byte context length and the context when there is one', () => {
    const none = tls12ExportKeyingMaterial(p, 'sha256', master, clientRandom, serverRandom, label, undefined, 40);
    expect(toHex(none)).toBe(nodePHash('sha256', master, new Uint8Array([...enc(label), ...randoms]), 40));
    const empty = tls12ExportKeyingMaterial(
      p,
      'sha256',
      master,
      clientRandom,
      serverRandom,
      label,
      new Uint8Array(0),
      40,
    );
    expect(toHex(empty)).toBe(nodePHash('sha256', master, new Uint8Array([...enc(label), ...randoms, 0, 0]), 40));
    expect(toHex(empty)).not.toBe(toHex(none));
    const ctx = new Uint8Array(300).fill(9);
    const withCtx = tls12ExportKeyingMaterial(p, 'sha384', master, clientRandom, serverRandom, label, ctx, 7);
    expect(toHex(withCtx)).toBe(
      nodePHash('sha384', master, new Uint8Array([...enc(label), ...randoms, 1, 44, ...ctx]), 7),
    );
  });

  it('refuses the PRF labels of the protocol itself and a context of 2^16 bytes', () => {
    for (const reserved of [
      'client finished',
      'server finished',
      'master secret',
      'key expansion',
      'extended master secret',
    ]) {
      expect(() =>
        tls12ExportKeyingMaterial(p, 'sha256', master, clientRandom, serverRandom, reserved, undefined, 32),
      ).toThrow(RangeError);
    }
    const big = new Uint8Array(0x10000);
    expect(() => tls12ExportKeyingMaterial(p, 'sha256', master, clientRandom, serverRandom, label, big, 32)).toThrow(
      RangeError,
    );
    expect(
      tls12ExportKeyingMaterial(p, 'sha256', master, clientRandom, serverRandom, label, big.subarray(1), 32),
    ).toHaveLength(32);
  });
});

describe('Tls12MasterSecret', () => {
  const suite = tls12CipherSuite(CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)!;
  const pms = fromHex('33'.repeat(48));

  it('derives the RFC 5246 or, with a session hash, the RFC 7627 master secret', () => {
    const plain = Tls12MasterSecret.fromPremaster(p, suite, pms, { clientRandom, serverRandom });
    expect(toHex(plain.secret)).toBe(toHex(tls12MasterSecret(p, 'sha384', pms, clientRandom, serverRandom)));
    const sessionHash = p.hash('sha384', enc('transcript'));
    const ems = Tls12MasterSecret.fromPremaster(p, suite, pms, { clientRandom, serverRandom, sessionHash });
    expect(toHex(ems.secret)).toBe(toHex(tls12ExtendedMasterSecret(p, 'sha384', pms, sessionHash)));
    expect(toHex(pms)).toBe('33'.repeat(48));
  });

  it('formats its key log line and wipes the secret when disposed', () => {
    const ms = new Tls12MasterSecret(p, suite, fromHex('ab'.repeat(48)), clientRandom, serverRandom);
    expect(ms.keyLogLine()).toBe(`CLIENT_RANDOM ${'00'.repeat(31)}01 ${'ab'.repeat(48)}`);
    const { client } = ms.keyBlock();
    expect(client.key).toHaveLength(32);
    expect(client.iv).toHaveLength(4);
    const held = ms.secret;
    ms.dispose();
    expect(toHex(held)).toBe('00'.repeat(48));
    expect(() => ms.secret).toThrow(Tls12KeyScheduleError);
    expect(() => ms.keyBlock()).toThrow(Tls12KeyScheduleError);
    expect(() => ms.verifyData('client', new Uint8Array(48))).toThrow(Tls12KeyScheduleError);
    expect(() => ms.exportKeyingMaterial('EXPERIMENTAL x', undefined, 8)).toThrow(Tls12KeyScheduleError);
  });

  it('copies its inputs, so the caller may wipe them', () => {
    const secret = fromHex('cd'.repeat(48));
    const cr = clientRandom.slice();
    const ms = new Tls12MasterSecret(p, suite, secret, cr, serverRandom);
    secret.fill(0);
    cr.fill(0);
    expect(toHex(ms.secret)).toBe('cd'.repeat(48));
    expect(toHex(ms.clientRandom)).toBe(toHex(clientRandom));
    expect(() => new Tls12MasterSecret(p, suite, new Uint8Array(47), clientRandom, serverRandom)).toThrow(RangeError);
  });
});

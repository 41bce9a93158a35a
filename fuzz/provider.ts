/**
 * The crypto the fuzzer runs the state machines over: bench/support.ts's {@link NullCryptoProvider}
 * (AEAD = plaintext + 16 zero bytes, every signature verifies, digests a cheap fold), with its one
 * random part, the x25519 key pair, made fixed, so that a handshake is byte-for-byte the same in every
 * process and a recorded flight stays valid. Mutated records then reach the handshake parsers behind
 * the record protection, not just the AEAD tag check, and a run costs microseconds, not milliseconds.
 */
import { NullCryptoProvider } from '../bench/support.js';
import { NobleProvider } from '../src/crypto/noble.js';
import type { KeyExchange } from '../src/crypto/provider.js';

const FIXED_PAIR = new NobleProvider({ random: (n) => new Uint8Array(n).fill(0x42) }).keyExchange('x25519').generate();

const FIXED_KX: KeyExchange = {
  group: 'x25519',
  clientShareLength: 32,
  serverShareLength: 32,
  generate: () => FIXED_PAIR,
  encapsulate: () => ({ group: 'x25519', share: FIXED_PAIR.share, sharedSecret: new Uint8Array(32).fill(1) }),
  decapsulate: () => new Uint8Array(32).fill(1),
};

/** {@link NullCryptoProvider} with a fixed key exchange: deterministic in every process. */
export class FuzzProvider extends NullCryptoProvider {
  override keyExchange(): KeyExchange {
    return FIXED_KX;
  }
}

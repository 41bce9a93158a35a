/**
 * The crypto the fuzzer runs the state machines over: bench/support.ts's {@link NullCryptoProvider}
 * (AEAD = plaintext + 16 zero bytes, every signature verifies, digests a cheap fold), with its one
 * random part, the key exchange, made fixed per group (a real key pair and server share, made once
 * from fixed randomness; every shared secret 32 bytes of 1), so that a handshake is byte-for-byte the
 * same in every process and a recorded flight stays valid. Mutated records then reach the handshake
 * parsers behind the record protection, not just the AEAD tag check, and a run costs microseconds.
 */
import { NullCryptoProvider } from '../bench/support.js';
import { NobleProvider } from '../src/crypto/noble.js';
import type { GroupName, KeyExchange } from '../src/crypto/provider.js';

const FIXED = new NobleProvider({ random: (n) => new Uint8Array(n).fill(0x42) });
const BY_GROUP = new Map<GroupName, KeyExchange>();

/** A key exchange for `group` whose key pair, server share and shared secret never change. */
function fixedKeyExchange(group: GroupName): KeyExchange {
  const real = FIXED.keyExchange(group);
  const pair = real.generate();
  const response = real.encapsulate(pair.share);
  return {
    group,
    clientShareLength: real.clientShareLength,
    serverShareLength: real.serverShareLength,
    generate: () => ({ group, privateKey: pair.privateKey.slice(), share: pair.share.slice() }),
    encapsulate: () => ({ group, share: response.share.slice(), sharedSecret: new Uint8Array(32).fill(1) }),
    decapsulate: () => new Uint8Array(32).fill(1),
  };
}

/** {@link NullCryptoProvider} with a fixed key exchange per group: deterministic in every process. */
export class FuzzProvider extends NullCryptoProvider {
  override keyExchange(group: GroupName): KeyExchange {
    let kx = BY_GROUP.get(group);
    if (!kx) {
      kx = fixedKeyExchange(group);
      BY_GROUP.set(group, kx);
    }
    return kx;
  }
}

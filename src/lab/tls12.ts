/**
 * The TLS 1.2 half of a scripted client: ClientKeyExchange for ECDHE (RFC 8422 §5.7) and RSA
 * (RFC 5246 §7.4.7.1, with any premaster or any encrypted value, for padding-oracle probes), the master
 * secret with or without extended_master_secret (RFC 5246 §8.1, RFC 7627 §4), the key block and
 * epochs a ChangeCipherSpec switches to (§6.3), and both Finished computations (§7.4.9).
 * @module
 */
import { concat, equalBytes } from '../bytes/hex.js';
import { groupName } from '../crypto/provider.js';
import type { Tls12CipherSuite } from '../crypto/tls12-key-schedule.js';
import {
  tls12ExtendedMasterSecret,
  tls12FinishedVerifyData,
  tls12KeyBlock,
  tls12MasterSecret,
} from '../crypto/tls12-key-schedule.js';
import type { ClientKeyExchange } from '../tls/messages/key-exchange.js';
import { tls12Epoch } from './epoch.js';
import type { LabState } from './state.js';

/** How the RSA premaster is built or replaced (RFC 5246 §7.4.7.1). */
export interface RsaPremasterOptions {
  /** The 48-byte premaster to encrypt (default: client_version 0x0303 ‖ 46 random bytes). */
  premaster?: Uint8Array;
  /** The whole RSA plaintext instead of PKCS#1 v1.5 padding around the premaster: encrypted raw (m^e mod n). */
  rawPlaintext?: Uint8Array;
  /** The encrypted_pre_master_secret bytes as sent (no encryption at all). */
  encrypted?: Uint8Array;
}

/** A ClientKeyExchange for the negotiated key exchange; it also sets the premaster in the state. */
export function clientKeyExchange(state: LabState, o: RsaPremasterOptions = {}): ClientKeyExchange {
  const suite = state.suite12;
  if (!suite) throw new Error('ClientKeyExchange needs a TLS 1.2 ServerHello first');
  if (suite.keyExchange === 'rsa') return rsaKeyExchange(state, o);
  if (suite.keyExchange === 'dhe_rsa') throw new Error('DHE ClientKeyExchange is not scripted yet');
  const ske = state.serverKeyExchange;
  if (ske?.keyExchange !== 'ecdhe') throw new Error('ECDHE ClientKeyExchange needs an ECDHE ServerKeyExchange');
  const name = groupName(ske.namedGroup);
  if (!name) throw new Error(`unsupported group 0x${ske.namedGroup.toString(16)}`);
  const kx = state.provider.keyExchange(name);
  const pair = kx.generate();
  premasters.set(state, kx.decapsulate(pair.privateKey, ske.publicKey));
  return { type: 'client_key_exchange', keyExchange: 'ecdhe', publicKey: pair.share };
}

/** The premaster each state's ClientKeyExchange produced (set when it is built, used once it is sent). */
const premasters = new WeakMap<LabState, Uint8Array>();

function rsaKeyExchange(state: LabState, o: RsaPremasterOptions): ClientKeyExchange {
  const key = state.serverRsaKey;
  const premaster = o.premaster ?? concat(Uint8Array.of(3, 3), state.provider.random(46));
  premasters.set(state, premaster);
  if (o.encrypted) return { type: 'client_key_exchange', keyExchange: 'rsa', encryptedPreMasterSecret: o.encrypted };
  if (!key) throw new Error('RSA ClientKeyExchange needs the server certificate (an RSA key) first');
  const encrypted = o.rawPlaintext ? rawRsa(key.n, key.e, o.rawPlaintext) : state.provider.rsaEncrypt(key, premaster);
  return { type: 'client_key_exchange', keyExchange: 'rsa', encryptedPreMasterSecret: encrypted };
}

/** m^e mod n as a k-byte string: RSA without padding, to send malformed PKCS#1 plaintexts. */
function rawRsa(n: bigint, e: bigint, plaintext: Uint8Array): Uint8Array {
  const k = (n.toString(16).length + 1) >> 1;
  let m = 0n;
  for (const b of plaintext) m = (m << 8n) | BigInt(b);
  let r = 1n;
  let base = m % n;
  for (let x = e; x > 0n; x >>= 1n) {
    if (x & 1n) r = (r * base) % n;
    base = (base * base) % n;
  }
  const out = new Uint8Array(k);
  for (let i = k - 1; i >= 0; i--, r >>= 8n) out[i] = Number(r & 0xffn);
  return out;
}

/** After our ClientKeyExchange is in the transcript: master secret, key block, pending epochs. */
export function onClientKeyExchangeSent(state: LabState): void {
  const suite = state.suite12;
  const premaster = premasters.get(state);
  const random = state.clientHello?.random;
  const serverRandom = state.serverHello?.random;
  if (!suite || !premaster || !random || !serverRandom) return;
  installPendingKeys(state, suite, premaster, random, serverRandom);
}

/**
 * From the premaster (RFC 5246 §8.1, RFC 7627 §4 when extended_master_secret was agreed): the master
 * secret and the key block, as the pending epochs of the side the lab plays; each ChangeCipherSpec
 * makes its direction's current.
 */
export function installPendingKeys(
  state: LabState,
  suite: Tls12CipherSuite,
  premaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): void {
  const master = state.extendedMasterSecret
    ? tls12ExtendedMasterSecret(state.provider, suite.hash, premaster, state.transcriptHash())
    : tls12MasterSecret(state.provider, suite.hash, premaster, clientRandom, serverRandom);
  state.secrets.master12 = master;
  const block = tls12KeyBlock(state.provider, suite, master, clientRandom, serverRandom);
  const [ours, theirs] = state.role === 'server' ? (['server', 'client'] as const) : (['client', 'server'] as const);
  state.pendingWrite = tls12Epoch(state.provider, suite, block, ours, 'seal');
  state.pendingRead = tls12Epoch(state.provider, suite, block, theirs, 'open');
}

/** Our Finished verify_data (RFC 5246 §7.4.9). */
export function clientFinished12(state: LabState): Uint8Array {
  const suite = state.suite12;
  const master = state.secrets.master12;
  if (!suite || !master) throw new Error('no TLS 1.2 master secret yet: send a ClientKeyExchange first');
  return tls12FinishedVerifyData(state.provider, suite.hash, master, 'client', state.transcriptHash());
}

/** Whether the server's Finished verify_data is right (transcript up to, not including, it). */
export function verifyTls12ServerFinished(state: LabState, verifyData: Uint8Array): boolean | undefined {
  const suite = state.suite12;
  const master = state.secrets.master12;
  if (!suite || !master) return undefined;
  const expected = tls12FinishedVerifyData(state.provider, suite.hash, master, 'server', state.transcriptHash());
  return equalBytes(expected, verifyData);
}

/**
 * Recipe: the shape of an RSA padding-oracle probe (Bleichenbacher; RFC 5246 §7.4.7.1, ROBOT). With
 * TLS_RSA key exchange, ClientKeyExchanges whose PKCS#1 v1.5 plaintext is malformed in different ways
 * are each followed by ChangeCipherSpec and a Finished computed from our own premaster. A server that
 * implements the RFC's countermeasure continues with a random premaster every time, so every variant
 * fails the same way, at the Finished: the same alert (bad_record_mac: the Finished does not decrypt
 * under the keys the server derived), the same behaviour. Any difference between variants is an oracle.
 * @module
 */
import { concat } from '../../bytes/hex.js';
import { CipherSuite } from '../../tls/enums.js';
import { clientHello, clientKeyExchange, finished } from '../messages.js';
import type { LabState } from '../state.js';
import { branch, changeCipherSpec, type Expectation, expectMessages, type Step, send } from '../steps.js';
import type { RecipeOptions } from './common.js';

/** The malformations probed (each a distinct premaster failure). */
export const RSA_VARIANTS = [
  'wrong-first-byte',
  'wrong-block-type',
  'no-separator',
  'short-premaster',
  'wrong-version',
  'zero-in-padding',
] as const;
export type RsaVariant = (typeof RSA_VARIANTS)[number];

/** The PKCS#1 v1.5 plaintext (k bytes) of a premaster, spoiled as `variant` says. */
export function spoiledPlaintext(state: LabState, k: number, variant: RsaVariant): Uint8Array {
  const premasterLength = variant === 'short-premaster' ? 47 : 48;
  const version = variant === 'wrong-version' ? Uint8Array.of(3, 1) : Uint8Array.of(3, 3);
  const premaster = concat(version, state.provider.random(premasterLength - 2));
  const ps = state.provider.random(k - 3 - premasterLength).map((b) => b || 1);
  if (variant === 'zero-in-padding') ps[3] = 0;
  const separator = variant === 'no-separator' ? Uint8Array.of(1) : Uint8Array.of(0);
  const head = Uint8Array.of(variant === 'wrong-first-byte' ? 1 : 0, variant === 'wrong-block-type' ? 1 : 2);
  return concat(head, ps, separator, premaster);
}

/** One probe: TLS_RSA_WITH_AES_128_GCM_SHA256 only, a spoiled premaster, CCS, Finished, then `answer`. */
export function rsaPremasterProbe(
  o: RecipeOptions = {},
  variant: RsaVariant = 'wrong-first-byte',
  answer: Expectation = { kind: 'alert', level: 2 },
): Step[] {
  return [
    send(
      clientHello({
        serverName: o.serverName,
        versions: [],
        cipherSuites: [CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256],
      }),
    ),
    ...expectMessages(['server_hello', 'certificate', 'server_hello_done']),
    branch(({ state }) => {
      const key = state.serverRsaKey;
      if (!key) return { kind: 'check', label: 'RSA certificate', test: () => 'the server has no RSA key' };
      const k = (key.n.toString(16).length + 1) >> 1;
      return send(clientKeyExchange({ rawPlaintext: spoiledPlaintext(state, k, variant) }));
    }),
    changeCipherSpec(),
    send(finished()),
    { kind: 'expect', expect: answer },
  ];
}

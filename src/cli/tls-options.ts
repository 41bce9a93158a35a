/**
 * The options `tlswire connect` and `tlswire serve` share: the flags both take, in node:util
 * `parseArgs` form, and what the protocol ones (`--tls1.2`, `--tls1.3`, `--no-tickets`, `--ciphers`,
 * `--groups`, `--alpn`, `--provider`) ask of a connection, as the client and the server take it.
 * @module
 */
import { NobleProvider } from '../crypto/noble.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { TlsVersionName } from '../node/connect.js';
import { defaultNodeProvider } from '../node/crypto-provider.js';
import { parseList, parseNameList } from './live.js';

/** The flags of both commands; each adds its own. */
export const TLS_OPTIONS = {
  'tls1.2': { type: 'boolean' },
  'tls1.3': { type: 'boolean' },
  'no-tickets': { type: 'boolean' },
  ciphers: { type: 'string' },
  groups: { type: 'string' },
  alpn: { type: 'string' },
  provider: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  ca: { type: 'string' },
  keylog: { type: 'string' },
  trace: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The parsed values of the protocol flags. */
export interface TlsOptionValues {
  'tls1.2'?: boolean | undefined;
  'tls1.3'?: boolean | undefined;
  'no-tickets'?: boolean | undefined;
  ciphers?: string | undefined;
  groups?: string | undefined;
  alpn?: string | undefined;
  provider?: string | undefined;
}

/** What the protocol flags ask of a connection, under the names of the client's and server's options. */
export interface TlsSettings {
  minVersion: TlsVersionName | undefined;
  maxVersion: TlsVersionName | undefined;
  sessionTickets: boolean;
  cipherSuites: number[] | undefined;
  groups: number[] | undefined;
  alpn: string[] | undefined;
  /** `--provider node` (the default: node:crypto, OpenSSL) or `noble` (pure TypeScript, as in browsers). */
  provider: CryptoProvider;
}

/** `--tls1.2` / `--tls1.3` as a version range: one flag alone pins that version, neither or both allow both. */
export function versionRange(
  tls12: boolean,
  tls13: boolean,
): { minVersion: TlsVersionName | undefined; maxVersion: TlsVersionName | undefined } {
  if (tls12 && !tls13) return { minVersion: undefined, maxVersion: 'TLSv1.2' };
  if (tls13 && !tls12) return { minVersion: 'TLSv1.3', maxVersion: undefined };
  return { minVersion: undefined, maxVersion: undefined };
}

/**
 * The settings the protocol flags give (unset lists stay undefined: the defaults apply).
 * @throws Error naming an unknown cipher suite or group
 */
export function tlsSettings(values: TlsOptionValues): TlsSettings {
  return {
    ...versionRange(values['tls1.2'] ?? false, values['tls1.3'] ?? false),
    sessionTickets: !values['no-tickets'],
    cipherSuites: values.ciphers === undefined ? undefined : parseNameList(values.ciphers, 'cipher suite'),
    groups: values.groups === undefined ? undefined : parseNameList(values.groups, 'group'),
    alpn: values.alpn === undefined ? undefined : parseList(values.alpn),
    provider: providerNamed(values.provider ?? 'node'),
  };
}

/**
 * The crypto provider `--provider` names.
 * @throws Error for a name other than `node` or `noble`
 */
function providerNamed(name: string): CryptoProvider {
  if (name === 'node') return defaultNodeProvider();
  if (name === 'noble') return new NobleProvider();
  throw new Error(`--provider: expected node or noble, got ${JSON.stringify(name)}`);
}

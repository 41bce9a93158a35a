/**
 * The names people give registry values on command lines and in `node:tls` options, beside the IANA
 * names of src/tls/enums.ts (RFC 8446 §4.2.7 NamedGroup, …): any case, and OpenSSL's and NIST's group
 * names. Shared by the adapter's option parsers (`ecdhCurve`, `sigalgs`) and the CLI's name lists.
 * @module
 */
import { NamedGroup, type Registry } from '../tls/enums.js';

/** OpenSSL's and NIST's group names (lower case) beside the IANA ones: `P-256`, `prime256v1`. */
const GROUP_ALIASES: Readonly<Record<string, string>> = {
  'p-256': 'secp256r1',
  prime256v1: 'secp256r1',
  'p-384': 'secp384r1',
  'p-521': 'secp521r1',
};

/** The value of `name` in `registry`: its exact IANA name, else the name it equals ignoring case. */
export function lookupName(registry: Registry, name: string): number | undefined {
  const exact: unknown = registry[name];
  if (typeof exact === 'number') return exact;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(registry)) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}

/** The NamedGroup `name` stands for: an IANA name in any case, or an OpenSSL/NIST alias (`P-256`). */
export function lookupGroup(name: string): number | undefined {
  return lookupName(NamedGroup, GROUP_ALIASES[name.toLowerCase()] ?? name);
}

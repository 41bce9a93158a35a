/**
 * Service identity checks (RFC 9525, which obsoletes RFC 6125): does a certificate cover the host name or
 * IP address the client asked for? And, on the server side, which configured chain answers an SNI name.
 *
 * Rules (RFC 9525 §6.3, §6.4 (IP-ID), §6.5 (no CN-ID)):
 * - DNS names compare label by label, ASCII case-insensitively; one trailing dot on either side is ignored;
 *   A-labels (`xn--…`) compare as ASCII; a reference given as a U-label is converted to A-labels first
 *   (WHATWG URL host parsing, i.e. UTS #46).
 * - A wildcard matches only as the complete left-most label (`*.example.com`), and only one label: not
 *   `example.com`, not `a.b.example.com`; partial wildcards (`f*.example.com`, `*oo.example.com`) never
 *   match. As OpenSSL does, a wildcard needs at least two labels after it (`*.com` matches nothing).
 * - An IP address reference matches only iPAddress SANs, byte for byte (IPv4 dotted quad, any RFC 4291
 *   §2.2 IPv6 text form); wildcards never match an IP address; DNS SANs spelling an IP never match.
 * - The subject Common Name is never used (RFC 9525 §6.5: CN-IDs are not supported).
 * @module
 */
import { equalBytes } from '../bytes/hex.js';
import type { Certificate } from './certificate.js';

/** A reference identity: what the client wants to reach. */
export type ReferenceIdentity =
  | { readonly type: 'dns'; readonly name: string }
  | { readonly type: 'ip'; readonly bytes: Uint8Array };

/**
 * Parse IPv4 dotted-quad or IPv6 text (RFC 4291 §2.2: full, `::`-compressed, with an embedded IPv4 tail;
 * optionally in brackets) into 4 or 16 bytes. Zone identifiers (`%eth0`) and leading-zero IPv4 parts are
 * rejected.
 * @returns the address bytes, or undefined when `text` is not an IP address
 */
export function parseIpAddress(text: string): Uint8Array | undefined {
  let t = text;
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const v4 = parseIpv4(t);
  if (v4) return v4;
  return parseIpv6(t);
}

function parseIpv4(t: string): Uint8Array | undefined {
  const parts = t.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

function parseIpv6(t: string): Uint8Array | undefined {
  if (!t.includes(':') || t.includes('%')) return undefined;
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const groups: number[] = [];
    const items = s.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (!v4) return undefined;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        groups.push(Number.parseInt(g, 16));
      }
    }
    return groups;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function stripDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** A DNS name in A-label form, lower case, without a trailing dot; undefined when it is not a valid name. */
function toAsciiName(name: string): string | undefined {
  let n = stripDot(name);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for non-ASCII on purpose
  if (/[^\x00-\x7f]/.test(n)) {
    try {
      n = new URL(`http://${n}/`).hostname;
    } catch {
      return undefined;
    }
  }
  n = n.toLowerCase();
  if (n.length === 0 || n.length > 253) return undefined;
  const labels = n.split('.');
  if (labels.some((l) => l.length === 0 || l.length > 63 || !/^[a-z0-9_-]+$/.test(l))) return undefined;
  return n;
}

/**
 * Classify a reference identity: an IP literal (IPv4, IPv6, bracketed IPv6) or a DNS name (converted to
 * A-labels, lower case, trailing dot removed).
 * @returns undefined when `host` is neither (empty, contains `*`, spaces, empty labels …)
 */
export function referenceIdentity(host: string): ReferenceIdentity | undefined {
  const ip = parseIpAddress(host);
  if (ip) return { type: 'ip', bytes: ip };
  const name = toAsciiName(host);
  return name === undefined ? undefined : { type: 'dns', name };
}

/**
 * Match one presented dNSName (possibly `*.`-wildcarded) against a reference DNS name (RFC 9525 §6.3).
 * @param presented the SAN dNSName from the certificate
 * @param reference the name the client wants (already an A-label name, or any case / trailing dot)
 */
export function matchesDnsName(presented: string, reference: string): boolean {
  const ref = toAsciiName(reference);
  if (ref === undefined || parseIpAddress(reference)) return false;
  const p = stripDot(presented).toLowerCase();
  if (!p.includes('*')) return toAsciiName(p) === ref;
  // Wildcard: only `*` as the whole left-most label, nothing else wild, at least two labels after it.
  if (!p.startsWith('*.')) return false;
  const rest = toAsciiName(p.slice(2));
  if (rest === undefined || !rest.includes('.')) return false;
  const dot = ref.indexOf('.');
  return dot > 0 && ref.slice(dot + 1) === rest;
}

/** How a certificate covers a reference: `exact`, via a `wildcard`, or not at all (`undefined`). */
export type HostnameMatch = 'exact' | 'wildcard' | undefined;

/**
 * How `cert`'s subjectAltName covers `host` (RFC 9525 §6): `exact` (an equal dNSName or iPAddress),
 * `wildcard`, or undefined. The Common Name is never consulted.
 */
export function hostnameMatch(cert: Certificate, host: string): HostnameMatch {
  const ref = referenceIdentity(host);
  if (!ref) return undefined;
  let wildcard = false;
  for (const san of cert.subjectAltNames ?? []) {
    if (ref.type === 'ip') {
      if (san.type === 'ip' && equalBytes(san.bytes, ref.bytes)) return 'exact';
    } else if (san.type === 'dns' && matchesDnsName(san.value, ref.name)) {
      if (!san.value.includes('*')) return 'exact';
      wildcard = true;
    }
  }
  return wildcard ? 'wildcard' : undefined;
}

/**
 * True when `cert` covers `host` (a DNS name or IP literal), per RFC 9525.
 * @example matchesHostname(cert, 'localhost'); matchesHostname(cert, '::1')
 */
export function matchesHostname(cert: Certificate, host: string): boolean {
  return hostnameMatch(cert, host) !== undefined;
}

/** Something a server can present: a certificate chain, leaf first (plus whatever else the caller keeps). */
export interface ServerCredential {
  readonly chain: readonly Certificate[];
}

/**
 * Choose which configured chain answers a ClientHello's server_name (RFC 6066 §3): the first whose leaf
 * names it exactly, else the first covering it with a wildcard, else `fallback` (default: the first
 * credential). Without a server_name the fallback is returned.
 * @returns the chosen credential, or undefined when `credentials` is empty and no fallback is given
 * @example selectCertificateBySni([{ chain: ecdsaChain, key }, { chain: rsaChain, key: rsaKey }], 'example.org')
 */
export function selectCertificateBySni<T extends ServerCredential>(
  credentials: readonly T[],
  serverName: string | undefined,
  fallback: T | undefined = credentials[0],
): T | undefined {
  if (serverName !== undefined) {
    let wildcard: T | undefined;
    for (const c of credentials) {
      const leaf = c.chain[0];
      if (!leaf) continue;
      const m = hostnameMatch(leaf, serverName);
      if (m === 'exact') return c;
      if (m === 'wildcard') wildcard ??= c;
    }
    if (wildcard) return wildcard;
  }
  return fallback;
}

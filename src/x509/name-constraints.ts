/**
 * Name constraints (RFC 5280 §4.2.1.10), applied along a path as §6.1.3 (b), (c) and §6.1.4 (g) say: every
 * certificate below a CA with nameConstraints (a self-issued intermediate excepted) must have its subject
 * (directoryName) and subjectAltName names inside the permitted subtrees of each form the CA constrains, and
 * outside every excluded subtree.
 *
 * Forms: dNSName (a constraint adds zero or more labels on the left; a leading dot, as OpenSSL reads it,
 * means subdomains only), iPAddress (address and mask, IPv4 and IPv6; a name of the other family is outside a
 * permitted subtree), directoryName (the name's RDN sequence starts with the subtree's, §7.1 comparison).
 * Like OpenSSL, a leaf without DNS subjectAltNames has its subject CN checked as a DNS name when it looks
 * like one. rfc822Name and URI constraints are not processed: a certificate with a name of such a
 * constrained form is rejected (§4.2.1.10: process the constraint or reject). Parsed by pkijs
 * (`NameConstraints`) from the extension's DER.
 * @module
 */
import type * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {
  type Certificate,
  type DistinguishedName,
  EXTENSION,
  type GeneralName,
  ipToText,
  parseName,
} from './certificate.js';
import { decodeDer } from './der.js';

/** One subtree base (RFC 5280 §4.2.1.10 GeneralSubtree.base), in the forms we process. */
export type SubtreeBase =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'ip'; readonly address: Uint8Array; readonly mask: Uint8Array; readonly text: string }
  | { readonly type: 'directory'; readonly value: DistinguishedName }
  | { readonly type: 'other'; readonly form: string; readonly text: string };

/** A CA's nameConstraints. */
export interface NameConstraints {
  readonly permitted: readonly SubtreeBase[];
  readonly excluded: readonly SubtreeBase[];
}

const FORMS: Readonly<Record<number, string>> = {
  0: 'otherName',
  1: 'rfc822Name',
  3: 'x400Address',
  5: 'ediPartyName',
  6: 'URI',
  8: 'registeredID',
};

function prefixLength(mask: Uint8Array): number {
  let n = 0;
  for (const b of mask) n += ((b >>> 0).toString(2).match(/1/g) ?? []).length;
  return n;
}

function subtreeBase(base: pkijs.GeneralName): SubtreeBase {
  if (base.type === 2) return { type: 'dns', value: String(base.value) };
  if (base.type === 7) {
    const bytes = (base.value as asn1js.OctetString).valueBlock.valueHexView;
    const half = bytes.length / 2;
    const address = bytes.slice(0, half);
    const mask = bytes.slice(half);
    return { type: 'ip', address, mask, text: `${ipToText(address)}/${prefixLength(mask)}` };
  }
  if (base.type === 4) {
    const der = new Uint8Array((base.value as pkijs.RelativeDistinguishedNames).valueBeforeDecode);
    return { type: 'directory', value: parseName(decodeDer(der, 'directoryName'), 'directoryName') };
  }
  const form = FORMS[base.type] ?? `form ${base.type}`;
  return { type: 'other', form, text: typeof base.value === 'string' ? base.value : form };
}

const cache = new WeakMap<Certificate, NameConstraints | null>();

/**
 * The nameConstraints of `cert`, or undefined when it has none.
 * @throws Error when the extension's DER does not match the schema
 */
export function nameConstraintsOf(cert: Certificate): NameConstraints | undefined {
  let nc = cache.get(cert);
  if (nc === undefined) {
    const ext = cert.extensions.find((e) => e.oid === EXTENSION.nameConstraints);
    nc = null;
    if (ext) {
      const parsed = new pkijs.NameConstraints({ schema: decodeDer(ext.value, 'nameConstraints') });
      nc = {
        permitted: (parsed.permittedSubtrees ?? []).map((s) => subtreeBase(s.base)),
        excluded: (parsed.excludedSubtrees ?? []).map((s) => subtreeBase(s.base)),
      };
    }
    cache.set(cert, nc);
  }
  return nc ?? undefined;
}

/** dNSName within a subtree, as OpenSSL's nc_dns: add labels on the left; `.x` = below x only. */
function dnsWithin(name: string, base: string): boolean {
  if (base.length === 0) return true;
  const n = name.toLowerCase();
  const b = base.toLowerCase();
  if (n.length > b.length) return n.endsWith(b) && (b.startsWith('.') || n[n.length - b.length - 1] === '.');
  return n === b;
}

function ipWithin(bytes: Uint8Array, base: { address: Uint8Array; mask: Uint8Array }): boolean {
  if (bytes.length !== base.address.length) return false;
  return bytes.every((b, i) => (b & base.mask[i]!) === (base.address[i]! & base.mask[i]!));
}

/** RFC 5280 §7.1 RDN comparison: the name's first RDNs equal the base's. */
function dnWithin(name: DistinguishedName, base: DistinguishedName): boolean {
  if (base.rdns.length > name.rdns.length) return false;
  const key = (rdn: readonly { type: string; value: string }[]) =>
    rdn
      .map((a) => `${a.type}=${a.value.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ')}`)
      .sort()
      .join('+');
  return base.rdns.every((rdn, i) => key(rdn) === key(name.rdns[i]!));
}

/** A name subject to constraints: a subjectAltName entry, the subject, or (leaf, no DNS SAN) the CN. */
type ConstrainedName = GeneralName;

function within(name: ConstrainedName, base: SubtreeBase): boolean | undefined {
  if (name.type === 'dns' && base.type === 'dns') return dnsWithin(name.value, base.value);
  if (name.type === 'ip' && base.type === 'ip') return ipWithin(name.bytes, base);
  if (name.type === 'directory' && base.type === 'directory') return dnWithin(name.value, base.value);
  return undefined;
}

function describe(name: ConstrainedName): string {
  if (name.type === 'directory') return `directory name '${name.value.text}'`;
  if (name.type === 'dns' || name.type === 'ip' || name.type === 'email' || name.type === 'uri') {
    return `${name.type === 'dns' ? 'DNS name' : name.type === 'ip' ? 'IP address' : name.type} '${name.value}'`;
  }
  return `name of form [${name.tag}]`;
}

function baseText(base: SubtreeBase): string {
  if (base.type === 'dns') return base.value;
  if (base.type === 'ip') return base.text;
  if (base.type === 'directory') return base.value.text;
  return base.text;
}

/** The names of `cert` that constraints apply to (§6.1.3 (b), (c)). */
function namesOf(cert: Certificate, leaf: boolean): ConstrainedName[] {
  const names: ConstrainedName[] = [...(cert.subjectAltNames ?? [])];
  if (cert.subject.rdns.length > 0) names.push({ type: 'directory', value: cert.subject });
  if (leaf && !names.some((n) => n.type === 'dns')) {
    for (const a of cert.subject.rdns.flat()) {
      if (a.shortName === 'CN' && /^[a-z0-9*]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9-]+)+$/i.test(a.value)) {
        names.push({ type: 'dns', value: a.value });
      }
    }
  }
  return names;
}

const FORM_OF: Readonly<Record<string, string>> = { email: 'rfc822Name', uri: 'URI' };

/**
 * Check `cert`'s names against one CA's constraints.
 * @returns null when they are satisfied, else one sentence naming the name and the subtree
 */
export function nameConstraintViolation(cert: Certificate, nc: NameConstraints, leaf: boolean): string | null {
  for (const name of namesOf(cert, leaf)) {
    const form = FORM_OF[name.type];
    if (form && [...nc.permitted, ...nc.excluded].some((b) => b.type === 'other' && b.form === form)) {
      return `${describe(name)} is of a form (${form}) whose constraints tlswire does not process`;
    }
    const excluded = nc.excluded.find((b) => within(name, b) === true);
    if (excluded) return `${describe(name)} is in the excluded subtree ${baseText(excluded)}`;
    const sameForm = nc.permitted.filter((b) => within(name, b) !== undefined);
    if (sameForm.length > 0 && !sameForm.some((b) => within(name, b))) {
      return `${describe(name)} is outside the permitted subtrees ${sameForm.map(baseText).join(', ')}`;
    }
  }
  return null;
}

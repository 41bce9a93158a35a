/**
 * The registries of src/tls/enums.ts against copies of IANA's "Transport Layer Security (TLS)
 * Parameters" registries committed under vectors/iana/ (provenance in its README): every value the
 * copy assigns must print with IANA's name. Reserved, unassigned and private-use ranges are not
 * checked; GREASE values print as `GREASE(0x…)` (RFC 8701).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CipherSuite, NamedGroup, nameOf, type Registry, SignatureScheme, valueOf } from '../../src/tls/enums.js';

const IANA = new URL('../../vectors/iana/', import.meta.url);

function lines(file: string): string[][] {
  return readFileSync(new URL(file, IANA), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter(Boolean)
    .map((l) => l.split(/[,\t]/));
}

/** IANA rows naming one value: not a range, not Reserved/Unassigned. */
function assigned(rows: string[][]): [number, string][] {
  return rows
    .filter(([v, d]) => !v!.includes('-') && !/^(Reserved|Unassigned)/.test(d!))
    .map(([v, d]) => [Number(v), d!.replace(/ \(OBSOLETE\)$/, '')]);
}

function expectNames(registry: Registry, entries: [number, string][]): void {
  const wrong = entries.filter(([v, name]) => nameOf(registry, v) !== name || valueOf(registry, name) !== v);
  expect(wrong.map(([v, name]) => `${v.toString(16)} ${name} ≠ ${nameOf(registry, v)}`)).toEqual([]);
}

describe('IANA registries', () => {
  it('TLS Supported Groups (tls-parameters-8.csv, verbatim): all 56 assigned values', () => {
    const entries = assigned(lines('tls-parameters-8.csv'));
    expect(entries).toHaveLength(56);
    expectNames(NamedGroup, entries);
  });

  it('TLS SignatureScheme (its assigned rows): all 37', () => {
    const entries = assigned(lines('tls-signaturescheme.assigned.csv'));
    expect(entries).toHaveLength(37);
    expectNames(SignatureScheme, entries);
  });

  it('TLS Cipher Suites (Wireshark’s IANA-named table, IANA ranges): all 350', () => {
    const entries = lines('wireshark-cipher-suites.tsv').map(([v, n]) => [Number(v), n!] as [number, string]);
    expect(entries).toHaveLength(350);
    expectNames(CipherSuite, entries);
  });

  it('legacy code points the issue names', () => {
    expect(nameOf(CipherSuite, 0xc015)).toBe('TLS_ECDH_anon_WITH_NULL_SHA');
    expect(nameOf(SignatureScheme, 0x0202)).toBe('dsa_sha1_RESERVED');
    expect(nameOf(SignatureScheme, 0x0302)).toBe('dsa_sha224');
    expect(nameOf(SignatureScheme, 0x0602)).toBe('dsa_sha512_RESERVED');
    expect(nameOf(CipherSuite, 0x2a2a)).toBe('GREASE(0x2a2a)');
  });
});

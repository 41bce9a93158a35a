/**
 * The registries of src/tls/enums.ts against copies of IANA's "Transport Layer Security (TLS)
 * Parameters" registries committed under vectors/iana/ (provenance in its README): every value the
 * copy assigns must print with IANA's name. Reserved, unassigned and private-use ranges are not
 * checked; GREASE values print as `GREASE(0x…)` (RFC 8701). The few names that differ on purpose are
 * listed in the tests, each with its reason.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AlertDescription,
  AlertLevel,
  CipherSuite,
  ContentType,
  ExtensionType,
  HandshakeType,
  NamedGroup,
  nameOf,
  PskKeyExchangeMode,
  type Registry,
  SignatureScheme,
  valueOf as valueOfName,
} from '../../src/tls/enums.js';

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
  const wrong = entries.filter(([v, name]) => nameOf(registry, v) !== name || valueOfName(registry, name) !== v);
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

  it('TLS ExtensionType Values (Wireshark’s IANA-named table, IANA range): all 49', () => {
    const entries = lines('wireshark-extension-types.tsv').map(([v, n]) => [Number(v), n!] as [number, string]);
    expect(entries).toHaveLength(49);
    // Where Wireshark 4.0 is not IANA: RFC 9345 §6 registers 34 as "delegated_credential"; IANA's
    // "connection_id (deprecated)" is no identifier.
    const differ = new Map([
      [34, 'delegated_credential'],
      [53, 'connection_id_deprecated'],
    ]);
    expectNames(
      ExtensionType,
      entries.map(([v, n]) => [v, differ.get(v) ?? n]),
    );
  });

  /** `name(value)` pairs of one RFC 8446 Appendix B enum (ranges `a..b` and bare RESERVED left out). */
  function rfcEnum(name: string): [number, string][] {
    const text = readFileSync(new URL('rfc8446-appendix-b.txt', IANA), 'utf8');
    const end = text.indexOf(`} ${name};`);
    const start = text.lastIndexOf('enum {', end);
    const body = text.slice(start, end).replace(/\/\*[\s\S]*?\*\//g, '');
    return [...body.matchAll(/\b([A-Za-z_0-9]+)\((0x[0-9A-Fa-f]+|\d+)\)/g)]
      .filter((m) => m[1] !== 'RESERVED')
      .map((m) => [Number(m[2]), m[1]!]);
  }

  it('RFC 8446 Appendix B: ContentType, AlertLevel, AlertDescription, PskKeyExchangeMode, ExtensionType', () => {
    // ContentType invalid(0) is an RFC 8446 enum value, not an IANA assignment.
    expectNames(
      ContentType,
      rfcEnum('ContentType').filter(([v]) => v !== 0),
    );
    expect(rfcEnum('AlertDescription')).toHaveLength(34);
    expectNames(AlertDescription, rfcEnum('AlertDescription'));
    expectNames(AlertLevel, [
      [1, 'warning'],
      [2, 'fatal'],
    ]);
    expect(readFileSync(new URL('rfc8446-appendix-b.txt', IANA), 'utf8')).toContain(
      'enum { psk_ke(0), psk_dhe_ke(1), (255) } PskKeyExchangeMode;',
    );
    expectNames(PskKeyExchangeMode, [
      [0, 'psk_ke'],
      [1, 'psk_dhe_ke'],
    ]);
    expectNames(ExtensionType, rfcEnum('ExtensionType'));
  });

  it('RFC 8446 Appendix B: HandshakeType (TLS 1.2-only types keep their names without _RESERVED)', () => {
    const entries = rfcEnum('HandshakeType');
    expect(entries).toHaveLength(20);
    expectNames(
      HandshakeType,
      entries.map(([v, n]) => [v, n.replace(/_RESERVED$/, '')]),
    );
  });

  it('RFC 8446 Appendix B: SignatureScheme, dsa_*_RESERVED included', () => {
    const entries = rfcEnum('SignatureScheme');
    expect(entries).toHaveLength(20);
    expectNames(SignatureScheme, entries);
  });

  it('legacy code points the issue names', () => {
    expect(nameOf(CipherSuite, 0xc015)).toBe('TLS_ECDH_anon_WITH_NULL_SHA');
    expect(nameOf(SignatureScheme, 0x0202)).toBe('dsa_sha1_RESERVED');
    expect(nameOf(SignatureScheme, 0x0302)).toBe('dsa_sha224');
    expect(nameOf(SignatureScheme, 0x0602)).toBe('dsa_sha512_RESERVED');
    expect(nameOf(CipherSuite, 0x2a2a)).toBe('GREASE(0x2a2a)');
  });
});

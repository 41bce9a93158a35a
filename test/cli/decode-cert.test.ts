/**
 * `tlswire decode` names the certificates of a Certificate message by their subject: OpenSSL's own
 * TLS 1.2 and TLS 1.3 Certificate messages (vectors/tls12-messages), the expected subjects read from the
 * same DER by `openssl x509 -subject -nameopt RFC2253`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/bytes/hex.js';
import { main } from '../../src/cli/main.js';
import { opensslOk } from '../x509/helpers.js';
import { capture, VECTORS } from './helpers.js';

const messages = JSON.parse(readFileSync(`${VECTORS}tls12-messages/messages.json`, 'utf8')) as Record<
  string,
  { from: string; name: string; hex: string }[]
>;

/** The DER certificates of a Certificate message (TLS 1.2 or 1.3 framing), cut by hand. */
function certificatesOf(hex: string, tls13: boolean): Uint8Array[] {
  const b = fromHex(hex);
  let i = 4 + (tls13 ? 1 + b[4]! : 0) + 3;
  const out: Uint8Array[] = [];
  while (i < b.length) {
    const len = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    out.push(b.subarray(i + 3, i + 3 + len));
    i += 3 + len;
    if (tls13) i += 2 + ((b[i]! << 8) | b[i + 1]!);
  }
  return out;
}

describe('decode shows certificate subjects', () => {
  it.each([
    ['ecdhe-ecdsa', false],
    ['tls13-ecdsa', true],
  ] as const)('%s server Certificate', (scenario, tls13) => {
    const m = messages[scenario]!.find((x) => x.from === 'server' && /^certificate$/i.test(x.name))!;
    const expected = certificatesOf(m.hex, tls13).map((der) =>
      opensslOk(['x509', '-inform', 'DER', '-noout', '-subject', '-nameopt', 'RFC2253'], der)
        .trim()
        .replace(/^subject=/, ''),
    );
    expect(expected.length).toBeGreaterThan(0);
    const io = capture();
    expect(main(['decode', m.hex, ...(tls13 ? [] : ['--tls12'])], io)).toBe(0);
    const subjects = io.stdout.filter((l) => l.trim().startsWith('subject: ')).map((l) => l.trim().slice(9));
    expect(subjects).toEqual(expected);
  });
});

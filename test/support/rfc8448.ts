/**
 * A lenient parser for the example traces of RFC 8448 (sections 3–7, copied verbatim into
 * `vectors/rfc8448/`), so that tests take their vectors straight from the RFC text.
 *
 * A trace is a list of entries such as `{client}  create an ephemeral x25519 key pair:`, each followed
 * by labelled hex blocks (`private key (32 octets):  49 af 42 ba …`). Blocks wrap across lines and across
 * page breaks; the parser drops the page footers, form feeds and page headers, joins the hex, and checks
 * that every block holds exactly the number of octets its label announces.
 *
 * @example
 * const trace = loadTrace(3);
 * const hello = field(findEntry(trace, 'client', 'construct a ClientHello'), 'ClientHello'); // 196 bytes
 */
import { readFileSync } from 'node:fs';
import { fromHex } from '../../src/bytes/hex.js';
import type { RsaPrivateKey } from '../../src/crypto/provider.js';
import { os2ip } from '../../src/crypto/rsa.js';

/** The sections of RFC 8448 that hold traces. */
export type Rfc8448Section = 3 | 4 | 5 | 6 | 7;

/** One labelled hex block, e.g. `ClientHello (196 octets)`. */
export interface TraceField {
  /** The label as printed, without the octet count: `ClientHello`, `key info`, `complete record`. */
  label: string;
  /** The announced "(N octets)"; always equal to `bytes.length`. */
  length: number;
  bytes: Uint8Array;
}

/** One `{client}` or `{server}` step of a trace. */
export interface TraceEntry {
  actor: 'client' | 'server';
  /** The text after the actor, on one line, without the final colon: `construct a ClientHello handshake message`. */
  action: string;
  fields: TraceField[];
}

export interface Trace {
  section: Rfc8448Section;
  entries: TraceEntry[];
}

/** File name of each section's verbatim copy under `vectors/rfc8448/`. */
export const TRACE_FILES: Record<Rfc8448Section, string> = {
  3: '3-simple-1rtt.txt',
  4: '4-resumed-0rtt.txt',
  5: '5-hello-retry-request.txt',
  6: '6-client-auth.txt',
  7: '7-compat-mode.txt',
};

/** All trace sections, in order. */
export const TRACE_SECTIONS: readonly Rfc8448Section[] = [3, 4, 5, 6, 7];

const PAGE_FOOTER = /^Thomson {2,}Informational {2,}\[Page \d+\]$/;
const PAGE_HEADER = /^RFC 8448 {2,}TLS 1\.3 Traces {2,}January 2019$/;
const ENTRY = /^ +\{(client|server)\} +(.*)$/;
const FIELD = /^ +([A-Za-z][A-Za-z ]*?) \((\d+) octets\): *(.*)$/;
/** The one block without an octet count: HKDF-Extract's absent salt (RFC 5869 §2.2). */
const ZERO_SALT = /^ +salt: +0 \(all zero octets\)$/;
const HEX_LINE = /^ *[0-9a-f]{2}( [0-9a-f]{2})* *$/;

function hexLength(text: string): number {
  return text.replace(/\s+/g, '').length / 2;
}

/**
 * Parse the text of one RFC 8448 trace section. Lines before the first entry (the section heading and
 * its prose, `#` provenance lines) are ignored; any other line that is neither an entry, a labelled
 * block, hex, a page break nor the continuation of a wrapped entry heading is an error, as is a block
 * whose hex does not hold exactly its announced number of octets.
 * @throws Error naming the line when the text does not look like an RFC 8448 trace
 */
export function parseTrace(text: string, section: Rfc8448Section): Trace {
  const entries: TraceEntry[] = [];
  let entry: TraceEntry | undefined;
  let open: { label: string; length: number; hex: string } | undefined;
  /** True while the lines after an entry heading (up to a blank line) continue the heading. */
  let headingOpen = false;

  const close = (lineNo: number): void => {
    if (!open || !entry) return;
    const got = hexLength(open.hex);
    if (got !== open.length) {
      throw new Error(`RFC 8448 §${section} line ${lineNo}: ${open.label} has ${got} octets, announced ${open.length}`);
    }
    entry.fields.push({ label: open.label, length: open.length, bytes: fromHex(open.hex) });
    open = undefined;
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.startsWith('#') && !entry) continue;
    // Page breaks: footer, form feed, header. Blank lines may surround them inside a hex block.
    if (PAGE_FOOTER.test(line) || PAGE_HEADER.test(line) || line === '\f') continue;
    if (line.trim() === '') {
      headingOpen = false;
      continue;
    }
    if (open && HEX_LINE.test(line)) {
      if (hexLength(open.hex) >= open.length)
        throw new Error(`RFC 8448 §${section} line ${lineNo}: hex beyond ${open.label}`);
      open.hex += ` ${line}`;
      continue;
    }
    const e = ENTRY.exec(line);
    if (e) {
      close(lineNo);
      entry = { actor: e[1] as 'client' | 'server', action: e[2] ?? '', fields: [] };
      entries.push(entry);
      headingOpen = true;
      continue;
    }
    if (!entry) continue; // section heading and prose
    const f = FIELD.exec(line);
    if (f) {
      close(lineNo);
      // `hash (0 octets):  (empty)`: a zero-length block.
      const rest = f[3] ?? '';
      open = { label: f[1] ?? '', length: Number(f[2]), hex: rest === '(empty)' ? '' : rest };
      headingOpen = false;
      continue;
    }
    if (ZERO_SALT.test(line)) {
      close(lineNo);
      entry.fields.push({ label: 'salt', length: 0, bytes: new Uint8Array(0) });
      headingOpen = false;
      continue;
    }
    if (headingOpen && !open) {
      entry.action += ` ${line.trim()}`;
      continue;
    }
    throw new Error(`RFC 8448 §${section} line ${lineNo}: unexpected ${JSON.stringify(line)}`);
  }
  close(lines.length);
  for (const en of entries) en.action = en.action.replace(/\s+/g, ' ').replace(/:$/, '');
  return { section, entries };
}

const cache = new Map<Rfc8448Section, Trace>();

/** Load and parse `vectors/rfc8448/<section file>` (cached; treat the result as read-only). */
export function loadTrace(section: Rfc8448Section): Trace {
  let trace = cache.get(section);
  if (!trace) {
    const url = new URL(`../../vectors/rfc8448/${TRACE_FILES[section]}`, import.meta.url);
    trace = parseTrace(readFileSync(url, 'utf8'), section);
    cache.set(section, trace);
  }
  return trace;
}

/** Every entry of `actor` whose action contains `actionSubstring`, in trace order. */
export function findEntries(trace: Trace, actor: 'client' | 'server', actionSubstring: string): TraceEntry[] {
  return trace.entries.filter((e) => e.actor === actor && e.action.includes(actionSubstring));
}

/**
 * The `nth` (0-based) entry of `actor` whose action contains `actionSubstring`.
 * @throws Error when there is no such entry
 */
export function findEntry(trace: Trace, actor: 'client' | 'server', actionSubstring: string, nth = 0): TraceEntry {
  const found = findEntries(trace, actor, actionSubstring)[nth];
  if (!found) throw new Error(`RFC 8448 §${trace.section}: no {${actor}} entry #${nth} matching "${actionSubstring}"`);
  return found;
}

/**
 * The bytes of the `nth` (0-based) block labelled exactly `label` in `entry`.
 * @throws Error when the entry has no such block
 */
export function field(entry: TraceEntry, label: string, nth = 0): Uint8Array {
  const found = entry.fields.filter((f) => f.label === label)[nth];
  if (!found) throw new Error(`RFC 8448: {${entry.actor}} "${entry.action}" has no field "${label}" #${nth}`);
  return found.bytes;
}

/** The server's RSA key of RFC 8448 §2, used by the traces of §3, §4, §5 and §7. Big-endian integers. */
export interface Rfc8448RsaKey {
  modulus: Uint8Array;
  publicExponent: Uint8Array;
  privateExponent: Uint8Array;
  prime1: Uint8Array;
  prime2: Uint8Array;
  exponent1: Uint8Array;
  exponent2: Uint8Array;
  coefficient: Uint8Array;
}

const KEY_PART = /^ {3}([a-z0-9 ]+?)(?: \(public\))?: +((?:[0-9a-f]{2} ?)+)$/;
const KEY_NAMES: Record<string, keyof Rfc8448RsaKey> = {
  modulus: 'modulus',
  'public exponent': 'publicExponent',
  'private exponent': 'privateExponent',
  prime1: 'prime1',
  prime2: 'prime2',
  exponent1: 'exponent1',
  exponent2: 'exponent2',
  coefficient: 'coefficient',
};

/**
 * Parse RFC 8448 §2 (`vectors/rfc8448/2-private-keys.txt`): the server's RSA private key.
 * @throws Error when a part is missing or a line is not understood
 */
export function loadRsaKey(): Rfc8448RsaKey {
  const text = readFileSync(new URL('../../vectors/rfc8448/2-private-keys.txt', import.meta.url), 'utf8');
  const parts: Partial<Record<keyof Rfc8448RsaKey, string>> = {};
  let current: keyof Rfc8448RsaKey | undefined;
  for (const line of text.split('\n')) {
    if (PAGE_FOOTER.test(line) || PAGE_HEADER.test(line) || line === '\f' || line.startsWith('#')) continue;
    const m = KEY_PART.exec(line);
    if (m) {
      current = KEY_NAMES[m[1] ?? ''];
      if (!current) throw new Error(`RFC 8448 §2: unknown key part ${JSON.stringify(m[1])}`);
      parts[current] = m[2] ?? '';
    } else if (current && HEX_LINE.test(line) && line.startsWith('      ')) {
      parts[current] += ` ${line}`;
    } else {
      current = undefined;
    }
  }
  const key = {} as Rfc8448RsaKey;
  for (const name of Object.values(KEY_NAMES)) {
    const hex = parts[name];
    if (hex === undefined) throw new Error(`RFC 8448 §2: no ${name}`);
    key[name] = fromHex(hex);
  }
  return key;
}

/** {@link loadRsaKey} as the provider's {@link RsaPrivateKey}: bigints, with the CRT components. */
export function rfc8448RsaPrivateKey(): RsaPrivateKey {
  const k = loadRsaKey();
  return {
    type: 'rsa',
    n: os2ip(k.modulus),
    e: os2ip(k.publicExponent),
    d: os2ip(k.privateExponent),
    p: os2ip(k.prime1),
    q: os2ip(k.prime2),
    dp: os2ip(k.exponent1),
    dq: os2ip(k.exponent2),
    qi: os2ip(k.coefficient),
  };
}

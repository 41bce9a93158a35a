/**
 * Small, strict accessors over an asn1js tree (X.690 DER), shared by the certificate and key parsers.
 *
 * asn1js decodes synchronously (`fromBER`); these helpers check each node's tag as the RFC 5280 §4.1 /
 * RFC 5958 ASN.1 says it must be and throw {@link Asn1Error} naming the field path and the byte offset
 * of the offending node, so "malformed" always says where.
 * @module
 */
import * as asn1js from 'asn1js';
import { DecodeError, type DecodeErrorReason, TlswireError } from '../bytes/errors.js';

/** A decoded ASN.1 node. */
export type Asn1Node = asn1js.AsnType;

/** Malformed ASN.1: a {@link DecodeError} whose `path` is the ASN.1 field path (e.g. `tbsCertificate.validity`). */
export class Asn1Error extends DecodeError {
  override name = 'Asn1Error';
}

/** Universal tag numbers used here (X.680 §8.4). */
const Tag = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  UTF8String: 12,
  SEQUENCE: 16,
  SET: 17,
  PrintableString: 19,
  TeletexString: 20,
  IA5String: 22,
  UTCTime: 23,
  GeneralizedTime: 24,
  UniversalString: 28,
  BMPString: 30,
} as const;

/** Byte offset of `node` from the start of the decoded input (asn1js keeps views into its copy of the input). */
function offsetOf(node: Asn1Node): number {
  return node.valueBeforeDecodeView.byteOffset;
}

/** Throw an {@link Asn1Error} about `node` (or offset 0 without one). */
export function fail(path: string, detail: string, node?: Asn1Node, reason: DecodeErrorReason = 'value'): never {
  throw new Asn1Error(reason, detail, path, node ? offsetOf(node) : 0);
}

/**
 * Decode one complete DER value; trailing bytes and indefinite lengths are rejected.
 * @throws Asn1Error on any malformed input
 */
export function decodeDer(bytes: Uint8Array, path: string): Asn1Node {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${path}: expected a Uint8Array`);
  if (bytes.length === 0) fail(path, 'empty input', undefined, 'truncated');
  const { offset, result } = asn1js.fromBER(bytes);
  if (offset === -1 || result.error) {
    const detail = result.error || 'cannot decode';
    fail(path, `not DER: ${detail}`, undefined, /end of input/i.test(detail) ? 'truncated' : 'value');
  }
  if (offset !== bytes.length) {
    throw new Asn1Error('trailing', `${bytes.length - offset} bytes after the end of the value`, path, offset);
  }
  checkDefinite(result, path);
  return result;
}

/** X.690 §10.1: definite lengths in the fewest octets. */
function checkDefinite(node: Asn1Node, path: string): void {
  const len = node.lenBlock;
  if (len.isIndefiniteForm) fail(path, 'indefinite length (BER, not DER)', node);
  if (len.longFormUsed) {
    let octets = 1;
    for (let n = len.length; n > 0; n = Math.floor(n / 256)) octets++;
    if (len.length < 128 || len.blockLength !== octets)
      fail(path, 'length not in its shortest form (BER, not DER)', node);
  }
  for (const k of childrenOf(node)) checkDefinite(k, path);
}

/** A pkijs class that can be built from a parsed asn1js tree (its synchronous `fromSchema`). */
export interface SchemaClass<T> {
  new (parameters: { schema: Asn1Node }): T;
}

/**
 * Build the pkijs object of `type` from `node` (a tree from {@link decodeDer}); pkijs' own "schema was not
 * verified" errors become an {@link Asn1Error} at `path` saying `what` the node should have been.
 */
export function fromSchema<T>(type: SchemaClass<T>, node: Asn1Node, path: string, what: string): T {
  try {
    return new type({ schema: node });
  } catch (cause) {
    if (cause instanceof TlswireError) throw cause;
    fail(path, `does not match the ${what} structure`, node);
  }
}

/** The node's raw encoding (tag, length and contents). */
export function rawOf(node: Asn1Node): Uint8Array {
  return new Uint8Array(node.valueBeforeDecodeView);
}

function is(node: Asn1Node, tag: number, tagClass = 1): boolean {
  return node.idBlock.tagClass === tagClass && node.idBlock.tagNumber === tag;
}

/** True when `node` is a context-specific `[n]` tag. */
export function isContext(node: Asn1Node | undefined, n: number): node is Asn1Node {
  return node !== undefined && is(node, n, 3);
}

function expectTag(node: Asn1Node | undefined, tag: number, path: string, what: string): Asn1Node {
  if (node === undefined) fail(path, `missing ${what}`, undefined, 'truncated');
  if (!is(node, tag)) fail(path, `expected ${what}, found ${describe(node)}`, node);
  return node;
}

/** "tag [3]" / "universal tag 4" style description of a node, for error messages. */
function describe(node: Asn1Node): string {
  const { tagClass, tagNumber } = node.idBlock;
  const name = Object.entries(Tag).find(([, v]) => v === tagNumber)?.[0];
  if (tagClass === 1) return name ?? `universal tag ${tagNumber}`;
  return tagClass === 3 ? `[${tagNumber}]` : `tag class ${tagClass} number ${tagNumber}`;
}

/** Children of a constructed node (SEQUENCE, SET or a constructed context tag). */
export function childrenOf(node: Asn1Node): Asn1Node[] {
  const kids = (node.valueBlock as { value?: unknown }).value;
  return node.idBlock.isConstructed && Array.isArray(kids) ? (kids as Asn1Node[]).filter((k) => k?.idBlock) : [];
}

/**
 * A SEQUENCE's children, with a length check.
 * @throws Asn1Error when `node` is not a SEQUENCE or has fewer than `min` / more than `max` elements
 */
export function sequence(node: Asn1Node | undefined, path: string, min = 0, max = Infinity): Asn1Node[] {
  const n = expectTag(node, Tag.SEQUENCE, path, 'SEQUENCE');
  const kids = childrenOf(n);
  if (kids.length < min) fail(path, `SEQUENCE has ${kids.length} elements, expected at least ${min}`, n, 'length');
  if (kids.length > max) fail(path, `SEQUENCE has ${kids.length} elements, expected at most ${max}`, n, 'length');
  return kids;
}

/** A SET's children. */
export function set(node: Asn1Node | undefined, path: string): Asn1Node[] {
  return childrenOf(expectTag(node, Tag.SET, path, 'SET'));
}

/** An OBJECT IDENTIFIER in dotted form. */
export function oid(node: Asn1Node | undefined, path: string): string {
  const n = expectTag(node, Tag.OID, path, 'OBJECT IDENTIFIER');
  const text = (n as asn1js.ObjectIdentifier).valueBlock.toString();
  if (!/^\d+(\.\d+)+$/.test(text)) fail(path, 'malformed OBJECT IDENTIFIER', n);
  return text;
}

/** An INTEGER's two's-complement content bytes (a view). */
function integerBytes(node: Asn1Node | undefined, path: string): Uint8Array {
  const n = expectTag(node, Tag.INTEGER, path, 'INTEGER');
  const bytes = (n as asn1js.Integer).valueBlock.valueHexView;
  if (bytes.length === 0) fail(path, 'empty INTEGER', n, 'length');
  return bytes;
}

/** A non-negative INTEGER as a bigint. */
export function unsigned(node: Asn1Node | undefined, path: string): bigint {
  const bytes = integerBytes(node, path);
  if ((bytes[0] ?? 0) & 0x80) fail(path, 'negative INTEGER', node);
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** A small non-negative INTEGER as a number. */
export function smallUnsigned(node: Asn1Node | undefined, path: string): number {
  const v = unsigned(node, path);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(path, 'INTEGER too large', node);
  return Number(v);
}

/** A BOOLEAN. */
export function boolean(node: Asn1Node | undefined, path: string): boolean {
  const n = expectTag(node, Tag.BOOLEAN, path, 'BOOLEAN');
  const bytes = (n as asn1js.Boolean).valueBlock.valueHexView;
  // X.690 §11.1: TRUE is 0xFF in DER.
  if (bytes.length !== 1 || (bytes[0] !== 0 && bytes[0] !== 0xff)) fail(path, 'BOOLEAN is not 00 or FF (DER)', n);
  return bytes[0] === 0xff;
}

/** An OCTET STRING's contents (primitive only, as DER requires). */
export function octetString(node: Asn1Node | undefined, path: string): Uint8Array {
  const n = expectTag(node, Tag.OCTET_STRING, path, 'OCTET STRING');
  if (n.idBlock.isConstructed) fail(path, 'constructed OCTET STRING (BER, not DER)', n);
  return new Uint8Array((n as asn1js.OctetString).valueBlock.valueHexView);
}

/** A BIT STRING's contents and unused-bit count. */
export function bitString(node: Asn1Node | undefined, path: string): { bytes: Uint8Array; unusedBits: number } {
  const n = expectTag(node, Tag.BIT_STRING, path, 'BIT STRING');
  if (n.idBlock.isConstructed) fail(path, 'constructed BIT STRING (BER, not DER)', n);
  const vb = (n as asn1js.BitString).valueBlock;
  if (vb.unusedBits > 7 || (vb.unusedBits > 0 && vb.valueHexView.length === 0)) fail(path, 'bad unused-bit count', n);
  return { bytes: new Uint8Array(vb.valueHexView), unusedBits: vb.unusedBits };
}

/** A BIT STRING that must hold whole bytes (keys, signatures). */
export function octetAlignedBits(node: Asn1Node | undefined, path: string): Uint8Array {
  const { bytes, unusedBits } = bitString(node, path);
  if (unusedBits !== 0) fail(path, `BIT STRING has ${unusedBits} unused bits, expected whole bytes`, node);
  return bytes;
}

/** Contents of a primitive context-specific tag. */
export function primitiveContents(node: Asn1Node): Uint8Array {
  return new Uint8Array((node.valueBlock as { valueHexView?: Uint8Array }).valueHexView ?? new Uint8Array(0));
}

/** A UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5) as milliseconds since the epoch. */
export function time(node: Asn1Node | undefined, path: string): number {
  if (node === undefined) fail(path, 'missing Time', undefined, 'truncated');
  if (!is(node, Tag.UTCTime) && !is(node, Tag.GeneralizedTime)) {
    fail(path, `expected UTCTime or GeneralizedTime, found ${describe(node)}`, node);
  }
  const raw = new TextDecoder().decode((node as asn1js.UTCTime).valueBlock.valueHexView);
  // RFC 5280 §4.1.2.5.1/.2: YYMMDDHHMMSSZ / YYYYMMDDHHMMSSZ, seconds present, Zulu, no fractions.
  const utc = is(node, Tag.UTCTime);
  const m = (
    utc ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/
  ).exec(raw);
  if (!m) fail(path, `bad ${utc ? 'UTCTime' : 'GeneralizedTime'} '${raw}' (RFC 5280 §4.1.2.5)`, node);
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const year = utc ? (y >= 50 ? 1900 + y : 2000 + y) : y;
  const ms = Date.UTC(year, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    fail(path, `impossible date '${raw}'`, node);
  }
  return ms;
}

/** The text of a directory string (UTF8String, PrintableString, IA5String, BMPString, …), or undefined. */
export function stringValue(node: Asn1Node): string | undefined {
  const t = node.idBlock.tagNumber;
  if (node.idBlock.tagClass !== 1) return undefined;
  if (
    t === Tag.UTF8String ||
    t === Tag.PrintableString ||
    t === Tag.IA5String ||
    t === Tag.TeletexString ||
    t === Tag.BMPString ||
    t === Tag.UniversalString ||
    t === 26 /* VisibleString */ ||
    t === 18 /* NumericString */
  ) {
    const v = (node.valueBlock as { value?: unknown }).value;
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

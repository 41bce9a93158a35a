/**
 * A conversation's result as text, in the manner of ssldump (one line per record or event, `C>S`
 * for what we sent and `S>C` for what came back, content types and handshake types by their
 * RFC 8446 §5.1 / §4 names), as JSON (bytes as hex), and as a one-line summary naming the failed step.
 * @module
 */
import { toHex } from '../bytes/hex.js';
import { ContentType, nameOf } from '../tls/enums.js';
import { describeReceived } from './match.js';
import type { ConversationResult, StepResult } from './runner.js';
import type { Received } from './steps.js';

/** One sent record in a trace line: its content type (outer), version and length. */
function recordLine(record: Uint8Array): string {
  const type = record[0] ?? 0;
  const version = ((record[1] ?? 0) << 8) | (record[2] ?? 0);
  const length = ((record[3] ?? 0) << 8) | (record[4] ?? 0);
  return `${nameOf(ContentType, type)} v0x${version.toString(16).padStart(4, '0')} length ${length}`;
}

/** A received event in a trace line. */
function receivedLine(r: Received): string {
  if (r.kind === 'message') return `${r.protected ? 'Handshake (protected)' : 'Handshake'} ${r.type}`;
  if (r.kind === 'alert') return `Alert${r.protected ? ' (protected)' : ''} ${describeReceived(r).slice(6)}`;
  if (r.kind === 'close') return 'end of stream';
  return describeReceived(r);
}

/** Options of {@link formatTrace}. */
export interface TraceOptions {
  /** Print each step's start and duration in seconds, as ssldump does (default true). */
  timing?: boolean;
}

/** The lines of one step. */
function stepLines(s: StepResult, timing: boolean): string[] {
  const mark = s.ok ? '' : '  ✗ FAILED';
  const time = timing ? ` ${(s.at / 1000).toFixed(4)} (${(s.ms / 1000).toFixed(4)})` : '';
  const lines = [`#${s.index}${time}  ${s.label}${mark}`];
  if (s.messages.length > 0) lines.push(`    C>S  ${s.messages.join(', ')}`);
  for (const r of s.sent) lines.push(`    C>S  ${recordLine(r)}`);
  for (const r of s.received) lines.push(`    S>C  ${receivedLine(r)}`);
  if (s.error) lines.push(`    ${s.error}`);
  return lines;
}

/** The whole run, ssldump-style, ending with the summary. */
export function formatTrace(result: ConversationResult, options: TraceOptions = {}): string {
  const timing = options.timing ?? true;
  return [...result.steps.flatMap((s) => stepLines(s, timing)), summary(result)].join('\n');
}

/** `ok: N steps` or `FAILED at step #i (label): reason`. */
export function summary(result: ConversationResult): string {
  const f = result.failure;
  if (!f) return `ok: ${result.steps.length} steps`;
  return `FAILED at step #${f.index} (${f.label}): ${f.error}`;
}

/** A JSON-ready copy of the result: bytes as hex strings, bigints as strings, the state left out. */
export function resultJson(result: ConversationResult): unknown {
  const plain = { ok: result.ok, summary: summary(result), steps: result.steps, received: result.received };
  return JSON.parse(
    JSON.stringify(plain, (_key, value: unknown) => {
      if (value instanceof Uint8Array) return toHex(value);
      if (typeof value === 'bigint') return value.toString();
      return value;
    }),
  );
}

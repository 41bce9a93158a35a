/**
 * Shared helpers of the x509 tests: paths of the committed test PKI (test/pki/out), the fixed verification
 * time, and running the openssl CLI, whose answers are the expected values. openssl is required: a test
 * that needs it fails (never skips) when it is missing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The committed test PKI. */
export const PKI = join(import.meta.dirname, '..', 'pki', 'out');

/** A time inside every good PKI certificate's validity (leaves: 2026-11-22 … 2029-02-25; CAs until 2036). */
export const AT = Date.UTC(2027, 5, 1, 12, 0, 0);

/** Text of a PKI file. */
export function pki(name: string): string {
  return readFileSync(join(PKI, name), 'utf8');
}

/** Result of one openssl run. */
export interface OpensslRun {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `openssl args…`; throws when openssl cannot be started (so tests fail rather than skip).
 * @param input bytes for stdin
 */
export function openssl(args: readonly string[], input?: Uint8Array | string): OpensslRun {
  const r = spawnSync('openssl', args, { input, encoding: 'buffer', env: { ...process.env, OPENSSL_CONF: '' } });
  if (r.error) throw new Error(`openssl is required for the x509 tests: ${r.error.message}`);
  return { status: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Run openssl and return stdout, throwing on a non-zero exit. */
export function opensslOk(args: readonly string[], input?: Uint8Array | string): string {
  const r = openssl(args, input);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

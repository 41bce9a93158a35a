/**
 * Chromium as a real TLS 1.3 client of `tlswire serve --www` (issue #13): headless Chromium (Debian's,
 * BoringSSL inside, driven by playwright-core) loads https://localhost:PORT/ and the page tlswire
 * serves is checked. Chromium trusts our test server through `--ignore-certificate-errors-spki-list`
 * with the SHA-256 of the leaf's SubjectPublicKeyInfo (RFC 7469 §2.4 pin format), so only that key is
 * accepted. The server prefers X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem), which Chromium offers
 * with a key share: the handshake must use it. What Chromium offered (from `--trace`) is checked for
 * GREASE (RFC 8701), X25519MLKEM768 and compress_certificate (RFC 8879). Without /usr/bin/chromium the
 * test is skipped, and fails under CI=true.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKI = new URL('../pki/out/', import.meta.url);
const present = existsSync(CHROMIUM);
const required = process.env.CI === 'true';

/** base64(SHA-256(SubjectPublicKeyInfo)) of a PEM certificate (RFC 5280 §4.1.2.7). */
function spkiPin(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

let server: ChildProcess | undefined;
let browser: Browser | undefined;

/** `tlswire serve --www --trace --json` on a free port; resolves with the port once it listens. */
function serve(stderr: string[], stdout: string[]): Promise<number> {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--www', '--trace', '--json'];
  const pki = fileURLToPath(PKI);
  args.push('--cert', `${pki}server-ecdsa-chain.pem`, '--key', `${pki}server-ecdsa.key`);
  args.push('--groups', 'X25519MLKEM768,x25519', '--alpn', 'http/1.1');
  server = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d: Buffer) => stdout.push(d.toString()));
  return new Promise<number>((resolve, reject) => {
    server!.stderr!.on('data', (d: Buffer) => {
      stderr.push(d.toString());
      const m = /listening on [\d.]+:(\d+)/.exec(stderr.join(''));
      if (m) resolve(Number(m[1]));
    });
    server!.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr.join('')}`)));
  });
}

afterAll(async () => {
  await browser?.close();
  server?.kill();
});

describe.skipIf(!present && !required)('Chromium as a TLS client of tlswire serve', () => {
  it('fetches the --www page over TLS 1.3 with X25519MLKEM768, offering GREASE and compress_certificate', async () => {
    if (!present) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (CI=true requires it)`);
    const stderr: string[] = [];
    const stdout: string[] = [];
    const port = await serve(stderr, stdout);
    const pin = spkiPin(readFileSync(new URL('server-ecdsa.crt', PKI), 'utf8'));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', `--ignore-certificate-errors-spki-list=${pin}`],
    });
    const page = await browser.newPage();
    const response = await page.goto(`https://localhost:${port}/`);
    expect(response?.status()).toBe(200);
    const text = (await page.textContent('body')) ?? '';
    expect(text).toContain('tlswire serve');
    expect(text).toContain('protocol: TLSv1.3');
    expect(text).toContain('group: X25519MLKEM768');
    expect(text).toContain('alpn: http/1.1');

    const hello = stderr
      .join('')
      .split('\n')
      .find((line) => line.includes('< client_hello'));
    expect(hello).toBeDefined();
    expect(hello).toMatch(/versions: GREASE\(0x[0-9a-f]{4}\), TLS1\.3/);
    expect(hello).toMatch(/key shares: GREASE\(0x[0-9a-f]{4}\), X25519MLKEM768, x25519/);
    expect(hello).toContain('compress_certificate');
    const summary = JSON.parse(stdout.join('').split('\n')[0]!) as Record<string, unknown>;
    expect(summary).toMatchObject({ protocol: 'TLSv1.3', group: 'X25519MLKEM768', serverName: 'localhost' });
  }, 120_000);
});

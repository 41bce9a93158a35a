/**
 * tlswire inside a real browser (issue #13): ./page.ts is bundled with esbuild (tsup's own dependency)
 * for the browser — no Node built-ins resolve there — and run in Debian's headless Chromium driven by
 * playwright-core (no browser download). In the page: the RFC 8448 §3 client replay through the Web
 * adapter (`tlswire/web` over a `ReadableStream`/`WritableStream` pair) must send the RFC's exact
 * bytes, and a tlswire client and server must complete a TLS 1.3 handshake over in-memory streams,
 * exchange data and close. Without /usr/bin/chromium the tests are skipped, and fail under CI=true.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concat, toHex } from '../../src/bytes/hex.js';
import { ephemeral, RFC_GROUPS, RFC_SCHEMES, RFC_SUITES, traceMessage, traceRecords } from '../handshake/support.js';
import { loadTrace } from '../support/rfc8448.js';
import type { PageApi, PkiInput, ReplayInput } from './page.js';

const CHROMIUM = '/usr/bin/chromium';
const PKI = new URL('../pki/out/', import.meta.url);
const present = existsSync(CHROMIUM);
const required = process.env.CI === 'true';

/** The page script: test/web/page.ts and the library, one browser IIFE. */
async function pageScript(): Promise<string> {
  const require = createRequire(import.meta.url);
  const esbuild = createRequire(require.resolve('tsup/package.json'))('esbuild') as typeof import('esbuild');
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** The page's global with its test functions (the functions given to `page.evaluate` run in the page). */
type PageGlobal = { tlswireTest: PageApi };

let browser: Browser | undefined;
let page: Page;

describe.skipIf(!present && !required)('tlswire in headless Chromium', () => {
  beforeAll(async () => {
    if (!present) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (CI=true requires it)`);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.addScriptTag({ content: await pageScript() });
    expect(errors).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('the RFC 8448 §3 client replay sends the RFC bytes over the Web adapter', async () => {
    const trace = loadTrace(3);
    const c = traceRecords(trace, 'client');
    const s = traceRecords(trace, 'server');
    const input: ReplayInput = {
      clientRandom: toHex(traceMessage(trace, 'client', 'ClientHello').slice(6, 38)),
      clientEphemeral: toHex(ephemeral(trace, 'client')),
      serverRecords: s.slice(0, 4).map((r) => toHex(r.record)),
      clientPayload: toHex(c[2]!.payload),
      groups: RFC_GROUPS,
      suites: RFC_SUITES,
      schemes: RFC_SCHEMES,
    };
    const result = await page.evaluate((i) => (globalThis as unknown as PageGlobal).tlswireTest.rfc8448(i), input);
    expect(result.userAgent).toContain('Chrome/');
    expect(result.hasProcess).toBe(false);
    expect(result.clientBytes).toBe(toHex(concat(...c.slice(0, 4).map((r) => r.record))));
    expect(result.received).toBe(toHex(s[3]!.payload));
    expect(result).toMatchObject({ cipherSuite: 0x1301, group: 0x1d });
  }, 60_000);

  it('a tlswire client and server complete TLS 1.3 over in-memory streams, both ways, and close', async () => {
    const input: PkiInput = {
      rootPem: readFileSync(new URL('root-ca.crt', PKI), 'utf8'),
      chainPem: readFileSync(new URL('server-ecdsa-chain.pem', PKI), 'utf8'),
      keyPem: readFileSync(new URL('server-ecdsa.key', PKI), 'utf8'),
    };
    const result = await page.evaluate((i) => (globalThis as unknown as PageGlobal).tlswireTest.inMemory(i), input);
    expect(result).toEqual({
      request: 'hello from Chromium',
      answer: 'echo: hello from Chromium',
      version: 0x0304,
      alpn: 'http/1.1',
      clientClosed: { truncated: false },
      serverClosed: { truncated: false },
    });
  }, 60_000);
});

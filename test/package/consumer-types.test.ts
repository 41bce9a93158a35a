/**
 * The published surface as a consumer sees it (issue #10): the package is built once into a temporary
 * `node_modules/tlswire` (tsup + scripts/root-declarations.mjs, as `npm run build`), and a consumer
 * project is type-checked against it with `skipLibCheck: false`, under `node16` resolution as an ES
 * module (import condition, `.d.ts`) and as CommonJS (require condition, `.d.cts`), under `bundler`
 * resolution, and under `node10` resolution (no `exports`: `types` and `typesVersions`). The consumer uses the root namespaces as types and as values (`tls.ClientHello`,
 * `tcp.TcpSegment`, …), every subpath, and checks with `@ts-expect-error` that internal helpers are not
 * exported; the built entries are also loaded to check their runtime export lists.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBPATHS } from '../support/subpaths.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const TSUP = join(dirname(require.resolve('tsup/package.json')), 'dist', 'cli-default.js');
const TSC = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');

const NAMESPACES = ['capture', 'crypto', 'decrypt', 'handshake', 'tcp', 'tls', 'x509'];

/** Names that stay inside the library, by the subpath that used to export them. */
const INTERNAL: Record<string, string[]> = {
  bytes: ['vecLimits'],
  capture: ['splitTimestamp'],
  tls: [
    'readU16List',
    'readU8List',
    'U16_LIST',
    'U16_LIST_MAX_FFFE',
    'NON_EMPTY',
    'checkRecordHeader',
    'checkContentLength',
    'encodePskBinders',
  ],
  crypto: [
    'modPow',
    'pkcs1Decrypt',
    'pkcs1DecryptPremaster',
    'pkcs1Encrypt',
    'pkcs1Sign',
    'pkcs1Verify',
    'pssSign',
    'pssVerify',
  ],
};

/** The root entry's runtime exports: the byte core and the layer namespaces. */
const ROOT_EXPORTS = [
  'DecodeError',
  'EncodeError',
  'Reader',
  'TlswireError',
  'Writer',
  'capture',
  'concat',
  'constantTimeEqual',
  'crypto',
  'decrypt',
  'equalBytes',
  'fromHex',
  'handshake',
  'tcp',
  'tls',
  'toHex',
  'wipe',
  'x509',
];

/** One import per internal name, each expected to fail (an unused `@ts-expect-error` is an error). */
function internalImports(): string {
  return Object.entries(INTERNAL)
    .map(([subpath, names]) => {
      const lines = names.map((name) => `  // @ts-expect-error internal\n  ${name} as ${subpath}_${name},\n`);
      return `import {\n${lines.join('')}} from 'tlswire/${subpath}';\n`;
    })
    .join('');
}

/** The consumer: valid both as an ES module and as CommonJS (no top-level await, no import.meta). */
const CONSUMER = `import { capture, crypto, type DecodeError, handshake, Reader, tcp, tls, type VecLimits, Writer, x509 } from 'tlswire';
import { type DecodeErrorReason, fromHex } from 'tlswire/bytes';
import { type DecodedPacket, readCapture } from 'tlswire/capture';
import { type CryptoProvider, NobleProvider } from 'tlswire/crypto';
import { NegotiatingClient, type Tls12ClientConfig, TlsClient, type TlsEvent } from 'tlswire/handshake';
import { type ConnectOptions, connect, TlsSocket } from 'tlswire/node';
import { decodeTcpSegment, type TcpSegment } from 'tlswire/tcp';
import { type ScanReport, scan } from 'tlswire/scan';
import { type ConversationResult, runConversation, spoiledFinished } from 'tlswire/lab';
import { connectTls, type WebTlsConnection } from 'tlswire/web';
import { type ClientHello, decodeHandshake, RecordDeframer } from 'tlswire/tls';
import { type Certificate, parseCertificate } from 'tlswire/x509';
${internalImports()}
// The root namespaces carry types ...
export type RootTypes = [
  tls.ClientHello, tls.HandshakeMessage, tls.Extension, tls.CipherSuite, tls.TlsRecord,
  tcp.TcpSegment, tcp.TcpState, tcp.TcpEvent, handshake.TlsClient, handshake.TlsEvent,
  handshake.Tls12ClientConfig, handshake.Tls12Client, crypto.CryptoProvider, crypto.HashName,
  x509.Certificate, x509.TrustStore, capture.DecodedPacket, capture.PcapHeader,
];
// ... that are the subpaths' own declarations (a class with private members is assignable only to itself) ...
export const hello: ClientHello | undefined = undefined as tls.ClientHello | undefined;
export const segment: tcp.TcpSegment = decodeTcpSegment(fromHex('00'.repeat(20)));
export const subSegment: TcpSegment = segment;
export const deframer: tls.RecordDeframer = new RecordDeframer();
export const subDeframer: RecordDeframer = new tls.RecordDeframer();
export const provider: crypto.CryptoProvider = new NobleProvider();
export const subProvider: CryptoProvider = new crypto.NobleProvider();
export const client: TlsClient | undefined = undefined as handshake.TlsClient | undefined;
export const event: TlsEvent | undefined = undefined as handshake.TlsEvent | undefined;
export const config12: Tls12ClientConfig | undefined = undefined as handshake.Tls12ClientConfig | undefined;
export const certificate: Certificate | undefined = undefined as x509.Certificate | undefined;
export const packet: DecodedPacket | undefined = undefined as capture.DecodedPacket | undefined;
// ... and values.
export const decode: typeof decodeHandshake = tls.decodeHandshake;
export const suite: tls.CipherSuite = tls.CipherSuite.TLS_AES_128_GCM_SHA256;
export const negotiating: typeof NegotiatingClient = handshake.NegotiatingClient;
export const parse: typeof parseCertificate = x509.parseCertificate;
export const read: typeof readCapture = capture.readCapture;
export const syn: number = tcp.TcpFlag.SYN;
export const reader: Reader = new Reader(new Uint8Array(0));
export const writer: Writer = new Writer();
export const limits: VecLimits = { min: 1 };
export const reason: DecodeErrorReason = 'truncated';
export const error: DecodeError | undefined = undefined;
export const options: ConnectOptions | undefined = undefined;
export const open: typeof connect = connect;
export const socket: typeof TlsSocket = TlsSocket;
export const web: typeof connectTls = connectTls;
export const webConnection: WebTlsConnection | undefined = undefined;
export const scanner: typeof scan = scan;
export const scanReport: ScanReport | undefined = undefined;
export const lab: typeof runConversation = runConversation;
export const labResult: ConversationResult | undefined = undefined;
export const recipe: typeof spoiledFinished = spoiledFinished;
// Internal helpers are not on the namespaces either.
// @ts-expect-error internal
tls.checkRecordHeader;
// @ts-expect-error internal
crypto.pkcs1Sign;
`;

const COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2022'],
  types: ['node'],
  strict: true,
  noEmit: true,
  skipLibCheck: false,
};

let dir = '';
let dist = '';

/** Run `node <script> ...args` in the repository; fail with its output unless it exits 0. */
function run(script: string, args: string[], cwd = ROOT): string {
  const r = spawnSync(process.execPath, [script, ...args], { cwd, encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`node ${script} ${args.join(' ')} exited ${r.status}:\n${output}`);
  return output;
}

/** Build the package into `<dir>/node_modules/tlswire` and write the consumer project around it. */
function setUp(): void {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'tlswire-consumer-'))); // tsc lists real paths
  const pkg = join(dir, 'node_modules', 'tlswire');
  dist = join(pkg, 'dist');
  mkdirSync(pkg, { recursive: true });
  run(TSUP, ['--out-dir', dist]);
  run(join(ROOT, 'scripts', 'root-declarations.mjs'), [dist]);
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  // The package's runtime dependencies (for loading the built entries) and the consumer's @types/node.
  const modules = realpathSync(join(ROOT, 'node_modules'));
  symlinkSync(modules, join(pkg, 'node_modules'), 'dir');
  symlinkSync(join(modules, '@types'), join(dir, 'node_modules', '@types'), 'dir');
  for (const type of ['module', 'commonjs']) {
    const sub = type === 'module' ? 'esm' : 'cjs';
    mkdirSync(join(dir, sub));
    writeFileSync(join(dir, sub, 'package.json'), JSON.stringify({ type }));
    writeFileSync(join(dir, sub, 'consumer.ts'), CONSUMER);
  }
  const tsconfig = (files: string[], module: string, moduleResolution: string) =>
    JSON.stringify({ compilerOptions: { ...COMPILER_OPTIONS, module, moduleResolution }, files }, null, 2);
  writeFileSync(
    join(dir, 'tsconfig.node16.json'),
    tsconfig(['esm/consumer.ts', 'cjs/consumer.ts'], 'node16', 'node16'),
  );
  writeFileSync(join(dir, 'tsconfig.bundler.json'), tsconfig(['esm/consumer.ts'], 'esnext', 'bundler'));
  // No esModuleInterop: the shipped declarations import node builtins as namespaces.
  writeFileSync(join(dir, 'tsconfig.node10.json'), tsconfig(['cjs/consumer.ts'], 'commonjs', 'node10'));
}

/**
 * Type-check with one of the configs: tsc's exit status, its diagnostics, and the tlswire entry
 * declarations it read (from `--listFiles`, which prints one absolute path per line).
 */
function typeCheck(config: string): { status: number | null; diagnostics: string; entries: string[] } {
  const r = spawnSync(process.execPath, [TSC, '-p', config, '--listFiles'], { cwd: dir, encoding: 'utf8' });
  const lines = `${r.stdout}${r.stderr}`.split('\n').filter((line) => line !== '');
  const isListed = (line: string) => line.startsWith('/') && !line.includes(': error TS');
  const entries = lines
    .filter((line) => isListed(line) && line.startsWith(`${dist}/`) && /\/index\.d\.c?ts$/.test(line))
    .map((line) => line.slice(dist.length + 1))
    .sort();
  return { status: r.status, diagnostics: lines.filter((line) => !isListed(line)).join('\n'), entries };
}

const ENTRY_DECLARATIONS = ['index', ...SUBPATHS.map((s) => `${s}/index`)].sort();

beforeAll(setUp, 240_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('consumer type-check against the built package (skipLibCheck false)', () => {
  it('node16: an ES module consumer reads the .d.ts entries, a CommonJS one the .d.cts entries', () => {
    const r = typeCheck('tsconfig.node16.json');
    expect(r.diagnostics).toBe('');
    expect(r.status).toBe(0);
    const expected = ENTRY_DECLARATIONS.flatMap((e) => [`${e}.d.cts`, `${e}.d.ts`]).sort();
    expect(r.entries).toEqual(expected);
  }, 120_000);

  it('bundler: the consumer reads the .d.ts entries', () => {
    const r = typeCheck('tsconfig.bundler.json');
    expect(r.diagnostics).toBe('');
    expect(r.status).toBe(0);
    expect(r.entries).toEqual(ENTRY_DECLARATIONS.map((e) => `${e}.d.ts`));
  }, 120_000);

  it('node10: a consumer that ignores `exports` reads the .d.ts entries through `typesVersions`', () => {
    const r = typeCheck('tsconfig.node10.json');
    expect(r.diagnostics).toBe('');
    expect(r.status).toBe(0);
    expect(r.entries).toEqual(ENTRY_DECLARATIONS.map((e) => `${e}.d.ts`));
  }, 120_000);
});

describe('runtime exports of the built entries', () => {
  it('the root exports the byte core and the seven namespaces, in ESM and CJS', async () => {
    const esm = await import(/* @vite-ignore */ pathToFileURL(join(dist, 'index.js')).href);
    const cjs = createRequire(join(dir, 'cjs', 'consumer.ts'))('tlswire');
    expect(Object.keys(esm).sort()).toEqual(ROOT_EXPORTS);
    expect(Object.keys(cjs).sort()).toEqual(ROOT_EXPORTS);
    for (const ns of NAMESPACES) {
      const sub = await import(/* @vite-ignore */ pathToFileURL(join(dist, ns, 'index.js')).href);
      expect(Object.keys(esm[ns]).sort()).toEqual(Object.keys(sub).sort());
    }
  });

  it('no entry or namespace exports an internal name', async () => {
    const esm = await import(/* @vite-ignore */ pathToFileURL(join(dist, 'index.js')).href);
    const load = createRequire(join(dir, 'cjs', 'consumer.ts'));
    for (const [subpath, names] of Object.entries(INTERNAL)) {
      const sub = await import(/* @vite-ignore */ pathToFileURL(join(dist, subpath, 'index.js')).href);
      const root = esm[subpath] ?? esm; // the namespace, or the root itself for the byte core
      const exported = [...Object.keys(sub), ...Object.keys(load(`tlswire/${subpath}`)), ...Object.keys(root)];
      expect(names.filter((name) => exported.includes(name))).toEqual([]);
    }
  });
});

/**
 * `tlswire connect` and `tlswire serve` run in-process through `main` for the CLI tests: exit code,
 * JSON summaries, stderr lines and received data of a connect; a serve's port, output and exit.
 */
import type { ConnectionSummary } from '../../src/cli/live.js';
import { main } from '../../src/cli/main.js';
import { type Peer, pki, startPeer } from '../node/peers.js';

const stoppers: (() => void)[] = [];

/** The test PKI's root, which signs every `server-*` and `client*` leaf. */
export const ROOT = pki('root-ca.crt');

/** Run `tlswire connect` in-process: exit code, JSON summaries, stderr lines, received data. */
export async function runConnect(args: string[], input = '') {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const chunks: Uint8Array[] = [];
  const code = await main(['connect', ...args, '--timeout', '15'], {
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    input: Buffer.from(input, 'latin1'),
    data: (b: Uint8Array) => chunks.push(Buffer.from(b)),
  } as Parameters<typeof main>[1]);
  const data = Buffer.concat(chunks).toString('latin1');
  const json = stdout.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as ConnectionSummary);
  return { code, json, stderr, data };
}

/** Start `tlswire serve` in-process; resolves with its port once it listens. */
export async function startServe(args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const abort = new AbortController();
  let notify: () => void = () => undefined;
  const done = main(['serve', '--port', '0', ...args], {
    out: (l) => stdout.push(l),
    err: (l) => {
      stderr.push(l);
      notify();
    },
    signal: abort.signal,
    data: () => undefined,
  } as Parameters<typeof main>[1]);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not listen: ${stderr.join('\n')}`)), 10_000);
    notify = () => {
      const line = stderr.find((l) => l.startsWith('listening on '));
      if (line) {
        clearTimeout(timer);
        resolve(Number(/:(\d+)$/.exec(line)![1]));
      }
    };
    notify();
  });
  stoppers.push(() => abort.abort());
  const finished = async (ms = 20_000) =>
    Promise.race([
      Promise.resolve(done),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`serve did not stop: ${stderr.join('\n')}`)), ms),
      ),
    ]);
  return { port, stdout, stderr, abort, finished, json: () => stdout.map((l) => JSON.parse(l) as ConnectionSummary) };
}

/** Stop every `serve` started by {@link startServe} (call it in afterEach). */
export function stopServes(): void {
  for (const s of stoppers.splice(0)) s();
}

/** `--cert` and `--key` of a test PKI leaf (`server-ecdsa` etc.) for `tlswire serve`. */
export const serveCertificate = (leaf: string): string[] => [
  '--cert',
  pki(`${leaf}-chain.pem`),
  '--key',
  pki(`${leaf}.key`),
];

/** `tlswire connect` to 127.0.0.1:`port` as `localhost`, trusting {@link ROOT}, with `flags` after. */
export const connectArgs = (port: number, ...flags: string[]): string[] => [
  `127.0.0.1:${port}`,
  '--servername',
  'localhost',
  '--ca',
  ROOT,
  ...flags,
];

/** `gnutls-cli --resume` to 127.0.0.1:`port` as `localhost`, trusting {@link ROOT}, with only `version` (`TLS1.3`). */
export const gnutlsResumeArgs = (port: number, version: 'TLS1.2' | 'TLS1.3'): string[] => [
  '--port',
  String(port),
  '--x509cafile',
  ROOT,
  '--resume',
  '--priority',
  `NORMAL:-VERS-ALL:+VERS-${version}`,
  '--sni-hostname',
  'localhost',
  '--verify-hostname',
  'localhost',
  '127.0.0.1',
];

/**
 * `openssl s_server -tls1_3` (or `version`) serving `leaf` with `-cert_chain intermediate`, or `leaf` alone when
 * `intermediate` is '' (for leaves peers.ts's INTERMEDIATE does not list, or a missing intermediate).
 */
export async function opensslServerChain(
  leaf: string,
  intermediate: string,
  args: string[],
  version: '-tls1_3' | '-tls1_2' = '-tls1_3',
): Promise<Peer & { port: number }> {
  const chain = intermediate ? ['-cert_chain', pki(intermediate)] : [];
  const peer = startPeer(
    'openssl',
    [
      's_server',
      '-accept',
      '127.0.0.1:0',
      version,
      '-cert',
      pki(`${leaf}.crt`),
      '-key',
      pki(`${leaf}.key`),
      ...chain,
      ...args,
    ],
    undefined,
    true,
  );
  const text = await peer.waitFor(/ACCEPT 127\.0\.0\.1:\d+/);
  return { ...peer, port: Number(/ACCEPT 127\.0\.0\.1:(\d+)/.exec(text)![1]) };
}

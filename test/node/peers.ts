/**
 * Real TLS peers for the interop tests: `openssl s_server`/`s_client`, `gnutls-serv`/`gnutls-cli` as
 * child processes on 127.0.0.1, with bounded waits on their output, every child killed by
 * {@link killAll} (call it in afterEach), and the test PKI's file names. A missing peer binary
 * skips its tests, except with CI=true where they fail.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/** test/pki/out/ as a path ending in `/`. */
export const PKI = fileURLToPath(new URL('../pki/out/', import.meta.url));
export const pki = (name: string): string => `${PKI}${name}`;
export const readPki = (name: string): string => readFileSync(pki(name), 'utf8');

/** The intermediate that issued each test PKI leaf (for `s_server -cert_chain`). */
export const INTERMEDIATE: Readonly<Record<string, string>> = {
  'server-ecdsa': 'intermediate-ca.crt',
  'server-ed25519': 'intermediate-ca.crt',
  'server-rsa': 'intermediate-rsa-ca.crt',
  'bad-expired': 'intermediate-ca.crt',
  'bad-notyetvalid': 'intermediate-ca.crt',
  'bad-wronghost': 'intermediate-ca.crt',
  'bad-wrongeku': 'intermediate-ca.crt',
  'bad-cafalse': 'bad-cafalse-intermediate.crt',
  'bad-badsig': 'intermediate-ca.crt',
};

function installed(bin: string, arg: string): boolean {
  return spawnSync(bin, [arg], { stdio: 'ignore' }).status === 0;
}

export const HAS_OPENSSL = installed('openssl', 'version');
export const HAS_GNUTLS = installed('gnutls-serv', '--version') && installed('gnutls-cli', '--version');
/** Skip tests needing a missing peer, unless CI=true: then they run and fail. */
export const SKIP_OPENSSL = !HAS_OPENSSL && process.env.CI !== 'true';
export const SKIP_GNUTLS = !HAS_GNUTLS && process.env.CI !== 'true';

/** A running peer process. */
export interface Peer {
  proc: ChildProcess;
  /** stdout and stderr so far, interleaved as received. */
  output(): string;
  /** Resolves with the output once `pattern` appears in it; rejects after `ms` or when the process exits first. */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  /** Resolves with the exit code (rejects after `ms`). */
  exited(ms?: number): Promise<number | null>;
}

const children = new Set<ChildProcess>();

/** Kill every child still running (afterEach). */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
}

/** Start `bin args` with `input` on stdin (then closed unless `keepStdin`). */
export function startPeer(bin: string, args: string[], input?: string | Uint8Array, keepStdin = false): Peer {
  const proc = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(proc);
  let text = '';
  const waiters = new Set<() => void>();
  const onText = (d: Buffer) => {
    text += d.toString('latin1');
    for (const w of waiters) w();
  };
  proc.stdout!.on('data', onText);
  proc.stderr!.on('data', onText);
  proc.stdin!.on('error', () => undefined);
  let code: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => {
    proc.on('close', (c) => {
      code = c;
      for (const w of waiters) w();
      resolve(c);
    });
    proc.on('error', (e) => {
      text += `\nspawn error: ${e.message}`;
      code = -1;
      for (const w of waiters) w();
      resolve(-1);
    });
  });
  if (input !== undefined) proc.stdin!.write(input);
  if (!keepStdin) proc.stdin!.end();
  return {
    proc,
    output: () => text,
    waitFor(pattern, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            cleanup();
            resolve(text);
          } else if (code !== undefined) {
            cleanup();
            reject(new Error(`${bin} exited (${code}) before ${pattern}:\n${text}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${bin}: no ${pattern} within ${ms} ms:\n${text}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    exited(ms = 20_000) {
      return Promise.race([
        exit,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`${bin} did not exit within ${ms} ms:\n${text}`)), ms).unref(),
        ),
      ]);
    },
  };
}

/**
 * `openssl s_server` on 127.0.0.1 with a port it picks; resolves once it accepts. `version` is its
 * version flag (default `-tls1_3`; `-tls1_2`, or `''` for both).
 */
export async function opensslServer(
  leaf: string,
  args: string[],
  version: '-tls1_3' | '-tls1_2' | '' = '-tls1_3',
): Promise<Peer & { port: number }> {
  const chain = INTERMEDIATE[leaf];
  const peer = startPeer(
    'openssl',
    [
      's_server',
      '-accept',
      '127.0.0.1:0',
      ...(version ? [version] : []),
      '-cert',
      pki(`${leaf}.crt`),
      '-key',
      pki(`${leaf}.key`),
      ...(chain ? ['-cert_chain', pki(chain)] : []),
      ...args,
    ],
    undefined,
    true,
  );
  const text = await peer.waitFor(/ACCEPT 127\.0\.0\.1:\d+/);
  const port = Number(/ACCEPT 127\.0\.0\.1:(\d+)/.exec(text)![1]);
  return { ...peer, port };
}

/** A port that was free a moment ago (for peers that cannot pick their own). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** `gnutls-serv` on 127.0.0.1 with the chain of `leaf` (TLS 1.3 only unless `priority` says otherwise); resolves once it listens. */
export async function gnutlsServer(
  leaf: string,
  args: string[],
  priority = 'NORMAL:-VERS-ALL:+VERS-TLS1.3',
): Promise<Peer & { port: number }> {
  const port = await freePort();
  const peer = startPeer(
    'gnutls-serv',
    [
      '--port',
      String(port),
      '--x509certfile',
      pki(`${leaf}-chain.pem`),
      '--x509keyfile',
      pki(`${leaf}.key`),
      '--priority',
      priority,
      ...args,
    ],
    undefined,
    true,
  );
  await peer.waitFor(/listening on IPv4 .*done/);
  return { ...peer, port };
}

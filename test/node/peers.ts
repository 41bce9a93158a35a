/**
 * Real TLS peers for the interop tests: `openssl s_server`/`s_client`, `gnutls-serv`/`gnutls-cli` as
 * child processes on 127.0.0.1, with bounded waits on their output, every child killed by
 * {@link killAll} (call it in afterEach), and the test PKI's file names. Peers that cannot pick their own
 * port start through {@link onFreePort}, again on a fresh port if another process took it. A missing peer binary
 * skips its tests, except with CI=true where they fail.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
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
  /** False once the process has exited (or could not be started). */
  running(): boolean;
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
    running: () => code === undefined,
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

/**
 * A port that was free a moment ago (for peers that cannot pick their own). Another process may take it
 * before the peer binds it: start such peers through {@link onFreePort}.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A peer could not listen on its port (see {@link onFreePort}); its output is in the message. */
export class PortTaken extends Error {
  override name = 'PortTaken';
}

/** What openssl and gnutls-serv print when bind() fails because the port is taken. */
const ADDRESS_IN_USE = /address already in use/i;

/** A {@link PortTaken} for `peer`, which is killed if still running. */
function portTaken(peer: Peer, what: string, port: number): PortTaken {
  if (peer.running()) peer.proc.kill('SIGKILL');
  return new PortTaken(`${what} could not listen on port ${port}:\n${peer.output()}`);
}

/**
 * `start(port)` with a port from {@link freePort}; while it throws {@link PortTaken} (another process took
 * the port between freePort closing its probe and the peer binding it), again with a fresh port, at most
 * `attempts` times in all. Once the peer has bound the port no other process can hold it.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (e) {
      if (!(e instanceof PortTaken) || attempt >= attempts) throw e;
    }
  }
}

/**
 * Whether process `pid` holds a listening TCP socket on `port` (Linux: /proc/net/tcp{,6} and
 * /proc/`pid`/fd); undefined where /proc/net/tcp cannot be read.
 */
function listensOn(pid: number | undefined, port: number): boolean | undefined {
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return undefined;
  }
  try {
    table += readFileSync('/proc/net/tcp6', 'utf8');
  } catch {
    // No IPv6.
  }
  if (pid === undefined) return false;
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const line of table.split('\n')) {
    // sl local_address rem_address st(0A = LISTEN) tx:rx tr:when retrnsmt uid timeout inode
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(local) && f[3] === '0A' && f[9]) inodes.add(`socket:[${f[9]}]`);
  }
  if (inodes.size === 0) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * For a peer that prints nothing once it listens (s_server -brief): resolves once its own process holds the
 * listening socket on `port`; rejects with {@link PortTaken} if it exits or reports the address in use
 * first (for {@link onFreePort}), or after `ms`. Where that cannot be checked (no /proc) it resolves at
 * once and the caller's connection retries must stop when the peer exits.
 */
export async function listeningOn(peer: Peer, port: number, ms = 10_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (!peer.running() || ADDRESS_IN_USE.test(peer.output())) throw portTaken(peer, peer.proc.spawnfile, port);
    if (listensOn(peer.proc.pid, port) !== false) return;
    if (Date.now() - start > ms) throw new Error(`${peer.proc.spawnfile}: not listening on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * `gnutls-serv` on 127.0.0.1 with the chain of `leaf` (TLS 1.3 only unless `priority` says otherwise);
 * resolves once it listens, on a fresh port if another process took the first (see {@link onFreePort}).
 */
export function gnutlsServer(
  leaf: string,
  args: string[],
  priority = 'NORMAL:-VERS-ALL:+VERS-TLS1.3',
): Promise<Peer & { port: number }> {
  return onFreePort((port) => startGnutlsServer(port, leaf, args, priority));
}

async function startGnutlsServer(
  port: number,
  leaf: string,
  args: string[],
  priority: string,
): Promise<Peer & { port: number }> {
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
  // "listening on IPv4 0.0.0.0 port N...done", or "...bind() failed: Address already in use" (it then
  // goes on with IPv6 and keeps running).
  let text: string;
  try {
    text = await peer.waitFor(/listening on IPv4 [^\n]*(done|failed)/);
  } catch (e) {
    if (peer.running()) throw e;
    throw portTaken(peer, 'gnutls-serv', port);
  }
  if (!/listening on IPv4 [^\n]*done/.test(text)) throw portTaken(peer, 'gnutls-serv', port);
  return { ...peer, port };
}

/**
 * `tlswire probe HOST:PORT SCRIPT`: run a scripted conversation (`tlswire/lab`, RFC 8446 / RFC 5246
 * on the wire as the script writes it) against a live server over node:net, and print its
 * ssldump-style trace or, with `--json`, the result as JSON. SCRIPT is a JavaScript or TypeScript
 * module (loaded with a dynamic import) exporting `steps`: an array of steps, or a function of the
 * target giving one; its default export may be either too.
 *
 * Exit codes: 0 every expectation met, 1 one failed (or the script or connection failed), 2 usage error.
 * @module
 */
import net from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runConversation } from '../lab/runner.js';
import type { Step } from '../lab/steps.js';
import { formatTrace, resultJson } from '../lab/trace.js';
import type { LabTransport } from '../lab/transport.js';
import { NodeCryptoProvider } from '../node/crypto-provider.js';
import { parseCommandArgs } from './args.js';
import { parseTarget } from './connect.js';
import { describeError, type Output } from './format.js';

export const PROBE_USAGE = `Usage: tlswire probe HOST:PORT SCRIPT [options]

Runs the scripted TLS conversation SCRIPT (a .js/.ts module exporting \`steps\`, see docs/recipes.md)
against the server at HOST:PORT and prints what each step sent and received.

Options:
  --servername NAME   server name the script may use (default: HOST unless it is an address)
  --timeout MS        how long an expectation waits for the server (default 5000)
  --json              print the result as JSON
  -h, --help          show this help`;

/** What a script module may export. */
export interface ProbeTarget {
  host: string;
  port: number;
  serverName: string | undefined;
}
type Script = readonly Step[] | ((target: ProbeTarget) => readonly Step[] | Promise<readonly Step[]>);

/** Most bytes buffered from the server before the script reads them (docs/security.md). */
const MAX_BUFFERED = 1 << 20;

/**
 * A {@link LabTransport} over a connected TCP socket. Reads are buffered up to 1 MiB (the socket is
 * paused beyond that until the script reads).
 */
export function socketTransport(socket: net.Socket): LabTransport {
  const chunks: Uint8Array[] = [];
  let buffered = 0;
  let ended = false;
  let waiter: ((b: Uint8Array | null) => void) | undefined;
  const wake = (): void => {
    if (!waiter || (chunks.length === 0 && !ended)) return;
    const w = waiter;
    waiter = undefined;
    const next = chunks.shift() ?? null;
    if (next) buffered -= next.length;
    if (buffered < MAX_BUFFERED) socket.resume();
    w(next);
  };
  socket.on('data', (d: Buffer) => {
    chunks.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice());
    buffered += d.byteLength;
    if (buffered >= MAX_BUFFERED) socket.pause();
    wake();
  });
  const end = (): void => {
    ended = true;
    wake();
  };
  socket.on('end', end);
  socket.on('close', end);
  socket.on('error', end);
  return {
    write: (bytes) =>
      new Promise<void>((done) => {
        if (socket.destroyed || !socket.writable) return done();
        socket.write(bytes, () => done());
      }),
    read: () =>
      new Promise((r) => {
        waiter = r;
        wake();
      }),
    close: () => {
      socket.end();
    },
  };
}

/** Connect to host:port (resolves once connected). */
export function connectSocket(host: string, port: number): Promise<net.Socket> {
  return new Promise((ok, fail) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.off('error', fail);
      ok(socket);
    });
    socket.once('error', fail);
  });
}

interface ProbeSettings {
  target: ProbeTarget;
  script: string;
  timeoutMs: number;
  json: boolean;
}

const OPTIONS = {
  servername: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
}

function settings({ values, positionals }: ReturnType<typeof parse>): ProbeSettings {
  if (positionals.length !== 2) throw new Error('expected HOST:PORT and SCRIPT');
  const { host, port } = parseTarget(positionals[0]!);
  const timeoutMs = values.timeout === undefined ? 5000 : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new Error('--timeout must be a positive integer (ms)');
  const serverName = values.servername ?? (net.isIP(host) ? undefined : host);
  return { target: { host, port, serverName }, script: positionals[1]!, timeoutMs, json: values.json ?? false };
}

/** Load the steps a script module exports. */
export async function loadScript(path: string, target: ProbeTarget): Promise<readonly Step[]> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as { steps?: Script; default?: Script };
  const script = mod.steps ?? mod.default;
  if (script === undefined) throw new Error(`${path} exports no \`steps\` (nor a default export)`);
  return typeof script === 'function' ? await script(target) : script;
}

/** `tlswire probe`. */
export async function probeCommand(argv: string[], io: Output): Promise<number> {
  const s = parseCommandArgs('probe', PROBE_USAGE, io, () => parse(argv), settings);
  if (typeof s === 'number') return s;
  let steps: readonly Step[];
  let socket: net.Socket;
  try {
    steps = await loadScript(s.script, s.target);
    socket = await connectSocket(s.target.host, s.target.port);
  } catch (e) {
    io.err(`tlswire probe: ${describeError(e)}`);
    return 1;
  }
  try {
    const result = await runConversation(socketTransport(socket), steps, {
      provider: new NodeCryptoProvider(),
      timeoutMs: s.timeoutMs,
    });
    if (s.json) io.out(JSON.stringify(resultJson(result)));
    else for (const line of formatTrace(result).split('\n')) io.out(line);
    return result.ok ? 0 : 1;
  } finally {
    socket.destroy();
  }
}

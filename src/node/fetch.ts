/**
 * {@link fetchDispatcher}: Node's global `fetch` over tlswire connections. Node 18–22 bundle undici
 * inside Node itself (not as an importable module, so `import('undici')` fails without the npm
 * package); its `fetch` takes a `dispatcher`, and its `Agent` class takes a `connect(options, cb)`
 * hook, but that class is not exported. It is reachable as the constructor of the global dispatcher
 * undici installs under `Symbol.for('undici.globalDispatcher.1')` (the symbol undici shares between
 * its copies), once undici has loaded, which a first `fetch` (of a `data:` URL, no network) makes
 * happen. No dependency is added; if a Node version stops installing that dispatcher, this throws.
 * HTTP over the socket is undici's (HTTP/1.1; `ALPNProtocols` default `['http/1.1']`).
 * @module
 */
import { type ConnectOptions, connect } from './connect.js';
import type { TlsSocket } from './socket.js';

/** What Node's bundled undici passes its `connect` hook. */
interface UndiciConnectOptions {
  hostname: string;
  port: string | number;
  servername?: string | null;
  localAddress?: string | null;
}

/** The part of undici's Dispatcher that `fetch(url, { dispatcher })` and callers use. */
export interface FetchDispatcher {
  /** Close every connection once its requests are done. */
  close(): Promise<void>;
  /** Close every connection now. */
  destroy(): Promise<void>;
}

type AgentClass = new (options: {
  connect: (options: UndiciConnectOptions, cb: (error: Error | null, socket: TlsSocket | null) => void) => void;
}) => FetchDispatcher;

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/** The `Agent` class of the undici bundled in Node, loaded by a `data:` fetch if need be. */
async function bundledAgent(): Promise<AgentClass> {
  const table = globalThis as unknown as Record<symbol, { constructor?: unknown } | undefined>;
  if (table[GLOBAL_DISPATCHER] === undefined && typeof fetch === 'function') await (await fetch('data:,')).text();
  const agent = table[GLOBAL_DISPATCHER]?.constructor;
  if (typeof agent !== 'function') {
    throw new TypeError("fetchDispatcher: this Node has no bundled undici Agent (install 'undici' and use its Agent)");
  }
  return agent as AgentClass;
}

/**
 * A dispatcher for Node's global `fetch` whose TLS connections are tlswire's `connect(options)` (with
 * the host, port, server name and local address of each request's origin).
 * @throws TypeError (rejects) when Node's bundled undici cannot be reached (see the module comment)
 * @example
 * const dispatcher = await fetchDispatcher({ ca: readFileSync('root.pem') });
 * const page = await fetch('https://example.com/', { dispatcher } as RequestInit);
 */
export async function fetchDispatcher(options: ConnectOptions = {}): Promise<FetchDispatcher> {
  const Agent = await bundledAgent();
  return new Agent({
    connect: (origin, cb) => {
      const socket = connect({
        ALPNProtocols: ['http/1.1'],
        ...options,
        // undici gives an IPv6 literal in brackets, and '' for the scheme's default port.
        host: origin.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: Number(origin.port) || 443,
        ...(origin.servername ? { servername: origin.servername } : {}),
        ...(origin.localAddress ? { localAddress: origin.localAddress } : {}),
      });
      const onError = (error: Error) => cb(error, null);
      socket.once('error', onError);
      socket.once('secureConnect', () => {
        socket.off('error', onError);
        cb(null, socket);
      });
    },
  });
}

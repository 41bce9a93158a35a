/**
 * Scanner test support: an in-memory transport to tlswire's own server (a fresh NegotiatingServer per
 * connection, sharing one configuration), scanning a live port, and `sslscan --xml=-` parsed for the
 * cross-checks. A missing sslscan skips its checks, except with CI=true where they fail.
 */
import { spawnSync } from 'node:child_process';
import { tcpConnect } from '../../src/cli/scan.js';
import { NegotiatingServer, type NegotiatingServerConfig } from '../../src/handshake/negotiate.js';
import type { AnyTlsEvent } from '../../src/handshake/types.js';
import { scan } from '../../src/scan/scanner.js';
import type { Connect, ScanConnection, ScanOptions, ScanReport } from '../../src/scan/types.js';
import { TrustStore } from '../../src/x509/verify.js';
import { readPki } from '../node/peers.js';

export const HAS_SSLSCAN = spawnSync('sslscan', ['--version'], { stdio: 'ignore' }).status === 0;
export const SKIP_SSLSCAN = !HAS_SSLSCAN && process.env.CI !== 'true';

/** The test PKI's root. */
export const ROOTS = TrustStore.fromPem(readPki('root-ca.crt'));

/** A server endpoint of ours (TlsServer, Tls12Server, NegotiatingServer). */
export interface ServerEndpoint {
  handle(bytes: Uint8Array): AnyTlsEvent[];
  close(): AnyTlsEvent[];
  dispose(): void;
}

/**
 * A {@link Connect} to a new in-memory server per connection: `make()`, or a NegotiatingServer of
 * the config; `count` counts the connections.
 */
export function memoryConnect(make: () => ServerEndpoint | NegotiatingServerConfig): Connect & { count: number } {
  const connect = (async () => {
    connect.count++;
    const made = make();
    return memoryConnection('handle' in made ? made : new NegotiatingServer(made));
  }) as Connect & { count: number };
  connect.count = 0;
  return connect;
}

function memoryConnection(server: ServerEndpoint): ScanConnection {
  const queue: Uint8Array[] = [];
  const readers: ((c: Uint8Array | undefined) => void)[] = [];
  let ended = false;
  const push = (c: Uint8Array | undefined) => {
    const r = readers.shift();
    if (r) r(c);
    else if (c) queue.push(c);
  };
  const end = () => {
    ended = true;
    for (const r of readers.splice(0)) r(undefined);
  };
  const act = (events: AnyTlsEvent[]) => {
    for (const e of events) {
      if (e.kind === 'send') push(e.bytes);
      else if (e.kind === 'closed') act(server.close());
    }
    if (events.some((e) => e.kind === 'error' || e.kind === 'closed')) end();
  };
  return {
    async write(bytes) {
      if (ended) throw new Error('closed');
      act(server.handle(bytes));
    },
    read() {
      const c = queue.shift();
      if (c || ended) return Promise.resolve(c);
      return new Promise((resolve) => readers.push(resolve));
    },
    close() {
      if (!ended) server.dispose();
      end();
    },
  };
}

/** Scan 127.0.0.1:`port` as `localhost` against the test PKI. */
export function scanPort(port: number, options: Partial<ScanOptions> = {}): Promise<ScanReport> {
  return scan(`127.0.0.1:${port}`, {
    connect: tcpConnect('127.0.0.1', port, 5000),
    serverName: 'localhost',
    roots: ROOTS,
    connectionTimeout: 5000,
    ...options,
  });
}

/** What sslscan found: per version ('TLSv1.2' …) the suite code points, and the protocol flags. */
export interface SslscanResult {
  protocols: Record<string, boolean>;
  suites: Record<string, number[]>;
}

/** Run `sslscan --no-colour --xml=- 127.0.0.1:port` and parse what the cross-checks compare. */
export function sslscan(port: number): SslscanResult {
  const run = spawnSync('sslscan', ['--no-colour', '--xml=-', `127.0.0.1:${port}`], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`sslscan failed (${run.status}): ${run.stderr}`);
  const protocols: Record<string, boolean> = {};
  for (const m of run.stdout.matchAll(/<protocol type="(\w+)" version="([\d.]+)" enabled="(\d)"/g)) {
    protocols[`${m[1]!.toUpperCase()} ${m[2]!.includes('.') ? m[2] : `${m[2]}.0`}`] = m[3] === '1';
  }
  const suites: Record<string, number[]> = {};
  for (const m of run.stdout.matchAll(/<cipher status="\w+" sslversion="([^"]+)"[^>]* id="0x([0-9A-Fa-f]+)"/g)) {
    const list = suites[m[1]!] ?? [];
    list.push(Number.parseInt(m[2]!, 16));
    suites[m[1]!] = list;
  }
  for (const k of Object.keys(suites)) suites[k]!.sort((a, b) => a - b);
  return { protocols, suites };
}

/** The report's suites of `version` ('TLS 1.2'), sorted, for comparison with sslscan ('TLSv1.2'). */
export function suitesOf(report: ScanReport, version: string): number[] {
  const v = report.versions.find((x) => x.version === version);
  return (v?.cipherSuites.map((s) => s.value) ?? []).sort((a, b) => a - b);
}

/** The versions the report found enabled. */
export function enabledVersions(report: ScanReport): string[] {
  return report.versions.filter((v) => v.supported).map((v) => v.version);
}

/** The finding ids of a report, in order. */
export function findingIds(report: ScanReport): string[] {
  return report.findings.map((f) => f.id);
}

/**
 * `scan`: what a TLS server supports, probed with crafted ClientHellos (RFC 5246 §7.4.1.2, RFC 8446
 * §4.1.2) and full handshakes of tlswire's clients, over an injected transport:
 * versions SSL 3.0 … TLS 1.3; per version the cipher suites and the server's order (offer, remove
 * the chosen suite, offer again; then the found list reversed to tell server from client order);
 * TLS 1.3 groups (a HelloRetryRequest for each, RFC 8446 §4.1.4) and TLS 1.2 curves (the
 * ServerKeyExchange, RFC 8422 §5.4); signature schemes; the chains per signature type with the
 * verifier's verdict; OCSP stapling (RFC 6066 §8); resumption (RFC 5246 §7.3, RFC 5077, RFC 8446
 * §2.2) and max_early_data (§4.2.10); ALPN (RFC 7301); extended master secret (RFC 7627), secure
 * renegotiation (RFC 5746), encrypt_then_mac (RFC 7366), compression, record_size_limit (RFC 8449);
 * downgrade protection (RFC 8446 §4.1.3 sentinel, RFC 7507 TLS_FALLBACK_SCSV); then the findings
 * rated against RFC 9325 (findings.ts).
 * @module
 */
import { NobleProvider } from '../crypto/noble.js';
import { groupName } from '../crypto/provider.js';
import { CipherSuite, NamedGroup, nameOf, ProtocolVersion, SignatureScheme } from '../tls/enums.js';
import type { KeyShareEntry } from '../tls/extensions.js';
import { assessFindings } from './findings.js';
import { ProbePool } from './pool.js';
import { accepts, buildClientHello, ECDHE_CURVES, exchange, type HelloSpec, type ServerAnswer } from './probe.js';
import {
  highestLegacy,
  type ScanContext,
  scanCertificates,
  scanFeatures,
  scanResumption,
  serverKeyExchangeInfo,
} from './scan-steps.js';
import { legacySuites, tls13Suites } from './suites.js';
import {
  DEFAULT_ALPN_CANDIDATES,
  DEFAULT_CONCURRENCY,
  DEFAULT_CONNECTION_TIMEOUT,
  DEFAULT_TIME_BUDGET,
  type FoundSuite,
  type GroupResult,
  SCAN_VERSIONS,
  type ScanOptions,
  type ScanReport,
  type VersionResult,
} from './types.js';

/** TLS 1.3 groups probed one by one (RFC 8446 §4.2.7 and the hybrid ML-KEM code points). */
const TLS13_GROUPS: readonly number[] = [
  NamedGroup.x25519,
  NamedGroup.secp256r1,
  NamedGroup.x448,
  NamedGroup.secp384r1,
  NamedGroup.secp521r1,
  NamedGroup.ffdhe2048,
  NamedGroup.ffdhe3072,
  NamedGroup.ffdhe4096,
  NamedGroup.ffdhe6144,
  NamedGroup.ffdhe8192,
  NamedGroup.brainpoolP256r1tls13,
  NamedGroup.brainpoolP384r1tls13,
  NamedGroup.brainpoolP512r1tls13,
  NamedGroup.X25519MLKEM768,
  NamedGroup.SecP256r1MLKEM768,
  NamedGroup.SecP384r1MLKEM1024,
];

/** TLS 1.2 ECDHE curves probed one by one (RFC 8422 §5.1.1). */
const TLS12_CURVES = ECDHE_CURVES;

/**
 * Scan a server. Never throws for what the server does; a probe that gets no answer counts as "not
 * supported" for what it asked.
 * @throws TypeError without `connect`; RangeError on a timeout, budget or concurrency that is not positive
 */
export async function scan(target: string, options: ScanOptions): Promise<ScanReport> {
  if (typeof options.connect !== 'function') throw new TypeError('scan: connect must be a function');
  for (const key of ['connectionTimeout', 'timeBudget'] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isFinite(v) && v > 0))
      throw new RangeError(`scan: ${key} must be a positive number`);
  }
  const now = options.now ?? Date.now;
  const started = now();
  const provider = options.provider ?? new NobleProvider();
  const pool = new ProbePool(
    options.concurrency ?? DEFAULT_CONCURRENCY,
    options.timeBudget ?? DEFAULT_TIME_BUDGET,
    now,
    options.onProgress,
  );
  const cx: ScanContext = {
    options,
    provider,
    now,
    pool,
    timeout: options.connectionTimeout ?? DEFAULT_CONNECTION_TIMEOUT,
    alpnCandidates: options.alpnCandidates ?? DEFAULT_ALPN_CANDIDATES,
    probe: (what, spec, wantFlight = false) => probe(cx, what, spec, wantFlight),
    keyShares: (groups) => keyShares(cx, groups),
  };
  const versions = await Promise.all(SCAN_VERSIONS.map((v) => scanVersion(cx, v.name, v.value)));
  const [groups, signatureSchemes, certificates, features, resumption] = await Promise.all([
    scanGroups(cx, versions),
    scanSignatureSchemes(cx, versions),
    scanCertificates(cx, versions),
    scanFeatures(cx, versions),
    scanResumption(cx, versions),
  ]);
  const report: ScanReport = {
    target,
    elapsedMs: 0,
    connections: pool.started,
    skipped: pool.skipped,
    versions,
    groups,
    signatureSchemes,
    certificates: certificates.chains,
    resumption,
    features: { ...features, ocspStapling: { ...features.ocspStapling, ...certificates.ocsp } },
    findings: [],
  };
  if (certificates.recordSizeLimit !== undefined) report.features.recordSizeLimit.tls13 = certificates.recordSizeLimit;
  report.findings = assessFindings(report);
  report.elapsedMs = now() - started;
  report.connections = pool.started;
  report.skipped = pool.skipped;
  return report;
}

/** One crafted hello on a new connection (through the pool); `undefined` when the budget is spent. */
async function probe(cx: ScanContext, what: string, spec: HelloSpec, wantFlight: boolean): Promise<ServerAnswer> {
  const answer = await cx.pool.run(what, async () => {
    const deadline = cx.now() + cx.timeout;
    let conn: Awaited<ReturnType<ScanOptions['connect']>>;
    try {
      conn = await cx.options.connect();
    } catch (e) {
      return { kind: 'malformed', error: `connect: ${e instanceof Error ? e.message : String(e)}` } as ServerAnswer;
    }
    try {
      const hello = buildClientHello(
        { serverName: cx.options.serverName, ...spec },
        cx.provider.random(32),
        cx.provider.random(32),
      );
      return await exchange(conn, hello, deadline, wantFlight, cx.now);
    } finally {
      conn.close();
    }
  });
  return answer ?? { kind: 'timeout' };
}

/** Key shares for `groups` the provider can compute (the others are left out). */
function keyShares(cx: ScanContext, groups: readonly number[]): KeyShareEntry[] {
  const out: KeyShareEntry[] = [];
  for (const g of groups) {
    const name = groupName(g);
    if (!name) continue;
    try {
      const pair = cx.provider.keyExchange(name).generate();
      pair.privateKey.fill(0);
      out.push({ group: g, keyExchange: pair.share });
    } catch {
      // A provider without this group: no share for it.
    }
  }
  return out;
}

/** One version: its suites in the order the server chose them, then server or client order. */
async function scanVersion(cx: ScanContext, name: VersionResult['version'], version: number): Promise<VersionResult> {
  const tls13 = version === ProtocolVersion.TLS1_3;
  const base: Omit<HelloSpec, 'cipherSuites'> = tls13
    ? { version, keyShares: cx.keyShares([NamedGroup.x25519, NamedGroup.secp256r1]) }
    : { version };
  let offer = tls13 ? tls13Suites() : legacySuites(version);
  const found: FoundSuite[] = [];
  while (offer.length > 0) {
    const answer = await cx.probe(`${name} cipher suites`, { ...base, cipherSuites: offer }, !tls13);
    if (!accepts(answer, version)) break;
    const chosen = answer.serverHello.cipherSuite;
    if (!offer.includes(chosen)) break;
    const kx = serverKeyExchangeInfo(answer.flight, chosen, version);
    found.push({ value: chosen, name: nameOf(CipherSuite, chosen), ...(kx?.group ? { keyExchange: kx.group } : {}) });
    offer = offer.filter((s) => s !== chosen);
  }
  let serverOrder: boolean | undefined;
  if (found.length >= 2) {
    const reversed = found.map((s) => s.value).reverse();
    const answer = await cx.probe(`${name} server order`, { ...base, cipherSuites: reversed }, false);
    if (accepts(answer, version)) {
      if (answer.serverHello.cipherSuite === found[0]!.value) serverOrder = true;
      else if (answer.serverHello.cipherSuite === reversed[0]) serverOrder = false;
    }
  }
  return { version: name, supported: found.length > 0, cipherSuites: found, serverOrder };
}

/** The HelloRetryRequest's selected group, if `answer` is one. */
function hrrGroup(answer: ServerAnswer): number | undefined {
  if (answer.kind !== 'hello' || !answer.serverHello.isHelloRetryRequest) return undefined;
  const ks = answer.serverHello.extensions?.find((e) => e.kind === 'key_share');
  return ks?.kind === 'key_share' && ks.form === 'hello_retry_request' ? ks.selectedGroup : undefined;
}

/** TLS 1.3 groups by HelloRetryRequest, the preferred one, HRR despite a share; TLS 1.2 curves by ServerKeyExchange. */
async function scanGroups(cx: ScanContext, versions: readonly VersionResult[]): Promise<GroupResult> {
  const result: GroupResult = { tls13: [], hrrDespiteShare: [], tls12: [] };
  const v13 = versions.find((v) => v.version === 'TLS 1.3' && v.supported);
  if (v13) {
    const suites = v13.cipherSuites.map((s) => s.value);
    const spec = { version: ProtocolVersion.TLS1_3, cipherSuites: suites };
    const each = await Promise.all(
      TLS13_GROUPS.map((g) => cx.probe('TLS 1.3 groups', { ...spec, groups: [g], keyShares: [] })),
    );
    const supported = TLS13_GROUPS.filter((g, i) => hrrGroup(each[i]!) === g);
    result.tls13 = supported.map((g) => nameOf(NamedGroup, g));
    const preferred = hrrGroup(await cx.probe('TLS 1.3 group preference', { ...spec, groups: TLS13_GROUPS }));
    if (preferred !== undefined) result.tls13Preferred = nameOf(NamedGroup, preferred);
    for (const g of supported) {
      const shares = cx.keyShares([g]);
      if (shares.length === 0) continue;
      const a = await cx.probe('TLS 1.3 key shares', { ...spec, groups: supported, keyShares: shares });
      if (hrrGroup(a) !== undefined) result.hrrDespiteShare.push(nameOf(NamedGroup, g));
    }
  }
  const legacy = highestLegacy(versions);
  const ecdhe = legacy?.result.cipherSuites.filter((s) => /^TLS_ECDHE_/.test(s.name)).map((s) => s.value) ?? [];
  if (legacy && ecdhe.length > 0) {
    const kept = await namedByServerKeyExchange(
      TLS12_CURVES,
      legacy.value,
      (g) => cx.probe('ECDHE curves', { version: legacy.value, cipherSuites: ecdhe, groups: [g] }, true),
      (kx) => kx?.namedGroup,
    );
    result.tls12 = kept.map((g) => nameOf(NamedGroup, g));
  }
  return result;
}

/**
 * Probe each of `items` (in parallel, through the pool) over TLS ≤ 1.2 and keep those that the
 * ServerKeyExchange of the answer names (`named`): the curves and signature schemes a server uses.
 */
async function namedByServerKeyExchange(
  items: readonly number[],
  version: number,
  probe: (item: number) => Promise<ServerAnswer>,
  named: (kx: ReturnType<typeof serverKeyExchangeInfo>) => number | undefined,
): Promise<number[]> {
  const each = await Promise.all(items.map(probe));
  return items.filter((item, i) => {
    const a = each[i]!;
    return accepts(a, version) && named(serverKeyExchangeInfo(a.flight, a.serverHello.cipherSuite, version)) === item;
  });
}

/** The TLS 1.2 suite authentication a signature scheme belongs to (RFC 5246 §7.4.1.4.1, RFC 8446 §4.2.3). */
function signatureAuth(scheme: number): 'RSA' | 'DSS' | 'ECDSA' {
  if (scheme >> 8 === 0x08) return scheme === 0x0807 || scheme === 0x0808 ? 'ECDSA' : 'RSA';
  const low = scheme & 0xff;
  return low === 1 ? 'RSA' : low === 2 ? 'DSS' : 'ECDSA';
}

/** TLS 1.3: schemes with which the server goes on (ServerHello, not an alert); TLS 1.2: ServerKeyExchange's. */
async function scanSignatureSchemes(
  cx: ScanContext,
  versions: readonly VersionResult[],
): Promise<ScanReport['signatureSchemes']> {
  const out: ScanReport['signatureSchemes'] = { tls13: [], tls12: [] };
  const schemes = Object.values(SignatureScheme).filter((s, i, all) => all.indexOf(s) === i && s < 0x0900);
  const v13 = versions.find((v) => v.version === 'TLS 1.3' && v.supported);
  if (v13) {
    const spec = {
      version: ProtocolVersion.TLS1_3,
      cipherSuites: v13.cipherSuites.map((s) => s.value),
      keyShares: cx.keyShares([NamedGroup.x25519, NamedGroup.secp256r1]),
    };
    const each = await Promise.all(
      schemes.map((s) => cx.probe('TLS 1.3 signature schemes', { ...spec, signatureSchemes: [s] })),
    );
    schemes.forEach((s, i) => {
      if (accepts(each[i]!, ProtocolVersion.TLS1_3)) out.tls13.push(nameOf(SignatureScheme, s));
    });
  }
  const v12 = versions.find((v) => v.version === 'TLS 1.2' && v.supported);
  const ephemeral = v12?.cipherSuites.filter((s) => /^TLS_(EC)?DHE_/.test(s.name)) ?? [];
  if (ephemeral.length > 0) {
    // Only suites whose certificate type can sign with the scheme: a server in client order may
    // otherwise pick a suite it then cannot sign for, and fail (OpenSSL does).
    const suitesFor = (s: number) => {
      const auth = signatureAuth(s);
      return ephemeral.filter((x) => x.name.includes(`_${auth}_`)).map((x) => x.value);
    };
    const kept = await namedByServerKeyExchange(
      schemes,
      ProtocolVersion.TLS1_2,
      (s) =>
        suitesFor(s).length === 0
          ? Promise.resolve<ServerAnswer>({ kind: 'closed' })
          : cx.probe(
              'TLS 1.2 signature schemes',
              { version: ProtocolVersion.TLS1_2, cipherSuites: suitesFor(s), signatureSchemes: [s] },
              true,
            ),
      (kx) => kx?.signatureScheme,
    );
    out.tls12 = kept.map((s) => nameOf(SignatureScheme, s));
  }
  return out;
}

/**
 * The scanner's steps after the version probes: certificates per signature type (RFC 8446 §4.4.2,
 * RFC 5246 §7.4.2), extensions and features of the ServerHello (RFC 7627, RFC 5746, RFC 7366,
 * RFC 6066 §8, RFC 8449, RFC 7301, RFC 5246 §6.2.2 compression), downgrade protection (RFC 8446
 * §4.1.3, RFC 7507), resumption (RFC 5246 §7.3, RFC 5077, RFC 8446 §2.2, §4.2.10), and the
 * ServerKeyExchange fields the findings need (RFC 8422 §5.4, RFC 5246 §7.4.3).
 * @module
 */
import { Reader } from '../bytes/reader.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { AlertDescription, CipherSuite, HandshakeType, NamedGroup, nameOf, ProtocolVersion } from '../tls/enums.js';
import { type Extension, findExtension, type KeyShareEntry } from '../tls/extensions.js';
import { decodeCertificate } from '../tls/messages/certificate.js';
import type { HandshakeMessage } from '../tls/messages/handshake.js';
import { judgeChain, SIGNATURE_TYPES } from './certs.js';
import { type FullHandshakeSettings, tls12Handshake, tls13Handshake } from './handshake.js';
import type { ProbePool } from './pool.js';
import { accepts, type FlightMessage, type HelloSpec, hasTls12Sentinel, type ServerAnswer } from './probe.js';
import { suiteTraits } from './suites.js';
import {
  type ChainResult,
  type FeatureResult,
  type ResumptionResult,
  SCAN_VERSIONS,
  type ScanOptions,
  type VersionResult,
} from './types.js';

/** What every step is given. */
export interface ScanContext {
  options: ScanOptions;
  provider: CryptoProvider;
  now: () => number;
  pool: ProbePool;
  timeout: number;
  alpnCandidates: readonly string[];
  probe(what: string, spec: HelloSpec, wantFlight?: boolean): Promise<ServerAnswer>;
  keyShares(groups: readonly number[]): KeyShareEntry[];
}

/** What a ServerKeyExchange says: the ECDHE group or DHE prime size, and (TLS 1.2) its signature scheme. */
export interface KeyExchangeInfo {
  group?: string;
  namedGroup?: number;
  signatureScheme?: number;
}

/** Read the ServerKeyExchange of `flight` for `suite` (ECDHE: RFC 8422 §5.4; DHE: RFC 5246 §7.4.3). */
export function serverKeyExchangeInfo(
  flight: readonly FlightMessage[],
  suite: number,
  version: number,
): KeyExchangeInfo | undefined {
  const ske = flight.find((m) => m.type === HandshakeType.server_key_exchange);
  if (!ske) return undefined;
  const kx = suiteTraits(suite).keyExchange;
  try {
    const r = new Reader(ske.body, 'ServerKeyExchange');
    const info: KeyExchangeInfo = {};
    if (kx === 'ECDHE' || kx === 'ECDH') {
      if (r.u8('curve_type') !== 3) return undefined;
      info.namedGroup = r.u16('namedcurve');
      info.group = nameOf(NamedGroup, info.namedGroup);
      r.opaque8('public');
    } else if (kx === 'DHE' || kx === 'DH') {
      const p = r.opaque16('dh_p');
      let bits = p.length * 8;
      for (let i = 0; i < p.length && p[i] === 0; i++) bits -= 8;
      const top = p.find((b) => b !== 0) ?? 0;
      bits -= Math.clz32(top) - 24;
      info.group = `DH ${bits}`;
      r.opaque16('dh_g');
      r.opaque16('dh_Ys');
    } else return undefined;
    const anonymous = suiteTraits(suite).anonymous;
    if (version >= ProtocolVersion.TLS1_2 && !anonymous && !r.atEnd) info.signatureScheme = r.u16('algorithm');
    return info;
  } catch {
    return undefined;
  }
}

function settings(cx: ScanContext): FullHandshakeSettings {
  return { provider: cx.provider, serverName: cx.options.serverName, now: cx.now, timeout: cx.timeout };
}

/** A chain obtained for one signature type, with the TLS 1.3 messages that came with it. */
interface Obtained {
  type: ChainResult['signatureType'];
  chain: Uint8Array[];
  version: ChainResult['version'];
  received: HandshakeMessage[];
}

/** The TLS ≤ 1.2 suites whose certificate is of `type` (RFC 5246 Appendix A.5, RFC 8422 §6). */
const AUTH: Readonly<Record<ChainResult['signatureType'], RegExp>> = {
  ECDSA: /_ECDSA_/,
  RSA: /^TLS_(RSA|DHE_RSA|ECDHE_RSA|RSA_EXPORT)_/,
  EdDSA: /$^/,
};

/** The chain for `type`: a TLS 1.3 handshake offering only its schemes, else (or failing that) the TLS ≤ 1.2 Certificate. */
async function obtainChain(
  cx: ScanContext,
  versions: readonly VersionResult[],
  { type, schemes }: (typeof SIGNATURE_TYPES)[number],
): Promise<Obtained | undefined> {
  if (versions.find((v) => v.version === 'TLS 1.3')?.supported) {
    const o = await cx.pool.run('certificates', () =>
      tls13Handshake(cx.options.connect, settings(cx), { signatureSchemes: schemes }),
    );
    if (o?.chain) return { type, chain: o.chain, version: 'TLS 1.3', received: o.received };
    // No chain over TLS 1.3 (no such certificate, or no suite our client speaks): try TLS ≤ 1.2.
  }
  const legacy = highestLegacy(versions);
  const suites = legacy?.result.cipherSuites.filter((s) => AUTH[type].test(s.name)).map((s) => s.value) ?? [];
  if (!legacy || suites.length === 0) return undefined;
  const a = await cx.probe('certificates', { version: legacy.value, cipherSuites: suites }, true);
  const msg = accepts(a, legacy.value) ? a.flight.find((m) => m.type === HandshakeType.certificate) : undefined;
  if (!msg) return undefined;
  try {
    const cert = Reader.decode(msg.body, 'Certificate', (r) => decodeCertificate(r, 'tls12'));
    const chain = cert.version === 'tls12' ? cert.certificates : [];
    return { type, chain, version: legacy.result.version, received: [] };
  } catch {
    return undefined; // A malformed Certificate: no chain to report.
  }
}

/** Chains per signature type (deduplicated by leaf), TLS 1.3 OCSP status and record_size_limit. */
export async function scanCertificates(
  cx: ScanContext,
  versions: readonly VersionResult[],
): Promise<{ chains: ChainResult[]; ocsp: { tls13?: boolean }; recordSizeLimit?: number }> {
  const found = await Promise.all(SIGNATURE_TYPES.map((t) => obtainChain(cx, versions, t)));
  const chains: ChainResult[] = [];
  const seen = new Set<string>();
  const verdict = { roots: cx.options.roots, serverName: cx.options.serverName, now: cx.now(), provider: cx.provider };
  let ocsp = false;
  let recordSizeLimit: number | undefined;
  for (const f of found) {
    if (!f || f.chain.length === 0) continue;
    for (const m of f.received) {
      // RFC 8446 §4.4.2.1: the leaf's CertificateEntry carries the OCSP response.
      if (m.type === 'certificate' && m.version === 'tls13') {
        ocsp ||= m.entries[0]?.extensions.some((e) => e.kind === 'status_request') ?? false;
      }
      const rsl = m.type === 'encrypted_extensions' ? findExtension(m.extensions, 'record_size_limit') : undefined;
      if (rsl) recordSizeLimit = rsl.limit;
    }
    const judged = judgeChain(f.chain, f.type, f.version, verdict);
    const key = judged.certificates[0]?.sha256 ?? String(chains.length);
    if (seen.has(key)) continue;
    seen.add(key);
    chains.push(judged);
  }
  const tls13 = versions.find((v) => v.version === 'TLS 1.3')?.supported;
  return {
    chains,
    ocsp: tls13 ? { tls13: ocsp } : {},
    ...(recordSizeLimit !== undefined ? { recordSizeLimit } : {}),
  };
}

function ext<K extends Extension['kind']>(a: ServerAnswer, kind: K): boolean {
  return a.kind === 'hello' && (a.serverHello.extensions ?? []).some((e) => e.kind === kind);
}

/** Extensions echoed, ALPN, compression and downgrade protection. */
export async function scanFeatures(cx: ScanContext, versions: readonly VersionResult[]): Promise<FeatureResult> {
  const out: FeatureResult = { ocspStapling: {}, recordSizeLimit: {}, alpn: [] };
  const legacy = highestLegacy(versions);
  const tls13 = versions.find((v) => v.version === 'TLS 1.3' && v.supported);
  const work: Promise<void>[] = [
    scanAlpn(cx, versions).then((a) => {
      out.alpn = a;
    }),
  ];
  if (legacy && legacy.value >= ProtocolVersion.TLS1_0) {
    const suites = legacy.result.cipherSuites.map((s) => s.value);
    const spec = { version: legacy.value, cipherSuites: suites };
    work.push(
      cx.probe('extensions', { ...spec, statusRequest: true, recordSizeLimit: 16384 }, true).then((a) => {
        if (!accepts(a, legacy.value)) return;
        out.extendedMasterSecret = ext(a, 'extended_master_secret');
        out.secureRenegotiation = ext(a, 'renegotiation_info');
        // RFC 6066 §8: the echoed extension announces a CertificateStatus message, which must follow.
        out.ocspStapling.tls12 =
          ext(a, 'status_request') && a.flight.some((m) => m.type === HandshakeType.certificate_status);
        const rsl = a.serverHello.extensions?.find((e) => e.kind === 'record_size_limit');
        if (rsl?.kind === 'record_size_limit') out.recordSizeLimit.tls12 = rsl.limit;
      }),
    );
    const cbc = legacy.result.cipherSuites.filter((s) => suiteTraits(s.value).cbc).map((s) => s.value);
    if (cbc.length > 0) {
      work.push(
        cx.probe('encrypt_then_mac', { ...spec, cipherSuites: cbc }).then((a) => {
          if (accepts(a, legacy.value)) out.encryptThenMac = ext(a, 'encrypt_then_mac');
        }),
      );
    }
    work.push(
      cx.probe('compression', { ...spec, compression: [1, 0] }).then((a) => {
        if (accepts(a, legacy.value)) out.compression = a.serverHello.compressionMethod !== 0;
      }),
    );
  }
  work.push(scanDowngrade(cx, versions, tls13 !== undefined).then((d) => void Object.assign(out, d)));
  await Promise.all(work);
  return out;
}

/** The sentinel (RFC 8446 §4.1.3) and TLS_FALLBACK_SCSV (RFC 7507 §3) checks. */
async function scanDowngrade(
  cx: ScanContext,
  versions: readonly VersionResult[],
  tls13: boolean,
): Promise<Pick<FeatureResult, 'downgradeSentinel' | 'fallbackScsv'>> {
  const out: Pick<FeatureResult, 'downgradeSentinel' | 'fallbackScsv'> = {};
  const supported = versions.filter((v) => v.supported);
  const legacy = highestLegacy(versions);
  if (tls13 && legacy?.value === ProtocolVersion.TLS1_2) {
    const a = await cx.probe('downgrade sentinel', {
      version: ProtocolVersion.TLS1_2,
      cipherSuites: legacy.result.cipherSuites.map((s) => s.value),
    });
    if (accepts(a, ProtocolVersion.TLS1_2)) out.downgradeSentinel = hasTls12Sentinel(a);
  }
  if (supported.length >= 2 && legacy) {
    // Below the highest version: the highest legacy one if TLS 1.3 is there, else the next one down.
    const below = tls13 ? legacy : highestLegacy(versions.slice(0, versions.indexOf(legacy.result)));
    if (below) {
      const suites = below.result.cipherSuites.map((s) => s.value);
      const a = await cx.probe('TLS_FALLBACK_SCSV', {
        version: below.value,
        cipherSuites: [...suites, CipherSuite.TLS_FALLBACK_SCSV],
      });
      if (a.kind === 'alert') out.fallbackScsv = a.description === AlertDescription.inappropriate_fallback;
      else if (a.kind === 'hello') out.fallbackScsv = false;
    }
  }
  return out;
}

/** ALPN protocols in the server's order: offer, remove the selected one, offer again (RFC 7301 §3.2). */
async function scanAlpn(cx: ScanContext, versions: readonly VersionResult[]): Promise<string[]> {
  const legacy = highestLegacy(versions);
  const tls13 = versions.find((v) => v.version === 'TLS 1.3' && v.supported);
  const found: string[] = [];
  let offer = [...cx.alpnCandidates];
  while (offer.length > 0) {
    let chosen: string | undefined;
    if (legacy && legacy.value >= ProtocolVersion.TLS1_0) {
      const spec = { version: legacy.value, cipherSuites: legacy.result.cipherSuites.map((s) => s.value) };
      const a = await cx.probe('ALPN', { ...spec, alpn: offer });
      const e =
        a.kind === 'hello'
          ? a.serverHello.extensions?.find((x) => x.kind === 'application_layer_protocol_negotiation')
          : undefined;
      chosen = e?.kind === 'application_layer_protocol_negotiation' ? e.protocols[0] : undefined;
    } else if (tls13) {
      const o = await cx.pool.run('ALPN', () => tls13Handshake(cx.options.connect, settings(cx), { alpn: offer }));
      chosen = o?.alpn;
    }
    if (chosen === undefined || !offer.includes(chosen)) break;
    found.push(chosen);
    offer = offer.filter((p) => p !== chosen);
  }
  return found;
}

/** TLS 1.3: tickets on a first connection, their max_early_data (RFC 8446 §4.2.10), a PSK resumption. */
async function tls13Resumption(cx: ScanContext, out: ResumptionResult): Promise<void> {
  const s = settings(cx);
  const first = await cx.pool.run('TLS 1.3 resumption', () => tls13Handshake(cx.options.connect, s));
  if (!first?.established) {
    out.notes.push(`TLS 1.3 handshake failed: ${first?.error ?? 'time budget'}`);
    return;
  }
  out.tls13Tickets = first.tls13Sessions.length;
  const session = first.tls13Sessions[0];
  out.psk = false;
  if (!session) return;
  out.maxEarlyData = session.maxEarlyDataSize;
  const again = await cx.pool.run('TLS 1.3 resumption', () => tls13Handshake(cx.options.connect, s, { session }));
  out.psk = again?.resumed ?? false;
  for (const x of [...first.tls13Sessions, ...(again?.tls13Sessions ?? [])]) x.psk.fill(0);
}

/** TLS 1.2: a full handshake, then one resuming its session by ticket (RFC 5077) or session ID (RFC 5246 §7.3). */
async function tls12Resumption(cx: ScanContext, out: ResumptionResult, tickets: boolean): Promise<void> {
  const s = settings(cx);
  const what = tickets ? 'TLS 1.2 ticket resumption' : 'TLS 1.2 session ID resumption';
  const first = await cx.pool.run(what, () => tls12Handshake(cx.options.connect, s, tickets));
  if (!first?.established) {
    out.notes.push(`TLS 1.2 handshake failed: ${first?.error ?? 'time budget'}`);
    return;
  }
  const session = first.tls12Session;
  const usable = session && (tickets ? session.ticket !== undefined : session.sessionId.length > 0);
  let resumed = false;
  if (session && usable) {
    const again = await cx.pool.run(what, () => tls12Handshake(cx.options.connect, s, tickets, session));
    resumed = again?.resumed ?? false;
    again?.tls12Session?.masterSecret.fill(0);
  }
  session?.masterSecret.fill(0);
  if (tickets) out.ticket = resumed;
  else out.sessionId = resumed;
}

/** Resumption by session ID and ticket (TLS 1.2), by PSK (TLS 1.3), and the tickets' max_early_data. */
export async function scanResumption(cx: ScanContext, versions: readonly VersionResult[]): Promise<ResumptionResult> {
  const out: ResumptionResult = { notes: [] };
  const has = (name: string) => versions.some((v) => v.version === name && v.supported);
  const work: Promise<void>[] = [];
  if (has('TLS 1.3')) work.push(tls13Resumption(cx, out));
  if (has('TLS 1.2')) work.push(tls12Resumption(cx, out, false), tls12Resumption(cx, out, true));
  await Promise.all(work);
  out.notes = [...new Set(out.notes)];
  return out;
}

/** The highest supported version below TLS 1.3, with its wire value. */
export function highestLegacy(
  versions: readonly VersionResult[],
): { result: VersionResult; value: number } | undefined {
  for (let i = SCAN_VERSIONS.length - 2; i >= 0; i--) {
    const v = versions[i];
    if (v?.supported) return { result: v, value: SCAN_VERSIONS[i]!.value };
  }
  return undefined;
}

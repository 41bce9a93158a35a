/**
 * OCSP stapling between our client and our server, both versions (RFC 6066 §8: ServerHello status_request and
 * CertificateStatus; RFC 8446 §4.4.2.1: status_request in the leaf's CertificateEntry), with the responses
 * `openssl ocsp` made for the test PKI (test/pki/make-revocation.sh: good, revoked, unknown, wrongly signed)
 * and a must-staple leaf (RFC 7633 TLS Feature) with its response made here by openssl. Each outcome is the
 * exact alert: bad_certificate_status_response (113) for an unusable or missing-but-required staple,
 * certificate_revoked (44) for a revoked one; unasked status_request / CertificateStatus from a server:
 * unsupported_extension / unexpected_message. Clocks come from openssl's reading of the responses.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bytes/errors.js';
import { concat } from '../../src/bytes/hex.js';
import { Writer } from '../../src/bytes/writer.js';
import { TlsClient } from '../../src/handshake/client.js';
import { NegotiatingClient, NegotiatingServer } from '../../src/handshake/negotiate.js';
import { TlsServer } from '../../src/handshake/server.js';
import type { OcspPolicy, OcspStapleContext, OcspStapleSource } from '../../src/handshake/stapling.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import type { AnyTlsEvent, CertifiedKey } from '../../src/handshake/types.js';
import { AlertDescription } from '../../src/tls/enums.js';
import { decodeHandshake, encodeHandshake, type HandshakeMessage } from '../../src/tls/messages/handshake.js';
import { parsePrivateKey } from '../../src/x509/keys.js';
import { decodePem } from '../../src/x509/pem.js';
import { opensslOk, PKI, pki } from '../x509/helpers.js';

interface Side {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}

const der = (name: string): Uint8Array => new Uint8Array(readFileSync(join(PKI, 'ocsp', `${name}.der`)));
const pemDer = (name: string): Uint8Array[] => decodePem(pki(name)).map((b) => b.der);
const INTERMEDIATE = pemDer('intermediate-ca.crt')[0]!;
const ROOTS = pemDer('root-ca.crt');
const identity = (crt: string, key: string): CertifiedKey => ({
  chain: [pemDer(crt)[0]!, INTERMEDIATE],
  key: parsePrivateKey(pki(key)),
});
const GOOD = identity('server-ecdsa.crt', 'server-ecdsa.key');
const REVOKED = identity('ocsp/revoked.crt', 'ocsp/revoked.key');
const UNKNOWN = identity('bad-wrongeku.crt', 'bad-wrongeku.key');

/** openssl's This Update / Next Update of a response, in ms. */
function opensslTimes(bytes: Uint8Array): { thisUpdate: number; nextUpdate: number } {
  const file = join(mkdtempSync(join(tmpdir(), 'staple-')), 'resp.der');
  writeFileSync(file, bytes);
  const text = opensslOk(['ocsp', '-respin', file, '-resp_text', '-noverify']);
  const at = (label: string) => Date.parse(new RegExp(`${label}: (.+)`).exec(text)![1]!.trim());
  return { thisUpdate: at('This Update'), nextUpdate: at('Next Update') };
}

const TIMES = opensslTimes(der('resp-good-issuer'));
/** An hour after the committed responses were made: inside every one's thisUpdate..nextUpdate. */
const NOW = TIMES.thisUpdate + 3600e3;

const VERSIONS = [
  { version: 'TLS 1.3', Client: TlsClient, Server: TlsServer },
  { version: 'TLS 1.2', Client: Tls12Client, Server: Tls12Server },
] as const;

interface Options {
  policy?: OcspPolicy;
  request?: boolean;
  staple?: OcspStapleSource;
  certificate?: CertifiedKey;
  now?: number;
  trustAny?: boolean;
  serverHook?: (m: HandshakeMessage, raw: Uint8Array) => Uint8Array | undefined;
}

/** Run a handshake in memory; returns each side's events. */
function run(v: (typeof VERSIONS)[number], o: Options): { client: AnyTlsEvent[]; server: AnyTlsEvent[] } {
  const now = () => o.now ?? NOW;
  const trust = o.trustAny ? { verifyServer: () => undefined } : { roots: ROOTS };
  const client = new v.Client({
    serverName: 'localhost',
    ...trust,
    now,
    requestOcsp: o.request ?? true,
    ...(o.policy ? { ocspPolicy: o.policy } : {}),
  });
  const server = new v.Server({
    certificate: o.certificate ?? GOOD,
    now,
    ...(o.staple ? { ocspResponse: o.staple } : {}),
    ...(o.serverHook ? { onOutgoingMessage: o.serverHook } : {}),
  });
  return pump(client, server);
}

function pump(client: Side & { start(): AnyTlsEvent[] }, server: Side) {
  const log = { client: [] as AnyTlsEvent[], server: [] as AnyTlsEvent[] };
  const c: Side = { handle: (b) => keep(log.client, client.handle(b)) };
  const s: Side = { handle: (b) => keep(log.server, server.handle(b)) };
  const deliver = (events: AnyTlsEvent[], to: Side, back: Side): void => {
    for (const e of events) if (e.kind === 'send') deliver(to.handle(e.bytes), back, to);
  };
  deliver(keep(log.client, client.start()), s, c);
  return log;
}

function keep(into: AnyTlsEvent[], events: AnyTlsEvent[]): AnyTlsEvent[] {
  into.push(...events);
  return events;
}

const established = (events: AnyTlsEvent[]) => events.some((e) => e.kind === 'established');
const sentAlerts = (events: AnyTlsEvent[]) => events.flatMap((e) => (e.kind === 'alert-sent' ? [e.description] : []));
const ocspOf = (events: AnyTlsEvent[]) => {
  const e = events.find((x) => x.kind === 'peer-certificate');
  return e?.kind === 'peer-certificate' ? e.ocsp : undefined;
};
const messages = (events: AnyTlsEvent[], direction: 'sent' | 'received') =>
  events.flatMap((e) => (e.kind === 'handshake-message' && e.direction === direction ? [e.message] : []));

for (const v of VERSIONS) {
  describe(`${v.version}: stapling between our client and server`, () => {
    it('a good response, signed by the issuer: verified, reported with openssl times and the exact bytes', () => {
      const log = run(v, { staple: der('resp-good-issuer') });
      expect(established(log.client)).toBe(true);
      const ocsp = ocspOf(log.client)!;
      expect(ocsp).toMatchObject({ status: 'good', mustStaple: false, delegated: false, ...TIMES });
      expect(ocsp.response).toEqual(der('resp-good-issuer'));
    });

    it('a good response by the delegated responder (id-kp-OCSPSigning), with and without its certificate', () => {
      const delegated = run(v, { staple: der('resp-good-delegated') });
      expect(ocspOf(delegated.client)).toMatchObject({ status: 'good', delegated: true });
      // Without the responder certificate in the response, its signer cannot be authorized.
      const nocerts = run(v, { staple: der('resp-good-nocerts') });
      expect(sentAlerts(nocerts.client)).toEqual([AlertDescription.bad_certificate_status_response]);
    });

    it('the wire: status_request only when asked; the staple where the RFC puts it', () => {
      const log = run(v, { staple: der('resp-good-issuer') });
      const sent = messages(log.server, 'sent');
      if (v.version === 'TLS 1.2') {
        const sh = sent.find((m) => m.type === 'server_hello');
        expect(sh?.type === 'server_hello' && sh.extensions?.some((e) => e.kind === 'status_request')).toBe(true);
        const types = sent.map((m) => m.type);
        expect(types.indexOf('certificate_status')).toBe(types.indexOf('certificate') + 1);
      } else {
        const cert = sent.find((m) => m.type === 'certificate');
        const ext = cert?.type === 'certificate' && cert.version === 'tls13' ? cert.entries[0]!.extensions : [];
        expect(ext).toEqual([
          expect.objectContaining({
            kind: 'status_request',
            form: 'response',
            status: { statusType: 1, response: der('resp-good-issuer') },
          }),
        ]);
      }
      const unasked = run(v, { request: false, staple: der('resp-good-issuer') });
      expect(established(unasked.client)).toBe(true);
      expect(ocspOf(unasked.client)).toBeUndefined();
      const wire = messages(unasked.server, 'sent');
      expect(wire.some((m) => m.type === 'certificate_status')).toBe(false);
      const c = wire.find((m) => m.type === 'certificate');
      expect(c?.type === 'certificate' && c.version === 'tls13' && c.entries[0]!.extensions.length).toBeFalsy();
    });

    it('the callback is asked per handshake with the SNI and the chain, and what it returns is stapled', () => {
      const seen: OcspStapleContext[] = [];
      const responses = [der('resp-good-issuer'), der('resp-good-delegated')];
      const staple = (ctx: OcspStapleContext) => {
        seen.push(ctx);
        return responses[seen.length - 1];
      };
      const first = run(v, { staple });
      const second = run(v, { staple });
      expect(seen.map((s) => s.serverName)).toEqual(['localhost', 'localhost']);
      expect(seen[0]!.chain).toEqual(GOOD.chain);
      expect(ocspOf(first.client)?.response).toEqual(responses[0]);
      expect(ocspOf(second.client)?.response).toEqual(responses[1]);
      const none = run(v, { staple: () => undefined });
      expect(ocspOf(none.client)).toMatchObject({ status: 'none', response: undefined });
    });

    it('a revoked leaf → certificate_revoked', () => {
      const log = run(v, { certificate: REVOKED, staple: der('resp-revoked') });
      expect(sentAlerts(log.client)).toEqual([AlertDescription.certificate_revoked]);
      expect(established(log.client)).toBe(false);
    });

    it('unknown: accepted under soft-fail, refused under must-staple', () => {
      const soft = run(v, { certificate: UNKNOWN, staple: der('resp-unknown'), trustAny: true });
      expect(ocspOf(soft.client)).toMatchObject({ status: 'unknown' });
      const hard = run(v, { certificate: UNKNOWN, staple: der('resp-unknown'), trustAny: true, policy: 'must-staple' });
      expect(sentAlerts(hard.client)).toEqual([AlertDescription.bad_certificate_status_response]);
    });

    const bad: [string, Options][] = [
      ['expired (after nextUpdate + 5 min skew)', { staple: der('resp-good-issuer'), now: TIMES.nextUpdate + 301e3 }],
      ['not yet valid (thisUpdate − 6 min)', { staple: der('resp-good-issuer'), now: TIMES.thisUpdate - 360e3 }],
      ['signed by a stranger (unknown-ca)', { staple: der('resp-wrongsigner') }],
      ['about another certificate', { staple: der('resp-revoked') }],
      ['not an OCSPResponse', { staple: new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x00]) }],
      ['garbage', { staple: new Uint8Array([1, 2, 3]) }],
    ];
    for (const [what, o] of bad) {
      it(`a stapled response ${what} → bad_certificate_status_response`, () => {
        const log = run(v, o);
        expect(sentAlerts(log.client)).toEqual([AlertDescription.bad_certificate_status_response]);
        expect(log.server.some((e) => e.kind === 'alert-received' && e.description === 113)).toBe(true);
      });
    }

    it('policy ignore: an unusable staple is reported unchecked and the handshake goes on', () => {
      const log = run(v, { staple: der('resp-wrongsigner'), policy: 'ignore' });
      expect(established(log.client)).toBe(true);
      expect(ocspOf(log.client)).toMatchObject({ status: 'unchecked', response: der('resp-wrongsigner') });
    });

    it('policy must-staple: no staple → bad_certificate_status_response, and it asks without requestOcsp', () => {
      const log = run(v, { policy: 'must-staple', request: false });
      expect(sentAlerts(log.client)).toEqual([AlertDescription.bad_certificate_status_response]);
      const ok = run(v, { policy: 'must-staple', request: false, staple: der('resp-good-issuer') });
      expect(ocspOf(ok.client)).toMatchObject({ status: 'good' });
    });
  });
}

describe('the TLS Feature must-staple (RFC 7633), a leaf made here by openssl', () => {
  let leaf: CertifiedKey;
  let response: Uint8Array;
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'must-staple-'));
    const f = (n: string) => join(dir, n);
    const ca = ['-CA', join(PKI, 'intermediate-ca.crt')];
    opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f('ms.key')]);
    opensslOk(['req', '-new', '-key', f('ms.key'), '-subj', '/O=Test PKI/CN=localhost', '-out', f('ms.csr')]);
    writeFileSync(
      f('ext.cnf'),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' +
        'subjectAltName=DNS:localhost\ntlsfeature=status_request\n',
    );
    opensslOk(
      ['x509', '-req', '-in', f('ms.csr'), ...ca, '-CAkey', join(PKI, 'intermediate-ca.key')].concat([
        '-set_serial',
        '0x4d5301',
        '-days',
        '30',
        '-extfile',
        f('ext.cnf'),
        '-out',
        f('ms.crt'),
      ]),
    );
    writeFileSync(f('index.txt'), 'V\t391231000000Z\t\t4D5301\tunknown\t/O=Test PKI/CN=localhost\n');
    opensslOk(
      ['ocsp', '-index', f('index.txt'), ...ca, '-rsigner', join(PKI, 'intermediate-ca.crt')].concat(
        ['-rkey', join(PKI, 'intermediate-ca.key'), '-issuer', join(PKI, 'intermediate-ca.crt'), '-cert', f('ms.crt')],
        ['-ndays', '1', '-respout', f('resp.der')],
      ),
    );
    leaf = {
      chain: [decodePem(readFileSync(f('ms.crt'), 'utf8'))[0]!.der, INTERMEDIATE],
      key: parsePrivateKey(readFileSync(f('ms.key'), 'utf8')),
    };
    response = new Uint8Array(readFileSync(f('resp.der')));
  });

  for (const v of VERSIONS) {
    it(`${v.version}: without a staple → bad_certificate_status_response under soft-fail; with one → good`, () => {
      const now = Date.now();
      const missing = run(v, { certificate: leaf, now });
      expect(sentAlerts(missing.client)).toEqual([AlertDescription.bad_certificate_status_response]);
      const stapled = run(v, { certificate: leaf, now, staple: response });
      expect(ocspOf(stapled.client)).toMatchObject({ status: 'good', mustStaple: true });
      // Not asking (requestOcsp false) the client cannot expect a staple: the feature is not enforced.
      const unasked = run(v, { certificate: leaf, now, request: false });
      expect(established(unasked.client)).toBe(true);
      const ignored = run(v, { certificate: leaf, now, policy: 'ignore' });
      expect(ocspOf(ignored.client)).toMatchObject({ status: 'none', mustStaple: true });
    });
  }
});

/** A CertificateStatus message (RFC 6066 §8) carrying `response`. */
const certificateStatus = (response: Uint8Array) =>
  encodeHandshake({ type: 'certificate_status', statusType: 1, response });

describe('a server that staples unasked', () => {
  it('TLS 1.2: CertificateStatus after a ServerHello without status_request → unexpected_message', () => {
    const hook = (m: HandshakeMessage, raw: Uint8Array) =>
      m.type === 'certificate' ? concat(raw, certificateStatus(der('resp-good-issuer'))) : undefined;
    const log = run(VERSIONS[1], { request: false, serverHook: hook });
    expect(sentAlerts(log.client)).toEqual([AlertDescription.unexpected_message]);
  });

  it('TLS 1.2: status_request in a ServerHello when not offered → unsupported_extension', () => {
    const hook = (m: HandshakeMessage): Uint8Array | undefined =>
      m.type === 'server_hello'
        ? encodeHandshake({ ...m, extensions: [...(m.extensions ?? []), { kind: 'status_request', form: 'empty' }] })
        : undefined;
    const log = run(VERSIONS[1], { request: false, serverHook: hook });
    expect(sentAlerts(log.client)).toEqual([AlertDescription.unsupported_extension]);
  });

  it('TLS 1.3: status_request in a CertificateEntry when not offered → unsupported_extension', () => {
    const hook = (m: HandshakeMessage): Uint8Array | undefined => {
      if (m.type !== 'certificate' || m.version !== 'tls13') return undefined;
      const status = { statusType: 1, response: der('resp-good-issuer') };
      const entries = m.entries.map((e, i) =>
        i === 0 ? { ...e, extensions: [{ kind: 'status_request' as const, form: 'response' as const, status }] } : e,
      );
      return encodeHandshake({ ...m, entries });
    };
    const log = run(VERSIONS[0], { request: false, serverHook: hook });
    expect(sentAlerts(log.client)).toEqual([AlertDescription.unsupported_extension]);
  });

  it('TLS 1.2: a CertificateStatus of status_type 2 (ocsp_multi, RFC 6961: no body defined in TLS 1.2) → illegal_parameter', () => {
    const w = new Writer();
    w.u8(22);
    w.u24(5);
    w.u8(2);
    w.u24(1);
    w.u8(0x30);
    const hook = (m: HandshakeMessage, raw: Uint8Array) =>
      m.type === 'certificate' ? concat(raw, w.finish()) : undefined;
    const log = run(VERSIONS[1], { staple: der('resp-good-issuer'), serverHook: hook });
    expect(sentAlerts(log.client)).toEqual([AlertDescription.illegal_parameter]);
  });
});

describe('the negotiating client (TLS 1.3 + 1.2 ClientHello)', () => {
  for (const v of VERSIONS) {
    it(`gets and verifies the staple of a ${v.version} server`, () => {
      const client = new NegotiatingClient({
        serverName: 'localhost',
        roots: ROOTS,
        now: () => NOW,
        requestOcsp: true,
      });
      const server = new v.Server({ certificate: GOOD, now: () => NOW, ocspResponse: der('resp-good-issuer') });
      const log = pump(client, server);
      expect(ocspOf(log.client)).toMatchObject({ status: 'good' });
    });
  }

  it('the negotiating server staples in either version', () => {
    for (const v of VERSIONS) {
      const config = { certificate: GOOD, now: () => NOW, ocspResponse: der('resp-good-issuer') };
      const server = new NegotiatingServer({ tls13: config, tls12: config });
      const client = new v.Client({ serverName: 'localhost', roots: ROOTS, now: () => NOW, requestOcsp: true });
      expect(ocspOf(pump(client, server).client)).toMatchObject({ status: 'good' });
    }
  });
});

describe('CertificateStatus decoder (RFC 6066 §8: status_type ocsp(1), OCSPResponse<1..2^24-1>)', () => {
  const ctx = { version: 'tls12', keyExchange: 'ecdhe' } as const;
  const cases: [string, number[], string, string, number][] = [
    ['an empty ocsp_response', [22, 0, 0, 4, 1, 0, 0, 0], 'length', 'Handshake.certificate_status.ocsp_response', 5],
    [
      'status_type ocsp_multi(2)',
      [22, 0, 0, 5, 2, 0, 0, 1, 0x30],
      'value',
      'Handshake.certificate_status.status_type',
      4,
    ],
    [
      'a response longer than the body',
      [22, 0, 0, 5, 1, 0, 0, 2, 0x30],
      'length',
      'Handshake.certificate_status.ocsp_response',
      8,
    ],
    ['a byte after the response', [22, 0, 0, 6, 1, 0, 0, 1, 0x30, 0], 'trailing', 'Handshake.certificate_status', 9],
    ['no status_type', [22, 0, 0, 0], 'truncated', 'Handshake.certificate_status.status_type', 4],
  ];
  for (const [what, bytes, reason, path, offset] of cases) {
    it(`${what} → DecodeError ${reason} at ${path} @${offset}`, () => {
      let error: unknown;
      try {
        decodeHandshake(new Uint8Array(bytes), ctx);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DecodeError);
      expect(error).toMatchObject({ reason, path, offset });
    });
  }
  it('a well-formed one decodes to the response bytes', () => {
    expect(decodeHandshake(new Uint8Array([22, 0, 0, 5, 1, 0, 0, 1, 0x30]), ctx)).toMatchObject({
      type: 'certificate_status',
      statusType: 1,
      response: new Uint8Array([0x30]),
    });
  });
});

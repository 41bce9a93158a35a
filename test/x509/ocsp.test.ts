/**
 * OCSP response verification (RFC 6960) against responses made by `openssl ocsp`: the committed ones of
 * test/pki/make-revocation.sh (issuer-signed, delegated, without certs, without nextUpdate, without nonce,
 * revoked, unknown, signed by a stranger), and live answers of an `openssl ocsp -index … -port` responder
 * run here (OpenSSL 3.0's `-port` takes only a number and listens on every interface; the requests go to
 * 127.0.0.1). Expected statuses and times are openssl's own (`-resp_text`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDescription } from '../../src/tls/enums.js';
import { type Certificate, parseCertificatesPem } from '../../src/x509/certificate.js';
import { parseCrl } from '../../src/x509/crl.js';
import { CertificateError } from '../../src/x509/errors.js';
import { OcspError, type OcspErrorCode, verifyOcspResponse } from '../../src/x509/ocsp.js';
import { opensslOk, PKI, pki } from './helpers.js';

const cert = (name: string): Certificate => parseCertificatesPem(pki(name))[0]!;
const der = (name: string): Uint8Array => new Uint8Array(readFileSync(join(PKI, 'ocsp', `${name}.der`)));
const issuer = cert('intermediate-ca.crt');
const good = cert('server-ecdsa.crt');
const revoked = cert('ocsp/revoked.crt');
const unknown = cert('bad-wrongeku.crt');

/** openssl's reading of a response: thisUpdate / nextUpdate as ms, and the status line. */
function opensslView(bytes: Uint8Array): { thisUpdate: number; nextUpdate?: number; status: string; text: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'ocsp-')), 'resp.der');
  writeFileSync(file, bytes);
  const text = opensslOk(['ocsp', '-respin', file, '-resp_text', '-noverify']);
  const at = (label: string) => {
    const m = new RegExp(`${label}: (.+)`).exec(text);
    return m ? Date.parse(m[1]!.trim()) : undefined;
  };
  return {
    thisUpdate: at('This Update')!,
    nextUpdate: at('Next Update'),
    status: /Cert Status: (\w+)/.exec(text)![1]!,
    text,
  };
}

/** The nonce of an OCSP request (the contents of its OCTET STRING). */
function requestNonce(req: Uint8Array): Uint8Array {
  const r = pkijs.OCSPRequest.fromBER(req);
  const ext = r.tbsRequest.requestExtensions!.find((e) => e.extnID === '1.3.6.1.5.5.7.48.1.2')!;
  return (asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result as asn1js.OctetString).valueBlock.valueHexView;
}

function refused(fn: () => unknown, code: OcspErrorCode): OcspError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OcspError);
    expect((e as OcspError).code).toBe(code);
    expect((e as OcspError).alert).toBe(AlertDescription.bad_certificate_status_response);
    return e as OcspError;
  }
  throw new Error(`expected OcspError ${code}`);
}

describe('committed openssl ocsp responses', () => {
  const view = opensslView(der('resp-good-issuer'));
  const now = view.thisUpdate + 3600e3;

  it('good, signed by the issuer, with the nonce', () => {
    const s = verifyOcspResponse(der('resp-good-issuer'), good, issuer, { now, nonce: requestNonce(der('req-good')) });
    expect(s.status).toBe('good');
    expect(view.status).toBe('good');
    expect(s.thisUpdate).toBe(view.thisUpdate);
    expect(s.nextUpdate).toBe(view.nextUpdate);
    expect(s.delegated).toBe(false);
    expect(s.signer).toBe(issuer);
  });

  it('good, signed by a delegated responder carried in the response', () => {
    const s = verifyOcspResponse(der('resp-good-delegated'), good, issuer, { now });
    expect(s.status).toBe('good');
    expect(s.delegated).toBe(true);
    expect(s.signer.subject.text).toBe('CN=Test OCSP Responder,O=Test PKI');
  });

  it('a delegated response without certs needs the responder certificate', () => {
    refused(() => verifyOcspResponse(der('resp-good-nocerts'), good, issuer, { now }), 'unauthorized-signer');
    const responder = cert('ocsp/responder.crt');
    const s = verifyOcspResponse(der('resp-good-nocerts'), good, issuer, { now, responderCertificates: [responder] });
    expect(s.status).toBe('good');
  });

  it('revoked, with time and reason as openssl reads them', () => {
    const bytes = der('resp-revoked');
    const v = opensslView(bytes);
    const s = verifyOcspResponse(bytes, revoked, issuer, { now });
    expect(v.status).toBe('revoked');
    expect(s.status).toBe('revoked');
    if (s.status !== 'revoked') return;
    expect(s.reason).toBe(/Revocation Reason: (\w+)/.exec(v.text)![1]);
    expect(s.revocationTime).toBe(Date.parse(/Revocation Time: (.+)/.exec(v.text)![1]!));
  });

  it('unknown', () => {
    expect(opensslView(der('resp-unknown')).status).toBe('unknown');
    expect(verifyOcspResponse(der('resp-unknown'), unknown, issuer, { now }).status).toBe('unknown');
  });

  it('refuses a response signed by a stranger', () => {
    refused(() => verifyOcspResponse(der('resp-wrongsigner'), good, issuer, { now }), 'unauthorized-signer');
  });

  it('refuses a response with a tampered signature', () => {
    // One digit of producedAt (inside tbsResponseData) changed: still a valid time, no longer signed.
    const bytes = der('resp-good-issuer').slice();
    const at = Buffer.from(bytes).indexOf('Z', Buffer.from(bytes).indexOf('2026')) - 1;
    bytes[at]! ^= 1;
    refused(() => verifyOcspResponse(bytes, good, issuer, { now }), 'bad-signature');
  });

  it('refuses a response about another certificate', () => {
    refused(() => verifyOcspResponse(der('resp-good-issuer'), revoked, issuer, { now }), 'wrong-certificate');
  });

  it('checks thisUpdate / nextUpdate against the injected clock, with 5 minutes of skew', () => {
    const bytes = der('resp-good-issuer');
    const next = view.nextUpdate!;
    expect(verifyOcspResponse(bytes, good, issuer, { now: next + 4 * 60e3 }).status).toBe('good');
    refused(() => verifyOcspResponse(bytes, good, issuer, { now: next + 6 * 60e3 }), 'expired');
    expect(verifyOcspResponse(bytes, good, issuer, { now: view.thisUpdate - 4 * 60e3 }).status).toBe('good');
    refused(() => verifyOcspResponse(bytes, good, issuer, { now: view.thisUpdate - 6 * 60e3 }), 'not-yet-valid');
  });

  it('a response without nextUpdate is good for maxAgeMs (default 7 days)', () => {
    const bytes = der('resp-good-nonextupdate');
    const v = opensslView(bytes);
    expect(v.nextUpdate).toBeUndefined();
    expect(verifyOcspResponse(bytes, good, issuer, { now: v.thisUpdate + 6 * 86400e3 }).nextUpdate).toBeUndefined();
    refused(() => verifyOcspResponse(bytes, good, issuer, { now: v.thisUpdate + 8 * 86400e3 }), 'expired');
    refused(() => verifyOcspResponse(bytes, good, issuer, { now: v.thisUpdate + 3600e3, maxAgeMs: 60e3 }), 'expired');
  });

  it('checks the nonce', () => {
    const nonce = requestNonce(der('req-good'));
    refused(() => verifyOcspResponse(der('resp-good-nononce'), good, issuer, { now, nonce }), 'nonce-mismatch');
    const other = nonce.slice();
    other[0]! ^= 1;
    refused(() => verifyOcspResponse(der('resp-good-issuer'), good, issuer, { now, nonce: other }), 'nonce-mismatch');
  });

  it('refuses malformed input and unsuccessful answers', () => {
    refused(() => verifyOcspResponse(new Uint8Array([0x30, 0x03, 0x0a, 0x01]), good, issuer, { now }), 'malformed');
    refused(() => verifyOcspResponse(der('resp-good-issuer').subarray(0, 100), good, issuer, { now }), 'malformed');
    // OCSPResponse { responseStatus tryLater(3) } as the responder sends it.
    const e = refused(
      () => verifyOcspResponse(new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x03]), good, issuer, { now }),
      'unsuccessful',
    );
    expect(e.reason).toContain('tryLater');
  });

  it('refuses an extra element after the last field of OCSPResponse and of BasicOCSPResponse (RFC 6960 §4.2.1)', () => {
    const withExtra = (node: asn1js.Sequence) => {
      node.valueBlock.value.push(new asn1js.Null());
      return node;
    };
    const outer = asn1js.fromBER(der('resp-good-issuer')).result as asn1js.Sequence;
    const extraOuter = new Uint8Array(withExtra(outer).toBER());
    refused(() => verifyOcspResponse(extraOuter, good, issuer, { now }), 'malformed');

    const response = asn1js.fromBER(der('resp-good-issuer')).result as asn1js.Sequence;
    const bytes = (response.valueBlock.value[1] as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence;
    const octets = bytes.valueBlock.value[1] as asn1js.OctetString;
    const basic = asn1js.fromBER(octets.valueBlock.valueHexView).result as asn1js.Sequence;
    bytes.valueBlock.value[1] = new asn1js.OctetString({ valueHex: withExtra(basic).toBER() });
    const e = refused(() => verifyOcspResponse(new Uint8Array(response.toBER()), good, issuer, { now }), 'malformed');
    expect(e.reason).toContain('expected at most 4');
  });
});

describe('a running openssl ocsp responder', () => {
  let responder: ChildProcess | undefined;
  let port = 0;

  beforeAll(async () => {
    port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const args = ['ocsp', '-index', 'ocsp/index.txt', '-port', `${port}`, '-CA', 'intermediate-ca.crt'];
    args.push('-rsigner', 'ocsp/responder.crt', '-rkey', 'ocsp/responder.key', '-nmin', '10');
    responder = spawn('openssl', args, { cwd: PKI, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      responder!.on('error', reject);
      responder!.stderr!.on('data', (d: Buffer) => {
        if (/waiting for OCSP client/.test(d.toString())) resolve();
      });
      setTimeout(resolve, 1500);
    });
  });
  afterAll(() => {
    responder?.kill();
  });

  /** A fresh request (with a random nonce) made by openssl for `leaf`. */
  function readRequest(leaf: string): Uint8Array {
    const out = join(mkdtempSync(join(tmpdir(), 'ocsp-')), 'req.der');
    opensslOk(['ocsp', '-issuer', join(PKI, 'intermediate-ca.crt'), '-cert', join(PKI, leaf), '-reqout', out]);
    return new Uint8Array(readFileSync(out));
  }

  async function ask(leaf: string): Promise<{ bytes: Uint8Array; nonce: Uint8Array }> {
    const reqDer = readRequest(leaf);
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body: reqDer,
    });
    return { bytes: new Uint8Array(await res.arrayBuffer()), nonce: requestNonce(reqDer) };
  }

  it.each([
    ['server-ecdsa.crt', 'good'],
    ['ocsp/revoked.crt', 'revoked'],
    ['bad-wrongeku.crt', 'unknown'],
  ])('%s is %s', async (leaf, expected) => {
    const { bytes, nonce } = await ask(leaf);
    expect(opensslView(bytes).status).toBe(expected);
    const s = verifyOcspResponse(bytes, cert(leaf), issuer, { nonce });
    expect(s.status).toBe(expected);
    expect(s.delegated).toBe(true);
  });
});

describe('hostile input', () => {
  const now = opensslView(der('resp-good-issuer')).thisUpdate + 60e3;

  it('random corruptions of a response and of a CRL raise only typed errors', () => {
    const resp = der('resp-good-issuer');
    fc.assert(
      fc.property(fc.nat(resp.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const copy = resp.slice();
        copy[i]! ^= x;
        try {
          verifyOcspResponse(copy, good, issuer, { now });
        } catch (e) {
          expect(e).toBeInstanceOf(OcspError);
        }
      }),
      { numRuns: 500 },
    );
    const crl = new Uint8Array(readFileSync(join(PKI, 'crl/intermediate-ca.crl.der')));
    fc.assert(
      fc.property(fc.nat(crl.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const copy = crl.slice();
        copy[i]! ^= x;
        try {
          parseCrl(copy);
        } catch (e) {
          expect(e).toBeInstanceOf(CertificateError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * OCSP stapling in the CLI (RFC 6066 §8, RFC 8446 §4.4.2.1): `tlswire serve --ocsp FILE` stapling to
 * `openssl s_client -status` (both versions; s_client's own report asserted), the file read again when it
 * changes; `tlswire connect --status [--json]` against `openssl s_server -status_file`: the status line and
 * the JSON `ocsp` object (openssl's times), certificate_revoked for a revoked leaf, and
 * bad_certificate_status_response under `--ocsp-policy must-staple` when nothing is stapled. The responses
 * are made here by `openssl ocsp -index` for the test PKI (current times: the CLI uses the real clock).
 */
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll, opensslServer, pki, SKIP_OPENSSL, startPeer } from '../node/peers.js';
import { opensslOk } from '../x509/helpers.js';
import { connectArgs, runConnect, serveCertificate, startServe, stopServes } from './run.js';

afterEach(() => {
  stopServes();
  killAll();
});

const dir = mkdtempSync(join(tmpdir(), 'tlswire-ocsp-'));
const file = (name: string) => join(dir, name);

/** `openssl ocsp -index` answering for `leaf`, signed by `signer` (intermediate-ca or the delegated responder). */
function makeResponse(leaf: string, signer: 'intermediate-ca' | 'ocsp/responder', out: string): string {
  opensslOk([
    'ocsp',
    '-index',
    pki('ocsp/index.txt'),
    '-CA',
    pki('intermediate-ca.crt'),
    '-rsigner',
    pki(`${signer}.crt`),
    '-rkey',
    pki(`${signer}.key`),
    '-issuer',
    pki('intermediate-ca.crt'),
    '-cert',
    pki(leaf),
    '-ndays',
    '1',
    '-respout',
    file(out),
  ]);
  return file(out);
}

/** openssl's This Update / Next Update of a response, as ISO 8601. */
function times(path: string): { thisUpdate: string; nextUpdate: string } {
  const text = opensslOk(['ocsp', '-respin', path, '-resp_text', '-noverify']);
  const at = (label: string) => new Date(Date.parse(new RegExp(`${label}: (.+)`).exec(text)![1]!.trim())).toISOString();
  return { thisUpdate: at('This Update'), nextUpdate: at('Next Update') };
}

describe.skipIf(SKIP_OPENSSL)('tlswire serve --ocsp and connect --status', () => {
  beforeAll(() => {
    makeResponse('server-ecdsa.crt', 'intermediate-ca', 'good.der');
    makeResponse('server-ecdsa.crt', 'ocsp/responder', 'good-delegated.der');
    makeResponse('ocsp/revoked.crt', 'ocsp/responder', 'revoked.der');
  });

  for (const [version, flag] of [
    ['TLSv1.3', '-tls1_3'],
    ['TLSv1.2', '-tls1_2'],
  ] as const) {
    it(`${version}: serve --ocsp staples to openssl s_client -status`, async () => {
      const serve = await startServe([...serveCertificate('server-ecdsa'), '--ocsp', file('good.der'), '--www']);
      const args = ['s_client', '-connect', `127.0.0.1:${serve.port}`, '-servername', 'localhost', flag, '-status'];
      const client = startPeer('openssl', args);
      await client.exited();
      expect(client.output()).toContain('OCSP Response Status: successful (0x0)');
      expect(client.output()).toContain('Cert Status: good');
      expect(client.output()).toContain(
        `This Update: ${opensslOk(['ocsp', '-respin', file('good.der'), '-resp_text', '-noverify']).match(/This Update: (.+)/)![1]}`,
      );
    });

    it(`${version}: connect --status --json against s_server -status_file`, async () => {
      const server = await opensslServer('server-ecdsa', ['-status_file', file('good.der'), '-www'], flag);
      const r = await runConnect(connectArgs(server.port, '--status', '--json'), 'GET / HTTP/1.0\r\n\r\n');
      expect(r.code).toBe(0);
      const ocsp = (r.json[0] as unknown as { ocsp: unknown }).ocsp;
      const bytes = readFileSync(file('good.der')).length;
      expect(ocsp).toEqual({ status: 'good', mustStaple: false, bytes, signer: 'issuer', ...times(file('good.der')) });
      const text = await runConnect(connectArgs(server.port, '--status'), 'GET / HTTP/1.0\r\n\r\n');
      const t = times(file('good.der'));
      expect(text.stderr).toContain(
        `OCSP: good (stapled, signed by the issuer, this update ${t.thisUpdate}, next update ${t.nextUpdate})`,
      );
    });

    it(`${version}: a revoked staple → exit 1, certificate_revoked`, async () => {
      const args = ['-cert_chain', pki('intermediate-ca.crt'), '-status_file', file('revoked.der'), '-www'];
      const server = await opensslServer('ocsp/revoked', args, flag);
      const r = await runConnect(connectArgs(server.port, '--status', '--json'));
      expect(r.code).toBe(1);
      expect(r.json[0]!.error).toMatchObject({ alert: 'certificate_revoked', alertDirection: 'sent' });
      expect(r.json[0]!.error!.reason).toContain('keyCompromise');
    });

    it(`${version}: --ocsp-policy must-staple without a staple → bad_certificate_status_response`, async () => {
      const server = await opensslServer('server-ecdsa', ['-www'], flag);
      const r = await runConnect(connectArgs(server.port, '--ocsp-policy', 'must-staple', '--json'));
      expect(r.code).toBe(1);
      expect(r.json[0]!.error).toMatchObject({ alert: 'bad_certificate_status_response', alertDirection: 'sent' });
      const soft = await runConnect(connectArgs(server.port, '--status'), 'GET / HTTP/1.0\r\n\r\n');
      expect(soft.code).toBe(0);
      expect(soft.stderr).toContain('OCSP: no response stapled');
    });
  }

  it('serve reads --ocsp again when the file changes', async () => {
    const staple = file('refreshed.der');
    writeFileSync(staple, readFileSync(file('good.der')));
    const serve = await startServe([...serveCertificate('server-ecdsa'), '--ocsp', staple, '--www']);
    const signer = async () => {
      const r = await runConnect(connectArgs(serve.port, '--status', '--json'), 'GET / HTTP/1.0\r\n\r\n');
      return (r.json[0] as unknown as { ocsp: { signer: string } }).ocsp.signer;
    };
    expect(await signer()).toBe('issuer');
    writeFileSync(staple, readFileSync(file('good-delegated.der')));
    const later = new Date(Date.now() + 5000);
    utimesSync(staple, later, later);
    expect(await signer()).toBe('delegated responder');
  });

  it('usage errors: --ocsp with a PEM file, --ocsp-policy unknown', async () => {
    const pem = file('resp.pem');
    writeFileSync(pem, '-----BEGIN OCSP RESPONSE-----\n');
    const serve = await runServeOnce([...serveCertificate('server-ecdsa'), '--ocsp', pem]);
    expect(serve).toContain(`tlswire serve: --ocsp ${pem}: not a DER OCSP response (openssl ocsp -respout writes one)`);
    const r = await runConnect(connectArgs(1, '--ocsp-policy', 'sometimes'));
    expect(r.code).toBe(2);
    expect(r.stderr.join('\n')).toContain('--ocsp-policy: expected soft-fail, must-staple or ignore, got "sometimes"');
  });
});

/** `tlswire serve` that fails at startup: its stderr. */
async function runServeOnce(args: string[]): Promise<string> {
  const { main } = await import('../../src/cli/main.js');
  const err: string[] = [];
  const code = await main(['serve', '--port', '0', ...args], {
    out: () => undefined,
    err: (l: string) => err.push(l),
    data: () => undefined,
  } as unknown as Parameters<typeof main>[1]);
  expect(code).toBe(1);
  return err.join('\n');
}

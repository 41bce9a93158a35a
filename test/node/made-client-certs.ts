/**
 * Client certificates made at test time with openssl, as test/pki/make-pki.sh makes its
 * certificates (an `openssl ca` database, the client profile with EKU clientAuth, explicit dates):
 * `unknown`, issued by the untrusted unknown-ca, and `expired` (2020-2021), issued by the test
 * intermediate. Shared by the client-certificate tests of certificates.test.ts and
 * client-certificates-openssl.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pki, readPki } from './peers.js';

export type MadeName = 'unknown' | 'expired';

/** A made client certificate: PEM chain (leaf, then its intermediate if any) and key, and their files. */
export interface MadeCertificate {
  chain: string;
  key: string;
  /** The leaf alone. */
  certFile: string;
  keyFile: string;
}

/** Make both certificates in a new temporary directory; `remove()` deletes it. */
export function makeClientCertificates(): Record<MadeName, MadeCertificate> & { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tlswire-client-certs-'));
  const openssl = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  // As make-pki.sh: an `openssl ca` database, the client profile (EKU clientAuth), explicit dates.
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ ca ]',
      'default_ca = test',
      '[ test ]',
      `database = ${join(dir, 'index.txt')}`,
      `new_certs_dir = ${dir}`,
      `serial = ${join(dir, 'serial')}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[ any ]',
      'organizationName = supplied',
      'commonName = supplied',
      '[ v3_client ]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature',
      'extendedKeyUsage = clientAuth',
      '',
    ].join('\n'),
  );
  const issue = (name: MadeName, ca: string, dates: string[]): MadeCertificate => {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/O=Test PKI/CN=${name}-client`, '-out', `${name}.csr`]);
    openssl([
      'ca',
      '-batch',
      '-notext',
      '-config',
      'ca.cnf',
      '-cert',
      pki(`${ca}.crt`),
      '-keyfile',
      pki(`${ca}.key`),
      '-extensions',
      'v3_client',
      ...dates,
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.crt`,
    ]);
    return {
      chain: readFileSync(join(dir, `${name}.crt`), 'utf8') + (ca === 'intermediate-ca' ? readPki(`${ca}.crt`) : ''),
      key: readFileSync(join(dir, `${name}.key`), 'utf8'),
      certFile: join(dir, `${name}.crt`),
      keyFile: join(dir, `${name}.key`),
    };
  };
  return {
    dir,
    unknown: issue('unknown', 'unknown-ca', ['-days', '30']),
    expired: issue('expired', 'intermediate-ca', ['-startdate', '20200101000000Z', '-enddate', '20210101000000Z']),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

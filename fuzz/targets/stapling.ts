/**
 * The stapled-OCSP target (RFC 6066 §8 CertificateStatus, RFC 6960 OCSPResponse): mutated CertificateStatus
 * messages made from the `openssl ocsp` responses of the test PKI (test/pki/make-revocation.sh), decoded
 * as TLS 1.2 handshake messages and, when they decode, checked by the client's staple check
 * (src/handshake/stapling.ts `checkStaple`, soft-fail, against server-ecdsa's chain). Invariant: only the
 * library's typed errors, and a refused staple names bad_certificate_status_response (113) or
 * certificate_revoked (44), nothing else.
 */
import { DecodeError } from '../../src/bytes/errors.js';
import { checkStaple } from '../../src/handshake/stapling.js';
import { AlertDescription } from '../../src/tls/enums.js';
import { TlsAlertError } from '../../src/tls/errors.js';
import { decodeHandshake, encodeHandshake } from '../../src/tls/messages/handshake.js';
import { decodePem } from '../../src/x509/pem.js';
import { readRepoFile } from '../corpus.js';
import { FuzzProvider } from '../provider.js';
import { InvariantViolation, type Target } from '../target.js';

const RESPONSES = [
  'resp-good-issuer',
  'resp-good-delegated',
  'resp-good-nocerts',
  'resp-good-nonextupdate',
  'resp-revoked',
  'resp-unknown',
  'resp-wrongsigner',
];
const pem = (name: string) => decodePem(new TextDecoder().decode(readRepoFile(`test/pki/out/${name}`)));
const PROVIDER = new FuzzProvider();
/** Inside the committed responses' thisUpdate..nextUpdate (made 2026-12-06 with -ndays 7). */
const TIME = Date.UTC(2026, 11, 7);
let chain: Uint8Array[] | undefined;

const ALLOWED = new Set<number>([
  AlertDescription.bad_certificate_status_response,
  AlertDescription.certificate_revoked,
]);

export const STAPLING_TARGET: Target = {
  name: 'ocsp-staple',
  description:
    'CertificateStatus messages (openssl ocsp responses of the test PKI, mutated) decoded, then checked by the client staple check (soft-fail)',
  corpus: () =>
    RESPONSES.map((name) => [
      encodeHandshake({
        type: 'certificate_status',
        statusType: 1,
        response: readRepoFile(`test/pki/out/ocsp/${name}.der`),
      }),
    ]),
  run: ([raw]) => {
    chain ??= [pem('server-ecdsa.crt')[0]!.der, pem('intermediate-ca.crt')[0]!.der];
    let message: ReturnType<typeof decodeHandshake>;
    try {
      message = decodeHandshake(raw!, { version: 'tls12', keyExchange: 'ecdhe' });
    } catch (e) {
      if (e instanceof DecodeError) return;
      throw e;
    }
    if (message.type !== 'certificate_status') return;
    try {
      checkStaple({
        policy: 'soft-fail',
        chain,
        response: message.response,
        now: TIME,
        provider: PROVIDER,
        sources: {},
      });
    } catch (e) {
      if (!(e instanceof TlsAlertError)) throw e;
      if (!ALLOWED.has(e.alert)) throw new InvariantViolation(`a refused staple with alert ${e.alert}`);
    }
  },
};

/**
 * The server's certificate choice, shared by both versions (src/handshake/policy.ts): among several
 * configured certificates, the first whose key can sign with a scheme the client accepts
 * (signature_algorithms, RFC 8446 §4.2.3; for TLS 1.2 also a suite that fits, RFC 5246 §7.4.2) and
 * whose chain is signed with schemes it accepts in certificates (signature_algorithms_cert); a
 * selector function is told the SNI and both lists (RFC 6066 §3).
 */
import { describe, expect, it } from 'vitest';
import { TlsClient } from '../../src/handshake/client.js';
import type { CertificateRequestInfo } from '../../src/handshake/policy.js';
import { TlsServer } from '../../src/handshake/server.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import type { AnyTlsEvent, CertifiedKey } from '../../src/handshake/types.js';
import { CipherSuite, SignatureScheme } from '../../src/tls/enums.js';
import type { ClientHello } from '../../src/tls/messages/hello.js';
import { certified } from './memory.js';

const ECDSA = certified('server-ecdsa'); // P-256 key, chain signed with ecdsa-with-SHA256
const RSA = certified('server-rsa'); // RSA key, chain signed with sha256WithRSAEncryption

interface Side {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}

function deliver(events: AnyTlsEvent[], to: Side, back: Side): void {
  for (const e of events) if (e.kind === 'send') deliver(to.handle(e.bytes), back, to);
}

/** The chain the server sent in its Certificate message, as DER. */
function sentChain(events: AnyTlsEvent[]): Uint8Array[] {
  for (const e of events) {
    if (e.kind !== 'handshake-message' || e.direction !== 'sent' || e.message.type !== 'certificate') continue;
    return e.message.version === 'tls13' ? e.message.entries.map((x) => x.data) : e.message.certificates;
  }
  throw new Error('no Certificate sent');
}

/** Run a handshake and return every event of the server. */
function serverEvents(client: { start(): AnyTlsEvent[] } & Side, server: Side): AnyTlsEvent[] {
  const seen: AnyTlsEvent[] = [];
  const watched: Side = {
    handle: (bytes) => {
      const events = server.handle(bytes);
      seen.push(...events);
      return events;
    },
  };
  deliver(client.start(), watched, client);
  return seen;
}

const withCertSchemes =
  (schemes: number[]) =>
  (hello: ClientHello): ClientHello => ({
    ...hello,
    extensions: [...(hello.extensions ?? []), { kind: 'signature_algorithms_cert', schemes }],
  });

const accept = () => undefined;

describe('TLS 1.3: the first configured certificate the client can verify', () => {
  const server = () => new TlsServer({ certificate: [ECDSA, RSA] });

  it('an ECDSA-capable client gets the first (ECDSA) certificate', () => {
    const client = new TlsClient({ serverName: 'localhost', verifyServer: accept });
    expect(sentChain(serverEvents(client, server()))).toEqual(ECDSA.chain);
  });

  it('a client accepting only RSA-PSS signatures gets the RSA certificate', () => {
    const client = new TlsClient({
      serverName: 'localhost',
      verifyServer: accept,
      signatureSchemes: [SignatureScheme.rsa_pss_rsae_sha256],
    });
    expect(sentChain(serverEvents(client, server()))).toEqual(RSA.chain);
  });

  it('signature_algorithms_cert decides between certificates whose keys both fit', () => {
    const both = [SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.rsa_pss_rsae_sha256];
    const make = (certSchemes: number[]) =>
      new TlsClient({
        serverName: 'localhost',
        verifyServer: accept,
        signatureSchemes: both,
        editClientHello: withCertSchemes(certSchemes),
      });
    const rsaFirst = () => new TlsServer({ certificate: [RSA, ECDSA] });
    expect(sentChain(serverEvents(make([SignatureScheme.ecdsa_secp256r1_sha256]), rsaFirst()))).toEqual(ECDSA.chain);
    expect(sentChain(serverEvents(make([SignatureScheme.rsa_pkcs1_sha256]), rsaFirst()))).toEqual(RSA.chain);
  });

  it('a selector is told the SNI, signature_algorithms and signature_algorithms_cert', () => {
    const asked: CertificateRequestInfo[] = [];
    const select = (name: string | undefined, info: CertificateRequestInfo): CertifiedKey => {
      asked.push({ ...info, serverName: name });
      return ECDSA;
    };
    const client = new TlsClient({
      serverName: 'example.test',
      verifyServer: accept,
      signatureSchemes: [SignatureScheme.ecdsa_secp256r1_sha256],
      editClientHello: withCertSchemes([SignatureScheme.ed25519]),
    });
    serverEvents(client, new TlsServer({ certificate: select }));
    expect(asked).toEqual([
      {
        serverName: 'example.test',
        signatureSchemes: [SignatureScheme.ecdsa_secp256r1_sha256],
        certificateSchemes: [SignatureScheme.ed25519],
      },
    ]);
  });
});

describe('TLS 1.2: the first configured certificate that fits a common suite', () => {
  it('a client offering only ECDHE_RSA suites gets the RSA certificate; ECDHE_ECDSA the ECDSA one', () => {
    const server = () => new Tls12Server({ certificate: [ECDSA, RSA] });
    const client = (suite: number) =>
      new Tls12Client({ serverName: 'localhost', verifyServer: accept, cipherSuites: [suite] });
    expect(sentChain(serverEvents(client(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), server()))).toEqual(
      RSA.chain,
    );
    expect(sentChain(serverEvents(client(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), server()))).toEqual(
      ECDSA.chain,
    );
  });
});

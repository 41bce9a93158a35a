/**
 * Connection summaries and failure diagnosis on real captures: vectors/diagnosis/ (openssl, gnutls,
 * a plain TCP server and an HTTP server, each configured to fail one way; see its README) and the
 * successful sessions of vectors/decrypt/. Exact stage, alert, sender and reason are asserted.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePacket, readCapture } from '../../src/capture/decode.js';
import { trackConnections } from '../../src/capture/flow.js';
import { analyzeTcp } from '../../src/capture/tcp-analysis.js';
import { analyzeTls } from '../../src/decrypt/analyze.js';
import { KeyLog } from '../../src/decrypt/keylog.js';
import { type ConnectionStory, connectionStory, storyLines } from '../../src/decrypt/story.js';
import { defaultNodeProvider } from '../../src/node/crypto-provider.js';

const VECTORS = new URL('../../vectors/', import.meta.url).pathname;

function stories(file: string, keylog?: string): ConnectionStory[] {
  const packets = [...readCapture(readFileSync(VECTORS + file))].map(decodePacket);
  const analysis = new Map(analyzeTcp(packets).map((a) => [a.frame, a]));
  const options = keylog
    ? { keyLog: new KeyLog().addText(readFileSync(VECTORS + keylog, 'utf8'), keylog), provider: defaultNodeProvider() }
    : {};
  return trackConnections(packets).map((c) => connectionStory(c, analyzeTls(c, options), analysis));
}

const CHAIN = 'CN=localhost,O=Test PKI ← CN=localhost,O=Test PKI ← CN=Test Intermediate CA RSA,O=Test PKI';

describe('diagnosis of failed connections (vectors/diagnosis/)', () => {
  it.each([
    [
      'no-common-cipher',
      {
        stage: 'negotiation',
        alert: 40,
        alertName: 'handshake_failure',
        alertLevel: 'fatal',
        from: 'server',
        frame: 6,
        reason:
          'server answered the ClientHello with fatal handshake_failure: the client offered only NULL and anonymous suites (TLS_DH_anon_WITH_AES_256_GCM_SHA384, TLS_DH_anon_WITH_AES_128_GCM_SHA256, TLS_DH_anon_WITH_AES_256_CBC_SHA256, TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256, TLS_DH_anon_WITH_AES_128_CBC_SHA256, TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256, TLS_ECDH_anon_WITH_AES_256_CBC_SHA, TLS_DH_anon_WITH_AES_256_CBC_SHA, TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA, TLS_ECDH_anon_WITH_AES_128_CBC_SHA, TLS_DH_anon_WITH_AES_128_CBC_SHA, TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA, TLS_ECDH_anon_WITH_NULL_SHA, TLS_ECDHE_ECDSA_WITH_NULL_SHA, TLS_ECDHE_RSA_WITH_NULL_SHA, TLS_RSA_WITH_NULL_SHA256, TLS_RSA_WITH_NULL_SHA, TLS_RSA_WITH_NULL_MD5)',
        hint: 'they give no encryption or no authentication; offer authenticated, encrypting suites',
      },
    ],
    [
      'no-common-version',
      {
        stage: 'negotiation',
        alert: 70,
        alertName: 'protocol_version',
        alertLevel: 'fatal',
        from: 'server',
        frame: 6,
        reason:
          'server answered the ClientHello with fatal protocol_version: no common version: client offered TLS 1.0 at most',
        hint: 'TLS 1.0 and 1.1 are deprecated (RFC 8996); enable TLS 1.2 or 1.3 on the client',
      },
    ],
    [
      'unknown-ca',
      {
        stage: 'authentication',
        alert: 48,
        alertName: 'unknown_ca',
        alertLevel: 'fatal',
        from: 'client',
        frame: 8,
        reason: `client sent fatal unknown_ca: the client does not trust the issuer of the server's chain (${CHAIN})`,
        hint: 'the client lacks the root of this chain, or the server does not send the intermediates',
      },
    ],
    [
      'wrong-sni',
      {
        stage: 'negotiation',
        alert: 112,
        alertName: 'unrecognized_name',
        alertLevel: 'fatal',
        from: 'server',
        frame: 6,
        reason:
          'server answered the ClientHello with fatal unrecognized_name: it does not serve the name the client asked for (SNI wrong.example)',
      },
    ],
    [
      'wrong-name',
      {
        stage: 'authentication',
        alert: 42,
        alertName: 'bad_certificate',
        alertLevel: 'fatal',
        from: 'client',
        frame: 8,
        reason:
          "client sent fatal bad_certificate: the client rejected the server's certificate (CN=localhost,O=Test PKI)",
        hint: "check the name the client asked for (SNI wrong.example) against the certificate's names (DNS:localhost, IP:127.0.0.1, IP:::1), and the chain",
      },
    ],
    [
      'rst-after-hello',
      {
        stage: 'negotiation',
        from: 'server',
        frame: 6,
        reason: 'server sent RST right after the ClientHello: a middlebox or a non-TLS service',
        hint: 'check for a firewall or proxy that rejects TLS, and that a TLS server listens on this port',
      },
    ],
    [
      'plaintext-http',
      {
        stage: 'negotiation',
        from: 'server',
        frame: 6,
        reason:
          'the server answered the ClientHello in plaintext HTTP ("HTTP/1.1 400 Bad Request"): it does not speak TLS on port 47307',
        hint: 'is this the TLS port?',
      },
    ],
    [
      'refused',
      {
        stage: 'TCP connect',
        from: 'server',
        reason:
          'connection refused: the server answered the SYN with RST (nothing listens on port 47308, or a firewall rejects it)',
        hint: 'check the address and port, and that the server is running',
      },
    ],
  ])('%s', (name, failure) => {
    const [s, ...rest] = stories(`diagnosis/${name}.pcap`);
    expect(rest).toEqual([]);
    expect(s!.failure).toEqual(failure);
    expect(storyLines(s!)).toContain(
      `  FAILED    ${failure.stage}: ${failure.reason}${'frame' in failure ? ` (frame ${failure.frame})` : ''}`,
    );
  });

  it('SYN never answered (3 retransmissions)', () => {
    const [s] = stories('diagnosis/syn-unanswered.pcap');
    expect(s!.tcp).toMatchObject({ synSeen: true, synAnswer: 'none', synCount: 4, analysis: { retransmission: 3 } });
    expect(s!.failure).toEqual({
      stage: 'TCP connect',
      reason:
        "the SYN was never answered (4 SYNs sent): the server is down or unreachable, a firewall drops the SYN, or the capture misses the server's side",
    });
  });

  it('TLS 1.3 unknown CA: OpenSSL sends the alert in the clear (no handshake keys yet); the chain is encrypted', () => {
    const [s] = stories('diagnosis/unknown-ca-tls13.pcap');
    expect(s!.failure).toMatchObject({
      stage: 'authentication',
      alertName: 'unknown_ca',
      from: 'client',
      frame: 8,
      reason:
        "client sent fatal unknown_ca: the client does not trust the issuer of the server's chain (encrypted: TLS 1.3, no key log)",
    });
    const [k] = stories('diagnosis/unknown-ca-tls13.pcap', 'diagnosis/unknown-ca-tls13.keylog');
    expect(k!.failure?.reason).toBe(
      `client sent fatal unknown_ca: the client does not trust the issuer of the server's chain (${CHAIN})`,
    );
  });

  it('TLS 1.3 client certificate required: an alert-sized protected record without keys, the alert with them', () => {
    const [s] = stories('diagnosis/client-cert-required.pcap');
    expect(s!.failure).toEqual({
      stage: 'authentication',
      from: 'server',
      frame: 9,
      reason:
        "server ended the handshake with a protected record of an alert's size (19 bytes): most likely an encrypted alert, about a certificate",
      hint: 'decrypt with a key log (--keylog) to read the alert',
    });
    const [k] = stories('diagnosis/client-cert-required.pcap', 'diagnosis/client-cert-required.keylog');
    expect(k!.failure).toEqual({
      stage: 'authentication',
      alert: 116,
      alertName: 'certificate_required',
      alertLevel: 'fatal',
      from: 'server',
      frame: 9,
      reason: 'server sent fatal certificate_required: it requires a client certificate and the client sent none',
      hint: 'configure a certificate (and key) for the client',
    });
  });

  it('refused: the SYN was answered by RST, TLS never started', () => {
    const [s] = stories('diagnosis/refused.pcap');
    expect(s!.tcp).toEqual({
      synSeen: true,
      synAnswer: 'rst',
      synCount: 1,
      closedBy: 'server',
      closeHow: 'RST',
      resets: { client: 0, server: 1 },
      analysis: {},
    });
    expect(s!.tls).toBeUndefined();
    expect(s!.timeline).toEqual({});
  });
});

describe('summaries of connections that worked', () => {
  it('TLS 1.3 with ALPN (openssl): version, suite, group, SNI, ALPN offered, timeline', () => {
    const [s] = stories('diagnosis/ok-tls13.pcap');
    expect(s!.failure).toBeUndefined();
    expect(s!.tls).toEqual({
      version: 'TLS 1.3',
      clientMaxVersion: 'TLS 1.3',
      cipherSuite: 'TLS_AES_256_GCM_SHA384',
      group: 'x25519',
      sni: 'localhost',
      alpnOffered: ['h2'],
      resumed: 'no',
      earlyData: 'not offered',
      helloRetryRequest: false,
      certificates: [],
      established: true,
    });
    expect(s!.tcp.synAnswer).toBe('syn-ack');
    expect(s!.tcp.handshakeRttMs).toBe(0.024);
    const t = s!.timeline;
    expect(t.tcpEstablishedMs).toBe(0.024);
    expect(t.tcpEstablishedRtt).toBe(1);
    expect(t.tlsEstablishedMs).toBeGreaterThan(t.tcpEstablishedMs!);
    expect(t.firstApplicationDataMs).toBeGreaterThanOrEqual(t.tlsEstablishedMs!);
  });

  it('TLS 1.2 resumption by session ID and by ticket', () => {
    const s = stories('decrypt/openssl-tls12-resume.pcap');
    expect(s.map((x) => [x.tls?.resumed, x.tls?.established, x.tls?.certificates.length])).toEqual([
      ['no', true, 1],
      ['session-id', true, 0],
      ['no', true, 1],
      ['ticket', true, 0],
    ]);
  });

  it('TLS 1.3 PSK resumption with 0-RTT: accepted, read with the key log', () => {
    const s = stories('decrypt/openssl-tls13-0rtt.pcap', 'decrypt/openssl-tls13-0rtt.keylog');
    expect(s.map((x) => [x.tls?.resumed, x.tls?.earlyData])).toEqual([
      ['no', 'not offered'],
      ['psk', 'accepted'],
    ]);
    const r = stories('decrypt/openssl-tls13-0rtt-rejected.pcap', 'decrypt/openssl-tls13-0rtt-rejected.keylog');
    expect(r.at(-1)!.tls?.earlyData).toBe('rejected');
  });

  it('TCP analysis counts: retransmissions and the rest, by flag', () => {
    const [s] = stories('tcp-analysis/loss.pcap');
    expect(s!.tls).toBeUndefined();
    expect(s!.failure).toBeUndefined();
    expect(s!.tcp.analysis).toEqual({
      retransmission: 4,
      fastRetransmission: 3,
      outOfOrder: 5,
      lostSegment: 5,
      duplicateAck: 29,
      windowUpdate: 11,
    });
  });
});

/**
 * TLS 1.2 failures, each ending in the alert the RFCs name: no common suite → handshake_failure
 * (RFC 5246 §7.4.1.3); a bad Finished or ServerKeyExchange / CertificateVerify signature →
 * decrypt_error (RFC 5246 §7.2.2, §7.4.3, §7.4.9); a message out of order in each state →
 * unexpected_message (RFC 5246 §7.3), also in the encrypted ExpectFinished of both roles; a bad ECDHE
 * point → illegal_parameter (RFC 8422 §5.7), from the server's ClientKeyExchange or the client's
 * correctly signed ServerKeyExchange (RFC 8422 §5.4, RFC 7748 §6.1); the
 * extended master secret rules of resumption (RFC 7627 §5.3); renegotiation_info (RFC 5746 §3.4,
 * §3.6); the downgrade sentinel (RFC 8446 §4.1.3); ALPN (RFC 7301 §3.2); versions (RFC 5246 §E.1).
 */
import { describe, expect, it } from 'vitest';
import { concat } from '../../src/bytes/hex.js';
import { Writer } from '../../src/bytes/writer.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import type { RsaPublicKey } from '../../src/crypto/provider.js';
import { leafPublicKey } from '../../src/handshake/common.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { serverKeyExchangeContent, tls12SchemeName } from '../../src/handshake/tls12/common.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import { MemorySessionStore, Tls12AeadTicketer } from '../../src/handshake/tls12/session-cache.js';
import type {
  Tls12ClientConfig,
  Tls12ClientSession,
  Tls12Event,
  Tls12ServerConfig,
} from '../../src/handshake/tls12/types.js';
import { AlertDescription, CipherSuite, NamedGroup } from '../../src/tls/enums.js';
import type { Extension } from '../../src/tls/extensions.js';
import { encodeHandshake, type HandshakeMessage } from '../../src/tls/messages/handshake.js';
import type { ClientHello } from '../../src/tls/messages/hello.js';
import { encodeServerKeyExchangeParams } from '../../src/tls/messages/key-exchange.js';
import { identity, ofKind, pump, sent } from './tls12-support.js';

const ECDSA = identity('server-ecdsa');
const RSA = identity('server-rsa');
const provider = new NobleProvider();
const accept = () => undefined;

function connect(clientConfig: Partial<Tls12ClientConfig>, serverConfig: Partial<Tls12ServerConfig>) {
  const client = new Tls12Client({ keyLog: true, serverName: 'localhost', verifyServer: accept, ...clientConfig });
  const server = new Tls12Server({ keyLog: true, certificate: ECDSA.certified, ...serverConfig });
  const log = pump(client, server, client.start());
  return { client, server, log };
}

/** The fatal alerts a side sent, as descriptions. */
const fatal = (events: Tls12Event[]) =>
  ofKind(events, 'alert-sent')
    .filter((e) => e.level === 2)
    .map((e) => e.description);

/** Flip the last byte of a handshake message of type `type` on its way out. */
function corruptLast(type: HandshakeMessage['type']) {
  return (message: HandshakeMessage, raw: Uint8Array) => {
    if (message.type !== type) return undefined;
    const out = raw.slice();
    out[out.length - 1]! ^= 0x01;
    return out;
  };
}

function withoutExtension(kind: Extension['kind']) {
  return (hello: ClientHello): ClientHello => ({
    ...hello,
    extensions: (hello.extensions ?? []).filter((e) => e.kind !== kind),
  });
}

/** A plaintext TLS 1.2 record of `type` carrying `content`. */
function record(type: number, content: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(type, 3, 3, content.length >> 8, content.length & 0xff), content);
}

describe('TLS 1.2 failures and their alerts', () => {
  it('no common cipher suite → handshake_failure (40) from the server', () => {
    const { log } = connect({ cipherSuites: [CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256] }, {});
    expect(fatal(log.server)).toEqual([AlertDescription.handshake_failure]);
    expect(ofKind(log.client, 'alert-received')[0]!.description).toBe(AlertDescription.handshake_failure);
    expect(ofKind(log.client, 'error')).toHaveLength(1);
  });

  it('a bad client Finished → decrypt_error (51) from the server', () => {
    const { log } = connect({ onOutgoingMessage: corruptLast('finished') }, {});
    expect(fatal(log.server)).toEqual([AlertDescription.decrypt_error]);
  });

  it('a bad server Finished → decrypt_error (51) from the client', () => {
    const { log } = connect({}, { onOutgoingMessage: corruptLast('finished') });
    expect(fatal(log.client)).toEqual([AlertDescription.decrypt_error]);
  });

  it('a bad ServerKeyExchange signature → decrypt_error (51) from the client (ECDSA and RSA-PSS)', () => {
    for (const certificate of [ECDSA.certified, RSA.certified]) {
      const { log } = connect({}, { certificate, onOutgoingMessage: corruptLast('server_key_exchange') });
      expect(fatal(log.client)).toEqual([AlertDescription.decrypt_error]);
    }
  });

  it('a bad client CertificateVerify → decrypt_error (51) from the server', () => {
    const { log } = connect(
      { certificate: identity('client').certified, onOutgoingMessage: corruptLast('certificate_verify') },
      { clientAuth: 'require', verifyClient: accept },
    );
    expect(fatal(log.server)).toEqual([AlertDescription.decrypt_error]);
  });

  it('a ClientKeyExchange point not on the curve → illegal_parameter (47)', () => {
    const badPoint = concat(Uint8Array.of(4), new Uint8Array(64).fill(1));
    const { log } = connect(
      {
        groups: [NamedGroup.secp256r1],
        onOutgoingMessage: (m) =>
          m.type === 'client_key_exchange'
            ? encodeHandshake({ type: 'client_key_exchange', keyExchange: 'ecdhe', publicKey: badPoint })
            : undefined,
      },
      {},
    );
    expect(fatal(log.server)).toEqual([AlertDescription.illegal_parameter]);
  });

  describe('RSA premaster secret (RFC 5246 §7.4.7.1): no alert of its own, whatever is wrong with it', () => {
    const rsaKey = leafPublicKey(RSA.certified.chain[0]!);
    const rsaSuite = CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256;
    /** A handshake whose ClientKeyExchange carries `encrypted` instead of the client's own. */
    const withPremaster = (encrypted: () => Uint8Array) =>
      connect(
        {
          cipherSuites: [rsaSuite],
          onOutgoingMessage: (m) =>
            m.type === 'client_key_exchange'
              ? encodeHandshake({
                  type: 'client_key_exchange',
                  keyExchange: 'rsa',
                  encryptedPreMasterSecret: encrypted(),
                })
              : undefined,
        },
        { certificate: RSA.certified },
      );
    const cases: [string, () => Uint8Array][] = [
      ['random bytes (bad PKCS#1 padding)', () => provider.random(256)],
      [
        'a 47-byte premaster',
        () => provider.rsaEncrypt(rsaKey as RsaPublicKey, concat(Uint8Array.of(3, 3), provider.random(45))),
      ],
      [
        'client_version 0x0302 in the premaster',
        () => provider.rsaEncrypt(rsaKey as RsaPublicKey, concat(Uint8Array.of(3, 2), provider.random(46))),
      ],
      [
        'a valid premaster the client did not derive its keys from',
        () => provider.rsaEncrypt(rsaKey as RsaPublicKey, concat(Uint8Array.of(3, 3), provider.random(46))),
      ],
    ];
    it.each(cases)(
      '%s: the server goes on to the client Finished, which fails as bad_record_mac (20)',
      (_, encrypted) => {
        const { log } = withPremaster(encrypted);
        // The server derived other keys than the client: the client's protected Finished does not open.
        expect(fatal(log.server)).toEqual([AlertDescription.bad_record_mac]);
        expect(ofKind(log.server, 'secret')).toHaveLength(1);
      },
    );
  });

  describe('a message out of order → unexpected_message (10)', () => {
    // A fresh client and the server's first flight to it (full ECDHE handshake, client authentication).
    const fresh = () => {
      const client = new Tls12Client({ keyLog: true, serverName: 'localhost', verifyServer: accept });
      const server = new Tls12Server({
        keyLog: true,
        certificate: ECDSA.certified,
        clientAuth: 'optional',
        verifyClient: accept,
      });
      const events = server.handle(sent(client.start()));
      const flight = ofKind(events, 'handshake-message')
        .filter((e) => e.direction === 'sent')
        .map((e) => e.raw);
      return { client, flight };
    };
    it('the server flight is ServerHello Certificate ServerKeyExchange CertificateRequest ServerHelloDone', () => {
      expect(fresh().flight.map((m) => m[0])).toEqual([2, 11, 12, 13, 14]);
    });
    const clientStates = [
      'ExpectServerHello',
      'ExpectCertificate',
      'ExpectServerKeyExchange',
      'ExpectCertificateRequestOrDone',
      'ExpectServerHelloDone',
    ];
    it.each(clientStates.map((s, i) => [s, i] as const))('client in %s: a later message instead', (state, i) => {
      const { client, flight } = fresh();
      for (const m of flight.slice(0, i)) client.handle(record(22, m));
      expect(client.state).toBe(state);
      // The next message but one, except where the next is optional (CertificateRequest) or last.
      const skipped = i === 3 ? flight[1]! : i === 4 ? flight[0]! : flight[i + 1]!;
      expect(fatal(client.handle(record(22, skipped)))).toEqual([AlertDescription.unexpected_message]);
    });
    it('client before ServerHelloDone: ChangeCipherSpec → unexpected_message', () => {
      const { client, flight } = fresh();
      client.handle(record(22, flight[0]!));
      expect(client.state).toBe('ExpectCertificate');
      expect(fatal(client.handle(record(20, Uint8Array.of(1))))).toEqual([AlertDescription.unexpected_message]);
    });
    it('client in ExpectChangeCipherSpec: a handshake message instead', () => {
      const client = new Tls12Client({ keyLog: true, serverName: 'localhost', verifyServer: accept });
      const server = new Tls12Server({ keyLog: true, certificate: ECDSA.certified });
      const toClient = server.handle(sent(client.start()));
      client.handle(sent(toClient));
      expect(client.state).toBe('ExpectChangeCipherSpec');
      const finished = encodeHandshake({ type: 'finished', verifyData: new Uint8Array(12) });
      expect(fatal(client.handle(record(22, finished)))).toEqual([AlertDescription.unexpected_message]);
    });

    const clientHello = () =>
      sent(new Tls12Client({ keyLog: true, serverName: 'localhost', verifyServer: accept }).start());
    const cke = encodeHandshake({
      type: 'client_key_exchange',
      keyExchange: 'ecdhe',
      publicKey: new Uint8Array(32).fill(9),
    });
    const finished = encodeHandshake({ type: 'finished', verifyData: new Uint8Array(12) });
    it('server in ExpectClientHello: ClientKeyExchange, or ChangeCipherSpec', () => {
      expect(fatal(new Tls12Server({ keyLog: true, certificate: ECDSA.certified }).handle(record(22, cke)))).toEqual([
        10,
      ]);
      expect(
        fatal(new Tls12Server({ keyLog: true, certificate: ECDSA.certified }).handle(record(20, Uint8Array.of(1)))),
      ).toEqual([10]);
    });
    it('server in ExpectClientCertificate: ClientKeyExchange', () => {
      const server = new Tls12Server({
        keyLog: true,
        certificate: ECDSA.certified,
        clientAuth: 'optional',
        verifyClient: accept,
      });
      server.handle(clientHello());
      expect(server.state).toBe('ExpectClientCertificate');
      expect(fatal(server.handle(record(22, cke)))).toEqual([10]);
    });
    it('server in ExpectClientKeyExchange: Finished', () => {
      const server = new Tls12Server({ keyLog: true, certificate: ECDSA.certified });
      server.handle(clientHello());
      expect(server.state).toBe('ExpectClientKeyExchange');
      expect(fatal(server.handle(record(22, finished)))).toEqual([10]);
    });
    it('server in ExpectChangeCipherSpec: Finished in the clear', () => {
      const client = new Tls12Client({ keyLog: true, serverName: 'localhost', verifyServer: accept });
      const server = new Tls12Server({ keyLog: true, certificate: ECDSA.certified });
      const flight1 = server.handle(sent(client.start()));
      const flight2 = ofKind(client.handle(sent(flight1)), 'handshake-message').filter((e) => e.direction === 'sent');
      server.handle(record(22, flight2[0]!.raw));
      expect(server.state).toBe('ExpectChangeCipherSpec');
      expect(fatal(server.handle(record(22, finished)))).toEqual([10]);
    });
  });

  describe('extended master secret on resumption (RFC 7627 §5.3)', () => {
    it('server: an EMS session offered without the extension → handshake_failure (40)', () => {
      const store = new MemorySessionStore();
      const first = connect({ sessionTickets: false }, { sessionStore: store });
      const session = ofKind(first.log.client, 'session')[0]!.session;
      const { log } = connect(
        { sessionTickets: false, session, editClientHello: withoutExtension('extended_master_secret') },
        { sessionStore: store },
      );
      expect(fatal(log.server)).toEqual([AlertDescription.handshake_failure]);
    });

    it('server: a session without EMS offered with the extension → full handshake with a new session', () => {
      const store = new MemorySessionStore();
      // Both configured for legacy peers, so that the session without EMS is issued, kept and offered.
      const first = connect(
        {
          sessionTickets: false,
          allowResumptionWithoutEms: true,
          editClientHello: withoutExtension('extended_master_secret'),
        },
        { sessionStore: store, allowResumptionWithoutEms: true },
      );
      const session = ofKind(first.log.client, 'session')[0]!.session;
      expect(session.extendedMasterSecret).toBe(false);
      const { log, client } = connect(
        { sessionTickets: false, allowResumptionWithoutEms: true, session },
        { sessionStore: store, allowResumptionWithoutEms: true },
      );
      expect(ofKind(log.server, 'negotiated')[0]).toMatchObject({ resumed: false, extendedMasterSecret: true });
      expect(client.isEstablished).toBe(true);
    });

    it('client: a resumed ServerHello without EMS for an EMS session → handshake_failure (40)', () => {
      const ticketer = new Tls12AeadTicketer(provider, provider.random(32));
      const first = connect({}, { ticketer });
      const session = ofKind(first.log.client, 'session')[0]!.session;
      const stripEms = (m: HandshakeMessage) =>
        m.type === 'server_hello'
          ? encodeHandshake({
              ...m,
              extensions: (m.extensions ?? []).filter((e) => e.kind !== 'extended_master_secret'),
            })
          : undefined;
      const { log } = connect({ session }, { ticketer, onOutgoingMessage: stripEms });
      expect(fatal(log.client)).toEqual([AlertDescription.handshake_failure]);
    });

    it('client: a session without EMS is not offered (RFC 7627 §5.3 SHOULD NOT)', () => {
      const session: Tls12ClientSession = {
        version: 0x0303,
        cipherSuite: CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        masterSecret: new Uint8Array(48),
        extendedMasterSecret: false,
        sessionId: new Uint8Array(32).fill(7),
        ticket: undefined,
        lifetime: 7200,
        receivedAt: Date.now(),
        serverName: 'localhost',
        alpn: undefined,
      };
      const client = new Tls12Client({ keyLog: true, verifyServer: accept, session });
      const hello = ofKind(client.start(), 'handshake-message')[0]!.message as ClientHello;
      expect(hello.sessionId).toHaveLength(0);
    });
  });

  it('a non-empty renegotiation_info in an initial ClientHello → handshake_failure (40) (RFC 5746 §3.6)', () => {
    const { log } = connect(
      {
        editClientHello: (h) => ({
          ...h,
          extensions: (h.extensions ?? []).map((e) =>
            e.kind === 'renegotiation_info' ? { ...e, renegotiatedConnection: new Uint8Array(12) } : e,
          ),
        }),
      },
      {},
    );
    expect(fatal(log.server)).toEqual([AlertDescription.handshake_failure]);
  });

  it('a non-empty renegotiation_info in an initial ServerHello → handshake_failure (40) (RFC 5746 §3.4)', () => {
    const { log } = connect(
      {},
      {
        onOutgoingMessage: (m) =>
          m.type === 'server_hello'
            ? encodeHandshake({
                ...m,
                extensions: (m.extensions ?? []).map((e) =>
                  e.kind === 'renegotiation_info' ? { ...e, renegotiatedConnection: new Uint8Array(24) } : e,
                ),
              })
            : undefined,
      },
    );
    expect(fatal(log.client)).toEqual([AlertDescription.handshake_failure]);
  });

  it('the SCSV alone counts as secure renegotiation: the server answers with an empty renegotiation_info', () => {
    const { log } = connect(
      {
        editClientHello: (h) => ({
          ...withoutExtension('renegotiation_info')(h),
          cipherSuites: [...h.cipherSuites, CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV],
        }),
      },
      {},
    );
    expect(ofKind(log.server, 'negotiated')[0]).toMatchObject({ secureRenegotiation: true });
    expect(ofKind(log.client, 'negotiated')[0]).toMatchObject({ secureRenegotiation: true });
  });

  it('a 1.3-capable client refuses a TLS 1.2 ServerHello with the downgrade sentinel → illegal_parameter (47)', () => {
    const { log } = connect({ tls13Offered: true }, { tls13Supported: true });
    expect(fatal(log.client)).toEqual([AlertDescription.illegal_parameter]);
    const random = (
      ofKind(log.server, 'handshake-message').find((e) => e.message.type === 'server_hello')!.message as {
        random: Uint8Array;
      }
    ).random;
    expect(new TextDecoder().decode(random.subarray(24, 31))).toBe('DOWNGRD');
    expect(random[31]).toBe(1);
  });

  it('a ServerHello extension the client did not offer → unsupported_extension (110) (RFC 5246 §7.4.1.4)', () => {
    const { log } = connect(
      { sessionTickets: false },
      {
        onOutgoingMessage: (m) =>
          m.type === 'server_hello'
            ? encodeHandshake({
                ...m,
                extensions: [...(m.extensions ?? []), { kind: 'session_ticket', ticket: new Uint8Array(0) }],
              })
            : undefined,
      },
    );
    expect(fatal(log.client)).toEqual([AlertDescription.unsupported_extension]);
  });

  it('no ALPN protocol in common → no_application_protocol (120) (RFC 7301 §3.2)', () => {
    const { log } = connect({ alpn: ['h2'] }, { alpn: ['http/1.1'] });
    expect(fatal(log.server)).toEqual([AlertDescription.no_application_protocol]);
  });

  it('a ClientHello below TLS 1.2 → protocol_version (70)', () => {
    const { log } = connect({ editClientHello: (h) => ({ ...h, version: 0x0302 }) }, {});
    expect(fatal(log.server)).toEqual([AlertDescription.protocol_version]);
  });
});

describe('TLS 1.2 failures under the new keys and in the key exchange', () => {
  const finishedInstead = encodeHandshake({ type: 'server_hello_done' });
  const keyExchangeInstead = encodeHandshake({
    type: 'client_key_exchange',
    keyExchange: 'ecdhe',
    publicKey: new Uint8Array(32).fill(9),
  });
  /** The peer's alerts as received. */
  const received = (events: Tls12Event[]) => ofKind(events, 'alert-received').map((e) => e.description);

  it('client in ExpectFinished (full handshake): an encrypted ServerHelloDone instead → unexpected_message (10)', () => {
    const { client, log } = connect(
      {},
      { onOutgoingMessage: (m) => (m.type === 'finished' ? finishedInstead : undefined) },
    );
    expect(client.state).toBe('ExpectFinished');
    expect(fatal(log.client)).toEqual([AlertDescription.unexpected_message]);
    // Sent under the client's new write keys, which the server (past the client's CCS) reads.
    expect(received(log.server)).toEqual([AlertDescription.unexpected_message]);
  });

  it('client in ExpectFinished (resumed by session ID): the same → unexpected_message (10)', () => {
    const store = new MemorySessionStore();
    const session = ofKind(connect({ sessionTickets: false }, { sessionStore: store }).log.client, 'session')[0]!
      .session;
    const { client, log } = connect(
      { sessionTickets: false, session },
      { sessionStore: store, onOutgoingMessage: (m) => (m.type === 'finished' ? finishedInstead : undefined) },
    );
    expect(ofKind(log.client, 'negotiated')[0]!.resumed).toBe(true);
    expect(client.state).toBe('ExpectFinished');
    expect(fatal(log.client)).toEqual([AlertDescription.unexpected_message]);
  });

  it('server in ExpectFinished: an encrypted ClientKeyExchange instead → unexpected_message (10)', () => {
    const { server, log } = connect(
      { onOutgoingMessage: (m) => (m.type === 'finished' ? keyExchangeInstead : undefined) },
      {},
    );
    expect(server.state).toBe('ExpectFinished');
    expect(fatal(log.server)).toEqual([AlertDescription.unexpected_message]);
    expect(received(log.client)).toEqual([AlertDescription.unexpected_message]);
  });

  it('server in ExpectFinished (resumed): an encrypted ServerHelloDone instead → unexpected_message (10)', () => {
    const store = new MemorySessionStore();
    const session = ofKind(connect({ sessionTickets: false }, { sessionStore: store }).log.client, 'session')[0]!
      .session;
    const { server, log } = connect(
      {
        sessionTickets: false,
        session,
        onOutgoingMessage: (m) => (m.type === 'finished' ? finishedInstead : undefined),
      },
      { sessionStore: store },
    );
    expect(server.state).toBe('ExpectFinished');
    expect(fatal(log.server)).toEqual([AlertDescription.unexpected_message]);
  });

  /**
   * A server whose ServerKeyExchange carries `point`, correctly signed with its certificate key over
   * both randoms and the params (RFC 8422 §5.4), so only the point is wrong.
   */
  function badPointHandshake(group: number, point: Uint8Array) {
    let clientRandom: Uint8Array = new Uint8Array(32);
    let serverRandom: Uint8Array = new Uint8Array(32);
    const server = new Tls12Server({
      keyLog: true,
      certificate: ECDSA.certified,
      groups: [group],
      onOutgoingMessage: (m) => {
        if (m.type === 'server_hello') serverRandom = m.random.slice();
        if (m.type !== 'server_key_exchange' || m.keyExchange !== 'ecdhe') return undefined;
        const unsigned = { ...m, publicKey: point, signature: new Uint8Array(0) };
        const params = Writer.encode((w) => encodeServerKeyExchangeParams(w, unsigned));
        const content = serverKeyExchangeContent(clientRandom, serverRandom, params);
        const signature = provider.sign(tls12SchemeName(m.signatureAlgorithm)!, ECDSA.certified.key, content);
        return encodeHandshake({ ...unsigned, signature });
      },
    });
    const client = new Tls12Client({ keyLog: true, serverName: 'localhost', verifyServer: accept, groups: [group] });
    const first = client.start();
    clientRandom = (ofKind(first, 'handshake-message')[0]!.message as ClientHello).random;
    return pump(client, server, first);
  }

  it('a signed ServerKeyExchange with a P-256 point not on the curve → illegal_parameter (47) from the client', () => {
    const log = badPointHandshake(NamedGroup.secp256r1, concat(Uint8Array.of(4), new Uint8Array(64).fill(1)));
    expect(fatal(log.client)).toEqual([AlertDescription.illegal_parameter]);
    expect(received(log.server)).toEqual([AlertDescription.illegal_parameter]);
    expect(ofKind(log.client, 'handshake-message').map((e) => e.message.type)).not.toContain('client_key_exchange');
  });

  it('a signed ServerKeyExchange with the x25519 all-zero point (RFC 7748 §6.1) → illegal_parameter (47)', () => {
    const log = badPointHandshake(NamedGroup.x25519, new Uint8Array(32));
    expect(fatal(log.client)).toEqual([AlertDescription.illegal_parameter]);
    expect(received(log.server)).toEqual([AlertDescription.illegal_parameter]);
  });
});

/**
 * TLS 1.2 key schedule and record protection against every TLS 1.2 session recorded from real peers
 * (OpenSSL 3.0, GnuTLS 3.7, node:tls; vectors/tls/*tls12*, see vectors/README.md and
 * scripts/record-tls-vectors.sh). For each connection:
 *
 * - the master secret comes from the peers' key log, matched by the ClientHello random; our
 *   `CLIENT_RANDOM` line for it equals the logged line;
 * - the key block (RFC 5246 §6.3) opens EVERY protected record of both directions: the first one after
 *   ChangeCipherSpec is a Finished whose verify_data equals our PRF over the hash of the cleartext
 *   handshake messages (RFC 5246 §7.4.9), which checks PRF, transcript and record protection at once;
 *   the application data is what the recording script sent (`hello\n` and the server's answer), and
 *   every alert is a close_notify;
 * - sealing each plaintext again with the record's sequence number and explicit nonce gives the
 *   captured record byte for byte (RFC 5288 §3 nonce, RFC 5246 §6.2.3.3 additional data);
 * - with the RSA key exchange, the premaster secret decrypted from ClientKeyExchange with the test
 *   PKI's server key gives, through the (extended) master secret (RFC 5246 §8.1, RFC 7627 §4), the
 *   logged master secret.
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../src/bytes/hex.js';
import { Writer } from '../../src/bytes/writer.js';
import { decodePacket, readCapture } from '../../src/capture/decode.js';
import { type StreamDirection, streamBytes, trackConnections } from '../../src/capture/flow.js';
import { parseKeyLog } from '../../src/crypto/keylog.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import type { RsaPrivateKey } from '../../src/crypto/provider.js';
import {
  type Tls12CipherSuite,
  Tls12MasterSecret,
  type Tls12Sender,
  tls12CipherSuite,
} from '../../src/crypto/tls12-key-schedule.js';
import { Tls12RecordOpener, Tls12RecordSealer } from '../../src/crypto/tls12-record-protection.js';
import { AlertDescription, AlertLevel, ContentType, HandshakeType } from '../../src/tls/enums.js';
import { HandshakeReassembler } from '../../src/tls/handshake-framing.js';
import { type DecodedHandshake, decodeHandshake } from '../../src/tls/messages/handshake.js';
import { encodeRecord, RecordDeframer, type TlsRecord } from '../../src/tls/record.js';

const p = new NobleProvider();
const VECTORS = new URL('../../vectors/tls/', import.meta.url);
const PKI = new URL('../pki/out/', import.meta.url);

/** Every TLS 1.2 capture with a key log in vectors/tls/. */
const CAPTURES = readdirSync(VECTORS)
  .filter((f) => /tls12.*\.keylog$/.test(f))
  .map((f) => f.slice(0, -'.keylog'.length))
  .sort();

/** What each recording's server answers to the client's `hello\n` (scripts/record-tls-vectors.sh). */
function expectedReply(name: string): string {
  if (name.startsWith('openssl-')) return 'olleh\n'; // s_server -rev reverses the line
  return 'hello\n'; // gnutls-serv --echo, and scripts/tls-peers.mjs's server, echo it
}

/** The cipher suite each recording asked for, where the script forces one (vectors/README.md). */
const FORCED_SUITE: Record<string, Tls12CipherSuite['name']> = {
  'openssl-tls12-ecdhe-ecdsa': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'openssl-tls12-ecdhe-rsa': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'openssl-tls12-rsa': 'TLS_RSA_WITH_AES_128_GCM_SHA256',
};

/** One direction: its cleartext handshake messages (framed, in order) and its protected records. */
interface Side {
  messages: Uint8Array[];
  protected: TlsRecord[];
  sawChangeCipherSpec: boolean;
}

function sideOf(direction: StreamDirection): Side {
  expect(direction.gaps).toEqual([]);
  const deframer = new RecordDeframer();
  deframer.push(streamBytes(direction));
  const reassembler = new HandshakeReassembler();
  const side: Side = { messages: [], protected: [], sawChangeCipherSpec: false };
  for (let r = deframer.next(); r; r = deframer.next()) {
    if (side.sawChangeCipherSpec) {
      side.protected.push(r);
    } else if (r.type === ContentType.change_cipher_spec) {
      reassembler.assertBoundary();
      side.sawChangeCipherSpec = true;
      deframer.setLimits({ protection: 'tls12-protected' });
    } else {
      expect(r.type).toBe(ContentType.handshake);
      reassembler.push(r.fragment);
      for (let m = reassembler.next(); m; m = reassembler.next()) side.messages.push(m.raw.slice());
    }
  }
  expect(deframer.partialLength).toBe(0);
  return side;
}

function recordBytes(r: TlsRecord): Uint8Array {
  return Writer.encode((w) => encodeRecord(w, r));
}

function rsaServerKey(): RsaPrivateKey {
  const jwk = createPrivateKey(readFileSync(new URL('server-rsa.key', PKI))).export({ format: 'jwk' });
  const big = (v: string | undefined) => BigInt(`0x${Buffer.from(v ?? '', 'base64url').toString('hex')}`);
  return { type: 'rsa', n: big(jwk.n), e: big(jwk.e), d: big(jwk.d), p: big(jwk.p), q: big(jwk.q) };
}

interface Decrypted {
  /** The Finished message (framed), for the other side's transcript. */
  finished: Uint8Array;
  applicationData: string;
  alerts: string[];
}

/**
 * Open every protected record one side sent; check its Finished against `transcript` and reseal
 * each record to the captured bytes.
 */
function decryptSide(
  ms: Tls12MasterSecret,
  side: Side,
  sender: Tls12Sender,
  transcript: Uint8Array[],
  explicitNonceIsSequence: boolean,
): Decrypted {
  const keyBlock = ms.keyBlock();
  const opener = Tls12RecordOpener.fromKeyBlock(p, ms.suite, keyBlock, sender);
  const sealer = Tls12RecordSealer.fromKeyBlock(p, ms.suite, keyBlock, sender);
  expect(side.protected.length).toBeGreaterThan(0);
  let finished: Uint8Array | undefined;
  let firstNonce = 0n;
  let applicationData = '';
  const alerts: string[] = [];
  side.protected.forEach((record, i) => {
    const opened = opener.open(record);
    expect(opened.sequence).toBe(BigInt(i));
    expect(opened.type).toBe(record.type);
    if (ms.suite.recordIvLength === 8) {
      expect(opened.explicitNonce).toHaveLength(8);
      // Each peer counts the explicit nonce up by one per record from its own start (RFC 5288 §3 asks
      // only that it never repeat): GnuTLS starts at the sequence number 0, OpenSSL at a value of its own.
      const value = BigInt(`0x${toHex(opened.explicitNonce!)}`);
      if (i === 0) firstNonce = value;
      expect(value).toBe((firstNonce + BigInt(i)) & ((1n << 64n) - 1n));
      if (explicitNonceIsSequence) expect(value).toBe(opened.sequence);
    } else {
      expect(opened.explicitNonce).toBeUndefined();
    }
    sealer.setSequence(opened.sequence);
    const resealed = sealer.seal(record.type, opened.content, {
      version: record.version,
      explicitNonce: opened.explicitNonce,
    });
    expect(toHex(resealed)).toBe(toHex(recordBytes(record)));
    if (i === 0) {
      expect(record.type).toBe(ContentType.handshake);
      const m = decodeHandshake(opened.content, { version: 'tls12' });
      expect(m.type).toBe('finished');
      if (m.type !== 'finished') return;
      const transcriptHash = p.hash(ms.suite.hash, concat(...transcript));
      expect(toHex(m.verifyData)).toBe(toHex(ms.verifyData(sender, transcriptHash)));
      finished = opened.content.slice();
    } else if (record.type === ContentType.application_data) {
      applicationData += new TextDecoder().decode(opened.content);
    } else {
      expect(record.type).toBe(ContentType.alert);
      alerts.push(toHex(opened.content));
    }
  });
  opener.dispose();
  sealer.dispose();
  return { finished: finished!, applicationData, alerts };
}

describe('TLS 1.2 captures from real peers, decrypted with their key logs', () => {
  it('finds the committed TLS 1.2 captures', () => {
    for (const name of [
      'gnutls-tls12',
      'node-tls12',
      'openssl-tls12-client-auth',
      'openssl-tls12-ecdhe-ecdsa',
      'openssl-tls12-ecdhe-rsa',
      'openssl-tls12-resume-sessionid',
      'openssl-tls12-resume-ticket',
      'openssl-tls12-rsa',
    ]) {
      expect(CAPTURES).toContain(name);
    }
  });

  describe.each(CAPTURES)('%s', (name) => {
    const pcap = new URL(`${name}.pcap`, VECTORS);
    const file = existsSync(pcap) ? pcap : new URL(`${name}.pcapng`, VECTORS);
    const connections = trackConnections(Array.from(readCapture(new Uint8Array(readFileSync(file))), decodePacket));
    const keylogText = readFileSync(new URL(`${name}.keylog`, VECTORS), 'utf8');
    const keylog = new Map(
      parseKeyLog(keylogText)
        .filter((e) => e.label === 'CLIENT_RANDOM')
        .map((e) => [toHex(e.clientRandom), e.secret]),
    );

    it.each(connections.map((c) => [c.index, c] as const))('connection %i', (_, conn) => {
      const client = sideOf(conn.toServer);
      const server = sideOf(conn.toClient);
      expect(client.sawChangeCipherSpec && server.sawChangeCipherSpec).toBe(true);

      const ch = decodeHandshake(client.messages[0]!, { version: 'tls12' });
      const sh = decodeHandshake(server.messages[0]!, { version: 'tls12' });
      if (ch.type !== 'client_hello' || sh.type !== 'server_hello') throw new Error('no hellos');
      const suite = tls12CipherSuite(sh.cipherSuite);
      expect(suite, `suite 0x${sh.cipherSuite.toString(16)}`).toBeDefined();
      if (!suite) return;
      if (FORCED_SUITE[name]) expect(suite.name).toBe(FORCED_SUITE[name]);
      const keyExchange = suite.keyExchange === 'rsa' ? 'rsa' : 'ecdhe';
      const decode = (raw: Uint8Array): DecodedHandshake => decodeHandshake(raw, { version: 'tls12', keyExchange });

      const secret = keylog.get(toHex(ch.random));
      expect(secret, 'master secret in the key log').toBeDefined();
      const ms = new Tls12MasterSecret(p, suite, secret!, ch.random, sh.random);
      expect(keylogText.split('\n')).toContain(ms.keyLogLine());

      // RFC 5246 §7.3: a full handshake has ServerHelloDone; an abbreviated one goes from ServerHello
      // (and NewSessionTicket) straight to the server's ChangeCipherSpec and Finished.
      const serverTypes = server.messages.map((m) => m[0]);
      const helloDone = serverTypes.indexOf(HandshakeType.server_hello_done);
      const full = helloDone >= 0;
      const ems = sh.extensions?.some((e) => e.kind === 'extended_master_secret') ?? false;
      // OpenSSL negotiates RFC 7627 by default, so the RSA capture checks the extended master secret.
      if (suite.keyExchange === 'rsa') expect(ems).toBe(true);

      const nonceIsSequence = name.startsWith('gnutls-');
      let clientResult: Decrypted;
      let serverResult: Decrypted;
      if (full) {
        const serverFlight = server.messages.slice(0, helloDone + 1);
        const afterClientFinished = server.messages.slice(helloDone + 1); // NewSessionTicket, if any
        expect(afterClientFinished.map((m) => m[0])).toEqual(
          afterClientFinished.length ? [HandshakeType.new_session_ticket] : [],
        );
        const clientFlight = client.messages.slice(1);
        const beforeClientFinished = [client.messages[0]!, ...serverFlight, ...clientFlight];

        if (suite.keyExchange === 'rsa') {
          const cke = clientFlight.map(decode).find((m) => m.type === 'client_key_exchange');
          if (cke?.type !== 'client_key_exchange' || cke.keyExchange !== 'rsa') throw new Error('no RSA CKE');
          const { ok, message: premaster } = p.rsaDecryptPremaster(
            rsaServerKey(),
            cke.encryptedPreMasterSecret,
            48,
            new Uint8Array(48),
          );
          expect(ok).toBe(true);
          // RFC 5246 §7.4.7.1: the premaster starts with the version the client offered.
          expect(toHex(premaster.subarray(0, 2))).toBe(ch.version.toString(16).padStart(4, '0'));
          // RFC 7627 §3: the session hash covers ClientHello … ClientKeyExchange (not CertificateVerify).
          const ckeIndex = beforeClientFinished.findIndex((m) => m[0] === HandshakeType.client_key_exchange);
          const sessionHash = p.hash(suite.hash, concat(...beforeClientFinished.slice(0, ckeIndex + 1)));
          const derived = Tls12MasterSecret.fromPremaster(p, suite, premaster, {
            clientRandom: ch.random,
            serverRandom: sh.random,
            sessionHash: ems ? sessionHash : undefined,
          });
          expect(toHex(derived.secret)).toBe(toHex(secret!));
          derived.dispose();
        }

        clientResult = decryptSide(ms, client, 'client', beforeClientFinished, nonceIsSequence);
        serverResult = decryptSide(
          ms,
          server,
          'server',
          [...beforeClientFinished, clientResult.finished, ...afterClientFinished],
          nonceIsSequence,
        );
      } else {
        // Abbreviated handshake (RFC 5246 §7.3): the server's Finished comes first.
        expect(client.messages).toHaveLength(1);
        const serverFlight = server.messages;
        expect(serverFlight.slice(1).map((m) => m[0])).toEqual(
          serverFlight.length > 1 ? [HandshakeType.new_session_ticket] : [],
        );
        serverResult = decryptSide(ms, server, 'server', [client.messages[0]!, ...serverFlight], nonceIsSequence);
        clientResult = decryptSide(
          ms,
          client,
          'client',
          [client.messages[0]!, ...serverFlight, serverResult.finished],
          nonceIsSequence,
        );
      }

      expect(clientResult.applicationData).toBe('hello\n');
      expect(serverResult.applicationData).toBe(expectedReply(name));
      const closeNotify = toHex(Uint8Array.of(AlertLevel.warning, AlertDescription.close_notify));
      for (const a of [...clientResult.alerts, ...serverResult.alerts]) expect(a).toBe(closeNotify);
      ms.dispose();
    });
  });
});

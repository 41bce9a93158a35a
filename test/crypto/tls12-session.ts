/**
 * Replays one recorded TLS 1.2 connection (both directions' bytes, as the peers sent them) through
 * tlswire's TLS 1.2 key schedule and record protection, with the master secret from the peers' key
 * log (RFC 5246 §6.3, §6.2.3.3, §7.3, §7.4.9, §8.1; RFC 7627 §4; RFC 5288 §3; RFC 7905 §2). Shared by
 * the capture test and the live loopback test; every check is a vitest expectation.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { concat, toHex } from '../../src/bytes/hex.js';
import { Writer } from '../../src/bytes/writer.js';
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

export const p = new NobleProvider();
const PKI = new URL('../pki/out/', import.meta.url);

/** A private key of the test PKI (test/pki/out/NAME.key) as an RsaPrivateKey, read with node:crypto. */
export function pkiRsaKey(name: string): RsaPrivateKey {
  const jwk = createPrivateKey(readFileSync(new URL(`${name}.key`, PKI))).export({ format: 'jwk' });
  const big = (v: string | undefined) => BigInt(`0x${Buffer.from(v ?? '', 'base64url').toString('hex')}`);
  return { type: 'rsa', n: big(jwk.n), e: big(jwk.e), d: big(jwk.d), p: big(jwk.p), q: big(jwk.q) };
}

/** One direction: its cleartext handshake messages (framed, in order) and its protected records. */
interface Side {
  messages: Uint8Array[];
  protected: TlsRecord[];
  sawChangeCipherSpec: boolean;
}

function sideOf(stream: Uint8Array): Side {
  const deframer = new RecordDeframer();
  deframer.push(stream);
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

interface Decrypted {
  /** The Finished message (framed), for the other side's transcript. */
  finished: Uint8Array;
  applicationData: Uint8Array[];
  alerts: string[];
  records: number;
}

/**
 * Open every protected record one side sent; check its Finished against `transcript`, its explicit
 * nonces, and that sealing the plaintext again gives the record's bytes.
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
  const applicationData: Uint8Array[] = [];
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
    expect(toHex(resealed)).toBe(toHex(Writer.encode((w) => encodeRecord(w, record))));
    if (i === 0) {
      expect(record.type).toBe(ContentType.handshake);
      const m = decodeHandshake(opened.content, { version: 'tls12' });
      expect(m.type).toBe('finished');
      if (m.type !== 'finished') return;
      const transcriptHash = p.hash(ms.suite.hash, concat(...transcript));
      expect(toHex(m.verifyData)).toBe(toHex(ms.verifyData(sender, transcriptHash)));
      finished = opened.content.slice();
    } else if (record.type === ContentType.application_data) {
      applicationData.push(opened.content);
    } else {
      expect(record.type).toBe(ContentType.alert);
      alerts.push(toHex(opened.content));
    }
  });
  opener.dispose();
  sealer.dispose();
  return { finished: finished!, applicationData, alerts, records: side.protected.length };
}

/** What {@link replaySession} found. */
export interface Replayed {
  suite: Tls12CipherSuite;
  /** Both sides negotiated extended_master_secret (RFC 7627 §5.1). */
  ems: boolean;
  /** Full handshake (with ServerHelloDone) rather than an abbreviated one. */
  full: boolean;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  /** The master secret from the key log (still usable: the caller disposes it). */
  masterSecret: Tls12MasterSecret;
  clientData: Uint8Array;
  serverData: Uint8Array;
  /** Number of protected records opened in both directions. */
  records: number;
  /** The premaster secret decrypted from an RSA ClientKeyExchange, when `rsaKey` was given. */
  premaster?: Uint8Array;
}

/** Inputs of {@link replaySession}. */
export interface SessionInput {
  toServer: Uint8Array;
  toClient: Uint8Array;
  /** CLIENT_RANDOM entries of the key log: client random (hex) → master secret. */
  keylog: Map<string, Uint8Array>;
  /** The server's RSA key, to decrypt the premaster of an RSA key exchange and rederive the master secret. */
  rsaKey?: RsaPrivateKey;
  /** The peers use the sequence number as the AES-GCM explicit nonce (GnuTLS). */
  explicitNonceIsSequence?: boolean;
}

/**
 * Check one TLS 1.2 connection end to end (see the module doc): the key-logged master secret opens
 * every protected record, both Finished messages verify, every record reseals byte for byte, and
 * with `rsaKey` the master secret is rederived from the premaster; every alert is close_notify.
 */
export function replaySession(input: SessionInput): Replayed {
  const client = sideOf(input.toServer);
  const server = sideOf(input.toClient);
  expect(client.sawChangeCipherSpec && server.sawChangeCipherSpec).toBe(true);

  const ch = decodeHandshake(client.messages[0]!, { version: 'tls12' });
  const sh = decodeHandshake(server.messages[0]!, { version: 'tls12' });
  if (ch.type !== 'client_hello' || sh.type !== 'server_hello') throw new Error('no hellos');
  const suite = tls12CipherSuite(sh.cipherSuite);
  if (!suite) throw new Error(`suite 0x${sh.cipherSuite.toString(16)} is not in TLS12_CIPHER_SUITES`);
  const keyExchange = suite.keyExchange === 'rsa' ? 'rsa' : 'ecdhe';
  const decode = (raw: Uint8Array): DecodedHandshake => decodeHandshake(raw, { version: 'tls12', keyExchange });
  const secret = input.keylog.get(toHex(ch.random));
  if (!secret) throw new Error('no CLIENT_RANDOM line for this connection in the key log');
  const ms = new Tls12MasterSecret(p, suite, secret, ch.random, sh.random);
  const ems = sh.extensions?.some((e) => e.kind === 'extended_master_secret') ?? false;

  // RFC 5246 §7.3: a full handshake has ServerHelloDone; an abbreviated one goes from ServerHello
  // (and NewSessionTicket) straight to the server's ChangeCipherSpec and Finished.
  const helloDone = server.messages.findIndex((m) => m[0] === HandshakeType.server_hello_done);
  const full = helloDone >= 0;
  let clientResult: Decrypted;
  let serverResult: Decrypted;
  let premaster: Uint8Array | undefined;
  const ticketOnly = (messages: Uint8Array[]) =>
    expect(messages.map((m) => m[0])).toEqual(messages.length ? [HandshakeType.new_session_ticket] : []);
  const nonceIsSequence = input.explicitNonceIsSequence ?? false;
  if (full) {
    const serverFlight = server.messages.slice(0, helloDone + 1);
    const afterClientFinished = server.messages.slice(helloDone + 1); // NewSessionTicket, if any
    ticketOnly(afterClientFinished);
    const clientFlight = client.messages.slice(1);
    const beforeClientFinished = [client.messages[0]!, ...serverFlight, ...clientFlight];

    if (input.rsaKey) {
      expect(suite.keyExchange).toBe('rsa');
      const cke = clientFlight.map(decode).find((m) => m.type === 'client_key_exchange');
      if (cke?.type !== 'client_key_exchange' || cke.keyExchange !== 'rsa') throw new Error('no RSA ClientKeyExchange');
      const decrypted = p.rsaDecryptPremaster(input.rsaKey, cke.encryptedPreMasterSecret, 48, new Uint8Array(48));
      expect(decrypted.ok).toBe(true);
      premaster = decrypted.message;
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
      expect(toHex(derived.secret)).toBe(toHex(secret));
      derived.dispose();
    }

    clientResult = decryptSide(ms, client, 'client', beforeClientFinished, nonceIsSequence);
    const serverTranscript = [...beforeClientFinished, clientResult.finished, ...afterClientFinished];
    serverResult = decryptSide(ms, server, 'server', serverTranscript, nonceIsSequence);
  } else {
    // Abbreviated handshake (RFC 5246 §7.3): the server's Finished comes first.
    expect(client.messages).toHaveLength(1);
    ticketOnly(server.messages.slice(1));
    const serverTranscript = [client.messages[0]!, ...server.messages];
    serverResult = decryptSide(ms, server, 'server', serverTranscript, nonceIsSequence);
    const clientTranscript = [...serverTranscript, serverResult.finished];
    clientResult = decryptSide(ms, client, 'client', clientTranscript, nonceIsSequence);
  }

  const closeNotify = toHex(Uint8Array.of(AlertLevel.warning, AlertDescription.close_notify));
  for (const a of [...clientResult.alerts, ...serverResult.alerts]) expect(a).toBe(closeNotify);
  return {
    suite,
    ems,
    full,
    clientRandom: ch.random,
    serverRandom: sh.random,
    masterSecret: ms,
    clientData: concat(...clientResult.applicationData),
    serverData: concat(...serverResult.applicationData),
    records: clientResult.records + serverResult.records,
    premaster,
  };
}

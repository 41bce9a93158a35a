/**
 * The TLS 1.3 key schedule and record protection replay every trace of RFC 8448 (§3–§7) exactly:
 * ephemeral private keys are injected, transcript hashes are computed over the trace's handshake
 * message bytes, and every secret, key, IV, Finished value and protected record the RFC lists must
 * come out byte for byte. The §3 server CertificateVerify is checked against the §2 RSA key. Every
 * trace runs through NobleProvider and NodeCryptoProvider (node:crypto).
 */
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../src/bytes/hex.js';
import {
  deriveSecret,
  EarlySecret,
  emptyHash,
  finishedKey,
  finishedVerifyData,
  resumptionPsk,
  Transcript,
  tls13CipherSuite,
  trafficKeys,
} from '../../src/crypto/key-schedule.js';
import { NobleProvider } from '../../src/crypto/noble.js';
import type { CryptoProvider, GroupName, RsaPrivateKey, RsaPublicKey } from '../../src/crypto/provider.js';
import { RecordOpener, RecordSealer } from '../../src/crypto/record-protection.js';
import { i2osp, mgf1, modPow, os2ip } from '../../src/crypto/rsa.js';
import { NodeCryptoProvider } from '../../src/node/crypto-provider.js';
import { CipherSuite, ContentType } from '../../src/tls/enums.js';
import {
  field,
  findEntries,
  findEntry,
  loadTrace,
  type Rfc8448Section,
  rfc8448RsaPrivateKey,
  type Trace,
  type TraceEntry,
} from '../support/rfc8448.js';

const noRandom = () => {
  throw new Error('an RFC 8448 replay must not draw randomness');
};
/** Every provider replays the traces (NodeCryptoProvider: OpenSSL's primitives, same bytes). */
const PROVIDERS: [string, CryptoProvider][] = [
  ['NobleProvider', new NobleProvider({ random: noRandom })],
  ['NodeCryptoProvider', new NodeCryptoProvider({ random: noRandom })],
];
const suite = tls13CipherSuite(CipherSuite.TLS_AES_128_GCM_SHA256)!;
const hex = toHex;

type Actor = 'client' | 'server';
const other = (a: Actor): Actor => (a === 'client' ? 'server' : 'client');

/** The one entry (of either actor, or of `actor`) matching `action` that lists values. */
function listed(trace: Trace, action: string, actor?: Actor): TraceEntry {
  const found = (
    actor
      ? findEntries(trace, actor, action)
      : [...findEntries(trace, 'client', action), ...findEntries(trace, 'server', action)]
  ).filter((e) => e.fields.length > 0);
  if (found.length !== 1) throw new Error(`§${trace.section}: ${found.length} listed entries for "${action}"`);
  return found[0]!;
}

/** Handshake message bytes of the `nth` "construct a <name>" entry. */
function message(trace: Trace, actor: Actor, name: string, nth = 0): Uint8Array {
  return field(
    findEntry(trace, actor, `construct a${/^[AEIOU]/.test(name) ? 'n' : ''} ${name} handshake message`, nth),
    name,
  );
}

/** The handshake messages the scripts name, by short name: who constructs each, and its name in the trace. */
const MESSAGES = {
  CH: ['client', 'ClientHello'],
  SH: ['server', 'ServerHello'],
  EE: ['server', 'EncryptedExtensions'],
  CR: ['server', 'CertificateRequest'],
  Cert: ['server', 'Certificate'],
  CV: ['server', 'CertificateVerify'],
  SF: ['server', 'Finished'],
  EOED: ['client', 'EndOfEarlyData'],
  CCert: ['client', 'Certificate'],
  CCV: ['client', 'CertificateVerify'],
  CF: ['client', 'Finished'],
} as const satisfies Record<string, readonly [Actor, string]>;

/** The first of each named message of `trace`, named, in the order given. */
function messages(trace: Trace, ...names: (keyof typeof MESSAGES)[]): [string, Uint8Array][] {
  return names.map((name) => {
    const [actor, rfcName] = MESSAGES[name];
    return [name, message(trace, actor, rfcName)];
  });
}

/** The messages of a full handshake without client authentication (§3, §7). */
const FULL: (keyof typeof MESSAGES)[] = ['CH', 'SH', 'EE', 'Cert', 'CV', 'SF', 'CF'];

interface Script {
  section: Rfc8448Section;
  group: GroupName;
  /** Handshake messages in transcript order, named; `CH1`+`HRR` trigger the §4.4.1 message_hash rule. */
  messages: [string, Uint8Array][];
  psk?: Uint8Array;
  /** Number of protected records in the trace. */
  protectedRecords: number;
}

/** Runs one trace: derives everything and compares it with the RFC, then replays the records. */
function replay(p: CryptoProvider, script: Script): void {
  const trace = loadTrace(script.section);
  const h = (s: string) => listed(trace, s);

  // (EC)DHE with injected private keys: the last key pair each side creates is the one used.
  const kx = p.keyExchange(script.group);
  const clientKeys = findEntries(trace, 'client', 'create an ephemeral').at(-1)!;
  const serverKeys = findEntry(trace, 'server', 'create an ephemeral');
  const client = kx.generate(field(clientKeys, 'private key'));
  expect(hex(client.share)).toBe(hex(field(clientKeys, 'public key')));
  const server = kx.encapsulate(client.share, field(serverKeys, 'private key'));
  expect(hex(server.share)).toBe(hex(field(serverKeys, 'public key')));
  const shared = kx.decapsulate(client.privateKey, server.share);
  expect(hex(shared)).toBe(hex(server.sharedSecret));
  expect(hex(shared)).toBe(hex(field(h('extract secret "handshake"'), 'IKM')));

  // Transcript hashes after each message, with the HelloRetryRequest rule.
  const transcript = new Transcript(p);
  const after = new Map<string, Uint8Array>();
  let previous = '';
  const before = new Map<string, Uint8Array>();
  for (const [name, bytes] of script.messages) {
    if (previous) before.set(name, after.get(previous)!);
    if (name === 'HRR') transcript.replaceWithMessageHash(suite.hash);
    transcript.update(bytes);
    if (!transcript.hashName) transcript.setHash(suite.hash);
    after.set(name, transcript.hash());
    previous = name;
  }
  const th = (name: string) => after.get(name)!;

  // Early Secret (and, with a PSK, binder and 0-RTT secrets).
  const early = EarlySecret.create(p, suite.hash, script.psk);
  const earlyEntry = h('extract secret "early"');
  expect(hex(early.secret)).toBe(hex(field(earlyEntry, 'secret')));
  if (script.psk) expect(hex(field(earlyEntry, 'IKM'))).toBe(hex(script.psk));
  const secrets: Record<Actor, Record<string, Uint8Array>> = { client: {}, server: {} };
  if (script.psk) {
    const binderEntry = h('calculate PSK binder');
    const prefix = field(binderEntry, 'ClientHello prefix');
    const prefixHash = p.hash(suite.hash, prefix);
    expect(hex(prefixHash)).toBe(hex(field(binderEntry, 'binder hash')));
    const binderKey = early.binderKey('resumption');
    expect(hex(binderKey)).toBe(hex(field(binderEntry, 'PRK')));
    expect(hex(finishedKey(p, suite.hash, binderKey))).toBe(hex(field(binderEntry, 'expanded')));
    const binder = early.binder('resumption', prefixHash);
    expect(hex(binder)).toBe(hex(field(binderEntry, 'finished')));
    // The binder is the last 32 bytes of the full ClientHello.
    expect(hex(script.messages[0]![1].subarray(-32))).toBe(hex(binder));
    const cets = early.clientEarlyTrafficSecret(th('CH'));
    expect(hex(cets)).toBe(hex(field(h('derive secret "tls13 c e traffic"'), 'expanded')));
    expect(hex(field(h('derive secret "tls13 c e traffic"'), 'hash'))).toBe(hex(th('CH')));
    expect(hex(early.earlyExporterMasterSecret(th('CH')))).toBe(
      hex(field(h('derive secret "tls13 e exp master"'), 'expanded')),
    );
    secrets.client['early application data'] = cets;
  }
  const derivedHs = deriveSecret(p, suite.hash, early.secret, 'derived', emptyHash(p, suite.hash));
  expect(hex(derivedHs)).toBe(
    hex(field(listed(trace, 'derive secret for handshake "tls13 derived"', 'server'), 'expanded')),
  );

  // Handshake Secret and handshake traffic secrets.
  const hs = early.handshake(shared);
  expect(() => early.secret).toThrow();
  expect(hex(hs.secret)).toBe(hex(field(h('extract secret "handshake"'), 'secret')));
  const chts = hs.clientHandshakeTrafficSecret(th('SH'));
  const shts = hs.serverHandshakeTrafficSecret(th('SH'));
  expect(hex(field(h('derive secret "tls13 c hs traffic"'), 'hash'))).toBe(hex(th('SH')));
  expect(hex(chts)).toBe(hex(field(h('derive secret "tls13 c hs traffic"'), 'expanded')));
  expect(hex(shts)).toBe(hex(field(h('derive secret "tls13 s hs traffic"'), 'expanded')));
  secrets.client['handshake data'] = chts;
  secrets.server['handshake data'] = shts;

  // Master Secret and application traffic secrets.
  const derivedMs = deriveSecret(p, suite.hash, hs.secret, 'derived', emptyHash(p, suite.hash));
  expect(hex(derivedMs)).toBe(hex(field(h('derive secret for master "tls13 derived"'), 'expanded')));
  const ms = hs.master();
  expect(hex(ms.secret)).toBe(hex(field(h('extract secret "master"'), 'secret')));
  const cats = ms.clientApplicationTrafficSecret(th('SF'));
  const sats = ms.serverApplicationTrafficSecret(th('SF'));
  expect(hex(field(h('derive secret "tls13 c ap traffic"'), 'hash'))).toBe(hex(th('SF')));
  expect(hex(cats)).toBe(hex(field(h('derive secret "tls13 c ap traffic"'), 'expanded')));
  expect(hex(sats)).toBe(hex(field(h('derive secret "tls13 s ap traffic"'), 'expanded')));
  expect(hex(ms.exporterMasterSecret(th('SF')))).toBe(hex(field(h('derive secret "tls13 exp master"'), 'expanded')));
  expect(hex(ms.resumptionMasterSecret(th('CF')))).toBe(hex(field(h('derive secret "tls13 res master"'), 'expanded')));
  expect(hex(field(h('derive secret "tls13 res master"'), 'hash'))).toBe(hex(th('CF')));
  secrets.client['application data'] = cats;
  secrets.server['application data'] = sats;

  // Finished (RFC 8446 §4.4.4): verify_data over the transcript up to the message before Finished.
  for (const [actor, base, name] of [
    ['server', shts, 'SF'],
    ['client', chts, 'CF'],
  ] as const) {
    const entry = listed(trace, 'calculate finished "tls13 finished"', actor);
    expect(hex(field(entry, 'PRK'))).toBe(hex(base));
    expect(hex(finishedKey(p, suite.hash, base))).toBe(hex(field(entry, 'expanded')));
    const verifyData = finishedVerifyData(p, suite.hash, base, before.get(name)!);
    expect(hex(verifyData)).toBe(hex(field(entry, 'finished')));
    const finishedMessage = script.messages.find(([n]) => n === name)![1];
    expect(hex(finishedMessage)).toBe(`14000020${hex(verifyData)}`);
  }

  // Traffic keys: every listed write and read key/IV.
  for (const actor of ['client', 'server'] as const) {
    for (const e of findEntries(trace, actor, 'traffic keys for')) {
      if (e.fields.length === 0) continue;
      const m = /derive (write|read) traffic keys for (.*)$/.exec(e.action)!;
      const owner = m[1] === 'write' ? actor : other(actor);
      const keys = trafficKeys(p, suite, secrets[owner][m[2]!]!);
      expect(hex(field(e, 'PRK'))).toBe(hex(secrets[owner][m[2]!]!));
      expect(hex(keys.key)).toBe(hex(field(e, 'key expanded')));
      expect(hex(keys.iv)).toBe(hex(field(e, 'iv expanded')));
    }
  }

  // Records: walk the trace in order; each side's epoch changes where it derives write keys.
  const sealers: Partial<Record<Actor, RecordSealer>> = {};
  const openers: Partial<Record<Actor, RecordOpener>> = {};
  let protectedRecords = 0;
  for (const e of trace.entries) {
    const keysFor = /^derive write traffic keys for (.*?)( \(same as.*)?$/.exec(e.action);
    if (keysFor) {
      const secret = secrets[e.actor][keysFor[1]!]!;
      sealers[e.actor] = RecordSealer.fromSecret(p, suite, secret);
      openers[e.actor] = RecordOpener.fromSecret(p, suite, secret);
      continue;
    }
    const send = /^send (handshake|application_data|alert|change_cipher_spec) record$/.exec(e.action);
    if (!send) continue;
    const payload = field(e, 'payload');
    const record = field(e, 'complete record');
    if (record[0] !== ContentType.application_data) {
      // Unprotected: the header, then the payload as is.
      expect(hex(record.subarray(5))).toBe(hex(payload));
      continue;
    }
    const type = ContentType[send[1] as 'handshake' | 'application_data' | 'alert'];
    const sealer = sealers[e.actor]!;
    const seq = sealer.sequence;
    expect(hex(sealer.seal(type, payload))).toBe(hex(record));
    const opened = openers[e.actor]!.open(record);
    expect(opened.type).toBe(type);
    expect(opened.sequence).toBe(seq);
    expect(opened.paddingLength).toBe(0);
    expect(hex(opened.content)).toBe(hex(payload));
    protectedRecords++;
  }
  expect(protectedRecords).toBe(script.protectedRecords);
}

describe.each(PROVIDERS)('RFC 8448 §3 (%s): simple 1-RTT handshake', (_, p) => {
  const t = loadTrace(3);
  const flight = messages(t, ...FULL);

  it('derives every secret, key, Finished and record of the trace', () => {
    replay(p, { section: 3, group: 'x25519', messages: flight, protectedRecords: 7 });
  });

  it('derives the ticket PSK from the resumption master secret and ticket nonce (RFC 8446 §4.6.1)', () => {
    const rms = field(listed(t, 'derive secret "tls13 res master"'), 'expanded');
    const entry = listed(t, 'generate resumption secret "tls13 resumption"');
    const nonce = field(entry, 'hash'); // the ticket_nonce, printed as the HKDF context
    expect(hex(nonce)).toBe('0000');
    expect(hex(resumptionPsk(p, 'sha256', rms, nonce))).toBe(hex(field(entry, 'expanded')));
    // The NewSessionTicket carries that nonce: 04 len(3) lifetime(4) age_add(4) nonce<1>
    const nst = message(t, 'server', 'NewSessionTicket');
    expect(hex(nst.subarray(12, 15))).toBe('020000');
  });

  it('verifies the server CertificateVerify (rsa_pss_rsae_sha256) with the §2 RSA key, and re-signs it exactly', () => {
    const key = rfc8448RsaPrivateKey();
    expect(key.n.toString(2).length).toBe(1024);
    const cv = message(t, 'server', 'CertificateVerify');
    expect(hex(cv.subarray(4, 8))).toBe('08040080');
    const signature = cv.subarray(8);
    const th = p.hash('sha256', concat(...flight.slice(0, 4).map(([, m]) => m)));
    const content = concat(
      new Uint8Array(64).fill(0x20),
      new TextEncoder().encode('TLS 1.3, server CertificateVerify'),
      Uint8Array.of(0),
      th,
    );
    const pub: RsaPublicKey = { type: 'rsa', n: key.n, e: key.e };
    expect(p.verify('rsa_pss_rsae_sha256', pub, content, signature)).toBe(true);
    expect(p.verify('rsa_pss_rsae_sha256', pub, content.subarray(1), signature)).toBe(false);
    expect(p.verify('rsa_pss_pss_sha256', pub, content, signature)).toBe(false);
    // Recover the salt the RFC's signer used (RFC 8017 §9.1.2 steps 7–11), inject it, get the same bytes.
    const em = i2osp(modPow(os2ip(signature), key.e, key.n), 128);
    const maskedDb = em.subarray(0, 128 - 33);
    const db = mgf1('sha256', em.subarray(128 - 33, 127), maskedDb.length).map((b, i) => b ^ maskedDb[i]!);
    const salt = db.subarray(db.length - 32);
    expect(hex(p.sign('rsa_pss_rsae_sha256', key, content, { salt }))).toBe(hex(signature));
    // Without CRT components too.
    const plain: RsaPrivateKey = { type: 'rsa', n: key.n, e: key.e, d: key.d };
    expect(hex(p.sign('rsa_pss_rsae_sha256', plain, content, { salt }))).toBe(hex(signature));
  });
});

describe.each(PROVIDERS)('RFC 8448 §4 (%s): resumed 0-RTT handshake', (_, p) => {
  it('derives binder, early, handshake and application secrets; replays the 0-RTT and 1-RTT records', () => {
    const t3 = loadTrace(3);
    const psk = field(listed(t3, 'generate resumption secret "tls13 resumption"'), 'expanded');
    const t = loadTrace(4);
    replay(p, {
      section: 4,
      group: 'x25519',
      psk,
      protectedRecords: 8,
      messages: [
        ['CH', field(findEntry(t, 'client', 'send handshake record'), 'payload')],
        ...messages(t, 'SH', 'EE', 'SF', 'EOED', 'CF'),
      ],
    });
  });
});

describe.each(PROVIDERS)('RFC 8448 §5 (%s): HelloRetryRequest', (_, p) => {
  it('applies the message_hash rule and replays the P-256 handshake', () => {
    const t = loadTrace(5);
    replay(p, {
      section: 5,
      protectedRecords: 4,
      group: 'secp256r1',
      messages: [
        ['CH1', message(t, 'client', 'ClientHello', 0)],
        ['HRR', message(t, 'server', 'ServerHello', 0)],
        // The second ClientHello and ServerHello play the parts of CH and SH in the key schedule.
        ['CH', message(t, 'client', 'ClientHello', 1)],
        ['SH', message(t, 'server', 'ServerHello', 1)],
        ...messages(t, 'EE', 'Cert', 'CV', 'SF', 'CF'),
      ],
    });
  });
});

describe.each(PROVIDERS)('RFC 8448 §6 (%s): client authentication', (_, p) => {
  it('replays the handshake with CertificateRequest and the client flight', () => {
    const t = loadTrace(6);
    replay(p, {
      section: 6,
      protectedRecords: 4,
      group: 'x25519',
      messages: messages(t, 'CH', 'SH', 'EE', 'CR', 'Cert', 'CV', 'SF', 'CCert', 'CCV', 'CF'),
    });
  });
});

describe.each(PROVIDERS)('RFC 8448 §7 (%s): middlebox compatibility mode', (_, p) => {
  it('replays the handshake; change_cipher_spec records stay unprotected', () => {
    const t = loadTrace(7);
    replay(p, {
      section: 7,
      protectedRecords: 4,
      group: 'x25519',
      messages: messages(t, ...FULL),
    });
  });
});

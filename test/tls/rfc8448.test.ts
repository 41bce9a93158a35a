/**
 * The TLS codecs against every handshake message of RFC 8448 (sections 3–7): each message the RFC
 * constructs decodes to the fields the RFC shows and re-encodes to the same bytes; each record the RFC
 * sends deframes to its header and payload, and the handshake payloads reassemble into exactly the
 * constructed messages. Expected values are the RFC's own hex, or other blocks of the same trace (key
 * pairs, finished values, the ticket a later handshake resumes with).
 */
import { describe, expect, it } from 'vitest';
import { equalBytes, toHex } from '../../src/bytes/hex.js';
import { ContentType, HandshakeType } from '../../src/tls/enums.js';
import type { Extension } from '../../src/tls/extensions.js';
import { HandshakeReassembler } from '../../src/tls/handshake-framing.js';
import {
  clientHelloWithoutBinders,
  type DecodedHandshake,
  decodeHandshake,
  encodeHandshake,
  handshakeType,
} from '../../src/tls/messages/handshake.js';
import type { ClientHello, ServerHello } from '../../src/tls/messages/hello.js';
import { RecordDeframer, type TlsRecord } from '../../src/tls/record.js';
import {
  field,
  findEntries,
  findEntry,
  loadTrace,
  type Rfc8448Section,
  TRACE_SECTIONS,
  type Trace,
  type TraceEntry,
} from '../support/rfc8448.js';

/** The handshake type of each message label RFC 8448 uses. */
const MESSAGE_TYPES: Record<string, number> = {
  ClientHello: HandshakeType.client_hello,
  ServerHello: HandshakeType.server_hello,
  EncryptedExtensions: HandshakeType.encrypted_extensions,
  Certificate: HandshakeType.certificate,
  CertificateRequest: HandshakeType.certificate_request,
  CertificateVerify: HandshakeType.certificate_verify,
  Finished: HandshakeType.finished,
  NewSessionTicket: HandshakeType.new_session_ticket,
  EndOfEarlyData: HandshakeType.end_of_early_data,
};

/** Every "construct a … handshake message" block of a trace, in order: [entry, label, bytes]. */
function constructed(trace: Trace): { entry: TraceEntry; label: string; bytes: Uint8Array }[] {
  const out: { entry: TraceEntry; label: string; bytes: Uint8Array }[] = [];
  for (const entry of trace.entries) {
    if (!/^construct an? \w+ handshake message$/.test(entry.action)) continue;
    expect(entry.fields).toHaveLength(1);
    const f = entry.fields[0]!;
    out.push({ entry, label: f.label, bytes: f.bytes });
  }
  return out;
}

/** §4's ClientHello block is the binder-less prefix; the whole message is the record's payload. */
function isPskPrefix(section: Rfc8448Section, label: string): boolean {
  return section === 4 && label === 'ClientHello';
}

function decode(bytes: Uint8Array): DecodedHandshake {
  return decodeHandshake(bytes, { version: 'tls13' });
}

/** The extension variant(s) whose `kind` admits K (signature_algorithms shares its interface with _cert). */
type ExtensionOf<K extends Extension['kind'], E = Extension> = E extends { kind: infer EK }
  ? K extends EK
    ? E
    : never
  : never;

function ext<K extends Extension['kind']>(m: { extensions?: Extension[] }, kind: K): ExtensionOf<K> {
  const found = m.extensions?.filter((e) => e.kind === kind) ?? [];
  expect(found, `one ${kind} extension`).toHaveLength(1);
  return found[0] as ExtensionOf<K>;
}

function kinds(m: { extensions?: Extension[] }): string[] {
  return (m.extensions ?? []).map((e) => e.kind);
}

function deframeOne(complete: Uint8Array): TlsRecord {
  const d = new RecordDeframer({ protection: 'tls13-protected' });
  d.push(complete);
  const record = d.next();
  expect(record).toBeDefined();
  expect(d.next()).toBeUndefined();
  expect(d.partialLength).toBe(0);
  return record!;
}

function reassemble(fragments: Uint8Array[]): Uint8Array[] {
  const r = new HandshakeReassembler();
  const out: Uint8Array[] = [];
  for (const f of fragments) {
    r.push(f);
    for (let m = r.next(); m; m = r.next()) out.push(m.raw);
  }
  expect(r.partialLength).toBe(0);
  return out;
}

const hex = (s: string) => s.replace(/\s+/g, '');

describe.each(TRACE_SECTIONS)('RFC 8448 §%i', (section) => {
  const trace = loadTrace(section);

  it('every constructed handshake message decodes and re-encodes to the same bytes', () => {
    const messages = constructed(trace).filter((m) => !isPskPrefix(section, m.label));
    expect(messages.length).toBeGreaterThan(0);
    for (const { label, bytes } of messages) {
      const m = decode(bytes);
      expect(handshakeType(m), label).toBe(MESSAGE_TYPES[label]);
      expect(m.raw).toBe(bytes);
      expect(toHex(encodeHandshake(m)), label).toBe(toHex(bytes));
    }
  });

  it('every strict prefix of a constructed message, and the message plus a byte, fails to decode', () => {
    const accepted: string[] = [];
    for (const { label, bytes } of constructed(trace).filter((m) => !isPskPrefix(section, m.label))) {
      for (let i = 0; i < bytes.length; i++) {
        try {
          decode(bytes.subarray(0, i));
          accepted.push(`${label} cut at ${i}`);
        } catch {}
      }
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      expect(() => decode(longer), `${label} + 1 byte`).toThrow(/trailing/);
    }
    expect(accepted).toEqual([]);
  });

  it('every record deframes the same when its bytes arrive in two pieces, split anywhere', () => {
    const wrong: string[] = [];
    for (const e of trace.entries.filter((e) => e.action.startsWith('send '))) {
      const complete = field(e, 'complete record');
      const fragment = complete.subarray(5);
      for (let i = 0; i <= complete.length; i++) {
        const d = new RecordDeframer({ protection: 'tls13-protected' });
        d.push(complete.subarray(0, i));
        let record = d.next();
        if ((record === undefined) !== i < complete.length) wrong.push(`${e.action}: early/late record at ${i}`);
        if (!record) {
          d.push(complete.subarray(i));
          record = d.next();
        }
        if (!record || !equalBytes(record.fragment, fragment) || d.partialLength !== 0) {
          wrong.push(`${e.action}: split at ${i}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('every record deframes to its header and a fragment of the announced size', () => {
    const sends = trace.entries.filter((e) => e.action.startsWith('send '));
    expect(sends.length).toBeGreaterThan(0);
    for (const e of sends) {
      const complete = field(e, 'complete record');
      const payload = field(e, 'payload');
      const record = deframeOne(complete);
      expect(record.type).toBe(complete[0]);
      expect(record.version).toBe((complete[1]! << 8) | complete[2]!);
      if (record.type === ContentType.application_data) {
        // TLSCiphertext: the encrypted TLSInnerPlaintext (payload + content type byte, no padding in
        // RFC 8448) and a 16-byte AEAD tag.
        expect(record.version).toBe(0x0303);
        expect(record.fragment.length, e.action).toBe(payload.length + 1 + 16);
        expect(record.fragment).toEqual(complete.subarray(5));
      } else {
        // Cleartext: handshake (ClientHello, ServerHello) or change_cipher_spec (§7).
        expect(e.action).toMatch(record.type === ContentType.handshake ? /handshake/ : /change_cipher_spec/);
        expect(toHex(record.fragment)).toBe(toHex(payload));
      }
    }
  });

  it.each(['client', 'server'] as const)(
    'the %s handshake records reassemble into the constructed messages',
    (actor) => {
      const payloads = findEntries(trace, actor, 'send handshake record').map((e) => field(e, 'payload'));
      const expected = constructed(trace)
        .filter((m) => m.entry.actor === actor)
        .map((m) => (isPskPrefix(section, m.label) ? payloads[0]! : m.bytes));
      const whole = reassemble(payloads);
      expect(whole.map(toHex)).toEqual(expected.map(toHex));
      // The same bytes one byte per fragment.
      const concatenated = payloads.flatMap((p) => [...p]);
      const bytewise = reassemble(concatenated.map((b) => Uint8Array.of(b)));
      expect(bytewise.map(toHex)).toEqual(expected.map(toHex));
    },
  );

  it('the cleartext records carry the messages a record layer would frame', () => {
    for (const e of findEntries(trace, 'client', 'send handshake record').concat(
      findEntries(trace, 'server', 'send handshake record'),
    )) {
      const complete = field(e, 'complete record');
      if (complete[0] !== ContentType.handshake) continue;
      const record = deframeOne(complete);
      const m = decode(record.fragment);
      expect([HandshakeType.client_hello, HandshakeType.server_hello]).toContain(handshakeType(m));
      expect(toHex(encodeHandshake(m))).toBe(toHex(field(e, 'payload')));
    }
  });

  it('the Finished messages carry the computed finished values', () => {
    for (const actor of ['client', 'server'] as const) {
      const computed = findEntries(trace, actor, 'calculate finished').filter((e) => e.fields.length > 0);
      expect(computed).toHaveLength(1);
      const m = decode(field(findEntry(trace, actor, 'construct a Finished'), 'Finished'));
      expect(m.type).toBe('finished');
      if (m.type === 'finished') expect(toHex(m.verifyData)).toBe(toHex(field(computed[0]!, 'finished')));
    }
  });

  it('the key shares are the ephemeral public keys', () => {
    const clientKeys = trace.entries.filter((e) => e.actor === 'client' && /create an ephemeral/.test(e.action));
    const serverKeys = trace.entries.filter((e) => e.actor === 'server' && /create an ephemeral/.test(e.action));
    const hellos = constructed(trace)
      .filter((m) => m.label === 'ClientHello')
      .map((m, i) =>
        isPskPrefix(section, m.label)
          ? field(findEntries(trace, 'client', 'send handshake record')[i]!, 'payload')
          : m.bytes,
      )
      .map((b) => decode(b) as DecodedHandshake & ClientHello);
    expect(hellos.length).toBe(clientKeys.length);
    hellos.forEach((ch, i) => {
      const ks = ext(ch, 'key_share');
      expect(ks.form).toBe('client_hello');
      if (ks.form === 'client_hello') {
        expect(ks.shares).toHaveLength(1);
        expect(toHex(ks.shares[0]!.keyExchange)).toBe(toHex(field(clientKeys[i]!, 'public key')));
        expect(ks.shares[0]!.group).toBe(/P-256/.test(clientKeys[i]!.action) ? 0x0017 : 0x001d);
      }
    });
    const serverHellos = constructed(trace)
      .filter((m) => m.label === 'ServerHello')
      .map((m) => decode(m.bytes) as DecodedHandshake & ServerHello)
      .filter((sh) => !sh.isHelloRetryRequest);
    expect(serverHellos).toHaveLength(1);
    expect(serverKeys).toHaveLength(1);
    const ks = ext(serverHellos[0]!, 'key_share');
    expect(ks.form).toBe('server_hello');
    if (ks.form === 'server_hello')
      expect(toHex(ks.share.keyExchange)).toBe(toHex(field(serverKeys[0]!, 'public key')));
  });
});

describe('RFC 8448 §3 Simple 1-RTT Handshake: message fields', () => {
  const t = loadTrace(3);

  it('ClientHello', () => {
    const ch = decode(field(findEntry(t, 'client', 'construct a ClientHello'), 'ClientHello'));
    if (ch.type !== 'client_hello') throw new Error('not a ClientHello');
    expect(ch.version).toBe(0x0303);
    expect(toHex(ch.random)).toBe(
      hex('cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83 02 4d ec e7'),
    );
    expect(ch.sessionId.length).toBe(0);
    expect(ch.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(ch.compressionMethods).toEqual([0]);
    expect(kinds(ch)).toEqual([
      'server_name',
      'renegotiation_info',
      'supported_groups',
      'session_ticket',
      'key_share',
      'supported_versions',
      'signature_algorithms',
      'psk_key_exchange_modes',
      'record_size_limit',
    ]);
    expect(ext(ch, 'server_name').names).toEqual([{ type: 0, name: 'server' }]);
    expect(ext(ch, 'renegotiation_info').renegotiatedConnection.length).toBe(0);
    expect(ext(ch, 'supported_groups').groups).toEqual([0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104]);
    expect(ext(ch, 'session_ticket').ticket.length).toBe(0);
    const sv = ext(ch, 'supported_versions');
    expect(sv.form === 'client_hello' && sv.versions).toEqual([0x0304]);
    expect(ext(ch, 'signature_algorithms').schemes).toEqual([
      0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602,
      0x0202,
    ]);
    expect(ext(ch, 'psk_key_exchange_modes').modes).toEqual([1]);
    expect(ext(ch, 'record_size_limit').limit).toBe(0x4001);
  });

  it('ServerHello', () => {
    const sh = decode(field(findEntry(t, 'server', 'construct a ServerHello'), 'ServerHello'));
    if (sh.type !== 'server_hello') throw new Error('not a ServerHello');
    expect(sh.isHelloRetryRequest).toBe(false);
    expect(sh.version).toBe(0x0303);
    expect(toHex(sh.random)).toBe(
      hex('a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e d3 e2 69 28'),
    );
    expect(sh.cipherSuite).toBe(0x1301);
    expect(sh.compressionMethod).toBe(0);
    expect(kinds(sh)).toEqual(['key_share', 'supported_versions']);
    const sv = ext(sh, 'supported_versions');
    expect(sv.form === 'server_hello' && sv.selectedVersion).toBe(0x0304);
  });

  it('EncryptedExtensions, Certificate, CertificateVerify', () => {
    const ee = decode(field(findEntry(t, 'server', 'construct an EncryptedExtensions'), 'EncryptedExtensions'));
    if (ee.type !== 'encrypted_extensions') throw new Error('not EncryptedExtensions');
    expect(kinds(ee)).toEqual(['supported_groups', 'record_size_limit', 'server_name']);
    expect(ext(ee, 'server_name').names).toEqual([]);
    expect(ext(ee, 'record_size_limit').limit).toBe(0x4001);

    const certBytes = field(findEntry(t, 'server', 'construct a Certificate handshake'), 'Certificate');
    const cert = decode(certBytes);
    if (cert.type !== 'certificate' || cert.version !== 'tls13') throw new Error('not a TLS 1.3 Certificate');
    expect(cert.context.length).toBe(0);
    expect(cert.entries).toHaveLength(1);
    expect(cert.entries[0]!.extensions).toEqual([]);
    // 0b 00 01 b9 | 00 | 00 01 b5 | 00 01 b0 | 30 82 01 ac …: a 432-byte DER certificate.
    expect(cert.entries[0]!.data.length).toBe(0x1b0);
    expect(toHex(cert.entries[0]!.data)).toBe(toHex(certBytes.subarray(11, 11 + 0x1b0)));
    expect(toHex(cert.entries[0]!.data.subarray(0, 4))).toBe('308201ac');

    const cv = decode(field(findEntry(t, 'server', 'construct a CertificateVerify'), 'CertificateVerify'));
    if (cv.type !== 'certificate_verify') throw new Error('not CertificateVerify');
    expect(cv.algorithm).toBe(0x0804); // rsa_pss_rsae_sha256
    expect(cv.signature.length).toBe(128);
    expect(toHex(cv.signature.subarray(0, 8))).toBe('5a747c5d88fa9bd2');
  });

  it('NewSessionTicket', () => {
    const nst = decode(field(findEntry(t, 'server', 'construct a NewSessionTicket'), 'NewSessionTicket'));
    if (nst.type !== 'new_session_ticket' || nst.version !== 'tls13') throw new Error('not a TLS 1.3 NewSessionTicket');
    expect(nst.lifetime).toBe(0x1e);
    expect(nst.ageAdd).toBe(0xfad6aac5);
    expect(toHex(nst.nonce)).toBe('0000');
    expect(nst.ticket.length).toBe(0xb2);
    expect(toHex(nst.ticket.subarray(0, 8))).toBe('2c035d829359ee5f');
    expect(kinds(nst)).toEqual(['early_data']);
    expect(ext(nst, 'early_data').maxEarlyDataSize).toBe(0x400);
  });
});

describe('RFC 8448 §4 Resumed 0-RTT Handshake: PSK and early data', () => {
  const t = loadTrace(4);
  const full = field(findEntry(t, 'client', 'send handshake record'), 'payload');

  it('the ClientHello offers the §3 ticket with early_data, pre_shared_key last', () => {
    const ch = decode(full);
    if (ch.type !== 'client_hello') throw new Error('not a ClientHello');
    expect(kinds(ch)).toEqual([
      'server_name',
      'renegotiation_info',
      'supported_groups',
      'key_share',
      'early_data',
      'supported_versions',
      'signature_algorithms',
      'psk_key_exchange_modes',
      'record_size_limit',
      'padding',
      'pre_shared_key',
    ]);
    const psk = ext(ch, 'pre_shared_key');
    if (psk.form !== 'client_hello') throw new Error('not an OfferedPsks');
    const ticket = decode(field(findEntry(loadTrace(3), 'server', 'construct a NewSessionTicket'), 'NewSessionTicket'));
    if (ticket.type !== 'new_session_ticket' || ticket.version !== 'tls13') throw new Error('no ticket');
    expect(psk.identities).toHaveLength(1);
    expect(toHex(psk.identities[0]!.identity)).toBe(toHex(ticket.ticket));
    expect(psk.identities[0]!.obfuscatedTicketAge).toBe(0xfad6aacb);
    const binder = field(findEntry(t, 'client', 'calculate PSK binder'), 'finished');
    expect(psk.binders.map(toHex)).toEqual([toHex(binder)]);
    expect(ext(ch, 'padding').padding.every((b) => b === 0)).toBe(true);
  });

  it('the binder-less prefix is the RFC\'s "ClientHello prefix" and its ClientHello block', () => {
    const ch = decode(full);
    if (ch.type !== 'client_hello') throw new Error('not a ClientHello');
    const prefix = clientHelloWithoutBinders(ch);
    expect(toHex(prefix)).toBe(toHex(field(findEntry(t, 'client', 'calculate PSK binder'), 'ClientHello prefix')));
    expect(toHex(prefix)).toBe(toHex(field(findEntry(t, 'client', 'construct a ClientHello'), 'ClientHello')));
    expect(equalBytes(full.subarray(0, prefix.length), prefix)).toBe(true);
  });

  it('the binder-less prefix alone is not a ClientHello', () => {
    expect(() => decode(field(findEntry(t, 'client', 'construct a ClientHello'), 'ClientHello'))).toThrow();
  });

  it('the ServerHello selects identity 0; EncryptedExtensions accepts early data; EndOfEarlyData is empty', () => {
    const sh = decode(field(findEntry(t, 'server', 'construct a ServerHello'), 'ServerHello'));
    if (sh.type !== 'server_hello') throw new Error('not a ServerHello');
    expect(kinds(sh)).toEqual(['pre_shared_key', 'key_share', 'supported_versions']);
    const psk = ext(sh, 'pre_shared_key');
    expect(psk.form === 'server_hello' && psk.selectedIdentity).toBe(0);
    const ee = decode(field(findEntry(t, 'server', 'construct an EncryptedExtensions'), 'EncryptedExtensions'));
    expect(kinds(ee as { extensions?: Extension[] })).toEqual([
      'supported_groups',
      'record_size_limit',
      'server_name',
      'early_data',
    ]);
    const eoed = field(findEntry(t, 'client', 'construct an EndOfEarlyData'), 'EndOfEarlyData');
    expect(toHex(eoed)).toBe('05000000');
    expect(decode(eoed).type).toBe('end_of_early_data');
  });
});

describe('RFC 8448 §5 HelloRetryRequest', () => {
  const t = loadTrace(5);
  const hrr = decode(field(findEntry(t, 'server', 'construct a ServerHello', 0), 'ServerHello'));
  const ch2 = decode(field(findEntry(t, 'client', 'construct a ClientHello', 1), 'ClientHello'));

  it('the first ServerHello is a HelloRetryRequest for secp256r1 with a cookie', () => {
    if (hrr.type !== 'server_hello') throw new Error('not a ServerHello');
    expect(hrr.isHelloRetryRequest).toBe(true);
    expect(toHex(hrr.random)).toBe(
      hex('cf 21 ad 74 e5 9a 61 11 be 1d 8c 02 1e 65 b8 91 c2 a2 11 16 7a bb 8c 5e 07 9e 09 e2 c8 a8 33 9c'),
    );
    expect(hrr.cipherSuite).toBe(0x1301);
    expect(kinds(hrr)).toEqual(['key_share', 'cookie', 'supported_versions']);
    const ks = ext(hrr, 'key_share');
    expect(ks.form === 'hello_retry_request' && ks.selectedGroup).toBe(0x0017);
    expect(ext(hrr, 'cookie').cookie.length).toBe(0x72);
    const sh = decode(field(findEntry(t, 'server', 'construct a ServerHello', 1), 'ServerHello'));
    expect(sh.type === 'server_hello' && sh.isHelloRetryRequest).toBe(false);
  });

  it('the second ClientHello keeps the random, echoes the cookie and shares a P-256 key', () => {
    const ch1 = decode(field(findEntry(t, 'client', 'construct a ClientHello', 0), 'ClientHello'));
    if (ch1.type !== 'client_hello' || ch2.type !== 'client_hello') throw new Error('not ClientHellos');
    expect(toHex(ch2.random)).toBe(toHex(ch1.random));
    expect(ext(ch1, 'supported_groups').groups).toEqual([0x1d, 0x17, 0x18]);
    expect(kinds(ch2)).toEqual([
      'server_name',
      'renegotiation_info',
      'supported_groups',
      'key_share',
      'supported_versions',
      'signature_algorithms',
      'cookie',
      'psk_key_exchange_modes',
      'record_size_limit',
      'padding',
    ]);
    expect(toHex(ext(ch2, 'cookie').cookie)).toBe(toHex(ext(hrr as ServerHello, 'cookie').cookie));
  });

  it('the HelloRetryRequest record is a cleartext handshake record', () => {
    const send = findEntries(t, 'server', 'send handshake record')[0]!;
    const record = deframeOne(field(send, 'complete record'));
    expect(record.type).toBe(ContentType.handshake);
    expect(record.version).toBe(0x0303);
    expect(toHex(record.fragment.subarray(0, 4))).toBe('020000ac');
  });
});

describe('RFC 8448 §6 Client Authentication', () => {
  const t = loadTrace(6);

  it('CertificateRequest asks for the ClientHello signature schemes with an empty context', () => {
    const cr = decode(field(findEntry(t, 'server', 'construct a CertificateRequest'), 'CertificateRequest'));
    if (cr.type !== 'certificate_request' || cr.version !== 'tls13')
      throw new Error('not a TLS 1.3 CertificateRequest');
    expect(cr.context.length).toBe(0);
    expect(kinds(cr)).toEqual(['signature_algorithms']);
    const ch = decode(field(findEntry(t, 'client', 'construct a ClientHello'), 'ClientHello'));
    expect(ext(cr, 'signature_algorithms').schemes).toEqual(ext(ch as ClientHello, 'signature_algorithms').schemes);
  });

  it('server ECDSA and client RSA certificates and signatures', () => {
    const scv = decode(field(findEntry(t, 'server', 'construct a CertificateVerify'), 'CertificateVerify'));
    expect(scv.type === 'certificate_verify' && scv.algorithm).toBe(0x0403); // ecdsa_secp256r1_sha256
    const ccv = decode(field(findEntry(t, 'client', 'construct a CertificateVerify'), 'CertificateVerify'));
    expect(ccv.type === 'certificate_verify' && ccv.algorithm).toBe(0x0804); // rsa_pss_rsae_sha256
    const scert = decode(field(findEntry(t, 'server', 'construct a Certificate handshake'), 'Certificate'));
    const ccert = decode(field(findEntry(t, 'client', 'construct a Certificate handshake'), 'Certificate'));
    if (scert.type !== 'certificate' || scert.version !== 'tls13') throw new Error('not a TLS 1.3 Certificate');
    if (ccert.type !== 'certificate' || ccert.version !== 'tls13') throw new Error('not a TLS 1.3 Certificate');
    expect(scert.entries.map((e) => e.data.length)).toEqual([0x132]);
    expect(ccert.entries.map((e) => e.data.length)).toEqual([0x1b6]);
    expect(ccert.context.length).toBe(0);
  });
});

describe('RFC 8448 §7 Compatibility Mode', () => {
  const t = loadTrace(7);

  it('the ServerHello echoes the 32-byte legacy_session_id', () => {
    const ch = decode(field(findEntry(t, 'client', 'construct a ClientHello'), 'ClientHello'));
    const sh = decode(field(findEntry(t, 'server', 'construct a ServerHello'), 'ServerHello'));
    if (ch.type !== 'client_hello' || sh.type !== 'server_hello') throw new Error('not hellos');
    expect(toHex(ch.sessionId)).toBe(
      hex('a8 0c 16 55 81 a8 e0 d0 6c 00 18 d5 4d 3a 06 dd 32 cf d4 05 1e b0 26 fa d3 fd 0b a9 92 69 e6 ef'),
    );
    expect(toHex(sh.sessionId)).toBe(toHex(ch.sessionId));
  });

  it('both change_cipher_spec records deframe to the one-byte message', () => {
    for (const actor of ['client', 'server'] as const) {
      const e = findEntry(t, actor, 'send change_cipher_spec record');
      const record = deframeOne(field(e, 'complete record'));
      expect(record.type).toBe(ContentType.change_cipher_spec);
      expect(record.version).toBe(0x0303);
      expect(toHex(record.fragment)).toBe('01');
    }
  });
});

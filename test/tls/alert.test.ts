/** Tests for the Alert codec and the TLS 1.3 / 1.2 fatality rules (RFC 8446 §6, RFC 5246 §7.2). */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/bytes/hex.js';
import { Writer } from '../../src/bytes/writer.js';
import { type Alert, encodeAlert, isFatalAlert, parseAlert, serializeAlert } from '../../src/tls/alert.js';
import { AlertDescription, AlertLevel, ProtocolVersion } from '../../src/tls/enums.js';
import { alertFor } from '../../src/tls/errors.js';
import { decodeError } from '../support/errors.js';
import { field, findEntry, loadTrace } from '../support/rfc8448.js';

describe('Alert', () => {
  it('decodes the close_notify payloads of RFC 8448 §3 (01 00)', () => {
    const trace = loadTrace(3);
    for (const actor of ['client', 'server'] as const) {
      const payload = field(findEntry(trace, actor, 'send alert record'), 'payload');
      expect(parseAlert(payload)).toEqual({ level: AlertLevel.warning, description: AlertDescription.close_notify });
    }
  });

  it('encodes level then description', () => {
    expect(serializeAlert({ level: 2, description: 40 })).toEqual(fromHex('02 28'));
    expect(Writer.encode((w) => encodeAlert(w, { level: 1, description: 0 }))).toEqual(fromHex('01 00'));
  });

  it('keeps unknown levels and descriptions', () => {
    const odd: Alert = { level: 0xff, description: 0xc8 };
    expect(parseAlert(fromHex('ff c8'))).toEqual(odd);
    expect(serializeAlert(odd)).toEqual(fromHex('ff c8'));
  });

  it('rejects prefixes and coalesced alerts with decode_error', () => {
    for (const bytes of ['', '02']) {
      const e = decodeError(() => parseAlert(fromHex(bytes)));
      expect(e.reason).toBe('truncated');
      expect(alertFor(e)).toBe(AlertDescription.decode_error);
    }
    const e = decodeError(() => parseAlert(fromHex('02 28 02 28')));
    expect(e.reason).toBe('trailing');
    expect(e.offset).toBe(2);
    expect(alertFor(e)).toBe(AlertDescription.decode_error);
  });
});

describe('isFatalAlert', () => {
  it('TLS 1.3: everything but close_notify and user_canceled is fatal, whatever the level', () => {
    expect(isFatalAlert({ level: 1, description: 0 })).toBe(false);
    expect(isFatalAlert({ level: 2, description: 0 })).toBe(false);
    expect(isFatalAlert({ level: 1, description: 90 })).toBe(false);
    expect(isFatalAlert({ level: 1, description: 40 })).toBe(true);
    expect(isFatalAlert({ level: 1, description: 0xc8 })).toBe(true);
    expect(isFatalAlert({ level: 2, description: 20 }, ProtocolVersion.TLS1_3)).toBe(true);
  });

  it('TLS 1.2: the level decides', () => {
    const v = ProtocolVersion.TLS1_2;
    expect(isFatalAlert({ level: 1, description: 100 }, v)).toBe(false);
    expect(isFatalAlert({ level: 1, description: 0 }, v)).toBe(false);
    expect(isFatalAlert({ level: 2, description: 40 }, v)).toBe(true);
    expect(isFatalAlert({ level: 3, description: 40 }, v)).toBe(true);
  });
});

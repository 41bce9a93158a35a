/** Tests for the TLS error classes and alertFor, the one error → alert mapping. */
import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError, TlswireError } from '../../src/bytes/errors.js';
import { fromHex } from '../../src/bytes/hex.js';
import { Reader } from '../../src/bytes/reader.js';
import { AlertDescription, AlertLevel } from '../../src/tls/enums.js';
import { alertFor, PeerAlertError, TlsAlertError } from '../../src/tls/errors.js';

const decodeError = (reason: DecodeError['reason']) => new DecodeError(reason, 'x', 'P', 0);

describe('alertFor', () => {
  it('maps DecodeError reasons to the RFC 8446 §6.2 alerts', () => {
    expect(alertFor(decodeError('truncated'))).toBe(50);
    expect(alertFor(decodeError('trailing'))).toBe(50);
    expect(alertFor(decodeError('length'))).toBe(50);
    expect(alertFor(decodeError('value'))).toBe(47);
    expect(alertFor(decodeError('duplicate'))).toBe(47);
    expect(alertFor(decodeError('overflow'))).toBe(22);
    expect(alertFor(decodeError('unexpected'))).toBe(10);
  });

  it('maps errors thrown by a real decode', () => {
    let caught: unknown;
    try {
      Reader.decode(fromHex('00 05 01 02'), 'Thing', (r) => r.opaque16('body'));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DecodeError);
    expect(alertFor(caught)).toBe(AlertDescription.decode_error);
  });

  it('returns the alert a TlsAlertError names', () => {
    const e = new TlsAlertError(AlertDescription.handshake_failure, 'no common cipher suite');
    expect(alertFor(e)).toBe(40);
    expect(e.message).toBe('handshake_failure: no common cipher suite');
    expect(e).toBeInstanceOf(TlswireError);
    const cause = new Error('inner');
    expect(new TlsAlertError(AlertDescription.bad_record_mac, 'open failed', { cause }).cause).toBe(cause);
    expect(alertFor(new TlsAlertError(0x99, 'unknown alert value'))).toBe(0x99);
  });

  it('answers a peer alert with close_notify', () => {
    expect(alertFor(new PeerAlertError(AlertLevel.fatal, AlertDescription.bad_certificate))).toBe(0);
  });

  it('maps everything else to internal_error', () => {
    expect(alertFor(new TypeError('bug'))).toBe(80);
    expect(alertFor(new EncodeError('too long'))).toBe(80);
    expect(alertFor(new TlswireError('other'))).toBe(80);
    expect(alertFor('a string')).toBe(80);
    expect(alertFor(undefined)).toBe(80);
  });
});

describe('PeerAlertError', () => {
  it('names the alert and recognises close_notify', () => {
    const fatal = new PeerAlertError(2, 42);
    expect(fatal.message).toBe('peer sent fatal alert bad_certificate');
    expect(fatal.isCloseNotify).toBe(false);
    const close = new PeerAlertError(1, 0);
    expect(close.message).toBe('peer sent warning alert close_notify');
    expect(close.isCloseNotify).toBe(true);
    expect(new PeerAlertError(7, 200).message).toBe('peer sent 0x07 alert 0xc8');
  });
});

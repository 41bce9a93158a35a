/**
 * Catching the typed errors the tests assert on: {@link decodeError} for a decoder's
 * {@link DecodeError} (reason, path, offset), {@link alertOf} for the alert a {@link TlsAlertError}
 * carries. Anything else thrown, or nothing thrown, fails the test.
 */
import { expect } from 'vitest';
import { DecodeError } from '../../src/bytes/errors.js';
import { alertFor, TlsAlertError } from '../../src/tls/errors.js';

/** The DecodeError `fn` throws; any other error is rethrown, and returning normally is an error. */
export function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('expected a DecodeError');
}

/** The alert of the TlsAlertError `fn` throws (it must throw one). */
export function alertOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TlsAlertError);
    return alertFor(e);
  }
  throw new Error('expected an alert');
}

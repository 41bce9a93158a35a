/**
 * The TLS 1.3 server's check of the client's key shares (RFC 8446 §4.2.8): each share's group must be
 * in supported_groups and appear once, else illegal_parameter; a ClientHello with thousands of groups
 * and shares (checked through a Set since the fuzzing work of issue #11) still completes the handshake.
 */
import { describe, expect, it } from 'vitest';
import { TlsClient } from '../../src/handshake/client.js';
import { TlsServer } from '../../src/handshake/server.js';
import type { TlsEvent } from '../../src/handshake/types.js';
import { AlertDescription } from '../../src/tls/enums.js';
import type { Extension } from '../../src/tls/extensions.js';
import type { ClientHello } from '../../src/tls/messages/hello.js';
import { certified } from './memory.js';

const CERT = certified('server-ecdsa');

/** A handshake whose ClientHello `edit` rewrote; the server's events. */
function serverEvents(edit: (extensions: Extension[]) => Extension[]): TlsEvent[] {
  const client = new TlsClient({
    serverName: 'localhost',
    verifyServer: () => undefined,
    editClientHello: (hello: ClientHello) => ({ ...hello, extensions: edit(hello.extensions ?? []) }),
  });
  const server = new TlsServer({ certificate: CERT });
  const events: TlsEvent[] = [];
  const toServer = (from: TlsEvent[]) => {
    for (const e of from) {
      if (e.kind !== 'send') continue;
      const answer = server.handle(e.bytes);
      events.push(...answer);
      for (const a of answer) if (a.kind === 'send') toServer(client.handle(a.bytes));
    }
  };
  toServer(client.start());
  return events;
}

const alertsSent = (events: TlsEvent[]) =>
  events.flatMap((e) => (e.kind === 'alert-sent' ? [[e.level, e.description]] : []));

/** `extensions` with the key_share and supported_groups bodies changed. */
function withGroups(extensions: Extension[], groups: (g: number[]) => number[], shares: (s: KeyShares) => KeyShares) {
  return extensions.map((e) =>
    e.kind === 'supported_groups'
      ? { ...e, groups: groups([...e.groups]) }
      : e.kind === 'key_share' && e.form === 'client_hello'
        ? { ...e, shares: shares([...e.shares]) }
        : e,
  );
}
type KeyShares = { group: number; keyExchange: Uint8Array }[];

describe('TLS 1.3 server: key shares against supported_groups', () => {
  it('a share for a group not in supported_groups: illegal_parameter', () => {
    const events = serverEvents((x) =>
      withGroups(
        x,
        (g) => g,
        (s) => [...s, { group: 0x7777, keyExchange: Uint8Array.of(1) }],
      ),
    );
    expect(alertsSent(events)).toEqual([[2, AlertDescription.illegal_parameter]]);
  });

  it('two shares for one group: illegal_parameter', () => {
    const events = serverEvents((x) =>
      withGroups(
        x,
        (g) => g,
        (s) => [...s, s[0]!],
      ),
    );
    expect(alertsSent(events)).toEqual([[2, AlertDescription.illegal_parameter]]);
  });

  it('6,000 shares of 16,000 offered groups, the real share first: the handshake completes', () => {
    const extra = Array.from({ length: 16_000 }, (_, i) => 0x8000 + i);
    const events = serverEvents((x) =>
      withGroups(
        x,
        (g) => [...g, ...extra],
        (s) => [...s, ...extra.slice(0, 6_000).map((group) => ({ group, keyExchange: Uint8Array.of(1) }))],
      ),
    );
    expect(alertsSent(events)).toEqual([]);
    expect(events.some((e) => e.kind === 'established')).toBe(true);
  });
});

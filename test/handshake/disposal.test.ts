/**
 * Keys and secrets are wiped once the connection no longer needs them (RFC 8446 §7, RFC 5246 §6.3):
 * every record protection context that KeyUpdate, a new epoch or a ChangeCipherSpec replaces is
 * disposed at once; while established a side holds exactly one opener and one sealer; after
 * `dispose()` every context is disposed and every HKDF output (every TLS 1.3 secret, key and IV the
 * connection derived) is zero. `secret` events are emitted only when a key log asked for them.
 */
import { describe, expect, it } from 'vitest';
import { NobleProvider } from '../../src/crypto/noble.js';
import type { AeadContext, AeadName, HashName } from '../../src/crypto/provider.js';
import { TlsClient } from '../../src/handshake/client.js';
import { TlsServer } from '../../src/handshake/server.js';
import { AeadTicketer } from '../../src/handshake/ticket.js';
import { Tls12Client } from '../../src/handshake/tls12/client.js';
import { Tls12Server } from '../../src/handshake/tls12/server.js';
import type { AnyTlsEvent } from '../../src/handshake/types.js';
import { certified } from './memory.js';

/** A provider that records every AEAD context it keys and every HKDF output it returns. */
class RecordingProvider extends NobleProvider {
  readonly contexts: { disposed: boolean }[] = [];
  readonly derived: Uint8Array[] = [];

  override aead(aead: AeadName, key: Uint8Array): AeadContext {
    const inner = super.aead(aead, key);
    const entry = { disposed: false };
    this.contexts.push(entry);
    return {
      aead: inner.aead,
      seal: (n, p, a) => inner.seal(n, p, a),
      open: (n, c, a) => inner.open(n, c, a),
      dispose: () => {
        entry.disposed = true;
        inner.dispose();
      },
    };
  }

  override hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
    const out = super.hkdfExtract(hash, salt, ikm);
    this.derived.push(out);
    return out;
  }

  override hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    const out = super.hkdfExpand(hash, prk, info, length);
    this.derived.push(out);
    return out;
  }

  live(): number {
    return this.contexts.filter((c) => !c.disposed).length;
  }
}

interface Side {
  handle(bytes: Uint8Array): AnyTlsEvent[];
}

/** Deliver `events`' records to `to` and the answers back, until both sides are quiet. */
function deliver(events: AnyTlsEvent[], to: Side, back: Side): void {
  for (const e of events) if (e.kind === 'send') deliver(to.handle(e.bytes), back, to);
}

function noError(events: AnyTlsEvent[]): AnyTlsEvent[] {
  for (const e of events) if (e.kind === 'error') throw e.error;
  return events;
}

const zero = (b: Uint8Array) => b.every((x) => x === 0);

describe('TLS 1.3: keys and secrets are disposed once not needed', () => {
  function connect(keyLog: boolean) {
    const cp = new RecordingProvider();
    const sp = new RecordingProvider();
    const client = new TlsClient({ provider: cp, serverName: 'localhost', verifyServer: () => undefined, keyLog });
    const server = new TlsServer({
      provider: sp,
      certificate: certified('server-ecdsa'),
      ticketer: new AeadTicketer(new NobleProvider(), new Uint8Array(32).fill(7)),
      keyLog,
    });
    const first = noError(client.start());
    const handedOut: Uint8Array[] = [];
    const watched: Side = {
      handle: (bytes) => {
        const events = client.handle(bytes);
        for (const e of events) if (e.kind === 'session' && 'psk' in e.session) handedOut.push(e.session.psk);
        return events;
      },
    };
    deliver(first, server, watched);
    return { cp, sp, client, server, first, handedOut };
  }

  it('one opener and one sealer per side while established, also across KeyUpdates both ways', () => {
    const { cp, sp, client, server } = connect(false);
    expect(client.isEstablished && server.isEstablished).toBe(true);
    // Handshake and application epochs were installed each way; only the current two are keyed.
    expect(cp.contexts.length).toBeGreaterThan(2);
    expect([cp.live(), sp.live()]).toEqual([2, 2]);
    deliver(noError(client.keyUpdate(true)), server, client);
    deliver(noError(server.keyUpdate(true)), client, server);
    deliver(noError(client.write(new Uint8Array([1, 2, 3]))), server, client);
    expect([cp.live(), sp.live()]).toEqual([2, 2]);
  });

  it('established: besides the two traffic secrets, the exporter and the resumption secret, no secret of Hash.length is left', () => {
    const { cp, sp, handedOut } = connect(false);
    for (const p of [cp, sp]) {
      // HKDF outputs of 32 bytes (SHA-256 suite): traffic secrets, derived secrets, finished keys,
      // keys; the tickets' PSKs given to the application in `session` events are the caller's.
      const left = p.derived.filter((b) => b.length === 32 && !zero(b) && !handedOut.includes(b));
      expect(left).toHaveLength(4);
    }
  });

  it('dispose(): every context disposed and every HKDF output zero, on both sides', () => {
    const { cp, sp, client, server, handedOut } = connect(false);
    deliver(noError(client.keyUpdate(true)), server, client);
    deliver(noError(client.close()), server, client);
    client.dispose();
    server.dispose();
    for (const p of [cp, sp]) {
      expect(p.live()).toBe(0);
      expect(p.derived.filter((b) => !zero(b) && !handedOut.includes(b))).toEqual([]);
    }
    // Nothing can be sent or received afterwards, and no secret can be exported.
    expect(client.write(new Uint8Array([1]))).toEqual([]);
    expect(() => client.exportKeyingMaterial('EXPORTER-test', undefined, 16)).toThrow(/before the handshake/);
  });

  it('a failure wipes the keys too', () => {
    const { cp, client } = connect(false);
    const failed = client.handle(Uint8Array.of(23, 3, 3, 0, 20, ...new Uint8Array(20)));
    expect(failed.filter((e) => e.kind === 'error')).toHaveLength(1);
    expect(cp.live()).toBe(0);
  });

  it('secret events only with keyLog: none by default, the five TLS 1.3 labels with it', () => {
    expect(connect(false).first.filter((e) => e.kind === 'secret')).toEqual([]);
    const { client, server } = connect(true);
    const labels: string[] = [];
    for (const events of [client.keyUpdate(false), server.keyUpdate(false)]) {
      for (const e of events) if (e.kind === 'secret') labels.push(e.label);
    }
    expect(labels).toEqual(['CLIENT_TRAFFIC_SECRET_1', 'SERVER_TRAFFIC_SECRET_1']);
  });
});

describe('TLS 1.2: record keys are disposed once not needed', () => {
  it('one opener and one sealer per side while established; none after dispose() or a failure', () => {
    const cp = new RecordingProvider();
    const sp = new RecordingProvider();
    const client = new Tls12Client({ provider: cp, serverName: 'localhost', verifyServer: () => undefined });
    const server = new Tls12Server({ provider: sp, certificate: certified('server-ecdsa') });
    deliver(noError(client.start()), server, client);
    expect(client.isEstablished && server.isEstablished).toBe(true);
    expect([cp.live(), sp.live()]).toEqual([2, 2]);
    client.dispose();
    expect(cp.live()).toBe(0);
    const failed = server.handle(Uint8Array.of(23, 3, 3, 0, 40, ...new Uint8Array(40)));
    expect(failed.filter((e) => e.kind === 'error')).toHaveLength(1);
    expect(sp.live()).toBe(0);
  });
});

/**
 * The per-file cleanup of the Node adapter tests: `closers` run after each test, and `listening(server)`
 * puts a server on a free 127.0.0.1 port and closes it after the test.
 */
import type net from 'node:net';
import { afterEach } from 'vitest';

/** Call once at the top of a test file. */
export function cleanupAfterEach(): {
  closers: (() => void)[];
  listening<S extends net.Server>(server: S): Promise<number>;
} {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });
  return {
    closers,
    async listening(server) {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      closers.push(() => server.close());
      return (server.address() as net.AddressInfo).port;
    },
  };
}

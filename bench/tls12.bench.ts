/**
 * TLS 1.2 benchmarks: sealing and opening full 2^14-byte records for each AEAD (RFC 5246 §6.2.3.3,
 * RFC 5288 §3, RFC 7905 §2; MB/s = ops/s × 16384 / 1e6, printed as a note), and the PRF derivations
 * of a full handshake (RFC 5246 §5, §6.3, §8.1; RFC 7627 §4): extended master secret + key block, and
 * one Finished verify_data. Everything measured is NobleProvider.
 */
import type { Bench } from 'tinybench';
import { NobleProvider } from '../src/crypto/noble.js';
import {
  TLS12_CIPHER_SUITES,
  tls12CipherSuite,
  tls12ExtendedMasterSecret,
  tls12FinishedVerifyData,
  tls12KeyBlock,
} from '../src/crypto/tls12-key-schedule.js';
import { Tls12RecordOpener, Tls12RecordSealer } from '../src/crypto/tls12-record-protection.js';
import { CipherSuite, ContentType } from '../src/tls/enums.js';

const RECORD = 16384;

export function register(bench: Bench): string[] {
  const p = new NobleProvider();
  const clientRandom = new Uint8Array(32).fill(1);
  const serverRandom = new Uint8Array(32).fill(2);
  const master = new Uint8Array(48).fill(3);
  const content = new Uint8Array(RECORD).fill(0x61);
  const recordTasks: string[] = [];

  // One suite per AEAD: the record layer does not depend on the key exchange.
  for (const value of [
    CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  ]) {
    const suite = tls12CipherSuite(value)!;
    const keyBlock = tls12KeyBlock(p, suite, master, clientRandom, serverRandom);
    const sealer = Tls12RecordSealer.fromKeyBlock(p, suite, keyBlock, 'client');
    const opener = Tls12RecordOpener.fromKeyBlock(p, suite, keyBlock, 'client');
    const record = Tls12RecordSealer.fromKeyBlock(p, suite, keyBlock, 'client').seal(
      ContentType.application_data,
      content,
    );
    const seal = `tls12 seal 16 KiB record ${suite.aead}`;
    const open = `tls12 open 16 KiB record ${suite.aead}`;
    recordTasks.push(seal, open);
    bench.add(seal, () => {
      sealer.seal(ContentType.application_data, content);
    });
    bench.add(open, () => {
      opener.setSequence(0n);
      opener.open(record);
    });
  }

  const premaster = new Uint8Array(32).fill(4);
  for (const suite of TLS12_CIPHER_SUITES.filter((s) => s.keyExchange === 'ecdhe_rsa')) {
    const sessionHash = p.hash(suite.hash, new Uint8Array(4000));
    bench.add(`tls12 extended master secret + key block ${suite.hash} (${suite.aead})`, () => {
      const ms = tls12ExtendedMasterSecret(p, suite.hash, premaster, sessionHash);
      tls12KeyBlock(p, suite, ms, clientRandom, serverRandom);
    });
  }
  for (const hash of ['sha256', 'sha384'] as const) {
    const transcriptHash = p.hash(hash, new Uint8Array(4000));
    bench.add(`tls12 Finished verify_data ${hash}`, () => {
      tls12FinishedVerifyData(p, hash, master, 'client', transcriptHash);
    });
  }

  return [`tls12: ${recordTasks.length} record tasks process ${RECORD} bytes per op: MB/s = ops/s × ${RECORD} / 1e6`];
}

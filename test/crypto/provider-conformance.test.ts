/**
 * NobleProvider through the provider conformance suite's known answers (test/crypto/provider-conformance.ts);
 * NodeCryptoProvider runs the same suite, and the cross-check of both, in test/node/provider-conformance.test.ts.
 */
import { NobleProvider } from '../../src/crypto/noble.js';
import { describeProviderConformance } from './provider-conformance.js';

describeProviderConformance('NobleProvider', new NobleProvider());

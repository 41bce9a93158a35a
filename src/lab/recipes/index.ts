/**
 * The worked conversations of docs/recipes.md, each a function giving the steps (RFC sections in
 * each module's doc).
 * @module
 */

export { badCcs13, ccsInHandshake13, earlyCcs12 } from './ccs.js';
export type { RecipeOptions } from './common.js';
export { handshake12, handshake13, serverFlight12, serverFlight13 } from './common.js';
export { downgradeSentinel } from './downgrade.js';
export { serverFormExtension, UNASSIGNED_EXTENSION, unknownExtension } from './extensions.js';
export type { FinishedVariant } from './finished.js';
export { FINISHED_ALERT, spoiledFinished } from './finished.js';
export type { RetryVariant } from './hello-retry.js';
export { helloRetryTwice } from './hello-retry.js';
export { keyShareNotOffered } from './key-share.js';
export { oversizedRecord } from './record-size.js';
export { clientHelloAfterHandshake13, renegotiation12, renegotiationAnswer } from './renegotiation.js';
export type { RsaVariant } from './rsa-oracle.js';
export { RSA_VARIANTS, rsaPremasterProbe, spoiledPlaintext } from './rsa-oracle.js';
export {
  retryForSharedGroup,
  retryThenHandshake13,
  serveHandshake12,
  serveHandshake13,
  serverAuthFlight13,
  serverKeyUpdate,
  unofferedSuite,
  unofferedSuiteServerHello,
  wrongServerFinished,
  wrongServerFinished12,
} from './server.js';
export { earlyDataAccepted, getTicket, replayEarlyData, sendEarlyData } from './zero-rtt.js';

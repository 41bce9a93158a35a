/**
 * `tlswire/lab`: scripted TLS conversations for research (tlsfuzzer / TLS-Attacker style): steps that
 * send any message or record in any order, expectations on what the peer answers (exact RFC 8446 §6
 * alerts), a key schedule and transcript that follow what was actually sent (RFC 8446 §7, RFC 5246
 * §8), any transport, and traces; the lab plays the client or (`role: 'server'`) the server.
 * Recipes: docs/recipes.md.
 * @module
 */

export type { LabEpoch, SealOptions } from './epoch.js';
export { recordHeader, tls12Epoch, tls13Epoch } from './epoch.js';
export { MAX_LAB_FRAGMENT, MAX_LAB_HANDSHAKE_BUFFER, messageTypeName } from './incoming.js';
export { alertName, describeExpectation, describeReceived } from './match.js';
export type { FinishedOptions } from './messages.js';
export {
  certificateVerify,
  clientHello,
  clientKeyExchange,
  encryptedExtensions,
  finished,
  helloRetryRequest,
  renegotiationHello,
  retryHello,
  sentinelOf,
  serverCertificate,
  serverHello,
  serverHello12,
  serverHelloDone,
  serverHelloHas,
  serverKeyExchange,
} from './messages.js';
export type { FinishedVariant, RecipeOptions, RetryVariant, RsaVariant } from './recipes/index.js';
export {
  badCcs13,
  ccsInHandshake13,
  clientHelloAfterHandshake13,
  downgradeSentinel,
  earlyCcs12,
  earlyDataAccepted,
  FINISHED_ALERT,
  getTicket,
  handshake12,
  handshake13,
  helloRetryTwice,
  keyShareNotOffered,
  oversizedRecord,
  RSA_VARIANTS,
  renegotiation12,
  renegotiationAnswer,
  replayEarlyData,
  retryForSharedGroup,
  retryThenHandshake13,
  rsaPremasterProbe,
  sendEarlyData,
  serveHandshake12,
  serveHandshake13,
  serverAuthFlight13,
  serverFlight12,
  serverFlight13,
  serverFormExtension,
  serverKeyUpdate,
  spoiledFinished,
  spoiledPlaintext,
  UNASSIGNED_EXTENSION,
  unknownExtension,
  unofferedSuite,
  unofferedSuiteServerHello,
  wrongServerFinished,
  wrongServerFinished12,
} from './recipes/index.js';
export type { ConversationResult, RunOptions, StepResult } from './runner.js';
export { runConversation } from './runner.js';
export type { ServerHello12Options, ServerKeyExchangeOptions } from './server12.js';
export type { CertificateVerifyOptions, ServerHelloOptions } from './server13.js';
export type { LabSecrets, LabTicket } from './state.js';
export { LabState } from './state.js';
export type {
  Expectation,
  Lazy,
  MessageSpec,
  Received,
  RecordOptions,
  SendOptions,
  Step,
  StepContext,
  StepFunction,
} from './steps.js';
export {
  alert,
  appData,
  branch,
  changeCipherSpec,
  check,
  close,
  expectAlert,
  expectClose,
  expectData,
  expectMessage,
  expectMessages,
  expectSilence,
  keyUpdate,
  raw,
  records,
  replay,
  send,
  switchKeys,
} from './steps.js';
export type { RsaPremasterOptions } from './tls12.js';
export type { HelloOptions } from './tls13.js';
export type { TraceOptions } from './trace.js';
export { formatTrace, resultJson, summary } from './trace.js';
export type { LabTransport, MemoryPeerLog, SansIoPeer } from './transport.js';
export { memoryTransport } from './transport.js';

/**
 * tlswire: wire codecs and sans-IO state machines for TCP and TLS.
 *
 * The root entry re-exports the byte core and each layer as a namespace (`tcp`, `capture`, …);
 * import a layer's subpath (`tlswire/tcp`, `tlswire/capture`, …) to get its names directly.
 * @module
 */
export * from './bytes/index.js';
export * as capture from './capture/index.js';
export * as tcp from './tcp/index.js';

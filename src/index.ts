/**
 * tlswire: wire codecs and sans-IO state machines for TCP and TLS.
 *
 * The root entry re-exports the byte core and each layer as a namespace; import a layer's subpath
 * (`tlswire/tcp`, `tlswire/capture`, …) to get its names directly.
 * @module
 */
export * from './bytes/index.js';

/**
 * The library's hints (src/handshake/diagnosis.ts, src/x509/verify.ts, the handshake policies) name
 * library options (`NegotiatingClient`, `options.intermediates`, `cipherSuites`); `tlswire connect`
 * and `tlswire serve` print them with the command-line options that do the same, from the one table
 * below. A hint that tells us to send intermediates our chain already holds is reworded.
 * @module
 */

/** What a command knows when it rewords a hint. */
export interface HintContext {
  command: 'connect' | 'serve';
  /** How many certificates our `--cert` file holds (0: none given). */
  ourChain: number;
}

type Rewrite = (hint: string, cx: HintContext) => string;

/** Replace `from` by `to` (a string, or a function of the context). */
const swap =
  (from: RegExp, to: string | ((cx: HintContext, ...groups: string[]) => string)): Rewrite =>
  (hint, cx) =>
    hint.replace(from, (_, ...groups: string[]) => (typeof to === 'string' ? to : to(cx, ...groups)));

/** `--tls1.3` for 'TLS 1.3'. */
const flag = (version: string) => `--tls${version.replace('TLS ', '')}`;

/** Library wording → command-line wording, applied in order. */
const REWRITES: readonly Rewrite[] = [
  swap(/use NegotiatingClient to offer both/, 'drop --tls1.2 / --tls1.3 to offer both versions'),
  swap(
    /use NegotiatingClient to allow (TLS 1\.[23])/,
    (_, v) => `offer ${v} too (drop the other --tls flag, or add ${flag(v ?? '')})`,
  ),
  swap(
    /use NegotiatingServer \(or minVersion TLSv1\.2\) to accept TLS 1\.2 too/,
    'drop --tls1.3 (or add --tls1.2) to accept TLS 1.2 too',
  ),
  swap(/\(NegotiatingServer, or maxVersion TLSv1\.3\)/, '(drop --tls1.2, or add --tls1.3)'),
  swap(/\(cipherSuites\)/, '(--ciphers)'),
  swap(/\(groups\)/, '(--groups)'),
  swap(/configure a certificate \(and key\) for the client/, 'give a client certificate with --cert FILE --key FILE'),
  swap(/one can also be passed in options\.intermediates/, 'give it with --intermediates FILE'),
  swap(/(or '[^']*' is not among the trusted roots)$/, (_, text) => `${text} (--ca FILE)`),
  swap(/add it to the trusted roots to pin it/, 'trust it with --ca FILE to pin it'),
  swap(/add ('[^']*') to the trusted roots if you trust it/, (_, cert) => `trust ${cert} with --ca FILE if you do`),
  swap(/connect with a name it covers/, (cx) =>
    cx.command === 'connect' ? 'connect with --servername NAME for a name it covers' : 'connect with a name it covers',
  ),
  // The peer's unknown_ca: "send the intermediates" only when our chain does not hold any.
  swap(
    /the peer does not trust the root of our chain: send the intermediates, and check that the peer has the root/,
    (cx) =>
      cx.ourChain > 1
        ? `the peer does not trust the root of our chain (we sent ${cx.ourChain} certificates, intermediates included): check that the peer has the root`
        : 'the peer does not trust the root of our chain: put the intermediates after the leaf in the --cert file, and check that the peer has the root',
  ),
];

/** `hint` in the command's words (undefined stays undefined). */
export function cliHint(hint: string | undefined, cx: HintContext): string | undefined {
  if (hint === undefined) return undefined;
  return REWRITES.reduce((text, rewrite) => rewrite(text, cx), hint);
}

/** HTTP request methods, for a client that speaks plaintext HTTP to `tlswire serve`. */
const HTTP_REQUEST = /^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|CONNECT|TRACE) \S+ HTTP\/\d/;

/**
 * The reason and hint for a peer whose first bytes (`first`, as received) are plaintext HTTP: a server's
 * `HTTP/1.1 400 …` answer to our ClientHello, or a client's request line; undefined for anything else.
 */
export function plaintextHttp(
  first: Uint8Array | undefined,
  role: 'client' | 'server',
): { reason: string; hint: string } | undefined {
  if (!first) return undefined;
  const text = Buffer.from(first.subarray(0, 200)).toString('latin1');
  const line = text.split(/\r?\n/)[0] ?? '';
  if (role === 'client' && /^HTTP\/\d/.test(text)) {
    return { reason: 'the server answered in plaintext HTTP: is this the TLS port?', hint: `it sent "${line}"` };
  }
  if (role === 'server' && HTTP_REQUEST.test(text)) {
    return { reason: 'the client sent plaintext HTTP: is this the TLS port?', hint: `it sent "${line}": use https://` };
  }
  return undefined;
}

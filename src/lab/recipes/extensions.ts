/**
 * Recipe: extensions out of place (RFC 8446 §4.2).
 * - A ClientHello carrying an extension in a server-only form: supported_versions as the ServerHello
 *   writes it (a bare selected_version, RFC 8446 §4.2.1). The body does not parse as the ClientHello
 *   form, so the server must abort with decode_error.
 * - A ClientHello carrying an extension type the server does not know: it must be ignored (RFC 8446
 *   §4.2, "servers MUST ignore unrecognized extensions"), and not echoed back.
 * @module
 */
import { AlertDescription, ProtocolVersion } from '../../tls/enums.js';
import type { Extension } from '../../tls/extensions.js';
import { clientHello } from '../messages.js';
import { check, expectAlert, expectMessage, type Step, send } from '../steps.js';
import type { RecipeOptions } from './common.js';

/** An unassigned extension type. */
export const UNASSIGNED_EXTENSION = 0x2a2b;

/** supported_versions in its ServerHello form inside the ClientHello → decode_error. */
export function serverFormExtension(o: RecipeOptions = {}): Step[] {
  const serverForm: Extension = {
    kind: 'supported_versions',
    form: 'server_hello',
    selectedVersion: ProtocolVersion.TLS1_3,
  };
  return [
    send(
      clientHello({
        serverName: o.serverName,
        edit: (h) => ({
          ...h,
          extensions: (h.extensions ?? []).map((e) => (e.kind === 'supported_versions' ? serverForm : e)),
        }),
      }),
    ),
    expectAlert(AlertDescription.decode_error),
  ];
}

/** An unknown extension type in the ClientHello: ignored, TLS 1.3 negotiated, not echoed. */
export function unknownExtension(o: RecipeOptions = {}): Step[] {
  const unknown: Extension = { kind: 'unknown', type: UNASSIGNED_EXTENSION, data: Uint8Array.of(1, 2, 3) };
  return [
    send(clientHello({ serverName: o.serverName, extraExtensions: [unknown] })),
    expectMessage('server_hello'),
    expectMessage('encrypted_extensions'),
    check('the unknown extension is not echoed', ({ state, received }) => {
      const ee = received.find((r) => r.kind === 'message' && r.type === 'encrypted_extensions');
      const echoed = [
        ...(state.serverHello?.extensions ?? []),
        ...(ee?.kind === 'message' && ee.message.type === 'encrypted_extensions' ? ee.message.extensions : []),
      ].some((e) => e.kind === 'unknown' && e.type === UNASSIGNED_EXTENSION);
      return !echoed || 'echoed';
    }),
  ];
}

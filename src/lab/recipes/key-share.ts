/**
 * Recipe: a key share for a group the client did not offer (RFC 8446 §4.2.8): "Clients MUST NOT offer
 * any KeyShareEntry values for groups not listed in the client's supported_groups extension. Servers
 * MAY check for violations of these rules and abort the handshake with an illegal_parameter alert."
 * A server that does not check must at least not use that share.
 * @module
 */
import { AlertDescription, NamedGroup } from '../../tls/enums.js';
import { clientHello } from '../messages.js';
import { expectAlert, type Step, send } from '../steps.js';
import type { RecipeOptions } from './common.js';

/** supported_groups = [secp256r1] with a key share for x25519 only. */
export function keyShareNotOffered(o: RecipeOptions = {}): Step[] {
  return [
    send(clientHello({ serverName: o.serverName, groups: [NamedGroup.secp256r1], keyShares: [NamedGroup.x25519] })),
    expectAlert(AlertDescription.illegal_parameter),
  ];
}

/** Every fuzz target, by name. */
import type { Target } from '../target.js';
import { DECODER_TARGETS } from './decoders.js';
import { MACHINE_TARGETS } from './machines.js';
import { STAPLING_TARGET } from './stapling.js';

export const TARGETS: readonly Target[] = [...DECODER_TARGETS, STAPLING_TARGET, ...MACHINE_TARGETS];

/** The target called `name`. */
export function targetNamed(name: string): Target {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`unknown target "${name}"; targets: ${TARGETS.map((x) => x.name).join(', ')}`);
  return t;
}

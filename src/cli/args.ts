/**
 * What every `tlswire` command does with its arguments before its own work: parse them, and on a
 * usage error or `--help` print the usage text and stop with the exit code.
 * @module
 */
import { describeError, type Output } from './format.js';

/**
 * Run a command's argument parser (`parse`, usually node:util `parseArgs`). Returns the parsed
 * arguments, or the exit code when the command is done: 2 after a usage error (message and usage on
 * stderr), 0 for `--help` (usage on stdout).
 * @param command the command's name, for the error message (`decode` → `tlswire decode: …`)
 */
export function parseCommandArgs<T extends { values: { help?: boolean | undefined } }>(
  command: string,
  usage: string,
  io: Output,
  parse: () => T,
): T | number {
  let parsed: T;
  try {
    parsed = parse();
  } catch (e) {
    io.err(`tlswire ${command}: ${describeError(e)}`);
    io.err(usage);
    return 2;
  }
  if (parsed.values.help) {
    io.out(usage);
    return 0;
  }
  return parsed;
}

/**
 * What every `tlswire` command does with its arguments before its own work: parse them, and on a
 * usage error or `--help` print the usage text and stop with the exit code.
 * @module
 */
import { describeError, type Output } from './format.js';

/** Parsed arguments: at least the `--help` flag every command has. */
interface ParsedArgs {
  values: { help?: boolean | undefined };
}

/**
 * Run a command's argument parser (`parse`, usually node:util `parseArgs`). Returns the parsed
 * arguments, or the exit code when the command is done: 2 after a usage error (message and usage on
 * stderr), 0 for `--help` (usage on stdout).
 * @param command the command's name, for the error message (`decode` → `tlswire decode: …`)
 */
export function parseCommandArgs<T extends ParsedArgs>(
  command: string,
  usage: string,
  io: Output,
  parse: () => T,
): T | number;
/**
 * The same, then `settle` turns the parsed arguments (without `--help`) into the command's settings;
 * what it throws is a usage error too. Returns the settings or the exit code.
 */
export function parseCommandArgs<T extends ParsedArgs, S>(
  command: string,
  usage: string,
  io: Output,
  parse: () => T,
  settle: (parsed: T) => S,
): S | number;
export function parseCommandArgs<T extends ParsedArgs, S>(
  command: string,
  usage: string,
  io: Output,
  parse: () => T,
  settle?: (parsed: T) => S,
): T | S | number {
  try {
    const parsed = parse();
    if (!parsed.values.help) return settle ? settle(parsed) : parsed;
  } catch (e) {
    io.err(`tlswire ${command}: ${describeError(e)}`);
    io.err(usage);
    return 2;
  }
  io.out(usage);
  return 0;
}

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
 * The usage line(s) of a command's usage text: its first paragraph (`Usage: tlswire decode HEX…` and
 * its alternatives), printed after a usage error instead of the whole help.
 */
export function usageLines(usage: string): string {
  return usage.split('\n\n')[0] ?? usage;
}

/**
 * Run a command's argument parser (`parse`, usually node:util `parseArgs`). Returns the parsed
 * arguments, or the exit code when the command is done: 2 after a usage error (one line, then the
 * {@link usageLines} on stderr), 0 for `--help` (the whole usage on stdout).
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
    io.err(usageLines(usage));
    return 2;
  }
  io.out(usage);
  return 0;
}

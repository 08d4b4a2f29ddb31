// Command-line parsing with node:util's parseArgs; its errors become usage errors (exit 2).
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./io.js";

export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/** Exactly `names.length` positional arguments, named in the message when they are missing. */
export function expectPositionals(positionals: readonly string[], names: readonly string[]): string[] {
  if (positionals.length < names.length)
    throw new UsageError(
      `Missing ${names
        .slice(positionals.length)
        .map((n) => `<${n}>`)
        .join(" ")}.`,
    );
  if (positionals.length > names.length) throw new UsageError(`Unexpected argument "${positionals[names.length]}".`);
  return [...positionals];
}

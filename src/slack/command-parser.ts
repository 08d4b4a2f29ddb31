// Parses the text after `/jit` into a command; no business rules here, only shape.
import { InvalidInput } from "../domain/errors.js";

export type JitCommand =
  | { readonly kind: "help" }
  | {
      readonly kind: "request";
      readonly account: string;
      readonly permissionSet: string;
      readonly duration: string;
      readonly justification: string;
    };

export const REQUEST_USAGE = "/jit request <account> <permission-set> <duration> <justification…>";

export function parseJitCommand(text: string): JitCommand {
  const trimmed = text.trim();
  const [verb = "", ...rest] = trimmed.split(/\s+/);
  switch (verb.toLowerCase()) {
    case "":
    case "help":
      return { kind: "help" };
    case "request":
      return parseRequest(rest);
    default:
      throw new InvalidInput(`Unknown command "${verb.slice(0, 40)}". Try /jit help.`);
  }
}

function parseRequest(words: readonly string[]): JitCommand {
  const [account, permissionSet, duration, ...justification] = words;
  if (!account || !permissionSet || !duration) {
    throw new InvalidInput(`Not enough to make a request. Usage: ${REQUEST_USAGE}`);
  }
  if (justification.length === 0) {
    throw new InvalidInput(`A justification is required: say why you need this access. Usage: ${REQUEST_USAGE}`);
  }
  return { kind: "request", account, permissionSet, duration, justification: justification.join(" ") };
}

// Parses the text after `/jit` into a command; no business rules here, only shape.
import { InvalidInput } from "../../domain/errors.js";
import {
  EXTEND_USAGE,
  HELP_USAGE,
  LIST_USAGE,
  REQUEST_GROUP_USAGE,
  REQUEST_USAGE,
  REVOKE_ALL_USAGE,
  REVOKE_USAGE,
} from "../views/command-usage.js";

export type JitCommand =
  | { readonly kind: "form" }
  /** `page` counts from 1; whether it exists is known only once the list is built. */
  | { readonly kind: "help"; readonly page: number }
  | { readonly kind: "list"; readonly review: boolean; readonly page: number }
  | { readonly kind: "revoke"; readonly grantId: string }
  /** The incident switch; `scope` is what followed --all ("" for everything), resolved against the policy later. */
  | { readonly kind: "revoke-all"; readonly scope: string }
  | { readonly kind: "extend"; readonly grantId: string; readonly duration: string }
  | {
      readonly kind: "request";
      readonly account: string;
      readonly permissionSet: string;
      readonly duration: string;
      readonly justification: string;
      readonly ticket: string | null;
      /** `/jit request group <name> …`: the group asked for (account and permission set are then empty). */
      readonly group: string | null;
    };

const GRANT_ID = /^jit-[a-z0-9]{8}$/;
const MAX_SCOPE_LENGTH = 120;
const PAGE = /^\d{1,4}$/;

export function parseJitCommand(text: string): JitCommand {
  const [verb = "", ...rest] = text.trim().split(/\s+/).filter(Boolean);
  switch (verb.toLowerCase()) {
    case "":
      return { kind: "form" };
    case "help":
      // Words after help that are not a number ("help me") still ask for help.
      return { kind: "help", page: rest[0] !== undefined && /^\d+$/.test(rest[0]) ? page(rest.slice(0, 1), HELP_USAGE) : 1 };
    case "list": {
      const review = rest[0] === "--review";
      return { kind: "list", review, page: page(review ? rest.slice(1) : rest, LIST_USAGE) };
    }
    case "revoke":
    case "end":
      if (rest[0]?.toLowerCase() === "--all") return revokeAll(rest.slice(1));
      return { kind: "revoke", grantId: grantId(rest[0], REVOKE_USAGE) };
    case "extend": {
      const [id, duration, ...extra] = rest;
      if (!duration || extra.length > 0) throw new InvalidInput(`Usage: ${EXTEND_USAGE}`);
      return { kind: "extend", grantId: grantId(id, EXTEND_USAGE), duration };
    }
    case "request":
      return parseRequest(rest);
    default:
      throw new InvalidInput(`Unknown command "${verb.slice(0, 40)}". Try /jit help.`);
  }
}

function grantId(word: string | undefined, usage: string): string {
  const id = word?.toLowerCase();
  if (!id || !GRANT_ID.test(id)) throw new InvalidInput(`Give a grant id like jit-ab12cd34. Usage: ${usage}`);
  return id;
}

function page(words: readonly string[], usage: string): number {
  const [word, ...extra] = words;
  if (word === undefined) return 1;
  if (extra.length > 0 || !PAGE.test(word) || Number(word) < 1) throw new InvalidInput(`Give a page number like 2. Usage: ${usage}`);
  return Number(word);
}

function revokeAll(words: readonly string[]): JitCommand {
  const scope = words.join(" ");
  if (scope.length > MAX_SCOPE_LENGTH) throw new InvalidInput(`That is not an account or permission set. Usage: ${REVOKE_ALL_USAGE}`);
  return { kind: "revoke-all", scope };
}

function parseRequest(words: readonly string[]): JitCommand {
  if (words[0]?.toLowerCase() === "group") {
    const [, group, duration, ...tail] = words;
    if (!group || !duration) throw new InvalidInput(`Not enough to make a request. Usage: ${REQUEST_GROUP_USAGE}`);
    return { ...requestTail(tail, REQUEST_GROUP_USAGE), kind: "request", account: "", permissionSet: "", duration, group };
  }
  const [account, permissionSet, duration, ...tail] = words;
  if (!account || !permissionSet || !duration) {
    throw new InvalidInput(`Not enough to make a request. Usage: ${REQUEST_USAGE}`);
  }
  return { ...requestTail(tail, REQUEST_USAGE), kind: "request", account, permissionSet, duration, group: null };
}

/** The ticket and justification after a request's target and duration. */
function requestTail(tail: readonly string[], usage: string): { justification: string; ticket: string | null } {
  let ticket: string | null = null;
  const justification: string[] = [];
  for (let i = 0; i < tail.length; i += 1) {
    const word = tail[i] as string;
    if (word === "--ticket") {
      const value = tail[i + 1];
      if (!value) throw new InvalidInput(`--ticket needs a value. Usage: ${usage}`);
      ticket = value;
      i += 1;
    } else {
      justification.push(word);
    }
  }
  if (justification.length === 0) {
    throw new InvalidInput(`A justification is required: say why you need this access. Usage: ${usage}`);
  }
  return { justification: justification.join(" "), ticket };
}

// An account as the type-ahead picker offers it: "name (id)", and below it the OU it sits in, so
// accounts of one name (AWS Organizations does not keep names unique) can be told apart.
import type { PlainTextOption } from "@slack/types";
import type { Account } from "../../domain/policy.js";
import { LIMITS } from "./parts.js";
import { accountOption } from "./request-modal.js";

/** The end of a long path says more than its start ("/Root/…"), so a long one keeps its end. */
function pathExcerpt(path: string, max: number): string {
  if (path.length <= max) return path;
  const end = path.slice(path.length - (max - 1));
  // Never start on the second half of a surrogate pair.
  return `…${/^[\uDC00-\uDFFF]/.test(end) ? end.slice(1) : end}`;
}

/**
 * The option's `description`, a plain_text line shown below its text, holds at most 75 characters
 * (https://docs.slack.dev/reference/block-kit/composition-objects/option-object). emoji is off: an
 * OU named "a:fire:b" reads as typed.
 */
export function accountSearchOption(account: Account): PlainTextOption {
  const base = accountOption(account);
  if (!account.org) return base;
  return { ...base, description: { type: "plain_text", text: pathExcerpt(account.org.path, LIMITS.optionText), emoji: false } };
}

// The options of the request form's type-ahead pickers (block_suggestion). Only the user id is
// Slack's word (the signature covers it); what they typed and which picker asked are claims. The
// person is looked up again and offered only what the policy lets them request, at most 100
// matches (by name, id, OU or tag for accounts; by name or id for groups), and an action_id the form never shows gets no options.
import type { App } from "@slack/bolt";
import type { PlainTextOption } from "@slack/types";
import { searchAccounts } from "../../domain/account-search.js";
import { eligibleAccounts, eligiblePermissionSets } from "../../domain/eligibility-index.js";
import type { IdentityGroup } from "../../domain/group-access.js";
import { eligibleGroups, type Person, type Policy } from "../../domain/policy.js";
import type { ServiceDeps } from "../../services/deps.js";
import { ACCOUNT_SEARCH_ACTION, GROUP_SEARCH_ACTION, PERMISSION_SET_SEARCH_ACTION } from "../ids.js";
import { groupOptions } from "../views/group-fields.js";
import { LIMITS, option } from "../views/parts.js";
import { accountSearchOption } from "../views/account-search-option.js";

/** Longer than any account name, id or permission set name; a longer "query" matches nothing anyway. */
const MAX_QUERY_LENGTH = 100;

function query(value: unknown): string {
  return typeof value === "string" ? value.trim().toLowerCase().slice(0, MAX_QUERY_LENGTH) : "";
}

/**
 * Accounts the person may request something on, found by id, name, OU (id or path) or tag, best
 * matches first (account-search.ts). A keystroke scans the person's accounts' search keys only:
 * which accounts those are is worked out once per policy and kind of requester (eligibility-index.ts).
 */
export function accountOptions(policy: Policy, person: Person, typed: string): PlainTextOption[] {
  return searchAccounts(eligibleAccounts(policy, person), typed, LIMITS.options).map(accountSearchOption);
}

/** Permission sets containing the query that the person may request on the account (on any, when none is chosen yet). */
export function permissionSetOptions(policy: Policy, person: Person, accountId: string | undefined, typed: string): PlainTextOption[] {
  if (accountId !== undefined && !policy.accounts.some((account) => account.id === accountId)) return [];
  return eligiblePermissionSets(policy, person, accountId)
    .filter((name) => name.length <= LIMITS.optionValue && name.toLowerCase().includes(typed))
    .slice(0, LIMITS.options)
    .map((name) => option(name, name));
}

/** The options for one picker, or none for an action_id the form does not use. */
export function targetOptions(
  policy: Policy,
  person: Person,
  actionId: string,
  typed: string,
  groups: readonly IdentityGroup[] = [],
): PlainTextOption[] {
  if (actionId === GROUP_SEARCH_ACTION) return groupOptions(eligibleGroups(policy, person, groups), typed);
  if (actionId === ACCOUNT_SEARCH_ACTION) return accountOptions(policy, person, typed);
  if (actionId === PERMISSION_SET_SEARCH_ACTION) return permissionSetOptions(policy, person, undefined, typed);
  const prefix = `${PERMISSION_SET_SEARCH_ACTION}.`;
  if (actionId.startsWith(prefix)) return permissionSetOptions(policy, person, actionId.slice(prefix.length), typed);
  return [];
}

export function registerTargetOptions(app: App, deps: ServiceDeps): void {
  // Every block_suggestion comes here, so an unknown action_id is answered (with nothing) at once.
  app.options<"block_suggestion">({ type: "block_suggestion" }, async ({ ack, body }) => {
    let options: PlainTextOption[] = [];
    try {
      const person = await deps.directory.person(body.user.id);
      options = targetOptions(deps.policy, person, String(body.action_id), query(body.value), deps.groups);
    } catch (error) {
      deps.logger.warn({ user: body.user.id, err: error instanceof Error ? error.message : String(error) }, "no options for a picker");
    }
    await ack({ options });
  });
}

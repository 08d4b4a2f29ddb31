// The request form's group fields, for a person whose rules offer Identity Center groups: what they
// ask for (account access or group membership), and the group. Only the GroupId rides in an
// option's value; on submit the service looks it up again among the groups the caller may request.
import type { InputBlock, KnownBlock, PlainTextOption } from "@slack/types";
import type { GroupEligibility, Person } from "../../domain/policy.js";
import { escapeMrkdwn } from "./escape.js";
import { describeRule, LIMITS, option, plain, truncate } from "./parts.js";
import { GROUP_SEARCH_ACTION } from "../ids.js";

/** The choice between the two kinds of request; its block is "kind", its values these. */
export type RequestKind = "account" | "group";
const KINDS: Readonly<Record<RequestKind, string>> = {
  account: "Access to an AWS account",
  group: "Membership of an Identity Center group",
};

/** What the form asks for: a group when the person chose so, or when a group is all they may request. */
export function chosenKind(kind: string | undefined, mayRequestAccounts: boolean): RequestKind {
  return kind === "group" || !mayRequestAccounts ? "group" : "account";
}

export function kindInput(kind: RequestKind): InputBlock {
  const options = (Object.keys(KINDS) as RequestKind[]).map((value) => option(KINDS[value], value));
  return {
    type: "input",
    block_id: "kind",
    label: plain("What you need"),
    dispatch_action: true,
    element: {
      type: "static_select",
      action_id: "kind",
      options,
      initial_option: options.find((candidate) => candidate.value === kind),
    },
  };
}

export function groupOption(eligible: GroupEligibility): PlainTextOption {
  return option(eligible.group.displayName, eligible.group.groupId);
}

/** The group picker: a static list, or type-ahead (handlers/target-options.ts) past what a list holds. */
export function groupInput(groups: readonly GroupEligibility[], chosen: GroupEligibility | undefined): InputBlock {
  const initial = chosen && groupOption(chosen);
  const common = { placeholder: plain("Choose a group"), ...(initial ? { initial_option: initial } : {}) };
  const element: InputBlock["element"] =
    groups.length > LIMITS.options
      ? { type: "external_select", action_id: GROUP_SEARCH_ACTION, min_query_length: 0, ...common }
      : { type: "static_select", action_id: "group", options: groups.map(groupOption), ...common };
  return {
    type: "input",
    block_id: "group",
    label: plain("Identity Center group"),
    dispatch_action: true,
    element,
    hint: plain("Membership gives you the group's account assignments until the grant ends."),
  };
}

export function groupRuleContext(chosen: GroupEligibility, requester: Person): KnownBlock {
  const text = `Rule "${escapeMrkdwn(truncate(chosen.rule.name, 100))}": ${describeRule(chosen.rule, requester)}`;
  return { type: "context", block_id: "rule", elements: [{ type: "mrkdwn", text }] };
}

/** Groups whose name or id contains the query, at most a list's worth. */
export function groupOptions(groups: readonly GroupEligibility[], typed: string): PlainTextOption[] {
  return groups
    .filter(({ group }) => group.displayName.toLowerCase().includes(typed) || group.groupId.toLowerCase().includes(typed))
    .slice(0, LIMITS.options)
    .map(groupOption);
}

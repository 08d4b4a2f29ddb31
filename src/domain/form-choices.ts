// What the request form needs to know of what a person may request, without listing every
// (account, permission set) pair: with 5,000 accounts and 300 permission sets that list is 1.5
// million entries, too many to build at each change of the form.
import { eligibleAccounts, eligiblePermissionSets, eligibleTargetsOn } from "./eligibility-index.js";
import type { Person } from "./people.js";
import type { IdentityGroup } from "./group-access.js";
import { eligibleGroups, mayRequest, type Account, type Eligibility, type GroupEligibility, type Policy, type Rule } from "./policy.js";

/** Longer names cannot be offered (a Slack option value holds 75 characters; Identity Center names hold 32). */
const MAX_NAME_LENGTH = 75;

export interface FormChoices {
  /** Every account the person may request something on, in policy order. */
  readonly accounts: readonly Account[];
  /** The permission sets they may request on the account, or on any account. */
  permissionSets(accountId: string | undefined): readonly string[];
  /** What they may request on the account, each permission set with its rule. */
  targetsOn(accountId: string): readonly Eligibility[];
  /** The rules they may request under (for the widest limits before a target is chosen). */
  readonly rules: readonly Rule[];
  /** The Identity Center groups they may request membership of, each with its rule. */
  readonly groups: readonly GroupEligibility[];
}

const offerable = (name: string) => name.length <= MAX_NAME_LENGTH;

/** The choices from the eligibility index: each answer costs what it returns. */
export function indexedChoices(policy: Policy, person: Person, groups: readonly IdentityGroup[]): FormChoices {
  const accounts = eligibleAccounts(policy, person).filter((account) => eligiblePermissionSets(policy, person, account.id).some(offerable));
  return {
    accounts,
    permissionSets: (accountId) => eligiblePermissionSets(policy, person, accountId).filter(offerable),
    targetsOn: (accountId) => eligibleTargetsOn(policy, person, accountId).filter((target) => offerable(target.permissionSet)),
    rules: policy.rules.filter((rule) => mayRequest(rule, person)),
    groups: eligibleGroups(policy, person, groups).filter((eligible) => offerable(eligible.group.groupId)),
  };
}

/** The choices from a list of eligible targets (policy.eligibleTargets), for small policies and tests. */
export function listedChoices(eligible: readonly Eligibility[], groups: readonly GroupEligibility[] = []): FormChoices {
  const targets = eligible.filter((target) => offerable(target.permissionSet));
  const unique = <T>(items: readonly T[]) => [...new Set(items)];
  return {
    accounts: [...new Map(targets.map((target) => [target.account.id, target.account])).values()],
    permissionSets: (accountId) =>
      unique(targets.filter((target) => accountId === undefined || target.account.id === accountId).map((target) => target.permissionSet)),
    targetsOn: (accountId) => targets.filter((target) => target.account.id === accountId),
    rules: unique(targets.map((target) => target.rule)),
    groups,
  };
}

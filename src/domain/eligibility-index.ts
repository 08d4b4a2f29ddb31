// Who may request what, with each rule's accounts and permission sets as sets, built once per
// policy. It answers as eligibleTargets does (policy.ts), but a look-up no longer scans every rule's
// account list: the type-ahead pickers ask about thousands of accounts within Slack's 3 s.
import type { Person } from "./people.js";
import { mayRequest, type Account, type Policy, type Rule } from "./policy.js";

interface IndexedRule {
  readonly rule: Rule;
  readonly accounts: ReadonlySet<string>;
  readonly permissionSets: ReadonlySet<string>;
  readonly rank: number;
}

const indexes = new WeakMap<Policy, readonly IndexedRule[]>();

function indexed(policy: Policy): readonly IndexedRule[] {
  let rules = indexes.get(policy);
  if (!rules) {
    rules = policy.rules.map((rule) => ({
      rule,
      accounts: new Set(rule.accountIds),
      permissionSets: new Set(rule.permissionSets),
      rank: rule.specificity.account * 2 + rule.specificity.permissionSet,
    }));
    indexes.set(policy, rules);
  }
  return rules;
}

/** The rule this person would request under (decidingRules, then the first listing them), or undefined. */
export function eligibleRule(policy: Policy, person: Person, accountId: string, permissionSet: string): Rule | undefined {
  let best = -1;
  let chosen: Rule | undefined;
  for (const entry of indexed(policy)) {
    if (!entry.accounts.has(accountId) || !entry.permissionSets.has(permissionSet) || entry.rank < best) continue;
    if (entry.rank > best) {
      best = entry.rank;
      chosen = undefined;
    }
    if (chosen === undefined && mayRequest(entry.rule, person)) chosen = entry.rule;
  }
  return chosen;
}

/** Whether this person may request at least one permission set on the account. */
export function mayRequestOn(policy: Policy, person: Person, account: Account): boolean {
  return policy.permissionSets.some((permissionSet) => eligibleRule(policy, person, account.id, permissionSet) !== undefined);
}

/** The permission sets this person may request on the account, or on any account when it is undefined. */
export function eligiblePermissionSets(policy: Policy, person: Person, accountId: string | undefined): string[] {
  const accounts = accountId === undefined ? policy.accounts.map((account) => account.id) : [accountId];
  return policy.permissionSets.filter((permissionSet) =>
    accounts.some((id) => eligibleRule(policy, person, id, permissionSet) !== undefined),
  );
}

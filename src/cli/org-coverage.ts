// For policy:check: which accounts each rule covers, where they sit in the organization and how
// they are tagged, and the account names a request could not use because two accounts share them.
import { orgTree, type OrgSnapshot } from "../domain/organization.js";
import type { Policy } from "../domain/policy.js";

export interface CoveredAccount {
  readonly id: string;
  readonly name: string;
  /** The path of the OU it sits in; null for an account only the policy file lists. */
  readonly ou: string | null;
  readonly tags: Readonly<Record<string, string>>;
}

export interface RuleCoverage {
  readonly rule: string;
  readonly accounts: readonly CoveredAccount[];
}

export function ruleCoverage(policy: Policy, snapshot: OrgSnapshot): RuleCoverage[] {
  const tree = orgTree(snapshot);
  const names = new Map(policy.accounts.map((a) => [a.id, a.name]));
  return policy.rules.map((rule) => ({
    rule: rule.name,
    accounts: rule.accountIds.map((id) => {
      const org = tree.account(id);
      return { id, name: names.get(id) ?? id, ou: org ? tree.pathOf(org) : null, tags: org?.tags ?? {} };
    }),
  }));
}

export function coverageLines(coverage: readonly RuleCoverage[]): string[] {
  return coverage.flatMap(({ rule, accounts }) => [
    "",
    `rule ${rule} covers ${accounts.length === 1 ? "1 account" : `${accounts.length} accounts`}:`,
    ...(accounts.length === 0 ? ["  none"] : []),
    ...accounts.map((a) => {
      const tags = Object.entries(a.tags).map(([key, value]) => `${key}=${value}`);
      return `  ${a.name} (${a.id}) · ${a.ou ?? "not in the organization"}${tags.length > 0 ? ` · ${tags.join(", ")}` : ""}`;
    }),
  ]);
}

/** Names that more than one account has: requests naming them are refused, so people must give the id. */
export function sharedNameWarnings(policy: Policy): string[] {
  const byName = new Map<string, string[]>();
  for (const account of policy.accounts) {
    const key = account.name.toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), account.id]);
  }
  return policy.accounts.flatMap((account) => {
    const ids = byName.get(account.name.toLowerCase()) ?? [];
    if (ids.length < 2 || ids[0] !== account.id) return [];
    return [
      `accounts: "${account.name}" is the name of ${ids.length} accounts (${ids.join(", ")}); a request naming it is refused, so give each a distinct name under accounts or ask by id`,
    ];
  });
}

// Why an account and permission set a grant holds is no longer requestable under a policy read
// again from the organization: its account suspended or closed, gone, excluded, or moved out of
// what the rules cover. Pure, so the refresh (services/organization-refresh.ts) only reports.
import { orgTree, type OrgSnapshot } from "./organization.js";
import { decidingRules, type Policy } from "./policy.js";

export type LeftPolicyReason = "not-active" | "gone" | "not-offered" | "no-rule";

export interface LeftPolicy {
  readonly reason: LeftPolicyReason;
  /** The account's state in the organization (ACTIVE, SUSPENDED, CLOSED…), or null when it is not in it. */
  readonly state: string | null;
  /** The path of the OU it sits in now, or null when it is not in the organization. */
  readonly ou: string | null;
}

/** One question for many grants: the snapshot is indexed once. */
export function leftPolicyCheck(policy: Policy, snapshot: OrgSnapshot): (accountId: string, permissionSet: string) => LeftPolicy | null {
  const tree = orgTree(snapshot);
  const offered = new Set(policy.accounts.map((account) => account.id));
  return (accountId, permissionSet) => {
    const org = tree.account(accountId);
    const where = { state: org?.state ?? null, ou: org ? tree.pathOf(org) : null };
    if (!offered.has(accountId)) {
      if (!org) return { reason: "gone", ...where };
      return { reason: org.state === "ACTIVE" ? "not-offered" : "not-active", ...where };
    }
    return decidingRules(policy, accountId, permissionSet).length === 0 ? { reason: "no-rule", ...where } : null;
  };
}

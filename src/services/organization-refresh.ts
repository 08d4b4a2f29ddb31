// Reading the organization again (organization.accounts: aws): the new policy replaces the one every
// use case reads, a read or resolve that fails keeps the last good policy and is audited, and every
// grant holding access that the new policy would no longer allow is reported once to the audit
// channel. Nothing is revoked here: the grant runs to its expiry unless someone ends it.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { HOLDING_STATUSES } from "../domain/grant.js";
import { leftPolicyCheck } from "../domain/left-policy.js";
import type { OrgSnapshot } from "../domain/organization.js";
import type { Policy } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import type { PolicyHolder } from "./policy-holder.js";

/** One reading of the organization and the policy resolved against it. */
export type PolicyReading =
  | { readonly kind: "read"; readonly policy: Policy; readonly snapshot: OrgSnapshot; readonly warnings: readonly string[] }
  /** `read`: AWS Organizations could not be read; `resolve`: the policy file does not resolve against what was read. */
  | { readonly kind: "failed"; readonly stage: "read" | "resolve"; readonly problem: string };

/** Where the policy comes from when the organization supplies its accounts. */
export interface OrganizationPolicy {
  /** How often to read again (organization.refreshMinutes). */
  readonly refreshMs: number;
  read(): Promise<PolicyReading>;
}

export type RefreshOutcome =
  | { readonly kind: "refreshed"; readonly accounts: number; readonly leftPolicy: number }
  | { readonly kind: "kept"; readonly stage: "read" | "resolve"; readonly problem: string };

/**
 * Reads the organization and swaps the policy. `reported` holds the grants already reported as
 * having left the policy (by this process), so each is reported once.
 */
export async function refreshPolicy(
  deps: ServiceDeps,
  holder: PolicyHolder,
  source: OrganizationPolicy,
  reported: Set<string>,
): Promise<RefreshOutcome> {
  const reading = await source.read();
  if (reading.kind === "failed") {
    deps.logger.error({ stage: reading.stage, err: reading.problem }, "reading the organization again failed; the policy in force is kept");
    await deps.store.noteUnattached(
      { accountId: "", permissionSet: "" },
      { action: "organization_refresh_failed", actorId: SYSTEM_ACTOR, detail: { stage: reading.stage, problem: reading.problem } },
    );
    return { kind: "kept", stage: reading.stage, problem: reading.problem };
  }
  for (const warning of reading.warnings) deps.logger.warn({}, warning);
  const previous = holder.replace(reading.policy);
  if (previous.accounts.length !== reading.policy.accounts.length) {
    deps.logger.info(
      { accounts: reading.policy.accounts.length, before: previous.accounts.length },
      "the organization was read again: the policy's accounts changed",
    );
  }
  const leftPolicy = await reportLeftPolicy(deps, reading.policy, reading.snapshot, reported);
  return { kind: "refreshed", accounts: reading.policy.accounts.length, leftPolicy };
}

/** Audits each grant holding access that `policy` would not allow now; returns how many were new. */
export async function reportLeftPolicy(deps: ServiceDeps, policy: Policy, snapshot: OrgSnapshot, reported: Set<string>): Promise<number> {
  const check = leftPolicyCheck(policy, snapshot);
  let count = 0;
  for (const grant of await deps.store.listByStatus(HOLDING_STATUSES)) {
    if (reported.has(grant.id)) continue;
    const left = check(grant.accountId, grant.permissionSetName);
    if (!left) continue;
    await deps.store.note(grant.id, {
      action: "account_left_policy",
      actorId: SYSTEM_ACTOR,
      detail: { reason: left.reason, accountState: left.state, ou: left.ou, revoked: false },
    });
    reported.add(grant.id);
    count += 1;
  }
  if (count > 0) {
    deps.logger.warn({ grants: count }, "grants hold access the policy no longer allows; reported to the audit channel, not revoked");
  }
  return count;
}

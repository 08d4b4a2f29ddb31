// Reading the organization again (organization.accounts: aws): the new policy replaces the one every
// use case reads, a read or resolve that fails keeps the last good policy and is audited, and every
// grant holding access that the new policy would no longer allow is reported to the audit channel,
// once per grant and reason across restarts and replicas (the store records the reason with the
// audit record). Nothing is revoked here: the grant runs to its expiry unless someone ends it.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { HOLDING_STATUSES, isGroupGrant } from "../domain/grant.js";
import { leftPolicyCheck } from "../domain/left-policy.js";
import type { OrgSnapshot } from "../domain/organization.js";
import type { Policy } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import type { PolicyHolder } from "./policy-holder.js";

/** One read of AWS Organizations. */
export type OrganizationRead =
  | { readonly kind: "read"; readonly snapshot: OrgSnapshot }
  | { readonly kind: "failed"; readonly problem: string };

/** The policy resolved against one snapshot of the organization. */
export type PolicyReading =
  | { readonly kind: "read"; readonly policy: Policy; readonly snapshot: OrgSnapshot; readonly warnings: readonly string[] }
  /** `read`: AWS Organizations could not be read; `resolve`: the policy file does not resolve against what was read. */
  | { readonly kind: "failed"; readonly stage: "read" | "resolve"; readonly problem: string };

/** A stored snapshot's JSON, checked. */
export type ParsedSnapshot =
  | { readonly kind: "valid"; readonly snapshot: OrgSnapshot }
  | { readonly kind: "invalid"; readonly problem: string };

/** Where the policy comes from when the organization supplies its accounts. */
export interface OrganizationPolicy {
  /** How often to read again (organization.refreshMinutes). */
  readonly refreshMs: number;
  /** Reads AWS Organizations now. */
  read(): Promise<OrganizationRead>;
  /** The policy file resolved against `snapshot`. */
  resolve(snapshot: OrgSnapshot): PolicyReading;
  /** Checks that JSON text (as the database holds it) is a snapshot. */
  parse(text: string): ParsedSnapshot;
}

/** Where the snapshot a refresh applied came from: the database (another process read it) or AWS. */
export type SnapshotOrigin = "store" | "aws";

export type RefreshOutcome =
  | { readonly kind: "refreshed"; readonly from: SnapshotOrigin; readonly accounts: number; readonly leftPolicy: number }
  | { readonly kind: "kept"; readonly stage: "read" | "resolve"; readonly problem: string };

/** Swaps the policy for the one `reading` resolved, or keeps the one in force and audits why. */
export async function refreshPolicy(
  deps: ServiceDeps,
  holder: PolicyHolder,
  reading: PolicyReading,
  from: SnapshotOrigin,
): Promise<RefreshOutcome> {
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
      { accounts: reading.policy.accounts.length, before: previous.accounts.length, from },
      "the organization was read again: the policy's accounts changed",
    );
  }
  const leftPolicy = await reportLeftPolicy(deps, reading.policy, reading.snapshot);
  return { kind: "refreshed", from, accounts: reading.policy.accounts.length, leftPolicy };
}

/**
 * Audits each grant holding access that `policy` would not allow now, unless the same reason was
 * already recorded for it (by this process before a restart, or by another replica); returns how
 * many were new. A grant that comes back into the policy and leaves again for the same reason is
 * not reported again; one that leaves for another reason (moved out of the OU, then suspended) is.
 */
export async function reportLeftPolicy(deps: ServiceDeps, policy: Policy, snapshot: OrgSnapshot): Promise<number> {
  const check = leftPolicyCheck(policy, snapshot);
  let count = 0;
  for (const grant of await deps.store.listByStatus(HOLDING_STATUSES)) {
    // A group grant is on no account of the policy's; the groups come from the file, which a refresh does not change.
    if (isGroupGrant(grant)) continue;
    const left = check(grant.accountId, grant.permissionSetName);
    if (!left) continue;
    const recorded = await deps.store.markLeftPolicy(grant.id, left.reason, {
      action: "account_left_policy",
      actorId: SYSTEM_ACTOR,
      detail: { reason: left.reason, accountState: left.state, ou: left.ou, revoked: false },
    });
    if (recorded) count += 1;
  }
  if (count > 0) {
    deps.logger.warn({ grants: count }, "grants hold access the policy no longer allows; reported to the audit channel, not revoked");
  }
  return count;
}

// An approver approves or denies a pending request. Approvals count towards the rule's quorum;
// the last one needed moves the request to approved and on to provisioning.
import { Conflict, NotFound, PolicyDenied } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import type { Person } from "../domain/people.js";
import { assertMayDecide, findRule, requesterProblem, type Rule } from "../domain/policy.js";
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import type { ServiceDeps } from "./deps.js";
import { provisionGrant } from "./provision.js";
import { refreshApprovalMessage } from "./approval-message.js";

export type Decision = "approve" | "deny";

export interface DecisionInput {
  readonly grantId: string;
  readonly deciderId: string;
  readonly decision: Decision;
  /** Why, for a denial (optional). */
  readonly reason?: string;
}

export interface DecisionResult {
  readonly grant: Grant;
  /** Distinct approvals so far and how many the rule needs (for a denial: 0 of the quorum). */
  readonly approvals: number;
  readonly required: number;
}

/**
 * Records exactly one decision per request: the compare-and-set on "pending" makes double clicks,
 * retries and simultaneous Approve/Deny lose with a Conflict instead of deciding twice, and an
 * approver counts once towards the quorum however often they click.
 */
export async function decide(deps: ServiceDeps, input: DecisionInput): Promise<DecisionResult> {
  const { grant, rule, decider } = await decidable(deps, input.grantId, input.deciderId, input.decision);
  const now = deps.clock.now();
  const detail = { deciderEmail: decider.email };

  if (input.decision === "deny") {
    const reason = input.reason?.replace(/\s+/g, " ").trim().slice(0, 500) || null;
    const denied = await deps.store.transition(
      grant.id,
      "pending",
      "denied",
      { decidedBy: input.deciderId, decidedAt: now, endedAt: now, decisionReason: reason },
      { action: "denied", actorId: input.deciderId, actorEmail: decider.email, detail: { ...detail, reason } },
    );
    if (!denied) throw alreadyDecided((await deps.store.get(grant.id)) ?? grant);
    await refreshApprovalMessage(deps, denied);
    await deps.notifier.tellRequester(denied);
    return { grant: denied, approvals: 0, required: rule.approvalsRequired };
  }

  await assertRequesterStillAllowed(deps, grant, rule);
  const outcome = await deps.store.approve(grant.id, input.deciderId, rule.approvalsRequired, { decidedBy: input.deciderId, decidedAt: now }, {
    action: "approved",
    actorId: input.deciderId,
    actorEmail: decider.email,
    detail,
  });
  switch (outcome.kind) {
    case "not-pending":
      throw alreadyDecided(outcome.grant ?? grant);
    case "duplicate":
      throw new Conflict(`You have already approved ${grant.id}; it needs ${rule.approvalsRequired - outcome.approvals} more approval(s) from other approvers.`);
    case "counted":
      await refreshApprovalMessage(deps, outcome.grant);
      return { grant: outcome.grant, approvals: outcome.approvals, required: rule.approvalsRequired };
    case "approved": {
      await refreshApprovalMessage(deps, outcome.grant);
      const provisioned = (await provisionGrant(deps, grant.id)) ?? outcome.grant;
      return { grant: provisioned, approvals: outcome.approvals, required: rule.approvalsRequired };
    }
  }
}

/**
 * The requester is looked up again at every approval: someone deactivated, dropped from the rule or
 * whose confirmed email changed since asking must not receive the access. Such a request is closed
 * as failed (audited, the approvers' message and the requester told) and the approval refused.
 */
async function assertRequesterStillAllowed(deps: ServiceDeps, grant: Grant, rule: Rule): Promise<void> {
  const problem = requesterProblem(rule, grant.requesterEmail, await deps.directory.person(grant.requesterId));
  if (!problem) return;
  const reason = `It can no longer be granted: ${problem}.`;
  const failed = await deps.store.transition(
    grant.id,
    "pending",
    "failed",
    { failureReason: reason, endedAt: deps.clock.now() },
    { action: "failed", actorId: SYSTEM_ACTOR, detail: { reason } },
  );
  if (!failed) throw alreadyDecided((await deps.store.get(grant.id)) ?? grant);
  await refreshApprovalMessage(deps, failed);
  await deps.notifier.tellRequester(failed);
  throw new PolicyDenied(`${grant.id} was not approved and is now closed: ${problem}.`);
}

/**
 * Throws what `decide` would refuse with (no such request, already decided, not an approver of it)
 * without changing anything, else returns the request: Deny asks for a reason in a form first, and
 * only someone who may deny is asked.
 */
export async function assertDecidable(deps: ServiceDeps, grantId: string, deciderId: string): Promise<Grant> {
  return (await decidable(deps, grantId, deciderId, "deny")).grant;
}

async function decidable(
  deps: ServiceDeps,
  grantId: string,
  deciderId: string,
  decision: Decision,
): Promise<{ grant: Grant; rule: Rule; decider: Person }> {
  const grant = await deps.store.get(grantId);
  if (!grant) throw new NotFound(`There is no request ${grantId}.`);
  if (grant.status !== "pending") throw alreadyDecided(grant);
  const rule = ruleOf(deps, grant);
  const decider = await deps.directory.person(deciderId);
  await deps.refusals.check({ actorId: deciderId, attempt: decision, grantId }, () => assertMayDecide(rule, decider, grant.requesterId));
  return { grant, rule, decider };
}

export function ruleOf(deps: ServiceDeps, grant: Grant): Rule {
  const rule = findRule(deps.policy, grant.ruleName);
  if (!rule) throw new PolicyDenied(`The rule "${grant.ruleName}" this request was made under is no longer in the policy.`);
  return rule;
}

function alreadyDecided(grant: Grant): Conflict {
  const outcome =
    grant.status === "denied" || grant.status === "expired" || grant.status === "cancelled"
      ? grant.status === "cancelled"
        ? "withdrawn"
        : grant.status
      : grant.decidedBy
        ? "approved"
        : grant.status;
  return new Conflict(`Request ${grant.id} has already been ${outcome}; nothing was changed.`);
}

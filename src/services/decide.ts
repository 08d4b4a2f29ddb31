// An approver approves or denies a pending request. Approvals count towards the rule's quorum;
// the last one needed moves the request to approved and on to provisioning.
import { formatDuration } from "../domain/duration.js";
import { Conflict, NotFound, PolicyDenied } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import type { Person } from "../domain/people.js";
import { approvalTimeoutOf, assertMayDecide, findRule, requesterProblem, type Rule } from "../domain/policy.js";
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import type { ServiceDeps } from "./deps.js";
import { expireRequest, requestLapsed } from "./housekeeping.js";
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

/** What follows a decision once it is on record (messages, AWS work): run after the click is acknowledged. */
export type FollowUp<T> = () => Promise<T>;

/**
 * Records exactly one decision per request: the compare-and-set on "pending" makes double clicks,
 * retries and simultaneous Approve/Deny lose with a Conflict instead of deciding twice, and an
 * approver counts once towards the quorum however often they click. A request past its approval
 * timeout is expired instead, as the sweep would, whether or not a sweep has run since.
 *
 * Only the checks and the one transaction happen here: a click is acknowledged once this has
 * returned (or thrown), so a bot that dies after Slack got its answer keeps the decision. Resolves
 * with what follows from it; throws what the clicker is told, with nothing recorded.
 */
export async function recordDecision(deps: ServiceDeps, input: DecisionInput): Promise<FollowUp<DecisionResult>> {
  const { grant, rule, decider } = await decidable(deps, input.grantId, input.deciderId, input.decision);
  const now = deps.clock.now();
  if (requestLapsed(deps, grant, now)) return refuseLapsed(deps, grant, now);
  const detail = { deciderEmail: decider.email };
  const result = (decided: Grant, approvals: number): DecisionResult => ({ grant: decided, approvals, required: rule.approvalsRequired });

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
    return async () => {
      await refreshApprovalMessage(deps, denied);
      await deps.notifier.tellRequester(denied);
      return result(denied, 0);
    };
  }

  const closed = await closeIfRequesterGone(deps, grant, rule);
  if (closed) return closed;
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
      return async () => {
        await refreshApprovalMessage(deps, outcome.grant);
        return result(outcome.grant, outcome.approvals);
      };
    case "approved":
      return async () => {
        await refreshApprovalMessage(deps, outcome.grant);
        return result((await provisionGrant(deps, grant.id)) ?? outcome.grant, outcome.approvals);
      };
  }
}

/**
 * The requester is looked up again at every approval: someone deactivated, dropped from the rule or
 * whose confirmed email changed since asking must not receive the access. Such a request is closed
 * as failed (audited; the follow-up tells the approvers' message and the requester, and refuses the
 * approval).
 */
async function closeIfRequesterGone(deps: ServiceDeps, grant: Grant, rule: Rule): Promise<FollowUp<never> | undefined> {
  const problem = requesterProblem(rule, grant.requesterEmail, await deps.directory.person(grant.requesterId));
  if (!problem) return undefined;
  const reason = `It can no longer be granted: ${problem}.`;
  const failed = await deps.store.transition(
    grant.id,
    "pending",
    "failed",
    { failureReason: reason, endedAt: deps.clock.now() },
    { action: "failed", actorId: SYSTEM_ACTOR, detail: { reason } },
  );
  if (!failed) throw alreadyDecided((await deps.store.get(grant.id)) ?? grant);
  return async () => {
    await refreshApprovalMessage(deps, failed);
    await deps.notifier.tellRequester(failed);
    throw new PolicyDenied(`${grant.id} was not approved and is now closed: ${problem}.`);
  };
}

/**
 * Throws what `recordDecision` would refuse with (no such request, already decided, not an
 * approver of it) without deciding anything; the follow-up returns the request: Deny asks for a
 * reason in a form first, and only someone who may deny is asked. A request past its approval
 * timeout is expired here too, and the follow-up then throws.
 */
export async function checkDecidable(deps: ServiceDeps, grantId: string, deciderId: string): Promise<FollowUp<Grant>> {
  const { grant } = await decidable(deps, grantId, deciderId, "deny");
  const now = deps.clock.now();
  return requestLapsed(deps, grant, now) ? refuseLapsed(deps, grant, now) : async () => grant;
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

/** Expires a request whose approval timeout has passed; its follow-up tells everyone, then refuses the click. */
async function refuseLapsed(deps: ServiceDeps, grant: Grant, now: number): Promise<FollowUp<never>> {
  const expired = await expireRequest(deps, grant, now);
  const refusal = expired
    ? new Conflict(
        `Request ${grant.id} expired: nobody decided within ${formatDuration(approvalTimeoutOf(deps.policy, grant.ruleName))}, ` +
          "so it can no longer be approved or denied. The requester can ask again.",
      )
    : alreadyDecided((await deps.store.get(grant.id)) ?? grant);
  return async () => {
    await expired?.announce();
    throw refusal;
  };
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

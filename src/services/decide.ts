// An approver approves or denies a pending request. Approvals count towards the rule's quorum;
// the last one needed moves the request to approved and on to provisioning.
import { formatDuration } from "../domain/duration.js";
import { Conflict, NotFound, PolicyDenied } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import { approvalTimeoutOf } from "../domain/policy.js";
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import type { ServiceDeps } from "./deps.js";
import { checkBallot, decideBallot, type Ballot, type DecisionInput, type DecisionResult, type FollowUp } from "./decision-flow.js";
import { expireRequest, requestLapsed } from "./housekeeping.js";
import { provisionGrant } from "./provision.js";
import { refreshApprovalMessage } from "./approval-message.js";

/**
 * Records one decision on a request (see decideBallot). An approval of a request whose requester
 * may no longer have it closes the request as failed instead.
 */
export async function recordDecision(
  deps: ServiceDeps,
  input: DecisionInput & { readonly grantId: string },
): Promise<FollowUp<DecisionResult<Grant>>> {
  return decideBallot(deps, await requestBallot(deps, input.grantId), input);
}

/**
 * Throws what `recordDecision` would refuse a denial with (no such request, already decided, not an
 * approver of it) without deciding anything; the follow-up returns the request: Deny asks for a
 * reason in a form first, and only someone who may deny is asked. A request past its approval
 * timeout is expired here too, and the follow-up then throws.
 */
export async function checkDecidable(deps: ServiceDeps, grantId: string, deciderId: string): Promise<FollowUp<Grant>> {
  return checkBallot(deps, await requestBallot(deps, grantId), { deciderId, decision: "deny" });
}

async function requestBallot(deps: ServiceDeps, grantId: string): Promise<Ballot<Grant>> {
  const grant = await deps.store.get(grantId);
  if (!grant) throw new NotFound(`There is no request ${grantId}.`);
  if (grant.status !== "pending") throw alreadyDecided(grant);
  const latest = async (known?: Grant) => alreadyDecided(known ?? (await deps.store.get(grant.id)) ?? grant);
  return {
    subject: "request",
    current: grant,
    grant,
    requesterId: grant.requesterId,
    isPending: (current) => current.status === "pending",
    closedMeanwhile: latest,
    duplicate: ({ approvals, required }) =>
      new Conflict(`You have already approved ${grant.id}; it needs ${required - approvals} more approval(s) from other approvers.`),
    lapsed: (now) => requestLapsed(deps, grant, now),
    refuseLapsed: (now) => refuseLapsed(deps, grant, now),
    deny: (decider, now, audit, reason) =>
      deps.store.transition(
        grant.id,
        "pending",
        "denied",
        { decidedBy: decider.slackId, decidedAt: now, endedAt: now, decisionReason: reason },
        { action: audit, actorId: decider.slackId, actorEmail: decider.email, detail: { deciderEmail: decider.email, reason } },
      ),
    requesterGone: (problem) => closeForRequester(deps, grant, problem),
    approve: (decider, now, decide) =>
      deps.store.approve(
        grant.id,
        decider.slackId,
        decide,
        { decidedBy: decider.slackId, decidedAt: now },
        {
          actorId: decider.slackId,
          actorEmail: decider.email,
          detail: { deciderEmail: decider.email },
        },
      ),
    afterDenied: async (denied) => {
      await refreshApprovalMessage(deps, denied);
      await deps.notifier.tellRequester(denied);
    },
    afterCounted: (counted) => refreshApprovalMessage(deps, counted),
    afterApproved: async (approved) => async () => {
      await refreshApprovalMessage(deps, approved);
      return (await provisionGrant(deps, grant.id)) ?? approved;
    },
  };
}

/**
 * A request whose requester may no longer have the access is closed as failed (audited; the
 * follow-up tells the approvers' message and the requester, and refuses the approval).
 */
async function closeForRequester(deps: ServiceDeps, grant: Grant, problem: string): Promise<FollowUp<never>> {
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

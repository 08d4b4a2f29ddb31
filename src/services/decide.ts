// An approver approves or denies a pending request. Approvals count towards the rule's quorum;
// the last one needed moves the request to approved and on to provisioning.
import { formatDuration } from "../domain/duration.js";
import { Conflict, NotFound, PolicyDenied } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import { approvalTimeoutOf } from "../domain/policy.js";
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import type { ServiceDeps } from "./deps.js";
import { checkBallot, decideBallot, type Ballot, type DecisionInput, type DecisionResult, type FollowUp } from "./decision-flow.js";
import { expireRequests, requestLapsed } from "./housekeeping.js";
import { provisionGrant } from "./provision.js";
import { refreshApprovalMessage } from "./approval-message.js";
import { loadBundle } from "./request-bundle.js";
import { refreshBundle } from "./approval-message.js";
import { partOf } from "../domain/request-bundle.js";

/**
 * Records one decision on a request (see decideBallot). An approval of a request whose requester
 * may no longer have it closes the request as failed instead.
 */
export async function recordDecision(
  deps: ServiceDeps,
  input: DecisionInput & { readonly grantId: string },
): Promise<FollowUp<DecisionResult<Grant>>> {
  const grant = await deps.store.get(input.grantId);
  if (grant?.bundleId) return recordPartDecision(deps, grant, input);
  return decideBallot(deps, await requestBallot(deps, input.grantId), input);
}

/**
 * Throws what `recordDecision` would refuse a denial with (no such request, already decided, not an
 * approver of it) without deciding anything; the follow-up returns the request: Deny asks for a
 * reason in a form first, and only someone who may deny is asked. A request past its approval
 * timeout is expired here too, and the follow-up then throws.
 */
export async function checkDecidable(deps: ServiceDeps, grantId: string, deciderId: string): Promise<FollowUp<Grant>> {
  const grant = await deps.store.get(grantId);
  const target = grant?.bundleId ? await firstPendingOfPart(deps, grant) : grantId;
  return checkBallot(deps, await requestBallot(deps, target), { deciderId, decision: "deny" });
}

/**
 * The ballot for one request. `announce: false` leaves the approvers' message and the requester to
 * the caller (a part of a multi-target request is announced once, for all its grants); AWS work
 * after the last approval is the same either way.
 */
export async function requestBallot(deps: ServiceDeps, grantId: string, announce = true): Promise<Ballot<Grant>> {
  const grant = await deps.store.get(grantId);
  if (!grant) throw new NotFound(`There is no request ${grantId}.`);
  if (grant.status !== "pending") throw alreadyDecided(grant);
  const refresh = async (changed: Grant) => {
    if (announce) await refreshApprovalMessage(deps, changed);
  };
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
    refuseLapsed: (now) => refuseLapsed(deps, grant, now, announce),
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
      await refresh(denied);
      if (announce) await deps.notifier.tellRequester(denied);
    },
    afterCounted: refresh,
    afterApproved: async (approved) => async () => {
      await refresh(approved);
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

/**
 * Expires a request whose approval timeout has passed, with every other grant of its multi-target
 * request that lapsed too, so the requester hears once; its follow-up tells everyone (unless the
 * caller announces, as for a part), then refuses the click.
 */
async function refuseLapsed(deps: ServiceDeps, grant: Grant, now: number, announce: boolean): Promise<FollowUp<never>> {
  const lapsed = grant.bundleId === null ? [grant] : (await loadBundle(deps, grant)).grants.filter((g) => requestLapsed(deps, g, now));
  const expired = await expireRequests(deps, lapsed, now);
  const refusal = expired.value.some((closed) => closed.id === grant.id)
    ? new Conflict(
        `Request ${grant.id} expired: nobody decided within ${formatDuration(approvalTimeoutOf(deps.policy, grant.ruleName))}, ` +
          "so it can no longer be approved or denied. The requester can ask again.",
      )
    : alreadyDecided((await deps.store.get(grant.id)) ?? grant);
  return async () => {
    if (announce) await expired.announce();
    throw refusal;
  };
}

export function alreadyDecided(grant: Grant): Conflict {
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

/** The grants of the anchor's part of its multi-target request, as they stand now. */
async function partGrants(deps: ServiceDeps, anchor: Grant): Promise<readonly Grant[]> {
  const bundle = await loadBundle(deps, anchor);
  return partOf(bundle.parts, anchor.id)?.grants ?? [anchor];
}

async function firstPendingOfPart(deps: ServiceDeps, anchor: Grant): Promise<string> {
  return (await partGrants(deps, anchor)).find((grant) => grant.status === "pending")?.id ?? anchor.id;
}

/**
 * One decision on a part of a multi-target request: the same decision on each of its pending grants,
 * each through the one decision flow (its own checks, compare-and-set, quorum and audit record). The
 * first grant's refusal refuses the click with nothing recorded; a later grant closed meanwhile (by
 * the sweep, or a crash half-way through an earlier click) is left as it is. The approvers' message
 * and the requester hear once, after every grant of the part is decided.
 */
async function recordPartDecision(deps: ServiceDeps, anchor: Grant, input: DecisionInput): Promise<FollowUp<DecisionResult<Grant>>> {
  const pending = (await partGrants(deps, anchor)).filter((grant) => grant.status === "pending");
  const [first, ...rest] = pending;
  if (!first) throw alreadyDecided(anchor);
  const followUps = [await decideBallot(deps, await requestBallot(deps, first.id, false), input)];
  for (const grant of rest) {
    try {
      followUps.push(await decideBallot(deps, await requestBallot(deps, grant.id, false), input));
    } catch (error) {
      deps.logger.info({ grantId: grant.id, err: (error as Error).message }, "a grant of the part was not decided with it");
    }
  }
  return async () => {
    const settled = await Promise.allSettled(followUps.map((followUp) => followUp()));
    await refreshBundle(deps, anchor);
    await deps.notifier.tellRequesterAboutBundle(await loadBundle(deps, anchor));
    const decided = settled.find((outcome) => outcome.status === "fulfilled");
    if (decided) return { ...decided.value, targets: followUps.length };
    throw (settled[0] as PromiseRejectedResult).reason;
  };
}

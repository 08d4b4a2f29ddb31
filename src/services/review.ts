// Break-glass access is reviewed after the fact: an approver of its rule (or an admin) acknowledges it.
import { Conflict, NotFound, PolicyDenied } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import { isAdmin, isPerson } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import { ruleOf, type FollowUp } from "./decision-flow.js";
import { refreshApprovalMessage } from "./approval-message.js";

/** The review's checks and its transaction; the follow-up updates the approvers' message. */
export async function recordReview(deps: ServiceDeps, input: { grantId: string; reviewerId: string }): Promise<FollowUp<Grant>> {
  const grant = await deps.store.get(input.grantId);
  if (!grant) throw new NotFound(`There is no grant ${input.grantId}.`);
  if (!grant.breakGlass) throw new Conflict(`${grant.id} was approved normally; there is nothing to review.`);
  const reviewer = await deps.directory.person(input.reviewerId);
  const { approvers } = ruleOf(deps, grant);
  await deps.refusals.check({ actorId: input.reviewerId, attempt: "acknowledge", grantId: grant.id }, () => {
    if (grant.requesterId === input.reviewerId) throw new PolicyDenied("You cannot review your own break-glass access.");
    if (!isPerson(approvers, reviewer) && !isAdmin(deps.policy, reviewer)) {
      throw new PolicyDenied(`Only an approver of rule "${grant.ruleName}" or a jit-slack admin can review ${grant.id}.`);
    }
  });
  const reviewed = await deps.store.markReviewed(grant.id, input.reviewerId, {
    action: "reviewed",
    actorId: input.reviewerId,
    actorEmail: reviewer.email,
  });
  if (!reviewed) throw new Conflict(`${grant.id} has already been reviewed.`);
  return async () => {
    await refreshApprovalMessage(deps, reviewed);
    return reviewed;
  };
}

/** Unacknowledged break-glass grants, for admins. */
export async function unreviewedBreakGlass(deps: ServiceDeps, actorId: string, limit: number): Promise<Grant[]> {
  const person = await deps.directory.person(actorId);
  await deps.refusals.check({ actorId, attempt: "list-review" }, () => {
    if (!isAdmin(deps.policy, person)) throw new PolicyDenied("Only jit-slack admins can list break-glass access awaiting review.");
  });
  return deps.store.listUnreviewed(limit);
}

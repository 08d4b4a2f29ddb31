// A digest with flagged actions (and every break-glass digest) is reviewed by an approver of the
// grant's rule or an admin, never by the grant's requester; the review is audited with who and when.
import { Conflict, NotFound, PolicyDenied } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import { findRule, isAdmin, isPerson } from "../domain/policy.js";
import { storedDigest, type ActivityDeps } from "./activity-digest.js";
import type { ServiceDeps } from "./deps.js";
import type { DigestJob } from "./ports.js";

function activityOf(deps: ServiceDeps): ActivityDeps {
  if (!deps.activity) throw new Conflict("Activity digests are off (JIT_ACTIVITY_DIGEST).");
  return deps.activity;
}

export async function reviewActivity(deps: ServiceDeps, input: { grantId: string; reviewerId: string }): Promise<DigestJob> {
  const activity = activityOf(deps);
  const [grant, job] = await Promise.all([deps.store.get(input.grantId), activity.digests.get(input.grantId)]);
  if (!grant || !job?.digest) throw new NotFound(`There is no activity digest for ${input.grantId}.`);
  const reviewer = await deps.directory.person(input.reviewerId);
  await deps.refusals.check({ actorId: input.reviewerId, attempt: "review-activity", grantId: grant.id }, () => {
    if (grant.requesterId === input.reviewerId) throw new PolicyDenied("You cannot review what was done with your own access.");
    // A rule since removed from the policy leaves the review to admins.
    const approvers = findRule(deps.policy, grant.ruleName)?.approvers ?? [];
    if (!isPerson(approvers, reviewer) && !isAdmin(deps.policy, reviewer)) {
      throw new PolicyDenied(`Only an approver of rule "${grant.ruleName}" or a jit-slack admin can review the activity of ${grant.id}.`);
    }
  });
  if (!job.needsReview) throw new Conflict(`The activity of ${grant.id} flagged nothing; there is nothing to review.`);
  const digest = storedDigest(job);
  const reviewed = await activity.digests.review(grant.id, input.reviewerId, deps.clock.now(), {
    action: "activity_reviewed",
    actorId: input.reviewerId,
    actorEmail: reviewer.email,
    detail: { flagged: digest.flagged.length, breakGlass: grant.breakGlass },
  });
  if (!reviewed) throw new Conflict(`The activity of ${grant.id} has already been reviewed.`);
  await activity.poster.update(grant, reviewed, digest).catch((error: unknown) => {
    deps.logger.warn({ grantId: grant.id, err: String(error) }, "the reviewed digest's message could not be updated");
  });
  return reviewed;
}

/** Digests awaiting review, with their grants, for admins (beside unreviewed break-glass grants). */
export async function unreviewedActivity(deps: ServiceDeps, limit: number): Promise<{ grant: Grant; job: DigestJob }[]> {
  if (!deps.activity) return [];
  const jobs = await deps.activity.digests.listUnreviewed(limit);
  const grants = await Promise.all(jobs.map((job) => deps.store.get(job.grantId)));
  return jobs.flatMap((job, index) => {
    const grant = grants[index];
    return grant ? [{ grant, job }] : [];
  });
}

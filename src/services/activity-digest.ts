// After a grant ends, and once CloudTrail has had time to deliver its events, reads what the
// grant's role sessions did and posts the digest in the approval message's thread. Each step is a
// compare-and-set on the job (one per grant, made when it was revoked), taken under a lease per
// grant, so replicas never collect or post the same digest twice and a restart picks up where a
// crash left off.
import { activityWindow, digestCounts, digestOf, isPartial, needsReview, type ActivityDigest } from "../domain/activity-digest.js";
import type { ActivityLookup } from "../domain/activity-event.js";
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { sessionsValidUntil } from "../domain/fence-capability.js";
import type { Grant } from "../domain/grant.js";
import type { FlaggedActionPattern } from "../domain/risky-actions.js";
import type { ServiceDeps } from "./deps.js";
import type { ActivityDigests, ActivitySource, DigestJob, DigestPoster } from "./ports.js";

export interface ActivityDeps {
  readonly digests: ActivityDigests;
  readonly source: ActivitySource;
  readonly poster: DigestPoster;
  /** How long after the window closes CloudTrail is given to deliver its events (JIT_ACTIVITY_DELAY_MINUTES). */
  readonly delayMs: number;
  /** Flagged beside the built-in risky actions (JIT_ACTIVITY_FLAGGED_ACTIONS). */
  readonly flagged: readonly FlaggedActionPattern[];
}

/** A partial lookup is tried again after these waits; the last attempt's digest is posted, marked partial. */
export const PARTIAL_RETRY_DELAYS_MS: readonly number[] = [5 * 60_000, 15 * 60_000, 60 * 60_000];

/** Jobs looked at per run. */
const BATCH = 50;

export const digestLease = (grantId: string): string => `activity-digest:${grantId}`;

/** Works on every job that is due; returns how many digests were posted. */
export async function runDigests(deps: ServiceDeps): Promise<number> {
  const activity = deps.activity;
  if (!activity) return 0;
  let posted = 0;
  for (const job of await activity.digests.unfinished(deps.clock.now(), BATCH)) {
    try {
      if (await deps.work.ifFree(digestLease(job.grantId), () => advance(deps, activity, job.grantId))) posted += 1;
    } catch (error) {
      deps.logger.warn({ grantId: job.grantId, err: String(error) }, "activity digest failed; will try again");
    }
  }
  return posted;
}

/** When the grant's events belong to it: from activation (or approval) to its end, and while unfenced sessions outlive it. */
export function windowOf(deps: ServiceDeps, grant: Grant): ActivityDigest["window"] {
  const ended = grant.endedAt ?? grant.updatedAt;
  const started = grant.activatedAt ?? grant.decidedAt ?? grant.createdAt;
  return activityWindow(started, ended, sessionsValidUntil(deps.fenceFacts, grant.accountId, grant.permissionSetName, ended));
}

/** Takes the job one or two steps on (collect, then post); true once it is posted by this call. */
async function advance(deps: ServiceDeps, activity: ActivityDeps, grantId: string): Promise<boolean> {
  const [job, grant] = await Promise.all([activity.digests.get(grantId), deps.store.get(grantId)]);
  if (!job || !grant || job.state === "posted") return false;
  if (job.state === "pending" && !(await collect(deps, activity, job, grant))) return false;
  return post(activity, grant);
}

/** Reads the events and records the digest; false while it is not due yet or is to be retried. */
async function collect(deps: ServiceDeps, activity: ActivityDeps, job: DigestJob, grant: Grant): Promise<boolean> {
  const now = deps.clock.now();
  const window = windowOf(deps, grant);
  const due = window.until + activity.delayMs;
  if (now < due) {
    // Out of the way of the jobs that are due until then (the clock may be moved: it is asked again then).
    await activity.digests.defer(grant.id, due);
    return false;
  }
  const lookup: ActivityLookup = grant.principalId
    ? await activity.source.lookup({
        accountId: grant.accountId,
        permissionSetName: grant.permissionSetName,
        principalId: grant.principalId,
        from: window.from,
        until: window.until,
      })
    : { events: [], gaps: [] };
  const digest = digestOf(lookup, window, activity.flagged);
  const attempts = job.attempts + 1;
  const retryIn = PARTIAL_RETRY_DELAYS_MS[job.attempts];
  // Events past event history's 90 days do not come back by asking again.
  const retryable = digest.gaps.some((gap) => gap.reason !== "history-expired");
  if (isPartial(digest) && retryable && retryIn !== undefined) {
    const missing = digest.gaps.map((gap) => `${gap.region}: ${gap.reason}: ${gap.message}`);
    deps.logger.warn({ grantId: grant.id, attempts, missing }, "activity digest is partial; will read again");
    await activity.digests.retryLater(grant.id, attempts, now + retryIn);
    return false;
  }
  const review = needsReview(digest, grant.breakGlass);
  return activity.digests.collect(grant.id, JSON.stringify(digest), review, {
    action: "activity_digest",
    actorId: SYSTEM_ACTOR,
    detail: { ...digestCounts(digest), needsReview: review, attempts },
  });
}

/**
 * Posts a collected digest once: `posting` is recorded before the post, so a process that died
 * after posting is found out by looking for its post rather than posting again.
 */
async function post(activity: ActivityDeps, grant: Grant): Promise<boolean> {
  const job = await activity.digests.get(grant.id);
  if (!job?.digest) return false;
  if (job.state === "posting") {
    const found = await activity.poster.find(grant);
    if (found) return activity.digests.posted(grant.id, found.channel, found.ts);
  } else if (job.state !== "collected" || !(await activity.digests.startPosting(grant.id))) {
    return false;
  }
  const where = await activity.poster.post(grant, job, storedDigest(job));
  return activity.digests.posted(grant.id, where.channel, where.ts);
}

/** The digest as the job stored it (the bot's own JSON). */
export function storedDigest(job: Pick<DigestJob, "digest">): ActivityDigest {
  return JSON.parse(job.digest ?? "null") as ActivityDigest;
}

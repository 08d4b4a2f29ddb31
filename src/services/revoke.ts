// Ends a grant and removes its AWS assignment, unless other access still rests on that assignment.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { ProviderError } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import type { ServiceDeps } from "./deps.js";
import type { AuditDetail, AuditNote } from "../domain/audit-event.js";
import { fenceBound } from "../domain/session-fence.js";
import { fenceAhead, fenceSessions, type FenceOutcome } from "./session-fence.js";
import { isMembership, type Holders, type OperationTarget } from "./ports.js";
import { targetKey } from "./work-tracker.js";
import { refreshApprovalMessage } from "./approval-message.js";
import { ensureNotMember, ensureRemoved, grantTarget, settle } from "./assignment-operations.js";

/** Why a grant ends: its time ran out, its assignment vanished outside the bot (drift), an admin or its requester ended it. */
export type RevokeReason = "expired" | "drift" | "admin" | "ended-early";

/**
 * Moves an active grant to revoking (audited with `startNote`, by default "revocation_started") and
 * removes the assignment; resumes a grant already revoking. The move happens even while this
 * process is busy with the grant, so the sweep finishes the removal if it cannot start now.
 * A failure leaves the grant revoking (audited) so the sweep tries again: a revocation is never dropped.
 */
export async function revokeGrant(
  deps: ServiceDeps,
  grantId: string,
  actorId: string,
  reason: RevokeReason,
  startNote: AuditNote = { action: "revocation_started", actorId, detail: { reason } },
): Promise<Grant | undefined> {
  let grant = await deps.store.get(grantId);
  if (grant?.status === "active") {
    grant = (await deps.store.transition(grant.id, "active", "revoking", {}, startNote)) ?? (await deps.store.get(grantId));
  }
  return finishRevocation(deps, grant);
}

/**
 * Starts the revocation of expired grants together when the session fence is on: each is moved to
 * revoking (if another process has not done so) and, when its assignment is to be deleted, its
 * sessions are fenced ahead of the deletion. A burst is thus fenced in a write or two of the policies
 * while its deletions follow at the pace of the Identity Center quota (through the sweep, which
 * waits for a grant's promise here before its deletion). Each grant is claimed meanwhile, so no
 * process deletes it before its fence ahead is recorded. Never rejects.
 */
export function fenceExpiredAhead(deps: ServiceDeps, grants: readonly Grant[]): Map<string, Promise<void>> {
  const ahead = new Map<string, Promise<void>>();
  if (!deps.sessionFence.writer) return ahead;
  for (const grant of grants)
    ahead.set(
      grant.id,
      fenceOneAhead(deps, grant).catch((error: unknown) => logAheadFailure(deps, grant, error)),
    );
  return ahead;
}

async function fenceOneAhead(deps: ServiceDeps, known: Grant): Promise<void> {
  if (known.status !== "active" || !(await deps.work.claim(known.id))) return;
  try {
    const note: AuditNote = { action: "revocation_started", actorId: SYSTEM_ACTOR, detail: { reason: "expired" } };
    const grant = await deps.store.transition(known.id, "active", "revoking", {}, note);
    const { principalId } = grant ?? {};
    if (!grant || !principalId || grant.keepsAssignment) return;
    const target = grantTarget(grant, principalId);
    // What removeAssignment would keep is not fenced (it re-checks under the target's lock before deleting).
    if ((await deps.store.holders(target, grant.id)).count > 0) return;
    await fenceUnlessDeleting(deps, { ...grant, principalId }, target);
  } finally {
    await deps.work.release(known.id);
  }
}

function logAheadFailure(deps: ServiceDeps, grant: Grant, error: unknown): void {
  deps.logger.error({ grantId: grant.id, err: String(error) }, "could not start the revocation ahead of the sweep; the sweep starts it");
}

/**
 * Removes the assignment of a grant already revoking, unless another process (or this one) is
 * working on the grant: it finishes the removal itself, or the sweep does.
 */
export async function finishRevocation(deps: ServiceDeps, known: Grant | undefined): Promise<Grant | undefined> {
  if (known?.status !== "revoking" || !(await deps.work.claim(known.id))) return known;
  const grantId = known.id;
  try {
    // Another process may have finished the removal between the read above and the claim.
    const grant = await deps.store.get(grantId);
    if (grant?.status !== "revoking") return grant;
    return await removeAssignment(deps, grant);
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    await recordFailure(deps, grantId, error);
    return deps.store.get(grantId);
  } finally {
    await deps.work.release(grantId);
  }
}

/** Audits the failure and backs off; past the threshold, and every so often after, the audit channel is alerted. */
async function recordFailure(deps: ServiceDeps, grantId: string, error: ProviderError): Promise<void> {
  const attempts = deps.work.failed(grantId, deps.clock.now());
  const detail = { error: error.message, code: error.code, attempts };
  await deps.store.note(grantId, { action: "revocation_retry", actorId: SYSTEM_ACTOR, detail });
  const threshold = deps.settings.revocationAlertAfter;
  if (attempts >= threshold && (attempts - threshold) % threshold === 0) {
    await deps.store.note(grantId, { action: "revocation_stuck", actorId: SYSTEM_ACTOR, detail });
    deps.logger.error({ grantId, ...detail }, "revocation keeps failing; access is still in place");
  } else {
    deps.logger.warn({ grantId, ...detail }, "revocation failed; will retry");
  }
}

async function removeAssignment(deps: ServiceDeps, known: Grant): Promise<Grant | undefined> {
  const { principalId } = known;
  if (!principalId) return finish(deps, known, { removed: false, why: "no assignment was ever made" });
  const grant = { ...known, principalId };
  const target = grantTarget(grant, principalId);
  const membership = isMembership(target);
  return deps.work.exclusive(targetKey(target), async () => {
    // A grant ended while AWS was creating its assignment: the deletion must come after that creation.
    const creation = await deps.operations.latest(grant.id, membership ? "add-member" : "create");
    if (creation) await settle(deps, creation);
    if (grant.keepsAssignment) {
      const why = membership ? "the user was a member of the group before the grant" : "the user had this assignment before the grant";
      return finish(deps, grant, { removed: false, why });
    }
    const holders = await deps.store.holders(target, grant.id);
    if (holders.count > 0) return finish(deps, grant, { removed: false, why: `still covered by ${holderNames(holders)}` });
    return deleteAssignment(deps, grant, target);
  });
}

/** "jit-a, jit-b"; past the ids the store names, "jit-a, …, jit-e and 12 more". */
function holderNames(holders: Holders): string {
  const more = holders.count - holders.ids.length;
  return more > 0 ? `${holders.ids.join(", ")} and ${more} more` : holders.ids.join(", ");
}

/**
 * Fences the user's older role sessions (session-fence.ts) unless a deletion was already under way,
 * deletes the assignment (see assignment-operations.ts), then fences again from after the deletion:
 * an assignment already gone leaves them as valid as one just deleted. A failure of the deletion or of
 * the second fence is thrown, so the revocation is retried and the grant is not shown revoked.
 */
async function deleteAssignment(
  deps: ServiceDeps,
  grant: Grant & { principalId: string },
  target: OperationTarget,
): Promise<Grant | undefined> {
  await fenceUnlessDeleting(deps, grant, target);
  const outcome = isMembership(target) ? await ensureNotMember(deps, grant.id, target) : await ensureRemoved(deps, grant.id, target);
  if (outcome.kind === "failed") throw new ProviderError(outcome.message, outcome.code, true);
  const fence = await fenceSessions(deps, grant, await deps.operations.latest(grant.id, deletionKind(target)));
  if (outcome.kind === "changed") return finish(deps, grant, { removed: true, why: null, awsRequestId: outcome.requestId }, fence);
  return finish(deps, grant, { removed: false, why: "the assignment was already gone" }, fence);
}

/** The operation that takes the grant's access away: the assignment's deletion, or the group membership's. */
function deletionKind(target: OperationTarget): "delete" | "remove-member" {
  return isMembership(target) ? "remove-member" : "delete";
}

/** Fences ahead of the deletion unless one was already begun (a resumed revocation goes straight on to it). */
async function fenceUnlessDeleting(deps: ServiceDeps, grant: Grant & { principalId: string }, target: OperationTarget): Promise<void> {
  if (!(await deps.operations.latest(grant.id, deletionKind(target)))) await fenceAhead(deps, grant);
}

/** What the revoked record says of role sessions: fenced until when, or valid until when and why not. */
function sessionDetail(deps: ServiceDeps, fence: FenceOutcome | undefined): AuditDetail {
  if (!fence) return {};
  if (fence.kind === "gap") {
    const until = deps.clock.now() + fence.gap.sessionDurationMs;
    return { sessionsFenced: false, sessionsValidUntil: new Date(until).toISOString(), notFencedBecause: fence.gap.reason };
  }
  return { sessionsFenced: fence.kind === "fenced", fencedBefore: fenceBound(fence.fencedAt) };
}

async function finish(
  deps: ServiceDeps,
  grant: Grant,
  result: { removed: boolean; why: string | null; awsRequestId?: string | null },
  fence?: FenceOutcome,
): Promise<Grant | undefined> {
  const revoked = await deps.store.transition(
    grant.id,
    "revoking",
    "revoked",
    { endedAt: deps.clock.now() },
    {
      action: "revoked",
      actorId: SYSTEM_ACTOR,
      detail: {
        assignmentRemoved: result.removed,
        keptBecause: result.why,
        awsRequestId: result.awsRequestId ?? null,
        ...sessionDetail(deps, fence),
      },
    },
  );
  if (revoked) {
    deps.work.succeeded(grant.id);
    await Promise.all([deps.notifier.tellRequester(revoked), refreshApprovalMessage(deps, revoked)]);
  }
  return revoked;
}

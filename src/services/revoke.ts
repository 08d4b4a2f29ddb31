// Ends a grant and removes its AWS assignment, unless other access still rests on that assignment.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { ProviderError } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import type { ServiceDeps } from "./deps.js";
import type { AssignmentTarget } from "./ports.js";
import { assignmentKey } from "./work-tracker.js";

export type RevokeReason = "expired";

/**
 * Moves an active grant to revoking and removes the assignment; resumes a grant already revoking.
 * A failure leaves the grant revoking (audited) so the sweep tries again: a revocation is never dropped.
 */
export async function revokeGrant(
  deps: ServiceDeps,
  grantId: string,
  actorId: string,
  reason: RevokeReason,
): Promise<Grant | undefined> {
  if (!deps.work.claim(grantId)) return undefined;
  try {
    let grant = await deps.store.get(grantId);
    if (grant?.status === "active") {
      grant = await deps.store.transition(grant.id, "active", "revoking", { operationId: null }, {
        action: "revocation_started",
        actorId,
        detail: { reason },
      });
    }
    if (grant?.status !== "revoking") return grant;
    return await removeAssignment(deps, grant);
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    await deps.store.note(grantId, {
      action: "revocation_retry",
      actorId: SYSTEM_ACTOR,
      detail: { error: error.message, code: error.code },
    });
    deps.logger.warn({ grantId, err: error.message, code: error.code }, "revocation failed; will retry");
    return deps.store.get(grantId);
  } finally {
    deps.work.release(grantId);
  }
}

async function removeAssignment(deps: ServiceDeps, grant: Grant): Promise<Grant | undefined> {
  if (!grant.principalId) return finish(deps, grant, { removed: false, why: "no assignment was ever made" });
  const target: AssignmentTarget = {
    accountId: grant.accountId,
    permissionSetName: grant.permissionSetName,
    principalId: grant.principalId,
  };
  return deps.work.exclusive(assignmentKey(target), async () => {
    if (grant.keepsAssignment) {
      return finish(deps, grant, { removed: false, why: "the user had this assignment before the grant" });
    }
    const holders = await deps.store.listHolding(target, grant.id);
    if (holders.length > 0) {
      return finish(deps, grant, { removed: false, why: `still covered by ${holders.map((h) => h.id).join(", ")}` });
    }
    let operationId = grant.operationId;
    if (!operationId) {
      const started = await deps.provider.startDelete(target);
      if (started === "absent") return finish(deps, grant, { removed: false, why: "the assignment was already gone" });
      operationId = started;
      if (!(await deps.store.amend(grant.id, "revoking", { operationId }))) return deps.store.get(grant.id);
    }
    const outcome = await deps.provider.awaitOperation("delete", operationId);
    if (!outcome.ok) {
      // A failed deletion leaves the assignment in place: start a fresh deletion next time.
      await deps.store.amend(grant.id, "revoking", { operationId: null });
      throw new ProviderError(`AWS could not delete the assignment: ${outcome.reason}`, "DeletionFailed", true);
    }
    return finish(deps, grant, { removed: true, why: null, awsRequestId: operationId });
  });
}

async function finish(
  deps: ServiceDeps,
  grant: Grant,
  result: { removed: boolean; why: string | null; awsRequestId?: string },
): Promise<Grant | undefined> {
  const revoked = await deps.store.transition(
    grant.id,
    "revoking",
    "revoked",
    { endedAt: deps.clock.now(), operationId: null },
    {
      action: "revoked",
      actorId: SYSTEM_ACTOR,
      detail: { assignmentRemoved: result.removed, keptBecause: result.why, awsRequestId: result.awsRequestId ?? null },
    },
  );
  if (revoked) {
    await Promise.all([deps.notifier.tellRequester(revoked), deps.notifier.updateApprovalRequest(revoked)]);
  }
  return revoked;
}

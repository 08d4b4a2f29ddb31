// Turns an approved grant into an AWS account assignment, resuming safely after a crash.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { ProviderError } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import type { ServiceDeps } from "./deps.js";
import type { AssignmentTarget } from "./ports.js";
import { assignmentKey } from "./work-tracker.js";
import { refreshApprovalMessage } from "./approval-message.js";

function targetOf(grant: Grant, principalId: string): AssignmentTarget {
  return { accountId: grant.accountId, permissionSetName: grant.permissionSetName, principalId };
}

/**
 * Drives an approved or provisioning grant until it is active or failed. A grant this process is
 * already working on is left alone. Outages leave the grant where it is for the sweep to resume;
 * it is only marked failed when AWS has definitely not given the access.
 */
export async function provisionGrant(deps: ServiceDeps, grantId: string): Promise<Grant | undefined> {
  if (!(await deps.work.claim(grantId))) return undefined;
  try {
    let grant = await deps.store.get(grantId);
    if (grant?.status === "approved") grant = await prepare(deps, grant);
    if (grant?.status === "provisioning") grant = await complete(deps, grant);
    deps.work.succeeded(grantId);
    return grant;
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    const attempts = deps.work.failed(grantId, deps.clock.now());
    deps.logger.warn({ grantId, err: error.message, code: error.code, attempts }, "provisioning interrupted; the sweep will resume it");
    return deps.store.get(grantId);
  } finally {
    await deps.work.release(grantId);
  }
}

/** approved → provisioning: find the user in Identity Center and what access they already hold. */
async function prepare(deps: ServiceDeps, grant: Grant): Promise<Grant | undefined> {
  if (!grant.requesterEmail) {
    return fail(deps, grant, "Your Slack profile has no email address, so you cannot be matched to an IAM Identity Center user.");
  }
  let principalId: string | undefined;
  try {
    principalId = await deps.provider.findPrincipal(grant.requesterEmail);
  } catch (error) {
    if (error instanceof ProviderError && !error.retryable) return fail(deps, grant, error.message);
    throw error;
  }
  if (!principalId) {
    return fail(deps, grant, `No IAM Identity Center user has the email ${grant.requesterEmail}.`);
  }
  const target = targetOf(grant, principalId);
  return deps.work.exclusive(assignmentKey(target), async () => {
    const exists = await deps.provider.assignmentExists(target);
    const holders = await deps.store.listHolding(target, grant.id);
    // Another grant of ours holds it: share its answer to "was it there before us?"
    const keepsAssignment = holders.length > 0 ? holders.some((holder) => holder.keepsAssignment) : exists;
    const provisioning = await deps.store.transition(grant.id, "approved", "provisioning", { principalId, keepsAssignment }, null);
    return provisioning && createAndActivate(deps, provisioning, target, exists);
  });
}

/** Resumes a grant found in provisioning (this run, or one that crashed). */
async function complete(deps: ServiceDeps, grant: Grant): Promise<Grant | undefined> {
  if (!grant.principalId) return fail(deps, grant, "The grant lost its Identity Center user id.");
  const target = targetOf(grant, grant.principalId);
  return deps.work.exclusive(assignmentKey(target), () => createAndActivate(deps, grant, target));
}


/**
 * Makes sure the assignment exists, following the operation log: a creation AWS accepted is
 * followed up by its request id; one whose answer was lost in a crash is settled by looking at AWS.
 */
async function createAndActivate(
  deps: ServiceDeps,
  grant: Grant,
  target: AssignmentTarget,
  knownToExist?: boolean,
): Promise<Grant | undefined> {
  let operation = await deps.operations.latest(grant.id, "create");
  if (operation?.state === "succeeded") return activate(deps, grant, operation.requestId);
  if (operation?.state !== "started") {
    if (operation?.state === "intended") {
      await deps.operations.finished(operation.id, "abandoned", "no answer from AWS was recorded before a restart");
    }
    if (knownToExist ?? (await deps.provider.assignmentExists(target))) return activate(deps, grant, null);
    operation = await deps.operations.intend(grant.id, "create", target);
    let requestId: string;
    try {
      requestId = await deps.provider.startCreate(target);
    } catch (error) {
      if (!(error instanceof ProviderError) || error.retryable) throw error;
      await deps.operations.finished(operation.id, "failed", error.message);
      return fail(deps, grant, error.message);
    }
    await deps.operations.started(operation.id, requestId);
    operation = { ...operation, state: "started", requestId };
  }
  const requestId = operation.requestId as string;
  const outcome = await deps.provider.awaitOperation("create", requestId);
  if (!outcome.ok) {
    await deps.operations.finished(operation.id, "failed", outcome.reason);
    return fail(deps, grant, `AWS could not create the assignment: ${outcome.reason}`);
  }
  await deps.operations.finished(operation.id, "succeeded");
  return activate(deps, grant, requestId);
}

async function activate(deps: ServiceDeps, grant: Grant, awsRequestId: string | null): Promise<Grant | undefined> {
  const now = deps.clock.now();
  const active = await deps.store.transition(
    grant.id,
    "provisioning",
    "active",
    { activatedAt: now, expiresAt: now + grant.durationMs },
    {
      action: "provisioned",
      actorId: SYSTEM_ACTOR,
      detail: {
        principalId: grant.principalId,
        expiresAt: new Date(now + grant.durationMs).toISOString(),
        awsRequestId,
        alreadyHadAccess: grant.keepsAssignment,
      },
    },
  );
  if (active) await announce(deps, active);
  return active;
}

async function fail(deps: ServiceDeps, grant: Grant, reason: string): Promise<Grant | undefined> {
  const failed = await deps.store.transition(
    grant.id,
    grant.status,
    "failed",
    { failureReason: reason, endedAt: deps.clock.now() },
    { action: "failed", actorId: SYSTEM_ACTOR, detail: { reason } },
  );
  if (failed) await announce(deps, failed);
  return failed;
}

async function announce(deps: ServiceDeps, grant: Grant): Promise<void> {
  await Promise.all([deps.notifier.tellRequester(grant), refreshApprovalMessage(deps, grant)]);
}

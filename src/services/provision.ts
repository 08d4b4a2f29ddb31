// Turns an approved grant into an AWS account assignment, resuming safely after a crash, and never
// late: a grant not active within its rule's activation timeout of its approval is stopped instead.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { formatDuration } from "../domain/duration.js";
import { ProviderError } from "../domain/errors.js";
import { activationDeadline, expiryWhenActivated, type Grant } from "../domain/grant.js";
import { activationTimeoutOf } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import { isMembership, type OperationTarget } from "./ports.js";
import { targetKey } from "./work-tracker.js";
import { refreshApprovalMessage } from "./approval-message.js";
import { ensureAssigned, ensureMember, grantTarget, type AssignOptions } from "./assignment-operations.js";
import { finishRevocation } from "./revoke.js";

async function existsNow(deps: ServiceDeps, target: OperationTarget): Promise<boolean> {
  if (isMembership(target)) return (await deps.provider.membershipId(target)) !== undefined;
  return deps.provider.assignmentExists(target);
}

/**
 * Drives an approved or provisioning grant until it is active or failed. A grant this process is
 * already working on is left alone. Outages leave the grant where it is for the sweep to resume;
 * it is only marked failed when AWS has definitely not given the access, or when it is too late.
 * A grant ended while its assignment was being created (cancelled, or past its activation
 * timeout) goes on to have that assignment removed as soon as the creation has settled.
 */
export async function provisionGrant(deps: ServiceDeps, grantId: string): Promise<Grant | undefined> {
  const grant = await drive(deps, grantId);
  return grant?.status === "revoking" ? finishRevocation(deps, grant) : grant;
}

async function drive(deps: ServiceDeps, grantId: string): Promise<Grant | undefined> {
  if (!(await deps.work.claim(grantId))) return undefined;
  try {
    let grant = await deps.store.get(grantId);
    if (grant?.status === "approved") grant = await prepare(deps, grant);
    if (grant?.status === "provisioning") grant = await complete(deps, grant);
    deps.work.succeeded(grantId);
    // A compare-and-set that lost (the grant was ended meanwhile) leaves nothing in hand: read where it stands.
    return grant ?? (await deps.store.get(grantId));
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
  if (tooLate(deps, grant)) return fail(deps, grant, lateReason(deps, grant));
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
  const target = grantTarget(grant, principalId);
  return deps.work.exclusive(targetKey(target), async () => {
    // A membership found here is standing (or another grant's): revocation leaves it in place.
    const exists = await existsNow(deps, target);
    const holders = await deps.store.holders(target, grant.id);
    // Another grant of ours holds it: share its answer to "was it there before us?"
    const keepsAssignment = holders.count > 0 ? holders.keepsAssignment : exists;
    if (tooLate(deps, grant)) return fail(deps, grant, lateReason(deps, grant));
    const provisioning = await deps.store.transition(grant.id, "approved", "provisioning", { principalId, keepsAssignment }, null);
    return provisioning && createAndActivate(deps, provisioning, target, exists);
  });
}

/** Resumes a grant found in provisioning (this run, or one that crashed). */
async function complete(deps: ServiceDeps, grant: Grant): Promise<Grant | undefined> {
  if (!grant.principalId) return fail(deps, grant, "The grant lost its Identity Center user id.");
  if (tooLate(deps, grant)) return stopLate(deps, grant);
  const target = grantTarget(grant, grant.principalId);
  return deps.work.exclusive(targetKey(target), () => createAndActivate(deps, grant, target));
}

/** Makes sure the assignment exists (see assignment-operations.ts), then activates the grant. */
async function createAndActivate(
  deps: ServiceDeps,
  grant: Grant,
  target: OperationTarget,
  knownToExist?: boolean,
): Promise<Grant | undefined> {
  const options: AssignOptions = {
    knownToExist,
    // Ended or late while we got here: create nothing.
    beforeStart: async () => {
      const current = await deps.store.get(grant.id);
      return current?.status === "provisioning" && !tooLate(deps, current);
    },
  };
  const outcome = isMembership(target)
    ? await ensureMember(deps, grant.id, target, options)
    : await ensureAssigned(deps, grant.id, target, options);
  switch (outcome.kind) {
    case "changed":
      return activate(deps, grant, outcome.requestId);
    case "already":
      return activate(deps, grant, null);
    case "failed":
      return fail(deps, grant, outcome.message);
    case "held": {
      const current = await deps.store.get(grant.id);
      return current?.status === "provisioning" ? stopLate(deps, current) : current;
    }
  }
}

/** provisioning → active, the duration counted from now; too late, the grant is stopped instead. */
async function activate(deps: ServiceDeps, grant: Grant, awsRequestId: string | null): Promise<Grant | undefined> {
  const now = deps.clock.now();
  if (tooLate(deps, grant)) return stopLate(deps, grant);
  const expiresAt = expiryWhenActivated(grant, activationTimeoutOf(deps.policy, grant.ruleName), now);
  const active = await deps.store.transition(
    grant.id,
    "provisioning",
    "active",
    { activatedAt: now, expiresAt },
    {
      action: "provisioned",
      actorId: SYSTEM_ACTOR,
      detail: {
        principalId: grant.principalId,
        expiresAt: new Date(expiresAt).toISOString(),
        awsRequestId,
        alreadyHadAccess: grant.keepsAssignment,
      },
    },
  );
  if (active) await announce(deps, active);
  return active;
}

function tooLate(deps: ServiceDeps, grant: Grant): boolean {
  return deps.clock.now() > activationDeadline(grant, activationTimeoutOf(deps.policy, grant.ruleName));
}

function lateReason(deps: ServiceDeps, grant: Grant): string {
  const timeout = formatDuration(activationTimeoutOf(deps.policy, grant.ruleName));
  return `AWS did not grant it within ${timeout} of its approval, so it was stopped rather than started late. Ask again if you still need it.`;
}

/**
 * provisioning → revoking for a grant past its activation deadline: AWS may hold or be creating
 * its assignment, so it goes the way of a revocation (provisionGrant hands it on), failure noted.
 */
async function stopLate(deps: ServiceDeps, grant: Grant): Promise<Grant | undefined> {
  const reason = lateReason(deps, grant);
  const stopped = await deps.store.transition(
    grant.id,
    "provisioning",
    "revoking",
    { failureReason: reason },
    { action: "failed", actorId: SYSTEM_ACTOR, detail: { reason, removal: "whatever AWS created for it is removed" } },
  );
  if (stopped) await announce(deps, stopped);
  return stopped;
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

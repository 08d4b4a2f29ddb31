// Compares what the store says with what AWS has, and repairs the difference the bot answers for.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { IN_AWS_STATUSES, isGroupGrant, isTerminal, type Grant } from "../domain/grant.js";
import { ensureNotMember, ensureRemoved, settle, type Settled } from "./assignment-operations.js";
import type { ServiceDeps } from "./deps.js";
import { isMembership, type Assignment, type AssignmentTarget, type MembershipTarget, type OperationTarget } from "./ports.js";
import { revokeGrant } from "./revoke.js";
import { assignmentKey, targetKey } from "./work-tracker.js";

/** Grants younger than this are left alone: AWS lists can lag a just-finished assignment. */
const SETTLING_MS = 2 * 60_000;

export interface ReconcileReport {
  /** Active grants whose assignment is gone from AWS (ended when not a dry run). */
  readonly missing: readonly Grant[];
  /** Assignments the bot created whose grants have ended but which still exist (deleted when not a dry run). */
  readonly orphans: readonly AssignmentTarget[];
  /** Group memberships the bot added whose grants have ended but which still exist (removed when not a dry run). */
  readonly orphanMemberships: readonly MembershipTarget[];
  /** With the policy's unmanagedAssignments on: standing assignments no grant explains (reported, or deleted with enforce). */
  readonly unmanaged: readonly AssignmentTarget[];
}

export interface ReconcileOptions {
  readonly dryRun: boolean;
  /** Unmanaged assignments already reported by this process, so each is reported once, not every run. */
  readonly reported?: Set<string>;
}

/** A creation of the bot's whose grant has ended while the assignment still exists. */
interface Orphan {
  readonly grantId: string;
  readonly target: OperationTarget;
}

export async function reconcile(deps: ServiceDeps, options: ReconcileOptions): Promise<ReconcileReport> {
  if (!options.dryRun) await resumeInterrupted(deps);
  const lister = new AssignmentLister(deps);
  const missing = await findMissing(deps, lister);
  const orphans = await findOrphans(deps, lister);
  const mode = deps.policy.unmanagedAssignments;
  const unmanaged = mode === "ignore" ? [] : await findUnmanaged(deps, lister);
  const explainedSince = new Set<AssignmentTarget>();
  if (!options.dryRun) {
    for (const grant of missing) await isolated(deps, grant.id, () => endVanished(deps, grant));
    for (const orphan of orphans) await isolated(deps, orphan.grantId, () => removeOrphan(deps, orphan));
    for (const target of unmanaged) {
      const key = `${assignmentKey(target)}|${target.principalType ?? "USER"}`;
      if (mode === "enforce") {
        await isolated(deps, key, async () => {
          if (!(await removeUnmanaged(deps, target))) explainedSince.add(target);
        });
      } else if (!options.reported?.has(key)) {
        await isolated(deps, key, () => reportUnmanaged(deps, target));
        options.reported?.add(key);
      }
    }
  }
  return {
    missing,
    orphans: orphans.flatMap(({ target }) => (isMembership(target) ? [] : [target])),
    orphanMemberships: orphans.flatMap(({ target }) => (isMembership(target) ? [target] : [])),
    unmanaged: unmanaged.filter((target) => !explainedSince.has(target)),
  };
}

/** One repair failing must not stop the others; the next run tries it again. */
async function isolated(deps: ServiceDeps, grantId: string, repair: () => Promise<void>): Promise<void> {
  try {
    await repair();
  } catch (error) {
    deps.logger.error({ grantId, err: (error as Error).message }, "reconciliation repair failed; the next run retries");
  }
}

/** Lists each (account, permission set) from AWS once per run. */
class AssignmentLister {
  private readonly lists = new Map<string, Promise<Assignment[]>>();
  constructor(private readonly deps: ServiceDeps) {}

  list(accountId: string, permissionSetName: string): Promise<Assignment[]> {
    const key = `${accountId}|${permissionSetName}`;
    let list = this.lists.get(key);
    if (!list) {
      list = this.deps.provider.listAssignments(accountId, permissionSetName);
      this.lists.set(key, list);
    }
    return list;
  }

  async holds(target: OperationTarget): Promise<boolean> {
    if (isMembership(target)) return (await this.deps.provider.membershipId(target)) !== undefined;
    const all = await this.list(target.accountId, target.permissionSetName);
    return all.some((a) => a.principalType === "USER" && a.principalId === target.principalId);
  }
}

/** What the grant holds in AWS: its assignment, or its group membership. */
function heldBy(grant: Grant): OperationTarget | undefined {
  if (!grant.principalId) return undefined;
  if (isGroupGrant(grant)) return { groupId: grant.groupId, principalId: grant.principalId };
  return { accountId: grant.accountId, permissionSetName: grant.permissionSetName, principalId: grant.principalId };
}

function targetOf(grant: Grant): AssignmentTarget | undefined {
  const target = heldBy(grant);
  return target && !isMembership(target) ? target : undefined;
}

async function findMissing(deps: ServiceDeps, lister: AssignmentLister): Promise<Grant[]> {
  const settledBefore = deps.clock.now() - SETTLING_MS;
  const missing: Grant[] = [];
  for (const grant of await deps.store.listByStatus(["active"])) {
    const target = heldBy(grant);
    if (!target || (grant.activatedAt ?? 0) > settledBefore) continue;
    if (!(await lister.holds(target))) missing.push(grant);
  }
  return missing;
}

async function findOrphans(deps: ServiceDeps, lister: AssignmentLister): Promise<Orphan[]> {
  const orphans: Orphan[] = [];
  for (const creation of await deps.operations.createdByUs()) {
    // Only grants create assignments and add members; an unattached creation would be no orphan of theirs.
    if (creation.grantId === null) continue;
    const owner = await deps.store.get(creation.grantId);
    // Only ended grants: one still active, provisioning or revoking is being looked after.
    if (owner?.status !== "revoked" && owner?.status !== "failed") continue;
    if ((await deps.store.holders(creation.target, creation.grantId)).count > 0) continue;
    if (await lister.holds(creation.target)) orphans.push({ grantId: creation.grantId, target: creation.target });
  }
  return orphans;
}

/** Assignments of the policy's permission sets on its accounts that no current grant explains. */
async function findUnmanaged(deps: ServiceDeps, lister: AssignmentLister): Promise<AssignmentTarget[]> {
  const explained = new Set(
    (await deps.store.listByStatus(IN_AWS_STATUSES))
      .map(targetOf)
      .filter((target): target is AssignmentTarget => target !== undefined)
      .map(assignmentKey),
  );
  const unmanaged: AssignmentTarget[] = [];
  for (const account of deps.policy.accounts) {
    for (const permissionSetName of deps.policy.permissionSets) {
      for (const assignment of await lister.list(account.id, permissionSetName)) {
        const target = { accountId: account.id, permissionSetName, ...assignment };
        if (assignment.principalType === "GROUP" || !explained.has(assignmentKey(target))) unmanaged.push(target);
      }
    }
  }
  return unmanaged;
}

async function reportUnmanaged(deps: ServiceDeps, target: AssignmentTarget): Promise<void> {
  await deps.store.noteUnattached(
    { accountId: target.accountId, permissionSet: target.permissionSetName },
    {
      action: "unmanaged_assignment",
      actorId: SYSTEM_ACTOR,
      detail: {
        principalType: target.principalType ?? "USER",
        principalId: target.principalId,
        problem: "standing access no grant explains",
      },
    },
  );
}

/**
 * Deletes standing access no grant explained when the run listed it; false, deleting nothing, when a
 * grant holds it now. The listing can be minutes old by then, and a grant provisions its assignment
 * inside this same exclusive section, so asking the store again here is what keeps a grant made
 * during a long run from losing its access.
 */
async function removeUnmanaged(deps: ServiceDeps, target: AssignmentTarget): Promise<boolean> {
  return deps.work.exclusive(assignmentKey(target), async () => {
    if ((target.principalType ?? "USER") === "USER" && (await deps.store.holders(target, "")).count > 0) return false;
    await noteUnmanagedRemoved(deps, target, await ensureRemoved(deps, null, target));
    return true;
  });
}

async function noteUnmanagedRemoved(deps: ServiceDeps, target: AssignmentTarget, outcome: Settled): Promise<void> {
  await deps.store.noteUnattached(
    { accountId: target.accountId, permissionSet: target.permissionSetName },
    {
      action: "unmanaged_removed",
      actorId: SYSTEM_ACTOR,
      detail: {
        principalType: target.principalType ?? "USER",
        principalId: target.principalId,
        removed: outcome.kind !== "failed",
        awsRequestId: outcome.kind === "already" ? null : outcome.requestId,
        error: outcome.kind === "failed" ? outcome.reason : null,
      },
    },
  );
}

async function endVanished(deps: ServiceDeps, grant: Grant): Promise<void> {
  await revokeGrant(deps, grant.id, SYSTEM_ACTOR, "drift", {
    action: "drift_detected",
    actorId: SYSTEM_ACTOR,
    detail: { problem: "the assignment is gone from AWS while the grant is active; ending the grant", reason: "drift" },
  });
}

async function removeOrphan(deps: ServiceDeps, orphan: Orphan): Promise<void> {
  const { target } = orphan;
  await deps.work.exclusive(targetKey(target), async () => {
    if ((await deps.store.holders(target, orphan.grantId)).count > 0) return;
    // The grant's own removal, if any, came before this creation was found the latest: continuing
    // from its latest deletion resumes only an orphan removal a crash interrupted.
    const outcome = isMembership(target)
      ? await ensureNotMember(deps, orphan.grantId, target)
      : await ensureRemoved(deps, orphan.grantId, target);
    if (outcome.kind !== "already") await noteOrphanRemoved(deps, orphan.grantId, outcome);
  });
}

async function noteOrphanRemoved(deps: ServiceDeps, grantId: string, outcome: Exclude<Settled, { kind: "already" }>): Promise<void> {
  await deps.store.note(grantId, {
    action: "orphan_removed",
    actorId: SYSTEM_ACTOR,
    detail: {
      problem: "access the bot gave (an assignment or a group membership) outlived its grant",
      removed: outcome.kind === "changed",
      awsRequestId: outcome.requestId,
      error: outcome.kind === "failed" ? outcome.reason : null,
    },
  });
}

/**
 * Follows up changes a crash left under way that no grant's own work resumes (the sweep resumes
 * those of grants still provisioning or revoking): removals of orphans and of unmanaged access,
 * recorded as they would have been without the crash. One whose answer was lost is marked
 * abandoned; if the assignment is still there, this run finds it again.
 */
async function resumeInterrupted(deps: ServiceDeps): Promise<void> {
  for (const operation of await deps.operations.unfinished()) {
    const { grantId, target } = operation;
    const grant = grantId === null ? undefined : await deps.store.get(grantId);
    if (grant && !isTerminal(grant.status)) continue;
    await isolated(deps, grantId ?? targetKey(target), () =>
      deps.work.exclusive(targetKey(target), async () => {
        const outcome = await settle(deps, operation);
        if (!outcome || outcome.kind === "already" || (operation.kind !== "delete" && operation.kind !== "remove-member")) return;
        if (grantId !== null) await noteOrphanRemoved(deps, grantId, outcome);
        // The bot removes no membership that no grant explains: an unattached change is an assignment's.
        else if (!isMembership(target)) await noteUnmanagedRemoved(deps, target, outcome);
      }),
    );
  }
}

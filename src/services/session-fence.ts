// The session fence: at revocation, the user's role sessions opened before it are denied through
// the bot's service control policies, until the permission set's session duration has passed and
// none of them can still be valid. Deleting an assignment alone leaves those sessions working for
// up to that duration (IAM Identity Center user guide, "Use a Deny policy to revoke active user
// permissions").
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { fenceGap, sessionDurationOf, type FenceGap } from "../domain/fence-capability.js";
import { HOLDING_STATUSES, isGroupGrant, type Grant } from "../domain/grant.js";
import type { GroupAccess } from "../domain/group-access.js";
import { grantTarget } from "./assignment-operations.js";
import {
  fenceBound,
  fenceKey,
  renderFence,
  roleArnPattern,
  SCP_MAX_CHARS,
  type FenceEntry,
  type RenderedFence,
  type WholeRole,
} from "../domain/session-fence.js";
import type { ServiceDeps } from "./deps.js";
import type { Clock } from "../domain/clock.js";
import type { Policy } from "../domain/policy.js";
import type { FenceEntries, GrantStore, Operation, SessionFenceWriter } from "./ports.js";
import { ProviderError } from "../domain/errors.js";

/** The lease under which one process at a time renders and writes the policies. */
const FENCE_LEASE = "session-fence";

/** What a revocation did about the user's role sessions. */
export type FenceOutcome =
  | { readonly kind: "fenced"; readonly fencedAt: number; readonly liftAt: number }
  /** The entry is stored but did not fit in the policies: its sessions are not denied. */
  | { readonly kind: "full"; readonly fencedAt: number; readonly liftAt: number }
  /** No fence can cover this target; sessions stay valid up to the session duration. */
  | { readonly kind: "gap"; readonly gap: FenceGap };

/**
 * This process's handle on the fence: the entries, the writer (null when the fence is off or
 * cannot work) and one write at a time, shared by every caller that asks while one is under way.
 */
export class SessionFence {
  private current: Promise<RenderedFence> | undefined;
  private next: Promise<RenderedFence> | undefined;
  /** What this process's last write fenced: key → fence time. */
  private fenced = new Map<string, number>();
  /** The roles this process's last write fenced as a whole → the policy holding each. */
  private wholeRoles: ReadonlyMap<string, number> = new Map();

  constructor(
    readonly entries: FenceEntries,
    readonly writer: SessionFenceWriter | null,
  ) {}

  /**
   * Runs `write` so that it starts after this call: at once when none is running, else once after
   * the running one, for everyone who asked meanwhile. A burst of revocations costs two writes per
   * round, not one each.
   */
  coalesce(write: () => Promise<RenderedFence>): Promise<RenderedFence> {
    if (this.next) return this.next;
    if (!this.current) return this.start(write);
    const after = this.current.then(
      () => undefined,
      () => undefined,
    );
    this.next = after.then(() => {
      this.next = undefined;
      return this.start(write);
    });
    return this.next;
  }

  /**
   * Records what a write fenced, and returns the entries it fenced before and no longer does (the
   * layout never moves an entry for a newer one, but a lift can regroup what is left).
   */
  settle(inForce: readonly FenceEntry[], rendered: RenderedFence): FenceEntry[] {
    const left = new Set(rendered.unfenced.map(fenceKey));
    const displaced = rendered.unfenced.filter((entry) => this.fenced.get(fenceKey(entry)) === entry.fencedAt);
    const fencedAt = new Map(inForce.map((entry) => [fenceKey(entry), entry.fencedAt]));
    this.fenced = new Map(rendered.placed.filter((key) => !left.has(key)).map((key) => [key, fencedAt.get(key) ?? 0]));
    this.wholeRoles = rendered.roleWide;
    return displaced;
  }

  /** The roles the last write fenced as a whole, so the next layout knows which policies take one up or give one up. */
  roleWideBefore(): ReadonlyMap<string, number> {
    return this.wholeRoles;
  }

  /** The keys of what this process's last write fenced, placed first by the next layout. */
  fencedKeys(): ReadonlySet<string> {
    return new Set(this.fenced.keys());
  }

  private start(write: () => Promise<RenderedFence>): Promise<RenderedFence> {
    const running = write().finally(() => {
      if (this.current === running) this.current = undefined;
    });
    this.current = running;
    return running;
  }
}

type FenceDeps = Pick<
  ServiceDeps,
  "fenceFacts" | "sessionFence" | "operations" | "store" | "work" | "clock" | "policy" | "logger" | "provider"
>;

/** How an operation log records a fence ahead of the deletion that the policies could not hold. */
const FENCE_FULL = "the session fence is full";

/**
 * Fences the sessions of a grant whose assignment is to go or is gone, through the operation log: the
 * intent (whose time is the fence time, so a resumed fence keeps it) before the entry and the policies
 * are written, the outcome after. Resumes a fence a crash interrupted. A ProviderError is thrown with
 * the intent left in place, so the revocation is retried and the fence resumed.
 *
 * Without `deletion` this is the fence ahead of the deletion (fenceAhead). With it, the fence that
 * follows the deletion: its time comes after the assignment is gone, so it also denies sessions the
 * user opened between the fence ahead and the deletion. A fence ahead already audited the grant's
 * `session_fenced` (or `session_fence_full`), so this one records only a change of that verdict; the
 * `revoked` record carries its bound.
 */
export async function fenceSessions(deps: FenceDeps, grant: Grant & { principalId: string }, deletion?: Operation): Promise<FenceOutcome> {
  const targets = await fencedTargets(deps, grant);
  const reachable = targets.filter((target) => fenceGap(deps.fenceFacts, target.accountId, target.permissionSetName) === null);
  const [first] = targets;
  if (!first) return { kind: "gap", gap: missingWriter(grant) };
  if (reachable.length === 0 || !deps.sessionFence.writer) {
    return { kind: "gap", gap: fenceGap(deps.fenceFacts, first.accountId, first.permissionSetName) ?? missingWriter(grant) };
  }
  const target = grantTarget(grant, grant.principalId);
  // One read of the grant's fences: the last, and the last before the deletion (the fence ahead).
  const fences = (await deps.operations.forGrant(grant.id)).filter((operation) => operation.kind === "fence");
  const previous = fences.at(-1);
  const ahead = deletion ? fences.filter((operation) => operation.id < deletion.id).at(-1) : undefined;
  const resumed = deletion && previous && previous.id < deletion.id ? undefined : previous;
  const operation =
    resumed?.state === "intended" || resumed?.state === "succeeded" ? resumed : await deps.operations.intend(grant.id, "fence", target);
  const entries = reachable.map((pair) => entryFor(deps, { ...grant, ...pair }, operation.createdAt));
  const latest = entries.reduce((a, b) => (b.liftAt > a.liftAt ? b : a));
  if (operation.state === "succeeded") return { kind: "fenced", fencedAt: latest.fencedAt, liftAt: latest.liftAt };
  for (const entry of entries) await deps.sessionFence.entries.put(entry);
  const rendered = await writeFence(deps);
  const keys = new Set(entries.map(fenceKey));
  const full = rendered.unfenced.some((unfenced) => keys.has(fenceKey(unfenced)));
  const entry = latest;
  const detail = {
    fencedBefore: fenceBound(entry.fencedAt),
    liftAt: new Date(entry.liftAt).toISOString(),
    fenced: !full,
    ...(deletion ? {} : { beforeDeletion: true }),
    ...(entries.some((e) => rendered.roleWide.has(roleArnPattern(e.accountId, e.permissionSetName))) ? { wholeRole: true } : {}),
    // A group grant fences each permission set the group is assigned on each account.
    ...(isGroupGrant(grant)
      ? { group: grant.groupName ?? grant.groupId, targets: entries.map((e) => `${e.accountId}/${e.permissionSetName}`).join(", ") }
      : {}),
  };
  const recordedFull = ahead?.state === "failed" && ahead.failureReason === FENCE_FULL;
  if (full && !recordedFull) {
    await deps.store.note(grant.id, {
      action: "session_fence_full",
      actorId: SYSTEM_ACTOR,
      detail: { ...detail, unfenced: rendered.unfenced.length },
    });
    deps.logger.error(
      { grantId: grant.id, unfenced: rendered.unfenced.length },
      "the session fence is full: this revocation's role sessions stay valid",
    );
  } else if (!full && ahead?.state !== "succeeded") {
    await deps.store.note(grant.id, { action: "session_fenced", actorId: SYSTEM_ACTOR, detail });
  }
  // A fence ahead the policies cannot hold is failed, so the fence after the deletion knows it was reported.
  if (full && !deletion) await deps.operations.finished(operation.id, "failed", FENCE_FULL);
  else await deps.operations.finished(operation.id, "succeeded");
  return { kind: full ? "full" : "fenced", fencedAt: entry.fencedAt, liftAt: entry.liftAt };
}

/**
 * Fences a revoking grant's sessions before its assignment is deleted, so they are denied as soon as
 * the policies are written rather than after the deletion: a burst of expiries is fenced at the pace
 * of policy writes, while deletions go at the pace of the Identity Center quota. Only for a grant whose
 * assignment is to be deleted (the caller has checked that nothing else rests on it) and not yet
 * deleted. Best effort: a failure is logged and the deletion goes ahead; the fence that follows the
 * deletion is the one a revocation waits for.
 */
export async function fenceAhead(deps: FenceDeps, grant: Grant & { principalId: string }): Promise<void> {
  // Once is enough: one done (or full, or failed) is not tried again; one a crash interrupted is resumed.
  const previous = await deps.operations.latest(grant.id, "fence");
  if (previous && previous.state !== "intended") return;
  try {
    await fenceSessions(deps, grant);
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    const previous = await deps.operations.latest(grant.id, "fence");
    if (previous?.state === "intended") await deps.operations.finished(previous.id, "failed", error.message);
    deps.logger.warn({ grantId: grant.id, err: error.message }, "could not fence the sessions ahead of the deletion; fencing after it");
  }
}

/** Removes the entries whose sessions have all run out, and audits each. Throws ProviderError. */
export async function liftFences(deps: FenceDeps): Promise<number> {
  const now = deps.clock.now();
  const next = await deps.sessionFence.entries.nextLift();
  if (next === undefined || next > now || !deps.sessionFence.writer) return 0;
  const due = (await deps.sessionFence.entries.all()).filter((entry) => entry.liftAt <= now);
  // Every write leaves out what is due by the time it renders, so this one leaves out `due`.
  await writeFence(deps);
  const removed = await deps.sessionFence.entries.remove(due);
  // An entry fenced again meanwhile is kept (remove is a compare-and-set) and not lifted.
  const kept = new Set((await deps.sessionFence.entries.all()).map(fenceKey));
  for (const entry of due.filter((lifted) => !kept.has(fenceKey(lifted)))) {
    await deps.store.note(entry.grantId, {
      action: "fence_lifted",
      actorId: SYSTEM_ACTOR,
      detail: { fencedBefore: fenceBound(entry.fencedAt), principalId: entry.principalId },
    });
  }
  return removed;
}

/** How many entries the fence has, and how many of them the policies cannot hold, as the next write would lay them out. */
export async function fenceStatus(parts: RenderParts): Promise<{ entries: number; unfenced: number }> {
  const rendered = await render(parts, parts.fencedBefore?.() ?? new Set(), parts.roleWideBefore?.() ?? new Map());
  return { entries: rendered.entries, unfenced: rendered.unfenced.length };
}

/** Renders the entries and writes the policies, one process and one write at a time, shared by whoever asks meanwhile. */
function writeFence(deps: FenceDeps): Promise<RenderedFence> {
  const { writer } = deps.sessionFence;
  if (!writer) throw new Error("the session fence has no writer");
  return deps.sessionFence.coalesce(() =>
    deps.work.exclusive(FENCE_LEASE, async () => {
      const before = deps.sessionFence.roleWideBefore();
      const rendered = await render(fenceParts(deps), deps.sessionFence.fencedKeys(), before);
      await writer.write(rendered.documents, rendered.writeOrder);
      for (const role of rendered.wholeRoles) {
        if (!before.has(roleArnPattern(role.accountId, role.permissionSetName))) await noteWholeRole(deps, role);
      }
      for (const entry of deps.sessionFence.settle(rendered.inForce, rendered)) await noteDisplaced(deps, entry, rendered);
      return rendered;
    }),
  );
}

/** What rendering reads: the entries, the grants holding assignments now, and how many policies there are. */
export interface RenderParts {
  readonly entries: FenceEntries;
  readonly store: Pick<GrantStore, "listByStatus">;
  readonly policy: Pick<Policy, "sessionFence">;
  readonly clock: Clock;
  /** What the last write fenced (SessionFence.fencedKeys), so a status lays the entries out as the next write will. */
  readonly fencedBefore?: () => ReadonlySet<string>;
  /** The roles the last write fenced as a whole (SessionFence.roleWideBefore). */
  readonly roleWideBefore?: () => ReadonlyMap<string, number>;
}

function fenceParts(deps: FenceDeps): RenderParts {
  return { entries: deps.sessionFence.entries, store: deps.store, policy: deps.policy, clock: deps.clock };
}

/**
 * Lays out the entries still in force: one whose sessions have all run out is left out (the sweep
 * then removes it from the store), so no write puts back what a lift has just taken away.
 */
async function render(
  parts: RenderParts,
  fencedBefore: ReadonlySet<string>,
  roleWideBefore: ReadonlyMap<string, number>,
): Promise<RenderedFence & { entries: number; inForce: readonly FenceEntry[] }> {
  const now = parts.clock.now();
  const entries = (await parts.entries.all()).filter((entry) => entry.liftAt > now);
  const live = new Set<string>();
  for (const grant of await parts.store.listByStatus(HOLDING_STATUSES)) {
    const { principalId } = grant;
    if (!principalId) continue;
    // A group grant holds what its group was assigned when it was requested.
    const held = isGroupGrant(grant) ? grant.groupAccess : [grant];
    for (const pair of held) live.add(fenceKey({ ...pair, principalId }));
  }
  return {
    ...renderFence(entries, live, parts.policy.sessionFence.policyNames.length, SCP_MAX_CHARS, fencedBefore, {
      enabled: parts.policy.sessionFence.whenFull === "fence-role",
      before: roleWideBefore,
    }),
    entries: entries.length,
    inForce: entries,
  };
}

/** A role the policies now fence as a whole: audited once (per process) and logged, as it ends sessions outside the bot too. */
async function noteWholeRole(deps: FenceDeps, role: WholeRole): Promise<void> {
  const detail = { fencedBefore: fenceBound(role.fencedAt), spared: role.spared };
  await deps.store.noteUnattached(
    { accountId: role.accountId, permissionSet: role.permissionSetName },
    { action: "session_fence_whole_role", actorId: SYSTEM_ACTOR, detail },
  );
  deps.logger.warn(
    { accountId: role.accountId, permissionSet: role.permissionSetName, ...detail },
    "the session fence is full: fencing this role as a whole, so older sessions of everyone without a live grant end",
  );
}

/** An entry this process had fenced that the latest layout left out: said as loudly as one that never fit. */
async function noteDisplaced(deps: FenceDeps, entry: FenceEntry, rendered: RenderedFence): Promise<void> {
  const detail = { fencedBefore: fenceBound(entry.fencedAt), liftAt: new Date(entry.liftAt).toISOString(), fenced: false, displaced: true };
  await deps.store.note(entry.grantId, {
    action: "session_fence_full",
    actorId: SYSTEM_ACTOR,
    detail: { ...detail, unfenced: rendered.unfenced.length },
  });
  deps.logger.error(
    { grantId: entry.grantId },
    "the session fence is full: an entry fenced before no longer fits, its role sessions are valid again",
  );
}

/** The entry for a fence made at `at`: lifted once a session issued just before it has run out. */
function entryFor(deps: FenceDeps, grant: Grant & { principalId: string }, at: number): FenceEntry {
  const fencedAt = Math.ceil(at / 1000) * 1000;
  return {
    principalId: grant.principalId,
    accountId: grant.accountId,
    permissionSetName: grant.permissionSetName,
    fencedAt,
    liftAt: fencedAt + sessionDurationOf(deps.fenceFacts, grant.permissionSetName),
    grantId: grant.id,
  };
}

/**
 * The (account, permission set) pairs whose sessions a revocation ends: the grant's own, or for a
 * group grant every assignment the group has now (ListAccountAssignmentsForPrincipal).
 */
async function fencedTargets(deps: FenceDeps, grant: Grant): Promise<GroupAccess[]> {
  if (!isGroupGrant(grant)) return [{ accountId: grant.accountId, permissionSetName: grant.permissionSetName }];
  return deps.provider.groupAccess(grant.groupId);
}

function missingWriter(grant: Grant): FenceGap {
  return { accountId: grant.accountId, permissionSet: grant.permissionSetName, reason: "fence-unavailable", sessionDurationMs: 0 };
}

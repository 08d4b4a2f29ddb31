// The one way the bot changes AWS access: each change is written to the operation log before AWS is
// called and after it answers, and a change the log shows under way (a crash came between) is
// followed up or settled, never guessed at. Callers hold the assignment (WorkTracker.exclusive).
import { ProviderError } from "../domain/errors.js";
import type { ServiceDeps } from "./deps.js";
import type { Grant } from "../domain/grant.js";
import {
  isMembership,
  isUnfinished,
  type AssignmentTarget,
  type MembershipTarget,
  type Operation,
  type AssignmentChange,
  type OperationTarget,
} from "./ports.js";

export const NO_ANSWER_RECORDED = "no answer from AWS was recorded before a restart";

type Deps = Pick<ServiceDeps, "operations" | "provider">;

/** What the grant gives its user: an account assignment, or membership of its group. */
export function grantTarget(grant: Pick<Grant, "groupId" | "accountId" | "permissionSetName">, principalId: string): OperationTarget {
  if (grant.groupId !== null) return { groupId: grant.groupId, principalId };
  return { accountId: grant.accountId, permissionSetName: grant.permissionSetName, principalId };
}

/** Whom a change is for: a grant's id, or null for standing access no grant explains. */
export type Owner = string | null;

/**
 * How a change ended. The error policy, the same for every change: AWS definitely refusing it, or
 * reporting it failed, is written to the log and returned as "failed"; anything else thrown (an
 * outage, throttling) is rethrown with the log left as it was, so the next attempt resumes it.
 */
export type Settled =
  /** AWS made the change; requestId null when the log had no request id for it. */
  | { readonly kind: "changed"; readonly requestId: string | null }
  /** Nothing to change: the assignment was already there (to create) or already gone (to delete). */
  | { readonly kind: "already" }
  | {
      readonly kind: "failed";
      /** AWS's words. */
      readonly reason: string;
      /** The failure in a sentence for people. */
      readonly message: string;
      readonly code: string;
      /** Set when AWS accepted the change and then reported it failed. */
      readonly requestId: string | null;
    };

/** A change the caller's `beforeStart` decided not to start. */
export type Held = { readonly kind: "held" };

export interface AssignOptions {
  /** Whether the assignment exists, when the caller has just asked AWS. */
  readonly knownToExist?: boolean;
  /** Asked right before AWS is called to create anything; false holds the change back. */
  readonly beforeStart?: () => Promise<boolean>;
}

/** Makes sure the assignment exists: a creation under way is followed up, an existing assignment is left as it is. */
export async function ensureAssigned(
  deps: Deps,
  owner: Owner,
  target: AssignmentTarget,
  options: AssignOptions = {},
): Promise<Settled | Held> {
  const resumed = await resume(deps, owner, "create", target);
  if (resumed) return resumed;
  if (options.knownToExist ?? (await deps.provider.assignmentExists(target))) return { kind: "already" };
  if (options.beforeStart && !(await options.beforeStart())) return { kind: "held" };
  return begin(deps, owner, "create", target, () => deps.provider.startCreate(target));
}

/**
 * Makes sure the assignment is gone: a deletion under way is followed up. Deleting again after a
 * lost answer is safe: an assignment that is already gone answers ResourceNotFound ("already").
 */
export async function ensureRemoved(deps: Deps, owner: Owner, target: AssignmentTarget): Promise<Settled> {
  return (await resume(deps, owner, "delete", target)) ?? begin(deps, owner, "delete", target, () => deps.provider.startDelete(target));
}

/**
 * Brings an operation the log shows under way to an end without starting anything: one AWS
 * accepted is followed to its outcome, one whose answer was lost is marked abandoned. Undefined
 * when nothing is known of its outcome (abandoned, or not under way), or another process recorded
 * it first. Throws ProviderError while AWS cannot say.
 */
export async function settle(deps: Deps, operation: Operation): Promise<Settled | undefined> {
  if (operation.kind === "add-member" || operation.kind === "remove-member") return settleMembership(deps, operation);
  const accepted = inFlight(operation);
  if (accepted) {
    const { settled, recorded } = await follow(deps, accepted);
    return recorded ? settled : undefined;
  }
  if (operation.state === "intended") await deps.operations.finished(operation.id, "abandoned", NO_ANSWER_RECORDED);
  return undefined;
}

/**
 * Continues from what the log says of the last such change: done (succeeded or found absent), or
 * accepted by AWS and followed to its outcome. Undefined when a new change is to be started; one
 * whose answer was lost is marked abandoned first.
 */
async function resume(deps: Deps, owner: Owner, kind: AssignmentChange, target: AssignmentTarget): Promise<Settled | undefined> {
  const previous = await resumable(deps, owner, kind, target);
  if (previous?.state === "succeeded") return { kind: "changed", requestId: previous.requestId };
  if (previous?.state === "absent") return { kind: "already" };
  const accepted = previous && inFlight(previous);
  if (accepted) return (await follow(deps, accepted)).settled;
  if (previous?.state === "intended") await deps.operations.finished(previous.id, "abandoned", NO_ANSWER_RECORDED);
  return undefined;
}

/** intend → start → started → follow; `start` answers the AWS request id, or "absent" when there was nothing to change. */
async function begin(
  deps: Deps,
  owner: Owner,
  kind: AssignmentChange,
  target: AssignmentTarget,
  start: () => Promise<string | "absent">,
): Promise<Settled> {
  const operation = await deps.operations.intend(owner, kind, target);
  let requestId: string;
  try {
    requestId = await start();
  } catch (error) {
    if (!(error instanceof ProviderError) || error.retryable) throw error;
    await deps.operations.finished(operation.id, "failed", error.message);
    return { kind: "failed", reason: error.message, message: error.message, code: error.code, requestId: null };
  }
  if (requestId === "absent") {
    await deps.operations.finished(operation.id, "absent");
    return { kind: "already" };
  }
  await deps.operations.started(operation.id, requestId);
  return (await follow(deps, { ...operation, kind, state: "started", requestId })).settled;
}

/**
 * The operation a change continues from. A grant changes its assignment once each way, so its
 * latest operation says how far that change got; changes no grant owns recur (access can be given
 * again outside the bot), so for those only one still under way is continued.
 */
async function resumable(deps: Deps, owner: Owner, kind: AssignmentChange, target: AssignmentTarget): Promise<Operation | undefined> {
  if (owner !== null) return deps.operations.latest(owner, kind);
  const latest = await deps.operations.latestUnattached(kind, target);
  return latest && isUnfinished(latest) ? latest : undefined;
}

type Accepted = Operation & { readonly kind: AssignmentChange; readonly requestId: string };

/**
 * An assignment change AWS accepted (a fence is never followed here: it has no AWS operation to
 * follow; nor is a membership change, which AWS makes at once).
 */
function inFlight(operation: Operation): Accepted | undefined {
  const { kind, requestId } = operation;
  if (operation.state !== "started" || requestId === null || (kind !== "create" && kind !== "delete")) return undefined;
  return { ...operation, kind, requestId };
}

/** Waits for a change AWS accepted to succeed or fail, and writes the outcome to the log. */
async function follow(deps: Deps, operation: Accepted): Promise<{ settled: Settled; recorded: boolean }> {
  const outcome = await deps.provider.awaitOperation(operation.kind, operation.requestId);
  if (outcome.ok) {
    const recorded = await deps.operations.finished(operation.id, "succeeded");
    return { settled: { kind: "changed", requestId: operation.requestId }, recorded };
  }
  const recorded = await deps.operations.finished(operation.id, "failed", outcome.reason);
  const message = `AWS could not ${operation.kind} the assignment: ${outcome.reason}`;
  const code = operation.kind === "create" ? "CreationFailed" : "DeletionFailed";
  return { settled: { kind: "failed", reason: outcome.reason, message, code, requestId: operation.requestId }, recorded };
}

/**
 * Makes sure the user is a member of the group. Identity Store adds a member at once and answers the
 * MembershipId, so the log has no "started" to follow: an addition whose answer a crash lost is
 * found with GetGroupMembershipId (settleMembership). A membership already there is left as it is.
 */
export async function ensureMember(
  deps: Deps,
  owner: string,
  target: MembershipTarget,
  options: AssignOptions = {},
): Promise<Settled | Held> {
  const previous = await deps.operations.latest(owner, "add-member");
  if (previous?.state === "succeeded") return { kind: "changed", requestId: previous.requestId };
  if (previous?.state === "absent") return { kind: "already" };
  if (previous && isUnfinished(previous)) {
    const settled = await settleMembership(deps, previous);
    if (settled) return settled;
  }
  if (options.knownToExist ?? (await deps.provider.membershipId(target)) !== undefined) return { kind: "already" };
  if (options.beforeStart && !(await options.beforeStart())) return { kind: "held" };
  const operation = await deps.operations.intend(owner, "add-member", target);
  let added: string;
  try {
    added = await deps.provider.addMember(target);
  } catch (error) {
    return refused(deps, operation, error);
  }
  if (added === "exists") {
    await deps.operations.finished(operation.id, "absent", "the user was a member already");
    return { kind: "already" };
  }
  await deps.operations.started(operation.id, added);
  await deps.operations.finished(operation.id, "succeeded");
  return { kind: "changed", requestId: added };
}

/** Makes sure the user is no longer a member: the membership is looked up and deleted; one already gone is "already". */
export async function ensureNotMember(deps: Deps, owner: Owner, target: MembershipTarget): Promise<Settled> {
  const previous = owner === null ? undefined : await deps.operations.latest(owner, "remove-member");
  if (previous?.state === "succeeded") return { kind: "changed", requestId: previous.requestId };
  if (previous?.state === "absent") return { kind: "already" };
  if (previous && isUnfinished(previous)) {
    const settled = await settleMembership(deps, previous);
    if (settled) return settled;
  }
  const membershipId = await deps.provider.membershipId(target);
  const operation = await deps.operations.intend(owner, "remove-member", target);
  if (membershipId === undefined) {
    await deps.operations.finished(operation.id, "absent");
    return { kind: "already" };
  }
  await deps.operations.started(operation.id, membershipId);
  let removed: "removed" | "absent";
  try {
    removed = await deps.provider.removeMember(membershipId);
  } catch (error) {
    return refused(deps, operation, error);
  }
  await deps.operations.finished(operation.id, removed === "removed" ? "succeeded" : "absent");
  return removed === "removed" ? { kind: "changed", requestId: membershipId } : { kind: "already" };
}

/**
 * Brings an unfinished membership change to an end by asking whether the user is a member now. An
 * addition found made is recorded succeeded with its MembershipId; a removal found done is
 * succeeded once AWS was called ("started"), else "absent". Undefined (the change is abandoned, to
 * be made anew) when the membership is as it was before.
 */
async function settleMembership(deps: Deps, operation: Operation): Promise<Settled | undefined> {
  if (!isUnfinished(operation) || !isMembership(operation.target)) return undefined;
  const membershipId = await deps.provider.membershipId(operation.target);
  if (operation.kind === "add-member" && membershipId !== undefined) {
    if (operation.state === "intended") await deps.operations.started(operation.id, membershipId);
    await deps.operations.finished(operation.id, "succeeded");
    return { kind: "changed", requestId: membershipId };
  }
  if (operation.kind === "remove-member" && membershipId === undefined) {
    const called = operation.state === "started";
    await deps.operations.finished(operation.id, called ? "succeeded" : "absent");
    return called ? { kind: "changed", requestId: operation.requestId } : { kind: "already" };
  }
  await deps.operations.finished(operation.id, "abandoned", NO_ANSWER_RECORDED);
  return undefined;
}

/** The error policy of Settled for a membership change: a definite refusal is logged failed, anything else rethrown. */
async function refused(deps: Deps, operation: Operation, error: unknown): Promise<Settled> {
  if (!(error instanceof ProviderError) || error.retryable) throw error;
  await deps.operations.finished(operation.id, "failed", error.message);
  return { kind: "failed", reason: error.message, message: error.message, code: error.code, requestId: null };
}

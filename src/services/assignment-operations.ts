// The one way the bot changes AWS access: each change is written to the operation log before AWS is
// called and after it answers, and a change the log shows under way (a crash came between) is
// followed up or settled, never guessed at. Callers hold the assignment (WorkTracker.exclusive).
import { ProviderError } from "../domain/errors.js";
import type { ServiceDeps } from "./deps.js";
import { isUnfinished, type AssignmentTarget, type Operation, type AssignmentChange } from "./ports.js";

export const NO_ANSWER_RECORDED = "no answer from AWS was recorded before a restart";

type Deps = Pick<ServiceDeps, "operations" | "provider">;

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

/** An assignment change AWS accepted (a fence is never followed here: it has no AWS operation to follow). */
function inFlight(operation: Operation): Accepted | undefined {
  if (operation.state !== "started" || operation.requestId === null || operation.kind === "fence") return undefined;
  return { ...operation, kind: operation.kind, requestId: operation.requestId };
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

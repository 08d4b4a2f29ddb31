// More time on an active grant: approved like a request (or at once when the rule approves by
// itself; breaking glass never does), never past the rule's maximum total. More time on break-glass
// access needs its after-the-fact review again.
import { SYSTEM_ACTOR, type AuditNote } from "../domain/audit-event.js";
import { formatDuration, parseDuration } from "../domain/duration.js";
import { Conflict, NotFound, PolicyDenied } from "../domain/errors.js";
import type { Extension } from "../domain/extension.js";
import type { Grant } from "../domain/grant.js";
import { newExtensionId } from "../domain/ids.js";
import { approvalTimeoutOf, assertExtension, assertMayDecide, extensionApprovalPath, requesterProblem, type Rule } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import { ruleOf, type FollowUp } from "./decide.js";
import { expireExtension, extensionLapsed } from "./housekeeping.js";
import { refreshApprovalMessage } from "./approval-message.js";

export type ExtensionResult =
  | { readonly kind: "extended"; readonly grant: Grant }
  | { readonly kind: "pending"; readonly extension: Extension; readonly grant: Grant };

export async function requestExtension(
  deps: ServiceDeps,
  input: { grantId: string; requesterId: string; duration: string },
): Promise<ExtensionResult> {
  const grant = await deps.store.get(input.grantId);
  if (!grant) throw new NotFound(`There is no grant ${input.grantId}.`);
  if (grant.requesterId !== input.requesterId) {
    const refused = new PolicyDenied(`Only the requester of ${grant.id} can ask to extend it.`);
    await deps.refusals.record({ actorId: input.requesterId, attempt: "extend", grantId: grant.id, reason: refused.message });
    throw refused;
  }
  if (grant.status !== "active" || grant.activatedAt === null || grant.expiresAt === null) {
    throw new Conflict(`${grant.id} is ${grant.status}; only an active grant can be extended.`);
  }
  const extraMs = parseDuration(input.duration);
  const rule = ruleOf(deps, grant);
  assertExtension(rule, grant.activatedAt, grant.expiresAt, extraMs);
  const requester = await deps.directory.person(input.requesterId);
  const problem = requesterProblem(rule, grant.requesterEmail, requester);
  if (problem) throw new PolicyDenied(`${grant.id} cannot be extended: ${problem}.`);
  const path = extensionApprovalPath(rule, requester, deps.clock.now());

  if (path !== "approvers") {
    const extended = await extendGrant(deps, grant, extraMs, {
      action: "extended",
      actorId: SYSTEM_ACTOR,
      detail: { extraMs, approvedBy: path },
    });
    if (!extended) throw new Conflict(`${grant.id} changed in the meantime; nothing was extended.`);
    await Promise.all([deps.notifier.tellRequester(extended), refreshApprovalMessage(deps, extended)]);
    return { kind: "extended", grant: extended };
  }
  const extension = await deps.extensions.insert(
    { id: newExtensionId(), grantId: grant.id, requesterId: input.requesterId, extraMs, createdAt: deps.clock.now() },
    { action: "extension_requested", actorId: input.requesterId },
  );
  const posted = await deps.notifier.postExtensionRequest(extension, grant, rule);
  await deps.extensions.setMessage(extension.id, posted.channel, posted.ts);
  return { kind: "pending", extension: { ...extension, approvalChannel: posted.channel, approvalTs: posted.ts }, grant };
}

export interface ExtensionDecision {
  readonly extensionId: string;
  readonly deciderId: string;
  readonly decision: "approve" | "deny";
}

export interface ExtensionDecisionResult {
  readonly extension: Extension;
  readonly approvals: number;
  readonly required: number;
}

/**
 * Like recordDecision, for an extension: its checks and transactions, with the messages left to the
 * follow-up. An extension past its approval timeout, or whose grant has ended, is expired instead.
 */
export async function recordExtensionDecision(deps: ServiceDeps, input: ExtensionDecision): Promise<FollowUp<ExtensionDecisionResult>> {
  const extension = await deps.extensions.get(input.extensionId);
  if (!extension) throw new NotFound(`There is no extension request ${input.extensionId}.`);
  if (extension.status !== "pending") throw new Conflict(`Extension ${extension.id} has already been ${extension.status}.`);
  const grant = await deps.store.get(extension.grantId);
  if (!grant) throw new NotFound(`There is no grant ${extension.grantId}.`);
  const rule = ruleOf(deps, grant);
  const decider = await deps.directory.person(input.deciderId);
  await deps.refusals.check({ actorId: input.deciderId, attempt: input.decision, grantId: grant.id }, () =>
    assertMayDecide(rule, decider, extension.requesterId),
  );
  const now = deps.clock.now();
  if (extensionLapsed(deps, extension, grant, now)) return refuseLapsed(deps, extension, grant, now);
  const result = (decided: Extension, approvals: number): ExtensionDecisionResult => ({ extension: decided, approvals, required: rule.approvalsRequired });

  if (input.decision === "deny") {
    const denied = await deps.extensions.close(extension.id, "denied", input.deciderId, now, {
      action: "extension_denied",
      actorId: input.deciderId,
      actorEmail: decider.email,
    });
    if (!denied) throw new Conflict(`Extension ${extension.id} was decided in the meantime.`);
    return async () => {
      await deps.notifier.extensionDecided(denied, grant, false);
      return result(denied, 0);
    };
  }
  await assertRequesterStillAllowed(deps, grant, rule);
  const outcome = await deps.extensions.approve(extension.id, input.deciderId, rule.approvalsRequired, now, {
    action: "approved",
    actorId: input.deciderId,
    actorEmail: decider.email,
  });
  if (outcome.kind === "not-pending") throw new Conflict(`Extension ${extension.id} was decided in the meantime.`);
  if (outcome.kind === "duplicate") throw new Conflict(`You have already approved extension ${extension.id}.`);
  if (outcome.kind === "counted") return async () => result(outcome.extension, outcome.approvals);
  const extended = await extendGrant(deps, grant, extension.extraMs, {
    action: "extended",
    actorId: input.deciderId,
    actorEmail: decider.email,
    detail: { extensionId: extension.id, extraMs: extension.extraMs, approvals: outcome.approvals },
  });
  return async () => {
    await deps.notifier.extensionDecided(outcome.extension, extended ?? grant, extended !== undefined);
    if (extended) await refreshApprovalMessage(deps, extended);
    return result(outcome.extension, outcome.approvals);
  };
}

/** Adds the time (audited); break-glass access goes back on the review list, since its review did not cover it. */
function extendGrant(deps: ServiceDeps, grant: Grant, extraMs: number, note: AuditNote): Promise<Grant | undefined> {
  return deps.store.extend(grant.id, extraMs, ruleOf(deps, grant).maxTotalDurationMs, note, grant.breakGlass);
}

/** Expires an extension whose time to be decided has passed; its follow-up tells everyone, then refuses the click. */
async function refuseLapsed(deps: ServiceDeps, extension: Extension, grant: Grant, now: number): Promise<FollowUp<never>> {
  const expired = await expireExtension(deps, extension, grant, now);
  const refusal = !expired
    ? new Conflict(`Extension ${extension.id} was decided in the meantime.`)
    : grant.status !== "active"
      ? new Conflict(`Extension ${extension.id} lapsed: ${grant.id} is ${grant.status}, so there is nothing to extend.`)
      : new Conflict(
          `Extension ${extension.id} expired: nobody decided within ${formatDuration(approvalTimeoutOf(deps.policy, grant.ruleName))}, ` +
            "so it can no longer be approved or denied. The requester can ask again.",
        );
  return async () => {
    await expired?.announce();
    throw refusal;
  };
}

/** An extension is for the person who asked: looked up again at every approval, like a request. */
async function assertRequesterStillAllowed(deps: ServiceDeps, grant: Grant, rule: Rule): Promise<void> {
  const problem = requesterProblem(rule, grant.requesterEmail, await deps.directory.person(grant.requesterId));
  if (problem) throw new PolicyDenied(`This extension of ${grant.id} cannot be approved: ${problem}.`);
}

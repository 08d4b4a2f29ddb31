// More time on an active grant: approved like a request (or at once when the rule approves by
// itself), never past the rule's maximum total.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { parseDuration } from "../domain/duration.js";
import { Conflict, NotFound, PolicyDenied } from "../domain/errors.js";
import type { Extension } from "../domain/extension.js";
import type { Grant } from "../domain/grant.js";
import { newExtensionId } from "../domain/ids.js";
import { approvalPath, assertExtension, assertMayDecide, requesterProblem, type Rule } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import { ruleOf } from "./decide.js";
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
  const path = approvalPath(rule, requester, deps.clock.now());

  if (path !== "approvers") {
    const extended = await deps.store.extend(grant.id, extraMs, rule.maxTotalDurationMs, {
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

export async function decideExtension(
  deps: ServiceDeps,
  input: { extensionId: string; deciderId: string; decision: "approve" | "deny" },
): Promise<{ extension: Extension; approvals: number; required: number }> {
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

  if (input.decision === "deny") {
    const denied = await deps.extensions.close(extension.id, "denied", input.deciderId, now, {
      action: "extension_denied",
      actorId: input.deciderId,
      actorEmail: decider.email,
    });
    if (!denied) throw new Conflict(`Extension ${extension.id} was decided in the meantime.`);
    await deps.notifier.extensionDecided(denied, grant, false);
    return { extension: denied, approvals: 0, required: rule.approvalsRequired };
  }
  await assertRequesterStillAllowed(deps, grant, rule);
  const outcome = await deps.extensions.approve(extension.id, input.deciderId, rule.approvalsRequired, now, {
    action: "approved",
    actorId: input.deciderId,
    actorEmail: decider.email,
  });
  if (outcome.kind === "not-pending") throw new Conflict(`Extension ${extension.id} was decided in the meantime.`);
  if (outcome.kind === "duplicate") throw new Conflict(`You have already approved extension ${extension.id}.`);
  if (outcome.kind === "counted") return { ...outcome, required: rule.approvalsRequired };
  const extended = await deps.store.extend(grant.id, extension.extraMs, rule.maxTotalDurationMs, {
    action: "extended",
    actorId: input.deciderId,
    actorEmail: decider.email,
    detail: { extensionId: extension.id, extraMs: extension.extraMs, approvals: outcome.approvals },
  });
  await deps.notifier.extensionDecided(outcome.extension, extended ?? grant, extended !== undefined);
  if (extended) await refreshApprovalMessage(deps, extended);
  return { extension: outcome.extension, approvals: outcome.approvals, required: rule.approvalsRequired };
}

/** An extension is for the person who asked: looked up again at every approval, like a request. */
async function assertRequesterStillAllowed(deps: ServiceDeps, grant: Grant, rule: Rule): Promise<void> {
  const problem = requesterProblem(rule, grant.requesterEmail, await deps.directory.person(grant.requesterId));
  if (problem) throw new PolicyDenied(`This extension of ${grant.id} cannot be approved: ${problem}.`);
}

// More time on an active grant: approved like a request (or at once when the rule approves by
// itself; breaking glass never does), never past the rule's maximum total. More time on break-glass
// access needs its after-the-fact review again.
import { SYSTEM_ACTOR, type AuditNote } from "../domain/audit-event.js";
import { formatDuration, parseDuration } from "../domain/duration.js";
import { Conflict, NotFound, PolicyDenied } from "../domain/errors.js";
import type { Extension } from "../domain/extension.js";
import type { Grant } from "../domain/grant.js";
import { newExtensionId } from "../domain/ids.js";
import { approvalTimeoutOf, assertExtension, extensionApprovalPath, requesterProblem, type Rule } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import { decideBallot, ruleOf, type Ballot, type DecisionInput, type DecisionResult, type FollowUp } from "./decision-flow.js";
import { expireExtension, extensionLapsed } from "./housekeeping.js";
import { refreshApprovalMessage } from "./approval-message.js";

export type ExtensionResult =
  | { readonly kind: "extended"; readonly grant: Grant }
  | { readonly kind: "pending"; readonly extension: Extension; readonly grant: Grant };

export async function requestExtension(
  deps: ServiceDeps,
  input: { grantId: string; requesterId: string; duration: string },
): Promise<ExtensionResult> {
  const { grant, rule } = await checkExtendable(deps, input.grantId, input.requesterId);
  if (grant.activatedAt === null || grant.expiresAt === null) throw notActive(grant);
  const extraMs = parseDuration(input.duration);
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

/**
 * Who may ask for more time on a grant, and when: its requester (anyone else is refused, and the
 * refusal audited), while it is active. The Extend button asks this before opening its form.
 */
export async function checkExtendable(deps: ServiceDeps, grantId: string, requesterId: string): Promise<{ grant: Grant; rule: Rule }> {
  const grant = await deps.store.get(grantId);
  if (!grant) throw new NotFound(`There is no grant ${grantId}.`);
  if (grant.requesterId !== requesterId) {
    const refused = new PolicyDenied(`Only the requester of ${grant.id} can ask to extend it.`);
    await deps.refusals.record({ actorId: requesterId, attempt: "extend", grantId: grant.id, reason: refused.message });
    throw refused;
  }
  if (grant.status !== "active") throw notActive(grant);
  return { grant, rule: ruleOf(deps, grant) };
}

function notActive(grant: Grant): Conflict {
  return new Conflict(`${grant.id} is ${grant.status}; only an active grant can be extended.`);
}

export interface ExtensionDecision extends DecisionInput {
  readonly extensionId: string;
}

/**
 * Records one decision on an extension (see decideBallot), with the messages left to the follow-up.
 * An extension past its approval timeout, or whose grant has ended, is expired instead; one whose
 * requester may no longer have the access is refused.
 */
export async function recordExtensionDecision(deps: ServiceDeps, input: ExtensionDecision): Promise<FollowUp<DecisionResult<Extension>>> {
  return decideBallot(deps, await extensionBallot(deps, input.extensionId), input);
}

async function extensionBallot(deps: ServiceDeps, extensionId: string): Promise<Ballot<Extension>> {
  const extension = await deps.extensions.get(extensionId);
  if (!extension) throw new NotFound(`There is no extension request ${extensionId}.`);
  if (extension.status !== "pending") throw new Conflict(`Extension ${extension.id} has already been ${extension.status}.`);
  const grant = await deps.store.get(extension.grantId);
  if (!grant) throw new NotFound(`There is no grant ${extension.grantId}.`);
  return {
    subject: "extension",
    current: extension,
    grant,
    requesterId: extension.requesterId,
    isPending: (current) => current.status === "pending",
    closedMeanwhile: async () => new Conflict(`Extension ${extension.id} was decided in the meantime.`),
    duplicate: () => new Conflict(`You have already approved extension ${extension.id}.`),
    lapsed: (now) => extensionLapsed(deps, extension, grant, now),
    refuseLapsed: (now) => refuseLapsed(deps, extension, grant, now),
    deny: (decider, now, audit) =>
      deps.extensions.close(extension.id, "denied", decider.slackId, now, {
        action: audit,
        actorId: decider.slackId,
        actorEmail: decider.email,
      }),
    requesterGone: async (problem) => {
      throw new PolicyDenied(`This extension of ${grant.id} cannot be approved: ${problem}.`);
    },
    approve: (decider, now, decide) =>
      deps.extensions.approve(extension.id, decider.slackId, now, decide, { actorId: decider.slackId, actorEmail: decider.email }),
    afterDenied: (denied) => deps.notifier.extensionDecided(denied, grant, false),
    afterCounted: async () => undefined,
    afterApproved: async (approved, { approvals }, decider) => {
      const extended = await extendGrant(deps, grant, approved.extraMs, {
        action: "extended",
        actorId: decider.slackId,
        actorEmail: decider.email,
        detail: { extensionId: approved.id, extraMs: approved.extraMs, approvals },
      });
      return async () => {
        await deps.notifier.extensionDecided(approved, extended ?? grant, extended !== undefined);
        if (extended) await refreshApprovalMessage(deps, extended);
        return approved;
      };
    },
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

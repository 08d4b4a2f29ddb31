// A person asks for access: validate, apply policy, record, and put it in front of the approvers.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { parseDuration } from "../domain/duration.js";
import { InvalidInput } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import { newGrantId } from "../domain/ids.js";
import { normalizeJustification } from "../domain/justification.js";
import { findAccount, findPermissionSet, ruleForRequest } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";

export interface AccessRequestInput {
  readonly requesterId: string;
  readonly teamId: string;
  readonly account: string;
  readonly permissionSet: string;
  readonly duration: string;
  readonly justification: string;
}

/**
 * Records a pending request and posts it for approval. Throws InvalidInput or PolicyDenied, with
 * nothing stored, when the request cannot be made. If the approvers cannot be reached the request
 * is stored as failed (and audited) and returned in that state.
 */
export async function requestAccess(deps: ServiceDeps, input: AccessRequestInput): Promise<Grant> {
  const { policy } = deps;
  const account = findAccount(policy, input.account);
  if (!account) {
    const known = policy.accounts.map((a) => `${a.name} (${a.id})`).join(", ");
    throw new InvalidInput(`There is no account "${input.account}" in the policy. Known accounts: ${known}.`);
  }
  const permissionSet = findPermissionSet(policy, input.permissionSet);
  if (!permissionSet) {
    throw new InvalidInput(
      `There is no permission set "${input.permissionSet}" in the policy. Known permission sets: ${policy.permissionSets.join(", ")}.`,
    );
  }
  const durationMs = parseDuration(input.duration);
  const justification = normalizeJustification(input.justification);
  const email = await deps.directory.emailOf(input.requesterId);
  const rule = ruleForRequest(policy, {
    requester: { slackId: input.requesterId, email },
    accountId: account.id,
    permissionSet,
    durationMs,
  });

  const grant = await deps.store.insert(
    {
      id: newGrantId(),
      requesterId: input.requesterId,
      requesterTeamId: input.teamId,
      requesterEmail: email,
      accountId: account.id,
      permissionSetName: permissionSet,
      durationMs,
      justification,
      ruleName: rule.name,
      createdAt: deps.clock.now(),
    },
    { action: "requested", actorId: input.requesterId, detail: { durationMs, justification, rule: rule.name, requesterEmail: email } },
  );

  let posted: { channel: string; ts: string };
  try {
    posted = await deps.notifier.postApprovalRequest(grant, rule.approverChannel);
  } catch (error) {
    const reason = `The request could not be posted to the approvers' channel: ${(error as Error).message}`;
    deps.logger.error({ grantId: grant.id, err: (error as Error).message }, "approval request not posted");
    const failed = await deps.store.transition(grant.id, "pending", "failed", { failureReason: reason, endedAt: deps.clock.now() }, {
      action: "failed",
      actorId: SYSTEM_ACTOR,
      detail: { reason },
    });
    return failed ?? grant;
  }
  return (await deps.store.amend(grant.id, "pending", { approvalChannel: posted.channel, approvalTs: posted.ts })) ?? grant;
}

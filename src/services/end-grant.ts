// Ending a grant early (its requester, or an admin), wherever it is on its way: a request not yet
// decided is withdrawn, an approved one cancelled, one being granted or active has its AWS
// assignment removed (after any creation under way has settled).
import type { AuditDetail } from "../domain/audit-event.js";
import { Conflict, NotFound, PolicyDenied } from "../domain/errors.js";
import type { Grant, GrantStatus } from "../domain/grant.js";
import { isAdmin } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import { finishRevocation, revokeGrant, type RevokeReason } from "./revoke.js";
import { refreshApprovalMessage } from "./approval-message.js";

export interface EndInput {
  readonly grantId: string;
  readonly actorId: string;
}

export async function endGrant(deps: ServiceDeps, input: EndInput): Promise<Grant> {
  const grant = await deps.store.get(input.grantId);
  if (!grant) throw new NotFound(`There is no grant ${input.grantId}.`);
  const own = grant.requesterId === input.actorId;
  if (!own && !isAdmin(deps.policy, await deps.directory.person(input.actorId))) {
    const refused = new PolicyDenied(`Only the requester of ${grant.id} or a jit-slack admin can end it.`);
    await deps.refusals.record({ actorId: input.actorId, attempt: "end", grantId: grant.id, reason: refused.message });
    throw refused;
  }
  return stopGrant(deps, grant, input.actorId, own ? "ended-early" : "admin");
}

/**
 * Ends the grant from whatever status it is in, without asking who may (the caller has). Each step
 * is a compare-and-set; one that loses because the grant moved on (approved → provisioning →
 * active) is tried again from where it now stands, which ends since statuses only move forward.
 * `context` goes into the audit record of the stop (the admin CLI's user and host).
 */
export async function stopGrant(
  deps: ServiceDeps,
  grant: Grant,
  actorId: string,
  reason: RevokeReason,
  context: AuditDetail = {},
): Promise<Grant> {
  for (let current: Grant | undefined = grant; current; current = await deps.store.get(grant.id)) {
    const stopped = await stopStep(deps, current, actorId, { reason, ...context });
    if (stopped) return stopped;
  }
  throw new NotFound(`There is no grant ${grant.id}.`);
}

async function stopStep(
  deps: ServiceDeps,
  grant: Grant,
  actorId: string,
  detail: AuditDetail & { reason: RevokeReason },
): Promise<Grant | undefined> {
  switch (grant.status) {
    case "pending":
    case "approved":
      return withdraw(deps, grant, grant.status, actorId, detail);
    case "provisioning": {
      const note = { action: "revocation_started", actorId, detail: { ...detail, from: "provisioning" } } as const;
      const revoking = await deps.store.transition(grant.id, "provisioning", "revoking", {}, note);
      // The process creating the assignment (this one or another) holds the grant: it removes the
      // assignment once its creation settles; otherwise it is removed here, or by the sweep.
      return revoking && ((await finishRevocation(deps, revoking)) ?? revoking);
    }
    case "active":
    case "revoking":
      return (await revokeGrant(deps, grant.id, actorId, detail.reason, { action: "revocation_started", actorId, detail })) ?? grant;
    default:
      throw new Conflict(`${grant.id} has already ended (${grant.status}).`);
  }
}

/** pending or approved → cancelled: AWS has not been touched, so nothing needs removing. */
async function withdraw(
  deps: ServiceDeps,
  grant: Grant,
  from: GrantStatus,
  actorId: string,
  detail: AuditDetail,
): Promise<Grant | undefined> {
  const cancelled = await deps.store.transition(
    grant.id,
    from,
    "cancelled",
    { endedAt: deps.clock.now() },
    {
      action: "cancelled",
      actorId,
      detail: { ...detail, from },
    },
  );
  if (!cancelled) return undefined;
  await refreshApprovalMessage(deps, cancelled);
  if (actorId !== grant.requesterId) await deps.notifier.tellRequester(cancelled);
  return cancelled;
}

// Ending a grant early (its requester, or an admin), or withdrawing a request not yet decided.
import { Conflict, NotFound, PolicyDenied } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import { isAdmin } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import { revokeGrant } from "./revoke.js";
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
  switch (grant.status) {
    case "pending":
      return withdraw(deps, grant, input.actorId);
    case "active":
    case "revoking":
      return (await revokeGrant(deps, grant.id, input.actorId, own ? "ended-early" : "admin")) ?? grant;
    case "approved":
    case "provisioning":
      throw new Conflict(`${grant.id} is being granted in AWS right now; end it once it is active.`);
    default:
      throw new Conflict(`${grant.id} has already ended (${grant.status}).`);
  }
}

async function withdraw(deps: ServiceDeps, grant: Grant, actorId: string): Promise<Grant> {
  const now = deps.clock.now();
  const cancelled = await deps.store.transition(grant.id, "pending", "cancelled", { endedAt: now }, { action: "cancelled", actorId });
  if (!cancelled) throw new Conflict(`${grant.id} was decided in the meantime; nothing was changed.`);
  await refreshApprovalMessage(deps, cancelled);
  if (actorId !== grant.requesterId) await deps.notifier.tellRequester(cancelled);
  return cancelled;
}

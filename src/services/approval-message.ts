import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import type { Grant } from "../domain/grant.js";
import type { ServiceDeps } from "./deps.js";
import { loadBundle } from "./request-bundle.js";

/**
 * Re-renders the approvers' message for where the grant stands now, always with who approved it. A
 * grant of a multi-target request shares one message with the request's other grants; one approved
 * by its rule at once (auto-approval, break-glass) has a notice of its own, updated too.
 */
export async function refreshApprovalMessage(deps: ServiceDeps, grant: Grant): Promise<void> {
  if (grant.bundleId) await refreshBundle(deps, grant);
  if (!grant.bundleId || grant.decidedBy === SYSTEM_ACTOR) {
    await deps.notifier.updateApprovalRequest(grant, await deps.store.approversOf(grant.id));
  }
}

/** Re-renders the approval message(s) of the multi-target request `member` belongs to. */
export async function refreshBundle(deps: ServiceDeps, member: Grant): Promise<void> {
  await deps.notifier.updateBundleApproval(await loadBundle(deps, member));
}

import type { Grant } from "../domain/grant.js";
import type { ServiceDeps } from "./deps.js";

/** Re-renders the approvers' message for where the grant stands now, always with who approved it. */
export async function refreshApprovalMessage(deps: ServiceDeps, grant: Grant): Promise<void> {
  await deps.notifier.updateApprovalRequest(grant, await deps.store.approversOf(grant.id));
}

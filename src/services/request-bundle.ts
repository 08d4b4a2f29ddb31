// A multi-target request as it stands: its grants, their parts and who has approved each so far,
// read fresh from the store for every message about it.
import type { Grant } from "../domain/grant.js";
import { findRule } from "../domain/policy.js";
import { bundleParts, type RequestBundle } from "../domain/request-bundle.js";
import type { ServiceDeps } from "./deps.js";

/** The bundle `member` belongs to (a bundle of one for a grant of a single-target request). */
export async function loadBundle(deps: ServiceDeps, member: Grant): Promise<RequestBundle> {
  const listed = member.bundleId ? await deps.store.listBundle(member.bundleId) : [];
  const grants = listed.length > 0 ? listed : [member];
  const approvers = new Map<string, readonly string[]>();
  const escalatedAt = new Map<string, number>();
  for (const grant of grants) {
    approvers.set(grant.id, await deps.store.approversOf(grant.id));
    if (grant.status !== "pending" || !findRule(deps.policy, grant.ruleName)?.escalation) continue;
    const at = (await deps.nudges.of(grant.id)).escalatedAt;
    if (at !== null) escalatedAt.set(grant.id, at);
  }
  return {
    id: member.bundleId ?? member.id,
    grants,
    parts: bundleParts(grants, (name) => findRule(deps.policy, name)),
    approvers,
    escalatedAt,
  };
}

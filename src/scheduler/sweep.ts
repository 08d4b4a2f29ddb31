// The sweep: revoke what has expired and resume AWS work that a crash or outage interrupted.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import type { ServiceDeps } from "../services/deps.js";
import { provisionGrant } from "../services/provision.js";
import { revokeGrant } from "../services/revoke.js";

export interface SweepResult {
  readonly revoked: number;
  readonly resumed: number;
}

export async function sweep(deps: ServiceDeps): Promise<SweepResult> {
  const expired = await deps.store.listExpired(deps.clock.now());
  const revoking = await deps.store.listByStatus(["revoking"]);
  const unfinished = await deps.store.listByStatus(["approved", "provisioning"]);
  // Revocations first: access that should be gone matters more than access still to be given.
  const revocations = [...expired, ...revoking].map((grant) => revokeGrant(deps, grant.id, SYSTEM_ACTOR, "expired"));
  const provisions = unfinished.map((grant) => provisionGrant(deps, grant.id));
  const outcomes = await Promise.allSettled([...revocations, ...provisions]);
  for (const outcome of outcomes) {
    if (outcome.status === "rejected") deps.logger.error({ err: String(outcome.reason) }, "sweep step failed");
  }
  const revokedNow = outcomes
    .slice(0, revocations.length)
    .filter((o) => o.status === "fulfilled" && o.value?.status === "revoked").length;
  return { revoked: revokedNow, resumed: provisions.length };
}

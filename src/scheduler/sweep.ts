// The sweep: revoke what has expired and resume AWS work that a crash or outage interrupted.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import type { Grant } from "../domain/grant.js";
import type { ServiceDeps } from "../services/deps.js";
import { provisionGrant } from "../services/provision.js";
import { revokeGrant } from "../services/revoke.js";

export interface SweepStarted {
  readonly revocations: number;
  readonly resumed: number;
  /** Settles when all the work this sweep started has finished (or failed and been recorded). */
  readonly done: Promise<void>;
}

/**
 * Starts the due work and returns without waiting for AWS, so a burst of expiries never holds up
 * the next sweep; grants already in progress in this process are skipped by the work tracker.
 */
export async function sweep(deps: ServiceDeps): Promise<SweepStarted> {
  const now = deps.clock.now();
  // Work already under way in this process, or backing off after a failure, is left alone.
  const due = (grant: Grant) => !deps.work.isClaimed(grant.id) && deps.work.due(grant.id, now);
  const expired = (await deps.store.listExpired(now)).filter(due);
  const revoking = (await deps.store.listByStatus(["revoking"])).filter(due);
  const unfinished = (await deps.store.listByStatus(["approved", "provisioning"])).filter(due);
  // Revocations first: access that should be gone matters more than access still to be given.
  const work = [
    ...[...expired, ...revoking].map((grant) => revokeGrant(deps, grant.id, SYSTEM_ACTOR, "expired")),
    ...unfinished.map((grant) => provisionGrant(deps, grant.id)),
  ];
  const done = Promise.allSettled(work).then((outcomes) => {
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") deps.logger.error({ err: String(outcome.reason) }, "sweep step failed");
    }
  });
  return { revocations: expired.length + revoking.length, resumed: unfinished.length, done };
}

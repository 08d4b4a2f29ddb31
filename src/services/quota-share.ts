// Identity Center's call quota belongs to the AWS account, so replicas share it: each keeps a
// presence lease and takes an equal share of JIT_AWS_CALLS_PER_SECOND among the live replicas,
// recounted as they come and go (a dead replica's share returns once its lease lapses).
import type { Clock } from "../domain/clock.js";
import type { Leases } from "./ports.js";

const PREFIX = "replica:";
const TTL_MS = 30_000;
/** How often to renew the presence lease and recount (well inside its TTL). */
export const QUOTA_RECOUNT_SECONDS = 10;
/** How far ahead a replica takes on grants: what its share of the rate limit starts within this many seconds. */
const WORK_AHEAD_SECONDS = 3;

/**
 * How many grants a replica works on at once (the sweep's width, and the incident switch's): a grant
 * is claimed only when the AWS rate limit will let its calls start within a few seconds.
 */
export function grantsAtOnce(callsPerSecond: number): number {
  return Math.max(1, Math.ceil(callsPerSecond * WORK_AHEAD_SECONDS));
}

export class QuotaShare {
  private replicas = 1;

  constructor(
    private readonly leases: Leases,
    private readonly holder: string,
    private readonly clock: Clock,
    /** Applies the share: called with the number of live replicas, this one included, when it changes. */
    private readonly apply: (replicas: number) => void,
  ) {}

  /** Renews this replica's presence and re-divides the quota; returns the live replicas counted. */
  async recount(): Promise<number> {
    const now = this.clock.now();
    await this.leases.acquire(PREFIX + this.holder, this.holder, now, TTL_MS);
    const replicas = Math.max(1, await this.leases.countLive(PREFIX, now));
    if (replicas !== this.replicas) {
      this.replicas = replicas;
      this.apply(replicas);
    }
    return replicas;
  }

  /** Gives this replica's share back at once, on shutdown. */
  async leave(): Promise<void> {
    await this.leases.release(PREFIX + this.holder, this.holder);
  }
}

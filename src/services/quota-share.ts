// Identity Center's call quota belongs to the AWS account, so replicas share it: each keeps a
// presence lease and takes an equal share of JIT_AWS_CALLS_PER_SECOND among the live replicas,
// recounted as they come and go (a dead replica's share returns once its lease lapses).
import type { Clock } from "../domain/clock.js";
import type { Leases } from "./ports.js";

const PREFIX = "replica:";
const TTL_MS = 30_000;
/** How often to renew the presence lease and recount (well inside its TTL). */
export const QUOTA_RECOUNT_SECONDS = 10;
/**
 * How long a grant stays in hand per call it needs: its call starts within about 3 s of the share,
 * then the grant waits for its operation to be confirmed. Identity Center keeps an assignment
 * operation IN_PROGRESS for seconds, and the batched status listing sees it done up to a poll
 * interval later, and while deletions are still waiting to start, the listing comes only every
 * BACKLOG_ROUND_SPACING intervals (operation-confirmer.ts): up to 5 s more, so about 9 s in all.
 * With fewer grants in hand than the rate limit can start over that whole time, the calls would
 * stop while the earlier operations were still being confirmed.
 */
const WORK_AHEAD_SECONDS = 12;

/**
 * How many grants a replica works on at once (the sweep's width, and the incident switch's): as many
 * as its share of the AWS rate limit can keep busy while earlier operations are confirmed.
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

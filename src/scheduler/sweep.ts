// The sweep: revoke what has expired and resume AWS work that a crash or outage interrupted.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import type { Grant } from "../domain/grant.js";
import type { ServiceDeps } from "../services/deps.js";
import { provisionGrant } from "../services/provision.js";
import { revokeGrant } from "../services/revoke.js";

export interface SweepStarted {
  readonly revocations: number;
  readonly resumed: number;
  /** Settles when the queue this sweep added to has been worked off (or stopped). */
  readonly done: Promise<void>;
}

/**
 * Starts the due work and returns without waiting for AWS, so a burst of expiries never holds up
 * the next sweep. Work goes through a queue of bounded concurrency: a grant is claimed only when
 * this process is about to work on it, so a burst does not pile up behind this process's share of
 * the AWS rate limit while other replicas, with shares of their own, sit idle; they claim the
 * rest. Grants already in progress or queued here are skipped.
 */
export class Sweeper {
  private readonly queue = new Map<string, () => Promise<unknown>>();
  private running = 0;
  private stopped = false;
  private drained: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly deps: ServiceDeps,
    /** How many grants to work on at once: about what the AWS rate limit lets start within a few seconds. */
    private readonly concurrency: () => number,
  ) {}

  async sweep(): Promise<SweepStarted> {
    const { deps } = this;
    const now = deps.clock.now();
    // Work already under way or queued in this process, or backing off after a failure, is left alone.
    const due = (grant: Grant) => !this.queue.has(grant.id) && !deps.work.isClaimed(grant.id) && deps.work.due(grant.id, now);
    const expired = (await deps.store.listExpired(now)).filter(due);
    const revoking = (await deps.store.listByStatus(["revoking"])).filter(due);
    const unfinished = (await deps.store.listByStatus(["approved", "provisioning"])).filter(due);
    // Revocations first: access that should be gone matters more than access still to be given.
    for (const grant of [...expired, ...revoking]) this.enqueue(grant.id, () => revokeGrant(deps, grant.id, SYSTEM_ACTOR, "expired"));
    for (const grant of unfinished) this.enqueue(grant.id, () => provisionGrant(deps, grant.id));
    this.pump();
    return { revocations: expired.length + revoking.length, resumed: unfinished.length, done: this.whenDrained() };
  }

  /** Starts nothing more; what was queued stays in the database for the next sweep, here or elsewhere. */
  stop(): void {
    this.stopped = true;
    this.queue.clear();
    this.settleIfDrained();
  }

  private enqueue(grantId: string, work: () => Promise<unknown>): void {
    if (!this.stopped) this.queue.set(grantId, work);
  }

  private pump(): void {
    while (!this.stopped && this.running < Math.max(1, this.concurrency())) {
      const next = this.queue.entries().next();
      if (next.done) break;
      const [grantId, work] = next.value;
      this.queue.delete(grantId);
      this.running += 1;
      work()
        .catch((error: unknown) => this.deps.logger.error({ grantId, err: String(error) }, "sweep step failed"))
        .finally(() => {
          this.running -= 1;
          this.pump();
        });
    }
    this.settleIfDrained();
  }

  private whenDrained(): Promise<void> {
    if (this.running === 0 && this.queue.size === 0) return Promise.resolve();
    if (!this.drained) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.drained = { promise, resolve };
    }
    return this.drained.promise;
  }

  private settleIfDrained(): void {
    if (this.running > 0 || this.queue.size > 0 || !this.drained) return;
    this.drained.resolve();
    this.drained = undefined;
  }
}

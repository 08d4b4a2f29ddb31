// The sweep: revoke what has expired and resume AWS work that a crash or outage interrupted.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import type { Grant } from "../domain/grant.js";
import type { ServiceDeps } from "../services/deps.js";
import { provisionGrant } from "../services/provision.js";
import { fenceExpiredAhead, revokeGrant } from "../services/revoke.js";

export interface SweepStarted {
  readonly revocations: number;
  readonly resumed: number;
  /** Settles when the queue this sweep added to has been worked off (or stopped). */
  readonly done: Promise<void>;
}

/** What the sweep starts for a grant. */
export interface SweepSteps {
  revoke(grantId: string): Promise<unknown>;
  resume(grantId: string): Promise<unknown>;
  /** Starts the expired grants' revocations together (revoke.ts, fenceExpiredAhead); each one's revoke waits for its promise. */
  startTogether?(grants: readonly Grant[]): ReadonlyMap<string, Promise<void>>;
}

export type SweepDeps = Pick<ServiceDeps, "clock" | "store" | "work" | "logger">;

/** The steps as the bot runs them: an expired grant's revocation, an interrupted provisioning. */
export function sweepSteps(deps: ServiceDeps): SweepSteps {
  return {
    revoke: (grantId) => revokeGrant(deps, grantId, SYSTEM_ACTOR, "expired"),
    resume: (grantId) => provisionGrant(deps, grantId),
    startTogether: (grants) => fenceExpiredAhead(deps, grants),
  };
}

type Queue = Map<string, () => Promise<unknown>>;

/**
 * Starts the due work and returns without waiting for AWS, so a burst of expiries never holds up
 * the next sweep. Work goes through a queue of bounded concurrency: a grant is claimed only when
 * this process is about to work on it, so a burst does not pile up behind this process's share of
 * the AWS rate limit while other replicas, with shares of their own, sit idle; they claim the
 * rest. Grants already in progress or queued here are skipped. Revocations have a queue of their
 * own that is always served first: a backlog of provisioning (after an AWS outage, say) never makes
 * an expired grant wait its turn.
 */
export class Sweeper {
  private readonly revocations: Queue = new Map();
  private readonly resumptions: Queue = new Map();
  private running = 0;
  private stopped = false;
  private drained: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly deps: SweepDeps,
    /** How many grants to work on at once: about what the AWS rate limit lets start within a few seconds. */
    private readonly concurrency: () => number,
    private readonly steps: SweepSteps,
  ) {}

  async sweep(): Promise<SweepStarted> {
    const { deps, steps } = this;
    const now = deps.clock.now();
    // Work already under way or queued in this process, or backing off after a failure, is left alone.
    const queued = (id: string) => this.revocations.has(id) || this.resumptions.has(id);
    const due = (grant: Grant) => !queued(grant.id) && !deps.work.isClaimed(grant.id) && deps.work.due(grant.id, now);
    const expired = (await deps.store.listExpired(now)).filter(due);
    const revoking = (await deps.store.listByStatus(["revoking"])).filter(due);
    // Resumptions already waiting here keep the workers busy past the next sweep; reading every
    // unfinished grant again (thousands after an outage) each sweep would only stall the process.
    const unfinished =
      this.resumptions.size >= this.width() ? [] : (await deps.store.listByStatus(["approved", "provisioning"])).filter(due);
    const started = steps.startTogether?.(expired) ?? new Map<string, Promise<void>>();
    for (const grant of [...expired, ...revoking]) {
      const before = started.get(grant.id);
      this.enqueue(this.revocations, grant.id, before ? () => before.then(() => steps.revoke(grant.id)) : () => steps.revoke(grant.id));
    }
    for (const grant of unfinished) this.enqueue(this.resumptions, grant.id, () => steps.resume(grant.id));
    this.pump();
    return { revocations: expired.length + revoking.length, resumed: unfinished.length, done: this.whenDrained() };
  }

  /** Starts nothing more; what was queued stays in the database for the next sweep, here or elsewhere. */
  stop(): void {
    this.stopped = true;
    this.revocations.clear();
    this.resumptions.clear();
    this.settleIfDrained();
  }

  private width(): number {
    return Math.max(1, this.concurrency());
  }

  private enqueue(queue: Queue, grantId: string, work: () => Promise<unknown>): void {
    if (!this.stopped) queue.set(grantId, work);
  }

  private next(): [string, () => Promise<unknown>] | undefined {
    for (const queue of [this.revocations, this.resumptions]) {
      const first = queue.entries().next();
      if (!first.done) {
        queue.delete(first.value[0]);
        return first.value;
      }
    }
    return undefined;
  }

  private pump(): void {
    while (!this.stopped && this.running < this.width()) {
      const next = this.next();
      if (!next) break;
      const [grantId, work] = next;
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
    if (this.idle()) return Promise.resolve();
    if (!this.drained) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.drained = { promise, resolve };
    }
    return this.drained.promise;
  }

  private settleIfDrained(): void {
    if (!this.idle() || !this.drained) return;
    this.drained.resolve();
    this.drained = undefined;
  }

  private idle(): boolean {
    return this.running === 0 && this.revocations.size === 0 && this.resumptions.size === 0;
  }
}

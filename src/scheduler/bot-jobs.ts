// The bot's recurring work and what it runs at start: the sweep (fired also at the next expiry),
// the audit feed, checkpoints, the replicas' quota recount and reconciliation.
import type { CheckpointReason } from "../audit/checkpointer.js";
import type { AuditFeed } from "../audit/feed.js";
import type { Config } from "../config/env.js";
import type { InFlight } from "../ops/in-flight.js";
import type { ServiceDeps } from "../services/deps.js";
import { expireStaleRequests, warnExpiring } from "../services/housekeeping.js";
import { nudgePending } from "../services/approval-nudges.js";
import { grantsAtOnce, QUOTA_RECOUNT_SECONDS, type QuotaShare } from "../services/quota-share.js";
import { reconcile } from "../services/reconcile.js";
import { liftFences } from "../services/session-fence.js";
import { runDigests } from "../services/activity-digest.js";
import type { RefreshOutcome } from "../services/organization-refresh.js";
import type { OrganizationRefresher } from "../services/organization-refresher.js";
import { ProviderError } from "../domain/errors.js";
import { ExpiryTimer } from "./expiry-timer.js";
import { everyMinutes, everySeconds, type Job } from "./scheduler.js";
import { Sweeper, sweepSteps } from "./sweep.js";

const RECONCILE_LEASE = "reconcile";
const FENCE_LIFT_LEASE = "session-fence-lift";
/** Escalations and reminders are compare-and-set anyway; the lease keeps replicas from reading the same pending requests at once. */
const NUDGE_LEASE = "approval-nudges";
/** How often the refresh job looks for a newer stored snapshot and whether refreshMinutes have passed (cron cannot say "every 90 minutes"); what jit-admin org refresh stores reaches a running bot within this. */
const REFRESH_CHECK_MINUTES = 1;

export interface BotJobParts {
  readonly deps: ServiceDeps;
  readonly config: Pick<Config, "sweepIntervalSeconds" | "reconcileIntervalMinutes">;
  /** Work shutdown waits for. */
  readonly inFlight: InFlight;
  /** AWS calls per second this replica may make now (its share of the quota). */
  readonly callsPerSecond: () => number;
  readonly quota: QuotaShare;
  readonly feed: AuditFeed;
  /** Signs a checkpoint of what the last one does not cover; undefined when checkpoints are off. */
  readonly checkpoint: ((reason: CheckpointReason) => Promise<unknown>) | undefined;
  /** With organization.accounts: aws: what reads it again (from the database or AWS) and swaps the policy. */
  readonly organization: OrganizationRefresher | null;
}

export class BotJobs {
  private readonly expiryTimer: ExpiryTimer;
  private readonly sweeper: Sweeper;
  private lastSweep: Promise<void> = Promise.resolve();
  /** The activity digest run under way, so runs never overlap (a lookup may wait out CloudTrail's throttling). */
  private digesting: Promise<number> | undefined;
  private readonly reportedUnmanaged = new Set<string>();

  constructor(private readonly parts: BotJobParts) {
    const { deps, config, inFlight } = parts;
    this.expiryTimer = new ExpiryTimer(deps.store, deps.clock, config.sweepIntervalSeconds * 1000, () => {
      inFlight.track(this.sweep()).catch((error: unknown) => deps.logger.error({ err: String(error) }, "timed sweep failed"));
    });
    this.sweeper = new Sweeper(deps, () => grantsAtOnce(parts.callsPerSecond()), sweepSteps(deps));
  }

  /** What the scheduler runs. */
  jobs(): Job[] {
    const { config, inFlight, quota, feed, checkpoint } = this.parts;
    return [
      { name: "quota-share", cron: everySeconds(QUOTA_RECOUNT_SECONDS), run: () => quota.recount() },
      { name: "expiry-sweep", cron: everySeconds(config.sweepIntervalSeconds), run: () => inFlight.track(this.sweep()) },
      { name: "audit-feed", cron: everySeconds(1), run: () => feed.deliver() },
      ...(checkpoint ? [{ name: "audit-checkpoint", cron: everySeconds(1), run: () => checkpoint("tick") }] : []),
      ...(this.parts.deps.activity
        ? [{ name: "activity-digests", cron: everySeconds(config.sweepIntervalSeconds), run: () => inFlight.track(this.digests()) }]
        : []),
      ...(config.reconcileIntervalMinutes > 0
        ? [{ name: "reconcile", cron: everyMinutes(config.reconcileIntervalMinutes), run: () => inFlight.track(this.reconcile()) }]
        : []),
      ...(this.parts.organization
        ? [
            {
              name: "organization-refresh",
              cron: everyMinutes(REFRESH_CHECK_MINUTES),
              run: () => inFlight.track(this.refreshOrganization()),
            },
          ]
        : []),
    ];
  }

  /**
   * Each minute: takes up a snapshot another process stored, or reads AWS Organizations once the one
   * in force is refreshMinutes old (one replica at a time: services/organization-refresher.ts).
   */
  async refreshOrganization(): Promise<RefreshOutcome | undefined> {
    return this.parts.organization?.tick();
  }

  /**
   * Catches up at once: revokes whatever expired while the bot was down, resumes interrupted AWS
   * work, and signs what a previous process appended and did not live to sign.
   */
  catchUp(): void {
    const { inFlight, checkpoint, deps } = this.parts;
    inFlight.track(this.sweep()).catch((error: unknown) => deps.logger.error({ err: String(error) }, "start-up sweep failed"));
    if (!checkpoint) return;
    inFlight.track(checkpoint("start")).catch((error: unknown) => deps.logger.error({ err: String(error) }, "start-up checkpoint failed"));
  }

  /** One sweep, the AWS work it started, and one audit delivery, now. */
  async tick(): Promise<void> {
    await this.sweep();
    await this.lastSweep;
    await this.parts.feed.deliver();
  }

  /** Collects and posts the activity digests that are due (services/activity-digest.ts); one run at a time. */
  digests(): Promise<number> {
    this.digesting ??= runDigests(this.parts.deps).finally(() => {
      this.digesting = undefined;
    });
    return this.digesting;
  }

  /** No more sweeps, timed or queued. */
  stop(): void {
    this.expiryTimer.stop();
    this.sweeper.stop();
  }

  private async sweep(): Promise<void> {
    const { deps, inFlight } = this.parts;
    const started = await this.sweeper.sweep();
    if (started.revocations > 0 || started.resumed > 0) {
      deps.logger.info({ revocations: started.revocations, resumed: started.resumed }, "sweep");
    }
    this.lastSweep = inFlight.track(started.done);
    await expireStaleRequests(deps);
    await deps.work.ifFree(NUDGE_LEASE, () => nudgePending(deps));
    await warnExpiring(deps);
    await this.liftFences();
    await this.expiryTimer.arm();
  }

  /** Lifts fence entries whose sessions have all run out; a failure is retried at the next sweep. */
  private async liftFences(): Promise<void> {
    const { deps } = this.parts;
    try {
      const lifted = await deps.work.ifFree(FENCE_LIFT_LEASE, () => liftFences(deps));
      if (lifted) deps.logger.info({ lifted }, "session fence entries lifted");
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      deps.logger.warn({ err: error.message, code: error.code }, "lifting session fence entries failed; will retry");
    }
  }

  private async reconcile(): Promise<void> {
    const { deps } = this.parts;
    const report = await deps.work.ifFree(RECONCILE_LEASE, () => reconcile(deps, { dryRun: false, reported: this.reportedUnmanaged }));
    if (!report) return;
    if (report.missing.length > 0 || report.orphans.length > 0 || report.unmanaged.length > 0) {
      deps.logger.warn(
        { missing: report.missing.map((g) => g.id), orphans: report.orphans.length, unmanaged: report.unmanaged.length },
        "reconciliation found drift",
      );
    }
  }
}

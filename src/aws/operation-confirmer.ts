// Confirms account-assignment operations in batches: every operation waiting for its outcome is looked
// up in one listing of its kind's statuses per poll interval, instead of one Describe…Status each.
//
// Why the unfiltered listing: its entries (AccountAssignmentOperationStatusMetadata: Status, RequestId,
// CreatedDate; IAM Identity Center API Reference) answer IN_PROGRESS, SUCCEEDED and FAILED in one page,
// where a `Filter: { Status }` listing answers one status only, so a round would cost up to three
// listings; and an IN_PROGRESS-only listing cannot confirm anything (an operation absent from it may be
// done, or not listed yet). The reference gives no order for the listing, so a round stops paging as
// soon as every waiter is found, and never pages more often than it has waiters left: a waiter still
// not found is then asked about with one Describe…Status, so a round never costs more calls than one
// describe per waiter did. An absent operation is never taken as succeeded.
// FAILED needs that describe too: the listing carries no FailureReason.
//
// ListAccountAssignments per account and permission set was not chosen: it shows an assignment's
// presence, not an operation's outcome (a failed deletion and a pending one look alike, and a reason is
// never given), and it pages through every principal of the pair, while the status listing's recent
// page holds the burst's operations whatever their targets.
import { sleep, type Clock } from "../domain/clock.js";
import { ProviderError } from "../domain/errors.js";
import type { AssignmentChange, OperationOutcome } from "../services/ports.js";

export type OperationStatusValue = "IN_PROGRESS" | "SUCCEEDED" | "FAILED";

export interface ListedStatus {
  readonly requestId: string;
  readonly status: OperationStatusValue;
}

export interface OperationStatusSource {
  /** One page of the kind's status listing (List…Status), from `nextToken`. */
  list(kind: AssignmentChange, nextToken: string | undefined): Promise<{ statuses: ListedStatus[]; nextToken: string | undefined }>;
  /** One operation's status (Describe…Status); undefined when AWS answered without one. */
  describe(kind: AssignmentChange, requestId: string): Promise<{ status?: string; failureReason?: string } | undefined>;
}

export interface ConfirmerSettings {
  readonly pollIntervalMs: number;
  /** How long an operation may stay IN_PROGRESS before its waiter gives up (the grant is resumed later). */
  readonly operationTimeoutMs: number;
}

/** What the process is busy with, to pace the rounds (the listings share the rate limit with the work). */
export interface RoundPacing {
  /** More operations of the kind are waiting to start here (their calls are queued in the rate limiter). */
  backlogged(kind: AssignmentChange): boolean;
  /** Nothing at all is waiting in the rate limiter. */
  idle(): boolean;
}

const UNPACED: RoundPacing = { backlogged: () => false, idle: () => false };

/**
 * While deletions wait to start, a round comes every this many poll intervals: each listing takes the
 * rate-limit slot of a deletion, and a burst of 1,000 at 20 calls/s has no slot to spare. Failures
 * are still found within seconds; the sweep keeps enough grants in hand for the wait
 * (WORK_AHEAD_SECONDS in quota-share.ts).
 */
export const BACKLOG_ROUND_SPACING = 5;
/**
 * Deletions are looked for this many times as often once no call at all waits in the rate limiter:
 * the listing then takes no one's slot, and a revocation is confirmed a fraction of an interval after
 * AWS ends it, not up to a whole one.
 */
const IDLE_DELETION_SPEEDUP = 4;
/** A round for operations just old enough to be done comes at least this fraction of a poll interval after the last. */
const FRESH_GAP_FRACTION = 0.2;
/** Looks at an operation that has reached the shortest time seen, before it falls back to the poll interval. */
const FRESH_LOOKS = 2;
/**
 * Added to the shortest time seen: that time runs from when this process began waiting, which is
 * a few ms after AWS accepted the operation, and the learned minimum creeps that much under it.
 */
const DUE_MARGIN_MS = 40;
/** How often a waiting loop re-reads the pacing (a backlog cleared, waiters added). */
const RECHECK_MS = 50;

interface Waiter {
  readonly deadline: number;
  /** When this process began waiting (monotonic ms). */
  readonly since: number;
  /** Rounds that looked for it once it was old enough to be done. */
  looksWhileDue: number;
  readonly resolve: (outcome: OperationOutcome) => void;
  readonly reject: (error: unknown) => void;
}

const failedWithoutReason = "AWS reported FAILED without a reason";

export class OperationConfirmer {
  private readonly waiting: Record<AssignmentChange, Map<string, Waiter>> = { create: new Map(), delete: new Map() };
  private readonly running: Record<AssignmentChange, boolean> = { create: false, delete: false };
  /** When the last round of each kind began (monotonic ms: the rounds are paced in real time). */
  private readonly lastRoundAt: Record<AssignmentChange, number> = { create: -Infinity, delete: -Infinity };
  /**
   * The shortest wait seen from confirm() to a terminal status, per kind (0 until one is seen): an
   * operation younger than that is very likely still IN_PROGRESS, so its first look is timed for
   * when it can be done (a creation's slot is then given back within ms of its end, not up to an
   * interval later). Only rounds sooner than the poll interval follow it; the interval's rounds go
   * on regardless, so a faster AWS is never looked at later than before.
   */
  private readonly shortestMs: Record<AssignmentChange, number> = { create: Infinity, delete: Infinity };

  constructor(
    private readonly source: OperationStatusSource,
    private readonly settings: ConfirmerSettings,
    private readonly clock: Clock,
    private readonly pacing: RoundPacing = UNPACED,
  ) {}

  /** Resolves once AWS reports the operation SUCCEEDED or FAILED; rejects on a lasting AWS error or the timeout. */
  confirm(kind: AssignmentChange, requestId: string): Promise<OperationOutcome> {
    const settled = new Promise<OperationOutcome>((resolve, reject) => {
      const previous = this.waiting[kind].get(requestId);
      const deadline = this.clock.now() + this.settings.operationTimeoutMs;
      // Two waiters for one operation (a resumed grant racing its first attempt) share its outcome.
      this.waiting[kind].set(requestId, {
        deadline,
        since: performance.now(),
        looksWhileDue: 0,
        resolve: (outcome) => {
          previous?.resolve(outcome);
          resolve(outcome);
        },
        reject: (error) => {
          previous?.reject(error);
          reject(error);
        },
      });
    });
    if (!this.running[kind]) void this.run(kind);
    return settled;
  }

  private async run(kind: AssignmentChange): Promise<void> {
    this.running[kind] = true;
    try {
      // Operations started in the same turn (a sweep's batch of deletions) share the first round; a
      // round never follows the last one sooner than the pacing allows, even after the waiters ran
      // out in between, so a burst spread thin by a slow machine still costs few listings.
      for (;;) {
        await sleep(Math.max(0, Math.min(this.untilNextRound(kind), RECHECK_MS)));
        if (this.waiting[kind].size === 0) return;
        if (this.untilNextRound(kind) > 0) continue;
        this.lastRoundAt[kind] = performance.now();
        await this.round(kind);
      }
    } finally {
      this.running[kind] = false;
    }
  }

  /**
   * Milliseconds until the next round may start: the poll interval after the last (spaced out while
   * a backlog of deletions waits for the rate limit, brisker for deletions when nothing waits), or
   * sooner for an operation that has just become old enough to be done.
   */
  private untilNextRound(kind: AssignmentChange): number {
    const now = performance.now();
    const last = this.lastRoundAt[kind];
    const { pollIntervalMs } = this.settings;
    if (kind === "delete" && this.pacing.backlogged(kind)) return last + pollIntervalMs * BACKLOG_ROUND_SPACING - now;
    const interval = kind === "delete" && this.pacing.idle() ? pollIntervalMs / IDLE_DELETION_SPEEDUP : pollIntervalMs;
    let next = last + interval;
    const freshAfter = last + pollIntervalMs * FRESH_GAP_FRACTION;
    for (const waiter of this.waiting[kind].values()) {
      if (waiter.looksWhileDue < FRESH_LOOKS) next = Math.min(next, Math.max(this.dueAt(kind, waiter), freshAfter));
    }
    return next - now;
  }

  /** When an operation may first be done, by the shortest seen. */
  private dueAt(kind: AssignmentChange, waiter: Waiter): number {
    const shortest = this.shortestMs[kind];
    return Number.isFinite(shortest) ? waiter.since + shortest + DUE_MARGIN_MS : waiter.since;
  }

  private observe(kind: AssignmentChange, waiter: Waiter | undefined, at: number): void {
    if (waiter) this.shortestMs[kind] = Math.min(this.shortestMs[kind], at - waiter.since);
  }

  /** One look at every waiter of the kind; waiters that joined during it wait for the next. */
  private async round(kind: AssignmentChange): Promise<void> {
    const waiters = new Map(this.waiting[kind]);
    const startedAt = performance.now();
    let unseen: Set<string>;
    try {
      unseen = await this.settleListed(kind, waiters);
    } catch (error) {
      for (const requestId of waiters.keys()) this.reject(kind, requestId, error);
      return;
    }
    await Promise.all([...unseen].map((requestId) => this.settleDescribed(kind, requestId)));
    for (const [requestId, waiter] of waiters) {
      if (this.waiting[kind].get(requestId) !== waiter) continue;
      if (this.dueAt(kind, waiter) <= startedAt) waiter.looksWhileDue += 1;
      if (this.clock.now() >= waiter.deadline) {
        this.reject(kind, requestId, new ProviderError(`AWS ${kind} request ${requestId} is still in progress`, "OperationTimeout", true));
      }
    }
  }

  /** Pages the listing until every waiter is found (or pages outnumber the rest); returns the waiters not found. */
  private async settleListed(kind: AssignmentChange, waiters: ReadonlyMap<string, Waiter>): Promise<Set<string>> {
    const unseen = new Set(waiters.keys());
    const failed: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await this.source.list(kind, nextToken);
      const answeredAt = performance.now();
      pages += 1;
      for (const { requestId, status } of page.statuses) {
        if (!unseen.delete(requestId)) continue;
        if (status !== "IN_PROGRESS") this.observe(kind, waiters.get(requestId), answeredAt);
        if (status === "SUCCEEDED") this.resolve(kind, requestId, { ok: true });
        else if (status === "FAILED") failed.push(requestId);
      }
      nextToken = page.nextToken;
    } while (nextToken && unseen.size > pages);
    for (const requestId of failed) unseen.add(requestId);
    return unseen;
  }

  private async settleDescribed(kind: AssignmentChange, requestId: string): Promise<void> {
    try {
      const status = await this.source.describe(kind, requestId);
      if (status?.status === "SUCCEEDED") this.resolve(kind, requestId, { ok: true });
      else if (status?.status === "FAILED")
        this.resolve(kind, requestId, { ok: false, reason: status.failureReason ?? failedWithoutReason });
    } catch (error) {
      this.reject(kind, requestId, error);
    }
  }

  private resolve(kind: AssignmentChange, requestId: string, outcome: OperationOutcome): void {
    this.waiting[kind].get(requestId)?.resolve(outcome);
    this.waiting[kind].delete(requestId);
  }

  private reject(kind: AssignmentChange, requestId: string, error: unknown): void {
    this.waiting[kind].get(requestId)?.reject(error);
    this.waiting[kind].delete(requestId);
  }
}

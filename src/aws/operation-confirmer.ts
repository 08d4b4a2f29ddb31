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

interface Waiter {
  readonly deadline: number;
  readonly resolve: (outcome: OperationOutcome) => void;
  readonly reject: (error: unknown) => void;
}

const failedWithoutReason = "AWS reported FAILED without a reason";

export class OperationConfirmer {
  private readonly waiting: Record<AssignmentChange, Map<string, Waiter>> = { create: new Map(), delete: new Map() };
  private readonly running: Record<AssignmentChange, boolean> = { create: false, delete: false };
  /** When the last round of each kind began (monotonic ms: the rounds are paced in real time). */
  private readonly lastRoundAt: Record<AssignmentChange, number> = { create: -Infinity, delete: -Infinity };

  constructor(
    private readonly source: OperationStatusSource,
    private readonly settings: ConfirmerSettings,
    private readonly clock: Clock,
  ) {}

  /** Resolves once AWS reports the operation SUCCEEDED or FAILED; rejects on a lasting AWS error or the timeout. */
  confirm(kind: AssignmentChange, requestId: string): Promise<OperationOutcome> {
    const settled = new Promise<OperationOutcome>((resolve, reject) => {
      const previous = this.waiting[kind].get(requestId);
      const deadline = this.clock.now() + this.settings.operationTimeoutMs;
      // Two waiters for one operation (a resumed grant racing its first attempt) share its outcome.
      this.waiting[kind].set(requestId, {
        deadline,
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
      // round never follows the last one sooner than the poll interval, even after the waiters ran
      // out in between, so a burst spread thin by a slow machine still costs one listing an interval.
      await sleep(Math.max(0, this.lastRoundAt[kind] + this.settings.pollIntervalMs - performance.now()));
      while (this.waiting[kind].size > 0) {
        this.lastRoundAt[kind] = performance.now();
        await this.round(kind);
        if (this.waiting[kind].size > 0) await sleep(this.settings.pollIntervalMs);
      }
    } finally {
      this.running[kind] = false;
    }
  }

  /** One look at every waiter of the kind; waiters that joined during it wait for the next. */
  private async round(kind: AssignmentChange): Promise<void> {
    const waiters = new Map(this.waiting[kind]);
    let unseen: Set<string>;
    try {
      unseen = await this.settleListed(kind, waiters);
    } catch (error) {
      for (const requestId of waiters.keys()) this.reject(kind, requestId, error);
      return;
    }
    await Promise.all([...unseen].map((requestId) => this.settleDescribed(kind, requestId)));
    for (const [requestId, waiter] of waiters) {
      if (this.waiting[kind].get(requestId) === waiter && this.clock.now() >= waiter.deadline) {
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
      pages += 1;
      for (const { requestId, status } of page.statuses) {
        if (!unseen.delete(requestId)) continue;
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

// Delivers the audit trail to the audit channel from the outbox in the database: in order, at least once,
// never skipping a record. Each run posts at most one message (the oldest waiting records that fit
// in it) and marks them delivered; a failure leaves them waiting. When the channel asks us to wait
// (HTTP 429 Retry-After) or a post fails, the next attempt is scheduled rather than slept on, so a
// run never holds up the scheduler.
import type { AuditRecord } from "../domain/audit-event.js";
import type { Logger } from "../services/ports.js";
import { errorText } from "../domain/errors.js";
import { sleep } from "../domain/clock.js";

/**
 * A record as the feed carries it: with its chain hash when it comes from the database, which the
 * channel shows (in short) so that the channel's copy can be checked against the database.
 */
export type FeedRecord = AuditRecord & { readonly hash?: string };

/** Records being posted to the audit channel: the note written before a post. */
export interface PostingNote {
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** When the post started (epoch ms). */
  readonly startedAt: number;
}

export interface AuditOutbox {
  /** Oldest first: the audit channel receives records in the order they happened. */
  undelivered(limit: number): Promise<FeedRecord[]>;
  /** Marks delivered every undelivered record with a seq up to and including `seq`, and clears the posting note. */
  markDeliveredThrough(seq: number): Promise<void>;
  /** Notes, before posting, which records are about to be posted. */
  notePosting(note: PostingNote): Promise<void>;
  /** A posting note never cleared: a post that was interrupted (a crash, or a failure of unknown outcome). */
  interruptedPost(): Promise<PostingNote | undefined>;
  /** Clears the posting note: those records are known not to be in the channel. */
  clearPosting(): Promise<void>;
}

export type OnePoster = (work: () => Promise<number>) => Promise<number | undefined>;

export interface AuditChannel {
  /** The most records one post may carry. */
  readonly maxRecordsPerPost: number;
  /**
   * Posts the longest prefix of `records` (never empty) that fits one message and returns how many
   * records it carried. Throws RetryLater when the channel says when to try again.
   */
  post(records: readonly FeedRecord[]): Promise<number>;
  /**
   * The highest seq between the note's first and last found in the channel (0 for none), or
   * undefined when the channel cannot tell (it cannot read its own history).
   */
  postedThrough(note: PostingNote): Promise<number | undefined>;
}

/** The channel answered and refused the post: it certainly did not happen. */
export class PostRefused extends Error {}

/** The channel refused for now and said how long to wait (Slack's Retry-After). */
export class RetryLater extends Error {
  constructor(
    readonly afterMs: number,
    message: string,
  ) {
    super(message);
  }
}

export interface FeedTiming {
  /** Least time between the starts of two posts: Slack allows about one message per second per channel. */
  readonly minIntervalMs: number;
  /** Wait after the first failed post; it doubles with each failure in a row, up to maxRetryMs. */
  readonly firstRetryMs: number;
  readonly maxRetryMs: number;
  readonly now: () => number;
}

// 900 ms rather than 1 s: the scheduler ticks every second, and a post that started a few
// milliseconds late must not make the next tick skip.
const DEFAULT_TIMING: FeedTiming = { minIntervalMs: 900, firstRetryMs: 1_000, maxRetryMs: 60_000, now: Date.now };

export interface FlushResult {
  readonly delivered: number;
  /** Whether records are still waiting (they stay in the outbox for the next start). */
  readonly left: boolean;
}

export class AuditFeed {
  private running: Promise<number> | undefined;
  /** The last delivery was skipped because another process was delivering. */
  private deliveringElsewhere = false;
  /** No post starts before this time (epoch ms). */
  private notBefore = 0;
  private failures = 0;
  private readonly timing: FeedTiming;

  constructor(
    private readonly outbox: AuditOutbox,
    private readonly channel: AuditChannel,
    private readonly logger: Logger,
    timing: Partial<FeedTiming> = {},
    /** Runs a delivery unless another process is delivering (undefined then): one poster at a time. */
    private readonly exclusively: OnePoster = (work) => work(),
  ) {
    this.timing = { ...DEFAULT_TIMING, ...timing };
  }

  /**
   * Posts the oldest waiting records, as many as fit one message, unless it is too early to post
   * again. Concurrent calls share one run. Returns how many records were delivered.
   */
  deliver(): Promise<number> {
    this.running ??= this.exclusively(() => this.deliverOnce())
      .then((delivered) => {
        this.deliveringElsewhere = delivered === undefined;
        return delivered ?? 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** When the next post may start (epoch ms). */
  get nextAttemptAt(): number {
    return this.notBefore;
  }

  /**
   * Delivers until nothing is waiting or `deadline` (epoch ms) comes, waiting out the pacing and any
   * Retry-After in between, for shutdown.
   */
  async flush(deadline: number): Promise<FlushResult> {
    let delivered = 0;
    for (;;) {
      if ((await this.outbox.undelivered(1)).length === 0) return { delivered, left: false };
      const wait = this.notBefore - this.timing.now();
      if (this.timing.now() + Math.max(0, wait) >= deadline) return { delivered, left: true };
      if (wait > 0) await sleep(wait);
      delivered += await this.deliver();
      // Another replica is delivering and will carry on with what is left.
      if (this.deliveringElsewhere) return { delivered, left: true };
    }
  }

  private async deliverOnce(): Promise<number> {
    const startedAt = this.timing.now();
    if (startedAt < this.notBefore) return 0;
    await this.settleInterruptedPost();
    const waiting = await this.outbox.undelivered(this.channel.maxRecordsPerPost);
    const first = waiting[0];
    if (!first) return 0;
    await this.outbox.notePosting({ firstSeq: first.seq, lastSeq: waiting.at(-1)?.seq ?? first.seq, startedAt });
    let posted: number;
    try {
      posted = await this.channel.post(waiting);
    } catch (error) {
      // Refused outright, the post is known not to have happened; a timeout or an HTTP error may have posted it.
      if (error instanceof RetryLater || error instanceof PostRefused) await this.outbox.clearPosting();
      this.scheduleRetry(error, first.seq);
      return 0;
    }
    const count = Math.min(Math.max(posted, 1), waiting.length);
    const last = waiting[count - 1] ?? first;
    await this.outbox.markDeliveredThrough(last.seq);
    this.failures = 0;
    this.notBefore = startedAt + this.timing.minIntervalMs;
    return count;
  }

  /**
   * A post interrupted by a crash (this process's or another replica's), or that failed without
   * saying whether it happened, may have reached the channel: what the channel holds is marked
   * delivered rather than posted twice. When the channel cannot tell, the records are posted again:
   * a record twice is better than a record lost.
   */
  private async settleInterruptedPost(): Promise<void> {
    const interrupted = await this.outbox.interruptedPost();
    if (!interrupted) return;
    const through = await this.channel.postedThrough(interrupted).catch(() => undefined);
    if (through === undefined) {
      this.logger.warn(
        { firstSeq: interrupted.firstSeq, lastSeq: interrupted.lastSeq },
        "an interrupted audit post cannot be checked against the channel's history; posting those records again",
      );
    }
    if (through !== undefined && through >= interrupted.firstSeq) {
      this.logger.info(
        { firstSeq: interrupted.firstSeq, through },
        "an interrupted audit post had reached the channel; not posting it again",
      );
      await this.outbox.markDeliveredThrough(through);
    } else {
      await this.outbox.clearPosting();
    }
  }

  private scheduleRetry(error: unknown, seq: number): void {
    const now = this.timing.now();
    if (error instanceof RetryLater) {
      this.notBefore = now + error.afterMs;
      this.logger.warn({ seq, retryAfterMs: error.afterMs }, "audit channel is rate limited; waiting as asked");
      return;
    }
    this.failures += 1;
    const wait = Math.min(this.timing.firstRetryMs * 2 ** (this.failures - 1), this.timing.maxRetryMs);
    this.notBefore = now + wait;
    this.logger.warn({ seq, attempts: this.failures, retryInMs: wait, err: errorText(error) }, "audit channel post failed; will retry");
  }
}

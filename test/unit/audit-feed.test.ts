// The audit feed: in order, at least once, never skipping a record; one post per run, paced, and
// retried when the channel says when (Retry-After) or after a backoff when a post fails.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as nextTurn } from "node:timers/promises";
import { AuditFeed, PostRefused, RetryLater, type AuditChannel, type AuditOutbox, type PostingNote } from "../../src/audit/feed.js";
import type { AuditRecord } from "../../src/domain/audit-event.js";
import type { Logger } from "../../src/services/ports.js";

class MemoryOutbox implements AuditOutbox {
  private readonly records: AuditRecord[] = [];
  readonly delivered = new Set<number>();
  readonly calls: string[] = [];

  add(count: number): void {
    for (let i = 0; i < count; i += 1) {
      const seq = this.records.length + 1;
      this.records.push({
        seq,
        at: 1_700_000_000_000 + seq,
        action: "revoked",
        actorId: "system",
        grantId: `jit-${seq}`,
        accountId: "111122223333",
        permissionSet: "AdministratorAccess",
        detail: { status: "revoked" },
      });
    }
  }

  async undelivered(limit: number): Promise<AuditRecord[]> {
    this.calls.push(`undelivered(${limit})`);
    return this.records.filter((record) => !this.delivered.has(record.seq)).slice(0, limit);
  }

  async markDeliveredThrough(seq: number): Promise<void> {
    this.calls.push(`mark through ${seq}`);
    for (const record of this.records) if (record.seq <= seq) this.delivered.add(record.seq);
    this.note = undefined;
  }

  note: PostingNote | undefined;

  async notePosting(note: PostingNote): Promise<void> {
    this.note = note;
  }

  async interruptedPost(): Promise<PostingNote | undefined> {
    return this.note;
  }

  async clearPosting(): Promise<void> {
    this.note = undefined;
  }
}

class RecordingLogger implements Logger {
  readonly warnings: Array<{ context: object; message: string }> = [];
  debug(): void {}
  info(): void {}
  warn(context: object, message: string): void {
    this.warnings.push({ context, message });
  }
  error(): void {}
}

/** A channel that takes up to `perPost` records a post, records what it got, and fails when told to. */
class FakeChannel implements AuditChannel {
  readonly posts: number[][] = [];
  readonly failures: Array<Error | undefined> = [];

  constructor(
    readonly maxRecordsPerPost = 10,
    private readonly perPost = maxRecordsPerPost,
  ) {}

  /** Posts whose answer is lost: the channel has the message, the poster hears a timeout. */
  lostAnswers = 0;
  /** Whether the channel can read its own history. */
  readsHistory = true;
  readonly historyReads: PostingNote[] = [];

  async post(records: readonly AuditRecord[]): Promise<number> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    const taken = records.slice(0, this.perPost).map((record) => record.seq);
    this.posts.push(taken);
    if (this.lostAnswers > 0) {
      this.lostAnswers -= 1;
      throw new Error("request timed out");
    }
    return taken.length;
  }

  async postedThrough(note: PostingNote): Promise<number | undefined> {
    this.historyReads.push(note);
    if (!this.readsHistory) return undefined;
    return Math.max(0, ...this.posted.filter((seq) => seq >= note.firstSeq && seq <= note.lastSeq));
  }

  get posted(): number[] {
    return this.posts.flat();
  }
}

class ManualTime {
  constructor(public ms = 1_000_000) {}
  readonly now = () => this.ms;
}

function feedWith(outbox: AuditOutbox, channel: FakeChannel, time = new ManualTime(), logger = new RecordingLogger()) {
  const feed = new AuditFeed(outbox, channel, logger, { now: time.now, minIntervalMs: 900, firstRetryMs: 1_000, maxRetryMs: 8_000 });
  return { feed, time, logger };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("AuditFeed.deliver", () => {
  it("does not post again what an interrupted post already put in the channel", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(3);
    const channel = new FakeChannel();
    channel.lostAnswers = 1;
    const { feed, time } = feedWith(outbox, channel);
    assert.equal(await feed.deliver(), 0, "the answer was lost: nothing marked delivered");
    assert.deepEqual(outbox.note, { firstSeq: 1, lastSeq: 3, startedAt: time.ms }, "the post under way is still noted");
    outbox.add(2);
    time.ms += 60_000;
    assert.equal(await feed.deliver(), 2);
    assert.deepEqual(
      channel.posts,
      [
        [1, 2, 3],
        [4, 5],
      ],
      "records 1-3 went out once",
    );
    assert.deepEqual(channel.historyReads, [{ firstSeq: 1, lastSeq: 3, startedAt: 1_000_000 }]);
    assert.equal(outbox.note, undefined);
  });

  it("posts an interrupted post again when the channel cannot tell whether it arrived, and says so", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(2);
    const channel = new FakeChannel();
    channel.readsHistory = false;
    await outbox.notePosting({ firstSeq: 1, lastSeq: 2, startedAt: 5 });
    const { feed, logger } = feedWith(outbox, channel);
    assert.equal(await feed.deliver(), 2);
    assert.deepEqual(channel.posts, [[1, 2]]);
    assert.match(logger.warnings[0]?.message ?? "", /cannot be checked against the channel's history; posting those records again/);
  });

  it("clears the note without reading history when the channel refused the post outright", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(2);
    const channel = new FakeChannel();
    channel.failures.push(new PostRefused("chat.postMessage failed: not_in_channel"), new RetryLater(1_000, "rate limited"));
    const { feed, time } = feedWith(outbox, channel);
    await feed.deliver();
    assert.equal(outbox.note, undefined);
    time.ms += 1_000;
    await feed.deliver();
    assert.equal(outbox.note, undefined);
    time.ms += 2_000;
    assert.equal(await feed.deliver(), 2);
    assert.deepEqual(channel.historyReads, [], "nothing to check: those posts certainly did not happen");
  });

  it("posts the oldest waiting records in one message and marks them delivered after the post", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(3);
    const channel = new FakeChannel();
    const { feed } = feedWith(outbox, channel);
    assert.equal(await feed.deliver(), 3);
    assert.deepEqual(channel.posts, [[1, 2, 3]]);
    assert.deepEqual(outbox.calls, ["undelivered(10)", "mark through 3"]);
  });

  it("posts nothing when nothing is waiting", async () => {
    const channel = new FakeChannel();
    assert.equal(await feedWith(new MemoryOutbox(), channel).feed.deliver(), 0);
    assert.deepEqual(channel.posts, []);
  });

  it("marks only the records the channel says it carried", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(5);
    const channel = new FakeChannel(10, 2);
    const { feed } = feedWith(outbox, channel);
    assert.equal(await feed.deliver(), 2);
    assert.deepEqual([...outbox.delivered], [1, 2]);
  });

  it("posts at most once per interval, then goes on where it stopped", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(25);
    const channel = new FakeChannel(10);
    const { feed, time } = feedWith(outbox, channel);
    assert.equal(await feed.deliver(), 10);
    time.ms += 500;
    assert.equal(await feed.deliver(), 0, "too soon for the next post");
    time.ms += 400;
    assert.equal(await feed.deliver(), 10);
    time.ms += 900;
    assert.equal(await feed.deliver(), 5);
    assert.deepEqual(channel.posts, [range(1, 10), range(11, 20), range(21, 25)]);
  });

  it("waits as long as the channel asks after a rate limit, and skips nothing", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(4);
    const channel = new FakeChannel();
    channel.failures.push(new RetryLater(30_000, "rate limited"));
    const { feed, time, logger } = feedWith(outbox, channel);
    assert.equal(await feed.deliver(), 0);
    assert.equal(feed.nextAttemptAt, time.ms + 30_000);
    time.ms += 29_999;
    assert.equal(await feed.deliver(), 0);
    assert.deepEqual(channel.posts, []);
    time.ms += 1;
    assert.equal(await feed.deliver(), 4);
    assert.deepEqual(channel.posted, [1, 2, 3, 4]);
    assert.deepEqual(logger.warnings[0]?.context, { seq: 1, retryAfterMs: 30_000 });
  });

  it("backs off after failed posts, doubling up to the longest wait, and starts over after a success", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(1);
    const channel = new FakeChannel();
    for (let i = 0; i < 5; i += 1) channel.failures.push(new Error("http_500"));
    const { feed, time, logger } = feedWith(outbox, channel);
    const waits: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      assert.equal(await feed.deliver(), 0);
      waits.push(feed.nextAttemptAt - time.ms);
      time.ms = feed.nextAttemptAt;
    }
    assert.deepEqual(waits, [1_000, 2_000, 4_000, 8_000, 8_000]);
    assert.equal(await feed.deliver(), 1);
    assert.equal(feed.nextAttemptAt - time.ms, 900, "paced as usual once a post succeeds");
    assert.deepEqual(
      logger.warnings.map((warning) => (warning.context as { attempts: number }).attempts),
      [1, 2, 3, 4, 5],
    );
  });

  it("never marks a record whose post failed", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(3);
    const channel = new FakeChannel();
    channel.failures.push(new Error("channel_not_found"));
    const { feed } = feedWith(outbox, channel);
    await feed.deliver();
    assert.deepEqual([...outbox.delivered], []);
    assert.ok(!outbox.calls.some((call) => call.startsWith("mark")));
  });

  it("delivers a burst of 2,000 records completely, in order, in batches", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(2_000);
    const channel = new FakeChannel(40);
    channel.failures.push(undefined, undefined, new RetryLater(5_000, "rate limited"), undefined, new Error("http_500"));
    const { feed, time } = feedWith(outbox, channel);
    for (let ticks = 0; outbox.delivered.size < 2_000 && ticks < 500; ticks += 1) {
      await feed.deliver();
      time.ms += 1_000;
    }
    assert.deepEqual(channel.posted, range(1, 2_000), "each record once, in order");
    assert.equal(channel.posts.length, 50);
  });

  it("makes concurrent calls share one run", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(4);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const channel = new FakeChannel();
    const slow: AuditChannel = {
      maxRecordsPerPost: 10,
      post: async (records) => {
        await gate;
        return channel.post(records);
      },
      postedThrough: (note) => channel.postedThrough(note),
    };
    const feed = new AuditFeed(outbox, slow, new RecordingLogger());
    const first = feed.deliver();
    await nextTurn();
    const second = feed.deliver();
    assert.equal(second, first);
    release();
    assert.deepEqual(await Promise.all([first, second]), [4, 4]);
    assert.deepEqual(channel.posts, [[1, 2, 3, 4]], "posted once");
  });

  it("starts a fresh run after a run that failed outright", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(1);
    let broken = true;
    const failingOutbox: AuditOutbox = {
      undelivered: async (limit) => {
        if (broken) throw new Error("database is locked");
        return outbox.undelivered(limit);
      },
      markDeliveredThrough: (seq) => outbox.markDeliveredThrough(seq),
      notePosting: (note) => outbox.notePosting(note),
      interruptedPost: () => outbox.interruptedPost(),
      clearPosting: () => outbox.clearPosting(),
    };
    const channel = new FakeChannel();
    const { feed } = feedWith(failingOutbox, channel);
    await assert.rejects(feed.deliver(), /database is locked/);
    broken = false;
    assert.equal(await feed.deliver(), 1);
    assert.deepEqual(channel.posted, [1]);
  });
});

describe("AuditFeed.flush", () => {
  it("delivers everything waiting, waiting out the pacing between posts", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(25);
    const channel = new FakeChannel(10);
    const feed = new AuditFeed(outbox, channel, new RecordingLogger(), { minIntervalMs: 20 });
    assert.deepEqual(await feed.flush(Date.now() + 5_000), { delivered: 25, left: false });
    assert.equal(channel.posts.length, 3);
  });

  it("gives up at the deadline rather than wait out a long Retry-After, leaving the records waiting", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(3);
    const channel = new FakeChannel();
    channel.failures.push(new RetryLater(60_000, "rate limited"));
    const feed = new AuditFeed(outbox, channel, new RecordingLogger());
    const started = Date.now();
    assert.deepEqual(await feed.flush(Date.now() + 2_000), { delivered: 0, left: true });
    assert.ok(Date.now() - started < 500, "returns at once when the wait outlasts the deadline");
    assert.equal(outbox.delivered.size, 0);
  });
});

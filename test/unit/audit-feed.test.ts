// The audit feed: in order, at least once, never skipping a record.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as nextTurn } from "node:timers/promises";
import { AuditFeed } from "../../src/audit/feed.js";
import type { AuditRecord } from "../../src/domain/audit-event.js";
import type { AuditOutbox, Logger } from "../../src/services/ports.js";

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
        action: "requested",
        actorId: "U0ALICE",
        grantId: `jit-${seq}`,
        accountId: "111122223333",
        permissionSet: "AdministratorAccess",
        detail: { status: "pending" },
      });
    }
  }

  async undelivered(limit: number): Promise<AuditRecord[]> {
    this.calls.push(`undelivered(${limit})`);
    return this.records.filter((record) => !this.delivered.has(record.seq)).slice(0, limit);
  }

  async markDelivered(seq: number): Promise<void> {
    this.calls.push(`mark ${seq}`);
    this.delivered.add(seq);
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

/** A post function that records what it was given and can be told to fail on particular records. */
function poster(outbox: MemoryOutbox) {
  const posted: number[] = [];
  const failing = new Set<number>();
  const post = async (record: AuditRecord) => {
    outbox.calls.push(`post ${record.seq}`);
    if (failing.has(record.seq)) throw new Error("channel_not_found");
    posted.push(record.seq);
  };
  return { post, posted, failing };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("AuditFeed.deliver", () => {
  it("delivers every waiting record in order and marks each one after its post", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(3);
    const { post, posted } = poster(outbox);
    const feed = new AuditFeed(outbox, post, new RecordingLogger());
    assert.equal(await feed.deliver(), 3);
    assert.deepEqual(posted, [1, 2, 3]);
    assert.deepEqual(outbox.calls, ["undelivered(50)", "post 1", "mark 1", "post 2", "mark 2", "post 3", "mark 3"]);
  });

  it("delivers nothing, and posts nothing, when nothing is waiting", async () => {
    const outbox = new MemoryOutbox();
    const { post, posted } = poster(outbox);
    assert.equal(await new AuditFeed(outbox, post, new RecordingLogger()).deliver(), 0);
    assert.deepEqual(posted, []);
  });

  it("keeps fetching batches until the outbox is empty", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(120);
    const { post, posted } = poster(outbox);
    assert.equal(await new AuditFeed(outbox, post, new RecordingLogger()).deliver(), 120);
    assert.deepEqual(posted, range(1, 120));
    assert.equal(outbox.calls.filter((call) => call.startsWith("undelivered")).length, 3);
  });

  it("fetches once more after an exactly full batch, to be sure nothing is left", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(50);
    const { post } = poster(outbox);
    assert.equal(await new AuditFeed(outbox, post, new RecordingLogger()).deliver(), 50);
    assert.equal(outbox.calls.filter((call) => call.startsWith("undelivered")).length, 2);
  });

  it("stops at the first failed post without marking it or trying anything after it", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(5);
    const { post, posted, failing } = poster(outbox);
    failing.add(3);
    const logger = new RecordingLogger();
    const feed = new AuditFeed(outbox, post, logger);
    assert.equal(await feed.deliver(), 2);
    assert.deepEqual(posted, [1, 2]);
    assert.deepEqual([...outbox.delivered], [1, 2]);
    assert.equal(outbox.calls.at(-1), "post 3");
    assert.deepEqual(logger.warnings, [
      { context: { seq: 3, err: "channel_not_found" }, message: "audit channel post failed; will retry" },
    ]);
  });

  it("resumes from the failed record on the next call", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(5);
    const { post, posted, failing } = poster(outbox);
    failing.add(3);
    const feed = new AuditFeed(outbox, post, new RecordingLogger());
    await feed.deliver();
    failing.clear();
    assert.equal(await feed.deliver(), 3);
    assert.deepEqual(posted, [1, 2, 3, 4, 5]);
    assert.deepEqual([...outbox.delivered].sort((a, b) => a - b), [1, 2, 3, 4, 5]);
  });

  it("stops in a later batch too, keeping what the earlier batches delivered", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(70);
    const { post, posted, failing } = poster(outbox);
    failing.add(60);
    const feed = new AuditFeed(outbox, post, new RecordingLogger());
    assert.equal(await feed.deliver(), 59);
    assert.deepEqual(posted, range(1, 59));
    failing.clear();
    assert.equal(await feed.deliver(), 11);
    assert.deepEqual(posted, range(1, 70));
  });

  it("makes concurrent calls share one run", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(4);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const posted: number[] = [];
    const feed = new AuditFeed(
      outbox,
      async (record) => {
        await gate;
        posted.push(record.seq);
      },
      new RecordingLogger(),
    );
    const first = feed.deliver();
    await nextTurn();
    const second = feed.deliver();
    assert.equal(second, first);
    release();
    assert.deepEqual(await Promise.all([first, second]), [4, 4]);
    assert.deepEqual(posted, [1, 2, 3, 4], "each record is posted once");
    assert.equal(outbox.calls.filter((call) => call.startsWith("undelivered")).length, 1);
  });

  it("starts a fresh run once the previous one has finished", async () => {
    const outbox = new MemoryOutbox();
    outbox.add(2);
    const { post, posted } = poster(outbox);
    const feed = new AuditFeed(outbox, post, new RecordingLogger());
    const first = feed.deliver();
    assert.equal(await first, 2);
    outbox.add(1);
    const second = feed.deliver();
    assert.notEqual(second, first);
    assert.equal(await second, 1);
    assert.deepEqual(posted, [1, 2, 3]);
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
      markDelivered: (seq) => outbox.markDelivered(seq),
    };
    const { post, posted } = poster(outbox);
    const feed = new AuditFeed(failingOutbox, post, new RecordingLogger());
    await assert.rejects(feed.deliver(), /database is locked/);
    broken = false;
    assert.equal(await feed.deliver(), 1);
    assert.deepEqual(posted, [1]);
  });
});

// Leases (SQLite; the PostgreSQL ones are in postgres-backend.test.ts), the work tracker that takes
// them, and the replicas' shared AWS call quota.
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RateLimiter } from "../../src/aws/limiter.js";
import { QuotaShare } from "../../src/services/quota-share.js";
import { LEASE_TTL_MS, WorkTracker } from "../../src/services/work-tracker.js";
import { openSqliteBackend, type SqliteBackend } from "../../src/store/sqlite/sqlite-backend.js";
import { FakeClock } from "../support/store-fixtures.js";

const T0 = 1_700_000_000_000;

let dir: string;
let clock: FakeClock;
let first: SqliteBackend;
let second: SqliteBackend;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jit-leases-"));
  clock = new FakeClock(T0);
  // Two connections on one file, as the bot and jit-admin (or two processes) have.
  first = openSqliteBackend(join(dir, "jit.sqlite"), clock);
  second = openSqliteBackend(join(dir, "jit.sqlite"), clock);
});

afterEach(async () => {
  await first.close();
  await second.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("SQLite leases", () => {
  it("are taken by one holder until they lapse, renewed by their holder, and given up by it alone", async () => {
    assert.equal(await first.leases.acquire("grant:a", "bot", T0, 1_000), true);
    assert.equal(await second.leases.acquire("grant:a", "jit-admin", T0 + 500, 1_000), false, "held by another");
    assert.equal(await first.leases.acquire("grant:a", "bot", T0 + 900, 1_000), true, "the holder renews its own");
    assert.equal(await second.leases.acquire("grant:a", "jit-admin", T0 + 1_500, 1_000), false, "renewed to T0 + 1900");
    await second.leases.release("grant:a", "jit-admin");
    assert.equal(await second.leases.acquire("grant:a", "jit-admin", T0 + 1_600, 1_000), false, "only the holder can give it up");
    assert.equal(await second.leases.acquire("grant:a", "jit-admin", T0 + 1_900, 1_000), true, "lapsed: another takes it");
    await second.leases.release("grant:a", "jit-admin");
    assert.equal(await first.leases.acquire("grant:a", "bot", T0 + 2_000, 1_000), true, "given up: free at once");
  });

  it("renews every lease of a holder in one go, and counts the live ones by prefix", async () => {
    await first.leases.acquire("replica:a", "a", T0, 1_000);
    await first.leases.acquire("grant:x", "a", T0, 1_000);
    await first.leases.acquire("replica:b", "b", T0, 1_000);
    assert.equal(await first.leases.countLive("replica:", T0 + 999), 2);
    await first.leases.renewAll("a", T0 + 900, 1_000);
    assert.equal(await second.leases.countLive("replica:", T0 + 1_000), 1, "b lapsed, a was renewed");
    assert.equal(await second.leases.acquire("grant:x", "b", T0 + 1_500, 1_000), false, "a's other lease was renewed too");
  });
});

describe("WorkTracker across processes", () => {
  it("lets one process at a time claim a grant; a claim given up or lapsed passes to the other", async () => {
    const bot = new WorkTracker({ leases: first.leases, holder: "bot", clock });
    const admin = new WorkTracker({ leases: second.leases, holder: "jit-admin:1", clock });
    assert.equal(await bot.claim("jit-1"), true);
    assert.equal(await bot.claim("jit-1"), false, "already claimed in this process");
    assert.equal(await admin.claim("jit-1"), false, "claimed by the other process");
    await bot.release("jit-1");
    assert.equal(await admin.claim("jit-1"), true);
    clock.time += LEASE_TTL_MS;
    assert.equal(await bot.claim("jit-1"), true, "the admin's claim lapsed (it stopped renewing)");
    bot.stop();
    admin.stop();
  });

  it("runs changes to one assignment one after another, across processes", async () => {
    const bot = new WorkTracker({ leases: first.leases, holder: "bot", clock });
    // The bot holds the assignment until the admin's process has been refused it at least once.
    let refused!: () => void;
    const adminRefused = new Promise<void>((resolve) => (refused = resolve));
    const admin = new WorkTracker({
      leases: {
        async acquire(...args) {
          const taken = await second.leases.acquire(...args);
          if (!taken) refused();
          return taken;
        },
        renewAll: (...args) => second.leases.renewAll(...args),
        countLive: (...args) => second.leases.countLive(...args),
        release: (...args) => second.leases.release(...args),
      },
      holder: "jit-admin:1",
      clock,
    });
    const events: string[] = [];
    let started!: () => void;
    const botStarted = new Promise<void>((resolve) => (started = resolve));
    const slow = bot.exclusive("111122223333|Admin|u-1", async () => {
      events.push("bot starts");
      started();
      await adminRefused;
      events.push("bot ends");
    });
    await botStarted;
    const waiting = admin.exclusive("111122223333|Admin|u-1", async () => {
      events.push("admin runs");
    });
    await Promise.all([slow, waiting]);
    assert.deepEqual(events, ["bot starts", "bot ends", "admin runs"]);
  });

  it("runs a job only where nobody else runs it", async () => {
    const one = new WorkTracker({ leases: first.leases, holder: "bot:1", clock });
    const two = new WorkTracker({ leases: second.leases, holder: "bot:2", clock });
    let release!: () => void;
    let delivering!: () => void;
    const started = new Promise<void>((resolve) => (delivering = resolve));
    const held = one.ifFree("audit-outbox", () => {
      delivering();
      return new Promise<string>((resolve) => (release = () => resolve("one")));
    });
    await started;
    assert.equal(await two.ifFree("audit-outbox", async () => "two"), undefined, "skipped while the other delivers");
    release();
    assert.equal(await held, "one");
    assert.equal(await two.ifFree("audit-outbox", async () => "two"), "two");
  });
});

describe("QuotaShare", () => {
  it("divides the AWS calls per second among the live replicas, and gives a share back on leaving or lapsing", async () => {
    const limiters = { a: new RateLimiter(20), b: new RateLimiter(20) };
    const a = new QuotaShare(first.leases, "bot:a", clock, (n) => limiters.a.setRate(20 / n));
    const b = new QuotaShare(second.leases, "bot:b", clock, (n) => limiters.b.setRate(20 / n));
    assert.equal(await a.recount(), 1);
    assert.equal(limiters.a.rate, 20);
    assert.equal(await b.recount(), 2);
    assert.equal(await a.recount(), 2);
    assert.deepEqual([limiters.a.rate, limiters.b.rate], [10, 10]);
    await b.leave();
    assert.equal(await a.recount(), 1);
    assert.equal(limiters.a.rate, 20);
    await b.recount();
    clock.time += 30_000;
    assert.equal(await a.recount(), 1, "b stopped renewing and lapsed");
  });
});

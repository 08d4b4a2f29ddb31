// Seen Slack request signatures in SQLite (the PostgreSQL twin is in postgres-backend.test.ts).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openSqliteBackend } from "../../src/store/sqlite/sqlite-backend.js";
import { FakeClock, T0 } from "../support/store-fixtures.js";

describe("seen requests, in SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "jit-seen-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("sees each signature once until it expires, then forgets it, across a restart", async () => {
    const file = join(dir, "jit.db");
    const clock = new FakeClock(T0);
    const first = openSqliteBackend(file, clock);
    assert.equal(await first.seenRequests.firstSight("v0=aaa", T0 + 300_000), true);
    assert.equal(await first.seenRequests.firstSight("v0=aaa", T0 + 300_000), false);
    assert.equal(await first.seenRequests.firstSight("v0=bbb", T0 + 301_000), true);
    await first.close();

    const restarted = openSqliteBackend(file, clock);
    assert.equal(await restarted.seenRequests.firstSight("v0=aaa", T0 + 300_000), false, "a restart does not reopen the window");
    assert.deepEqual(restarted.db.prepare("SELECT signature FROM seen_requests ORDER BY signature").pluck().all(), ["v0=aaa", "v0=bbb"]);
    await restarted.close();

    clock.advance(300_000);
    const later = openSqliteBackend(file, clock);
    assert.equal(await later.seenRequests.firstSight("v0=ccc", clock.now() + 300_000), true);
    assert.deepEqual(
      later.db.prepare("SELECT signature FROM seen_requests ORDER BY signature").pluck().all(),
      ["v0=bbb", "v0=ccc"],
      "the expired one is gone; the one with a second left stays",
    );
    assert.equal(await later.seenRequests.firstSight("v0=bbb", T0 + 301_000), false);
    await later.close();
  });

  it("records a burst in one go, the same signature twice in it counting as seen the second time", async () => {
    const clock = new FakeClock(T0);
    const backend = openSqliteBackend(join(dir, "burst.db"), clock);
    const sight = (signature: string) => backend.seenRequests.firstSight(signature, T0 + 300_000);
    assert.deepEqual(await Promise.all(["v0=a", "v0=b", "v0=a", "v0=c", "v0=b"].map(sight)), [true, true, false, true, false]);
    assert.deepEqual(await Promise.all(["v0=c", "v0=d"].map(sight)), [false, true]);
    await backend.close();
  });
});

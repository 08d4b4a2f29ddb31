// The in-memory record of seen Slack request signatures (SQLite deployments).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemorySeenRequests } from "../../src/store/seen-requests.js";
import { FakeClock, T0 } from "../support/store-fixtures.js";

describe("seen requests, in memory", () => {
  it("sees each signature once until it expires, then forgets it", async () => {
    const clock = new FakeClock(T0);
    const seen = new MemorySeenRequests(() => clock.now());
    assert.equal(await seen.firstSight("v0=aaa", T0 + 300_000), true);
    assert.equal(await seen.firstSight("v0=aaa", T0 + 300_000), false);
    assert.equal(await seen.firstSight("v0=bbb", T0 + 301_000), true);
    assert.equal(seen.size, 2);

    clock.advance(300_000);
    assert.equal(await seen.firstSight("v0=ccc", clock.now() + 300_000), true);
    assert.equal(seen.size, 2, "the expired one is gone; the one with a second left stays");
    assert.equal(await seen.firstSight("v0=bbb", T0 + 301_000), false);

    clock.advance(1_000);
    assert.equal(await seen.firstSight("v0=ddd", clock.now() + 300_000), true);
    assert.equal(seen.size, 2);
  });
});

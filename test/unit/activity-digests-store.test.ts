// Activity digest jobs on the engine this leg of the suite runs: made by the grant's revocation
// itself, moved on by compare-and-set only, and reviewed once.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { StoreBackend } from "../../src/store/backend.js";
import { legBackend, LEG_ENGINE } from "../support/leg-backend.js";
import { HOUR, newGrant, requested, T0 } from "../support/store-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "jit-digests-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function endedGrant(backend: StoreBackend, id: string): Promise<void> {
  const { store } = backend;
  await store.insert(newGrant(id), requested);
  await store.transition(id, "pending", "approved", { decidedBy: "U0BOB", decidedAt: T0 }, null);
  await store.transition(id, "approved", "provisioning", { principalId: "p-alice" }, null);
  await store.transition(id, "provisioning", "active", { activatedAt: T0, expiresAt: T0 + HOUR }, null);
  await store.transition(id, "active", "revoking", {}, null);
  assert.equal(await backend.activityDigests.get(id), undefined, "no digest before the grant has ended");
  await store.transition(id, "revoking", "revoked", { endedAt: T0 + HOUR }, { action: "revoked", actorId: "system" });
}

const digestNote = { action: "activity_digest", actorId: "system", detail: { events: 3 } } as const;

describe(`activity digest jobs (${LEG_ENGINE})`, () => {
  it("makes exactly one pending job when a grant is revoked, in that transaction", async (t) => {
    const backend = await legBackend(t, dir);
    await endedGrant(backend, "jit-digest01");
    const job = await backend.activityDigests.get("jit-digest01");
    assert.equal(job?.state, "pending");
    assert.equal(job?.createdAt, T0 + HOUR);
    assert.deepEqual(
      (await backend.activityDigests.unfinished(T0 + HOUR, 10)).map((entry) => entry.grantId),
      ["jit-digest01"],
    );
  });

  it("collects, posts and reviews each digest once, auditing the digest and the review", async (t) => {
    const backend = await legBackend(t, dir);
    const digests = backend.activityDigests;
    await endedGrant(backend, "jit-digest02");
    await digests.defer("jit-digest02", T0 + 2 * HOUR);
    assert.deepEqual(await digests.unfinished(T0 + HOUR, 10), [], "not before it is due");
    assert.equal((await digests.unfinished(T0 + 2 * HOUR, 10)).length, 1);
    assert.equal(await digests.retryLater("jit-digest02", 1, T0 + 2 * HOUR), true);
    assert.equal(await digests.retryLater("jit-digest02", 1, T0 + 3 * HOUR), false, "a second retry of the same attempt loses");
    assert.deepEqual(await digests.unfinished(T0 + HOUR, 10), [], "not before its retry time");
    assert.equal(await digests.collect("jit-digest02", "{}", true, digestNote), true);
    assert.equal(await digests.collect("jit-digest02", "{}", true, digestNote), false);
    assert.equal(await digests.startPosting("jit-digest02"), true);
    assert.equal(await digests.startPosting("jit-digest02"), false);
    assert.equal(await digests.posted("jit-digest02", "C0APPROVALS", "1.000100"), true);
    assert.deepEqual(await digests.unfinished(T0 + 9 * HOUR, 10), []);
    assert.deepEqual(
      (await digests.listUnreviewed(10)).map((job) => job.grantId),
      ["jit-digest02"],
    );
    const reviewNote = { action: "activity_reviewed", actorId: "U0BOB" } as const;
    const reviewed = await digests.review("jit-digest02", "U0BOB", T0 + 5 * HOUR, reviewNote);
    assert.equal(reviewed?.reviewedBy, "U0BOB");
    assert.equal(await digests.review("jit-digest02", "U0DAVE", T0 + 6 * HOUR, reviewNote), undefined, "reviewed once");
    assert.deepEqual(await digests.listUnreviewed(10), []);
    const actions = (await backend.audit.forGrant("jit-digest02")).map((record) => record.action);
    assert.deepEqual(
      actions.filter((action) => action.startsWith("activity")),
      ["activity_digest", "activity_reviewed"],
    );
    assert.equal((await backend.audit.verify()).ok, true);
  });

  it("does not take a review of a digest that needs none", async (t) => {
    const backend = await legBackend(t, dir);
    await endedGrant(backend, "jit-digest03");
    await backend.activityDigests.collect("jit-digest03", "{}", false, digestNote);
    assert.equal(
      await backend.activityDigests.review("jit-digest03", "U0BOB", T0, { action: "activity_reviewed", actorId: "U0BOB" }),
      undefined,
    );
  });
});

// The organization snapshot shared through the store, and the once-per-reason left-policy mark, on
// the engine this leg of the suite runs (PostgreSQL with JIT_TEST_DATABASE_URL, SQLite otherwise):
// one row replaced whole and read back as stored (unchecked: readers validate), its read time
// without the snapshot, and markLeftPolicy as a compare-and-set on the reason with its audit record.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import type { StoreBackend } from "../../src/store/backend.js";
import { legBackend, LEG_ENGINE } from "../support/leg-backend.js";
import { newGrant, requested, T0 } from "../support/store-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "jit-org-snapshots-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function engine(t: TestContext): Promise<StoreBackend> {
  return legBackend(t, dir);
}

const left = (reason: string) => ({ action: "account_left_policy" as const, actorId: "system", detail: { reason, revoked: false } });

describe(`the stored organization snapshot (${LEG_ENGINE})`, () => {
  it("holds nothing until a snapshot is put", async (t) => {
    const { organizationSnapshots } = await engine(t);
    assert.equal(await organizationSnapshots.readAt(), undefined);
    assert.equal(await organizationSnapshots.latest(), undefined);
  });

  it("gives back what was put, and its read time alone", async (t) => {
    const { organizationSnapshots } = await engine(t);
    const stored = { readAt: T0, readBy: "bot:host:1:ab", snapshot: '{"readAt":1700000000000}' };
    await organizationSnapshots.put(stored);
    assert.deepEqual(await organizationSnapshots.latest(), stored);
    assert.equal(await organizationSnapshots.readAt(), T0);
  });

  it("replaces the one row on each put, even with an earlier read time (the last write wins)", async (t) => {
    const { organizationSnapshots } = await engine(t);
    await organizationSnapshots.put({ readAt: T0 + 10, readBy: "bot:a", snapshot: "first" });
    await organizationSnapshots.put({ readAt: T0, readBy: "jit-admin:b", snapshot: "second" });
    assert.deepEqual(await organizationSnapshots.latest(), { readAt: T0, readBy: "jit-admin:b", snapshot: "second" });
  });

  it("returns text the database holds as it is, for the reader to check", async (t) => {
    const { organizationSnapshots } = await engine(t);
    await organizationSnapshots.put({ readAt: T0, readBy: "bot", snapshot: "not json at all" });
    assert.equal((await organizationSnapshots.latest())?.snapshot, "not json at all");
  });
});

describe(`markLeftPolicy (${LEG_ENGINE})`, () => {
  it("records a reason once, with one audit record, and another reason once more", async (t) => {
    const backend = await engine(t);
    await backend.store.insert(newGrant("g1"), requested);

    assert.equal(await backend.store.markLeftPolicy("g1", "no-rule", left("no-rule")), true);
    assert.equal(await backend.store.markLeftPolicy("g1", "no-rule", left("no-rule")), false);
    assert.equal(await backend.store.markLeftPolicy("g1", "not-active", left("not-active")), true);

    const reports = (await backend.audit.forGrant("g1")).filter((record) => record.action === "account_left_policy");
    assert.deepEqual(
      reports.map((record) => record.detail.reason),
      ["no-rule", "not-active"],
    );
  });

  it("is false for a grant there is none of, and records nothing", async (t) => {
    const backend = await engine(t);
    assert.equal(await backend.store.markLeftPolicy("g-none", "gone", left("gone")), false);
    assert.deepEqual(await backend.audit.forGrant("g-none"), []);
  });

  it("lets one of two marks made at once through", async (t) => {
    const backend = await engine(t);
    await backend.store.insert(newGrant("g1"), requested);
    const [first, second] = await Promise.all([
      backend.store.markLeftPolicy("g1", "gone", left("gone")),
      backend.store.markLeftPolicy("g1", "gone", left("gone")),
    ]);
    assert.deepEqual([first, second].sort(), [false, true]);
  });
});

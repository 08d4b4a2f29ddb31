// Escalations and reminders on the engine this leg of the suite runs: each is a compare-and-set, so
// of two writers (two replicas, or a bot and its successor) exactly one escalates or reminds.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { legBackend, LEG_ENGINE } from "../support/leg-backend.js";
import { newGrant, requested } from "../support/store-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "jit-nudges-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const escalatedNote = { action: "escalated", actorId: "system" } as const;

describe(`escalations and reminders in the store (${LEG_ENGINE})`, () => {
  it("escalates a pending request once, auditing each grant of it, however many try at once", async (t) => {
    const backend = await legBackend(t, dir);
    await backend.store.insertAll(
      ["jit-part0001", "jit-part0002"].map((id) => ({ grant: newGrant(id, { bundleId: "req-nudges01" }), note: requested })),
    );
    const ids = ["jit-part0001", "jit-part0002"];
    const tries = await Promise.all([1000, 2000, 3000].map((at) => backend.nudges.escalate(ids, at, escalatedNote)));
    assert.deepEqual(tries.filter(Boolean).length, 1, "exactly one escalation");
    const at = (await backend.nudges.of("jit-part0001")).escalatedAt;
    assert.ok(at !== null && [1000, 2000, 3000].includes(at));
    assert.equal((await backend.nudges.of("jit-part0002")).escalatedAt, at, "the part's other grant is escalated with it");
    for (const id of ids) {
      assert.deepEqual(
        (await backend.audit.forGrant(id)).map((record) => record.action),
        ["requested", "escalated"],
      );
    }
    assert.equal(await backend.nudges.escalate(ids, 4000, escalatedNote), false, "not again later");
  });

  it("does not escalate a request that is no longer pending", async (t) => {
    const backend = await legBackend(t, dir);
    await backend.store.insert(newGrant("jit-decided1"), requested);
    await backend.store.transition("jit-decided1", "pending", "denied", { decidedBy: "U0BOB", decidedAt: 10 }, null);
    assert.equal(await backend.nudges.escalate(["jit-decided1"], 20, escalatedNote), false);
    assert.deepEqual(await backend.nudges.of("jit-decided1"), { escalatedAt: null, remindedAt: null });
  });

  it("records a reminder only over the one the writer last saw", async (t) => {
    const backend = await legBackend(t, dir);
    await backend.store.insert(newGrant("jit-remind01"), requested);
    const first = await Promise.all([100, 200].map((at) => backend.nudges.remind("jit-remind01", null, at)));
    assert.equal(first.filter(Boolean).length, 1, "one of two simultaneous first reminders");
    const last = (await backend.nudges.of("jit-remind01")).remindedAt;
    assert.equal(await backend.nudges.remind("jit-remind01", null, 300), false, "a writer that saw none loses");
    assert.equal(await backend.nudges.remind("jit-remind01", last, 400), true);
    assert.deepEqual(await backend.nudges.of("jit-remind01"), { escalatedAt: null, remindedAt: 400 });
    assert.equal(await backend.nudges.escalate(["jit-remind01"], 500, escalatedNote), true, "a reminded request can still escalate");
    assert.deepEqual(await backend.nudges.of("jit-remind01"), { escalatedAt: 500, remindedAt: 400 });
  });
});

// What an access review reads from the store, on the engine this leg of the suite runs: the grants
// requested in a period or holding access in it, their approvers and approved extensions.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { GrantStore } from "../../src/services/ports.js";
import { legBackend, LEG_ENGINE } from "../support/leg-backend.js";
import { approving, newGrant, requested, T0 } from "../support/store-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "jit-history-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
const note = { actorId: "U0BOB" };

/** A grant requested at `at`, approved by `approvers` and active from `at` for `hours`, ended then. */
async function heldGrant(store: GrantStore, id: string, at: number, hours: number, approvers: string[] = ["U0BOB"]): Promise<void> {
  await store.insert(newGrant(id, { createdAt: at }), requested);
  for (const approver of approvers)
    await store.approve(id, approver, approving(approver, approvers.length), { decidedBy: approver, decidedAt: at }, note);
  await store.transition(id, "approved", "provisioning", { principalId: "p-1" }, null);
  await store.transition(id, "provisioning", "active", { activatedAt: at, expiresAt: at + hours * HOUR }, null);
  await store.transition(id, "active", "revoking", {}, null);
  await store.transition(id, "revoking", "revoked", { endedAt: at + hours * HOUR }, null);
}

describe(`the access history (${LEG_ENGINE})`, () => {
  it("reads the grants of a period with their approvers and approved extensions", async (t) => {
    const backend = await legBackend(t, dir);
    const { store, extensions, history } = backend;
    const from = T0 + 10 * HOUR;
    const to = T0 + 20 * HOUR;
    await heldGrant(store, "jit-before", T0, 2); // ended before the period
    await heldGrant(store, "jit-across", from - HOUR, 3, ["U0BOB", "U0CAROL"]); // held into it
    await heldGrant(store, "jit-inside", from + HOUR, 1);
    await heldGrant(store, "jit-after", to + HOUR, 1);
    await store.insert(newGrant("jit-asked", { createdAt: from + 2 * HOUR }), requested); // requested in it, never held
    await extensions.insert(
      { id: "ext-1", grantId: "jit-inside", requesterId: "U0ALICE", extraMs: HOUR, createdAt: from + HOUR },
      requested,
    );
    await extensions.approve("ext-1", "U0BOB", from + HOUR, approving("U0BOB", 1, "extension"), note);
    await extensions.insert(
      { id: "ext-2", grantId: "jit-inside", requesterId: "U0ALICE", extraMs: HOUR, createdAt: from + HOUR },
      requested,
    );

    const read = await history.ofPeriod(from, to);
    assert.deepEqual(read.grants.map((g) => g.id).sort(), ["jit-across", "jit-asked", "jit-inside"]);
    assert.deepEqual(read.approvers.get("jit-across"), ["U0BOB", "U0CAROL"]);
    assert.deepEqual(read.approvers.get("jit-inside"), ["U0BOB"]);
    assert.equal(read.approvers.has("jit-before"), false);
    assert.equal(read.extensions.get("jit-inside"), 1, "only the approved extension");
  });
});

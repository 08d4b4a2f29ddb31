import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Grant } from "../../src/domain/grant.js";
import { revokeAll, stopAll } from "../../src/services/revoke-all.js";
import type { AssignmentTarget } from "../../src/services/ports.js";
import { approvedGrant, MEMORY_POLICY, memoryWorld, type MemoryWorld } from "../support/memory-ports.js";
import { newGrant } from "../support/store-fixtures.js";

const DAVE = "U0DAVE";

/** Grant `id` active for a principal of its own, so no two share an assignment. */
async function activeFor(world: MemoryWorld, id: string): Promise<Grant> {
  const principalId = `p-${id}`;
  await approvedGrant(world, newGrant(id));
  await world.store.transition(id, "approved", "provisioning", { principalId, keepsAssignment: false }, null);
  world.provider.hold({ accountId: "111122223333", permissionSetName: "AdministratorAccess", principalId });
  const now = world.clock.now();
  const active = await world.store.transition(id, "provisioning", "active", { activatedAt: now, expiresAt: now + 3_600_000 }, null);
  assert.ok(active);
  return active;
}

describe("the incident switch (revoke-all)", () => {
  it("marks every grant revoking before any AWS call, then removes them no more at once than revocationsAtOnce", async () => {
    const world = memoryWorld();
    const ids = ["jit-aaaaaaa1", "jit-aaaaaaa2", "jit-aaaaaaa3", "jit-aaaaaaa4", "jit-aaaaaaa5"];
    for (const id of ids) await activeFor(world, id);
    let running = 0;
    let most = 0;
    let statusesAtFirstCall: Promise<string[]> | undefined;
    const startDelete = world.provider.startDelete.bind(world.provider);
    world.provider.startDelete = async (target: AssignmentTarget) => {
      statusesAtFirstCall ??= Promise.all(ids.map(async (id) => (await world.store.get(id))?.status ?? "gone"));
      running += 1;
      most = Math.max(most, running);
      // Yield a few turns so other workers, if any were allowed, would overlap this one.
      for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      return startDelete(target);
    };

    const result = await stopAll(world.deps, { actorId: "cli:ops", scope: { kind: "named" }, reason: "INC-9" });

    assert.deepEqual(await statusesAtFirstCall, ["revoking", "revoking", "revoking", "revoking", "revoking"]);
    assert.equal(most, 2, "two at once: the memory world's revocationsAtOnce");
    assert.equal(result.started.length, 5);
    assert.equal(result.revoked, 5);
    assert.deepEqual(result.stillRevoking, []);
    assert.equal(world.provider.callsTo("startDelete").length, 5);
  });

  it("refuses someone the policy does not name as an admin, and lets one it names through", async () => {
    const admin = { slackId: DAVE, email: "dave@example.com", standing: "member" } as const;
    const world = memoryWorld({ policy: { ...MEMORY_POLICY, admins: [{ kind: "slack-user", id: DAVE }] }, people: [admin] });
    await activeFor(world, "jit-bbbbbbb1");
    await assert.rejects(revokeAll(world.deps, { actorId: "U0ALICE", scope: { kind: "named" }, reason: "x" }), /Only a jit-slack admin/);
    assert.equal((await world.store.get("jit-bbbbbbb1"))?.status, "active");
    // Slack says the admin was deactivated: refused too, as a decision sees Slack now.
    world.people.set(DAVE, { ...admin, standing: "deactivated" });
    await assert.rejects(revokeAll(world.deps, { actorId: DAVE, scope: { kind: "named" }, reason: "x" }), /Only a jit-slack admin/);
    world.people.set(DAVE, admin);
    const result = await (await revokeAll(world.deps, { actorId: DAVE, scope: { kind: "named" }, reason: "x" }))();
    assert.equal(result.revoked, 1);
  });

  it("refuses an empty reason", async () => {
    const world = memoryWorld();
    await assert.rejects(stopAll(world.deps, { actorId: "cli:ops", scope: { kind: "named" }, reason: " \u200b " }), /Give a reason/);
  });
});

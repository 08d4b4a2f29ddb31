// Deletions in a burst are confirmed together: one status listing per poll interval answers for all
// of them, a FAILED one among them keeps its grant revoking with the reason audited.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, eventually } from "../support/flows.js";
import { seedActiveGrant } from "../support/seeded-grants.js";
import type { World } from "../support/world.js";

const GRANTS = 30;
const REASON = "Request failed because the permission set is being provisioned in the account";

describe("batched confirmation of deletions", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    // A listing a second, as in production, so that a burst's deletions share it.
    { JIT_AWS_POLL_INTERVAL_MS: "1000", JIT_SWEEP_INTERVAL_SECONDS: "1" },
  );

  async function expireBurst(): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < GRANTS; i += 1) {
      const id = `jit-batch${String(i).padStart(3, "0")}`;
      await seedActiveGrant(world, bot.bot.deps.store, i, {
        id,
        justification: "batch",
        now: bot.clock.now(),
        expiresAt: bot.clock.now() + 60_000,
      });
      ids.push(id);
    }
    bot.clock.advance(60_000);
    return ids;
  }

  const statusOf = async (id: string) => (await bot.bot.deps.store.get(id))?.status;
  const statusCalls = () => [
    ...world.aws.callsOf("ListAccountAssignmentDeletionStatus"),
    ...world.aws.callsOf("DescribeAccountAssignmentDeletionStatus"),
  ];

  it("confirms a burst of expiries with far fewer status calls than deletions", async () => {
    const ids = await expireBurst();
    await eventually(async () => (await Promise.all(ids.map(statusOf))).every((s) => s === "revoked"), 30_000, "every grant to be revoked");
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, GRANTS);
    assert.deepEqual(world.aws.assignments(), []);
    // One listing per poll interval (1 s) while deletions wait, whatever the machine's speed spreads
    // the burst over: a call per deletion would be 30.
    const deletes = world.aws.callsOf("DeleteAccountAssignment").map((call) => call.at);
    const listings = world.aws.callsOf("ListAccountAssignmentDeletionStatus").filter((call) => call.input.NextToken === undefined);
    // Rounds start at least a poll interval apart; a listing may then wait in the rate limiter behind
    // deletions (up to half a second here), so n listings span at least (n - 1) s less that wait.
    const listed = (listings.at(-1)?.at ?? 0) - (listings[0]?.at ?? 0);
    assert.ok(listings.length <= Math.floor((listed + 500) / 1000) + 1, `${listings.length} listings within ${listed} ms`);
    const spanSeconds = Math.ceil(((deletes.at(-1) ?? 0) - (deletes[0] ?? 0)) / 1000);
    const checks = statusCalls().length;
    assert.ok(checks <= spanSeconds + 2, `${checks} status calls for ${GRANTS} deletions over ${spanSeconds} s`);
    assert.ok(checks <= GRANTS / 2, `${checks} status calls for ${GRANTS} deletions`);
    assert.equal(world.aws.callsOf("DescribeAccountAssignmentDeletionStatus").length, 0, "every deletion was found in a listing");
  });

  it("keeps a deletion AWS reports FAILED in the middle of the batch revoking, with the reason audited, and revokes the rest", async () => {
    let deletes = 0;
    world.aws.onCall((call) => {
      if (call.operation !== "DeleteAccountAssignment") return;
      deletes += 1;
      if (deletes === GRANTS / 2) world.aws.failStatusNext("deletion", REASON, 1);
    });
    const ids = await expireBurst();
    await eventually(
      async () => (await Promise.all(ids.map(statusOf))).filter((s) => s === "revoked").length === GRANTS - 1,
      30_000,
      "the others to be revoked",
    );
    const failedId = (await Promise.all(ids.map(async (id) => ({ id, status: await statusOf(id) })))).find(
      (g) => g.status !== "revoked",
    )?.id;
    assert.ok(failedId);
    assert.equal(await statusOf(failedId), "revoking", "still revoking while AWS keeps the assignment");
    await eventually(
      async () => (await auditRows(world, failedId)).some((r) => r.action === "revocation_retry"),
      10_000,
      "the failure to be audited",
    );
    const retry = (await auditRows(world, failedId)).find((r) => r.action === "revocation_retry");
    assert.match(JSON.stringify(retry?.detail), /permission set is being provisioned/);
    assert.equal(world.aws.assignments().length, 1, "only the failed one is left in AWS");
    assert.equal(world.aws.callsOf("DescribeAccountAssignmentDeletionStatus").length, 1, "one describe, for the failure's reason");

    bot.clock.advance(10 * 60_000);
    await eventually(async () => (await statusOf(failedId)) === "revoked", 15_000, "the retry to revoke it");
    assert.deepEqual(world.aws.assignments(), []);
  });
});

// Many grants expiring in the same second are all revoked, within the API rate AWS allows.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { eventually } from "../support/flows.js";
import { seedActiveGrant } from "../support/seeded-grants.js";
import type { World } from "../support/world.js";

const GRANTS = 24;
const BOT_RATE = 8;
const AWS_LIMIT = 12; // calls in any sliding second before AWS throttles

describe("a burst of expiries", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    { JIT_AWS_CALLS_PER_SECOND: String(BOT_RATE), JIT_SWEEP_INTERVAL_SECONDS: "1" },
  );

  /** Puts `count` active grants straight into the store, each with its assignment in AWS. */
  async function seedActiveGrants(count: number, expiresAt: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const id = `jit-burst${String(i).padStart(3, "0")}`;
      await seedActiveGrant(world, bot.bot.deps.store, i, { id, justification: "burst", now: bot.clock.now(), expiresAt });
      ids.push(id);
    }
    return ids;
  }

  it("revokes every grant, starting at once, without tripping the account's rate limit", async () => {
    const ids = await seedActiveGrants(GRANTS, bot.clock.now() + 60_000);
    world.aws.setRateLimit(AWS_LIMIT);
    const callsBefore = world.aws.calls.length;
    bot.clock.advance(60_000);
    const expiredAtReal = Date.now();

    await eventually(
      async () => (await Promise.all(ids.map((id) => bot.bot.deps.store.get(id)))).every((g) => g?.status === "revoked"),
      30_000,
      "every grant to be revoked",
    );
    const deletes = world.aws.callsOf("DeleteAccountAssignment");
    assert.equal(deletes.length, GRANTS, "one deletion per grant, none lost or repeated");
    assert.equal(world.aws.assignments().length, 0);
    assert.equal(world.aws.throttledCount, 0, "the bot stays under the limit instead of leaning on retries");
    // One sweep interval (1 s) and the time to start it; a loaded CI machine needs the slack.
    assert.ok((deletes[0]?.at ?? Infinity) - expiredAtReal < 2500, "the first revocation starts within a sweep");
    const calls = world.aws.calls.slice(callsBefore);
    for (const call of calls) {
      const inWindow = calls.filter((c) => c.at >= call.at && c.at < call.at + 1000).length;
      assert.ok(inWindow <= AWS_LIMIT, `${inWindow} calls within one second`);
    }
  });
});

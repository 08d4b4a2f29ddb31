// A revocation AWS keeps refusing is retried with backoff until it succeeds, and raises an alert.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, eventually, request, statusBecomes, waitForDm } from "../support/flows.js";
import { AUDIT, people, type World } from "../support/world.js";

const HOUR = 3_600_000;

describe("revocations AWS refuses", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    { JIT_REVOCATION_ALERT_AFTER: "2" },
  );

  const retries = async (grantId: string) => (await auditRows(world, grantId)).filter((r) => r.action === "revocation_retry").length;

  it("keeps the grant revoking, backs off, alerts after the threshold, and finishes once AWS recovers", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h retry me");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await waitForDm(world, people.alice.slackId, /Access granted/);
    // Each attempt makes 5 tries (through the rate limiter); three failed attempts in all.
    world.aws.failNext("DeleteAccountAssignment", { code: "InternalServerException", message: "try later" }, 15);

    bot.clock.advance(HOUR + 1000);
    await eventually(async () => (await retries(requested.grantId)) === 1, 8000, "the first failed attempt");
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "revoking", "never revoked while AWS still has it");

    // Backing off: further sweeps leave it alone until the wait is over.
    await bot.bot.tick();
    await bot.bot.tick();
    assert.equal(await retries(requested.grantId), 1);

    bot.clock.advance(10 * 60_000);
    await eventually(async () => (await retries(requested.grantId)) === 2, 8000, "the second failed attempt");
    const stuck = async () => (await auditRows(world, requested.grantId)).filter((r) => r.action === "revocation_stuck").length;
    // The alert is its own record, written just after the retry it follows.
    await eventually(async () => (await stuck()) === 1, 8000, "the second failure to reach the alert threshold");
    await world.slack.waitFor(
      () =>
        world.slack
          .messagesIn(AUDIT)
          .map(messageText)
          .find((t) => t.includes("revocation_stuck") && t.includes(requested.grantId)),
      8000,
      "the alert in the audit channel",
    );

    bot.clock.advance(10 * 60_000);
    await eventually(async () => (await retries(requested.grantId)) === 3, 8000, "the third failed attempt");
    bot.clock.advance(10 * 60_000);
    await statusBecomes(bot, requested.grantId, "revoked");
    await waitForDm(world, people.alice.slackId, /has ended/);
    assert.equal(world.aws.assignments().length, 0);
    assert.equal(await stuck(), 1, "no second alert before the next threshold");
  });
});

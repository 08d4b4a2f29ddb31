// When a click's decision is written: before Slack gets its 200 (crash-recovery.test.ts kills the
// bot right after it), yet never so late that Slack's 3-second limit on the answer is missed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, request, statusBecomes, waitForDm } from "../support/flows.js";
import { people, type World } from "../support/world.js";

describe("acknowledging decisions", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
  });

  it("answers an Approve within Slack's 3 seconds even when writing it takes longer, and still records and grants it", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h slow directory");
    // The approver's Slack lookup, which the decision needs, takes longer than Slack waits for an answer.
    world.slack.setLatency(3_500, "users.info");
    const sent = Date.now();
    const clicked = await click(bot, people.bob.slackId, "jit_approve", requested);
    const answeredAfter = Date.now() - sent;
    assert.equal(clicked.status, 200);
    assert.ok(answeredAfter < 3_000, `answered after ${answeredAfter} ms`);

    await statusBecomes(bot, requested.grantId, "active");
    await waitForDm(world, people.alice.slackId, /Access granted/);
    assert.equal((await auditRows(world, requested.grantId)).filter((row) => row.action === "approved").length, 1);
  });
});

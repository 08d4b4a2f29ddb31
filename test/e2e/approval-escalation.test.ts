// Approvals that never stall: a request nobody decides is escalated once (to Dave, by direct message,
// with working buttons), its approvers are reminded in the message's thread until it is decided, and
// a silent approver may approve without ever being pinged. Time moves on the injected clock.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText, type FakeMessage } from "../../src/simulators/fake-slack.js";
import { findButtons } from "../../src/simulators/slack-requests.js";
import { ESCALATING_POLICY } from "../support/escalating-policy.js";
import { auditRows, click, dmsTo, request, statusBecomes, waitForDm, type Requested } from "../support/flows.js";
import { freshBotForEachTest, startTestBot, type TestBot } from "../support/in-process-bot.js";
import { people, startWorld, type World } from "../support/world.js";

const MINUTE = 60_000;

function channelMessage(world: World, requested: Requested): FakeMessage | undefined {
  return world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`);
}

function escalationsTo(world: World, userId: string, requested: Requested): FakeMessage[] {
  return dmsTo(world, userId).filter((m) => messageText(m).includes(requested.grantId) && findButtons(m.blocks).length > 0);
}

/** The thread replies under the request's approval message. */
function reminders(world: World, requested: Requested): FakeMessage[] {
  return world.slack.messagesIn(requested.message.channel).filter((m) => m.threadTs === requested.message.ts);
}

async function actions(world: World, grantId: string): Promise<string[]> {
  return (await auditRows(world, grantId)).map((row) => row.action);
}

async function escalated(bot: TestBot, world: World, requested: Requested): Promise<FakeMessage> {
  bot.clock.advance(16 * MINUTE);
  await bot.bot.tick();
  return world.slack.waitFor(() => escalationsTo(world, people.dave.slackId, requested)[0], 5000, "Dave's escalation DM");
}

describe("escalation of a request nobody decided", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    { JIT_SWEEP_INTERVAL_SECONDS: "59" },
    ESCALATING_POLICY,
  );

  it("posts the request to the escalation's approver after escalateAfter, says so, tells the requester, and lets them approve", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h nobody is around");
    bot.clock.advance(14 * MINUTE);
    await bot.bot.tick();
    assert.equal(escalationsTo(world, people.dave.slackId, requested).length, 0, "not before escalateAfter");

    const copy = await escalated(bot, world, requested);
    assert.equal(findButtons(copy.blocks).length, 2, "Approve and Deny");
    assert.match(messageText(channelMessage(world, requested)), /escalated to dave@example\.com at/);
    await waitForDm(world, people.alice.slackId, /was escalated to dave@example\.com/);
    assert.equal((await actions(world, requested.grantId)).filter((a) => a === "escalated").length, 1);

    const approved = await click(bot, people.dave.slackId, "jit_approve", {
      grantId: requested.grantId,
      message: { channel: copy.channel, ts: copy.ts },
    });
    assert.equal(approved.status, 200);
    await statusBecomes(bot, requested.grantId, "active");
    for (const [where, message] of [
      ["the channel", channelMessage(world, requested)],
      ["Dave's DM", copy],
    ] as const) {
      await world.slack.waitFor(() => /Approved by <@U0DAVE>/.test(messageText(message)), 5000, `${where} to show Dave's approval`);
      assert.deepEqual(findButtons(message?.blocks), [], `${where} has no buttons left`);
    }
    bot.clock.advance(16 * MINUTE);
    await bot.bot.tick();
    assert.equal((await actions(world, requested.grantId)).filter((a) => a === "escalated").length, 1, "escalated once");
  });

  it("refuses the escalation's approver before the escalation, and an outsider after it", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h too early for dave");
    const early = await click(bot, people.dave.slackId, "jit_approve", requested);
    assert.match(await early.reply(), /not an approver for rule "engineers" until a request is escalated to you/);
    await escalated(bot, world, requested);
    const outsider = await click(bot, people.mallory.slackId, "jit_approve", requested);
    assert.match(await outsider.reply(), /You are not an approver for rule "engineers"\./);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "pending");
    assert.deepEqual(
      (await auditRows(world, requested.grantId)).filter((row) => row.action === "refused").map((row) => row.actorId),
      [people.dave.slackId, people.mallory.slackId],
    );
  });

  it("never escalates a request decided in time", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h decided quickly");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    bot.clock.advance(16 * MINUTE);
    await bot.bot.tick();
    await bot.settled();
    assert.equal(dmsTo(world, people.dave.slackId).length, 0);
    assert.ok(!(await actions(world, requested.grantId)).includes("escalated"));
  });

  it("reminds the approvers in the message's thread at remindEvery, the escalation's too once escalated, and stops at the decision", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h please remind them");
    bot.clock.advance(11 * MINUTE);
    await bot.bot.tick();
    await bot.bot.tick();
    const [first] = await world.slack.waitFor(() => (reminders(world, requested).length === 1 ? reminders(world, requested) : undefined));
    assert.match(messageText(first), /Reminder: request jit-[a-z0-9]{8} is still waiting.*<@U0BOB>/);
    assert.doesNotMatch(messageText(first), /U0CAROL|dave/, "neither the silent approver nor the escalation yet");

    await escalated(bot, world, requested);
    assert.equal(reminders(world, requested).length, 1, "the escalation is not also a reminder");
    bot.clock.advance(6 * MINUTE);
    await bot.bot.tick();
    await world.slack.waitFor(() => reminders(world, requested).length === 2, 5000, "the second reminder");
    assert.match(messageText(reminders(world, requested)[1]), /<@U0BOB>, dave@example\.com/);

    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    bot.clock.advance(11 * MINUTE);
    await bot.bot.tick();
    await bot.settled();
    assert.equal(reminders(world, requested).length, 2, "no reminder after the decision");
  });

  it("lets a silent approver approve without a direct message or a mention", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h carol quietly approves");
    await waitForDm(world, people.bob.slackId, new RegExp(requested.grantId));
    assert.doesNotMatch(JSON.stringify(channelMessage(world, requested)), /U0CAROL|silent/);
    const approved = await click(bot, people.carol.slackId, "jit_approve", requested);
    assert.equal(approved.status, 200);
    await statusBecomes(bot, requested.grantId, "active");
    assert.deepEqual(dmsTo(world, people.carol.slackId), [], "Carol was never sent anything");
    assert.match(messageText(channelMessage(world, requested)), /Approved by <@U0CAROL>/);
  });
});

describe("escalation across a restart", () => {
  it("is not repeated, nor is a reminder, by a bot started after it", async () => {
    const world = await startWorld(ESCALATING_POLICY);
    try {
      const first = await startTestBot(world, { JIT_SWEEP_INTERVAL_SECONDS: "59" });
      let requested: Requested;
      try {
        requested = await request(first, world, people.alice.slackId, "prod ReadOnlyAccess 1h across a restart");
        first.clock.advance(11 * MINUTE);
        await first.bot.tick();
        await world.slack.waitFor(() => reminders(world, requested).length === 1, 5000, "the reminder");
        await escalated(first, world, requested);
        await first.settled();
      } finally {
        await first.stop();
      }
      const second = await startTestBot(world, { JIT_SWEEP_INTERVAL_SECONDS: "59" });
      try {
        second.clock.advance(17 * MINUTE);
        await second.bot.tick();
        await second.bot.tick();
        await second.settled();
        assert.equal(escalationsTo(world, people.dave.slackId, requested).length, 1, "one escalation DM");
        assert.equal((await actions(world, requested.grantId)).filter((a) => a === "escalated").length, 1);
        assert.equal(reminders(world, requested).length, 1, "the last reminder was at 11 minutes");
        const approved = await click(second, people.dave.slackId, "jit_approve", requested);
        assert.equal(approved.status, 200);
        await statusBecomes(second, requested.grantId, "active");
      } finally {
        await second.stop();
      }
    } finally {
      await world.close();
    }
  });
});

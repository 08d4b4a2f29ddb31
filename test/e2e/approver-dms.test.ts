// With notifyApprovers, each approver's direct message carries the request like the channel's
// message does, and is updated with every outcome like it: no approver is left with live-looking
// Approve/Deny buttons, not even after the bot restarts between the request and its outcome.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText, type FakeMessage } from "../../src/simulators/fake-slack.js";
import { findButtons } from "../../src/simulators/slack-requests.js";
import { click, deny, dmsTo, request, slash, statusBecomes, type Requested } from "../support/flows.js";
import { freshBotForEachTest, startTestBot, type TestBot } from "../support/in-process-bot.js";
import { NOTIFYING_POLICY } from "../support/notifying-policy.js";
import { APPROVALS, people, startWorld, type World } from "../support/world.js";

const MINUTE = 60_000;
const APPROVERS = [people.bob.slackId, people.dave.slackId];

/** Each approver's DM about the request, once it has arrived. */
async function copiesOf(world: World, requested: Requested): Promise<FakeMessage[]> {
  return Promise.all(
    APPROVERS.map((approver) =>
      world.slack.waitFor(() => dmsTo(world, approver).find((m) => messageText(m).includes(requested.grantId)), 5000, `${approver}'s DM`),
    ),
  );
}

/** Waits until the channel's message and every approver's DM say `outcome`, none with buttons left. */
async function everyCopySays(world: World, requested: Requested, outcome: RegExp): Promise<void> {
  const channel = world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`);
  for (const [where, message] of [
    ["the channel", channel] as const,
    ...(await copiesOf(world, requested)).map((m) => [`DM ${m.channel}`, m] as const),
  ]) {
    await world.slack.waitFor(() => outcome.test(messageText(message)), 5000, `${where} to say ${outcome}`);
    assert.deepEqual(findButtons(message?.blocks), [], `${where} has no buttons left`);
  }
}

describe("approvers' direct messages", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    NOTIFYING_POLICY,
  );

  it("carry the buttons while the request waits, then the approval and, later, the end of the access", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h checking alarms");
    for (const copy of await copiesOf(world, requested)) assert.equal(findButtons(copy.blocks).length, 2);
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    await everyCopySays(world, requested, /Approved by <@U0BOB>.*active until/);
    bot.clock.advance(61 * MINUTE);
    await statusBecomes(bot, requested.grantId, "revoked");
    await everyCopySays(world, requested, /:lock: ended/);
  });

  it("say the request was denied", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h to be denied");
    await copiesOf(world, requested);
    await deny(bot, world, people.dave.slackId, requested, "not now");
    await everyCopySays(world, requested, /Denied by <@U0DAVE>/);
  });

  it("say the request was withdrawn", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h changed my mind");
    await copiesOf(world, requested);
    assert.match(await slash(bot, people.alice.slackId, `revoke ${requested.grantId}`), /withdrawn/);
    await everyCopySays(world, requested, /Withdrawn by the requester/);
  });

  it("say the request expired when nobody decided in time", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h nobody looks");
    await copiesOf(world, requested);
    bot.clock.advance(31 * MINUTE);
    await bot.bot.tick();
    await statusBecomes(bot, requested.grantId, "expired");
    await everyCopySays(world, requested, /Expired: nobody decided/);
  });
});

describe("approvers' direct messages sent while the request is decided", () => {
  it("are updated with the outcome although the decision came before they were all sent", async () => {
    const world = await startWorld(NOTIFYING_POLICY);
    const bot = await startTestBot(world);
    try {
      // Opening each DM takes a while: Bob approves in the channel before the DMs are out.
      world.slack.setLatency(700, "conversations.open");
      const delivery = await bot.driver.command(people.alice.slackId, "request prod ReadOnlyAccess 1h decided at once");
      const posted = await world.slack.waitFor(() => world.slack.messagesIn(APPROVALS)[0], 5000, "the approval request");
      const grantId = /jit-[a-z0-9]{8}/.exec(messageText(posted))?.[0] ?? "";
      const requested = { grantId, message: { channel: posted.channel, ts: posted.ts } };
      await click(bot, people.bob.slackId, "jit_approve", requested);
      await statusBecomes(bot, grantId, "active");
      await delivery.waitForResponse();
      for (const copy of await copiesOf(world, requested)) {
        await world.slack.waitFor(() => /Approved by <@U0BOB>/.test(messageText(copy)), 5000, `DM ${copy.channel} to show the approval`);
        assert.deepEqual(findButtons(copy.blocks), [], `DM ${copy.channel} has no buttons left`);
      }
    } finally {
      await bot.stop();
      await world.close();
    }
  });
});

describe("approvers' direct messages across a restart", () => {
  it("are updated by a bot started after they were sent", async () => {
    const world = await startWorld(NOTIFYING_POLICY);
    try {
      const first = await startTestBot(world);
      const requested = await request(first, world, people.alice.slackId, "prod ReadOnlyAccess 1h before the restart");
      await copiesOf(world, requested);
      await first.stop();
      const second = await startTestBot(world);
      try {
        await click(second, people.bob.slackId, "jit_approve", requested);
        await statusBecomes(second, requested.grantId, "active");
        await everyCopySays(world, requested, /Approved by <@U0BOB>/);
      } finally {
        await second.stop();
      }
    } finally {
      await world.close();
    }
  });
});

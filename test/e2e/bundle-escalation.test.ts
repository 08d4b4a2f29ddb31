// A multi-target request under a rule that escalates and reminds: its part is escalated once (Dave
// gets the part's targets with working buttons, the channel's message says so, Alice is told), his
// click decides every grant of the part, and the reminders stop. Left undecided, the request expires
// with one message to Alice listing every target, not one per grant. Time moves on the injected clock.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText, type FakeMessage } from "../../src/simulators/fake-slack.js";
import { findButtons } from "../../src/simulators/slack-requests.js";
import { ESCALATING_POLICY } from "../support/escalating-policy.js";
import { auditRows, click, dmsTo, slash, statusBecomes, waitForDm } from "../support/flows.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { APPROVALS, people, type World } from "../support/world.js";

const MINUTE = 60_000;

// AdministratorAccess on prod is decided by Carol alone, in the same channel, and never escalates
// (first in the file, so it decides that pair rather than the escalating rule).
const ADMINS_RULE = `  - name: admins
    accounts: [prod]
    permissionSets: [AdministratorAccess]
    requesters: [${people.alice.slackId}]
    approvers: [${people.carol.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
`;

describe("escalation and expiry of a multi-target request", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    { JIT_SWEEP_INTERVAL_SECONDS: "59" },
    `maxTargetsPerRequest: 4\n${ESCALATING_POLICY.replace("rules:\n", `rules:\n${ADMINS_RULE}`)}`,
  );

  /** Alice asks for ReadOnlyAccess on prod and sandbox (one part, two grants, one message), or for `targets`. */
  async function requestBoth(words: string, targets = "prod,sandbox ReadOnlyAccess") {
    const reply = await slash(bot, people.alice.slackId, `request ${targets} 1h ${words}`);
    const bundleId = /Request (req-[a-z0-9]{8})/.exec(reply)?.[1];
    assert.ok(bundleId, `no request id in: ${reply}`);
    const message = await world.slack.waitFor(
      () => world.slack.messagesIn(APPROVALS).find((m) => messageText(m).includes(bundleId)),
      5000,
      "the approval message",
    );
    const grants = await bot.bot.deps.store.listBundle(bundleId);
    assert.equal(grants.length, 2);
    return { bundleId, message, grants, grantIds: grants.map((grant) => grant.id) };
  }

  const channelMessage = (message: FakeMessage) => world.slack.messages.get(`${message.channel}:${message.ts}`);
  const reminders = (message: FakeMessage) => world.slack.messagesIn(message.channel).filter((m) => m.threadTs === message.ts);
  const escalations = (bundleId: string) =>
    dmsTo(world, people.dave.slackId).filter((m) => messageText(m).includes(bundleId) && findButtons(m.blocks).length > 0);

  it("escalates the part once, lets the escalation's approver decide all of it, and stops the reminders", async () => {
    const { bundleId, message, grantIds } = await requestBoth("nobody is around");
    bot.clock.advance(11 * MINUTE);
    await bot.bot.tick();
    await world.slack.waitFor(() => reminders(message).length === 1, 5000, "the first reminder");

    bot.clock.advance(5 * MINUTE);
    await bot.bot.tick();
    const copy = await world.slack.waitFor(() => escalations(bundleId)[0], 5000, "Dave's escalation DM");
    assert.match(messageText(copy), /ReadOnlyAccess\* on prod/);
    assert.match(messageText(copy), /ReadOnlyAccess\* on sandbox/);
    assert.match(messageText(channelMessage(message)), /escalated to dave@example\.com at/);
    await waitForDm(world, people.alice.slackId, /was escalated to dave@example\.com/);
    for (const grantId of grantIds) {
      const escalated = (await auditRows(world, grantId)).filter((row) => row.action === "escalated");
      assert.equal(escalated.length, 1, "each grant of the part audited as escalated, once");
    }

    const [approve] = findButtons(copy.blocks).filter((button) => button.actionId === "jit_approve");
    assert.ok(approve, "an Approve button on Dave's copy");
    const approved = await click(bot, people.dave.slackId, "jit_approve", {
      grantId: approve.value ?? "",
      message: { channel: copy.channel, ts: copy.ts },
    });
    assert.equal(approved.status, 200);
    for (const grantId of grantIds) await statusBecomes(bot, grantId, "active");
    for (const [where, shown] of [
      ["the channel", channelMessage(message)],
      ["Dave's DM", world.slack.messages.get(`${copy.channel}:${copy.ts}`)],
    ] as const) {
      await world.slack.waitFor(() => /approved by <@U0DAVE>/i.test(messageText(shown)), 5000, `${where} to show Dave's approval`);
    }

    const before = reminders(message).length;
    bot.clock.advance(21 * MINUTE);
    await bot.bot.tick();
    await bot.bot.tick();
    await bot.settled();
    assert.equal(reminders(message).length, before, "no reminder after the decision");
    assert.equal(dmsTo(world, people.dave.slackId).filter((m) => messageText(m).includes(bundleId)).length, 1, "escalated once");
    assert.deepEqual(findButtons(world.slack.messages.get(`${copy.channel}:${copy.ts}`)?.blocks), [], "Dave's copy has no buttons left");
  });

  it("escalates only the part whose rule says so, and gives its approver buttons for that part alone", async () => {
    const { bundleId, message, grants } = await requestBoth("two parts", "prod ReadOnlyAccess,AdministratorAccess");
    const readOnly = grants.find((grant) => grant.permissionSetName === "ReadOnlyAccess");
    const admin = grants.find((grant) => grant.permissionSetName === "AdministratorAccess");
    assert.ok(readOnly && admin);
    assert.equal(findButtons(message.blocks).length, 4, "each part has its buttons in the channel");

    bot.clock.advance(16 * MINUTE);
    await bot.bot.tick();
    const copy = await world.slack.waitFor(() => escalations(bundleId)[0], 5000, "Dave's escalation DM");
    assert.deepEqual(
      findButtons(copy.blocks).map((button) => `${button.actionId}:${button.value}`),
      [`jit_approve:${readOnly.id}`, `jit_deny:${readOnly.id}`],
      "Dave is offered only the part escalated to him",
    );
    assert.match(messageText(copy), /AdministratorAccess\* on prod/, "he still sees the whole request");
    assert.equal((await auditRows(world, admin.id)).filter((row) => row.action === "escalated").length, 0);

    await click(bot, people.dave.slackId, "jit_approve", { grantId: readOnly.id, message: { channel: copy.channel, ts: copy.ts } });
    await statusBecomes(bot, readOnly.id, "active");
    assert.equal((await bot.bot.deps.store.get(admin.id))?.status, "pending", "Carol's part is hers to decide");
    await world.slack.waitFor(
      () => findButtons(channelMessage(message)?.blocks).length === 2,
      5000,
      "the channel's message to keep only Carol's buttons",
    );
  });

  /** Alice's messages about the expiry: exactly one, listing both targets as expired. */
  function toldOnceOfExpiry() {
    const expiries = dmsTo(world, people.alice.slackId)
      .map(messageText)
      .filter((text) => /expired/.test(text));
    assert.equal(expiries.length, 1, `one message, not one per target: ${JSON.stringify(expiries)}`);
    assert.match(expiries[0] ?? "", /ReadOnlyAccess\* on prod.*expired undecided/);
    assert.match(expiries[0] ?? "", /ReadOnlyAccess\* on sandbox.*expired undecided/);
  }

  it("tells the requester once, listing every target, when the sweep expires the request undecided", async () => {
    const { grantIds } = await requestBoth("too slow to decide");
    bot.clock.advance(61 * MINUTE);
    await bot.bot.tick();
    for (const grantId of grantIds) await statusBecomes(bot, grantId, "expired");
    await bot.settled();
    toldOnceOfExpiry();
  });

  it("tells the requester once when a late click expires the request instead of deciding it", async () => {
    const { message, grantIds } = await requestBoth("too slow to approve");
    bot.clock.advance(61 * MINUTE);
    const [approve] = findButtons(message.blocks).filter((button) => button.actionId === "jit_approve");
    const late = await click(bot, people.bob.slackId, "jit_approve", { grantId: approve?.value ?? "", message });
    assert.match(await late.reply(), /expired: nobody decided within 1h/);
    for (const grantId of grantIds) await statusBecomes(bot, grantId, "expired");
    await bot.settled();
    toldOnceOfExpiry();
  });
});

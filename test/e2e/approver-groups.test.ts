// Approvers named as a Slack user group or by email, and direct messages to each approver.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { findButtons } from "../../src/simulators/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { click, dmsTo, request, statusBecomes } from "../support/flows.js";
import { APPROVALS, people, PROD, SANDBOX, type World } from "../support/world.js";

const POLICY = `
accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${SANDBOX}", name: sandbox }
permissionSets: [ReadOnlyAccess]
rules:
  - name: ops-approve
    accounts: [prod]
    permissionSets: [ReadOnlyAccess]
    requesters: [usergroup:S0ENGINEERS]
    approvers: [usergroup:S0OPS, ${people.carol.email}]
    notifyApprovers: true
    approverChannel: ${APPROVALS}
    maxDuration: 1h
`;

describe("approvers and requesters as Slack user groups", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
      w.slack.addUsergroup("S0ENGINEERS", [people.alice.slackId]);
      w.slack.addUsergroup("S0OPS", [people.bob.slackId, people.dave.slackId]);
    },
    {},
    POLICY,
  );

  it("lets a member of the requesters' group ask, DMs every approver, and lets a member of the approvers' group approve", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h on call");
    for (const approver of [people.bob, people.dave, people.carol]) {
      await world.slack.waitFor(
        () => dmsTo(world, approver.slackId).find((m) => messageText(m).includes(requested.grantId)),
        5000,
        `a DM to ${approver.slackId}`,
      );
    }
    const dm = dmsTo(world, people.bob.slackId).find((m) => messageText(m).includes(requested.grantId));
    assert.equal(findButtons(dm?.blocks).length, 2, "the DM carries Approve and Deny too");
    assert.equal(dmsTo(world, people.alice.slackId).filter((m) => messageText(m).includes("Approve")).length, 0, "not to the requester");

    const outsider = await click(bot, people.mallory.slackId, "jit_approve", requested);
    assert.match(await outsider.reply(), /not an approver/);
    await click(bot, people.dave.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
  });

  it("refuses someone outside the requesters' group", async () => {
    const delivery = await bot.driver.command(people.carol.slackId, "request prod ReadOnlyAccess 1h please");
    const reply = messageText((await delivery.waitForResponse()).body);
    assert.match(reply, /not on the list of people who may request/);
  });
});

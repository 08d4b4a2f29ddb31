// The /jit form as a person uses it: open, pick an account (the permission sets narrow), submit
// with problems (shown on their fields, nothing stored), then submit a good request.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { input } from "../../src/simulators/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, eventually } from "../support/flows.js";
import { chooseAndWait, formBlock, openForm as openFormOf, optionValues } from "../support/request-form.js";
import { UX_POLICY } from "../support/ux-policy.js";
import { APPROVALS, people, PROD, type World } from "../support/world.js";

describe("the /jit form", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    UX_POLICY,
  );

  const block = formBlock;
  const openForm = () => openFormOf(bot, world, people.alice.slackId);

  it("narrows the permission sets to those allowed on the chosen account", async () => {
    const view = await openForm();
    assert.deepEqual(optionValues(view, "account").sort(), ["111122223333", "444455556666"]);
    const updated = await chooseAndWait(bot, world, people.alice.slackId, view, "account", PROD, {
      account: { [block(view, "account")?.element?.action_id ?? "account"]: input.staticSelect(PROD) },
    });
    assert.deepEqual(optionValues(updated, "permission_set").sort(), ["AdministratorAccess", "ReadOnlyAccess"]);
  });

  it("shows problems on their fields and stores nothing, then files a good request", async () => {
    const view = await openForm();
    const values = (duration: string, justification: string, ticket = "") => ({
      account: { account: input.staticSelect(PROD) },
      permission_set: { permission_set: input.staticSelect("AdministratorAccess") },
      duration: { duration: input.staticSelect(duration) },
      justification: { justification: input.text(justification) },
      ticket: { ticket: input.text(ticket) },
    });

    const tooLong = await bot.driver.submitView(
      people.alice.slackId,
      { callbackId: "jit_request", viewId: view.id },
      values("5h", "payments are failing again", "INC-1"),
    );
    assert.deepEqual(tooLong.response.json(), {
      response_action: "errors",
      errors: { duration: '5h is longer than the 2h allowed by rule "prod-admin".' },
    });

    const noTicket = await bot.driver.submitView(
      people.alice.slackId,
      { callbackId: "jit_request", viewId: view.id },
      values("1h", "payments are failing again"),
    );
    assert.deepEqual(noTicket.response.json(), {
      response_action: "errors",
      errors: { ticket: 'Rule "prod-admin" requires a ticket reference.' },
    });
    assert.equal((await auditRows(world)).length, 0, "nothing stored");

    const good = await bot.driver.submitView(
      people.alice.slackId,
      { callbackId: "jit_request", viewId: view.id },
      values("1h", "payments are failing again", "INC-77"),
    );
    assert.equal(good.response.status, 200);
    assert.equal(good.response.body, "", "the modal closes");
    await eventually(async () => world.slack.messagesIn(APPROVALS).length === 1, 5000, "the approval request");
    assert.ok(/INC-77/.test(JSON.stringify(world.slack.messagesIn(APPROVALS)[0]?.blocks)), "the ticket is shown to approvers");
  });

  it("tells someone the policy names nowhere, in the form, that they may not request anything", async () => {
    const delivery = await bot.driver.command(people.mallory.slackId, "");
    assert.equal(delivery.response.status, 200);
    await world.slack.waitFor(
      () =>
        /does not let you request any AWS access/.test(
          messageText({ blocks: world.slack.lastView({ userId: people.mallory.slackId })?.blocks }),
        ),
      5000,
      "the form to say so",
    );
  });
});

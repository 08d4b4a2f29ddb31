// The /jit form as a person uses it: open, pick an account (the permission sets narrow), submit
// with problems (shown on their fields, nothing stored), then submit a good request.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText, type FakeView } from "../../src/simulators/fake-slack.js";
import { input } from "../../src/simulators/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, eventually } from "../support/flows.js";
import { UX_POLICY } from "../support/ux-policy.js";
import { APPROVALS, people, PROD, type World } from "../support/world.js";

interface Option {
  value: string;
}
interface InputBlock {
  block_id?: string;
  element?: { action_id?: string; options?: Option[] };
}

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

  const block = (view: FakeView, id: string) => (view.blocks as InputBlock[]).find((b) => b.block_id === id);
  const optionValues = (view: FakeView, id: string) => (block(view, id)?.element?.options ?? []).map((o) => o.value);

  /** A block_actions payload from inside the modal, as Slack sends when a dispatching select changes. */
  async function choose(view: FakeView, blockId: string, value: string, values: Record<string, Record<string, unknown>>) {
    const actionId = block(view, blockId)?.element?.action_id ?? blockId;
    const payload = {
      type: "block_actions",
      team: { id: world.slack.teamId, domain: world.slack.teamDomain },
      user: { id: people.alice.slackId, username: "alice", name: "alice", team_id: world.slack.teamId },
      api_app_id: world.slack.appId,
      token: "verification-token",
      container: { type: "view", view_id: view.id },
      trigger_id: world.slack.issueTriggerId(people.alice.slackId),
      view: {
        id: view.id,
        type: "modal",
        callback_id: view.callbackId,
        hash: view.hash,
        private_metadata: view.privateMetadata,
        blocks: view.blocks,
        state: { values },
      },
      actions: [
        {
          type: "static_select",
          action_id: actionId,
          block_id: blockId,
          selected_option: { text: { type: "plain_text", text: value }, value },
          action_ts: "1",
        },
      ],
    };
    const response = await bot.driver.post(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
    assert.equal(response.status, 200);
  }

  async function openForm(): Promise<FakeView> {
    const delivery = await bot.driver.command(people.alice.slackId, "");
    assert.equal(delivery.response.status, 200);
    return world.slack.waitFor(() => world.slack.lastView({ callbackId: "jit_request", userId: people.alice.slackId }), 5000, "the form");
  }

  it("narrows the permission sets to those allowed on the chosen account", async () => {
    const view = await openForm();
    assert.deepEqual(optionValues(view, "account").sort(), ["111122223333", "444455556666"]);
    await choose(view, "account", PROD, {
      account: { [block(view, "account")?.element?.action_id ?? "account"]: input.staticSelect(PROD) },
    });
    const updated = await world.slack.waitFor(
      () => world.slack.callsOf("views.update").length > 0 && world.slack.views.get(view.id),
      5000,
      "views.update",
    );
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

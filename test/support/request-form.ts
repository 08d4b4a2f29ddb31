// Driving the /jit form as Slack does: open it, read its blocks, and change a dispatching select
// inside it (a block_actions payload whose container is the view), waiting for the views.update.
import assert from "node:assert/strict";
import type { FakeView } from "../../src/simulators/fake-slack.js";
import type { TestBot } from "./in-process-bot.js";
import type { World } from "./world.js";

interface Option {
  value: string;
}
export interface FormBlock {
  block_id?: string;
  element?: { action_id?: string; type?: string; options?: Option[] };
}

export const formBlock = (view: FakeView, id: string) => (view.blocks as FormBlock[]).find((b) => b.block_id === id);
export const optionValues = (view: FakeView, id: string) => (formBlock(view, id)?.element?.options ?? []).map((o) => o.value);

/** `/jit` alone by `userId`, and the form it opens. */
export async function openForm(bot: TestBot, world: World, userId: string): Promise<FakeView> {
  const delivery = await bot.driver.command(userId, "");
  assert.equal(delivery.response.status, 200);
  return world.slack.waitFor(() => world.slack.lastView({ callbackId: "jit_request", userId }), 5000, "the form");
}

/**
 * A block_actions payload from inside the modal, as Slack sends when a dispatching select changes,
 * and the view as the views.update it causes left it.
 */
export async function chooseAndWait(
  bot: TestBot,
  world: World,
  userId: string,
  view: FakeView,
  blockId: string,
  value: string,
  values: Record<string, Record<string, unknown>>,
): Promise<FakeView> {
  const before = world.slack.callsOf("views.update").length;
  const actionId = formBlock(view, blockId)?.element?.action_id ?? blockId;
  const payload = {
    type: "block_actions",
    team: { id: world.slack.teamId, domain: world.slack.teamDomain },
    user: { id: userId, username: "someone", name: "someone", team_id: world.slack.teamId },
    api_app_id: world.slack.appId,
    token: "verification-token",
    container: { type: "view", view_id: view.id },
    trigger_id: world.slack.issueTriggerId(userId),
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
  return world.slack.waitFor(
    () => world.slack.callsOf("views.update").length > before && world.slack.views.get(view.id),
    5000,
    "views.update",
  );
}

// A block_actions payload from inside a modal, as Slack sends it when a select with
// dispatch_action changes (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload):
// the view as the fake holds it, its state so far, and the one changed element.
import { FAKE_DEFAULTS, type FakeView } from "./fake-slack.js";

export interface ViewSelectFields {
  readonly userId: string;
  readonly userName: string;
  readonly teamId: string;
  readonly triggerId: string;
  readonly view: FakeView;
  readonly blockId: string;
  readonly actionId: string;
  readonly value: string;
  /** The whole form's state.values, the changed element included. */
  readonly values: Record<string, Record<string, unknown>>;
}

export function viewSelectBody(f: ViewSelectFields): string {
  const payload = {
    type: "block_actions",
    team: { id: f.teamId, domain: FAKE_DEFAULTS.teamDomain },
    user: { id: f.userId, username: f.userName, name: f.userName, team_id: f.teamId },
    api_app_id: FAKE_DEFAULTS.appId,
    token: "fake-verification-token",
    container: { type: "view", view_id: f.view.id },
    trigger_id: f.triggerId,
    view: {
      id: f.view.id,
      type: "modal",
      callback_id: f.view.callbackId,
      hash: f.view.hash,
      private_metadata: f.view.privateMetadata,
      blocks: f.view.blocks,
      state: { values: f.values },
    },
    actions: [
      {
        type: "static_select",
        action_id: f.actionId,
        block_id: f.blockId,
        selected_option: { text: { type: "plain_text", text: f.value }, value: f.value },
        action_ts: (Date.now() / 1000).toFixed(6),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

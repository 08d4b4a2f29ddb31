// Slack's request payloads, built as Slack builds them: slash commands as flat fields, interactions
// as one JSON object. HTTP delivers them form-encoded (`…Body`, signed by slack-requests.ts); Socket
// Mode delivers the same objects inside an envelope (`…Payload`, see slack-socket-driver.ts).

import { randomBytes } from "node:crypto";
import { FAKE_DEFAULTS } from "./fake-slack.js";

/** Common optional identity fields; defaults match FakeSlack's defaults. */
interface Identity {
  teamId?: string;
  teamDomain?: string;
  userName?: string;
  apiAppId?: string;
}

export type SlashCommandFields = Identity & {
  userId: string;
  text: string;
  command?: string;
  channelId?: string;
  channelName?: string;
  responseUrl: string;
  triggerId?: string;
};

/** The raw form body to sign and post. */
export function slashCommandBody(f: SlashCommandFields): string {
  return new URLSearchParams(slashCommandPayload(f)).toString();
}

export function slashCommandPayload(f: SlashCommandFields): Record<string, string> {
  // Field order as Slack sends them.
  return {
    token: VERIFICATION_TOKEN,
    team_id: f.teamId ?? FAKE_DEFAULTS.teamId,
    team_domain: f.teamDomain ?? FAKE_DEFAULTS.teamDomain,
    channel_id: f.channelId ?? FAKE_DEFAULTS.channelId,
    channel_name: f.channelName ?? FAKE_DEFAULTS.channelName,
    user_id: f.userId,
    user_name: f.userName ?? f.userId.toLowerCase(),
    command: f.command ?? "/jit",
    text: f.text,
    api_app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    is_enterprise_install: "false",
    response_url: f.responseUrl,
    trigger_id: f.triggerId ?? randomTriggerId(),
  };
}

export type BlockActionFields = Identity & {
  userId: string;
  actionId: string;
  value: string;
  blockId?: string;
  /** The button's label, as Slack echoes it in the action. */
  actionText?: string;
  channelId: string;
  channelName?: string;
  messageTs: string;
  /** The message the button lives on, as Slack echoes it back. */
  message?: { text?: string; blocks?: unknown[]; user?: string };
  responseUrl: string;
  triggerId?: string;
};

/** The raw form body (`payload=<JSON>`) to sign and post. */
export function blockActionBody(f: BlockActionFields): string {
  return payloadForm(blockActionPayload(f));
}

export function blockActionPayload(f: BlockActionFields): Record<string, unknown> {
  const teamId = f.teamId ?? FAKE_DEFAULTS.teamId;
  return {
    type: "block_actions",
    user: userObject(f.userId, f.userName, teamId),
    api_app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    token: VERIFICATION_TOKEN,
    container: { type: "message", message_ts: f.messageTs, channel_id: f.channelId, is_ephemeral: false },
    trigger_id: f.triggerId ?? randomTriggerId(),
    team: { id: teamId, domain: f.teamDomain ?? FAKE_DEFAULTS.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: {
      id: f.channelId,
      name: f.channelName ?? (f.channelId.startsWith("D") ? "directmessage" : FAKE_DEFAULTS.channelName),
    },
    message: {
      type: "message",
      subtype: "bot_message",
      text: f.message?.text ?? "",
      user: f.message?.user ?? FAKE_DEFAULTS.botUserId,
      bot_id: FAKE_DEFAULTS.botId,
      app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
      team: teamId,
      ts: f.messageTs,
      blocks: f.message?.blocks ?? [],
    },
    state: { values: {} },
    response_url: f.responseUrl,
    actions: [buttonAction(f)],
  };
}

export interface ViewPayloadFields extends Identity {
  userId: string;
  callbackId: string;
  privateMetadata?: string;
  viewId?: string;
  hash?: string;
  blocks?: unknown[];
  title?: string;
}

export function viewSubmissionBody(f: ViewPayloadFields & { values: Record<string, Record<string, unknown>>; triggerId?: string }): string {
  const teamId = f.teamId ?? FAKE_DEFAULTS.teamId;
  return payloadForm({
    type: "view_submission",
    team: { id: teamId, domain: f.teamDomain ?? FAKE_DEFAULTS.teamDomain },
    user: userObject(f.userId, f.userName, teamId),
    api_app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: f.triggerId ?? randomTriggerId(),
    view: viewObject(f, f.values),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  });
}

export function viewClosedBody(f: ViewPayloadFields): string {
  const teamId = f.teamId ?? FAKE_DEFAULTS.teamId;
  return payloadForm({
    type: "view_closed",
    team: { id: teamId, domain: f.teamDomain ?? FAKE_DEFAULTS.teamDomain },
    user: userObject(f.userId, f.userName, teamId),
    api_app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    token: VERIFICATION_TOKEN,
    view: viewObject(f, {}),
    is_cleared: false,
    is_enterprise_install: false,
    enterprise: null,
  });
}

/** state.values entries for common inputs: `{ block: { action: input.text('x') } }`. */
export const input = {
  text: (value: string) => ({ type: "plain_text_input", value }),
  staticSelect: (value: string, text = value) => ({
    type: "static_select",
    selected_option: { text: { type: "plain_text", text, emoji: true }, value },
  }),
  multiStaticSelect: (values: string[]) => ({
    type: "multi_static_select",
    selected_options: values.map((value) => ({ text: { type: "plain_text", text: value, emoji: true }, value })),
  }),
  usersSelect: (userId: string) => ({ type: "users_select", selected_user: userId }),
  multiUsersSelect: (userIds: string[]) => ({ type: "multi_users_select", selected_users: userIds }),
};

// ---------------------------------------------------------------------------
// helpers

const VERIFICATION_TOKEN = "fake-verification-token";

interface Button {
  blockId: string;
  actionId: string;
  value: string | undefined;
  text: string | undefined;
}

/** Buttons in `actions` blocks and section accessories. */
export function findButtons(blocks: unknown[] | undefined): Button[] {
  const out: Button[] = [];
  (blocks ?? []).forEach((block, i) => {
    if (!isRecord(block)) return;
    const elements = [...(Array.isArray(block.elements) ? block.elements : []), ...(block.accessory ? [block.accessory] : [])];
    for (const el of elements) {
      if (!isRecord(el) || el.type !== "button" || typeof el.action_id !== "string") continue;
      out.push({
        blockId: typeof block.block_id === "string" ? block.block_id : `b${i}`,
        actionId: el.action_id,
        value: typeof el.value === "string" ? el.value : undefined,
        text: isRecord(el.text) && typeof el.text.text === "string" ? el.text.text : undefined,
      });
    }
  });
  return out;
}

function viewObject(f: ViewPayloadFields, values: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const id = f.viewId ?? `V${randomBytes(5).toString("hex").toUpperCase()}`;
  const teamId = f.teamId ?? FAKE_DEFAULTS.teamId;
  return {
    id,
    team_id: teamId,
    type: "modal",
    blocks: f.blocks ?? [],
    private_metadata: f.privateMetadata ?? "",
    callback_id: f.callbackId,
    state: { values },
    hash: f.hash ?? `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString("hex")}`,
    title: { type: "plain_text", text: f.title ?? "JIT", emoji: true },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: { type: "plain_text", text: "Submit", emoji: true },
    previous_view_id: null,
    root_view_id: id,
    app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    external_id: "",
    app_installed_team_id: teamId,
    bot_id: FAKE_DEFAULTS.botId,
  };
}

/** The clicked button as Slack echoes it in `actions`. */
function buttonAction(f: { actionId: string; value: string; blockId?: string; actionText?: string }): Record<string, unknown> {
  return {
    action_id: f.actionId,
    block_id: f.blockId ?? "actions",
    text: { type: "plain_text", text: f.actionText ?? f.actionId, emoji: true },
    value: f.value,
    type: "button",
    action_ts: slackTimestamp(),
  };
}

function userObject(userId: string, userName: string | undefined, teamId: string): Record<string, string> {
  const name = userName ?? userId.toLowerCase();
  return { id: userId, username: name, name, team_id: teamId };
}

function payloadForm(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function randomTriggerId(): string {
  return `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString("hex")}`;
}

function slackTimestamp(): string {
  return (Date.now() / 1000).toFixed(6);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * An Events API delivery (`event_callback`) wrapping `event`, as Slack sends it over HTTP (JSON,
 * signed) and inside a Socket Mode `events_api` envelope
 * (https://docs.slack.dev/apis/events-api/#callback-field).
 */
export function eventCallbackPayload(f: Identity & { event: Record<string, unknown> }): Record<string, unknown> {
  const teamId = f.teamId ?? FAKE_DEFAULTS.teamId;
  return {
    token: VERIFICATION_TOKEN,
    team_id: teamId,
    api_app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    event: { event_ts: slackTimestamp(), ...f.event },
    type: "event_callback",
    event_id: `Ev${randomBytes(5).toString("hex").toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: teamId, user_id: FAKE_DEFAULTS.botUserId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  };
}

/** The `app_home_opened` event for `userId` opening the app's Home tab (or, with `tab`, its Messages tab). */
export function appHomeOpenedEvent(userId: string, channel: string, tab: "home" | "messages" = "home"): Record<string, unknown> {
  return { type: "app_home_opened", user: userId, channel, tab };
}

export type HomeActionFields = Identity & {
  userId: string;
  actionId: string;
  value: string;
  blockId?: string;
  actionText?: string;
  /** The Home tab view the button is on, as published. */
  view: Record<string, unknown>;
  triggerId?: string;
};

/**
 * A click on a button in the Home tab: a block_actions payload whose container is the view, with
 * no message, no channel and no response_url
 * (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload).
 */
export function homeBlockActionPayload(f: HomeActionFields): Record<string, unknown> {
  const teamId = f.teamId ?? FAKE_DEFAULTS.teamId;
  return {
    type: "block_actions",
    user: userObject(f.userId, f.userName, teamId),
    api_app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    token: VERIFICATION_TOKEN,
    container: { type: "view", view_id: f.view.id },
    trigger_id: f.triggerId ?? randomTriggerId(),
    team: { id: teamId, domain: f.teamDomain ?? FAKE_DEFAULTS.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    view: { ...f.view, state: { values: {} } },
    actions: [buttonAction(f)],
  };
}

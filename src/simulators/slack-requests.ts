// Requests signed exactly as Slack signs them, for driving a real Bolt HTTP receiver.
//
// Signing: `v0=` + hex HMAC-SHA256(signing secret, `v0:<unix seconds>:<raw body>`), sent as
// X-Slack-Signature with X-Slack-Request-Timestamp. Bolt rejects (HTTP 401, empty body) a bad
// or missing signature and timestamps older than 5 minutes. Content-Type must be exactly
// `application/x-www-form-urlencoded` (Bolt compares the header string; anything else is parsed
// as JSON -> 400). Slash commands are plain form fields; interactive payloads are one form
// field, `payload=<JSON>`.
//
// SlackDriver ties this to a FakeSlack: each interaction carries a fresh trigger_id issued by the
// fake and a fresh response_url on the fake, so tests can await the app's response_url posts.
// The payload builders live in slack-payloads.ts and SocketDriver, the Socket Mode flavour, in
// slack-socket-driver.ts; both are re-exported here.

import { createHmac } from "node:crypto";
import { FAKE_DEFAULTS } from "./fake-slack.js";
import type { FakeSlack, FakeView } from "./fake-slack.js";
import { Interactions } from "./slack-interactions.js";
import type { CommandOptions, ResponseUrlTracking } from "./slack-interactions.js";
import {
  appHomeOpenedEvent,
  blockActionBody,
  eventCallbackPayload,
  homeBlockActionPayload,
  slashCommandBody,
  viewClosedBody,
  viewSubmissionBody,
} from "./slack-payloads.js";
import type { ViewPayloadFields } from "./slack-payloads.js";

export {
  appHomeOpenedEvent,
  eventCallbackPayload,
  homeBlockActionPayload,
  blockActionBody,
  blockActionPayload,
  findButtons,
  input,
  slashCommandBody,
  slashCommandPayload,
  viewClosedBody,
  viewSubmissionBody,
} from "./slack-payloads.js";
export type { ResponseUrlTracking } from "./slack-interactions.js";
export { SocketDriver } from "./slack-socket-driver.js";
export type { SocketDelivery, SocketDriverOptions } from "./slack-socket-driver.js";

export interface SignedPost {
  status: number;
  body: string;
  /** Parsed body; throws if the body is empty or not JSON. */
  json(): unknown;
  /** Response headers, lower-cased names. */
  headers: Record<string, string>;
}

export interface PostSignedOptions {
  secret: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Replaces the computed signature (to test rejection). */
  signature?: string;
  /** Extra or overriding headers (case-insensitive). */
  headers?: Record<string, string>;
  /** Header names to leave out (case-insensitive), e.g. ['x-slack-signature']. */
  omitHeaders?: string[];
}

export function signBody(secret: string, body: string, timestamp: number): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export async function postSigned(url: string, body: string, opts: PostSignedOptions): Promise<SignedPost> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": opts.signature ?? signBody(opts.secret, body, timestamp),
  };
  for (const [name, value] of Object.entries(opts.headers ?? {})) headers[name.toLowerCase()] = value;
  for (const name of opts.omitHeaders ?? []) delete headers[name.toLowerCase()];

  const res = await fetch(url, { method: "POST", headers, body });
  const text = await res.text();
  return {
    status: res.status,
    body: text,
    headers: Object.fromEntries(res.headers),
    json(): unknown {
      if (text === "") throw new Error(`response body is empty (HTTP ${res.status})`);
      return JSON.parse(text) as unknown;
    },
  };
}

// ---------------------------------------------------------------------------
// SlackDriver

/** What Slack got back from the app for one delivered request. */
export interface Delivery {
  /** Bolt's HTTP reply: ack() -> 200 with empty body, ack('text') -> the text, ack({...}) -> JSON. */
  response: SignedPost;
  /** trigger_id sent in the payload (valid with the fake's views.open for its TTL). */
  triggerId: string;
}

export interface DeliveryWithResponseUrl extends Delivery, ResponseUrlTracking {}

export type ViewRef = string | { callbackId: string; privateMetadata?: string; viewId?: string };

export interface SlackDriverOptions {
  /** The receiver URL including the path, e.g. `http://127.0.0.1:1234/slack/events`. */
  url: string;
  secret: string;
  fake: FakeSlack;
  teamId?: string;
  /** Channel used for slash commands unless overridden. */
  channelId?: string;
}

export class SlackDriver {
  readonly url: string;
  readonly secret: string;
  readonly fake: FakeSlack;
  readonly teamId: string;
  readonly channelId: string;
  private readonly interactions: Interactions;

  constructor(opts: SlackDriverOptions) {
    this.url = opts.url;
    this.secret = opts.secret;
    this.fake = opts.fake;
    this.teamId = opts.teamId ?? opts.fake.teamId;
    this.channelId = opts.channelId ?? FAKE_DEFAULTS.channelId;
    this.interactions = new Interactions(this.fake, this.teamId, this.channelId);
  }

  /** Signs and posts a raw form body to the receiver. */
  post(body: string, opts: Omit<PostSignedOptions, "secret"> = {}): Promise<SignedPost> {
    return postSigned(this.url, body, { secret: this.secret, ...opts });
  }

  /** A user typing `/jit <text>` (or `extra.command`). */
  async command(userId: string, text: string, extra: CommandOptions = {}): Promise<DeliveryWithResponseUrl> {
    const { fields, triggerId, tracking } = this.interactions.command(userId, text, extra);
    return { response: await this.post(slashCommandBody(fields)), triggerId, ...tracking };
  }

  /**
   * A user clicking a button on a message the app posted. The message must exist in the fake and
   * contain a button with this action_id and value (its block_id and label are taken from there);
   * pass `{ unchecked: true }` to send the click regardless (e.g. for a since-deleted message).
   */
  async click(
    userId: string,
    actionId: string,
    value: string,
    message: { channel: string; ts: string },
    opts: { unchecked?: boolean } = {},
  ): Promise<DeliveryWithResponseUrl> {
    const { fields, triggerId, tracking } = this.interactions.click(userId, actionId, value, message, opts);
    return { response: await this.post(blockActionBody(fields)), triggerId, ...tracking };
  }

  /**
   * A user submitting a modal. With a view id the view must exist in the fake (callback_id,
   * private_metadata, hash and blocks come from it) and every block_id/action_id in `values`
   * must be an input in it.
   */
  async submitView(userId: string, view: ViewRef, values: Record<string, Record<string, unknown>>): Promise<Delivery> {
    const fields = this.viewFields(userId, view);
    if (typeof view === "string") checkValuesAgainstView(this.fake.views.get(view), values);
    const triggerId = this.fake.issueTriggerId(userId);
    const response = await this.post(viewSubmissionBody({ ...fields, values, triggerId }));
    return { response, triggerId };
  }

  /**
   * A user typing `value` into an external_select with this action_id in a modal the fake holds,
   * as Slack asks for its options: a block_suggestion payload, form-encoded like interactions
   * (https://docs.slack.dev/reference/interaction-payloads/block_suggestion-payload). Slack sends
   * one only for an element the view shows; pass a view id with any `actionId` to forge one.
   */
  blockSuggestion(userId: string, actionId: string, value: string, view: string): Promise<SignedPost> {
    const payload = blockSuggestionPayload({ ...this.viewFields(userId, view), teamId: this.teamId, actionId, value });
    return this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  }

  /** An Events API event, delivered as Slack does over HTTP: a signed JSON `event_callback` body. */
  event(event: Record<string, unknown>, opts: Omit<PostSignedOptions, "secret"> & { teamId?: string } = {}): Promise<SignedPost> {
    const body = JSON.stringify(eventCallbackPayload({ teamId: opts.teamId ?? this.teamId, apiAppId: this.fake.appId, event }));
    return this.post(body, { ...opts, headers: { "content-type": "application/json", ...opts.headers } });
  }

  /** The user opening the app's Home tab (the `app_home_opened` event). */
  openHome(userId: string, tab: "home" | "messages" = "home"): Promise<SignedPost> {
    return this.event(appHomeOpenedEvent(userId, this.fake.dmChannelOf(userId), tab));
  }

  /** A user clicking a button on their Home tab as the fake last had it published; no response_url comes with it. */
  async clickHome(userId: string, actionId: string, value: string): Promise<Delivery> {
    const { fields, triggerId } = this.interactions.homeClick(userId, actionId, value);
    const response = await this.post(new URLSearchParams({ payload: JSON.stringify(homeBlockActionPayload(fields)) }).toString());
    return { response, triggerId };
  }

  /** A user closing a modal (delivered only for views with notify_on_close). */
  closeView(userId: string, view: ViewRef): Promise<SignedPost> {
    return this.post(viewClosedBody(this.viewFields(userId, view)));
  }

  private viewFields(userId: string, view: ViewRef): ViewPayloadFields {
    const base = { ...this.interactions.identity(userId), userId };
    if (typeof view !== "string") {
      return {
        ...base,
        callbackId: view.callbackId,
        ...(view.privateMetadata !== undefined ? { privateMetadata: view.privateMetadata } : {}),
        ...(view.viewId !== undefined ? { viewId: view.viewId } : {}),
      };
    }
    const stored = this.fake.views.get(view);
    if (stored === undefined) {
      throw new Error(`no view ${view} in the fake; known: ${[...this.fake.views.keys()].join(", ") || "none"}`);
    }
    if (stored.userId !== undefined && stored.userId !== userId) {
      throw new Error(`view ${view} was opened for ${stored.userId}, not ${userId}`);
    }
    const title = stored.view.title;
    return {
      ...base,
      viewId: stored.id,
      callbackId: stored.callbackId,
      privateMetadata: stored.privateMetadata,
      hash: stored.hash,
      blocks: stored.blocks,
      ...(isRecord(title) && typeof title.text === "string" ? { title: title.text } : {}),
    };
  }
}

/**
 * A block_suggestion payload from a modal: its block_id is that of the element with `actionId` in
 * the view's blocks ("account" when none has it, as a forged one would claim).
 */
export function blockSuggestionPayload(
  f: ViewPayloadFields & { teamId: string; actionId: string; value: string },
): Record<string, unknown> {
  const blockId =
    (f.blocks ?? []).find(
      (block): block is Record<string, unknown> =>
        isRecord(block) && isRecord(block.element) && block.element.action_id === f.actionId && typeof block.block_id === "string",
    )?.block_id ?? "account";
  const name = f.userName ?? f.userId.toLowerCase();
  return {
    type: "block_suggestion",
    user: { id: f.userId, username: name, name, team_id: f.teamId },
    container: { type: "view", view_id: f.viewId },
    api_app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    token: "fake-verification-token",
    action_id: f.actionId,
    block_id: blockId,
    value: f.value,
    team: { id: f.teamId, domain: f.teamDomain ?? FAKE_DEFAULTS.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    view: {
      id: f.viewId,
      team_id: f.teamId,
      type: "modal",
      blocks: f.blocks ?? [],
      private_metadata: f.privateMetadata ?? "",
      callback_id: f.callbackId,
      state: { values: {} },
      hash: f.hash,
      app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    },
  };
}

// ---------------------------------------------------------------------------
// helpers

function checkValuesAgainstView(view: FakeView | undefined, values: Record<string, Record<string, unknown>>): void {
  if (view === undefined) return;
  const inputs = new Map<string, string>();
  for (const block of view.blocks) {
    if (isRecord(block) && block.type === "input" && typeof block.block_id === "string" && isRecord(block.element)) {
      inputs.set(block.block_id, String(block.element.action_id));
    }
  }
  for (const [blockId, actions] of Object.entries(values)) {
    for (const actionId of Object.keys(actions)) {
      if (inputs.get(blockId) !== actionId) {
        const known = [...inputs].map(([b, a]) => `${b}.${a}`).join(", ") || "none";
        throw new Error(`view ${view.id} has no input ${blockId}.${actionId}; inputs: ${known}`);
      }
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
